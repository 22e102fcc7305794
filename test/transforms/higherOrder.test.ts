// Derivatives of order three against closed forms: sin, exp(x)·x², and the negative
// log-likelihood of a Gaussian in (mean, sigma), by nested grad and by nested Jacobians.

import { describe, expect, it } from "vitest"
import { type WArray, grad, hessian, jacfwd, jacrev, np } from "wengert"

const close = (got: number, want: number, rtol = 1e-12) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(want)))
const xs = [-2.1, -0.4, 0, 0.3, 1.7]

describe("third derivatives", () => {
  it("of sin are -cos", () => {
    const d3 = grad(grad(grad(np.sin)))
    for (const x of xs) close(d3(x).item(), -Math.cos(x))
  })

  it("of exp(x)·x² are exp(x)(x² + 6x + 6)", () => {
    const f = (x: WArray) => np.multiply(np.exp(x), np.square(x))
    const d1 = grad(f), d2 = grad(d1), d3 = grad(d2)
    for (const x of xs) {
      close(d1(x).item(), Math.exp(x) * (x * x + 2 * x))
      close(d2(x).item(), Math.exp(x) * (x * x + 4 * x + 2))
      close(d3(x).item(), Math.exp(x) * (x * x + 6 * x + 6))
    }
  })

  it("of a Gaussian negative log-likelihood in (mean, sigma) match the closed forms", () => {
    const data = [0.3, -1.2, 2.5, 0.9, 1.1]
    const n = data.length, d = np.array(data)
    // L(μ, σ) = Σ log σ + (x − μ)² / 2σ² + n/2 log 2π
    const nll = (mu: WArray, sigma: WArray) =>
      np.add(np.sum(np.add(np.log(sigma), np.divide(np.square(np.subtract(d, mu)), np.multiply(2, np.square(sigma))))), (n / 2) * Math.log(2 * Math.PI))
    const mu = 0.4, s = 1.3
    const r = data.map((x) => x - mu), S1 = r.reduce((a, b) => a + b, 0), S2 = r.reduce((a, b) => a + b * b, 0)
    const at = (f: (m: WArray, v: WArray) => WArray) => f(np.array(mu), np.array(s)).item()
    const g = (f: (m: WArray, v: WArray) => WArray, k: 0 | 1) => grad(f, { argnums: k })
    close(at(g(g(g(nll, 0), 0), 0)), 0) // ∂³/∂μ³
    close(at(g(g(g(nll, 0), 0), 1)), -2 * n / s ** 3) // ∂³/∂μ²∂σ
    close(at(g(g(g(nll, 0), 1), 1)), -6 * S1 / s ** 4) // ∂³/∂μ∂σ²
    close(at(g(g(g(nll, 1), 1), 1)), 2 * n / s ** 3 - 12 * S2 / s ** 5) // ∂³/∂σ³
    // the same tensor by Jacobians of the Hessian, over θ = (μ, σ)
    const theta = (f: (m: WArray, v: WArray) => WArray) => (t: WArray) => f(t.at(0), t.at(1))
    const T = jacfwd(hessian(theta(nll)))(np.array([mu, s])).toArray() as number[][][]
    const want = [[[0, -2 * n / s ** 3], [-2 * n / s ** 3, -6 * S1 / s ** 4]], [[-2 * n / s ** 3, -6 * S1 / s ** 4], [-6 * S1 / s ** 4, 2 * n / s ** 3 - 12 * S2 / s ** 5]]]
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) close(T[i]![j]![k]!, want[i]![j]![k]!, 1e-11)
    const R = jacrev(jacrev(jacrev(theta(nll))))(np.array([mu, s])).toArray() as number[][][]
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) close(R[i]![j]![k]!, want[i]![j]![k]!, 1e-11)
  })
})

describe("grad of grad of grad", () => {
  it("differentiates a polynomial down to its constant third derivative", () => {
    // f = x⁴/24 − x³ + 2x: f''' = x − 6
    const f = (x: WArray) => np.add(np.subtract(np.divide(np.power(x, 4), 24), np.power(x, 3)), np.multiply(2, x))
    for (const x of xs) close(grad(grad(grad(f)))(x).item(), x - 6)
  })

  it("works through vector functions reduced to scalars at each level", () => {
    // g(v) = Σ vᵢ sin vᵢ is separable, so grad(Σ grad(Σ grad g)) is the diagonal third derivative
    const x = np.array([0.2, -0.7, 1.1])
    const g = (v: WArray) => np.sum(np.multiply(np.sin(v), v))
    const d3 = grad((v: WArray) => np.sum(grad((w: WArray) => np.sum(grad(g)(w)))(v)))(x).toArray() as number[]
    // ∂³g/∂vᵢ³ = −3 sin vᵢ − vᵢ cos vᵢ
    const want = [0.2, -0.7, 1.1].map((v) => -3 * Math.sin(v) - v * Math.cos(v))
    want.forEach((w, i) => close(d3[i]!, w))
  })
})
