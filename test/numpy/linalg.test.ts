import { describe, it, expect } from "vitest"
import * as np from "../../src/numpy/index.js"
import { jvp } from "../../src/transforms/jvp.js"
import { close, throwsTagged } from "./helpers.js"

const A = [[1, 2], [3, 4]]
const B = [[5, 6], [7, 8]]

/** Reference matmul on nested JS arrays. */
const mm = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)))

describe("np.dot", () => {
  it("is a product for scalars, inner for vectors, matmul for matrices", () => {
    expect(np.dot(2, [1, 2]).toArray()).toEqual([2, 4])
    expect(np.dot([1, 2], [3, 4]).item()).toBe(11)
    expect(np.dot(A, B).toArray()).toEqual(mm(A, B))
    expect(np.dot([1, 1], A).toArray()).toEqual([4, 6])
    expect(np.dot(A, [1, 1]).toArray()).toEqual([3, 7])
  })
  it("sums over the last axis of x and the second-to-last of y for N-d", () => {
    const x = np.ones([2, 3, 4]), y = np.ones([5, 4, 6])
    const r = np.dot(x, y)
    expect(r.shape).toEqual([2, 3, 5, 6])
    expect(np.max(r).item()).toBe(4)
  })
  it("promotes dtypes and handles empty contractions", () => {
    expect(np.dot(np.array([1, 2], "int32"), np.array([1, 2], "int32")).dtype).toBe("int32")
    expect(np.dot(np.array([1], "float32"), [2]).dtype).toBe("float64")
    expect(np.dot(np.zeros([2, 0]), np.zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]])
  })
  it("rejects mismatched contractions", () => {
    throwsTagged(() => np.dot([1, 2], [1, 2, 3]), "ShapeError", "np.dot", "f64[2]", "f64[3]", "2 ≠ 3")
  })
})

describe("np.matmul", () => {
  it("multiplies matrices and vectors with numpy's 1-d rules", () => {
    expect(np.matmul(A, B).toArray()).toEqual(mm(A, B))
    expect(np.matmul([1, 2], [3, 4]).item()).toBe(11)
    expect(np.matmul([1, 1], A).toArray()).toEqual([4, 6])
    expect(np.matmul(A, [1, 1]).toArray()).toEqual([3, 7])
    expect(np.matmul(np.zeros([3, 0]), np.zeros([0, 2])).shape).toEqual([3, 2])
  })
  it("batches leading axes and broadcasts them", () => {
    const x = np.stack([A, B]) // [2,2,2]
    expect(np.matmul(x, A).toArray()).toEqual([mm(A, A), mm(B, A)])
    expect(np.matmul(A, x).toArray()).toEqual([mm(A, A), mm(A, B)])
    expect(np.matmul(x, x).toArray()).toEqual([mm(A, A), mm(B, B)])
    expect(np.matmul(np.ones([3, 1, 2, 4]), np.ones([5, 4, 6])).shape).toEqual([3, 5, 2, 6])
    expect(np.matmul([1, 1], x).toArray()).toEqual([[4, 6], [12, 14]])
    expect(np.matmul(x, [1, 0]).toArray()).toEqual([[1, 3], [5, 7]])
    const y = np.reshape(np.arange(12), [3, 2, 2])
    const batched = np.matmul(np.expandDims(y, 1), np.expandDims(y, 0)) // [3,3,2,2]
    expect(batched.shape).toEqual([3, 3, 2, 2])
    const y0 = (y.toArray() as number[][][])
    expect(np.take(np.take(batched, [2], 0), [1], 1).toArray()).toEqual([[mm(y0[2]!, y0[1]!)]])
  })
  it("keeps float32 and int32", () => {
    expect(np.matmul(np.ones([2, 2], "float32"), np.ones([2, 2], "float32")).dtype).toBe("float32")
    expect(np.matmul(np.ones([2, 2], "int32"), np.ones([2], "int32")).dtype).toBe("int32")
  })
  it("has the product rule as its derivative", () => {
    const [, dy] = jvp((x: np.Array) => np.matmul(x, x), [np.array(A)], [np.eye(2)])
    expect(dy.toArray()).toEqual([[2, 4], [6, 8]]) // dX·X + X·dX = 2X for dX = I
    const [, de] = jvp((x: np.Array) => np.matmul(x, x), [np.array(A)], [np.array([[0, 1], [0, 0]])])
    expect(de.toArray()).toEqual([[3, 5], [0, 3]])
  })
  it("names the inner dimensions that differ", () => {
    const e = throwsTagged(() => np.matmul(np.ones([3, 4]), np.ones([5, 2])), "ShapeError", "np.matmul", "f64[3,4] @ f64[5,2] (4 ≠ 5)", "Transpose or reshape one")
    expect((e as unknown as { shapes: number[][] }).shapes).toEqual([[3, 4], [5, 2]])
    throwsTagged(() => np.matmul([1, 2], [1, 2, 3]), "ShapeError", "np.matmul", "2 ≠ 3")
  })
  it("rejects 0-d operands and batch dims that do not broadcast", () => {
    throwsTagged(() => np.matmul(2, [1]), "ShapeError", "np.matmul", "rank ≥ 1")
    throwsTagged(() => np.matmul(np.ones([2, 1, 2]), np.ones([3, 2, 1])), "ShapeError", "np.matmul", "Batch", "[2]", "[3]")
  })
})

