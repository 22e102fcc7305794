// Second-order laws for every registered primitive with forward and reverse rules. For the
// scalar s(x) = ⟨w, f(x)⟩ with random weights w, the Hessian H = ∇²s must be symmetric and
// the two ways of forming H v must agree:
//   forward over reverse  Hv = jvp(∇s)(x; v)        (the JVP rules of the transpose rules),
//   reverse over forward  Hv = ∇ₓ⟨w, J(x) v⟩        (the transpose rules of the JVP of the JVP).
// So ⟨u, H v⟩ = ⟨v, H u⟩ (forward over reverse, both ways) and = ⟨u, H v⟩ (reverse over
// forward), to 1e-9 relative, for random u, v; and, where the primitive is smooth, H v matches
// the central difference of ∇s along v (1e-6 relative). A rule whose derivative is right to
// first order but whose own JVP or transpose is wrong (the usual second-order bug) fails here,
// and so does one that is consistently wrong (a derivative built from non-differentiable parts).

import fc from "fast-check"
import { describe, it } from "vitest"
import type { Array } from "../src/core/array.js"
import { type Tangent, Zero } from "../src/core/primitive.js"
import { instantiate } from "../src/prims/elementwise.js"
import { jvpFlat } from "../src/transforms/jvp.js"
import { vjpFlat } from "../src/transforms/vjp.js"
import {
  Rng, apply, caseArb, diffMask, differentiable, f64, fdJvp, forwardOk, hasF64Operand, hasRule, inner, maxAbs, normalLike, reverseOk, runs,
  sampled, seedArb, tangentsFor,
} from "./harness.js"
import { primitives } from "../src/core/primitive.js"

const laws = primitives().filter((p) => sampled(p) && hasRule(p) && forwardOk(p) && reverseOk(p) && hasF64Operand(sampled(p)!))

type F = (xs: readonly Array[]) => Array[]
const only = (ts: readonly Tangent[], mask: readonly boolean[]) => ts.filter((_, i) => mask[i])

/** ∇s on the perturbed operands, as a function of all operands. */
const gradOf = (f: F, w: readonly Tangent[], mask: readonly boolean[]): F => (xs) =>
  only(vjpFlat("laws", f, xs).pullbackFlat(w), mask).map(instantiate)

describe("second order: the Hessian of ⟨w, f⟩ is symmetric, forward over reverse = reverse over forward", () => {
  for (const p of laws)
    it(`${p.name}: ⟨u, Hv⟩ = ⟨v, Hu⟩ both ways`, () => {
      fc.assert(fc.property(caseArb(sampled(p)!, "f64"), seedArb, ({ args, params, tie }, seed) => {
        const f = apply(p, params), mask = diffMask(args), rng = new Rng(seed)
        const w: Tangent[] = f(args).map((o) => (o.dtype === "float64" ? normalLike(rng, o) : new Zero(o.aval)))
        const u = tangentsFor(rng, args, mask, tie), v = tangentsFor(rng, args, mask, tie)
        const g = gradOf(f, w, mask)
        const hv = jvpFlat(g, args, v)[1], hu = jvpFlat(g, args, u)[1]
        // reverse over forward: the gradient of x ↦ ⟨w, J(x) v⟩
        const jv: F = (xs) => jvpFlat(f, xs, v)[1].map(instantiate)
        const hvRof = only(vjpFlat("laws", jv, args).pullbackFlat(w), mask)
        const [uhv, s1] = inner(only(u, mask), hv), [vhu, s2] = inner(only(v, mask), hu), [uhvRof, s3] = inner(only(u, mask), hvRof)
        const norm = (ts: readonly Tangent[]) => Math.sqrt(inner(ts, ts)[0])
        const scale = s1 + s2 + s3 + 1e-4 * norm(only(u, mask)) * norm(only(v, mask)) * norm(w)
        if (!(Math.abs(uhv - vhu) <= 1e-9 * scale))
          throw new Error(`${p.name}: H is not symmetric: ⟨u, Hv⟩ = ${uhv}, ⟨v, Hu⟩ = ${vhu} (scale ${scale})`)
        if (!(Math.abs(uhv - uhvRof) <= 1e-9 * scale))
          throw new Error(`${p.name}: forward over reverse gives ⟨u, Hv⟩ = ${uhv}, reverse over forward ${uhvRof} (scale ${scale})`)
        if (!differentiable(p)) return
        const fd = fdJvp(g, args, v)
        fd.d.forEach((want, j) => {
          const got = f64(instantiate(hv[j]!)), size = Math.max(maxAbs(want!), maxAbs(got)), floor = 1e-11 * (1 + fd.scale)
          for (let k = 0; k < got.length; k++)
            if (!(Math.abs(got[k]! - want![k]!) <= 1e-6 * size + floor))
              throw new Error(`${p.name}: (Hv)[${j}][${k}] is ${got[k]} but central differences of the gradient give ${want![k]}`)
        })
      }), runs)
    })
})
