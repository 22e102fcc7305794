// Linear algebra on the last two axes (any leading batch dims): the primitives cholesky,
// triangular_solve, lu and solve, and the functions built from them (solve, inv, det, slogdet,
// cholesky, triangularSolve). Every derivative comes from a matrix identity, written with lax
// ops so it composes under every transform; no rule differentiates an elimination loop.
// `solve` plays the part of JAX's custom_linear_solve: d(A⁻¹b) = A⁻¹(db − dA·x), transpose = solve with Aᵀ.

import { NdArray, type Array, type ArrayLike } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { asArray } from "../core/convert.js"
import { type DType, allocate, isFloat, promote } from "../core/dtype.js"
import { DtypeError, ShapeError } from "../core/errors.js"
import { type BatchRule, type Primitive, Zero, isUndefined, isZero, primitive } from "../core/primitive.js"
import { type Shape, sizeOf } from "../core/shape.js"
import { bind, bind1 } from "../core/trace.js"
import { dotGeneral } from "./dot.js"
import { abs, add, eq, ge, le, log, mul, ne, neg, scalarLike, select, sign, sub } from "./elementwise.js"
import { reduceProd, reduceSum } from "./reductions.js"
import { broadcastInDim, convert, iota, moveAxisTo0, reshape, transpose } from "./shape.js"
import { choleskyKernel, luKernel, trsm } from "./linalgKernels.js"

const range = (n: number): number[] => [...globalThis.Array(n).keys()]
type None = Record<string, never>
const none = {} as None

// lax-level helpers (every one binds, so rules built from them trace) ----------------------

/** Swaps the last two axes. */
const mT = (x: Array): Array => transpose(x, [...range(x.ndim - 2), x.ndim - 1, x.ndim - 2])
/** op(x)·op(y) over the last two axes, leading axes batched (equal ranks). */
function matmul(x: Array, y: Array, tx = false, ty = false): Array {
  const n = x.ndim, b = range(n - 2)
  return dotGeneral(x, y, { lhs_contracting: [tx ? n - 2 : n - 1], rhs_contracting: [ty ? n - 1 : n - 2], lhs_batch: b, rhs_batch: b })
}
/** A bool array of `shape` (matrices last), true where col − row ≤ k (lower) or ≥ k (upper). */
function band(shape: Shape, k: number, lower: boolean): Array {
  const mn = shape.slice(-2), rows = iota("int32", mn, 0), cols = iota("int32", mn, 1)
  const edge = k === 0 ? rows : add(rows, NdArray.scalar(k, "int32"))
  return toStack(lower ? le(cols, edge) : ge(cols, edge), shape)
}
const diagMask = (shape: Shape): Array => toStack(eq(iota("int32", shape.slice(-2), 0), iota("int32", shape.slice(-2), 1)), shape)
/** A matrix broadcast over the leading dims of `shape`. */
const toStack = (m: Array, shape: Shape): Array => (shape.length === 2 ? m : broadcastInDim(m, shape, [shape.length - 2, shape.length - 1]))
const zerosLike = (x: Array): Array => broadcastInDim(scalarLike(x, 0), x.shape, [])
const tril = (x: Array, k = 0): Array => select(band(x.shape, k, true), x, zerosLike(x))
const triu = (x: Array, k = 0): Array => select(band(x.shape, k, false), x, zerosLike(x))
const eyeOf = (shape: Shape, dtype: DType): Array => convert(diagMask(shape), dtype)
/** The diagonals, [..., n, n] -> [..., n]. */
const diagonal = (x: Array): Array => reduceSum(select(diagMask(x.shape), x, zerosLike(x)), [x.ndim - 1])
/** Moves axis `from` to position `to`. */
function moveAxis(x: Array, from: number, to: number): Array {
  const rest = range(x.ndim).filter((i) => i !== from)
  return transpose(x, [...rest.slice(0, to), from, ...rest.slice(to)])
}

