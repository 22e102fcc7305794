// Shared assertions for the numpy tests: approximate deep equality (NaN equals NaN) and
// error checks by tag and message.
import { expect } from "vitest"

export function close(actual: unknown, expected: unknown, tol = 1e-9, path = "$"): void {
  if (typeof expected === "number") {
    if (typeof actual !== "number") throw new Error(`${path}: expected number ${expected}, got ${JSON.stringify(actual)}`)
    if (Number.isNaN(expected)) { if (!Number.isNaN(actual)) throw new Error(`${path}: expected NaN, got ${actual}`); return }
    if (!Number.isFinite(expected)) { if (actual !== expected) throw new Error(`${path}: expected ${expected}, got ${actual}`); return }
    if (Math.abs(actual - expected) > tol * Math.max(1, Math.abs(expected))) throw new Error(`${path}: expected ${expected}, got ${actual}`)
    return
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
    expected.forEach((e, i) => close(actual[i], e, tol, `${path}[${i}]`))
    return
  }
  expect(actual, path).toEqual(expected)
}

/** Runs `f`, expecting a tagged error whose message contains every fragment. */
export function throwsTagged(f: () => unknown, tag: string, ...fragments: string[]): Error {
  let caught: unknown
  try { f() } catch (e) { caught = e }
  expect(caught, "expected a throw").toBeInstanceOf(Error)
  const e = caught as Error & { _tag?: string }
  expect(e._tag, e.message).toBe(tag)
  for (const f of fragments) expect(e.message).toContain(f)
  return e
}
