// Laws of the control-flow primitives over random small programs: scan, cond, switch and
// whileLoop equal their unrolled JS equivalents in value (plain float64 JS), JVP and VJP
// (against the same np program unrolled by a JS loop or chosen by a JS `if`, which uses no
// control primitive); vmap equals mapping over lanes (lanes taking different branches and
// different trip counts); jit equals the interpreter.

import fc, { type Arbitrary } from "fast-check"
import { describe, expect, it } from "vitest"
import { type WArray, grad, jit, jvp, lax, np, vjp, vmap } from "wengert"
import { LAW_RUNS } from "./config.js"

const runs = { numRuns: LAW_RUNS }

// --- random straight-line programs over vectors -------------------------------------------

const KINDS = ["add", "sub", "mul", "sin", "cos", "tanh", "scale", "sum"] as const
type Op = { k: (typeof KINDS)[number]; i: number; j: number; s: number }
interface Impl<T> { op(k: Op["k"], a: T, b: T, s: number): T }

const npImpl: Impl<WArray> = {
  op: (k, a, b, s) => {
    switch (k) {
      case "add": return np.add(a, b)
      case "sub": return np.subtract(a, b)
      case "mul": return np.multiply(a, b)
      case "sin": return np.sin(a)
      case "cos": return np.cos(a)
      case "tanh": return np.tanh(a)
      case "scale": return np.multiply(a, s)
      case "sum": return np.broadcastTo(np.sum(a), a.shape)
    }
  },
}
const jsImpl: Impl<number[]> = {
  op: (k, a, b, s) => {
    switch (k) {
      case "add": return a.map((v, i) => v + b[i]!)
      case "sub": return a.map((v, i) => v - b[i]!)
      case "mul": return a.map((v, i) => v * b[i]!)
      case "sin": return a.map(Math.sin)
      case "cos": return a.map(Math.cos)
      case "tanh": return a.map(Math.tanh)
      case "scale": return a.map((v) => v * s)
      case "sum": { const t = a.reduce((p, v) => p + v, 0); return a.map(() => t) }
    }
  },
}

/** Runs the program on a value stack that starts with the inputs; returns the whole stack. */
function evalProg<T>(prog: readonly Op[], inputs: readonly T[], impl: Impl<T>): T[] {
  const stack = [...inputs]
  for (const o of prog) stack.push(impl.op(o.k, stack[o.i % stack.length]!, stack[o.j % stack.length]!, o.s))
  return stack
}

const GRID = 2 ** 30
const num = (lo = -1.5, hi = 1.5): Arbitrary<number> => fc.integer({ min: 0, max: GRID }).map((k) => lo + ((hi - lo) * k) / GRID)
const vec = (n: number, lo?: number, hi?: number) => fc.array(num(lo, hi), { minLength: n, maxLength: n })
const mat = (rows: number, n: number) => fc.array(vec(n), { minLength: rows, maxLength: rows })
const progArb = fc.array(fc.record({ k: fc.constantFrom(...KINDS), i: fc.nat(30), j: fc.nat(30), s: num() }), { minLength: 1, maxLength: 5 })

const A = (v: number[]) => np.array(v)
const M = (v: number[][], n: number) => np.reshape(np.array(v.flat()), [v.length, n])
const vals = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)

/** |got − want| ≤ tol·max(1, |want|) elementwise. */
function close(got: WArray | number[], want: WArray | number[], tol: number, what: string): void {
  const g = Array.isArray(got) ? got : vals(got), w = Array.isArray(want) ? want : vals(want)
  expect(g.length, `${what} length`).toBe(w.length)
  g.forEach((v, i) => expect(Math.abs(v - w[i]!) / Math.max(1, Math.abs(w[i]!)), `${what}[${i}]: ${v} vs ${w[i]}`).toBeLessThanOrEqual(tol))
}
const closeTree = (got: unknown, want: unknown, tol: number, what: string): void => {
  if (Array.isArray(want)) return (want as unknown[]).forEach((w, i) => closeTree((got as unknown[])[i], w, tol, `${what}[${i}]`))
  if (want && typeof want === "object" && !("shape" in want)) return Object.keys(want).forEach((k) => closeTree((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], tol, `${what}.${k}`))
  close(got as WArray, want as WArray, tol, what)
}

