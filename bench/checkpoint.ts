// Rematerialization of a long scan (issue 7): the gradient w.r.t. p ∈ R¹⁰⁰⁰ of Σ x_N² after
// N = 10 000 explicit Euler steps x ← x + 10⁻³·(p ⊙ sin x − 0.1·x) on a state of S = 1000
// float64s, under jit(grad), with lax.scan's checkpoint option "none", { every: k } for a
// sweep of k, "binomial" and { binomial: s }. Per row: the residual bytes that cross from the
// forward to the backward pass and the peak bytes (ir.memoryReport of the gradient's jaxpr),
// the time of the first call and the median of the next ones, and the forward pass alone, so
// backward = grad − forward. For none, every √N and binomial, also the measured memory
// (ir.memoryReport's { measure }: one run in the interpreter and one in freshly compiled
// code, peak bytes of typed arrays alive at once, bytes allocated). Writes docs/figures/checkpoint-memory.svg (memory against k with
// the least-squares fit of c0 + a·N/k + b·k) and docs/figures/checkpoint-time.svg.
// Usage: npm run bench:checkpoint   (wengert as built in dist/; N=… S=… REPS=… BIN_S=8,32 to change;
// MEASURE=0 skips the measured runs, MEASURE_INTERP=0 measures compiled code only)
import { writeFileSync } from "node:fs"
import { plot } from "../examples/lib/svg.ts"

type Arr = { toTypedArray(): ArrayLike<number>; item(): number }
type Measured = { peakBytes: number; allocatedBytes: number; retainedBytes: number }
type Fn = (...a: any[]) => any
const w = (await import(new URL("../dist/index.js", import.meta.url).href)) as {
  np: Record<string, Fn>; lax: { scan: Fn }; grad: (f: Fn) => Fn; jit: (f: Fn) => Fn; makeJaxpr: (f: Fn) => Fn
  ir: { memoryReport: (j: unknown, o?: { measure: unknown[]; backends?: string[] }) => { peakBytes: number; residualBytes: number; measured?: Record<string, Measured | undefined> } }
}
const { np, lax, grad, jit, makeJaxpr, ir } = w

const N = Number(process.env["N"] ?? 10_000), S = Number(process.env["S"] ?? 1000), REPS = Number(process.env["REPS"] ?? 3)
const dt = 1e-3
const x0 = np.linspace(-1, 1, S), p = np.linspace(0.5, 1.5, S)
type How = "none" | "binomial" | { every: number } | { binomial: number }
const loss = (how: How) => (pv: Arr) =>
  np.sum(np.square(lax.scan((x: any) => [x.add(np.multiply(pv, np.sin(x)).sub(x.mul(0.1)).mul(dt)), null], x0, null, { length: N, checkpoint: how })[0]))

function timed(f: () => Arr): { first: number; median: number; value: Float64Array } {
  let t0 = performance.now()
  const value = Float64Array.from(f().toTypedArray())
  const first = performance.now() - t0
  const times: number[] = []
  for (let i = 0; i < REPS; i++) { t0 = performance.now(); f().toTypedArray(); times.push(performance.now() - t0) }
  times.sort((a, c) => a - c)
  return { first, median: times[times.length >> 1]!, value }
}

interface Row { name: string; k?: number; s?: number; residual: number; peak: number; traceMs: number; first: number; median: number; err: number; measured?: { interpreter?: Measured; compiled?: Measured; ms: number } }
const MEASURE = process.env["MEASURE"] !== "0", MEASURE_INTERP = process.env["MEASURE_INTERP"] !== "0"
const MB = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`
const ms = (t: number) => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(0)} ms`)

