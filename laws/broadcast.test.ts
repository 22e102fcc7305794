// Broadcasting laws of the numpy layer: an elementwise op on broadcastable operands equals the
// op on operands broadcast first, equals an index-by-index reference, and commutes with
// broadcasting; a JS number behaves as a full array of its value.
import { describe, it, expect } from "vitest"
import fc from "fast-check"
import * as np from "../src/numpy/index.js"
import { LAW_RUNS } from "./config.js"
import { arrayOf, broadcastableTo, ravel, shapeArb, sizeOf, unravel } from "./arrays.js"

/** Two arrays whose shapes broadcast to `out`, with `out`. */
const pairArb = shapeArb().chain((out) =>
  fc.tuple(broadcastableTo(out), broadcastableTo(out)).chain(([sa, sb]) =>
    fc.tuple(fc.constant(out), arrayOf(sa), arrayOf(sb))))

/** The broadcast result's shape: numpy's rule applied to the two operand shapes. */
const joint = (a: readonly number[], b: readonly number[]): number[] => {
  const n = Math.max(a.length, b.length)
  return Array.from({ length: n }, (_, i) => {
    const da = a[i - n + a.length] ?? 1, db = b[i - n + b.length] ?? 1
    return da === 1 ? db : da
  })
}

/** out[idx] = f(x[idx'], y[idx'']) with broadcast axes read at 0: the reference. */
function reference(x: np.Array, y: np.Array, f: (a: number, b: number) => number | boolean): unknown[] {
  const out = joint(x.shape, y.shape)
  const xd = x.toTypedArray(), yd = y.toTypedArray()
  const at = (a: np.Array, d: ArrayLike<number>, idx: number[]) => {
    const s = a.shape, off = idx.length - s.length
    return d[ravel(s.map((n, i) => (n === 1 ? 0 : idx[off + i]!)), s)]!
  }
  return Array.from({ length: sizeOf(out) }, (_, k) => { const idx = unravel(k, out); return f(at(x, xd, idx), at(y, yd, idx)) })
}

const flat = (a: np.Array): unknown[] => {
  const d = Array.from(a.toTypedArray() as ArrayLike<number>)
  return a.dtype === "bool" ? d.map((v) => v !== 0) : d
}

const binaries: [string, (x: np.ArrayLike, y: np.ArrayLike) => np.Array, (a: number, b: number) => number | boolean][] = [
  ["add", np.add, (a, b) => a + b],
  ["subtract", np.subtract, (a, b) => a - b],
  ["multiply", np.multiply, (a, b) => a * b],
  ["maximum", np.maximum, Math.max],
  ["minimum", np.minimum, Math.min],
  ["less", np.less, (a, b) => a < b],
  ["greaterEqual", np.greaterEqual, (a, b) => a >= b],
  ["equal", np.equal, (a, b) => a === b],
]

describe("broadcasting laws", () => {
  for (const [name, f, ref] of binaries) {
    it(`${name}: equals the index-by-index reference on the broadcast shape`, () => {
      fc.assert(fc.property(pairArb, ([, x, y]) => {
        const r = f(x, y)
        expect(r.shape).toEqual(joint(x.shape, y.shape))
        expect(flat(r)).toEqual(reference(x, y, ref))
      }), { numRuns: LAW_RUNS })
    })
    it(`${name}: broadcasting the operands first changes nothing`, () => {
      fc.assert(fc.property(pairArb, ([, x, y]) => {
        const s = joint(x.shape, y.shape)
        expect(f(np.broadcastTo(x, s), np.broadcastTo(y, s)).toArray()).toEqual(f(x, y).toArray())
      }), { numRuns: LAW_RUNS })
    })
  }

  it("the broadcast shape does not depend on operand order", () => {
    fc.assert(fc.property(pairArb, ([, x, y]) => {
      expect(np.add(x, y).toArray()).toEqual(np.add(y, x).toArray())
      expect(np.less(x, y).toArray()).toEqual(np.greater(y, x).toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("unary ops commute with broadcastTo", () => {
    const arb = shapeArb().chain((out) => broadcastableTo(out).chain((s) => fc.tuple(fc.constant(out), arrayOf(s))))
    fc.assert(fc.property(arb, ([out, x]) => {
      for (const f of [np.exp, np.sin, np.abs, np.negative, np.square, np.tanh]) {
        expect(f(np.broadcastTo(x, out)).toArray()).toEqual(np.broadcastTo(f(x), out).toArray())
      }
    }), { numRuns: LAW_RUNS })
  })

  it("a JS number acts as a full array of its value, and keeps float32", () => {
    const arb = shapeArb().chain((s) => fc.tuple(arrayOf(s), fc.double({ min: -5, max: 5, noNaN: true })))
    fc.assert(fc.property(arb, ([x, c]) => {
      expect(np.multiply(x, c).toArray()).toEqual(np.multiply(x, np.full(x.shape, c)).toArray())
      expect(np.subtract(c, x).toArray()).toEqual(np.subtract(np.full(x.shape, c), x).toArray())
      expect(np.add(x.astype("float32"), c).dtype).toBe("float32")
    }), { numRuns: LAW_RUNS })
  })

  it("where broadcasts its three operands like arithmetic does", () => {
    fc.assert(fc.property(pairArb, ([, x, y]) => {
      const c = np.greater(x, 0)
      const s = joint(x.shape, y.shape)
      expect(np.where(c, x, y).toArray()).toEqual(np.where(np.broadcastTo(c, s), np.broadcastTo(x, s), np.broadcastTo(y, s)).toArray())
    }), { numRuns: LAW_RUNS })
  })

  it("summing a broadcast over the new axes multiplies by their sizes", () => {
    const arb = shapeArb(3).chain((s) => fc.tuple(arrayOf(s), fc.integer({ min: 0, max: 3 })))
    fc.assert(fc.property(arb, ([x, k]) => {
      const b = np.broadcastTo(x, [k, ...x.shape])
      const got = np.sum(b, 0).toTypedArray(), want = np.multiply(x, k).toTypedArray()
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 9))
    }), { numRuns: LAW_RUNS })
  })
})
