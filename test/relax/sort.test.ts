// softSort and softRank: PAV values against the reference implementation's published
// outputs and against the projection formula with a brute-force isotonic regression, exact
// Jacobians against central differences, the strength → 0 limits, Sinkhorn at high and low
// regularization (unrolled and implicit), vmap, jit, axes, and the errors.

import { describe, expect, it } from "vitest"
import { grad, jit, makeJaxpr, np, relax, vmap, type WArray } from "wengert"
import { expectClose, expectJacobianMatchesFd, expectTagged, relErr, rng } from "./helpers.js"

const sortAsc = (v: readonly number[]) => [...v].sort((a, b) => a - b)
const ranks = (v: readonly number[]) => v.map((a) => 1 + v.filter((b) => b < a).length)
const arr = (y: WArray) => y.toArray() as number[]

/** Decreasing isotonic regression by pooling adjacent violators, written out independently. */
function isoDecreasing(y: readonly number[]): number[] {
  const blocks: { sum: number; n: number }[] = []
  for (const v of y) {
    blocks.push({ sum: v, n: 1 })
    while (blocks.length > 1 && blocks.at(-2)!.sum / blocks.at(-2)!.n < blocks.at(-1)!.sum / blocks.at(-1)!.n) {
      const b = blocks.pop()!
      blocks.at(-1)!.sum += b.sum; blocks.at(-1)!.n += b.n
    }
  }
  return blocks.flatMap((b) => Array(b.n).fill(b.sum / b.n))
}
/** Blondel et al.'s formulas: descending soft sort ρ/ε − v(ρ/ε − sort↓θ); soft rank z − v(sort↓z − ρ)∘σ⁻¹, z = θ/ε. */
const refSortDesc = (t: readonly number[], eps: number) => {
  const n = t.length, r = t.map((_, i) => (n - i) / eps), w = sortAsc(t).reverse()
  const v = isoDecreasing(r.map((ri, i) => ri - w[i]!))
  return r.map((ri, i) => ri - v[i]!)
}
const refRank = (t: readonly number[], eps: number) => {
  const n = t.length, z = t.map((a) => a / eps)
  const perm = z.map((_, i) => i).sort((a, b) => z[b]! - z[a]! || a - b)
  const v = isoDecreasing(perm.map((p, i) => z[p]! - (n - i)))
  const out = [...z]
  perm.forEach((p, i) => { out[p] = z[p]! - v[i]! })
  return out
}

