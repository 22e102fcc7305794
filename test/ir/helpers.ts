// Shared pieces of the IR tests: round trips through JSON text, bitwise comparison of results
// (NaN equals NaN, -0 differs from 0), and the DecodeError of an input expected to fail.
import * as Result from "effect/Result"
import { expect } from "vitest"
import { ir, type DecodeError } from "wengert"
import type { Array } from "../../src/core/array.js"
import type { ClosedJaxpr } from "../../src/core/ir.js"

/** encode -> JSON text -> decode; fails the test on a DecodeError. */
export function roundTrip(j: ClosedJaxpr): ClosedJaxpr {
  const r = ir.decode(JSON.stringify(ir.encode(j)))
  if (Result.isFailure(r)) throw new Error(`decode failed: ${r.failure.message}`)
  return r.success
}

/** The DecodeError `ir.decode(json)` returns (fails the test if it succeeds or throws). */
export function decodeError(json: unknown): DecodeError {
  let r: ReturnType<typeof ir.decode>
  try { r = ir.decode(json) } catch (e) { throw new Error(`ir.decode threw ${String(e)}`) }
  if (Result.isSuccess(r)) throw new Error("expected a DecodeError, got a jaxpr")
  expect(r.failure._tag).toBe("DecodeError")
  return r.failure
}

/** Bitwise equality of two output lists. */
export function sameResults(a: readonly Array[], b: readonly Array[]): boolean {
  if (a.length !== b.length) return false
  return a.every((x, i) => {
    const y = b[i]!
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false
    const p = x.toTypedArray(), q = y.toTypedArray()
    for (let k = 0; k < p.length; k++) if (!Object.is(p[k], q[k])) return false
    return true
  })
}

/** A deep copy of an encoding, to mutate. */
export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T
