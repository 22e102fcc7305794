// lax.scan and lax.forILoop: values against closed forms and plain JS loops, derivatives
// against the unrolled program and central differences of independent float64 JS code, the
// transforms (jit, vmap, nested grad), error paths, and checkpointed scans (every k, binomial),
// which must give the same numbers as a plain scan for every length, segment size and direction.

import { describe, expect, it } from "vitest"
import { type WArray, grad, hessian, jit, jvp, lax, np, vjp, vmap } from "wengert"

const vals = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)

/** |got − want| ≤ tol·max(1, |want|) elementwise (hybrid relative). */
function expectClose(got: WArray | number[] | number, want: WArray | number[] | number, tol: number, what = ""): void {
  const g = typeof got === "number" ? [got] : Array.isArray(got) ? got : vals(got)
  const w = typeof want === "number" ? [want] : Array.isArray(want) ? want : vals(want)
  expect(g.length, `${what} length`).toBe(w.length)
  g.forEach((v, i) => {
    const err = Math.abs(v - w[i]!) / Math.max(1, Math.abs(w[i]!))
    expect(err, `${what}[${i}]: got ${v}, want ${w[i]}`).toBeLessThanOrEqual(tol)
  })
}

/** Fourth-order central difference of a JS function of one number (truncation O(h⁴)). */
function fd(f: (x: number) => number, x: number): number {
  const h = 1e-3 * Math.max(1, Math.abs(x))
  return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)
}
/** Gradient of a JS function of a vector by the same stencil, one coordinate at a time. */
const fdGrad = (f: (v: number[]) => number, v: number[]): number[] =>
  v.map((_, i) => fd((t) => f(v.map((u, j) => (j === i ? t : u))), v[i]!))

/** Throws `tag` with every fragment in the message. */
function throwsTagged(f: () => unknown, tag: string, ...fragments: string[]): void {
  let caught: unknown
  try { f() } catch (e) { caught = e }
  expect(caught, "expected a throw").toBeInstanceOf(Error)
  const e = caught as Error & { _tag?: string }
  expect(e._tag, e.message).toBe(tag)
  for (const s of fragments) expect(e.message).toContain(s)
}

// a two-leaf carry: h ← tanh(a·h + x), s ← s + Σh; ys = h·cos(x)
const H0 = [0.3, -0.2]
const XS = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6], [0.7, -0.1], [0.2, 0.9]]

function rnnJs(a: number, h0: number[], xs: number[][], reverse: boolean): { h: number[]; s: number; ys: number[][] } {
  let h = [...h0], s = 0
  const ys: number[][] = xs.map(() => [])
  for (let k = 0; k < xs.length; k++) {
    const t = reverse ? xs.length - 1 - k : k
    const x = xs[t]!
    ys[t] = h.map((v, i) => v * Math.cos(x[i]!))
    s += h[0]! + h[1]!
    h = h.map((v, i) => Math.tanh(a * v + x[i]!))
  }
  return { h, s, ys }
}

const rnnBody = (a: unknown) => (c: { h: WArray; s: WArray }, x: WArray) =>
  [{ h: np.tanh(np.add(np.multiply(c.h, a as WArray), x)), s: np.add(c.s, np.sum(c.h)) }, np.multiply(c.h, np.cos(x))] as [unknown, unknown]

const rnn = (a: unknown, h0: unknown, xs: unknown, opts: Parameters<typeof lax.scan>[3] = {}) =>
  lax.scan(rnnBody(a), { h: h0, s: np.array(0) }, xs, opts) as [{ h: WArray; s: WArray }, WArray]

/** The same program unrolled into straight-line np code (no scan). */
function rnnUnrolled(a: unknown, h0: WArray, xs: WArray, reverse: boolean): [{ h: WArray; s: WArray }, WArray] {
  let c = { h: h0, s: np.array(0) as WArray }
  const n = xs.shape[0]!
  const ys: WArray[] = new Array(n)
  for (let k = 0; k < n; k++) {
    const t = reverse ? n - 1 - k : k
    const [next, y] = rnnBody(a)(c, xs.at(t)) as [{ h: WArray; s: WArray }, WArray]
    ys[t] = y
    c = next
  }
  return [c, np.stack(ys, 0)]
}

