// ir.encode of implicit solutions (implicit.fixedPoint, implicit.rootSolve, lax.customRoot):
// their custom_jvp_call rule calls the solution again, so its body holds a custom_jvp_call with
// the same rule, written as { self: true }. The decoded program computes the same numbers, and
// its first and second derivatives still go through the implicit function theorem.

import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { customJvp, evalJaxpr, grad, hessian, implicit, ir, jvp, lax, makeJaxpr, np, vmap, type WArray } from "wengert"
import type { ClosedJaxpr } from "../../src/core/ir.js"
import { throwsTagged } from "../numpy/helpers.js"
import { clone, decodeError, roundTrip, sameResults } from "./helpers.js"

const newton = (f: (x: WArray) => WArray, x: WArray) => {
  for (let i = 0; i < 30; i++) x = np.subtract(x, np.divide(f(x), np.multiply(2, x)))
  return x
}
const v3 = np.array([0.5, 1.5, 2.5])

// each solves for x(a) with a scalar or vector parameter a; `sum` makes the output a scalar
const solvers: [string, (a: WArray) => WArray, WArray][] = [
  ["fixedPoint", (a) => implicit.fixedPoint((x: WArray, p: WArray) => np.cos(np.multiply(p, x)), a, 0.5) as WArray, np.array(1.0)],
  ["fixedPoint with Anderson acceleration", (a) => implicit.fixedPoint((x: WArray, p: WArray) => np.cos(np.multiply(p, x)), a, np.full([3], 0.5), { acceleration: "anderson" }) as WArray, np.array([0.5, 1, 1.5])],
  ["rootSolve (dense)", (a) => implicit.rootSolve((x: WArray, p: WArray) => np.subtract(np.power(x, 3), p), a, np.ones([3])) as WArray, v3],
  ["rootSolve (gmres)", (a) => implicit.rootSolve((x: WArray, p: WArray) => np.subtract(np.add(np.power(x, 3), np.multiply(p, x)), 1), a, np.ones([3]), { solver: "gmres" }) as WArray, v3],
  ["lax.customRoot", (a) => lax.customRoot((x: WArray) => np.subtract(np.multiply(x, x), a), np.ones([3]), newton, (g: (y: WArray) => WArray, y: WArray) => np.divide(y, g(np.ones([3])))) as WArray, np.array([4, 2, 9])],
]

const run = (j: ClosedJaxpr) => (a: WArray) => evalJaxpr(j, a)[0] as WArray
const total = (f: (a: WArray) => WArray) => (a: WArray) => np.sum(f(a))

describe.each(solvers)("ir.encode of %s", (_, f, a) => {
  const j = makeJaxpr(f)(a)
  const back = roundTrip(j)

  it("round-trips through JSON text: prints, encodes and computes as the original, bit for bit", () => {
    expect(String(back)).toBe(String(j))
    expect(JSON.stringify(ir.encode(back))).toBe(JSON.stringify(ir.encode(j)))
    expect(sameResults(evalJaxpr(back, a), evalJaxpr(j, a))).toBe(true)
    expect(sameResults(evalJaxpr(back, a), [f(a)])).toBe(true)
  })

  it("writes the rule's own call inside its body as a self-reference", () => {
    const text = JSON.stringify(ir.encode(j))
    expect(text).toContain("\"self\":true")
    expect(text.length).toBeLessThan(200_000)
  })

  it("keeps the derivatives: grad and jvp of the decoded program equal the original's", () => {
    expect(sameResults([grad(total(run(back)))(a)], [grad(total(run(j)))(a)])).toBe(true)
    expect(sameResults([grad(total(run(back)))(a)], [grad(total(f))(a)])).toBe(true)
    const t = np.onesLike(a)
    expect(sameResults([jvp(run(back), [a], [t])[1] as WArray], [jvp(run(j), [a], [t])[1] as WArray])).toBe(true)
  })

  it("keeps the second derivative: a hessian through the decoded solve", () => {
    const h = hessian(total(run(back)))(a) as WArray, h0 = hessian(total(f))(a) as WArray
    expect(sameResults([h], [hessian(total(run(j)))(a) as WArray])).toBe(true)
    expect(sameResults([h], [h0])).toBe(true)
  })
})

