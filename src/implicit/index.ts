// wengert/implicit: solutions of equations differentiated by the implicit function theorem.
// The forward solve may be any iteration; the derivative is one adjoint linear solve
// (dense, CG or GMRES), never a trip back through the iterations.

import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import * as np from "../numpy/index.js"
import { namedRoot } from "../lax/linearSolve.js"
import { whileLoop } from "../lax/control.js"
import { type CheckConvergedP, checkConverged } from "../prims/checkConverged.js"
import { jacfwd } from "../transforms/jacobian.js"
import { linearMap } from "../transforms/linearize.js"
import { ravel } from "./ravel.js"
import { anderson } from "./anderson.js"
import { type SolverOptions, checkMethod, linearSolver, residualBound, solveVec } from "./solvers.js"

export type { LinearSolver, SolverOptions } from "./solvers.js"

export interface ImplicitOptions extends SolverOptions {
  /** Tolerance of the forward solve on the residual, max|F(x)| (fixedPoint: max|T(x) − x|); default 1e-10 (float32: 1e-5). */
  readonly forwardTol?: number
  /** Most forward iterations (default 100 for rootSolve, 1000 for fixedPoint). */
  readonly forwardMaxIter?: number
  /** A forward solver of your own: (f, x0) -> x with f(x) = 0 (rootSolve) or x = T(x) (fixedPoint). */
  readonly forward?: (f: (x: any) => any, x0: any) => any
}

/** Options of {@link fixedPoint}: those of {@link rootSolve}, and how the forward iteration is accelerated. */
export interface FixedPointOptions extends ImplicitOptions {
  /**
   * The forward iteration: "none" (x ← T(x), the default) or "anderson" (Anderson
   * acceleration: each step extrapolates from the last `history` steps by a small regularized
   * least-squares fit of their residual differences; far fewer evaluations of T on slowly
   * contracting maps).
   */
  readonly acceleration?: "none" | "anderson"
  /** Anderson's history size m, the steps it extrapolates from (default 5; acceleration "anderson" only). */
  readonly history?: number
}

type Checked = CheckConvergedP["fn"]
/** forwardTol, by default 1e-10 (1e-5 for float32 unknowns, whose residuals stop near 1e-7·|F|'s terms). */
const tolFor = (forwardTol: number | undefined, x: Array): number => forwardTol ?? (x.dtype === "float32" ? 1e-5 : 1e-10)
const maxAbs = (v: Array): Array => (v.size === 0 ? np.array(0) : np.max(np.abs(v)))

/**
 * Iterates v ← step(v, f(v), max|f(v)|, max|f(x0)|) from x0 until both the residual max|f(v)|
 * and the last update are at most tol (f the residual; the extra step takes Newton to machine
 * precision), as a lax.whileLoop (works under jit), then checks that it got there: a NaN or a
 * residual still above tol after maxIter steps raises, under every transform (check_converged).
 */
function iterate(fn: Checked, step: (v: Array, f: Array, err: Array, err0: Array) => Array, f: (v: Array) => Array, x0: Array, forwardTol: number | undefined, maxIter: number): Array {
  const f0 = f(x0), err0 = maxAbs(f0), tol = tolFor(forwardTol, x0)
  // a fixed-point step moves x by its residual: the update's size is the last residual's
  const picard = fn === "implicit.fixedPoint"
  const [x, , err, , i] = whileLoop(
    ([, , err, upd, i]: Array[]) => np.logicalAnd(np.logicalOr(np.greater(err, tol), np.greater(upd, tol)), np.less(i, maxIter)),
    ([v, fv, err, , i]: Array[]) => {
      const nv = step(v, fv, err, err0), nf = f(nv)
      return [nv, nf, maxAbs(nf), picard ? err : maxAbs(np.subtract(nv, v)), np.add(i, 1)]
    },
    [x0, f0, err0, np.array(Infinity), np.array(0, { dtype: "int32" })])
  return checkConverged(x, err, i, { tol, fn })
}

