// Checkpointed propagation: a charged particle tracked through a magnetic field with RK4
// for N = 10^4 steps (lax.scan), and the gradient of where it lands with respect to the
// field parameters. Reverse mode must keep what every step needs for its backward pass;
// `lax.scan(…, { checkpoint: { every: k } })` keeps only every k-th state and recomputes
// each segment in the backward pass, so the peak memory is M(k) ≈ S·N/k (stored states) +
// S·k (one segment's residuals): M ∝ S(N/k + k), smallest near k = √N. This example sweeps
// k, measures the peak with ir.memoryReport and the time of the jitted gradient, fits the
// model to the measurements and plots both (examples/out/checkpointed-propagation-*.svg).
// A second run does the same for a beam of 250 particles (a 1,000-float state), with the
// residual bytes that cross from the forward to the backward pass (memoryReport's
// residualBytes), the jitted gradient's time against k, and the binomial (revolve)
// schedule, which keeps ⌈log₂ N⌉ states: O(S log N) memory for a few more recomputations.
//
//   npx tsx examples/checkpointed-propagation.ts           # N = 10^4 (about a minute)
//   npx tsx examples/checkpointed-propagation.ts --small   # N = 10^3

import { checkpoint, grad, ir, jit, lax, makeJaxpr, np, type WArray } from "wengert"
import { plot, small, table, timed, writeFigure } from "./lib/svg.ts"

const N = small ? 1000 : 10_000
const T = 10                                  // total flight time (q/m = 1, so ω = B)
const dt = T / N
// The loop has no per-step inputs: the scans run with xs = null and { length: N } (an [N]
// array of times would add its own O(N) bytes to every k's peak and hide the S(N/k + k)
// law behind a constant).

// ---------------------------------------------------------------------------------------
// The simulation. State s = [x, y, z, vx, vy, vz]; field B(x) = (bx, 0, b0 + g·x) (a dipole
// with a gradient and a small transverse component), parameters θ = [b0, g, bx]; the
// Lorentz force (q/m = 1) is dv/dt = v × B.

function force(s: WArray, th: WArray): WArray {
  const x = s.at(0), vx = s.at(3), vy = s.at(4), vz = s.at(5)
  const bx = th.at(2), bz = th.at(0).add(th.at(1).mul(x))
  // v × (bx, 0, bz) = (vy·bz, vz·bx − vx·bz, −vy·bx)
  return np.stack([vx, vy, vz, vy.mul(bz), vz.mul(bx).sub(vx.mul(bz)), vy.mul(bx).neg()])
}

function rk4(s: WArray, th: WArray): WArray {
  const k1 = force(s, th)
  const k2 = force(s.add(k1.mul(dt / 2)), th)
  const k3 = force(s.add(k2.mul(dt / 2)), th)
  const k4 = force(s.add(k3.mul(dt)), th)
  return s.add(k1.add(k2.mul(2)).add(k3.mul(2)).add(k4).mul(dt / 6))
}

const s0 = np.array([0, 0, 0, 1, 0, 0.1])
const target = np.array([0.3, -0.2, 1.1])     // where a detector saw the hit

type Checkpoint = "none" | "binomial" | { every: number }

/**
 * Squared distance of the final position from the hit. With `rematStep`, each RK4 step
 * is itself wrapped in `checkpoint`, so a step's backward pass stores only its input state
 * (its stage values are recomputed): per-step residuals are then exactly S.
 */
const loss = (how: Checkpoint, rematStep: boolean) => (th: WArray) => {
  const step = rematStep ? checkpoint(rk4) : rk4
  const [s] = lax.scan((s: WArray) => [step(s, th), null], s0, null, { length: N, checkpoint: how })
  return np.sum(np.square(np.slice(s, [0], [3]).sub(target)))
}

const theta = np.array([2, 0.1, 0.05])
console.log(`Checkpointed propagation: RK4 over N = ${N} steps, gradient of the hit position w.r.t. the field${small ? " (small run)" : ""}\n`)

// the gradient, checked against central differences of the (jitted) forward simulation
const k0 = Math.round(Math.sqrt(N))
const [g, tGrad] = timed(() => jit(grad(loss({ every: k0 }, true)))(theta) as WArray)
const f = jit(loss("none", false))
const h = 1e-5
const fd = [0, 1, 2].map((i) => {
  const e = np.array([0, 1, 2].map((j) => (j === i ? h : 0)))
  return (f(theta.add(e)).item() - f(theta.sub(e)).item()) / (2 * h)
})
const gv = Array.from(g.toTypedArray())
console.log(`loss(θ = [${theta.toArray()}])            ${f(theta).item().toFixed(6)}`)
console.log(`grad (checkpoint every ${k0}, ${tGrad.toFixed(0)} ms)  [${gv.map((v) => v.toFixed(8)).join(", ")}]`)
console.log(`central differences                [${fd.map((v) => v.toFixed(8)).join(", ")}]`)
console.log(`finite-difference check: max relative difference ${Math.max(...gv.map((v, i) => Math.abs(v - fd[i]!) / Math.abs(fd[i]!))).toExponential(1)}\n`)

