// The JS code generator means what the interpreter means: on random programs (chains of
// elementwise ops, reductions, broadcasts, views, dots, pads, cumsums, converts; float64 and
// float32; shapes from scalars through small vectors to matrices), jit(f)(x) equals
// evalJaxpr(makeJaxpr(f)(x), x) bit for bit, for f and for grad of it. Unrolled scalar loops
// (which the generator re-rolls) agree with the interpreter and with the generator without
// re-rolling.

import fc, { type Arbitrary } from "fast-check"
import { describe, it } from "vitest"
import { evalJaxpr, grad, jit, makeJaxpr } from "wengert"
import * as lax from "../src/lax/index.js"
import { type Array, NdArray } from "../src/core/array.js"
import type { DType } from "../src/core/dtype.js"
import { compileJaxpr } from "../src/backends/jsgen/compile.js"
import { LAW_RUNS } from "./config.js"
import { expectSame } from "../test/backends/jsgenSame.js"

type A = Array
const sc = (x: A, v: number): A => NdArray.scalar(v, x.dtype)
const range = (n: number) => [...globalThis.Array(n).keys()]
const finiteOr0 = (x: A): A => lax.select(lax.isFinite(x), x, lax.broadcastInDim(sc(x, 0), x.shape, []))

/** One op: from earlier values x, y (shape S or scalar) and a small integer c, a new value. */
type Op = (x: A, y: A, c: number) => A
const unary: [string, (x: A) => A][] = [
  ["neg", lax.neg], ["sin", lax.sin], ["cos", lax.cos], ["tanh", lax.tanh], ["exp", lax.exp], ["log", lax.log],
  ["sqrt", lax.sqrt], ["abs", lax.abs], ["log1p", lax.log1p], ["expm1", lax.expm1], ["atan", lax.atan],
  ["logistic", lax.logistic], ["floor", lax.floor], ["sign", lax.sign], ["round", lax.round],
  ["square", (x) => lax.integerPow(x, 2)], ["cube", (x) => lax.integerPow(x, 3)], ["recip", (x) => lax.integerPow(x, -1)],
]
const binary: [string, (x: A, y: A) => A][] = [
  ["add", lax.add], ["sub", lax.sub], ["mul", lax.mul], ["div", lax.div], ["max", lax.max], ["min", lax.min],
  ["atan2", lax.atan2], ["pow", lax.pow], ["where", (x, y) => lax.select(lax.gt(x, y), x, y)],
]
const full = (x: A) => x.shape.map((_, i) => i)
const structural: [string, Op][] = [
  // reduce over a subset of axes, then broadcast back
  ["reduce", (x, _y, c) => {
    if (x.ndim === 0) return x
    const axes = full(x).filter((a) => (c >> a) & 1)
    const r = [lax.reduceSum, lax.reduceMax, lax.reduceMin][c % 3]!(x, axes.length ? axes : [0])
    const used = axes.length ? axes : [0]
    return lax.broadcastInDim(r, x.shape, full(x).filter((a) => !used.includes(a)))
  }],
  ["sumAll", (x) => lax.reduceSum(x, full(x))],
  ["transposed", (x, _y, c) => {
    if (x.ndim < 2) return lax.sin(x)
    const perm = full(x).reverse()
    if (c % 2) [perm[0], perm[1]] = [perm[1]!, perm[0]!]
    const inv = perm.map((_, i) => perm.indexOf(i))
    return lax.transpose(lax.cos(lax.transpose(x, perm)), inv)
  }],
  ["dot", (x) => {
    const t = lax.tanh(finiteOr0(x))
    if (x.ndim === 1) return lax.dotGeneral(t, t, { lhs_contracting: [0], rhs_contracting: [0], lhs_batch: [], rhs_batch: [] })
    if (x.ndim !== 2) return t
    const g = lax.dotGeneral(t, t, { lhs_contracting: [1], rhs_contracting: [1], lhs_batch: [], rhs_batch: [] })
    return lax.dotGeneral(g, t, { lhs_contracting: [1], rhs_contracting: [0], lhs_batch: [], rhs_batch: [] })
  }],
  ["shift", (x) => {
    if (x.ndim === 0) return x
    const lim = x.shape.map((d, i) => (i === 0 ? d - 1 : d))
    return lax.pad(lax.slice(x, x.shape.map(() => 0), lim), 0, x.shape.map((_, i) => [i === 0 ? 1 : 0, 0, 0] as [number, number, number]))
  }],
  ["cumsum", (x, _y, c) => (x.ndim === 0 ? x : lax.cumsum(x, c % x.ndim, c % 2 === 1))],
  ["rev", (x, _y, c) => (x.ndim === 0 ? x : lax.rev(x, [c % x.ndim]))],
  ["convert", (x) => { const y = lax.convert(x, x.dtype === "float64" ? "float32" : "float64"); return lax.convert(lax.mul(y, sc(y, 1.5)), x.dtype) }],
  ["flat", (x) => lax.reshape(lax.exp(lax.reshape(x, [x.size])), x.shape)],
  // unit axes in and out of a fused chain; a pad of a fused value (stored in place by its loop)
  // a dot with no contracted axes (the per-example-gradient shape): batch over axis 0, then sum the rhs copy away
  ["outer", (x) => {
    if (x.ndim === 0) return x
    const o = lax.dotGeneral(lax.sin(x), x, { lhs_contracting: [], rhs_contracting: [], lhs_batch: [0], rhs_batch: [0] })
    return x.ndim === 1 ? o : lax.reduceSum(o, range(x.ndim - 1).map((i) => x.ndim + i))
  }],
  ["unit", (x) => lax.reshape(lax.sin(lax.reshape(lax.neg(x), [1, ...x.shape, 1])), x.shape)],
  ["padFused", (x, _y, c) => (x.ndim === 0 ? x
    : lax.slice(lax.pad(lax.neg(x), c % 3, x.shape.map((_, i) => [i === 0 ? 1 : 0, i === 0 ? 0 : 1, 0] as [number, number, number])), x.shape.map(() => 0), x.shape))],
  // a full reduction, a scalar op on it (still a pending sink when it is read), broadcast back
  // by a rank-0 operand (the log-softmax shape: x - log Σ exp x)
  ["sinkScalar", (x, _y, c) => lax.sub(x, [lax.log1p, lax.tanh, lax.neg][c % 3]!(lax.abs(lax.reduceSum(x, full(x)))))],
  // two pads of values of one loop added (one step apart along the last axis: a stencil sum,
  // added in that loop with one operand carried a step), sliced back to x's shape
  ["stencil", (x, _y, c) => {
    if (x.ndim === 0) return x
    const cfg = (lo: number) => x.shape.map((_, i) => (i === x.ndim - 1 ? [lo, 2 - lo, 0] : [0, 0, 0]) as [number, number, number])
    const s = lax.add(lax.pad(lax.sin(x), 0, cfg(c % 3)), lax.pad(lax.neg(x), c & 8 ? -0 : 1.5, cfg((c >> 2) % 3)))
    return lax.slice(s, x.shape.map((_, i) => (i === x.ndim - 1 ? 1 : 0)), x.shape.map((d, i) => (i === x.ndim - 1 ? d + 1 : d)))
  }],
  ["concat", (x) => (x.ndim === 0 ? x : lax.slice(lax.concatenate([x, lax.neg(x)], 0), x.shape.map(() => 0), x.shape))],
]
const OPS: [string, Op][] = [
  ...unary.map(([n, f]): [string, Op] => [n, (x) => f(x)]),
  ...binary.map(([n, f]): [string, Op] => [n, (x, y) => f(x, y)]),
  ...structural,
]

