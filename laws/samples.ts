// How the laws sample every registered primitive: per IR name, a fast-check arbitrary of the
// static structure (shapes, dtypes, params: what all lanes of a vmap share) and one of valid
// operand values for it, drawn from the record's `laws.domain`. The registry law fails for a
// primitive without an entry here, so a new primitive cannot go untested.

import fc, { type Arbitrary } from "fast-check"
import type { Array } from "../src/core/array.js"
import type { DType } from "../src/core/dtype.js"
import { type Primitive, lookupPrimitive } from "../src/core/primitive.js"
import "../src/prims/index.js"
import {
  type Domain, type Mode, acceptedDtypes, arr, distinct, dtypeArb, fromValues, permutation, range, shuffledSubset, smallShape, sortedSubset, uniform,
} from "./gen.js"
import { isotonicSamples } from "./isotonicSamples.js"
import { randomSamples } from "./randomSamples.js"
import { condSpec, customJvpSpec, customVjpSpec, linearSolveSpec, rematJvpSpec, rematSpec, scanSpec, whileSpec } from "./samplesHigher.js"
import { choleskySpec, dotSpec, luSpec, solveSpec, triangularSolveSpec } from "./samplesLinalg.js"

export type { Mode } from "./gen.js"

/**
 * One application of a primitive: operands and params; `tie[i]` is the operand whose value
 * operand i repeats (one value passed in several slots, such as a matrix given to both the
 * matvec and the solver of linear_solve), so the derivative laws perturb them together.
 */
export interface Case { readonly args: Array[]; readonly params: Record<string, unknown>; readonly tie?: readonly number[] }

/** How to sample a primitive. `C` is its static configuration. */
export interface Spec<C = any> {
  readonly config: (mode: Mode) => Arbitrary<C>
  readonly args: (c: C) => Arbitrary<Array[]>
  readonly params?: (c: C) => Record<string, unknown>
  readonly tie?: (c: C) => readonly number[]
  /** Laws that do not apply by design, with the reason (the registry law checks the refusal is a typed error). */
  readonly refuses?: { readonly forward?: string; readonly reverse?: string }
}

const prim = (name: string): Primitive => {
  const p = lookupPrimitive(name)
  if (!p) throw new Error(`laws/samples: no primitive named ${name}`)
  return p
}
const domainOf = (name: string): Domain => (prim(name).laws?.domain ?? "real") as Domain
const tupleOf = (xs: Arbitrary<Array>[]): Arbitrary<Array[]> => (xs.length === 0 ? fc.constant([]) : fc.tuple(...xs).map((t) => [...t]))

// elementwise ------------------------------------------------------------------------------

function unary(name: string, domain: Domain = domainOf(name)): Spec<{ shape: number[]; dtype: DType }> {
  const accepted = acceptedDtypes(prim(name), 1)
  return {
    config: (mode) => fc.record({ shape: smallShape(), dtype: dtypeArb(accepted, mode) }),
    args: ({ shape, dtype }) => tupleOf([arr(shape, dtype, domain)]),
  }
}

