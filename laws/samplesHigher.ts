// Samples of the higher-order primitives (cond, while, scan, custom_jvp_call, custom_vjp_call,
// linear_solve, remat, remat_jvp), whose params hold sub-jaxprs: most are sampled by example. A small function is written with the
// user-facing API (lax.switch, lax.whileLoop, lax.scan, customJvp, customVjp), traced, and the
// equation of the primitive is taken from the trace: its params, and its operand types, for
// which values are then drawn (with a few operands constrained, such as a branch index).

import fc, { type Arbitrary } from "fast-check"
import type { Array } from "../src/core/array.js"
import { NdArray } from "../src/core/array.js"
import { ShapedArray } from "../src/core/aval.js"
import type { ClosedJaxpr } from "../src/core/ir.js"
import type { DType } from "../src/core/dtype.js"
import * as lax from "../src/lax/index.js"
import { add, cos, exp, lt, mul, sin, tanh } from "../src/prims/elementwise.js"
import { reduceSum } from "../src/prims/reductions.js"
import { customJvp, customVjp } from "../src/transforms/custom.js"
import { traceJaxprFlat } from "../src/transforms/makeJaxpr.js"
import { dotGeneral } from "../src/prims/dot.js"
import { solveP } from "../src/prims/linalg.js"
import { reshape } from "../src/prims/shape.js"
import { bind1 } from "../src/core/trace.js"
import { arr, matrices, range, smallShape } from "./gen.js"
import type { Spec } from "./samples.js"

/** Params, operand types and ties (tie[i]: the first operand that is the same value as operand i). */
interface Traced { readonly params: Record<string, unknown>; readonly inAvals: readonly ShapedArray[]; readonly tie: readonly number[] }

/** The params and operand types of the first `name` equation in the trace of `f`. */
function traceOne(name: string, f: (xs: Array[]) => Array[], avals: readonly ShapedArray[]): Traced {
  const j = traceJaxprFlat("laws", f, avals)
  const e = j.jaxpr.eqns.find((q) => q.prim.name === name)
  if (!e) throw new Error(`laws/samplesHigher: tracing gave no ${name} equation:\n${j.toString()}`)
  return { params: e.params, inAvals: e.inputs.map((a) => a.aval), tie: e.inputs.map((a) => e.inputs.indexOf(a)) }
}

/** A spec from a family of example programs indexed by (shape, variant); `special` overrides some operands. */
function byExample(name: string, variants: number, build: (shape: number[], variant: number) => { f: (xs: Array[]) => Array[]; avals: ShapedArray[] },
  special: (c: { shape: number[]; variant: number }, i: number, aval: ShapedArray) => Arbitrary<Array> | null = () => null): Spec<{ shape: number[]; variant: number }> {
  const cache = new Map<string, Traced>()
  const traced = (c: { shape: number[]; variant: number }): Traced => {
    const key = `${c.variant}:${c.shape.join(",")}`
    let t = cache.get(key)
    if (!t) { const { f, avals } = build(c.shape, c.variant); t = traceOne(name, f, avals); cache.set(key, t) }
    return t
  }
  return {
    config: () => fc.record({ shape: smallShape(0, 2), variant: fc.nat(variants - 1) }),
    params: (c) => traced(c).params,
    tie: (c) => traced(c).tie,
    // one draw per distinct value; tied operands repeat it
    args: (c) => {
      const { inAvals: avals, tie } = traced(c)
      if (avals.length === 0) return fc.constant([])
      return fc.tuple(...avals.map((a, i) => (tie[i] === i ? special(c, i, a) ?? arr(a.shape, a.dtype as DType) : fc.constant(null))))
        .map((t) => { const out: Array[] = []; t.forEach((x, i) => out.push(x ?? out[tie[i]!]!)); return out })
    },
  }
}

const f64 = (shape: readonly number[]) => new ShapedArray(shape, "float64")
const int = (shape: readonly number[]) => new ShapedArray(shape, "int32")
const scalar = (v: number, like: Array) => NdArray.scalar(v, like.dtype)

