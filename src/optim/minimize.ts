// optim.minimize: unconstrained minimization of a scalar function of a pytree by L-BFGS,
// damped Newton or Adam. The point is raveled into one float64 vector; the value and
// gradient (and Newton's Hessian) come from the library's own transforms, jitted once,
// while the outer iteration (line searches, curvature pairs) runs on host Float64Arrays.

import type { Array } from "../core/array.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { flatten, map } from "../core/tree.js"
import { ravel } from "../implicit/ravel.js"
import * as np from "../numpy/index.js"
import { valueAndGrad } from "../transforms/grad.js"
import { hessian } from "../transforms/jacobian.js"
import { jit } from "../transforms/jit.js"
import { type Point, type Vec, axpy, backtracking, dot, norm, wolfe } from "./lineSearch.js"
import { type LearningRate, adam } from "./optimizers.js"

export type MinimizeMethod = "lbfgs" | "newton" | "adam"

/** What `onStep` sees after each iteration. */
export interface StepInfo<T = any> {
  /** Iterations done so far (1 after the first step). */
  readonly iteration: number
  readonly value: number
  /** The 2-norm of the gradient at `x`. */
  readonly gradNorm: number
  /** The current point, with x0's structure (built when read). */
  readonly x: T
}

export interface MinimizeOptions<T = any> {
  /** "lbfgs" (default), "newton" (Hessian, damped step) or "adam" (first order, fixed lr). */
  readonly method?: MinimizeMethod
  /** Most iterations (default 1000 for lbfgs and adam, 100 for newton). */
  readonly maxIter?: number
  /** Converged when the gradient's 2-norm is at most tol (default 1e-6). */
  readonly tol?: number
  /** Called after each iteration; returning `false` stops the run. */
  readonly onStep?: (info: StepInfo<T>) => void | boolean
  /** Record `{ iteration, value, gradNorm }` per iteration (iteration 0 is x0) in `history`. */
  readonly history?: boolean
  /** Evaluate through `jit` (default true; functions with native control flow fall back to eager). */
  readonly jit?: boolean
  /** L-BFGS: curvature pairs kept (default 10). */
  readonly memory?: number
  /** L-BFGS: "wolfe" (strong Wolfe, default) or "armijo" (backtracking). */
  readonly lineSearch?: "wolfe" | "armijo"
  /** Adam: learning rate (default 1e-3) and moment decays. */
  readonly lr?: LearningRate
  readonly b1?: number
  readonly b2?: number
}

export interface HistoryEntry { readonly iteration: number; readonly value: number; readonly gradNorm: number }

export interface MinimizeResult<T = any> {
  /** The last point, with x0's structure and dtypes. */
  readonly x: T
  readonly value: number
  readonly gradNorm: number
  readonly iterations: number
  /** Number of value-and-gradient evaluations. */
  readonly evaluations: number
  /** True when the gradient norm reached tol. */
  readonly converged: boolean
  /** Why the run stopped. */
  readonly message: string
  readonly history?: readonly HistoryEntry[]
}

const name = "optim.minimize"
const methods: readonly MinimizeMethod[] = ["lbfgs", "newton", "adam"]

