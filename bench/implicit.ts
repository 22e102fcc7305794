// The gradient of a 100-dimensional equilibrium, A(θ)x + 0.1·tanh(x) = b with
// A(θ) = diag(θ) + C, two ways: implicit.rootSolve (forward solve by the same relaxation,
// never differentiated; the implicit function theorem with one dense adjoint solve) and
// reverse mode through 200 unrolled relaxation steps x ← x − ω(A x + 0.1 tanh x − b).
// Both under jit(grad) (NOJIT=1: eagerly; SOLVER=gmres|cg: another adjoint solver); loss = Σ x*.
// Usage: npm run bench:implicit   (wengert as built in dist/)
import { lcg } from "./workloads.js"

type Arr = { toTypedArray(): ArrayLike<number> }
type Fn = (...a: any[]) => any
const w = (await import(new URL("../dist/index.js", import.meta.url).href)) as {
  np: Record<string, Fn>; implicit: { rootSolve: Fn }; grad: (f: Fn) => Fn; jit: (f: Fn) => Fn
}
const { np, implicit, grad, jit } = w

const n = 100, steps = 200, omega = 0.5, r = lcg(21)
const C = np.reshape(np.asarray(Float64Array.from({ length: n * n }, () => r(-0.01, 0.01))), [n, n])
const b = np.asarray(Float64Array.from({ length: n }, () => r(-1, 1)))
const theta = np.asarray(Float64Array.from({ length: n }, () => r(1, 2)))
const residual = (x: Arr, t: Arr) => np.subtract(np.add(np.add(np.multiply(t, x), np.matmul(C, x)), np.multiply(0.1, np.tanh(x))), b)

// the forward solve is any solver (its steps are never differentiated): here the same
// relaxation, run to convergence (contraction ≤ 0.55 per step: 60 steps reach 1e-15)
const relax = (f: Fn, x0: Arr) => { let x = x0; for (let k = 0; k < 60; k++) x = np.subtract(x, np.multiply(omega, f(x))); return x }
const viaImplicit = (t: Arr) => np.sum(implicit.rootSolve(residual, t, np.zeros([n]), { forward: relax, solver: (process.env.SOLVER ?? "dense") as never, tol: 1e-12 }))
const viaUnrolled = (t: Arr) => {
  let x = np.zeros([n])
  for (let k = 0; k < steps; k++) x = np.subtract(x, np.multiply(omega, residual(x, t)))
  return np.sum(x)
}

function timed(f: () => Arr): { first: number; median: number; value: Float64Array } {
  let t0 = performance.now()
  const value = Float64Array.from(f().toTypedArray())
  const first = performance.now() - t0
  const times: number[] = []
  const end = performance.now() + 2000
  while (performance.now() < end || times.length < 5) { t0 = performance.now(); f().toTypedArray(); times.push(performance.now() - t0) }
  times.sort((a, c) => a - c)
  return { first, median: times[times.length >> 1]!, value }
}

const J = process.env.NOJIT ? ((f: Fn) => f) : jit
const gi = J(grad(viaImplicit)), gu = J(grad(viaUnrolled))
const I = timed(() => gi(theta)), U = timed(() => gu(theta))
let err = 0, scale = 0
for (let i = 0; i < n; i++) { err = Math.max(err, Math.abs(I.value[i]! - U.value[i]!)); scale = Math.max(scale, Math.abs(U.value[i]!)) }
console.log(`| gradient of Σ x*(θ), n = ${n} | first call | median | max rel diff |`)
console.log("|---|--:|--:|--:|")
console.log(`| implicit.rootSolve (IFT) | ${I.first.toFixed(1)} ms | ${I.median.toFixed(3)} ms | ${(err / scale).toExponential(1)} |`)
console.log(`| ${steps} unrolled steps, reverse mode | ${U.first.toFixed(1)} ms | ${U.median.toFixed(3)} ms | reference |`)
console.log(`\nimplicit is ${(U.median / I.median).toFixed(1)}× faster per gradient`)
