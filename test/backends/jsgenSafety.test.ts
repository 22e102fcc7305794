// Generated source contains only identifiers the generator made, library names and numbers it
// formatted: hostile strings in a hand-built jaxpr (params, shapes, dtypes, primitive names)
// are rejected or never reach the source text.

import { describe, expect, it } from "vitest"
import { grad, makeJaxpr, np } from "wengert"
import { NdArray } from "../../src/core/array.js"
import { ShapedArray } from "../../src/core/aval.js"
import { InvalidArgumentError } from "../../src/core/errors.js"
import { ClosedJaxpr, Eqn, Jaxpr, Literal, Var } from "../../src/core/ir.js"
import type { Primitive } from "../../src/core/primitive.js"
import { lookupPrimitive } from "../../src/core/primitive.js"
import { compileJaxpr } from "../../src/backends/jsgen/compile.js"

const evil = '"); process.exit(1); ("'
const prim = (name: string): Primitive => lookupPrimitive(name)!

const library = new Set(("function return const let for if else continue new use strict Math fround sin cos tan tanh sinh cosh asin acos " +
  "atan atan2 exp expm1 log log1p sqrt floor ceil round abs fill best undefined hLogistic hRound hDotF64 hDotF32 hDotI32 hDotU32").split(" "))
const generated = /^(?:[sbtxucarglmw]\d+|c\d+_\d+|i(?:\d+|p|s|x|a|c\d+)_\d+|q(?:\d+|p|s|x|a|c\d+)_\d+_\d+)$/
/** Every identifier is generated, a library name or a short kernel local; the only string is the directive. */
function expectOnlyGeneratedText(src: string): void {
  const body = src.replace(/^"use strict";/, "")
  expect(body).not.toMatch(/["'`\\]/)
  for (const id of body.match(/[A-Za-z_$][\w$]*/g) ?? [])
    if (!library.has(id) && !generated.test(id) && !/^[A-Za-z][a-z0-9]{0,3}$/.test(id)) expect.fail(`unexpected identifier ${id} in generated source`)
}

function closed1(p: Primitive, params: Record<string, unknown>, inAval: ShapedArray, outAval: ShapedArray): ClosedJaxpr {
  const x = new Var(inAval), y = new Var(outAval)
  return new ClosedJaxpr(new Jaxpr([], [x], [y], [new Eqn(p, [x], [y], params)]), [])
}
const f64 = (...shape: number[]) => new ShapedArray(shape, "float64")

describe("jsgen safety", () => {
  it("keeps hostile params out of the source (the equation falls back to its impl)", () => {
    const cases: ClosedJaxpr[] = [
      closed1(prim("reduce_sum"), { axes: [evil] }, f64(3), f64()),
      closed1(prim("broadcast_in_dim"), { shape: [evil], broadcast_dimensions: [evil] }, f64(3), f64(2, 3)),
      closed1(prim("pad"), { value: evil, padding_config: [[evil, 0, 0]] }, f64(3), f64(5)),
      closed1(prim("integer_pow"), { y: evil }, f64(3), f64(3)),
      closed1(prim("convert_element_type"), { new_dtype: evil, weak_type: false }, f64(3), f64(3)),
      closed1(prim("transpose"), { permutation: evil }, f64(2, 3), f64(3, 2)),
      closed1(prim("slice"), { start_indices: [evil], limit_indices: [1], strides: [1] }, f64(3), f64(1)),
      closed1(prim("cumsum"), { axis: evil, reverse: evil }, f64(3), f64(3)),
      closed1(prim("dot_general"), { lhs_contracting: [evil], rhs_contracting: [0], lhs_batch: [], rhs_batch: [] }, f64(3), f64()),
    ]
    for (const c of cases) {
      const src = compileJaxpr(c).source
      expect(src).not.toContain("process")
      expectOnlyGeneratedText(src)
    }
  })

  it("never writes a primitive's name into the source", () => {
    const fake: Primitive = { ...prim("sin"), name: evil }
    const src = compileJaxpr(closed1(fake, {}, f64(4), f64(4))).source
    expect(src).not.toContain("process")
    expectOnlyGeneratedText(src)
  })

  it("rejects variables with malformed shapes or dtypes", () => {
    const bad = [
      new ShapedArray([evil] as unknown as number[], "float64"),
      new ShapedArray([-1], "float64"),
      new ShapedArray([2.5], "float64"),
      new ShapedArray([3], evil as unknown as "float64"),
    ]
    for (const a of bad) expect(() => compileJaxpr(closed1(prim("sin"), {}, a, a))).toThrow(InvalidArgumentError)
  })

  it("rejects a literal of an unknown dtype and formats literal values itself", () => {
    const x = new Var(f64(3)), y = new Var(f64(3))
    const lit = new Literal(new NdArray(Float64Array.of(1), [], evil as unknown as "float64"))
    const c = new ClosedJaxpr(new Jaxpr([], [x], [y], [new Eqn(prim("convert_element_type"), [lit], [y], { new_dtype: "float64", weak_type: false })]), [])
    expect(() => compileJaxpr(c)).toThrow(InvalidArgumentError)
    const z = new Var(f64(3))
    const odd = new Literal(NdArray.scalar(-0))
    const src = compileJaxpr(new ClosedJaxpr(new Jaxpr([], [x], [z], [new Eqn(prim("add"), [x, odd], [z], {})]), [])).source
    expectOnlyGeneratedText(src)
  })

  it("emits only generated text for real programs", () => {
    const x = np.asarray([[1, 2], [3, 4], [5, 6]])
    const f = (x: NdArray) => np.sum(np.tanh(np.matmul(np.transpose(x), np.exp(x))))
    expectOnlyGeneratedText(compileJaxpr(makeJaxpr(grad(f))(x)).source)
    expectOnlyGeneratedText(compileJaxpr(makeJaxpr((x: NdArray) => [np.cumsum(x, 0), np.argmax(x, 1), np.flip(x)])(x)).source)
  })
})
