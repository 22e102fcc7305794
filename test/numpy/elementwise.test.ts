import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { jvp } from "../../src/transforms/jvp.js"
import { close, throwsTagged } from "./helpers.js"

const f32 = (x: number[] | number[][]) => np.array(x, "float32")
const i32 = (x: number[] | number[][]) => np.array(x, "int32")

describe("binary arithmetic", () => {
  it("works on 0-d, 1-d, 2-d and 3-d operands", () => {
    expect(np.add(1, 2).item()).toBe(3)
    expect(np.subtract([5, 6], [1, 2]).toArray()).toEqual([4, 4])
    expect(np.multiply([[1, 2], [3, 4]], [[2, 2], [3, 3]]).toArray()).toEqual([[2, 4], [9, 12]])
    expect(np.add(np.ones([2, 1, 2]), np.ones([2, 1, 2])).toArray()).toEqual([[[2, 2]], [[2, 2]]])
    expect(np.divide(1, 4).item()).toBe(0.25)
  })
  it("broadcasts numpy-style, in both directions and across ranks", () => {
    expect(np.add([[1], [2], [3]], [10, 20]).toArray()).toEqual([[11, 21], [12, 22], [13, 23]])
    expect(np.multiply([1, 2], [[1], [10]]).toArray()).toEqual([[1, 2], [10, 20]])
    expect(np.add(np.ones([2, 1, 3]), np.ones([4, 1])).shape).toEqual([2, 4, 3])
    expect(np.subtract(10, [[1, 2]]).toArray()).toEqual([[9, 8]])
  })
  it("handles empty arrays", () => {
    expect(np.add(np.zeros([0]), 1).shape).toEqual([0])
    expect(np.multiply(np.zeros([0, 3]), [1, 2, 3]).shape).toEqual([0, 3])
    expect(np.add(np.zeros([2, 0]), np.zeros([1, 0])).shape).toEqual([2, 0])
  })
  it("keeps float32 when combined with JS numbers, and promotes float32 with float64 arrays", () => {
    expect(np.add(f32([1, 2]), 1.5).dtype).toBe("float32")
    expect(np.multiply(2, f32([1])).dtype).toBe("float32")
    expect(np.add(f32([1]), np.array([1])).dtype).toBe("float64")
    expect(np.divide(f32([1]), 3).toArray()).toEqual([Math.fround(1 / 3)])
  })
  it("keeps int32 with integer JS numbers and goes float64 with fractions", () => {
    expect(np.add(i32([1, 2]), 1).dtype).toBe("int32")
    expect(np.multiply(i32([1, 2]), 3).toArray()).toEqual([3, 6])
    expect(np.add(i32([1, 2]), 0.5).dtype).toBe("float64")
    expect(np.add(i32([1]), f32([1])).dtype).toBe("float32")
  })
  it("divides ints to float64, as numpy does", () => {
    const q = np.divide(i32([1, 3]), i32([2, 2]))
    expect(q.dtype).toBe("float64")
    expect(q.toArray()).toEqual([0.5, 1.5])
  })
  it("turns bools into int32 for arithmetic", () => {
    const s = np.add([true, true], [true, false])
    expect(s.dtype).toBe("int32")
    expect(s.toArray()).toEqual([2, 1])
    expect(np.add([true], 1).dtype).toBe("int32")
  })
  it("maximum and minimum broadcast and propagate NaN", () => {
    expect(np.maximum([[1, 5]], [[3], [0]]).toArray()).toEqual([[3, 5], [1, 5]])
    expect(np.minimum([1, NaN], 0).toArray()).toEqual([0, NaN])
    expect(np.maximum(i32([1, 5]), 2).dtype).toBe("int32")
  })
  it("arctan2 picks the quadrant", () => {
    close(np.arctan2([1, 1, -1, -1], [1, -1, 1, -1]).toArray(), [Math.PI / 4, 3 * Math.PI / 4, -Math.PI / 4, -3 * Math.PI / 4])
    expect(np.arctan2(i32([0]), i32([1])).dtype).toBe("float64")
  })
})

