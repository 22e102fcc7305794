// Native JS control flow under the transforms: outside jit, tracers carry their values, so
// `if (x.item() > 0)` (or `if (x > 0)`, through Symbol.toPrimitive) and loops take a path and
// the derivative is that path's derivative, to any order and in every mode.

import { describe, expect, it } from "vitest"
import { type WArray, grad, hessian, jacrev, jvp, np, vjp } from "wengert"

// sin on the positive side, x³ on the other
const piecewise = (x: WArray) => (x.item() > 0 ? np.sin(x) : np.power(x, 3))
// the same branch written with the implicit number conversion
const implicit = (x: WArray) => ((x as unknown as number) > 0 ? np.sin(x) : np.power(x, 3))

describe("a branch on x.item()", () => {
  it("differentiates the positive side as sin", () => {
    for (const x of [0.2, 1, 2.5]) expect(grad(piecewise)(x).item()).toBeCloseTo(Math.cos(x), 14)
  })

  it("differentiates the other side as x³", () => {
    for (const x of [-0.2, -1, -2.5, 0]) expect(grad(piecewise)(x).item()).toBeCloseTo(3 * x * x, 14)
  })

  it("gives the same through Symbol.toPrimitive", () => {
    expect(grad(implicit)(0.7).item()).toBeCloseTo(Math.cos(0.7), 14)
    expect(grad(implicit)(-0.7).item()).toBeCloseTo(3 * 0.49, 14)
  })

  it("gives the path's second and third derivatives", () => {
    expect(grad(grad(piecewise))(0.5).item()).toBeCloseTo(-Math.sin(0.5), 14)
    expect(grad(grad(piecewise))(-0.5).item()).toBeCloseTo(-3, 14)
    expect(grad(grad(grad(piecewise)))(-0.5).item()).toBeCloseTo(6, 14)
    expect(grad(grad(grad(piecewise)))(0.5).item()).toBeCloseTo(-Math.cos(0.5), 14)
  })

  it("agrees in forward and reverse mode", () => {
    for (const x of [-1.3, 0.8]) {
      const [, t] = jvp(piecewise, [x], [1])
      const [, pb] = vjp(piecewise, x)
      expect(t.item()).toBeCloseTo(pb(1)[0].item(), 14)
    }
  })
})

describe("branches and loops on array values", () => {
  it("follow the path taken per call under jacrev", () => {
    // clip each coordinate's contribution: only positive entries are squared
    const f = (v: WArray) => {
      const parts: WArray[] = []
      for (let i = 0; i < v.shape[0]!; i++) {
        const vi = v.at(i)
        parts.push(vi.item() > 0 ? np.square(vi) : np.multiply(vi, 0))
      }
      return np.stack(parts)
    }
    const J = jacrev(f)(np.array([1.5, -2, 0.5])).toArray()
    expect(J).toEqual([[3, 0, 0], [0, 0, 0], [0, 0, 1]])
  })

  it("unroll a data-dependent while loop (Newton's method for √a) and differentiate through it", () => {
    // the iterations run until converged; the derivative of the result is d√a/da = 1/(2√a)
    const sqrtNewton = (a: WArray) => {
      let x = np.array(1)
      for (let k = 0; k < 100 && Math.abs(np.subtract(np.square(x), a).item()) > 1e-15; k++) x = np.multiply(0.5, np.add(x, np.divide(a, x)))
      return x
    }
    expect(grad(sqrtNewton)(2).item()).toBeCloseTo(1 / (2 * Math.SQRT2), 12)
    expect(hessian(sqrtNewton)(np.array(4)).item()).toBeCloseTo(-1 / (4 * 8), 10)
  })
})
