// Custom differentiation rules as primitives. custom_jvp_call holds the primal and the rule
// as jaxprs; its JVP evaluates the rule, so reverse mode falls out of linearize + transpose.
// custom_vjp_call holds the primal, the forward pass (output and residuals) and the user's
// backward function; its JVP emits custom_vjp_lin, a linear primitive whose transpose is the
// backward function and which has no forward evaluation (forward mode is a typed error).

import type { Array } from "../core/array.js"
import type { ShapedArray } from "../core/aval.js"
import { NonDifferentiableError, ShapeError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { type Primitive, type Tangent, Zero, isZero, primitive } from "../core/primitive.js"
import { shapeEq } from "../core/shape.js"
import { bind } from "../core/trace.js"
import { type TreeDef, flatten, unflatten } from "../core/tree.js"
import { asArray } from "../core/convert.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { instantiate } from "./elementwise.js"
import { convert } from "./shape.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { vmapFlat, moveBatchAxis } from "../transforms/vmap.js"

const run = (j: ClosedJaxpr, xs: readonly Array[]) => evalJaxprFlat(j.jaxpr, j.consts, xs)

function closedOverTangent(name: string): NonDifferentiableError {
  return new NonDifferentiableError(name, "the function closes over a value that is being differentiated; custom rules see only their arguments. Pass that value as an explicit argument.")
}

/** Re-traces `j` batched along axis 0 of every input; every output batched at 0. */
export function batchJaxpr(j: ClosedJaxpr, size: number, inAvals: readonly ShapedArray[]): ClosedJaxpr {
  return traceJaxprFlat("vmap", (xs) => {
    const [outs, dims] = vmapFlat((ins) => run(j, ins), xs, xs.map(() => 0), size)
    return outs.map((o, i) => moveBatchAxis(o, dims[i]!, 0, size))
  }, inAvals)
}
const moveAll = (args: readonly Array[], bdims: readonly (number | null)[], size: number) => args.map((a, i) => moveBatchAxis(a, bdims[i] ?? null, 0, size))

// custom_jvp_call ----------------------------------------------------------------------------

/** The rule on flat arrays: (primals, tangents) -> [outs, tangentOuts]; traced lazily (it may call f again). */
export type JvpFn = (primals: Array[], tangents: Array[]) => [Array[], Array[]]
export type CustomJvpP = { call: ClosedJaxpr; jvp: JvpFn; num_consts: number; name: string }

/**
 * Where a rule closure comes from: `fn` (the user's jvp function, or a decoded rule's body)
 * and `key` (what else it depends on: tree structures, vmap sizes). Two rules with the same
 * origin and types compute the same function, so ir.encode writes a rule met again inside its
 * own body as a reference to that body instead of tracing it forever (an implicit solution's
 * rule calls the solution again).
 */
export interface JvpOrigin { readonly fn: object; readonly key: string }
export const jvpOrigins = new WeakMap<JvpFn, JvpOrigin>()

export const customJvpCallP: Primitive<CustomJvpP> = primitive<CustomJvpP>({
  name: "custom_jvp_call",
  abstractEval: (_, { call }) => call.outAvals,
  impl: (args, p) => run(p.call, args) as ReturnType<Primitive["impl"]>,
  jvp: (primals, tangents, p) => {
    if (tangents.slice(0, p.num_consts).some((t) => !isZero(t))) throw closedOverTangent(p.name)
    return p.jvp(primals.slice(p.num_consts), tangents.slice(p.num_consts).map(instantiate))
  },
  batch: (args, bdims, p, size) => {
    const moved = moveAll(args, bdims, size)
    const call = batchJaxpr(p.call, size, moved.map((a) => a.aval))
    const jvp: JvpFn = (ps, ts) => {
      const n = ps.length
      let nOut = 0
      const [outs, dims] = vmapFlat((ins) => {
        const [o, t] = p.jvp(ins.slice(0, n), ins.slice(n))
        nOut = o.length
        return [...o, ...t]
      }, [...ps, ...ts], [...ps, ...ts].map(() => 0), size)
      const all = outs.map((o, i) => moveBatchAxis(o, dims[i]!, 0, size))
      return [all.slice(0, nOut), all.slice(nOut)]
    }
    const origin = jvpOrigins.get(p.jvp)
    if (origin) jvpOrigins.set(jvp, { fn: origin.fn, key: `${origin.key}|vmap(${size})` })
    const outs = bind(customJvpCallP, moved, { ...p, call, jvp })
    return [outs, outs.map(() => 0)]
  },
})

// custom_vjp_call and its linearization ------------------------------------------------------

export type Bwd = (residuals: unknown, ct: unknown) => unknown
export type CustomVjpP = {
  call: ClosedJaxpr; fwd: ClosedJaxpr; bwd: Bwd; num_call_consts: number; num_fwd_consts: number
  out_def: TreeDef; res_def: TreeDef; in_def: TreeDef; name: string
}
export type CustomVjpLinP = { bwd: Bwd; num_res: number; out_avals: readonly ShapedArray[]; out_def: TreeDef; res_def: TreeDef; in_def: TreeDef; in_avals: readonly ShapedArray[]; name: string }

export const customVjpCallP: Primitive<CustomVjpP> = primitive<CustomVjpP>({
  name: "custom_vjp_call",
  abstractEval: (_, { call }) => call.outAvals,
  impl: (args, p) => run(p.call, [...args.slice(0, p.num_call_consts), ...args.slice(p.num_call_consts + p.num_fwd_consts)]) as ReturnType<Primitive["impl"]>,
  jvp: (primals, tangents, p) => {
    const nc = p.num_call_consts + p.num_fwd_consts
    if (tangents.slice(0, nc).some((t) => !isZero(t))) throw closedOverTangent(p.name)
    const xs = primals.slice(nc)
    const fwdOuts = run(p.fwd, [...primals.slice(p.num_call_consts, nc), ...xs])
    const nOut = p.call.outAvals.length
    const outs = fwdOuts.slice(0, nOut), res = fwdOuts.slice(nOut)
    const ts = tangents.slice(nc)
    if (ts.every(isZero)) return [outs, outs.map((o) => new Zero(o.aval))]
    const touts = bind(customVjpLinP, [...res, ...ts.map(instantiate)], {
      bwd: p.bwd, num_res: res.length, out_avals: outs.map((o) => o.aval.strengthened()), out_def: p.out_def, res_def: p.res_def,
      in_def: p.in_def, in_avals: xs.map((x) => x.aval.strengthened()), name: p.name,
    })
    return [outs, touts]
  },
  batch: (args, bdims, p, size) => {
    const moved = moveAll(args, bdims, size)
    const ncc = p.num_call_consts, nfc = p.num_fwd_consts
    const cc = moved.slice(0, ncc), fc = moved.slice(ncc, ncc + nfc), xs = moved.slice(ncc + nfc)
    const call = batchJaxpr(p.call, size, [...cc, ...xs].map((a) => a.aval))
    const fwd = batchJaxpr(p.fwd, size, [...fc, ...xs].map((a) => a.aval))
    const bwd: Bwd = (res, ct) => {
      const [rs, rdef] = flatten(res), [cs, cdef] = flatten(ct)
      const [outs, dims] = vmapFlat((ins) => flatten(p.bwd(unflatten(rdef, ins.slice(0, rs.length)), unflatten(cdef, ins.slice(rs.length))))[0].map((l) => asArray(l)),
        [...rs, ...cs].map((l) => asArray(l)), [...rs, ...cs].map(() => 0), size)
      return unflatten(flatten(p.bwd === undefined ? [] : placeholder(p.in_def))[1], outs.map((o, i) => moveBatchAxis(o, dims[i]!, 0, size)))
    }
    const outs = bind(customVjpCallP, moved, { ...p, call, fwd, bwd })
    return [outs, outs.map(() => 0)]
  },
})

/** A tree of `def`'s structure with dummy leaves (to recover the structure of bwd's result). */
const placeholder = (def: TreeDef): unknown => unflatten(def, globalThis.Array(countLeaves(def)).fill(0))
const countLeaves = (def: TreeDef): number => (def.kind === "leaf" ? 1 : def.kind === "none" ? 0 : def.leaves)

export const customVjpLinP: Primitive<CustomVjpLinP> = primitive<CustomVjpLinP>({
  name: "custom_vjp_lin",
  abstractEval: (_, { out_avals }) => [...out_avals],
  impl: (_, { name }) => { throw forwardModeError(name) },
  jvp: (_, __, { name }) => { throw forwardModeError(name) },
  // ct ↦ bwd(residuals, ct): the user's backward function is the transpose
  transpose: (cts, args, p) => {
    const res = args.slice(0, p.num_res) as Array[]
    const ct = unflatten(p.out_def, cts.map(instantiate))
    const out = p.bwd(unflatten(p.res_def, res), p.out_def.kind === "leaf" ? ct : ct)
    const [leaves, def] = flatten(out)
    if (def.key !== p.in_def.key)
      throw new ShapeError(`customVjp(${p.name}) bwd`, [], `bwd must return one cotangent per primal argument, with structure ${p.in_def.key}; it returned ${def.key}.`)
    const inCts: Tangent[] = leaves.map((l, i) => {
      const a = asArray(l, `customVjp(${p.name}) bwd`), want = p.in_avals[i]!
      if (!shapeEq(a.shape, want.shape))
        throw new ShapeError(`customVjp(${p.name}) bwd`, [want.shape, a.shape], `cotangent ${i} must have its primal's shape ${want.str()}.`)
      return a.dtype === want.dtype ? a : convert(a, want.dtype)
    })
    return [...res.map(() => null), ...inCts]
  },
  batch: (_, __, { name }) => { throw forwardModeError(name) },
})

function forwardModeError(name: string): NonDifferentiableError {
  return new NonDifferentiableError(`customVjp(${name})`, "forward-mode differentiation (jvp, jacfwd, hessian's outer jacfwd, evaluating linearize's JVP) of a function with a custom VJP is not defined: it has only a backward rule. Use reverse mode (grad, vjp, jacrev), or give it a customJvp rule instead.")
}
