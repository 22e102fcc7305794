// lax.cond, lax.switch and lax.whileLoop: values and derivatives against closed forms, JS
// if/while on concrete numbers and central differences; batched predicates under vmap (lanes
// taking different branches and different trip counts); jit; closures over traced values;
// the two caveats of differentiating control flow (the branch taken, the ignored jump); errors.

import { describe, expect, it } from "vitest"
import { type WArray, grad, hessian, jacfwd, jit, jvp, lax, np, vjp, vmap } from "wengert"

const vals = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)

/** |got − want| ≤ tol·max(1, |want|) elementwise. */
function expectClose(got: WArray | number[] | number, want: WArray | number[] | number, tol: number, what = ""): void {
  const g = typeof got === "number" ? [got] : Array.isArray(got) ? got : vals(got)
  const w = typeof want === "number" ? [want] : Array.isArray(want) ? want : vals(want)
  expect(g.length, `${what} length`).toBe(w.length)
  g.forEach((v, i) => {
    const err = Math.abs(v - w[i]!) / Math.max(1, Math.abs(w[i]!))
    expect(err, `${what}[${i}]: got ${v}, want ${w[i]}`).toBeLessThanOrEqual(tol)
  })
}

/** Fourth-order central difference with step h. */
const fd = (f: (x: number) => number, x: number, h = 1e-3 * Math.max(1, Math.abs(x))): number =>
  (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)

function throwsTagged(f: () => unknown, tag: string, ...fragments: string[]): void {
  let caught: unknown
  try { f() } catch (e) { caught = e }
  expect(caught, "expected a throw").toBeInstanceOf(Error)
  const e = caught as Error & { _tag?: string }
  expect(e._tag, e.message).toBe(tag)
  for (const s of fragments) expect(e.message).toContain(s)
}

