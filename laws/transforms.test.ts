// Laws of the transforms on random programs: short compositions of numpy operations (smooth
// maps, reductions, shape moves, a matrix product, a linear solve, a gather, kinks) over
// vectors. jacfwd equals jacrev; Hessians are symmetric and all four second-derivative
// routes agree; grad is additive; nested vmaps with different in/out axes equal per-example
// results; vmap of grad equals per-example grads; linearize equals jvp.

import fc, { type Arbitrary } from "fast-check"
import { describe, it } from "vitest"
import { type WArray, grad, hessian, jacfwd, jacrev, jvp, linearize, np, vmap } from "wengert"
import { arr, fromValues, range } from "./gen.js"
import { LAW_RUNS } from "./config.js"
import { assertClose, stack } from "./harness.js"

type A = WArray
const N = 6
// fixed operands: a mixing matrix, a well-conditioned system and a permutation
const W = fromValues(range(N * N).map((k) => Math.sin(1 + 3 * k) / 2), [N, N], "float64")
const M = fromValues(range(N * N).map((k) => (k % (N + 1) === 0 ? 4 : Math.cos(2 * k) / 2)), [N, N], "float64")
const PERM = fromValues([3, 0, 5, 1, 4, 2], [N], "int32")

const ops: readonly [string, (x: A, y: A) => A][] = [
  ["sin", (x) => np.sin(x)],
  ["cos", (x) => np.cos(x)],
  ["tanh", (x) => np.tanh(x)],
  ["mul", (x, y) => np.multiply(x, y)],
  ["add", (x, y) => np.add(x, y)],
  ["sub", (x, y) => np.subtract(x, y)],
  ["div", (x, y) => np.divide(x, np.add(1, np.square(y)))],
  ["exp∘tanh", (x) => np.exp(np.tanh(x))],
  ["arctan", (x) => np.arctan(x)],
  ["sqrt", (x) => np.sqrt(np.add(1, np.square(x)))],
  ["log1p", (x) => np.log1p(np.square(x))],
  ["sum", (x, y) => np.multiply(np.sum(x), np.divide(y, N))],
  ["cumsum", (x) => np.multiply(np.cumsum(x), 0.5)],
  ["flip", (x) => np.flip(x)],
  ["roll", (x) => np.concatenate([np.slice(x, [1], [N - 1]), np.slice(x, [0], [1])])],
  ["transpose", (x) => np.reshape(np.transpose(np.reshape(x, [2, N / 2])), [N])],
  ["matvec", (x) => np.matmul(W, x)],
  ["take", (x) => np.take(x, PERM)],
  ["shift", (x) => np.slice(np.pad(x, [[1, 0]]), [0], [N])],
  ["maximum", (x, y) => np.maximum(x, y)],
  ["max", (x, y) => np.multiply(np.max(x), y)],
  ["solve", (x) => np.linalg.solve(M, x)],
  ["cube", (x) => np.multiply(np.power(x, 3), 0.1)],
  ["where", (x, y) => np.where(np.greater(x, 0), x, y)],
  ["prod", (x, y) => np.multiply(np.prod(np.add(1, np.multiply(x, 0.1))), y)],
]

type Prog = readonly { op: number; a: number; b: number }[]
const progArb: Arbitrary<Prog> = fc.array(fc.record({ op: fc.nat(ops.length - 1), a: fc.nat(99), b: fc.nat(99) }), { minLength: 1, maxLength: 6 })
const show = (p: Prog) => p.map((s) => ops[s.op]![0]).join(" → ")

/** Runs a program on inputs: each step applies an op to two earlier values; returns the last. */
function run(p: Prog, inputs: readonly A[]): A {
  const vals = [...inputs]
  for (const s of p) vals.push(ops[s.op]![1](vals[s.a % vals.length]!, vals[s.b % vals.length]!))
  return vals[vals.length - 1]!
}
const vecArb = arr([N], "float64", "unit")
const scalarOf = (p: Prog) => (x: A): A => np.sum(np.sin(run(p, [x, np.cos(x)])))

/** Equal shapes and values within `rtol` of the largest magnitude. */
function close(what: string, got: A, want: A, rtol = 1e-10): void { assertClose(what, got, want, rtol) }
const runs = { numRuns: LAW_RUNS }

