// lax.customLinearSolve and lax.customRoot: solvers whose derivatives come from the implicit
// function theorem and an adjoint linear solve, never from differentiating the iterations.

import type { Array } from "../core/array.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { bind } from "../core/trace.js"
import type { TreeDef } from "../core/tree.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { linearSolveP } from "../prims/control/linearSolve.js"
import { instantiate, neg, stopGradient } from "../prims/elementwise.js"
import { convert } from "../prims/shape.js"
import { flattenArgs, unflatten } from "../transforms/flat.js"
import { customJvp } from "../transforms/custom.js"
import { jvpFlat } from "../transforms/jvp.js"
import { linearMap } from "../transforms/linearize.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { hoistConsts } from "../transforms/partialEval.js"
import { backwardPassArgs } from "../transforms/transpose.js"
import { UndefinedPrimal } from "../core/primitive.js"

type Fn = (x: any) => any

function hoisted(name: string, f: (xs: Array[]) => Array[], avals: readonly import("../core/aval.js").ShapedArray[]): [ClosedJaxpr, Array[]] {
  const [j, c] = hoistConsts(traceJaxprFlat(name, f, avals))
  return [j, c as Array[]]
}

/** A tree function as a function of flat leaves with a fixed structure. */
const flatFn = (name: string, f: Fn, def: TreeDef) => (xs: Array[]): Array[] => flattenArgs(name, f(unflatten(def, xs)))[0]

export function linearSolveFlat(name: string, matvec: (xs: Array[]) => Array[], b: Array[], bDef: TreeDef,
  solve: (mv: Fn, b: any) => any, transposeSolve: ((mv: Fn, b: any) => any) | undefined, check: number | null = null): Array[] {
  const avals = b.map((x) => x.aval.strengthened())
  const treeMv: Fn = (x) => unflatten(bDef, matvec(flattenArgs(name, x)[0]))
  const [mvJ, mc] = hoisted(name, matvec, avals)
  // Aᵀ for transposeSolve: the matvec transposed in its vector argument
  const matvecT = (ys: Array[]): Array[] =>
    backwardPassArgs(mvJ.jaxpr, [], [...mc, ...avals.map((a) => new UndefinedPrimal(a))], ys).slice(mc.length).map(instantiate)
  const treeMvT: Fn = (y) => unflatten(bDef, matvecT(flattenArgs(name, y)[0]))
  const [sJ, sc] = hoisted(name, (ys) => flattenArgs(name, solve(treeMv, unflatten(bDef, ys)))[0], avals)
  const [tJ, tc] = transposeSolve ? hoisted(name, (ys) => flattenArgs(name, transposeSolve(treeMvT, unflatten(bDef, ys)))[0], avals) : [null, []]
  const bIn = b.map((x) => (x.aval.weakType ? convert(x, x.dtype) : x))
  return bind(linearSolveP, [...mc, ...sc, ...tc, ...bIn], {
    matvec: mvJ, solve: sJ, transpose_solve: tJ, num_matvec: mc.length, num_solve: sc.length, num_transpose: tc.length, name, check,
  })
}

/**
 * Solves `matvec(x) = b` with `solve(matvec, b)`, differentiating only through `matvec`
 * (dx = A⁻¹(db − dA·x)); reverse mode solves with Aᵀ by `transposeSolve(matvecᵀ, ct)`.
 * @example
 * ```ts
 * import { lax, np, grad } from "wengert"
 * const x = (a) => lax.customLinearSolve((v) => np.multiply(a, v), np.array([2]), (mv, b) => np.divide(b, a), (mv, b) => np.divide(b, a))
 * grad((a) => np.sum(x(a)))(4).item() // => -0.125
 * ```
 * @throws {@link index!NonDifferentiableError} under reverse mode without transposeSolve.
 * @category control flow
 * @since 0.1.0
 */
export function customLinearSolve(matvec: Fn, b: unknown, solve: (matvec: Fn, b: any) => any, transposeSolve?: (matvecT: Fn, b: any) => any): any {
  const [bs, bDef] = flattenArgs("lax.customLinearSolve", b)
  if (typeof matvec !== "function" || typeof solve !== "function") throw new InvalidArgumentError("lax.customLinearSolve", "matvec and solve must be functions.")
  return unflatten(bDef, linearSolveFlat("lax.customLinearSolve", flatFn("lax.customLinearSolve", matvec, bDef), bs, bDef, solve, transposeSolve))
}