const forward = timed(() => jit(loss("none"))(p))
let reference: Float64Array | undefined
const rows: Row[] = []
function measure(name: string, how: How, extra: { k?: number; s?: number } = {}, measured = false): Row {
  const t0 = performance.now()
  const jaxpr = makeJaxpr(grad(loss(how)))(p)
  const rep = ir.memoryReport(jaxpr)
  const traceMs = performance.now() - t0
  let m: Row["measured"]
  if (measured && MEASURE) {
    const t1 = performance.now()
    const got = ir.memoryReport(jaxpr, { measure: [p], backends: MEASURE_INTERP ? ["interpreter", "compiled"] : ["compiled"] }).measured!
    m = { interpreter: got["interpreter"], compiled: got["compiled"], ms: performance.now() - t1 }
  }
  const g = timed(() => jit(grad(loss(how)))(p))
  reference ??= g.value
  let err = 0, scale = 0
  for (let i = 0; i < S; i++) { err = Math.max(err, Math.abs(g.value[i]! - reference[i]!)); scale = Math.max(scale, Math.abs(reference[i]!)) }
  const row: Row = { name, ...extra, residual: rep.residualBytes, peak: rep.peakBytes, traceMs, first: g.first, median: g.median, err: err / scale, ...(m ? { measured: m } : {}) }
  rows.push(row)
  console.error(`${name}: residual ${MB(row.residual)}, peak ${MB(row.peak)}, grad ${ms(row.median)}`)
  return row
}

const none = measure("none", "none", {}, true)
const root = Math.round(Math.sqrt(N))
const ks = [10, 25, 50, root, 200, 400, 1000].filter((k, i, a) => k <= N && a.indexOf(k) === i).sort((a, b) => a - b)
const sweep = ks.map((k) => measure(`every ${k}${k === root ? " (√N)" : ""}`, { every: k }, { k }, k === root))
const binDefault = Math.max(1, Math.ceil(Math.log2(N)))
const extraS = (process.env["BIN_S"] ?? "8,32").split(",").filter(Boolean).map(Number)
const bins = [measure(`binomial (s = ⌈log₂ N⌉ = ${binDefault})`, "binomial", { s: binDefault }, true), ...extraS.map((s) => measure(`binomial, s = ${s}`, { binomial: s }, { s }))]

console.log(`gradient w.r.t. p of Σ x_N², N = ${N} Euler steps, state S = ${S} float64 (${MB(8 * S)}); jit(grad), median of ${REPS} after the first call`)
console.log(`forward pass alone (jit): ${ms(forward.median)}\n`)
console.log("| checkpoint | residual memory | peak memory | residual vs none | grad: first call | grad: median | backward (grad − forward) | backward vs none | max rel diff |")
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
const back = (r: Row) => Math.max(0, r.median - forward.median)
for (const r of rows)
  console.log(`| ${r.name} | ${MB(r.residual)} | ${MB(r.peak)} | ${(none.residual / r.residual).toFixed(1)}× less | ${ms(r.first)} | ${ms(r.median)} | ${ms(back(r))} | ${(back(r) / back(none)).toFixed(2)}× | ${r.err ? r.err.toExponential(1) : "0"} |`)

if (MEASURE) {
  console.log(`\nmeasured memory (ir.memoryReport(jaxpr, { measure: [p] }), one run per backend): peak = most bytes of typed arrays alive at once;`)
  console.log("retained = still alive after the run (outputs; compiled: also the programs' pooled buffers); allocated = all buffers the run made\n")
  console.log("| checkpoint | static peak | interpreter: peak | compiled: peak | compiled: retained | interpreter: allocated | compiled: allocated |")
  console.log("|---|--:|--:|--:|--:|--:|--:|")
  const cell = (x: Measured | undefined, f: keyof Measured) => (x ? MB(x[f]) : "not run")
  for (const r of rows) if (r.measured) {
    const { interpreter: i, compiled: c } = r.measured
    console.log(`| ${r.name} | ${MB(r.peak)} | ${cell(i, "peakBytes")} | ${cell(c, "peakBytes")} | ${cell(c, "retainedBytes")} | ${cell(i, "allocatedBytes")} | ${cell(c, "allocatedBytes")} |`)
  }
  console.log(`(measured runs took ${rows.filter((r) => r.measured).map((r) => `${r.name}: ${ms(r.measured!.ms)}`).join(", ")})`)
}