// cond: branches over two operands; the index (operand 0) is drawn in [-1, branches], clamped by the primitive
const branchSets: ((x: Array, y: Array) => Array[])[][] = [
  [(x, y) => [mul(sin(x), y)], (x, y) => [add(x, cos(y))]],
  [(x, y) => [x, mul(x, y)], (x, y) => [exp(tanh(y)), sin(x)], (x, y) => [mul(y, y), add(x, y)]],
]
export const condSpec = byExample("cond", branchSets.length,
  (shape, v) => ({ f: ([i, x, y]) => lax.switch(i!, branchSets[v]!.map((b) => (a: Array, c: Array) => b(a, c)), x!, y!) as Array[], avals: [int([]), f64(shape), f64(shape)] }),
  (c, i) => (i === 0 ? fc.integer({ min: -1, max: branchSets[c.variant]!.length }).map((k) => NdArray.scalar(k, "int32") as Array) : null))

// while: a counter (operand 0 of the carry) runs up to 3, so loops end after 0..5 steps
const whileBodies: ((c: Array[]) => Array[])[] = [
  ([i, x]) => [add(i!, scalar(1, i!)), mul(sin(x!), scalar(0.9, x!))],
  ([i, x, y]) => [add(i!, scalar(1, i!)), add(mul(x!, scalar(0.5, x!)), tanh(y!)), y!],
]
export const whileSpec = byExample("while", whileBodies.length,
  (shape, v) => ({
    f: (xs) => lax.whileLoop((c: Array[]) => lt(c[0]!, NdArray.scalar(3, "int32")), (c: Array[]) => whileBodies[v]!(c), xs) as Array[],
    avals: [int([]), ...range(v + 1).map(() => f64(shape))],
  }),
  (_, i, a) => (a.dtype === "int32" && a.ndim === 0 && i === 0 ? fc.integer({ min: -2, max: 3 }).map((k) => NdArray.scalar(k, "int32") as Array) : null))

// scan: carries and scanned inputs of a few steps, forward and reverse
const scanBodies: ((c: Array[], x: Array[]) => [Array[], Array[]])[] = [
  ([c], [x]) => [[add(mul(c!, cos(x!)), x!)], [sin(c!)]],
  ([c, d], [x]) => [[mul(c!, scalar(0.5, c!)), add(d!, mul(c!, x!))], [mul(d!, x!), exp(tanh(c!))]],
]
export const scanSpec = byExample("scan", 2 * scanBodies.length, (shape, v) => {
  const body = scanBodies[v % scanBodies.length]!, nc = v % scanBodies.length === 0 ? 1 : 2, len = 1 + (shape.length % 3)
  return {
    f: (xs) => {
      const [carry, ys] = lax.scan((c: Array[], x: Array) => body(c, [x]), xs.slice(0, nc), xs[nc]!, { reverse: v >= scanBodies.length })
      return [...(carry as Array[]), ...(ys as Array[])]
    },
    avals: [...range(nc).map(() => f64(shape)), f64([len, ...shape])],
  }
})

// custom_jvp_call: a function with its correct derivative given as a rule
const jvpFns = [
  { f: (x: Array, y: Array) => mul(sin(x), y), jvp: ([x, y]: Array[], [tx, ty]: Array[]) => [mul(sin(x!), y!), add(mul(mul(cos(x!), y!), tx!), mul(sin(x!), ty!))] as [Array, Array] },
  { f: (x: Array, y: Array) => exp(mul(x, y)), jvp: ([x, y]: Array[], [tx, ty]: Array[]) => { const o = exp(mul(x!, y!)); return [o, mul(o, add(mul(tx!, y!), mul(x!, ty!)))] as [Array, Array] } },
]
export const customJvpSpec = byExample("custom_jvp_call", jvpFns.length, (shape, v) => {
  const g = customJvp(jvpFns[v]!.f, { jvp: jvpFns[v]!.jvp })
  return { f: ([x, y]) => [g(x, y)], avals: [f64(shape), f64(shape)] }
})

