// Fuzzing ir.decode with fast-check: random JSON and JS values, documents shaped like IR with
// random primitives and params, and mutations of valid encodings (fields deleted, duplicated
// or retyped; JS code, __proto__ and constructor keys injected; huge and negative numbers;
// variable indices pointing forward or nowhere). For every input: decode returns a Result and
// never throws, within a time bound, calling neither Function nor eval; a failure is a
// DecodeError with a path; a success prints, and runs under evalJaxpr.

import fc from "fast-check"
import * as Result from "effect/Result"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { checkpoint, customJvp, customVjp, debug, evalJaxpr, grad, implicit, ir, lax, makeJaxpr, np, vmap, type WArray } from "wengert"
import { NdArray } from "../../src/core/array.js"
import { isWengertError } from "../../src/core/errors.js"
import { ClosedJaxpr, type Jaxpr } from "../../src/core/ir.js"
import { knownPrimitives, primSchema } from "../../src/ir/schema.js"
import { clone } from "./helpers.js"

const RUNS = Number(process.env.WENGERT_FUZZ_RUNS ?? 300)
/** Per input; typical inputs decode in well under a millisecond. */
const TIME_BOUND_MS = 1000

// the corpus: valid encodings of small programs covering every family ----------------------------

const x3 = np.array([0.5, -1.25, 2])
const sq = customVjp((x: WArray) => np.multiply(x, x), { fwd: (x: WArray) => [np.multiply(x, x), x], bwd: (x: WArray, ct: WArray) => [np.multiply(np.multiply(x, 2), ct)] })
const sn = customJvp((x: WArray) => np.sin(x), { jvp: ([x]: WArray[], [t]: WArray[]) => [np.sin(x), np.multiply(np.cos(x), t)] })
const corpus = [
  makeJaxpr((x: WArray) => np.sum(np.sin(np.multiply(x, x))))(x3),
  makeJaxpr((x: WArray) => np.concatenate([np.flip(x, 0), np.pad(x, [[1, 0]]), np.take(x, np.array([2, 0]).astype("int32")), np.cumsum(x)], 0))(x3),
  makeJaxpr((a: WArray) => np.matmul(a, np.transpose(a)))(np.ones([2, 3])),
  makeJaxpr((x: WArray) => [np.argmax(x), np.where(np.greater(x, 0), x, np.array([NaN, -0, Infinity])), x.astype("int32"), np.isfinite(x)])(x3),
  makeJaxpr(grad((x: WArray) => np.sum(np.tanh(np.multiply(x, x)))))(x3),
  makeJaxpr((x: WArray) => lax.scan((c: WArray, xi: WArray) => [np.add(c, np.sin(xi)), np.multiply(c, xi)], 0, x))(x3),
  makeJaxpr(grad((x: WArray) => lax.scan((c: WArray, xi: WArray) => [np.multiply(c, xi), c], 1, x)[0]))(x3),
  makeJaxpr((x: WArray) => lax.cond(np.greater(np.sum(x), 0), (y: WArray) => np.sin(y), (y: WArray) => np.cos(y), x))(x3),
  makeJaxpr((x: WArray) => lax.whileLoop((c: WArray[]) => np.less(c[0]!, 3), (c: WArray[]) => [np.add(c[0]!, 1), np.multiply(c[1]!, 2)], [0, x]))(x3),
  makeJaxpr(grad((x: WArray) => np.sum(checkpoint((y: WArray) => np.sin(np.sin(y)))(x))))(x3),
  makeJaxpr(sn)(x3),
  makeJaxpr(vmap(sq))(np.ones([2, 3])),
  makeJaxpr((x: WArray) => { debug.print("x={} {{}}", x); return np.exp(x) })(x3),
  // effects inside sub-jaxprs (a print in a scan body and in a cond branch inside it)
  makeJaxpr((x: WArray) => lax.scan((c: WArray, xi: WArray) => {
    debug.print("c={}", c)
    return [lax.cond(np.greater(xi, 0), (v: WArray) => { debug.print("pos {}", v); return v }, (v: WArray) => np.negative(v), np.add(c, xi)), null]
  }, 0, x)[0])(x3),
  makeJaxpr((a: WArray) => np.linalg.solve(a, np.linalg.cholesky(a)))(np.eye(2)),
  // an implicit solution: its rule body holds the { self: true } reference to itself
  makeJaxpr((a: WArray) => implicit.fixedPoint((x: WArray, p: WArray) => np.multiply(0.5, np.cos(np.add(x, p))), a, np.zeros([3])))(x3),
].map((j) => ir.encode(j))

// what a mutation may write ---------------------------------------------------------------------

