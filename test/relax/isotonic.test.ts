// The PAV primitive behind softSort/softRank (src/prims/isotonic.ts): isotonic_regression
// against a brute-force solution of its quadratic program, its block-averaging Jacobian
// against central differences, and the argsort / block_sum helpers, under every transform.

import { describe, expect, it } from "vitest"
import { grad, jacfwd, jit, jvp, np, vjp, vmap, type WArray } from "wengert"
import { argsort, blockSum, isotonic } from "../../src/prims/isotonic.js"
import { expectJacobianMatchesFd, expectTagged, rng } from "./helpers.js"

/**
 * argmin ½‖v − y‖² subject to v₁ ≥ … ≥ vₙ, by enumeration: the optimum is constant on the
 * blocks of some partition of 0..n−1 into runs, equal there to the run means (KKT), so the
 * best feasible "run means" vector over all 2ⁿ⁻¹ partitions is the solution.
 */
function bruteIsotonic(y: readonly number[]): { v: number[]; runs: number[] } {
  const n = y.length
  let best: { v: number[]; runs: number[]; cost: number } | null = null
  for (let mask = 0; mask < 2 ** (n - 1); mask++) {
    const v: number[] = [], runs: number[] = []
    let start = 0, run = 0
    for (let i = 0; i < n; i++) {
      if (i === n - 1 || (mask >> i) & 1) {
        const mean = y.slice(start, i + 1).reduce((a, b) => a + b, 0) / (i + 1 - start)
        for (let k = start; k <= i; k++) { v.push(mean); runs.push(run) }
        start = i + 1; run++
      }
    }
    if (v.some((x, i) => i > 0 && x > v[i - 1]! + 1e-12)) continue
    const cost = v.reduce((s, x, i) => s + (x - y[i]!) ** 2, 0)
    if (!best || cost < best.cost - 1e-12) best = { v, runs, cost }
  }
  return best!
}

const solve = (y: readonly number[]) => {
  const [v, blocks] = isotonic(np.array([...y]))
  return { v: v.toArray() as number[], blocks: blocks.toArray() as number[] }
}

describe("isotonic_regression", () => {
  it("solves the decreasing isotonic regression of small cases by hand", () => {
    expect(solve([3, 1, 2]).v).toEqual([3, 1.5, 1.5])
    expect(solve([1, 2, 3]).v).toEqual([2, 2, 2])
    expect(solve([3, 2, 1]).v).toEqual([3, 2, 1])
    expect(solve([1, 3, 2, 0]).v).toEqual([2, 2, 2, 0])
    expect(solve([1, 4, 1, 0])).toEqual({ v: [2.5, 2.5, 1, 0], blocks: [0, 0, 1, 2] })
    expect(solve([5]).v).toEqual([5])
  })

  it("agrees with a brute-force solution of the quadratic program", () => {
    const r = rng(7)
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + (trial % 8)
      const y = r.vector(n, -3, 3)
      const got = solve(y), want = bruteIsotonic(y)
      got.v.forEach((x, i) => expect(x).toBeCloseTo(want.v[i]!, 12))
      expect(got.blocks).toEqual(want.runs)
    }
  })

  it("agrees with the brute force on every row of a batch, and under vmap", () => {
    const r = rng(11)
    const rows = Array.from({ length: 6 }, () => r.vector(5, -2, 2))
    const y = np.reshape(np.array(rows), [2, 3, 5])
    const [v] = isotonic(y)
    const mapped = vmap((row: WArray) => isotonic(row)[0])(np.array(rows))
    const flat = (v.toArray() as number[][][]).flat()
    rows.forEach((row, i) => {
      const want = bruteIsotonic(row).v
      want.forEach((x, k) => {
        expect(flat[i]![k]).toBeCloseTo(x, 12)
        expect((mapped.toArray() as number[][])[i]![k]).toBeCloseTo(x, 12)
      })
    })
    // the batch axis may be any axis: vmap over the columns of the transposed rows
    const cols = vmap((row: WArray) => isotonic(row)[0], { inAxes: 1 })(np.transpose(np.array(rows)))
    expect(cols.toArray()).toEqual(vmap((row: WArray) => isotonic(row)[0])(np.array(rows)).toArray())
  })

  it("has the block-averaging Jacobian, matching central differences", () => {
    const r = rng(3)
    for (let trial = 0; trial < 20; trial++) {
      const y = r.vector(6, -2, 2)
      const J = expectJacobianMatchesFd((x) => isotonic(x)[0], y)
      const { runs } = bruteIsotonic(y)
      const size = (b: number) => runs.filter((q) => q === b).length
      J.forEach((row, i) => row.forEach((v, k) => expect(v).toBeCloseTo(runs[i] === runs[k] ? 1 / size(runs[i]!) : 0, 12)))
    }
  })

  it("differentiates through jit, and jvp agrees with grad", () => {
    const y = [0.5, 2, -1, 1.5, 0.2]
    const f = (x: WArray) => np.sum(np.multiply(isotonic(x)[0], np.array([1, -2, 3, 0.5, 4])))
    const g = grad(f)(np.array(y)).toArray() as number[]
    expect(jit(grad(f))(np.array(y)).toArray()).toEqual(g)
    const t = [0.3, -0.1, 0.7, 1, -2]
    const [, dt] = jvp(f, [np.array(y)], [np.array(t)])
    expect(dt.item()).toBeCloseTo(g.reduce((s, gi, i) => s + gi * t[i]!, 0), 12)
  })

  it("rejects scalars and integer inputs", () => {
    expectTagged(() => isotonic(np.array(1)), "ShapeError", "isotonic_regression")
    expectTagged(() => isotonic(np.array([1, 2], { dtype: "int32" })), "DtypeError", "isotonic_regression")
  })
})