// ---------------------------------------------------------------------------------------
// The sweep: peak memory (static, from the gradient's IR) and time (one jitted call) per k.

interface Row { k: number; plain: number; remat: number; residual: number; ms: number }
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`

/** The divisors of n between lo and hi, thinned to about `count` on a log scale. */
function kValues(n: number, lo: number, hi: number, count: number): number[] {
  const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0 && d >= lo && d <= hi)
  const picked: number[] = []
  for (let i = 0; i < count; i++) {
    const want = lo * (hi / lo) ** (i / (count - 1))
    const best = divisors.reduce((a, b) => (Math.abs(Math.log(b / want)) < Math.abs(Math.log(a / want)) ? b : a))
    if (!picked.includes(best)) picked.push(best)
  }
  return picked.sort((a, b) => a - b)
}

const report = (fn: (th: WArray) => WArray, th: WArray) => ir.memoryReport(makeJaxpr(grad(fn))(th))
const peak = (fn: (th: WArray) => WArray, th: WArray) => report(fn, th).peakBytes

/** Least squares fit of M(k) = c0 + a·N/k + b·k; its minimum is at k* = √(aN/b). */
function fitModel(n: number, ks: readonly number[], ms: readonly number[]): { c0: number; a: number; b: number; kStar: number } {
  const rows = ks.map((k) => [1, n / k, k])
  // normal equations (3 × 3), solved by Cramer's rule
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)))
  const y = [0, 1, 2].map((i) => rows.reduce((s, r, m) => s + r[i]! * ms[m]!, 0))
  const det = (M: number[][]) => M[0]![0]! * (M[1]![1]! * M[2]![2]! - M[1]![2]! * M[2]![1]!) - M[0]![1]! * (M[1]![0]! * M[2]![2]! - M[1]![2]! * M[2]![0]!) + M[0]![2]! * (M[1]![0]! * M[2]![1]! - M[1]![1]! * M[2]![0]!)
  const d = det(A)
  const [c0, a, b] = [0, 1, 2].map((j) => det(A.map((r, i) => r.map((v, c) => (c === j ? y[i]! : v)))) / d) as [number, number, number]
  return { c0, a, b, kStar: Math.sqrt((a * n) / b) }
}

function sweep(name: string, n: number, S: number, ks: readonly number[], lossOf: (how: Checkpoint, remat: boolean) => (th: WArray) => WArray, th: WArray, timeKs: readonly number[]) {
  // the time of one jitted gradient: the second call (the first also traces and compiles)
  const time = (how: Checkpoint, remat: boolean) => { const g = jit(grad(lossOf(how, remat))); g(th); return timed(() => g(th))[1] }
  const rows: Row[] = ks.map((k) => {
    const plain = peak(lossOf({ every: k }, false), th), r = report(lossOf({ every: k }, true), th)
    const ms = timeKs.includes(k) ? time({ every: k }, true) : NaN
    return { k, plain, remat: r.peakBytes, residual: r.residualBytes, ms }
  })
  const noneReport = report(lossOf("none", false), th)
  const none = {
    plain: noneReport.peakBytes, remat: peak(lossOf("none", true), th), residual: noneReport.residualBytes,
    ms: timeKs.length ? time("none", false) : NaN,
  }
  const binReport = report(lossOf("binomial", false), th)
  const binomial = { peak: binReport.peakBytes, residual: binReport.residualBytes, ms: timeKs.length ? time("binomial", false) : NaN }
  console.log(`${name}: N = ${n} steps, state S = ${S} bytes, √N = ${Math.sqrt(n).toFixed(1)}`)
  const msText = (t: number, note = "") => (Number.isNaN(t) ? "" : `${t.toFixed(0)} ms${note}`)
  console.log(table([
    ["checkpoint", "peak (RK4 body)", "peak (remat body)", "residuals (remat body)", "S(N/k + k)", "grad time"],
    ["none", kb(none.plain), kb(none.remat), kb(none.residual) + " (RK4 body)", "", msText(none.ms, " (RK4 body)")],
    ...rows.map((r) => [`every ${r.k}`, kb(r.plain), kb(r.remat), kb(r.residual), kb(S * (n / r.k + r.k)), msText(r.ms)]),
    [`binomial (${Math.ceil(Math.log2(n))} states)`, kb(binomial.peak), "", kb(binomial.residual) + " (RK4 body)", "", msText(binomial.ms, " (RK4 body)")],
  ]))
  const fitRemat = fitModel(n, rows.map((r) => r.k), rows.map((r) => r.remat))
  const fitPlain = fitModel(n, rows.map((r) => r.k), rows.map((r) => r.plain))
  const best = rows.reduce((a, b) => (b.remat < a.remat ? b : a))
  console.log(`fit M = c0 + a·N/k + b·k, remat body: a = ${(fitRemat.a / S).toFixed(2)} S, b = ${(fitRemat.b / S).toFixed(2)} S, c0 = ${kb(fitRemat.c0)}: minimum k* = √(aN/b) = ${fitRemat.kStar.toFixed(1)}`)
  console.log(`fit M = c0 + a·N/k + b·k, RK4 body:   a = ${(fitPlain.a / S).toFixed(2)} S, b = ${(fitPlain.b / S).toFixed(2)} S: each step keeps ${(fitPlain.b / S).toFixed(1)}× its state, so k* = ${fitPlain.kStar.toFixed(1)} < √N`)
  console.log(`${name}: measured minimum of peak memory at k = ${best.k} (${kb(best.remat)}, ${(none.remat / best.remat).toFixed(1)}× less than no checkpointing); √N = ${Math.sqrt(n).toFixed(1)}, model k* = ${fitRemat.kStar.toFixed(1)}\n`)
  const root = rows.reduce((a, b) => (Math.abs(Math.log(b.k / Math.sqrt(n))) < Math.abs(Math.log(a.k / Math.sqrt(n))) ? b : a))
  console.log(`${name}: at k = ${root.k} ≈ √N the residual memory is ${(none.residual / root.residual).toFixed(0)}× less than without checkpointing` +
    (Number.isNaN(root.ms) ? "" : ` for ${(root.ms / none.ms).toFixed(2)}× the gradient's time`) +
    `; binomial keeps ${(none.residual / binomial.residual).toFixed(0)}× less (${(binomial.residual / S).toFixed(1)} states)` +
    (Number.isNaN(binomial.ms) ? "" : ` for ${(binomial.ms / none.ms).toFixed(2)}× the time`) + "\n")
  return { rows, none, binomial, fitRemat, fitPlain, best }
}

