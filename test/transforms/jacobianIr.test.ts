// Jacobians are one batched pass, not a loop over basis vectors: the traced program of
// jacfwd(f) / jacrev(f) has the same number of equations for inputs of size 3 and 30.

import { describe, expect, it } from "vitest"
import { type WArray, hessian, jacfwd, jacrev, makeJaxpr, np } from "wengert"

const f = (x: WArray) => np.multiply(np.sin(x), np.sum(np.exp(x)))
const eqns = (jac: (g: typeof f) => (x: WArray) => unknown, n: number) => makeJaxpr(jac(f))(np.ones([n])).jaxpr.eqns.length

describe("Jacobians in the IR", () => {
  for (const [name, jac] of [["jacfwd", jacfwd], ["jacrev", jacrev], ["hessian", hessian]] as const)
    it(`${name} traces to a program whose size does not grow with the input`, () => {
      const small = eqns(jac as never, 3), large = eqns(jac as never, 30)
      expect(small).toBeGreaterThan(0)
      expect(large).toBe(small)
    })

  it("jacfwd's program carries the basis as one batched tangent", () => {
    const text = makeJaxpr(jacfwd(f))(np.ones([30])).toString()
    expect(text).toContain("f64[30,30]")
    expect((text.match(/ sin /g) ?? []).length).toBe(1)
  })
})
