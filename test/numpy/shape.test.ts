import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { jvp } from "../../src/transforms/jvp.js"
import { throwsTagged } from "./helpers.js"

const a6 = np.arange(6)
const x23 = np.reshape(a6, [2, 3])
const x234 = np.reshape(np.arange(24), [2, 3, 4])

describe("np.reshape", () => {
  it("reshapes with a -1 dimension, to and from 0-d", () => {
    expect(np.reshape(a6, [3, -1]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]])
    expect(np.reshape(x23, -1).toArray()).toEqual([0, 1, 2, 3, 4, 5])
    expect(np.reshape(5, [1, 1]).shape).toEqual([1, 1])
    expect(np.reshape([[7]], []).shape).toEqual([])
    expect(np.reshape(np.zeros([0, 3]), [3, -1]).shape).toEqual([3, 0])
    expect(np.reshape(x234, [4, -1, 2]).shape).toEqual([4, 3, 2])
  })
  it("rejects size mismatches, two -1s and NaN sizes", () => {
    throwsTagged(() => np.reshape(a6, [4]), "ShapeError", "np.reshape", "f64[6]", "[4]")
    throwsTagged(() => np.reshape(a6, [4, -1]), "ShapeError", "np.reshape", "not a multiple")
    throwsTagged(() => np.reshape(a6, [-1, -1]), "ShapeError", "np.reshape", "-1")
    throwsTagged(() => np.reshape(a6, [NaN]), "ShapeError", "np.reshape", "NaN")
  })
})

describe("np.transpose / moveaxis", () => {
  it("reverses axes by default and permutes by axes, negative allowed", () => {
    expect(np.transpose(x23).toArray()).toEqual([[0, 3], [1, 4], [2, 5]])
    expect(np.transpose([1, 2]).toArray()).toEqual([1, 2])
    expect(np.transpose(3).shape).toEqual([])
    expect(np.transpose(x234).shape).toEqual([4, 3, 2])
    expect(np.transpose(x234, [0, -1, 1]).shape).toEqual([2, 4, 3])
    expect(np.transpose(x234, [2, 0, 1]).toArray()).toEqual(np.moveaxis(x234, 2, 0).toArray())
  })
  it("moveaxis keeps the other axes in order", () => {
    expect(np.moveaxis(np.zeros([2, 3, 4]), -1, 0).shape).toEqual([4, 2, 3])
    expect(np.moveaxis(np.zeros([2, 3, 4]), [0, 1], [-1, -2]).shape).toEqual([4, 3, 2])
    expect(np.moveaxis(x23, 0, 1).toArray()).toEqual(np.transpose(x23).toArray())
  })
  it("rejects bad permutations and axes", () => {
    throwsTagged(() => np.transpose(x23, [0, 0]), "InvalidArgumentError", "np.transpose", "permutation", "f64[2,3]")
    throwsTagged(() => np.transpose(x23, [0]), "InvalidArgumentError", "np.transpose")
    throwsTagged(() => np.transpose(x23, [0, -3]), "InvalidArgumentError", "np.transpose", "-3")
    throwsTagged(() => np.moveaxis(x23, 0, 2), "InvalidArgumentError", "np.moveaxis")
    throwsTagged(() => np.moveaxis(x23, [0, 1], [0]), "InvalidArgumentError", "np.moveaxis")
  })
})

describe("np.expandDims / squeeze / broadcastTo", () => {
  it("expandDims inserts size-1 axes at result positions", () => {
    expect(np.expandDims(x23, 1).shape).toEqual([2, 1, 3])
    expect(np.expandDims(x23, -1).shape).toEqual([2, 3, 1])
    expect(np.expandDims(5, 0).shape).toEqual([1])
    expect(np.expandDims([1, 2], [0, 2]).shape).toEqual([1, 2, 1])
  })
  it("squeeze removes all or the named size-1 axes", () => {
    expect(np.squeeze(np.zeros([1, 2, 1])).shape).toEqual([2])
    expect(np.squeeze(np.zeros([1, 2, 1]), -1).shape).toEqual([1, 2])
    expect(np.squeeze([[5]]).shape).toEqual([])
    expect(np.squeeze([1, 2]).shape).toEqual([2])
  })
  it("broadcastTo follows numpy's trailing-axes rule", () => {
    expect(np.broadcastTo([[1], [2]], [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]])
    expect(np.broadcastTo(5, [2]).toArray()).toEqual([5, 5])
    expect(np.broadcastTo([1, 2], [2, 1, 2]).shape).toEqual([2, 1, 2])
    expect(np.broadcastTo([1, 2], [0, 2]).shape).toEqual([0, 2])
  })
  it("reject bad axes and shapes", () => {
    throwsTagged(() => np.expandDims(x23, 3), "InvalidArgumentError", "np.expandDims")
    throwsTagged(() => np.expandDims(x23, -4), "InvalidArgumentError", "np.expandDims", "-4")
    throwsTagged(() => np.squeeze(x23, 0), "ShapeError", "np.squeeze", "f64[2,3]")
    throwsTagged(() => np.squeeze(x23, -3), "InvalidArgumentError", "np.squeeze")
    throwsTagged(() => np.broadcastTo([1, 2, 3], [2, 2]), "ShapeError", "np.broadcastTo", "f64[3]", "[2,2]")
    throwsTagged(() => np.broadcastTo(x23, [3]), "ShapeError", "np.broadcastTo", "fewer axes")
    throwsTagged(() => np.broadcastTo([1], [NaN]), "ShapeError", "np.broadcastTo", "NaN")
  })
})

