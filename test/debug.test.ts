// debug.print and debug.callback: ordered effects that run when the program runs (not when it
// is traced), in program order, under the interpreter and jit; survive DCE; print primal values
// under differentiation; run once per lane under vmap and once per step inside scan; are an
// EffectError under vmap of a cond or while loop whose predicate differs between lanes; print
// in a jaxpr as equations without a left-hand side and round-trip through ir.encode/decode.

import * as Result from "effect/Result"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import {
  EffectError, checkpoint, debug, evalJaxpr, grad, ir, jit, jvp, lax, linearize, makeJaxpr, np, vjp, vmap, type WArray,
} from "wengert"
import { dce } from "../src/transforms/dce.js"
import { throwsTagged } from "./numpy/helpers.js"

let lines: string[] = []
beforeEach(() => {
  lines = []
  vi.spyOn(console, "log").mockImplementation((...xs: unknown[]) => { lines.push(xs.map(String).join(" ")) })
})
afterEach(() => { vi.restoreAllMocks() })

describe("debug.print", () => {
  it("prints the values in program order, eagerly", () => {
    const y = np.sin(np.array([0, 1]))
    debug.print("a {} b {}", 1, np.array([true, false]))
    debug.print("second {0} {0}", np.array([[1, 2], [3, 4]]))
    void y
    expect(lines).toEqual(["a 1 b [true, false]", "second [[1, 2], [3, 4]] [[1, 2], [3, 4]]"])
  })

  it("formats dtypes, special numbers and literal braces", () => {
    debug.print("{{}} {} {} {} {}", np.array([0.1, -0, NaN, Infinity]).astype("float32"), np.array([0.1, 2.5]), np.array([-3, 7]).astype("int32"), np.array(5).astype("uint32"))
    expect(lines).toEqual(["{} [0.1, -0, NaN, Infinity] [0.1, 2.5] [-3, 7] 5"])
  })

  it("summarizes large arrays", () => {
    debug.print("{}", np.arange(2000))
    expect(lines[0]).toBe("[2000 values of f64[2000]: 0, ..., 1999]")
  })

  it("prints when a jitted function runs, on every call, not when it is traced", () => {
    const f = jit((x: WArray) => { debug.print("x = {}", x); return np.multiply(x, 2) })
    expect(f(1).item()).toBe(2)
    expect(f(3).item()).toBe(6)
    expect(lines).toEqual(["x = 1", "x = 3"])
    makeJaxpr((x: WArray) => { debug.print("staged {}", x); return x })(1)
    expect(lines).toHaveLength(2)
  })

  it("keeps program order among several prints under jit", () => {
    const f = jit((x: WArray) => {
      debug.print("one {}", x)
      const y = np.add(x, 1)
      debug.print("two {}", y)
      debug.print("three {}", np.multiply(y, y))
      return y
    })
    f(1)
    expect(lines).toEqual(["one 1", "two 2", "three 4"])
  })

  it("survives dead-code elimination even when its value is unused", () => {
    const f = (x: WArray) => { debug.print("unused {}", np.cos(x)); return np.sin(x) }
    const j = makeJaxpr(f)(0)
    expect(ir.effects(j)).toEqual(["debug"])
    expect(dce(j.jaxpr).eqns.map((e) => e.prim.name)).toEqual(["cos", "debug_print", "sin"])
    jit(f)(0)
    expect(lines).toEqual(["unused 1"])
  })

  it("prints primal values, once, under grad, vjp and jvp", () => {
    const f = (x: WArray) => { debug.print("x = {}", x); return np.multiply(x, x) }
    expect(grad(f)(3).item()).toBe(6)
    expect(lines).toEqual(["x = 3"])
    const [, pullback] = vjp(f, 2)
    pullback(1)
    expect(lines).toEqual(["x = 3", "x = 2"])
    const [, t] = jvp(f, [5], [1])
    expect(t.item()).toBe(10)
    expect(lines).toEqual(["x = 3", "x = 2", "x = 5"])
  })

  it("stays in the primal computation of linearize: the linear map does not print", () => {
    const [y, lin] = linearize((x: WArray) => { debug.print("at {}", x); return np.sin(x) }, 0)
    expect(y.item()).toBe(0)
    expect(lin(2).item()).toBe(2)
    expect(lin(3).item()).toBe(3)
    expect(lines).toEqual(["at 0"])
  })

  it("prints primal values under jit of grad and grad of jit", () => {
    const f = (x: WArray) => { debug.print("x = {}", x); return np.sin(x) }
    jit(grad(f))(0)
    grad(jit(f))(1)
    expect(lines).toEqual(["x = 0", "x = 1"])
    expect(makeJaxpr(grad(f))(0).toString()).toContain("debug_print[fmt=x = {}]")
  })

  it("prints second-order primal values once under grad of grad", () => {
    const f = (x: WArray) => { debug.print("x = {}", x); return np.multiply(np.multiply(x, x), x) }
    expect(grad(grad(f))(2).item()).toBe(12)
    expect(lines).toEqual(["x = 2"])
  })

  it("prints once per lane, in lane order, under vmap", () => {
    const f = (x: WArray, y: WArray) => { debug.print("x={} y={}", x, y); return np.add(x, y) }
    vmap(f, { inAxes: [0, null] })(np.array([[1, 2], [3, 4], [5, 6]]), 10)
    expect(lines).toEqual(["x=[1, 2] y=10", "x=[3, 4] y=10", "x=[5, 6] y=10"])
    lines.length = 0
    vmap(f, { inAxes: [1, null] })(np.array([[1, 2], [3, 4]]), 0)
    expect(lines).toEqual(["x=[1, 3] y=0", "x=[2, 4] y=0"])
  })

  it("prints once per lane under vmap of vmap (the inner vmap's lanes outermost) and jit of vmap", () => {
    const f = (x: WArray) => { debug.print("{}", x); return x }
    vmap(vmap(f))(np.array([[1, 2], [3, 4]]))
    expect(lines).toEqual(["1", "3", "2", "4"])
    lines.length = 0
    jit(vmap(f))(np.array([7, 8]))
    expect(lines).toEqual(["7", "8"])
  })

  it("prints once when no argument is batched under vmap", () => {
    vmap((x: WArray) => { debug.print("hello {}", 1); return x })(np.array([1, 2, 3]))
    expect(lines).toEqual(["hello 1"])
  })

  it("prints once per step inside lax.scan, with jit, and the scan equation carries the effect", () => {
    const f = (xs: WArray) => lax.scan((c: WArray, x: WArray) => {
      debug.print("step c={} x={}", c, x)
      return [np.add(c, x), null]
    }, 0, xs)[0]
    expect(f(np.array([1, 2, 3])).item()).toBe(6)
    expect(lines).toEqual(["step c=0 x=1", "step c=1 x=2", "step c=3 x=3"])
    lines.length = 0
    jit(f)(np.array([1, 2]))
    expect(lines).toEqual(["step c=0 x=1", "step c=1 x=2"])
    const j = makeJaxpr(f)(np.array([1, 2]))
    const scanEqn = j.jaxpr.eqns.find((e) => e.prim.name === "scan")!
    expect(scanEqn.effects).toEqual(["debug"])
  })

  it("keeps a scan whose outputs are unused but whose body prints", () => {
    const f = (x: WArray) => {
      lax.scan((c: WArray, xi: WArray) => { debug.print("{}", xi); return [c, null] }, 0, x)
      return np.sin(x)
    }
    jit(f)(np.array([4, 5]))
    expect(lines).toEqual(["4", "5"])
    expect(dce(makeJaxpr(f)(np.array([4, 5])).jaxpr).eqns.some((e) => e.prim.name === "scan")).toBe(true)
  })

  it("prints primal values per step under grad of scan", () => {
    const f = (xs: WArray) => np.sum(lax.scan((c: WArray, x: WArray) => {
      debug.print("c={}", c)
      return [np.multiply(c, x), c]
    }, 1, xs)[1])
    grad(f)(np.array([2, 3]))
    expect(lines).toEqual(["c=1", "c=2"])
  })

  it("prints per lane and per step under vmap of scan", () => {
    const f = (xs: WArray) => lax.scan((c: WArray, x: WArray) => { debug.print("{}", x); return [c, null] }, 0, xs)[0]
    vmap(f)(np.array([[1, 2], [3, 4]]))
    expect(lines).toEqual(["1", "3", "2", "4"])
  })

  it("prints only in the branch taken by lax.cond", () => {
    const f = (x: WArray) => lax.cond(np.greater(x, 0), (y: WArray) => { debug.print("pos {}", y); return y }, (y: WArray) => { debug.print("neg {}", y); return np.negative(y) }, x)
    jit(f)(2)
    jit(f)(-1)
    expect(lines).toEqual(["pos 2", "neg -1"])
  })

  it("prints again when checkpoint recomputes its body in the backward pass", () => {
    const f = checkpoint((x: WArray) => { debug.print("body {}", x); return np.sin(x) })
    grad(f)(0)
    expect(lines).toEqual(["body 0", "body 0"])
  })

  it("is a typed error for a malformed format", () => {
    throwsTagged(() => debug.print("{} {}", 1), "InvalidArgumentError", "debug.print", "argument 1", "1 array(s)")
    throwsTagged(() => debug.print("{", 1), "InvalidArgumentError", "debug.print", "position 0")
    throwsTagged(() => debug.print("}", 1), "InvalidArgumentError", "'}}'")
    throwsTagged(() => debug.print("{} {0}", 1), "InvalidArgumentError", "mixes")
    throwsTagged(() => debug.print("{x}", 1), "InvalidArgumentError", "bad field")
    throwsTagged(() => (debug.print as (f: unknown) => void)(3), "InvalidArgumentError", "format string")
    throwsTagged(() => debug.print("{}", "text"), "InvalidArgumentError", "debug.print")
  })
})

