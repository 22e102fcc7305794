// Linear solvers for implicit differentiation (the adjoint systems, and Newton's steps in
// rootSolve), all written with traceable operations so they run under jit and the
// transforms: dense (Jacobian + LU), conjugate gradients (symmetric positive definite
// systems) and restarted GMRES (general systems), the iterative ones stopping at `tol`.

import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import * as np from "../numpy/index.js"
import { jacfwd } from "../transforms/jacobian.js"
import { whileLoop } from "../lax/control.js"
import { convert, scatterAdd, slice, take } from "../prims/shape.js"
import { ravel } from "./ravel.js"

export type LinearSolver = "dense" | "cg" | "gmres"
export interface SolverOptions { readonly solver?: LinearSolver; readonly tol?: number; readonly maxIter?: number }
type Fn = (x: any) => any

/** Solves g(x) = y for a linear g over pytrees, with the chosen method. */
export function linearSolver(name: string, opts: SolverOptions): (g: Fn, y: any) => any {
  const method = checkMethod(name, opts)
  return (g, y) => {
    const r = ravel(name, y)
    const mv = (v: Array): Array => ravel(name, g(r.unravel(v))).vec
    return r.unravel(solveVec(method, mv, r.vec, opts.tol ?? 1e-10, opts.maxIter))
  }
}

/** The solver named in opts (default "dense"), after checking it, `tol` and `maxIter`. */
export function checkMethod(name: string, opts: SolverOptions): LinearSolver {
  const method = opts.solver ?? "dense"
  if (!["dense", "cg", "gmres"].includes(method))
    throw new InvalidArgumentError(name, `solver must be "dense", "cg" or "gmres", got ${JSON.stringify(method)}.`)
  for (const k of ["tol", "maxIter"] as const) {
    const v = opts[k]
    if (v !== undefined && !(typeof v === "number" && v > 0 && (k === "tol" ? v < Infinity : Number.isInteger(v))))
      throw new InvalidArgumentError(name, `${k} must be a positive ${k === "tol" ? "number" : "integer"}, got ${String(v)}.`)
  }
  return method
}

/** x with mv(x) = b for a vector b: dense LU of the Jacobian of mv, or CG / GMRES stopping at |b − A x| ≤ tol·|b|. */
export function solveVec(method: LinearSolver, mv: (v: Array) => Array, b: Array, tol: number | Array, maxIter?: number): Array {
  const n = b.size
  if (n === 0) return b
  if (method === "dense") return np.linalg.solve(jacfwd(mv)(np.zerosLike(b)), b)
  const iters = maxIter ?? Math.max(10, 2 * n)
  if (method === "cg") return cg(mv, b, tol, iters)
  // GMRES works in float64 (its masks and rotations are float64); the matvec sees b's dtype
  const dt = b.dtype, wide = (v: Array) => (v.dtype === "float64" ? v : convert(v, "float64"))
  const x = gmres((v) => wide(mv(dt === "float64" ? v : convert(v, dt))), wide(b), tol, iters, Math.min(n, iters, RESTART))
  return dt === "float64" ? x : convert(x, dt)
}

const RESTART = 20
const dot = (a: Array, b: Array): Array => np.sum(np.multiply(a, b))
const nrm = (a: Array): Array => np.sqrt(dot(a, a))
/** a / b, with 0 where b is 0 (breakdown: the Krylov space is exhausted) */
const safeDiv = (a: Array, b: Array): Array => np.divide(a, np.where(np.equal(b, 0), 1, b))
const int = (v: number): Array => np.array(v, { dtype: "int32" })

/** Conjugate gradients (symmetric positive definite systems) until |r| ≤ tol·|b| or maxIter steps, as a lax.whileLoop. */
function cg(mv: (v: Array) => Array, b: Array, tol: number | Array, maxIter: number): Array {
  const bound = np.multiply(tol, nrm(b))
  const [x] = whileLoop(
    ([, , , rs, k]: Array[]) => np.logicalAnd(np.greater(np.sqrt(rs), bound), np.less(k, maxIter)),
    ([x, r, p, rs, k]: Array[]) => {
      const ap = mv(p), alpha = safeDiv(rs, dot(p, ap))
      const r2 = np.subtract(r, np.multiply(alpha, ap)), rs2 = dot(r2, r2)
      return [np.add(x, np.multiply(alpha, p)), r2, np.add(r2, np.multiply(safeDiv(rs2, rs), p)), rs2, np.add(k, 1)]
    },
    [np.zerosLike(b), b, b, dot(b, b), int(0)])
  return x
}

/**
 * Restarted GMRES(m): Arnoldi with classical Gram–Schmidt applied twice (two matrix products
 * per step, not j small ones) and the Hessenberg matrix reduced by Givens rotations as it
 * grows, accumulated in an (m+1)×(m+1) orthogonal Q, so |Q β e₁| past row j is the residual
 * at no extra matvec. Steps stop at |r| ≤ tol·|b|; a cycle of m steps ends by solving the
 * triangular system R y = g, then restarts from the true residual (carried to the next
 * cycle: one matvec per cycle besides the steps'). Fixed shapes throughout (a step's rows and
 * columns are read by gathers and written by scatter-adds at the step index), so it runs as
 * two nested lax.whileLoops under jit and vmap.
 */
