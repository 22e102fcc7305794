// wengert/optim through the public API: each optimizer on a quadratic (closed-form
// minimum) and on Rosenbrock, Newton's quadratic convergence counted in iterations, L-BFGS
// on Rosenbrock in 2 and 10 dimensions, Adam on a noise-free logistic regression, jitted
// training loops equal to eager ones, pytrees and dtypes, onStep with every method, and
// every error path.
import { describe, expect, expectTypeOf, it } from "vitest"
import { grad, jit, lax, nn, np, optim, type WArray } from "wengert"
import { close, throwsTagged } from "./numpy/helpers.ts"

const data = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)

// f(x) = ½ xᵀAx − bᵀx, minimized at A⁻¹b
const A = np.array([[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]])
const b = np.array([1, -2, 3])
const quadratic = (x: WArray) => np.subtract(np.multiply(0.5, np.dot(x, np.matmul(A, x))), np.dot(b, x))
const xStar = data(np.linalg.solve(A, b))

/** Rosenbrock in n dimensions: Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimized at ones. */
const rosenbrock = (x: WArray) => {
  const n = x.shape[0]!
  const lo = np.slice(x, [0], [n - 1]), hi = np.slice(x, [1], [n - 1])
  return np.sum(np.add(np.multiply(100, np.square(np.subtract(hi, np.square(lo)))), np.square(np.subtract(1, lo))))
}
const rosenbrock2 = (p: { x: WArray; y: WArray }) =>
  np.add(np.square(np.subtract(1, p.x)), np.multiply(100, np.square(np.subtract(p.y, np.square(p.x)))))

/** `steps` optimizer steps inside one jitted forILoop, as a training loop is written in JAX. */
function train<P>(opt: optim.Optimizer, f: (p: P) => WArray, p0: P, steps: number): P {
  const loop = jit((p: P) => lax.forILoop(0, steps, (_i: unknown, [p, s]: [P, unknown]) => {
    const [updates, next] = opt.update(grad(f)(p), s, p)
    return [optim.applyUpdates(p, updates), next]
  }, [p, opt.init(p)])[0])
  return loop(p0) as P
}

describe("first-order optimizers", () => {
  const cases: [string, optim.Optimizer, number][] = [
    ["sgd", optim.sgd({ lr: 0.2 }), 300],
    ["momentum", optim.momentum({ lr: 0.05 }), 800],
    ["nesterov momentum", optim.momentum({ lr: 0.05, nesterov: true }), 400],
    ["adam", optim.adam({ lr: 0.05 }), 1000],
  ]
  for (const [name, opt, steps] of cases)
    it(`${name} minimizes a quadratic to its closed-form minimum`, () => {
      close(data(train(opt, quadratic, np.zeros([3]), steps)), xStar, 1e-8)
    })

  const rosen: [string, optim.Optimizer, number, number][] = [
    ["sgd", optim.sgd({ lr: 1e-3 }), 20000, 1e-3],
    ["momentum", optim.momentum({ lr: 1e-3, beta: 0.9 }), 5000, 1e-6],
    ["adam", optim.adam({ lr: 1e-2 }), 5000, 1e-4],
  ]
  for (const [name, opt, steps, tol] of rosen)
    it(`${name} reaches Rosenbrock's minimum from (-1.2, 1) over a pytree of scalars`, () => {
      const p = train(opt, rosenbrock2, { x: np.array(-1.2), y: np.array(1) }, steps)
      close([p.x.item(), p.y.item()], [1, 1], tol)
    })

  it("gives the same update under jit as eagerly", () => {
    const opt = optim.adam({ lr: 0.1 })
    const state = opt.init({ w: np.array([0, 0]), b: np.array(1) })
    const g = { w: np.array([3, -1e-3]), b: np.array(0.5) }
    const [eager, s1] = opt.update(g, state)
    const [jitted, s2] = jit((g: unknown, s: optim.AdamState) => opt.update(g, s))(g, state)
    expect(data(jitted.w)).toEqual(data(eager.w))
    expect(jitted.b.item()).toBe(eager.b.item())
    expect(s2.count.item()).toBe(1)
    expect(s1.count.item()).toBe(1)
  })

  it("takes a learning-rate schedule of the step count", () => {
    const opt = optim.sgd({ lr: (count) => np.divide(1, np.add(count, 1)) })
    let state = opt.init(np.array(0)), x = np.array(0)
    for (let i = 0; i < 3; i++) {
      const [u, s] = opt.update(np.array(1), state)
      x = optim.applyUpdates(x, u); state = s
    }
    close(x.item(), -(1 + 1 / 2 + 1 / 3), 1e-14)
  })

  it("fits a noise-free logistic regression with adam", () => {
    // soft targets p = σ(X w*) make w* the exact minimizer of the cross-entropy
    let s = 12345
    const uniform = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 * 2 - 1 }
    const X = np.array(Array.from({ length: 60 }, () => [uniform(), uniform(), 1]))
    const wTrue = np.array([1.5, -2, 0.5])
    const p = nn.sigmoid(np.matmul(X, wTrue))
    const loss = (w: WArray) => {
      const z = np.matmul(X, w)
      return np.negative(np.mean(np.add(np.multiply(p, nn.logSigmoid(z)), np.multiply(np.subtract(1, p), nn.logSigmoid(np.negative(z))))))
    }
    close(data(train(optim.adam({ lr: 0.05 }), loss, np.zeros([3]), 3000)), [1.5, -2, 0.5], 1e-4)
    const r = optim.minimize(loss, np.zeros([3]), { method: "adam", lr: 0.05, maxIter: 5000, tol: 1e-7 })
    expect(r.converged).toBe(true)
    close(data(r.x), [1.5, -2, 0.5], 1e-4)
  })
})

