import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { jvp } from "../../src/transforms/jvp.js"
import { close, throwsTagged } from "./helpers.js"

const x23 = [[1, 2, 3], [4, 5, 6]]
const x3d = np.reshape(np.arange(24), [2, 3, 4])

describe("np.sum / prod", () => {
  it("reduces everything by default, on 0-d to 3-d", () => {
    expect(np.sum(5).item()).toBe(5)
    expect(np.sum([1, 2, 3]).item()).toBe(6)
    expect(np.sum(x23).item()).toBe(21)
    expect(np.sum(x3d).item()).toBe(276)
    expect(np.prod(x23).item()).toBe(720)
  })
  it("takes the axis bare, as a list, negative, or in options with keepdims", () => {
    expect(np.sum(x23, 0).toArray()).toEqual([5, 7, 9])
    expect(np.sum(x23, -1).toArray()).toEqual([6, 15])
    expect(np.sum(x3d, [0, 2]).toArray()).toEqual([60, 92, 124])
    expect(np.sum(x23, { axis: 1, keepdims: true }).toArray()).toEqual([[6], [15]])
    expect(np.sum(x23, 0, { keepdims: true }).shape).toEqual([1, 3])
    expect(np.sum(x23, { keepdims: true }).shape).toEqual([1, 1])
    expect(np.sum(x23, null).item()).toBe(21)
    expect(np.prod(x23, 1).toArray()).toEqual([6, 120])
  })
  it("gives the identity for empty arrays", () => {
    expect(np.sum([]).item()).toBe(0)
    expect(np.prod([]).item()).toBe(1)
    expect(np.sum(np.zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0])
  })
  it("keeps float32 and int32, counts bools as int32", () => {
    expect(np.sum(np.ones([3], "float32")).dtype).toBe("float32")
    expect(np.sum(np.array([1, 2], "int32")).dtype).toBe("int32")
    const c = np.sum([true, true, false])
    expect(c.dtype).toBe("int32")
    expect(c.item()).toBe(2)
  })
})

describe("np.mean / var / std", () => {
  it("mean over axes, ints give float64, float32 stays", () => {
    expect(np.mean(x23).item()).toBe(3.5)
    expect(np.mean(x23, 0).toArray()).toEqual([2.5, 3.5, 4.5])
    expect(np.mean(x3d, [1, 2], { keepdims: true }).toArray()).toEqual([[[5.5]], [[17.5]]])
    const mi = np.mean(np.array([1, 2], "int32"))
    expect(mi.dtype).toBe("float64")
    expect(mi.item()).toBe(1.5)
    expect(np.mean(np.array([1, 2], "float32")).dtype).toBe("float32")
    expect(np.mean(4).item()).toBe(4)
  })
  it("mean of an empty array is NaN", () => {
    expect(np.mean([]).item()).toBeNaN()
  })
  it("var and std with ddof, axis and keepdims", () => {
    expect(np.var([1, 2, 3, 4]).item()).toBe(1.25)
    close(np.var([1, 2, 3, 4], { ddof: 1 }).item(), 5 / 3)
    expect(np.var(x23, 1).toArray()).toEqual([2 / 3, 2 / 3])
    close(np.var(x23, 0, { ddof: 1 }).toArray(), [4.5, 4.5, 4.5])
    expect(np.var(x23, { axis: 0, keepdims: true }).shape).toEqual([1, 3])
    close(np.std(x23, 1).toArray(), [Math.sqrt(2 / 3), Math.sqrt(2 / 3)])
    close(np.std([2, 4, 4, 4, 5, 5, 7, 9]).item(), 2)
    close(np.std([1, 2, 3, 4], { ddof: 1 }).item(), Math.sqrt(5 / 3))
    expect(np.var(np.array([1, 3], "int32")).item()).toBe(1)
    expect(np.std(np.array([1, 3], "float32")).dtype).toBe("float32")
  })
})

describe("np.max / min", () => {
  it("reduce over axes with keepdims", () => {
    expect(np.max(x23).item()).toBe(6)
    expect(np.min(x23, 1).toArray()).toEqual([1, 4])
    expect(np.max(x3d, [0, 1]).toArray()).toEqual([20, 21, 22, 23])
    expect(np.max(x23, { axis: -1, keepdims: true }).toArray()).toEqual([[3], [6]])
    expect(np.max([1, NaN, 3]).item()).toBeNaN()
    expect(np.min(np.array([3, -1], "int32")).item()).toBe(-1)
    expect(np.max(7).item()).toBe(7)
  })
  it("work as any/all on bools", () => {
    expect(np.max([false, true]).toArray()).toBe(true)
    expect(np.min([[false, true], [true, true]], 1).toArray()).toEqual([false, true])
  })
  it("split the gradient between ties", () => {
    const [, dy] = jvp((x: np.Array) => np.max(x), [np.array([1, 3, 3])], [np.array([1, 1, 0])])
    expect(dy.item()).toBe(0.5)
  })
  it("refuse empty reductions, naming the function and the shape", () => {
    throwsTagged(() => np.max([]), "ShapeError", "np.max", "f64[0]")
    throwsTagged(() => np.min(np.zeros([2, 0]), 1), "ShapeError", "np.min", "[2,0]")
    expect(np.max(np.zeros([2, 0]), 0).shape).toEqual([0])
  })
})

