// Shape manipulation: reshape, axis permutations, size-1 axes, broadcasting, joining and
// splitting. Axes may be negative; every check names the np function and the operands.

import type { Array, ArrayLike } from "../core/array.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { normalizeAxes } from "../core/shape.js"
import * as S from "../prims/shape.js"
import { arr, axisOf, broadcastTo_, castAll, range, shapeArg, show } from "./args.js"

/**
 * The same data with a new shape; one dimension may be -1 (inferred).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.reshape(np.arange(6), [2, -1]).shape // => [2, 3]
 * ```
 * @throws {@link index!ShapeError} when the sizes differ or -1 cannot be inferred.
 * @category shape
 * @since 0.1.0
 */
export function reshape(x: ArrayLike, shape: number | readonly number[]): Array {
  const a = arr("np.reshape", x)
  const s = typeof shape === "number" ? [shape] : [...shape]
  const holes = s.filter((d) => d === -1).length
  const known = s.filter((d) => d !== -1)
  const bad = (why: string) => new ShapeError("np.reshape", [a.shape, s], `Cannot reshape ${show(a)} (${a.size} elements) into [${s.join(",")}]: ${why}`)
  if (holes > 1) throw bad("at most one dimension may be -1.")
  shapeArg("np.reshape", known)
  const prod = known.reduce((p, d) => p * d, 1)
  if (holes === 1) {
    if (prod === 0 || a.size % prod !== 0) throw bad(`${a.size} is not a multiple of ${prod}.`)
    s[s.indexOf(-1)] = a.size / prod
  } else if (prod !== a.size) throw bad("the sizes must multiply to the same count.")
  return S.reshape(a, s)
}

/**
 * Permutes the axes (reverses them by default, so a matrix is transposed).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.transpose([[1, 2, 3]]).toArray() // => [[1], [2], [3]]
 * np.transpose(np.zeros([2, 3, 4]), [1, 0, 2]).shape // => [3, 2, 4]
 * ```
 * @throws {@link index!InvalidArgumentError} when `axes` is not a permutation of the axes.
 * @category shape
 * @since 0.1.0
 */
export function transpose(x: ArrayLike, axes?: readonly number[] | null): Array {
  const a = arr("np.transpose", x)
  if (axes === undefined || axes === null) return S.transpose(a, range(a.ndim).reverse())
  const perm = axes.map((ax) => axisOf("np.transpose", ax, a.ndim))
  if (perm.length !== a.ndim || new Set(perm).size !== perm.length)
    throw new InvalidArgumentError("np.transpose", `axes [${axes.join(",")}] is not a permutation of the ${a.ndim} axes of ${show(a)}.`)
  return S.transpose(a, perm)
}

/**
 * Moves axes from `source` to `destination`, keeping the other axes in order.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.moveaxis(np.zeros([2, 3, 4]), 0, -1).shape // => [3, 4, 2]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or repeated, or the lists differ in length.
 * @category shape
 * @since 0.1.0
 */
export function moveaxis(x: ArrayLike, source: number | readonly number[], destination: number | readonly number[]): Array {
  const a = arr("np.moveaxis", x)
  const list = (v: number | readonly number[]) => (typeof v === "number" ? [v] : [...v])
  const src = list(source).map((ax) => axisOf("np.moveaxis", ax, a.ndim))
  const dst = list(destination).map((ax) => axisOf("np.moveaxis", ax, a.ndim))
  if (src.length !== dst.length || new Set(src).size !== src.length || new Set(dst).size !== dst.length)
    throw new InvalidArgumentError("np.moveaxis", `source ${JSON.stringify(source)} and destination ${JSON.stringify(destination)} must be lists of distinct axes of equal length.`)
  const order = range(a.ndim).filter((ax) => !src.includes(ax))
  for (const [d, s] of dst.map((d, i) => [d, src[i]!] as const).sort((p, q) => p[0] - q[0])) order.splice(d, 0, s)
  return S.transpose(a, order)
}

