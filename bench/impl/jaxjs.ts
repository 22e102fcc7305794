// @jax-js/jax 0.1.25 on its wasm backend, float64, every gradient under jit.
// jax-js moves arrays into calls (reference counting): a call consumes its arguments, so
// we pass `.ref` to keep ours, and `dataSync()` consumes the result it reads.
// Node 20 quirks: no global Float16Array (placeholder before the dynamic import), and
// plain init() touches `navigator`, so init("wasm").
import {
  W1, W2, W5, costData, costSize, w1Target, w2Data, w3Data, w4Data, w5Data,
  type Setup,
} from "../workloads.js"

;(globalThis as { Float16Array?: unknown }).Float16Array ??= class Float16Array {}
const jax = await import("@jax-js/jax")
type Arr = InstanceType<typeof jax.numpy.Array>
const { numpy: np, nn, grad, jit, vmap, hessian } = jax

const f64 = (data: Float64Array, shape: number[]): Arr => np.array(data, { shape, dtype: np.float64 })
const read = (a: Arr): Float64Array => Float64Array.from(a.dataSync())
/** Flattens a list of result arrays into one float64 vector (consuming them). */
const readAll = (as: Arr[]): Float64Array => {
  const parts = as.map(read), out = new Float64Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

// W1: the 1000 steps unrolled by tracing (jax-js has no fori_loop/scan), params p = [k, c, a].
function w1Loss(p: Arr, target: Arr): Arr {
  const k = p.ref.slice(0), c = p.ref.slice(1), a = p.slice(2)
  let x: Arr = np.array(W1.x0, { dtype: np.float64 }), v: Arr = np.array(W1.v0, { dtype: np.float64 })
  const xs: Arr[] = []
  for (let t = 0; t < W1.N; t++) {
    const acc = k.ref.mul(x.ref).add(c.ref.mul(v.ref)).add(a.ref.mul(x.ref.mul(x.ref).mul(x.ref))).neg()
    v = v.add(acc.mul(W1.dt))
    x = x.add(v.ref.mul(W1.dt))
    xs.push(x.ref)
  }
  k.dispose(); c.dispose(); a.dispose(); x.dispose(); v.dispose()
  return np.square(np.stack(xs).sub(target)).sum()
}

// W2: tanh MLP, MSE; params [W1, b1, W2, b2, W3, b3].
function mlpLoss(ps: Arr[], x: Arr, y: Arr): Arr {
  let h = x
  for (let l = 0; l < 3; l++) {
    const z = np.matmul(h, ps[2 * l]!).add(ps[2 * l + 1]!)
    h = l < 2 ? np.tanh(z) : z
  }
  return np.square(h.sub(y)).mean()
}

const w3Loss = (x: Arr): Arr =>
  np.sin(x.ref).mul(np.exp(np.square(x.ref).neg())).add(np.log1p(np.square(x))).sum()

function rosen(x: Arr): Arr {
  const head = x.ref.slice([0, -1]), tail = x.slice([1])
  const d = tail.sub(np.square(head.ref))
  return np.square(d).mul(100).add(np.square(np.subtract(1, head))).sum()
}

// Loss of one example: softplus(z) - y z with z = x . w.
function exampleLoss(w: Arr, x: Arr, y: Arr): Arr {
  const z = np.dot(x, w)
  return nn.softplus(z.ref).sub(y.mul(z))
}

const costF = (x: Arr): Arr => np.sin(x.ref).mul(x.ref).add(np.square(x).mul(0.5)).sum()

export const setup: Setup = async (w) => {
  // SCAN: jax-js has no loop primitive, and tracing 10^4 unrolled vector steps (W1's 10^3
  // scalar steps already take ~4 s to trace) would not fit the 60 s row budget.
  if (w === "SCAN") throw new Error("not run: jax-js has no scan/fori_loop; tracing 10^4 unrolled steps is impractical")
  await jax.init("wasm")
  if (w === "W1") {
    const p = f64(Float64Array.from(W1.at), [3]), target = f64(w1Target(), [W1.N])
    const g = jit(grad(w1Loss))
    return { note: "jit(grad), unrolled", grad: () => read(g(p.ref, target.ref)) }
  }
  if (w === "W2") {
    const d = w2Data(), ps = d.params.map((a, i) => f64(a, d.shapes[i]!))
    const x = f64(d.x, [W2.batch, W2.sizes[0]!]), y = f64(d.y, [W2.batch, 1])
    const g = jit(grad(mlpLoss))
    return { note: "jit(grad)", grad: () => readAll(g(ps.map((a) => a.ref), x.ref, y.ref)) }
  }
  if (w === "W3") {
    const x = f64(w3Data(), [1_000_000]), g = jit(grad(w3Loss))
    return { note: "jit(grad)", grad: () => read(g(x.ref)) }
  }
  if (w === "W4") {
    const x = f64(w4Data(), [100]), h = jit(hessian(rosen))
    return { note: "jit(hessian) fwd-over-rev", grad: () => read(h(x.ref)) }
  }
  if (w === "W5") {
    const d = w5Data(), wt = f64(d.w, [W5.d]), x = f64(d.x, [W5.n, W5.d]), y = f64(d.y, [W5.n])
    const g = jit(vmap(grad(exampleLoss), [null, 0, 0]))
    return { note: "jit(vmap(grad))", grad: () => read(g(wt.ref, x.ref, y.ref)) }
  }
  if (w.startsWith("COST-")) {
    const n = costSize(w), x = f64(costData(n), [n]), f = jit(costF), g = jit(grad(costF))
    return { note: "jit", forward: () => f(x.ref).item(), grad: () => read(g(x.ref)) }
  }
  throw new Error(`unknown workload ${w}`)
}