type BinC = { shape: number[]; dtype: DType; scalar: 0 | 1 | 2 }
/** Equal shapes, or one operand rank 0 (`scalar` = 1: lhs, 2: rhs). */
function binary(name: string, domains: [Domain, Domain] = [domainOf(name), domainOf(name)]): Spec<BinC> {
  const accepted = acceptedDtypes(prim(name), 2)
  return {
    config: (mode) => fc.record({ shape: smallShape(), dtype: dtypeArb(accepted, mode), scalar: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
    args: ({ shape, dtype, scalar }) => tupleOf([arr(scalar === 1 ? [] : shape, dtype, domains[0]), arr(scalar === 2 ? [] : shape, dtype, domains[1])]),
  }
}

/** max/min: operands at least 0.2 apart in float64 (ties are kinks, checked in test/). */
function extremum(name: string): Spec<BinC> {
  const base = binary(name)
  return {
    config: base.config,
    // the rank-0 operand (else x) is the base; the other is base + gaps of size 0.2..1
    args: (c) => {
      if (c.dtype !== "float64") return base.args(c)
      const full = c.shape, n = full.reduce((a, b) => a * b, 1)
      const gap = fc.tuple(fc.boolean(), uniform(0.2, 1)).map(([s, v]) => (s ? -v : v))
      return fc.tuple(arr(c.scalar === 0 ? full : [], "float64"), fc.array(gap, { minLength: n, maxLength: n })).map(([b, d]) => {
        const bv = b.toTypedArray()
        const other = fromValues(d.map((g, i) => bv[b.size === 1 ? 0 : i]! + g), full, "float64")
        return c.scalar === 2 ? [other, b] : [b, other]
      })
    },
  }
}

type SelC = { shape: number[]; dtype: DType; scalars: [boolean, boolean, boolean] }
const selectSpec: Spec<SelC> = {
  config: (mode) => fc.record({ shape: smallShape(), dtype: dtypeArb(["float64", "float32", "int32", "uint32", "bool"], mode), scalars: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()) }),
  args: ({ shape, dtype, scalars }) => tupleOf([arr(scalars[0] ? [] : shape, "bool"), arr(scalars[1] ? [] : shape, dtype), arr(scalars[2] ? [] : shape, dtype)]),
}

// check_converged: the identity on x; residuals far below tol (raising is tested in test/implicit.test.ts)
type CheckC = { shape: number[]; dtype: DType }
const checkConvergedSpec: Spec<CheckC> = {
  config: (mode) => fc.record({ shape: smallShape(), dtype: dtypeArb(["float64", "float32", "int32", "uint32", "bool"], mode) }),
  args: ({ shape, dtype }) => tupleOf([arr(shape, dtype), arr([], "float64"), arr([], "int32")]),
  params: () => ({ tol: 1e300, fn: "implicit.rootSolve" }),
}

type PowC = { shape: number[]; dtype: DType; y: number }
const integerPowSpec: Spec<PowC> = {
  config: (mode) => fc.record({ shape: smallShape(), dtype: dtypeArb(acceptedDtypes(prim("integer_pow"), 1, { y: 2 }), mode), y: fc.integer({ min: -3, max: 4 }) }),
  args: ({ shape, dtype, y }) => tupleOf([arr(shape, dtype, y < 0 ? "nonzero" : "real")]),
  params: ({ y }) => ({ y }),
}

// reductions -------------------------------------------------------------------------------

type RedC = { shape: number[]; dtype: DType; axes: number[] }
function reduction(name: string, domain: Domain | "distinct"): Spec<RedC> {
  const accepted = acceptedDtypes(prim(name), 1, { axes: [] })
  return {
    config: (mode) => smallShape(1, 3).chain((shape) =>
      fc.record({ shape: fc.constant(shape), dtype: dtypeArb(accepted, mode), axes: fc.oneof({ arbitrary: shuffledSubset(shape.length, 1), weight: 4 }, { arbitrary: fc.constant<number[]>([]), weight: 1 }) })),
    args: ({ shape, dtype }) => tupleOf([domain === "distinct" && dtype === "float64" ? distinct(shape) : arr(shape, dtype, domain === "distinct" ? "grid" : domain)]),
    params: ({ axes }) => ({ axes }),
  }
}

type AxisC = { shape: number[]; dtype: DType; axis: number; reverse: boolean }
function alongAxis(domain: Domain, params: (c: AxisC) => Record<string, unknown>, dtypes: readonly DType[]): Spec<AxisC> {
  return {
    config: (mode) => smallShape(1, 3).chain((shape) => fc.record({
      shape: fc.constant(shape), dtype: dtypeArb(dtypes, mode),
      axis: fc.integer({ min: 0, max: shape.length - 1 }), reverse: fc.boolean(),
    })),
    args: ({ shape, dtype }) => tupleOf([arr(shape, dtype, domain)]),
    params,
  }
}

// shape ------------------------------------------------------------------------------------

const anyDtype = (mode: Mode) => dtypeArb(["float64", "float32", "int32", "uint32", "bool"], mode)
const numericDtype = (mode: Mode) => dtypeArb(["float64", "float32", "int32", "uint32"], mode)

type BidC = { target: number[]; dims: number[]; ones: boolean[]; dtype: DType }
const broadcastSpec: Spec<BidC> = {
  config: (mode) => smallShape(0, 3).chain((target) => fc.record({
    target: fc.constant(target), dims: sortedSubset(target.length),
    ones: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), dtype: anyDtype(mode),
  })),
  args: ({ target, dims, ones, dtype }) => tupleOf([arr(dims.map((d, i) => (ones[i] ? 1 : target[d]!)), dtype)]),
  params: ({ target, dims }) => ({ shape: target, broadcast_dimensions: dims }),
}

