// Rule builders shared by primitive records (JAX's def* helpers): shape checks for
// elementwise families, kernels over typed arrays, and batching by moving the batch axis.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, allocate, isFloat, shortName } from "../core/dtype.js"
import { DtypeError, ShapeError } from "../core/errors.js"
import { sizeOf, shapeEq } from "../core/shape.js"
import type { BatchRule, Primitive } from "../core/primitive.js"
import { bind } from "../core/trace.js"
import { broadcastInDim, moveAxisTo0 } from "./shape.js"

export { floats, numeric, all } from "../core/dtype.js"

function checkDtype(name: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype))
    throw new DtypeError(name, [dtype], `Accepted: ${allowed.join(", ")}. Convert with x.astype(...) first.`)
}

/** An aval of `like`'s shape: `like` itself when dtype and weak type match (avals are immutable, so sharing saves one object per equation). */
const avalLike = (like: ShapedArray, dtype: DType, weakType: boolean): ShapedArray =>
  like.dtype === dtype && like.weakType === weakType ? like : new ShapedArray(like.shape, dtype, weakType)

/** Abstract eval of a unary elementwise op: same shape, dtype from `out` (default: same). */
export const unaryEval = (name: string, dtypes: readonly DType[], out?: DType) =>
  (avals: readonly ShapedArray[]): ShapedArray[] => {
    const x = avals[0]!
    checkDtype(name, x.dtype, dtypes)
    return [out ? avalLike(x, out, false) : x]
  }

/** Abstract eval of an n-ary elementwise op: equal shapes (rank-0 operands broadcast), equal dtypes. */
export const naryEval = (name: string, dtypes: readonly DType[], out?: DType) =>
  (avals: readonly ShapedArray[]): ShapedArray[] => {
    // indexed loops, no closures: runs once per staged elementwise equation
    const first = avals[0]!, n = avals.length
    let full = first
    for (let i = 0; i < n; i++) if (avals[i]!.shape.length > 0) { full = avals[i]!; break }
    let weak = true
    for (let i = 0; i < n; i++) {
      const a = avals[i]!
      if (a.shape.length > 0 && a !== full && !shapeEq(a.shape, full.shape))
        throw new ShapeError(name, avals.map((v) => v.shape), "Elementwise operands must have equal shapes (or be scalars); broadcast them first (np.broadcastTo).")
      if (a.dtype !== first.dtype)
        throw new DtypeError(name, avals.map((v) => shortName(v.dtype)), "Operands must have one dtype; convert with astype.")
      if (!a.weakType) weak = false
    }
    checkDtype(name, first.dtype, dtypes)
    return [avalLike(full, out ?? first.dtype, out ? false : weak)]
  }

/** Eager kernel of a unary op: one loop over the typed array. */
export const unaryKernel = (f: (x: number) => number, out?: DType) =>
  ([x]: readonly NdArray[]): NdArray[] => {
    const a = x!.data, n = a.length, dt = out ?? x!.dtype
    const r = allocate(dt, n)
    for (let i = 0; i < n; i++) r[i] = f(a[i]!)
    return [new NdArray(r, x!.shape, dt, out ? false : x!.aval.weakType)]
  }

/** Eager kernel of a binary op with rank-0 broadcasting. */
export const binaryKernel = (f: (x: number, y: number) => number, out?: DType) =>
  ([x, y]: readonly NdArray[]): NdArray[] => {
    const a = x!.data, b = y!.data
    const shape = x!.ndim > 0 ? x!.shape : y!.shape
    const n = sizeOf(shape), dt = out ?? x!.dtype
    const r = allocate(dt, n)
    if (a.length === n && b.length === n) for (let i = 0; i < n; i++) r[i] = f(a[i]!, b[i]!)
    else if (a.length === n) { const s = b[0]!; for (let i = 0; i < n; i++) r[i] = f(a[i]!, s) }
    else { const s = a[0]!; for (let i = 0; i < n; i++) r[i] = f(s, b[i]!) }
    return [new NdArray(r, shape, dt, out ? false : x!.aval.weakType && y!.aval.weakType)]
  }

/**
 * Batching for elementwise primitives: batch axes move to the front; operands without one
 * are broadcast along it unless they are scalars (which broadcast implicitly).
 */
export function elementwiseBatch(prim: Primitive): BatchRule<any> {
  return (args, bdims, params, size) => {
    const rank = Math.max(...args.map((a, i) => a.ndim - (bdims[i] === null ? 0 : 1)))
    const full = args.find((a, i) => a.ndim - (bdims[i] === null ? 0 : 1) === rank)!
    const fullShape = bdims[args.indexOf(full)] === null ? full.shape : full.shape.filter((_, k) => k !== bdims[args.indexOf(full)])
    const outShape = [size, ...fullShape]
    const moved = args.map((a, i): Array => {
      const b = bdims[i]!
      if (bdims[i] === null) return a.ndim === 0 ? a : broadcastInDim(a, outShape, a.shape.map((_, k) => k + 1))
      const m = moveAxisTo0(a, b)
      return m.ndim === outShape.length ? m : broadcastInDim(m, outShape, [0])
    })
    return [bind(prim, moved, params), [0]]
  }
}

export const isFloatAval = (a: ShapedArray): boolean => isFloat(a.dtype)
