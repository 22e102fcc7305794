// Linear algebra: values against closed forms, each rule checked directly (jvp against central
// differences of the eager kernel, transpose by ⟨u, J v⟩ = ⟨Jᵀu, v⟩, batch against per-lane
// kernels), then through the jvp / grad / vmap / jit transforms.

import { describe, expect, it } from "vitest"
import { type Array as WArray, NdArray } from "../../src/core/array.js"
import { asArray } from "../../src/core/convert.js"
import { type Primitive, UndefinedPrimal, isZero } from "../../src/core/primitive.js"
import { cholesky, choleskyP, det, inv, luP, slogdet, solve, solveP, triangularSolve, triangularSolveP } from "../../src/prims/linalg.js"
import { mul } from "../../src/prims/elementwise.js"
import { reduceSum } from "../../src/prims/reductions.js"
import { concatenate, moveAxisFrom0, moveAxisTo0, reshape, slice } from "../../src/prims/shape.js"
import { jvp } from "../../src/transforms/jvp.js"
import { grad } from "../../src/transforms/grad.js"
import { vmap } from "../../src/transforms/vmap.js"
import { jit } from "../../src/transforms/jit.js"
import { hessian } from "../../src/transforms/jacobian.js"

type Nested = number | Nested[]
const A = (x: Nested | Float64Array, dtype?: "float32"): NdArray => asArray(x, "test", dtype) as NdArray
const vals = (x: WArray): number[] => [...x.concrete("test").data]

/** Deterministic uniform(-1, 1) numbers (an LCG), so failures replay. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1 }
}
function rand(shape: number[], seed: number): NdArray {
  const r = rng(seed), n = shape.reduce((a, b) => a * b, 1), d = new Float64Array(n)
  for (let i = 0; i < n; i++) d[i] = r()
  return new NdArray(d, shape, "float64")
}
/** Random well-conditioned matrices: R + n·I (a stack when `batch` is given). */
function wellConditioned(n: number, seed: number, batch: number[] = []): NdArray {
  const x = rand([...batch, n, n], seed)
  for (let o = 0; o < x.size; o += n * n) for (let i = 0; i < n; i++) x.data[o + i * n + i] += n
  return x
}
/** Random SPD matrices: R Rᵀ + n·I. */
function spd(n: number, seed: number, batch: number[] = []): NdArray {
  const r = rand([...batch, n, n], seed), out = new Float64Array(r.size)
  for (let o = 0; o < r.size; o += n * n)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0
        for (let k = 0; k < n; k++) s += r.data[o + i * n + k]! * r.data[o + j * n + k]!
        out[o + i * n + j] = s
      }
  return new NdArray(out, r.shape, "float64")
}

function expectClose(got: WArray, want: Nested | WArray | Float64Array, tol = 1e-12): void {
  const g = vals(got), w = want instanceof Float64Array ? [...want] : typeof want === "object" && "shape" in want ? vals(want) : vals(A(want))
  expect(g.length).toBe(w.length)
  const scale = Math.max(1, ...w.map(Math.abs))
  g.forEach((v, i) => {
    if (Number.isNaN(w[i]!)) expect(v).toBeNaN()
    else expect(Math.abs(v - w[i]!) / scale, `entry ${i}: ${v} vs ${w[i]}`).toBeLessThanOrEqual(tol)
  })
}