/**
 * Finds x with f(x) = 0 by `solve(f, x0)` and differentiates the solution with respect to
 * whatever `f` closes over by the implicit function theorem: dx = −(∂f/∂x)⁻¹ ∂f/∂θ dθ, the
 * linear system solved by `tangentSolve(g, y)` (g linear). The solver's iterations are never
 * differentiated; `solve` should reach the parameters only through the `f` it is given.
 * @example
 * ```ts
 * import { lax, np, grad } from "wengert"
 * const newton = (f, x) => { for (let i = 0; i < 30; i++) x = np.subtract(x, np.divide(f(x), np.multiply(2, x))); return x }
 * const sqrt = (a) => lax.customRoot((x) => np.subtract(np.multiply(x, x), a), 1, newton, (g, y) => np.divide(y, g(1)))
 * grad(sqrt)(4).item() // => 0.25
 * ```
 * @throws {@link index!ShapeError} when the solution's structure differs from x0's.
 * @category control flow
 * @since 0.1.0
 */
export function customRoot(f: Fn, x0: unknown, solve: (f: Fn, x0: any) => any, tangentSolve: (g: Fn, y: any) => any): any {
  return namedRoot("lax.customRoot", f, x0, solve, tangentSolve, null)
}

/** customRoot under a caller's name, with an optional residual check of the adjoint solve. */
export function namedRoot(name: string, f: Fn, x0: unknown, solve: (f: Fn, x0: any) => any, tangentSolve: (g: Fn, y: any) => any, check: number | null): any {
  const [xs0, xDef] = flattenArgs(name, x0)
  const start = xs0.map((x) => stopGradient(x.aval.weakType ? convert(x, x.dtype) : x))
  // f's parameters enter through its closure; capture them as explicit inputs θ
  const [fJ, theta] = hoisted(name, flatFn(name, f, xDef), start.map((v) => v.aval))
  const F = (th: Array[], xv: Array[]) => evalJaxprFlat(fJ.jaxpr, [], [...th, ...xv])
  return unflatten(xDef, implicitSolution(name, F, theta, start, xDef, (th, x0) => {
    const [sol, sDef] = flattenArgs(name, solve((x: unknown) => unflatten(xDef, F(th, flattenArgs(name, x)[0])), unflatten(xDef, x0)))
    if (sDef.key !== xDef.key) throw new ShapeError(name, [], `solve returned structure ${sDef.key} but x0 has ${xDef.key}.`)
    return sol.map((s, i) => (s.dtype === x0[i]!.dtype && !s.aval.weakType ? s : convert(s, x0[i]!.dtype)))
  }, tangentSolve, check))
}

/**
 * x*(θ), the solution of F(θ, x) = 0 found by `solveAt(θ, x0)`, as a function whose derivative
 * is the implicit function theorem's: dx = −(∂F/∂x)⁻¹ ∂F/∂θ dθ, the system solved by
 * `tangentSolve` inside a linear_solve (so reverse mode solves the adjoint system). The rule
 * calls x* again, so derivatives of any order go through the same theorem. The starting point
 * x0 is an argument (the rule closes over no traced value, so ir.encode can trace it later),
 * and contributes no tangent: the solution does not depend on where the solver starts.
 */
export function implicitSolution(name: string, F: (th: Array[], x: Array[]) => Array[], theta: Array[], x0: Array[], xDef: TreeDef,
  solveAt: (th: Array[], x0: Array[]) => Array[], tangentSolve: (g: Fn, y: any) => any, check: number | null = null): Array[] {
  const solution = customJvp((th: Array[], start: Array[]) => solveAt(th, start), {
    jvp: ([th, start]: Array[][], [dth]: Array[][]) => {
      const xs = solution(th, start) as Array[]
      const [, fT] = jvpFlat((t) => F(t, xs), th, dth, name)
      const rhs = fT.map((t) => neg(instantiate(t)))
      // ∂F/∂x at the solution, linearized once: its primal parts (say tanh(x*)) become the
      // solve's inputs, computed here, not again at every matvec of an iterative solve
      const matvec = linearMap((xv) => F(th, xv), xs, name)
      return [xs, linearSolveFlat(name, matvec, rhs, xDef, tangentSolve, tangentSolve, check)] as [Array[], Array[]]
    },
  })
  return solution(theta, x0) as Array[]
}
