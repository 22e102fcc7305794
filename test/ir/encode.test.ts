// ir.encode and the round trip: decode(encode(j)) prints exactly as j, encodes to the same
// JSON, and computes the same numbers under the interpreter, jit and further transforms.

import * as Result from "effect/Result"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import {
  checkpoint, customJvp, customVjp, debug, evalJaxpr, grad, ir, jit, jvp, lax, makeJaxpr, np, vmap, type WArray,
} from "wengert"
import { NdArray } from "../../src/core/array.js"
import { Literal } from "../../src/core/ir.js"
import { throwsTagged } from "../numpy/helpers.js"
import { roundTrip, sameResults } from "./helpers.js"

beforeEach(() => { vi.spyOn(console, "log").mockImplementation(() => {}) })
afterEach(() => { vi.restoreAllMocks() })

const x3 = np.array([0.5, -1.25, 2])
const sq = customVjp((x: WArray) => np.multiply(x, x), {
  fwd: (x: WArray) => [np.multiply(x, x), x],
  bwd: (x: WArray, ct: WArray) => [np.multiply(np.multiply(x, 2), ct)],
})
const softSin = customJvp((x: WArray) => np.sin(x), { jvp: ([x]: WArray[], [t]: WArray[]) => [np.sin(x), np.multiply(np.cos(x), t)] })
const scanned = (x: WArray) => lax.scan((c: WArray, xi: WArray) => [np.add(c, np.sin(xi)), np.multiply(c, xi)], 0, x)
const branch = (x: WArray) => lax.cond(np.greater(np.sum(x), 0), (y: WArray) => np.sin(y), (y: WArray) => np.cos(y), x)
const loop = (x: WArray) => lax.whileLoop((c: WArray[]) => np.less(c[0]!, 4), (c: WArray[]) => [np.add(c[0]!, 1), np.multiply(c[1]!, 1.5)], [0, x])

const programs: [string, () => ReturnType<typeof makeJaxpr> extends (...a: any[]) => infer R ? R : never, WArray[]][] = [
  ["elementwise and reductions", () => makeJaxpr((x: WArray) => np.sum(np.sin(np.multiply(x, x))))(x3), [x3]],
  ["shapes", () => makeJaxpr((x: WArray) => np.concatenate([np.flip(x, 0), np.pad(x, [[1, 2]]), np.take(x, np.array([2, 0]).astype("int32"))], 0))(x3), [x3]],
  ["dot_general and transpose", () => makeJaxpr((a: WArray) => np.matmul(a, a.T))(np.ones([2, 3])), [np.array([[1, 2, 3], [4, 5, 6]])]],
  ["grad", () => makeJaxpr(grad((x: WArray) => np.sum(np.tanh(np.multiply(x, x)))))(x3), [x3]],
  ["vmap of grad", () => makeJaxpr(vmap(grad((x: WArray) => np.sum(np.exp(x)))))(np.ones([2, 3])), [np.array([[1, 2, 3], [0, -1, -2]])]],
  ["scan", () => makeJaxpr(scanned)(x3), [x3]],
  ["grad of scan", () => makeJaxpr(grad((x: WArray) => scanned(x)[0]))(x3), [x3]],
  ["vmap of scan", () => makeJaxpr(vmap((x: WArray) => scanned(x)[1]))(np.ones([2, 3])), [np.array([[1, 2, 3], [4, 5, 6]])]],
  ["cond", () => makeJaxpr(branch)(x3), [x3]],
  ["grad of cond", () => makeJaxpr(grad((x: WArray) => np.sum(branch(x))))(x3), [x3]],
  ["while", () => makeJaxpr(loop)(x3), [x3]],
  ["jvp of while", () => makeJaxpr((x: WArray) => jvp(loop, [x], [x]))(x3), [x3]],
  ["checkpoint under grad", () => makeJaxpr(grad((x: WArray) => np.sum(checkpoint((y: WArray) => np.sin(np.sin(y)))(x))))(x3), [x3]],
  ["checkpoint under jvp (shared sub-jaxpr)", () => makeJaxpr((x: WArray) => jvp(checkpoint((y: WArray) => np.sin(y)), [x], [x]))(x3), [x3]],
  ["customJvp", () => makeJaxpr(softSin)(x3), [x3]],
  ["vmap of customJvp", () => makeJaxpr(vmap(softSin))(np.ones([2, 3])), [np.array([[1, 2, 3], [4, 5, 6]])]],
  ["customVjp", () => makeJaxpr(sq)(x3), [x3]],
  ["vmap of customVjp", () => makeJaxpr(vmap(sq))(np.ones([2, 3])), [np.array([[1, 2, 3], [4, 5, 6]])]],
  ["debug.print", () => makeJaxpr((x: WArray) => { debug.print("x = {}", x); return np.cos(x) })(x3), [x3]],
  ["constants with special values", () => makeJaxpr((x: WArray) => np.add(x, np.array([NaN, -0, Infinity])))(x3), [x3]],
  ["float32, int32, uint32 and bool", () => makeJaxpr((x: WArray) => [
    np.multiply(x.astype("float32"), 0.1), np.add(x.astype("int32"), np.array([1, -2, 3]).astype("int32")),
    np.add(x.astype("uint32"), np.array([4000000000, 0, 1]).astype("uint32")), np.logicalAnd(np.greater(x, 0), np.array([true, false, true])),
  ])(x3), [x3]],
  ["linear algebra", () => makeJaxpr((a: WArray) => np.linalg.solve(a, np.linalg.cholesky(a)))(np.eye(2)), [np.array([[4, 1], [1, 3]])]],
]

