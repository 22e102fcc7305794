// Value and structure generators the registry samples are built from: element values per
// law domain (away from kinks and singularities, so finite differences are meaningful),
// arrays, axis subsets and permutations, and well-conditioned matrices. All compose fast-check
// arbitraries, so a failing case shrinks.

import fc, { type Arbitrary } from "fast-check"
import { arrayArb, shapeArb } from "wengert/laws"
import { type Array, NdArray } from "../src/core/array.js"
import { ShapedArray } from "../src/core/aval.js"
import { type DType, allocate, castScalar, dtypes } from "../src/core/dtype.js"
import type { Primitive } from "../src/core/primitive.js"

/**
 * Where elements are drawn: the record domains (real, positive, unit, nonzero), plus `grid`
 * (halves in [-4, 4], so ties and rounding cases occur), `mild` ([-1.5, 1.5]) and `special`
 * (reals mixed with ±inf, NaN and ±0).
 */
export type Domain = "real" | "positive" | "unit" | "nonzero" | "grid" | "mild" | "special"
/** "f64": float64 configurations only (for the derivative laws); "any": every accepted dtype. */
export type Mode = "any" | "f64"

export const range = (n: number): number[] => [...globalThis.Array(n).keys()]

const GRID = 2 ** 30
/** Floats spread evenly over [lo, hi]. */
export const uniform = (lo: number, hi: number): Arbitrary<number> =>
  fc.integer({ min: 0, max: GRID }).map((k) => lo + ((hi - lo) * k) / GRID)

/** Element values of a domain, for a dtype. */
export function values(domain: Domain, dtype: DType): Arbitrary<number> {
  if (dtype === "bool") return fc.boolean().map(Number)
  if (dtype === "int32" || dtype === "uint32") {
    const lo = dtype === "uint32" ? 0 : -5
    switch (domain) {
      case "positive": return fc.integer({ min: 1, max: 5 })
      case "nonzero": return lo === 0 ? fc.integer({ min: 1, max: 5 }) : fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5 })).map(([s, v]) => (s ? -v : v))
      case "unit": return fc.integer({ min: Math.max(lo, -1), max: 1 })
      default: return fc.integer({ min: lo, max: 5 })
    }
  }
  switch (domain) {
    case "real": return uniform(-2, 2)
    case "positive": return uniform(0.3, 3)
    case "unit": return uniform(-0.8, 0.8)
    case "nonzero": return fc.tuple(fc.boolean(), uniform(0.3, 2)).map(([s, v]) => (s ? -v : v))
    case "grid": return fc.integer({ min: -8, max: 8 }).map((k) => k / 2)
    case "mild": return uniform(-1.5, 1.5)
    case "special": return fc.oneof({ arbitrary: uniform(-2, 2), weight: 3 }, fc.constantFrom(Infinity, -Infinity, NaN, 0, -0))
  }
}

/** An array of a shape, dtype and domain. */
export const arr = (shape: readonly number[], dtype: DType, domain: Domain = "real"): Arbitrary<Array> =>
  arrayArb({ shape, dtype, elements: values(domain, dtype) })

/** Builds a concrete array from JS numbers (rounded to the dtype). */
export function fromValues(vals: ArrayLike<number>, shape: readonly number[], dtype: DType): NdArray {
  const d = allocate(dtype, vals.length)
  for (let i = 0; i < vals.length; i++) d[i] = castScalar(vals[i]!, dtype)
  return new NdArray(d, [...shape], dtype)
}

/** Small shapes: dims 1..3 (laws stay fast; every rule still meets rank 0..maxRank). */
export const smallShape = (minRank = 0, maxRank = 3): Arbitrary<number[]> => shapeArb({ minRank, maxRank, minDim: 1, maxDim: 3 })

/** A subset of 0..n-1 in random order (possibly empty). */
export const shuffledSubset = (n: number, minLength = 0): Arbitrary<number[]> => fc.shuffledSubarray(range(n), { minLength })
/** A sorted subset of 0..n-1. */
export const sortedSubset = (n: number, minLength = 0): Arbitrary<number[]> => fc.subarray(range(n), { minLength })
/** A permutation of 0..n-1. */
export const permutation = (n: number): Arbitrary<number[]> => fc.shuffledSubarray(range(n), { minLength: n, maxLength: n })

/** The dtypes a primitive's abstract eval accepts when every operand has that dtype (rank 0). */
export function acceptedDtypes(p: Primitive, arity: number, params: Record<string, unknown> = {}): DType[] {
  return dtypes.filter((d) => {
    try { p.abstractEval(range(arity).map(() => new ShapedArray([], d)), params); return true } catch { return false }
  })
}

/** float64 when asked (and accepted), else any accepted dtype. */
export function dtypeArb(accepted: readonly DType[], mode: Mode): Arbitrary<DType> {
  if (accepted.length === 0) throw new Error("laws: a primitive that accepts no dtype")
  if (mode === "f64") return fc.constant(accepted.includes("float64") ? "float64" : accepted[0]!)
  return fc.constantFrom(...accepted)
}

/** float64 values with every pair at least 0.2 apart (no ties where a max/min has a kink). */
export function distinct(shape: readonly number[]): Arbitrary<Array> {
  const n = shape.reduce((a, b) => a * b, 1)
  return fc.tuple(permutation(n), fc.array(uniform(0, 0.05), { minLength: n, maxLength: n }))
    .map(([perm, jitter]) => fromValues(perm.map((p, i) => (p - n / 2) * 0.25 + jitter[i]!), shape, "float64"))
}

/**
 * Well-conditioned square matrices [...batch, n, n] from entries R in [-1, 1]: `spd` is
 * R Rᵀ + (n + ½) I, `diagonal` is R + 4I (diagonally dominant, for triangular solves), and
 * `pivoted` permutes the rows of R + 4I (partial pivoting then has clear, stable choices).
 */
export function matrices(batch: readonly number[], n: number, dtype: DType, kind: "spd" | "diagonal" | "pivoted"): Arbitrary<Array> {
  const count = batch.reduce((a, b) => a * b, 1)
  return fc.tuple(fc.array(uniform(-1, 1), { minLength: count * n * n, maxLength: count * n * n }),
    fc.array(permutation(n), { minLength: count, maxLength: count }))
    .map(([r, perms]) => {
      const out = new Float64Array(count * n * n)
      for (let b = 0; b < count; b++) {
        const o = b * n * n
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            if (kind === "spd") { // B Bᵀ + (n + 1/2) I
              let s = i === j ? n + 0.5 : 0
              for (let k = 0; k < n; k++) s += r[o + i * n + k]! * r[o + j * n + k]!
              out[o + i * n + j] = s
            } else {
              const src = kind === "pivoted" ? perms[b]![i]! : i
              out[o + i * n + j] = r[o + src * n + j]! + (src === j ? 4 : 0)
            }
          }
      }
      return fromValues(out, [...batch, n, n], dtype)
    })
}
