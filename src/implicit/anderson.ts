// Anderson acceleration of a fixed-point iteration x ← T(x) = x + f(x), written with traceable
// operations as one lax.whileLoop with fixed shapes (the last m differences are m carries of
// their own, oldest first), so it runs under jit, vmap and grad; the implicit function theorem
// differentiates its result, never its iterations.

import type { Array } from "../core/array.js"
import * as np from "../numpy/index.js"
import { whileLoop } from "../lax/control.js"
import { convert, slice } from "../prims/shape.js"

/**
 * Iterates Anderson's type-II update (Walker and Ni's difference form, mixing β = 1):
 * γ = argmin |f_k − ΔF γ|² + λ|γ|² over the last m differences ΔF of f (ΔG those of x + f),
 * x_{k+1} = x_k + f_k − ΔG γ, with λ = ridge·trace(ΔFᵀΔF) (scale-free). Stops when
 * max|f(x)| ≤ tol or after maxIter steps; returns [x, max|f(x)|, steps].
 *
 * A step evaluates f at the point the last step chose, then chooses the next. The differences
 * are 2m carries of their own, oldest first: the newest enters at the end and the oldest
 * drops out, a relabeling of carries (compiled loops copy a carry passed through whole) rather
 * than a rewrite of an m×n buffer. The Gram matrix ΔFᵀΔF is carried and shifted the same way;
 * its new row ΔFᵀΔf and the right-hand side ΔFᵀf_k are 2m dot products of one pass over the
 * history, ΔG γ one more. Unused history slots (the first m steps) are zero differences with a
 * unit diagonal and a zero right-hand side, so γ is zero there and the first point chosen is
 * the plain step x0 + f(x0).
 */
export function anderson(f: (v: Array) => Array, x0: Array, tol: number, maxIter: number, m: number): [Array, Array, Array] {
  const n = x0.size, dt = x0.dtype
  // the m×m system is solved in float64; float32 differences carry ~1e-7 relative noise
  const ridge = dt === "float64" ? 1e-10 : 1e-6
  const slots = np.arange(m, { dtype: "int32" }), eye = np.eye(m), newest = np.equal(slots, m - 1)
  const wide = (v: Array) => (v.dtype === "float64" ? v : convert(v, "float64"))
  const dots = (rows: Array[], v: Array) => wide(np.stack(rows.map((r) => np.sum(np.multiply(r, v)))))
  const f0 = f(x0), zero = np.zeros([n], { dtype: dt })
  // carry: the last point evaluated x, f(x), max|f(x)|; the next point z; ΔG and ΔF (m rows
  // each, oldest first); the Gram matrix; the steps taken
  const K = 4 + 2 * m + 1
  const out = whileLoop(
    (c: Array[]) => np.logicalAnd(np.greater(c[2]!, tol), np.less(c[K]!, maxIter)),
    (c: Array[]) => {
      const [x, fx, , z] = c as [Array, Array, Array, Array]
      const dG = c.slice(4, 4 + m), dF = c.slice(4 + m, 4 + 2 * m), gram = c[4 + 2 * m]!, k = c[K]!
      const fz = f(z), gz = np.add(z, fz)
      const nDF = [...dF.slice(1), np.subtract(fz, fx)], nDG = [...dG.slice(1), np.subtract(gz, np.add(x, fx))]
      // the Gram matrix without the oldest row and column, and with the newest: v = ΔFᵀΔf
      const v = dots(nDF, nDF[m - 1]!), rhs = dots(nDF, fz), shifted = np.pad(slice(gram, [1, 1], [m, m]), [[0, 1], [0, 1]])
      const nGram = np.where(np.expandDims(newest, 1), np.expandDims(v, 0), np.where(np.expandDims(newest, 0), np.expandDims(v, 1), shifted))
      // the regularized normal equations (ΔFᵀΔF + λI) γ = ΔFᵀ f(z), over the min(k + 1, m) newest slots
      const used = convert(np.greaterEqual(np.add(slots, np.add(k, 1)), m), "float64"), scale = np.sum(np.multiply(nGram, eye))
      const lam = np.where(np.equal(scale, 0), 1, np.multiply(ridge, scale))
      const gamma = spdSolve(np.add(nGram, np.multiply(eye, np.add(np.multiply(lam, used), np.subtract(1, used)))), rhs, m)
      const g = dt === "float64" ? gamma : convert(gamma, dt)
      let nz = gz
      for (let i = 0; i < m; i++) nz = np.subtract(nz, np.multiply(np.reshape(slice(g, [i], [i + 1]), []), nDG[i]!))
      return [z, fz, np.max(np.abs(fz)), nz, ...nDG, ...nDF, nGram, np.add(k, 1)]
    },
    [x0, f0, np.max(np.abs(f0)), np.add(x0, f0), ...new globalThis.Array<Array>(2 * m).fill(zero), np.zeros([m, m]), np.array(0, { dtype: "int32" })])
  return [out[0]!, out[2]!, out[K]!]
}

/** Histories up to this size are solved on scalars; larger ones by {@link gaussJordan}. */
const SCALAR_SOLVE = 8

/**
 * A⁻¹ r for a small symmetric positive definite A (m×m), by elimination without pivoting
 * (stable for such A): on its entries as scalars for m ≤ SCALAR_SOLVE (straight-line compiled
 * code, ~m³/3 operations, where a loop over a 5×5 array costs more than its arithmetic),
 * else by Gauss–Jordan on arrays (m steps whatever m).
 */
function spdSolve(A: Array, r: Array, m: number): Array {
  if (m > SCALAR_SOLVE) return gaussJordan(A, r, m)
  const at = (i: number, j: number) => np.reshape(slice(A, [i, j], [i + 1, j + 1]), [])
  // a: the lower triangle, eliminated column by column (symmetric Gaussian elimination, LDLᵀ);
  // after column j, a[k][j] (k > j) is row j of U and a[j][j] its pivot
  const a = globalThis.Array.from({ length: m }, (_, i) => globalThis.Array.from({ length: i + 1 }, (_, j) => at(i, j)))
  const b = globalThis.Array.from({ length: m }, (_, i) => np.reshape(slice(r, [i], [i + 1]), []))
  for (let j = 0; j < m; j++)
    for (let i = j + 1; i < m; i++) {
      const l = np.divide(a[i]![j]!, a[j]![j]!)
      for (let k = j + 1; k <= i; k++) a[i]![k] = np.subtract(a[i]![k]!, np.multiply(l, a[k]![j]!))
      b[i] = np.subtract(b[i]!, np.multiply(l, b[j]!))
    }
  const x: Array[] = new globalThis.Array(m)
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i]!
    for (let k = i + 1; k < m; k++) s = np.subtract(s, np.multiply(a[k]![i]!, x[k]!))
    x[i] = np.divide(s, a[i]![i]!)
  }
  return np.stack(x)
}

/** A⁻¹ r by Gauss–Jordan elimination without pivoting, unrolled into m rank-one updates of arrays. */
function gaussJordan(A: Array, r: Array, m: number): Array {
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
