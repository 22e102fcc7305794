// Unary float functions (exp, log, trig and hyperbolic). Int and bool inputs are converted
// to float64 first, as numpy does; float32 stays float32.

import type { Array, ArrayLike } from "../core/array.js"
import * as P from "../prims/elementwise.js"
import { castOne } from "./args.js"

const unary = (fn: string, f: (x: Array) => Array) => (x: ArrayLike): Array => f(castOne(fn, x, "float"))

/**
 * Elementwise square root (NaN for negatives); its derivative at 0 is infinite, as in JAX.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.sqrt([4, 9]).toArray() // => [2, 3]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const sqrt = unary("np.sqrt", P.sqrt)

/**
 * Elementwise natural exponential.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.exp([0, 1]).toArray() // => [1, 2.718281828459045]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const exp = unary("np.exp", P.exp)

/**
 * Elementwise `exp(x) - 1`, accurate for small x.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.expm1([0, 1e-10]).toArray() // => [0, 1.00000000005e-10]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const expm1 = unary("np.expm1", P.expm1)

/**
 * Elementwise natural logarithm (-Infinity at 0, NaN for negatives).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.log([1, Math.E]).toArray() // => [0, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const log = unary("np.log", P.log)

/**
 * Elementwise `log(1 + x)`, accurate for small x.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.log1p([0, 1e-10]).toArray() // => [0, 9.9999999995e-11]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const log1p = unary("np.log1p", P.log1p)

/**
 * Elementwise sine (radians).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.sin([0, Math.PI / 2]).toArray() // => [0, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const sin = unary("np.sin", P.sin)

/**
 * Elementwise cosine (radians).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.cos([0, Math.PI]).toArray() // => [1, -1]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const cos = unary("np.cos", P.cos)

/**
 * Elementwise tangent (radians).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.tan([0, Math.PI / 4]).toArray() // => [0, 0.9999999999999999]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const tan = unary("np.tan", P.tan)

/**
 * Elementwise hyperbolic tangent.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.tanh([0]).toArray() // => [0]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const tanh = unary("np.tanh", P.tanh)

/**
 * Elementwise hyperbolic sine.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.sinh([0, 1]).toArray() // => [0, 1.1752011936438014]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const sinh = unary("np.sinh", P.sinh)

/**
 * Elementwise hyperbolic cosine.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.cosh([0, 1]).toArray() // => [1, 1.5430806348152437]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const cosh = unary("np.cosh", P.cosh)

/**
 * Elementwise inverse sine, in [-π/2, π/2] (NaN outside [-1, 1]).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.arcsin([0, 1]).toArray() // => [0, 1.5707963267948966]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const arcsin = unary("np.arcsin", P.asin)

/**
 * Elementwise inverse cosine, in [0, π] (NaN outside [-1, 1]).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.arccos([1, 0]).toArray() // => [0, 1.5707963267948966]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const arccos = unary("np.arccos", P.acos)

/**
 * Elementwise inverse tangent, in (-π/2, π/2).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.arctan([0, 1]).toArray() // => [0, 0.7853981633974483]
 * ```
 * @throws {@link index!InvalidArgumentError} when `x` is not array-like.
 * @category elementwise
 * @since 0.1.0
 */
export const arctan = unary("np.arctan", P.atan)
