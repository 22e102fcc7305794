// Indexing with static or traced indices: take (gather along one axis), static slices,
// padding, flips and `x.at(i)`. Concrete indices are range-checked; traced ones clamp,
// as JAX's gathers do, because their values are unknown when the program is built.

import { Array, NdArray, type ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type DType, isInt, shortName } from "../core/dtype.js"
import { DtypeError, InvalidArgumentError, ShapeError } from "../core/errors.js"
import { normalizeAxes } from "../core/shape.js"
import { type Trace, Tracer, dynamicTrace } from "../core/trace.js"
import * as S from "../prims/shape.js"
import { arr, axisOf, dtypeArg, show } from "./args.js"

function indexArray(fn: string, indices: ArrayLike, n: number, where: string): Array {
  const fromJs = !(indices instanceof Array) // JS numbers: float64 here, checked to be integers below
  const raw = asArray(indices, fn)
  if (raw.dtype === "bool" || (!isInt(raw.dtype) && !fromJs))
    throw new DtypeError(fn, [shortName(raw.dtype)], `indices ${show(raw)} must be integers: pass JS numbers or an int32 array (x.astype("int32")).`)
  if (!(raw instanceof NdArray)) return raw // traced: clamped by the gather
  for (const v of raw.data) {
    if (!Number.isInteger(v)) throw new InvalidArgumentError(fn, `index ${v} is not an integer.`)
    if (v < -n || v >= n) throw new InvalidArgumentError(fn, `index ${v} is out of bounds for ${where} of size ${n}; use indices in [${-n}, ${n - 1}].`)
  }
  return isInt(raw.dtype) ? raw : new NdArray(Int32Array.from(raw.data), raw.shape, "int32")
}

/**
 * Elements at `indices` along `axis` (of the flattened array when no axis): the result has
 * `x`'s shape with that axis replaced by the indices' shape. Negative indices count from
 * the end. Gradients scatter-add back.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.take([10, 20, 30], [2, 0, -1]).toArray() // => [30, 10, 30]
 * np.take([[1, 2], [3, 4]], [1], 1).toArray() // => [[2], [4]]
 * np.take([[1, 2], [3, 4]], 0, 0).toArray() // => [1, 2]
 * ```
 * @throws {@link index!DtypeError} when traced or array indices are not integers.
 * @throws {@link index!InvalidArgumentError} when a concrete index is out of bounds or the axis is out of range.
 * @category shape
 * @since 0.1.0
 */
export function take(x: ArrayLike, indices: ArrayLike, axis?: number | null): Array {
  const a = arr("np.take", x)
  const flat = axis === undefined || axis === null
  const src = flat ? S.reshape(a, [a.size]) : a
  const ax = flat ? 0 : axisOf("np.take", axis, a.ndim)
  const idx = indexArray("np.take", indices, src.shape[ax]!, `axis ${ax} of ${show(a)}`)
  if (src.shape[ax] === 0 && idx.size > 0)
    throw new ShapeError("np.take", [a.shape, idx.shape], `cannot take from axis ${ax} of ${show(a)}: it is empty.`)
  return S.take(src, idx, ax)
}

const list = (fn: string, name: string, v: number | readonly number[]): number[] => {
  const l = typeof v === "number" ? [v] : [...v]
  if (l.some((d) => !Number.isInteger(d))) throw new InvalidArgumentError(fn, `${name} must hold integers, got [${l.join(",")}].`)
  return l
}

/**
 * A static block: `size[i]` elements from `start[i]` on each leading axis (axes not listed
 * are kept whole; a negative start counts from the end).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.slice([1, 2, 3, 4], 1, 2).toArray() // => [2, 3]
 * np.slice([[1, 2, 3], [4, 5, 6]], [0, 1], [2, 2]).toArray() // => [[2, 3], [5, 6]]
 * ```
 * @throws {@link index!ShapeError} when the block does not fit inside `x`.
 * @throws {@link index!InvalidArgumentError} when start and size are not integer lists of one length.
 * @category shape
 * @since 0.1.0
 */
export function slice(x: ArrayLike, start: number | readonly number[], size: number | readonly number[]): Array {
  const a = arr("np.slice", x)
  const st = list("np.slice", "start", start), sz = list("np.slice", "size", size)
  if (st.length !== sz.length || st.length > a.ndim)
    throw new InvalidArgumentError("np.slice", `start [${st.join(",")}] and size [${sz.join(",")}] need one entry per leading axis of ${show(a)}.`)
  const lo = a.shape.map((d, i) => (i < st.length ? (st[i]! < 0 ? st[i]! + d : st[i]!) : 0))
  const hi = a.shape.map((d, i) => (i < sz.length ? lo[i]! + sz[i]! : d))
  const bad = lo.findIndex((l, i) => l < 0 || hi[i]! < l || hi[i]! > a.shape[i]!)
  if (bad >= 0)
    throw new ShapeError("np.slice", [a.shape], `a block of size ${sz[bad]} from ${st[bad]} does not fit in axis ${bad} of ${show(a)} (size ${a.shape[bad]}).`)
  return S.slice(a, lo, hi)
}