// least squares of residual+peak memory M(k) = c0 + a·N/k + b·k (the model S(N/k + k))
function fit(ys: readonly number[]): { c0: number; a: number; b: number } {
  const X = sweep.map((r) => [1, N / r.k!, r.k!])
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => X.reduce((s, x) => s + x[i]! * x[j]!, 0)))
  const y = [0, 1, 2].map((i) => X.reduce((s, x, m) => s + x[i]! * ys[m]!, 0))
  const det = (M: number[][]) => M[0]![0]! * (M[1]![1]! * M[2]![2]! - M[1]![2]! * M[2]![1]!) - M[0]![1]! * (M[1]![0]! * M[2]![2]! - M[1]![2]! * M[2]![0]!) + M[0]![2]! * (M[1]![0]! * M[2]![1]! - M[1]![1]! * M[2]![0]!)
  const d = det(A)
  const [c0, a, b] = [0, 1, 2].map((j) => det(A.map((r, i) => r.map((v, c) => (c === j ? y[i]! : v)))) / d) as [number, number, number]
  return { c0, a, b }
}
const pk = fit(sweep.map((r) => r.peak)), kStar = Math.sqrt((pk.a * N) / pk.b)
const best = sweep.reduce((a, b) => (b.peak < a.peak ? b : a))
console.log(`\npeak memory fit M(k) = c0 + a·N/k + b·k: a = ${(pk.a / (8 * S)).toFixed(2)} S, b = ${(pk.b / (8 * S)).toFixed(2)} S, c0 = ${MB(pk.c0)}; minimum at k* = √(aN/b) = ${kStar.toFixed(0)} (measured: k = ${best.k}, √N = ${root})`)
const atRoot = sweep.find((r) => r.k === root)!
console.log(`issue 7 targets at k = √N = ${root}: residual memory ${(none.residual / atRoot.residual).toFixed(1)}× less than none (target ≥ 30×), backward time ${(back(atRoot) / back(none)).toFixed(2)}× none's (target ≤ 2.2×)`)
// binomial: residuals = s stored states exactly, so O(S log N) for the default s
for (const r of bins) console.log(`${r.name}: ${(r.residual / (8 * S)).toFixed(2)} states of residuals (s = ${r.s}), peak ${(r.peak / (8 * S)).toFixed(2)} states`)

const grid = Array.from({ length: 60 }, (_, i) => ks[0]! * (ks.at(-1)! / ks[0]!) ** (i / 59))
const kb = (b: number) => b / 2 ** 20
writeFileSync(new URL("../docs/figures/checkpoint-memory.svg", import.meta.url), plot({
  title: `Gradient memory vs k, N = ${N} steps, S = ${S} float64`, xLabel: "checkpoint every k steps", yLabel: "MB", logX: true, logY: true,
  series: [
    { label: "peak (measured)", x: ks, y: sweep.map((r) => kb(r.peak)), style: "points", color: "#1f77b4" },
    { label: "c0 + a N/k + b k fit", x: grid, y: grid.map((k) => kb(pk.c0 + (pk.a * N) / k + pk.b * k)), style: "line", dashed: true, color: "#1f77b4" },
    { label: "residuals (measured)", x: ks, y: sweep.map((r) => kb(r.residual)), style: "points", color: "#d62728" },
  ],
  vLines: [{ x: Math.sqrt(N), label: "k = √N" }],
  hLines: [{ y: kb(none.peak), label: "none" }, { y: kb(bins[0]!.peak), label: "binomial" }],
}))
writeFileSync(new URL("../docs/figures/checkpoint-time.svg", import.meta.url), plot({
  title: `Time of jit(grad) vs k, N = ${N}, S = ${S}`, xLabel: "checkpoint every k steps", yLabel: "ms (median)", logX: true,
  series: [{ label: "every k", x: ks, y: sweep.map((r) => r.median) }],
  yRange: [0, 1.15 * Math.max(none.median, bins[0]!.median, ...sweep.map((r) => r.median))],
  vLines: [{ x: Math.sqrt(N), label: "k = √N" }],
  hLines: [{ y: none.median, label: "none" }, { y: bins[0]!.median, label: "binomial" }, { y: forward.median, label: "forward only" }],
}))
console.log("\nfigures: docs/figures/checkpoint-memory.svg, docs/figures/checkpoint-time.svg")
