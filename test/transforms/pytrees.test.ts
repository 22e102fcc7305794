// Transforms over pytrees: jvp and vjp with objects and tuples, grad with hasAux and an argnums
// tuple, linearize, hvp, Jacobians of tree inputs and outputs (shape [...O, ...I]), and vmap
// with inAxes given as a pytree prefix and outAxes as a tree.

import { describe, expect, it } from "vitest"
import { type WArray, grad, hvp, jacfwd, jacrev, jvp, linearize, np, valueAndGrad, vjp, vmap } from "wengert"

const arr = (x: WArray) => x.toArray()
type Params = { w: WArray; b: WArray }

// a tiny model over a parameter object: y = tanh(w·x + b)
const x0 = np.array([0.5, -1, 2])
const model = (p: Params, x: WArray) => np.tanh(np.add(np.dot(p.w, x), p.b))
const params: Params = { w: np.array([0.1, 0.2, -0.3]), b: np.array(0.05) }
const z = 0.1 * 0.5 + 0.2 * -1 - 0.3 * 2 + 0.05, dz = 1 - Math.tanh(z) ** 2

describe("jvp over pytrees", () => {
  it("takes tangents with the primals' structure and returns the output's", () => {
    const [y, t] = jvp((p: Params) => model(p, x0), [params], [{ w: np.array([1, 0, 0]), b: np.array(1) }])
    expect(y.item()).toBeCloseTo(Math.tanh(z), 15)
    expect(t.item()).toBeCloseTo(dz * (0.5 + 1), 15)
  })

  it("returns tuple outputs as tuples", () => {
    const [[a, b], [ta, tb]] = jvp((u: WArray, v: WArray) => [np.multiply(u, v), np.sin(u)], [2, 3], [1, 0])
    expect([a.item(), b.item(), ta.item(), tb.item()]).toEqual([6, Math.sin(2), 3, Math.cos(2)])
  })

  it("rejects tangents of another structure", () => {
    expect(() => jvp((p: Params) => model(p, x0), [params], [{ w: np.ones([3]) }])).toThrow(expect.objectContaining({ _tag: "ShapeError" }))
  })
})

describe("vjp over pytrees", () => {
  it("pulls a cotangent back to an object of cotangents", () => {
    const [y, pullback] = vjp(model, params, x0)
    expect(y.item()).toBeCloseTo(Math.tanh(z), 15)
    const [gp, gx] = pullback(np.array(2))
    expect(arr(gp.w)).toEqual([0.5, -1, 2].map((v) => 2 * dz * v))
    expect(gp.b.item()).toBeCloseTo(2 * dz, 15)
    expect(arr(gx)).toEqual([0.1, 0.2, -0.3].map((v) => 2 * dz * v))
  })

  it("takes cotangents for tuple and object outputs", () => {
    const f = (u: WArray) => ({ s: np.sum(u), pair: [np.multiply(u, 2), np.square(u)] })
    const [, pullback] = vjp(f, np.array([1, 2]))
    const [g] = pullback({ s: np.array(1), pair: [np.array([1, 0]), np.array([0, 1])] })
    expect(arr(g)).toEqual([1 + 2, 1 + 4])
  })

  it("returns a JS array with one cotangent per primal, also for one primal", () => {
    const [, pullback] = vjp(np.sin, 0)
    const cts = pullback(1)
    expect(Array.isArray(cts)).toBe(true)
    expect(cts.length).toBe(1)
    expect(cts[0].item()).toBe(1)
  })

  it("passes an auxiliary output through vjp.withAux", () => {
    const [y, pullback, aux] = vjp.withAux((u: WArray) => [np.square(u), { note: np.multiply(u, 10) }], 3)
    expect(y.item()).toBe(9)
    expect(aux.note.item()).toBe(30)
    expect(pullback(1)[0].item()).toBe(6)
  })
})