describe("debug.callback", () => {
  it("gets concrete values at run time, under jit and grad", () => {
    const seen: number[] = []
    const f = (x: WArray) => { debug.callback((v) => { seen.push(v.item()) }, x); return np.multiply(x, x) }
    jit(f)(2)
    expect(grad(f)(3).item()).toBe(6)
    jit(grad(f))(4)
    expect(seen).toEqual([2, 3, 4])
  })

  it("runs once per lane under vmap and in order with prints", () => {
    const seen: string[] = []
    vmap((x: WArray) => {
      debug.callback((v) => { seen.push(`cb ${v.item()}`) }, x)
      debug.print("p {}", x)
      return x
    })(np.array([1, 2]))
    expect(seen).toEqual(["cb 1", "cb 2"])
    expect(lines).toEqual(["p 1", "p 2"])
  })

  it("gets every argument", () => {
    const seen: unknown[] = []
    evalJaxpr(makeJaxpr((x: WArray, y: WArray) => { debug.callback((a, b) => { seen.push(a.toArray(), b.toArray()) }, x, y); return x })(1, np.array([2, 3])), 5, np.array([6, 7]))
    expect(seen).toEqual([5, [6, 7]])
  })

  it("has no JSON form", () => {
    const j = makeJaxpr((x: WArray) => { debug.callback(() => {}, x); return x })(1)
    throwsTagged(() => ir.encode(j), "InvalidArgumentError", "ir.encode", "debug_callback", "JS function")
  })

  it("is a typed error without a function", () => {
    throwsTagged(() => (debug.callback as (f: unknown, x: unknown) => void)(3, 1), "InvalidArgumentError", "debug.callback", "function")
  })
})