describe("lax.cond", () => {
  // f(a, x) = sin(a)·x for x > 0, a·x² otherwise; a reaches both branches by closure
  const f = (a: WArray | number, x: WArray | number) =>
    lax.cond(np.greater(x, 0), (y: WArray) => np.multiply(np.sin(a), y), (y: WArray) => np.multiply(a, np.multiply(y, y)), x) as WArray
  const fJs = (a: number, x: number) => (x > 0 ? Math.sin(a) * x : a * x * x)

  it("takes the true branch when the predicate holds and the false one otherwise", () => {
    expectClose(f(0.7, 2), fJs(0.7, 2), 1e-15)
    expectClose(f(0.7, -2), fJs(0.7, -2), 1e-15)
    expect(lax.cond(true, () => np.array(1), () => np.array(2)).item()).toBe(1)
    expect(lax.cond(0, () => np.array(1), () => np.array(2)).item()).toBe(2)
    expect(lax.cond(np.array(0.5), (v: WArray) => np.multiply(v, 2), (v: WArray) => v, 3).item()).toBe(6)
  })

  it("passes pytrees of operands and returns pytrees", () => {
    const r = lax.cond(true, (p: { a: WArray; b: WArray }, k: WArray) => ({ u: np.add(p.a, k), v: [p.b] }),
      (p: { a: WArray; b: WArray }, k: WArray) => ({ u: k, v: [np.multiply(p.b, 2)] }), { a: np.array(1), b: np.array([1, 2]) }, np.array(5))
    expect(r.u.item()).toBe(6)
    expect(r.v[0].toArray()).toEqual([1, 2])
  })

  it("differentiates the branch taken, in the operand and in a closed-over value", () => {
    for (const x of [2, -2, 0.3, -0.3]) {
      expectClose(grad(f)(0.7, x), fd((a) => fJs(a, x), 0.7), 1e-9, `d/da at x=${x}`)
      expectClose(grad(f, { argnums: 1 })(0.7, x), fd((t) => fJs(0.7, t), x, 1e-4), 1e-9, `d/dx at x=${x}`)
    }
  })

  it("gives JVP and VJP equal to a JS if on the concrete predicate", () => {
    const branchy = (a: WArray, x: WArray) => (x.item() > 0 ? np.multiply(np.sin(a), x) : np.multiply(a, np.multiply(x, x)))
    for (const x of [1.5, -1.5]) {
      const [p1, t1] = jvp(f, [np.array(0.7), np.array(x)], [np.array(0.3), np.array(-1.1)])
      const [p2, t2] = jvp(branchy, [np.array(0.7), np.array(x)], [np.array(0.3), np.array(-1.1)])
      expectClose(p1, p2, 1e-15, "primal")
      expectClose(t1, t2, 1e-15, "tangent")
      const c1 = vjp(f, np.array(0.7), np.array(x))[1](np.array(2.5)), c2 = vjp(branchy, np.array(0.7), np.array(x))[1](np.array(2.5))
      expectClose(c1[0], c2[0], 1e-15, "ct a")
      expectClose(c1[1], c2[1], 1e-15, "ct x")
    }
  })

  it("nests grad of grad and hessian through the branches", () => {
    const g = (x: WArray) => lax.cond(np.greater(x, 0), (y: WArray) => np.power(y, 3), (y: WArray) => np.sin(y), x) as WArray
    expectClose(grad(grad(g))(2), 12, 1e-15, "x³'' at 2")
    expectClose(grad(grad(g))(-2), -Math.sin(-2), 1e-15, "sin'' at -2")
    expectClose(grad(grad(grad(g)))(-2), -Math.cos(-2), 1e-15, "sin''' at -2")
    const h = hessian((v: WArray) => lax.cond(np.greater(v.at(0), 0), (y: WArray) => np.sum(np.multiply(np.sin(y), y)), (y: WArray) => np.sum(np.exp(y)), v) as WArray)
    const d2 = (t: number) => 2 * Math.cos(t) - t * Math.sin(t)
    expectClose(h(np.array([0.3, 0.5])), [d2(0.3), 0, 0, d2(0.5)], 1e-15, "hessian, true branch")
    expectClose(h(np.array([-0.3, 0.5])), [Math.exp(-0.3), 0, 0, Math.exp(0.5)], 1e-15, "hessian, false branch")
  })

  it("gives the same values and gradients under jit", () => {
    for (const x of [2, -2]) {
      expectClose(jit(f)(0.7, x), fJs(0.7, x), 1e-15, "value")
      expectClose(jit(grad(f))(0.7, x), grad(f)(0.7, x), 1e-15, "grad")
    }
    // a float predicate converts to bool under jit too (0 is false)
    expect(jit((p: WArray) => lax.cond(p, (a: WArray) => np.multiply(a, 2), (a: WArray) => a, np.array(1)))(0).item()).toBe(1)
  })

  it("under vmap with a batched predicate, lanes take different branches", () => {
    const xs = [2, -2, 1, -0.5]
    expectClose(vmap(f, { inAxes: [null, 0] })(0.7, np.array(xs)), xs.map((x) => fJs(0.7, x)), 1e-15, "value")
    expectClose(vmap(grad(f), { inAxes: [null, 0] })(0.7, np.array(xs)), xs.map((x) => grad(f)(0.7, x).item()), 1e-15, "vmap(grad)")
    expectClose(grad((a: WArray) => np.sum(vmap(f, { inAxes: [null, 0] })(a, np.array(xs))))(0.7),
      xs.reduce((s, x) => s + grad(f)(0.7, x).item(), 0), 1e-14, "grad(vmap)")
    expectClose(jit(vmap(f, { inAxes: [null, 0] }))(0.7, np.array(xs)), xs.map((x) => fJs(0.7, x)), 1e-15, "jit(vmap)")
  })

  it("under vmap with an unbatched predicate, maps the operands through one branch", () => {
    const as = [0.1, 0.7, -1.2]
    expectClose(vmap(f, { inAxes: [0, null] })(np.array(as), -2), as.map((a) => fJs(a, -2)), 1e-15, "value")
    expectClose(vmap(grad(f), { inAxes: [0, null] })(np.array(as), 2), as.map((a) => Math.cos(a) * 2), 1e-15, "grad")
  })

  // Caveat: the derivative at a branch boundary is the derivative of the branch taken.
  it("at the branch boundary gives the derivative of the branch taken, not of the function", () => {
    // g(x) = x² for x < 1, 3x otherwise: g jumps at 1 and has no derivative there
    const g = (x: WArray | number) => lax.cond(np.less(x, 1), (y: WArray) => np.square(y), (y: WArray) => np.multiply(y, 3), x) as WArray
    expectClose(grad(g)(1), 3, 1e-15, "at 1: the branch x ≥ 1")
    expectClose(grad(g)(0.999999), 1.999998, 1e-12, "just below: the branch x < 1")
    // a central difference across the jump sees a slope of order 1/h; the branch rule does not
    const across = (g(1 + 1e-6).item() - g(1 - 1e-6).item()) / 2e-6
    expect(across).toBeGreaterThan(1e5)
  })

  it("rejects branches of different types or structures and a non-scalar predicate", () => {
    throwsTagged(() => lax.cond(true, (a: WArray) => a, () => np.array([1, 2]), 1), "ShapeError", "lax.cond",
      "the false branch returns (f64[2]) but the true branch returns (f64[])")
    throwsTagged(() => lax.cond(true, (a: WArray) => [a, a], (a: WArray) => a, 1), "ShapeError", "lax.cond", "structure", "the false branch", "the true branch")
    throwsTagged(() => lax.switch(0, [(a: WArray) => a, (a: WArray) => a, () => np.ones([3])], 1), "ShapeError", "lax.switch", "branch 0 returns (f64[]) but branch 2 returns (f64[3])")
    throwsTagged(() => lax.cond(true, () => np.array(1, { dtype: "float32" }), (a: WArray) => a, np.array(2)), "ShapeError", "lax.cond", "f32[]")
    throwsTagged(() => lax.cond(np.array([true, false]), (a: WArray) => a, (a: WArray) => a, 1), "ShapeError", "lax.cond", "[2]", "np.where")
  })
})

