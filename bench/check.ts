// Checks the hand-derived gradients of bench/impl/handwritten.ts against central finite
// differences of independently written forward functions, before they serve as reference.
// Run: npx tsx bench/check.ts   (exits 1 when a coordinate disagrees)
import { setup, rosenGrad } from "./impl/handwritten.js"
import { SCAN, W1, W2, W5, costData, lcg, scanData, w1Target, w1Trajectory, w2Data, w3Data, w4Data, w5Data } from "./workloads.js"

/** Central difference of f at x along coordinate i, step scaled to |x_i|. */
function fd(f: (x: Float64Array) => number, x: Float64Array, i: number): number {
  const h = 1e-5 * Math.max(1, Math.abs(x[i]!)), xi = x[i]!
  x[i] = xi + h; const fp = f(x)
  x[i] = xi - h; const fm = f(x)
  x[i] = xi
  return (fp - fm) / (2 * h)
}

let failed = false
/** Compares grad[i] with the central difference at up to `count` coordinates (all if fewer). */
function check(name: string, f: (x: Float64Array) => number, x: Float64Array, grad: Float64Array, count = 40) {
  const r = lcg(42), idx = x.length <= count ? [...x.keys()] : Array.from({ length: count }, () => Math.floor(r() * x.length))
  let scale = 0
  for (const g of grad) scale = Math.max(scale, Math.abs(g))
  let worst = 0
  for (const i of idx) worst = Math.max(worst, Math.abs(fd(f, x, i) - grad[i]!) / scale)
  const ok = worst < 1e-6
  failed ||= !ok
  console.log(`${ok ? "ok  " : "FAIL"} ${name.padEnd(28)} max |fd - grad| / max|grad| = ${worst.toExponential(2)} over ${idx.length} coords`)
}
const gradOf = async (w: string) => (await setup(w, "")).grad()

// W1: loss of the trajectory, through the same integrator the target uses.
const target = w1Target()
const w1Loss = (p: Float64Array) => w1Trajectory(p).reduce((s, x, t) => s + (x - target[t]!) ** 2, 0)
check("W1 d loss / d(k, c, a)", w1Loss, Float64Array.from(W1.at), await gradOf("W1"))

// W2: the MLP written as plain matrix code, all parameters flattened into one vector.
const mlp = w2Data()
const sizes = mlp.params.map((p) => p.length)
const theta = new Float64Array(sizes.reduce((a, b) => a + b, 0))
let off = 0
for (const p of mlp.params) { theta.set(p, off); off += p.length }
function mlpLoss(t: Float64Array): number {
  const views: Float64Array[] = []
  let o = 0
  for (const n of sizes) { views.push(t.subarray(o, o + n)); o += n }
  let h = mlp.x, n = W2.sizes[0]!
  for (let l = 0; l < 3; l++) {
    const m = W2.sizes[l + 1]!, w = views[2 * l]!, b = views[2 * l + 1]!, z = new Float64Array(W2.batch * m)
    for (let i = 0; i < W2.batch; i++)
      for (let j = 0; j < m; j++) {
        let s = b[j]!
        for (let p = 0; p < n; p++) s += h[i * n + p]! * w[p * m + j]!
        z[i * m + j] = l < 2 ? Math.tanh(s) : s
      }
    h = z; n = m
  }
  let loss = 0
  for (let i = 0; i < W2.batch; i++) loss += (h[i]! - mlp.y[i]!) ** 2
  return loss / W2.batch
}
check("W2 d mse / d params", mlpLoss, theta, await gradOf("W2"), 60)

// W3: elementwise, so the first 1000 coordinates of the gradient are those of the loss
// over the first 1000 elements (a sum of 10^6 terms would drown the difference in rounding).
const x3 = w3Data().slice(0, 1000)
check("W3 d loss / dx (first 1000)", (x) => {
  let s = 0
  for (let i = 0; i < x.length; i++) s += Math.sin(x[i]!) * Math.exp(-x[i]! * x[i]!) + Math.log1p(x[i]! * x[i]!)
  return s
}, x3, (await gradOf("W3")).slice(0, 1000), 40)

// W4: first the hand gradient against f, then each Hessian column against that gradient.
const x4 = w4Data()
const rosen = (x: Float64Array) => {
  let s = 0
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2
  return s
}
check("W4 Rosenbrock gradient", rosen, x4, rosenGrad(x4), 100)
const H = await gradOf("W4"), n4 = x4.length
for (const i of [0, 1, 50, 98, 99]) {
  const row = H.subarray(i * n4, (i + 1) * n4) // H is symmetric: row i = d g_i / dx
  check(`W4 Hessian row ${i}`, (x) => rosenGrad(x)[i]!, x4, Float64Array.from(row), 100)
}

// W5: per-example gradient row i against the loss of example i alone.
const d5 = w5Data(), G5 = await gradOf("W5")
for (const i of [0, 1, 500, 999]) {
  const xi = d5.x.subarray(i * W5.d, (i + 1) * W5.d)
  const loss = (w: Float64Array) => {
    const z = xi.reduce((s, v, j) => s + v * w[j]!, 0)
    return Math.log1p(Math.exp(z)) - d5.y[i]! * z
  }
  check(`W5 example ${i}`, loss, Float64Array.from(d5.w), Float64Array.from(G5.subarray(i * W5.d, (i + 1) * W5.d)))
}

// SCAN: sum(x_N^2) after N Euler steps, one component at a time (the dynamics are elementwise).
const sd = scanData()
check("SCAN d sum(x_N^2) / dp", (p) => {
  let s = 0
  for (let i = 0; i < SCAN.n; i++) {
    let x = sd.x0[i]!
    for (let t = 0; t < SCAN.N; t++) x += SCAN.dt * (p[i]! * Math.sin(x) - SCAN.decay * x)
    s += x * x
  }
  return s
}, Float64Array.from(sd.p), await gradOf("SCAN"), 100)

// COST: sum(sin(x) x + x^2 / 2).
const xc = costData(1000)
check("COST d f / dx", (x) => x.reduce((s, v) => s + Math.sin(v) * v + (v * v) / 2, 0), xc, await gradOf("COST-1000"), 40)

process.exit(failed ? 1 : 0)