describe("grad options", () => {
  const loss = (p: Params, x: WArray) => np.square(model(p, x))

  it("differentiates an object argument leafwise", () => {
    const g = grad(loss)(params, x0) as Params
    expect(g.w.shape).toEqual([3])
    expect(g.b.item()).toBeCloseTo(2 * Math.tanh(z) * dz, 15)
  })

  it("returns a tuple of gradients for an argnums tuple", () => {
    const [gp, gx] = grad(loss, { argnums: [0, 1] })(params, x0) as [Params, WArray]
    expect(gp.b.item()).toBeCloseTo(2 * Math.tanh(z) * dz, 15)
    expect(gx.shape).toEqual([3])
    const [gx2] = grad(loss, { argnums: [1] })(params, x0) as [WArray]
    expect(arr(gx2)).toEqual(arr(gx))
    expect(arr(grad(loss, { argnums: -1 })(params, x0))).toEqual(arr(gx))
  })

  it("passes auxiliary data through with hasAux", () => {
    const [g, aux] = grad((u: WArray) => [np.sum(np.square(u)), { mean: np.mean(u), parts: [u, np.negative(u)] }], { hasAux: true })(np.array([1, 2, 3]))
    expect(arr(g)).toEqual([2, 4, 6])
    expect(aux.mean.item()).toBe(2)
    expect(aux.parts.map(arr)).toEqual([[1, 2, 3], [-1, -2, -3]])
    const [[v, aux2], g2] = valueAndGrad((u: WArray) => [np.sum(u), np.max(u)], { hasAux: true })(np.array([1, 5]))
    expect([v.item(), aux2.item(), arr(g2)]).toEqual([6, 5, [1, 1]])
  })
})

describe("linearize and hvp", () => {
  it("linearize returns the output and its JVP, reusable for many tangents", () => {
    const f = (u: WArray, v: WArray) => np.multiply(np.sin(u), v)
    const [y, f_jvp] = linearize(f, np.array([0.3, 1.2]), np.array([2, -1]))
    expect(arr(y)).toEqual([Math.sin(0.3) * 2, -Math.sin(1.2)])
    expect(arr(f_jvp(np.array([1, 0]), np.array([0, 0])))).toEqual([Math.cos(0.3) * 2, 0])
    expect(arr(f_jvp(np.array([0, 0]), np.array([1, 1])))).toEqual([Math.sin(0.3), Math.sin(1.2)])
  })

  it("linearize works over object primals", () => {
    const [y, f_jvp] = linearize((p: Params) => model(p, x0), params)
    expect(y.item()).toBeCloseTo(Math.tanh(z), 15)
    expect(f_jvp({ w: np.zeros([3]), b: np.array(1) }).item()).toBeCloseTo(dz, 15)
  })

  it("hvp is the Hessian times a vector", () => {
    // f = Σ x³ + x₀x₁: H = diag(6x) + [[0,1],[1,0]]
    const f = (u: WArray) => np.add(np.sum(np.power(u, 3)), np.multiply(u.at(0), u.at(1)))
    expect(arr(hvp(f, [np.array([1, 2])], [np.array([1, -1])]))).toEqual([6 - 1, 1 - 12])
  })

  it("hvp takes several primals and returns their structure", () => {
    const f = (u: WArray, p: Params) => np.sum(np.multiply(np.square(u), p.w))
    const [hu, hp] = hvp(f, [np.array([1, 2]), { w: np.array([3, 4]), b: np.array(0) }], [np.array([1, 0]), { w: np.array([0, 1]), b: np.array(0) }])
    // ∂²f/∂u² = diag(2w), ∂²f/∂u∂w = diag(2u)
    expect(arr(hu)).toEqual([2 * 3 * 1, 2 * 2 * 1])
    expect(arr(hp.w)).toEqual([2 * 1 * 1, 0])
    expect(hp.b.item()).toBe(0)
  })
})

