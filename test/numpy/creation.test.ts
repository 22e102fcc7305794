import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { throwsTagged } from "./helpers.js"

describe("np.array / np.asarray", () => {
  it("reads 0-d, 1-d, 2-d and 3-d nested data as float64", () => {
    expect(np.array(3).shape).toEqual([])
    expect(np.array(3).item()).toBe(3)
    expect(np.array([1, 2]).shape).toEqual([2])
    expect(np.array([[1, 2, 3], [4, 5, 6]]).shape).toEqual([2, 3])
    expect(np.array([[[1], [2]], [[3], [4]]]).toArray()).toEqual([[[1], [2]], [[3], [4]]])
    expect(np.array([1, 2]).dtype).toBe("float64")
  })
  it("reads booleans as bool and keeps typed arrays' dtypes", () => {
    expect(np.array([true, false]).dtype).toBe("bool")
    expect(np.array(new Float32Array([1, 2])).dtype).toBe("float32")
    expect(np.array(new Int32Array([1, 2])).dtype).toBe("int32")
  })
  it("makes an empty array from []", () => {
    const e = np.array([])
    expect(e.shape).toEqual([0])
    expect(e.size).toBe(0)
    expect(np.array([[], []]).shape).toEqual([2, 0])
  })
  it("converts to a requested dtype, bare or as an option", () => {
    expect(np.array([1.7, -1.7], "int32").toArray()).toEqual([1, -1])
    expect(np.array([1, 2], { dtype: "float32" }).dtype).toBe("float32")
    expect(np.asarray(np.array([1, 2]), "int32").dtype).toBe("int32")
  })
  it("gives strong arrays: np.array(2) promotes float32 to float64, unlike a bare JS number", () => {
    const s = np.array(2)
    expect(s.aval.weakType).toBe(false)
    expect(np.add(np.ones([2], "float32"), s).dtype).toBe("float64")
    expect(np.add(np.ones([2], "float32"), 2).dtype).toBe("float32")
  })
  it("stacks nested lists that hold arrays", () => {
    expect(np.array([np.array([1, 2]), [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]])
  })
  it("returns an array given an array", () => {
    const x = np.array([1, 2])
    expect(np.asarray(x)).toBe(x)
  })
})

describe("np.zeros / ones / full / zerosLike / onesLike", () => {
  it("fills shapes given as numbers or arrays", () => {
    expect(np.zeros(3).toArray()).toEqual([0, 0, 0])
    expect(np.ones([2, 2]).toArray()).toEqual([[1, 1], [1, 1]])
    expect(np.zeros([]).shape).toEqual([])
    expect(np.zeros([2, 0, 3]).size).toBe(0)
    expect(np.ones([1, 1, 2]).toArray()).toEqual([[[1, 1]]])
  })
  it("takes a dtype bare or as an option", () => {
    expect(np.zeros([2], "int32").dtype).toBe("int32")
    expect(np.ones([2], { dtype: "float32" }).dtype).toBe("float32")
    expect(np.ones([2], "bool").toArray()).toEqual([true, true])
  })
  it("full broadcasts its fill and takes its dtype", () => {
    expect(np.full([2, 3], 1.5).toArray()).toEqual([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]])
    expect(np.full([2], true).dtype).toBe("bool")
    expect(np.full([2], np.array([1], "int32")).dtype).toBe("int32")
    expect(np.full([2, 2], [[1], [2]]).toArray()).toEqual([[1, 1], [2, 2]])
    expect(np.full([2], 7, "int32").toArray()).toEqual([7, 7])
  })
  it("zerosLike and onesLike copy shape and dtype", () => {
    const x = np.array([[1, 2, 3]], "float32")
    expect(np.zerosLike(x).shape).toEqual([1, 3])
    expect(np.zerosLike(x).dtype).toBe("float32")
    expect(np.onesLike(x, "int32").toArray()).toEqual([[1, 1, 1]])
    expect(np.onesLike(5).toArray()).toBe(1)
  })
})

