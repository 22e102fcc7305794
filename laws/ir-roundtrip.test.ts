// The IR round-trip law: for random programs (compositions of np and lax ops, including
// lax.scan, lax.cond, lax.whileLoop, checkpoint, customJvp and customVjp bodies, an implicit
// fixed point, and debug.print at top level and in a scan body) under random transforms (none, grad, vmap, jvp, jit), traced
// with makeJaxpr:
//   decode(JSON.parse(JSON.stringify(encode(j)))) prints as j, encodes to encode(j), and
//   evaluates to the same numbers, bit for bit.

import fc from "fast-check"
import * as Result from "effect/Result"
import { afterAll, beforeAll, describe, it, vi } from "vitest"
import {
  checkpoint, customJvp, customVjp, debug, evalJaxpr, grad, implicit, ir, jit, jvp, lax, makeJaxpr, np, vmap, type WArray,
} from "wengert"
import { LAW_RUNS } from "./config.js"

type Transform = "none" | "grad" | "vmap" | "jvp" | "jit"
interface Step { readonly op: number; readonly a: number; readonly b: number; readonly k: number }
interface Program { readonly steps: readonly Step[]; readonly transform: Transform; readonly seed: readonly number[] }

const softSin = customJvp((x: WArray) => np.sin(x), { jvp: ([x]: WArray[], [t]: WArray[]) => [np.sin(x), np.multiply(np.cos(x), t)] })
const square = customVjp((x: WArray) => np.multiply(x, x), {
  fwd: (x: WArray) => [np.multiply(x, x), x],
  bwd: (x: WArray, ct: WArray) => [np.multiply(np.multiply(x, 2), ct)],
})

/** Each op maps two f64[3] values (and a small integer k) to an f64[3] value. */
const ops: ((a: WArray, b: WArray, k: number, t: Transform) => WArray)[] = [
  (a) => np.sin(a),
  (a) => np.tanh(a),
  (a) => np.exp(np.negative(np.multiply(a, a))),
  (a, b) => np.add(a, b),
  (a, b) => np.multiply(a, b),
  (a, b) => np.maximum(a, b),
  (a, _, k) => np.multiply(a, k / 4 - 0.5),
  (a, b) => np.add(a, np.sum(b)),
  (a, b) => np.multiply(a, np.dot(a, b)),
  (a, _, k) => np.add(a, np.array([k, -0, 0.5])),
  (a, b) => np.where(np.greater(a, b), a, b),
  (a) => np.concatenate([np.slice(a, [1], [2]), np.slice(a, [0], [1])], 0),
  (a) => np.take(a, np.array([2, 0, 1]).astype("int32")),
  (a) => np.cumsum(a),
  (a) => np.multiply(a.astype("float32"), 0.5).astype("float64"),
  // control flow and custom rules
  (a, b) => lax.scan((c: WArray, x: WArray) => [np.add(np.multiply(c, 0.5), np.sin(x)), np.multiply(c, x)], np.multiply(np.sum(b), 0.1), a)[1],
  (a, b) => lax.cond(np.greater(np.sum(a), 0), (y: WArray) => np.sin(y), (y: WArray) => np.cos(y), b),
  (a, _, k, t) => lax.whileLoop((c: WArray[]) => np.less(c[0]!, 1 + (k % 3)), (c: WArray[]) => [np.add(c[0]!, 1), np.add(np.multiply(c[1]!, 0.9), np.sin(c[1]!))],
    [0, a], t === "grad" ? { maxIterations: 4 } : {})[1],
  (a, b) => checkpoint((u: WArray, v: WArray) => np.multiply(np.sin(u), v))(a, b),
  (a) => softSin(a),
  (a, _, __, t) => (t === "jvp" ? softSin(a) : square(a)),
  (a) => { debug.print("v = {}", a); return a },
  // x = ½cos(x + tanh p): a contraction for every finite p, its rule calling the solution again
  (a, b) => implicit.fixedPoint((x: WArray, p: WArray) => np.multiply(0.5, np.cos(np.add(x, np.tanh(p)))),
    np.where(np.isfinite(np.add(a, b)), np.add(a, b), 0), np.zeros([3])) as WArray,
  // an effect inside a sub-jaxpr (per lane under vmap, on primals under grad and jvp)
  (a, b) => lax.scan((c: WArray, x: WArray) => { debug.print("c = {} x = {}", c, x); return [np.add(c, np.sin(x)), np.multiply(c, x)] }, np.sum(b), a)[1],
]

