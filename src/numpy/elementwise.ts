// Elementwise arithmetic: numpy broadcasting and dtype promotion in front of the lax
// primitives. Bool operands of arithmetic become int32; `divide` of ints is float64.

import type { Array, ArrayLike } from "../core/array.js"
import { isFloat, isInt } from "../core/dtype.js"
import { InvalidArgumentError } from "../core/errors.js"
import * as P from "../prims/elementwise.js"
import { arr, binaryOperands, castAll, castOne, operands, toDtype } from "./args.js"

const binary = (fn: string, kind: "numeric" | "float", f: (x: Array, y: Array) => Array) =>
  (x: ArrayLike, y: ArrayLike): Array => binaryOperands(fn, x, y, kind, f)

/**
 * Elementwise sum with numpy broadcasting.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.add([[1], [2]], [10, 20]).toArray() // => [[11, 21], [12, 22]]
 * np.add(np.ones([2], "float32"), 1).dtype // => "float32"
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const add = binary("np.add", "numeric", P.add)

/**
 * Elementwise difference with numpy broadcasting.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.subtract([5, 7], 2).toArray() // => [3, 5]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const subtract = binary("np.subtract", "numeric", P.sub)

/**
 * Elementwise product with numpy broadcasting.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.multiply([1, 2, 3], 2).toArray() // => [2, 4, 6]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const multiply = binary("np.multiply", "numeric", P.mul)

/**
 * Elementwise true division (ints give float64, as in numpy).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.divide([1, 3], 2).toArray() // => [0.5, 1.5]
 * np.divide(np.array([1, 2], "int32"), 2).dtype // => "float64"
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const divide = binary("np.divide", "float", P.div)

/**
 * Elementwise maximum (NaN propagates); at ties the gradient is split evenly.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.maximum([1, 5], [3, 2]).toArray() // => [3, 5]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const maximum = binary("np.maximum", "numeric", P.max)

/**
 * Elementwise minimum (NaN propagates); at ties the gradient is split evenly.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.minimum([1, 5], [3, 2]).toArray() // => [1, 2]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const minimum = binary("np.minimum", "numeric", P.min)

/**
 * Elementwise arctangent of y/x using the signs of both to pick the quadrant.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.arctan2([1, -1], [0, 0]).toArray() // => [1.5707963267948966, -1.5707963267948966]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export const arctan2 = binary("np.arctan2", "float", P.atan2)

/**
 * `x` raised to `y`. A JS integer exponent uses repeated multiplication (`integer_pow`), so
 * it is real for negative `x` and keeps int dtypes; otherwise `pow` on floats.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.power([-2, 3], 3).toArray() // => [-8, 27]
 * np.power([4, 9], 0.5).toArray() // => [2, 3]
 * ```
 * @throws {@link index!ShapeError} when the shapes do not broadcast.
 * @category elementwise
 * @since 0.1.0
 */
export function power(x: ArrayLike, y: ArrayLike): Array {
  if (typeof y === "number" && Number.isInteger(y)) {
    const [a] = castAll("np.power", [x], "numeric")
    // ints to negative powers are not ints: go through float64, as true division does
    return P.integerPow(y < 0 && isInt(a!.dtype) ? toDtype(a!, "float64") : a!, y)
  }
  const [a, b] = operands("np.power", [x, y], "float")
  return P.pow(a!, b!)
}

/**
 * Elementwise square, `x * x` (as `integer_pow` with exponent 2).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.square([-3, 2]).toArray() // => [9, 4]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const square = (x: ArrayLike): Array => P.integerPow(castOne("np.square", x, "numeric"), 2)

/**
 * Elementwise negation.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.negative([1, -2]).toArray() // => [-1, 2]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const negative = (x: ArrayLike): Array => P.neg(castOne("np.negative", x, "numeric"))

/**
 * Elementwise absolute value; its gradient at 0 is 0 (JAX's convention).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.abs([-1.5, 2]).toArray() // => [1.5, 2]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const abs = (x: ArrayLike): Array => P.abs(castOne("np.abs", x, "numeric"))

/**
 * Elementwise sign: -1, 0 or 1 (NaN for NaN); zero gradient.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.sign([-2, 0, 3]).toArray() // => [-1, 0, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const sign = (x: ArrayLike): Array => P.sign(castOne("np.sign", x, "numeric"))

const rounding = (fn: string, f: (x: Array) => Array) => (x: ArrayLike): Array => {
  const a = arr(fn, x)
  return isFloat(a.dtype) ? f(a) : a // integers are already whole, as in jax.numpy
}

/**
 * Elementwise floor (largest integer ≤ x); zero gradient. Int arrays are returned unchanged.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.floor([-1.5, 1.5]).toArray() // => [-2, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const floor = rounding("np.floor", P.floor)

/**
 * Elementwise ceiling (smallest integer ≥ x); zero gradient. Int arrays are returned unchanged.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.ceil([-1.5, 1.5]).toArray() // => [-1, 2]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const ceil = rounding("np.ceil", P.ceil)

/**
 * Rounds to `decimals` places, halves to even (numpy's rule); zero gradient.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.round([0.5, 1.5, 2.5, -0.5]).toArray() // => [0, 2, 2, -0]
 * np.round([1.234], 2).toArray() // => [1.23]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like or decimals is not an integer.
 * @category elementwise
 * @since 0.1.0
 */
export function round(x: ArrayLike, decimals = 0): Array {
  if (!Number.isInteger(decimals)) throw new InvalidArgumentError("np.round", `decimals must be an integer, got ${decimals}.`)
  const a = arr("np.round", x)
  if (!isFloat(a.dtype)) return a
  if (decimals === 0) return P.round(a)
  const s = P.scalarLike(a, 10 ** decimals)
  return P.div(P.round(P.mul(a, s)), s)
}
