// linear_solve (JAX's custom_linear_solve): x = A⁻¹ b where A is given only as a matvec
// jaxpr and the solution by a solve jaxpr. Linear in b; its JVP differentiates only through
// the matvec (dx = A⁻¹(db − dA·x)), never through the solver; its transpose solves with Aᵀ
// using transpose_solve.

import type { Array, NdArray } from "../../core/array.js"
import { InvalidArgumentError, NonDifferentiableError } from "../../core/errors.js"
import type { ClosedJaxpr } from "../../core/ir.js"
import { type Primitive, type Tangent, UndefinedPrimal, Zero, isUndefined, isZero, primitive } from "../../core/primitive.js"
import { bind } from "../../core/trace.js"
import { evalJaxprFlat } from "../../backends/interpreter/evalJaxpr.js"
import { instantiate, sub } from "../elementwise.js"
import { jvpFlat } from "../../transforms/jvp.js"
import { traceJaxprFlat } from "../../transforms/makeJaxpr.js"
import { backwardPassArgs } from "../../transforms/transpose.js"
import { batchJaxpr } from "../custom.js"
import { moveBatchAxis } from "../../transforms/vmap.js"
import { range } from "../../transforms/jaxprUtil.js"

/** Inputs: [...matvec consts, ...solve consts, ...transpose_solve consts, ...b]. Jaxprs are const-free. */
export type LinearSolveP = {
  matvec: ClosedJaxpr; solve: ClosedJaxpr; transpose_solve: ClosedJaxpr | null
  num_matvec: number; num_solve: number; num_transpose: number; name: string
  /** When set, evaluation checks the residual |A x − b| ≤ check·max(1, |b|) and raises otherwise. */
  check?: number | null
}

const run = (j: ClosedJaxpr, xs: readonly Array[]) => evalJaxprFlat(j.jaxpr, j.consts, xs)
const split = (args: readonly (Array | UndefinedPrimal)[], p: LinearSolveP) => {
  const a = p.num_matvec, b = a + p.num_solve, c = b + p.num_transpose
  return { mc: args.slice(0, a), sc: args.slice(a, b), tc: args.slice(b, c), rhs: args.slice(c) }
}

/** Raises when the solve's residual is too large (a singular or ill-conditioned system, or a solver that did not converge). */
export function checkResidual(p: LinearSolveP, ax: readonly NdArray[], b: readonly NdArray[]): void {
  let res = 0, scale = 1
  ax.forEach((a, i) => {
    const bd = b[i]!.data
    for (let k = 0; k < a.data.length; k++) { res = Math.max(res, Math.abs(a.data[k]! - bd[k]!)); scale = Math.max(scale, Math.abs(bd[k]!)) }
  })
  if (!(res <= p.check! * scale))
    throw new InvalidArgumentError(p.name, `the linear solve of the implicit function theorem did not converge: residual ${res.toExponential(2)} for |b| = ${scale.toExponential(2)}. The theorem needs ∂F/∂x invertible at the solution: check that it is, or use solver "dense", or raise maxIter.`)
}

export const linearSolveP: Primitive<LinearSolveP> = primitive<LinearSolveP>({
  name: "linear_solve",
  abstractEval: (avals, p) => avals.slice(p.num_matvec + p.num_solve + p.num_transpose).map((a) => a.strengthened()),
  impl: (args, p) => {
    const { mc, sc, rhs } = split(args, p)
    const x = run(p.solve, [...(sc as Array[]), ...(rhs as Array[])]) as NdArray[]
    if (p.check != null) checkResidual(p, run(p.matvec, [...(mc as Array[]), ...x]) as NdArray[], rhs as NdArray[])
    return x
  },
  jvp: (primals, tangents, p) => {
    const { mc } = split(primals, p)
    const t = split(tangents as unknown as Array[], p)
    const x = bind(linearSolveP, primals, p)
    const mcT = t.mc as unknown as Tangent[], bT = t.rhs as unknown as Tangent[]
    if (mcT.every(isZero) && bT.every(isZero)) return [x, x.map((v) => new Zero(v.aval))]
    // dA·x: the matvec's tangent along its consts, at the solution
    const dAx = mcT.every(isZero) ? null : jvpFlat((ins) => run(p.matvec, [...ins, ...x]), mc as Array[], mcT, "linear_solve")[1]
    const r = bT.map((db, i) => {
      const d = dAx ? dAx[i]! : new Zero(x[i]!.aval)
      if (isZero(d)) return instantiate(db)
      return isZero(db) ? sub(instantiate(new Zero(x[i]!.aval)), d as Array) : sub(db as Array, d as Array)
    })
    const a = p.num_matvec + p.num_solve + p.num_transpose
    return [x, bind(linearSolveP, [...primals.slice(0, a), ...r], p)]
  },
  transpose: (cts, args, p) => {
    const { mc, sc, tc, rhs } = split(args, p)
    if ([...mc, ...sc, ...tc].some(isUndefined)) throw new Error("internal: linear_solve transposed in its matrix")
    if (!p.transpose_solve)
      throw new NonDifferentiableError(p.name, "reverse mode through a custom linear solve needs transposeSolve (or a symmetric matvec). Pass transposeSolve.")
    // Aᵀ as a jaxpr: transpose the matvec in its vector argument
    const xAvals = rhs.map((r) => (r as { aval: import("../../core/aval.js").ShapedArray }).aval)
    const matvecT = traceJaxprFlat("transpose", (ins) => {
      const consts = ins.slice(0, mc.length), ys = ins.slice(mc.length)
      const res = backwardPassArgs(p.matvec.jaxpr, [], [...consts, ...xAvals.map((a) => new UndefinedPrimal(a))], ys)
      return res.slice(mc.length).map(instantiate)
    }, [...(mc as Array[]).map((m) => m.aval), ...xAvals])
    const ctB = bind(linearSolveP, [...(mc as Array[]), ...(tc as Array[]), ...(sc as Array[]), ...cts.map(instantiate)], {
      matvec: matvecT, solve: p.transpose_solve, transpose_solve: p.solve,
      num_matvec: p.num_matvec, num_solve: p.num_transpose, num_transpose: p.num_solve, name: p.name, check: p.check ?? null,
    })
    return [...range(mc.length + sc.length + tc.length).map(() => null), ...rhs.map((r, i) => (isUndefined(r) ? ctB[i]! : null))]
  },
  batch: (args, bdims, p, size) => {
    const moved = args.map((a, i) => moveBatchAxis(a, bdims[i] ?? null, 0, size))
    const { mc, sc, tc, rhs } = split(moved, p) as { mc: Array[]; sc: Array[]; tc: Array[]; rhs: Array[] }
    const av = (xs: Array[]) => xs.map((x) => x.aval)
    const params: LinearSolveP = {
      ...p,
      matvec: batchJaxpr(p.matvec, size, [...av(mc), ...av(rhs)]),
      solve: batchJaxpr(p.solve, size, [...av(sc), ...av(rhs)]),
      transpose_solve: p.transpose_solve && batchJaxpr(p.transpose_solve, size, [...av(tc), ...av(rhs)]),
    }
    const outs = bind(linearSolveP, moved, params)
    return [outs, outs.map(() => 0)]
  },
})
