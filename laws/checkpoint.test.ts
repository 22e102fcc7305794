// Laws of checkpoint (remat) over random small programs: checkpoint(f) equals f in value,
// gradient and Hessian, for every policy, whether f takes its parameters as arguments or
// closes over them, alone or chained, under jit and vmap; and a checkpointed scan ({ every: k },
// "binomial", { binomial: s }) equals the plain scan in value and gradient for random bodies,
// lengths, k and s.

import fc, { type Arbitrary } from "fast-check"
import { describe, expect, it } from "vitest"
import { type WArray, checkpoint, checkpointName, grad, hessian, jit, lax, np, policies, vmap } from "wengert"
import { LAW_RUNS } from "./config.js"

const runs = { numRuns: LAW_RUNS }

// --- random straight-line programs over vectors (as in laws/control.test.ts) -------------------

const KINDS = ["add", "sub", "mul", "sin", "cos", "tanh", "scale", "sum", "dot"] as const
type Op = { k: (typeof KINDS)[number]; i: number; j: number; s: number }

function op(k: Op["k"], a: WArray, b: WArray, s: number): WArray {
  switch (k) {
    case "add": return np.add(a, b)
    case "sub": return np.subtract(a, b)
    case "mul": return np.multiply(a, b)
    case "sin": return np.sin(a)
    case "cos": return np.cos(a)
    case "tanh": return np.tanh(a)
    case "scale": return np.multiply(a, s)
    case "sum": return np.broadcastTo(np.sum(a), a.shape)
    // a dot product broadcast back (so policies.dotsSaveable meets a dot)
    case "dot": return np.broadcastTo(np.multiply(np.dot(a, b), 0.5), a.shape)
  }
}
/** The program's stack on inputs; entries are named "v0", "v1", … for saveOnlyNames. */
function evalProg(prog: readonly Op[], inputs: readonly WArray[]): WArray[] {
  const stack = [...inputs]
  prog.forEach((o, n) => stack.push(checkpointName(op(o.k, stack[o.i % stack.length]!, stack[o.j % stack.length]!, o.s), `v${n}`)))
  return stack
}

const GRID = 2 ** 30
const num = (lo = -1.5, hi = 1.5): Arbitrary<number> => fc.integer({ min: 0, max: GRID }).map((k) => lo + ((hi - lo) * k) / GRID)
const vec = (n: number, lo?: number, hi?: number) => fc.array(num(lo, hi), { minLength: n, maxLength: n })
const progArb = fc.array(fc.record({ k: fc.constantFrom(...KINDS), i: fc.nat(30), j: fc.nat(30), s: num() }), { minLength: 1, maxLength: 6 })
const policyArb = fc.constantFrom(undefined, policies.nothingSaveable, policies.everythingSaveable, policies.dotsSaveable, policies.saveOnlyNames(["v0", "v2"]))

const A = (v: number[]) => np.array(v)
const vals = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)
function close(got: WArray, want: WArray, tol: number, what: string): void {
  const g = vals(got), w = vals(want)
  expect(g.length, `${what} length`).toBe(w.length)
  g.forEach((v, i) => expect(Math.abs(v - w[i]!) / Math.max(1, Math.abs(w[i]!)), `${what}[${i}]: ${v} vs ${w[i]}`).toBeLessThanOrEqual(tol))
}

// f(x, w): two outputs of the program on [x, w]
const fOf = (prog: readonly Op[]) => (x: WArray, w: WArray) => { const st = evalProg(prog, [x, w]); return { y: st.at(-1)!, z: [st.at(-2)!] } }
type Out = ReturnType<ReturnType<typeof fOf>>
const lossOf = (u: WArray) => (o: Out) => np.add(np.sum(np.multiply(u, o.y)), np.sum(np.sin(o.z[0]!)))

const fnCase = fc.record({ n: fc.integer({ min: 1, max: 3 }), prog: progArb, prog2: progArb, policy: policyArb })
  .chain((c) => fc.record({ x: vec(c.n), w: vec(c.n), u: vec(c.n, -1, 1) }).map((v) => ({ ...c, ...v })))