/** Regroups the factors of `shape`'s size into another shape, with 1s inserted by `picks`. */
function regroup(shape: readonly number[], picks: readonly number[]): number[] {
  let n = shape.reduce((a, b) => a * b, 1)
  const out: number[] = []
  for (const p of picks) {
    if (p % 4 === 0) { out.push(1); continue }
    const divisors = range(n + 1).filter((d) => d > 1 && n % d === 0)
    if (divisors.length === 0) break
    const d = divisors[p % divisors.length]!
    out.push(d); n /= d
  }
  if (n > 1) out.push(n)
  return out
}
type ReshapeC = { shape: number[]; picks: number[]; dtype: DType }
const reshapeSpec: Spec<ReshapeC> = {
  config: (mode) => fc.record({ shape: smallShape(0, 3), picks: fc.array(fc.nat(20), { maxLength: 4 }), dtype: anyDtype(mode) }),
  args: ({ shape, dtype }) => tupleOf([arr(shape, dtype)]),
  params: ({ shape, picks }) => ({ new_sizes: regroup(shape, picks) }),
}

type PermC = { shape: number[]; perm: number[]; dtype: DType }
const transposeSpec: Spec<PermC> = {
  config: (mode) => smallShape(0, 3).chain((shape) => fc.record({ shape: fc.constant(shape), perm: permutation(shape.length), dtype: anyDtype(mode) })),
  args: ({ shape, dtype }) => tupleOf([arr(shape, dtype)]),
  params: ({ perm }) => ({ permutation: perm }),
}

type SliceC = { shape: number[]; spans: [number, number, number][]; dtype: DType }
const sliceSpec: Spec<SliceC> = {
  config: (mode) => smallShape(0, 3).chain((shape) => fc.record({
    shape: fc.constant(shape), dtype: anyDtype(mode),
    spans: fc.tuple(...shape.map((d) => fc.tuple(fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 1, max: 3 })))) as Arbitrary<[number, number, number][]>,
  })),
  args: ({ shape, dtype }) => tupleOf([arr(shape, dtype)]),
  // nonempty on every axis: [min, max] of two draws
  params: ({ spans }) => ({
    start_indices: spans.map(([a, b]) => Math.min(a, b)), limit_indices: spans.map(([a, b]) => Math.max(a, b) + 1), strides: spans.map(([, , s]) => s),
  }),
}

type PadC = { shape: number[]; config: [number, number, number][]; value: number; dtype: DType }
const padSpec: Spec<PadC> = {
  config: (mode) => smallShape(0, 3).chain((shape) => fc.record({
    shape: fc.constant(shape), dtype: numericDtype(mode), value: fc.integer({ min: -3, max: 3 }),
    config: fc.tuple(...shape.map(() => fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2)))) as Arbitrary<[number, number, number][]>,
  })),
  args: ({ shape, dtype }) => tupleOf([arr(shape, dtype)]),
  params: ({ config, value }) => ({ value, padding_config: config }),
}