describe("softSort and softRank by PAV", () => {
  it("reproduce the reference implementation's examples (google-research/fast-soft-sort)", () => {
    const v = [[5, 1, 2], [2, 1, 5]]
    expectClose(relax.softSort(v, { strength: 1 }).toArray(), [[5 / 3, 8 / 3, 11 / 3], [5 / 3, 8 / 3, 11 / 3]], 1e-14)
    expectClose(relax.softSort(v, { strength: 0.1 }).toArray(), [[1, 2, 5], [1, 2, 5]], 1e-14)
    expectClose(relax.softRank(v, { strength: 2 }).toArray(), [[3, 1.25, 1.75], [1.75, 1.25, 3]], 1e-14)
    expectClose(relax.softRank(v, { strength: 1 }).toArray(), [[3, 1, 2], [2, 1, 3]], 1e-14)
  })

  it("agree with the projection formulas evaluated with an independent PAV", () => {
    const r = rng(21)
    for (let trial = 0; trial < 50; trial++) {
      const t = r.vector(2 + (trial % 7), -3, 3), eps = r.uniform(0.05, 3)
      expectClose(arr(relax.softSort(t, { strength: eps, direction: "descending" })), refSortDesc(t, eps), 1e-12)
      expectClose(arr(relax.softSort(t, { strength: eps })), refSortDesc(t.map((a) => -a), eps).map((a) => -a), 1e-12)
      expectClose(arr(relax.softRank(t, { strength: eps })), refRank(t, eps), 1e-12)
      expectClose(arr(relax.softRank(t, { strength: eps, direction: "descending" })), refRank(t.map((a) => -a), eps), 1e-12)
    }
  })

  it("preserve the sum, keep the sorted order, and rank in [1, n]", () => {
    const r = rng(4)
    for (let trial = 0; trial < 20; trial++) {
      const t = r.vector(6), eps = r.uniform(0.1, 5)
      const s = arr(relax.softSort(t, { strength: eps })), k = arr(relax.softRank(t, { strength: eps }))
      expect(s.reduce((a, b) => a + b)).toBeCloseTo(t.reduce((a, b) => a + b), 12)
      s.forEach((v, i) => i > 0 && expect(v).toBeGreaterThanOrEqual(s[i - 1]! - 1e-12))
      expect(k.reduce((a, b) => a + b)).toBeCloseTo(21, 12)
      k.forEach((v) => { expect(v).toBeGreaterThanOrEqual(1 - 1e-12); expect(v).toBeLessThanOrEqual(6 + 1e-12) })
    }
  })

  it("have exact Jacobians: central differences agree, sort rows sum to 1, rank rows to 0", () => {
    const r = rng(9)
    for (let trial = 0; trial < 10; trial++) {
      const t = r.vector(6), eps = r.uniform(0.2, 2)
      for (const direction of ["ascending", "descending"] as const) {
        const Js = expectJacobianMatchesFd((v) => relax.softSort(v, { strength: eps, direction }), t)
        const Jr = expectJacobianMatchesFd((v) => relax.softRank(v, { strength: eps, direction }), t)
        Js.forEach((row) => { expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 12); row.forEach((v) => expect(v).toBeGreaterThanOrEqual(0)) })
        Jr.forEach((row) => expect(row.reduce((a, b) => a + b)).toBeCloseTo(0, 12))
      }
    }
  })

  it("tend to sort and rank as the strength → 0, exactly below the stated thresholds", () => {
    const t = [0.3, -1.2, 2.5, 0.9, 1.1]
    const gaps = sortAsc(t).slice(1).map((v, i) => v - sortAsc(t)[i]!)
    const maxGap = Math.max(...gaps), minGap = Math.min(...gaps)
    let prevSort = Infinity, prevRank = Infinity
    for (const eps of [10, 1, 0.5, 0.3, 0.1]) {
      const es = Math.max(...arr(relax.softSort(t, { strength: eps })).map((v, i) => Math.abs(v - sortAsc(t)[i]!)))
      const er = Math.max(...arr(relax.softRank(t, { strength: eps })).map((v, i) => Math.abs(v - ranks(t)[i]!)))
      expect(es).toBeLessThanOrEqual(prevSort + 1e-12)
      expect(er).toBeLessThanOrEqual(prevRank + 1e-12)
      prevSort = es; prevRank = er
    }
    const dist = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))
    // sort: exact (up to rounding) once ε·(largest gap) ≤ 1, with the permutation as Jacobian
    expect(dist(arr(relax.softSort(t, { strength: 1 / maxGap })), sortAsc(t))).toBeLessThan(1e-12)
    expect(dist(arr(relax.softSort(t, { strength: 1.1 / maxGap })), sortAsc(t))).toBeGreaterThan(1e-3)
    const J = expectJacobianMatchesFd((v) => relax.softSort(v, { strength: 0.1 }), t)
    expect(J).toEqual(sortAsc(t).map((s) => t.map((v) => (v === s ? 1 : 0))))
    // rank: exact once ε ≤ the smallest gap, with a zero gradient (as the hard rank has)
    expect(dist(arr(relax.softRank(t, { strength: minGap })), ranks(t))).toBeLessThan(1e-12)
    expect(dist(arr(relax.softRank(t, { strength: 1.1 * minGap })), ranks(t))).toBeGreaterThan(1e-3)
    expect(arr(grad((v: WArray) => np.sum(np.multiply(relax.softRank(v, { strength: 0.1 }), [1, 2, 3, 4, 5])))(np.array(t)))).toEqual([0, 0, 0, 0, 0])
  })

  it("tend to the mean and to (n + 1)/2 as the strength → ∞", () => {
    const t = [0.3, -1.2, 2.5, 0.9, 1.1], mean = 3.6 / 5
    expectClose(arr(relax.softSort(t, { strength: 1e9 })), t.map(() => mean), 1e-8)
    expectClose(arr(relax.softRank(t, { strength: 1e9 })), t.map(() => 3), 1e-8)
  })

  it("stage as one argsort, one gather and one isotonic regression", () => {
    expect(makeJaxpr((v: WArray) => relax.softSort(v, { strength: 0.5, direction: "descending" }))(np.array([3, 1, 2])).toString()).toMatchInlineSnapshot(`
      "{ lambda a:f64[3]; b:f64[3]. let
          c:i32[3] = argsort[descending=true] b
          d:f64[3] = gather[axis=0] b c
          e:f64[3] = sub a d
          f:f64[3] g:i32[3] = isotonic_regression e
          h:f64[3] = sub a f
        in (h,) }"
    `)
  })

  it("sort along any axis, batched over the others", () => {
    const m = [[3, 1, 2], [0, 5, 4]]
    expectClose(relax.softSort(m, { strength: 0.01, axis: 0 }).toArray(), [[0, 1, 2], [3, 5, 4]])
    expectClose(relax.softRank(m, { strength: 0.01, axis: 0 }).toArray(), [[2, 1, 1], [1, 2, 2]])
    expectClose(relax.softSort(np.reshape(np.arange(12), [2, 3, 2]), { strength: 0.01, axis: 1, direction: "descending" }).toArray(),
      [[[4, 5], [2, 3], [0, 1]], [[10, 11], [8, 9], [6, 7]]])
    expect(relax.softSort(np.zeros([2, 0])).shape).toEqual([2, 0])
    expect(relax.softSort([[7]]).toArray()).toEqual([[7]])
  })
})

