// Surrogate gradients: the hard value forward, a soft relaxation's gradient backward.
// straightThrough is the general form; gumbelSoftmax samples a category with it (hard) or
// returns the relaxed sample itself (soft). stopGradient is the primitive they rest on.

import type { Array, ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { ShapeError } from "../core/errors.js"
import { shapeEq } from "../core/shape.js"
import { stopGradient as stopGradientPrim } from "../prims/elementwise.js"
import { convert } from "../prims/shape.js"
import * as np from "../numpy/index.js"
import { oneHot } from "../nn/index.js"
import { gumbel } from "../random/index.js"
import { floatArg, oneAxis, temperatureOf } from "./args.js"
import { softmax } from "./smooth.js"

/**
 * The identity whose derivative is zero: the value passes, gradients do not. The same
 * function as the root `stopGradient` and `lax.stopGradient`.
 *
 * Gradient: 0. There is no temperature.
 * @example
 * ```ts
 * import { grad, relax } from "wengert"
 * relax.stopGradient([1, 2]).toArray() // => [1, 2]
 * grad((x) => relax.stopGradient(x).mul(x))(3).item() // => 3
 * ```
 * @category relaxations
 * @since 0.1.0
 */
export function stopGradient(x: ArrayLike): Array {
  return stopGradientPrim(asArray(x, "relax.stopGradient"))
}

/**
 * The straight-through estimator: the value of `hard`, the gradient of `soft`.
 *
 * Gradient: exactly that of `soft` (none reaches `hard`). It is computed as
 * stopGradient(hard) + (soft − stopGradient(soft)) rather than soft + stopGradient(hard −
 * soft): both have soft's derivative, but only the first returns hard's value bit for bit
 * for every finite soft (2.5 + (0.1 − 2.5) is 0.10000000000000009).
 *
 * Temperature limit: none of its own; when `soft` is a relaxation of `hard` at temperature
 * T, the estimator's bias (the gap between soft's gradient and the true expected gradient)
 * shrinks as T → 0 while its variance grows.
 * @example
 * ```ts
 * import { grad, np, relax } from "wengert"
 * const x = np.array([0.2, 1.7])
 * relax.straightThrough(np.round(x), x).toArray() // => [0, 2]
 * // rounding forward, the identity's gradient backward
 * grad((v) => relax.straightThrough(np.round(v), v).mul([1, 10]).sum())(x).toArray() // => [1, 10]
 * ```
 * @throws {@link index!ShapeError} when hard and soft differ in shape.
 * @category relaxations
 * @since 0.1.0
 */
export function straightThrough(hard: ArrayLike, soft: ArrayLike): Array {
  const fn = "relax.straightThrough"
  const h = floatArg(fn, hard), s = floatArg(fn, soft)
  if (!shapeEq(h.shape, s.shape))
    throw new ShapeError(fn, [h.shape, s.shape], "hard and soft must have one shape (the soft value relaxes the hard one entry by entry); broadcast one of them first (np.broadcastTo).")
  const dt = h.dtype === s.dtype ? h.dtype : "float64"
  const hd = convert(h, dt), sd = convert(s, dt)
  return np.add(stopGradientPrim(hd), np.subtract(sd, stopGradientPrim(sd)))
}

/** Options of {@link gumbelSoftmax}. */
export interface GumbelSoftmaxOptions {
  /** T > 0 (default 1): how far the relaxed sample is from a one-hot. */
  readonly temperature?: number
  /** Return the one-hot of the sample's argmax, with the relaxed sample's gradient (default false). */
  readonly hard?: boolean
  /** The category axis of `logits` (default -1). */
  readonly axis?: number
}

/**
 * A relaxed sample of the categorical distribution softmax(logits) (the Gumbel-softmax, or
 * concrete, distribution): y = softmax((logits + g) / T) with g standard Gumbel noise drawn
 * from `key`. With `hard`, the one-hot of argmax(y), which is an exact sample of the
 * categorical distribution (the Gumbel-max trick), carrying y's gradient straight through.
 *
 * Gradient: that of softmax((logits + g) / T) for the drawn noise g: ∂yᵢ/∂logitsⱼ =
 * yᵢ(δᵢⱼ − yⱼ) / T; the same for `hard` (see {@link straightThrough}).
 *
 * Temperature limit: as T → 0 the soft sample tends to the hard one-hot sample (a biased
 * but low-variance gradient becomes an unbiased, high-variance one, with the Jacobian
 * growing like 1/T near ties); as T → ∞ it tends to the uniform vector 1/n.
 * @example
 * ```ts
 * import { random, relax } from "wengert"
 * const key = random.key(0)
 * const y = relax.gumbelSoftmax(key, [1, 2, 3], { temperature: 0.5 })
 * y.sum().item() // => 1
 * relax.gumbelSoftmax(key, [0, 50, 0], { hard: true }).toArray() // => [0, 1, 0]
 * ```
 * @throws {@link index!InvalidArgumentError} when the temperature is not a positive finite number or the axis is out of range.
 * @category relaxations
 * @since 0.1.0
 */
export function gumbelSoftmax(key: ArrayLike, logits: ArrayLike, opts: GumbelSoftmaxOptions = {}): Array {
  const fn = "relax.gumbelSoftmax"
  const l = floatArg(fn, logits)
  const t = temperatureOf(fn, opts.temperature, "an exact categorical sample (use { hard: true } for one with a gradient)")
  const axis = oneAxis(fn, opts.axis, l.ndim, -1)
  const g = gumbel(key, l.shape, { dtype: l.dtype as "float32" | "float64" }) // floatArg made it a float
  const y = softmax(np.add(l, g), { axis, temperature: t })
  if (!opts.hard) return y
  const k = np.argmax(y, axis)
  const oh = np.moveaxis(oneHot(k, l.shape[axis]!, { dtype: l.dtype }), -1, axis)
  return straightThrough(oh, y)
}