describe("checkpoint(f) equals f", () => {
  it("in value, gradient (w.r.t. every argument) and Hessian, for every policy", () => {
    fc.assert(fc.property(fnCase, ({ prog, policy, x, w, u }) => {
      const f = fOf(prog), cf = checkpoint(f, { policy }) as typeof f
      const L = (g: typeof f) => (xv: WArray, wv: WArray) => lossOf(A(u))(g(xv, wv))
      const o1 = cf(A(x), A(w)), o0 = f(A(x), A(w))
      close(o1.y, o0.y, 0, "y")
      close(o1.z[0]!, o0.z[0]!, 0, "z")
      const g1 = grad(L(cf), { argnums: [0, 1] })(A(x), A(w)) as WArray[], g0 = grad(L(f), { argnums: [0, 1] })(A(x), A(w)) as WArray[]
      close(g1[0]!, g0[0]!, 1e-13, "d/dx")
      close(g1[1]!, g0[1]!, 1e-13, "d/dw")
      close(hessian((xv: WArray) => L(cf)(xv, A(w)))(A(x)), hessian((xv: WArray) => L(f)(xv, A(w)))(A(x)), 1e-12, "hessian")
    }), runs)
  })

  it("when f closes over a traced value, and when checkpointed calls are chained", () => {
    fc.assert(fc.property(fnCase, ({ prog, prog2, policy, x, w, u }) => {
      // w enters by closure; two checkpointed programs in sequence
      const chain = (cp: boolean) => (xv: WArray, wv: WArray) => {
        const f1 = (v: WArray) => fOf(prog)(v, wv).y, f2 = (v: WArray) => fOf(prog2)(v, wv)
        const h = cp ? (checkpoint(f1, { policy }) as typeof f1)(xv) : f1(xv)
        return lossOf(A(u))(cp ? (checkpoint(f2, { policy }) as typeof f2)(np.tanh(h)) : f2(np.tanh(h)))
      }
      const g1 = grad(chain(true), { argnums: [0, 1] })(A(x), A(w)) as WArray[], g0 = grad(chain(false), { argnums: [0, 1] })(A(x), A(w)) as WArray[]
      close(g1[0]!, g0[0]!, 1e-13, "d/dx")
      close(g1[1]!, g0[1]!, 1e-13, "d/dw (closed over)")
      close(hessian((wv: WArray) => chain(true)(A(x), wv))(A(w)), hessian((wv: WArray) => chain(false)(A(x), wv))(A(w)), 1e-12, "hessian in w")
    }), runs)
  })

  it("under jit and vmap", () => {
    const batched = fc.record({ n: fc.integer({ min: 1, max: 3 }), B: fc.integer({ min: 1, max: 3 }), prog: progArb, policy: policyArb })
      .chain((c) => fc.record({ xs: fc.array(vec(c.n), { minLength: c.B, maxLength: c.B }), w: vec(c.n), u: vec(c.n, -1, 1) }).map((v) => ({ ...c, ...v })))
    fc.assert(fc.property(batched, ({ prog, policy, xs, w, u }) => {
      const f = fOf(prog), cf = checkpoint(f, { policy }) as typeof f
      const L = (g: typeof f) => (xv: WArray) => lossOf(A(u))(g(xv, A(w)))
      close(jit(grad(L(cf)))(A(xs[0]!)), grad(L(f))(A(xs[0]!)), 1e-13, "jit(grad)")
      close(vmap(grad(L(cf)))(np.array(xs)), np.stack(xs.map((x) => grad(L(f))(A(x))), 0), 1e-13, "vmap(grad)")
      close(vmap((xv: WArray) => cf(xv, A(w)).y)(np.array(xs)), np.stack(xs.map((x) => f(A(x), A(w)).y), 0), 0, "vmap value")
    }), runs)
  })
})

// --- checkpointed scans -------------------------------------------------------------------------

