// JVP laws for every registered primitive with a rule: the tangent matches the fourth-order
// central difference of the eager kernel (float64, random points of the record's domain,
// relative error < 1e-6), the primal output equals the kernel's, and the tangent is linear.
// Primitives marked zeroDerivative must give exactly zero tangents.

import fc from "fast-check"
import { describe, it } from "vitest"
import { NdArray } from "../src/core/array.js"
import { isFloat } from "../src/core/dtype.js"
import { Zero, isZero, primitives } from "../src/core/primitive.js"
import { instantiate } from "../src/prims/elementwise.js"
import { jvpFlat } from "../src/transforms/jvp.js"
import {
  Rng, apply, assertClose, caseArb, diffMask, differentiable, f64, fdJvp, forwardOk, hasF64Operand, hasRule, maxAbs, normalLike,
  runs, sampled, seedArb, tangentsFor,
} from "./harness.js"

const withSamples = primitives().filter((p) => sampled(p) && forwardOk(p))

describe("jvp matches central differences", () => {
  for (const p of withSamples.filter((q) => differentiable(q) && hasF64Operand(sampled(q)!)))
    it(`${p.name}: jvp matches central differences`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), seedArb, ({ args, params, tie }, seed) => {
        const f = apply(p, params), mask = diffMask(args)
        const v = tangentsFor(new Rng(seed), args, mask, tie, true)
        const [outs, touts] = jvpFlat(f, args, v)
        f(args).forEach((o, j) => assertClose(`${p.name} primal output ${j}`, outs[j]!, o, 0))
        const fd = fdJvp(f, args, v)
        fd.d.forEach((want, j) => {
          if (!want) return
          const got = f64(instantiate(touts[j]!))
          // relative to the largest tangent entry; the floor covers the stencil's rounding, ≈ 3ε|f|/h ≈ 7e-13·|f| at h = 1e-3
          const size = Math.max(maxAbs(want), maxAbs(got)), floor = 1e-11 * (1 + fd.scale)
          for (let k = 0; k < want.length; k++) {
            const err = Math.abs(got[k]! - want[k]!)
            if (!(err <= 1e-6 * size + floor))
              throw new Error(`${p.name}: tangent output ${j} element ${k} is ${got[k]} but central differences give ${want[k]} (relative error ${err / size})`)
          }
        })
      }), runs)
    })
})

describe("jvp is linear in the tangent", () => {
  for (const p of withSamples.filter((q) => hasRule(q) && hasF64Operand(sampled(q)!)))
    it(`${p.name}: jvp(a·t + b·s) = a·jvp(t) + b·jvp(s)`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), seedArb, fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }),
        ({ args, params, tie }, seed, a, b) => {
          const f = apply(p, params), mask = diffMask(args), rng = new Rng(seed)
          const t = tangentsFor(rng, args, mask, tie), s = tangentsFor(rng, args, mask, tie)
          const comb = t.map((ti, i) => {
            if (isZero(ti)) return ti
            const x = f64(ti), y = f64(s[i] as NdArray)
            return new NdArray(x.map((xi, k) => a * xi + b * y[k]!), ti.shape, "float64")
          })
          const jt = jvpFlat(f, args, t)[1], js = jvpFlat(f, args, s)[1], jc = jvpFlat(f, args, comb)[1]
          jc.forEach((c, j) => {
            if (isZero(c) && isZero(jt[j]!) && isZero(js[j]!)) return
            const got = f64(instantiate(c)), x = f64(instantiate(jt[j]!)), y = f64(instantiate(js[j]!))
            const want = x.map((xi, k) => a * xi + b * y[k]!)
            const tol = 1e-12 * (Math.abs(a) * maxAbs(x) + Math.abs(b) * maxAbs(y)) + 1e-300
            for (let k = 0; k < want.length; k++)
              if (!(Math.abs(got[k]! - want[k]!) <= tol))
                throw new Error(`${p.name}: jvp(a·t + b·s)[${j}][${k}] = ${got[k]} but a·jvp(t) + b·jvp(s) = ${want[k]}`)
          })
        }), runs)
    })
})

describe("zero-derivative primitives have zero tangents", () => {
  for (const p of withSamples.filter((q) => !hasRule(q)))
    it(`${p.name}: tangents are symbolic zeros`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "any"), seedArb, ({ args, params }, seed) => {
        const rng = new Rng(seed)
        const v = args.map((a) => (isFloat(a.dtype) ? normalLike(rng, a, a.dtype) : new Zero(a.aval)))
        const [, touts] = jvpFlat(apply(p, params), args, v)
        touts.forEach((t, j) => { if (!isZero(t)) throw new Error(`${p.name}: tangent output ${j} is not a symbolic zero`) })
      }), runs)
    })
})
