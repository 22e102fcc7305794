// wengert/nn: activation functions and friends, as compositions of primitives (no new rules).

import type { Array, ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type DType, isFloat } from "../core/dtype.js"
import { normalizeAxis } from "../core/shape.js"
import { InvalidArgumentError } from "../core/errors.js"
import { abs, add, eq, exp, log, log1p, logistic, max, mul, neg, scalarLike, stopGradient, sub, tanh, integerPow, div, select, isFinite, fitTo } from "../prims/elementwise.js"
import { broadcastInDim, convert, iota } from "../prims/shape.js"
import { reduceMax, reduceSum } from "../prims/reductions.js"

const floatArg = (x: ArrayLike, fn: string): Array => {
  const a = asArray(x, fn)
  return isFloat(a.dtype) ? a : convert(a, "float64")
}
/** Reduces along `axis` keeping it as a size-1 dim broadcast back to x's shape. */
const keep = (x: Array, r: Array, axis: number): Array => broadcastInDim(r, x.shape, x.shape.map((_, i) => i).filter((i) => i !== axis))

/**
 * Rectified linear unit, max(x, 0); its derivative at 0 is 0.5 (the tie convention of max).
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.relu([-1, 2]).toArray() // => [0, 2]
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function relu(x: ArrayLike): Array { const a = floatArg(x, "nn.relu"); return max(a, scalarLike(a, 0)) }

/**
 * The logistic sigmoid 1 / (1 + e^-x).
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.sigmoid(0).item() // => 0.5
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function sigmoid(x: ArrayLike): Array { return logistic(floatArg(x, "nn.sigmoid")) }

/**
 * log(1 + e^x), computed stably as max(x, 0) + log1p(e^-|x|).
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.softplus(0).item() // => 0.6931471805599453
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function softplus(x: ArrayLike): Array {
  const a = floatArg(x, "nn.softplus")
  return add(max(a, scalarLike(a, 0)), log1p(exp(neg(abs(a)))))
}

/**
 * log(sigmoid(x)) = -softplus(-x).
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.logSigmoid(0).item() // => -0.6931471805599453
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function logSigmoid(x: ArrayLike): Array { return neg(softplus(neg(floatArg(x, "nn.logSigmoid")))) }

/**
 * GELU with the tanh approximation (JAX's default): ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.gelu(0).item() // => 0
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function gelu(x: ArrayLike): Array {
  const a = floatArg(x, "nn.gelu")
  const inner = mul(scalarLike(a, Math.sqrt(2 / Math.PI)), add(a, mul(scalarLike(a, 0.044715), integerPow(a, 3))))
  return mul(mul(scalarLike(a, 0.5), a), add(scalarLike(a, 1), tanh(inner)))
}

function axisOf(fn: string, x: Array, axis: number): number { return normalizeAxis(fn, axis, x.ndim) }

/**
 * log Σ exp(x) along `axis` (all axes when omitted), shifted by the max for stability.
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.logsumexp([0, 0]).item() // => 0.6931471805599453
 * ```
 * @category reductions
 * @since 0.1.0
 */
export function logsumexp(x: ArrayLike, axis?: number): Array {
  const a = floatArg(x, "nn.logsumexp")
  const axes = axis === undefined ? a.shape.map((_, i) => i) : [axisOf("nn.logsumexp", a, axis)]
  const kept = a.shape.map((_, i) => i).filter((i) => !axes.includes(i))
  // the shift is exact for any value, so it carries no gradient; -inf rows shift by 0
  const m0 = stopGradient(reduceMax(a, axes))
  const shift = select(isFinite(m0), m0, fitTo(scalarLike(m0, 0), m0.aval))
  const s = reduceSum(exp(sub(a, broadcastInDim(shift, a.shape, kept))), axes)
  return add(log(s), shift)
}

/**
 * softmax(x) = exp(x) / Σ exp(x) along `axis` (default -1).
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.softmax([0, 0]).toArray() // => [0.5, 0.5]
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function softmax(x: ArrayLike, axis = -1): Array {
  const a = floatArg(x, "nn.softmax")
  const ax = axisOf("nn.softmax", a, axis)
  const e = exp(sub(a, keep(a, stopGradient(reduceMax(a, [ax])), ax)))
  return div(e, keep(a, reduceSum(e, [ax]), ax))
}

/**
 * log(softmax(x)) along `axis` (default -1), computed stably.
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.logSoftmax([0, 0]).toArray() // => [-0.6931471805599453, -0.6931471805599453]
 * ```
 * @category elementwise
 * @since 0.1.0
 */
export function logSoftmax(x: ArrayLike, axis = -1): Array {
  const a = floatArg(x, "nn.logSoftmax")
  const ax = axisOf("nn.logSoftmax", a, axis)
  const shifted = sub(a, keep(a, stopGradient(reduceMax(a, [ax])), ax))
  return sub(shifted, keep(a, log(reduceSum(exp(shifted), [ax])), ax))
}

/**
 * One-hot encoding of integer labels: shape [...x.shape, numClasses].
 * @example
 * ```ts
 * import { nn } from "wengert"
 * nn.oneHot([0, 2], 3).toArray() // => [[1, 0, 0], [0, 0, 1]]
 * ```
 * @throws {@link index!InvalidArgumentError} when numClasses is not a positive integer.
 * @category elementwise
 * @since 0.1.0
 */
export function oneHot(x: ArrayLike, numClasses: number, opts: { dtype?: DType } = {}): Array {
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new InvalidArgumentError("nn.oneHot", `numClasses must be a positive integer, got ${numClasses}.`)
  const a = asArray(x, "nn.oneHot")
  const labels = convert(a, "int32")
  const shape = [...a.shape, numClasses]
  const cls = iota("int32", shape, a.ndim)
  return convert(eq(broadcastInDim(labels, shape, a.shape.map((_, i) => i)), cls), opts.dtype ?? "float64")
}
