// Hostile input to ir.decode, case by case: each returns a DecodeError naming the path and
// the problem; nothing throws, nothing in the input runs, prototypes stay clean, and no
// string from the input reaches generated source.

import * as Result from "effect/Result"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { checkpointName, customVjp, debug, evalJaxpr, ir, jit, lax, makeJaxpr, np, type WArray } from "wengert"
import type { IrJson } from "../../src/ir/schema.js"
import { clone, decodeError, roundTrip, sameResults } from "./helpers.js"

beforeEach(() => { vi.spyOn(console, "log").mockImplementation(() => {}) })
afterEach(() => { vi.restoreAllMocks() })

const x3 = np.array([0.5, -1.25, 2])
// a: f64[3] -> b = mul a a; c = sin b; d = reduce_sum[axes=(0,)] c
const base: IrJson = ir.encode(makeJaxpr((x: WArray) => np.sum(np.sin(np.multiply(x, x))))(x3))
const mutate = (f: (d: any) => void): unknown => { const d = clone(base) as any; f(d); return d }
const eqn = (d: any, i: number) => d.jaxprs[0].eqns[i]

describe("ir.decode accepts", () => {
  it("its own output, as a value or as JSON text", () => {
    expect(Result.isSuccess(ir.decode(base))).toBe(true)
    const r = ir.decode(JSON.stringify(base))
    expect(Result.isSuccess(r) && sameResults(evalJaxpr(r.success, x3), [np.sum(np.sin(np.multiply(x3, x3)))])).toBe(true)
  })
})