describe("np.outer", () => {
  it("multiplies every pair, flattening inputs", () => {
    expect(np.outer([1, 2], [3, 4, 5]).toArray()).toEqual([[3, 4, 5], [6, 8, 10]])
    expect(np.outer(A, [1]).shape).toEqual([4, 1])
    expect(np.outer(2, 3).toArray()).toEqual([[6]])
    expect(np.outer([], [1]).shape).toEqual([0, 1])
  })
})

describe("np.einsum", () => {
  it("matches matmul, transpose, traces of products, sums and outer products", () => {
    expect(np.einsum("ij,jk->ik", A, B).toArray()).toEqual(mm(A, B))
    expect(np.einsum("ij,jk", A, B).toArray()).toEqual(mm(A, B))
    expect(np.einsum("ij->ji", A).toArray()).toEqual([[1, 3], [2, 4]])
    expect(np.einsum("ji", A).toArray()).toEqual([[1, 3], [2, 4]])
    expect(np.einsum("ij->", A).item()).toBe(10)
    expect(np.einsum("ij->j", A).toArray()).toEqual([4, 6])
    expect(np.einsum("ij,ji->", A, B).item()).toBe(5 + 14 + 18 + 32)
    expect(np.einsum("i,j->ij", [1, 2], [3, 4]).toArray()).toEqual([[3, 4], [6, 8]])
    expect(np.einsum("i,i->i", [1, 2], [3, 4]).toArray()).toEqual([3, 8])
    expect(np.einsum("", 3).item()).toBe(3)
  })
  it("handles batch dims and three operands", () => {
    const x = np.stack([A, B])
    expect(np.einsum("bij,bjk->bik", x, x).toArray()).toEqual([mm(A, A), mm(B, B)])
    expect(np.einsum("bij,jk->bki", x, A).toArray()).toEqual([mm(A, A), mm(B, A)].map((m) => [[m[0]![0], m[1]![0]], [m[0]![1], m[1]![1]]]))
    expect(np.einsum("ij,jk,kl->il", A, B, A).toArray()).toEqual(mm(mm(A, B), A))
    expect(np.einsum("i,ij,j->", [1, 1], A, [1, 0]).item()).toBe(4)
    expect(np.einsum("ab,cd->", A, B).item()).toBe(10 * 26)
  })
  it("promotes dtypes", () => {
    expect(np.einsum("i,i", np.array([1], "int32"), [2.5]).dtype).toBe("float64")
  })
  it("rejects bad subscripts, ranks and sizes, and says traces are unsupported", () => {
    throwsTagged(() => np.einsum("ij,jk->ik", A, [1, 2]), "ShapeError", "np.einsum", "f64[2]")
    throwsTagged(() => np.einsum("ij,jk->ik", A, np.ones([3, 2])), "ShapeError", "np.einsum", "label 'j'")
    throwsTagged(() => np.einsum("ii->", A), "InvalidArgumentError", "np.einsum", "trace")
    throwsTagged(() => np.einsum("...ij->ij", A), "InvalidArgumentError", "np.einsum", "ellipsis")
    throwsTagged(() => np.einsum("ij->k", A), "InvalidArgumentError", "np.einsum", "'k'")
    throwsTagged(() => np.einsum("ij->ii", A), "InvalidArgumentError", "np.einsum", "repeats")
    throwsTagged(() => np.einsum("ij,jk", A), "InvalidArgumentError", "np.einsum", "2 operand")
    throwsTagged(() => np.einsum("i1", A), "InvalidArgumentError", "np.einsum")
    throwsTagged(() => np.einsum("i"), "InvalidArgumentError", "np.einsum")
  })
})