describe("debug effects in control flow under vmap", () => {
  const printIfPositive = (x: WArray) => lax.cond(np.greater(x, 0), (y: WArray) => { debug.print("pos {}", y); return y }, (y: WArray) => np.negative(y), x)

  it("are an EffectError naming vmap of lax.cond and the index's shape when the predicate differs between lanes", () => {
    const e = throwsTagged(() => vmap(printIfPositive)(np.array([1, -2, 3])), "EffectError",
      "vmap of lax.cond", "effect 'debug'", "differs between lanes, i32[3]", "all 2 branches", "branch 1", "unbatched values", "move the print out of the branch")
    expect(e).toBeInstanceOf(EffectError)
    expect(e).toMatchObject({ fn: "vmap of lax.cond", effect: "debug" })
    throwsTagged(() => jit(vmap(printIfPositive))(np.array([1, -2])), "EffectError", "vmap of lax.cond", "i32[2]")
    expect(lines).toEqual([])
  })

  it("are an EffectError naming every branch that prints under vmap of lax.switch with a batched index", () => {
    const branches = [
      (y: WArray) => { debug.print("zero {}", y); return y },
      (y: WArray) => np.multiply(y, 2),
      (y: WArray) => { debug.callback(() => {}, y); return np.multiply(y, 3) },
    ]
    throwsTagged(() => vmap((i: WArray, x: WArray) => lax.switch(i, branches, x))(np.array([0, 2, 1, 1]).astype("int32"), np.array([1, 2, 3, 4])),
      "EffectError", "vmap of lax.cond", "i32[4]", "all 3 branches", "branches 0, 2", "lax.switch")
    expect(lines).toEqual([])
  })

  it("return the EffectError as a Result from vmap.safe", () => {
    const r = vmap.safe(printIfPositive)(np.array([1, -2, 3]))
    expect(Result.isFailure(r) && r.failure._tag).toBe("EffectError")
    expect(Result.isFailure(r) && r.failure.message).toContain("vmap of lax.cond")
  })

  it("still select per lane when the branches are pure", () => {
    const f = (x: WArray) => lax.cond(np.greater(x, 0), (y: WArray) => np.multiply(y, 10), (y: WArray) => np.negative(y), x)
    expect(vmap(f)(np.array([1, -2, 3])).toArray()).toEqual([10, 2, 30])
  })

  it("print once per lane in the branch taken when the predicate is the same for every lane", () => {
    const f = (x: WArray, flag: WArray) => lax.cond(flag,
      (y: WArray) => { debug.print("taken {}", y); return np.multiply(y, 2) },
      (y: WArray) => { debug.print("not taken {}", y); return y }, x)
    expect(vmap(f, { inAxes: [0, null] })(np.array([1, 2, 3]), true).toArray()).toEqual([2, 4, 6])
    expect(lines).toEqual(["taken 1", "taken 2", "taken 3"])
    lines.length = 0
    expect(jit(vmap(f, { inAxes: [0, null] }))(np.array([4, 5]), false).toArray()).toEqual([4, 5])
    expect(lines).toEqual(["not taken 4", "not taken 5"])
  })

  it("are an EffectError naming vmap of lax.whileLoop, the predicate's and the carry's shapes, when the predicate differs between lanes", () => {
    const inBody = (x: WArray) => lax.whileLoop((c: WArray) => np.less(c, 3), (c: WArray) => { debug.print("c = {}", c); return np.add(c, 1) }, x)
    const e = throwsTagged(() => vmap(inBody)(np.array([1, -2, 3])), "EffectError",
      "vmap of lax.whileLoop", "effect 'debug'", "bool[3]", "carry of (f64[])", "in its body", "already finished", "step counter", "lax.forILoop")
    expect(e).toMatchObject({ fn: "vmap of lax.whileLoop", effect: "debug" })
    const inCond = (x: WArray) => lax.whileLoop((c: WArray) => { debug.print("test {}", c); return np.less(c, 3) }, (c: WArray) => np.add(c, 1), x)
    throwsTagged(() => jit(vmap(inCond))(np.array([1, 2])), "EffectError", "vmap of lax.whileLoop", "bool[2]", "in its condition")
    expect(lines).toEqual([])
  })

  it("print once per lane and step in a while loop whose predicate is the same for every lane", () => {
    const f = (x: WArray) => lax.whileLoop((c: WArray[]) => np.less(c[0]!, 2),
      (c: WArray[]) => { debug.print("i={} x={}", c[0]!, c[1]!); return [np.add(c[0]!, 1), np.multiply(c[1]!, 2)] }, [0, x])[1]
    expect(vmap(f)(np.array([1, -3])).toArray()).toEqual([4, -12])
    expect(lines).toEqual(["i=0 x=1", "i=0 x=-3", "i=1 x=2", "i=1 x=-6"])
  })

  it("still mask finished lanes when the loop is pure", () => {
    const f = (x: WArray) => lax.whileLoop((c: WArray) => np.less(c, 3), (c: WArray) => np.add(c, 1), x)
    expect(vmap(f)(np.array([1, -2, 5])).toArray()).toEqual([3, 3, 5])
  })
})

