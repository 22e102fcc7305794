// remat (checkpoint) as two higher-order primitives. `remat` runs its body; its JVP gives the
// primal by `remat` and the tangent by `remat_jvp`, a primitive linear in the tangents whose
// only residuals are the body's inputs. Transposing `remat_jvp` re-runs the body's forward
// pass (rematerialization) and pulls the cotangent back through it.

import type { Array } from "../core/array.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { type Primitive, type Tangent, Zero, isUndefined, isZero, primitive } from "../core/primitive.js"
import { bind } from "../core/trace.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { jvpFlat } from "../transforms/jvp.js"
import { vjpFlat } from "../transforms/vjp.js"
import { vmapFlat, moveBatchAxis } from "../transforms/vmap.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { instantiate } from "./elementwise.js"

export type RematP = { jaxpr: ClosedJaxpr; policy: string }
const run = (body: ClosedJaxpr, xs: readonly Array[]) => evalJaxprFlat(body.jaxpr, body.consts, xs)

/** The body batched along axis 0 of every input (unbatched inputs are broadcast first). */
function batchBody(prim: Primitive<RematP>, args: readonly Array[], bdims: readonly (number | null)[], params: RematP, size: number): [Array[], number[]] {
  const moved = args.map((a, i) => moveBatchAxis(a, bdims[i] ?? null, 0, size))
  const batched = traceJaxprFlat("vmap", (xs) => {
    const [outs, dims] = vmapFlat((ins) => run(params.jaxpr, ins), xs, xs.map(() => 0), size)
    return outs.map((o, i) => moveBatchAxis(o, dims[i]!, 0, size))
  }, moved.map((m) => m.aval))
  const outs = bind(prim, moved, { ...params, jaxpr: batched })
  return [outs, outs.map(() => 0)]
}

export const rematP: Primitive<RematP> = primitive<RematP>({
  name: "remat",
  abstractEval: (_, { jaxpr }) => jaxpr.outAvals,
  impl: (args, { jaxpr }) => run(jaxpr, args) as ReturnType<Primitive["impl"]>,
  jvp: (primals, tangents, params) => {
    const outs = bind(rematP, primals, params)
    if (tangents.every(isZero)) return [outs, outs.map((o) => new Zero(o.aval))]
    const touts = bind(rematJvpP, [...primals, ...tangents.map(instantiate)], params)
    return [outs, touts]
  },
  batch: (args, bdims, params, size) => batchBody(rematP, args, bdims, params, size),
})

/** Tangent outputs of the body at (primals, tangents): inputs are [...primals, ...tangents]. */
function rematJvpInline(args: readonly Array[], body: ClosedJaxpr): Array[] {
  const n = args.length / 2
  return jvpFlat((xs) => run(body, xs), args.slice(0, n), args.slice(n), "checkpoint")[1].map(instantiate)
}

export const rematJvpP: Primitive<RematP> = primitive<RematP>({
  name: "remat_jvp",
  abstractEval: (_, { jaxpr }) => jaxpr.outAvals,
  impl: (args, { jaxpr }) => rematJvpInline(args, jaxpr) as ReturnType<Primitive["impl"]>,
  // differentiating the tangent map itself (higher order): go through its definition
  jvp: (primals, tangents, { jaxpr }) => jvpFlat((xs) => rematJvpInline(xs, jaxpr), primals, tangents, "checkpoint"),
  // ct ↦ Jᵀ ct at the saved inputs: recompute the forward pass now, then pull back
  transpose: (cts, args, { jaxpr }) => {
    const n = args.length / 2
    const primals = args.slice(0, n)
    if (primals.some(isUndefined)) throw new Error("internal: remat_jvp transposed with an unknown primal")
    const res = vjpFlat("checkpoint", (xs) => run(jaxpr, xs), primals as Array[])
    const inCts: Tangent[] = res.pullbackFlat(cts)
    return [...primals.map(() => null), ...args.slice(n).map((a, i) => (isUndefined(a) ? inCts[i]! : null))]
  },
  batch: (args, bdims, params, size) => {
    const n = args.length / 2
    const moved = args.map((a, i) => moveBatchAxis(a, bdims[i] ?? null, 0, size))
    const batched = traceJaxprFlat("vmap", (xs) => {
      const [outs, dims] = vmapFlat((ins) => run(params.jaxpr, ins), xs, xs.map(() => 0), size)
      return outs.map((o, i) => moveBatchAxis(o, dims[i]!, 0, size))
    }, moved.slice(0, n).map((m) => m.aval))
    const outs = bind(rematJvpP, moved, { ...params, jaxpr: batched })
    return [outs, outs.map(() => 0)]
  },
})
