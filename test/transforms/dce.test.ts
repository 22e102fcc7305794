// Dead-code elimination inside control flow: a scan drops unused ys and carries nothing needs
// (but keeps a carry another kept carry reads), a while loop keeps what its predicate reads, a
// cond prunes every branch and the operands only dead outputs read; effects always stay.
// jit (which runs DCE before compiling) still computes what the interpreter does.

import { describe, expect, it, vi } from "vitest"
import { type WArray, debug, jit, makeJaxpr, np } from "wengert"
import * as lax from "../../src/lax/index.js"
import { dce } from "../../src/transforms/dce.js"
import type { ClosedJaxpr, Eqn } from "../../src/core/ir.js"

type A = WArray
const only = (c: ClosedJaxpr, name: string): Eqn => {
  const es = dce(c.jaxpr).eqns.filter((e) => e.prim.name === name)
  expect(es.length).toBe(1)
  return es[0]!
}
const arr = (a: unknown) => [...(a as A).toTypedArray()]
const x0 = np.asarray([0.5, -1, 2]), xs = np.reshape(np.arange(12, "float64"), [4, 3])

describe("dce inside control flow", () => {
  it("scan: unused ys and an independent carry go, with the xs only they read", () => {
    // carry a reads only itself and row r; carry b reads a; the ys read b and w
    const f = (a0: A, b0: A, rows: A, ws: A) => lax.scan(([a, b]: A[], [r, w]: A[]) =>
      [[np.add(np.sin(a!), r!), np.multiply(b!, a!)], [np.sum(np.multiply(b!, w!))]], [a0, b0], [rows, ws])
    const onlyA = (a0: A, b0: A, rows: A, ws: A) => (f(a0, b0, rows, ws) as A[][])[0]![0]!
    const e = only(makeJaxpr(onlyA)(x0, x0, xs, xs), "scan")
    expect([e.params.num_carry, e.outputs.length, e.inputs.length]).toEqual([1, 1, 2])
    expect(arr(jit(onlyA)(x0, x0, xs, xs))).toEqual(arr(onlyA(x0, x0, xs, xs)))
    // asking for b keeps a as well (b reads a), but still drops the ys and ws
    const onlyB = (a0: A, b0: A, rows: A, ws: A) => (f(a0, b0, rows, ws) as A[][])[0]![1]!
    const eb = only(makeJaxpr(onlyB)(x0, x0, xs, xs), "scan")
    expect([eb.params.num_carry, eb.outputs.length, eb.inputs.length]).toEqual([2, 2, 3])
    expect(arr(jit(onlyB)(x0, x0, xs, xs))).toEqual(arr(onlyB(x0, x0, xs, xs)))
  })

  it("scan: a body equation nothing reads is removed from the body", () => {
    const f = (c0: A) => lax.scan((c: A, r: A) => { np.exp(np.cos(c)); return [np.add(c, r), np.sum(c)] }, c0, xs)[0] as A
    const e = only(makeJaxpr(f)(x0), "scan")
    const body = (e.params.jaxpr as ClosedJaxpr).jaxpr
    expect(body.eqns.map((q) => q.prim.name)).toEqual(["add"])
  })

  it("while: an unused carry goes unless the predicate reads it", () => {
    const f = (v0: A, n0: A, junk0: A) => lax.whileLoop(([v, n]: A[]) => np.less(n!, 5),
      ([v, n, j]: A[]) => [np.multiply(v!, 1.5), np.add(n!, 1), np.sin(j!)], [v0, n0, junk0])
    const g = (v0: A, n0: A, junk0: A) => (f(v0, n0, junk0) as A[])[0]!
    const e = only(makeJaxpr(g)(x0, np.asarray(0), x0), "while")
    expect(e.outputs.length).toBe(2) // v and the counter n the predicate reads; junk is gone
    expect(arr(jit(g)(x0, np.asarray(0), x0))).toEqual(arr(g(x0, np.asarray(0), x0)))
  })

  it("cond: a dead output goes from every branch, with the operand only it read", () => {
    const f = (p: A, x: A, y: A) => lax.cond(p, (x: A, y: A) => [np.sin(x), np.exp(y)], (x: A, y: A) => [np.cos(x), y], x, y)
    const g = (p: A, x: A, y: A) => (f(p, x, y) as A[])[0]!
    const e = only(makeJaxpr(g)(np.asarray(true), x0, x0), "cond")
    expect([e.outputs.length, e.inputs.length]).toEqual([1, 2])
    for (const p of [true, false]) expect(arr(jit(g)(np.asarray(p), x0, x0))).toEqual(arr(g(np.asarray(p), x0, x0)))
  })

  it("effects in a body keep the loop even when nothing reads its results", () => {
    const lines: string[] = []
    const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => { lines.push(a.map(String).join(" ")) })
    try {
      const f = (c0: A) => { lax.scan((c: A, r: A) => { debug.print("r0={}", r.at(0)); return [np.add(c, r), np.sum(c)] }, c0, xs); return np.sum(c0) }
      expect(only(makeJaxpr(f)(x0), "scan").params.num_carry).toBe(0)
      jit(f)(x0)
      expect(lines).toEqual(["r0=0", "r0=3", "r0=6", "r0=9"])
    } finally { spy.mockRestore() }
  })
})