// shape checks shared by the records --------------------------------------------------------

function squareAval(name: string, a: ShapedArray, others: readonly ShapedArray[] = []): number {
  const n = a.ndim
  if (n < 2 || a.shape[n - 1] !== a.shape[n - 2])
    throw new ShapeError(name, [a.shape, ...others.map((o) => o.shape)], "the matrix operand must be square, [..., n, n].")
  if (!isFloat(a.dtype)) throw new DtypeError(name, [a.dtype], "linear algebra needs float64 or float32; convert with astype first.")
  return a.shape[n - 1]!
}

/** a [..., m, m] against b [..., m, k] (left) or [..., k, m] (right), equal leading dims and dtypes. */
function solveEval(name: string, a: ShapedArray, b: ShapedArray, left: boolean): ShapedArray[] {
  const m = squareAval(name, a, [b])
  const n = a.ndim, bad = (why: string) => new ShapeError(name, [a.shape, b.shape], why)
  if (b.ndim !== n || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) throw bad("b must have a's rank and leading (batch) dims.")
  if (b.shape[left ? n - 2 : n - 1] !== m) throw bad(`b's ${left ? "rows" : "columns"} must match a's size ${m}.`)
  if (a.dtype !== b.dtype) throw new DtypeError(name, [a.dtype, b.dtype], "convert both operands to one dtype.")
  return [new ShapedArray(b.shape, b.dtype)]
}

/**
 * Batching for the two solves (a, b): a batched a goes to the front (b broadcast if needed);
 * a batched b against a shared a folds the batch into b's free axis, so one solve serves all lanes.
 */
function solveBatch<P>(prim: () => Primitive<P>, leftSide: (p: P) => boolean): BatchRule<P> {
  return ([a, b], [ba, bb], params, size) => {
    const go = (x: Array, y: Array) => bind1(prim(), [x, y], params as Record<string, unknown>)
    if (ba === null) {
      const r = b!.ndim - 1, left = leftSide(params), to = left ? r : r - 2
      const m = moveAxis(b!, bb!, to), s = m.shape // [..., m, k, B] (left) or [..., B, k, m] (right)
      const folded = left ? reshape(m, [...s.slice(0, r - 1), s[r - 1]! * size]) : reshape(m, [...s.slice(0, r - 2), size * s[r - 1]!, s[r]!])
      return [[reshape(go(a!, folded), s)], [to]]
    }
    const bm = bb === null ? broadcastInDim(b!, [size, ...b!.shape], b!.shape.map((_, k) => k + 1)) : moveAxisTo0(b!, bb!)
    return [[go(moveAxisTo0(a!, ba!), bm)], [0]]
  }
}

// cholesky ---------------------------------------------------------------------------------

export const choleskyP: Primitive<None> = primitive<None>({
  name: "cholesky",
  abstractEval: ([a]) => { squareAval("cholesky", a!); return [new ShapedArray(a!.shape, a!.dtype)] },
  impl: ([a]) => {
    const n = a!.shape[a!.ndim - 1]!, out = allocate(a!.dtype, a!.size)
    for (let off = 0; off < out.length; off += n * n) choleskyKernel(a!.data, out, off, n)
    return [new NdArray(out, a!.shape, a!.dtype)]
  },
  // dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ = lower triangle with the diagonal halved (Murray 2016, arXiv:1602.07527);
  // dA is the symmetric matrix its lower triangle stands for, since only that triangle is read
  jvp: ([a], [da]) => {
    const L = bind1(choleskyP, [a!], none)
    if (isZero(da)) return [[L], [new Zero(L.aval)]]
    const sym = add(tril(da!), mT(tril(da!, -1)))
    const right = trisolve(L, sym, { left_side: false, lower: true, transpose_a: true, unit_diagonal: false })
    const inner = trisolve(L, right, { left_side: true, lower: true, transpose_a: false, unit_diagonal: false })
    const phi = add(tril(inner, -1), mul(select(diagMask(inner.shape), inner, zerosLike(inner)), scalarLike(inner, 0.5)))
    return [[L], [matmul(L, phi)]]
  },
  batch: ([a], [bd]) => (bd! < a!.ndim - 2 ? [[bind1(choleskyP, [a!], none)], [bd!]] : [[bind1(choleskyP, [moveAxisTo0(a!, bd!)], none)], [0]]),
  laws: { domain: "spd" },
})

