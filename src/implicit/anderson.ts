// Anderson acceleration of a fixed-point iteration x ← T(x) = x + f(x), written with traceable
// operations as one lax.whileLoop with fixed shapes (the last m differences live in m×n ring
// buffers written through one-hot masks), so it runs under jit, vmap and grad; the implicit
// function theorem differentiates its result, never its iterations.

import type { Array } from "../core/array.js"
import * as np from "../numpy/index.js"
import { whileLoop } from "../lax/control.js"
import { convert, slice } from "../prims/shape.js"

/**
 * Iterates Anderson's type-II update (Walker and Ni's difference form, mixing β = 1):
 * γ = argmin |f_k − ΔF γ|² + λ|γ|² over the last m differences ΔF of f (ΔG those of x + f),
 * x_{k+1} = x_k + f_k − ΔG γ, with λ = ridge·trace(ΔFᵀΔF) (scale-free). Stops when
 * max|f(x)| ≤ tol or after maxIter steps; returns [x, max|f(x)|, steps].
 * The Gram matrix ΔFᵀΔF is carried and one row and column are refreshed a step. Unused
 * history slots (the first m steps) get a unit diagonal and a zero right-hand side, so γ is
 * zero there and step 0 is the plain step x + f(x).
 */
export function anderson(f: (v: Array) => Array, x0: Array, tol: number, maxIter: number, m: number): [Array, Array, Array] {
  const n = x0.size, dt = x0.dtype
  // the m×m system is solved in float64; float32 differences carry ~1e-7 relative noise
  const ridge = dt === "float64" ? 1e-10 : 1e-6
  const slots = np.arange(m, { dtype: "int32" }), zeros = np.zeros([m, n], { dtype: dt }), eye = np.eye(m)
  const wide = (v: Array) => (v.dtype === "float64" ? v : convert(v, "float64"))
  const f0 = f(x0)
  const [x, , err, , , , , k] = whileLoop(
    ([, , err, , , , , k]: Array[]) => np.logicalAnd(np.greater(err, tol), np.less(k, maxIter)),
    ([x, fx, , dG, dF, gram, slot, k]: Array[]) => {
      // the regularized normal equations (ΔFᵀΔF + λI) γ = ΔFᵀ f, over the min(k, m) slots filled
      const used = convert(np.less(slots, k), "float64"), scale = np.sum(np.multiply(gram, eye))
      const lam = np.where(np.equal(scale, 0), 1, np.multiply(ridge, scale))
      const gamma = spdSolve(np.add(gram, np.multiply(eye, np.add(np.multiply(lam, used), np.subtract(1, used)))), wide(np.sum(np.multiply(dF, fx), 1)), m)
      const gx = np.add(x, fx), nx = np.subtract(gx, np.sum(np.multiply(np.expandDims(dt === "float64" ? gamma : convert(gamma, dt), 1), dG), 0)), nf = f(nx)
      // the newest differences replace the oldest (slot k mod m), and so do their Gram row and column
      const hit = np.equal(slots, slot), row = np.expandDims(hit, 1), df = np.subtract(nf, fx)
      const nDF = np.where(row, df, dF), v = wide(np.sum(np.multiply(nDF, df), 1))
      const nGram = np.where(row, np.expandDims(v, 0), np.where(np.expandDims(hit, 0), np.expandDims(v, 1), gram))
      const next = np.add(slot, 1)
      return [nx, nf, np.max(np.abs(nf)), np.where(row, np.subtract(np.add(nx, nf), gx), dG), nDF, nGram,
        np.where(np.equal(next, m), 0, next), np.add(k, 1)]
    },
    [x0, f0, np.max(np.abs(f0)), zeros, zeros, np.zeros([m, m]), np.array(0, { dtype: "int32" }), np.array(0, { dtype: "int32" })])
  return [x, err, k]
}

/**
 * A⁻¹ r for a small symmetric positive definite A (m×m), by Gauss–Jordan elimination without
 * pivoting (stable for such A), unrolled into m rank-one updates: compiled code, where a
 * general solve would leave the loop body for a library kernel every step.
 */
function spdSolve(A: Array, r: Array, m: number): Array {
  for (let i = 0; i < m; i++) {
    // row i ← row i / A_ii; row k ← row k − A_ki · (row i / A_ii) for k ≠ i
    const e = convert(np.equal(np.arange(m), i), "float64")
    const col = np.reshape(slice(A, [0, i], [m, i + 1]), [m]), piv = np.reshape(slice(A, [i, i], [i + 1, i + 1]), [])
    const u = np.divide(np.subtract(col, e), piv)
    r = np.subtract(r, np.multiply(u, np.reshape(slice(r, [i], [i + 1]), [])))
    if (i < m - 1) A = np.subtract(A, np.outer(u, np.reshape(slice(A, [i, 0], [i + 1, m]), [m])))
  }
  return r
}
