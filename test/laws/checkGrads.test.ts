// The public law kit: checkGrads passes correct derivatives and names the mode, order and
// values of a wrong one; checkVjpAgainstJvp and checkCustomVjp catch disagreeing rules; the
// arbitraries respect their bounds.

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type WArray, customJvp, customVjp, np, stopGradient } from "wengert"
import { arrayArb, checkCustomVjp, checkGrads, checkVjpAgainstJvp, shapeArb } from "wengert/laws"

function fails(f: () => unknown, ...fragments: (string | RegExp)[]): string {
  let err: unknown
  try { f() } catch (e) { err = e }
  expect(err, "expected a throw").toBeInstanceOf(Error)
  expect((err as { _tag?: string })._tag).toBe("InvalidArgumentError")
  for (const s of fragments) expect((err as Error).message).toMatch(s)
  return (err as Error).message
}

// sin with a wrong derivative (2cos): every mode sees it
const badSin = customJvp((x: WArray) => np.sin(x), { jvp: ([x], [t]) => [np.sin(x), np.multiply(np.multiply(2, np.cos(x)), t)] })
// sin whose derivative is right but has no second derivative (stopGradient on cos)
const flatSin = customJvp((x: WArray) => np.sin(x), { jvp: ([x], [t]) => [np.sin(x), np.multiply(stopGradient(np.cos(x)), t)] })

describe("checkGrads", () => {
  it("passes correct derivatives up to the order asked", () => {
    const x = np.array([0.3, -1.1, 2])
    expect(checkGrads((v: WArray) => np.sum(np.multiply(np.sin(v), np.exp(v))), [x], { order: 3 })).toBeUndefined()
    expect(checkGrads((v: WArray, w: WArray) => np.multiply(np.tanh(v), w), [x, np.array([1, 2, 3])])).toBeUndefined()
  })

  it("handles pytree arguments and outputs, and ignores int inputs", () => {
    const f = (p: { w: WArray; b: WArray }, idx: WArray) => ({ y: np.take(np.multiply(p.w, p.b), idx), s: np.sum(np.square(p.w)) })
    expect(checkGrads(f, [{ w: np.array([0.5, 1.5]), b: np.array(0.7) }, np.array([1, 0, 1], { dtype: "int32" })])).toBeUndefined()
  })

  it("passes float32 functions with float32 tolerances", () => {
    expect(checkGrads((v: WArray) => np.sum(np.sin(v)), [np.array([0.3, 0.6], { dtype: "float32" })], { order: 1 })).toBeUndefined()
  })

  it("throws naming the mode, order and values of a wrong first derivative", () => {
    fails(() => checkGrads(badSin, [np.array([0.4, 1])], { modes: ["fwd"], order: 1 }), "checkGrads", "JVP (order 1)", /expected .* got .*/, /error/)
    fails(() => checkGrads(badSin, [np.array([0.4, 1])], { modes: ["rev"], order: 1 }), "VJP (order 1)")
  })

  it("finds a wrong second derivative at order 2 only", () => {
    expect(checkGrads(flatSin, [0.4], { order: 1 })).toBeUndefined()
    fails(() => checkGrads(flatSin, [0.4], { order: 2, modes: ["fwd"] }), "JVP of JVP (order 2)")
    fails(() => checkGrads(flatSin, [0.4], { order: 2, modes: ["rev"] }), "VJP of VJP (order 2)")
  })

  it("is deterministic for a seed", () => {
    const a = fails(() => checkGrads(badSin, [np.array([0.4, 1, -2])], { order: 1 }))
    const b = fails(() => checkGrads(badSin, [np.array([0.4, 1, -2])], { order: 1 }))
    expect(a).toBe(b)
  })

  it("validates its options", () => {
    fails(() => checkGrads(np.sin, [1], { order: 0 }), "order")
    fails(() => checkGrads(np.sin, [1], { modes: ["sideways" as "fwd"] }), "modes")
    fails(() => checkGrads((x: WArray) => x, [np.array([1], { dtype: "int32" })]), "float")
  })
})

describe("checkVjpAgainstJvp", () => {
  it("passes when reverse mode transposes forward mode", () => {
    expect(checkVjpAgainstJvp((v: WArray) => np.matmul(np.array([[1, 2], [3, 4]]), np.sin(v)), [np.array([0.1, 0.2])])).toBeUndefined()
  })

  it("catches a rule that is not linear in the tangent", () => {
    const affine = customJvp((x: WArray) => np.sin(x), { jvp: ([x], [t]) => [np.sin(x), np.add(np.multiply(np.cos(x), t), 1)] })
    fails(() => checkVjpAgainstJvp(affine, [np.array([0.3, 0.9])]), "checkVjpAgainstJvp", "⟨u, J v⟩", "⟨Jᵀu, v⟩")
  })
})

describe("checkCustomVjp", () => {
  const fwd = (x: WArray): [WArray, WArray] => [np.sin(x), x]
  it("passes a correct backward rule", () => {
    const f = customVjp((x: WArray) => np.sin(x), { fwd, bwd: (x: WArray, ct: WArray) => [np.multiply(np.cos(x), ct)] })
    expect(checkCustomVjp(f, [np.array([0.2, -0.8])])).toBeUndefined()
  })

  it("catches a wrong backward rule", () => {
    const f = customVjp((x: WArray) => np.sin(x), { fwd, bwd: (x: WArray, ct: WArray) => [np.multiply(np.sin(x), ct)] })
    fails(() => checkCustomVjp(f, [np.array([0.2, -0.8])]), "VJP (order 1)")
  })
})

describe("arbitraries", () => {
  it("shapeArb keeps ranks and dimensions in bounds", () => {
    fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 2, minDim: 2, maxDim: 3 }), (s) =>
      s.length >= 1 && s.length <= 2 && s.every((d) => d >= 2 && d <= 3)))
  })

  it("arrayArb gives arrays of the shape, dtype and range asked", () => {
    fc.assert(fc.property(arrayArb({ shape: shapeArb({ maxRank: 2 }), dtype: "float32", min: -1, max: 2 }), (x) => {
      const v = x.toTypedArray()
      return x.dtype === "float32" && x.size === v.length && v.every((e) => e >= -1 && e <= 2)
    }))
    fc.assert(fc.property(arrayArb({ shape: [2, 3], dtype: "int32", min: 0, max: 4 }), (x) =>
      x.shape.join() === "2,3" && [...x.toTypedArray()].every((e) => Number.isInteger(e) && e >= 0 && e <= 4)))
  })

  it("reject invalid bounds", () => {
    fails(() => arrayArb({ min: 2, max: 1 }), "min")
    fails(() => shapeArb({ minRank: 3, maxRank: 1 }), "minRank")
  })
})