// triangular_solve -------------------------------------------------------------------------

export type TriangularSolveP = { left_side: boolean; lower: boolean; transpose_a: boolean; unit_diagonal: boolean }

/** op(a)·x = b (left_side) or x·op(a) = b, op(a) = a or aᵀ; reads only a's `lower`/upper triangle. */
export const triangularSolveP: Primitive<TriangularSolveP> = primitive<TriangularSolveP>({
  name: "triangular_solve",
  abstractEval: ([a, b], p) => solveEval("triangular_solve", a!, b!, p.left_side),
  impl: ([a, b], p) => {
    const n = b!.ndim, m = a!.shape[n - 1]!, rows = b!.shape[n - 2]!, cols = b!.shape[n - 1]!
    const out = b!.data.slice()
    // right side: x·op(a) = b ⇔ op(a)ᵀ·xᵀ = bᵀ; M is the matrix solved against, a or aᵀ
    const mIsAT = p.left_side ? p.transpose_a : !p.transpose_a
    const rs = mIsAT ? 1 : m, cs = mIsAT ? m : 1, lower = p.lower !== mIsAT
    for (let ao = 0, xo = 0; xo < out.length; ao += m * m, xo += rows * cols) {
      if (p.left_side) trsm(a!.data, ao, rs, cs, m, lower, p.unit_diagonal, out, xo, cols, 1, cols)
      else trsm(a!.data, ao, rs, cs, m, lower, p.unit_diagonal, out, xo, 1, cols, rows)
    }
    return [new NdArray(out, b!.shape, b!.dtype)]
  },
  // op(a) x = b  ⇒  dx = op(a)⁻¹ (db − op(da) x); on the right, dx = (db − x op(da)) op(a)⁻¹
  jvp: ([a, b], [da, db], p) => {
    const x = bind1(triangularSolveP, [a!, b!], p)
    if (isZero(da) && isZero(db)) return [[x], [new Zero(x.aval)]]
    let rhs: Array | null = isZero(db) ? null : db!
    if (!isZero(da)) {
      const k = p.unit_diagonal ? 1 : 0, g = p.lower ? tril(da!, -k) : triu(da!, k)
      const t = p.left_side ? matmul(g, x, p.transpose_a) : matmul(x, g, false, p.transpose_a)
      rhs = rhs ? sub(rhs, t) : neg(t)
    }
    return [[x], [trisolve(a!, rhs!, p)]]
  },
  // linear in b: b ↦ op(a)⁻¹ b has adjoint c ↦ op(a)⁻ᵀ c (the same on the right side)
  transpose: ([ct], [a, b], p) => {
    if (isUndefined(a) || !isUndefined(b)) throw new Error("internal: triangular_solve is linear in b only")
    return [null, isZero(ct) ? new Zero(b.aval) : trisolve(a, ct!, { ...p, transpose_a: !p.transpose_a })]
  },
  batch: solveBatch(() => triangularSolveP, (p) => p.left_side),
  laws: { domain: "spd" },
})
const trisolve = (a: Array, b: Array, p: TriangularSolveP): Array => bind1(triangularSolveP, [a, b], { ...p })

// lu ---------------------------------------------------------------------------------------