describe("debug effects in a while loop with maxIterations (a bounded scan)", () => {
  const loop = (x: WArray, maxIterations?: number) => lax.whileLoop(
    (c: WArray[]) => { debug.print("test i={}", c[0]!); return np.less(c[0]!, 2) },
    (c: WArray[]) => { debug.print("body x={}", c[1]!); return [np.add(c[0]!, 1), np.multiply(c[1]!, c[1]!)] },
    [0, x], maxIterations === undefined ? {} : { maxIterations })[1]
  const unbounded = ["test i=0", "body x=3", "test i=1", "body x=9", "test i=2"]

  it("run as often as in the unbounded loop, not once per step of the bound", () => {
    expect(loop(np.array(3), 6).item()).toBe(81)
    expect(lines).toEqual(unbounded)
    lines.length = 0
    expect(loop(np.array(3)).item()).toBe(81)
    expect(lines).toEqual(unbounded)
  })

  it("stop at the bound when the loop is truncated", () => {
    expect(loop(np.array(3), 1).item()).toBe(9)
    expect(lines).toEqual(["test i=0", "body x=3"])
  })

  it("keep that count under jit, grad and jit of grad, with the same derivative as the pure loop", () => {
    expect(jit((x: WArray) => loop(x, 6))(3).item()).toBe(81)
    expect(lines).toEqual(unbounded)
    lines.length = 0
    // d(x^4)/dx = 4x^3
    expect(grad((x: WArray) => loop(x, 6))(3).item()).toBe(108)
    expect(lines).toEqual(unbounded)
    lines.length = 0
    expect(jit(grad((x: WArray) => loop(x, 6)))(3).item()).toBe(108)
    expect(lines).toEqual(unbounded)
  })

  it("print per lane under vmap with a predicate the same for every lane, and are an EffectError when it differs", () => {
    expect(vmap((x: WArray) => loop(x, 6))(np.array([2, 3])).toArray()).toEqual([16, 81])
    expect(lines).toEqual(["test i=0", "body x=2", "body x=3", "test i=1", "body x=4", "body x=9", "test i=2"])
    lines.length = 0
    const batchedTest = (x: WArray) => lax.whileLoop((c: WArray) => np.less(c, 3), (c: WArray) => { debug.print("{}", c); return np.add(c, 1) }, x, { maxIterations: 5 })
    throwsTagged(() => vmap(batchedTest)(np.array([1, -2])), "EffectError", "vmap of lax.cond", "i32[2]", "maxIterations")
    expect(lines).toEqual([])
  })
})