// dense matrix helpers for the oracles (plain loops over the last two axes)
function matmulRef(a: NdArray, b: NdArray): NdArray {
  const n = a.ndim, m = a.shape[n - 2]!, k = a.shape[n - 1]!, p = b.shape[n - 1]!
  const batch = a.size / (m * k), out = new Float64Array(batch * m * p)
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < p; j++) {
        let s = 0
        for (let l = 0; l < k; l++) s += a.data[t * m * k + i * k + l]! * b.data[t * k * p + l * p + j]!
        out[t * m * p + i * p + j] = s
      }
  return new NdArray(out, [...a.shape.slice(0, -2), m, p], "float64")
}
function mTRef(a: NdArray): NdArray {
  const n = a.ndim, r = a.shape[n - 2]!, c = a.shape[n - 1]!, out = new Float64Array(a.size)
  for (let o = 0; o < a.size; o += r * c) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[o + j * r + i] = a.data[o + i * c + j]!
  return new NdArray(out, [...a.shape.slice(0, -2), c, r], "float64")
}
const axpy = (x: NdArray, v: NdArray, h: number): NdArray => new NdArray(x.data.map((xi, i) => xi + h * v.data[i]!), x.shape, x.dtype)
const dotAll = (x: WArray, y: WArray): number => vals(x).reduce((s, v, i) => s + v * vals(y)[i]!, 0)
const traceOf = (x: NdArray): number => { const n = x.shape[0]!; let s = 0; for (let i = 0; i < n; i++) s += x.data[i * n + i]!; return s }

/** Central differences of a primitive's eager kernel along `ts`. */
function fd(p: Primitive, xs: NdArray[], ts: NdArray[], params: object, h = 1e-6): NdArray[] {
  const plus = p.impl(xs.map((x, i) => axpy(x, ts[i]!, h)), params)
  const minus = p.impl(xs.map((x, i) => axpy(x, ts[i]!, -h)), params)
  return plus.map((o, k) => new NdArray(o.data.map((v, i) => (v - minus[k]!.data[i]!) / (2 * h)), o.shape, o.dtype))
}
/** The rule's tangents against central differences, relative 1e-6. */
function checkJvpRule(p: Primitive, xs: NdArray[], ts: NdArray[], params: object, floatOuts = 1): void {
  const rule = p.jvp as Exclude<Primitive["jvp"], { kind: "zeroDerivative" }>
  const [outs, touts] = rule(xs, ts, params)
  outs.forEach((o, k) => expectClose(o, p.impl(xs, params)[k]!, 0))
  const want = fd(p, xs, ts, params)
  for (let k = 0; k < floatOuts; k++) expectClose(touts[k] as WArray, want[k]!, 1e-6)
  for (let k = floatOuts; k < touts.length; k++) expect(isZero(touts[k])).toBe(true)
}

const linalgDir = "np.linalg"

describe("cholesky", () => {
  it("factors 2x2 and 3x3 matrices into their lower factor", () => {
    expectClose(cholesky([[4, 2], [2, 3]]), [[2, 0], [1, Math.SQRT2]])
    const L = A([[2, 0, 0], [1, 3, 0], [-1, 2, 1]])
    expectClose(cholesky(matmulRef(L, mTRef(L))), L)
  })
  it("reads only the lower triangle", () => {
    expectClose(cholesky([[4, 99], [2, 3]]), [[2, 0], [1, Math.SQRT2]])
  })
  it("factors each matrix of a stack, and keeps float32", () => {
    const out = cholesky([[[4, 0], [0, 9]], [[1, 0], [0, 16]]])
    expect(out.shape).toEqual([2, 2, 2])
    expectClose(out, [[[2, 0], [0, 3]], [[1, 0], [0, 4]]])
    expect(cholesky(A([[4, 2], [2, 3]], "float32")).dtype).toBe("float32")
  })
  it("gives NaN for a matrix that is not positive definite, per matrix of a stack", () => {
    const out = cholesky([[[1, 0], [0, -1]], [[4, 0], [0, 1]]])
    expect(vals(out).slice(0, 4).every(Number.isNaN)).toBe(true)
    expect(vals(out).slice(4)).toEqual([2, 0, 0, 1])
  })
  it("jvp rule matches central differences, for a tangent with both triangles", () => {
    checkJvpRule(choleskyP, [spd(3, 1)], [rand([3, 3], 2)], {})
    checkJvpRule(choleskyP, [spd(4, 3, [2])], [rand([2, 4, 4], 4)], {})
  })
})