type ConcatC = { shape: number[]; dim: number; sizes: number[]; dtype: DType }
const concatSpec: Spec<ConcatC> = {
  config: (mode) => smallShape(1, 3).chain((shape) => fc.record({
    shape: fc.constant(shape), dim: fc.integer({ min: 0, max: shape.length - 1 }), dtype: anyDtype(mode),
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  })),
  args: ({ shape, dim, sizes, dtype }) => tupleOf(sizes.map((s) => arr(shape.map((d, i) => (i === dim ? s : d)), dtype))),
  params: ({ dim }) => ({ dimension: dim }),
}

type RevC = { shape: number[]; dims: number[]; dtype: DType }
const revSpec: Spec<RevC> = {
  config: (mode) => smallShape(0, 3).chain((shape) => fc.record({ shape: fc.constant(shape), dims: sortedSubset(shape.length), dtype: anyDtype(mode) })),
  args: ({ shape, dtype }) => tupleOf([arr(shape, dtype)]),
  params: ({ dims }) => ({ dimensions: dims }),
}

type ConvC = { shape: number[]; from: DType; to: DType; weak: boolean }
const convertSpec: Spec<ConvC> = {
  config: (mode) => fc.record({ shape: smallShape(), from: anyDtype(mode), to: anyDtype(mode), weak: fc.boolean() }),
  args: ({ shape, from }) => tupleOf([arr(shape, from)]),
  params: ({ to, weak }) => ({ new_dtype: to, weak_type: weak }),
}

type IotaC = { shape: number[]; dimension: number; dtype: DType }
const iotaSpec: Spec<IotaC> = {
  config: (mode) => smallShape(1, 3).chain((shape) => fc.record({ shape: fc.constant(shape), dimension: fc.integer({ min: 0, max: shape.length - 1 }), dtype: numericDtype(mode) })),
  args: () => fc.constant([]),
  params: ({ shape, dimension, dtype }) => ({ dtype, shape, dimension }),
}

type TakeC = { shape: number[]; axis: number; idxShape: number[]; dtype: DType; idxDtype: DType }
function takeConfig(dtypes: (mode: Mode) => Arbitrary<DType>) {
  return (mode: Mode) => smallShape(1, 3).chain((shape) => fc.record({
    shape: fc.constant(shape), axis: fc.integer({ min: 0, max: shape.length - 1 }), idxShape: smallShape(0, 2),
    dtype: dtypes(mode), idxDtype: fc.constantFrom<DType>("int32", "uint32"),
  }))
}
/** Indices including negative (wrapped) and out-of-range (clamped) ones. */
const indices = (c: TakeC): Arbitrary<Array> => {
  const n = c.shape[c.axis]!, m = c.idxShape.reduce((a, b) => a * b, 1)
  return fc.array(fc.integer({ min: c.idxDtype === "uint32" ? 0 : -n - 1, max: n }), { minLength: m, maxLength: m })
    .map((v) => fromValues(v, c.idxShape, c.idxDtype))
}
const takeShape = (c: TakeC) => [...c.shape.slice(0, c.axis), ...c.idxShape, ...c.shape.slice(c.axis + 1)]
const gatherSpec: Spec<TakeC> = {
  config: takeConfig(anyDtype),
  args: (c) => tupleOf([arr(c.shape, c.dtype), indices(c)]),
  params: ({ axis }) => ({ axis }),
}
const scatterAddSpec: Spec<TakeC> = {
  config: takeConfig(numericDtype),
  args: (c) => tupleOf([arr(c.shape, c.dtype), indices(c), arr(takeShape(c), c.dtype)]),
  params: ({ axis }) => ({ axis }),
}

// the table --------------------------------------------------------------------------------