describe("optim.minimize", () => {
  for (const method of ["lbfgs", "newton", "adam"] as const)
    it(`minimizes a quadratic with ${method}`, () => {
      const r = optim.minimize(quadratic, np.zeros([3]), { method, lr: 0.05, maxIter: 5000, tol: 1e-9 })
      expect(r.converged, r.message).toBe(true)
      close(data(r.x), xStar, 1e-8)
      close(r.value, quadratic(np.array(xStar)).item(), 1e-12)
    })

  it("solves a quadratic in one Newton step", () => {
    const r = optim.minimize(quadratic, np.zeros([3]), { method: "newton", tol: 1e-12 })
    expect(r.iterations).toBe(1)
  })

  it("converges quadratically with Newton on a smooth convex function", () => {
    const a = np.array([1, 2, 3])
    const f = (x: WArray) => np.sum(np.add(np.subtract(np.exp(x), np.multiply(a, x)), np.multiply(0.5, np.square(x))))
    const r = optim.minimize(f, np.zeros([3]), { method: "newton", tol: 1e-12, history: true })
    expect(r.converged).toBe(true)
    expect(r.iterations).toBeLessThanOrEqual(6)
    // ‖g_{k+1}‖ ≤ C ‖g_k‖² once close: the ratio stays bounded while the norm collapses
    const norms = r.history!.map((h) => h.gradNorm)
    for (let k = 1; k + 1 < norms.length; k++)
      if (norms[k]! < 0.1 && norms[k + 1]! > 1e-14) expect(norms[k + 1]! / norms[k]! ** 2).toBeLessThan(1)
    // the exact minimizer solves eˣ + x = a coordinatewise
    for (const [xi, ai] of data(r.x as WArray).map((v, i) => [v, i + 1] as const)) close(Math.exp(xi) + xi, ai, 1e-12)
  })

  it("finds Rosenbrock's minimum in 2-d with L-BFGS, Newton and Adam", () => {
    const x0 = np.array([-1.2, 1])
    for (const [method, tol] of [["lbfgs", 1e-6], ["newton", 1e-8], ["adam", 1e-5]] as const) {
      const r = optim.minimize(rosenbrock, x0, { method, lr: 0.01, maxIter: 20000 })
      expect(r.converged, `${method}: ${r.message}`).toBe(true)
      close(data(r.x), [1, 1], tol)
    }
  })

  it("finds Rosenbrock's minimum in 10-d with L-BFGS, with either line search", () => {
    const x0 = np.array(Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1.2)))
    const wolfe = optim.minimize(rosenbrock, x0)
    expect(wolfe.converged, wolfe.message).toBe(true)
    expect(wolfe.iterations).toBeLessThan(200)
    close(data(wolfe.x), Array(10).fill(1), 1e-6)
    const armijo = optim.minimize(rosenbrock, x0, { lineSearch: "armijo", maxIter: 5000 })
    expect(armijo.converged, armijo.message).toBe(true)
    close(data(armijo.x), Array(10).fill(1), 1e-6)
  })

  it("keeps x0's pytree structure and dtypes", () => {
    const f = (p: { w: WArray; b: WArray[] }) =>
      np.add(np.sum(np.square(np.subtract(p.w, 2))), np.square(np.add(p.b[0]!, 1)))
    const r = optim.minimize(f, { w: np.array([0, 0], { dtype: "float32" }), b: [np.array(0)] })
    expectTypeOf(r.x).toEqualTypeOf<{ w: WArray; b: WArray[] }>()
    expect(r.x.w.dtype).toBe("float32")
    expect(r.x.b[0]!.dtype).toBe("float64")
    close(data(r.x.w), [2, 2], 1e-6)
    close(r.x.b[0]!.item(), -1, 1e-9)
  })

  it("reports each iteration through onStep, and stops when it returns false", () => {
    const seen: [number, number, number][] = []
    const r = optim.minimize(rosenbrock, np.array([-1.2, 1]), {
      onStep: ({ iteration, value, gradNorm, x }) => {
        seen.push([iteration, value, gradNorm])
        expect((x as WArray).shape).toEqual([2])
      },
      history: true,
    })
    expect(seen.map((s) => s[0])).toEqual(Array.from({ length: r.iterations }, (_, i) => i + 1))
    expect(seen.map((s) => s[1])).toEqual(r.history!.slice(1).map((h) => h.value))
    expect(seen.at(-1)![1]).toBe(r.value)
    const stopped = optim.minimize(rosenbrock, np.array([-1.2, 1]), { onStep: ({ iteration }) => iteration < 3 })
    expect(stopped.iterations).toBe(3)
    expect(stopped.converged).toBe(false)
    expect(stopped.message).toContain("onStep")
  })

  for (const method of ["lbfgs", "newton", "adam"] as const)
    it(`reports progress through onStep with ${method}, ending at the result`, () => {
      const seen: { iteration: number; value: number; gradNorm: number }[] = []
      const r = optim.minimize(quadratic, np.zeros([3]), {
        method, lr: 0.05, maxIter: 5000, tol: 1e-9,
        onStep: ({ iteration, value, gradNorm }) => { seen.push({ iteration, value, gradNorm }) },
      })
      expect(r.converged, r.message).toBe(true)
      expect(seen.map((s) => s.iteration)).toEqual(Array.from({ length: r.iterations }, (_, i) => i + 1))
      expect(seen.at(-1)).toEqual({ iteration: r.iterations, value: r.value, gradNorm: r.gradNorm })
      expect(seen[0]!.value).toBeLessThan(0)   // f(x0 = 0) = 0: the first step already descends
      // the line-search methods descend monotonically; Adam's fixed steps may overshoot
      if (method !== "adam") for (let k = 1; k < seen.length; k++) expect(seen[k]!.value).toBeLessThanOrEqual(seen[k - 1]!.value)
    })

  it("stops at maxIter without claiming convergence", () => {
    const r = optim.minimize(rosenbrock, np.array([-1.2, 1]), { maxIter: 2 })
    expect(r.iterations).toBe(2)
    expect(r.converged).toBe(false)
    expect(r.message).toContain("maxIter")
  })

  it("falls back to eager evaluation for native control flow", () => {
    // |x − 3| written with a JS branch: jit cannot trace it, the pathwise gradient is fine
    const f = (x: WArray) => (x.item() > 3 ? np.square(np.subtract(x, 3)) : np.multiply(2, np.square(np.subtract(x, 3))))
    const r = optim.minimize(f, np.array(0), { method: "newton" })
    expect(r.converged).toBe(true)
    close(r.x.item(), 3, 1e-9)
  })

  it("rejects an unknown method, naming optim.minimize and the methods it knows", () => {
    throwsTagged(() => optim.minimize(quadratic, np.zeros([3]), { method: "bfgs" as never }),
      "InvalidArgumentError", "optim.minimize", "\"bfgs\"", "\"lbfgs\", \"newton\", \"adam\"")
  })

  it("rejects bad options and starting points", () => {
    throwsTagged(() => optim.minimize(quadratic, np.zeros([3]), { maxIter: -1 }), "InvalidArgumentError", "optim.minimize", "maxIter")
    throwsTagged(() => optim.minimize(quadratic, np.zeros([3]), { tol: Number.NaN }), "InvalidArgumentError", "optim.minimize", "tol")
    throwsTagged(() => optim.minimize(quadratic, np.zeros([3]), { memory: 0 }), "InvalidArgumentError", "optim.minimize", "memory")
    throwsTagged(() => optim.minimize(quadratic, np.zeros([3]), { lineSearch: "exact" as never }), "InvalidArgumentError", "optim.minimize", "lineSearch")
    throwsTagged(() => optim.minimize(42 as never, np.zeros([3])), "InvalidArgumentError", "optim.minimize", "function")
    throwsTagged(() => optim.minimize(quadratic, np.array([1, 2, 3], { dtype: "int32" })), "InvalidArgumentError", "optim.minimize", "int32")
    throwsTagged(() => optim.minimize(() => np.array(0), {}), "InvalidArgumentError", "optim.minimize", "no entries")
    throwsTagged(() => optim.minimize((x: WArray) => np.log(x).sum(), np.array([-1])), "InvalidArgumentError", "optim.minimize", "NaN")
  })

  it("rejects a non-scalar objective with a ShapeError naming optim.minimize", () => {
    throwsTagged(() => optim.minimize((x: WArray) => np.square(x), np.zeros([3])), "ShapeError", "optim.minimize", "scalar")
  })
})

describe("optimizer arguments", () => {
  it("rejects bad hyperparameters, naming the optimizer", () => {
    throwsTagged(() => optim.sgd({ lr: -1 }), "InvalidArgumentError", "optim.sgd", "lr")
    throwsTagged(() => optim.sgd({} as never), "InvalidArgumentError", "optim.sgd", "lr")
    throwsTagged(() => optim.momentum({ lr: 0.1, beta: 1 }), "InvalidArgumentError", "optim.momentum", "beta")
    throwsTagged(() => optim.adam({ b2: 1.5 }), "InvalidArgumentError", "optim.adam", "b2")
    throwsTagged(() => optim.adam({ eps: -1 }), "InvalidArgumentError", "optim.adam", "eps")
  })

  it("rejects updates whose structure differs from the params", () => {
    throwsTagged(() => optim.applyUpdates({ w: np.array(1) }, { v: np.array(1) }), "InvalidArgumentError", "tree.map", "structure")
  })
})