describe("triangular_solve", () => {
  const a = A([[2, 0.5, -1], [0.3, 3, 0.7], [-0.4, 0.2, 1.5]])
  /** The dense op(a) the solve stands for. */
  function dense(lower: boolean, transpose: boolean, unit: boolean): NdArray {
    const m = new Float64Array(9)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++)
      m[i * 3 + j] = i === j ? (unit ? 1 : a.data[i * 3 + j]!) : (lower ? i > j : i < j) ? a.data[i * 3 + j]! : 0
    const t = new NdArray(m, [3, 3], "float64")
    return transpose ? mTRef(t) : t
  }
  const combos = [false, true].flatMap((l) => [false, true].flatMap((lo) => [false, true].flatMap((t) => [false, true].map((u) => [l, lo, t, u] as const))))
  for (const [left, lower, transpose, unit] of combos) {
    const params = { left_side: left, lower, transpose_a: transpose, unit_diagonal: unit }
    const name = `left=${left} lower=${lower} transpose=${transpose} unit=${unit}`
    it(`solves op(a) x = b, ${name}`, () => {
      const b = rand(left ? [3, 2] : [2, 3], 7)
      const x = triangularSolve(a, b, { leftSide: left, lower, transposeA: transpose, unitDiagonal: unit })
      const back = left ? matmulRef(dense(lower, transpose, unit), x as NdArray) : matmulRef(x as NdArray, dense(lower, transpose, unit))
      expectClose(back, b)
    })
    it(`jvp rule matches central differences in a and b, ${name}`, () => {
      const b = rand(left ? [2, 3, 2] : [2, 2, 3], 8), a2 = wellConditioned(3, 9, [2])
      checkJvpRule(triangularSolveP, [a2, b], [rand([2, 3, 3], 10), rand(b.shape as number[], 11)], params)
    })
    it(`transpose rule is the adjoint in b, ${name}`, () => {
      const b = rand(left ? [3, 2] : [2, 3], 12), u = rand(b.shape as number[], 13)
      const jv = triangularSolveP.impl([a, b], params)[0]!
      const [ca, cb] = triangularSolveP.transpose!([u], [a, new UndefinedPrimal(b.aval)], params)
      expect(ca).toBeNull()
      expect(dotAll(u, jv)).toBeCloseTo(dotAll(cb as WArray, b), 12)
    })
  }
})

describe("lu", () => {
  it("pivots on the largest entry of each column", () => {
    const [lu, piv, perm] = luP.impl([A([[1, 2], [3, 4]])], {})
    expectClose(lu!, [[3, 4], [1 / 3, 2 / 3]])
    expect(vals(piv!)).toEqual([1, 1])
    expect(vals(perm!)).toEqual([1, 0])
    expect(piv!.dtype).toBe("int32")
  })
  it("reconstructs P a = L U for a stack of 4x4 matrices", () => {
    const a = rand([3, 4, 4], 21)
    const [lu, , perm] = luP.impl([a], {})
    for (let t = 0; t < 3; t++) {
      const L = new Float64Array(16), U = new Float64Array(16), PA = new Float64Array(16)
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
        const v = lu!.data[t * 16 + i * 4 + j]!
        if (i > j) L[i * 4 + j] = v; else U[i * 4 + j] = v
        if (i === j) L[i * 4 + j] = 1
        PA[i * 4 + j] = a.data[t * 16 + perm!.data[t * 4 + i]! * 4 + j]!
      }
      expectClose(matmulRef(new NdArray(L, [4, 4], "float64"), new NdArray(U, [4, 4], "float64")), new NdArray(PA, [4, 4], "float64"))
    }
  })
  it("jvp rule matches central differences, with zero tangents for the int outputs", () => {
    checkJvpRule(luP, [rand([4, 4], 22)], [rand([4, 4], 23)], {})
    checkJvpRule(luP, [rand([2, 3, 3], 24)], [rand([2, 3, 3], 25)], {})
  })
})

