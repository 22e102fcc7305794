// wengert itself as it ships (dist/, built by `npm run bench`), through SPEC.md's public API only (jit, grad, vmap, hessian, np, nn,
// lax.forILoop, lax.scan). The library is imported at run time by a computed path, so a missing or
// partial src/ makes this row "n/a: <reason>" instead of failing the type check or the run.
import {
  SCAN, W1, W2, W5, costData, costSize, scanData, w1Target, w2Data, w3Data, w4Data, w5Data,
  type Setup,
} from "../workloads.js"

/** The slice of SPEC.md this file uses, typed loosely so partial builds still load. */
interface Arr { toTypedArray(): ArrayLike<number>; item(): number; at(i: number): Arr }
type Fn = (...args: any[]) => any
interface Wengert {
  jit<F extends Fn>(f: F): F
  grad(f: Fn, opts?: object): Fn
  vmap(f: Fn, opts?: object): Fn
  hessian(f: Fn): Fn
  np: Record<string, (...args: any[]) => Arr>
  nn: Record<string, (...args: any[]) => Arr>
  lax: {
    forILoop<C>(lo: number, hi: number, body: (i: Arr, carry: C) => C, init: C): C
    scan<C>(f: (carry: C, x: any) => [C, unknown], init: C, xs: unknown, opts?: { length?: number; reverse?: boolean }): [C, unknown]
  }
}

