// Soft sorting and ranking by entropic optimal transport (Cuturi, Teboul, Vert 2019,
// "Differentiable Ranking and Sorting using Optimal Transport"): the n inputs, squashed into
// (0, 1), are transported onto n sorted anchors with uniform weights; the plan P, found by
// log-domain Sinkhorn iterations, is a soft permutation matrix (n·P is doubly stochastic).

import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import { stopGradient } from "../prims/elementwise.js"
import { sigmoid } from "../nn/index.js"
import * as np from "../numpy/index.js"
import { forILoop } from "../lax/scan.js"
import { whileLoop } from "../lax/control.js"
import { choice, positive, scalarOf, vector } from "./args.js"

/** Options that apply to method "sinkhorn" only. */
export interface SinkhornOptions {
  /** The number of Sinkhorn iterations, or the most of them when `tol` is given (default 100). */
  readonly iterations?: number
  /**
   * Stop early once the plan's column marginals are within `tol` of uniform (in L1, the plan
   * having total mass 1; the row marginals are exact after every iteration). Default: run
   * all iterations. With "unroll" the loop still costs `iterations` steps (it is a masked
   * scan, so that reverse mode has a bound); with "implicit" it stops when converged.
   */
  readonly tol?: number
  /**
   * How the plan is differentiated (default "unroll"). "unroll": through every iteration
   * (reverse mode stores each one). "implicit": the iterations carry no derivative; the plan
   * is differentiated through its optimality conditions (the implicit function theorem, one
   * dense 2n × 2n solve), which is exact at convergence, needs no stored iterations, but
   * gives first derivatives only (higher ones treat the converged plan as constant).
   */
  readonly differentiation?: "unroll" | "implicit"
}

interface Solver { iterations: number; tol: number | null; implicit: boolean }

function solverOf(fn: string, opts: SinkhornOptions): Solver {
  const iterations = opts.iterations ?? 100
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new InvalidArgumentError(fn, `iterations must be a positive integer, got ${String(iterations)}.`)
  const tol = opts.tol === undefined ? null : positive(fn, "tol", opts.tol, 0, "It bounds the L1 error of the plan's column marginals.")
  const implicit = choice(fn, "differentiation", opts.differentiation, ["unroll", "implicit"], "unroll") === "implicit"
  return { iterations, tol, implicit }
}

/** The cost C[..., i, j] = (squash(x)ᵢ − yⱼ)² to the anchors yⱼ = j/(n − 1). */
function costOf(x: Array): Array {
  const n = x.shape[x.ndim - 1]!
  const mu = np.mean(x, { axis: -1, keepdims: true })
  const sd = np.sqrt(np.add(np.var(x, { axis: -1, keepdims: true }), scalarOf(x, 1e-12)))
  // standardizing first makes the plan invariant to shifting and scaling x
  const z = sigmoid(np.divide(np.subtract(x, mu), sd))
  const anchors = vector(globalThis.Array.from({ length: n }, (_, j) => (n === 1 ? 0.5 : j / (n - 1))), x.dtype)
  return np.square(np.subtract(np.expandDims(z, -1), anchors))
}

/**
 * The log-domain updates for marginals a = b = 1/n:
 * fᵢ = −ε log n − ε LSEⱼ((gⱼ − Cᵢⱼ)/ε), gⱼ = −ε log n − ε LSEᵢ((fᵢ − Cᵢⱼ)/ε).
 */
function updates(c: Array, eps: number) {
  const n = c.shape[c.ndim - 1]!, e = scalarOf(c, eps), base = scalarOf(c, -eps * Math.log(n))
  const soft = (u: Array, axis: number) => np.subtract(base, np.multiply(e, np.logsumexp(np.divide(np.subtract(u, c), e), { axis })))
  return {
    f: (g: Array) => soft(np.expandDims(g, -2), -1),
    g: (f: Array) => soft(np.expandDims(f, -1), -2),
    plan: (f: Array, g: Array, cost = c) =>
      np.exp(np.divide(np.subtract(np.add(np.expandDims(f, -1), np.expandDims(g, -2)), cost), e)),
  }
}

/**
 * The potential g after the iterations: a fixed count, or until the marginals are within
 * tol. Differentiated by unrolling, that loop is a bounded masked scan (reverse mode needs
 * the bound), which costs every iteration however early it converges; a loop whose inputs
 * carry no derivative (`free`) stops for real.
 */