describe("solve", () => {
  it("solves 2x2 systems with a vector or a matrix right-hand side", () => {
    expectClose(solve([[2, 1], [1, 3]], [3, 5]), [0.8, 1.4])
    expectClose(solve([[2, 1], [1, 3]], [[3, 1], [5, 0]]), [[0.8, 0.6], [1.4, -0.2]])
  })
  it("needs pivoting where the leading entry is zero", () => {
    expectClose(solve([[0, 1], [1, 0]], [2, 3]), [3, 2])
    expectClose(solve([[0, 2, 1], [1, 0, 0], [3, 1, 0]], [5, 1, 5]), [1, 2, 1])
  })
  it("broadcasts batch dims, vector b applying to every matrix", () => {
    const a = wellConditioned(3, 31, [2]), b = rand([3], 32)
    const x = solve(a, b)
    expect(x.shape).toEqual([2, 3])
    for (let t = 0; t < 2; t++) {
      const at = new NdArray(a.data.slice(t * 9, t * 9 + 9), [3, 3], "float64")
      expectClose(matmulRef(at, reshape(slice(x, [t, 0], [t + 1, 3]), [3, 1]) as NdArray), reshape(b, [3, 1]))
    }
    const bm = rand([4, 1, 3, 2], 33), xm = solve(a, bm)
    expect(xm.shape).toEqual([4, 2, 3, 2])
  })
  it("solves with aᵀ when transpose_a is set", () => {
    const a = wellConditioned(3, 34), b = rand([3, 2], 35)
    const x = solveP.impl([a, b], { transpose_a: true })[0]!
    expectClose(matmulRef(mTRef(a), x), b)
  })
  it("gives inf or NaN for a singular matrix, as JAX does", () => {
    expect(vals(solve([[1, 2], [2, 4]], [1, 1])).some((v) => !Number.isFinite(v))).toBe(true)
  })
  it("promotes int inputs to float64 and keeps float32", () => {
    expect(solve(asArray([[2, 0], [0, 2]], "t", "int32"), [2, 4]).dtype).toBe("float64")
    expect(solve(A([[2, 0], [0, 2]], "float32"), A([2, 4], "float32")).dtype).toBe("float32")
  })
  it("jvp rule matches central differences in a and b", () => {
    for (const transpose_a of [false, true])
      checkJvpRule(solveP, [wellConditioned(3, 36, [2]), rand([2, 3, 2], 37)], [rand([2, 3, 3], 38), rand([2, 3, 2], 39)], { transpose_a })
  })
  it("transpose rule is the adjoint in b", () => {
    const a = wellConditioned(4, 40), b = rand([4, 3], 41), u = rand([4, 3], 42)
    for (const transpose_a of [false, true]) {
      const jv = solveP.impl([a, b], { transpose_a })[0]!
      const [, cb] = solveP.transpose!([u], [a, new UndefinedPrimal(b.aval)], { transpose_a })
      expect(dotAll(u, jv)).toBeCloseTo(dotAll(cb as WArray, b), 12)
    }
  })
})

