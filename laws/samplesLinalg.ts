// Samples of dot_general and the linear-algebra primitives: contractions with batch and
// contracting axes in any order on either side, and well-conditioned (SPD, diagonally dominant
// or row-permuted dominant) matrices, so solves and their derivatives stay accurate.

import fc, { type Arbitrary } from "fast-check"
import type { Array } from "../src/core/array.js"
import type { DType } from "../src/core/dtype.js"
import { type Mode, arr, dtypeArb, matrices, permutation, range, smallShape } from "./gen.js"
import type { Spec } from "./samples.js"

const tupleOf = (xs: Arbitrary<Array>[]): Arbitrary<Array[]> => fc.tuple(...xs).map((t) => [...t])

// dot_general ------------------------------------------------------------------------------

type Role = "b" | "c" | "f"
type DotC = { nb: number; nc: number; nl: number; nr: number; sizes: number[]; pl: number[]; pr: number[]; dtype: DType }
/** Physical axis order of one operand: roles (batch, contracting, free) permuted by `perm`. */
function operandAxes(nb: number, nc: number, nf: number, perm: readonly number[]) {
  const roles: [Role, number][] = [...range(nb).map((i): [Role, number] => ["b", i]), ...range(nc).map((i): [Role, number] => ["c", i]), ...range(nf).map((i): [Role, number] => ["f", i])]
  const phys = perm.map((p) => roles[p]!)
  const pos = (r: Role, i: number) => phys.findIndex(([rr, ii]) => rr === r && ii === i)
  return { phys, batch: range(nb).map((i) => pos("b", i)), contracting: range(nc).map((i) => pos("c", i)) }
}
export const dotSpec: Spec<DotC> = {
  config: (mode) => fc.record({ nb: fc.nat(1), nc: fc.nat(2), nl: fc.nat(1), nr: fc.nat(1) }).chain((k) => fc.record({
    nb: fc.constant(k.nb), nc: fc.constant(k.nc), nl: fc.constant(k.nl), nr: fc.constant(k.nr),
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }),
    pl: permutation(k.nb + k.nc + k.nl), pr: permutation(k.nb + k.nc + k.nr),
    dtype: dtypeArb(["float64", "float32", "int32"], mode),
  })),
  args: (c) => {
    const size = ([r, i]: [Role, number], side: number) => c.sizes[r === "b" ? i : r === "c" ? 1 + i : 3 + side * 2 + i]!
    const l = operandAxes(c.nb, c.nc, c.nl, c.pl), r = operandAxes(c.nb, c.nc, c.nr, c.pr)
    return tupleOf([arr(l.phys.map((x) => size(x, 0)), c.dtype), arr(r.phys.map((x) => size(x, 1)), c.dtype)])
  },
  params: (c) => {
    const l = operandAxes(c.nb, c.nc, c.nl, c.pl), r = operandAxes(c.nb, c.nc, c.nr, c.pr)
    return { lhs_contracting: l.contracting, rhs_contracting: r.contracting, lhs_batch: l.batch, rhs_batch: r.batch }
  },
}

// linear algebra ---------------------------------------------------------------------------

const floatDtype = (mode: Mode) => dtypeArb(["float64", "float32"], mode)
type MatC = { batch: number[]; n: number; k: number; dtype: DType; flags: boolean[] }
const matConfig = (mode: Mode): Arbitrary<MatC> => fc.record({
  batch: smallShape(0, 1), n: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 3 }),
  dtype: floatDtype(mode), flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
})
const triFlags = (c: MatC) => ({ left_side: c.flags[0]!, lower: c.flags[1]!, transpose_a: c.flags[2]!, unit_diagonal: c.flags[3]! })
const rhs = (c: MatC, left: boolean) => arr([...c.batch, left ? c.n : c.k, left ? c.k : c.n], c.dtype)

export const choleskySpec: Spec<MatC> = { config: matConfig, args: (c) => tupleOf([matrices(c.batch, c.n, c.dtype, "spd")]) }
export const triangularSolveSpec: Spec<MatC> = {
  config: matConfig,
  args: (c) => tupleOf([matrices(c.batch, c.n, c.dtype, "diagonal"), rhs(c, c.flags[0]!)]),
  params: triFlags,
}
export const luSpec: Spec<MatC> = { config: matConfig, args: (c) => tupleOf([matrices(c.batch, c.n, c.dtype, "pivoted")]) }
export const solveSpec: Spec<MatC> = {
  config: matConfig,
  args: (c) => tupleOf([matrices(c.batch, c.n, c.dtype, "pivoted"), rhs(c, true)]),
  params: (c) => ({ transpose_a: c.flags[2]! }),
}
