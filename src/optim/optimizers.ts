// First-order optimizers in optax's functional style: an optimizer is a pair of pure
// functions `init(params) -> state` and `update(grads, state, params) -> [updates, state]`,
// and `applyUpdates(params, updates)` adds the updates. Everything is array ops over
// pytrees (no value is read), so `jit(opt.update)` and a jitted training step work.

import type { Array, ArrayLike } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import { map } from "../core/tree.js"
import * as np from "../numpy/index.js"

/** A learning rate: a number, or a schedule of the step count (a float64 scalar, 0 on the first step). */
export type LearningRate = number | ((count: Array) => ArrayLike)

/** An optimizer: pure `init` and `update` over pytrees of arrays (optax's GradientTransformation). */
export interface Optimizer<S = any> {
  /** The optimizer's state for parameters `params` (a pytree of float64 arrays). */
  readonly init: (params: unknown) => S
  /** Updates to add to the parameters (already scaled and negated) and the next state. */
  readonly update: (grads: unknown, state: S, params?: unknown) => [any, S]
}

/** State of {@link sgd}: the step count. */
export interface SgdState { readonly count: Array }
/** State of {@link momentum}: the step count and the velocity (the params' structure). */
export interface MomentumState { readonly count: Array; readonly velocity: any }
/** State of {@link adam}: the step count, first moments `mu` and second moments `nu`. */
export interface AdamState { readonly count: Array; readonly mu: any; readonly nu: any }

function checkNumber(fn: string, name: string, v: unknown, lo: number, hi: number, closedHi = false): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < lo || (closedHi ? v > hi : v >= hi))
    throw new InvalidArgumentError(fn, `${name} must be a number in [${lo}, ${hi}${closedHi ? "]" : ")"}, got ${String(v)}.`)
}

function checkLr(fn: string, lr: unknown): void {
  if (typeof lr === "function") return
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr <= 0)
    throw new InvalidArgumentError(fn, `lr must be a positive number or a schedule (count) => lr, got ${String(lr)}.`)
}

const rate = (lr: LearningRate, count: Array): ArrayLike => (typeof lr === "function" ? lr(count) : lr)
const zerosTree = (params: unknown) => map((p: ArrayLike) => np.zerosLike(p), params)
const zeroCount = () => np.array(0)

/**
 * Stochastic gradient descent: `updates = −lr · grads`.
 * @example
 * ```ts
 * import { grad, np, optim } from "wengert"
 * const f = (x) => np.sum(np.square(x))
 * const opt = optim.sgd({ lr: 0.25 })
 * let x = np.array([1, -2]), state = opt.init(x)
 * for (let i = 0; i < 3; i++) {
 *   const [updates, next] = opt.update(grad(f)(x), state)
 *   x = optim.applyUpdates(x, updates); state = next
 * }
 * x.toArray() // => [0.125, -0.25]
 * ```
 * @throws {@link index!InvalidArgumentError} when `lr` is not a positive number or a function.
 * @category models
 * @since 0.1.0
 */
export function sgd(opts: { readonly lr: LearningRate }): Optimizer<SgdState> {
  checkLr("optim.sgd", opts?.lr)
  return {
    init: () => ({ count: zeroCount() }),
    update: (grads, state) => {
      const lr = rate(opts.lr, state.count)
      return [map((g: ArrayLike) => np.multiply(np.negative(lr), g), grads), { count: np.add(state.count, 1) }]
    },
  }
}

/**
 * Gradient descent with heavy-ball momentum: `v = β v + g`, `updates = −lr · v`
 * (Nesterov: `updates = −lr (β v + g)`).
 * @example
 * ```ts
 * import { grad, np, optim } from "wengert"
 * const opt = optim.momentum({ lr: 0.1, beta: 0.5 })
 * const g = np.array([1, 2]), state = opt.init(g)
 * const [u1, s1] = opt.update(g, state)
 * const [u2] = opt.update(g, s1)
 * u2.toArray() // => [-0.15, -0.3]
 * ```
 * @throws {@link index!InvalidArgumentError} when `lr` is not positive or `beta` is outside [0, 1).
 * @category models
 * @since 0.1.0
 */
