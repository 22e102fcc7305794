// straightThrough, stopGradient and gumbelSoftmax: hard values forward, soft gradients
// backward; the Gumbel-softmax against its definition, its hard form as an exact
// categorical sample, and its temperature → 0 limit.

import { describe, expect, it } from "vitest"
import { grad, jit, jvp, nn, np, random, relax, vmap, type WArray } from "wengert"
import { expectClose, expectJacobianMatchesFd, expectTagged } from "./helpers.js"

describe("relax.straightThrough", () => {
  it("returns the hard value bit for bit", () => {
    const soft = np.array([0.1, 0.7, -2.3, 1e-17, 3.3333333333333335])
    const hard = np.round(soft)
    expect(relax.straightThrough(hard, soft).toArray()).toEqual(hard.toArray())
    // soft + stopGradient(hard − soft) would not always: 2.5 + (0.1 − 2.5) rounds
    expect(2.5 + (0.1 - 2.5)).toBe(0.10000000000000009)
    expect(relax.straightThrough([0.1], [2.5]).toArray()).toEqual([0.1])
  })

  it("passes the soft value's gradient, and none to the hard one", () => {
    const x = np.array([0.3, 1.4, -0.6])
    const w = np.array([1, -2, 5])
    const f = (v: WArray) => np.sum(np.multiply(relax.straightThrough(np.round(np.sin(v)), np.sin(v)), w))
    expectClose(grad(f)(x).toArray(), [0.3, 1.4, -0.6].map((v, i) => Math.cos(v) * [1, -2, 5][i]!), 1e-15)
    const g = grad((h: WArray) => np.sum(relax.straightThrough(h, np.array([1, 2, 3]))))(np.array([0, 0, 0]))
    expect(g.toArray()).toEqual([0, 0, 0])
    const [y, t] = jvp((v: WArray) => relax.straightThrough(np.floor(v), np.multiply(v, v)), [np.array([1.5])], [np.array([1])])
    expect(y.toArray()).toEqual([1])
    expect(t.toArray()).toEqual([3])
  })

  it("works under vmap and jit", () => {
    const f = (v: WArray) => relax.straightThrough(np.round(v), np.tanh(v))
    const xs = np.array([[0.2, 1.6], [-0.7, 2.4]])
    expect(vmap(f)(xs).toArray()).toEqual([[0, 2], [-1, 2]])
    expect(jit(f)(xs).toArray()).toEqual([[0, 2], [-1, 2]])
    const g = (v: WArray) => np.sum(f(v))
    expectClose(jit(vmap(grad(g)))(xs).toArray(), [[0.2, 1.6], [-0.7, 2.4]].map((r) => r.map((v) => 1 - Math.tanh(v) ** 2)), 1e-15)
  })

  it("rejects mismatched shapes", () => {
    expectTagged(() => relax.straightThrough([1, 2], [1, 2, 3]), "ShapeError", "relax.straightThrough", "[2]", "[3]")
  })
})

describe("relax.stopGradient", () => {
  it("is the identity with a zero derivative", () => {
    expect(relax.stopGradient([1, 2]).toArray()).toEqual([1, 2])
    expect(grad((x: WArray) => np.sum(relax.stopGradient(np.square(x))))(np.array([1, 2])).toArray()).toEqual([0, 0])
    expect(vmap((x: WArray) => relax.stopGradient(x))(np.array([[1], [2]])).toArray()).toEqual([[1], [2]])
  })
})

