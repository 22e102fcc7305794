// lax.cond, lax.switch and lax.whileLoop: structured control flow that stays in the IR, so it
// works under jit (where native `if` cannot read traced values) and under every transform.

import { NdArray, type Array } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { DtypeError, InvalidArgumentError, ShapeError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { cond as condPrim } from "../prims/control/cond.js"
import { whileLoop as whilePrim } from "../prims/control/while.js"
import { max, min, ne, select } from "../prims/elementwise.js"
import { broadcastInDim, convert } from "../prims/shape.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { flattenArgs, unflatten } from "../transforms/flat.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { type TracedFn, traceCallback } from "./trace.js"
import { scan } from "./scan.js"

/**
 * Traces each branch on the operands and merges their captured values into shared leading
 * operands. Branches must agree in output structure and types; errors name them by `label`.
 */
function traceBranches(fn: string, branches: readonly ((...ops: any[]) => unknown)[], operands: unknown[], label: (k: number) => string) {
  const [ops, opsDef] = flattenArgs(fn, operands)
  const avals = ops.map((o) => (o.aval.weakType ? o.aval.strengthened() : o.aval))
  const opsIn = ops.map((o) => (o.aval.weakType ? convert(o, o.dtype) : o))
  const traced: TracedFn[] = branches.map((b) => traceCallback(fn, (...args: unknown[]) => b(...(args[0] as unknown[])), [opsDef], [avals]))
  const first = traced[0]!, show = (t: TracedFn) => t.jaxpr.outAvals.map((a) => a.str()).join(", ")
  traced.forEach((t, k) => {
    if (t.outDef.key !== first.outDef.key)
      throw new ShapeError(fn, [], `${label(0)} returns a tree of structure ${first.outDef.key} but ${label(k)} returns ${t.outDef.key}; every branch must return the same structure.`)
    const a = t.jaxpr.outAvals, b = first.jaxpr.outAvals
    if (a.some((x, i) => !x.equals(b[i]!)))
      throw new ShapeError(fn, [...b.map((x) => x.shape), ...a.map((x) => x.shape)], `${label(0)} returns (${show(first)}) but ${label(k)} returns (${show(t)}); every branch must return the same types.`)
  })
  const consts = traced.flatMap((t) => t.consts)
  const offsets = traced.map((_, k) => traced.slice(0, k).reduce((s, t) => s + t.consts.length, 0))
  const jaxprs: ClosedJaxpr[] = traced.map((t, k) => traceJaxprFlat(fn, (ins) =>
    evalJaxprFlat(t.jaxpr.jaxpr, [], [...ins.slice(offsets[k]!, offsets[k]! + t.consts.length), ...ins.slice(consts.length)]),
  [...consts.map((c) => c.aval), ...avals]))
  return { jaxprs, args: [...consts, ...opsIn], outDef: traced[0]!.outDef }
}

/**
 * `trueFn(...operands)` if `pred` holds, else `falseFn(...operands)`, staged into the IR:
 * both branches are traced and must return the same types.
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.cond(np.greater(2, 1), (x) => np.multiply(x, 10), (x) => x, 3).item() // => 30
 * ```
 * @throws {@link index!ShapeError} when the branches return different types.
 * @throws {@link index!EffectError} under `vmap` when the predicate differs between lanes and a branch holds a `debug.print` or `debug.callback`.
 * @category control flow
 * @since 0.1.0
 */
export function cond(pred: unknown, trueFn: (...ops: any[]) => any, falseFn: (...ops: any[]) => any, ...operands: unknown[]): any {
  const p = asArray(pred, "lax.cond")
  if (p.ndim !== 0) throw new ShapeError("lax.cond", [p.shape], "the predicate must be a scalar; for elementwise choices use np.where.")
  const index = convert(p.dtype === "bool" ? p : convertToBool(p), "int32")
  const { jaxprs, args, outDef } = traceBranches("lax.cond", [falseFn, trueFn], operands, (k) => (k === 0 ? "the false branch" : "the true branch"))
  return unflatten(outDef, condPrim(index, args, jaxprs))
}
const convertToBool = (p: Array): Array => ne(p, NdArray.scalar(0, p.dtype))

/**
 * `branches[index](...operands)` with the index clamped into range, staged into the IR.
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.switch(1, [(x) => x, (x) => np.multiply(x, 2), (x) => np.multiply(x, 3)], 5).item() // => 10
 * ```
 * @throws {@link index!InvalidArgumentError} when no branches are given.
 * @throws {@link index!EffectError} under `vmap` when the index differs between lanes and a branch holds a `debug.print` or `debug.callback`.
 * @category control flow
 * @since 0.1.0
 */
export function switch_(index: unknown, branches: readonly ((...ops: any[]) => any)[], ...operands: unknown[]): any {
  if (!globalThis.Array.isArray(branches) || branches.length === 0) throw new InvalidArgumentError("lax.switch", "needs a non-empty array of branch functions.")
  const i = convert(asArray(index, "lax.switch"), "int32")
  if (i.ndim !== 0) throw new ShapeError("lax.switch", [i.shape], "the index must be a scalar.")
  const clamped = min(max(i, NdArray.scalar(0, "int32")), NdArray.scalar(branches.length - 1, "int32"))
  const { jaxprs, args, outDef } = traceBranches("lax.switch", branches, operands, (k) => `branch ${k}`)
  return unflatten(outDef, condPrim(clamped, args, jaxprs))
}

export interface WhileOptions {
  /** A bound on the trip count: the loop runs as a masked scan of this many steps, so reverse mode works. */
  readonly maxIterations?: number
}

/**
 * `while (condFn(carry)) carry = bodyFn(carry)`, staged into the IR. Forward mode always
 * works; reverse mode needs `maxIterations` (the loop then runs as a bounded, masked scan).
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.whileLoop((x) => np.less(x, 10), (x) => np.multiply(x, 2), 1).item() // => 16
 * ```
 * @throws {@link index!NonDifferentiableError} under reverse mode without maxIterations.
 * @throws {@link index!EffectError} under `vmap` when the condition differs between lanes and the loop holds a `debug.print` or `debug.callback`.
 * @category control flow
 * @since 0.1.0
 */
export function whileLoop(condFn: (carry: any) => any, bodyFn: (carry: any) => any, init: unknown, opts: WhileOptions = {}): any {
  const [carry0, carryDef] = flattenArgs("lax.whileLoop", init)
  const carry = carry0.map((c) => (c.aval.weakType ? convert(c, c.dtype) : c))
  const avals = carry.map((c) => c.aval)
  /** bodyFn's carry leaves, in the carry's structure and dtypes. */
  const body = (c: unknown): Array[] => {
    const [leaves, def] = flattenArgs("lax.whileLoop", bodyFn(c))
    if (def.key !== carryDef.key) throw new ShapeError("lax.whileLoop", [], `the body returned structure ${def.key} but the carry has ${carryDef.key}.`)
    return leaves.map((l, i) => (l.aval.weakType || l.dtype !== avals[i]!.dtype ? convert(l, avals[i]!.dtype) : l))
  }
  const bound = opts.maxIterations
  if (bound !== undefined && (!Number.isInteger(bound) || bound < 0))
    throw new InvalidArgumentError("lax.whileLoop", `maxIterations must be a non-negative integer, got ${bound}.`)
  const condT = traceCallback("lax.whileLoop", condFn, [carryDef], [avals])
  const bodyT = traceCallback("lax.whileLoop", body, [carryDef], [avals])
  if (bound !== undefined) {
    const pred = condT.jaxpr.outAvals
    if (pred.length !== 1 || pred[0]!.dtype !== "bool" || pred[0]!.ndim !== 0)
      throw new DtypeError("lax.whileLoop", pred.map((a) => a.str()), "the condition must return a bool scalar.")
    if (condT.jaxpr.effects.length > 0 || bodyT.jaxpr.effects.length > 0) return unflatten(carryDef, boundedEffectful(condT, bodyT, carry, bound))
    // a masked scan: finished steps keep the carry
    const [out] = scan((now: Array[]) => {
      const active = call(condT, now)[0]!
      return [call(bodyT, now).map((n, i) => select(broadcastInDim(active, n.shape, []), n, now[i]!)), null]
    }, carry, null, { length: bound })
    return unflatten(carryDef, out as Array[])
  }
  const outs = whilePrim([...condT.consts, ...bodyT.consts, ...carry], {
    cond_jaxpr: condT.jaxpr, body_jaxpr: bodyT.jaxpr, cond_nconsts: condT.consts.length, body_nconsts: bodyT.consts.length,
  })
  return unflatten(carryDef, outs)
}

/** Runs a traced callback on flat inputs. */
const call = (t: TracedFn, xs: readonly Array[]): Array[] => evalJaxprFlat(t.jaxpr.jaxpr, t.jaxpr.consts, [...t.consts, ...xs])

/**
 * A bounded loop whose condition or body has effects, as a scan of `maxIterations` steps that
 * runs them only while the loop would: the carry holds an `active` flag, the condition is
 * evaluated (in a cond) only while active and the body only when it holds, so effects run
 * exactly as often as in the unbounded loop. (The pure case masks with a select instead.)
 */
function boundedEffectful(condT: TracedFn, bodyT: TracedFn, carry: readonly Array[], steps: number): Array[] {
  const no = NdArray.scalar(0, "bool")
  const [[, ...out]] = scan(([active, ...c]: Array[]) => {
    const go = cond(active, (...x: Array[]) => call(condT, x)[0], () => no, ...c) as Array
    const next = cond(go, (...x: Array[]) => call(bodyT, x), (...x: Array[]) => x, ...c) as Array[]
    return [[go, ...next], null]
  }, [NdArray.scalar(1, "bool"), ...carry], null, { length: steps })
  return out as Array[]
}
