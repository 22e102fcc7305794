// check_converged: the identity on a solver's result x that raises when the solver did not
// converge (residual > tol, or NaN). It is pure (no effect: it may be moved, batched or
// compiled like any value computation) and only the error is observable, so implicit
// jaxprs stay effect-free; the compiled backend runs its impl as a fallback.

import type { Array, NdArray } from "../core/array.js"
import type { ShapedArray } from "../core/aval.js"
import { isFloat, isInt } from "../core/dtype.js"
import { DtypeError, InvalidArgumentError } from "../core/errors.js"
import { type Primitive, primitive } from "../core/primitive.js"
import { bind1 } from "../core/trace.js"

/** The functions whose solves are checked: the error names one of them (never user text). */
export const checkedFns = ["implicit.rootSolve", "implicit.fixedPoint"] as const
export type CheckedFn = (typeof checkedFns)[number]

/** `tol`: the largest residual accepted; `fn`: the API function the error names. */
export type CheckConvergedP = { tol: number; fn: CheckedFn }

const residualName: Record<CheckedFn, string> = { "implicit.rootSolve": "max|F(x)|", "implicit.fixedPoint": "max|T(x) − x|" }

/** Raises unless every residual (all lanes under vmap) is at most tol; iterations < 0 means a user's forward solver. */
function raiseUnlessConverged(res: NdArray, iters: NdArray, p: CheckConvergedP): void {
  let worst = 0, bad = false
  const r = res.data, it = iters.data
  for (let k = 0; k < r.length; k++) if (!(r[k]! <= p.tol)) { bad = true; if (!(r[k]! <= worst)) worst = r[k]! }
  if (!bad) return
  let n = -1
  for (let k = 0; k < it.length; k++) n = Math.max(n, it[k]!)
  const fn = p.fn, what = residualName[fn] ?? "the residual"
  const shown = Number.isNaN(worst) ? "NaN" : worst.toExponential(2)
  throw new InvalidArgumentError(fn, n < 0
    ? `the forward solver you passed did not converge: it returned x with ${what} = ${shown} > forwardTol ${p.tol}. Run it longer, or raise forwardTol; the implicit function theorem's derivative is wrong away from a solution.`
    : `the forward solve did not converge: ${what} = ${shown} > forwardTol ${p.tol} after ${n} iterations. Check that the equation has a solution near x0 (with ∂F/∂x invertible there), start x0 closer to it, raise forwardMaxIter or forwardTol, or pass your own forward solver.`)
}

/** check_converged(x, residual, iterations) = x, raising when the residual exceeds tol. */
export const checkConvergedP: Primitive<CheckConvergedP> = primitive<CheckConvergedP>({
  name: "check_converged",
  abstractEval: ([x, res, iters]: readonly ShapedArray[]) => {
    if (!isFloat(res!.dtype) || !isInt(iters!.dtype))
      throw new DtypeError("check_converged", [res!.dtype, iters!.dtype], "The residual must be a float array and the iteration count an integer array.")
    return [x!]
  },
  impl: ([x, res, iters], p) => { raiseUnlessConverged(res!, iters!, p); return [x!] },
  // the identity in x; the residual and iteration count only decide whether to raise
  jvp: ([x, res, iters], [dx], p) => [[bind1(checkConvergedP, [x!, res!, iters!], p)], [dx!]],
  transpose: ([ct]) => [ct!, null, null],
  // residuals and counts may be batched along any axis: the impl checks every lane
  batch: (args, bdims, p) => [[bind1(checkConvergedP, args, p)], [bdims[0]!]],
  laws: { domain: "real" },
})

/** x, checked: the caller's solve reached residual ≤ tol (else a typed error naming `fn`). */
export const checkConverged = (x: Array, residual: Array, iterations: Array, p: CheckConvergedP): Array => bind1(checkConvergedP, [x, residual, iterations], p)
