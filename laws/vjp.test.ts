// VJP laws for every registered primitive with a rule: reverse mode (linearize, then
// transpose every linear equation) is the transpose of forward mode, ⟨u, J v⟩ = ⟨Jᵀu, v⟩ to
// 1e-10 relative, for random u and v. A primitive whose tangent path uses an operation without
// a transpose rule fails here. The second law does the same for the JVP map (x, t) ↦ (f(x),
// J(x)t) itself, which is what second-order reverse mode (grad of grad) transposes. Where
// forward mode is refused by design (custom_vjp_call), ⟨Jᵀu, v⟩ is compared with central
// differences instead. Some tangents and cotangents are symbolic zeros, so those paths run.

import fc from "fast-check"
import { describe, it } from "vitest"
import { type Array, NdArray } from "../src/core/array.js"
import { Zero, isZero, primitives } from "../src/core/primitive.js"
import { instantiate } from "../src/prims/elementwise.js"
import { jvpFlat } from "../src/transforms/jvp.js"
import { vjpFlat } from "../src/transforms/vjp.js"
import {
  Rng, apply, caseArb, diffMask, fdJvp, forwardOk, hasF64Operand, hasRule, inner, normalLike, reverseOk, runs, sampled, seedArb,
  tangentsFor, transposeGap,
} from "./harness.js"

const laws = primitives().filter((p) => sampled(p) && hasRule(p) && reverseOk(p) && hasF64Operand(sampled(p)!))

function assertTransposed(name: string, what: string, [fwd, rev, scale]: [number, number, number]): void {
  if (!(Math.abs(fwd - rev) <= 1e-10 * scale))
    throw new Error(`${name}: ${what}: ⟨u, J v⟩ = ${fwd} (jvp) but ⟨Jᵀu, v⟩ = ${rev} (vjp); relative gap ${Math.abs(fwd - rev) / scale}`)
}

describe("vjp is the transpose of jvp", () => {
  for (const p of laws.filter(forwardOk))
    it(`${p.name}: ⟨u, J v⟩ = ⟨Jᵀu, v⟩`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), seedArb, ({ args, params, tie }, seed) => {
        assertTransposed(p.name, "first order", transposeGap(apply(p, params), args, diffMask(args), new Rng(seed), tie))
      }), runs)
    })
})

describe("the jvp map is transposable (second order)", () => {
  for (const p of laws.filter(forwardOk))
    it(`${p.name}: ⟨u, J v⟩ = ⟨Jᵀu, v⟩ for (x, t) ↦ jvp`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), seedArb, ({ args, params, tie }, seed) => {
        const f = apply(p, params), mask = diffMask(args), n = args.length
        const rng = new Rng(seed)
        // the tangents become inputs: g(x, t) = (f(x), ∂f(x)·t), with t drawn like x (tied like x)
        const drawn = tangentsFor(rng, args, mask, tie)
        const ts = args.map((a, i) => (mask[i] ? (drawn[i] as Array) : a))
        const g = (xs: readonly Array[]): Array[] => {
          const [outs, touts] = jvpFlat(f, xs.slice(0, n), xs.slice(n).map((t, i) => (mask[i] ? t : new Zero(args[i]!.aval))))
          return [...outs, ...touts.map((t) => (isZero(t) ? instantiate(t) : t))]
        }
        const tie2 = tie ? [...tie, ...tie.map((t) => t + n)] : undefined
        assertTransposed(p.name, "second order", transposeGap(g, [...args, ...ts], [...mask, ...mask], rng, tie2))
      }), runs)
    })
})

// Primitives without forward mode (custom_vjp_call): ⟨Jᵀu, v⟩ against ⟨u, (central differences along v)⟩.
describe("vjp matches central differences where forward mode is refused", () => {
  for (const p of laws.filter((q) => !forwardOk(q)))
    it(`${p.name}: ⟨Jᵀu, v⟩ matches central differences`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), seedArb, ({ args, params, tie }, seed) => {
        const f = apply(p, params), mask = diffMask(args), rng = new Rng(seed)
        const v = tangentsFor(rng, args, mask, tie)
        const res = vjpFlat("laws", f, args)
        const u = res.outs.map((o) => (o.dtype === "float64" ? normalLike(rng, o) : new Zero(o.aval)))
        const [rev, sr] = inner(res.pullbackFlat(u).map((c, i) => (mask[i] ? c : new Zero(c.aval))), v)
        const fd = fdJvp(f, args, v)
        const [want, sw] = inner(u, fd.d.map((d, j) => (d ? new NdArray(d, res.outs[j]!.shape, "float64") : new Zero(res.outs[j]!.aval))))
        if (!(Math.abs(rev - want) <= 1e-6 * Math.max(sr, sw) + 1e-11 * (1 + fd.scale)))
          throw new Error(`${p.name}: ⟨Jᵀu, v⟩ = ${rev} (vjp) but central differences give ${want}`)
      }), runs)
    })
})
