// Comparisons, logic and selection: results are bool; `where` and `clip` pick between
// operands and pass gradients to the chosen one.

import { NdArray, type Array, type ArrayLike } from "../core/array.js"
import { isFloat } from "../core/dtype.js"
import { InvalidArgumentError } from "../core/errors.js"
import * as P from "../prims/elementwise.js"
import { broadcastInDim } from "../prims/shape.js"
import { arr, binaryOperands, broadcastArrays, castAll, operands } from "./args.js"

const compare = (fn: string, f: (x: Array, y: Array) => Array) =>
  (x: ArrayLike, y: ArrayLike): Array => binaryOperands(fn, x, y, "any", f)

/** Non-bool values become bool as `x != 0` (numpy's truthiness). */
const truthy = (x: Array): Array => (x.dtype === "bool" ? x : P.ne(x, P.scalarLike(x, 0)))

/**
 * Elementwise `x == y`, as bool.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.equal([1, 2], [1, 3]).toArray() // => [true, false]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const equal = compare("np.equal", P.eq)

/**
 * Elementwise `x != y`, as bool.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.notEqual([1, 2], 2).toArray() // => [true, false]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const notEqual = compare("np.notEqual", P.ne)

/**
 * Elementwise `x < y`, as bool.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.less([1, 2, 3], 2).toArray() // => [true, false, false]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const less = compare("np.less", P.lt)

/**
 * Elementwise `x <= y`, as bool.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.lessEqual([1, 2, 3], 2).toArray() // => [true, true, false]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const lessEqual = compare("np.lessEqual", P.le)

/**
 * Elementwise `x > y`, as bool.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.greater([1, 2, 3], 2).toArray() // => [false, false, true]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const greater = compare("np.greater", P.gt)

/**
 * Elementwise `x >= y`, as bool.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.greaterEqual([1, 2, 3], 2).toArray() // => [false, true, true]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const greaterEqual = compare("np.greaterEqual", P.ge)

/**
 * Elementwise logical and; non-bool operands count as true where nonzero.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.logicalAnd([true, true, false], [true, false, false]).toArray() // => [true, false, false]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const logicalAnd = (x: ArrayLike, y: ArrayLike): Array => {
  const [a, b] = broadcastArrays("np.logicalAnd", [truthy(arr("np.logicalAnd", x)), truthy(arr("np.logicalAnd", y))])
  return P.logicalAnd(a!, b!)
}

/**
 * Elementwise logical or; non-bool operands count as true where nonzero.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.logicalOr([true, false], [false, false]).toArray() // => [true, false]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const logicalOr = (x: ArrayLike, y: ArrayLike): Array => {
  const [a, b] = broadcastArrays("np.logicalOr", [truthy(arr("np.logicalOr", x)), truthy(arr("np.logicalOr", y))])
  return P.logicalOr(a!, b!)
}

/**
 * Elementwise logical not; non-bool values count as true where nonzero.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.logicalNot([true, false]).toArray() // => [false, true]
 * np.logicalNot([0, 2]).toArray() // => [true, false]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const logicalNot = (x: ArrayLike): Array => P.logicalNot(truthy(arr("np.logicalNot", x)))

/**
 * Elementwise test for finite values (not NaN, not ±Infinity); ints and bools are always finite.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.isfinite([1, Infinity, NaN]).toArray() // => [true, false, false]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export function isfinite(x: ArrayLike): Array {
  const a = arr("np.isfinite", x)
  return isFloat(a.dtype) ? P.isFinite(a) : broadcastInDim(NdArray.scalar(1, "bool"), a.shape, [])
}

/**
 * Picks `x` where `condition` holds and `y` elsewhere, broadcasting all three. The gradient
 * flows only to the picked operand (for a safe gradient of `f` at a singular point, guard
 * the input of `f` too: `where(ok, f(where(ok, x, 1)), 0)`).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.where([true, false], [1, 2], [10, 20]).toArray() // => [1, 20]
 * np.where(np.greater([1, -1], 0), 1, 0).toArray() // => [1, 0]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @throws {@link index!InvalidArgumentError} when x or y is missing (the one-argument form has a data-dependent shape).
 * @category elementwise
 * @since 0.1.0
 */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): Array {
  if (x === undefined || y === undefined)
    throw new InvalidArgumentError("np.where", "needs condition, x and y; the one-argument form (indices of true entries) has a data-dependent shape and is not supported.")
  const c = truthy(arr("np.where", condition))
  const [a, b] = castAll("np.where", [x, y])
  const [c2, a2, b2] = broadcastArrays("np.where", [c, a!, b!])
  return P.select(c2!, a2!, b2!)
}

/**
 * Limits values to [lo, hi] (either bound may be null): `minimum(maximum(x, lo), hi)`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.clip([-2, 0.5, 3], 0, 1).toArray() // => [0, 0.5, 1]
 * np.clip([-2, 3], null, 1).toArray() // => [-2, 1]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export function clip(x: ArrayLike, lo?: ArrayLike | null, hi?: ArrayLike | null): Array {
  const given = [x, ...(lo != null ? [lo] : []), ...(hi != null ? [hi] : [])]
  const ops = operands("np.clip", given, "numeric")
  let out = ops[0]!
  if (lo != null) out = P.max(out, ops[1]!)
  if (hi != null) out = P.min(out, ops[lo != null ? 2 : 1]!)
  return out
}