function checkOptions(f: unknown, opts: MinimizeOptions): void {
  if (typeof f !== "function") throw new InvalidArgumentError(name, `f must be a function x => scalar, got ${typeof f}.`)
  if (opts.method !== undefined && !methods.includes(opts.method))
    throw new InvalidArgumentError(name, `unknown method ${JSON.stringify(opts.method)}; use one of ${methods.map((m) => `"${m}"`).join(", ")}.`)
  const nonNegInt = (k: string, v: unknown) => {
    if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) throw new InvalidArgumentError(name, `${k} must be a non-negative integer, got ${String(v)}.`)
  }
  nonNegInt("maxIter", opts.maxIter)
  if (opts.memory !== undefined && (!Number.isInteger(opts.memory) || opts.memory < 1)) throw new InvalidArgumentError(name, `memory must be a positive integer, got ${String(opts.memory)}.`)
  if (opts.tol !== undefined && (typeof opts.tol !== "number" || !(opts.tol >= 0))) throw new InvalidArgumentError(name, `tol must be a non-negative number, got ${String(opts.tol)}.`)
  if (opts.onStep !== undefined && typeof opts.onStep !== "function") throw new InvalidArgumentError(name, "onStep must be a function ({ iteration, value, gradNorm, x }) => void.")
  if (opts.lineSearch !== undefined && opts.lineSearch !== "wolfe" && opts.lineSearch !== "armijo")
    throw new InvalidArgumentError(name, `lineSearch must be "wolfe" or "armijo", got ${JSON.stringify(opts.lineSearch)}.`)
}

/** Calls `fn` jitted, falling back to eager evaluation when `f` reads traced values (native control flow). */
function jitted<A extends unknown[], R>(fn: (...a: A) => R, useJit: boolean): (...a: A) => R {
  if (!useJit) return fn
  let impl: (...a: A) => R = jit(fn) as (...a: A) => R
  let first = true
  return (...a: A) => {
    if (!first) return impl(...a)
    first = false
    try { return impl(...a) } catch (e) {
      if ((e as { _tag?: string })._tag !== "ConcretizationError") throw e
      impl = fn
      return fn(...a)
    }
  }
}

/** Host Cholesky solve of (H + λI) d = b; undefined when H + λI is not positive definite. */
function cholSolve(H: Vec, n: number, lambda: number, b: Vec): Vec | undefined {
  const L = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i * n + j]! + (i === j ? lambda : 0)
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!
      if (i === j) { if (!(s > 0)) return undefined; L[i * n + i] = Math.sqrt(s) }
      else L[i * n + j] = s / L[j * n + j]!
    }
  }
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) { let s = b[i]!; for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!; y[i] = s / L[i * n + i]! }
  for (let i = n - 1; i >= 0; i--) { let s = y[i]!; for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * y[k]!; y[i] = s / L[i * n + i]! }
  return y
}

/**
 * Minimizes a scalar function of a pytree: L-BFGS with a strong Wolfe line search
 * (default), Newton's method with the exact Hessian and a damped (backtracking, and if
 * needed Levenberg-regularized) step, or Adam. Gradients come from reverse mode; `f` is
 * jitted unless `{ jit: false }` (or it reads values, as native `if`s do). Progress is
 * reported through `onStep({ iteration, value, gradNorm, x })`.
 * @example
 * ```ts
 * import { np, optim } from "wengert"
 * const rosenbrock = ({ a, b }) => np.add(np.square(np.subtract(1, a)), np.multiply(100, np.square(np.subtract(b, np.square(a)))))
 * const r = optim.minimize(rosenbrock, { a: np.array(-1.2), b: np.array(1) }, { method: "lbfgs" })
 * r.converged // => true
 * Number(r.x.a.item().toFixed(6)) // => 1
 * const n = optim.minimize(rosenbrock, { a: np.array(-1.2), b: np.array(1) }, { method: "newton" })
 * Number(n.x.b.item().toFixed(6)) // => 1
 * ```
 * @throws {@link index!InvalidArgumentError} for an unknown method or a bad option, or when f(x0) is not finite.
 * @throws {@link index!ShapeError} when `f` does not return a scalar.
 * @category models
 * @since 0.1.0
 */
