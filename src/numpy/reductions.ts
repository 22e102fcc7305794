// Reductions over static axes, given bare (`sum(x, 0)`, `sum(x, [0, 1])`) or as
// `{ axis, keepdims }`. Compositions (mean, var, std, logsumexp) are written here from the
// reduce primitives; bool sums count (int32), means of ints are float64.

import type { Array, ArrayLike } from "../core/array.js"
import { ShapeError } from "../core/errors.js"
import { bind1 } from "../core/trace.js"
import * as P from "../prims/elementwise.js"
import * as R from "../prims/reductions.js"
import { reshape } from "../prims/shape.js"
import { type Axis, type ReduceOptions, arr, axisOf, castAll, expandBack, optionsOf, reduceArgs, scalar, show, toDtype, withKeptDims } from "./args.js"

export type { Axis, ReduceOptions }

const finish = (y: Array, x: Array, axes: number[], keepdims: boolean): Array =>
  keepdims ? withKeptDims(y, x.shape, axes) : y

const reduction = (fn: string, kind: "numeric" | "float", f: (x: Array, axes: number[]) => Array) =>
  (x: ArrayLike, axis?: Axis | ReduceOptions, opts?: ReduceOptions): Array => {
    const a = castAll(fn, [x], kind)[0]!
    const { axes, keepdims } = reduceArgs(fn, a.ndim, axis, opts)
    return finish(f(a, axes), a, axes, keepdims)
  }

/**
 * Sum of elements over the given axes (all by default); bools count as int32.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.sum([[1, 2], [3, 4]]).item() // => 10
 * np.sum([[1, 2], [3, 4]], 0).toArray() // => [4, 6]
 * np.sum([[1, 2], [3, 4]], { axis: -1, keepdims: true }).toArray() // => [[3], [7]]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const sum = reduction("np.sum", "numeric", R.reduceSum)

/**
 * Product of elements over the given axes (all by default); the empty product is 1.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.prod([[1, 2], [3, 4]], 1).toArray() // => [2, 12]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const prod = reduction("np.prod", "numeric", R.reduceProd)

/**
 * Arithmetic mean over the given axes (all by default); ints give float64.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.mean([[1, 2], [3, 4]]).item() // => 2.5
 * np.mean([[1, 2], [3, 4]], 1).toArray() // => [1.5, 3.5]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const mean = reduction("np.mean", "float", (x, axes) => meanOf(x, axes))

const countOf = (x: Array, axes: readonly number[]): number => axes.reduce((n, a) => n * x.shape[a]!, 1)
const meanOf = (x: Array, axes: readonly number[]): Array => P.div(R.reduceSum(x, axes), scalar(countOf(x, axes), x.dtype))

function extremum(fn: string, f: (x: Array, axes: number[]) => Array) {
  return (x: ArrayLike, axis?: Axis | ReduceOptions, opts?: ReduceOptions): Array => {
    const a = arr(fn, x)
    const { axes, keepdims } = reduceArgs(fn, a.ndim, axis, opts)
    const empty = axes.find((i) => a.shape[i] === 0)
    if (empty !== undefined)
      throw new ShapeError(fn, [a.shape], `Cannot reduce ${show(a)} over axis ${empty} of size 0: the operation has no identity. Check the array is non-empty, or use np.where to supply a default.`)
    // bools reduce as 0/1 ints (max = any, min = all) and come back as bools
    const y = a.dtype === "bool" ? toDtype(f(toDtype(a, "int32"), axes), "bool") : f(a, axes)
    return finish(y, a, axes, keepdims)
  }
}

/**
 * Maximum over the given axes (all by default); NaN propagates. The gradient goes to the
 * maximal entries, split evenly between ties.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.max([[1, 5], [3, 2]]).item() // => 5
 * np.max([[1, 5], [3, 2]], 0).toArray() // => [3, 5]
 * ```
 * @throws {@link index!ShapeError} when reducing over an axis of size 0.
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const max = extremum("np.max", R.reduceMax)

/**
 * Minimum over the given axes (all by default); NaN propagates.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.min([[1, 5], [3, 2]], 1).toArray() // => [1, 2]
 * ```
 * @throws {@link index!ShapeError} when reducing over an axis of size 0.
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const min = extremum("np.min", R.reduceMin)

/** Options of {@link var_} and {@link std}: `ddof` is subtracted from the count in the divisor. */
export interface VarOptions extends ReduceOptions { readonly ddof?: number }