describe("ir.decode refuses, with a path", () => {
  const cases: [string, unknown, string, ...string[]][] = [
    ["a number", 42, "", "Expected"],
    ["null", null, "", "Expected"],
    ["JSON text that is not JSON", "{\"version\": 1,", "", "not valid JSON"],
    ["another version", mutate((d) => { d.version = 2 }), "version", "Expected 1"],
    ["an unknown top-level key", mutate((d) => { d.extra = 1 }), "extra", "excess"],
    ["no jaxprs", mutate((d) => { d.jaxprs = [] }), "jaxprs", ""],
    ["an unknown primitive", mutate((d) => { eqn(d, 1).prim = "fft" }), "jaxprs[0].eqns[1].prim", "unknown primitive \"fft\""],
    ["a prototype name as primitive", mutate((d) => { eqn(d, 1).prim = "constructor" }), "jaxprs[0].eqns[1].prim", "unknown primitive"],
    ["a __proto__ primitive", mutate((d) => { eqn(d, 1).prim = "__proto__" }), "jaxprs[0].eqns[1].prim", "unknown primitive"],
    ["JS code as a primitive name", mutate((d) => { eqn(d, 1).prim = "\"); process.exit(1); (\"" }), "jaxprs[0].eqns[1].prim", "unknown primitive"],
    ["too many operands", mutate((d) => { eqn(d, 1).in = [1, 1] }), "jaxprs[0].eqns[1].in", "takes 1 operand(s)", "2 were given"],
    ["too few operands", mutate((d) => { eqn(d, 0).in = [0] }), "jaxprs[0].eqns[0].in", "'mul' takes 2 operand(s)"],
    ["a variable that does not exist", mutate((d) => { eqn(d, 1).in = [99] }), "jaxprs[0].eqns[1].in[0]", "variable 99 does not exist"],
    ["a variable used before it is defined (a cycle)", mutate((d) => { eqn(d, 0).in = [0, 2] }), "jaxprs[0].eqns[0].in[1]", "used before it is defined"],
    ["a variable bound twice", mutate((d) => { eqn(d, 1).out = [0] }), "jaxprs[0].eqns[1].out[0]", "bound twice"],
    ["an output used that is never bound", mutate((d) => { d.jaxprs[0].outvars = [3, 7] }), "jaxprs[0].outvars[1]", "does not exist"],
    ["a huge shape", mutate((d) => { d.vars[0].shape = [2 ** 20, 2 ** 20] }), "vars[0]", "more than 2147483648"],
    ["a negative size", mutate((d) => { d.vars[0].shape = [-1] }), "vars[0].shape[0]", ""],
    ["a fractional size", mutate((d) => { d.vars[0].shape = [1.5] }), "vars[0].shape[0]", "integer"],
    ["a rank above 32", mutate((d) => { d.vars[0].shape = new Array(33).fill(1) }), "vars[0].shape", ""],
    ["an unknown dtype", mutate((d) => { d.vars[0].dtype = "float16" }), "vars[0].dtype", ""],
    ["a string where an index belongs", mutate((d) => { eqn(d, 1).in = ["1"] }), "jaxprs[0].eqns[1].in[0]", ""],
    ["a string in a param array", mutate((d) => { eqn(d, 2).params.axes = ["0"] }), "jaxprs[0].eqns[2].params.axes[0]", ""],
    ["a missing param", mutate((d) => { delete eqn(d, 2).params.axes }), "jaxprs[0].eqns[2].params.axes", ""],
    ["an extra param", mutate((d) => { eqn(d, 2).params.evil = "x" }), "jaxprs[0].eqns[2].params.evil", "excess"],
    ["a param out of range for the operand", mutate((d) => { eqn(d, 2).params.axes = [1] }), "jaxprs[0].eqns[2]", "reduce_sum", "axes (1)"],
    ["a huge number", mutate((d) => { eqn(d, 2).params.axes = [1e308] }), "jaxprs[0].eqns[2].params.axes[0]", ""],
    ["a declared output of the wrong shape", mutate((d) => { d.vars[2].shape = [4] }), "jaxprs[0].eqns[1].out[0]", "declared f64[4] but 'sin' computes f64[3]"],
    ["a declared output of the wrong dtype", mutate((d) => { d.vars[2].dtype = "float32" }), "jaxprs[0].eqns[1].out[0]", "computes f64[3]"],
    ["a wrong weak type", mutate((d) => { d.vars[2].weak = true }), "jaxprs[0].eqns[1].out[0]", "(weak)"],
    ["the wrong number of outputs", mutate((d) => { eqn(d, 1).out = [2, 5] }), "jaxprs[0].eqns[1].out", "1 output(s)"],
    ["an undeclared effect", mutate((d) => { eqn(d, 1).effects = ["io"] }), "jaxprs[0].eqns[1].effects", "declared effects (io)"],
    ["a literal of the wrong kind", mutate((d) => { eqn(d, 0).in = [0, { lit: true, dtype: "float64" }] }), "jaxprs[0].eqns[0].in[1].lit", "must be a number"],
    ["an int literal out of range", mutate((d) => { eqn(d, 0).in = [0, { lit: 2 ** 31, dtype: "int32" }] }), "jaxprs[0].eqns[0].in[1].lit", "not an int32"],
    ["a constant without a constvar", mutate((d) => { d.jaxprs[0].consts = [{ shape: [], dtype: "float64", data: 1 }] }), "jaxprs[0].consts", "1 constants for 0 constvars"],
  ]
  for (const [what, json, path, ...fragments] of cases)
    it(what, () => {
      const e = decodeError(json)
      expect(e.path).toBe(path)
      expect(e.message).toContain(path || "<root>")
      for (const f of fragments) expect(e.message).toContain(f)
      expect(e.message).not.toContain("unexpected")
    })
})