describe("np.concatenate / stack / split", () => {
  it("concatenates along an axis, flattened with null, promoting dtypes", () => {
    expect(np.concatenate([x23, x23], 1).shape).toEqual([2, 6])
    expect(np.concatenate([x23, [[9, 9, 9]]]).toArray()).toEqual([[0, 1, 2], [3, 4, 5], [9, 9, 9]])
    expect(np.concatenate([x23, [7]], null).toArray()).toEqual([0, 1, 2, 3, 4, 5, 7])
    expect(np.concatenate([np.array([1], "int32"), np.array([2], "float32")]).dtype).toBe("float32")
    expect(np.concatenate([[], [1]]).toArray()).toEqual([1])
    expect(np.concatenate([x234, x234], -1).shape).toEqual([2, 3, 8])
    expect(np.concatenate([[1]]).toArray()).toEqual([1])
  })
  it("stacks along a new axis", () => {
    expect(np.stack([1, 2]).toArray()).toEqual([1, 2])
    expect(np.stack([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]])
    expect(np.stack([[1, 2], [3, 4]], -1).toArray()).toEqual([[1, 3], [2, 4]])
    expect(np.stack([x23, x23], 2).shape).toEqual([2, 3, 2])
  })
  it("splits into sections or at indices", () => {
    expect(np.split(a6, 3).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4, 5]])
    expect(np.split(a6, [2, 10]).map((p) => p.shape)).toEqual([[2], [4], [0]])
    expect(np.split(x23, [1], 1).map((p) => p.toArray())).toEqual([[[0], [3]], [[1, 2], [4, 5]]])
    expect(np.split(x234, 2, -1).map((p) => p.shape)).toEqual([[2, 3, 2], [2, 3, 2]])
    expect(np.split(a6, [-2]).map((p) => p.toArray())).toEqual([[0, 1, 2, 3], [4, 5]])
  })
  it("reject mismatched shapes, 0-d arrays, empty lists and uneven splits", () => {
    throwsTagged(() => np.concatenate([x23, [1, 2]]), "ShapeError", "np.concatenate", "[2,3]", "[2]")
    throwsTagged(() => np.concatenate([x23, np.zeros([2, 2])], 0), "ShapeError", "np.concatenate", "f64[2,2]")
    throwsTagged(() => np.concatenate([1, 2]), "ShapeError", "np.concatenate", "0-d")
    throwsTagged(() => np.concatenate([]), "InvalidArgumentError", "np.concatenate")
    throwsTagged(() => np.concatenate([x23], 2), "InvalidArgumentError", "np.concatenate", "axis 2")
    throwsTagged(() => np.stack([[1, 2], [1]]), "ShapeError", "np.stack", "f64[1]")
    throwsTagged(() => np.stack([[1, 2]], 2), "InvalidArgumentError", "np.stack")
    throwsTagged(() => np.split(a6, 4), "ShapeError", "np.split", "f64[6]")
    throwsTagged(() => np.split(a6, 0), "InvalidArgumentError", "np.split")
    throwsTagged(() => np.split(a6, 2, 1), "InvalidArgumentError", "np.split")
  })
})

