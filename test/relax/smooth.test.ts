// logsumexp, softmax, smoothMax and sigmoidStep: values against closed forms, gradients
// against their stated formulas and central differences, the temperature → 0 limits with
// their error bounds, vmap and jit, and the errors for bad temperatures and axes.

import { describe, expect, it } from "vitest"
import { grad, jit, jvp, np, relax, vmap, type WArray } from "wengert"
import { expectClose, expectJacobianMatchesFd, expectTagged, rng } from "./helpers.js"

const x = [0.3, -1.2, 2.5, 0.9, 2.1]
const max = Math.max(...x), n = x.length
const softmaxOf = (v: readonly number[], t: number) => {
  const m = Math.max(...v), e = v.map((a) => Math.exp((a - m) / t)), s = e.reduce((a, b) => a + b, 0)
  return e.map((a) => a / s)
}
const lseOf = (v: readonly number[], t: number) => {
  const m = Math.max(...v)
  return m + t * Math.log(v.reduce((s, a) => s + Math.exp((a - m) / t), 0))
}

describe("relax.logsumexp", () => {
  it("is T·log Σ exp(x/T)", () => {
    for (const t of [1, 0.5, 3]) expect(relax.logsumexp(x, { temperature: t }).item()).toBeCloseTo(lseOf(x, t), 13)
    expectClose(relax.logsumexp([[1, 2], [3, 4]], { axis: 1, temperature: 0.5 }).toArray(), [lseOf([1, 2], 0.5), lseOf([3, 4], 0.5)])
    expectClose(relax.logsumexp([[1, 2], [3, 4]], { axis: [0, 1] }).item(), lseOf([1, 2, 3, 4], 1))
    expect(relax.logsumexp([[1, 2], [3, 4]], { axis: 0, keepdims: true }).shape).toEqual([1, 2])
    expect(relax.logsumexp([1000, 1000], { temperature: 0.1 }).item()).toBeCloseTo(1000 + 0.1 * Math.log(2), 12)
  })

  it("has gradient softmax(x/T), and matches central differences", () => {
    for (const t of [1, 0.3]) {
      expectClose(grad((v: WArray) => relax.logsumexp(v, { temperature: t }))(np.array(x)).toArray(), softmaxOf(x, t), 1e-14)
      expectJacobianMatchesFd((v) => relax.logsumexp(v, { temperature: t }), x)
    }
  })

  it("tends to max as T → 0, within T·log n", () => {
    let prev = Infinity
    for (const t of [1, 0.1, 0.01, 0.001]) {
      const gap = relax.logsumexp(x, { temperature: t }).item() - max
      expect(gap).toBeGreaterThanOrEqual(0)
      expect(gap).toBeLessThanOrEqual(t * Math.log(n) + 1e-15)
      expect(gap).toBeLessThanOrEqual(prev)
      prev = gap
    }
    expect(prev).toBe(0) // e^(−0.4/0.001) is below the rounding of 2.5
  })
})

describe("relax.softmax", () => {
  it("is softmax(x/T) along the axis", () => {
    expectClose(relax.softmax(x, { temperature: 0.7 }).toArray(), softmaxOf(x, 0.7), 1e-15)
    const m = [[1, 2, 3], [0, 0, 0]]
    expectClose(relax.softmax(m, { axis: 0, temperature: 2 }).toArray(),
      [softmaxOf([1, 0], 2), softmaxOf([2, 0], 2), softmaxOf([3, 0], 2)].reduce<number[][]>((rows, col) => {
        rows[0]!.push(col[0]!); rows[1]!.push(col[1]!); return rows
      }, [[], []]), 1e-15)
  })

  it("has Jacobian (diag(p) − p pᵀ)/T, matching central differences", () => {
    const t = 0.6, p = softmaxOf(x, t)
    const J = expectJacobianMatchesFd((v) => relax.softmax(v, { temperature: t }), x)
    J.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(((i === j ? p[i]! : 0) - p[i]! * p[j]!) / t, 13)))
  })

  it("tends to the one-hot argmax as T → 0 (1/k on k ties), and to uniform as T → ∞", () => {
    const gap = 2.5 - 2.1
    for (const t of [0.1, 0.03, 0.01]) {
      const p = relax.softmax(x, { temperature: t }).toArray() as number[]
      const l1 = p.reduce((s, v, i) => s + Math.abs(v - (i === 2 ? 1 : 0)), 0)
      expect(l1).toBeLessThanOrEqual(2 * (n - 1) * Math.exp(-gap / t))
    }
    expectClose(relax.softmax([1, 3, 3], { temperature: 1e-3 }).toArray(), [0, 0.5, 0.5], 1e-15)
    expectClose(relax.softmax(x, { temperature: 1e6 }).toArray(), x.map(() => 1 / n), 1e-6)
  })
})