describe("constants", () => {
  const withConst = (c: unknown) => {
    const d = clone(ir.encode(makeJaxpr((x: WArray) => np.add(x, np.array([1, 2, 3])))(x3))) as any
    d.jaxprs[0].consts[0] = c
    return d
  }
  it("decode nested numbers of the declared shape", () => {
    const r = ir.decode(withConst({ shape: [3], dtype: "float64", data: [7, "NaN", "-0"] }))
    expect(Result.isSuccess(r) && Object.is(r.success.consts[0]!.toTypedArray()[2], -0)).toBe(true)
  })
  const bad: [string, unknown, string, string][] = [
    ["too few values", { shape: [3], dtype: "float64", data: [1, 2] }, "jaxprs[0].consts[0].data", "3 entries along axis 0"],
    ["a flat array for a matrix", { shape: [3], dtype: "float64", data: 1 }, "jaxprs[0].consts[0].data", "got 1"],
    ["a string value", { shape: [3], dtype: "float64", data: [1, "2", 3] }, "jaxprs[0].consts[0].data[1]", "must be a number"],
    ["an inexact float32", { shape: [3], dtype: "float64", data: [1, 2, 3], weak: 1 }, "jaxprs[0].consts[0].weak", ""],
    ["another shape than its constvar", { shape: [1, 3], dtype: "float64", data: [[1, 2, 3]] }, "jaxprs[0].consts[0]", "its constvar is f64[3]"],
    ["a huge declared shape with little data", { shape: [2 ** 16, 2 ** 15], dtype: "float64", data: [] }, "jaxprs[0].consts[0].data", "65536 entries"],
  ]
  for (const [what, c, path, frag] of bad)
    it(`refuse ${what}`, () => {
      const e = decodeError(withConst(c))
      expect(e.path).toBe(path)
      expect(e.message).toContain(frag)
    })
  it("refuse values a dtype cannot hold exactly", () => {
    const one = (dtype: string, v: unknown) => {
      const c = np.array([1, 2]).astype(dtype as never)
      const d = clone(ir.encode(makeJaxpr((x: WArray) => np.add(x, c))(np.ones([2]).astype(dtype as never)))) as any
      d.jaxprs[0].consts[0].data = [v, 1]
      return decodeError(d).message
    }
    expect(one("float32", 0.1)).toContain("not exactly a float32")
    expect(one("int32", 2.5)).toContain("not an int32")
    expect(one("uint32", -1)).toContain("not a uint32")
    expect(one("int32", "NaN")).toContain("not an int32")
  })
})

describe("sub-jaxprs", () => {
  const scanned = ir.encode(makeJaxpr((x: WArray) => lax.scan((c: WArray, xi: WArray) => [np.add(c, xi), c], 0, x))(x3))
  it("decode when listed before their users", () => {
    expect(scanned.jaxprs).toHaveLength(2)
    expect(roundTrip(makeJaxpr((x: WArray) => lax.scan((c: WArray, xi: WArray) => [np.add(c, xi), c], 0, x))(x3)).jaxpr.eqns.at(-1)!.prim.name).toBe("scan")
  })
  it("refuse a reference to the jaxpr itself or a later one (no cycles)", () => {
    const d = clone(scanned) as any
    const s = d.jaxprs[1].eqns.findIndex((e: any) => e.prim === "scan")
    d.jaxprs[1].eqns[s].params.jaxpr = 1
    const e = decodeError(d)
    expect(e.path).toBe(`jaxprs[1].eqns[${s}].params.jaxpr`)
    expect(e.message).toContain("does not come before")
  })
  it("refuse a body whose types do not fit the operands", () => {
    const d = clone(scanned) as any
    const s = d.jaxprs[1].eqns.findIndex((e: any) => e.prim === "scan")
    d.jaxprs[1].eqns[s].params.length = 4
    expect(decodeError(d).message).toContain("scan")
  })
  it("validate sub-jaxprs like the program (an unknown primitive inside a body)", () => {
    const d = clone(scanned) as any
    d.jaxprs[0].eqns[0].prim = "nope"
    expect(decodeError(d).path).toBe("jaxprs[0].eqns[0].prim")
  })
  it("refuse a debug_callback, which has no JSON form", () => {
    const d = mutate((x) => { eqn(x, 1).prim = "debug_callback"; eqn(x, 1).out = [] })
    expect(decodeError(d).message).toContain("JS function")
  })
  it("refuse tree structures with __proto__ keys or unsorted keys", () => {
    const h = customVjp((p: { a: WArray; b: WArray }) => np.multiply(p.a, p.b), {
      fwd: (p: { a: WArray; b: WArray }) => [np.multiply(p.a, p.b), p],
      bwd: (p: { a: WArray; b: WArray }, ct: WArray) => [{ a: np.multiply(p.b, ct), b: np.multiply(p.a, ct) }],
    })
    const enc = ir.encode(makeJaxpr((a: WArray, b: WArray) => h({ a, b }))(1, 2))
    expect(Result.isSuccess(ir.decode(enc))).toBe(true)
    const at = (keys: string[]) => {
      const d = clone(enc) as any
      const e = d.jaxprs.at(-1).eqns.find((q: any) => q.prim === "custom_vjp_call")
      e.params.in_def[0].keys = keys
      return decodeError(d).message
    }
    expect(at(["__proto__", "b"])).toContain("__proto__ is not allowed")
    expect(at(["b", "a"])).toContain("distinct and sorted")
  })
})