/**
 * Inserts size-1 axes at the given positions of the result.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.expandDims([1, 2], 0).shape // => [1, 2]
 * np.expandDims([1, 2], [-1, 0]).shape // => [1, 2, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when an axis is out of range for the result or repeated.
 * @category shape
 * @since 0.1.0
 */
export function expandDims(x: ArrayLike, axis: number | readonly number[]): Array {
  const a = arr("np.expandDims", x)
  const n = (typeof axis === "number" ? 1 : axis.length) + a.ndim
  const axes = normalizeAxes("np.expandDims", axis, n)
  const rest = [...a.shape]
  return S.reshape(a, range(n).map((i) => (axes.includes(i) ? 1 : rest.shift()!)))
}

/**
 * Removes size-1 axes (all of them, or the given ones).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.squeeze(np.zeros([1, 3, 1])).shape // => [3]
 * np.squeeze(np.zeros([1, 3, 1]), 0).shape // => [3, 1]
 * ```
 * @throws {@link index!ShapeError} when a given axis does not have size 1.
 * @throws {@link index!InvalidArgumentError} when an axis is out of range.
 * @category shape
 * @since 0.1.0
 */
export function squeeze(x: ArrayLike, axis?: number | readonly number[] | null): Array {
  const a = arr("np.squeeze", x)
  const axes = axis === undefined || axis === null ? range(a.ndim).filter((i) => a.shape[i] === 1) : normalizeAxes("np.squeeze", axis, a.ndim)
  const big = axes.find((i) => a.shape[i] !== 1)
  if (big !== undefined) throw new ShapeError("np.squeeze", [a.shape], `Cannot squeeze axis ${big} of ${show(a)}: its size is ${a.shape[big]}, not 1.`)
  return S.reshape(a, a.shape.filter((_, i) => !axes.includes(i)))
}

/**
 * `x` broadcast to `shape` by numpy's rules (trailing axes match or are 1).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.broadcastTo([1, 2], [2, 2]).toArray() // => [[1, 2], [1, 2]]
 * ```
 * @throws {@link index!ShapeError} when `x` does not broadcast to `shape`.
 * @category shape
 * @since 0.1.0
 */
export function broadcastTo(x: ArrayLike, shape: number | readonly number[]): Array {
  const a = arr("np.broadcastTo", x), s = shapeArg("np.broadcastTo", shape)
  const off = s.length - a.ndim
  const bad = off < 0 ? 0 : a.shape.findIndex((d, i) => d !== 1 && d !== s[off + i])
  if (off < 0 || bad >= 0)
    throw new ShapeError("np.broadcastTo", [a.shape, s], `Cannot broadcast ${show(a)} to [${s.join(",")}]${off < 0 ? ": the target has fewer axes" : `: axis ${bad} has size ${a.shape[bad]} where ${s[off + bad]} is needed`}. Each trailing axis must match or be 1.`)
  return a.ndim === 0 ? S.broadcastInDim(a, s, []) : broadcastTo_(a, s)
}

/**
 * Joins arrays along an existing axis (0 by default; `null` flattens them first).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.concatenate([[1, 2], [3]]).toArray() // => [1, 2, 3]
 * np.concatenate([[[1], [2]], [[3], [4]]], 1).toArray() // => [[1, 3], [2, 4]]
 * ```
 * @throws {@link index!ShapeError} when ranks differ, an array is 0-d, or sizes differ off the axis.
 * @throws {@link index!InvalidArgumentError} when the list is empty or the axis is out of range.
 * @category shape
 * @since 0.1.0
 */