export function minimize<T>(f: (x: T) => unknown, x0: T, opts: MinimizeOptions<T> = {}): MinimizeResult<T> {
  checkOptions(f, opts)
  const method = opts.method ?? "lbfgs"
  const maxIter = opts.maxIter ?? (method === "newton" ? 100 : 1000)
  const tol = opts.tol ?? 1e-6
  const useJit = opts.jit ?? true

  // ravel x0 into one float64 vector; the result gets x0's dtypes back
  const [leaves0] = flatten(x0)
  const leaves = leaves0.map((l) => np.asarray(l as number))
  if (leaves.length === 0 || leaves.every((l) => l.size === 0)) throw new InvalidArgumentError(name, "x0 has no entries to optimize; pass an array or a pytree of arrays.")
  for (const l of leaves)
    if (l.dtype !== "float64" && l.dtype !== "float32") throw new InvalidArgumentError(name, `every leaf of x0 must be a float array, got ${l.dtype}; convert with np.asarray(x, { dtype: "float64" }).`)
  const dtypes = leaves.map((l) => l.dtype)
  const r = ravel(name, map((l: Array) => np.asarray(l).astype("float64"), x0))
  const toTree = (v: Vec): T => {
    let i = 0
    return map((l: Array) => (dtypes[i++] === "float64" ? l : l.astype(dtypes[i - 1]!)), r.unravel(np.array(v))) as T
  }
  const fvec = (v: Array) => f(r.unravel(v) as T)
  const vg = jitted(valueAndGrad(fvec), useJit)
  let evaluations = 0
  const fg = (x: Vec): Point => {
    evaluations++
    let out: [Array, Array]
    try { out = vg(np.array(x)) as [Array, Array] } catch (e) {
      if (e instanceof ShapeError && /return a scalar/.test(e.hint)) throw new ShapeError(name, e.shapes, `f must return a scalar objective. ${e.hint}`)
      throw e
    }
    return { x, f: out[0].item(), g: out[1].toTypedArray() as Vec }
  }

  let p = fg(new Float64Array(r.vec.toTypedArray()))
  if (!Number.isFinite(p.f)) throw new InvalidArgumentError(name, `f(x0) = ${p.f}; start where f is finite.`)
  const history: HistoryEntry[] | undefined = opts.history ? [{ iteration: 0, value: p.f, gradNorm: norm(p.g) }] : undefined
  let iterations = 0
  let message = "reached maxIter"
  let stopped = false
  const report = (q: Point): void => {
    iterations++
    const gradNorm = norm(q.g)
    history?.push({ iteration: iterations, value: q.f, gradNorm })
    if (opts.onStep) {
      let x: T | undefined
      const info = { iteration: iterations, value: q.f, gradNorm, get x() { return (x ??= toTree(q.x)) } }
      if (opts.onStep(info) === false) { stopped = true; message = "stopped by onStep" }
    }
  }

  const step = method === "lbfgs" ? lbfgsStepper(fg, opts) : method === "newton" ? newtonStepper(fg, jitted(hessian(fvec), useJit), r.size) : adamStepper(fg, opts)
  while (true) {
    if (norm(p.g) <= tol) { message = "gradient norm below tol"; break }
    if (stopped || iterations >= maxIter) break
    const next = step(p)
    if (typeof next === "string") { message = next; break }
    p = next
    report(p)
  }
  const gradNorm = norm(p.g)
  return {
    x: toTree(p.x), value: p.f, gradNorm, iterations, evaluations, converged: gradNorm <= tol, message,
    ...(history ? { history } : {}),
  }
}

/** One step from a point to the next, or a message saying why there is none. */
type Stepper = (p: Point) => Point | string