describe("np.power and np.square", () => {
  it("uses integer_pow for JS integer exponents, real for negative bases", () => {
    expect(np.power([-2, -1, 3], 3).toArray()).toEqual([-8, -1, 27])
    expect(np.power([-2], 2).toArray()).toEqual([4])
    expect(np.power([2, 4], -1).toArray()).toEqual([0.5, 0.25])
    expect(np.power(2, 0).item()).toBe(1)
  })
  it("keeps int dtypes for non-negative integer exponents and goes float64 for negative ones", () => {
    expect(np.power(i32([2, 3]), 2).dtype).toBe("int32")
    expect(np.power(i32([2, 4]), -1).toArray()).toEqual([0.5, 0.25])
    expect(np.power(f32([2]), 3).dtype).toBe("float32")
  })
  it("uses pow for fractional or array exponents, NaN for negative bases", () => {
    close(np.power([4, 2], [0.5, 3]).toArray(), [2, 8])
    expect(np.power([-8], 1 / 3).toArray()).toEqual([NaN])
    expect(np.power([[1], [2]], [1, 2]).toArray()).toEqual([[1, 1], [2, 4]])
  })
  it("differentiates x³ at negative x (3x²)", () => {
    const [, dy] = jvp((x: np.Array) => np.power(x, 3), [np.array([-2])], [np.array([1])])
    expect(dy.toArray()).toEqual([12])
  })
  it("square is x*x for floats and ints", () => {
    expect(np.square([-3, 0.5]).toArray()).toEqual([9, 0.25])
    expect(np.square(i32([3])).dtype).toBe("int32")
    expect(np.square(f32([3])).dtype).toBe("float32")
  })
})

describe("unary functions", () => {
  const x = [0.25, 0.5]
  const cases: [string, (x: np.ArrayLike) => np.Array, (v: number) => number][] = [
    ["sqrt", np.sqrt, Math.sqrt], ["exp", np.exp, Math.exp], ["expm1", np.expm1, Math.expm1],
    ["log", np.log, Math.log], ["log1p", np.log1p, Math.log1p], ["sin", np.sin, Math.sin],
    ["cos", np.cos, Math.cos], ["tan", np.tan, Math.tan], ["tanh", np.tanh, Math.tanh],
    ["sinh", np.sinh, Math.sinh], ["cosh", np.cosh, Math.cosh], ["arcsin", np.arcsin, Math.asin],
    ["arccos", np.arccos, Math.acos], ["arctan", np.arctan, Math.atan],
  ]
  for (const [name, f, ref] of cases) {
    it(`${name} matches Math on 0-d, 2-d, float32 and int inputs`, () => {
      close(f(0.25).item(), ref(0.25))
      close(f([x, x]).toArray(), [x.map(ref), x.map(ref)])
      const g = f(f32(x))
      expect(g.dtype).toBe("float32")
      close(g.toArray(), x.map((v) => Math.fround(ref(Math.fround(v)))), 1e-6)
      const gi = f(i32([0, 1]))
      expect(gi.dtype).toBe("float64")
      close(gi.toArray(), [ref(0), ref(1)])
      expect(f(np.zeros([0, 2])).shape).toEqual([0, 2])
    })
  }
  it("follows numpy at the edges of domains", () => {
    expect(np.log([0, -1]).toArray()).toEqual([-Infinity, NaN])
    expect(np.sqrt(-1).item()).toBeNaN()
    expect(np.arcsin(2).item()).toBeNaN()
  })
  it("negative, abs and sign work on ints and floats", () => {
    expect(np.negative([[1, -2]]).toArray()).toEqual([[-1, 2]])
    expect(np.negative(i32([1])).dtype).toBe("int32")
    expect(np.abs(i32([-3, 3])).toArray()).toEqual([3, 3])
    expect(np.abs(f32([-1.5])).dtype).toBe("float32")
    expect(np.sign([-0.5, 0, 2, NaN]).toArray()).toEqual([-1, 0, 1, NaN])
    expect(np.sign(i32([-4, 0, 4])).toArray()).toEqual([-1, 0, 1])
  })
  it("abs has a zero derivative at 0", () => {
    const [, dy] = jvp(np.abs, [np.array([0, -2])], [np.array([1, 1])])
    expect(dy.toArray()).toEqual([0, -1])
  })
})

describe("rounding", () => {
  it("floor and ceil on floats, identity on ints", () => {
    expect(np.floor([-1.5, -0.5, 0.5, 2]).toArray()).toEqual([-2, -1, 0, 2])
    expect(np.ceil([-1.5, -0.5, 0.5, 2]).toArray()).toEqual([-1, -0, 1, 2])
    const i = i32([1, 2])
    expect(np.floor(i)).toBe(i)
    expect(np.ceil(f32([1.2])).dtype).toBe("float32")
  })
  it("round goes half to even", () => {
    expect(np.round([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6]).toArray()).toEqual([-2, -2, -0, 0, 2, 2, 3])
    expect(np.round(i32([3])).toArray()).toEqual([3])
  })
  it("round takes decimals", () => {
    close(np.round([1.2345, -1.2355], 2).toArray(), [1.23, -1.24])
    close(np.round([1234], -2).toArray(), [1200])
  })
})