/** A forward solver of the user's, checked at its result (one more residual evaluation). */
function checkedForward(fn: Checked, forward: (f: (x: any) => any, x0: any) => any, forwardTol: number | undefined) {
  // f (the residual F(·, θ), or T(·, θ) − x) reaches the parameters as the custom rule's arguments
  return (f: (x: any) => any, start: unknown) => {
    const x = forward(f, start), r = ravel(fn, x)
    return r.unravel(checkConverged(r.vec, maxAbs(ravel(fn, f(x)).vec), np.array(-1, { dtype: "int32" }), { tol: tolFor(forwardTol, r.vec), fn }))
  }
}

function check(name: string, opts: ImplicitOptions): void {
  if (opts.forward !== undefined && typeof opts.forward !== "function") throw new InvalidArgumentError(name, "forward must be a function (f, x0) => x.")
  checkMethod(name, opts)
  for (const k of ["forwardTol", "forwardMaxIter"] as const) {
    const v = opts[k]
    if (v !== undefined && !(typeof v === "number" && v >= 0 && (k === "forwardTol" ? v < Infinity : Number.isInteger(v))))
      throw new InvalidArgumentError(name, `${k} must be a non-negative ${k === "forwardTol" ? "number" : "integer"}, got ${String(v)}.`)
  }
}

function checkAcceleration(name: string, opts: FixedPointOptions): number | null {
  const { acceleration: acc, history: m } = opts
  if (acc !== undefined && acc !== "none" && acc !== "anderson")
    throw new InvalidArgumentError(name, `acceleration must be "none" or "anderson", got ${JSON.stringify(acc)}.`)
  if (m !== undefined && acc !== "anderson")
    throw new InvalidArgumentError(name, `history sets Anderson acceleration's memory; pass it with acceleration: "anderson".`)
  if (m !== undefined && !(typeof m === "number" && Number.isInteger(m) && m >= 1))
    throw new InvalidArgumentError(name, `history must be a positive integer, got ${String(m)}.`)
  if (acc === "anderson" && opts.forward !== undefined)
    throw new InvalidArgumentError(name, `acceleration applies to the built-in forward iteration; with a forward solver of your own, accelerate it there.`)
  return acc === "anderson" ? (m ?? 5) : null
}

/**
 * The root x of F(x, params) = 0 near x0 (Newton's method by default), differentiable in
 * params to any order by the implicit function theorem: dx = −(∂F/∂x)⁻¹ ∂F/∂params · dparams.
 * The theorem needs ∂F/∂x invertible at the root. With `solver: "cg"` or `"gmres"` Newton is
 * matrix-free (Newton–Krylov: each step's linear system is solved by that method from
 * Jacobian-vector products), as is the adjoint solve.
 * @example
 * ```ts
 * import { implicit, grad, np } from "wengert"
 * const cubeRoot = (a) => implicit.rootSolve((x, p) => np.subtract(np.power(x, 3), p), a, 1)
 * grad(cubeRoot)(8).item() // => 0.08333333333333333
 * ```
 * @throws {@link index!InvalidArgumentError} when the forward solve does not reach max|F(x)| ≤
 * `forwardTol` within `forwardMaxIter` steps (also under jit, grad and vmap: any lane), when a
 * `forward` solver of yours returns a point that far from a root, when the adjoint solve does
 * not converge, or for a bad option.
 * @category implicit
 * @since 0.1.0
 */