describe("softSort and softRank by Sinkhorn", () => {
  const t = [0.3, -1.2, 2.5, 0.9, 1.1]
  // "implicit" solves without recording anything, so a tolerance really stops the loop
  const sinkErr = (eps: number) =>
    Math.max(...arr(relax.softSort(t, { method: "sinkhorn", strength: eps, iterations: 3000, tol: 1e-10, differentiation: "implicit" })).map((v, i) => Math.abs(v - sortAsc(t)[i]!)))

  it("tends to the sort at low regularization and to the mean at high", () => {
    const mean = 3.6 / 5
    const high = arr(relax.softSort(t, { method: "sinkhorn", strength: 100, tol: 1e-12 }))
    high.forEach((v) => expect(Math.abs(v - mean)).toBeLessThan(0.01))
    const errs = [1, 0.1, 0.01, 0.001].map(sinkErr)
    errs.forEach((e, i) => i > 0 && expect(e).toBeLessThan(errs[i - 1]!))
    expect(errs[3]).toBeLessThan(1e-3)
    const rk = arr(relax.softRank(t, { method: "sinkhorn", strength: 0.001, iterations: 3000, tol: 1e-10, differentiation: "implicit" }))
    rk.forEach((v, i) => expect(Math.abs(v - ranks(t)[i]!)).toBeLessThan(1e-3))
    // n·P is doubly stochastic: the soft sort keeps the sum, the soft ranks sum to n(n+1)/2
    expect(high.reduce((a, b) => a + b)).toBeCloseTo(3.6, 10)
    expect(arr(relax.softRank(t, { method: "sinkhorn", strength: 0.05, tol: 1e-12, iterations: 1000 })).reduce((a, b) => a + b)).toBeCloseTo(15, 9)
    // descending reverses the order
    expectClose(arr(relax.softSort(t, { method: "sinkhorn", strength: 0.05, direction: "descending" })),
      arr(relax.softSort(t, { method: "sinkhorn", strength: 0.05 })).reverse(), 1e-14)
  })

  it("does not depend on the scale and shift of x (the inputs are standardized)", () => {
    const a = arr(relax.softRank(t, { method: "sinkhorn", strength: 0.05 }))
    const b = arr(relax.softRank(t.map((v) => 100 * v - 7), { method: "sinkhorn", strength: 0.05 }))
    expectClose(b, a, 1e-9)
  })

  it("unrolled, matches central differences", () => {
    expectJacobianMatchesFd((v) => relax.softSort(v, { method: "sinkhorn", strength: 0.05, iterations: 30 }), t)
    expectJacobianMatchesFd((v) => relax.softRank(v, { method: "sinkhorn", strength: 0.05, iterations: 30, tol: 1e-3 }), t)
  })

  it("implicitly, matches central differences of the converged plan and the long unrolled derivative", () => {
    // at ε = 0.05 the plan converges to rounding within about 100 iterations
    const opts = { method: "sinkhorn", strength: 0.05, iterations: 150 } as const
    const Ji = expectJacobianMatchesFd((v) => relax.softSort(v, { ...opts, tol: 1e-14, differentiation: "implicit" }), t)
    const Ju = expectJacobianMatchesFd((v) => relax.softSort(v, opts), t)
    expect(relErr(Ji, Ju)).toBeLessThan(1e-8)
    expectJacobianMatchesFd((v) => relax.softRank(v, { ...opts, differentiation: "implicit" }), t)
    // unrolling a few iterations differentiates the iterate (exactly), not the optimum
    const few = { method: "sinkhorn", strength: 0.05, iterations: 5 } as const
    const Jfew = expectJacobianMatchesFd((v) => relax.softSort(v, few), t)
    expect(relErr(Jfew, Ji)).toBeGreaterThan(1e-4)
  })
})