describe("debug.print inside jit(grad(f))", () => {
  const f = (x: WArray) => {
    debug.print("first {}", np.cos(x)) // its value is used by nothing else
    const y = np.sin(x)
    debug.print("second {}", y)
    const z = np.multiply(y, y)
    debug.print("third {} {}", x, z)
    return z
  }

  it("prints in program order, on every call, with primal values", () => {
    const g = jit(grad(f))
    expect(g(0).item()).toBe(0)
    expect(lines).toEqual(["first 1", "second 0", "third 0 0"])
    g(0)
    expect(lines).toEqual(["first 1", "second 0", "third 0 0", "first 1", "second 0", "third 0 0"])
  })

  it("keeps every print, in order, through dead-code elimination of the gradient's jaxpr", () => {
    const j = makeJaxpr(grad(f))(0)
    const prints = (eqns: readonly { prim: { name: string }; params: Record<string, unknown> }[]) =>
      eqns.filter((e) => e.prim.name === "debug_print").map((e) => e.params.fmt)
    expect(prints(j.jaxpr.eqns)).toEqual(["first {}", "second {}", "third {} {}"])
    expect(prints(dce(j.jaxpr).eqns)).toEqual(["first {}", "second {}", "third {} {}"])
    expect(ir.effects(j)).toEqual(["debug"])
  })
})

