// The gradient of a 100-dimensional equilibrium, A(θ)x + 0.1·tanh(x) = b with
// A(θ) = diag(θ) + C, three ways: reverse mode through 200 unrolled relaxation steps
// x ← x − ω(A x + 0.1 tanh x − b) (the reference), and the implicit function theorem with the
// forward solve never differentiated: implicit.fixedPoint on the same relaxation (stopping at
// max|T(x) − x| ≤ 1e-10, the default), plain or with Anderson acceleration (history 5), and
// implicit.rootSolve (Newton; with "gmres" or "cg" matrix-free Newton–Krylov), each with one
// adjoint solve. The coupling C is symmetric (an equilibrium of a gradient system: ∂F/∂x is a
// Hessian) and small (row sums of |C| ≤ 1 < θ), so ∂F/∂x = diag(θ) + C + 0.1 sech²(x) is
// symmetric positive definite and conjugate gradients is the adjoint solver (SOLVER=cg, the
// default; SOLVER=gmres or dense for the others, which do not need the symmetry).
// Under jit(grad) (NOJIT=1: eagerly); loss = Σ x*. Usage: npm run bench:implicit (dist/)
import { lcg } from "./workloads.js"

type Arr = { toTypedArray(): ArrayLike<number> }
type Fn = (...a: any[]) => any
const w = (await import(new URL("../dist/index.js", import.meta.url).href)) as {
  np: Record<string, Fn>; implicit: { rootSolve: Fn; fixedPoint: Fn }; grad: (f: Fn) => Fn; jit: (f: Fn) => Fn
}
const { np, implicit, grad, jit } = w

const n = 100, steps = 200, omega = 0.5, r = lcg(21)
const R = Float64Array.from({ length: n * n }, () => r(-0.01, 0.01))
const C = np.reshape(np.asarray(Float64Array.from({ length: n * n }, (_, k) => (R[k]! + R[(k % n) * n + Math.floor(k / n)]!) / 2)), [n, n])
const b = np.asarray(Float64Array.from({ length: n }, () => r(-1, 1)))
const theta = np.asarray(Float64Array.from({ length: n }, () => r(1, 2)))
const residual = (x: Arr, t: Arr) => np.subtract(np.add(np.add(np.multiply(t, x), np.matmul(C, x)), np.multiply(0.1, np.tanh(x))), b)

const solver = (process.env.SOLVER ?? "cg") as never
const relaxStep = (x: Arr, t: Arr) => np.subtract(x, np.multiply(omega, residual(x, t)))
const viaFixedPoint = (t: Arr) => np.sum(implicit.fixedPoint(relaxStep, t, np.zeros([n]), { solver }))
const viaAnderson = (t: Arr) => np.sum(implicit.fixedPoint(relaxStep, t, np.zeros([n]), { solver, acceleration: "anderson", history: 5 }))
const viaNewton = (t: Arr) => np.sum(implicit.rootSolve(residual, t, np.zeros([n]), { solver }))
const viaUnrolled = (t: Arr) => {
  let x = np.zeros([n])
  for (let k = 0; k < steps; k++) x = relaxStep(x, t)
  return np.sum(x)
}

type Timing = { first: number; median: number; min: number; value: Float64Array }
/** First calls, then samples taken in turn (a, b, c, a, b, c, …) so that every function sees the same load on a shared machine. */
function timedTogether(fs: readonly (() => Arr)[]): Timing[] {
  const out = fs.map((f) => { const t0 = performance.now(); const value = Float64Array.from(f().toTypedArray()); return { first: performance.now() - t0, value, times: [] as number[] } })
  const end = performance.now() + 3000
  while (performance.now() < end || out[0]!.times.length < 5)
    fs.forEach((f, i) => { const t0 = performance.now(); f().toTypedArray(); out[i]!.times.push(performance.now() - t0) })
  return out.map(({ first, value, times }) => { times.sort((a, c) => a - c); return { first, median: times[times.length >> 1]!, min: times[0]!, value } })
}

const J = process.env.NOJIT ? ((f: Fn) => f) : jit
const names = ["implicit.fixedPoint (relaxation to 1e-10)", "implicit.fixedPoint (Anderson, history 5)", "implicit.rootSolve (Newton)"]
const gs = [viaFixedPoint, viaAnderson, viaNewton, viaUnrolled].map((f) => J(grad(f)))
const timings = timedTogether(gs.map((g) => () => g(theta)))
const U = timings[names.length]!
const rows = names.map((name, k) => {
  const I = timings[k]!
  let err = 0, scale = 0
  for (let i = 0; i < n; i++) { err = Math.max(err, Math.abs(I.value[i]! - U.value[i]!)); scale = Math.max(scale, Math.abs(U.value[i]!)) }
  return { name, I, err: err / scale }
})
console.log(`| gradient of Σ x*(θ), n = ${n}, ${process.env.NOJIT ? "eager grad" : "jit(grad)"}, ${solver} adjoint | first call | median | fastest | × faster (medians, fastest) | max rel diff |`)
console.log("|---|--:|--:|--:|--:|--:|")
for (const { name, I, err } of rows)
  console.log(`| ${name} | ${I.first.toFixed(1)} ms | ${I.median.toFixed(3)} ms | ${I.min.toFixed(3)} ms | ${(U.median / I.median).toFixed(1)}×, ${(U.min / I.min).toFixed(1)}× | ${err.toExponential(1)} |`)
console.log(`| ${steps} unrolled steps, reverse mode | ${U.first.toFixed(1)} ms | ${U.median.toFixed(3)} ms | ${U.min.toFixed(3)} ms | 1× | reference |`)
