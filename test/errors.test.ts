// The error catalog (src/core/errors.ts, docs/errors.md): each of the eight tagged classes raised
// through the public API, with its structured fields and a message that names the operation and
// the shapes; the `.safe` forms return the same errors as Results and let bugs throw.

import * as Result from "effect/Result"
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest"
import {
  ConcretizationError, DecodeError, DtypeError, EffectError, InvalidArgumentError, NonDifferentiableError, ShapeError,
  TracerLeakError, type WArray, type WengertError, debug, grad, ir, jit, lax, makeJaxpr, np, valueAndGrad, vjp, vmap,
} from "wengert"
import { isWengertError } from "../src/core/errors.js"
import { readFileSync } from "node:fs"
import { APPENDIX, catalog, errorsDoc } from "../scripts/errorsCatalog.js"

beforeEach(() => { vi.spyOn(console, "log").mockImplementation(() => {}) })
afterEach(() => { vi.restoreAllMocks() })

/** The error `f` throws (fails the test if it returns). */
function thrown(f: () => unknown): Error & { _tag?: string } {
  try { f() } catch (e) { return e as Error & { _tag?: string } }
  throw new Error("expected a throw")
}

/** The failure of a Result (fails the test on a success). */
function failure<A>(r: Result.Result<A, WengertError>): WengertError {
  if (Result.isSuccess(r)) throw new Error("expected a failure")
  return r.failure
}

describe("every error class, through the public API", () => {
  it("ShapeError names the function and both shapes", () => {
    const e = thrown(() => np.matmul(np.ones([2, 3]), np.ones([2, 3])))
    expect(e).toBeInstanceOf(ShapeError)
    expect(e).toMatchObject({ _tag: "ShapeError", name: "ShapeError", fn: "np.matmul", shapes: [[2, 3], [2, 3]] })
    expect(e.message).toBe("np.matmul: incompatible shapes [2,3], [2,3]. Inner dimensions differ: f64[2,3] @ f64[2,3] (3 ≠ 2). Transpose or reshape one.")
  })

  it("DtypeError for mixed dtypes in lax (np promotes, lax does not)", () => {
    const f32 = np.array([1, 2], { dtype: "float32" }), f64 = np.array([1, 2])
    const e = thrown(() => lax.add(f32, f64))
    expect(e).toBeInstanceOf(DtypeError)
    expect(e).toMatchObject({ _tag: "DtypeError", fn: "add", dtypes: ["f32", "f64"] })
    expect(e.message).toContain("convert with astype")
    expect(np.add(f32, f64).dtype).toBe("float64")
  })

  it("DtypeError names the function, the dtype and the shape", () => {
    const e = thrown(() => np.take(np.ones([2, 3]), np.array([0.5, 1]), 0))
    expect(e).toBeInstanceOf(DtypeError)
    expect(e).toMatchObject({ _tag: "DtypeError", fn: "np.take", dtypes: ["f64"] })
    expect(e.message).toContain("np.take: unsupported dtype f64. indices f64[2] must be integers")
  })

  it("ConcretizationError names the read and the traced array's type, and points to lax.cond", () => {
    const e = thrown(() => jit((x: WArray) => np.multiply(x, x.item()))(np.ones([1, 1])))
    expect(e).toBeInstanceOf(ConcretizationError)
    expect(e).toMatchObject({ _tag: "ConcretizationError", fn: "Array.item", aval: "f64[1,1]" })
    expect(e.message).toContain("Array.item: cannot read the value of a traced array f64[1,1]. Under jit")
    expect(e.message).toContain("lax.cond")
  })

  it("TracerLeakError names the transform and the tracer's type", () => {
    let leaked: WArray | undefined
    grad((x: WArray) => { leaked = x; return np.sum(x) })(np.ones([3]))
    const e = thrown(() => np.sin(leaked!))
    expect(e).toBeInstanceOf(TracerLeakError)
    expect(e).toMatchObject({ _tag: "TracerLeakError", transform: "grad", aval: "f64[3]" })
    expect(e.message).toMatch(/^grad: a tracer f64\[3\] escaped its transform/)
  })

  it("NonDifferentiableError names the function and the types involved", () => {
    const e = thrown(() => grad((x: WArray) => np.sum(x))(np.array([1, 2], { dtype: "int32" })))
    expect(e).toBeInstanceOf(NonDifferentiableError)
    expect(e).toMatchObject({ _tag: "NonDifferentiableError", fn: "grad" })
    expect(e.message).toContain("grad: not differentiable here. gradients need float inputs, but an argument has dtype int32 (i32[2])")
    const loop = (x: WArray) => lax.whileLoop((c: WArray[]) => np.less(c[0]!, 3), (c: WArray[]) => [np.add(c[0]!, 1), np.multiply(c[1]!, 2)], [0, np.multiply(x, np.ones([2]))])[1]
    const w = thrown(() => grad((x: WArray) => np.sum(loop(x)))(1.5))
    expect(w).toMatchObject({ _tag: "NonDifferentiableError", fn: "lax.whileLoop" })
    expect(w.message).toContain("a while loop (carry f64[], tangents f64[2]) does not have")
    expect(w.message).toContain("maxIterations")
  })

  it("EffectError names the transform and operation, the effect and the predicate's shape", () => {
    const f = (x: WArray) => lax.cond(np.greater(np.sum(x), 0), (y: WArray) => { debug.print("{}", y); return y }, (y: WArray) => y, x)
    const e = thrown(() => vmap(f)(np.ones([5, 2])))
    expect(e).toBeInstanceOf(EffectError)
    expect(e).toMatchObject({ _tag: "EffectError", fn: "vmap of lax.cond", effect: "debug", shapes: [[5]] })
    expect(e.message).toContain("vmap of lax.cond: effect 'debug' is not supported here. The predicate (branch index) differs between lanes, i32[5]")
  })

  it("DecodeError names the path and, for a bad equation, the primitive and its shapes", () => {
    const doc = {
      version: 1, vars: [{ shape: [3], dtype: "float64" }, { shape: [], dtype: "float64" }],
      jaxprs: [{ consts: [], constvars: [], invars: [0], eqns: [{ prim: "reduce_sum", in: [0], out: [1], params: { axes: [1] } }], outvars: [1] }],
    }
    const e = failure(ir.decode(doc))
    expect(e).toBeInstanceOf(DecodeError)
    expect(e).toMatchObject({ _tag: "DecodeError", path: "jaxprs[0].eqns[0]" })
    expect(e.message).toBe("ir.decode: invalid IR at jaxprs[0].eqns[0]. reduce_sum: incompatible shapes [3]. axes (1) must be distinct and in [0, 0].")
  })

  it("InvalidArgumentError names the function, the argument and its shape", () => {
    const e = thrown(() => vmap((x: WArray) => x, { inAxes: 2 })(np.ones([3])))
    expect(e).toBeInstanceOf(InvalidArgumentError)
    expect(e).toMatchObject({ _tag: "InvalidArgumentError", fn: "vmap" })
    expect(e.message).toBe("vmap: in axis 2 is out of range for args[0] of shape f64[3].")
  })

  it("are all WengertErrors, and nothing else is", () => {
    for (const e of [
      new ShapeError("f", [[1]], "h"), new DtypeError("f", ["int32"], "h"), new ConcretizationError("f", "f64[]", "h"),
      new TracerLeakError("jit", "f64[]"), new NonDifferentiableError("f", "h"), new EffectError("f", "debug", "h"),
      new DecodeError("a.b", "h"), new InvalidArgumentError("f", "h"),
    ]) expect(isWengertError(e), e.name).toBe(true)
    expect(isWengertError(new TypeError("x"))).toBe(false)
    expect(isWengertError(Object.assign(new Error("x"), { _tag: "Other" }))).toBe(false)
  })
})

