// ir.memoryReport's measured figures: what an allocation counter sees when the jaxpr runs
// in the interpreter and in compiled code. Exact where the static model is exact (a few
// float64 vectors), close to it on checkpointed scan gradients, falling as checkpointing is
// switched on in both backends, and without effect on the values computed.

import { describe, expect, expectTypeOf, it } from "vitest"
import { type WArray, grad, ir, lax, makeJaxpr, np } from "wengert"
import { evalJaxprFlat } from "../../src/backends/interpreter/evalJaxpr.js"
import { compileJaxpr } from "../../src/backends/jsgen/compile.js"
import * as meterModule from "../../src/ir/measureMeter.js"

const { Meter, metered } = meterModule
const vals = (xs: readonly unknown[]) => xs.map((x) => Array.from((x as WArray).toTypedArray() as ArrayLike<number>))
const measured = (f: (...a: any[]) => WArray | WArray[], ...args: WArray[]) => {
  const r = ir.memoryReport(makeJaxpr(f)(...args), { measure: args })
  return { static: r.peakBytes, interpreter: r.measured.interpreter!, compiled: r.measured.compiled! }
}

describe("measured memory of small programs", () => {
  const x = np.linspace(0, 1, 4)   // 4 float64s: 32 bytes

  it("counts sin of a float64 [4] vector exactly: its input and its output", () => {
    const m = measured((x) => np.sin(x), x)
    expect(m.static).toBe(64)
    expect(m.interpreter).toEqual({ peakBytes: 64, allocatedBytes: 32, retainedBytes: 32 })
    expect(m.compiled).toEqual({ peakBytes: 64, allocatedBytes: 32, retainedBytes: 32 })
  })

  it("counts the bytes of the dtype: a float32 [4] vector takes 16", () => {
    const m = measured((x) => np.sin(x), np.zeros([4], { dtype: "float32" }))
    expect(m.static).toBe(32)
    expect(m.interpreter).toEqual({ peakBytes: 32, allocatedBytes: 16, retainedBytes: 16 })
    expect(m.compiled).toEqual({ peakBytes: 32, allocatedBytes: 16, retainedBytes: 16 })
  })

  it("gives the static peak in the interpreter, which drops each value after its last use", () => {
    // x, sin x and their product are alive at once: 96; each equation allocates its output
    const kept = measured((x) => np.multiply(np.sin(x), x), x)
    expect([kept.static, kept.interpreter.peakBytes, kept.interpreter.allocatedBytes]).toEqual([96, 96, 64])
    // a chain frees each link once the next is made: never more than two vectors
    const chain = measured((x) => np.exp(np.cos(np.sin(x))), x)
    expect([chain.static, chain.interpreter.peakBytes, chain.interpreter.allocatedBytes]).toEqual([64, 64, 96])
    // a scan of 10 steps: x, the stacked [10, 4] outputs (allocated before the first step),
    // the previous carry and the step's new carry and row
    const scan = measured((x) => lax.scan((c: WArray) => [np.sin(c), np.cos(c)], x, null, { length: 10 }), x)
    expect(scan.static).toBe(32 + 320 + 3 * 32)
    expect(scan.interpreter.peakBytes).toBe(scan.static)
    expect(scan.interpreter.allocatedBytes).toBe(10 * 2 * 32 + 320)   // a carry and a row per step, and the stack
    expect(scan.interpreter.retainedBytes).toBe(32 + 320)
  })

  it("counts a view once: a reshape that shares its input's buffer allocates nothing", () => {
    const m = measured((x) => np.sum(np.reshape(np.sin(x), [2, 2]), 0), x)
    expect(m.interpreter.allocatedBytes).toBe(32 + 16)   // sin's vector and the [2] sum
  })

  it("sees what fusion saves in compiled code: a fused chain allocates only its output", () => {
    expect(measured((x) => np.exp(np.cos(np.sin(x))), x).compiled).toEqual({ peakBytes: 64, allocatedBytes: 32, retainedBytes: 32 })
  })

  it("counts a compiled scan's two carry buffers and its stacked outputs", () => {
    const m = measured((x) => lax.scan((c: WArray) => [np.sin(c), np.cos(c)], x, null, { length: 10 }), x)
    expect(m.compiled.peakBytes).toBe(32 + 2 * 32 + 320)
    expect(m.compiled.retainedBytes).toBe(32 + 320)
  })

  it("runs only the backends asked for", () => {
    const r = ir.memoryReport(makeJaxpr((x: WArray) => np.sin(x))(x), { measure: [x], backends: ["compiled"] })
    expect(r.measured.interpreter).toBeUndefined()
    expect(r.measured.compiled?.peakBytes).toBe(64)
  })

  it("adds the measured figures to the static report and types them as present", () => {
    const j = makeJaxpr((x: WArray) => np.sin(x))(x)
    const { measured: _, ...rest } = ir.memoryReport(j, { measure: [x] })
    expect(rest).toEqual(ir.memoryReport(j))
    expect(ir.memoryReport(j).measured).toBeUndefined()
    expectTypeOf(ir.memoryReport(j, { measure: [x] }).measured).toEqualTypeOf<{ readonly interpreter?: ir.MeasuredMemory; readonly compiled?: ir.MeasuredMemory }>()
  })
})

