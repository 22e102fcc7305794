// Checkpointed scans (issue 7): the binomial (revolve) schedule against an independent
// dynamic program, the step evaluations a gradient really performs (counted by a debug
// callback in the body), gradients equal to the plain scan's, the size of the IR for long
// scans, and every bad checkpoint option as a tagged error.

import { describe, expect, it } from "vitest"
import { type WArray, checkpoint, debug, grad, jit, lax, makeJaxpr, np, policies } from "wengert"
import { ClosedJaxpr, type Jaxpr } from "../../src/core/ir.js"
import { binomialBeta, binomialRepetitions, binomialSplit, binomialSteps, defaultSnapshots } from "../../src/lax/scanCheckpoint.js"
import { throwsTagged } from "../numpy/helpers.js"

// --- an independent oracle: t(N, s) = min over m of m + t(N − m, s − 1) + t(m, s), t(1, s) = 0

const NMAX = 80, SMAX = 30
const dp: number[][] = []
for (let s = 0; s <= SMAX; s++) {
  dp[s] = [Infinity, 0]
  for (let n = 2; n <= NMAX; n++) {
    let best = Infinity
    if (s >= 1) for (let m = 1; m < n; m++) best = Math.min(best, m + dp[s - 1]![n - m]! + dp[s]![m]!)
    dp[s]![n] = best
  }
}
const pascal: number[][] = [[1]]
for (let i = 1; i <= 80; i++) pascal.push(Array.from({ length: i + 1 }, (_, k) => (k === 0 || k === i ? 1 : pascal[i - 1]![k - 1]! + pascal[i - 1]![k]!)))

/** The forward steps of the schedule as binomialSplit lays it out (its own recursion, not the formula). */
function scheduleSteps(n: number, s: number): number {
  if (n === 1) return 0
  if (s >= n - 1) return n - 1 // n − 1 single-step checkpoints, each advanced once
  const m = binomialSplit(n, s)
  return m + scheduleSteps(n - m, s - 1) + scheduleSteps(m, s)
}

describe("the binomial schedule", () => {
  it("β(s, r) is the binomial coefficient C(s + r, s) and r(N, s) the least r with β ≥ N", () => {
    for (let s = 0; s <= 12; s++) for (let r = 0; r <= 12; r++) expect(binomialBeta(s, r), `β(${s},${r})`).toBe(pascal[s + r]![s]!)
    for (let s = 1; s <= 6; s++) for (let n = 1; n <= 60; n++) {
      const r = binomialRepetitions(n, s)
      expect(pascal[s + r]![s]!).toBeGreaterThanOrEqual(n)
      if (r > 0) expect(pascal[s + r - 1]![s]!).toBeLessThan(n)
    }
  })

  it("t(N, s) = r·N − β(s + 1, r − 1) equals the dynamic program, with the closed cases", () => {
    for (let s = 1; s <= SMAX; s++) for (let n = 1; n <= NMAX; n++) expect(binomialSteps(n, s), `t(${n},${s})`).toBe(dp[s]![n]!)
    expect([binomialSteps(2, 1), binomialSteps(3, 1), binomialSteps(1, 1), binomialSteps(1, 50)]).toEqual([1, 3, 0, 0])
    for (let n = 2; n <= 60; n++) {
      expect(binomialSteps(n, 1)).toBe((n * (n - 1)) / 2) // one stored carry: re-advance from x0 every time
      for (const s of [n - 1, n, n + 5]) expect(binomialSteps(n, s)).toBe(n - 1) // enough carries: advance once
    }
  })

  it("binomialSplit is an optimal first segment, so the schedule it lays out takes t(N, s) steps", () => {
    for (let s = 1; s <= SMAX; s++) for (let n = 2; n <= NMAX; n++) {
      const m = binomialSplit(n, s)
      expect(m).toBeGreaterThanOrEqual(1)
      expect(m).toBeLessThan(n)
      expect(m + dp[s - 1]![n - m]! + dp[s]![m]!, `split ${m} of (${n},${s})`).toBe(dp[s]![n]!)
      expect(scheduleSteps(n, s)).toBe(dp[s]![n]!)
    }
    // and for long scans, the layout still follows the formula
    for (const [n, s] of [[10000, 14], [10000, 4], [1000, 3], [12345, 7]] as const) expect(scheduleSteps(n, s)).toBe(binomialSteps(n, s))
  })

  it("\"binomial\" stores ⌈log₂ N⌉ carries", () => {
    expect([1, 2, 3, 4, 5, 1000, 1024, 1025, 10000].map(defaultSnapshots)).toEqual([1, 1, 2, 2, 3, 10, 10, 11, 14])
  })
})