describe("lax.scan values", () => {
  it("returns the running sums as ys and the total as the carry", () => {
    const [c, ys] = lax.scan((c: WArray, x: WArray) => [np.add(c, x), np.add(c, x)], 0, np.array([1, 2, 3, 4]))
    expect(c.item()).toBe(10)
    expect(ys.toArray()).toEqual([1, 3, 6, 10])
  })

  it("equals the plain JS loop, forwards and in reverse (ys keep their order)", () => {
    for (const reverse of [false, true]) {
      const [c, ys] = rnn(0.8, np.array(H0), np.array(XS), { reverse })
      const want = rnnJs(0.8, H0, XS, reverse)
      expectClose(c.h, want.h, 1e-14, "h")
      expectClose(c.s, want.s, 1e-14, "s")
      expectClose(ys, want.ys.flat(), 1e-14, "ys")
    }
  })

  it("runs { length } steps when xs is null, and zero steps on an empty xs", () => {
    const [c, ys] = lax.scan((c: WArray) => [np.multiply(c, 2), c], 1, null, { length: 5 })
    expect(c.item()).toBe(32)
    expect(ys.toArray()).toEqual([1, 2, 4, 8, 16])
    const [c0, ys0] = lax.scan((c: WArray, x: WArray) => [np.add(c, x), np.multiply(c, x)], 7, np.zeros([0]))
    expect(c0.item()).toBe(7)
    expect(ys0.shape).toEqual([0])
  })

  it("scans pytrees of xs and returns pytrees of ys", () => {
    const [c, ys] = lax.scan((c: WArray, x: { u: WArray; v: WArray[] }) => [np.add(c, np.multiply(x.u, x.v[0]!)), { p: x.u, q: [c] }],
      0, { u: np.array([1, 2, 3]), v: [np.array([4, 5, 6])] })
    expect(c.item()).toBe(32)
    expect(ys.p.toArray()).toEqual([1, 2, 3])
    expect(ys.q[0].toArray()).toEqual([0, 4, 14])
  })

  it("gives the same values under jit as in the interpreter", () => {
    const f = (a: WArray, h0: WArray, xs: WArray) => rnn(a, h0, xs, { reverse: true })
    const [c1, y1] = f(np.array(0.8), np.array(H0), np.array(XS))
    const [c2, y2] = jit(f)(np.array(0.8), np.array(H0), np.array(XS))
    expectClose(c2.h, c1.h, 1e-14, "h")
    expectClose(c2.s, c1.s, 1e-14, "s")
    expectClose(y2, y1, 1e-14, "ys")
  })
})