const unaries = ["neg", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan", "exp", "expm1", "log", "log1p", "sqrt", "logistic", "abs"]
const comparisons = ["eq", "ne", "lt", "le", "gt", "ge"]

/** Primitives no law samples directly, with the reason. */
export const exempt: Record<string, string> = {
  debug_print: "it writes to the console; its rules (JVP on the primals only, one call per lane under vmap) are debug_callback's, which is sampled",
  custom_vjp_lin: "it has no kernel, JVP or batch rule by design (it only exists inside the linearization of custom_vjp_call, where forward mode is an error); the vjp law of custom_vjp_call transposes it",
}

export const samples: Record<string, Spec> = {
  ...randomSamples,
  debug_callback: { ...unary("stop_gradient"), params: () => ({ callback: () => undefined }) },
  ...isotonicSamples,
  ...Object.fromEntries(unaries.map((n) => [n, unary(n)])),
  sign: unary("sign", "grid"), floor: unary("floor", "grid"), ceil: unary("ceil", "grid"), round: unary("round", "grid"),
  is_finite: unary("is_finite", "special"),
  not: unary("not"),
  stop_gradient: unary("stop_gradient"),
  name: { ...unary("name"), params: () => ({ name: "tagged" }) },
  integer_pow: integerPowSpec,
  add: binary("add"), sub: binary("sub"), mul: binary("mul"),
  div: binary("div", ["real", "nonzero"]),
  pow: binary("pow", ["positive", "real"]),
  atan2: binary("atan2", ["nonzero", "real"]),
  max: extremum("max"), min: extremum("min"),
  ...Object.fromEntries(comparisons.map((n) => [n, binary(n, ["grid", "grid"])])),
  and: binary("and"), or: binary("or"),
  select_n: selectSpec,
  reduce_sum: reduction("reduce_sum", "real"),
  reduce_max: reduction("reduce_max", "distinct"),
  reduce_min: reduction("reduce_min", "distinct"),
  reduce_prod: reduction("reduce_prod", "mild"),
  argmax: alongAxis("grid", ({ axis }) => ({ axis, index_dtype: "int32" }), ["float64", "float32", "int32", "uint32"]),
  argmin: alongAxis("grid", ({ axis }) => ({ axis, index_dtype: "int32" }), ["float64", "float32", "int32", "uint32"]),
  cumsum: alongAxis("real", ({ axis, reverse }) => ({ axis, reverse }), ["float64", "float32", "int32", "uint32"]),
  broadcast_in_dim: broadcastSpec,
  reshape: reshapeSpec,
  transpose: transposeSpec,
  slice: sliceSpec,
  pad: padSpec,
  concatenate: concatSpec,
  rev: revSpec,
  convert_element_type: convertSpec,
  iota: iotaSpec,
  gather: gatherSpec,
  scatter_add: scatterAddSpec,
  dot_general: dotSpec,
  cholesky: choleskySpec,
  triangular_solve: triangularSolveSpec,
  lu: luSpec,
  solve: solveSpec,
  remat: rematSpec,
  remat_jvp: rematJvpSpec,
  cond: condSpec,
  while: { ...whileSpec, refuses: { reverse: "reverse mode of lax.whileLoop without maxIterations is a NonDifferentiableError (SPEC)" } },
  scan: scanSpec,
  custom_jvp_call: customJvpSpec,
  linear_solve: linearSolveSpec,
  check_converged: checkConvergedSpec,
  custom_vjp_call: { ...customVjpSpec, refuses: { forward: "forward mode of a function with a custom VJP is a NonDifferentiableError (SPEC); its VJP is checked against central differences" } },
}

/** Valid (operands, params) of a primitive. */
export function caseArb(spec: Spec, mode: Mode): Arbitrary<Case> {
  return spec.config(mode).chain((c) => spec.args(c).map((args) => ({ args, params: spec.params?.(c) ?? {}, ...(spec.tie ? { tie: spec.tie(c) } : {}) })))
}

/** `n` independent operand lists sharing one configuration (the lanes of a batch). */
export function lanesArb(spec: Spec, mode: Mode, n: number): Arbitrary<{ lanes: Array[][]; params: Record<string, unknown> }> {
  return spec.config(mode).chain((c) => fc.array(spec.args(c), { minLength: n, maxLength: n }).map((lanes) => ({ lanes, params: spec.params?.(c) ?? {} })))
}