// --- scan ---------------------------------------------------------------------------------

// body: stack [h, x, a] → h' = tanh(last), s' = s + ½Σy, y = the entry before last
type Carry<T> = { h: T; s: T }
function step<T>(prog: readonly Op[], impl: Impl<T>, tanh: (v: T) => T, sumHalf: (s: T, y: T) => T, c: Carry<T>, x: T, a: T): [Carry<T>, T] {
  const st = evalProg(prog, [c.h, x, a], impl)
  const y = st[st.length - 2]!
  return [{ h: tanh(st[st.length - 1]!), s: sumHalf(c.s, y) }, y]
}
const npStep = (prog: readonly Op[]) => (c: Carry<WArray>, x: WArray, a: WArray) =>
  step(prog, npImpl, np.tanh, (s, y) => np.add(s, np.multiply(np.sum(y), 0.5)), c, x, a)

const scanF = (prog: readonly Op[], reverse: boolean) => (h0: WArray, xs: WArray, a: WArray) =>
  lax.scan((c: Carry<WArray>, x: WArray) => npStep(prog)(c, x, a), { h: h0, s: np.array(0) }, xs, { reverse }) as [Carry<WArray>, WArray]

/** The same program unrolled by a JS loop over np operations (no scan primitive). */
const unrolledF = (prog: readonly Op[], reverse: boolean) => (h0: WArray, xs: WArray, a: WArray): [Carry<WArray>, WArray] => {
  const N = xs.shape[0]!, n = h0.shape[0]!
  let c: Carry<WArray> = { h: h0, s: np.array(0) }
  const ys: WArray[] = new Array(N)
  for (let k = 0; k < N; k++) {
    const t = reverse ? N - 1 - k : k
    const [next, y] = npStep(prog)(c, xs.at(t), a)
    ys[t] = y
    c = next
  }
  return [c, N ? np.stack(ys, 0) : np.zeros([0, n])]
}

/** Plain float64 JS. */
function scanJs(prog: readonly Op[], reverse: boolean, h0: number[], xs: number[][], a: number[]) {
  let c: Carry<number[]> = { h: h0, s: [0] }
  const ys: number[][] = xs.map(() => [])
  for (let k = 0; k < xs.length; k++) {
    const t = reverse ? xs.length - 1 - k : k
    const [next, y] = step(prog, jsImpl, (v) => v.map(Math.tanh), (s, yv) => [s[0]! + 0.5 * yv.reduce((p, v) => p + v, 0)], c, xs[t]!, a)
    ys[t] = y
    c = next
  }
  return { h: c.h, s: c.s, ys: ys.flat() }
}

const scanCase = fc.record({ n: fc.integer({ min: 1, max: 3 }), N: fc.integer({ min: 0, max: 6 }), reverse: fc.boolean(), prog: progArb })
  .chain((c) => fc.record({
    h0: vec(c.n), xs: mat(c.N, c.n), a: vec(c.n),
    th0: vec(c.n, -1, 1), txs: mat(c.N, c.n), ta: vec(c.n, -1, 1),
    ch: vec(c.n, -1, 1), cs: num(-1, 1), cys: mat(c.N, c.n),
  }).map((v) => ({ ...c, ...v })))

