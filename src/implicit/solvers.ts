// Linear solvers for the adjoint systems of implicit differentiation, all written with
// traceable operations so they run under jit and the transforms: dense (Jacobian + LU),
// conjugate gradients (symmetric positive definite systems) and GMRES (general systems).

import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import * as np from "../numpy/index.js"
import { jacfwd } from "../transforms/jacobian.js"
import { ravel } from "./ravel.js"

export type LinearSolver = "dense" | "cg" | "gmres"
export interface SolverOptions { readonly solver?: LinearSolver; readonly tol?: number; readonly maxIter?: number }
type Fn = (x: any) => any

/** Solves g(x) = y for a linear g over pytrees, with the chosen method. */
export function linearSolver(name: string, opts: SolverOptions): (g: Fn, y: any) => any {
  const method = opts.solver ?? "dense"
  if (!["dense", "cg", "gmres"].includes(method))
    throw new InvalidArgumentError(name, `solver must be "dense", "cg" or "gmres", got ${JSON.stringify(method)}.`)
  return (g, y) => {
    const r = ravel(name, y)
    const mv = (v: Array): Array => ravel(name, g(r.unravel(v))).vec
    const maxIter = opts.maxIter ?? Math.max(10, 2 * r.size)
    const x = method === "dense" ? np.linalg.solve(jacfwd(mv)(np.zerosLike(r.vec)), r.vec)
      : method === "cg" ? cg(mv, r.vec, maxIter) : gmres(mv, r.vec, Math.min(maxIter, r.size))
    return r.unravel(x)
  }
}

/** Conjugate gradients, a fixed number of steps (exact for SPD systems after n steps). */
function cg(mv: (v: Array) => Array, b: Array, iters: number): Array {
  let x = np.zerosLike(b), r = b, p = b
  let rs = np.sum(np.multiply(r, r))
  for (let k = 0; k < iters; k++) {
    const ap = mv(p)
    const pap = np.sum(np.multiply(p, ap))
    const alpha = np.where(np.greater(pap, 0), np.divide(rs, np.where(np.greater(pap, 0), pap, 1)), 0)
    x = np.add(x, np.multiply(alpha, p))
    r = np.subtract(r, np.multiply(alpha, ap))
    const rsNew = np.sum(np.multiply(r, r))
    const beta = np.where(np.greater(rs, 0), np.divide(rsNew, np.where(np.greater(rs, 0), rs, 1)), 0)
    p = np.add(r, np.multiply(beta, p))
    rs = rsNew
  }
  return x
}

/** GMRES with m Arnoldi steps (modified Gram–Schmidt) and a least-squares solve of the Hessenberg system. */
function gmres(mv: (v: Array) => Array, b: Array, m: number): Array {
  const beta = np.linalg.norm(b)
  const safe = (s: Array) => np.where(np.greater(s, 1e-300), s, 1)
  const V: Array[] = [np.divide(b, safe(beta))]
  const H: Array[][] = []
  for (let j = 0; j < m; j++) {
    let w = mv(V[j]!)
    const col: Array[] = []
    for (let i = 0; i <= j; i++) {
      const h = np.sum(np.multiply(w, V[i]!))
      col.push(h)
      w = np.subtract(w, np.multiply(h, V[i]!))
    }
    const hn = np.linalg.norm(w)
    col.push(hn)
    H.push(col)
    V.push(np.divide(w, safe(hn)))
  }
  // Hessenberg matrix (m+1) x m, least squares min |β e1 − H y| via normal equations
  const rows = globalThis.Array.from({ length: m + 1 }, (_, i: number) => np.stack(globalThis.Array.from({ length: m }, (_, j: number) => (i <= j + 1 ? H[j]![i]! : np.zerosLike(beta))), 0))
  const Hm = np.stack(rows, 0)
  const e1 = np.concatenate([np.reshape(beta, [1]), np.zeros([m])], 0)
  const Ht = np.transpose(Hm)
  const y = np.linalg.solve(np.matmul(Ht, Hm), np.matmul(Ht, e1))
  return np.matmul(np.transpose(np.stack(V.slice(0, m), 0)), y)
}

/** The residual bound the adjoint solve is checked against (relative to |b|). */
export const residualBound = (opts: SolverOptions): number => Math.max(opts.tol ?? 1e-10, 1e-8) * 1e3
