import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { grad } from "../../src/transforms/grad.js"
import { jit, makeJaxpr, vmap } from "../../src/index.js"
import { close, throwsTagged } from "./helpers.js"

describe("Array chaining methods", () => {
  const x = np.array([[1, 2], [3, 4]])
  it("mirror np's arithmetic with broadcasting", () => {
    expect(x.add([10, 20]).toArray()).toEqual([[11, 22], [13, 24]])
    expect(x.sub(1).mul(2).div(2).toArray()).toEqual([[0, 1], [2, 3]])
    expect(x.pow(2).toArray()).toEqual([[1, 4], [9, 16]])
    expect(x.neg().abs().square().toArray()).toEqual([[1, 4], [9, 16]])
    expect(x.maximum(2.5).minimum(3.5).toArray()).toEqual([[2.5, 2.5], [3, 3.5]])
  })
  it("mirror np's unary functions", () => {
    close(x.sin().toArray(), [[Math.sin(1), Math.sin(2)], [Math.sin(3), Math.sin(4)]])
    close(x.cos().tan().tanh().toArray(), [[1, 2], [3, 4]].map((r) => r.map((v) => Math.tanh(Math.tan(Math.cos(v))))))
    close(x.exp().log().sqrt().toArray(), [[1, Math.SQRT2], [Math.sqrt(3), 2]])
  })
  it("compare to bool", () => {
    expect(x.greater(2).toArray()).toEqual([[false, false], [true, true]])
    expect(x.less([2, 5]).toArray()).toEqual([[true, true], [false, true]])
    expect(x.equal(4).toArray()).toEqual([[false, false], [false, true]])
  })
  it("reduce with bare axes or options", () => {
    expect(x.sum().item()).toBe(10)
    expect(x.sum(0).toArray()).toEqual([4, 6])
    expect(x.mean({ axis: 1, keepdims: true }).toArray()).toEqual([[1.5], [3.5]])
    expect(x.prod().item()).toBe(24)
    expect(x.max(1).toArray()).toEqual([2, 4])
    expect(x.min().item()).toBe(1)
  })
  it("reshape, transpose, T, matmul, dot, at and astype", () => {
    expect(x.reshape([4]).toArray()).toEqual([1, 2, 3, 4])
    expect(x.reshape([-1, 1]).shape).toEqual([4, 1])
    expect(x.T.toArray()).toEqual([[1, 3], [2, 4]])
    expect(x.transpose([1, 0]).toArray()).toEqual([[1, 3], [2, 4]])
    expect(x.matmul([1, 1]).toArray()).toEqual([3, 7])
    expect(x.dot(x).toArray()).toEqual([[7, 10], [15, 22]])
    expect(x.at(0).toArray()).toEqual([1, 2])
    expect(x.at(-1).toArray()).toEqual([3, 4])
    expect(x.at(1).at(0).item()).toBe(3)
    expect(x.astype("int32").dtype).toBe("int32")
    expect(np.array([1.9, -1.9]).astype("int32").toArray()).toEqual([1, -1])
    expect(np.array([0, 2]).astype("bool").toArray()).toEqual([false, true])
  })
  it("chain as in the spec", () => {
    expect(np.array([0, 0]).add([1, 2]).mul(2).sin().sum().item()).toBeCloseTo(Math.sin(2) + Math.sin(4), 12)
  })
  it("at rejects out-of-range and 0-d indexing", () => {
    throwsTagged(() => x.at(2), "InvalidArgumentError", "Array.at", "f64[2,2]", "2")
    throwsTagged(() => x.at(-3), "InvalidArgumentError", "Array.at", "-3")
    throwsTagged(() => x.at(0.5), "InvalidArgumentError", "Array.at")
    throwsTagged(() => np.array(1).at(0), "InvalidArgumentError", "Array.at", "0-d")
    throwsTagged(() => x.astype("float16" as never), "InvalidArgumentError", "Array.astype")
  })
})

