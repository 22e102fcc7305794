// How the laws sample the sorting primitives (src/prims/isotonic.ts), all along the last axis:
// argsort on a grid (ties exercise its stability), block_sum with arbitrary (also out-of-range,
// clamped) block ids, and isotonic_regression on inputs whose pooled blocks are known and
// stable: random reals are not enough, since near-ties between block means (which fast-check's
// bias toward the range's ends produces) let a finite-difference step change the pooling.

import fc, { type Arbitrary } from "fast-check"
import type { Array } from "../src/core/array.js"
import type { DType } from "../src/core/dtype.js"
import { type Mode, arr, dtypeArb, fromValues, smallShape, uniform } from "./gen.js"
import type { Spec } from "./samples.js"

type RowC = { shape: number[]; dtype: DType; descending: boolean }
const rows = (dtypes: readonly DType[]) => (mode: Mode): Arbitrary<RowC> =>
  fc.record({ shape: smallShape(1, 3), dtype: dtypeArb(dtypes, mode), descending: fc.boolean() })
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)

const argsortSpec: Spec<RowC> = {
  config: rows(["float64", "float32", "int32", "uint32"]),
  args: ({ shape, dtype }) => arr(shape, dtype, "grid").map((x) => [x]),
  params: ({ descending }) => ({ descending }),
}

const blockSumSpec: Spec<RowC> = {
  config: rows(["float64", "float32"]),
  args: ({ shape, dtype }) => {
    const n = shape[shape.length - 1]!
    return fc.tuple(arr(shape, dtype), fc.array(fc.integer({ min: -1, max: n }), { minLength: size(shape), maxLength: size(shape) }))
      .map(([x, ids]) => [x, fromValues(ids, shape, "int32")])
  },
}

/**
 * One row of length n made of blocks (sizes from `cuts`) whose means fall by at least 0.5 from
 * block to block and whose entries rise by 0.2 inside a block: PAV pools exactly these blocks,
 * and keeps doing so under any perturbation smaller than 0.05.
 */
function pooledRow(n: number, cuts: readonly boolean[], start: number, jitter: readonly number[]): number[] {
  const sizes: number[] = []
  let s = 1
  for (let i = 1; i < n; i++) { if (cuts[i]) { sizes.push(s); s = 1 } else s++ }
  sizes.push(s)
  const out: number[] = []
  sizes.forEach((len, b) => {
    const mean = start - 0.6 * b - 0.1 * jitter[b]!
    for (let i = 0; i < len; i++) out.push(mean + 0.2 * (i - (len - 1) / 2))
  })
  return out
}

const isotonicSpec: Spec<RowC> = {
  config: rows(["float64", "float32"]),
  args: ({ shape, dtype }) => {
    const n = shape[shape.length - 1]!, r = size(shape) / n
    const row = fc.tuple(fc.array(fc.boolean(), { minLength: n, maxLength: n }), uniform(-1, 1), fc.array(uniform(0, 1), { minLength: n, maxLength: n }))
      .map(([cuts, start, jitter]) => pooledRow(n, cuts, start, jitter))
    return fc.array(row, { minLength: r, maxLength: r }).map((rs) => [fromValues(rs.flat(), shape, dtype) as Array])
  },
}

/** The sorting primitives' samples, spread into laws/samples.ts's table. */
export const isotonicSamples: Record<string, Spec> = {
  argsort: argsortSpec,
  block_sum: blockSumSpec,
  isotonic_regression: isotonicSpec,
}