export function momentum(opts: { readonly lr: LearningRate; readonly beta?: number; readonly nesterov?: boolean }): Optimizer<MomentumState> {
  const fn = "optim.momentum"
  checkLr(fn, opts?.lr)
  const beta = opts.beta ?? 0.9
  checkNumber(fn, "beta", beta, 0, 1)
  return {
    init: (params) => ({ count: zeroCount(), velocity: zerosTree(params) }),
    update: (grads, state) => {
      const lr = np.negative(rate(opts.lr, state.count))
      const velocity = map((v: Array, g: ArrayLike) => np.add(np.multiply(beta, v), g), state.velocity, grads)
      const updates = opts.nesterov
        ? map((v: Array, g: ArrayLike) => np.multiply(lr, np.add(np.multiply(beta, v), g)), velocity, grads)
        : map((v: Array) => np.multiply(lr, v), velocity)
      return [updates, { count: np.add(state.count, 1), velocity }]
    },
  }
}

/**
 * Adam (Kingma & Ba): bias-corrected moving averages of the gradient and its square,
 * `updates = −lr · m̂ / (√v̂ + eps)`.
 * @example
 * ```ts
 * import { np, optim } from "wengert"
 * const opt = optim.adam({ lr: 0.1 })
 * const state = opt.init({ w: np.array([0, 0]) })
 * // the first step moves every coordinate by about lr, whatever the gradient's scale
 * const [updates] = opt.update({ w: np.array([3, -1e-3]) }, state)
 * updates.w.toArray().map((u) => Number(u.toFixed(6))) // => [-0.1, 0.099999]
 * ```
 * @throws {@link index!InvalidArgumentError} when `lr` is not positive, `b1`/`b2` are outside [0, 1) or `eps` is negative.
 * @category models
 * @since 0.1.0
 */
export function adam(opts: { readonly lr?: LearningRate; readonly b1?: number; readonly b2?: number; readonly eps?: number } = {}): Optimizer<AdamState> {
  const fn = "optim.adam"
  const lr = opts.lr ?? 1e-3, b1 = opts.b1 ?? 0.9, b2 = opts.b2 ?? 0.999, eps = opts.eps ?? 1e-8
  checkLr(fn, lr)
  checkNumber(fn, "b1", b1, 0, 1)
  checkNumber(fn, "b2", b2, 0, 1)
  checkNumber(fn, "eps", eps, 0, Infinity)
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosTree(params), nu: zerosTree(params) }),
    update: (grads, state) => {
      const count = np.add(state.count, 1)
      const mu = map((m: Array, g: ArrayLike) => np.add(np.multiply(b1, m), np.multiply(1 - b1, g)), state.mu, grads)
      const nu = map((v: Array, g: ArrayLike) => np.add(np.multiply(b2, v), np.multiply(1 - b2, np.square(g))), state.nu, grads)
      // bias corrections 1 − βᵗ, as arrays so a jitted update works for every count
      const c1 = np.subtract(1, np.power(b1, count)), c2 = np.subtract(1, np.power(b2, count))
      const step = np.negative(rate(lr, state.count))
      const updates = map((m: Array, v: Array) =>
        np.multiply(step, np.divide(np.divide(m, c1), np.add(np.sqrt(np.divide(v, c2)), eps))), mu, nu)
      return [updates, { count, mu, nu }]
    },
  }
}

/**
 * Adds updates to parameters leafwise: `params + updates` over one pytree structure.
 * @example
 * ```ts
 * import { np, optim } from "wengert"
 * optim.applyUpdates({ w: np.array([1, 2]) }, { w: np.array([0.5, -1]) }).w.toArray() // => [1.5, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} when the two trees differ in structure.
 * @category models
 * @since 0.1.0
 */
export function applyUpdates<T>(params: T, updates: unknown): T {
  return map((p: ArrayLike, u: ArrayLike) => np.add(p, u), params, updates)
}
