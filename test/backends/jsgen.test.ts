// The JS code generator on the workloads it is built for: an unrolled 1000-step oscillator
// gradient (re-rolled into loops, or chunked into small functions), an MLP gradient (dot
// kernels), a 10^6-element loss (one fused loop); plus the registry report, fallbacks and
// fresh outputs. Results are compared with the interpreter bit for bit.

import { describe, expect, it } from "vitest"
import { type WArray, evalJaxpr, grad, hessian, jit, makeJaxpr, np } from "wengert"
import * as lax from "../../src/lax/index.js"
import { NdArray } from "../../src/core/array.js"
import { primitives } from "../../src/core/primitive.js"
import { compileJaxpr } from "../../src/backends/jsgen/compile.js"
import { hasNativeEmitter } from "../../src/backends/jsgen/rules.js"
import { expectSame } from "./jsgenSame.js"

type A = WArray
const lcg = (seed: number) => { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1 }
const randn = (n: number, seed: number) => { const r = lcg(seed); return Float64Array.from({ length: n }, r) }

// W1: x'' = -k x - c x' - a x³, semi-implicit Euler, loss = Σ (x_t - target_t)²
const N = 1000, dt = 0.01
const target = (() => { const out = new Float64Array(N); let x = 1, v = 0; for (let t = 0; t < N; t++) { v += dt * (-x - 0.1 * v - 0.5 * x * x * x); x += dt * v; out[t] = x } return out })()
function oscillatorLoss(steps: number) {
  return (p: A): A => {
    let x: A = np.asarray(1), v: A = np.asarray(0), l: A = np.asarray(0)
    for (let t = 0; t < steps; t++) {
      const k = p.at(0), c = p.at(1), a = p.at(2)
      const acc = np.negative(np.add(np.add(np.multiply(k, x), np.multiply(c, v)), np.multiply(a, np.multiply(np.multiply(x, x), x))))
      v = np.add(v, np.multiply(dt, acc)); x = np.add(x, np.multiply(dt, v))
      l = np.add(l, np.square(np.subtract(x, target[t]!)))
    }
    return l
  }
}
/** The hand-derived adjoint of the same loop. */
function oscillatorGrad(k: number, c: number, a: number, steps: number): number[] {
  const xs = new Float64Array(steps + 1), vs = new Float64Array(steps + 1)
  xs[0] = 1
  for (let t = 0; t < steps; t++) { vs[t + 1] = vs[t]! + dt * (-k * xs[t]! - c * vs[t]! - a * xs[t]! ** 3); xs[t + 1] = xs[t]! + dt * vs[t + 1]! }
  let xb = 0, vb = 0, kb = 0, cb = 0, ab = 0
  for (let t = steps - 1; t >= 0; t--) {
    xb += 2 * (xs[t + 1]! - target[t]!); vb += dt * xb
    const x = xs[t]!, g = vb * dt
    kb -= g * x; cb -= g * vs[t]!; ab -= g * x * x * x
    xb += g * (-k - 3 * a * x * x); vb *= 1 - dt * c
  }
  return [kb, cb, ab]
}