function lbfgsStepper(fg: (x: Vec) => Point, opts: MinimizeOptions): Stepper {
  const m = opts.memory ?? 10
  const S: Vec[] = [], Y: Vec[] = [], rho: number[] = []
  // two-loop recursion: d = −H g with H0 = (sᵀy / yᵀy) I from the newest pair
  const direction = (g: Vec): Vec => {
    const q = Float64Array.from(g), alpha = new Float64Array(S.length)
    for (let i = S.length - 1; i >= 0; i--) { alpha[i] = rho[i]! * dot(S[i]!, q); for (let j = 0; j < q.length; j++) q[j]! -= alpha[i]! * Y[i]![j]! }
    const last = S.length - 1
    const gamma = last >= 0 ? dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!) : 1
    for (let j = 0; j < q.length; j++) q[j]! *= gamma
    for (let i = 0; i < S.length; i++) { const beta = rho[i]! * dot(Y[i]!, q); for (let j = 0; j < q.length; j++) q[j]! += (alpha[i]! - beta) * S[i]![j]! }
    for (let j = 0; j < q.length; j++) q[j] = -q[j]!
    return q
  }
  const search = (p: Point, d: Vec, a0: number) => (opts.lineSearch === "armijo" ? backtracking(fg, p, d, a0) : wolfe(fg, p, d, a0))
  return (p) => {
    let d = direction(p.g)
    if (S.length === 0 || !(dot(d, p.g) < 0)) { S.length = Y.length = rho.length = 0; d = p.g.map((v) => -v) }
    let res = search(p, d, S.length === 0 ? Math.min(1, 1 / norm(p.g)) : 1)
    if (!res.point && S.length > 0) {
      // a stale curvature model: restart from steepest descent once
      S.length = Y.length = rho.length = 0
      d = p.g.map((v) => -v)
      res = search(p, d, Math.min(1, 1 / norm(p.g)))
    }
    const q = res.point
    if (!q) return "line search failed (f may be flat to rounding here, or not smooth)"
    const s = new Float64Array(p.x.length), y = new Float64Array(p.x.length)
    for (let j = 0; j < s.length; j++) { s[j] = q.x[j]! - p.x[j]!; y[j] = q.g[j]! - p.g[j]! }
    const sy = dot(s, y)
    if (norm(s) <= 1e-16 * Math.max(1, norm(p.x))) return "step too small to make progress"
    // keep only pairs with positive curvature, so H stays positive definite
    if (sy > 1e-12 * norm(s) * norm(y)) {
      if (S.length === m) { S.shift(); Y.shift(); rho.shift() }
      S.push(s); Y.push(y); rho.push(1 / sy)
    }
    return q
  }
}

function newtonStepper(fg: (x: Vec) => Point, hess: (x: Array) => unknown, n: number): Stepper {
  return (p) => {
    const H = (hess(np.array(p.x)) as Array).toTypedArray() as Vec
    const minusG = p.g.map((v) => -v)
    // Levenberg damping when H is not positive definite: H + λI with growing λ
    let scale = 0
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(H[i * n + i]!))
    let lambda = 0, d: Vec | undefined
    for (let tries = 0; tries < 60; tries++) {
      d = cholSolve(H, n, lambda, minusG)
      if (d && d.every(Number.isFinite) && dot(d, p.g) < 0) break
      d = undefined
      lambda = lambda === 0 ? 1e-8 * Math.max(1, scale) : lambda * 10
    }
    if (!d) return "no descent direction (the Hessian could not be regularized)"
    const res = backtracking(fg, p, d, 1)
    if (!res.point) return "line search failed (f may be flat to rounding here, or not smooth)"
    if (norm(axpy(res.point.x, -1, p.x)) <= 1e-16 * Math.max(1, norm(p.x))) return "step too small to make progress"
    return res.point
  }
}

function adamStepper(fg: (x: Vec) => Point, opts: MinimizeOptions): Stepper {
  const opt = adam({ lr: opts.lr ?? 1e-3, ...(opts.b1 !== undefined ? { b1: opts.b1 } : {}), ...(opts.b2 !== undefined ? { b2: opts.b2 } : {}) })
  const update = jitted((g: Array, state: unknown, x: Array) => {
    const [u, next] = opt.update(g, state as never)
    return [np.add(x, u as Array), next] as const
  }, opts.jit ?? true)
  let state: unknown
  return (p) => {
    state ??= opt.init(np.array(p.x))
    const [x, next] = update(np.array(p.g), state, np.array(p.x))
    state = next
    return fg(x.toTypedArray() as Vec)
  }
}
