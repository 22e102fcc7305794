// debug.print and debug.callback: ordered effects that run when the program runs (not when it
// is traced), in program order, under the interpreter and jit; survive DCE; print primal values
// under differentiation; run once per lane under vmap and once per step inside scan.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import {
  checkpoint, debug, evalJaxpr, grad, ir, jit, jvp, lax, linearize, makeJaxpr, np, vjp, vmap, type WArray,
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
