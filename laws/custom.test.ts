// Laws of customJvp and customVjp over random chains of elementwise functions, each rule
// written by hand from a table of first and second derivatives (the chain rule in JS, not
// autodiff): the transforms return exactly the rule's derivatives in every mode and
// composition (grad, jvp, hessian, reverse over reverse, jit, vmap), a scaled rule scales
// them, checkCustomVjp accepts correct rules and rejects wrong ones, and forward mode of a
// customVjp is a NonDifferentiableError naming it.

import fc, { type Arbitrary } from "fast-check"
import { describe, expect, it } from "vitest"
import { type WArray, customJvp, customVjp, grad, hessian, jacrev, jit, jvp, np, vmap } from "wengert"
import { checkCustomVjp, checkVjpAgainstJvp } from "wengert/laws"
import { LAW_RUNS } from "./config.js"

const runs = { numRuns: LAW_RUNS }

/** f, f′ and f″ in np and in JS. */
interface Unary { readonly name: string; f(x: WArray): WArray; d1(x: WArray): WArray; js: [(x: number) => number, (x: number) => number, (x: number) => number] }
const sig = (x: number) => 1 / (1 + Math.exp(-x))
const npSig = (x: WArray) => np.divide(1, np.add(1, np.exp(np.negative(x))))
const TABLE: readonly Unary[] = [
  { name: "sin", f: np.sin, d1: np.cos, js: [Math.sin, Math.cos, (x) => -Math.sin(x)] },
  { name: "cos", f: np.cos, d1: (x) => np.negative(np.sin(x)), js: [Math.cos, (x) => -Math.sin(x), (x) => -Math.cos(x)] },
  { name: "tanh", f: np.tanh, d1: (x) => np.subtract(1, np.square(np.tanh(x))), js: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)] },
  { name: "sigmoid", f: npSig, d1: (x) => np.multiply(npSig(x), np.subtract(1, npSig(x))), js: [sig, (x) => sig(x) * (1 - sig(x)), (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x))] },
  { name: "cubic", f: (x) => np.add(x, np.divide(np.power(x, 3), 6)), d1: (x) => np.add(1, np.divide(np.square(x), 2)), js: [(x) => x + x ** 3 / 6, (x) => 1 + x ** 2 / 2, (x) => x] },
  { name: "arctan", f: np.arctan, d1: (x) => np.divide(1, np.add(1, np.square(x))), js: [Math.atan, (x) => 1 / (1 + x * x), (x) => (-2 * x) / (1 + x * x) ** 2] },
]

/** Value, first and second derivative of the chain at x (forward recursion of the chain rule). */
function chainJs(chain: readonly Unary[], x: number): [number, number, number] {
  let v = x, d1 = 1, d2 = 0
  for (const u of chain) { const [f, g, h] = u.js; d2 = h(v) * d1 * d1 + g(v) * d2; d1 = g(v) * d1; v = f(v) }
  return [v, d1, d2]
}
const applyNp = (chain: readonly Unary[], x: WArray) => chain.reduce((v, u) => u.f(v), x)
/** The intermediate values v₀ = x, …, v_{K−1} and Π f′(v_k), in np. */
function slopeNp(chain: readonly Unary[], x: WArray): { vs: WArray[]; d: WArray } {
  const vs: WArray[] = []
  let v = x, d: WArray = np.onesLike(x)
  for (const u of chain) { vs.push(v); d = np.multiply(d, u.d1(v)); v = u.f(v) }
  return { vs, d }
}

const jvpRule = (chain: readonly Unary[], scale: number) =>
  customJvp(function chainJvp(x: WArray) { return applyNp(chain, x) }, {
    jvp: ([x]: WArray[], [t]: WArray[]) => [applyNp(chain, x!), np.multiply(np.multiply(t!, slopeNp(chain, x!).d), scale)],
  })
const vjpRule = (chain: readonly Unary[], scale: number, shift = 0) =>
  customVjp(function chainVjp(x: WArray) { return applyNp(chain, x) }, {
    fwd: (x: WArray) => [applyNp(chain, x), slopeNp(chain, x).vs],
    // from the saved intermediates: ct·Π f′(v_k) (shift adds ct: a wrong rule)
    bwd: (vs: WArray[], ct: WArray) => [np.add(np.multiply(np.multiply(ct, vs.reduce((d, v, k) => np.multiply(d, chain[k]!.d1(v)), np.onesLike(ct))), scale), np.multiply(ct, shift))],
  })

const GRID = 2 ** 30
const num = (lo: number, hi: number): Arbitrary<number> => fc.integer({ min: 0, max: GRID }).map((k) => lo + ((hi - lo) * k) / GRID)
const chainCase = fc.record({ chain: fc.array(fc.constantFrom(...TABLE), { minLength: 1, maxLength: 4 }), n: fc.integer({ min: 1, max: 4 }), scale: num(-2, 2) })
  .chain((c) => fc.record({ x: fc.array(num(-1.5, 1.5), { minLength: c.n, maxLength: c.n }), t: fc.array(num(-1, 1), { minLength: c.n, maxLength: c.n }), u: fc.array(num(-1, 1), { minLength: c.n, maxLength: c.n }) }).map((v) => ({ ...c, ...v })))

const A = (v: number[]) => np.array(v)
const vals = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)
function close(got: WArray, want: number[] | WArray, tol: number, what: string): void {
  const g = vals(got), w = Array.isArray(want) ? want : vals(want)
  expect(g.length, `${what} length`).toBe(w.length)
  g.forEach((v, i) => expect(Math.abs(v - w[i]!) / Math.max(1, Math.abs(w[i]!)), `${what}[${i}]: ${v} vs ${w[i]}`).toBeLessThanOrEqual(tol))
}
const diag = (d: number[]) => d.flatMap((v, i) => d.map((_, j) => (i === j ? v : 0)))