describe("the round trip", () => {
  for (const [name, make, args] of programs)
    it(`keeps ${name}: same print, same JSON, same numbers`, () => {
      const j = make()
      const back = roundTrip(j)
      expect(back.toString()).toBe(j.toString())
      expect(ir.encode(back)).toEqual(ir.encode(j))
      expect(sameResults(evalJaxpr(back, ...args), evalJaxpr(j, ...args))).toBe(true)
    })

  it("runs a decoded jaxpr under jit and under grad", () => {
    const f = (x: WArray) => np.sum(np.multiply(np.sin(x), x))
    const back = roundTrip(makeJaxpr(f)(x3))
    expect(jit((x: WArray) => evalJaxpr(back, x)[0])(x3).item()).toBeCloseTo(f(x3).item(), 14)
    expect(sameResults([grad((x: WArray) => evalJaxpr(back, x)[0])(x3)], [grad(f)(x3)])).toBe(true)
  })

  it("keeps custom rules: the decoded rule and bwd compute the original derivatives", () => {
    const cj = roundTrip(makeJaxpr(softSin)(x3)), cv = roundTrip(makeJaxpr(sq)(x3))
    const t = np.array([1, 2, 3])
    expect(sameResults([jvp((x: WArray) => evalJaxpr(cj, x)[0], [x3], [t])[1]], [jvp(softSin, [x3], [t])[1]])).toBe(true)
    expect(sameResults([grad((x: WArray) => np.sum(evalJaxpr(cv, x)[0]))(x3)], [grad((x: WArray) => np.sum(sq(x)))(x3)])).toBe(true)
  })

  it("keeps sharing: a sub-jaxpr used twice is written once and decoded once", () => {
    const j = makeJaxpr((x: WArray) => jvp(checkpoint((y: WArray) => np.sin(y)), [x], [x]))(x3)
    const json = ir.encode(j)
    const refs = json.jaxprs.at(-1)!.eqns.filter((e) => e.prim.startsWith("remat")).map((e) => e.params!["jaxpr"])
    expect(refs).toEqual([0, 0])
    const eqns = roundTrip(j).jaxpr.eqns.filter((e) => e.prim.name.startsWith("remat"))
    expect(eqns[0]!.params["jaxpr"]).toBe(eqns[1]!.params["jaxpr"])
  })

  it("keeps weak types and literal values exactly", () => {
    const j = makeJaxpr((x: WArray) => np.add(np.multiply(x, 0.1), -0))(np.ones([2]).astype("float32"))
    const lits = (c: typeof j) => c.jaxpr.eqns.flatMap((e) => e.inputs.filter((a): a is Literal => a instanceof Literal))
      .map((l) => [l.value.dtype, l.value.aval.weakType, l.value.data[0]])
    expect(lits(roundTrip(j))).toEqual(lits(j))
  })

  it("round-trips a 20000-equation program in bounded time, without deep recursion", () => {
    const f = (x: WArray) => { let y = x; for (let i = 0; i < 10000; i++) y = np.sin(np.multiply(y, 1.0001)); return y }
    const j = makeJaxpr(f)(0.5)
    const t = performance.now()
    const back = roundTrip(j)
    expect(performance.now() - t).toBeLessThan(10_000)
    expect(back.jaxpr.eqns).toHaveLength(20000)
    expect(back.toString()).toBe(j.toString())
  })

  it("writes the documented form", () => {
    const j = makeJaxpr((x: WArray) => np.multiply(np.sin(x), 2))(np.zeros([2]))
    expect(ir.encode(j)).toMatchInlineSnapshot(`
      {
        "jaxprs": [
          {
            "consts": [],
            "constvars": [],
            "eqns": [
              {
                "in": [
                  0,
                ],
                "out": [
                  1,
                ],
                "prim": "sin",
              },
              {
                "in": [
                  1,
                  {
                    "dtype": "float64",
                    "lit": 2,
                    "weak": true,
                  },
                ],
                "out": [
                  2,
                ],
                "prim": "mul",
              },
            ],
            "invars": [
              0,
            ],
            "outvars": [
              2,
            ],
          },
        ],
        "vars": [
          {
            "dtype": "float64",
            "shape": [
              2,
            ],
          },
          {
            "dtype": "float64",
            "shape": [
              2,
            ],
          },
          {
            "dtype": "float64",
            "shape": [
              2,
            ],
          },
        ],
        "version": 1,
      }
    `)
  })

  it("writes NaN, infinities and -0 as strings", () => {
    const json = ir.encode(makeJaxpr((x: WArray) => np.add(x, np.array([NaN, -Infinity, -0, 1])))(np.zeros([4])))
    expect(json.jaxprs[0]!.consts[0]!.data).toEqual(["NaN", "-Infinity", "-0", 1])
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
  })
})

describe("ir.encode errors", () => {
  it("refuses a jaxpr closing over tracers of a finished transform", () => {
    let captured: ReturnType<ReturnType<typeof makeJaxpr>> | undefined
    grad((x: WArray) => { captured = makeJaxpr((y: WArray) => np.add(y, x))(np.zeros([2])); return np.sum(x) })(np.ones([2]))
    throwsTagged(() => ir.encode(captured!), "InvalidArgumentError", "ir.encode", "traced value")
    const r = ir.encode.safe(captured!)
    expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidArgumentError")
  })

  it("refuses what is not a ClosedJaxpr", () => {
    throwsTagged(() => ir.encode({} as never), "InvalidArgumentError", "ClosedJaxpr")
    throwsTagged(() => ir.encode(makeJaxpr(np.sin)(1).jaxpr as never), "InvalidArgumentError", "ClosedJaxpr")
  })

  it("round-trips a jaxpr whose constant is a concrete array", () => {
    const j = makeJaxpr((y: WArray) => np.add(y, NdArray.zeros([2], "float64")))(np.ones([2]))
    expect(roundTrip(j).consts[0]!.toArray()).toEqual([0, 0])
  })
})