const hostileStrings = [
  "\"); process.exit(1); (\"", "}; globalThis.__fuzzPwned = 1; {", "__proto__", "constructor", "prototype", "toString",
  "NaN", "-0", "Infinity", "-Infinity", "", "sin", "scan", "cond", "debug_callback", "float64", "bool", "uint32", "*",
  "${globalThis.__fuzzPwned = 1}", "a".repeat(300),
]
const hostileNumbers = [-1, -(2 ** 31), 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 1e308, -1e308, -0, 0.5, 1.5, 33, 1e6, 2 ** 20, NaN, Infinity]
const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...hostileStrings), weight: 3 },
  { arbitrary: fc.constantFrom(...hostileNumbers), weight: 3 },
  { arbitrary: fc.integer({ min: -3, max: 40 }), weight: 4 },
  fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant([[[[[[[[1]]]]]]]]),
  fc.constant({ __proto__: null, polluted: 1 }),
  fc.constant({ self: true, name: "rule" }),
)
const keys = ["__proto__", "constructor", "prototype", "toString", "valueOf", "evil", "params", "jaxpr", "shape", "version", "lit", "weak", "self"]

type Mutation = { kind: number; at: number; k: number; v: unknown }
const mutationArb: fc.Arbitrary<Mutation> = fc.record({ kind: fc.nat(7), at: fc.nat(), k: fc.nat(), v: value })

/** Every object and array inside `root`. */
function containers(root: unknown): (Record<string, unknown> | unknown[])[] {
  const out: (Record<string, unknown> | unknown[])[] = []
  const seen = new Set<unknown>()
  const walk = (x: unknown) => {
    if (x === null || typeof x !== "object" || seen.has(x)) return
    seen.add(x)
    out.push(x as Record<string, unknown>)
    for (const v of Object.values(x)) walk(v)
  }
  walk(root)
  return out
}

/** A fresh copy of a pool value (pool values are shared between runs and must stay untouched). */
function fresh(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v
  if (globalThis.Array.isArray(v)) return v.map(fresh)
  const o: Record<string, unknown> = Object.getPrototypeOf(v) === null ? Object.create(null) : {}
  for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: fresh((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true })
  return o
}

function applyMutation(doc: unknown, m0: Mutation): void {
  const m = { ...m0, v: fresh(m0.v) }
  const cs = containers(doc)
  const c = cs[m.at % cs.length]!
  const ks = Object.keys(c)
  const key = ks.length ? ks[m.k % ks.length]! : "0"
  const set = (k: string, v: unknown) => Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true })
  switch (m.kind) {
    case 0: set(key, m.v); break // replace with a hostile value
    case 1: { // delete (by hand: an injected own `constructor` breaks Array methods that create arrays)
      if (!globalThis.Array.isArray(c)) { delete c[key]; break }
      for (let i = m.k % Math.max(1, c.length); i + 1 < c.length; i++) c[i] = c[i + 1]
      if (c.length) c.length--
      break
    }
    case 2: if (globalThis.Array.isArray(c)) c[c.length] = clone(c[m.k % Math.max(1, c.length)] ?? null); else set(keys[m.k % keys.length]!, clone((c as Record<string, unknown>)[key] ?? null)); break // duplicate
    case 3: set(keys[m.k % keys.length]!, m.v); break // inject a key (own __proto__ / constructor included)
    case 4: { // retype: wrap, stringify or unwrap
      const v = (c as Record<string, unknown>)[key]
      set(key, m.k % 3 === 0 ? [v] : m.k % 3 === 1 ? JSON.stringify(v) ?? "undefined" : { value: v })
      break
    }
    case 5: { // move a variable index: forward, backward, far away
      const v = (c as Record<string, unknown>)[key]
      if (typeof v === "number") set(key, [v + 1, v - 1, v + 2, 2 ** 31 - 1, 0][m.k % 5])
      else set(key, m.k % 7)
      break
    }
    case 6: if (typeof (c as Record<string, unknown>)["prim"] === "string") set("prim", knownPrimitives()[m.k % knownPrimitives().length]!); else set(key, m.v); break
    default: set(key, -(m.k % 5) - 1) // a negative size or index
  }
}

// the property ------------------------------------------------------------------------------------