/** P·a = L·U with partial pivoting: outputs lu (L below the diagonal, unit diagonal implied; U on and above), pivots, permutation. */
export const luP: Primitive<None> = primitive<None>({
  name: "lu",
  abstractEval: ([a]) => {
    squareAval("lu", a!)
    const vec = a!.shape.slice(0, -1)
    return [new ShapedArray(a!.shape, a!.dtype), new ShapedArray(vec, "int32"), new ShapedArray(vec, "int32")]
  },
  impl: ([a]) => {
    const n = a!.shape[a!.ndim - 1]!, lu = a!.data.slice(), vec = a!.shape.slice(0, -1)
    const piv = new Int32Array(sizeOf(vec)), perm = new Int32Array(sizeOf(vec))
    for (let t = 0; t * n < piv.length; t++) luKernel(lu, t * n * n, n, piv, perm, t * n)
    return [new NdArray(lu, a!.shape, a!.dtype), new NdArray(piv, vec, "int32"), new NdArray(perm, vec, "int32")]
  },
  // P dA = dL U + L dU  ⇒  L⁻¹ P dA U⁻¹ = L⁻¹dL (strictly lower) + dU U⁻¹ (upper), so with
  // M = L⁻¹ P dA U⁻¹: dL = L tril(M, −1), dU = triu(M) U (de Hoog, Anderssen & Lukas)
  jvp: ([a], [da]) => {
    const [lu, piv, perm] = bind(luP, [a!], none) as [Array, Array, Array]
    const zeros = [new Zero(piv.aval), new Zero(perm.aval)]
    if (isZero(da)) return [[lu, piv, perm], [new Zero(lu.aval), ...zeros]]
    const s = lu.shape, n = s.length
    const P = convert(eq(broadcastInDim(perm, s, range(n - 1)), iota("int32", s, n - 1)), lu.dtype)
    const l = add(tril(lu, -1), eyeOf(s, lu.dtype)), u = triu(lu)
    // the solves read only their triangle of lu, which is l (unit diagonal) or u
    const la = trisolve(lu, matmul(P, da!), { left_side: true, lower: true, transpose_a: false, unit_diagonal: true })
    const m = trisolve(lu, la, { left_side: false, lower: false, transpose_a: false, unit_diagonal: false })
    return [[lu, piv, perm], [add(matmul(l, tril(m, -1)), matmul(triu(m), u)), ...zeros]]
  },
  batch: ([a], [bd]) => {
    const keep = bd! < a!.ndim - 2, outs = bind(luP, [keep ? a! : moveAxisTo0(a!, bd!)], none)
    return [outs, outs.map(() => (keep ? bd! : 0))]
  },
  laws: { domain: "spd" },
})

// solve ------------------------------------------------------------------------------------

export type SolveP = { transpose_a: boolean }