describe("under the transforms", () => {
  const rows = np.array([[0.3, -1.2, 2.5, 0.9], [1, 0, -1, 0.5], [2, 2.5, -0.5, 1]])
  const cases: [string, (v: WArray) => WArray][] = [
    ["softSort pav", (v) => relax.softSort(v, { strength: 0.7 })],
    ["softRank pav", (v) => relax.softRank(v, { strength: 0.7, direction: "descending" })],
    ["softSort sinkhorn", (v) => relax.softSort(v, { method: "sinkhorn", strength: 0.1, iterations: 50 })],
    ["softRank sinkhorn implicit", (v) => relax.softRank(v, { method: "sinkhorn", strength: 0.1, iterations: 200, differentiation: "implicit" })],
  ]
  for (const [name, f] of cases)
    it(`${name}: vmap, jit and batched gradients agree with the row-by-row values`, () => {
      const each = [0, 1, 2].map((i) => arr(f(rows.at(i))))
      expectClose(vmap(f)(rows).toArray(), each, 1e-12)
      expectClose(f(rows).toArray(), each, 1e-12)
      expectClose(jit(f)(rows).toArray(), each, 1e-12)
      const loss = (v: WArray) => np.sum(np.multiply(f(v), [1, -2, 0.5, 3]))
      const grads = [0, 1, 2].map((i) => arr(grad(loss)(rows.at(i))))
      expectClose(vmap(grad(loss))(rows).toArray(), grads, 1e-10)
      expectClose(jit(vmap(grad(loss)))(rows).toArray(), grads, 1e-10)
    })

  for (const differentiation of ["unroll", "implicit"] as const)
    it(`vmap of a Sinkhorn solve with a tolerance stops each lane on its own (${differentiation})`, () => {
      const f = (v: WArray) => relax.softSort(v, { method: "sinkhorn", strength: 0.1, tol: 1e-12, iterations: 300, differentiation })
      expectClose(vmap(f)(rows).toArray(), [0, 1, 2].map((i) => arr(f(rows.at(i)))), 1e-10)
      const loss = (v: WArray) => np.sum(np.multiply(f(v), [1, -2, 0.5, 3]))
      expectClose(vmap(grad(loss))(rows).toArray(), [0, 1, 2].map((i) => arr(grad(loss)(rows.at(i)))), 1e-9)
    })
})

describe("errors", () => {
  it("names the function and the bad option", () => {
    expectTagged(() => relax.softSort([1, 2], { strength: 0 }), "InvalidArgumentError", "relax.softSort", "strength")
    expectTagged(() => relax.softRank([1, 2], { strength: -1 }), "InvalidArgumentError", "relax.softRank", "strength")
    expectTagged(() => relax.softSort([1, 2], { method: "bubble" as "pav" }), "InvalidArgumentError", "relax.softSort", "method", "\"bubble\"")
    expectTagged(() => relax.softRank([1, 2], { direction: "up" as "ascending" }), "InvalidArgumentError", "relax.softRank", "direction")
    expectTagged(() => relax.softSort([1, 2], { method: "sinkhorn", iterations: 0 }), "InvalidArgumentError", "relax.softSort", "iterations")
    expectTagged(() => relax.softSort([1, 2], { method: "sinkhorn", tol: 0 }), "InvalidArgumentError", "relax.softSort", "tol")
    expectTagged(() => relax.softSort([1, 2], { method: "sinkhorn", differentiation: "magic" as "unroll" }), "InvalidArgumentError", "relax.softSort", "differentiation")
    expectTagged(() => relax.softSort(3), "InvalidArgumentError", "relax.softSort", "axis")
    expectTagged(() => relax.softRank([1, 2], { axis: 2 }), "InvalidArgumentError", "relax.softRank", "axis 2")
  })
})
