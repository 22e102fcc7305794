// Temperature-smoothed maxima, argmaxes and steps: logsumexp, softmax, smoothMax and
// sigmoidStep. Each is a composition of primitives whose derivatives are already exact, so
// none needs a rule of its own; each tends to its hard counterpart as temperature → 0.

import type { Array, ArrayLike } from "../core/array.js"
import * as np from "../numpy/index.js"
import { softmax as nnSoftmax, sigmoid } from "../nn/index.js"
import { floatArg, oneAxis, scalarOf, someAxes, temperatureOf } from "./args.js"

/** Options of the reductions {@link logsumexp} and {@link smoothMax}. */
export interface SmoothReduceOptions {
  /** Axis or axes to reduce; all when absent or null. Negative axes count from the end. */
  readonly axis?: number | readonly number[] | null
  /** T > 0 (default 1): how soft the maximum is. */
  readonly temperature?: number
  /** Keep reduced axes as size-1 dimensions. */
  readonly keepdims?: boolean
}

/** Options of {@link softmax}. */
export interface SoftmaxOptions {
  /** The axis the probabilities sum to 1 along (default -1). */
  readonly axis?: number
  /** T > 0 (default 1): how soft the argmax is. */
  readonly temperature?: number
}

/** Options of {@link sigmoidStep}. */
export interface TemperatureOptions {
  /** T > 0 (default 1): the width of the transition. */
  readonly temperature?: number
}

/**
 * The soft maximum T·log Σ exp(x / T) along `axis` (all axes when omitted), computed stably.
 *
 * Gradient: softmax(x / T) along the reduced axes (non-negative weights summing to 1), so
 * every entry gets a share of the gradient, the larger ones more.
 *
 * Temperature limit: max(x) ≤ logsumexp ≤ max(x) + T·log n, so it tends to max(x) as T → 0
 * (and its gradient to the one-hot of the argmax, split evenly at ties).
 * @example
 * ```ts
 * import { relax } from "wengert"
 * relax.logsumexp([0, 0]).item() // => 0.6931471805599453
 * relax.logsumexp([1, 2], { temperature: 0.5 }).item() // => 2.063464005521486
 * relax.logsumexp([10, 20, 30], { temperature: 0.1 }).item() // => 30
 * ```
 * @throws {@link index!InvalidArgumentError} when the temperature is not a positive finite number or an axis is out of range.
 * @category relaxations
 * @since 0.1.0
 */
export function logsumexp(x: ArrayLike, opts: SmoothReduceOptions = {}): Array {
  const fn = "relax.logsumexp"
  const a = floatArg(fn, x)
  const t = temperatureOf(fn, opts.temperature, "np.max")
  const axis = someAxes(fn, opts.axis, a.ndim)
  const r = np.logsumexp(t === 1 ? a : np.divide(a, scalarOf(a, t)), { axis, keepdims: opts.keepdims ?? false })
  return t === 1 ? r : np.multiply(r, scalarOf(r, t))
}

/**
 * softmax(x / T) along `axis` (default -1): probabilities proportional to exp(x / T).
 *
 * Gradient: with p = softmax(x / T), ∂pᵢ/∂xⱼ = pᵢ(δᵢⱼ − pⱼ) / T; a vector-Jacobian product
 * is p ⊙ (u − ⟨u, p⟩) / T.
 *
 * Temperature limit: the one-hot of argmax(x) as T → 0 (with ties, 1/k on each of the k
 * maxima), and the uniform distribution as T → ∞. The Jacobian grows like 1/T near ties and
 * vanishes elsewhere, which is the price of sharpness.
 * @example
 * ```ts
 * import { relax } from "wengert"
 * relax.softmax([0, Math.log(3)]).toArray() // => [0.25, 0.75]
 * relax.softmax([1, 2], { temperature: 0.5 }).toArray() // => [0.11920292202211755, 0.8807970779778823]
 * ```
 * @throws {@link index!InvalidArgumentError} when the temperature is not a positive finite number or the axis is out of range.
 * @category relaxations
 * @since 0.1.0
 */
export function softmax(x: ArrayLike, opts: SoftmaxOptions = {}): Array {
  const fn = "relax.softmax"
  const a = floatArg(fn, x)
  const t = temperatureOf(fn, opts.temperature, "the one-hot of np.argmax")
  const axis = oneAxis(fn, opts.axis, a.ndim, -1)
  return nnSoftmax(t === 1 ? a : np.divide(a, scalarOf(a, t)), axis)
}

/**
 * A smooth maximum: the softmax-weighted mean Σ softmax(x / T)ᵢ xᵢ along `axis` (all axes
 * when omitted), the "Boltzmann operator". Unlike {@link logsumexp} it never overshoots:
 * it lies between the mean and the max of x.
 *
 * Gradient: ∂S/∂xᵢ = pᵢ (1 + (xᵢ − S) / T) with p = softmax(x / T); the weights sum to 1
 * but are not all positive (raising a small entry can lower S).
 *
 * Temperature limit: max(x) as T → 0 (the error decays like exp(−gap / T), gap being the
 * distance from the max to the next value), and the mean of x as T → ∞. Entries must be
 * finite (a -Infinity entry gives NaN; mask with {@link logsumexp} instead).
 * @example
 * ```ts
 * import { relax } from "wengert"
 * relax.smoothMax([1, 2, 3]).item() // => 2.575210382604441
 * relax.smoothMax([1, 2, 3], { temperature: 0.01 }).item() // => 3
 * relax.smoothMax([[1, 5], [4, 2]], { axis: 1, temperature: 1e-3 }).toArray() // => [5, 4]
 * ```
 * @throws {@link index!InvalidArgumentError} when the temperature is not a positive finite number or an axis is out of range.
 * @category relaxations
 * @since 0.1.0
 */
export function smoothMax(x: ArrayLike, opts: SmoothReduceOptions = {}): Array {
  const fn = "relax.smoothMax"
  const a = floatArg(fn, x)
  const t = temperatureOf(fn, opts.temperature, "np.max")
  const axis = someAxes(fn, opts.axis, a.ndim)
  const z = np.divide(a, scalarOf(a, t))
  // p = exp(z − logsumexp(z)) over the reduced axes, computed without overflow
  const p = np.exp(np.subtract(z, np.logsumexp(z, { axis, keepdims: true })))
  return np.sum(np.multiply(p, a), { axis, keepdims: opts.keepdims ?? false })
}

/**
 * A smooth step: sigmoid(x / T) = 1 / (1 + exp(−x / T)), elementwise.
 *
 * Gradient: σ(x / T)(1 − σ(x / T)) / T, a bump of height 1/(4T) and width ~T around 0.
 *
 * Temperature limit: the Heaviside step (0 for x < 0, 1 for x > 0, ½ at 0) as T → 0; its
 * gradient tends to a Dirac delta, so it vanishes everywhere but at 0.
 * @example
 * ```ts
 * import { relax } from "wengert"
 * relax.sigmoidStep([-1, 0, 1], { temperature: 0.5 }).toArray() // => [0.11920292202211755, 0.5, 0.8807970779778823]
 * relax.sigmoidStep([-1, 1], { temperature: 1e-3 }).toArray() // => [0, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when the temperature is not a positive finite number.
 * @category relaxations
 * @since 0.1.0
 */
export function sigmoidStep(x: ArrayLike, opts: TemperatureOptions = {}): Array {
  const fn = "relax.sigmoidStep"
  const a = floatArg(fn, x)
  const t = temperatureOf(fn, opts.temperature, "the step np.greater(x, 0)")
  return sigmoid(t === 1 ? a : np.divide(a, scalarOf(a, t)))
}
