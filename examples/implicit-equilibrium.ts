// Implicit differentiation of an equilibrium: the steady temperature of a heated rod that
// conducts heat and radiates it away, F(u; θ) = k·u'' + q − ε(u⁴ − 1) = 0 with u = 1 at
// both ends, found by Newton's method. How does a sensor's reading depend on the
// conductivity k, the emissivity ε and the heater profile q(x)? Two ways to get the
// gradient:
//   implicit: implicit.rootSolve differentiates the solution by the implicit function
//             theorem (one adjoint solve at the root; the Newton iterations are never
//             differentiated), so memory does not grow with the iteration count;
//   unrolled: grad straight through K Newton steps (a lax.forILoop), which stores every
//             step's Jacobian factorization for the backward pass.
// This example compares their values (and finite differences), times and peak memory
// (ir.memoryReport), and shows the unrolled gradient converging to the implicit one as K
// grows (examples/out/implicit-equilibrium-*.svg).
//
//   npx tsx examples/implicit-equilibrium.ts           # n = 64 grid points
//   npx tsx examples/implicit-equilibrium.ts --small   # n = 16

import { grad, implicit, ir, jacfwd, jit, lax, makeJaxpr, np, type WArray } from "wengert"
import { plot, small, table, timed, writeFigure } from "./lib/svg.ts"

const n = small ? 16 : 64                    // interior grid points on (0, 1)
const h = 1 / (n + 1)
const xs = Array.from({ length: n }, (_, i) => (i + 1) * h)
const K = small ? 8 : 10                     // unrolled Newton steps (enough to converge here)

interface Params { k: WArray; eps: WArray; q: WArray }

/** The residual of the discretized steady-state heat equation (boundary temperature 1). */
function F(u: WArray, p: Params): WArray {
  const padded = np.pad(u, [[1, 1]], { constantValues: 1 })
  const lap = np.slice(padded, [0], [n]).sub(u.mul(2)).add(np.slice(padded, [2], [n])).div(h * h)
  return p.k.mul(lap).add(p.q).sub(p.eps.mul(np.power(u, 4).sub(1)))
}

// a sensor averaging the temperature around x = 0.7 (weights sum to 1)
const wRaw = xs.map((x) => Math.exp(-(((x - 0.7) / 0.08) ** 2)))
const sensorW = np.array(wRaw.map((w) => w / wRaw.reduce((a, b) => a + b, 0)))
const reading = (u: WArray) => np.sum(sensorW.mul(u))

const u0 = np.ones([n])
/** The equilibrium by Newton's method inside implicit.rootSolve (gradients by the IFT). */
const solveImplicit = (p: Params): WArray => implicit.rootSolve(F, p, u0, { forwardTol: 1e-13 })
/** The equilibrium by K plain Newton steps, differentiated step by step. */
const solveUnrolled = (p: Params, steps = K): WArray =>
  lax.forILoop(0, steps, (_i: unknown, u: WArray) => u.sub(np.linalg.solve(jacfwd((v: WArray) => F(v, p))(u) as WArray, F(u, p))), u0)

const lossImplicit = (p: Params) => reading(solveImplicit(p))
const lossUnrolled = (steps: number) => (p: Params) => reading(solveUnrolled(p, steps))

const params: Params = {
  k: np.array(0.5),
  eps: np.array(2),
  q: np.array(xs.map((x) => 8 * Math.exp(-(((x - 0.4) / 0.15) ** 2)))),   // a heater near x = 0.4
}

console.log(`Implicit vs unrolled differentiation of a steady state (n = ${n} grid points, K = ${K} Newton steps)${small ? " (small run)" : ""}\n`)
const u = solveImplicit(params)
console.log(`sensor reading                      ${reading(u).item().toFixed(10)}`)
console.log(`max |F(u)| at the solution          ${np.max(np.abs(F(u, params))).item().toExponential(1)}`)
console.log(`peak temperature                    ${np.max(u).item().toFixed(6)}\n`)

// both gradients, jitted; time = median of a few calls after the first (which traces)
function median(run: () => unknown, reps: number): number {
  run()
  const ts = Array.from({ length: reps }, () => timed(run)[1]).sort((a, b) => a - b)
  return ts[Math.floor(reps / 2)]!
}
const gImplicit = jit(grad(lossImplicit)), gUnrolled = jit(grad(lossUnrolled(K)))
const gi = gImplicit(params) as Params, gu = gUnrolled(params) as Params
const tImplicit = median(() => gImplicit(params), small ? 3 : 5), tUnrolled = median(() => gUnrolled(params), small ? 3 : 5)
const memImplicit = ir.memoryReport(makeJaxpr(grad(lossImplicit))(params))
const memUnrolled = ir.memoryReport(makeJaxpr(grad(lossUnrolled(K)))(params))