describe("np.take", () => {
  it("takes from the flattened array without an axis", () => {
    expect(np.take(x23, [5, 0]).toArray()).toEqual([5, 0])
    expect(np.take(x23, [[0, 1], [2, 3]]).toArray()).toEqual([[0, 1], [2, 3]])
    expect(np.take(x23, 4).toArray()).toBe(4)
  })
  it("takes along an axis with negative indices and index arrays", () => {
    expect(np.take(x23, [-1], 0).toArray()).toEqual([[3, 4, 5]])
    expect(np.take(x23, [2, 0], -1).toArray()).toEqual([[2, 0], [5, 3]])
    expect(np.take(x234, [[1]], 1).shape).toEqual([2, 1, 1, 4])
    expect(np.take(x23, np.array([1, 1], "int32"), 0).toArray()).toEqual([[3, 4, 5], [3, 4, 5]])
    expect(np.take(x23, new Int32Array([1]), 1).toArray()).toEqual([[1], [4]])
    expect(np.take(x23, [], 1).shape).toEqual([2, 0])
  })
  it("scatters the gradient back, adding repeated indices", () => {
    const [, dy] = jvp((x: np.Array) => np.sum(np.take(x, [0, 0, 2])), [np.array([1, 2, 3])], [np.array([1, 10, 100])])
    expect(dy.item()).toBe(102)
  })
  it("rejects float arrays, out-of-bounds and fractional indices", () => {
    throwsTagged(() => np.take(x23, np.array([0, 1]), 0), "DtypeError", "np.take", "f64[2]", "int32")
    throwsTagged(() => np.take(x23, [true] as never, 0), "DtypeError", "np.take")
    throwsTagged(() => np.take(x23, [2], 0), "InvalidArgumentError", "np.take", "index 2", "size 2")
    throwsTagged(() => np.take(x23, [-4], 1), "InvalidArgumentError", "np.take", "-4")
    throwsTagged(() => np.take(x23, [0.5]), "InvalidArgumentError", "np.take", "0.5")
    throwsTagged(() => np.take(x23, [0], 2), "InvalidArgumentError", "np.take", "axis 2")
    throwsTagged(() => np.take(x23, np.array([9], "int32"), 0), "InvalidArgumentError", "np.take", "9")
  })
})

describe("np.slice / pad / flip", () => {
  it("slices static blocks, leading axes only, negative starts", () => {
    expect(np.slice(a6, 2, 3).toArray()).toEqual([2, 3, 4])
    expect(np.slice(x23, [1], [1]).toArray()).toEqual([[3, 4, 5]])
    expect(np.slice(x23, [0, -2], [2, 2]).toArray()).toEqual([[1, 2], [4, 5]])
    expect(np.slice(x234, [1, 1, 1], [1, 2, 0]).shape).toEqual([1, 2, 0])
  })
  it("rejects blocks that do not fit", () => {
    throwsTagged(() => np.slice(a6, 4, 3), "ShapeError", "np.slice", "f64[6]")
    throwsTagged(() => np.slice(a6, -7, 1), "ShapeError", "np.slice")
    throwsTagged(() => np.slice(a6, [0, 0], [1, 1]), "InvalidArgumentError", "np.slice")
    throwsTagged(() => np.slice(a6, [0], [1, 1]), "InvalidArgumentError", "np.slice")
    throwsTagged(() => np.slice(a6, 0.5, 1), "InvalidArgumentError", "np.slice")
  })
  it("pads with numpy's width forms and a constant", () => {
    expect(np.pad([1], 2).toArray()).toEqual([0, 0, 1, 0, 0])
    expect(np.pad([1], [1, 2]).toArray()).toEqual([0, 1, 0, 0])
    expect(np.pad([[1]], [[1, 0]]).toArray()).toEqual([[0, 0], [0, 1]])
    expect(np.pad([[1]], [[0, 0], [0, 2]], { constantValues: -1 }).toArray()).toEqual([[1, -1, -1]])
    expect(np.pad([[1]], [[1]]).shape).toEqual([3, 3])
    expect(np.pad(np.array([1], "float32"), 1).dtype).toBe("float32")
    expect(np.pad(np.zeros([0]), 1).toArray()).toEqual([0, 0])
    expect(np.pad(x234, 1).shape).toEqual([4, 5, 6])
  })
  it("rejects bad pad widths and modes", () => {
    throwsTagged(() => np.pad([1], -1), "InvalidArgumentError", "np.pad", "-1")
    throwsTagged(() => np.pad([[1]], [[1, 1], [1, 1], [1, 1]]), "InvalidArgumentError", "np.pad", "f64[1,1]")
    throwsTagged(() => np.pad([1], [1, 2, 3]), "InvalidArgumentError", "np.pad")
    throwsTagged(() => np.pad([1], 1, { mode: "reflect" as never }), "InvalidArgumentError", "np.pad", "reflect")
  })
  it("flips all or some axes", () => {
    expect(np.flip(x23).toArray()).toEqual([[5, 4, 3], [2, 1, 0]])
    expect(np.flip(x23, 0).toArray()).toEqual([[3, 4, 5], [0, 1, 2]])
    expect(np.flip(x23, [-1]).toArray()).toEqual([[2, 1, 0], [5, 4, 3]])
    expect(np.flip(7).item()).toBe(7)
    throwsTagged(() => np.flip(x23, 2), "InvalidArgumentError", "np.flip")
  })
})