describe("lax.scan derivatives", () => {
  const xs = np.array(XS), h0 = np.array(H0)
  const loss = (reverse: boolean) => (a: WArray, h0v: WArray) => {
    const [c, ys] = rnn(a, h0v, xs, { reverse })
    return np.add(np.sum(np.multiply(ys, ys)), np.add(np.multiply(c.s, 0.5), np.sum(c.h)))
  }
  const lossJs = (reverse: boolean) => (a: number, h: number[]) => {
    const r = rnnJs(a, h, XS, reverse)
    return r.ys.flat().reduce((s, v) => s + v * v, 0) + 0.5 * r.s + r.h[0]! + r.h[1]!
  }

  it("grad matches central differences of the JS loop, in the closed-over parameter and the initial carry", () => {
    for (const reverse of [false, true]) {
      expectClose(grad(loss(reverse))(np.array(0.8), h0), fd((a) => lossJs(reverse)(a, H0), 0.8), 1e-9, `d/da reverse=${reverse}`)
      expectClose(grad(loss(reverse), { argnums: 1 })(np.array(0.8), h0), fdGrad((h) => lossJs(reverse)(0.8, h), H0), 1e-9, `d/dh0 reverse=${reverse}`)
    }
  })

  it("differentiates with respect to xs", () => {
    const g = grad((xsv: WArray) => np.sum(rnn(0.8, h0, xsv)[1]))(xs)
    const want = fdGrad((flat) => rnnJs(0.8, H0, [0, 1, 2, 3, 4].map((t) => [flat[2 * t]!, flat[2 * t + 1]!]), false).ys.flat().reduce((s, v) => s + v, 0), XS.flat())
    expectClose(g, want, 1e-9, "d/dxs")
  })

  it("JVP and VJP equal those of the unrolled program", () => {
    for (const reverse of [false, true]) {
      const f = (a: WArray, h: WArray) => rnn(a, h, xs, { reverse })
      const u = (a: WArray, h: WArray) => rnnUnrolled(a, h, xs, reverse)
      const [p1, t1] = jvp(f, [np.array(0.8), h0], [np.array(0.7), np.array([0.4, -1.3])])
      const [p2, t2] = jvp(u, [np.array(0.8), h0], [np.array(0.7), np.array([0.4, -1.3])])
      expectClose(p1[1], p2[1], 1e-14, "primal ys")
      expectClose(t1[0].h, t2[0].h, 1e-13, "tangent h")
      expectClose(t1[0].s, t2[0].s, 1e-13, "tangent s")
      expectClose(t1[1], t2[1], 1e-13, "tangent ys")
      const ct = [{ h: np.array([0.3, -0.9]), s: np.array(1.7) }, np.multiply(np.ones([5, 2]), np.arange(10).reshape([5, 2]).mul(0.1))]
      const [, pb1] = vjp(f, np.array(0.8), h0)
      const [, pb2] = vjp(u, np.array(0.8), h0)
      const [ga1, gh1] = pb1(ct), [ga2, gh2] = pb2(ct)
      expectClose(ga1, ga2, 1e-13, "ct a")
      expectClose(gh1, gh2, 1e-13, "ct h0")
    }
  })

  it("grad of grad through a scan equals the closed form", () => {
    // carry c ← a·c + x with c₀ = 1 gives c_N = a^N + Σ_t a^(N-1-t) x_t
    const x = [0.5, -1, 2, 0.25]
    const cN = (a: WArray) => lax.scan((c: WArray, xt: WArray) => [np.add(np.multiply(a, c), xt), null], 1, np.array(x))[0] as WArray
    const d2 = (a: number) => 4 * 3 * a ** 2 + x.reduce((s, xt, t) => { const p = 3 - t; return s + (p >= 2 ? p * (p - 1) * a ** (p - 2) * xt : 0) }, 0)
    const d3 = (a: number) => 4 * 3 * 2 * a + x.reduce((s, xt, t) => { const p = 3 - t; return s + (p >= 3 ? p * (p - 1) * (p - 2) * a ** (p - 3) * xt : 0) }, 0)
    expectClose(grad(grad(cN))(1.3), d2(1.3), 1e-13, "d²")
    expectClose(grad(grad(grad(cN)))(1.3), d3(1.3), 1e-13, "d³")
    expectClose(hessian(cN)(1.3), d2(1.3), 1e-13, "hessian")
    expectClose(jit(grad(grad(cN)))(1.3), d2(1.3), 1e-13, "jit d²")
  })

  it("passes the carry's cotangent straight through a zero-length scan", () => {
    const g = grad((a: WArray) => lax.scan((c: WArray, x: WArray) => [np.multiply(np.add(c, x), a), c], a, np.zeros([0]))[0] as WArray)(2)
    expect(g.item()).toBe(1)
  })
})