// central differences of the (implicit) forward solve in k and ε
const fd = (key: "k" | "eps") => {
  const d = 1e-6
  const at = (s: number) => lossImplicit({ ...params, [key]: params[key].add(s * d) }).item()
  return (at(1) - at(-1)) / (2 * d)
}
const fdK = fd("k"), fdEps = fd("eps")
const maxDiffQ = np.max(np.abs(gi.q.sub(gu.q))).item()

const kb = (b: number) => `${(b / 1024).toFixed(1)} kB`
console.log(table([
  ["", "d reading/dk", "d reading/dε", "time / grad", "peak memory"],
  ["implicit (rootSolve, IFT)", gi.k.item().toFixed(10), gi.eps.item().toFixed(10), `${tImplicit.toFixed(1)} ms`, kb(memImplicit.peakBytes)],
  [`unrolled (${K} Newton steps)`, gu.k.item().toFixed(10), gu.eps.item().toFixed(10), `${tUnrolled.toFixed(1)} ms`, kb(memUnrolled.peakBytes)],
  ["central differences", fdK.toFixed(10), fdEps.toFixed(10), "", ""],
]))
console.log(`max |d/dq implicit − d/dq unrolled| = ${maxDiffQ.toExponential(1)}`)
console.log(`finite-difference check: relative difference ${Math.max(Math.abs(gi.k.item() - fdK) / Math.abs(fdK), Math.abs(gi.eps.item() - fdEps) / Math.abs(fdEps)).toExponential(1)}`)
console.log(`Unrolled differentiation keeps ${(memUnrolled.peakBytes / memImplicit.peakBytes).toFixed(1)}x the memory of implicit differentiation ` +
  `and takes ${(tUnrolled / tImplicit).toFixed(1)}x the time.\n`)

// the unrolled gradient converges to the implicit one as the iterations converge, while
// its memory grows linearly in K (the implicit gradient's does not depend on K)
const Ks = Array.from({ length: K }, (_, i) => i + 1)
const sweep = Ks.map((steps) => {
  const g = grad(lossUnrolled(steps))(params) as Params
  const err = Math.abs(g.k.item() - gi.k.item()) / Math.abs(gi.k.item())
  const residual = np.max(np.abs(F(solveUnrolled(params, steps), params))).item()
  return { steps, err, residual, peak: ir.memoryReport(makeJaxpr(grad(lossUnrolled(steps)))(params)).peakBytes }
})
console.log(table([
  ["Newton steps K", "max |F(u_K)|", "rel. error of unrolled d/dk", "peak memory"],
  ...sweep.map((r) => [r.steps, r.residual.toExponential(1), r.err.toExponential(1), kb(r.peak)]),
]))

const files = [
  writeFigure("implicit-equilibrium-convergence.svg", plot({
    title: "Unrolled differentiation converges to the implicit gradient",
    xLabel: "Newton steps K", yLabel: "relative error / residual", logY: true,
    series: [
      { label: "|F(u_K)|∞ (forward)", x: Ks, y: sweep.map((r) => Math.max(r.residual, 1e-17)) },
      { label: "unrolled d/dk error", x: Ks, y: sweep.map((r) => Math.max(r.err, 1e-17)) },
    ],
  })),
  writeFigure("implicit-equilibrium-memory.svg", plot({
    title: "Peak memory of the gradient", xLabel: "Newton steps K", yLabel: "peak memory (kB)",
    series: [
      { label: "unrolled", x: Ks, y: sweep.map((r) => r.peak / 1024) },
      { label: "implicit", x: Ks, y: Ks.map(() => memImplicit.peakBytes / 1024), style: "line" },
    ],
  })),
  writeFigure("implicit-equilibrium-profile.svg", plot({
    title: "Equilibrium temperature and the sensor's sensitivity to the heater",
    xLabel: "position x", yLabel: "u(x)  /  d reading / dq(x) × 100",
    series: [
      { label: "temperature u(x)", x: xs, y: Array.from(u.toTypedArray()) },
      { label: "d reading/dq ×100, IFT", x: xs, y: Array.from(gi.q.toTypedArray()).map((v) => 100 * v), style: "line" },
      { label: "d reading/dq ×100, unrolled", x: xs, y: Array.from(gu.q.toTypedArray()).map((v) => 100 * v), style: "points", radius: 2.5 },
    ],
  })),
]
console.log(`\nFigures written to ${files.join(", ")}`)