describe("derivative routes agree on random programs", () => {
  it("jacfwd equals jacrev", () => {
    fc.assert(fc.property(progArb, vecArb, vecArb, (p, x, y) => {
      const f = (u: A, v: A) => run(p, [u, v])
      const [fx, fy] = jacfwd(f, { argnums: [0, 1] })(x, y) as A[]
      const [rx, ry] = jacrev(f, { argnums: [0, 1] })(x, y) as A[]
      close(`jacobian in x of ${show(p)}`, fx!, rx!)
      close(`jacobian in y of ${show(p)}`, fy!, ry!)
    }), runs)
  })

  it("Hessians are symmetric and agree across fwd/rev compositions", () => {
    fc.assert(fc.property(progArb, vecArb, (p, x) => {
      const g = scalarOf(p)
      const h = hessian(g)(x) as A
      close(`hessian symmetry of ${show(p)}`, h, np.transpose(h))
      close(`hessian vs jacrev(grad) of ${show(p)}`, jacrev(grad(g))(x), h)
      close(`hessian vs jacfwd(jacfwd) of ${show(p)}`, jacfwd(jacfwd(g))(x), h)
    }), { numRuns: Math.max(1, Math.round(LAW_RUNS / 2)) })
  })

  it("grad of a sum of functions is the sum of the grads", () => {
    fc.assert(fc.property(progArb, progArb, vecArb, (p, q, x) => {
      const f = scalarOf(p), g = scalarOf(q)
      close(`grad(${show(p)} + ${show(q)})`, grad((u: A) => np.add(f(u), g(u)))(x), np.add(grad(f)(x), grad(g)(x)), 1e-12)
    }), runs)
  })

  it("linearize equals jvp", () => {
    fc.assert(fc.property(progArb, vecArb, vecArb, (p, x, t) => {
      const f = (u: A) => run(p, [u, np.sin(u)])
      const [y1, jf] = linearize(f, x)
      const [y2, dy] = jvp(f, [x], [t])
      close(`primal of ${show(p)}`, y1, y2, 0)
      close(`tangent of ${show(p)}`, jf(t), dy, 1e-12)
    }), runs)
  })
})

describe("vmap composes", () => {
  const batchArb = (b: number) => fc.array(vecArb, { minLength: b, maxLength: b })

  it("nested vmap with different in/out axes equals per-example results", () => {
    const caseArb = fc.record({ p: progArb, B1: fc.integer({ min: 1, max: 3 }), B2: fc.integer({ min: 1, max: 3 }), axes: fc.nat(15), y: vecArb })
      .chain((c) => fc.array(batchArb(c.B2), { minLength: c.B1, maxLength: c.B1 }).map((lanes) => ({ ...c, lanes })))
    fc.assert(fc.property(caseArb, ({ p, axes, y, lanes }) => {
      const [a2, a1, o2, o1] = [axes % 2, (axes >> 1) % 3, (axes >> 2) % 2, (axes >> 3) % 3]
      // x batched at two axes (inner a2, then outer a1); y shared by every example
      const X = stack(lanes.map((row) => stack(row, a2)), a1)
      const f = (u: A, v: A) => run(p, [u, v])
      const got = vmap(vmap(f, { inAxes: [a2, null], outAxes: o2 }), { inAxes: [a1, null], outAxes: o1 })(X, y) as A
      const want = stack(lanes.map((row) => stack(row.map((x) => f(x, y)), o2)), o1)
      close(`vmap∘vmap of ${show(p)} (in ${a1}/${a2}, out ${o1}/${o2})`, got, want, 1e-12)
    }), runs)
  })

  it("vmap of grad equals per-example grads", () => {
    const caseArb = fc.record({ p: progArb, B: fc.integer({ min: 1, max: 4 }), axis: fc.nat(1) })
      .chain((c) => batchArb(c.B).map((lanes) => ({ ...c, lanes })))
    fc.assert(fc.property(caseArb, ({ p, axis, lanes }) => {
      const g = grad(scalarOf(p))
      close(`vmap(grad) of ${show(p)}`, vmap(g, { inAxes: axis, outAxes: axis })(stack(lanes, axis)), stack(lanes.map((x) => g(x)), axis), 1e-12)
    }), runs)
  })
})