describe("lax.scan equals its unrolled loop", () => {
  it("in value (plain JS loop)", () => {
    fc.assert(fc.property(scanCase, ({ n, prog, reverse, h0, xs, a }) => {
      const [c, ys] = scanF(prog, reverse)(A(h0), M(xs, n), A(a))
      const want = scanJs(prog, reverse, h0, xs, a)
      close(c.h, want.h, 1e-12, "h")
      close(c.s, want.s, 1e-12, "s")
      close(ys, want.ys, 1e-12, "ys")
    }), runs)
  })

  it("in JVP", () => {
    fc.assert(fc.property(scanCase, ({ n, prog, reverse, h0, xs, a, th0, txs, ta }) => {
      const primals = [A(h0), M(xs, n), A(a)], tangents = [A(th0), M(txs, n), A(ta)]
      const [p1, t1] = jvp(scanF(prog, reverse), primals, tangents)
      const [p2, t2] = jvp(unrolledF(prog, reverse), primals, tangents)
      closeTree(p1, p2, 1e-12, "primal")
      closeTree(t1, t2, 1e-11, "tangent")
    }), runs)
  })

  it("in VJP", () => {
    fc.assert(fc.property(scanCase, ({ n, prog, reverse, h0, xs, a, ch, cs, cys }) => {
      const ct = [{ h: A(ch), s: np.array(cs) }, M(cys, n)]
      const g1 = vjp(scanF(prog, reverse), A(h0), M(xs, n), A(a))[1](ct)
      const g2 = vjp(unrolledF(prog, reverse), A(h0), M(xs, n), A(a))[1](ct)
      g1.forEach((g, i) => close(g as WArray, g2[i] as WArray, 1e-11, `cotangent ${i}`))
    }), runs)
  })

  it("in second order: the JVP of the gradient w.r.t. the closed-over parameter", () => {
    fc.assert(fc.property(scanCase, ({ n, prog, reverse, h0, xs, a, ta }) => {
      const L = (f: typeof scanF) => (av: WArray) => { const [c, ys] = f(prog, reverse)(A(h0), M(xs, n), av); return np.add(np.sum(np.multiply(c.h, c.h)), np.add(c.s, np.sum(ys))) }
      const [g1, h1] = jvp(grad(L(scanF)), [A(a)], [A(ta)])
      const [g2, h2] = jvp(grad(L(unrolledF)), [A(a)], [A(ta)])
      close(g1, g2, 1e-11, "grad")
      close(h1, h2, 1e-10, "hvp")
    }), runs)
  })

  it("under jit (equal to the interpreter)", () => {
    fc.assert(fc.property(scanCase, ({ n, prog, reverse, h0, xs, a }) => {
      const f = scanF(prog, reverse)
      closeTree(jit(f)(A(h0), M(xs, n), A(a)), f(A(h0), M(xs, n), A(a)), 1e-12, "jit")
    }), runs)
  })

  it("under vmap (equal to mapping over lanes; any operand batched or shared)", () => {
    const lanes = fc.record({ n: fc.integer({ min: 1, max: 3 }), N: fc.integer({ min: 0, max: 5 }), B: fc.integer({ min: 1, max: 3 }), reverse: fc.boolean(), prog: progArb,
      batched: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()) })
      .chain((c) => fc.record({ h0: mat(c.B, c.n), xs: fc.array(mat(c.N, c.n), { minLength: c.B, maxLength: c.B }), a: mat(c.B, c.n) }).map((v) => ({ ...c, ...v })))
    fc.assert(fc.property(lanes, ({ n, N, B, reverse, prog, batched, h0, xs, a }) => {
      const ins = [batched[0] ? np.array(h0) : A(h0[0]!), batched[1] ? np.reshape(np.array(xs.flat(2)), [B, N, n]) : M(xs[0]!, n), batched[2] ? np.array(a) : A(a[0]!)]
      const got = vmap(scanF(prog, reverse), { inAxes: batched.map((b) => (b ? 0 : null)), axisSize: B })(...ins)
      const per = [...Array(B).keys()].map((b) => scanJs(prog, reverse, h0[batched[0] ? b : 0]!, xs[batched[1] ? b : 0]!, a[batched[2] ? b : 0]!))
      close(got[0].h, per.flatMap((p) => p.h), 1e-12, "h")
      close(got[0].s, per.flatMap((p) => p.s), 1e-12, "s")
      close(got[1], per.flatMap((p) => p.ys), 1e-12, "ys")
    }), runs)
  })
})

// --- cond and switch ------------------------------------------------------------------------