type Step = { op: number; a: number; b: number; c: number }
interface Case { shape: number[]; dtype: DType; steps: Step[]; x: number[]; s: number }
const caseArb: Arbitrary<Case> = fc.record({
  shape: fc.oneof(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), fc.constantFrom<number[]>([5, 7], [40], [3, 9, 2])),
  dtype: fc.constantFrom<DType>("float64", "float32"),
  steps: fc.array(fc.record({ op: fc.nat(OPS.length - 1), a: fc.nat(31), b: fc.nat(31), c: fc.nat(15) }), { minLength: 1, maxLength: 8 }),
  s: fc.double({ min: -3, max: 3, noNaN: true }),
}).chain((c) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: size(c.shape), maxLength: size(c.shape) }).map((x) => ({ ...c, x })))
function size(s: readonly number[]) { return s.reduce((a, b) => a * b, 1) }
const show = (c: Case) => `${c.dtype}[${c.shape}] ${c.steps.map((s) => OPS[s.op]![0]).join(" → ")}`

function program(steps: readonly Step[]) {
  return (x: A, s: A): A[] => {
    const vals: A[] = [x, s]
    for (const st of steps) vals.push(OPS[st.op]![1](vals[st.a % vals.length]!, vals[st.b % vals.length]!, st.c))
    return [vals[vals.length - 1]!, vals[Math.floor(vals.length / 2)]!]
  }
}
function inputs(c: Case): [A, A] {
  const data = c.dtype === "float64" ? Float64Array.from(c.x) : Float32Array.from(c.x)
  return [new NdArray(data, c.shape, c.dtype), NdArray.scalar(c.s, c.dtype)]
}

