// Control flow the code generator runs as JS loops over compiled bodies: scans over array
// carries (forward, reverse, with consts, pass-through carries and rows, zero length, nested),
// while loops and conds with array carries and outputs; and calls (checkpoint, customJvp,
// customVjp) scheduled in place. Every result is compared with the interpreter bit for bit,
// and the stats say the equation did not go through its impl.

import { describe, expect, it, vi } from "vitest"
import { type WArray, checkpoint, customJvp, customVjp, debug, evalJaxpr, grad, jit, makeJaxpr, np } from "wengert"
import * as lax from "../../src/lax/index.js"
import { compileJaxpr } from "../../src/backends/jsgen/compile.js"
import { NdArray } from "../../src/core/array.js"
import { expectSame } from "./jsgenSame.js"

type A = WArray
const lcg = (seed: number) => { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1 }
const randn = (n: number, seed: number) => { const r = lcg(seed); return Float64Array.from({ length: n }, r) }
const vec = (n: number, seed: number) => np.asarray(randn(n, seed))
const mat = (r: number, c: number, seed: number) => np.reshape(vec(r * c, seed), [r, c])

/** Compiles f at the given arguments and checks it against the interpreter, returning the stats. */
function sameAsInterpreter(f: (...xs: A[]) => unknown, ...xs: A[]) {
  const closed = makeJaxpr(f)(...xs)
  const compiled = compileJaxpr(closed)
  const want = evalJaxpr(closed, ...xs)
  expectSame(compiled.run(xs), want, "compiled vs interpreter")
  expectSame(compiled.run(xs), want, "second call (reused buffers)")
  return compiled.stats
}

// x_{t+1} = x_t + dt (p ⊙ sin x_t) + row_t, y_t = [x_t · x_t, row_t]
const step = (p: A) => ([x, n]: A[], row: A): [A[], A[]] => {
  const x1 = np.add(np.add(x!, np.multiply(0.01, np.multiply(p, np.sin(x!)))), row)
  return [[x1, n!], [np.sum(np.multiply(x!, x!)), row]]
}

