// Creation: arrays from JS data, filled arrays, ranges and the identity. Concrete data is
// built directly; fills broadcast a scalar, so a traced fill value stays traced.

import { Array, NdArray, type ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type DType, allocate, castScalar } from "../core/dtype.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { broadcastInDim, convert } from "../prims/shape.js"
import { arr, broadcastTo_, dtypeArg, range, shapeArg, show, toDtype } from "./args.js"
import { stack } from "./shape.js"

/** A dtype, bare or as `{ dtype }`. */
export type DTypeOption = DType | { readonly dtype?: DType }

const strong = (x: Array): Array =>
  !x.aval.weakType ? x : x instanceof NdArray ? new NdArray(x.data, x.shape, x.dtype, false) : convert(x, x.dtype, false)

const holdsArray = (x: readonly unknown[]): boolean =>
  x.some((e) => e instanceof Array || (globalThis.Array.isArray(e) && holdsArray(e)))

/**
 * An array from JS data: numbers (float64), booleans (bool), nested arrays, typed arrays (their dtype) or arrays.
 * Nested arrays may mix in wengert arrays, which are stacked.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.array([[1, 2], [3, 4]]).shape // => [2, 2]
 * np.array([1, 2], { dtype: "int32" }).dtype // => "int32"
 * ```
 * @throws {@link index!ShapeError} for ragged nested arrays.
 * @throws {@link index!InvalidArgumentError} for leaves that are not numbers or booleans, or an unknown dtype.
 * @category creation
 * @since 0.1.0
 */
export function array(x: ArrayLike | readonly unknown[], opts?: DTypeOption): Array {
  const dtype = dtypeArg("np.array", opts)
  if (globalThis.Array.isArray(x) && x.length > 0 && holdsArray(x))
    return stack(x.map((e) => array(e as ArrayLike, opts)), 0)
  if (x instanceof Array) return strong(dtype ? toDtype(x, dtype) : x)
  return strong(asArray(x, "np.array", dtype))
}

/**
 * Same as {@link array}: JS data as an array (an array is returned as is).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.asarray(3).dtype // => "float64"
 * ```
 * @throws {@link index!ShapeError} for ragged nested arrays.
 * @throws {@link index!InvalidArgumentError} for leaves that are not numbers or booleans.
 * @category creation
 * @since 0.1.0
 */
export const asarray = (x: ArrayLike | readonly unknown[], opts?: DTypeOption): Array => array(x, opts)

/**
 * An array of `shape` filled with `fillValue` (broadcast, numpy-style); dtype from the fill unless given.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.full([2], 7).toArray() // => [7, 7]
 * np.full([2, 2], [1, 2]).toArray() // => [[1, 2], [1, 2]]
 * ```
 * @throws {@link index!ShapeError} when a dimension is not a non-negative integer or the fill does not broadcast.
 * @category creation
 * @since 0.1.0
 */
export function full(shape: number | readonly number[], fillValue: ArrayLike, opts?: DTypeOption): Array {
  const s = shapeArg("np.full", shape)
  const dtype = dtypeArg("np.full", opts)
  const v0 = typeof fillValue === "number" ? NdArray.scalar(castScalar(fillValue, dtype ?? "float64"), dtype ?? "float64") : strong(arr("np.full", fillValue))
  const v = dtype ? toDtype(v0, dtype) : v0
  if (v.ndim > s.length || v.shape.some((d, i) => d !== 1 && d !== s[s.length - v.ndim + i]))
    throw new ShapeError("np.full", [v.shape, s], `The fill value ${show(v)} does not broadcast to [${s.join(",")}].`)
  return v.ndim === 0 ? broadcastInDim(v, s, []) : broadcastTo_(v, s)
}

/**
 * An array of zeros (float64 unless a dtype is given).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.zeros([2, 3]).shape // => [2, 3]
 * np.zeros(2, "int32").toArray() // => [0, 0]
 * ```
 * @throws {@link index!ShapeError} when a dimension is not a non-negative integer (NaN, -1, 1.5).
 * @category creation
 * @since 0.1.0
 */
export const zeros = (shape: number | readonly number[], opts?: DTypeOption): Array => filled("np.zeros", shape, 0, opts)

/**
 * An array of ones (float64 unless a dtype is given).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.ones([2], { dtype: "float32" }).toArray() // => [1, 1]
 * ```
 * @throws {@link index!ShapeError} when a dimension is not a non-negative integer.
 * @category creation
 * @since 0.1.0
 */
export const ones = (shape: number | readonly number[], opts?: DTypeOption): Array => filled("np.ones", shape, 1, opts)

function filled(fn: string, shape: number | readonly number[], v: number, opts?: DTypeOption): Array {
  const s = shapeArg(fn, shape), dtype = dtypeArg(fn, opts) ?? "float64"
  const data = allocate(dtype, s.reduce((a, b) => a * b, 1))
  if (v !== 0) data.fill(castScalar(v, dtype))
  return new NdArray(data, s, dtype)
}

/**
 * Zeros with the shape (and, unless given, the dtype) of `x`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.zerosLike(np.ones([2], "int32")).dtype // => "int32"
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category creation
 * @since 0.1.0
 */
