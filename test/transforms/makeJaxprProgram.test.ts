// makeJaxpr of a ten-line function: the printed program is exactly what the function does, and
// evaluating it gives the function's values bit for bit.

import { describe, expect, it } from "vitest"
import { type WArray, evalJaxpr, makeJaxpr, np } from "wengert"

// a Gaussian negative log-likelihood of residuals, centred and scaled
function nll(x: WArray, mu: WArray): WArray {
  const centred = np.subtract(x, np.mean(x))
  const r = np.subtract(centred, mu)
  const z = np.divide(r, 0.5)
  const sq = np.square(z)
  const total = np.sum(sq)
  const norm = np.multiply(x.shape[0]!, Math.log(0.5))
  return np.add(np.multiply(0.5, total), norm)
}

describe("makeJaxpr of a ten-line function", () => {
  const x = np.array([0.3, -1.2, 2.5, 0.7]), mu = np.array(0.1)

  it("prints the program the function describes", () => {
    expect(String(makeJaxpr(nll)(x, mu))).toMatchInlineSnapshot(`
      "{ lambda ; a:f64[4] b:f64[]. let
          c:f64[] = reduce_sum[axes=(0,)] a
          d:f64[] = div c 4.0
          e:f64[4] = sub a d
          f:f64[4] = sub e b
          g:f64[4] = div f 0.5
          h:f64[4] = integer_pow[y=2] g
          i:f64[] = reduce_sum[axes=(0,)] h
          j:f64[] = mul 4.0 -0.6931471805599453
          k:f64[] = mul 0.5 i
          l:f64[] = add k j
        in (l,) }"
    `)
  })

  it("evaluates to the function's value bit for bit", () => {
    const got = (evalJaxpr(makeJaxpr(nll)(x, mu), x, mu) as WArray[])[0]!.item()
    expect(Object.is(got, nll(x, mu).item())).toBe(true)
    // and to the closed form Σ((xᵢ − x̄ − μ)/σ)²/2 + n log σ, computed independently
    const xs = [0.3, -1.2, 2.5, 0.7], m = xs.reduce((a, b) => a + b) / 4
    const want = 0.5 * xs.reduce((a, v) => a + ((v - m - 0.1) / 0.5) ** 2, 0) + 4 * Math.log(0.5)
    expect(Math.abs(got - want)).toBeLessThan(1e-14 * Math.abs(want))
  })
})