function solve(c: Array, eps: number, s: Solver, free: boolean): Array {
  const u = updates(c, eps), n = c.shape[c.ndim - 1]!
  const g0 = np.zeros(c.shape.slice(0, -1), { dtype: c.dtype })
  if (s.tol === null) return forILoop(0, s.iterations, (_i, g: Array) => u.g(u.f(g)), g0)
  const step = (g: Array): [Array, Array] => {
    const f = u.f(g)
    // rows are exact after the f update; the columns show how far the plan still is
    const cols = np.sum(u.plan(f, g), { axis: -2 })
    return [u.g(f), np.max(np.sum(np.abs(np.subtract(cols, scalarOf(cols, 1 / n))), { axis: -1 }))]
  }
  const inf = np.full([], Infinity, { dtype: c.dtype })
  if (free) {
    const [g] = whileLoop(([, err, i]: [Array, Array, Array]) => np.logicalAnd(np.greater(err, s.tol!), np.less(i, s.iterations)),
      ([g, , i]: [Array, Array, Array]) => [...step(g), np.add(i, 1)], [g0, inf, np.array(0, { dtype: "int32" })])
    return g as Array
  }
  const [g] = whileLoop(([, err]: [Array, Array]) => np.greater(err, s.tol!), ([g]: [Array, Array]) => step(g), [g0, inf], { maxIterations: s.iterations })
  return g as Array
}

/** The transport plan P[..., i, j] from input i to anchor j (total mass 1). */
function planOf(fn: string, x: Array, eps: number, opts: SinkhornOptions): Array {
  const s = solverOf(fn, opts), c = costOf(x), n = x.shape[x.ndim - 1]!
  if (!s.implicit) {
    const u = updates(c, eps), g = solve(c, eps, s, false)
    return u.plan(u.f(g), g)
  }
  // the solve sees constants only, so it records nothing for any transform
  const c0 = stopGradient(c), u0 = updates(c0, eps)
  const g0 = solve(c0, eps, s, true), f0 = u0.f(g0), p0 = u0.plan(f0, g0)
  // At the optimum Σⱼ Pᵢⱼ = aᵢ and Σᵢ Pᵢⱼ = bⱼ with P = exp((fᵢ + gⱼ − Cᵢⱼ)/ε); differentiating,
  // [diag(P1) P; Pᵀ diag(Pᵀ1)] [df; dg] = [(P∘dC)1; (P∘dC)ᵀ1]. The matrix is singular along
  // (1, −1) (shifting f up and g down leaves P alone), and the right side is orthogonal to
  // it, so adding a multiple of that direction's outer product gives the same P tangent.
  const dc = np.subtract(c, c0)                      // zero valued, carries dC
  const pdc = np.multiply(p0, dc)
  const rhs = np.expandDims(np.concatenate([np.sum(pdc, { axis: -1 }), np.sum(pdc, { axis: -2 })], -1), -1)
  const eye = np.eye(n, { dtype: x.dtype })
  const diag = (v: Array) => np.multiply(np.expandDims(v, -1), eye)
  const top = np.concatenate([diag(np.sum(p0, { axis: -1 })), p0], -1)
  const bottom = np.concatenate([np.moveaxis(p0, -1, -2), diag(np.sum(p0, { axis: -2 }))], -1)
  const gauge = vector(globalThis.Array.from({ length: 4 * n * n }, (_, k) => {
    const i = Math.floor(k / (2 * n)), j = k % (2 * n)
    return ((i < n) === (j < n) ? 1 : -1) / (2 * n * n)
  }), x.dtype).reshape([2 * n, 2 * n])
  const m = np.add(np.concatenate([top, bottom], -2), gauge)
  const d = np.linalg.solve(m, rhs)
  const df = np.squeeze(np.slice(d, sliceStart(d, 0), sliceSize(d, n)), -1)
  const dg = np.squeeze(np.slice(d, sliceStart(d, n), sliceSize(d, n)), -1)
  return u0.plan(np.add(f0, df), np.add(g0, dg), c)
}

const sliceStart = (d: Array, at: number): number[] => d.shape.map((_, i) => (i === d.ndim - 2 ? at : 0))
const sliceSize = (d: Array, n: number): number[] => d.shape.map((s, i) => (i === d.ndim - 2 ? n : s))

/** Soft sort along the last axis: n·Pᵀx, reversed for descending. */
export function sinkhornSort(fn: string, x: Array, eps: number, descending: boolean, opts: SinkhornOptions): Array {
  const p = planOf(fn, x, eps, opts), n = x.shape[x.ndim - 1]!
  const s = np.multiply(np.sum(np.multiply(p, np.expandDims(x, -1)), { axis: -2 }), scalarOf(x, n))
  return descending ? np.flip(s, -1) : s
}

/** Soft rank along the last axis: n·P(1, …, n), or n + 1 minus it for descending. */
export function sinkhornRank(fn: string, x: Array, eps: number, descending: boolean, opts: SinkhornOptions): Array {
  const p = planOf(fn, x, eps, opts), n = x.shape[x.ndim - 1]!
  const ranks = vector(globalThis.Array.from({ length: n }, (_, j) => j + 1), x.dtype)
  const r = np.multiply(np.sum(np.multiply(p, ranks), { axis: -1 }), scalarOf(x, n))
  return descending ? np.subtract(scalarOf(r, n + 1), r) : r
}
