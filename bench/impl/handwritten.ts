// The reference: plain Float64Array loops with gradients derived by hand (reverse mode,
// written out), checked against central differences in bench/check.ts. Buffers are
// allocated once per setup, as a hand-tuned kernel would; each call returns a fresh result.
import {
  SCAN, W1, W2, W5, costData, costSize, scanData, w1Target, w2Data, w3Data, w4Data, w5Data,
  type Runner, type Setup,
} from "../workloads.js"

/** W1 loss gradient w.r.t. [k, c, a]: forward sweep storing the trajectory, then the adjoint sweep. */
export function w1Grad([k, c, a]: readonly number[], target: Float64Array): Float64Array {
  const { N, dt } = W1
  const xs = new Float64Array(N + 1), vs = new Float64Array(N + 1)
  xs[0] = W1.x0; vs[0] = W1.v0
  for (let t = 0; t < N; t++) {
    const x = xs[t]!, v = vs[t]! + dt * (-k * xs[t]! - c * vs[t]! - a * x * x * x)
    vs[t + 1] = v; xs[t + 1] = x + dt * v
  }
  // xb, vb: adjoints of x_{t+1}, v_{t+1} from everything after step t.
  let xb = 0, vb = 0, kb = 0, cb = 0, ab = 0
  for (let t = N - 1; t >= 0; t--) {
    xb += 2 * (xs[t + 1]! - target[t]!) // loss term of x_{t+1}
    vb += dt * xb //                      x_{t+1} = x_t + dt v_{t+1}
    const x = xs[t]!, g = vb * dt //      v_{t+1} = v_t + dt (-k x_t - c v_t - a x_t^3)
    kb -= g * x; cb -= g * vs[t]!; ab -= g * x * x * x
    xb += g * (-k - 3 * a * x * x)
    vb *= 1 - dt * c
  }
  return Float64Array.of(kb, cb, ab)
}

/**
 * SCAN: d sum(x_N^2) / dp. The forward sweep stores every state (N+1 rows of n in `xs`, a
 * buffer owned by the caller), then the adjoint sweep walks back through them:
 * x_{t+1} = x_t + dt (p sin x_t - decay x_t) gives pb += xb dt sin x_t and
 * xb <- xb (1 + dt (p cos x_t - decay)).
 */
export function scanGrad(x0: Float64Array, p: Float64Array, xs: Float64Array): Float64Array {
  const { N, n, dt, decay } = SCAN
  xs.set(x0)
  for (let t = 0; t < N; t++) {
    const o = t * n
    for (let i = 0; i < n; i++) {
      const x = xs[o + i]!
      xs[o + n + i] = x + dt * (p[i]! * Math.sin(x) - decay * x)
    }
  }
  const xb = new Float64Array(n), pb = new Float64Array(n)
  for (let i = 0; i < n; i++) xb[i] = 2 * xs[N * n + i]!
  for (let t = N - 1; t >= 0; t--) {
    const o = t * n
    for (let i = 0; i < n; i++) {
      const x = xs[o + i]!, b = xb[i]!
      pb[i] += b * dt * Math.sin(x)
      xb[i] = b * (1 + dt * (p[i]! * Math.cos(x) - decay))
    }
  }
  return pb
}

/** W2: forward and backward passes of the tanh MLP, MSE loss. */
function mlp(): Runner {
  const { x, y, params } = w2Data()
  const [d0, d1, d2] = W2.sizes as [number, number, number, number]
  const B = W2.batch
  const [w1, b1, w2, b2, w3, b3] = params as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  const h1 = new Float64Array(B * d1), h2 = new Float64Array(B * d2), out = new Float64Array(B)
  const dz2 = new Float64Array(B * d2), dz1 = new Float64Array(B * d1)
  // h = tanh(inp @ w + b), inp [B, n], w [n, m]
  const layer = (inp: Float64Array, n: number, w: Float64Array, b: Float64Array, m: number, h: Float64Array) => {
    for (let i = 0; i < B; i++) {
      const row = i * m
      for (let j = 0; j < m; j++) h[row + j] = b[j]!
      for (let p = 0; p < n; p++) {
        const s = inp[i * n + p]!, wr = p * m
        for (let j = 0; j < m; j++) h[row + j] += s * w[wr + j]!
      }
      for (let j = 0; j < m; j++) h[row + j] = Math.tanh(h[row + j]!)
    }
  }
  // dw = inp^T @ dz, db = sum over the batch of dz
  const back = (inp: Float64Array, n: number, dz: Float64Array, m: number, dw: Float64Array, db: Float64Array) => {
    for (let i = 0; i < B; i++)
      for (let p = 0; p < n; p++) {
        const s = inp[i * n + p]!, wr = p * m
        for (let j = 0; j < m; j++) dw[wr + j] += s * dz[i * m + j]!
      }
    for (let i = 0; i < B; i++) for (let j = 0; j < m; j++) db[j] += dz[i * m + j]!
  }
  // dz_prev = (dz @ w^T) * (1 - h^2), back through the previous layer's tanh
  const backInput = (h: Float64Array, n: number, w: Float64Array, dz: Float64Array, m: number, dh: Float64Array) => {
    for (let i = 0; i < B; i++)
      for (let p = 0; p < n; p++) {
        let s = 0
        for (let j = 0; j < m; j++) s += dz[i * m + j]! * w[p * m + j]!
        const hv = h[i * n + p]!
        dh[i * n + p] = s * (1 - hv * hv)
      }
  }
  const sizes = params.map((p) => p.length)
  const offs = sizes.map((_, i) => sizes.slice(0, i).reduce((p, q) => p + q, 0))
  const total = sizes.reduce((p, q) => p + q, 0)
  return {
    note: "f64, loops",
    grad() {
      layer(x, d0, w1, b1, d1, h1)
      layer(h1, d1, w2, b2, d2, h2)
      const flat = new Float64Array(total)
      const g = sizes.map((n, i) => flat.subarray(offs[i]!, offs[i]! + n))
      for (let i = 0; i < B; i++) {
        let s = b3[0]!
        for (let p = 0; p < d2; p++) s += h2[i * d2 + p]! * w3[p]!
        out[i] = (2 * (s - y[i]!)) / B // d mean((out - y)^2) / d out
      }
      back(h2, d2, out, 1, g[4]!, g[5]!)
      backInput(h2, d2, w3, out, 1, dz2)
      back(h1, d1, dz2, d2, g[2]!, g[3]!)
      backInput(h1, d1, w2, dz2, d2, dz1)
      back(x, d0, dz1, d1, g[0]!, g[1]!)
      return flat
    },
  }
}

