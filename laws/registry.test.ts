// Registry laws: every registered primitive is covered. Each has a sample in laws/samples.ts
// (so the jvp, vjp and vmap laws reach it) or a stated exemption, a JVP rule or an explicit
// zeroDerivative, a batch rule; a mode it refuses by design fails with NonDifferentiableError;
// eager and staged evaluation give the abstract values (weak types included); and every
// operation on the tangent path of its JVP has a transpose rule (else reverse mode cannot run).

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Array, NdArray } from "../src/core/array.js"
import type { ShapedArray } from "../src/core/aval.js"
import { isFloat } from "../src/core/dtype.js"
import { type Var } from "../src/core/ir.js"
import { primitives, zeroDerivative } from "../src/core/primitive.js"
import { jvpFlat } from "../src/transforms/jvp.js"
import { linearizeFlat } from "../src/transforms/linearize.js"
import { traceJaxprFlat } from "../src/transforms/makeJaxpr.js"
import { vjpFlat } from "../src/transforms/vjp.js"
import { Rng, apply, caseArb, diffMask, hasF64Operand, hasRule, normalLike, reverseOk, runs, sampled, samples, tangentsFor } from "./harness.js"
import { exempt } from "./samples.js"

const all = primitives()

describe("the registry", () => {
  it("has a sample for every primitive", () => {
    const missing = all.filter((p) => !sampled(p) && !exempt[p.name]).map((p) => p.name)
    expect(missing, `add entries to laws/samples.ts for: ${missing.join(", ")}`).toEqual([])
  })

  it("samples only registered primitives", () => {
    const names = new Set(all.map((p) => p.name))
    expect([...Object.keys(samples), ...Object.keys(exempt)].filter((n) => !names.has(n))).toEqual([])
  })

  it("refuses forward or reverse mode only where documented, with NonDifferentiableError", () => {
    for (const p of all.filter((q) => sampled(q)?.refuses)) {
      const { forward, reverse } = sampled(p)!.refuses!
      const [{ args, params }] = fc.sample(caseArb(sampled(p)!, "f64"), { numRuns: 1, seed: 1 })
      const f = apply(p, params), mask = diffMask(args)
      if (forward) expect(() => jvpFlat(f, args, tangentsFor(new Rng(1), args, mask)), `${p.name} in forward mode`).toThrow(expect.objectContaining({ _tag: "NonDifferentiableError" }))
      if (reverse) expect(() => {
        const res = vjpFlat("laws", f, args)
        res.pullbackFlat(res.outs.map((o) => normalLike(new Rng(2), o, o.dtype)))
      }, `${p.name} in reverse mode`).toThrow(expect.objectContaining({ _tag: "NonDifferentiableError" }))
    }
  })

  it("gives every primitive its rules", () => {
    const bad = all.filter((p) => typeof p.abstractEval !== "function" || typeof p.impl !== "function" || typeof p.batch !== "function"
      || (p.jvp !== zeroDerivative && typeof p.jvp !== "function") || (p.transpose !== undefined && typeof p.transpose !== "function"))
    expect(bad.map((p) => p.name)).toEqual([])
  })

  it("marks zero-derivative primitives with float outputs as skipping finite differences", () => {
    const bad = all.filter((p) => p.jvp === zeroDerivative && sampled(p) && !p.laws?.noFiniteDifferences
      && fc.sample(caseArb(sampled(p)!, "f64"), { numRuns: 5, seed: 1 }).some(({ args, params }) => apply(p, params)(args).some((o) => isFloat(o.dtype))))
    expect(bad.map((p) => p.name)).toEqual([])
  })
})


const fmt = (avals: readonly ShapedArray[]) => avals.map((a) => a.str() + (a.weakType ? " (weak)" : "")).join(", ")
const same = (a: ShapedArray, b: ShapedArray) => a.equals(b) && a.weakType === b.weakType

describe("kernels agree with abstract evaluation and staging", () => {
  for (const p of all.filter((q) => sampled(q)))
    it(`${p.name}: eager and staged results have the abstract values, weak types included`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "any"), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), ({ args: strong, params }, weak) => {
        // some operands weakly typed (as JS numbers are), which promotion must respect alike
        const args = strong.map((a, i) => (weak[i % 8] ? new NdArray((a as NdArray).data, a.shape, a.dtype, true) : a))
        const avals = p.abstractEval(args.map((a) => a.aval), params)
        const outs = apply(p, params)(args).map((o) => o.aval)
        const staged = traceJaxprFlat("laws", apply(p, params), args.map((a) => a.aval)).outAvals
        if (outs.length !== avals.length || outs.some((o, i) => !same(o, avals[i]!)))
          throw new Error(`${p.name} on ${fmt(args.map((a) => a.aval))}: eager evaluation gives ${fmt(outs)} but abstractEval gives ${fmt(avals)}`)
        if (staged.length !== avals.length || staged.some((a, i) => !same(a, avals[i]!)))
          throw new Error(`${p.name} on ${fmt(args.map((a) => a.aval))}: staging gives ${fmt(staged)} but abstractEval gives ${fmt(avals)}`)
      }), runs)
    })
})

describe("tangent paths are transposable", () => {
  for (const p of all.filter((q) => sampled(q) && hasRule(q) && reverseOk(q) && hasF64Operand(sampled(q)!)))
    it(`${p.name}: every linear equation of its JVP has a transpose rule`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), ({ args, params }) => {
        const mask = diffMask(args)
        // perturb only the float64 operands: others are held fixed as in the vjp law
        const lin = linearizeFlat((xs: Array[]) => apply(p, params)(args.map((a, i) => (mask[i] ? xs[i]! : a))), args)
        const linear = new Set<Var>(lin.linear.jaxpr.invars)
        const missing = new Set<string>()
        for (const e of lin.linear.jaxpr.eqns) {
          if (!e.inputs.some((a) => linear.has(a as Var))) continue
          e.outputs.forEach((o) => linear.add(o))
          if (!e.prim.transpose) missing.add(e.prim.name)
        }
        if (missing.size) throw new Error(`${p.name}: its JVP applies ${[...missing].join(", ")} to tangents, which has no transpose rule`)
      }), runs)
    })
})