// --- the real thing: how often a gradient evaluates the body ------------------------------

/** Gradient of a loss through a scan whose body counts its own evaluations. */
function countedGrad(n: number, how: Parameters<typeof lax.scan>[3] extends infer O ? O extends { checkpoint?: infer C } ? C : never : never, reverse: boolean, jitted = false): number {
  let count = 0
  const L = (a: WArray) => {
    const [c] = lax.scan((c: WArray, x: WArray) => {
      debug.callback(() => { count++ }, x)
      return [np.sin(np.add(np.multiply(c, a), x)), c]
    }, np.array([0.3, -0.4]), np.multiply(np.arange(n), 0.1), { checkpoint: how, reverse })
    return np.sum(c as WArray)
  }
  ;(jitted ? jit(grad(L)) : grad(L))(0.7)
  return count
}

describe("a gradient through a checkpointed scan", () => {
  it("evaluates the body t(N, s) + N times under { binomial: s }, forwards and in reverse", () => {
    for (const n of [1, 2, 3, 4, 7, 10, 16, 23]) for (const s of [1, 2, 3, 5, n + 2]) for (const reverse of [false, true]) {
      const t = dp[s]![n]!
      expect(countedGrad(n, { binomial: s }, reverse), `N=${n} s=${s} reverse=${reverse}`).toBe(t + n)
    }
  })

  it("evaluates it t(N, ⌈log₂ N⌉) + N times under \"binomial\", N + k⌊N/k⌋ under { every: k }, N under \"none\"", () => {
    for (const n of [5, 16, 40]) {
      expect(countedGrad(n, "binomial", false)).toBe(dp[defaultSnapshots(n)]![n]! + n)
      for (const k of [1, 3, 4, n]) expect(countedGrad(n, { every: k }, false), `N=${n} k=${k}`).toBe(n + k * Math.floor(n / k))
      expect(countedGrad(n, "none", false)).toBe(n)
    }
  })

  it("evaluates it as often under jit", () => {
    expect(countedGrad(13, { binomial: 3 }, false, true)).toBe(dp[3]![13]! + 13)
  })

  // pytree carry {p: [2], q: []}, pytree ys, a closed-over parameter
  const body = (a: WArray) => (c: { p: WArray; q: WArray }, x: WArray) => {
    const p = np.sin(np.add(np.multiply(c.p, a), np.multiply(x, c.q)))
    const q = np.add(np.multiply(c.q, 0.9), np.multiply(np.sum(c.p), 0.1))
    return [{ p, q }, { u: np.multiply(p, x), v: [np.cos(q)] }] as [typeof c, { u: WArray; v: WArray[] }]
  }
  const loss = (how: "none" | "binomial" | { binomial: number } | { every: number }, reverse: boolean, n: number) => (a: WArray, c0: WArray) => {
    const xs = np.cos(np.multiply(np.arange(n), 0.37))
    const [c, ys] = lax.scan(body(a), { p: c0, q: np.array(0.5) }, xs, { checkpoint: how, reverse })
    return np.add(np.add(np.sum(np.multiply(c.p, c.p)), c.q), np.add(np.sum(np.multiply(ys.u, np.arange(2 * n).reshape([n, 2]).mul(0.01))), np.sum(ys.v[0]!)))
  }
  const vals = (x: WArray) => Array.from(x.toTypedArray() as ArrayLike<number>)
  const expectClose = (got: WArray, want: WArray, what: string) =>
    vals(got).forEach((g, i) => expect(Math.abs(g - vals(want)[i]!) / Math.max(1, Math.abs(vals(want)[i]!)), `${what}[${i}]: ${g} vs ${vals(want)[i]}`).toBeLessThanOrEqual(1e-12))

  it("has the plain scan's value and gradient for pytree carries and ys, every N, s and direction", () => {
    const a = np.array(0.8), c0 = np.array([0.2, -0.6])
    for (const n of [1, 2, 5, 9, 17]) for (const reverse of [false, true]) {
      const want = grad(loss("none", reverse, n), { argnums: [0, 1] })(a, c0) as WArray[]
      const wantV = loss("none", reverse, n)(a, c0)
      for (const how of ["binomial" as const, { binomial: 1 }, { binomial: 2 }, { binomial: 4 }, { every: Math.max(1, Math.floor(Math.sqrt(n))) }]) {
        const tag = `N=${n} ${JSON.stringify(how)} reverse=${reverse}`
        expectClose(loss(how, reverse, n)(a, c0), wantV, `${tag} value`)
        const got = grad(loss(how, reverse, n), { argnums: [0, 1] })(a, c0) as WArray[]
        expectClose(got[0]!, want[0]!, `${tag} d/da`)
        expectClose(got[1]!, want[1]!, `${tag} d/dc0`)
      }
    }
  })

  it("keeps the IR of a 10⁴-step binomial gradient small (one body per distinct sub-schedule)", () => {
    const N = 10_000
    const L = (a: WArray) => np.sum(lax.scan((c: WArray) => [np.sin(np.multiply(c, a)), null], np.ones([8]), null, { length: N, checkpoint: "binomial" })[0] as WArray)
    const t0 = performance.now()
    const j = makeJaxpr(grad(L))(0.7)
    const ms = performance.now() - t0
    // count every equation of every distinct body reachable from the gradient's jaxpr
    const seen = new Set<Jaxpr>()
    let eqns = 0
    const walk = (jx: Jaxpr) => {
      if (seen.has(jx)) return
      seen.add(jx)
      eqns += jx.eqns.length
      for (const e of jx.eqns) for (const v of Object.values(e.params)) if (v instanceof ClosedJaxpr) walk(v.jaxpr)
    }
    walk(j.jaxpr)
    console.log(`grad of a ${N}-step binomial scan: traced in ${ms.toFixed(0)} ms, ${seen.size} distinct bodies, ${eqns} equations in all`)
    expect(j.jaxpr.eqns.length).toBeLessThan(200)
    expect(seen.size).toBeLessThan(400)
    expect(eqns).toBeLessThan(20_000)
  })
})