/** W4 building block: H(x) v for Rosenbrock, the directional derivative of the gradient. */
export function rosenHvp(x: Float64Array, v: Float64Array, out: Float64Array): void {
  const n = x.length
  out.fill(0)
  for (let i = 0; i < n - 1; i++) {
    // g_i += -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i);  g_{i+1} += 200 (x_{i+1} - x_i^2)
    const xi = x[i]!, d = x[i + 1]! - xi * xi, dv = v[i + 1]! - 2 * xi * v[i]!
    out[i] += -400 * (v[i]! * d + xi * dv) + 2 * v[i]!
    out[i + 1] += 200 * dv
  }
}

export function rosenGrad(x: Float64Array): Float64Array {
  const n = x.length, g = new Float64Array(n)
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i]!, d = x[i + 1]! - xi * xi
    g[i] += -400 * xi * d - 2 * (1 - xi)
    g[i + 1] += 200 * d
  }
  return g
}

export const setup: Setup = async (w) => {
  if (w === "W1") {
    const target = w1Target()
    return { note: "f64, adjoint loop", grad: () => w1Grad(W1.at, target) }
  }
  if (w === "W2") return mlp()
  if (w === "W3") {
    const x = w3Data()
    return {
      note: "f64, loop",
      grad() {
        // d/dx [sin x e^{-x^2} + log1p(x^2)] = (cos x - 2x sin x) e^{-x^2} + 2x / (1 + x^2)
        const g = new Float64Array(x.length)
        for (let i = 0; i < x.length; i++) {
          const xi = x[i]!, e = Math.exp(-xi * xi)
          g[i] = (Math.cos(xi) - 2 * xi * Math.sin(xi)) * e + (2 * xi) / (1 + xi * xi)
        }
        return g
      },
    }
  }
  if (w === "W4") {
    const x = w4Data(), n = x.length, e = new Float64Array(n), col = new Float64Array(n)
    return {
      note: "f64, 100 HVPs e_i",
      grad() {
        const h = new Float64Array(n * n)
        for (let j = 0; j < n; j++) {
          e.fill(0); e[j] = 1
          rosenHvp(x, e, col)
          for (let i = 0; i < n; i++) h[i * n + j] = col[i]!
        }
        return h
      },
    }
  }
  if (w === "W5") {
    const { x, y, w: wt } = w5Data(), { n, d } = W5
    return {
      note: "f64, (σ(z)-y)x",
      grad() {
        const g = new Float64Array(n * d)
        for (let i = 0; i < n; i++) {
          let z = 0
          for (let j = 0; j < d; j++) z += x[i * d + j]! * wt[j]!
          const r = 1 / (1 + Math.exp(-z)) - y[i]! // d/dz [softplus(z) - y z]
          for (let j = 0; j < d; j++) g[i * d + j] = r * x[i * d + j]!
        }
        return g
      },
    }
  }
  if (w === "SCAN") {
    const { x0, p } = scanData(), xs = new Float64Array((SCAN.N + 1) * SCAN.n)
    return { note: "f64, stored states + adjoint loop", grad: () => scanGrad(x0, p, xs) }
  }
  if (w.startsWith("COST-")) {
    const x = costData(costSize(w))
    return {
      note: "f64, loop",
      forward() {
        let s = 0
        for (let i = 0; i < x.length; i++) s += Math.sin(x[i]!) * x[i]! + (x[i]! * x[i]!) / 2
        return s
      },
      grad() {
        const g = new Float64Array(x.length)
        for (let i = 0; i < x.length; i++) g[i] = Math.cos(x[i]!) * x[i]! + Math.sin(x[i]!) + x[i]!
        return g
      },
    }
  }
  throw new Error(`unknown workload ${w}`)
}