describe("lax.scan under vmap", () => {
  const xs = np.array(XS), h0 = np.array(H0)
  const lanesXs = [xs, np.multiply(xs, -1.5), np.add(xs, 0.25)]
  const stackOf = (f: (i: number) => WArray) => np.stack([0, 1, 2].map(f), 0)

  it("over xs (batch axis 0 or 1) equals mapping over the lanes", () => {
    const f = (x: WArray) => rnn(0.8, h0, x)[1]
    const want = stackOf((i) => f(lanesXs[i]!))
    expectClose(vmap(f)(np.stack(lanesXs, 0)), want, 1e-14, "axis 0")
    expectClose(vmap(f, { inAxes: 1 })(np.stack(lanesXs, 1)), want, 1e-14, "axis 1")
  })

  it("over the closed-over parameter and the initial carry equals mapping", () => {
    const as = [0.8, -0.3, 1.4], hs = [H0, [1, 0], [-0.5, 0.5]]
    const f = (a: WArray, h: WArray) => rnn(a, h, xs)[0].s
    expectClose(vmap(f)(np.array(as), np.array(hs)), as.map((a, i) => rnnJs(a, hs[i]!, XS, false).s), 1e-14, "a and h0")
    expectClose(vmap(f, { inAxes: [0, null] })(np.array(as), h0), as.map((a) => rnnJs(a, H0, XS, false).s), 1e-14, "a only")
  })

  it("of grad equals per-lane gradients", () => {
    const L = (a: WArray, x: WArray) => np.sum(rnn(a, h0, x, { reverse: true })[1])
    const got = vmap(grad(L), { inAxes: [0, 0] })(np.array([0.8, -0.3, 1.4]), np.stack(lanesXs, 0))
    expectClose(got, [0.8, -0.3, 1.4].map((a, i) => grad(L)(np.array(a), lanesXs[i]!).item()), 1e-13, "vmap(grad)")
  })
})

describe("lax.forILoop", () => {
  it("sums the loop index and runs no steps on an empty range", () => {
    expect(lax.forILoop(2, 5, (i: WArray, c: WArray) => np.add(c, i), 1).item()).toBe(10)
    expect(lax.forILoop(5, 2, (i: WArray, c: WArray) => np.add(c, i), 1).item()).toBe(1)
    expect(lax.forILoop(0, 4, (i: WArray, c: WArray) => np.multiply(c, np.add(i, 1)), 1.5).item()).toBe(36)
  })

  it("rejects bounds that are not integers", () => {
    throwsTagged(() => lax.forILoop(0.5, 2, (_: WArray, c: WArray) => c, 1), "InvalidArgumentError", "lax.forILoop", "0.5")
  })

  // damped pendulum θ'' = −g sin θ − c θ', 200 RK4 steps of 0.02
  const rhsJs = (th: number, om: number, g: number, c: number) => [om, -g * Math.sin(th) - c * om] as const
  function pendulumJs(g: number, c: number, th: number, om: number): number {
    const h = 0.02
    for (let i = 0; i < 200; i++) {
      const [a1, b1] = rhsJs(th, om, g, c)
      const [a2, b2] = rhsJs(th + (h / 2) * a1, om + (h / 2) * b1, g, c)
      const [a3, b3] = rhsJs(th + (h / 2) * a2, om + (h / 2) * b2, g, c)
      const [a4, b4] = rhsJs(th + h * a3, om + h * b3, g, c)
      th += (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4)
      om += (h / 6) * (b1 + 2 * b2 + 2 * b3 + b4)
    }
    return th * th + 0.5 * om * om
  }
  const rhs = (s: WArray, p: WArray) => np.stack([s.at(1), np.subtract(np.multiply(np.negative(p.at(0)), np.sin(s.at(0))), np.multiply(p.at(1), s.at(1)))], 0)
  const rk4 = (s: WArray, p: WArray, h: number) => {
    const k1 = rhs(s, p), k2 = rhs(np.add(s, np.multiply(h / 2, k1)), p)
    const k3 = rhs(np.add(s, np.multiply(h / 2, k2)), p), k4 = rhs(np.add(s, np.multiply(h, k3)), p)
    return np.add(s, np.multiply(h / 6, np.add(np.add(k1, np.multiply(2, k2)), np.add(np.multiply(2, k3), k4))))
  }
  const energyAfter = (p: WArray, s0: WArray) => {
    const s = lax.forILoop(0, 200, (_: WArray, s: WArray) => rk4(s, p, 0.02), s0) as WArray
    return np.add(np.square(s.at(0)), np.multiply(0.5, np.square(s.at(1))))
  }

  it("reverse mode through a 200-step RK4 pendulum matches central differences", () => {
    const p = np.array([9.81, 0.3]), s0 = np.array([1.2, 0])
    expectClose(energyAfter(p, s0), pendulumJs(9.81, 0.3, 1.2, 0), 1e-13, "value")
    const [gp, gs] = grad(energyAfter, { argnums: [0, 1] })(p, s0) as [WArray, WArray]
    expectClose(gp, fdGrad(([g, c]) => pendulumJs(g!, c!, 1.2, 0), [9.81, 0.3]), 1e-6, "d/d(g, c)")
    expectClose(gs, fdGrad(([th, om]) => pendulumJs(9.81, 0.3, th!, om!), [1.2, 0]), 1e-6, "d/d(θ0, ω0)")
    expectClose(jit(grad(energyAfter))(p, s0), gp, 1e-12, "jit")
  })
})

