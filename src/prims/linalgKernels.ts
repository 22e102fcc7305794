// Eager kernels of the linear algebra primitives (src/prims/linalg.ts): for loops over the
// matrices of a stack, typed arrays in place, nothing allocated per element. LAPACK's
// conventions where they matter (zero pivots, the triangle read).

import type { TypedArray } from "../core/dtype.js"

/** Cholesky of the n×n block at `off`, reading its lower triangle; a non-positive pivot makes the block NaN (as JAX). */
export function choleskyKernel(a: TypedArray, out: TypedArray, off: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const rj = off + j * n
    let s = a[rj + j]!
    for (let k = 0; k < j; k++) s -= out[rj + k]! * out[rj + k]!
    if (!(s > 0)) { out.fill(NaN, off, off + n * n); return }
    const d = Math.sqrt(s)
    out[rj + j] = d
    for (let i = j + 1; i < n; i++) {
      const ri = off + i * n
      let t = a[ri + j]!
      for (let k = 0; k < j; k++) t -= out[ri + k]! * out[rj + k]!
      out[ri + j] = t / d
    }
  }
}

/**
 * In-place LU with partial pivoting of the n×n block at `off` (LAPACK's getf2): row swaps go to
 * piv[po..], the row permutation to perm[po..]. A zero pivot column is left unscaled, so a
 * singular matrix gives an exact zero on U's diagonal (det 0) and solves give inf/NaN.
 */
export function luKernel(w: TypedArray, off: number, n: number, piv: Int32Array, perm: Int32Array, po: number): void {
  for (let i = 0; i < n; i++) perm[po + i] = i
  for (let j = 0; j < n; j++) {
    let p = j, best = Math.abs(w[off + j * n + j]!)
    for (let i = j + 1; i < n; i++) { const v = Math.abs(w[off + i * n + j]!); if (v > best) { best = v; p = i } }
    piv[po + j] = p
    if (p !== j) {
      for (let k = 0, rj = off + j * n, rp = off + p * n; k < n; k++) { const t = w[rj + k]!; w[rj + k] = w[rp + k]!; w[rp + k] = t }
      const t = perm[po + j]!; perm[po + j] = perm[po + p]!; perm[po + p] = t
    }
    const d = w[off + j * n + j]!
    if (d === 0) continue
    for (let i = j + 1; i < n; i++) {
      const ri = off + i * n, l = (w[ri + j] = w[ri + j]! / d)
      if (l === 0) continue
      for (let k = j + 1, rj = off + j * n; k < n; k++) w[ri + k] -= l * w[rj + k]!
    }
  }
}

/**
 * Solves M·Y = Y in place, M triangular m×m read as a[ao + i·rs + k·cs] (only its `lower` or
 * upper triangle; `unit` skips the diagonal), Y with `cols` columns at x[xo + i·xr + j·xc].
 */
export function trsm(a: TypedArray, ao: number, rs: number, cs: number, m: number, lower: boolean, unit: boolean,
  x: TypedArray, xo: number, xr: number, xc: number, cols: number): void {
  for (let s = 0; s < m; s++) {
    const i = lower ? s : m - 1 - s, xi = xo + i * xr
    const k0 = lower ? 0 : i + 1, k1 = lower ? i : m
    for (let k = k0; k < k1; k++) {
      const mik = a[ao + i * rs + k * cs]!
      if (mik === 0) continue
      for (let j = 0, xk = xo + k * xr; j < cols; j++) x[xi + j * xc] -= mik * x[xk + j * xc]!
    }
    if (!unit) { const d = a[ao + i * rs + i * cs]!; for (let j = 0; j < cols; j++) x[xi + j * xc] /= d }
  }
}
