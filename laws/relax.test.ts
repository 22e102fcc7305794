// Relaxations tend to their hard counterparts as the temperature goes to 0, on random inputs
// (values kept a gap apart, so the hard answer is unambiguous), with the error bounds the math
// gives: logsumexp_T(x) − max(x) ∈ [0, T·log n]; softmax → one-hot of the argmax; the sigmoid
// cut → the step; soft sort and rank (PAV) → exact sort and rank once ε < the smallest gap.

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { np, relax } from "wengert"
import { LAW_RUNS } from "./config.js"

// n distinct values at least 0.1 apart, shuffled
const spaced = fc.integer({ min: 2, max: 9 }).chain((n) =>
  fc.tuple(fc.shuffledSubarray([...Array(40).keys()], { minLength: n, maxLength: n }), fc.double({ min: -2, max: 2, noNaN: true }))
    .map(([ks, s]) => ks.map((k) => k * 0.1 + s)))

describe("relaxations → hard counterparts as T → 0", () => {
  it("logsumexp and smoothMax are within T·log n above the max; softmax is one-hot", () => {
    fc.assert(fc.property(spaced, fc.constantFrom(1e-2, 1e-3), (xs, T) => {
      const max = Math.max(...xs), x = np.array(xs)
      const lse = relax.logsumexp(x, { temperature: T }).item()
      expect(lse - max).toBeGreaterThanOrEqual(-1e-12)
      expect(lse - max).toBeLessThanOrEqual(T * Math.log(xs.length) + 1e-12)
      const sm = relax.softmax(x, { temperature: T }).toArray() as number[]
      const k = xs.indexOf(max)
      sm.forEach((p, i) => expect(Math.abs(p - (i === k ? 1 : 0))).toBeLessThan(xs.length * Math.exp(-0.1 / T)))
    }), { numRuns: LAW_RUNS })
  })

  it("sigmoidStep is the step 1[x > 0] away from 0", () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 5, noNaN: true }), fc.boolean(), (a, neg) => {
      const v = neg ? -a : a, got = relax.sigmoidStep(np.array(v), { temperature: 1e-3 }).item()
      expect(Math.abs(got - (v > 0 ? 1 : 0))).toBeLessThan(Math.exp(-a / 1e-3) + 1e-15)
    }), { numRuns: LAW_RUNS })
  })

  it("softSort and softRank (PAV) are the exact sort and rank when ε is below the smallest gap", () => {
    fc.assert(fc.property(spaced, (xs) => {
      const sorted = [...xs].sort((a, b) => a - b), x = np.array(xs)
      const s = relax.softSort(x, { strength: 1e-3 }).toArray() as number[]
      // PAV works on x/ε (~4·10³ here), so round-off reaches ~1e-12; 1e-10 bounds it
      s.forEach((v, i) => expect(v).toBeCloseTo(sorted[i]!, 10))
      const r = relax.softRank(x, { strength: 1e-3 }).toArray() as number[]
      r.forEach((v, i) => expect(v).toBeCloseTo(sorted.indexOf(xs[i]!) + 1, 9))
    }), { numRuns: LAW_RUNS })
  })
})