describe("measured memory of a checkpointed scan's gradient", () => {
  // Σ x_N² after N explicit Euler steps on a state of S float64s, gradient w.r.t. p
  const N = 1000, S = 50, state = 8 * S
  const x0 = np.linspace(-1, 1, S), p = np.linspace(0.5, 1.5, S)
  type How = "none" | "binomial" | { every: number }
  const loss = (how: How) => (pv: WArray) =>
    np.sum(np.square(lax.scan((x: WArray) => [x.add(np.multiply(pv, np.sin(x)).sub(x.mul(0.1)).mul(1e-3)), null], x0, null, { length: N, checkpoint: how })[0] as WArray))
  const hows: How[] = ["none", { every: 10 }, { every: 32 }, "binomial"]
  const jaxprs = hows.map((how) => makeJaxpr(grad(loss(how)))(p))
  const reports = jaxprs.map((j) => ir.memoryReport(j, { measure: [p] }))
  const [none, every10, every32, binomial] = reports as [typeof reports[0], typeof reports[0], typeof reports[0], typeof reports[0]]

  it("falls as checkpointing is switched on, in the interpreter: none > every 10 > every 32 > binomial", () => {
    const peaks = reports.map((r) => r.measured.interpreter!.peakBytes)
    expect(peaks[0]).toBeGreaterThan(peaks[1]!)
    expect(peaks[1]).toBeGreaterThan(peaks[2]!)
    expect(peaks[2]).toBeGreaterThan(peaks[3]!)
    expect(peaks[0]! / peaks[1]!).toBeGreaterThan(10)
  })

  it("stays within a few states above the static peak in the interpreter (a loop also holds the carry it passed in)", () => {
    for (const r of reports) {
      const m = r.measured.interpreter!.peakBytes
      expect(m).toBeGreaterThanOrEqual(r.peakBytes)
      // at most one carried state per level of nested loops (binomial: ⌈log₂ N⌉ = 10 levels)
      expect(m - r.peakBytes).toBeLessThanOrEqual(10 * state)
    }
  })

  it("falls as checkpointing is switched on, in compiled code, and still holds the residuals", () => {
    const peaks = reports.map((r) => r.measured.compiled!.peakBytes)
    expect(none.measured.compiled!.peakBytes).toBeGreaterThan(10 * every10.measured.compiled!.peakBytes)
    expect(none.measured.compiled!.peakBytes).toBeGreaterThan(10 * every32.measured.compiled!.peakBytes)
    expect(none.measured.compiled!.peakBytes).toBeGreaterThan(3 * binomial.measured.compiled!.peakBytes)
    // what crosses from the forward to the backward pass must be alive at once somewhere
    reports.forEach((r, i) => expect(peaks[i], JSON.stringify(hows[i])).toBeGreaterThanOrEqual(r.residualBytes))
    // none: the two stacked residuals, N states each, dominate
    expect(none.measured.compiled!.peakBytes).toBeGreaterThanOrEqual(2 * N * state)
  })

  it("does not change the values computed, in either backend", () => {
    for (const j of [jaxprs[1]!, jaxprs[3]!]) {
      const plain = vals(evalJaxprFlat(j.jaxpr, j.consts, [p]))
      expect(vals(metered(new Meter(false), () => evalJaxprFlat(j.jaxpr, j.consts, [p])))).toEqual(plain)
      expect(vals(compileJaxpr(j).run([p]))).toEqual(vals(metered(new Meter(true), () => compileJaxpr(j).run([p]))))
    }
    expect(meterModule.meter).toBeUndefined()
  })
})

describe("measuring's edges", () => {
  const x = np.linspace(0, 1, 4), c = np.ones([4])
  const j = makeJaxpr((x: WArray) => x.add(c).mul(np.sin(c)))(x)

  it("counts the constants of the jaxpr as alive, not as allocated", () => {
    const r = ir.memoryReport(j, { measure: [x] })
    expect(r.constBytes).toBe(32)
    expect(r.measured.interpreter).toEqual({ peakBytes: 96, allocatedBytes: 96, retainedBytes: 32 })
    expect(r.measured.compiled!.allocatedBytes).toBe(32)   // fused: only the output
  })

  it("rejects arguments that do not match the jaxpr, naming the shapes", () => {
    const wrongShape = () => ir.memoryReport(j, { measure: [np.ones([3])] })
    expect(wrongShape).toThrow(expect.objectContaining({ _tag: "InvalidArgumentError" }))
    expect(wrongShape).toThrow("ir.memoryReport: argument 0 to measure with is f64[3] but the jaxpr takes f64[4].")
    expect(() => ir.memoryReport(j, { measure: [] })).toThrow("ir.memoryReport: the jaxpr takes 1 argument but 0 were given to measure with.")
  })

  it("asks for the closed jaxpr when a bare one has constants", () => {
    expect(() => ir.memoryReport(j.jaxpr, { measure: [x] })).toThrow(expect.objectContaining({ _tag: "InvalidArgumentError", message: expect.stringContaining("pass the ClosedJaxpr") }))
    const bare = makeJaxpr((x: WArray) => np.sin(x))(x).jaxpr
    expect(ir.memoryReport(bare, { measure: [x] }).measured.interpreter?.peakBytes).toBe(64)
  })

  it("leaves no meter behind when a measured run throws", () => {
    expect(() => metered(new Meter(false), () => evalJaxprFlat(j.jaxpr, j.consts, []))).toThrow("evalJaxpr")
    expect(meterModule.meter).toBeUndefined()
  })
})
