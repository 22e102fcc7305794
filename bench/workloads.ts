// Shared constants, deterministic data and the Runner contract of the benchmark.
// Every implementation builds its inputs from these functions, so all of them
// differentiate exactly the same float64 numbers (tfjs rounds them to float32).

/** One implementation set up for one workload; every call completes synchronously. */
export interface Runner {
  /** One gradient evaluation, read back and flattened (row-major, in the order documented below). */
  grad(): Float64Array
  /** COST only: one forward evaluation, read back. */
  forward?(): number
  /**
   * wengert only: the same evaluation without the read-back (SPEC's `toTypedArray()` is a copy),
   * timed too so the table can say what the copy costs; its result is the library's own array.
   */
  unread?(): unknown
  /** How the row computes it, e.g. "jit(grad), f64"; printed in the table. */
  note: string
}

/** Each implementation module exports `setup: Setup`; it throws when it cannot run a workload. */
export type Setup = (workload: string, variant: string) => Promise<Runner>

export const COST_SIZES = [10, 100, 1000, 10000, 100000] as const
export const WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "SCAN", ...COST_SIZES.map((n) => `COST-${n}`)]
/**
 * Row names per workload: W1 has two wengert variants (unrolled JS loop, lax.forILoop), SCAN
 * two (lax.scan, unrolled JS loop). jaxjs and tfjs stay in SCAN's list so the table says why
 * they do not run it (their setup throws, the row becomes "n/a: <reason>").
 */
export const implsFor = (w: string): string[] =>
  w === "W1" ? ["handwritten", "jaxjs", "tfjs", "wengert-loop", "wengert-fori"]
  : w === "SCAN" ? ["handwritten", "jaxjs", "tfjs", "wengert-scan", "wengert-loop"]
  : ["handwritten", "jaxjs", "tfjs", "wengert"]
export const costSize = (w: string): number => Number(w.slice("COST-".length))

/** Numerical Recipes' 32-bit LCG: uniform numbers in [lo, hi), identical on every run. */
export function lcg(seed: number) {
  let s = seed >>> 0
  return (lo = 0, hi = 1): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return lo + (hi - lo) * (s / 4294967296)
  }
}
const fill = (n: number, seed: number, lo: number, hi: number): Float64Array => {
  const r = lcg(seed)
  return Float64Array.from({ length: n }, () => r(lo, hi))
}

// W1: damped anharmonic oscillator x'' = -k x - c x' - a x^3, semi-implicit Euler.
// Loss = sum over steps t = 1..N of (x_t - target_t)^2; gradient w.r.t. [k, c, a].
export const W1 = { N: 1000, dt: 0.01, x0: 1, v0: 0, truth: [1.0, 0.1, 0.5], at: [1.2, 0.15, 0.4] }
/** x after each of the N steps for parameters [k, c, a]. */
export function w1Trajectory(p: ArrayLike<number>): Float64Array {
  const k = p[0]!, c = p[1]!, a = p[2]!
  const out = new Float64Array(W1.N)
  let x = W1.x0, v = W1.v0
  for (let t = 0; t < W1.N; t++) {
    v += W1.dt * (-k * x - c * v - a * x * x * x)
    x += W1.dt * v
    out[t] = x
  }
  return out
}
export const w1Target = (): Float64Array => w1Trajectory(W1.truth)

// W2: MLP 64 -> 128 -> 128 -> 1 with tanh, MSE over a batch of 256; y = x @ W + b with
// W stored [in, out]. Gradient order: W1, b1, W2, b2, W3, b3.
export const W2 = { batch: 256, sizes: [64, 128, 128, 1] }
export interface Mlp { x: Float64Array; y: Float64Array; params: Float64Array[]; shapes: number[][] }
export function w2Data(): Mlp {
  const [d0, d1, d2, d3] = W2.sizes as [number, number, number, number]
  const shapes = [[d0, d1], [d1], [d1, d2], [d2], [d2, d3], [d3]]
  const params = shapes.map((s, i) => {
    const fanIn = s[0]!, n = s.reduce((p, q) => p * q, 1)
    const bound = s.length === 2 ? 1 / Math.sqrt(fanIn) : 0.1
    return fill(n, 100 + i, -bound, bound)
  })
  return { x: fill(W2.batch * d0, 1, -1, 1), y: fill(W2.batch * d3, 2, -1, 1), params, shapes }
}

// W3: loss = sum(sin(x) * exp(-x^2) + log1p(x^2)) over 10^6 elements; gradient w.r.t. x.
export const w3Data = (): Float64Array => fill(1_000_000, 3, -3, 3)

// W4: Hessian of the 100-d Rosenbrock function
// f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, flattened row-major [100, 100].
export const w4Data = (): Float64Array => fill(100, 4, -1.5, 1.5)

// W5: per-example gradients of the logistic log-loss softplus(x_i . w) - y_i (x_i . w),
// 1000 examples of 32 features, labels in {0, 1}; output [1000, 32].
export const W5 = { n: 1000, d: 32 }
export function w5Data() {
  const r = lcg(5)
  const y = Float64Array.from({ length: W5.n }, () => (r() < 0.5 ? 0 : 1))
  return { x: fill(W5.n * W5.d, 6, -1, 1), y, w: fill(W5.d, 7, -0.5, 0.5) }
}

// SCAN (issue 6): a long scan over a vector state. x in R^100, parameters p in R^100,
// N explicit Euler steps x_{t+1} = x_t + dt (p * sin(x_t) - decay * x_t) (elementwise);
// loss = sum(x_N^2); gradient w.r.t. p (100 numbers).
export const SCAN = { N: 10_000, n: 100, dt: 1e-3, decay: 0.1 }
/** x_0 in [-1, 1) and p in [0.5, 1.5), each of length SCAN.n. */
export const scanData = () => ({ x0: fill(SCAN.n, 12, -1, 1), p: fill(SCAN.n, 13, 0.5, 1.5) })

// COST: f(x) = sum(sin(x) * x + x^2 / 2) over n inputs; grad vs forward time.
export const costData = (n: number): Float64Array => fill(n, 8, -2, 2)

/** max |got - ref| / max |ref|: a relative error that is not fooled by tiny entries. */
export function maxRelErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) return NaN
  let num = 0, den = 0
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(got[i]! - ref[i]!))
    den = Math.max(den, Math.abs(ref[i]!))
  }
  return Number.isFinite(num) ? num / (den || 1) : NaN
}