describe("jsgen control flow over array carries", () => {
  const p = vec(8, 1), x0 = vec(8, 2), rows = mat(5, 8, 3), count = np.asarray(7, "int32")

  for (const reverse of [false, true]) {
    it(`scan${reverse ? " (reverse)" : ""}: consts, an unchanged int carry, a row passed through`, () => {
      const f = (p: A, x0: A, rows: A) => lax.scan(step(p), [x0, count], rows, { reverse })
      const stats = sameAsInterpreter(f, p, x0, rows)
      expect(stats.loops).toContain("scan")
      expect(stats.fallbacks).not.toContain("scan")
    })
  }

  it("scan of length 0 returns the initial carry and empty ys", () => {
    const f = (x0: A, rows: A) => lax.scan(step(p), [x0, count], rows)
    sameAsInterpreter(f, x0, np.zeros([0, 8]))
    const [[x], [s]] = jit(f)(x0, np.zeros([0, 8])) as [A[], A[]]
    expect([...x!.toTypedArray()]).toEqual([...x0.toTypedArray()])
    expect(s!.shape).toEqual([0])
  })

  it("grad through a scan over a vector state: both scans run compiled, equal to the interpreter", () => {
    const loss = (p: A, x0: A) => {
      const [[x], [ss]] = lax.scan(step(p), [x0, count], rows) as [A[], A[]]
      return np.add(np.sum(np.multiply(x!, x!)), np.sum(ss!))
    }
    const g = grad(loss, { argnums: [0, 1] })
    const stats = sameAsInterpreter((p: A, x0: A) => g(p, x0) as A[], p, x0)
    expect(stats.loops.filter((n) => n === "scan").length).toBeGreaterThanOrEqual(2)
    expect(stats.fallbacks).toEqual([])
  })

  it("nested scans and a while loop inside a scan body", () => {
    const inner = (x: A, row: A) => lax.scan((c: A, r: A) => [np.tanh(np.add(c, r)), np.sum(c)], x, np.stack([row, np.negative(row)]))
    const f = (x0: A, rows: A) => lax.scan((x: A, row: A) => {
      const [c, s] = inner(x, row) as [A, A]
      const w = lax.whileLoop((v: A) => np.less(np.sum(np.abs(v)), 5), (v: A) => np.multiply(v, 1.5), np.add(c, 0.1))
      return [np.multiply(0.5, np.add(c, w)), s]
    }, x0, rows)
    const stats = sameAsInterpreter(f, x0, rows)
    expect(stats.fallbacks).toEqual([])
  })

  it("while loops over array carries, including loops that never run", () => {
    const f = (x: A, limit: A) => lax.whileLoop(([v, i]: A[]) => np.logicalAnd(np.less(np.max(np.abs(v!)), limit), np.less(i!, 50)),
      ([v, i]: A[]) => [np.add(np.multiply(v!, 1.3), 0.01), np.add(i!, 1)], [x, np.asarray(0, "int32")])
    expect(sameAsInterpreter(f, x0, np.asarray(4)).loops).toContain("while")
    sameAsInterpreter(f, x0, np.asarray(0)) // zero iterations: the initial carry comes back
    const [v, i] = jit(f)(x0, np.asarray(0)) as A[]
    expect(i!.item()).toBe(0)
    expect([...v!.toTypedArray()]).toEqual([...x0.toTypedArray()])
  })

  it("loop results stay the caller's: runners keep their arrays between calls, and what a program hands out is copied", () => {
    const body = ([v, i]: A[]) => [np.add(np.multiply(v!, 1.3), 0.01), np.add(i!, 1)]
    const loop = jit((x: A, n: A) => lax.whileLoop(([, i]: A[]) => np.less(i!, n), body, [x, np.asarray(0, "int32")])[0]!)
    const scan = jit((x: A) => lax.scan((c: A) => [np.sin(c), null], x, null, { length: 3 })[0])
    const outs: [A, number[]][] = []
    for (const n of [3, 4, 0, 5, 4]) { const v = loop(x0, np.asarray(n, "int32")) as A; outs.push([v, [...v.toTypedArray()]]) }
    for (let k = 0; k < 3; k++) { const v = scan(x0) as A; outs.push([v, [...v.toTypedArray()]]) }
    // every earlier result is unchanged by the calls after it, and equals the interpreter's
    for (const [v, at] of outs) expect([...v.toTypedArray()]).toEqual(at)
    expectSame([outs[1]![0]], [outs[4]![0]], "same loop, same count")
    expect(new Set(outs.map(([v]) => (v as NdArray).data.buffer)).size).toBe(outs.length) // no two results share storage
    // a loop result used inside the program, and a linear solve's: later calls leave earlier results alone
    const inside = jit((x: A, n: A) => {
      const v = lax.whileLoop(([, i]: A[]) => np.less(i!, n), body, [x, np.asarray(0, "int32")])[0]!
      const s = lax.customLinearSolve((u: A) => np.multiply(u, 2), v, (_mv: (u: A) => A, b: A) => np.divide(b, 2))
      return [np.sum(v), np.multiply(s, 3)]
    })
    const runs = [2, 5, 1].map((n) => {
      const r = inside(x0, np.asarray(n, "int32")) as A[]
      return { n, r, at: r.map((a) => [...a.toTypedArray()]) }
    })
    for (const { n, r, at } of runs) {
      expect(r.map((a) => [...a.toTypedArray()])).toEqual(at)
      expectSame(r, evalJaxpr(makeJaxpr(inside)(x0, np.asarray(n, "int32")), x0, np.asarray(n, "int32")), `n = ${n}`)
    }
  })

  it("cond and switch over arrays, with the index clamped into range", () => {
    const branches = [(x: A) => np.sin(x), (x: A) => np.multiply(x, x), (x: A) => np.add(x, 1)]
    const f = (i: A, x: A) => lax.switch(i, branches, x)
    for (const i of [-3, 0, 1, 2, 9]) {
      const stats = sameAsInterpreter(f, np.asarray(i, "int32"), x0)
      expect(stats.loops).toContain("cond")
    }
    const got = jit(f)(np.asarray(9, "int32"), x0) as A
    expect([...got.toTypedArray()]).toEqual([...x0.toTypedArray()].map((v) => v + 1))
    const g = (pred: A, x: A) => lax.cond(pred, (x: A) => np.exp(x), (x: A) => np.negative(x), x)
    sameAsInterpreter(g, np.asarray(true), x0)
    sameAsInterpreter(g, np.asarray(false), x0)
  })

  it("prints inside a compiled scan body run once per step, in order", () => {
    const lines: string[] = []
    const spy = vi.spyOn(console, "log").mockImplementation((...xs: unknown[]) => { lines.push(xs.map(String).join(" ")) })
    try {
      const f = (x0: A) => lax.scan((x: A, r: A) => { debug.print("s={}", np.sum(r)); return [np.add(x, r), np.sum(x)] }, x0, np.reshape(np.arange(6), [3, 2]))
      jit(f)(np.zeros([2]))
      expect(lines).toEqual(["s=1", "s=5", "s=9"])
    } finally { spy.mockRestore() }
  })
})