/** x with op(a)·x = b, a [..., m, m], b [..., m, k], by LU with partial pivoting. */
export const solveP: Primitive<SolveP> = primitive<SolveP>({
  name: "solve",
  abstractEval: ([a, b]) => solveEval("solve", a!, b!, true),
  impl: ([a, b], { transpose_a }) => {
    const n = a!.ndim, m = a!.shape[n - 1]!, k = b!.shape[n - 1]!
    const w = new Float64Array(m * m), x = new Float64Array(m * k), perm = new Int32Array(m), piv = new Int32Array(m)
    const out = allocate(b!.dtype, b!.size), ad = a!.data, bd = b!.data
    for (let ao = 0, bo = 0; bo < out.length; ao += m * m, bo += m * k) {
      for (let i = 0; i < m * m; i++) w[i] = ad[ao + i]!
      luKernel(w, 0, m, piv, perm, 0)
      if (!transpose_a) { // L U x = P b
        for (let i = 0; i < m; i++) for (let j = 0, src = bo + perm[i]! * k; j < k; j++) x[i * k + j] = bd[src + j]!
        trsm(w, 0, m, 1, m, true, true, x, 0, k, 1, k)
        trsm(w, 0, m, 1, m, false, false, x, 0, k, 1, k)
        for (let i = 0; i < m * k; i++) out[bo + i] = x[i]!
      } else { // aᵀ = Uᵀ Lᵀ P, so x = Pᵀ L⁻ᵀ U⁻ᵀ b
        for (let i = 0; i < m * k; i++) x[i] = bd[bo + i]!
        trsm(w, 0, 1, m, m, true, false, x, 0, k, 1, k)
        trsm(w, 0, 1, m, m, false, true, x, 0, k, 1, k)
        for (let i = 0; i < m; i++) for (let j = 0, dst = bo + perm[i]! * k; j < k; j++) out[dst + j] = x[i * k + j]!
      }
    }
    return [new NdArray(out, b!.shape, b!.dtype)]
  },
  // op(a) x = b  ⇒  dx = op(a)⁻¹ (db − op(da) x): one more solve against the same matrix
  jvp: ([a, b], [da, db], p) => {
    const x = bind1(solveP, [a!, b!], p)
    if (isZero(da) && isZero(db)) return [[x], [new Zero(x.aval)]]
    let rhs: Array | null = isZero(db) ? null : db!
    if (!isZero(da)) { const t = matmul(da!, x, p.transpose_a); rhs = rhs ? sub(rhs, t) : neg(t) }
    return [[x], [bind1(solveP, [a!, rhs!], p)]]
  },
  // linear in b: the adjoint of b ↦ op(a)⁻¹ b is c ↦ op(a)⁻ᵀ c
  transpose: ([ct], [a, b], p) => {
    if (isUndefined(a) || !isUndefined(b)) throw new Error("internal: solve is linear in b only")
    return [null, isZero(ct) ? new Zero(b.aval) : bind1(solveP, [a, ct!], { transpose_a: !p.transpose_a })]
  },
  batch: solveBatch(() => solveP, () => true),
  laws: { domain: "spd" },
})

// functions (compositions) -----------------------------------------------------------------

/** A float matrix argument [..., n, n] of `fn` (ints and bools become float64, as in numpy). */
function squareArg(fn: string, a: ArrayLike): Array {
  const x = asArray(a, fn)
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== x.shape[x.ndim - 2])
    throw new ShapeError(fn, [x.shape], "expected a square matrix or a stack of them, [..., n, n]; reshape or slice it to be square.")
  return isFloat(x.dtype) ? x : convert(x, "float64")
}

/** a and b converted to one float dtype. */
function commonFloat(a: Array, b: Array): [Array, Array] {
  let dt = promote(a.dtype, a.aval.weakType, b.dtype, b.aval.weakType)
  if (!isFloat(dt)) dt = "float64"
  return [convert(a, dt), convert(b, dt)]
}

/** Broadcasts the leading (batch) dims of a [..., n, n] and b [..., n, k] together. */
function broadcastBatch(fn: string, a: Array, b: Array): [Array, Array] {
  const ab = a.shape.slice(0, -2), bb = b.shape.slice(0, -2), nd = Math.max(ab.length, bb.length)
  const batch = range(nd).map((i) => {
    const x = ab[i - nd + ab.length] ?? 1, y = bb[i - nd + bb.length] ?? 1
    if (x !== y && x !== 1 && y !== 1)
      throw new ShapeError(fn, [a.shape, b.shape], `the batch dims (${ab.join(",")}) and (${bb.join(",")}) do not broadcast; make them equal or 1.`)
    return Math.max(x, y)
  })
  const up = (x: Array) => {
    const shape = [...batch, ...x.shape.slice(-2)]
    return x.ndim === shape.length && x.shape.every((d, i) => d === shape[i]) ? x : broadcastInDim(x, shape, x.shape.map((_, i) => shape.length - x.ndim + i))
  }
  return [up(a), up(b)]
}

