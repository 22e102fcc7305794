// lax.scan and lax.forILoop: loops with a fixed trip count, differentiable in both modes.

import type { Array } from "../core/array.js"
import { NdArray } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { scan as scanPrim } from "../prims/control/scan.js"
import { convert } from "../prims/shape.js"
import { flattenArgs, unflatten } from "../transforms/flat.js"
import { traceCallback } from "./trace.js"
import { scanCheckpointed, type ScanCheckpoint } from "./scanCheckpoint.js"

export interface ScanOptions {
  /** The number of steps, required when `xs` is null. */
  readonly length?: number
  /** Scan from the last element to the first (ys keep their order). */
  readonly reverse?: boolean
  /**
   * Rematerialization of the stored per-step residuals under reverse mode: `"none"` (the
   * default), `{ every: k }` with 1 ≤ k ≤ N (memory ∝ S(N/k + k), least near k = √N, about
   * one extra forward pass), `{ binomial: s }` (Griewank–Walther's optimal schedule with s
   * stored carries, s ≥ 1) or `"binomial"` (s = ⌈log₂ N⌉: memory O(S log N)).
   */
  readonly checkpoint?: ScanCheckpoint
}

/**
 * Loops `f(carry, x) -> [carry, y]` over the leading axis of `xs`, returning
 * `[finalCarry, stackedYs]`; reverse mode is backpropagation through time.
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.scan((c, x) => [np.add(c, x), np.add(c, x)], 0, np.array([1, 2, 3]))[1].toArray() // => [1, 3, 6]
 * ```
 * @throws {@link index!ShapeError} when the carry changes type or the xs disagree on length.
 * @throws {@link index!InvalidArgumentError} when `checkpoint` is not one of the options above
 * (or `{ every: k }` has k > N).
 * @category control flow
 * @since 0.1.0
 */
export function scan(f: (carry: any, x: any) => [any, any], init: unknown, xs: unknown, opts: ScanOptions = {}): [any, any] {
  const [carry, carryDef] = flattenArgs("lax.scan", init)
  const [xsFlat, xsDef] = xs === null || xs === undefined ? [[] as Array[], flattenArgs("lax.scan", null)[1]] : flattenArgs("lax.scan", xs)
  let length = opts.length
  for (const x of xsFlat) {
    if (x.ndim === 0) throw new ShapeError("lax.scan", [x.shape], "every leaf of xs needs a leading axis to scan over.")
    if (length === undefined) length = x.shape[0]
    else if (x.shape[0] !== length) throw new ShapeError("lax.scan", xsFlat.map((v) => v.shape), `xs leaves disagree on length (${x.shape[0]} vs ${length}); give them one leading size.`)
  }
  if (length === undefined || !Number.isInteger(length) || length < 0)
    throw new InvalidArgumentError("lax.scan", "cannot infer the number of steps: pass xs with a leading axis, or { length } when xs is null.")
  // carries are strongly typed inside the loop (a JS number init is a weak f64)
  const carryIn = carry.map((c) => (c.aval.weakType ? convert(c, c.dtype) : c))
  const carryAvals = carryIn.map((c) => c.aval)
  const xAvals = xsFlat.map((x) => new ShapedArray(x.shape.slice(1), x.dtype))
  let yDef = carryDef
  const body = traceCallback("lax.scan", (c: unknown, x: unknown) => {
    const out = f(c, x)
    if (!globalThis.Array.isArray(out) || out.length !== 2)
      throw new InvalidArgumentError("lax.scan", "the body must return a pair [carry, y] (use null for no y).")
    const [newCarry, newCarryDef] = flattenArgs("lax.scan", out[0])
    if (newCarryDef.key !== carryDef.key)
      throw new ShapeError("lax.scan", [], `the body returned a carry of structure ${newCarryDef.key} but the initial carry has ${carryDef.key}.`)
    const fixed = newCarry.map((c, i) => {
      const want = carryAvals[i]!
      if (c.dtype === want.dtype && c.shape.length === want.shape.length && c.shape.every((d, k) => d === want.shape[k])) return c.aval.weakType ? convert(c, c.dtype) : c
      if (c.shape.length === want.shape.length && c.shape.every((d, k) => d === want.shape[k]) && c.aval.weakType) return convert(c, want.dtype)
      throw new ShapeError("lax.scan", [want.shape, c.shape], `carry leaf ${i} entered the body as ${want.str()} and left as ${c.aval.str()}; the carry must keep its shape and dtype.`)
    })
    const [ys, def] = flattenArgs("lax.scan", out[1])
    yDef = def
    return [fixed, ys]
  }, [carryDef, xsDef], [carryAvals, xAvals])
  const outs = opts.checkpoint !== undefined
    ? scanCheckpointed(body, carryIn, xsFlat, length, !!opts.reverse, opts.checkpoint)
    : scanPrim([...body.consts, ...carryIn, ...xsFlat], { jaxpr: body.jaxpr, num_consts: body.consts.length, num_carry: carryIn.length, length, reverse: !!opts.reverse })
  const [, outDef] = [0, body.outDef]
  void outDef
  return [unflatten(carryDef, outs.slice(0, carryIn.length)), unflatten(yDef, outs.slice(carryIn.length))]
}

/**
 * A for loop `for (i = lo; i < hi; i++) carry = body(i, carry)` with static bounds (a scan).
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.forILoop(0, 4, (i, x) => np.add(x, i), 0).item() // => 6
 * ```
 * @throws {@link index!InvalidArgumentError} when the bounds are not integers.
 * @category control flow
 * @since 0.1.0
 */
export function forILoop(lo: number, hi: number, body: (i: Array, carry: any) => any, init: unknown): any {
  if (!Number.isInteger(lo) || !Number.isInteger(hi))
    throw new InvalidArgumentError("lax.forILoop", `bounds must be JS integers (got ${lo}, ${hi}); for traced bounds use lax.whileLoop.`)
  const n = Math.max(0, hi - lo)
  const [carry] = scan((c: [Array, unknown]) => {
    const [i, x] = c
    return [[add1(i), body(i, x)], null]
  }, [NdArray.scalar(lo, "int32"), init], null, { length: n })
  return (carry as [Array, unknown])[1]
}
import { add } from "../prims/elementwise.js"
const add1 = (i: Array): Array => add(i, NdArray.scalar(1, "int32"))