describe("lax.scan errors", () => {
  it("rejects a carry that changes shape or dtype", () => {
    throwsTagged(() => lax.scan((c: WArray) => [np.stack([c, c], 0), c], 0, np.zeros([3])), "ShapeError", "lax.scan", "carry leaf 0", "f64[2]")
    throwsTagged(() => lax.scan(() => [np.array(1, { dtype: "float32" }), null], 0, np.zeros([3])), "ShapeError", "lax.scan", "f32[]")
    throwsTagged(() => lax.scan((c: WArray) => [[c, c], null], 0, np.zeros([3])), "ShapeError", "lax.scan", "structure")
  })

  it("rejects xs of different lengths, scalar xs and a missing length", () => {
    throwsTagged(() => lax.scan((c: WArray) => [c, null], 0, [np.zeros([3]), np.zeros([4])]), "ShapeError", "lax.scan", "[3]", "[4]")
    throwsTagged(() => lax.scan((c: WArray) => [c, null], 0, np.array(1)), "ShapeError", "lax.scan", "leading axis")
    throwsTagged(() => lax.scan((c: WArray) => [c, null], 0, null), "InvalidArgumentError", "lax.scan", "length")
  })

  it("rejects a body that does not return a pair and an invalid checkpoint option", () => {
    throwsTagged(() => lax.scan(((c: WArray) => c) as never, 0, np.zeros([3])), "InvalidArgumentError", "lax.scan", "pair")
    throwsTagged(() => lax.scan((c: WArray) => [c, null], 0, np.zeros([3]), { checkpoint: { every: 0 } }), "InvalidArgumentError", "lax.scan", "every")
    throwsTagged(() => lax.scan((c: WArray) => [c, null], 0, np.zeros([3]), { checkpoint: "sometimes" as never }), "InvalidArgumentError", "lax.scan", "sometimes")
  })
})

