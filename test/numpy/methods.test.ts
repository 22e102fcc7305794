import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { grad } from "../../src/transforms/grad.js"
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
