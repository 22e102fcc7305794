// check_converged in the JSON form: its params (tol, and the API function named by the error,
// an enum) are validated by ir.decode, and a decoded program still raises when a solve fails.

import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { type WArray, evalJaxpr, ir, makeJaxpr, np } from "wengert"
import { checkConverged } from "../../src/prims/checkConverged.js"
import { decodeError, roundTrip } from "./helpers.js"

const checked = (tol: number) => (x: WArray, r: WArray) => checkConverged(x as never, r as never, np.array(7, { dtype: "int32" }) as never, { tol, fn: "implicit.fixedPoint" }) as unknown as WArray

describe("check_converged", () => {
  it("round-trips and raises after decoding, naming the function and the iterations", () => {
    const j = makeJaxpr(checked(1e-10))(np.array([1, 2]), np.array(0))
    expect(j.jaxpr.effects).toEqual([])
    const back = roundTrip(j)
    expect(back.toString()).toBe(j.toString())
    expect(Array.from(evalJaxpr(back, np.array([1, 2]), np.array(1e-12))[0]!.toTypedArray())).toEqual([1, 2])
    expect(() => evalJaxpr(back, np.array([1, 2]), np.array(1e-3))).toThrow(/implicit\.fixedPoint: the forward solve did not converge: max\|T\(x\) − x\| = 1\.00e-3 > forwardTol 1e-10 after 7 iterations/)
  })

  it("refuses an unknown function name and a negative or non-finite tol", () => {
    const json = ir.encode(makeJaxpr(checked(1e-10))(np.array([1, 2]), np.array(0)))
    const withParams = (params: Record<string, unknown>) => ({ ...json, jaxprs: json.jaxprs.map((jx) => ({ ...jx, eqns: jx.eqns.map((e) => (e.prim === "check_converged" ? { ...e, params } : e)) })) })
    expect(decodeError(withParams({ tol: 1e-10, fn: "alert(1)" })).message).toContain("fn")
    expect(decodeError(withParams({ tol: -1, fn: "implicit.rootSolve" })).message).toContain("tol")
    expect(decodeError(withParams({ tol: "Infinity", fn: "implicit.rootSolve" })).message).toContain("tol")
    expect(Result.isSuccess(ir.decode(withParams({ tol: 0.5, fn: "implicit.rootSolve" })))).toBe(true)
  })
})