const jaxprsOf = (c: ClosedJaxpr): Jaxpr[] => {
  const out: Jaxpr[] = [], seen = new Set<unknown>(), todo = [c]
  while (todo.length) {
    const j = todo.pop()!
    if (seen.has(j)) continue
    seen.add(j); out.push(j.jaxpr)
    for (const e of j.jaxpr.eqns) for (const v of Object.values(e.params))
      for (const x of globalThis.Array.isArray(v) ? v : [v]) if (x instanceof ClosedJaxpr) todo.push(x)
  }
  return out
}
/** Whether running is bounded: no while loop, short scans, small arrays, few equations. */
function runnable(c: ClosedJaxpr): boolean {
  const js = jaxprsOf(c)
  let eqns = 0
  for (const j of js) {
    eqns += j.eqns.length
    for (const v of [...j.invars, ...j.constvars, ...j.eqns.flatMap((e) => e.outputs)]) if (v.aval.size > 1e5) return false
    for (const e of j.eqns) {
      if (e.prim.name === "while") return false
      if (e.prim.name === "scan" && (e.params["length"] as number) > 64) return false
    }
  }
  return eqns < 5000
}

let calls = 0
const realFunction = globalThis.Function, realEval = globalThis.eval
let maxMs = 0, decoded = 0, ran = 0, failed = 0

function check(input: unknown): void {
  const before = calls, t0 = performance.now()
  let r: ReturnType<typeof ir.decode>
  try { r = ir.decode(input) } catch (e) { throw new Error(`ir.decode threw: ${String(e)}`) }
  const dt = performance.now() - t0
  maxMs = Math.max(maxMs, dt)
  if (dt > TIME_BOUND_MS) throw new Error(`ir.decode took ${dt.toFixed(0)} ms`)
  if (calls !== before) throw new Error("ir.decode called Function or eval")
  if (Result.isFailure(r)) {
    failed++
    const e = r.failure
    if (e._tag !== "DecodeError" || typeof e.path !== "string") throw new Error(`not a DecodeError: ${String(e)}`)
    if (e.message.includes("unexpected")) throw new Error(`validation itself failed: ${e.message}`)
    return
  }
  decoded++
  const c = r.success
  expect(typeof c.toString()).toBe("string")
  if (!runnable(c)) return
  try {
    evalJaxpr(c, ...c.inAvals.map((a) => NdArray.zeros(a.shape, a.dtype)))
    ran++
  } catch (e) {
    if (!isWengertError(e)) throw new Error(`a decoded jaxpr failed to run: ${String(e)}\n${c.toString()}`)
  }
}

beforeAll(() => {
  vi.spyOn(console, "log").mockImplementation(() => {})
  globalThis.Function = new Proxy(realFunction, {
    construct(t, a) { calls++; return Reflect.construct(t, a) },
    apply(t, s, a) { calls++; return Reflect.apply(t, s, a) },
  })
  globalThis.eval = ((s: string) => { calls++; return realEval(s) }) as typeof eval
})
afterAll(() => {
  globalThis.Function = realFunction
  globalThis.eval = realEval
  vi.restoreAllMocks()
  expect((globalThis as Record<string, unknown>)["__fuzzPwned"]).toBeUndefined()
  expect(Object.keys(Object.prototype)).toEqual([])
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  // eslint-disable-next-line no-console
  process.stdout.write(`ir.decode fuzz: ${decoded} decoded (${ran} ran), ${failed} refused, slowest ${maxMs.toFixed(1)} ms\n`)
})

describe("ir.decode under fuzzing", () => {
  it("decodes every corpus entry and runs it", () => {
    for (const d of corpus) check(d)
    expect(decoded).toBe(corpus.length)
  })

  it("never throws on random JSON", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (j) => { check(j); check(JSON.stringify(j)) }), { numRuns: RUNS })
  })

  it("never throws on random JS values (null prototypes, maps, typed arrays, sparse arrays, bigints)", () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 4, withNullPrototype: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBigInt: true, withDate: true, withObjectString: true, withBoxedValues: true }),
      (v) => { check(v) }), { numRuns: RUNS })
  })

  it("never throws on documents shaped like IR with random primitives and params", () => {
    const names = knownPrimitives()
    const paramValue = fc.oneof(fc.integer({ min: -2, max: 5 }), fc.boolean(), fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }),
      fc.constantFrom("float64", "float32", "int32", "uint32", "bool", "nothingSaveable", "x={}", "*", null),
      fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2)), { maxLength: 3 }), value)
    const aval = fc.record({ shape: fc.array(fc.nat(4), { maxLength: 3 }), dtype: fc.constantFrom("float64", "float32", "int32", "uint32", "bool") })
    const atom = fc.oneof(fc.nat(12), fc.record({ lit: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.boolean(), fc.constantFrom("NaN", "-0")), dtype: fc.constantFrom("float64", "int32", "bool") }))
    const eqnArb = fc.constantFrom(...names).chain((prim) => fc.record({
      prim: fc.constant(prim),
      in: fc.array(atom, { maxLength: 4 }),
      out: fc.array(fc.nat(12), { maxLength: 3 }),
      params: fc.record(Object.fromEntries(Object.keys(primSchema(prim)!.params).map((k) => [k, paramValue]))),
    }))
    const jaxprArb = fc.record({
      consts: fc.constant([]), constvars: fc.constant([]), invars: fc.uniqueArray(fc.nat(12), { maxLength: 3 }),
      eqns: fc.array(eqnArb, { maxLength: 4 }), outvars: fc.array(atom, { maxLength: 2 }),
    })
    fc.assert(fc.property(fc.record({ version: fc.constant(1), vars: fc.array(aval, { minLength: 1, maxLength: 12 }), jaxprs: fc.array(jaxprArb, { minLength: 1, maxLength: 3 }) }),
      (d) => { check(d) }), { numRuns: RUNS })
  })

  it("never throws on mutations of valid encodings, as values and as JSON text", () => {
    fc.assert(fc.property(fc.nat(corpus.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (b, ms) => {
      const doc = clone(corpus[b]!)
      for (const m of ms) applyMutation(doc, m)
      check(doc)
      let text: string | undefined
      try { text = JSON.stringify(doc) } catch { text = undefined }
      if (text !== undefined) check(text)
    }), { numRuns: RUNS * 3 })
  })
})

