// wengert/implicit: solutions of equations differentiated by the implicit function theorem.
// The forward solve may be any iteration; the derivative is one adjoint linear solve
// (dense, CG or GMRES), never a trip back through the iterations.

import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import * as np from "../numpy/index.js"
import { namedRoot } from "../lax/linearSolve.js"
import { whileLoop } from "../lax/control.js"
import { jacfwd } from "../transforms/jacobian.js"
import { ravel } from "./ravel.js"
import { type SolverOptions, linearSolver, residualBound } from "./solvers.js"

export type { LinearSolver, SolverOptions } from "./solvers.js"

export interface ImplicitOptions extends SolverOptions {
  /** Tolerance of the forward iteration (default 1e-10, on the update's norm). */
  readonly forwardTol?: number
  /** Most forward iterations (default 100). */
  readonly forwardMaxIter?: number
  /** A forward solver of your own: (f, x0) -> x with f(x) = 0 (rootSolve) or x = T(x) (fixedPoint). */
  readonly forward?: (f: (x: any) => any, x0: any) => any
}

/** Iterates `step` from x0 until the update is below tol, as a lax.whileLoop (works under jit). */
function iterate(name: string, step: (v: Array) => Array, x0: Array, tol: number, maxIter: number): Array {
  const [x] = whileLoop(
    ([, err, i]: Array[]) => np.logicalAnd(np.greater(err, tol), np.less(i, maxIter)),
    ([v, , i]: Array[]) => { const nv = step(v); return [nv, np.max(np.abs(np.subtract(nv, v))), np.add(i, 1)] },
    [x0, np.array(Infinity), np.array(0, { dtype: "int32" })])
  void name
  return x
}

function check(name: string, opts: ImplicitOptions): void {
  if (opts.forward !== undefined && typeof opts.forward !== "function") throw new InvalidArgumentError(name, "forward must be a function (f, x0) => x.")
}

/**
 * The root x of F(x, params) = 0 near x0 (Newton's method by default), differentiable in
 * params to any order by the implicit function theorem: dx = −(∂F/∂x)⁻¹ ∂F/∂params · dparams.
 * The theorem needs ∂F/∂x invertible at the root.
 * @example
 * ```ts
 * import { implicit, grad, np } from "wengert"
 * const cubeRoot = (a) => implicit.rootSolve((x, p) => np.subtract(np.power(x, 3), p), a, 1)
 * grad(cubeRoot)(8).item() // => 0.08333333333333333
 * ```
 * @throws {@link index!InvalidArgumentError} when the adjoint solve does not converge.
 * @category implicit
 * @since 0.1.0
 */
export function rootSolve(F: (x: any, params: any) => any, params: unknown, x0: unknown, opts: ImplicitOptions = {}): any {
  const name = "implicit.rootSolve"
  check(name, opts)
  const newton = (f: (x: any) => any, start: unknown) => {
    const r = ravel(name, start)
    const fv = (v: Array) => ravel(name, f(r.unravel(v))).vec
    const step = (v: Array) => np.subtract(v, np.linalg.solve(jacfwd(fv)(v), fv(v)))
    return r.unravel(iterate(name, step, r.vec, opts.forwardTol ?? 1e-10, opts.forwardMaxIter ?? 100))
  }
  return namedRoot(name, (x) => F(x, params), x0, opts.forward ?? newton, linearSolver(name, opts), residualBound(opts))
}

/**
 * The fixed point x = T(x, params) reached from x0 (plain iteration by default),
 * differentiable in params by the implicit function theorem applied to T(x, params) − x.
 * @example
 * ```ts
 * import { implicit, grad, np } from "wengert"
 * const fp = (a) => implicit.fixedPoint((x, p) => np.add(np.multiply(0.5, x), p), a, 0)
 * grad(fp)(1).item() // => 2
 * ```
 * @throws {@link index!InvalidArgumentError} when the adjoint solve does not converge.
 * @category implicit
 * @since 0.1.0
 */
export function fixedPoint(T: (x: any, params: any) => any, params: unknown, x0: unknown, opts: ImplicitOptions = {}): any {
  const name = "implicit.fixedPoint"
  check(name, opts)
  const residual = (x: any) => {
    const rx = ravel(name, x)
    return rx.unravel(np.subtract(ravel(name, T(x, params)).vec, rx.vec))
  }
  const picard = (f: (x: any) => any, start: unknown) => {
    const r = ravel(name, start)
    // f(x) = T(x) − x, so x + f(x) = T(x)
    const step = (v: Array) => np.add(v, ravel(name, f(r.unravel(v))).vec)
    return r.unravel(iterate(name, step, r.vec, opts.forwardTol ?? 1e-10, opts.forwardMaxIter ?? 1000))
  }
  const forward = opts.forward ? (f: (x: any) => any, start: unknown) => opts.forward!((x: any) => { const r = ravel(name, x); return r.unravel(np.add(r.vec, ravel(name, f(x)).vec)) }, start) : picard
  return namedRoot(name, residual, x0, forward, linearSolver(name, opts), residualBound(opts))
}