describe("gradients through np compositions", () => {
  it("norm has gradient 0 at the origin and x/|x| elsewhere", () => {
    expect(grad((v: np.Array) => np.linalg.norm(v))(np.zeros([3])).toArray()).toEqual([0, 0, 0])
    close(grad((v: np.Array) => np.linalg.norm(v))(np.array([3, 4])).toArray(), [0.6, 0.8])
  })
  it("logsumexp's gradient is softmax", () => {
    const g = grad((v: np.Array) => np.logsumexp(v))(np.array([0, Math.log(3)])).toArray()
    close(g, [0.25, 0.75])
  })
  it("mean, var and take have their closed-form gradients", () => {
    close(grad((v: np.Array) => np.mean(v))(np.array([1, 2, 3, 4])).toArray(), [0.25, 0.25, 0.25, 0.25])
    close(grad((v: np.Array) => np.var(v))(np.array([1, 2, 3, 4])).toArray(), [-0.75, -0.25, 0.25, 0.75])
    expect(grad((v: np.Array) => np.sum(np.take(v, [0, 0, 2])))(np.array([1, 2, 3])).toArray()).toEqual([2, 0, 1])
  })
  it("matmul with broadcast batch dims sums the gradient over the broadcast", () => {
    const g = grad((a: np.Array) => np.sum(np.matmul(a, np.ones([3, 2, 2]))))(np.ones([2, 2]))
    expect(g.toArray()).toEqual([[6, 6], [6, 6]])
  })
})

describe("x.at(i) of a traced array", () => {
  const p = np.array([1.2, 0.15, 0.4])
  // a JS loop reading p.at(k) every step, as physics kernels are written
  const loop = (p: np.Array) => {
    let x: np.Array = np.array(1)
    for (let t = 0; t < 50; t++) x = np.add(x, np.multiply(0.01, np.sin(np.multiply(p.at(t % 3), x))))
    return x
  }
  it("is staged once per row and trace, and the gradient is unchanged", () => {
    const jaxpr = makeJaxpr(loop)(p)
    expect(jaxpr.jaxpr.eqns.filter((e) => e.prim.name === "slice").length).toBe(3)
    // the same steps with each row read once before the loop: the same program, bit for bit
    const hoisted = (p: np.Array) => {
      const rows = [p.at(0), p.at(1), p.at(2)]
      let x: np.Array = np.array(1)
      for (let t = 0; t < 50; t++) x = np.add(x, np.multiply(0.01, np.sin(np.multiply(rows[t % 3]!, x))))
      return x
    }
    expect(grad(loop)(p).toArray()).toEqual(grad(hoisted)(p).toArray())
    expect(jit(grad(loop))(p).toArray()).toEqual(grad(hoisted)(p).toArray())
    // against a central difference of the loop written on numbers
    const f = (q: number[]) => { let x = 1; for (let t = 0; t < 50; t++) x += 0.01 * Math.sin(q[t % 3]! * x); return x }
    const g = grad(loop)(p).toArray() as number[], h = 1e-6
    for (let k = 0; k < 3; k++) {
      const up = [1.2, 0.15, 0.4], dn = [1.2, 0.15, 0.4]
      up[k]! += h; dn[k]! -= h
      expect(Math.abs(g[k]! - (f(up) - f(dn)) / (2 * h))).toBeLessThan(1e-8)
    }
  })
  it("is read again under a nested trace, and the outer read stays the outer trace's", () => {
    const f = (p: np.Array) => {
      const inner = jit((q: np.Array) => np.multiply(q, p.at(1))) // p captured: read under inner's trace first
      const y = inner(p), before = p.at(1), after = p.at(1)
      const batched = vmap((r: np.Array) => np.multiply(r, p.at(1)))(np.stack([p, p]))
      return np.add(np.add(np.sum(y), np.multiply(before, after)), np.sum(batched))
    }
    const want = f(p).item()
    expect(jit(f)(p).item()).toBe(want)
    expect(jit(grad(f))(p).toArray()).toEqual(grad(f)(p).toArray())
    // f = 3 p₁ Σp + p₁², so ∂f/∂p_j = 3 p₁ + [j = 1] (3 Σp + 2 p₁)
    const s = 1.2 + 0.15 + 0.4
    close(grad(f)(p).toArray() as number[], [0.45, 0.45 + 3 * s + 0.3, 0.45])
  })
  it("of a tracer that escaped its transform still raises TracerLeakError", () => {
    let leaked: np.Array | null = null
    jit((q: np.Array) => { leaked = q; q.at(0); return q })(p)
    throwsTagged(() => leaked!.at(0), "TracerLeakError")
    // vmap stages nothing: its rows were read under the same (eval) dynamic trace as the leak's
    vmap((q: np.Array) => { leaked = q; q.at(0); return q })(np.ones([2, 3]))
    throwsTagged(() => leaked!.at(0), "TracerLeakError")
  })
})