describe("jsgen", () => {
  const p = np.asarray(Float64Array.of(1.2, 0.15, 0.4))

  it("runs the unrolled 1000-step oscillator gradient as re-rolled loops, equal to grad", () => {
    const g = grad(oscillatorLoss(N))
    const closed = makeJaxpr(g)(p)
    const compiled = compileJaxpr(closed)
    // 39 000 equations (each step's p.at(k) reads are staged once for all steps)
    expect(compiled.stats.eqns).toBeGreaterThan(30_000)
    expect(compiled.stats.rolls).toBeGreaterThanOrEqual(2)
    expect(compiled.source.length).toBeLessThan(20_000)
    expectSame([jit(g)(p) as A], [g(p)], "jit(grad) vs grad")
    expectSame(compiled.run([p]), evalJaxpr(closed, p), "compiled vs interpreter")
    const want = oscillatorGrad(1.2, 0.15, 0.4, N), got = [...(g(p) as A).toTypedArray()]
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-9 * Math.abs(want[i]!)))
  })

  it("compiles lax.forILoop and the scans of its gradient as JS loops, equal to grad", () => {
    const tgt = np.asarray(target)
    const loss = (p: A): A => {
      const k = p.at(0), c = p.at(1), a = p.at(2)
      const [x, v, l] = [np.asarray(1), np.asarray(0), np.asarray(0)]
      return lax.forILoop(0, N, (i: A, [x, v, l]: A[]) => {
        const acc = np.negative(np.add(np.add(np.multiply(k, x!), np.multiply(c, v!)), np.multiply(a, np.multiply(np.multiply(x!, x!), x!))))
        const v1 = np.add(v!, np.multiply(dt, acc)), x1 = np.add(x!, np.multiply(dt, v1))
        return [x1, v1, np.add(l!, np.square(np.subtract(x1, np.take(tgt, i))))]
      }, [x, v, l])[2]
    }
    const g = grad(loss)
    const closed = makeJaxpr(g)(p)
    const compiled = compileJaxpr(closed)
    expect(compiled.stats.fallbacks).not.toContain("scan")
    expect(compiled.source.match(/for\(let l\d+=0/g)!.length).toBe(2)
    expectSame(compiled.run([p]), evalJaxpr(closed, p), "compiled vs interpreter")
    expectSame([jit(g)(p) as A], [g(p)], "jit(grad) vs grad")
  })

  it("splits long straight-line programs into small functions (chunking)", () => {
    const closed = makeJaxpr(grad(oscillatorLoss(300)))(p)
    const chunked = compileJaxpr(closed, { reroll: false })
    expect(closed.jaxpr.eqns.length).toBeGreaterThan(10_000)
    expect(chunked.stats.chunks).toBeGreaterThan(5)
    expect(chunked.source.match(/function c\d+\(/g)!.length).toBe(chunked.stats.chunks)
    expectSame(chunked.run([p]), evalJaxpr(closed, p), "chunked vs interpreter")
  })

  it("chunks a 10^4-equation program with no repeated pattern, without overflowing the stack", () => {
    const r = lcg(7)
    const ops = [lax.sin, lax.cos, lax.tanh, lax.atan, lax.neg]
    const f = (x: A): A => {
      const vals = [lax.reshape(lax.slice(x, [0], [1]), []), lax.reshape(lax.slice(x, [1], [2]), [])]
      for (let i = 0; i < 10_000; i++) {
        const a = vals[Math.floor((r() + 1) / 2 * vals.length)]!, b = vals[vals.length - 1]!
        const k = Math.floor((r() + 1) * 3.5)
        vals.push(k < 5 ? ops[k]!(lax.add(a, b)) : lax.mul(lax.add(a, b), NdArray.scalar(r(), "float64")))
      }
      return vals[vals.length - 1]!
    }
    const x = np.asarray([0.3, -0.7])
    const closed = makeJaxpr(f)(x)
    const c = compileJaxpr(closed)
    expect(c.stats.chunks).toBeGreaterThan(5)
    expectSame(c.run([x]), evalJaxpr(closed, x), "chunked vs interpreter")
  })

  it("compiles an MLP gradient (dot kernels, fused bias and tanh) equal to grad", () => {
    const sizes = [64, 128, 128, 1], B = 96
    const params = sizes.slice(0, -1).flatMap((n, i) => [
      np.reshape(np.asarray(randn(n * sizes[i + 1]!, 10 + i)), [n, sizes[i + 1]!]),
      np.asarray(randn(sizes[i + 1]!, 20 + i)),
    ])
    const x = np.reshape(np.asarray(randn(B * 64, 1)), [B, 64]), y = np.reshape(np.asarray(randn(B, 2)), [B, 1])
    const loss = (ps: A[], x: A, y: A) => {
      let h = x
      for (let l = 0; l < 3; l++) {
        const z = np.add(np.matmul(h, ps[2 * l]!), ps[2 * l + 1]!)
        h = l < 2 ? np.tanh(z) : z
      }
      return np.mean(np.square(np.subtract(h, y)))
    }
    const g = grad(loss)
    const got = jit(g)(params, x, y) as A[], want = g(params, x, y) as A[]
    expectSame(got, want, "jit(grad) vs grad")
  })

  it("computes products through every path of the dot helpers, bit for bit, in every dtype", () => {
    // rows and columns in 4×4 blocks and left over, K = 1 (outer products), N = 1, batches, and
    // a transposed operand (strides other than 1 along K)
    const sizes = [[1, 1, 1], [5, 9, 1], [4, 4, 4], [9, 6, 7], [8, 1, 5], [3, 7, 6], [13, 10, 12]]
    for (const dtype of ["float64", "float32", "int32", "uint32"] as const)
      for (const [M, N, K] of sizes) {
        const r = lcg(M * 100 + N * 10 + K), v = (n: number) => Float64Array.from({ length: n }, () => Math.round(r() * 50) / 8)
        const a = np.asarray(np.reshape(np.asarray(v(2 * M * K)), [2, K, M]), { dtype })
        const b = np.asarray(np.reshape(np.asarray(v(2 * K * N)), [2, K, N]), { dtype })
        const f = (a: A, b: A) => [
          lax.dotGeneral(a, b, { lhs_contracting: [1], rhs_contracting: [1], lhs_batch: [0], rhs_batch: [0] }),
          np.matmul(np.transpose(a.at(0)), b.at(1)),
        ]
        const closed = makeJaxpr(f)(a, b), c = compileJaxpr(closed)
        expect(c.source).toMatch(/hDot/)
        expectSame(c.run([a, b]), evalJaxpr(closed, a, b), `${dtype} ${M}×${N}×${K}`)
      }
  })

  it("reads an identity constant (jacfwd's and hessian's basis) as a comparison of row and column", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const n = 5, I = np.eye(n, n, { dtype }), x = np.asarray(np.reshape(np.asarray(randn(n * n, 7)), [n, n]), { dtype })
      const f = (x: A) => [
        np.multiply(np.transpose(I), np.sin(x)), //                  columns step by rows: compared
        np.multiply(np.slice(I, [1, 0], [n - 1, n - 1]), np.slice(x, [0, 1], [n - 1, n - 1])), // an offset: compared
        np.multiply(np.flip(I, 1), x), //                             a negative stride: loaded
        np.multiply(I, x), //                                         the same walk as x's: compared
        np.multiply(np.reshape(I, [1, n, n]), np.reshape(x, [n, n, 1])), // a broadcast: compared
      ]
      const closed = makeJaxpr(f)(x), c = compileJaxpr(closed)
      expect(c.source.match(/\?1:0\)/g)?.length, c.source).toBeGreaterThanOrEqual(3)
      expectSame(c.run([x]), evalJaxpr(closed, x), `${dtype} views of eye`)
      // alone, the product walks all n² elements as one loop, leaving rows: loaded
      const g = (x: A) => np.multiply(I, np.cos(x)), gc = makeJaxpr(g)(x), gp = compileJaxpr(gc)
      expect(gp.source).not.toMatch(/\?1:0\)/)
      expectSame(gp.run([x]), evalJaxpr(gc, x), `${dtype} eye · x`)
    }
    // the Hessian reads its basis this way: no load of the 100×100 identity is left
    const rosen = (x: A) => np.sum(np.square(np.subtract(np.slice(x, [1], [99]), np.square(np.slice(x, [0], [99])))))
    const x = np.asarray(randn(100, 3)), H = hessian(rosen), src = compileJaxpr(makeJaxpr(H)(x)).source
    expect(src).toMatch(/\(i\d+_0===i\d+_1\?1:0\)/)
    expectSame([jit(H)(x) as A], [H(x)], "jit(hessian) vs hessian")
  })

  it("fuses a 10^6-element loss and its gradient into single loops", () => {
    const x = np.asarray(randn(1_000_000, 3).map((v) => 3 * v))
    const f = (x: A) => np.sum(np.add(np.multiply(np.sin(x), np.exp(np.negative(np.square(x)))), np.log1p(np.square(x))))
    const g = grad(f)
    const c = compileJaxpr(makeJaxpr(g)(x))
    expect(c.source.match(/for\(/g)!.length).toBe(1)
    expectSame([jit(g)(x) as A], [g(x)], "jit(grad) vs grad")
    expectSame([jit(f)(x) as A], [f(x)], "jit vs eager")
  })

  it("keeps unit-axis reshapes, transposes and pads of a fused value in its loop (the Hessian of W4)", () => {
    const rosen = (x: A) => {
      const head = np.slice(x, [0], [99]), tail = np.slice(x, [1], [99])
      return np.sum(np.add(np.multiply(100, np.square(np.subtract(tail, np.square(head)))), np.square(np.subtract(1, head))))
    }
    const x = np.asarray(randn(100, 5)), H = hessian(rosen)
    const c = compileJaxpr(makeJaxpr(H)(x))
    // the batched [100, 99] work is one loop that stores the sum of both pads (a stencil sum,
    // one pad carried a step) at its transposed place; nothing is copied
    expect(c.source).not.toMatch(/ip_0/)
    expect(c.source.match(/for\(let i\d+_0=0;i\d+_0<100;/g)!.length).toBe(1)
    expect(c.source).toMatch(/let w\d+=0;/)
    expectSame([jit(H)(x) as A], [H(x)], "jit(hessian) vs hessian")
    // a transpose and a pad of fused values, read back by later loops
    const f = (a: A) => {
      const y = np.sin(np.multiply(a, 3))
      return [np.add(np.transpose(y, [1, 0]), 1), np.multiply(np.pad(np.exp(y), [[1, 2], [0, 1]], { constantValues: -1 }), 2)]
    }
    const a = np.reshape(np.asarray(randn(60, 6)), [6, 10])
    expectSame(jit(f)(a) as A[], f(a), "transpose and pad of fused values")
  })

  it("adds pads one step apart (stencil gradients) in their operands' loop, bit for bit", () => {
    // values with -0, ±Infinity and NaN, so that pad values and additions are checked to the bit
    const special = (n: number, seed: number) => { const r = randn(n, seed); [0, 3, 7].forEach((i, k) => { if (i < n) r[i] = [-0, Infinity, Number.NaN][k]! }); return r }
    const a = np.reshape(np.asarray(special(24, 11)), [4, 6]), z = np.negative(np.zerosLike(a))
    const pad = (x: A, lo: number, hi: number, v = 0) => np.pad(x, [[0, 0], [lo, hi]], { constantValues: v }) as A
    const cases: [string, (x: A) => A][] = [
      ["x[:-1] + x[1:] adjoint", (x) => np.add(pad(np.sin(x), 1, 0), pad(np.cos(x), 0, 1))],
      ["other operand order", (x) => np.add(pad(np.cos(x), 0, 1), pad(np.sin(x), 1, 0))],
      ["-0 everywhere", (x) => np.add(pad(np.multiply(x, z), 1, 0), pad(np.multiply(z, x), 0, 1))],
      ["uncovered border, other pad values", (x) => np.add(pad(np.exp(x), 2, 1, -0), pad(np.tanh(x), 1, 2, 1.5))],
      ["then transposed", (x) => np.transpose(np.add(pad(np.sin(x), 1, 0), pad(np.square(x), 0, 1)), [1, 0])],
      ["two steps apart: not a stencil sum", (x) => np.add(pad(np.sin(x), 2, 0), pad(np.cos(x), 0, 2))],
    ]
    const carried = /let w\d+=/
    cases.forEach(([what, f], k) => {
      expect(compileJaxpr(makeJaxpr(f)(a)).source, what).toMatch(k < 5 ? carried : /^(?![\s\S]*let w\d+=)/)
      expectSame([jit(f)(a) as A], [f(a)], what)
    })
    expect(compileJaxpr(makeJaxpr(cases[4]![1])(a)).source.match(/for\(let /g)!.length).toBe(2) // one nest: the sum stored transposed
    const a32 = np.asarray(a, { dtype: "float32" }), f32 = cases[0]![1]
    expectSame([jit(f32)(a32) as A], [f32(a32)], "float32")
    // the gradient of a 1-d finite-difference energy: a stencil sum along the only axis
    const energy = (x: A) => np.sum(np.square(np.subtract(np.slice(x, [1], [23]), np.slice(x, [0], [23]))))
    const x = np.asarray(randn(24, 12))
    expect(compileJaxpr(makeJaxpr(grad(energy))(x)).source).toMatch(carried)
    expectSame([jit(grad(energy))(x) as A], [grad(energy)(x)], "1-d stencil gradient")
  })

  it("has native emitters for the core primitives and runs every other one through its impl", () => {
    const all = primitives(), native = all.filter(hasNativeEmitter).map((q) => q.name)
    const viaImpl = all.filter((q) => !hasNativeEmitter(q)).map((q) => q.name)
    console.info(`jsgen native (${native.length}): ${native.join(" ")}\njsgen via impl (${viaImpl.length}): ${viaImpl.join(" ")}`)
    for (const name of ["add", "mul", "sin", "exp", "select_n", "reduce_sum", "reduce_max", "dot_general", "broadcast_in_dim",
      "transpose", "reshape", "slice", "pad", "concatenate", "convert_element_type", "integer_pow", "cumsum", "argmax", "gather", "iota"])
      expect(native).toContain(name)
  })

  it("runs primitives without an emitter through their impl, inside compiled code", () => {
    const m = np.asarray([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
    const f = (b: A) => np.sin(np.linalg.solve(m, np.multiply(b, 2)))
    const b = np.asarray([1, 2, 3])
    const closed = makeJaxpr(f)(b)
    const c = compileJaxpr(closed)
    expect(c.stats.fallbacks.length).toBeGreaterThan(0)
    expectSame(c.run([b]), evalJaxpr(closed, b), "fallback")
  })

  it("lets go of a fallback's results after their last read, in its own function or a later one", () => {
    const m = np.asarray([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
    const f = (b: A) => {
      const s = np.linalg.solve(m, b) // a fallback: its result sits in the buffer table
      let y = np.sin(s)
      for (let k = 0; k < 12; k++) y = np.add(np.multiply(y, s), np.cos(y))
      return [y, np.linalg.solve(m, np.reshape(y, [3, 1]))] // the second solve's result is an output: kept
    }
    const b = np.asarray([1, 2, 3]), closed = makeJaxpr(f)(b)
    for (const chunkWeight of [600, 4]) {
      const c = compileJaxpr(closed, { chunkWeight })
      expect(c.source.match(/F\(/g)?.length).toBe(2)
      expect(c.source.match(/R\(b\d+\)/g)?.length, `chunkWeight ${chunkWeight}`).toBe(1)
      if (chunkWeight === 4) expect(c.stats.chunks).toBeGreaterThan(3)
      for (let rep = 0; rep < 2; rep++) expectSame(c.run([b]), evalJaxpr(closed, b) as A[], `chunkWeight ${chunkWeight}, call ${rep}`)
    }
  })

  it("returns fresh arrays: outputs never alias inputs, buffers or earlier outputs", () => {
    const id = jit((x: A) => [x, x, np.multiply(x, 2)])
    const x = np.asarray([1, 2, 3, 4, 5])
    const [a, b, c] = id(x) as A[]
    const [, , c2] = id(x) as A[]
    const bufs = [x, a!, b!, c!, c2!].map((t) => (t as unknown as NdArray).data)
    expect(new Set(bufs).size).toBe(5)
    ;(c as unknown as NdArray).data[0] = 99
    expect((id(x) as A[])[2]!.toArray()).toEqual([2, 4, 6, 8, 10])
  })

  it("keeps float32 arithmetic in float32, as the eager kernels do", () => {
    const x = new NdArray(Float32Array.from(randn(50, 4)), [5, 10], "float32")
    const f = (x: A) => lax.reduceSum(lax.mul(lax.exp(lax.sin(x)), lax.add(x, NdArray.scalar(0.1, "float32"))), [1])
    const closed = makeJaxpr(f)(x)
    expect(jit(f)(x).dtype).toBe("float32")
    expectSame([jit(f)(x)], evalJaxpr(closed, x), "float32")
  })
})
