// @tensorflow/tfjs 4.22 on its pure-JS "cpu" backend. tfjs has float32 tensors only, so
// inputs are rounded to float32 and the error column shows what that costs. It has no jit,
// no forward mode and no vmap: gradients are eager tapes, the Hessian is reverse-over-reverse
// and per-example gradients use the tiled-weights trick (one row of w per example).
import * as tf from "@tensorflow/tfjs"
import {
  W1, W2, W5, costData, costSize, w1Target, w2Data, w3Data, w4Data, w5Data,
  type Setup,
} from "../workloads.js"

type T = tf.Tensor
const f32 = (data: Float64Array, shape: number[]): T => tf.tensor(Float32Array.from(data), shape)
/** Runs fn in a tidy scope and returns the concatenated values of the tensors it returns. */
function values(fn: () => T[]): Float64Array {
  let out = new Float64Array(0)
  tf.tidy(() => {
    const parts = fn().map((t) => t.dataSync())
    out = new Float64Array(parts.reduce((s, p) => s + p.length, 0))
    let o = 0
    for (const p of parts) { out.set(p, o); o += p.length }
  })
  return out
}

function w1Loss(k: T, c: T, a: T, target: T): T {
  let x: T = tf.scalar(W1.x0), v: T = tf.scalar(W1.v0)
  const xs: T[] = []
  for (let t = 0; t < W1.N; t++) {
    const acc = tf.neg(tf.addN([tf.mul(k, x), tf.mul(c, v), tf.mul(a, tf.pow(x, 3))]))
    v = tf.add(v, tf.mul(acc, W1.dt))
    x = tf.add(x, tf.mul(v, W1.dt))
    xs.push(x)
  }
  return tf.sum(tf.square(tf.sub(tf.stack(xs), target)))
}

function mlpLoss(ps: T[], x: T, y: T): T {
  let h = x
  for (let l = 0; l < 3; l++) {
    const z = tf.add(tf.matMul(h, ps[2 * l]!), ps[2 * l + 1]!)
    h = l < 2 ? tf.tanh(z) : z
  }
  return tf.mean(tf.square(tf.sub(h, y)))
}

const rosen = (x: T): T => {
  const head = tf.slice(x, 0, 99), tail = tf.slice(x, 1, 99)
  return tf.sum(tf.add(tf.mul(tf.square(tf.sub(tail, tf.square(head))), 100), tf.square(tf.sub(1, head))))
}

const costF = (x: T): T => tf.sum(tf.add(tf.mul(tf.sin(x), x), tf.div(tf.square(x), 2)))

export const setup: Setup = async (w) => {
  // SCAN compares a compiled scan with the compiled unrolled loop; tfjs has neither a loop
  // primitive nor jit, only an eager tape of 6·10^4 ops per call.
  if (w === "SCAN") throw new Error("not run: tfjs has no scan or jit (only an eager tape of 6·10^4 ops per call)")
  await tf.setBackend("cpu")
  if (w === "W1") {
    const [k, c, a] = W1.at.map((p) => tf.scalar(p)) as [T, T, T], target = f32(w1Target(), [W1.N])
    const g = tf.grads((k: T, c: T, a: T) => w1Loss(k, c, a, target))
    return { note: "f32, eager tape", grad: () => values(() => g([k, c, a])) }
  }
  if (w === "W2") {
    const d = w2Data(), ps = d.params.map((p, i) => f32(p, d.shapes[i]!))
    const x = f32(d.x, [W2.batch, W2.sizes[0]!]), y = f32(d.y, [W2.batch, 1])
    const g = tf.grads((...ps: T[]) => mlpLoss(ps, x, y))
    return { note: "f32, eager tape", grad: () => values(() => g(ps)) }
  }
  if (w === "W3") {
    const x = f32(w3Data(), [1_000_000])
    const g = tf.grad((x: T) => tf.sum(tf.add(tf.mul(tf.sin(x), tf.exp(tf.neg(tf.square(x)))), tf.log1p(tf.square(x)))))
    return { note: "f32, eager tape", grad: () => values(() => [g(x)]) }
  }
  if (w === "W4") {
    const x = f32(w4Data(), [100]), basis = tf.eye(100).unstack()
    // Row i of H = grad of <grad f(x), e_i>, one reverse-over-reverse HVP per basis vector.
    const hvp = (e: T) => tf.grad((y: T) => tf.sum(tf.mul(tf.grad(rosen)(y), e)))(x)
    return { note: "f32, 100 rev-over-rev HVPs", grad: () => values(() => basis.map(hvp)) }
  }
  if (w === "W5") {
    const d = w5Data(), x = f32(d.x, [W5.n, W5.d]), y = f32(d.y, [W5.n])
    const wTiled = tf.tile(f32(d.w, [1, W5.d]), [W5.n, 1])
    // sum_i loss_i(w_i) with w_i a copy of w per example: its gradient row i is example i's.
    const g = tf.grad((ws: T) => {
      const z = tf.sum(tf.mul(x, ws), 1)
      return tf.sum(tf.sub(tf.softplus(z), tf.mul(y, z)))
    })
    return { note: "f32, tiled-w trick", grad: () => values(() => [g(wTiled)]) }
  }
  if (w.startsWith("COST-")) {
    const n = costSize(w), x = f32(costData(n), [n]), g = tf.grad(costF)
    return {
      note: "f32, eager",
      forward: () => tf.tidy(() => costF(x)).dataSync()[0]!,
      grad: () => values(() => [g(x)]),
    }
  }
  throw new Error(`unknown workload ${w}`)
}