describe("ir.encode of transformed implicit solutions", () => {
  const v3 = np.array([0.3, 0.6, 0.9])
  const fp = (a: WArray) => implicit.fixedPoint((x: WArray, p: WArray) => np.cos(np.multiply(p, x)), a, 0.5) as WArray
  it("under grad", () => {
    const j = makeJaxpr(grad(fp))(np.array(1.0))
    const back = roundTrip(j)
    expect(sameResults(evalJaxpr(back, np.array(1.0)), evalJaxpr(j, np.array(1.0)))).toBe(true)
    expect(sameResults([grad(run(back))(np.array(1.0))], [grad(grad(fp))(np.array(1.0))])).toBe(true)
  })
  it("under vmap", () => {
    const j = makeJaxpr(vmap(fp))(v3)
    const back = roundTrip(j)
    expect(JSON.stringify(ir.encode(back))).toBe(JSON.stringify(ir.encode(j)))
    expect(sameResults(evalJaxpr(back, v3), [vmap(fp)(v3) as WArray])).toBe(true)
    expect(sameResults([grad(total(run(back)))(v3)], [grad(total(vmap(fp)))(v3)])).toBe(true)
  })
  it("two solves nested: the inner one's parameter is the outer one's unknown", () => {
    const inner = (p: WArray) => implicit.fixedPoint((x: WArray, q: WArray) => np.multiply(0.5, np.cos(np.add(x, q))), p, 0) as WArray
    const outer = (a: WArray) => implicit.rootSolve((y: WArray, p: WArray) => np.subtract(np.add(y, inner(y)), p), a, 1.0) as WArray
    const j = makeJaxpr(outer)(np.array(2.0))
    const back = roundTrip(j)
    expect(sameResults(evalJaxpr(back, np.array(2.0)), [outer(np.array(2.0))])).toBe(true)
    expect(sameResults([grad(grad(run(back)))(np.array(2.0))], [grad(grad(outer))(np.array(2.0))])).toBe(true)
  })
})

describe("ir.encode of rules that call each other", () => {
  it("writes a rule that calls its own function as a self-reference", () => {
    const again: (x: WArray) => WArray = customJvp((x: WArray) => np.sin(x), { jvp: ([x]: WArray[], [t]: WArray[]) => [again(x), np.multiply(np.cos(x), t)] })
    const j = makeJaxpr(again)(v3)
    expect(JSON.stringify(ir.encode(j))).toContain("\"self\":true")
    const back = roundTrip(j)
    expect(sameResults([hessian(total(run(back)))(v3) as WArray], [hessian(total(again))(v3) as WArray])).toBe(true)
  })
  it("refuses, with a typed error, two rules that call each other's functions without end", () => {
    const a: (x: WArray) => WArray = customJvp((x: WArray) => np.sin(x), { jvp: ([x]: WArray[], [t]: WArray[]) => [b(x), np.multiply(np.cos(x), t)] })
    const b: (x: WArray) => WArray = customJvp((x: WArray) => np.sin(x), { jvp: ([x]: WArray[], [t]: WArray[]) => [a(x), np.multiply(np.cos(x), t)] })
    throwsTagged(() => ir.encode(makeJaxpr(a)(v3)), "InvalidArgumentError", "nest more than 64 deep")
  })
})

describe("ir.decode refuses a self-reference", () => {
  const doc = ir.encode(makeJaxpr(solvers[0]![1])(np.array(1.0)))
  const last = doc.jaxprs.length - 1
  const callAt = doc.jaxprs[last]!.eqns.findIndex((e) => e.prim === "custom_jvp_call")
  const body = (doc.jaxprs[last]!.eqns[callAt]!.params!["jvp"] as { jaxpr: number }).jaxpr

  it("in a jaxpr no custom_jvp_call uses as its rule (the rule body as the program)", () => {
    const d = clone(doc) as any
    d.jaxprs = d.jaxprs.slice(0, body + 1)
    const e = decodeError(d)
    expect(e.path).toMatch(new RegExp(`^jaxprs\\[${body}\\]\\.eqns\\[\\d+\\]\\.params\\.jvp$`))
    expect(e.message).toContain("may appear only in a rule body")
  })

  it("whose types are not those of its jaxpr", () => {
    const d = clone(doc) as any
    d.jaxprs[last].eqns[callAt].params.jvp = { self: true, name: "rule" }
    const e = decodeError(d)
    expect(e.path).toBe(`jaxprs[${last}].eqns[${callAt}].params.jvp`)
    expect(e.message).toContain("a reference to the rule whose body is this jaxpr")
  })

  it("that is malformed", () => {
    for (const jvp of [{ self: false, name: "r" }, { self: true }, { self: true, name: "r", jaxpr: 0 }, { self: "yes", name: "r" }]) {
      const d = clone(doc) as any
      d.jaxprs[last].eqns[callAt].params.jvp = jvp
      expect(decodeError(d).path).toContain(`jaxprs[${last}].eqns[${callAt}].params.jvp`)
    }
  })

  it("and accepts the document it was taken from", () => {
    expect(Result.isSuccess(ir.decode(doc))).toBe(true)
  })
})
