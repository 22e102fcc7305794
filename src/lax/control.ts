// lax.cond, lax.switch and lax.whileLoop: structured control flow that stays in the IR, so it
// works under jit (where native `if` cannot read traced values) and under every transform.

import { NdArray, type Array } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { cond as condPrim } from "../prims/control/cond.js"
import { whileLoop as whilePrim } from "../prims/control/while.js"
import { max, min, select } from "../prims/elementwise.js"
import { broadcastInDim, convert } from "../prims/shape.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { flattenArgs, unflatten } from "../transforms/flat.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { type TracedFn, traceCallback } from "./trace.js"
import { scan } from "./scan.js"

/** Traces each branch on the operands and merges their captured values into shared leading operands. */
function traceBranches(fn: string, branches: readonly ((...ops: any[]) => unknown)[], operands: unknown[]) {
  const [ops, opsDef] = flattenArgs(fn, operands)
  const avals = ops.map((o) => (o.aval.weakType ? o.aval.strengthened() : o.aval))
  const opsIn = ops.map((o) => (o.aval.weakType ? convert(o, o.dtype) : o))
  const traced: TracedFn[] = branches.map((b) => traceCallback(fn, (...args: unknown[]) => b(...(args[0] as unknown[])), [opsDef], [avals]))
  traced.forEach((t, k) => {
    if (t.outDef.key !== traced[0]!.outDef.key)
      throw new ShapeError(fn, [], `branch 0 returns a tree of structure ${traced[0]!.outDef.key} but branch ${k} returns ${t.outDef.key}; every branch must return the same structure.`)
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
 * @throws {@link ShapeError} when the branches return different types.
 * @category control flow
 * @since 0.1.0
 */
export function cond(pred: unknown, trueFn: (...ops: any[]) => any, falseFn: (...ops: any[]) => any, ...operands: unknown[]): any {
  const p = asArray(pred, "lax.cond")
  if (p.ndim !== 0) throw new ShapeError("lax.cond", [p.shape], "the predicate must be a scalar; for elementwise choices use np.where.")
  const index = convert(p.dtype === "bool" ? p : convertToBool(p), "int32")
  const { jaxprs, args, outDef } = traceBranches("lax.cond", [falseFn, trueFn], operands)
  return unflatten(outDef, condPrim(index, args, jaxprs))
}
import { ne } from "../prims/elementwise.js"
const convertToBool = (p: Array): Array => ne(p, NdArray.scalar(0, p.dtype))

/**
 * `branches[index](...operands)` with the index clamped into range, staged into the IR.
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.switch(1, [(x) => x, (x) => np.multiply(x, 2), (x) => np.multiply(x, 3)], 5).item() // => 10
 * ```
 * @throws {@link InvalidArgumentError} when no branches are given.
 * @category control flow
 * @since 0.1.0
 */
export function switch_(index: unknown, branches: readonly ((...ops: any[]) => any)[], ...operands: unknown[]): any {
  if (!globalThis.Array.isArray(branches) || branches.length === 0) throw new InvalidArgumentError("lax.switch", "needs a non-empty array of branch functions.")
  const i = convert(asArray(index, "lax.switch"), "int32")
  if (i.ndim !== 0) throw new ShapeError("lax.switch", [i.shape], "the index must be a scalar.")
  const clamped = min(max(i, NdArray.scalar(0, "int32")), NdArray.scalar(branches.length - 1, "int32"))
  const { jaxprs, args, outDef } = traceBranches("lax.switch", branches, operands)
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
 * @throws {@link NonDifferentiableError} under reverse mode without maxIterations.
 * @category control flow
 * @since 0.1.0
 */
export function whileLoop(condFn: (carry: any) => any, bodyFn: (carry: any) => any, init: unknown, opts: WhileOptions = {}): any {
  const [carry0, carryDef] = flattenArgs("lax.whileLoop", init)
  const carry = carry0.map((c) => (c.aval.weakType ? convert(c, c.dtype) : c))
  const avals = carry.map((c) => c.aval)
  if (opts.maxIterations !== undefined) {
    if (!Number.isInteger(opts.maxIterations) || opts.maxIterations < 0)
      throw new InvalidArgumentError("lax.whileLoop", `maxIterations must be a non-negative integer, got ${opts.maxIterations}.`)
    const [out] = scan((c: unknown) => {
      const active = asArray(condFn(c), "lax.whileLoop")
      const [now] = flattenArgs("lax.whileLoop", c)
      const [next] = flattenArgs("lax.whileLoop", bodyFn(c))
      return [unflatten(carryDef, next.map((n, i) => select(broadcastInDim(active, n.shape, []), n, now[i]!))), null]
    }, unflatten(carryDef, carry), null, { length: opts.maxIterations })
    return out
  }
  const condT = traceCallback("lax.whileLoop", condFn, [carryDef], [avals])
  const bodyT = traceCallback("lax.whileLoop", (c: unknown) => {
    const [leaves, def] = flattenArgs("lax.whileLoop", bodyFn(c))
    if (def.key !== carryDef.key) throw new ShapeError("lax.whileLoop", [], `the body returned structure ${def.key} but the carry has ${carryDef.key}.`)
    return leaves.map((l, i) => (l.aval.weakType || l.dtype !== avals[i]!.dtype ? convert(l, avals[i]!.dtype) : l))
  }, [carryDef], [avals])
  const outs = whilePrim([...condT.consts, ...bodyT.consts, ...carry], {
    cond_jaxpr: condT.jaxpr, body_jaxpr: bodyT.jaxpr, cond_nconsts: condT.consts.length, body_nconsts: bodyT.consts.length,
  })
  return unflatten(carryDef, outs)
}