/** Options of {@link pad}: only numpy's `"constant"` mode. */
export interface PadOptions { readonly mode?: "constant"; readonly constantValues?: number }
export type PadWidth = number | readonly number[] | readonly (readonly number[])[]

/**
 * Pads with a constant (0 by default). `width` takes numpy's forms: `n` (every side), `[before,
 * after]` (every axis), `[[before, after]]` or one `[before, after]` per axis.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.pad([1, 2], 1).toArray() // => [0, 1, 2, 0]
 * np.pad([[1]], [[0, 1], [1, 0]], { constantValues: 9 }).toArray() // => [[9, 1], [9, 9]]
 * ```
 * @throws {@link index!InvalidArgumentError} when widths are negative, not integers or in no numpy form, or the mode is not "constant".
 * @category shape
 * @since 0.1.0
 */
export function pad(x: ArrayLike, width: PadWidth, opts: PadOptions = {}): Array {
  const a = arr("np.pad", x)
  if ((opts.mode ?? "constant") !== "constant")
    throw new InvalidArgumentError("np.pad", `mode ${JSON.stringify(opts.mode)} is not supported; only "constant" is.`)
  const bad = () => new InvalidArgumentError("np.pad", `width ${JSON.stringify(width)} is not a pad width for ${show(a)}: use n, [before, after], [[before, after]] or one [before, after] per axis, with non-negative integers.`)
  const pair = (p: unknown): [number, number] => {
    if (typeof p === "number") return [p, p]
    if (globalThis.Array.isArray(p) && p.length === 1 && typeof p[0] === "number") return [p[0], p[0]]
    if (globalThis.Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === "number")) return [p[0], p[1]]
    throw bad()
  }
  const nested = globalThis.Array.isArray(width) && width.some((w) => globalThis.Array.isArray(w))
  let pairs: [number, number][]
  if (!nested) pairs = a.shape.map(() => pair(width))
  else if ((width as readonly unknown[]).length === 1) pairs = a.shape.map(() => pair((width as readonly unknown[])[0]))
  else if ((width as readonly unknown[]).length === a.ndim) pairs = (width as readonly unknown[]).map(pair)
  else throw bad()
  if (pairs.some(([b, e]) => !Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)) throw bad()
  return S.pad(a, opts.constantValues ?? 0, pairs.map(([b, e]) => [b, e, 0] as const))
}

/**
 * Reverses the order of elements along the given axes (all by default).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.flip([[1, 2], [3, 4]]).toArray() // => [[4, 3], [2, 1]]
 * np.flip([[1, 2], [3, 4]], 1).toArray() // => [[2, 1], [4, 3]]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category shape
 * @since 0.1.0
 */
export function flip(x: ArrayLike, axis?: number | readonly number[] | null): Array {
  const a = arr("np.flip", x)
  const axes = normalizeAxes("np.flip", axis, a.ndim)
  return axes.length === 0 ? a : S.rev(a, axes)
}

/**
 * Rows already read from a traced array, with the dynamic trace they were read under: a JS loop
 * that reads `p.at(0)` every step stages one slice, not one per step (XLA's CSE does this for
 * JAX; here the trace never holds the copies). The same array under the same dynamic trace
 * gives the same row, so a cached row is exactly what the read would give again.
 */
const rowsRead = new WeakMap<Tracer, Map<number, { dynamic: Trace; row: Array }>>()

/** numpy's `x[i]`: the sub-array at static index `i` of axis 0 (negative counts from the end). */
export function at(x: ArrayLike, i: number): Array {
  const a = arr("Array.at", x)
  if (a.ndim === 0) throw new InvalidArgumentError("Array.at", `a 0-d array ${show(a)} cannot be indexed; use x.item().`)
  const n = a.shape[0]!
  if (!Number.isInteger(i) || i < -n || i >= n)
    throw new InvalidArgumentError("Array.at", `index ${i} is out of bounds for axis 0 of ${show(a)}; use an integer in [${-n}, ${n - 1}].`)
  const k = i < 0 ? i + n : i
  const traced = a instanceof Tracer && a.trace.active ? a : null, dynamic = dynamicTrace()
  const seen = traced && rowsRead.get(traced)?.get(k)
  if (seen && seen.dynamic === dynamic) return seen.row
  const row = S.reshape(S.slice(a, a.shape.map((_, d) => (d === 0 ? k : 0)), a.shape.map((s, d) => (d === 0 ? k + 1 : s))), a.shape.slice(1))
  if (traced) {
    let rows = rowsRead.get(traced)
    if (!rows) rowsRead.set(traced, rows = new Map())
    rows.set(k, { dynamic, row })
  }
  return row
}

/** `x` converted to `dtype` (floats to ints truncate toward zero). */
export const astype = (x: ArrayLike, dtype: DType): Array => S.convert(arr("Array.astype", x), dtypeArg("Array.astype", dtype)!, false)