// one equation of each primitive with random operand types and random params of the right kinds:
// abstract evaluation (rerun by decode) must refuse with a library error or accept, and what it
// accepts must run
describe("every primitive under random operands and params", () => {
  const simple = knownPrimitives().filter((n) => {
    const s = primSchema(n)!
    return !s.unserializable && Object.values(s.params).every((p) => !["jaxpr", "jaxpr?", "jaxprs", "function", "tree", "avals"].includes(p.kind))
  })
  const byKind = (p: { kind: string; values?: readonly string[] }): fc.Arbitrary<unknown> => {
    switch (p.kind) {
      case "nat": return fc.oneof(fc.nat(4), fc.constantFrom(33, 2 ** 31))
      case "int": return fc.integer({ min: -3, max: 5 })
      case "bool": return fc.boolean()
      case "enum": return fc.constantFrom(...p.values!)
      case "string": return fc.constantFrom("x={}", "{} {}", "", "{", "{0}{1}{2}", "}}{{")
      case "nats": return fc.array(fc.nat(4), { maxLength: 4 })
      case "shape": return fc.array(fc.nat(4), { maxLength: 3 })
      case "padding": return fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)), { maxLength: 3 })
      case "number": return fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom("NaN", "-0", "Infinity"))
      default: return fc.constant(null)
    }
  }
  const avalArb = fc.record({ shape: fc.array(fc.nat(3), { maxLength: 3 }), dtype: fc.constantFrom("float64", "float32", "int32", "uint32", "bool") })
  for (const name of simple)
    it(`${name}: decode refuses with a library error or the equation runs`, () => {
      const s = primSchema(name)!
      const paramsArb = fc.record(Object.fromEntries(Object.entries(s.params).map(([k, p]) => [k, byKind(p)])))
      fc.assert(fc.property(paramsArb, fc.array(avalArb, { maxLength: 4 }), fc.nat(3), (params, avals, extra) => {
        const want = s.arity(params)
        const ins = want === null ? avals.slice(0, extra + 1) : globalThis.Array.from({ length: want }, (_, i) => avals[i] ?? { shape: [2], dtype: "float64" })
        // declare what the primitive computes when it accepts (else nothing: decode refuses)
        let outs: { shape: number[]; dtype: string }[] = []
        try {
          const a = lookup(name).abstractEval(ins.map((v) => new ShapedArray(v.shape, v.dtype as never)), decodeParams(params))
          outs = a.map((o) => ({ shape: [...o.shape], dtype: o.dtype, ...(o.weakType ? { weak: true } : {}) }))
        } catch { outs = [] }
        const doc = {
          version: 1, vars: [...ins, ...outs],
          jaxprs: [{ consts: [], constvars: [], invars: ins.map((_, i) => i), eqns: [{ prim: name, in: ins.map((_, i) => i), out: outs.map((_, i) => ins.length + i), params }], outvars: outs.map((_, i) => ins.length + i) }],
        }
        check(doc)
      }), { numRuns: Math.max(20, Math.floor(RUNS / 5)) })
    })
})
import { ShapedArray } from "../../src/core/aval.js"
import { lookupPrimitive } from "../../src/core/primitive.js"
import { numberFromJson } from "../../src/ir/schema.js"
const lookup = (n: string) => lookupPrimitive(n)!
/** The in-memory form of params drawn as JSON (numbers written as strings become numbers). */
const decodeParams = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === "string" && ["NaN", "-0", "Infinity"].includes(v) && k === "value" ? numberFromJson(v) : v]))