export function zerosLike(x: ArrayLike, opts?: DTypeOption): Array {
  const a = arr("np.zerosLike", x)
  return filled("np.zerosLike", a.shape, 0, dtypeArg("np.zerosLike", opts) ?? a.dtype)
}

/**
 * Ones with the shape (and, unless given, the dtype) of `x`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.onesLike([[1, 2]]).toArray() // => [[1, 1]]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category creation
 * @since 0.1.0
 */
export function onesLike(x: ArrayLike, opts?: DTypeOption): Array {
  const a = arr("np.onesLike", x)
  return filled("np.onesLike", a.shape, 1, dtypeArg("np.onesLike", opts) ?? a.dtype)
}

type RangeArg = number | DTypeOption | undefined

/**
 * Evenly spaced values in [start, stop) (`arange(n)` is 0..n-1). float64 by default, since a
 * JS number is a float; pass `{ dtype: "int32" }` for indices.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.arange(4).toArray() // => [0, 1, 2, 3]
 * np.arange(1, 2, 0.25).toArray() // => [1, 1.25, 1.5, 1.75]
 * np.arange(3, { dtype: "int32" }).dtype // => "int32"
 * ```
 * @throws {@link index!InvalidArgumentError} when step is 0 or a bound is not a finite number.
 * @category creation
 * @since 0.1.0
 */
export function arange(start: number, stop?: RangeArg, step?: RangeArg, opts?: DTypeOption): Array {
  const nums = [start, stop, step].filter((v): v is number => typeof v === "number")
  const o = [stop, step, opts].find((v) => v !== undefined && typeof v !== "number") as DTypeOption | undefined
  const [lo, hi, st] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1]
  if (![lo, hi, st].every(Number.isFinite)) throw new InvalidArgumentError("np.arange", `start, stop and step must be finite numbers, got ${lo}, ${hi}, ${st}.`)
  if (st === 0) throw new InvalidArgumentError("np.arange", "step must not be 0.")
  const dtype = dtypeArg("np.arange", o) ?? "float64"
  const n = Math.max(0, Math.ceil((hi - lo) / st))
  const data = allocate(dtype, n)
  for (let i = 0; i < n; i++) data[i] = castScalar(lo + i * st, dtype)
  return new NdArray(data, [n], dtype)
}

/** Options of {@link linspace}. */
export interface LinspaceOptions { readonly endpoint?: boolean; readonly dtype?: DType }

/**
 * `num` evenly spaced values from start to stop (inclusive unless `endpoint: false`).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linspace(0, 1, 5).toArray() // => [0, 0.25, 0.5, 0.75, 1]
 * np.linspace(0, 1, 4, { endpoint: false }).toArray() // => [0, 0.25, 0.5, 0.75]
 * ```
 * @throws {@link index!InvalidArgumentError} when num is not a non-negative integer or a bound is not finite.
 * @category creation
 * @since 0.1.0
 */
export function linspace(start: number, stop: number, num: number | LinspaceOptions = 50, opts: LinspaceOptions = {}): Array {
  const o = typeof num === "object" ? num : opts
  const n = typeof num === "number" ? num : 50
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("np.linspace", `num must be a non-negative integer, got ${n}.`)
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new InvalidArgumentError("np.linspace", `start and stop must be finite numbers, got ${start}, ${stop}.`)
  const endpoint = o.endpoint ?? true, dtype = dtypeArg("np.linspace", o) ?? "float64"
  const div = endpoint ? n - 1 : n
  const step = div > 0 ? (stop - start) / div : 0
  const data = allocate(dtype, n)
  for (let i = 0; i < n; i++) data[i] = castScalar(endpoint && i === n - 1 && n > 1 ? stop : start + i * step, dtype)
  return new NdArray(data, [n], dtype)
}

/** Options of {@link eye}. */
export interface EyeOptions { readonly k?: number; readonly dtype?: DType }

/**
 * An n×m matrix with ones on diagonal `k` (0: main, positive: above) and zeros elsewhere.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.eye(2).toArray() // => [[1, 0], [0, 1]]
 * np.eye(2, 3, { k: 1 }).toArray() // => [[0, 1, 0], [0, 0, 1]]
 * ```
 * @throws {@link index!ShapeError} when n or m is not a non-negative integer.
 * @throws {@link index!InvalidArgumentError} when k is not an integer.
 * @category creation
 * @since 0.1.0
 */
export function eye(n: number, m?: number | EyeOptions, opts: EyeOptions = {}): Array {
  const o = typeof m === "object" ? m : opts
  const [rows, cols] = shapeArg("np.eye", [n, typeof m === "number" ? m : n])
  const k = o.k ?? 0
  if (!Number.isInteger(k)) throw new InvalidArgumentError("np.eye", `k must be an integer, got ${k}.`)
  const dtype = dtypeArg("np.eye", o) ?? "float64"
  const data = allocate(dtype, rows! * cols!)
  for (const i of range(rows!)) if (i + k >= 0 && i + k < cols!) data[i * cols! + i + k] = 1
  return new NdArray(data, [rows!, cols!], dtype)
}