describe("np.linalg.norm", () => {
  it("is the 2-norm of vectors and Frobenius of matrices by default", () => {
    expect(np.linalg.norm([3, 4]).item()).toBe(5)
    close(np.linalg.norm(A).item(), Math.sqrt(30))
    close(np.linalg.norm(np.ones([2, 2, 2])).item(), Math.sqrt(8))
    expect(np.linalg.norm(-2).item()).toBe(2)
    expect(np.linalg.norm([]).item()).toBe(0)
  })
  it("takes vector ords", () => {
    const v = [3, -4, 0]
    expect(np.linalg.norm(v, { ord: 1 }).item()).toBe(7)
    expect(np.linalg.norm(v, { ord: Infinity }).item()).toBe(4)
    expect(np.linalg.norm(v, { ord: -Infinity }).item()).toBe(0)
    expect(np.linalg.norm(v, { ord: 0 }).item()).toBe(2)
    close(np.linalg.norm(v, { ord: 3 }).item(), Math.cbrt(27 + 64))
    expect(np.linalg.norm(v, { ord: 2 }).item()).toBe(5)
  })
  it("takes matrix ords", () => {
    const m = [[1, -2], [3, 4]]
    expect(np.linalg.norm(m, { ord: 1 }).item()).toBe(6)
    expect(np.linalg.norm(m, { ord: -1 }).item()).toBe(4)
    expect(np.linalg.norm(m, { ord: Infinity }).item()).toBe(7)
    expect(np.linalg.norm(m, { ord: -Infinity }).item()).toBe(3)
    close(np.linalg.norm(m, { ord: "fro" }).item(), Math.sqrt(30))
  })
  it("reduces over given axes, with keepdims", () => {
    expect(np.linalg.norm([[3, 4], [6, 8]], { axis: 1 }).toArray()).toEqual([5, 10])
    expect(np.linalg.norm([[3, 4], [6, 8]], { axis: 0, ord: 1 }).toArray()).toEqual([9, 12])
    expect(np.linalg.norm([[3, 4], [6, 8]], { axis: -1, keepdims: true }).toArray()).toEqual([[5], [10]])
    const s = np.stack([A, B])
    expect(np.linalg.norm(s, { axis: [1, 2], ord: 1 }).toArray()).toEqual([6, 14])
    expect(np.linalg.norm(s, { axis: [2, 1], ord: 1 }).toArray()).toEqual([7, 15])
    expect(np.linalg.norm(np.ones([2, 3], "float32"), { axis: 1 }).dtype).toBe("float32")
  })
  it("has a zero (not NaN) derivative at the zero vector, and x/|x| elsewhere", () => {
    const [, d0] = jvp((x: np.Array) => np.linalg.norm(x), [np.zeros([2])], [np.array([1, 1])])
    expect(d0.item()).toBe(0)
    const [, d1] = jvp((x: np.Array) => np.linalg.norm(x), [np.array([3, 4])], [np.array([1, 0])])
    close(d1.item(), 0.6)
    const [, d2] = jvp((x: np.Array) => np.linalg.norm(x, { axis: 1 }), [np.array([[0, 0], [3, 4]])], [np.ones([2, 2])])
    close(d2.toArray(), [0, 1.4])
  })
  it("rejects unsupported ords and bad axes", () => {
    throwsTagged(() => np.linalg.norm(A, { ord: 2 }), "InvalidArgumentError", "np.linalg.norm", "singular values")
    throwsTagged(() => np.linalg.norm([1, 2], { ord: "fro" }), "InvalidArgumentError", "np.linalg.norm")
    throwsTagged(() => np.linalg.norm(np.ones([2, 2, 2]), { ord: 1 }), "InvalidArgumentError", "np.linalg.norm", "f64[2,2,2]")
    throwsTagged(() => np.linalg.norm(A, { axis: 2 }), "InvalidArgumentError", "np.linalg.norm", "axis 2")
    throwsTagged(() => np.linalg.norm(A, { axis: [0, 0] }), "InvalidArgumentError", "np.linalg.norm")
  })
})

describe("np.linalg (from the linear-algebra primitives)", () => {
  it("exposes solve, inv, det, slogdet and cholesky", () => {
    close(np.linalg.solve(A, [5, 11]).toArray(), [1, 2])
    close(np.linalg.inv(A).toArray(), [[-2, 1], [1.5, -0.5]])
    close(np.linalg.det(A).item(), -2)
    close(np.linalg.cholesky([[4, 2], [2, 2]]).toArray(), [[2, 0], [1, 1]])
    expect(np.linalg.slogdet(A).length).toBe(2)
  })
})