describe("argsort", () => {
  const ref = (x: readonly number[], descending: boolean) => x.map((_, i) => i).sort((a, b) => {
    const va = x[a]!, vb = x[b]!
    const c = Number.isNaN(va) || Number.isNaN(vb) ? Number(Number.isNaN(va)) - Number(Number.isNaN(vb)) : va < vb ? -1 : va > vb ? 1 : 0
    return (descending ? -c : c) || a - b
  })

  it("sorts stably in both directions, NaN above everything", () => {
    const x = [2, NaN, -1, 2, Infinity, -Infinity, 0, -1]
    for (const d of [false, true]) expect(argsort(np.array(x), d).toArray()).toEqual(ref(x, d))
    expect(argsort(np.array([3, 1, 2])).toArray()).toEqual([1, 2, 0])
    expect(argsort(np.array([1, 1, 1]), true).toArray()).toEqual([0, 1, 2])
  })

  it("sorts every row of a batch and under vmap, with the batch on either axis", () => {
    const r = rng(5)
    const rows = Array.from({ length: 4 }, () => r.vector(6).map((v) => Math.round(v * 2) / 2))
    const want = rows.map((row) => ref(row, false))
    expect(argsort(np.array(rows)).toArray()).toEqual(want)
    expect(vmap((row: WArray) => argsort(row))(np.array(rows)).toArray()).toEqual(want)
    expect(vmap((row: WArray) => argsort(row), { inAxes: 1 })(np.transpose(np.array(rows))).toArray()).toEqual(want)
    expect(jit((m: WArray) => argsort(m, true))(np.array(rows)).toArray()).toEqual(rows.map((row) => ref(row, true)))
  })

  it("has a zero derivative", () => {
    const [, t] = jvp((x: WArray) => argsort(x).astype("float64"), [np.array([2, 1])], [np.array([1, 1])])
    expect(t.toArray()).toEqual([0, 0])
  })
})

describe("block_sum", () => {
  const ids = np.array([[0, 0, 1, 2], [1, 0, 1, 0]], { dtype: "int32" })
  const x = np.array([[1, 2, 3, 4], [10, 20, 30, 40]])

  it("sums over the entries of each row that share an id", () => {
    expect(blockSum(x, ids).toArray()).toEqual([[3, 3, 3, 4], [40, 60, 40, 60]])
  })

  it("is its own transpose: ⟨u, B v⟩ = ⟨B u, v⟩", () => {
    const u = np.array([[0.5, -1, 2, 3], [1, 2, -3, 0.25]])
    const [, pullback] = vjp((v: WArray) => blockSum(v, ids), x)
    const [back] = pullback(u)
    expect(back.toArray()).toEqual(blockSum(u, ids).toArray())
  })

  it("batches values and ids independently", () => {
    const shared = np.array([0, 1, 1, 0], { dtype: "int32" })
    expect(vmap((v: WArray) => blockSum(v, shared))(x).toArray()).toEqual([[5, 5, 5, 5], [50, 50, 50, 50]])
    expect(vmap((i: WArray) => blockSum(np.array([1, 2, 3, 4]), i))(ids).toArray()).toEqual([[3, 3, 3, 4], [4, 6, 4, 6]])
    expect(jacfwd((v: WArray) => blockSum(v, shared))(np.array([1, 2, 3, 4])).toArray())
      .toEqual([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1]])
  })
})