/** Branch k: the last entry of program k on the stack [u, a] (a reaches it by closure). */
const branchNp = (prog: readonly Op[], a: WArray) => (u: WArray) => evalProg(prog, [u, a], npImpl).at(-1)!
const branchJs = (prog: readonly Op[], u: number[], a: number[]) => evalProg(prog, [u, a], jsImpl).at(-1)!

const condCase = fc.record({ n: fc.integer({ min: 1, max: 3 }), progs: fc.array(progArb, { minLength: 2, maxLength: 4 }), p: num(-1, 1), idx: fc.integer({ min: -2, max: 5 }) })
  .chain((c) => fc.record({ u: vec(c.n), a: vec(c.n), tu: vec(c.n, -1, 1), ta: vec(c.n, -1, 1), ct: vec(c.n, -1, 1) }).map((v) => ({ ...c, ...v })))

const condF = (progs: readonly Op[][]) => (p: WArray, u: WArray, a: WArray) => lax.cond(np.greater(p, 0), branchNp(progs[0]!, a), branchNp(progs[1]!, a), u) as WArray
/** A JS `if` on the concrete predicate (pathwise under jvp/vjp). */
const ifF = (progs: readonly Op[][]) => (p: WArray, u: WArray, a: WArray) => (p.item() > 0 ? branchNp(progs[0]!, a)(u) : branchNp(progs[1]!, a)(u))
const switchF = (progs: readonly Op[][]) => (i: WArray, u: WArray, a: WArray) => lax.switch(i, progs.map((pr) => branchNp(pr, a)), u) as WArray
const clampIdx = (i: number, k: number) => Math.min(k - 1, Math.max(0, i))

describe("lax.cond and lax.switch equal a JS if", () => {
  it("in value, JVP and VJP (the derivative of the branch taken, also in the closed-over value)", () => {
    fc.assert(fc.property(condCase, ({ progs, p, u, a, tu, ta, ct }) => {
      close(condF(progs)(np.array(p), A(u), A(a)), branchJs(progs[p > 0 ? 0 : 1]!, u, a), 1e-12, "value")
      const [p1, t1] = jvp(condF(progs), [np.array(p), A(u), A(a)], [np.array(0.5), A(tu), A(ta)])
      const [p2, t2] = jvp(ifF(progs), [np.array(p), A(u), A(a)], [np.array(0.5), A(tu), A(ta)])
      close(p1, p2, 1e-12, "primal")
      close(t1, t2, 1e-12, "tangent")
      const g1 = vjp(condF(progs), np.array(p), A(u), A(a))[1](A(ct)), g2 = vjp(ifF(progs), np.array(p), A(u), A(a))[1](A(ct))
      expect(vals(g1[0] as WArray)).toEqual([0])
      close(g1[1] as WArray, g2[1] as WArray, 1e-12, "ct u")
      close(g1[2] as WArray, g2[2] as WArray, 1e-12, "ct a")
    }), runs)
  })

  it("switch clamps its index and differentiates the selected branch", () => {
    fc.assert(fc.property(condCase, ({ progs, idx, u, a, tu, ta }) => {
      const sel = progs[clampIdx(idx, progs.length)]!
      const i = np.array(idx, { dtype: "int32" })
      close(switchF(progs)(i, A(u), A(a)), branchJs(sel, u, a), 1e-12, "value")
      const [, t1] = jvp((uu: WArray, aa: WArray) => switchF(progs)(i, uu, aa), [A(u), A(a)], [A(tu), A(ta)])
      const [, t2] = jvp((uu: WArray, aa: WArray) => branchNp(sel, aa)(uu), [A(u), A(a)], [A(tu), A(ta)])
      close(t1, t2, 1e-12, "tangent")
    }), runs)
  })

  it("under jit (equal to the interpreter)", () => {
    fc.assert(fc.property(condCase, ({ progs, p, idx, u, a }) => {
      close(jit(condF(progs))(np.array(p), A(u), A(a)), condF(progs)(np.array(p), A(u), A(a)), 1e-12, "cond")
      const i = np.array(idx, { dtype: "int32" })
      close(jit(switchF(progs))(i, A(u), A(a)), switchF(progs)(i, A(u), A(a)), 1e-12, "switch")
    }), runs)
  })

  it("under vmap with batched predicates and indices, lanes take their own branches (value and grad)", () => {
    const lanes = fc.record({ n: fc.integer({ min: 1, max: 3 }), B: fc.integer({ min: 1, max: 4 }), progs: fc.array(progArb, { minLength: 2, maxLength: 3 }), batchA: fc.boolean() })
      .chain((c) => fc.record({ ps: vec(c.B, -1, 1), idx: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: c.B, maxLength: c.B }), u: mat(c.B, c.n), a: mat(c.B, c.n) }).map((v) => ({ ...c, ...v })))
    fc.assert(fc.property(lanes, ({ B, progs, batchA, ps, idx, u, a }) => {
      const aIn = batchA ? np.array(a) : A(a[0]!), inAxes = [0, 0, batchA ? 0 : null]
      const aOf = (b: number) => a[batchA ? b : 0]!
      const lanesIdx = [...Array(B).keys()]
      close(vmap(condF(progs), { inAxes })(np.array(ps), np.array(u), aIn), lanesIdx.flatMap((b) => branchJs(progs[ps[b]! > 0 ? 0 : 1]!, u[b]!, aOf(b))), 1e-12, "cond")
      close(vmap(switchF(progs), { inAxes })(np.array(idx, { dtype: "int32" }), np.array(u), aIn), lanesIdx.flatMap((b) => branchJs(progs[clampIdx(idx[b]!, progs.length)]!, u[b]!, aOf(b))), 1e-12, "switch")
      const L = (p: WArray, uu: WArray, aa: WArray) => np.sum(condF(progs)(p, uu, aa))
      const g = vmap(grad(L, { argnums: 1 }), { inAxes })(np.array(ps), np.array(u), aIn)
      close(g, lanesIdx.flatMap((b) => vals(grad(L, { argnums: 1 })(np.array(ps[b]!), A(u[b]!), A(aOf(b))))), 1e-12, "vmap(grad)")
    }), runs)
  })
})