function gmres(mv: (v: Array) => Array, b: Array, tol: number | Array, maxIter: number, m: number): Array {
  const bound = np.multiply(tol, nrm(b))
  const rowIds = np.arange(m + 1), colIds = np.arange(m)
  const onehot = (ids: Array, j: Array | number) => convert(np.equal(ids, j), "float64")
  const e0 = onehot(rowIds, 0), first = (v: Array) => np.reshape(slice(v, [0], [1]), [])
  const cycle = (x: Array, r0: Array, beta: Array, k0: Array): [Array, Array] => {
    const v0 = safeDiv(r0, beta), V0 = np.outer(e0, v0)
    // carry: the basis V (rows past j zero) and its newest row v, the rotations Q, R = Q·H and
    // the residual |g[j]| where g = Q·βe₁ = β·(column 0 of Q)
    const [V, , Q, R, , j, k] = whileLoop(
      ([, , , , res, j, k]: Array[]) => np.logicalAnd(np.logicalAnd(np.less(j, m), np.less(k, maxIter)), np.greater(res, bound)),
      ([V, v, Q, R, , j, k]: Array[]) => {
        const ej = onehot(rowIds, j), ej1 = onehot(rowIds, np.add(j, 1))
        let w = mv(v)
        let h = np.matmul(V, w)
        w = np.subtract(w, np.matmul(h, V))
        const h2 = np.matmul(V, w)
        w = np.subtract(w, np.matmul(h2, V))
        h = np.add(h, h2)
        const hn = nrm(w), vn = safeDiv(w, hn)
        // the new Hessenberg column, rotated by the previous rotations; then the rotation (c, s)
        // of rows j, j+1 that zeroes its subdiagonal: the column becomes (…, ρ, 0, …)
        const col = np.sum(np.multiply(Q, np.add(h, np.multiply(hn, ej1))), 1)
        const a = dot(ej, col), sub = dot(ej1, col), rho = np.sqrt(np.add(np.multiply(a, a), np.multiply(sub, sub)))
        const c = np.where(np.equal(rho, 0), 1, safeDiv(a, rho)), s = safeDiv(sub, rho)
        const rcol = np.add(np.multiply(col, np.subtract(1, np.add(ej, ej1))), np.multiply(rho, ej))
        const R2 = scatterAdd(R, np.expandDims(j, 0), np.expandDims(rcol, 1), 1)
        // Q ← G·Q: row j ← c·row j + s·row j+1, row j+1 ← −s·row j + c·row j+1 (the two rows read by
        // a gather and their changes added back by a scatter-add, not masked sums over all of Q)
        const jj = np.stack([j, np.add(j, 1)]), rows = take(Q, jj, 0)
        const qj = np.reshape(slice(rows, [0, 0], [1, m + 1]), [m + 1]), qj1 = np.reshape(slice(rows, [1, 0], [2, m + 1]), [m + 1])
        const nj1 = np.subtract(np.multiply(c, qj1), np.multiply(s, qj))
        const Q2 = scatterAdd(Q, jj, np.stack([np.subtract(np.add(np.multiply(c, qj), np.multiply(s, qj1)), qj), np.subtract(nj1, qj1)]), 0)
        // the residual β|Q[j+1, 0]|, read off the new row j+1; V's row j+1 and R's column j are
        // zero until now, so adding the new ones writes them (the rest of V and R is only copied)
        const res = np.multiply(beta, np.abs(first(nj1)))
        return [scatterAdd(V, np.expandDims(np.add(j, 1), 0), np.expandDims(vn, 0), 0), vn, Q2, R2, res, np.add(j, 1), np.add(k, 1)]
      },
      [V0, v0, np.eye(m + 1), np.zeros([m + 1, m]), beta, int(0), k0])
    // y = R⁻¹ g on the j columns used (unused columns get a unit diagonal and a zero right-hand side)
    const used = convert(np.less(colIds, j), "float64")
    const Rm = np.add(np.slice(R, [0, 0], [m, m]), np.multiply(np.eye(m), np.subtract(1, used)))
    const g = np.multiply(beta, np.slice(np.matmul(Q, e0), [0], [m]))
    const y = np.linalg.solve(Rm, np.multiply(used, g))
    return [np.add(x, np.matmul(y, np.slice(V, [0, 0], [m, b.size]))), k]
  }
  const [x] = whileLoop(
    ([, , res, k]: Array[]) => np.logicalAnd(np.greater(res, bound), np.less(k, maxIter)),
    ([x, r, res, k]: Array[]) => {
      const [x2, k2] = cycle(x, r, res, k), r2 = np.subtract(b, mv(x2))
      return [x2, r2, nrm(r2), k2]
    },
    [np.zerosLike(b), b, nrm(b), int(0)])
  return x
}

/** The residual bound the adjoint solve is checked against (relative to |b|). */
export const residualBound = (opts: SolverOptions): number => Math.max(opts.tol ?? 1e-10, 1e-8) * 1e3