describe("relax.smoothMax", () => {
  it("is the softmax-weighted mean Σ pᵢ xᵢ", () => {
    for (const t of [1, 0.4]) {
      const p = softmaxOf(x, t)
      expect(relax.smoothMax(x, { temperature: t }).item()).toBeCloseTo(p.reduce((s, v, i) => s + v * x[i]!, 0), 14)
    }
    expectClose(relax.smoothMax([[1, 5], [4, 2]], { axis: 0, temperature: 1e-3 }).toArray(), [4, 5])
    expect(relax.smoothMax([[1, 5], [4, 2]], { axis: 1, keepdims: true }).shape).toEqual([2, 1])
  })

  it("has gradient pᵢ(1 + (xᵢ − S)/T), matching central differences", () => {
    for (const t of [1, 0.35]) {
      const p = softmaxOf(x, t), s = p.reduce((a, v, i) => a + v * x[i]!, 0)
      expectClose(grad((v: WArray) => relax.smoothMax(v, { temperature: t }))(np.array(x)).toArray(),
        p.map((pi, i) => pi * (1 + (x[i]! - s) / t)), 1e-13)
      expectJacobianMatchesFd((v) => relax.smoothMax(v, { temperature: t }), x)
    }
  })

  it("tends to max as T → 0 (error below (n−1)·e^(−gap/T)·range) and to the mean as T → ∞", () => {
    const gap = 2.5 - 2.1, range = 2.5 + 1.2
    for (const t of [0.2, 0.1, 0.05, 0.02]) {
      const err = max - relax.smoothMax(x, { temperature: t }).item()
      expect(err).toBeGreaterThanOrEqual(0)
      expect(err).toBeLessThanOrEqual((n - 1) * Math.exp(-gap / t) * range)
    }
    expect(relax.smoothMax(x, { temperature: 1e7 }).item()).toBeCloseTo(x.reduce((a, b) => a + b) / n, 6)
    // it stays between mean and max, unlike logsumexp which overshoots the max
    expect(relax.smoothMax(x).item()).toBeLessThan(max)
    expect(relax.logsumexp(x).item()).toBeGreaterThan(max)
  })
})

describe("relax.sigmoidStep", () => {
  it("is sigmoid(x/T), with gradient σ(1 − σ)/T", () => {
    const t = 0.25
    const s = (v: number) => 1 / (1 + Math.exp(-v / t))
    expectClose(relax.sigmoidStep(x, { temperature: t }).toArray(), x.map(s), 1e-15)
    expectClose(grad((v: WArray) => np.sum(relax.sigmoidStep(v, { temperature: t })))(np.array(x)).toArray(),
      x.map((v) => s(v) * (1 - s(v)) / t), 1e-14)
    expectJacobianMatchesFd((v) => relax.sigmoidStep(v, { temperature: t }), x)
  })

  it("tends to the Heaviside step as T → 0, within e^(−|x|/T)", () => {
    const pts = [-1, -0.1, 0, 0.05, 2]
    for (const t of [0.1, 0.01, 0.001]) {
      const y = relax.sigmoidStep(pts, { temperature: t }).toArray() as number[]
      // (plus one rounding of 1: near 1 the sigmoid is stored as 1 − δ)
      pts.forEach((p, i) => expect(Math.abs(y[i]! - (p > 0 ? 1 : p < 0 ? 0 : 0.5))).toBeLessThanOrEqual(Math.exp(-Math.abs(p) / t) + 2 ** -53))
    }
    // the gradient concentrates at 0: height 1/(4T) there, vanishing elsewhere
    const g = grad((v: WArray) => np.sum(relax.sigmoidStep(v, { temperature: 1e-3 })))(np.array([0, 0.1])).toArray() as number[]
    expect(g[0]).toBeCloseTo(250, 9)
    expect(g[1]).toBeLessThan(1e-30)
  })
})

describe("under the transforms", () => {
  const rows = np.array([rng(1).vector(4), rng(2).vector(4), rng(3).vector(4)])
  const fns: [string, (v: WArray) => WArray][] = [
    ["logsumexp", (v) => relax.logsumexp(v, { temperature: 0.5 })],
    ["softmax", (v) => relax.softmax(v, { temperature: 0.5 })],
    ["smoothMax", (v) => relax.smoothMax(v, { temperature: 0.5 })],
    ["sigmoidStep", (v) => relax.sigmoidStep(v, { temperature: 0.5 })],
  ]
  for (const [name, f] of fns)
    it(`${name}: vmap and jit agree with the row-by-row values`, () => {
      const each = [0, 1, 2].map((i) => f(rows.at(i)).toArray())
      expectClose(vmap(f)(rows).toArray(), each, 1e-15)
      expectClose(jit(vmap(f))(rows).toArray(), each, 1e-14)
      const [, t] = jvp(f, [rows.at(0)], [np.ones([4])])
      expectClose(jit((v: WArray, d: WArray) => jvp(f, [v], [d])[1])(rows.at(0), np.ones([4])).toArray(), t.toArray(), 1e-14)
    })
})

describe("errors", () => {
  it("rejects temperatures that are not positive finite numbers, naming the function", () => {
    for (const t of [0, -1, NaN, Infinity])
      expectTagged(() => relax.softmax(x, { temperature: t }), "InvalidArgumentError", "relax.softmax", "temperature")
    expectTagged(() => relax.logsumexp(x, { temperature: 0 }), "InvalidArgumentError", "relax.logsumexp", "np.max")
    expectTagged(() => relax.smoothMax(x, { temperature: -2 }), "InvalidArgumentError", "relax.smoothMax")
    expectTagged(() => relax.sigmoidStep(x, { temperature: 0 }), "InvalidArgumentError", "relax.sigmoidStep")
    expectTagged(() => relax.softmax(x, { temperature: "1" as unknown as number }), "InvalidArgumentError", "relax.softmax", "\"1\"")
  })

  it("rejects axes out of range", () => {
    expectTagged(() => relax.softmax(x, { axis: 1 }), "InvalidArgumentError", "relax.softmax", "axis 1")
    expectTagged(() => relax.logsumexp([[1]], { axis: [0, 2] }), "InvalidArgumentError", "relax.logsumexp")
    expectTagged(() => relax.smoothMax([[1]], { axis: "0" as unknown as number }), "InvalidArgumentError", "relax.smoothMax")
  })
})
