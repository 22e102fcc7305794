// Shape laws of the numpy layer: reshape and transpose round trips, moveaxis and transpose
// agree, index-level meaning of transpose, expandDims/squeeze, split/concatenate,
// stack/take, pad/slice and flip are inverses or agree with a reference.
import { describe, it, expect } from "vitest"
import fc from "fast-check"
import * as np from "../src/numpy/index.js"
import { LAW_RUNS } from "./config.js"
import { arrayOf, ravel, shapeArb, unravel } from "./arrays.js"

const arrayArb = (maxRank = 4) => shapeArb(maxRank).chain(arrayOf)
/** An array of rank ≥ 1 and a valid axis of it (as given, possibly negative). */
const withAxis = shapeArb(4).filter((s) => s.length > 0).chain((s) =>
  fc.tuple(arrayOf(s), fc.integer({ min: -s.length, max: s.length - 1 })))
/** An array and a permutation of its axes. */
const withPerm = arrayArb().chain((x) =>
  fc.tuple(fc.constant(x), fc.shuffledSubarray([...x.shape.keys()], { minLength: x.ndim, maxLength: x.ndim })))

describe("shape laws", () => {
  it("reshape to any same-size shape and back is the identity", () => {
    const arb = arrayArb().chain((x) => fc.tuple(fc.constant(x), fc.shuffledSubarray([...x.shape], { minLength: x.ndim, maxLength: x.ndim })))
    fc.assert(fc.property(arb, ([x, s]) => {
      expect(np.reshape(np.reshape(x, s), x.shape).toArray()).toEqual(x.toArray())
      expect(np.reshape(x, [-1]).toTypedArray()).toEqual(x.toTypedArray())
    }), { numRuns: LAW_RUNS })
  })

  it("transpose by a permutation then by its inverse is the identity", () => {
    fc.assert(fc.property(withPerm, ([x, p]) => {
      const inv = p.map((_, i) => p.indexOf(i))
      expect(np.transpose(np.transpose(x, p), inv).toArray()).toEqual(x.toArray())
      expect(np.transpose(np.transpose(x)).toArray()).toEqual(x.toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("transpose moves element x[i] to y[i∘p]", () => {
    fc.assert(fc.property(withPerm, ([x, p]) => {
      const y = np.transpose(x, p), xd = x.toTypedArray(), yd = y.toTypedArray()
      expect(y.shape).toEqual(p.map((a) => x.shape[a]))
      for (let k = 0; k < yd.length; k++) {
        const j = unravel(k, y.shape), i = new Array<number>(x.ndim)
        p.forEach((a, d) => { i[a] = j[d]! })
        expect(yd[k]).toBe(xd[ravel(i, x.shape)])
      }
    }), { numRuns: LAW_RUNS })
  })

  it("moveaxis there and back is the identity", () => {
    const arb = withAxis.chain(([x, a]) => fc.tuple(fc.constant(x), fc.constant(a), fc.integer({ min: -x.ndim, max: x.ndim - 1 })))
    fc.assert(fc.property(arb, ([x, a, b]) => {
      expect(np.moveaxis(np.moveaxis(x, a, b), b, a).toArray()).toEqual(x.toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("squeeze undoes expandDims", () => {
    const arb = arrayArb(3).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: -(x.ndim + 1), max: x.ndim })))
    fc.assert(fc.property(arb, ([x, a]) => {
      const e = np.expandDims(x, a)
      expect(e.ndim).toBe(x.ndim + 1)
      expect(np.squeeze(e, a).toArray()).toEqual(x.toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("concatenating the parts of a split gives the array back", () => {
    const arb = withAxis.chain(([x, a]) => {
      const n = x.shape[a < 0 ? a + x.ndim : a]!
      return fc.tuple(fc.constant(x), fc.constant(a), fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 3 }).map((c) => c.sort((p, q) => p - q)))
    })
    fc.assert(fc.property(arb, ([x, a, cuts]) => {
      const parts = np.split(x, cuts, a)
      expect(parts.length).toBe(cuts.length + 1)
      expect(np.concatenate(parts, a).toArray()).toEqual(x.toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("take(stack(xs, axis), i, axis) is xs[i]", () => {
    const arb = shapeArb(3).chain((s) => fc.tuple(fc.array(arrayOf(s), { minLength: 1, maxLength: 3 }), fc.integer({ min: -(s.length + 1), max: s.length })))
    fc.assert(fc.property(arb, ([xs, a]) => {
      const st = np.stack(xs, a)
      xs.forEach((x, i) => expect(np.take(st, i, a).toArray()).toEqual(x.toArray()))
    }), { numRuns: LAW_RUNS })
  })

  it("slicing the padding off gives the array back", () => {
    const arb = arrayArb(3).chain((x) => fc.tuple(fc.constant(x),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: x.ndim, maxLength: x.ndim })))
    fc.assert(fc.property(arb, ([x, w]) => {
      const p = np.pad(x, x.ndim === 0 ? 0 : w, { constantValues: 7 })
      expect(p.shape).toEqual(x.shape.map((d, i) => d + w[i]![0] + w[i]![1]))
      expect(np.slice(p, w.map(([b]) => b), x.shape).toArray()).toEqual(x.toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("flip is an involution and reverses indices along its axis", () => {
    fc.assert(fc.property(withAxis, ([x, a]) => {
      const f = np.flip(x, a)
      expect(np.flip(f, a).toArray()).toEqual(x.toArray())
      const ax = a < 0 ? a + x.ndim : a, n = x.shape[ax]!
      if (n > 0) expect(np.take(f, 0, ax).toArray()).toEqual(np.take(x, n - 1, ax).toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("reductions over all axes equal reductions of the flattened array", () => {
    fc.assert(fc.property(arrayArb(), (x) => {
      const flat = np.reshape(x, [-1])
      expect(np.sum(x).item()).toBeCloseTo(np.sum(flat).item(), 9)
      expect(np.sum(x, { keepdims: true }).shape).toEqual(x.shape.map(() => 1))
      if (x.size > 0) expect(np.argmax(x).item()).toBe(np.argmax(flat, 0).item())
    }), { numRuns: LAW_RUNS })
  })
})