const program: fc.Arbitrary<Program> = fc.record({
  steps: fc.array(fc.record({ op: fc.nat(ops.length - 1), a: fc.nat(), b: fc.nat(), k: fc.nat(7) }), { minLength: 1, maxLength: 6 }),
  transform: fc.constantFrom<Transform>("none", "grad", "vmap", "jvp", "jit"),
  seed: fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 12, maxLength: 12 }),
})

function body(p: Program): (x: WArray, y: WArray) => WArray {
  return (x, y) => {
    const vs = [x, y]
    for (const s of p.steps) vs.push(ops[s.op]!(vs[s.a % vs.length]!, vs[s.b % vs.length]!, s.k, p.transform))
    return vs[vs.length - 1]!
  }
}

/** The program's jaxpr under its transform, and arguments to evaluate it on. */
function traced(p: Program): [ReturnType<ReturnType<typeof makeJaxpr>>, WArray[]] {
  const f = body(p)
  const v = (i: number) => np.array(p.seed.slice(i, i + 3).map((s) => s / 4))
  const x = v(0), y = v(3), x2 = np.stack([v(0), v(6)], 0)
  switch (p.transform) {
    case "none": return [makeJaxpr(f)(x, y), [x, y]]
    case "grad": return [makeJaxpr(grad((a: WArray, b: WArray) => np.sum(f(a, b))))(x, y), [x, y]]
    case "vmap": return [makeJaxpr(vmap(f, { inAxes: [0, null] }))(x2, y), [x2, y]]
    case "jvp": return [makeJaxpr((a: WArray, b: WArray) => jvp(f, [a, b], [b, a]))(x, y), [x, y]]
    case "jit": return [makeJaxpr(jit(f))(x, y), [x, y]]
  }
}

const sameBits = (a: readonly WArray[], b: readonly WArray[]): boolean =>
  a.length === b.length && a.every((x, i) => {
    const p = x.toTypedArray(), q = b[i]!.toTypedArray()
    return x.dtype === b[i]!.dtype && x.shape.join() === b[i]!.shape.join() && p.every((v, k) => Object.is(v, q[k]))
  })

const close = (a: readonly WArray[], b: readonly WArray[]): boolean =>
  a.length === b.length && a.every((x, i) => {
    const p = x.toTypedArray(), q = b[i]!.toTypedArray()
    return x.shape.join() === b[i]!.shape.join() && p.every((v, k) => Object.is(v, q[k]) || Math.abs(v - q[k]!) <= 1e-12 * Math.max(1, Math.abs(q[k]!)))
  })

beforeAll(() => { vi.spyOn(console, "log").mockImplementation(() => {}) })
afterAll(() => { vi.restoreAllMocks() })

describe("ir round trip", () => {
  it("decode(encode(j)) prints as j, re-encodes identically and computes the same numbers", () => {
    fc.assert(fc.property(program, (p) => {
      const [j, args] = traced(p)
      const json = ir.encode(j)
      const r = ir.decode(JSON.parse(JSON.stringify(json)))
      if (Result.isFailure(r)) throw new Error(`decode failed: ${r.failure.message}`)
      const back = r.success
      if (back.toString() !== j.toString()) throw new Error(`prints differ:\n${j.toString()}\n---\n${back.toString()}`)
      if (JSON.stringify(ir.encode(back)) !== JSON.stringify(json)) throw new Error("re-encoding differs")
      const want = evalJaxpr(j, ...args)
      if (!sameBits(evalJaxpr(back, ...args), want)) throw new Error(`results differ for\n${j.toString()}`)
      // and the decoded program compiles: jit of it agrees with the interpreter
      const compiled = jit((...xs: WArray[]) => evalJaxpr(back, ...xs))(...args) as WArray[]
      if (!close(compiled, want)) throw new Error(`jit of the decoded jaxpr differs for\n${j.toString()}`)
    }), { numRuns: LAW_RUNS })
  })
})