describe("comparisons and logic", () => {
  it("compare with broadcasting and give bool", () => {
    const r = np.less([[1], [3]], [2, 3])
    expect(r.dtype).toBe("bool")
    expect(r.toArray()).toEqual([[true, true], [false, false]])
    expect(np.equal(1, 1).toArray()).toBe(true)
    expect(np.notEqual([1, NaN], [1, NaN]).toArray()).toEqual([false, true])
    expect(np.greater(f32([1.5]), 1).toArray()).toEqual([true])
    expect(np.greaterEqual(i32([1, 2]), 2).toArray()).toEqual([false, true])
    expect(np.lessEqual([1, 2, 3], [3, 2, 1]).toArray()).toEqual([true, true, false])
    expect(np.equal(np.zeros([0]), 0).shape).toEqual([0])
  })
  it("compares across dtypes by promoting", () => {
    expect(np.equal(i32([1, 2]), [1, 2.5]).toArray()).toEqual([true, false])
  })
  it("logical functions treat nonzero as true", () => {
    expect(np.logicalAnd([1, 0, 2], [true, true, false]).toArray()).toEqual([true, false, false])
    expect(np.logicalOr([[true], [false]], [false, false]).toArray()).toEqual([[true, true], [false, false]])
    expect(np.logicalNot(i32([0, 3])).toArray()).toEqual([true, false])
    expect(np.logicalNot(true).toArray()).toBe(false)
  })
  it("isfinite", () => {
    expect(np.isfinite([[1, -Infinity], [NaN, 0]]).toArray()).toEqual([[true, false], [false, true]])
    expect(np.isfinite(i32([1, 2])).toArray()).toEqual([true, true])
    expect(np.isfinite(f32([Infinity])).toArray()).toEqual([false])
  })
  it("where broadcasts condition and both branches", () => {
    expect(np.where([[true], [false]], [1, 2], 0).toArray()).toEqual([[1, 2], [0, 0]])
    expect(np.where(true, [1, 2], [3, 4]).toArray()).toEqual([1, 2])
    expect(np.where([1, 0], 5, 6).toArray()).toEqual([5, 6])
    expect(np.where([true], f32([1]), 2).dtype).toBe("float32")
    expect(np.where(np.zeros([0], "bool"), 1, 2).shape).toEqual([0])
  })
  it("where sends the gradient to the picked branch only", () => {
    const [, dy] = jvp((x: np.Array) => np.where(np.greater(x, 0), np.multiply(x, 2), np.multiply(x, 3)), [np.array([1, -1])], [np.array([1, 1])])
    expect(dy.toArray()).toEqual([2, 3])
  })
  it("clip bounds values on either side", () => {
    expect(np.clip([[-1, 0.5, 2]], 0, 1).toArray()).toEqual([[0, 0.5, 1]])
    expect(np.clip([-1, 2], null, 1).toArray()).toEqual([-1, 1])
    expect(np.clip([-1, 2], 0).toArray()).toEqual([0, 2])
    expect(np.clip([0, 5], [1, 2], [3, 4]).toArray()).toEqual([1, 4])
    expect(np.clip(i32([-5, 5]), 0, 3).dtype).toBe("int32")
    expect(np.clip(f32([5]), 0, 3).dtype).toBe("float32")
  })
})

describe("elementwise errors", () => {
  it("name the function, both shapes and the dtypes when shapes do not broadcast", () => {
    throwsTagged(() => np.add(np.ones([2, 3]), np.ones([4])), "ShapeError", "np.add", "[2,3]", "[4]", "f64[2,3]", "f64[4]")
    throwsTagged(() => np.multiply([[1, 2]], [1, 2, 3]), "ShapeError", "np.multiply")
    throwsTagged(() => np.where([true, false], [1, 2, 3], 0), "ShapeError", "np.where")
    throwsTagged(() => np.less(f32([1, 2]), [1, 2, 3]), "ShapeError", "np.less", "f32[2]")
    throwsTagged(() => np.clip([1, 2], [0, 0, 0], 1), "ShapeError", "np.clip")
  })
  it("reject ragged inputs and non-array leaves with the function's name", () => {
    throwsTagged(() => np.add([[1], [1, 2]], 1), "ShapeError", "np.add", "ragged")
    throwsTagged(() => np.sin("x" as never), "InvalidArgumentError", "np.sin", "string")
    throwsTagged(() => np.add([1, undefined] as never, 1), "InvalidArgumentError", "np.add")
  })
  it("reject a one-argument where and fractional decimals", () => {
    throwsTagged(() => (np.where as (c: unknown) => unknown)([true]), "InvalidArgumentError", "np.where")
    throwsTagged(() => np.round([1], 0.5), "InvalidArgumentError", "np.round")
  })
})