describe("lax.switch", () => {
  const branches = [(y: WArray) => np.multiply(y, 1), (y: WArray) => np.sin(y), (y: WArray) => np.multiply(np.multiply(y, y), 3)]
  const s = (i: WArray | number, x: WArray | number) => lax.switch(i, branches, x) as WArray
  const sJs = (i: number, x: number) => [x, Math.sin(x), 3 * x * x][Math.min(2, Math.max(0, i))]!
  const dJs = (i: number, x: number) => [1, Math.cos(x), 6 * x][Math.min(2, Math.max(0, i))]!

  it("applies branches[index], clamping the index into range", () => {
    for (const i of [-5, -1, 0, 1, 2, 3, 7]) expectClose(s(i, 0.4), sJs(i, 0.4), 1e-15, `index ${i}`)
  })

  it("differentiates the selected branch, also under jit", () => {
    for (const i of [-1, 0, 1, 2, 9]) {
      expectClose(grad(s, { argnums: 1 })(i, 0.4), dJs(i, 0.4), 1e-15, `index ${i}`)
      expectClose(jit(grad(s, { argnums: 1 }))(i, 0.4), dJs(i, 0.4), 1e-15, `jit index ${i}`)
    }
  })

  it("under vmap with batched indices, each lane takes its own (clamped) branch", () => {
    const idx = [-1, 0, 1, 2, 3], xs = [0.4, -0.3, 1.1, 0.5, -2]
    const I = np.array(idx, { dtype: "int32" }), X = np.array(xs)
    expectClose(vmap(s)(I, X), idx.map((i, k) => sJs(i, xs[k]!)), 1e-15, "value")
    expectClose(vmap(grad(s, { argnums: 1 }))(I, X), idx.map((i, k) => dJs(i, xs[k]!)), 1e-15, "grad")
  })

  it("rejects an empty list of branches", () => {
    throwsTagged(() => lax.switch(0, [], 1), "InvalidArgumentError", "lax.switch", "non-empty")
  })
})