// --- whileLoop --------------------------------------------------------------------------------

// carry v: while Σv < T, v ← v + 0.2 + 0.1·tanh(prog(v, a)); each step raises every entry by ≥ 0.1
const bodyNp = (prog: readonly Op[], a: WArray) => (v: WArray) => np.add(v, np.add(0.2, np.multiply(0.1, np.tanh(evalProg(prog, [v, a], npImpl).at(-1)!))))
const bodyJs = (prog: readonly Op[], v: number[], a: number[]) => { const t = evalProg(prog, [v, a], jsImpl).at(-1)!; return v.map((x, i) => x + (0.2 + 0.1 * Math.tanh(t[i]!))) }
const whileF = (prog: readonly Op[], T: number, maxIterations?: number) => (v0: WArray, a: WArray) =>
  lax.whileLoop((v: WArray) => np.less(np.sum(v), T), bodyNp(prog, a), v0, maxIterations === undefined ? {} : { maxIterations }) as WArray
/** The loop in JS over np operations, reading the condition's value (pathwise under jvp/grad). */
const nativeF = (prog: readonly Op[], T: number, max = Infinity) => (v0: WArray, a: WArray) => {
  let v = v0
  for (let i = 0; i < max && np.sum(v).item() < T; i++) v = bodyNp(prog, a)(v)
  return v
}
function whileJs(prog: readonly Op[], T: number, v0: number[], a: number[], max = Infinity) {
  let v = v0, trips = 0
  while (trips < max && v.reduce((p, x) => p + x, 0) < T) { v = bodyJs(prog, v, a); trips++ }
  return { v, trips }
}