describe("inv, det, slogdet", () => {
  it("inverts a 2x2 matrix by the closed form", () => {
    // [[a, b], [c, d]]⁻¹ = [[d, −b], [−c, a]] / (ad − bc)
    expectClose(inv([[4, 7], [2, 6]]), [[0.6, -0.7], [-0.2, 0.4]])
    const a = wellConditioned(4, 51, [3])
    expectClose(matmulRef(a, inv(a) as NdArray), [0, 1, 2].map(() => [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))
  })
  it("computes determinants: 2x2, 3x3 with row swaps, stacks, singular, empty", () => {
    expectClose(det([[1, 2], [3, 4]]), -2)
    // expansion along the first row: 0·(0·0 − 0·1) − 2·(1·0 − 0·3) + 1·(1·1 − 0·3) = 1
    expectClose(det([[0, 2, 1], [1, 0, 0], [3, 1, 0]]), 1)
    expectClose(det([[0, 1, 0], [1, 0, 0], [0, 0, 1]]), -1)
    expectClose(det([[[2, 0], [0, 3]], [[0, 1], [1, 0]]]), [6, -1])
    expect(det([[1, 2], [2, 4]]).item() === 0).toBe(true) // −0 after a row swap, as LAPACK-based numpy gives
    expect(det(new NdArray(new Float64Array(0), [0, 0], "float64")).item()).toBe(1)
  })
  it("slogdet gives the sign and log |det|, also past overflow", () => {
    const [s, l] = slogdet([[0, 2], [3, 0]])
    expect(s.item()).toBe(-1)
    expect(l.item()).toBeCloseTo(Math.log(6), 14)
    const big = new NdArray(new Float64Array(400).map((_, k) => (k % 21 === 0 ? 1e300 : 0)), [20, 20], "float64")
    expect(det(big).item()).toBe(Infinity)
    expect(slogdet(big)[1].item()).toBeCloseTo(20 * 300 * Math.log(10), 8)
    const [s0, l0] = slogdet([[1, 2], [2, 4]])
    expect([s0.item() === 0, l0.item()]).toEqual([true, -Infinity])
  })
})

describe("shape errors", () => {
  const expectShapeError = (f: () => unknown, ...parts: string[]) => {
    try { f() } catch (e) {
      expect((e as { _tag: string })._tag).toBe("ShapeError")
      for (const p of parts) expect((e as Error).message).toContain(p)
      return
    }
    throw new Error("expected a ShapeError")
  }
  it("names np.linalg.solve with both shapes", () => {
    expectShapeError(() => solve(rand([2, 3], 1), rand([3], 2)), `${linalgDir}.solve`, "[2,3]", "[3]")
    expectShapeError(() => solve(rand([3, 3], 1), rand([2], 2)), `${linalgDir}.solve`, "[3,3]", "[2]", "rows")
    expectShapeError(() => solve(rand([2, 3, 3], 1), rand([4, 3, 1], 2)), `${linalgDir}.solve`, "[2,3,3]", "[4,3,1]", "batch")
  })
  it("names the function for non-square inputs", () => {
    expectShapeError(() => det(rand([2, 3], 1)), `${linalgDir}.det`, "[2,3]")
    expectShapeError(() => inv(rand([3], 1)), `${linalgDir}.inv`, "[3]")
    expectShapeError(() => cholesky(rand([3, 2], 1)), `${linalgDir}.cholesky`, "[3,2]")
    expectShapeError(() => slogdet(rand([1, 2], 1)), `${linalgDir}.slogdet`)
    expectShapeError(() => triangularSolve(rand([3, 3], 1), rand([2, 2], 1), { leftSide: true }), "triangularSolve", "[3,3]", "[2,2]")
  })
})

/** Stacks per-lane arrays along `axis`. */
const stackAt = (xs: NdArray[], axis: number): WArray => moveAxisFrom0(concatenate(xs.map((x) => reshape(x, [1, ...x.shape])), 0), axis)
/** The batch rule's output against the eager kernel run lane by lane. */
function checkBatchRule(p: Primitive, lanes: NdArray[][], bdims: (number | null)[], params: object): void {
  const size = lanes.length
  const args = bdims.map((bd, i) => (bd === null ? lanes[0]![i]! : stackAt(lanes.map((l) => l[i]!), bd)))
  const [outs, outDims] = p.batch(args, bdims, params, size)
  outs.forEach((o, k) => {
    const got = moveAxisTo0(o, outDims[k]!)
    for (let b = 0; b < size; b++) {
      const want = p.impl(lanes[b]!.map((x, i) => (bdims[i] === null ? lanes[0]![i]! : x)), params)[k]!
      expectClose(reshape(slice(got, got.shape.map((_, d) => (d === 0 ? b : 0)), got.shape.map((s, d) => (d === 0 ? b + 1 : s))), want.shape), want)
    }
  })
}

describe("batch rules", () => {
  it("cholesky and lu keep a leading batch axis and move a trailing one", () => {
    const lanes = [0, 1, 2].map((s) => [spd(3, 60 + s, [2])])
    for (const bd of [0, 1, 2, 3]) checkBatchRule(choleskyP, lanes, [bd], {})
    const luLanes = [0, 1].map((s) => [rand([2, 3, 3], 70 + s)])
    for (const bd of [0, 1, 3]) checkBatchRule(luP, luLanes, [bd], {})
  })
  it("solve batches either operand, folding a batched b into its columns", () => {
    const lanes = [0, 1, 2].map((s) => [wellConditioned(3, 80 + s, [2]), rand([2, 3, 2], 90 + s)])
    for (const bdims of [[0, 0], [1, 2], [null, 0], [null, 3], [null, 1], [2, null]] as (number | null)[][])
      for (const transpose_a of [false, true]) checkBatchRule(solveP, lanes, bdims, { transpose_a })
  })
  it("triangular_solve folds a batched b into its columns (left) or rows (right)", () => {
    for (const left_side of [false, true]) {
      const params = { left_side, lower: true, transpose_a: false, unit_diagonal: false }
      const lanes = [0, 1, 2].map((s) => [wellConditioned(3, 100 + s, [2]), rand(left_side ? [2, 3, 4] : [2, 4, 3], 110 + s)])
      for (const bdims of [[0, 0], [null, 0], [null, 2], [null, 3], [1, null]] as (number | null)[][]) checkBatchRule(triangularSolveP, lanes, bdims, params)
    }
  })
})

describe("through the transforms", () => {
  const a = wellConditioned(3, 120), v = rand([3, 3], 121)
  const ainv = inv(a) as NdArray
  it("jvp of det is det · tr(a⁻¹ v)", () => {
    const [d, dd] = jvp(det, [a], [v])
    expect(dd.item()).toBeCloseTo(d.item() * traceOf(matmulRef(ainv, v)), 10)
  })
  it("grad of det is det · a⁻ᵀ and grad of log|det| is a⁻ᵀ", () => {
    expectClose(grad(det)(a), mul(det(a), mTRef(ainv)), 1e-12)
    expectClose(grad((x: WArray) => slogdet(x)[1])(a), mTRef(ainv), 1e-12)
    const [, l] = slogdet(a)
    expect(l.item()).toBeCloseTo(Math.log(Math.abs(det(a).item())), 12)
  })
  it("grad through solve: b gets a⁻ᵀ w, a gets −(a⁻ᵀ w) xᵀ", () => {
    const b = rand([3, 2], 122), w = rand([3, 2], 123)
    const [ga, gb] = grad((x: WArray, y: WArray) => reduceSum(mul(w, solve(x, y)), [0, 1]), { argnums: [0, 1] })(a, b)
    const lam = matmulRef(mTRef(ainv), w), x = solve(a, b) as NdArray
    expectClose(gb, lam)
    expectClose(ga, matmulRef(lam, mTRef(x)).data.map((t) => -t) as Float64Array, 1e-12)
  })
  it("grad through cholesky matches central differences, zero on the upper triangle", () => {
    const s = spd(3, 124), w = rand([3, 3], 125)
    const f = (x: WArray) => reduceSum(mul(w, cholesky(x)), [0, 1])
    const g = vals(grad(f)(s))
    for (let k = 0; k < 9; k++) {
      const e = new NdArray(new Float64Array(9).fill(0).map((_, i) => (i === k ? 1 : 0)), [3, 3], "float64")
      const fdk = (f(axpy(s, e, 1e-6)).item() - f(axpy(s, e, -1e-6)).item()) / 2e-6
      expect(Math.abs(g[k]! - fdk)).toBeLessThan(1e-7)
      if (k % 3 > Math.floor(k / 3)) expect(g[k]).toBe(0)
    }
  })
  it("second order: jvp of jvp of det and cholesky match differences of the first", () => {
    const w = rand([3, 3], 126), s = spd(3, 127)
    const second = (f: (x: WArray) => WArray, x: NdArray) => jvp((y: WArray) => jvp(f, [y], [v])[1], [x], [w])[1] as WArray
    const first = (f: (x: WArray) => WArray, x: NdArray, h: number) => jvp(f, [axpy(x, w, h)], [v])[1] as NdArray
    for (const [f, x] of [[det, a], [cholesky, s]] as const) {
      const p = first(f, x, 1e-5), m = first(f, x, -1e-5)
      expectClose(second(f, x), new NdArray(p.data.map((t, i) => (t - m.data[i]!) / 2e-5), p.shape, "float64"), 1e-7)
    }
  })
  it("forward over reverse: the jvp of grad log|det| is −(a⁻¹ v a⁻¹)ᵀ", () => {
    const [, hv] = jvp(grad((x: WArray) => slogdet(x)[1]), [a], [v])
    expectClose(hv, mTRef(matmulRef(matmulRef(ainv, v), ainv)).data.map((t) => -t) as Float64Array, 1e-12)
  })
  it("hessian of det: 2x2 closed form (det = a00 a11 − a01 a10) and log|det| in general", () => {
    expectClose(hessian(det)(A([[2, 1], [1, 3]])), [[[[0, 0], [0, 1]], [[0, 0], [-1, 0]]], [[[0, -1], [0, 0]], [[1, 0], [0, 0]]]])
    // ∂²log|det| / ∂a_ij ∂a_kl = −(a⁻¹)_li (a⁻¹)_jk
    const h = vals(hessian((x: WArray) => slogdet(x)[1])(a)), q = vals(ainv)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++)
      expect(h[((i * 3 + j) * 3 + k) * 3 + l]).toBeCloseTo(-q[l * 3 + i]! * q[j * 3 + k]!, 12)
  })
  it("keeps float32 through gradients", () => {
    const g = grad(det)(A([[2, 1], [1, 3]], "float32"))
    expect(g.dtype).toBe("float32")
    expectClose(g, [[3, -1], [-1, 2]], 1e-6)
    const c = grad((x: WArray) => det(cholesky(x)))(A([[4, 2], [2, 3]], "float32"))
    expect(c.dtype).toBe("float32")
  })
  it("vmap of solve, det, cholesky and grad(det) equals the lanes", () => {
    const as = wellConditioned(3, 130, [4]), bs = rand([4, 3], 131)
    const xs = vmap(solve)(as, bs), ds = vmap(det)(as), gs = vmap(grad(det))(as)
    for (let t = 0; t < 4; t++) {
      const at = new NdArray(as.data.slice(t * 9, t * 9 + 9), [3, 3], "float64"), bt = new NdArray(bs.data.slice(t * 3, t * 3 + 3), [3], "float64")
      expectClose(reshape(slice(xs, [t, 0], [t + 1, 3]), [3]), solve(at, bt))
      expect(vals(ds)[t]).toBeCloseTo(det(at).item(), 12)
      expectClose(reshape(slice(gs, [t, 0, 0], [t + 1, 3, 3]), [3, 3]), grad(det)(at))
    }
    const shared = vmap((y: WArray) => solve(a, y), { inAxes: 1 })(rand([3, 5], 132))
    expect(shared.shape).toEqual([5, 3])
    const ss = spd(3, 133, [2])
    expectClose(vmap(cholesky)(ss), cholesky(ss))
  })
  it("jit gives the eager values, also of gradients", () => {
    const b = rand([3], 140)
    expectClose(jit(solve)(a, b), solve(a, b))
    expectClose(jit(det)(a), det(a))
    expectClose(jit(grad(det))(a), grad(det)(a))
    expectClose(jit(cholesky)(spd(3, 141)), cholesky(spd(3, 141)))
  })
})