// the k grid spans 5 … N/5 around √N; every other k (every third in the small run) is timed
const ks = kValues(N, 5, N / 5, small ? 7 : 9)
const single = sweep("single particle", N, 6 * 8, ks, loss, theta, ks.filter((_, i) => i % (small ? 3 : 2) === 0))
const times = single.rows.map((r) => r.ms).filter((t) => !Number.isNaN(t))
console.log(`Time of one jitted gradient: ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms across k ` +
  `(no checkpointing: ${single.none.ms.toFixed(0)} ms). Every segment is recomputed once, about one extra forward pass whatever k is.\n`)

// ---------------------------------------------------------------------------------------
// The 1,000-float variant: 250 particles in the transverse plane, state [4, 250] =
// (x, y, vx, vy), field b_z = b0 + g·x; the loss is the beam's spot size at the end.
// Memory is read from the IR for every k; the gradient itself runs once, at k ≈ √N.

const P = 250
const beam0 = np.stack([
  np.linspace(-0.1, 0.1, P), np.zeros([P]), np.ones([P]), np.linspace(-0.05, 0.05, P).mul(-1),
])

function beamForce(s: WArray, th: WArray): WArray {
  const x = s.at(0), vx = s.at(2), vy = s.at(3)
  const bz = th.at(0).add(th.at(1).mul(x))
  return np.stack([vx, vy, vy.mul(bz), vx.mul(bz).neg()])
}
function beamStep(s: WArray, th: WArray): WArray {
  const k1 = beamForce(s, th)
  const k2 = beamForce(s.add(k1.mul(dt / 2)), th)
  const k3 = beamForce(s.add(k2.mul(dt / 2)), th)
  const k4 = beamForce(s.add(k3.mul(dt)), th)
  return s.add(k1.add(k2.mul(2)).add(k3.mul(2)).add(k4).mul(dt / 6))
}
const beamLoss = (how: Checkpoint, rematStep: boolean) => (th: WArray) => {
  const step = rematStep ? checkpoint(beamStep) : beamStep
  const [s] = lax.scan((s: WArray) => [step(s, th), null], beam0, null, { length: N, checkpoint: how })
  const pos = np.slice(s, [0, 0], [2, P])
  return np.mean(np.sum(np.square(pos.sub(np.mean(pos, { axis: 1, keepdims: true }))), 0))
}
const beamTheta = np.array([2, 0.3])
const [beamGrad, beamMs] = timed(() => jit(grad(beamLoss({ every: k0 }, true)))(beamTheta) as WArray)
console.log(`beam of ${P} particles: grad of the spot size = [${Array.from(beamGrad.toTypedArray()).map((v) => v.toExponential(4)).join(", ")}] (${beamMs.toFixed(0)} ms at k = ${k0})`)
// timed: every other k (every third in the small run), none and binomial
const beam = sweep("beam (1,000-float state)", N, 4 * P * 8, ks, beamLoss, beamTheta, ks.filter((_, i) => i % (small ? 3 : 2) === 0))