/**
 * Solves `a · x = b` for x, by LU factorization with partial pivoting.
 *
 * `a` is a square matrix or a stack of them, [..., m, m]; `b` is a vector [m] (only when it is
 * one-dimensional, numpy 2's rule) or a stack of matrices [..., m, k] whose leading dims
 * broadcast against a's. A singular `a` gives inf/NaN entries rather than an error, as in JAX.
 * Differentiable in both arguments: d(a⁻¹b) = a⁻¹(db − da·x), and its transpose is a solve with aᵀ.
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linalg.solve([[2, 0], [0, 4]], [2, 2]).toArray() // => [1, 0.5]
 * ```
 * @throws {@link index!ShapeError} when a is not square, or b's rows or batch dims do not fit a.
 * @category linear algebra
 * @since 0.1.0
 */
export function solve(a: ArrayLike, b: ArrayLike): Array {
  const fn = "np.linalg.solve"
  const x0 = asArray(a, fn), y0 = asArray(b, fn), n = x0.ndim
  const bad = (why: string) => new ShapeError(fn, [x0.shape, y0.shape], why)
  if (n < 2 || x0.shape[n - 1] !== x0.shape[n - 2]) throw bad("a must be a square matrix or a stack of them, [..., m, m].")
  const m = x0.shape[n - 1]!, vec = y0.ndim === 1
  if (y0.ndim === 0) throw bad(`b must be a vector [${m}] or a stack of matrices [..., ${m}, k].`)
  const rows = y0.shape[vec ? 0 : y0.ndim - 2]!
  if (rows !== m) throw bad(`b has ${rows} rows but a is ${m}×${m}; give b shape [${m}] or [..., ${m}, k].`)
  const [x, y] = commonFloat(x0, y0)
  const [xa, yb] = broadcastBatch(fn, x, vec ? reshape(y, [m, 1]) : y)
  const out = bind1(solveP, [xa, yb], { transpose_a: false })
  return vec ? reshape(out, out.shape.slice(0, -1)) : out
}

/**
 * The inverse of a square matrix (or of each matrix in a stack), as `solve(a, I)`.
 *
 * A singular matrix gives inf/NaN entries, as in JAX (numpy raises instead).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linalg.inv([[2, 0], [0, 4]]).toArray() // => [[0.5, 0], [0, 0.25]]
 * ```
 * @throws {@link index!ShapeError} when a is not square, [..., n, n].
 * @category linear algebra
 * @since 0.1.0
 */
export function inv(a: ArrayLike): Array {
  const x = squareArg("np.linalg.inv", a)
  return bind1(solveP, [x, eyeOf(x.shape, x.dtype)], { transpose_a: false })
}

/** (−1)^(number of row swaps), [..., n] int32 pivots -> [...]. */
function pivotSign(piv: Array, dtype: DType): Array {
  const swapped = ne(piv, iota("int32", piv.shape, piv.ndim - 1))
  return reduceProd(select(swapped, NdArray.scalar(-1, dtype), NdArray.scalar(1, dtype)), [piv.ndim - 1])
}

/**
 * The determinant of a square matrix (or of each matrix in a stack), from its LU factorization:
 * the sign of the row permutation times the product of U's diagonal.
 *
 * Its derivative comes from the LU identity, which works out to d det = det · tr(a⁻¹ da); at an
 * exactly singular matrix that derivative is NaN (JAX returns the adjugate there).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linalg.det([[1, 2], [3, 4]]).item() // => -2
 * ```
 * @throws {@link index!ShapeError} when a is not square, [..., n, n].
 * @category linear algebra
 * @since 0.1.0
 */
export function det(a: ArrayLike): Array {
  const x = squareArg("np.linalg.det", a)
  const [lu, piv] = bind(luP, [x], none) as [Array, Array]
  return mul(pivotSign(piv, x.dtype), reduceProd(diagonal(lu), [x.ndim - 2]))
}