// custom_vjp_call: a function with its correct backward rule
const vjpFns = [
  {
    f: (x: Array, y: Array) => mul(sin(x), y),
    fwd: (x: Array, y: Array): [Array, Array[]] => [mul(sin(x), y), [x, y]],
    bwd: ([x, y]: Array[], ct: Array) => [mul(ct, mul(cos(x!), y!)), mul(ct, sin(x!))],
  },
  {
    f: (x: Array, y: Array) => reduceSum(mul(tanh(x), y), range(x.ndim)),
    fwd: (x: Array, y: Array): [Array, Array[]] => { const t = tanh(x); return [reduceSum(mul(t, y), range(x.ndim)), [t, y]] },
    bwd: ([t, y]: Array[], ct: Array) => { const c = lax.broadcastInDim(ct, t!.shape, []); return [mul(c, mul(y!, add(scalar(1, t!), mul(t!, mul(t!, scalar(-1, t!)))))), mul(c, t!)] },
  },
]
export const customVjpSpec = byExample("custom_vjp_call", vjpFns.length, (shape, v) => {
  const g = customVjp(vjpFns[v]!.f, { fwd: vjpFns[v]!.fwd, bwd: vjpFns[v]!.bwd })
  return { f: ([x, y]) => [g(x, y)], avals: [f64(shape), f64(shape)] }
})

// linear_solve: x with M x = b, M passed to the matvec, the solver and the transposed solver
// (one value in three operand slots, tied); M is symmetric positive definite or pivoted LU-friendly
const matvec = (m: Array, x: Array) => dotGeneral(m, x, { lhs_contracting: [1], rhs_contracting: [0], lhs_batch: [], rhs_batch: [] })
const solveVec = (m: Array, y: Array, t: boolean) => reshape(bind1(solveP, [m, reshape(y, [y.size, 1])], { transpose_a: t }), [y.size])
export const linearSolveSpec = byExample("linear_solve", 2, (shape, _v) => {
  const n = 1 + shape.length
  return {
    f: ([m, b]) => [lax.customLinearSolve((x: Array) => matvec(m!, x), b!, (_mv: unknown, y: Array) => solveVec(m!, y, false), (_mv: unknown, y: Array) => solveVec(m!, y, true))],
    avals: [f64([n, n]), f64([n])],
  }
}, (c, _i, a) => (a.ndim === 2 ? matrices([], a.shape[0]!, "float64", c.variant === 0 ? "spd" : "pivoted") : null))

// checkpointing ----------------------------------------------------------------------------

/** Small bodies for remat: (inputs) -> outputs, all of one shape (the last reduces to a scalar). */
const bodies: { arity: number; f: (xs: Array[]) => Array[] }[] = [
  { arity: 1, f: ([x]) => [mul(sin(x!), x!)] },
  { arity: 2, f: ([x, y]) => [mul(x!, y!), exp(tanh(y!))] },
  { arity: 2, f: ([x, y]) => [reduceSum(mul(x!, cos(y!)), range(x!.ndim))] },
]
type RematC = { shape: number[]; body: number }
const bodyJaxprs = new Map<string, ClosedJaxpr>()
function rematParams({ shape, body }: RematC): Record<string, unknown> {
  const key = `${body}:${shape.join(",")}`
  let jaxpr = bodyJaxprs.get(key)
  if (!jaxpr) {
    const b = bodies[body]!
    jaxpr = traceJaxprFlat("remat", b.f, range(b.arity).map(() => new ShapedArray(shape, "float64")))
    bodyJaxprs.set(key, jaxpr)
  }
  return { jaxpr, policy: "nothingSaveable" }
}
const rematConfig = (): Arbitrary<RematC> => fc.record({ shape: smallShape(0, 2), body: fc.nat(bodies.length - 1) })
export const rematSpec: Spec<RematC> = {
  config: rematConfig,
  args: ({ shape, body }) => fc.tuple(...range(bodies[body]!.arity).map(() => arr(shape, "float64"))).map((t) => [...t]),
  params: rematParams,
}
export const rematJvpSpec: Spec<RematC> = {
  config: rematConfig,
  args: ({ shape, body }) => fc.tuple(...range(2 * bodies[body]!.arity).map(() => arr(shape, "float64"))).map((t) => [...t]),
  params: rematParams,
}