describe("np.arange / linspace / eye", () => {
  it("arange follows numpy's start, stop, step", () => {
    expect(np.arange(0).toArray()).toEqual([])
    expect(np.arange(3).toArray()).toEqual([0, 1, 2])
    expect(np.arange(2, 5).toArray()).toEqual([2, 3, 4])
    expect(np.arange(5, 0, -2).toArray()).toEqual([5, 3, 1])
    expect(np.arange(0, 1, 0.5).toArray()).toEqual([0, 0.5])
    expect(np.arange(3, 1).toArray()).toEqual([])
  })
  it("arange defaults to float64 and takes a dtype in any trailing position", () => {
    expect(np.arange(3).dtype).toBe("float64")
    expect(np.arange(3, { dtype: "int32" }).dtype).toBe("int32")
    expect(np.arange(1, 3, { dtype: "int32" }).toArray()).toEqual([1, 2])
    expect(np.arange(0, 4, 2, "float32").dtype).toBe("float32")
  })
  it("linspace includes the endpoint unless told not to", () => {
    expect(np.linspace(0, 1, 3).toArray()).toEqual([0, 0.5, 1])
    expect(np.linspace(0, 1, 2, { endpoint: false }).toArray()).toEqual([0, 0.5])
    expect(np.linspace(2, 3, 1).toArray()).toEqual([2])
    expect(np.linspace(2, 3, 0).toArray()).toEqual([])
    expect(np.linspace(0, 1).size).toBe(50)
    expect(np.linspace(0, 1, { endpoint: true }).size).toBe(50)
  })
  it("eye puts ones on diagonal k", () => {
    expect(np.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    expect(np.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]])
    expect(np.eye(3, { k: -1 }).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [0, 1, 0]])
    expect(np.eye(2, { dtype: "int32" }).dtype).toBe("int32")
    expect(np.eye(0).shape).toEqual([0, 0])
  })
})

describe("creation errors", () => {
  it("rejects NaN, negative and fractional dimensions with a ShapeError naming the function", () => {
    throwsTagged(() => np.zeros([NaN]), "ShapeError", "np.zeros", "NaN")
    throwsTagged(() => np.ones([2, -1]), "ShapeError", "np.ones", "-1")
    throwsTagged(() => np.full([1.5], 0), "ShapeError", "np.full", "1.5")
    throwsTagged(() => np.eye(NaN), "ShapeError", "np.eye")
  })
  it("rejects ragged nested arrays", () => {
    throwsTagged(() => np.array([[1, 2], [3]]), "ShapeError", "np.array", "ragged")
    throwsTagged(() => np.array([[1, 2], 3]), "ShapeError", "np.array")
  })
  it("rejects non-array leaves and non-array inputs", () => {
    throwsTagged(() => np.array([1, "a"] as never), "InvalidArgumentError", "np.array", "string")
    throwsTagged(() => np.array({} as never), "InvalidArgumentError", "np.array", "object")
    throwsTagged(() => np.array([null] as never), "InvalidArgumentError", "np.array", "null")
  })
  it("rejects unknown dtypes", () => {
    throwsTagged(() => np.zeros([2], "float16" as never), "InvalidArgumentError", "np.zeros", "float16")
  })
  it("rejects bad fills and ranges", () => {
    throwsTagged(() => np.full([2], [1, 2, 3]), "ShapeError", "np.full", "f64[3]")
    throwsTagged(() => np.arange(0, 1, 0), "InvalidArgumentError", "np.arange", "step")
    throwsTagged(() => np.arange(Infinity), "InvalidArgumentError", "np.arange")
    throwsTagged(() => np.linspace(0, 1, -1), "InvalidArgumentError", "np.linspace")
    throwsTagged(() => np.eye(2, { k: 0.5 }), "InvalidArgumentError", "np.eye")
  })
})
