// vmap laws for every registered primitive with operands: applying it under vmap to operands
// stacked along random axes (some operands batched, some shared) equals stacking its
// per-example results, for every dtype it accepts; and the same through two nested vmaps with
// independent batch axes (so batch rules meet operands batched at other positions).

import fc, { type Arbitrary } from "fast-check"
import { describe, it } from "vitest"
import type { Array } from "../src/core/array.js"
import { primitives } from "../src/core/primitive.js"
import { moveBatchAxis, vmapFlat } from "../src/transforms/vmap.js"
import { apply, assertClose, runs, sampled, stack } from "./harness.js"
import { type Spec, lanesArb } from "./samples.js"

const withOperands = primitives().filter((p) => {
  const s = sampled(p)
  return s && fc.sample(lanesArb(s, "any", 1), { numRuns: 1, seed: 1 })[0]!.lanes[0]!.length > 0
})

/** Per operand: batched or not (at least one is), and where its batch axis goes. */
const layout = (ops: readonly Array[]): Arbitrary<{ batched: boolean[]; axes: number[] }> =>
  fc.record({
    batched: fc.array(fc.boolean(), { minLength: ops.length, maxLength: ops.length }),
    force: fc.nat(ops.length - 1),
    axes: fc.tuple(...ops.map((a) => fc.integer({ min: 0, max: a.ndim }))),
  }).map(({ batched, force, axes }) => ({ batched: batched.map((b, i) => b || i === force), axes }))

function batchCase(spec: Spec) {
  return fc.integer({ min: 1, max: 3 }).chain((B) => lanesArb(spec, "any", B).chain(({ lanes, params }) =>
    fc.record({ lay: layout(lanes[0]!), outSeed: fc.nat(12) }).map(({ lay, outSeed }) => ({ B, lanes, params, ...lay, outSeed }))))
}

describe("vmap equals stacking per-example results", () => {
  for (const p of withOperands)
    it(`${p.name}: vmap matches per-example results`, () => {
      fc.assert(fc.property(batchCase(sampled(p)!), ({ B, lanes, params, batched, axes, outSeed }) => {
        const f = apply(p, params)
        const laneArgs = lanes.map((l) => l.map((x, i) => (batched[i] ? x : lanes[0]![i]!)))
        const want = laneArgs.map(f)
        const ins = lanes[0]!.map((x, i) => (batched[i] ? stack(lanes.map((l) => l[i]!), axes[i]!) : x))
        const [outs, dims] = vmapFlat(f, ins, batched.map((b, i) => (b ? axes[i]! : null)), B)
        outs.forEach((o, j) => {
          const to = outSeed % (want[0]![j]!.ndim + 1)
          assertClose(`${p.name} output ${j} (batch axis ${to})`, moveBatchAxis(o, dims[j]!, to, B), stack(want.map((w) => w[j]!), to))
        })
      }), runs)
    })
})

function nestedCase(spec: Spec) {
  return fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })).chain(([B1, B2]) =>
    lanesArb(spec, "any", B1 * B2).chain(({ lanes, params }) => {
      const ops = lanes[0]!
      return fc.record({
        inner: layout(ops),
        outer: fc.record({ batched: fc.array(fc.boolean(), { minLength: ops.length, maxLength: ops.length }), seeds: fc.array(fc.nat(6), { minLength: ops.length, maxLength: ops.length }) }),
      }).map(({ inner, outer }) => ({ B1, B2, lanes, params, inner, outer }))
    }))
}

describe("nested vmaps equal per-example results", () => {
  for (const p of withOperands)
    it(`${p.name}: vmap of vmap matches per-example results`, () => {
      fc.assert(fc.property(nestedCase(sampled(p)!), ({ B1, B2, lanes, params, inner, outer }) => {
        const f = apply(p, params), n = lanes[0]!.length
        const lane = (o: number, k: number) => lanes[o * B2 + k]!
        // operand i of example (o, k): outer-batched operands vary with o, inner-batched with k
        const pick = (o: number, k: number, i: number) => lane(outer.batched[i] ? o : 0, inner.batched[i] ? k : 0)[i]!
        const want = globalThis.Array.from({ length: B1 }, (_, o) => globalThis.Array.from({ length: B2 }, (_, k) => f(globalThis.Array.from({ length: n }, (_, i) => pick(o, k, i)))))
        const innerStacked = (o: number, i: number) => (inner.batched[i] ? stack(globalThis.Array.from({ length: B2 }, (_, k) => pick(o, k, i)), inner.axes[i]!) : pick(o, 0, i))
        const outerAxes = globalThis.Array.from({ length: n }, (_, i) => outer.seeds[i]! % (innerStacked(0, i).ndim + 1))
        const ins = globalThis.Array.from({ length: n }, (_, i) => (outer.batched[i] ? stack(globalThis.Array.from({ length: B1 }, (_, o) => innerStacked(o, i)), outerAxes[i]!) : innerStacked(0, i)))
        const [outs, dims] = vmapFlat((xs) => {
          const [io, id] = vmapFlat(f, xs, inner.batched.map((b, i) => (b ? inner.axes[i]! : null)), B2)
          return io.map((o, j) => moveBatchAxis(o, id[j]!, 0, B2))
        }, ins, outer.batched.map((b, i) => (b ? outerAxes[i]! : null)), B1)
        outs.forEach((o, j) => {
          const expected = stack(want.map((w) => stack(w.map((r) => r[j]!), 0)), 0)
          assertClose(`${p.name} output ${j}`, moveBatchAxis(o, dims[j]!, 0, B1), expected)
        })
      }), runs)
    })
})
