// Derivatives at kinks and singular points follow JAX's conventions: d|x| = 0 at 0, a tie of
// maximum/minimum splits the derivative in halves, a reduced max splits it evenly among the
// tied entries, and d√x at 0 is +inf.

import { describe, expect, it } from "vitest"
import { type WArray, grad, jacfwd, jacrev, jvp, np } from "wengert"

describe("JAX conventions at kinks", () => {
  it("grad of abs at 0 is 0", () => {
    expect(grad(np.abs)(0).item()).toBe(0)
    expect(jvp(np.abs, [0], [1])[1].item()).toBe(0)
    expect(grad(np.abs)(-0.5).item()).toBe(-1)
  })

  it("grad of maximum at a tie is 0.5 to each operand", () => {
    const [gx, gy] = grad((x: WArray, y: WArray) => np.maximum(x, y), { argnums: [0, 1] })(1.5, 1.5) as WArray[]
    expect([gx!.item(), gy!.item()]).toEqual([0.5, 0.5])
    const [hx, hy] = grad((x: WArray, y: WArray) => np.minimum(x, y), { argnums: [0, 1] })(-2, -2) as WArray[]
    expect([hx!.item(), hy!.item()]).toEqual([0.5, 0.5])
  })

  it("splits the same way in forward mode and in Jacobians", () => {
    expect(jvp((x: WArray) => np.maximum(x, 1), [1], [1])[1].item()).toBe(0.5)
    const f = (v: WArray) => np.maximum(v, np.array([0, 2, 5]))
    for (const jac of [jacfwd, jacrev]) expect(jac(f)(np.array([0, 1, 5])).toArray()).toEqual([[0.5, 0, 0], [0, 0, 0], [0, 0, 0.5]])
  })

  it("grad of a reduced max splits evenly among tied entries", () => {
    expect(grad((v: WArray) => np.max(v))(np.array([1, 3, 3, 2])).toArray()).toEqual([0, 0.5, 0.5, 0])
    expect(grad((v: WArray) => np.min(v))(np.array([0, 0, 0])).toArray()).toEqual([1 / 3, 1 / 3, 1 / 3])
  })

  it("grad of sqrt at 0 is +inf", () => {
    expect(grad(np.sqrt)(0).item()).toBe(Infinity)
    expect(jvp(np.sqrt, [0], [1])[1].item()).toBe(Infinity)
  })
})
