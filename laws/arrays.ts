// Helpers for the numpy laws on top of the public arbitraries (src/laws): shapes with a size-0
// dim now and then, shapes that broadcast to a given one, and row-major index arithmetic.
import fc from "fast-check"
import type * as np from "../src/numpy/index.js"
import { arrayArb, shapeArb as publicShapeArb } from "../src/laws/index.js"

export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)

/** Shapes of rank 0..maxRank with dims 1–4, and an empty dim about one case in ten. */
export const shapeArb = (maxRank = 4): fc.Arbitrary<number[]> =>
  fc.oneof({ weight: 9, arbitrary: publicShapeArb({ maxRank }) }, { weight: 1, arbitrary: publicShapeArb({ maxRank, minDim: 0 }) })

/** A shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
export const broadcastableTo = (out: readonly number[]): fc.Arbitrary<number[]> =>
  fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)))

/** A float64 array of `shape` with values in [-10, 10]. */
export const arrayOf = (shape: readonly number[]): fc.Arbitrary<np.Array> => arrayArb({ shape })

/** Row-major multi-index of flat position k. */
export function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length)
  for (let i = shape.length - 1; i >= 0; i--) { idx[i] = k % shape[i]!; k = Math.floor(k / shape[i]!) }
  return idx
}
/** Flat position of a multi-index. */
export const ravel = (idx: readonly number[], shape: readonly number[]): number =>
  idx.reduce((acc, v, i) => acc * shape[i]! + v, 0)