describe("hostile JavaScript values", () => {
  it("never invokes getters", () => {
    let called = false
    const d = clone(base) as any
    Object.defineProperty(d, "version", { get() { called = true; return 1 }, enumerable: true })
    expect(decodeError(d).message).toContain("accessor")
    expect(called).toBe(false)
  })
  it("refuse cyclic objects without hanging", () => {
    const d = clone(base) as any
    d.jaxprs[0].eqns[0].params = { self: d }
    expect(decodeError(d).message).toContain("nested deeper")
  })
  it("refuse deep nesting in JSON text", () => {
    expect(decodeError("[".repeat(100000) + "]".repeat(100000)).message).toMatch(/nested deeper|not valid JSON/)
  })
  it("refuse a sparse array with a huge length at once", () => {
    const d = clone(base) as any
    const a: unknown[] = []
    a.length = 2 ** 32 - 1
    d.vars = a
    const t = performance.now()
    expect(decodeError(d).message).toContain("exceeds the limit")
    expect(performance.now() - t).toBeLessThan(100)
  })
  it("refuse class instances, functions and undefined", () => {
    for (const v of [new Date(), new Map(), new Float64Array(2), () => 1, undefined, Symbol("s"), 10n]) {
      const d = clone(base) as any
      d.vars[0].shape = v
      expect(decodeError(d).path).toBe("vars[0].shape")
    }
  })
  it("refuse long strings and honour tighter limits", () => {
    expect(decodeError(mutate((d) => { eqn(d, 1).prim = "x".repeat(70000) })).message).toContain("characters")
    const r = ir.decode(base, { limits: { maxEqns: 2 } })
    expect(Result.isFailure(r) && r.failure.message).toContain("more than 2 equations")
  })
  it("keep __proto__ and constructor keys as data, refused, with no prototype pollution", () => {
    const text = JSON.stringify(base).replace("{\"version\":1", "{\"__proto__\":{\"polluted\":1},\"version\":1")
    expect(decodeError(text).path).toBe("__proto__")
    const params = JSON.stringify(base).replace("\"params\":{\"axes\"", "\"params\":{\"__proto__\":{\"polluted\":1},\"constructor\":{\"prototype\":{\"polluted\":1}},\"axes\"")
    expect(decodeError(params).message).toContain("excess")
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty("polluted")
  })
})

describe("nothing from the input runs or reaches generated code", () => {
  const payload = "\"); globalThis.__wengertPwned = 1; (\""
  const hostile = () => ir.encode(makeJaxpr((x: WArray) => {
    debug.print(`${payload} {}`, x)
    return np.sin(checkpointName(x, payload))
  })(x3))

  it("decodes strings in params as inert data and never calls Function or eval", () => {
    const real = globalThis.Function, realEval = globalThis.eval
    const calls: unknown[][] = []
    globalThis.Function = new Proxy(real, {
      construct(t, args) { calls.push(args); return Reflect.construct(t, args) },
      apply(t, self, args) { calls.push(args); return Reflect.apply(t, self, args) },
    })
    globalThis.eval = ((s: string) => { calls.push([s]); return realEval(s) }) as typeof eval
    try {
      const r = ir.decode(JSON.stringify(hostile()))
      expect(Result.isSuccess(r)).toBe(true)
      expect(calls).toEqual([])
    } finally {
      globalThis.Function = real
      globalThis.eval = realEval
    }
  })

  it("keeps decoded strings out of every source the code generator builds", () => {
    const real = globalThis.Function
    const sources: string[] = []
    globalThis.Function = new Proxy(real, {
      construct(t, args) { sources.push(args.map(String).join("\n")); return Reflect.construct(t, args) },
      apply(t, self, args) { sources.push(args.map(String).join("\n")); return Reflect.apply(t, self, args) },
    })
    try {
      const r = ir.decode(JSON.stringify(hostile()))
      if (Result.isFailure(r)) throw r.failure
      const f = jit((x: WArray) => evalJaxpr(r.success, x)[0])
      expect(f(x3).toArray()).toEqual(np.sin(x3).toArray())
      expect(sources.length).toBeGreaterThan(0) // jit built code, and none of it holds the payload
      for (const s of sources) expect(s).not.toContain("__wengertPwned")
    } finally {
      globalThis.Function = real
    }
    expect((globalThis as Record<string, unknown>)["__wengertPwned"]).toBeUndefined()
  })
})