/**
 * The sign and the log of the absolute value of the determinant, `[sign, logabsdet]`, which stays
 * finite where the determinant itself would overflow. A singular matrix gives `[0, -Infinity]`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * const [sign, logabsdet] = np.linalg.slogdet([[0, 2], [3, 0]])
 * sign.item() // => -1
 * Math.exp(logabsdet.item()) // => 6
 * ```
 * @throws {@link index!ShapeError} when a is not square, [..., n, n].
 * @category linear algebra
 * @since 0.1.0
 */
export function slogdet(a: ArrayLike): [Array, Array] {
  const x = squareArg("np.linalg.slogdet", a)
  const [lu, piv] = bind(luP, [x], none) as [Array, Array]
  const d = diagonal(lu), last = x.ndim - 2
  return [mul(pivotSign(piv, x.dtype), reduceProd(sign(d), [last])), reduceSum(log(abs(d)), [last])]
}

/**
 * The lower Cholesky factor L of a symmetric positive-definite matrix, a = L·Lᵀ.
 *
 * Only the lower triangle of `a` is read (numpy's rule). A matrix that is not positive definite
 * gives a factor full of NaN, as in JAX (numpy raises instead).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.linalg.cholesky([[4, 2], [2, 2]]).toArray() // => [[2, 0], [1, 1]]
 * ```
 * @throws {@link index!ShapeError} when a is not square, [..., n, n].
 * @category linear algebra
 * @since 0.1.0
 */
export function cholesky(a: ArrayLike): Array {
  return bind1(choleskyP, [squareArg("np.linalg.cholesky", a)], none)
}

/** Options of {@link triangularSolve}; the defaults are JAX's `lax.linalg.triangular_solve`'s. */
export interface TriangularSolveOptions {
  /** Solve op(a)·x = b (true) or x·op(a) = b (false, the default). */
  readonly leftSide?: boolean
  /** Read a's lower triangle (true) or its upper one (false, the default). */
  readonly lower?: boolean
  /** op(a) = aᵀ instead of a. */
  readonly transposeA?: boolean
  /** Take a's diagonal to be ones without reading it. */
  readonly unitDiagonal?: boolean
}

/**
 * Solves a triangular system, op(a)·x = b or x·op(a) = b, reading only one triangle of `a`.
 *
 * `a` is [..., m, m]; `b` is [..., m, k] on the left side or [..., k, m] on the right, with
 * leading dims that broadcast against a's. A zero on a's diagonal gives inf/NaN, as in JAX.
 * @example
 * ```ts
 * triangularSolve([[2, 0], [1, 1]], [[2], [3]], { leftSide: true, lower: true }).toArray() // => [[1], [2]]
 * ```
 * @throws {@link index!ShapeError} when a is not square or b's rows (columns) or batch dims do not fit it.
 * @category linear algebra
 * @since 0.1.0
 */
export function triangularSolve(a: ArrayLike, b: ArrayLike, opts: TriangularSolveOptions = {}): Array {
  const fn = "lax.linalg.triangularSolve"
  const { leftSide = false, lower = false, transposeA = false, unitDiagonal = false } = opts
  const x0 = asArray(a, fn), y0 = asArray(b, fn), n = x0.ndim
  const bad = (why: string) => new ShapeError(fn, [x0.shape, y0.shape], why)
  if (n < 2 || x0.shape[n - 1] !== x0.shape[n - 2]) throw bad("a must be a square matrix or a stack of them, [..., m, m].")
  const m = x0.shape[n - 1]!
  if (y0.ndim < 2) throw bad(`b must be a matrix or a stack of them, [..., ${leftSide ? `${m}, k` : `k, ${m}`}].`)
  if (y0.shape[y0.ndim - (leftSide ? 2 : 1)] !== m)
    throw bad(`b's ${leftSide ? "rows" : "columns"} must match a's size ${m} (leftSide: ${leftSide}).`)
  const [x, y] = broadcastBatch(fn, ...commonFloat(x0, y0))
  return trisolve(x, y, { left_side: leftSide, lower, transpose_a: transposeA, unit_diagonal: unitDiagonal })
}