// ---------------------------------------------------------------------------------------
// Figures: peak memory against k with the fitted model, and the gradient's time against k.

function memoryFigure(title: string, n: number, S: number, res: ReturnType<typeof sweep>): string {
  const ks = res.rows.map((r) => r.k)
  const grid = Array.from({ length: 60 }, (_, i) => ks[0]! * (ks.at(-1)! / ks[0]!) ** (i / 59))
  const model = (fit: { c0: number; a: number; b: number }) => grid.map((k) => (fit.c0 + fit.a * n / k + fit.b * k) / 1024)
  return plot({
    title, xLabel: "checkpoint every k steps", yLabel: "peak memory of the gradient (kB)", logX: true, logY: true,
    series: [
      { label: "remat body (measured)", x: ks, y: res.rows.map((r) => r.remat / 1024), style: "points", color: "#1f77b4" },
      { label: "c0 + S'(N/k + k) fit", x: grid, y: model(res.fitRemat), style: "line", dashed: true, color: "#1f77b4" },
      { label: "RK4 body (measured)", x: ks, y: res.rows.map((r) => r.plain / 1024), style: "points", color: "#d62728" },
      { label: "c0 + a N/k + b k fit", x: grid, y: model(res.fitPlain), style: "line", dashed: true, color: "#d62728" },
    ],
    vLines: [{ x: Math.sqrt(n), label: "k = √N" }],
    hLines: [{ y: res.none.remat / 1024, label: "no checkpointing (remat body)" }, { y: res.binomial.peak / 1024, label: "binomial (RK4 body)" }],
  })
}

const files = [
  writeFigure("checkpointed-propagation-memory.svg", memoryFigure(`Peak memory vs k, single particle, N = ${N}`, N, 48, single)),
  writeFigure("checkpointed-propagation-beam-memory.svg", memoryFigure(`Peak memory vs k, 1,000-float beam, N = ${N}`, N, 4 * P * 8, beam)),
]
const timedRows = single.rows.filter((r) => !Number.isNaN(r.ms))
if (timedRows.length > 1)
  files.push(writeFigure("checkpointed-propagation-time.svg", plot({
    title: `Time of the jitted gradient vs k, single particle, N = ${N}`, xLabel: "checkpoint every k steps", yLabel: "time (ms, second call)", logX: true,
    series: [{ label: "remat body", x: timedRows.map((r) => r.k), y: timedRows.map((r) => r.ms) }],
    yRange: [0, 1.15 * Math.max(single.none.ms, ...timedRows.map((r) => r.ms))],
    vLines: [{ x: Math.sqrt(N), label: "k = √N" }],
    hLines: [{ y: single.none.ms, label: "no checkpointing (RK4 body)" }],
  })))
const beamTimed = beam.rows.filter((r) => !Number.isNaN(r.ms))
if (beamTimed.length > 1)
  files.push(writeFigure("checkpointed-propagation-beam-time.svg", plot({
    title: `Time of the jitted gradient vs k, 1,000-float beam, N = ${N}`, xLabel: "checkpoint every k steps", yLabel: "time (ms, second call)", logX: true,
    series: [{ label: "remat body", x: beamTimed.map((r) => r.k), y: beamTimed.map((r) => r.ms) }],
    yRange: [0, 1.15 * Math.max(beam.none.ms, beam.binomial.ms, ...beamTimed.map((r) => r.ms))],
    vLines: [{ x: Math.sqrt(N), label: "k = √N" }],
    hLines: [{ y: beam.none.ms, label: "no checkpointing" }, { y: beam.binomial.ms, label: "binomial" }],
  })))
console.log(`Figures written to ${files.join(", ")}`)
