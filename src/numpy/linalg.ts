// Products (dot, matmul, outer) as dot_general with numpy's axis conventions, and the
// `np.linalg` namespace: `norm` composed here (with a safe gradient at 0), the factorizations
// and solves from src/prims/linalg.ts.

import type { Array, ArrayLike } from "../core/array.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { dotGeneral } from "../prims/dot.js"
import * as P from "../prims/elementwise.js"
import { cholesky, det, inv, slogdet, solve } from "../prims/linalg.js"
import * as R from "../prims/reductions.js"
import { convert, reshape, transpose } from "../prims/shape.js"
import { broadcastTo_, castAll, range, show, withKeptDims } from "./args.js"

const contract = (a: Array, b: Array, ca: number, cb: number): Array =>
  dotGeneral(a, b, { lhs_contracting: [ca], rhs_contracting: [cb], lhs_batch: [], rhs_batch: [] })

/**
 * numpy's dot: a product for scalars, the inner product of vectors, the matrix product of
 * matrices, and in general a sum over the last axis of `x` and the second-to-last of `y`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.dot([1, 2, 3], [4, 5, 6]).item() // => 32
 * np.dot([[1, 2], [3, 4]], [1, 1]).toArray() // => [3, 7]
 * ```
 * @throws {@link index!ShapeError} when the contracted sizes differ.
 * @category linear algebra
 * @since 0.1.0
 */
export function dot(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = castAll("np.dot", [x, y], "numeric")
  if (a!.ndim === 0 || b!.ndim === 0) return P.mul(a!, b!)
  const ka = a!.ndim - 1, kb = b!.ndim === 1 ? 0 : b!.ndim - 2
  if (a!.shape[ka] !== b!.shape[kb])
    throw new ShapeError("np.dot", [a!.shape, b!.shape], `Contracted dimensions differ: ${show(a!)} · ${show(b!)} (${a!.shape[ka]} ≠ ${b!.shape[kb]}). Transpose or reshape one.`)
  return contract(a!, b!, ka, kb)
}

/**
 * Matrix product with numpy's rules: 1-d operands are promoted to a row (left) or column
 * (right) and the added axis removed; leading axes are batch axes and broadcast.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.matmul([[1, 2], [3, 4]], [[5], [6]]).toArray() // => [[17], [39]]
 * np.matmul(np.ones([5, 2, 3]), np.ones([3, 4])).shape // => [5, 2, 4]
 * ```
 * @throws {@link index!ShapeError} when an operand is 0-d, the inner dimensions differ, or batch dimensions do not broadcast.
 * @category linear algebra
 * @since 0.1.0
 */
export function matmul(x: ArrayLike, y: ArrayLike): Array {
  const fn = "np.matmul"
  const [a, b] = castAll(fn, [x, y], "numeric") as [Array, Array]
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(fn, [a.shape, b.shape], `matmul needs operands of rank ≥ 1, got ${show(a)} @ ${show(b)}. Use np.multiply for scalars.`)
  const ka = a.ndim - 1, kb = b.ndim === 1 ? 0 : b.ndim - 2
  if (a.shape[ka] !== b.shape[kb])
    throw new ShapeError(fn, [a.shape, b.shape], `Inner dimensions differ: ${show(a)} @ ${show(b)} (${a.shape[ka]} ≠ ${b.shape[kb]}). Transpose or reshape one.`)
  // vectors and unbatched right operands need no batch dims: dot_general's output order is already numpy's
  if (a.ndim === 1 || b.ndim <= 2) return contract(a, b, ka, kb)
  if (a.ndim === 2) { // [n,k] @ [...,k,m]: contract as b·a ([..., m, n]) and swap the last two axes
    const r = contract(b, a, kb, 1)
    return transpose(r, [...range(r.ndim - 2), r.ndim - 1, r.ndim - 2])
  }
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2), nb = Math.max(ba.length, bb.length)
  const batch = range(nb).map((i) => {
    const da = ba[i - nb + ba.length] ?? 1, db = bb[i - nb + bb.length] ?? 1
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeError(fn, [a.shape, b.shape], `Batch dimensions [${ba.join(",")}] and [${bb.join(",")}] of ${show(a)} @ ${show(b)} do not broadcast. Reshape or expand one.`)
    return Math.max(da, db)
  })
  const A = broadcastTo_(a, [...batch, ...a.shape.slice(-2)]), B = broadcastTo_(b, [...batch, ...b.shape.slice(-2)])
  return dotGeneral(A, B, { lhs_contracting: [nb + 1], rhs_contracting: [nb], lhs_batch: range(nb), rhs_batch: range(nb) })
}

/**
 * Outer product of two vectors (inputs are flattened): `out[i, j] = x[i] * y[j]`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.outer([1, 2], [1, 10, 100]).toArray() // => [[1, 10, 100], [2, 20, 200]]
 * ```
 * @throws {@link index!InvalidArgumentError} when an input is not array-like.
 * @category linear algebra
 * @since 0.1.0
 */
export function outer(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = castAll("np.outer", [x, y], "numeric") as [Array, Array]
  return dotGeneral(reshape(a, [a.size]), reshape(b, [b.size]), { lhs_contracting: [], rhs_contracting: [], lhs_batch: [], rhs_batch: [] })
}

// norm -----------------------------------------------------------------------------------------