describe("np.argmax / argmin", () => {
  it("flatten without an axis", () => {
    expect(np.argmax([[1, 9], [7, 2]]).item()).toBe(1)
    expect(np.argmin([[1, 9], [0, 2]]).item()).toBe(2)
    expect(np.argmax([[1, 9], [7, 2]]).dtype).toBe("int32")
    expect(np.argmax(5).item()).toBe(0)
  })
  it("reduce along an axis, negative too, with keepdims", () => {
    expect(np.argmax(x23, 0).toArray()).toEqual([1, 1, 1])
    expect(np.argmin(x23, -1).toArray()).toEqual([0, 0])
    expect(np.argmax(x3d, 2).toArray()).toEqual([[3, 3, 3], [3, 3, 3]])
    expect(np.argmax(x23, { axis: 1, keepdims: true }).toArray()).toEqual([[2], [2]])
    expect(np.argmax(x23, null, { keepdims: true }).shape).toEqual([1, 1])
  })
  it("pick the first of ties and NaN first", () => {
    expect(np.argmax([3, 1, 3]).item()).toBe(0)
    expect(np.argmin([3, NaN, 0]).item()).toBe(1)
  })
  it("refuse empty axes", () => {
    throwsTagged(() => np.argmax([]), "ShapeError", "np.argmax", "f64[0]")
    throwsTagged(() => np.argmin(np.zeros([2, 0]), 1), "ShapeError", "np.argmin")
  })
})

describe("np.cumsum", () => {
  it("flattens without an axis and scans along one", () => {
    expect(np.cumsum(x23).toArray()).toEqual([1, 3, 6, 10, 15, 21])
    expect(np.cumsum(x23, 1).toArray()).toEqual([[1, 3, 6], [4, 9, 15]])
    expect(np.cumsum(x23, -2).toArray()).toEqual([[1, 2, 3], [5, 7, 9]])
    expect(np.cumsum(3).toArray()).toEqual([3])
    expect(np.cumsum([]).shape).toEqual([0])
  })
  it("keeps int32 and counts bools", () => {
    expect(np.cumsum(np.array([1, 2], "int32")).dtype).toBe("int32")
    expect(np.cumsum([true, true, false]).toArray()).toEqual([1, 2, 2])
  })
})

describe("np.logsumexp", () => {
  it("is stable for large inputs", () => {
    close(np.logsumexp([1000, 1000]).item(), 1000 + Math.log(2))
    close(np.logsumexp([-1000, -1000]).item(), -1000 + Math.log(2))
    close(np.logsumexp([1, 2, 3]).item(), Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)))
  })
  it("reduces over axes with keepdims", () => {
    close(np.logsumexp([[0, 0], [1, 1]], 1).toArray(), [Math.log(2), 1 + Math.log(2)])
    expect(np.logsumexp([[0, 0], [1, 1]], { axis: 0, keepdims: true }).shape).toEqual([1, 2])
  })
  it("handles -Infinity rows, +Infinity and empty input", () => {
    expect(np.logsumexp([[-Infinity, -Infinity], [0, -Infinity]], 1).toArray()).toEqual([-Infinity, 0])
    expect(np.logsumexp([Infinity, 0]).item()).toBe(Infinity)
    expect(np.logsumexp([]).item()).toBe(-Infinity)
  })
  it("has softmax as its derivative, also with -Infinity entries", () => {
    const [, dy] = jvp((x: np.Array) => np.logsumexp(x), [np.array([1, 2, 3])], [np.array([1, 0, 0])])
    const e = [1, 2, 3].map(Math.exp), z = e[0]! + e[1]! + e[2]!
    close(dy.item(), e[0]! / z)
    const [, d2] = jvp((x: np.Array) => np.logsumexp(x), [np.array([-Infinity, 0])], [np.array([0, 1])])
    expect(d2.item()).toBe(1)
  })
  it("turns ints into float64 and keeps float32", () => {
    expect(np.logsumexp(np.array([1, 2], "int32")).dtype).toBe("float64")
    expect(np.logsumexp(np.array([1, 2], "float32")).dtype).toBe("float32")
  })
})

describe("reduction errors", () => {
  it("reject out-of-range and repeated axes, naming the function", () => {
    throwsTagged(() => np.sum(x23, 2), "InvalidArgumentError", "np.sum", "axis 2", "rank 2")
    throwsTagged(() => np.mean(x23, -3), "InvalidArgumentError", "np.mean", "-3")
    throwsTagged(() => np.sum(x23, [0, -2]), "InvalidArgumentError", "np.sum", "repeated")
    throwsTagged(() => np.argmax(x23, 5), "InvalidArgumentError", "np.argmax")
    throwsTagged(() => np.cumsum(x23, -3), "InvalidArgumentError", "np.cumsum")
    throwsTagged(() => np.var(x23, 1.5), "InvalidArgumentError", "np.var")
    throwsTagged(() => np.sum(x23, "0" as never), "InvalidArgumentError", "np.sum")
  })
  it("reject non-array input", () => {
    throwsTagged(() => np.sum([[1], 2] as never), "ShapeError", "np.sum", "ragged")
    throwsTagged(() => np.max({} as never), "InvalidArgumentError", "np.max")
  })
})