describe("jsgen calls scheduled in place", () => {
  const x = vec(6, 4)
  const inner = checkpoint((y: A) => [np.sin(np.multiply(y, y)), y])
  const softplus = customJvp(function softplus(y: A) { return np.log1p(np.exp(y)) }, {
    jvp: ([y]: A[], [t]: A[]) => [np.log1p(np.exp(y!)), np.multiply(t!, np.divide(1, np.add(1, np.exp(np.negative(y!)))))],
  })
  const lse = customVjp(function logSumExp(y: A) { const m = np.max(y); return np.add(m, np.log(np.sum(np.exp(np.subtract(y, m))))) }, {
    fwd: (y: A) => { const m = np.max(y), l = np.add(m, np.log(np.sum(np.exp(np.subtract(y, m))))); return [l, [y, l]] },
    bwd: ([y, l]: [A, A], ct: A) => [np.multiply(ct, np.exp(np.subtract(y, l)))],
  })
  // the same checkpointed function twice, a pass-through output, custom rules around it
  const f = (y: A) => {
    const [a, same] = inner(y) as A[]
    const [b] = inner(np.cos(a!)) as A[]
    return np.add(np.add(np.sum(softplus(np.multiply(b!, same!))), lse(a!)), np.sum(np.multiply(same!, 0.5)))
  }

  it("checkpoint, customJvp and customVjp are fused with the code around them, in value and gradient", () => {
    for (const g of [f, grad(f), (y: A) => [f(y), lse(y), softplus(y)]]) {
      const stats = sameAsInterpreter(g as (y: A) => unknown, x)
      expect(stats.fallbacks).toEqual([])
    }
  })

  it("a checkpointed body too large to schedule in place runs compiled, once per call site", () => {
    const big = checkpoint((y: A) => { let z = y; for (let i = 0; i < 150; i++) z = np.sin(np.add(z, 0.01 * i)); return z })
    const g = grad((y: A) => np.sum(big(big(y) as A) as A))
    const stats = sameAsInterpreter(g, x)
    expect(stats.fallbacks).toEqual([])
    expect(stats.loops).toContain("remat")
  })

  it("a checkpointed step inside a compiled scan body", () => {
    const step = checkpoint((c: A, r: A) => np.tanh(np.add(np.multiply(c, 0.9), r)))
    const loss = (c0: A) => np.sum((lax.scan((c: A, r: A) => { const n = step(c, r) as A; return [n, np.sum(n)] }, c0, mat(5, 6, 9)) as A[])[0]!)
    const stats = sameAsInterpreter(grad(loss), x)
    expect(stats.fallbacks).toEqual([])
    expect(stats.loops).toContain("scan")
  })
})