describe("checkpointed scans", () => {
  // body with a nonlinear carry and ys, so every step's residuals matter
  const body = (a: WArray) => (c: WArray, x: WArray) => [np.sin(np.add(np.multiply(c, a), x)), np.multiply(c, np.cos(x))] as [WArray, WArray]
  const run = (how: NonNullable<Parameters<typeof lax.scan>[3]>["checkpoint"], reverse: boolean, xs: WArray) => (a: WArray) =>
    lax.scan(body(a), np.array([0.4, -0.7]), xs, { checkpoint: how, reverse }) as [WArray, WArray]
  const loss = (how: Parameters<typeof run>[0], reverse: boolean, xs: WArray) => (a: WArray) => {
    const [c, ys] = run(how, reverse, xs)(a)
    return np.add(np.sum(np.multiply(c, c)), np.sum(np.multiply(ys, np.arange(ys.size).reshape(ys.shape).mul(0.1))))
  }
  const xsOf = (n: number) => np.stack([np.sin(np.arange(n)), np.cos(np.arange(n).mul(0.7))], 1)
  const compare = (n: number, how: Parameters<typeof run>[0], reverse: boolean) => {
    const xs = xsOf(n), a = np.array(0.9)
    const [c0, y0] = run("none", reverse, xs)(a), [c1, y1] = run(how, reverse, xs)(a)
    const tag = `N=${n} ${JSON.stringify(how)} reverse=${reverse}`
    expectClose(c1, c0, 1e-14, `${tag} carry`)
    expectClose(y1, y0, 1e-14, `${tag} ys`)
    expectClose(grad(loss(how, reverse, xs))(a), grad(loss("none", reverse, xs))(a), 1e-12, `${tag} grad`)
  }

  it("every k and binomial equal the plain scan forwards, for k dividing N or not", () => {
    for (const n of [1, 4, 7, 12]) for (const how of [{ every: 1 }, { every: 2 }, { every: 3 }, { every: 5 }, { every: 12 }, "binomial" as const, { binomial: 1 }, { binomial: 2 }]) {
      if (typeof how === "object" && "every" in how && (how as { every: number }).every > n) continue // k > N is an error (test/lax/scanCheckpoint.test.ts)
      compare(n, how, false)
    }
  })

  it("every k and binomial equal the plain scan in reverse when k divides N (or k = N)", () => {
    for (const [n, k] of [[4, 1], [4, 2], [4, 4], [12, 3], [12, 4], [12, 6], [7, 7]] as const) compare(n, { every: k }, true)
    for (const n of [1, 4, 7, 12]) for (const how of ["binomial" as const, { binomial: 1 }, { binomial: 3 }]) compare(n, how, true)
  })

  // BUG (src/lax/scanCheckpoint.ts, reverse branch of scanCheckpointed): with reverse and
  // N mod k ≠ 0, the `rest` leftover rows [0, rest) are scanned FIRST (from the initial
  // carry) and the k-sized segments afterwards; a reverse scan must visit rows [rest, N)
  // first and rows [0, rest) last. Values and gradients are both wrong. Minimal repro:
  //   lax.scan((c, x) => [c.mul(0.5).add(x), c], 1, np.arange(3), { reverse: true, checkpoint: { every: 2 } })
  //   => carry 2.125, ys [1, 2.25, 0.5]; with checkpoint "none": carry 1.125, ys [2.25, 2.5, 1].
  it("every k equals the plain scan in reverse when k does not divide N", () => {
    compare(5, { every: 2 }, true)
    compare(7, { every: 3 }, true)
  })

  // BUG (src/lax/scanCheckpoint.ts, bisect): with xs null and { length }, the binomial scheme
  // takes its length from xs (none) and silently runs zero steps; { every: k } rejects xs null
  // with an error but binomial returns the initial carry and empty ys.
  //   lax.scan((c) => [np.add(c, 1), c], 0, null, { length: 5, checkpoint: "binomial" })  // => [0, []]
  it("binomial checkpointing runs { length } steps when xs is null", () => {
    const [c, ys] = lax.scan((c: WArray) => [np.add(c, 1), c], 0, null, { length: 5, checkpoint: "binomial" })
    expect(c.item()).toBe(5)
    expect(ys.toArray()).toEqual([0, 1, 2, 3, 4])
  })

  // BUG (src/lax/scanCheckpoint.ts): with { every: k } and an empty xs (N = 0) the ys are
  // dropped (no segments and no tail, so `ys` stays []), and unflattening fails:
  //   lax.scan((c, x) => [c, c], np.zeros([2]), np.zeros([0, 2]), { checkpoint: { every: 2 } })
  //   => InvalidArgumentError "tree.unflatten: the structure has 1 leaves but 0 were given"
  // ("none" and "binomial" return ys of shape [0, 2].)
  it("every k handles a zero-length scan like the plain scan", () => {
    const [c, ys] = lax.scan((c: WArray, x: WArray) => [np.add(np.multiply(c, 0.5), x), c], np.array([1, 2]), np.zeros([0, 2]), { checkpoint: { every: 2 } })
    expect(c.toArray()).toEqual([1, 2])
    expect(ys.shape).toEqual([0, 2])
  })

  it("keeps second derivatives, jit and vmap of checkpointed scans equal to the plain scan", () => {
    const xs = xsOf(7)
    for (const how of [{ every: 3 }, "binomial" as const]) {
      const want2 = grad(grad(loss("none", false, xs)))(0.9).item()
      expectClose(grad(grad(loss(how, false, xs)))(0.9), want2, 1e-12, `${JSON.stringify(how)} d²`)
      expectClose(jit(grad(loss(how, false, xs)))(0.9), grad(loss("none", false, xs))(0.9), 1e-12, `${JSON.stringify(how)} jit`)
      expectClose(vmap(grad(loss(how, false, xs)))(np.array([0.9, -0.2])), vmap(grad(loss("none", false, xs)))(np.array([0.9, -0.2])), 1e-12, `${JSON.stringify(how)} vmap`)
    }
  })
})