export function rootSolve(F: (x: any, params: any) => any, params: unknown, x0: unknown, opts: ImplicitOptions = {}): any {
  const name = "implicit.rootSolve"
  check(name, opts)
  const method = checkMethod(name, opts), tol = opts.forwardTol
  // Newton's method; with solver "cg" or "gmres" matrix-free and inexact (Newton–Krylov: each
  // step solves ∂F/∂x·d = F(x) by that method, from Jacobian-vector products of F linearized
  // once a step, to the relative tolerance η = min(0.1, max|F(x)| / max|F(x0)|): loose far
  // from the root, tightening as the residual falls, so convergence stays quadratic)
  const newton = (f: (x: any) => any, start: unknown) => {
    const r = ravel(name, start)
    const fv = (v: Array) => ravel(name, f(r.unravel(v))).vec
    const step = (v: Array, f0: Array, err: Array, err0: Array) => {
      if (method === "dense") return np.subtract(v, np.linalg.solve(jacfwd(fv)(v), f0))
      const jv = linearMap((xs) => [fv(xs[0]!)], [v], name)
      const eta = np.minimum(0.1, np.divide(err, np.where(np.equal(err0, 0), 1, err0)))
      return np.subtract(v, solveVec(method, (d: Array) => jv([d])[0]!, f0, eta, opts.maxIter))
    }
    return r.unravel(iterate(name, step, fv, r.vec, tol, opts.forwardMaxIter ?? 100))
  }
  const forward = opts.forward ? checkedForward(name, opts.forward, tol) : newton
  return namedRoot(name, (x) => F(x, params), x0, forward, linearSolver(name, opts), residualBound(opts))
}

/**
 * The fixed point x = T(x, params) reached from x0 (plain iteration by default, or with
 * Anderson acceleration), differentiable in params by the implicit function theorem applied
 * to T(x, params) − x.
 * @example
 * ```ts
 * import { implicit, grad, np } from "wengert"
 * const fp = (a) => implicit.fixedPoint((x, p) => np.add(np.multiply(0.5, x), p), a, 0)
 * grad(fp)(1).item() // => 2
 * // x = cos(a·x), by Anderson acceleration over the last 3 steps
 * const x = implicit.fixedPoint((x, a) => np.cos(np.multiply(a, x)), 1, 0, { acceleration: "anderson", history: 3 })
 * np.abs(np.subtract(np.cos(x), x)).item() < 1e-10 // => true
 * ```
 * @throws {@link index!InvalidArgumentError} when the iteration does not reach
 * max|T(x) − x| ≤ `forwardTol` within `forwardMaxIter` steps (also under jit, grad and vmap),
 * when a `forward` solver of yours stops short of that, when the adjoint solve does not
 * converge, or for a bad option.
 * @category implicit
 * @since 0.1.0
 */
export function fixedPoint(T: (x: any, params: any) => any, params: unknown, x0: unknown, opts: FixedPointOptions = {}): any {
  const name = "implicit.fixedPoint"
  check(name, opts)
  const history = checkAcceleration(name, opts)
  const residual = (x: any) => {
    const rx = ravel(name, x)
    return rx.unravel(np.subtract(ravel(name, T(x, params)).vec, rx.vec))
  }
  const tol = opts.forwardTol, maxIter = opts.forwardMaxIter ?? 1000
  const builtIn = (f: (x: any) => any, start: unknown) => {
    const r = ravel(name, start), fv = (v: Array) => ravel(name, f(r.unravel(v))).vec
    if (history === null || r.size === 0)
      // f(x) = T(x) − x, so x + f(x) = T(x)
      return r.unravel(iterate(name, (v, f) => np.add(v, f), fv, r.vec, tol, maxIter))
    const t = tolFor(tol, r.vec), [x, err, k] = anderson(fv, r.vec, t, maxIter, history)
    return r.unravel(checkConverged(x, err, k, { tol: t, fn: name }))
  }
  const forward = opts.forward
    ? checkedForward(name, (f, start) => opts.forward!((x: any) => { const r = ravel(name, x); return r.unravel(np.add(r.vec, ravel(name, f(x)).vec)) }, start), tol)
    : builtIn
  return namedRoot(name, residual, x0, forward, linearSolver(name, opts), residualBound(opts))
}