export function concatenate(xs: readonly ArrayLike[], axis: number | null = 0): Array {
  if (!globalThis.Array.isArray(xs) || xs.length === 0) throw new InvalidArgumentError("np.concatenate", "needs a non-empty list of arrays.")
  let as = castAll("np.concatenate", xs)
  if (axis === null) { as = as.map((a) => S.reshape(a, [a.size])); axis = 0 }
  const shapes = as.map((a) => a.shape), first = as[0]!
  if (as.some((a) => a.ndim === 0)) throw new ShapeError("np.concatenate", shapes, "0-d arrays cannot be concatenated; use np.stack.")
  const ax = axisOf("np.concatenate", axis, first.ndim)
  const odd = as.find((a) => a.ndim !== first.ndim || a.shape.some((d, i) => i !== ax && d !== first.shape[i]))
  if (odd) throw new ShapeError("np.concatenate", shapes, `${show(first)} and ${show(odd)} must have one rank and equal sizes except along axis ${ax}.`)
  return S.concatenate(as, ax)
}

/**
 * Joins arrays of one shape along a new axis (0 by default).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.stack([[1, 2], [3, 4]], 1).toArray() // => [[1, 3], [2, 4]]
 * ```
 * @throws {@link index!ShapeError} when the shapes differ.
 * @throws {@link index!InvalidArgumentError} when the list is empty or the axis is out of range.
 * @category shape
 * @since 0.1.0
 */
export function stack(xs: readonly ArrayLike[], axis = 0): Array {
  if (!globalThis.Array.isArray(xs) || xs.length === 0) throw new InvalidArgumentError("np.stack", "needs a non-empty list of arrays.")
  const as = castAll("np.stack", xs), first = as[0]!
  const odd = as.find((a) => a.ndim !== first.ndim || a.shape.some((d, i) => d !== first.shape[i]))
  if (odd) throw new ShapeError("np.stack", as.map((a) => a.shape), `all arrays must have one shape, got ${show(first)} and ${show(odd)}.`)
  const ax = axisOf("np.stack", axis, first.ndim + 1)
  const shape = [...first.shape.slice(0, ax), 1, ...first.shape.slice(ax)]
  return S.concatenate(as.map((a) => S.reshape(a, shape)), ax)
}

/**
 * Splits into `sections` equal parts, or at the given indices, along `axis` (0 by default).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.split([1, 2, 3, 4], 2).map((p) => p.toArray()) // => [[1, 2], [3, 4]]
 * np.split([1, 2, 3, 4], [1, 3]).map((p) => p.toArray()) // => [[1], [2, 3], [4]]
 * ```
 * @throws {@link index!ShapeError} when the axis size is not divisible by `sections`.
 * @throws {@link index!InvalidArgumentError} when the axis is out of range or sections is not a positive integer.
 * @category shape
 * @since 0.1.0
 */
export function split(x: ArrayLike, sections: number | readonly number[], axis = 0): Array[] {
  const a = arr("np.split", x)
  const ax = axisOf("np.split", axis, a.ndim), n = a.shape[ax]!
  let cuts: number[]
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0) throw new InvalidArgumentError("np.split", `sections must be a positive integer, got ${sections}.`)
    if (n % sections !== 0) throw new ShapeError("np.split", [a.shape], `axis ${ax} of ${show(a)} has size ${n}, which ${sections} sections do not divide equally. Pass split indices instead.`)
    cuts = range(sections - 1).map((i) => ((i + 1) * n) / sections)
  } else {
    if (sections.some((c) => !Number.isInteger(c))) throw new InvalidArgumentError("np.split", `split indices must be integers, got [${sections.join(",")}].`)
    cuts = sections.map((c) => Math.min(n, Math.max(0, c < 0 ? c + n : c)))
  }
  const bounds = [0, ...cuts, n]
  return range(bounds.length - 1).map((i) => {
    const lo = bounds[i]!, hi = Math.max(lo, bounds[i + 1]!)
    return S.slice(a, a.shape.map((_, k) => (k === ax ? lo : 0)), a.shape.map((d, k) => (k === ax ? hi : d)))
  })
}