describe("the .safe forms", () => {
  const x23 = np.ones([2, 3])

  it("return the value as a success", () => {
    const r = grad.safe((x: WArray) => np.sum(np.multiply(x, x)))(np.array([1, 2]))
    expect(Result.isSuccess(r) && r.success.toArray()).toEqual([2, 4])
    expectTypeOf(r).toEqualTypeOf<Result.Result<any, WengertError>>()
    const j = makeJaxpr.safe((x: WArray) => np.sin(x))(1)
    expect(Result.isSuccess(j) && j.success.toString()).toContain("sin")
  })

  it("return each entry point's tagged error as a failure", () => {
    const matmul = (x: WArray) => np.matmul(x, x)
    expect(failure(makeJaxpr.safe(matmul)(x23))).toMatchObject({ _tag: "ShapeError", fn: "np.matmul", shapes: [[2, 3], [2, 3]] })
    expect(failure(jit.safe(matmul)(x23))).toMatchObject({ _tag: "ShapeError", fn: "np.matmul" })
    expect(failure(vjp.safe(matmul, x23))).toMatchObject({ _tag: "ShapeError", fn: "np.matmul" })
    expect(failure(grad.safe((x: WArray) => np.sin(x))(np.ones([2])))).toMatchObject({ _tag: "ShapeError", fn: "grad", shapes: [[2]] })
    expect(failure(valueAndGrad.safe((x: WArray) => np.sin(x))(np.ones([2])))).toMatchObject({ _tag: "ShapeError", fn: "valueAndGrad" })
    expect(failure(jit.safe((x: WArray) => x.item())(np.ones([])))).toMatchObject({ _tag: "ConcretizationError", fn: "Array.item", aval: "f64[]" })
    expect(failure(vmap.safe((x: WArray) => x, { inAxes: 1 })(np.ones([3])))).toMatchObject({ _tag: "InvalidArgumentError", fn: "vmap" })
    const f = (x: WArray) => lax.whileLoop((c: WArray) => np.less(c, 3), (c: WArray) => { debug.print("{}", c); return np.add(c, 1) }, x)
    expect(failure(vmap.safe(f)(np.array([1, 2])))).toMatchObject({ _tag: "EffectError", fn: "vmap of lax.whileLoop", effect: "debug", shapes: [[2], []] })
    const cb = makeJaxpr((x: WArray) => { debug.callback(() => {}, x); return x })(1)
    expect(failure(ir.encode.safe(cb))).toMatchObject({ _tag: "InvalidArgumentError", fn: "ir.encode" })
  })

  it("let errors that are not the library's (bugs) throw", () => {
    const bug = () => { throw new TypeError("a bug in f") }
    expect(() => jit.safe(bug)(1)).toThrow(TypeError)
    expect(() => grad.safe(bug)(1)).toThrow("a bug in f")
    expect(() => vmap.safe(bug)(np.ones([2]))).toThrow(TypeError)
    expect(() => makeJaxpr.safe(bug)(1)).toThrow(TypeError)
  })
})

describe("docs/errors.md", () => {
  it("lists every raise site of the source (run `npm run docs:errors` after adding or changing one)", () => {
    const doc = readFileSync(errorsDoc, "utf8")
    expect(doc.slice(doc.indexOf(APPENDIX))).toBe(catalog())
  })
})