async function load(uses: string[]): Promise<Wengert> {
  let w: Wengert
  try {
    w = (await import(new URL("../../dist/index.js", import.meta.url).href)) as Wengert
  } catch (e) {
    throw new Error(`import failed: ${e instanceof Error ? e.message : String(e)}`)
  }
  const missing = uses.filter((path) => path.split(".").reduce((o: any, k) => o?.[k], w) === undefined)
  if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}`)
  return w
}
const read = (a: Arr): Float64Array => {
  const t = a.toTypedArray()
  return t instanceof Float64Array ? t : Float64Array.from(t)
}

export const setup: Setup = async (w, variant) => {
  if (w === "W1") {
    if (variant !== "loop" && variant !== "fori") throw new Error("W1 runs as wengert-loop or wengert-fori")
    const { jit, grad, np, lax } = await load(["jit", "grad", "np.add", "np.multiply", "np.subtract",
      "np.negative", "np.square", "np.asarray", ...(variant === "fori" ? ["lax.forILoop", "np.take"] : [])])
    const target = w1Target()
    // One semi-implicit Euler step, then the step's loss term; tgt is x's target after it.
    const step = (k: Arr, c: Arr, a: Arr, x: Arr, v: Arr, l: Arr, tgt: Arr | number): [Arr, Arr, Arr] => {
      const acc = np.negative(np.add(np.add(np.multiply(k, x), np.multiply(c, v)),
        np.multiply(a, np.multiply(np.multiply(x, x), x))))
      const v1 = np.add(v, np.multiply(W1.dt, acc)), x1 = np.add(x, np.multiply(W1.dt, v1))
      return [x1, v1, np.add(l, np.square(np.subtract(x1, tgt)))]
    }
    const init = (): [Arr, Arr, Arr] => [np.asarray(W1.x0), np.asarray(W1.v0), np.asarray(0)]
    const loss = variant === "loop"
      ? (p: Arr) => { // a plain JS loop: jit traces all N steps into one straight-line jaxpr
        let s = init()
        for (let t = 0; t < W1.N; t++) s = step(p.at(0), p.at(1), p.at(2), ...s, target[t]!)
        return s[2]
      }
      : (p: Arr) => {
        const tgt = np.asarray(target), k = p.at(0), c = p.at(1), a = p.at(2)
        return lax.forILoop(0, W1.N, (i, s) => step(k, c, a, ...s, np.take(tgt, i)), init())[2]
      }
    const g = jit(grad(loss)), p = np.asarray(Float64Array.from(W1.at))
    return { note: variant === "loop" ? "jit(grad), unrolled" : "jit(grad), forILoop", grad: () => read(g(p)), unread: () => g(p) }
  }
  if (w === "SCAN") {
    if (variant !== "scan" && variant !== "loop") throw new Error("SCAN runs as wengert-scan or wengert-loop")
    const { jit, grad, np, lax } = await load(["jit", "grad", "np.add", "np.multiply", "np.subtract",
      "np.sin", "np.sum", "np.square", "np.asarray", ...(variant === "scan" ? ["lax.scan"] : [])])
    // One explicit Euler step x + dt (p sin x - decay x), elementwise over the 100 states.
    const step = (p: Arr, x: Arr): Arr =>
      np.add(x, np.multiply(SCAN.dt, np.subtract(np.multiply(p, np.sin(x)), np.multiply(SCAN.decay, x))))
    const loss = variant === "scan"
      ? (p: Arr, x0: Arr) => np.sum(np.square(lax.scan((x: Arr) => [step(p, x), null], x0, null, { length: SCAN.N })[0]))
      : (p: Arr, x0: Arr) => { // a plain JS loop: jit traces all N steps into one straight-line jaxpr
        let x = x0
        for (let t = 0; t < SCAN.N; t++) x = step(p, x)
        return np.sum(np.square(x))
      }
    const d = scanData(), g = jit(grad(loss)), p = np.asarray(d.p), x0 = np.asarray(d.x0)
    return { note: variant === "scan" ? "jit(grad), lax.scan" : "jit(grad), unrolled", grad: () => read(g(p, x0)), unread: () => g(p, x0) }
  }
  if (w === "W2") {
    const { jit, grad, np } = await load(["jit", "grad", "np.matmul", "np.add", "np.tanh", "np.mean", "np.square", "np.subtract", "np.asarray", "np.reshape"])
    const d = w2Data(), ps = d.params.map((a, i) => np.reshape(np.asarray(a), d.shapes[i]))
    const x = np.reshape(np.asarray(d.x), [W2.batch, W2.sizes[0]]), y = np.reshape(np.asarray(d.y), [W2.batch, 1])
    const loss = (ps: Arr[], x: Arr, y: Arr) => {
      let h = x
      for (let l = 0; l < 3; l++) {
        const z = np.add(np.matmul(h, ps[2 * l]), ps[2 * l + 1])
        h = l < 2 ? np.tanh(z) : z
      }
      return np.mean(np.square(np.subtract(h, y)))
    }
    const g = jit(grad(loss))
    return {
      note: "jit(grad)",
      grad() {
        const parts = (g(ps, x, y) as Arr[]).map(read), out = new Float64Array(parts.reduce((s, p) => s + p.length, 0))
        let o = 0
        for (const p of parts) { out.set(p, o); o += p.length }
        return out
      },
      unread: () => g(ps, x, y),
    }
  }
  if (w === "W3") {
    const { jit, grad, np } = await load(["jit", "grad", "np.sum", "np.add", "np.multiply", "np.sin", "np.exp", "np.negative", "np.square", "np.log1p", "np.asarray"])
    const x = np.asarray(w3Data())
    const loss = (x: Arr) => np.sum(np.add(np.multiply(np.sin(x), np.exp(np.negative(np.square(x)))), np.log1p(np.square(x))))
    const g = jit(grad(loss))
    return { note: "jit(grad)", grad: () => read(g(x)), unread: () => g(x) }
  }
  if (w === "W4") {
    const { jit, hessian, np } = await load(["jit", "hessian", "np.slice", "np.sum", "np.add", "np.multiply", "np.square", "np.subtract", "np.asarray"])
    const x = np.asarray(w4Data())
    const rosen = (x: Arr) => {
      const head = np.slice(x, [0], [99]), tail = np.slice(x, [1], [99])
      return np.sum(np.add(np.multiply(100, np.square(np.subtract(tail, np.square(head)))), np.square(np.subtract(1, head))))
    }
    const h = jit(hessian(rosen))
    return { note: "jit(hessian) fwd-over-rev", grad: () => read(h(x)), unread: () => h(x) }
  }
  if (w === "W5") {
    const { jit, grad, vmap, np, nn } = await load(["jit", "grad", "vmap", "np.dot", "np.subtract", "np.multiply", "nn.softplus", "np.asarray", "np.reshape"])
    const d = w5Data(), wt = np.asarray(d.w), x = np.reshape(np.asarray(d.x), [W5.n, W5.d]), y = np.asarray(d.y)
    const exampleLoss = (w: Arr, x: Arr, y: Arr) => {
      const z = np.dot(x, w)
      return np.subtract(nn.softplus(z), np.multiply(y, z))
    }
    const g = jit(vmap(grad(exampleLoss), { inAxes: [null, 0, 0] }))
    return { note: "jit(vmap(grad))", grad: () => read(g(wt, x, y)), unread: () => g(wt, x, y) }
  }
  if (w.startsWith("COST-")) {
    const { jit, grad, np } = await load(["jit", "grad", "np.sum", "np.add", "np.multiply", "np.sin", "np.square", "np.asarray"])
    const x = np.asarray(costData(costSize(w)))
    const f = (x: Arr) => np.sum(np.add(np.multiply(np.sin(x), x), np.multiply(0.5, np.square(x))))
    const fj = jit(f), g = jit(grad(f))
    return { note: "jit", forward: () => fj(x).item(), grad: () => read(g(x)), unread: () => g(x) }
  }
  throw new Error(`unknown workload ${w}`)
}