describe("jaxprs holding debug_print", () => {
  const f = (x: WArray) => {
    debug.print("start")
    const y = lax.cond(np.greater(x, 0), (v: WArray) => { debug.print("pos {}", v); return v }, (v: WArray) => np.negative(v), x)
    return lax.scan((c: WArray, xi: WArray) => { debug.print("step {} {}", c, xi); return [np.add(c, xi), null] }, y, np.array([1, 2]))[0]
  }

  it("print the equation with no left-hand side (it has no outputs), as JAX does", () => {
    expect(makeJaxpr((x: WArray) => { debug.print("x = {}", x); debug.print("hi"); return np.sin(x) })(np.ones([2])).toString()).toBe([
      "{ lambda ; a:f64[2]. let",
      "    debug_print[fmt=x = {}] a",
      "    debug_print[fmt=hi]",
      "    b:f64[2] = sin a",
      "  in (b,) }",
    ].join("\n"))
    const nested = makeJaxpr(f)(1).toString()
    expect(nested).toMatch(/\n {10}debug_print\[fmt=pos \{\}\] [a-z]+\n/)
    expect(nested).toMatch(/\n {10}debug_print\[fmt=step \{\} \{\}\] [a-z]+ [a-z]+\n/)
    expect(nested).not.toMatch(/^\s*= /m)
  })

  it("round-trip through ir.encode/decode, in sub-jaxprs too, and the decoded program prints the same lines", () => {
    const j = makeJaxpr(f)(1)
    const r = ir.decode(JSON.stringify(ir.encode(j)))
    if (Result.isFailure(r)) throw r.failure
    const back = r.success
    expect(back.toString()).toBe(j.toString())
    expect(ir.encode(back)).toEqual(ir.encode(j))
    expect(ir.effects(back)).toEqual(["debug"])
    expect(back.jaxpr.eqns.filter((e) => e.effects.length > 0).map((e) => e.prim.name)).toEqual(["debug_print", "cond", "scan"])
    expect(evalJaxpr(back, 2)[0]!.item()).toBe(5)
    const want = ["start", "pos 2", "step 2 1", "step 3 2"]
    expect(lines).toEqual(want)
    lines.length = 0
    expect(jit((x: WArray) => evalJaxpr(back, x)[0])(2).item()).toBe(5)
    expect(lines).toEqual(want)
  })

  it("refuse to decode a debug_print that declares outputs or names a missing argument", () => {
    const doc = ir.encode(makeJaxpr((x: WArray) => { debug.print("x = {}", x); return x })(1)) as any
    const withOutput = JSON.parse(JSON.stringify(doc))
    withOutput.vars.push({ shape: [], dtype: "float64" })
    withOutput.jaxprs[0].eqns[0].out = [withOutput.vars.length - 1]
    const r1 = ir.decode(withOutput)
    expect(Result.isFailure(r1) && r1.failure.path).toBe("jaxprs[0].eqns[0].out")
    expect(Result.isFailure(r1) && r1.failure.message).toContain("'debug_print' computes 0 output(s) here but 1 are declared")
    const missing = JSON.parse(JSON.stringify(doc))
    missing.jaxprs[0].eqns[0].params.fmt = "{} {}"
    const r2 = ir.decode(missing)
    expect(Result.isFailure(r2) && r2.failure.path).toBe("jaxprs[0].eqns[0]")
    expect(Result.isFailure(r2) && r2.failure.message).toContain("debug.print: the format string uses argument 1 but 1 array(s) were given")
    expect(lines).toEqual([])
  })
})