type How = { every: number } | "binomial" | { binomial: number }
// body: stack [c, x, a] → c' = tanh(last), y = the entry before last
const scanOf = (prog: readonly Op[], how: How | "none", reverse: boolean) => (c0: WArray, xs: WArray, a: WArray) =>
  lax.scan((c: WArray, x: WArray) => { const st = evalProg(prog, [c, x, a]); return [np.tanh(st.at(-1)!), st.at(-2)!] }, c0, xs, { checkpoint: how, reverse }) as [WArray, WArray]

const scanCase = (lengths: Arbitrary<number>, how: (N: number) => Arbitrary<How>, reverse: Arbitrary<boolean>) =>
  fc.record({ n: fc.integer({ min: 1, max: 2 }), N: lengths, prog: progArb, reverse })
    .chain((c) => fc.record({ how: how(c.N), c0: vec(c.n), xs: fc.array(vec(c.n), { minLength: c.N, maxLength: c.N }), a: vec(c.n), u: vec(c.n, -1, 1) }).map((v) => ({ ...c, ...v })))

function sameAsPlain({ n, N, prog, reverse, how, c0, xs, a, u }: { n: number; N: number; prog: Op[]; reverse: boolean; how: How; c0: number[]; xs: number[][]; a: number[]; u: number[] }): void {
  const X = np.reshape(np.array(xs.flat()), [N, n])
  const [c1, y1] = scanOf(prog, how, reverse)(A(c0), X, A(a)), [c0v, y0] = scanOf(prog, "none", reverse)(A(c0), X, A(a))
  close(c1, c0v, 0, "carry")
  close(y1, y0, 0, "ys")
  const L = (h: How | "none") => (cv: WArray, av: WArray) => { const [c, ys] = scanOf(prog, h, reverse)(cv, X, av); return np.add(np.sum(np.multiply(A(u), c)), np.sum(np.sin(ys))) }
  const g1 = grad(L(how), { argnums: [0, 1] })(A(c0), A(a)) as WArray[], g0 = grad(L("none"), { argnums: [0, 1] })(A(c0), A(a)) as WArray[]
  close(g1[0]!, g0[0]!, 1e-13, "d/dc0")
  close(g1[1]!, g0[1]!, 1e-13, "d/da (closed over)")
}

// k ≤ N (a larger k is an error); binomial with the default or any number of stored carries
const binomialArb = fc.oneof(fc.constant<How>("binomial"), fc.integer({ min: 1, max: 12 }).map((s): How => ({ binomial: s })))
const anyK = (N: number) => fc.oneof(fc.integer({ min: 1, max: N }).map((k): How => ({ every: k })), binomialArb)
const dividingK = (N: number) => fc.oneof(fc.constantFrom(...[...Array(N).keys()].map((i) => i + 1).filter((k) => N % k === 0)).map((k): How => ({ every: k })), binomialArb)
const nonDividingK = (N: number) => fc.constantFrom(...[...Array(N).keys()].map((i) => i + 1).filter((k) => N % k !== 0)).map((k): How => ({ every: k }))

describe("a checkpointed scan equals the plain scan", () => {
  it("forwards, for every length ≥ 1 and every k (dividing N or not) and binomial", () => {
    fc.assert(fc.property(scanCase(fc.integer({ min: 1, max: 10 }), anyK, fc.constant(false)), sameAsPlain), runs)
  })

  it("in reverse, when k divides N, and binomial", () => {
    fc.assert(fc.property(scanCase(fc.integer({ min: 1, max: 10 }), dividingK, fc.constant(true)), sameAsPlain), runs)
  })

  // BUG (src/lax/scanCheckpoint.ts): in reverse with N mod k ≠ 0 the leftover rows [0, N mod k)
  // are scanned before the k-sized segments instead of after them (see test/lax/scan.test.ts).
  it("in reverse, when k does not divide N", () => {
    fc.assert(fc.property(scanCase(fc.integer({ min: 3, max: 10 }), nonDividingK, fc.constant(true)), sameAsPlain), runs)
  })
})