describe("jit ≡ interpreter", () => {
  it("on random programs", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const f = program(c.steps), [x, s] = inputs(c)
      expectSame(jit(f)(x, s), evalJaxpr(makeJaxpr(f)(x, s), x, s), show(c))
    }), { numRuns: LAW_RUNS })
  })

  it("on gradients of random programs", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const p = program(c.steps)
      const f = (x: A, s: A) => { const [a, b] = p(x, s); return lax.add(lax.reduceSum(a!, full(a!)), lax.reduceSum(b!, full(b!))) }
      const g = grad(f, { argnums: [0, 1] })
      const [x, s] = inputs(c)
      expectSame(jit(g)(x, s) as A[], evalJaxpr(makeJaxpr(g)(x, s), x, s), `grad of ${show(c)}`)
    }), { numRuns: LAW_RUNS })
  })

  // an unrolled loop: a random block over carried scalars with per-step constants
  const loopArb = fc.record({
    block: fc.array(fc.record({ op: fc.nat(unary.length + binary.length - 1), a: fc.nat(7), b: fc.nat(7) }), { minLength: 2, maxLength: 6 }),
    steps: fc.integer({ min: 8, max: 60 }),
    dtype: fc.constantFrom<DType>("float64", "float32"),
    p: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
  })
  it("on scans (inlined loops over scalars, and over arrays through impl), and their gradients", () => {
    fc.assert(fc.property(loopArb, fc.boolean(), fc.boolean(), ({ block, steps, dtype, p }, reverse, vector) => {
      const shape = vector ? [2] : []
      const f = (q: A): A => {
        const st0 = [0, 1, 2].map((i) => lax.broadcastInDim(lax.reshape(lax.slice(q, [i], [i + 1]), []), shape, []))
        const xs = lax.mul(lax.sin(lax.iota(dtype, [steps, ...shape], 0)), sc(q, 0.25))
        const [carry, ys] = lax.scan((st: A[], x: A) => {
          const vals = [...st, x]
          for (const b of block) {
            const u = vals[b.a % vals.length]!, w = vals[b.b % vals.length]!
            vals.push(b.op < unary.length ? lax.tanh(unary[b.op]![1](u)) : lax.tanh(binary[b.op - unary.length]![1](u, w)))
          }
          const y = vals[vals.length - 1]!
          return [[y, st[0]!, lax.mul(st[2]!, sc(q, 0.5))], lax.mul(y, y)]
        }, st0, xs, { reverse }) as [A[], A]
        return lax.add(lax.reduceSum(ys, full(ys)), lax.reduceSum(carry[0]!, full(carry[0]!)))
      }
      const q = new NdArray(dtype === "float64" ? Float64Array.from(p) : Float32Array.from(p), [3], dtype)
      for (const h of [f, grad(f)]) expectSame([jit(h)(q) as A], evalJaxpr(makeJaxpr(h)(q), q), `${reverse ? "reverse " : ""}scan${vector ? " over [2]" : ""}`)
    }), { numRuns: LAW_RUNS })
  })

  it("on unrolled scalar loops (re-rolled), and their gradients", () => {
    fc.assert(fc.property(loopArb, ({ block, steps, dtype, p }) => {
      const f = (q: A): A => {
        let st = [0, 1, 2].map((i) => lax.reshape(lax.slice(q, [i], [i + 1]), []))
        let loss: A = sc(q, 0)
        for (let t = 0; t < steps; t++) {
          const vals = [...st, sc(q, Math.sin(t) / 4)]
          for (const b of block) {
            const x = vals[b.a % vals.length]!, y = vals[b.b % vals.length]!
            vals.push(b.op < unary.length ? lax.tanh(unary[b.op]![1](x)) : lax.tanh(binary[b.op - unary.length]![1](x, y)))
          }
          st = [vals[vals.length - 1]!, st[0]!, lax.mul(st[2]!, sc(q, 0.5))]
          loss = lax.add(loss, lax.integerPow(st[0]!, 2))
        }
        return loss
      }
      const q = new NdArray(dtype === "float64" ? Float64Array.from(p) : Float32Array.from(p), [3], dtype)
      for (const h of [f, grad(f)]) {
        const closed = makeJaxpr(h)(q)
        const want = evalJaxpr(closed, q)
        expectSame([jit(h)(q) as A], want, "jit")
        expectSame(compileJaxpr(closed, { reroll: false }).run([q]), want, "without re-rolling")
      }
    }), { numRuns: LAW_RUNS })
  })
})