describe("relax.gumbelSoftmax", () => {
  const key = random.key(42)
  const logits = np.array([0.5, -1, 2, 0.1])

  it("is softmax((logits + g)/T) for the key's Gumbel noise g", () => {
    const g = random.gumbel(key, [4])
    for (const t of [1, 0.3]) {
      const y = relax.gumbelSoftmax(key, logits, { temperature: t })
      expectClose(y.toArray(), nn.softmax(np.divide(np.add(logits, g), t)).toArray(), 1e-15)
      expect(y.sum().item()).toBeCloseTo(1, 15)
    }
    const m = relax.gumbelSoftmax(key, np.zeros([3, 2]), { axis: 0 })
    expectClose(np.sum(m, 0).toArray(), [1, 1], 1e-15)
    expect(relax.gumbelSoftmax(key, np.array([1, 2], { dtype: "float32" })).dtype).toBe("float32")
  })

  it("has the softmax Jacobian yᵢ(δᵢⱼ − yⱼ)/T, matching central differences", () => {
    const t = 0.5
    const y = relax.gumbelSoftmax(key, logits, { temperature: t }).toArray() as number[]
    const J = expectJacobianMatchesFd((l) => relax.gumbelSoftmax(key, l, { temperature: t }), logits.toArray() as number[])
    J.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(y[i]! * ((i === j ? 1 : 0) - y[j]!) / t, 13)))
  })

  it("hard: the one-hot of the soft sample's argmax, with the soft sample's gradient", () => {
    const soft = relax.gumbelSoftmax(key, logits, { temperature: 0.7 })
    const hard = relax.gumbelSoftmax(key, logits, { temperature: 0.7, hard: true })
    const k = np.argmax(soft).item()
    expect(hard.toArray()).toEqual([0, 1, 2, 3].map((i) => (i === k ? 1 : 0)))
    const w = np.array([1, 3, -2, 0.5])
    const loss = (hardFlag: boolean) => (l: WArray) => np.sum(np.multiply(relax.gumbelSoftmax(key, l, { temperature: 0.7, hard: hardFlag }), w))
    expect(grad(loss(true))(logits).toArray()).toEqual(grad(loss(false))(logits).toArray())
    expect(np.sum(np.abs(grad(loss(true))(logits))).item()).toBeGreaterThan(0)
  })

  it("tends to the hard sample as T → 0", () => {
    const hard = relax.gumbelSoftmax(key, logits, { hard: true }).toArray() as number[]
    let prev = Infinity
    for (const t of [1, 0.3, 0.1, 0.03, 0.01]) {
      const y = relax.gumbelSoftmax(key, logits, { temperature: t }).toArray() as number[]
      const d = y.reduce((s, v, i) => s + Math.abs(v - hard[i]!), 0)
      expect(d).toBeLessThan(prev)
      prev = d
    }
    expect(prev).toBeLessThan(1e-3)
  })

  it("hard samples follow softmax(logits) (the Gumbel-max trick), over many keys under vmap", () => {
    const n = 4000
    const keys = random.split(random.key(7), n)
    const samples = vmap((k: WArray) => relax.gumbelSoftmax(k, logits, { hard: true }))(keys)
    const freq = np.mean(samples, 0).toArray() as number[]
    const p = nn.softmax(logits).toArray() as number[]
    // each frequency within 4.5 standard errors of its probability
    p.forEach((pi, i) => expect(Math.abs(freq[i]! - pi)).toBeLessThan(4.5 * Math.sqrt(pi * (1 - pi) / n)))
    expect(np.sum(samples, 1).toArray()).toEqual(Array(n).fill(1))
  })

  it("works under jit, and vmap over logits with one key", () => {
    const f = (l: WArray) => relax.gumbelSoftmax(key, l, { temperature: 0.5, hard: true })
    expect(jit(f)(logits).toArray()).toEqual(f(logits).toArray())
    const batch = np.stack([logits, np.flip(logits)])
    const each = [f(logits).toArray(), f(np.flip(logits)).toArray()]
    expect(vmap(f)(batch).toArray()).toEqual(each)
  })

  it("rejects bad temperatures and axes", () => {
    expectTagged(() => relax.gumbelSoftmax(key, logits, { temperature: 0 }), "InvalidArgumentError", "relax.gumbelSoftmax", "temperature")
    expectTagged(() => relax.gumbelSoftmax(key, logits, { axis: 3 }), "InvalidArgumentError", "relax.gumbelSoftmax", "axis 3")
  })
})