describe("Jacobians of pytrees", () => {
  it("have shape [...O, ...I] in both modes", () => {
    const g = (u: WArray) => np.outer(np.sin(u), np.ones([4])) // O = [3, 4], I = [3]
    const x = np.array([0.1, 0.2, 0.3])
    expect(jacfwd(g)(x).shape).toEqual([3, 4, 3])
    expect(jacrev(g)(x).shape).toEqual([3, 4, 3])
    const h = (m: WArray) => np.sum(np.square(m), 0) // O = [3], I = [2, 3]
    expect(jacfwd(h)(np.ones([2, 3])).shape).toEqual([3, 2, 3])
    expect(jacrev(h)(np.ones([2, 3])).shape).toEqual([3, 2, 3])
    expect(jacfwd((m: WArray) => np.sum(m))(np.ones([2, 3])).shape).toEqual([2, 3])
  })

  it("nest as output tree of input tree", () => {
    const f = (p: Params) => ({ y: model(p, x0), both: [p.b, np.multiply(p.w, 2)] })
    for (const jac of [jacfwd, jacrev]) {
      const J = jac(f)(params)
      expect(J.y.w.shape).toEqual([3])
      expect(J.y.b.shape).toEqual([])
      expect(J.both[0].b.item()).toBe(1)
      expect(J.both[1].w.toArray()).toEqual([[2, 0, 0], [0, 2, 0], [0, 0, 2]])
      expect(J.both[1].b.shape).toEqual([3])
    }
  })

  it("give a tuple per argument with an argnums tuple", () => {
    const f = (u: WArray, v: WArray) => np.multiply(u, v)
    const u = np.array([1, 2]), v = np.array([3, 4])
    for (const jac of [jacfwd, jacrev]) {
      const [ju, jv] = jac(f, { argnums: [0, 1] })(u, v)
      expect(arr(ju)).toEqual([[3, 0], [0, 4]])
      expect(arr(jv)).toEqual([[1, 0], [0, 2]])
    }
  })
})

describe("vmap with tree-shaped axes", () => {
  // lanes: rows of W (axis 0) and columns of B (axis 1); the bias c is shared (null)
  const W = np.array([[1, 2, 3], [4, 5, 6]]), B = np.array([[10, 20], [30, 40], [50, 60]]), c = np.array(0.5)
  const f = (p: { w: WArray; c: WArray }, b: WArray) => ({ dot: np.add(np.dot(p.w, b), p.c), scaled: np.multiply(p.w, b.at(0)) })
  const lane = (i: number) => f({ w: np.array((arr(W) as number[][])[i]!), c }, np.array((arr(B) as number[][]).map((r) => r[i]!)))

  it("takes an object prefix per argument and a tree of outAxes", () => {
    const out = vmap(f, { inAxes: [{ w: 0, c: null }, 1], outAxes: { dot: 0, scaled: 1 } })({ w: W, c }, B) as { dot: WArray; scaled: WArray }
    expect(out.dot.shape).toEqual([2])
    expect(out.scaled.shape).toEqual([3, 2]) // lanes along axis 1
    for (const i of [0, 1]) {
      const want = lane(i)
      expect(out.dot.at(i).item()).toBe(want.dot.item())
      expect((arr(out.scaled) as number[][]).map((r) => r[i])).toEqual(arr(want.scaled))
    }
  })

  it("takes one number for a whole subtree and an outAxes prefix", () => {
    const g = (p: { w: WArray; v: WArray }) => [np.sum(p.w), np.multiply(p.v, 2)]
    const [s, v] = vmap(g, { inAxes: [1], outAxes: [0, 1] })({ w: np.array([[1, 2], [3, 4]]), v: np.array([[1, 2], [3, 4]]) }) as WArray[]
    expect(arr(s!)).toEqual([4, 6]) // column sums
    expect(arr(v!)).toEqual([[2, 4], [6, 8]])
  })
})