describe("bad checkpoint options", () => {
  const scan5 = (checkpoint: unknown) => () => lax.scan((c: WArray, x: WArray) => [np.add(c, x), null], 0, np.arange(5), { checkpoint: checkpoint as never })

  it("names lax.scan and the valid modes for an unknown mode", () => {
    for (const bad of ["sometimes", "Binomial", null, 3, {}, { every: 2, binomial: 3 }, { evry: 2 }])
      throwsTagged(scan5(bad), "InvalidArgumentError", "lax.scan", "\"none\", \"binomial\", { every: k } or { binomial: s }")
  })

  it("rejects k ≤ 0 and non-integer k", () => {
    for (const k of [0, -2, 2.5, NaN, "3"]) throwsTagged(scan5({ every: k }), "InvalidArgumentError", "lax.scan", "positive integer k", String(k))
  })

  it("rejects k > N and says which k to use", () => {
    throwsTagged(scan5({ every: 6 }), "InvalidArgumentError", "lax.scan", "{ every: 6 }", "5 steps", "1 ≤ k ≤ 5", "√N", "\"none\"")
    expect(scan5({ every: 5 })()[0].item()).toBe(10)
  })

  it("rejects a snapshot count below 1 or not an integer, and one that nests too deep", () => {
    for (const s of [0, -1, 1.5, Infinity, "2"]) throwsTagged(scan5({ binomial: s }), "InvalidArgumentError", "lax.scan", "positive integer s", String(s))
    throwsTagged(() => lax.scan((c: WArray) => [c, null], 0, null, { length: 5000, checkpoint: { binomial: 1 } }),
      "InvalidArgumentError", "lax.scan", "{ binomial: 1 }", "5000 steps", "{ binomial: 2 }", "12497500")
  })

  it("rejects an unknown checkpoint policy and saveOnlyNames without string names", () => {
    throwsTagged(() => checkpoint((v: WArray) => v, { policy: { kind: "dotsAndNames" } as never }), "InvalidArgumentError", "checkpoint", "dotsAndNames", "policies.nothingSaveable")
    throwsTagged(() => checkpoint((v: WArray) => v, { policy: "dotsSaveable" as never }), "InvalidArgumentError", "checkpoint", "dotsSaveable")
    throwsTagged(() => checkpoint((v: WArray) => v, { policy: { kind: "saveOnlyNames" } as never }), "InvalidArgumentError", "checkpoint", "saveOnlyNames")
    throwsTagged(() => policies.saveOnlyNames([1] as never), "InvalidArgumentError", "policies.saveOnlyNames", "strings")
    throwsTagged(() => policies.saveOnlyNames("h" as never), "InvalidArgumentError", "policies.saveOnlyNames", "strings")
  })
})
