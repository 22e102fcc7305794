// How the laws sample the random primitives (src/prims/random.ts): key arrays of any leading
// shape with full-range uint32 words, and for random_uniform bounds that keep maxval above
// minval (away from the clamp), so its JVP in the bounds is checked by finite differences.

import fc, { type Arbitrary } from "fast-check"
import type { Array } from "../src/core/array.js"
import type { DType } from "../src/core/dtype.js"
import { type Mode, arr, dtypeArb, fromValues, smallShape } from "./gen.js"
import type { Spec } from "./samples.js"

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)

/** Key data of leading shape `lead`: uint32 [...lead, 2] over the whole word range. */
const keys = (lead: readonly number[]): Arbitrary<Array> =>
  fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 2 * size(lead), maxLength: 2 * size(lead) })
    .map((v) => fromValues(v, [...lead, 2], "uint32"))

const floatDtype = (mode: Mode): Arbitrary<DType> => dtypeArb(["float64", "float32"], mode)

type LeadC = { lead: number[] }
type ShapeC = LeadC & { shape: number[] }
type FloatC = ShapeC & { dtype: DType }

const keysOnly = <C extends LeadC>(config: (mode: Mode) => Arbitrary<C>, params: (c: C) => Record<string, unknown>): Spec<C> =>
  ({ config, args: ({ lead }) => keys(lead).map((k) => [k]), params })

const shapeConfig = () => fc.record({ lead: smallShape(0, 2), shape: smallShape(0, 2) })
const floatConfig = (mode: Mode) => fc.record({ lead: smallShape(0, 2), shape: smallShape(0, 2), dtype: floatDtype(mode) })

type UniC = FloatC & { scalarLo: boolean; scalarHi: boolean }
const uniformSpec: Spec<UniC> = {
  config: (mode) => fc.record({ lead: smallShape(0, 2), shape: smallShape(0, 2), dtype: floatDtype(mode), scalarLo: fc.boolean(), scalarHi: fc.boolean() }),
  args: ({ lead, shape, dtype, scalarLo, scalarHi }) => {
    const full = [...lead, ...shape]
    const bound = (scalar: boolean, lo: number, hi: number) =>
      fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: scalar ? 1 : size(full), maxLength: scalar ? 1 : size(full) })
        .map((v) => fromValues(v, scalar ? [] : full, dtype))
    return fc.tuple(keys(lead), bound(scalarLo, -3, -1), bound(scalarHi, 1, 3)).map(([k, lo, hi]) => [k, lo, hi])
  },
  params: ({ shape, dtype }) => ({ shape, dtype }),
}

type FoldC = LeadC & { scalarData: boolean }
const foldInSpec: Spec<FoldC> = {
  config: () => fc.record({ lead: smallShape(0, 2), scalarData: fc.boolean() }),
  args: ({ lead, scalarData }) => fc.tuple(keys(lead), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: scalarData ? 1 : size(lead), maxLength: scalarData ? 1 : size(lead) }))
    .map(([k, d]) => [k, fromValues(d, scalarData ? [] : lead, "uint32")]),
}

type SeedC = { shape: number[]; dtype: DType }
const seedSpec: Spec<SeedC> = {
  config: (mode) => fc.record({ shape: smallShape(0, 2), dtype: dtypeArb(["int32", "uint32"], mode) }),
  args: ({ shape, dtype }) => arr(shape, dtype).map((s) => [s]),
}

type PermC = ShapeC & { axis: number }
const permutationConfig = () => fc.record({ lead: smallShape(0, 2), shape: smallShape(1, 2) })
  .chain((c) => fc.integer({ min: 0, max: c.shape.length - 1 }).map((axis): PermC => ({ ...c, axis })))

/** The random primitives' samples, spread into laws/samples.ts's table. */
export const randomSamples: Record<string, Spec> = {
  random_seed: seedSpec,
  random_split: keysOnly((): Arbitrary<LeadC & { count: number }> => fc.record({ lead: smallShape(0, 2), count: fc.integer({ min: 0, max: 3 }) }), ({ count }) => ({ count })),
  random_fold_in: foldInSpec,
  random_bits: keysOnly(shapeConfig, ({ shape }) => ({ shape })),
  random_uniform: uniformSpec,
  random_normal: keysOnly(floatConfig, ({ shape, dtype }) => ({ shape, dtype })),
  random_gumbel: keysOnly(floatConfig, ({ shape, dtype }) => ({ shape, dtype })),
  random_permutation: keysOnly(permutationConfig, ({ shape, axis }) => ({ shape, axis })),
}