describe("lax.whileLoop", () => {
  // v ← a·v until v ≥ 10, counting the steps: v_final = x·a^n with n the trip count
  type C = { v: WArray; n: WArray }
  const loop = (a: WArray | number, x: WArray | number, maxIterations?: number) => lax.whileLoop(
    (c: C) => np.less(c.v, 10), (c: C) => ({ v: np.multiply(c.v, a), n: np.add(c.n, 1) }),
    { v: x, n: np.array(0, { dtype: "int32" }) }, maxIterations === undefined ? {} : { maxIterations }) as C
  const tripsJs = (a: number, x: number, max = Infinity) => { let v = x, n = 0; while (v < 10 && n < max) { v *= a; n++ } return { v, n } }

  it("runs until the condition fails, as the JS loop does", () => {
    for (const x of [1, 1.5, 3, 9.99, 10, 20]) {
      const r = loop(2, x), want = tripsJs(2, x)
      expect(r.n.item(), `trips from ${x}`).toBe(want.n)
      expectClose(r.v, want.v, 1e-15, `value from ${x}`)
    }
    expect(lax.whileLoop((v: WArray) => np.less(v, 10), (v: WArray) => np.multiply(v, 2), 1).item()).toBe(16)
  })

  it("forward mode follows the data-dependent trip count (d/dx = aⁿ, d/da = n·x·aⁿ⁻¹)", () => {
    for (const x of [1, 1.5, 3, 12]) {
      const { n } = tripsJs(2, x)
      expectClose(jvp((t: WArray) => loop(2, t).v, [x], [1])[1], 2 ** n, 1e-15, `d/dx from ${x}`)
      expectClose(jvp((a: WArray) => loop(a, x).v, [2], [1])[1], n * x * 2 ** (n - 1), 1e-15, `d/da from ${x}`)
      expectClose(jacfwd((a: WArray) => loop(a, x).v)(2), n * x * 2 ** (n - 1), 1e-15, `jacfwd from ${x}`)
      expectClose(jit((t: WArray) => jvp((a: WArray) => loop(a, t).v, [2], [1])[1])(x), n * x * 2 ** (n - 1), 1e-15, `jit jvp from ${x}`)
    }
    // second derivative in a: n(n−1)·x·aⁿ⁻²
    expectClose(jacfwd(jacfwd((a: WArray) => loop(a, 1.5).v))(2), 3 * 2 * 1.5 * 2, 1e-15, "d²/da²")
  })

  it("under vmap, lanes run different trip counts and finished lanes stop changing", () => {
    const xs = [1, 3, 20, 9.5, 0.1]
    const r = vmap((x: WArray) => loop(2, x))(np.array(xs))
    expect(vals(r.n)).toEqual(xs.map((x) => tripsJs(2, x).n))
    expectClose(r.v, xs.map((x) => tripsJs(2, x).v), 1e-15, "values")
    expectClose(vmap((x: WArray) => jvp((t: WArray) => loop(2, t).v, [x], [1])[1])(np.array(xs)), xs.map((x) => 2 ** tripsJs(2, x).n), 1e-15, "vmap(jvp)")
    // batched closed-over parameter: the trip count differs per lane as well
    const as = [2, 3, 11, 1.5]
    expectClose(vmap((a: WArray) => loop(a, 1).v)(np.array(as)), as.map((a) => tripsJs(a, 1).v), 1e-15, "batched a")
    expectClose(jit(vmap((x: WArray) => loop(2, x).v))(np.array(xs)), xs.map((x) => tripsJs(2, x).v), 1e-15, "jit(vmap)")
  })

  it("reverse mode without maxIterations is a NonDifferentiableError that says what to do", () => {
    throwsTagged(() => grad((x: WArray) => loop(2, x).v)(1.5), "NonDifferentiableError", "lax.whileLoop", "maxIterations")
    throwsTagged(() => vjp((x: WArray) => loop(2, x).v, 1.5)[1](np.array(1)), "NonDifferentiableError", "lax.whileLoop")
  })

  it("with maxIterations, reverse mode gives the pathwise derivative (and truncates at the bound)", () => {
    for (const x of [1, 1.5, 3, 12]) {
      const { n } = tripsJs(2, x)
      expectClose(grad((t: WArray) => loop(2, t, 8).v)(x), 2 ** n, 1e-15, `d/dx from ${x}`)
      expectClose(grad((a: WArray) => loop(a, x, 8).v)(2), n * x * 2 ** (n - 1), 1e-15, `d/da from ${x}`)
    }
    // a bound below the trip count stops the loop early: value and derivative of the truncated loop
    const r = loop(2, 0.001, 3), want = tripsJs(2, 0.001, 3)
    expect(r.n.item()).toBe(3)
    expectClose(r.v, want.v, 1e-15, "truncated value")
    expectClose(grad((a: WArray) => loop(a, 0.001, 3).v)(2), 3 * 0.001 * 4, 1e-15, "truncated d/da")
    expect(loop(2, 1, 0).v.item()).toBe(1)
  })

  it("with maxIterations, works under hessian, jit(grad), vmap(grad) and grad(vmap)", () => {
    // 1.5·a^n with n = 3 trips at a = 2 and n = 5 at a = 1.5
    expectClose(hessian((a: WArray) => loop(a, 1.5, 10).v)(2), 1.5 * 3 * 2 * 2, 1e-15, "hessian")
    expectClose(jit(grad((a: WArray) => loop(a, 1.5, 10).v))(2), 1.5 * 3 * 4, 1e-15, "jit(grad)")
    const as = [2, 3, 1.5]
    const want = as.map((a) => { const { n } = tripsJs(a, 1.5); return 1.5 * n * a ** (n - 1) })
    expectClose(vmap(grad((a: WArray) => loop(a, 1.5, 10).v))(np.array(as)), want, 1e-14, "vmap(grad)")
    expectClose(grad((a: WArray) => np.sum(vmap((b: WArray) => loop(b, 1.5, 10).v)(a)))(np.array(as)), want, 1e-14, "grad(vmap)")
  })

  // Caveat: when the trip count depends on the parameter, the derivative ignores the jumps.
  it("ignores the jumps of a parameter-dependent trip count", () => {
    // halve(x) = x / 2^n(x), halving until below 1: piecewise linear, jumping at powers of two
    const halve = (x: WArray | number) => lax.whileLoop((y: WArray) => np.greaterEqual(y, 1), (y: WArray) => np.multiply(y, 0.5), x) as WArray
    const halveM = (x: WArray | number) => lax.whileLoop((y: WArray) => np.greaterEqual(y, 1), (y: WArray) => np.multiply(y, 0.5), x, { maxIterations: 10 }) as WArray
    expectClose(halve(3), 0.75, 1e-15, "halve(3)")
    expectClose(jvp(halve, [3], [1])[1], 0.25, 1e-15, "slope 1/2² at 3")
    expectClose(grad(halveM)(3), 0.25, 1e-15, "reverse slope at 3")
    expectClose(halve(3.999), 0.99975, 1e-15, "just below 4")
    expectClose(halve(4), 0.5, 1e-15, "at 4")
    // at x = 4 the derivative is the slope of the piece (1/8), though a difference across the jump is about −0.5/h
    expectClose(jvp(halve, [4], [1])[1], 0.125, 1e-15, "slope at 4")
    const across = (halve(4 + 1e-6).item() - halve(4 - 1e-6).item()) / 2e-6
    expect(across).toBeLessThan(-1e5)
  })

  it("rejects a non-bool condition, a carry that changes shape and a negative maxIterations", () => {
    throwsTagged(() => lax.whileLoop((c: WArray) => c, (c: WArray) => np.multiply(c, 2), 1), "DtypeError", "lax.whileLoop", "bool")
    throwsTagged(() => lax.whileLoop((c: WArray) => np.less(np.sum(c), 10), (c: WArray) => np.concatenate([c, c], 0), np.array([1])), "ShapeError", "lax.whileLoop", "[1]", "[2]")
    throwsTagged(() => lax.whileLoop((c: WArray) => np.less(c, 10), (c: WArray) => c, 1, { maxIterations: -1 }), "InvalidArgumentError", "lax.whileLoop", "-1")
  })

  it("rejects a condition that is not a bool scalar with maxIterations too, naming its type", () => {
    throwsTagged(() => lax.whileLoop((c: WArray) => c, (c: WArray) => np.multiply(c, 2), 1, { maxIterations: 3 }), "DtypeError", "lax.whileLoop", "f64[]", "bool scalar")
    throwsTagged(() => lax.whileLoop((c: WArray) => np.less(c, 3), (c: WArray) => np.add(c, 1), np.array([1, 2]), { maxIterations: 3 }), "DtypeError", "lax.whileLoop", "bool[2]", "bool scalar")
  })
})