/**
 * Variance, mean of squared deviations from the mean, divided by `n - ddof` (ddof 0 by default).
 * Exported as `np.var`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.var([1, 2, 3, 4]).item() // => 1.25
 * np.var([1, 2, 3, 4], { ddof: 1 }).item() // => 1.6666666666666667
 * np.var([[1, 3], [2, 2]], 1).toArray() // => [1, 0]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export function var_(x: ArrayLike, axis?: Axis | VarOptions, opts?: VarOptions): Array {
  const a = castAll("np.var", [x], "float")[0]!
  const { axes, keepdims } = reduceArgs("np.var", a.ndim, axis, opts)
  const ddof = optionsOf<VarOptions>(axis, opts).ddof ?? 0
  const centered = P.sub(a, expandBack(meanOf(a, axes), a.shape, axes))
  const v = P.div(R.reduceSum(P.mul(centered, centered), axes), scalar(countOf(a, axes) - ddof, a.dtype))
  return finish(v, a, axes, keepdims)
}

/**
 * Standard deviation, the square root of {@link var_} (same `axis`, `keepdims`, `ddof`).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.std([1, 3]).item() // => 1
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const std = (x: ArrayLike, axis?: Axis | VarOptions, opts?: VarOptions): Array => P.sqrt(var_(x, axis, opts))

/** Options of {@link argmax} and {@link argmin}. */
export interface ArgOptions { readonly axis?: number | null; readonly keepdims?: boolean }

function argReduce(fn: string, p: typeof R.argmaxP) {
  return (x: ArrayLike, axis?: number | null | ArgOptions, opts?: ArgOptions): Array => {
    const a = arr(fn, x)
    const o: ArgOptions = typeof axis === "object" && axis !== null ? axis : { ...opts, axis }
    const flat = o.axis === undefined || o.axis === null
    const src = flat ? reshape(a, [a.size]) : a
    const ax = flat ? 0 : axisOf(fn, o.axis!, a.ndim)
    if (src.shape[ax] === 0)
      throw new ShapeError(fn, [a.shape], `Cannot take ${fn} of ${show(a)} over an axis of size 0. Check the array is non-empty.`)
    const y = bind1(p, [src], { axis: ax, index_dtype: "int32" })
    if (!o.keepdims) return y
    return reshape(y, flat ? a.shape.map(() => 1) : a.shape.map((d, i) => (i === ax ? 1 : d)))
  }
}

/**
 * Index of the first maximum along `axis` (of the flattened array when no axis), as int32.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.argmax([[1, 5], [7, 2]]).item() // => 2
 * np.argmax([[1, 5], [7, 2]], 1).toArray() // => [1, 0]
 * ```
 * @throws {@link index!ShapeError} when the axis is empty.
 * @throws {@link index!InvalidArgumentError} when the axis is out of range.
 * @category reductions
 * @since 0.1.0
 */
export const argmax = argReduce("np.argmax", R.argmaxP)

/**
 * Index of the first minimum along `axis` (of the flattened array when no axis), as int32.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.argmin([[1, 5], [7, 0]], 0).toArray() // => [0, 1]
 * ```
 * @throws {@link index!ShapeError} when the axis is empty.
 * @throws {@link index!InvalidArgumentError} when the axis is out of range.
 * @category reductions
 * @since 0.1.0
 */
export const argmin = argReduce("np.argmin", R.argminP)

/**
 * Cumulative sum along `axis` (of the flattened array when no axis is given); bools count as int32.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.cumsum([[1, 2], [3, 4]]).toArray() // => [1, 3, 6, 10]
 * np.cumsum([[1, 2], [3, 4]], 0).toArray() // => [[1, 2], [4, 6]]
 * ```
 * @throws {@link index!InvalidArgumentError} when the axis is out of range.
 * @category reductions
 * @since 0.1.0
 */
export function cumsum(x: ArrayLike, axis?: number | null): Array {
  const a = castAll("np.cumsum", [x], "numeric")[0]!
  if (axis === undefined || axis === null) return R.cumsum(reshape(a, [a.size]), 0)
  return R.cumsum(a, axisOf("np.cumsum", axis, a.ndim))
}

/**
 * `log(sum(exp(x)))` over the given axes, computed stably as `m + log(sum(exp(x - m)))` with
 * m the maximum (replaced by 0 where infinite, so all -Infinity rows give -Infinity). The
 * identity holds for every m, so the gradient is softmax(x) however m moves.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.logsumexp([1000, 1000]).item() // => 1000.6931471805599
 * np.logsumexp([[0, -Infinity], [-Infinity, -Infinity]], 1).toArray() // => [0, -Infinity]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated.
 * @category reductions
 * @since 0.1.0
 */
export const logsumexp = reduction("np.logsumexp", "float", (x, axes) => {
  const m = R.reduceMax(x, axes)
  const safe = P.select(P.isFinite(m), m, P.scalarLike(m, 0))
  const shifted = P.sub(x, expandBack(safe, x.shape, axes))
  return P.add(P.log(R.reduceSum(P.exp(shifted), axes)), safe)
})