const whileCase = fc.record({ n: fc.integer({ min: 1, max: 3 }), prog: progArb, T: num(-2, 3), max: fc.integer({ min: 0, max: 8 }) })
  .chain((c) => fc.record({ v0: vec(c.n), a: vec(c.n), tv: vec(c.n, -1, 1), ta: vec(c.n, -1, 1), w: vec(c.n, -1, 1) }).map((v) => ({ ...c, ...v })))

describe("lax.whileLoop equals its JS loop", () => {
  it("in value, and in forward mode with a data-dependent trip count", () => {
    fc.assert(fc.property(whileCase, ({ prog, T, v0, a, tv, ta }) => {
      close(whileF(prog, T)(A(v0), A(a)), whileJs(prog, T, v0, a).v, 1e-12, "value")
      const [p1, t1] = jvp(whileF(prog, T), [A(v0), A(a)], [A(tv), A(ta)])
      const [p2, t2] = jvp(nativeF(prog, T), [A(v0), A(a)], [A(tv), A(ta)])
      close(p1, p2, 1e-12, "primal")
      close(t1, t2, 1e-11, "tangent")
    }), runs)
  })

  it("in reverse mode with maxIterations (the loop truncated at the bound)", () => {
    fc.assert(fc.property(whileCase, ({ prog, T, max, v0, a, w }) => {
      const L = (f: (v0: WArray, a: WArray) => WArray) => (v: WArray, aa: WArray) => np.sum(np.multiply(A(w), f(v, aa)))
      close(whileF(prog, T, max)(A(v0), A(a)), whileJs(prog, T, v0, a, max).v, 1e-12, "value")
      const [g1v, g1a] = grad(L(whileF(prog, T, max)), { argnums: [0, 1] })(A(v0), A(a)) as WArray[]
      const [g2v, g2a] = grad(L(nativeF(prog, T, max)), { argnums: [0, 1] })(A(v0), A(a)) as WArray[]
      close(g1v!, g2v!, 1e-11, "d/dv0")
      close(g1a!, g2a!, 1e-11, "d/da")
    }), runs)
  })

  it("under jit (equal to the interpreter), with and without maxIterations", () => {
    fc.assert(fc.property(whileCase, ({ prog, T, max, v0, a }) => {
      close(jit(whileF(prog, T))(A(v0), A(a)), whileF(prog, T)(A(v0), A(a)), 1e-12, "while")
      close(jit(whileF(prog, T, max))(A(v0), A(a)), whileF(prog, T, max)(A(v0), A(a)), 1e-12, "bounded while")
    }), runs)
  })

  it("under vmap, lanes with different trip counts equal mapping (value, jvp, and grad with maxIterations)", () => {
    const lanes = fc.record({ n: fc.integer({ min: 1, max: 3 }), B: fc.integer({ min: 1, max: 4 }), prog: progArb, T: num(-2, 3), max: fc.integer({ min: 0, max: 8 }) })
      .chain((c) => fc.record({ v0: mat(c.B, c.n), a: vec(c.n) }).map((v) => ({ ...c, ...v })))
    fc.assert(fc.property(lanes, ({ B, prog, T, max, v0, a }) => {
      const f = whileF(prog, T)
      close(vmap(f, { inAxes: [0, null] })(np.array(v0), A(a)), v0.flatMap((v) => whileJs(prog, T, v, a).v), 1e-12, "value")
      const tan = vmap((v: WArray) => jvp((u: WArray) => f(u, A(a)), [v], [np.onesLike(v)])[1])(np.array(v0))
      close(tan, v0.flatMap((v) => vals(jvp((u: WArray) => nativeF(prog, T)(u, A(a)), [A(v)], [np.onesLike(A(v))])[1])), 1e-11, "vmap(jvp)")
      const L = (v: WArray) => np.sum(whileF(prog, T, max)(v, A(a)))
      close(vmap(grad(L))(np.array(v0)), v0.flatMap((v) => vals(grad((u: WArray) => np.sum(nativeF(prog, T, max)(u, A(a))))(A(v)))), 1e-11, "vmap(grad)")
      expect(B).toBe(v0.length)
    }), runs)
  })
})