describe("customJvp: the transforms use the hand-written rule", () => {
  it("jvp, grad (the rule linearized and transposed) and the Hessian equal the chain rule", () => {
    fc.assert(fc.property(chainCase, ({ chain, x, t, u }) => {
      const f = jvpRule(chain, 1), js = x.map((v) => chainJs(chain, v))
      const [p, tan] = jvp(f, [A(x)], [A(t)])
      close(p, js.map((r) => r[0]), 1e-13, "value")
      close(tan, js.map((r, i) => r[1] * t[i]!), 1e-13, "jvp")
      const L = (v: WArray) => np.sum(np.multiply(A(u), f(v)))
      close(grad(L)(A(x)), js.map((r, i) => u[i]! * r[1]), 1e-13, "grad")
      close(hessian(L)(A(x)), diag(js.map((r, i) => u[i]! * r[2])), 1e-12, "hessian")
      checkVjpAgainstJvp(f, [A(x)])
    }), runs)
  })

  it("a scaled rule scales jvp and grad alike (the primal function is not differentiated)", () => {
    fc.assert(fc.property(chainCase, ({ chain, scale, x, t, u }) => {
      const f = jvpRule(chain, scale), js = x.map((v) => chainJs(chain, v))
      close(jvp(f, [A(x)], [A(t)])[1], js.map((r, i) => scale * r[1] * t[i]!), 1e-13, "jvp")
      close(grad((v: WArray) => np.sum(np.multiply(A(u), f(v))))(A(x)), js.map((r, i) => scale * u[i]! * r[1]), 1e-13, "grad")
    }), runs)
  })

  it("under jit and vmap (grad and Hessian per lane)", () => {
    fc.assert(fc.property(chainCase, ({ chain, x, u }) => {
      const f = jvpRule(chain, 1), js = x.map((v) => chainJs(chain, v))
      close(jit(grad((v: WArray) => np.sum(np.multiply(A(u), f(v)))))(A(x)), js.map((r, i) => u[i]! * r[1]), 1e-13, "jit(grad)")
      // scalar lanes: vmap over the entries of x
      close(vmap(grad(f))(A(x)), js.map((r) => r[1]), 1e-13, "vmap(grad)")
      close(vmap(hessian(f))(A(x)), js.map((r) => r[2]), 1e-12, "vmap(hessian)")
    }), runs)
  })
})

describe("customVjp: the transforms use the hand-written backward rule", () => {
  it("grad, reverse over reverse, forward over reverse and grad(vmap) equal the chain rule", () => {
    fc.assert(fc.property(chainCase, ({ chain, x, u }) => {
      const f = vjpRule(chain, 1), js = x.map((v) => chainJs(chain, v))
      close(f(A(x)), js.map((r) => r[0]), 1e-13, "value")
      const L = (v: WArray) => np.sum(np.multiply(A(u), f(v)))
      close(grad(L)(A(x)), js.map((r, i) => u[i]! * r[1]), 1e-13, "grad")
      close(jacrev(jacrev(L))(A(x)), diag(js.map((r, i) => u[i]! * r[2])), 1e-12, "jacrev∘jacrev")
      close(hessian(L)(A(x)), diag(js.map((r, i) => u[i]! * r[2])), 1e-12, "jacfwd∘jacrev (forward over the rule)")
      close(grad((v: WArray) => np.sum(vmap(f)(v)))(A(x)), js.map((r) => r[1]), 1e-13, "grad(vmap)")
      checkCustomVjp(f, [A(x)], { atol: 1e-8, rtol: 1e-6 })
    }), runs)
  })

  it("a scaled backward rule scales the gradient", () => {
    fc.assert(fc.property(chainCase, ({ chain, scale, x, u }) => {
      const js = x.map((v) => chainJs(chain, v))
      close(grad((v: WArray) => np.sum(np.multiply(A(u), vjpRule(chain, scale)(v))))(A(x)), js.map((r, i) => scale * u[i]! * r[1]), 1e-13, "grad")
    }), runs)
  })

  it("under jit, vmap(grad) and jit(vmap(grad))", () => {
    fc.assert(fc.property(chainCase, ({ chain, x, u }) => {
      const f = vjpRule(chain, 1), js = x.map((v) => chainJs(chain, v))
      close(jit(grad((v: WArray) => np.sum(np.multiply(A(u), f(v)))))(A(x)), js.map((r, i) => u[i]! * r[1]), 1e-13, "jit(grad)")
      close(vmap(grad(f))(A(x)), js.map((r) => r[1]), 1e-13, "vmap(grad)")
      close(jit(vmap(grad(f)))(A(x)), js.map((r) => r[1]), 1e-13, "jit(vmap(grad))")
    }), runs)
  })

  it("checkCustomVjp rejects a wrong backward rule", () => {
    fc.assert(fc.property(chainCase, ({ chain, x }) => {
      expect(() => checkCustomVjp(vjpRule(chain, 1, 1), [A(x)], { atol: 1e-8, rtol: 1e-6 })).toThrow(/VJP/)
    }), runs)
  })

  it("forward mode is a NonDifferentiableError naming the function", () => {
    fc.assert(fc.property(chainCase, ({ chain, x, t }) => {
      let caught: (Error & { _tag?: string }) | undefined
      try { jvp(vjpRule(chain, 1), [A(x)], [A(t)]) } catch (e) { caught = e as Error }
      expect(caught?._tag).toBe("NonDifferentiableError")
      expect(caught?.message).toContain("customVjp(chainVjp)")
    }), runs)
  })
})
