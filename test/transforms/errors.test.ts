// Every error path of the transforms: the tagged class, and a message that names the function,
// the shapes or paths involved, and what to do.

import { describe, expect, it } from "vitest"
import { type WArray, grad, jit, np, valueAndGrad, vjp, vmap } from "wengert"

/** Runs `f`, expecting a throw with `tag` whose message contains every fragment. */
function fails(f: () => unknown, tag: string, ...fragments: (string | RegExp)[]): void {
  let err: unknown
  try { f() } catch (e) { err = e }
  expect(err, "expected a throw").toBeInstanceOf(Error)
  expect((err as { _tag?: string })._tag).toBe(tag)
  for (const s of fragments) expect((err as Error).message).toMatch(s)
}

describe("grad", () => {
  it("of a non-scalar output is a ShapeError naming the shape", () => {
    fails(() => grad((x: WArray) => np.sin(x))(np.array([1, 2])), "ShapeError", "grad", "f64[2]", /scalar/, /jacrev|vjp/)
  })

  it("of a tree output is a ShapeError", () => {
    fails(() => grad((x: WArray) => [x, x])(1), "ShapeError", "grad", /scalar/)
  })

  it("with argnums out of range is an InvalidArgumentError", () => {
    fails(() => grad((x: WArray) => np.sin(x), { argnums: 2 })(1), "InvalidArgumentError", "grad", "argnums 2", "1 argument")
    fails(() => grad((x: WArray, y: WArray) => np.multiply(x, y), { argnums: [0, 5] })(1, 2), "InvalidArgumentError", "argnums 5", "2 argument")
  })

  it("with hasAux and a result that is not a pair is an InvalidArgumentError", () => {
    fails(() => grad((x: WArray) => np.sin(x), { hasAux: true })(1), "InvalidArgumentError", "grad", "hasAux", /pair/)
    fails(() => grad((x: WArray) => [np.sin(x), x, x], { hasAux: true })(1), "InvalidArgumentError", /pair/)
    fails(() => valueAndGrad((x: WArray) => np.sin(x), { hasAux: true })(1), "InvalidArgumentError", "valueAndGrad", /pair/)
  })

  it("with respect to an int array is a NonDifferentiableError naming the dtype", () => {
    fails(() => grad((x: WArray) => np.sum(x))(np.array([1, 2], { dtype: "int32" })), "NonDifferentiableError", "grad", "int32", /astype|argnums/)
  })

  it("of an int output is a NonDifferentiableError", () => {
    fails(() => grad((x: WArray) => np.argmax(x))(np.array([1, 2])), "NonDifferentiableError", "grad", /float/)
  })
})

describe("vjp", () => {
  it("pullback of a cotangent of the wrong shape is a ShapeError naming both shapes", () => {
    const [, pullback] = vjp((x: WArray) => np.sin(x), np.array([1, 2]))
    fails(() => pullback(np.array([1, 2, 3])), "ShapeError", "vjp pullback", "[2]", "[3]")
  })

  it("pullback of a cotangent of the wrong structure is a ShapeError", () => {
    const [, pullback] = vjp((x: WArray) => [x, x], np.array([1, 2]))
    fails(() => pullback(np.array([1, 2])), "ShapeError", "vjp pullback", /structure/)
  })
})

describe("tracer leaks", () => {
  it("using a tracer stored inside grad after grad returns is a TracerLeakError naming grad", () => {
    let leaked: WArray | undefined
    grad((x: WArray) => { leaked = x; return np.sin(x) })(1)
    fails(() => np.add(leaked!, 1), "TracerLeakError", "grad", "f64[]", /escaped/)
  })

  it("names vmap for a tracer leaked from vmap", () => {
    let leaked: WArray | undefined
    vmap((x: WArray) => { leaked = x; return x })(np.ones([3]))
    fails(() => np.sin(leaked!), "TracerLeakError", "vmap")
  })

  it("names jit for a tracer leaked from jit", () => {
    let leaked: WArray | undefined
    jit((x: WArray) => { leaked = x; return x })(np.ones([2]))
    fails(() => np.sin(leaked!), "TracerLeakError", "jit")
  })
})

describe("vmap arguments", () => {
  it("with inconsistent batch sizes is a ShapeError naming the paths and sizes", () => {
    fails(() => vmap((x: WArray, y: WArray) => np.add(x, y))(np.ones([3]), np.ones([4])), "ShapeError", "vmap", "args[1]", "args[0]", "4", "3")
    fails(() => vmap((p: { a: WArray; b: WArray }) => np.add(p.a, p.b))({ a: np.ones([2, 5]), b: np.ones([3, 5]) }), "ShapeError", "args[0].b", "args[0].a")
  })

  it("with an axis out of range is an InvalidArgumentError naming the argument and its shape", () => {
    fails(() => vmap((x: WArray) => x, { inAxes: 2 })(np.ones([3])), "InvalidArgumentError", "vmap", "2", "args[0]", "f64[3]")
    fails(() => vmap((x: WArray) => x, { inAxes: -3 })(np.ones([3, 2])), "InvalidArgumentError", "-3")
  })

  it("with an inAxes tree that does not match the arguments is an InvalidArgumentError naming the path", () => {
    fails(() => vmap((p: { a: WArray }) => p.a, { inAxes: [{ b: 0 }] })({ a: np.ones([3]) }), "InvalidArgumentError", "vmap", "inAxes", "[0]")
    fails(() => vmap((x: WArray, y: WArray) => np.add(x, y), { inAxes: [0] })(np.ones([3]), np.ones([3])), "InvalidArgumentError", "inAxes", "2 arguments")
  })

  it("with no mapped argument and no axisSize is an InvalidArgumentError", () => {
    fails(() => vmap((x: WArray) => x, { inAxes: null })(np.ones([3])), "InvalidArgumentError", "axisSize")
  })
})

describe("reading traced values", () => {
  it("under jit is a ConcretizationError that points to lax.cond", () => {
    fails(() => jit((x: WArray) => (x.item() > 0 ? x : np.negative(x)))(1), "ConcretizationError", "f64[]", "lax.cond")
    fails(() => jit((x: WArray) => ((x as unknown as number) > 0 ? x : np.negative(x)))(np.array(1)), "ConcretizationError", "lax.cond")
  })

  it("under vmap is a ConcretizationError (the lanes may disagree)", () => {
    fails(() => vmap((x: WArray) => (x.item() > 0 ? x : np.negative(x)))(np.array([1, -1])), "ConcretizationError", "vmap", /lane/)
  })

  it("works under grad, where values are known", () => {
    expect(grad((x: WArray) => (x.item() > 0 ? np.sin(x) : x))(1).item()).toBeCloseTo(Math.cos(1), 15)
  })
})