/** Options of `np.linalg.norm`. */
export interface NormOptions {
  /** Vector: 2 (default), 1, Infinity, -Infinity, 0 or any p. Matrix: "fro" (default), 1, -1, Infinity, -Infinity. */
  readonly ord?: number | "fro" | null
  /** One axis (vector norm) or two (matrix norm); by default the whole array (2-norm of the flattened array). */
  readonly axis?: number | readonly number[] | null
  readonly keepdims?: boolean
}

/** sqrt(s) with a zero gradient where s = 0 (not NaN): the where-trick guards sqrt's input too. */
function safeRoot(s: Array, root: (t: Array) => Array): Array {
  const zero = P.eq(s, P.scalarLike(s, 0))
  return P.select(zero, P.scalarLike(s, 0), root(P.select(zero, P.scalarLike(s, 1), s)))
}
const sumSquares = (x: Array, axes: number[]): Array => R.reduceSum(P.mul(x, x), axes)

function vectorNorm(x: Array, axis: number[], ord: number): Array {
  if (ord === 2) return safeRoot(sumSquares(x, axis), P.sqrt)
  const ax = P.abs(x)
  if (ord === Infinity) return R.reduceMax(ax, axis)
  if (ord === -Infinity) return R.reduceMin(ax, axis)
  if (ord === 0) return R.reduceSum(convert(P.ne(x, P.scalarLike(x, 0)), x.dtype), axis)
  if (ord === 1) return R.reduceSum(ax, axis)
  const s = R.reduceSum(P.pow(ax, P.scalarLike(x, ord)), axis)
  return safeRoot(s, (t) => P.pow(t, P.scalarLike(t, 1 / ord)))
}

function matrixNorm(x: Array, [r, c]: [number, number], ord: number | "fro"): Array {
  if (ord === "fro") return safeRoot(sumSquares(x, [r, c]), P.sqrt)
  const sumAxis = ord === 1 || ord === -1 ? r : c, other = sumAxis === r ? c : r
  const sums = R.reduceSum(P.abs(x), [sumAxis]), rest = other > sumAxis ? other - 1 : other
  return ord > 0 ? R.reduceMax(sums, [rest]) : R.reduceMin(sums, [rest])
}

/**
 * Vector or matrix norm: the 2-norm of a vector and the Frobenius norm of a matrix by
 * default (of the flattened array when neither `ord` nor `axis` is given). Its gradient at
 * the zero vector is 0, as in JAX, not NaN.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linalg.norm([3, 4]).item() // => 5
 * np.linalg.norm([[1, -2], [3, 4]], { ord: 1 }).item() // => 6
 * np.linalg.norm([[3, 4], [0, 0]], { axis: 1 }).toArray() // => [5, 0]
 * ```
 * @throws {@link index!InvalidArgumentError} for an ord that is not supported for the input's rank (2, -2 and "nuc" for matrices need an SVD), or a bad axis.
 * @category linear algebra
 * @since 0.1.0
 */
export function norm(x: ArrayLike, opts: NormOptions = {}): Array {
  const fn = "np.linalg.norm"
  const a = castAll(fn, [x], "float")[0]!
  const ord = opts.ord ?? null
  let axes: number[]
  if (opts.axis === undefined || opts.axis === null) {
    if (ord !== null && a.ndim !== 1 && a.ndim !== 2)
      throw new InvalidArgumentError(fn, `ord ${String(ord)} needs a vector or a matrix, got ${show(a)}; pass axis.`)
    axes = range(a.ndim)
  } else {
    const list = typeof opts.axis === "number" ? [opts.axis] : [...opts.axis]
    axes = list.map((ax) => {
      if (!Number.isInteger(ax) || ax < -a.ndim || ax >= a.ndim) throw new InvalidArgumentError(fn, `axis ${ax} is out of range for ${show(a)}.`)
      return ax < 0 ? ax + a.ndim : ax
    })
    if (axes.length < 1 || axes.length > 2 || new Set(axes).size !== axes.length)
      throw new InvalidArgumentError(fn, `axis must be one axis or two distinct axes, got ${JSON.stringify(opts.axis)}.`)
  }
  let y: Array
  if (ord === null) y = safeRoot(sumSquares(a, axes), P.sqrt)
  else if (axes.length === 1) {
    if (typeof ord !== "number") throw new InvalidArgumentError(fn, `ord ${JSON.stringify(ord)} is a matrix norm; a vector norm takes a number.`)
    y = vectorNorm(a, axes, ord)
  } else {
    if (!(ord === "fro" || ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity))
      throw new InvalidArgumentError(fn, `matrix ord ${String(ord)} is not supported (2, -2 and "nuc" need singular values); use "fro", 1, -1, Infinity or -Infinity.`)
    y = matrixNorm(a, axes as [number, number], ord)
  }
  return opts.keepdims ? withKeptDims(y, a.shape, axes) : y
}

/**
 * numpy's `linalg` namespace: `norm` (composed in wengert/numpy) and `solve`, `inv`, `det`,
 * `slogdet`, `cholesky` (from the linear-algebra primitives), all differentiable.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linalg.det([[2, 0], [0, 3]]).item() // => 6
 * ```
 * @category linear algebra
 * @since 0.1.0
 */
export const linalg = { norm, solve, inv, det, slogdet, cholesky } as const
