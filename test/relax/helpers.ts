// Shared checks for the relaxation tests: a seeded generator (no Math.random), Jacobians by
// central differences, and comparisons of forward- and reverse-mode Jacobians against them.
import { expect } from "vitest"
import { jacfwd, jacrev, np, type WArray } from "wengert"

/** A small deterministic generator (xorshift32), uniform in [lo, hi). */
export function rng(seed: number) {
  let s = seed >>> 0 || 1
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
  return { uniform: (lo = 0, hi = 1) => lo + (hi - lo) * next(), vector: (n: number, lo = -2, hi = 2) => Array.from({ length: n }, () => lo + (hi - lo) * next()) }
}

/** J[i][k] = ∂f(x)ᵢ/∂xₖ by central differences (f maps a vector to a vector). */
export function fdJacobian(f: (x: number[]) => number[], x: readonly number[], h = 1e-5): number[][] {
  const cols = x.map((_, k) => {
    const p = [...x], m = [...x]
    p[k]! += h; m[k]! -= h
    const a = f(p), b = f(m)
    return a.map((v, i) => (v - b[i]!) / (2 * h))
  })
  return cols[0]!.map((_, i) => cols.map((c) => c[i]!))
}

/** Largest |a − b| over two matrices, relative to the largest |b| (at least 1). */
export function relErr(a: number[][], b: number[][]): number {
  let err = 0, scale = 1
  b.forEach((row, i) => row.forEach((v, k) => { err = Math.max(err, Math.abs(a[i]![k]! - v)); scale = Math.max(scale, Math.abs(v)) }))
  return err / scale
}

const asVector = (y: WArray): number[] => {
  const v = y.toArray()
  return typeof v === "number" ? [v] : (v as number[])
}

/** jacfwd and jacrev of f : R^n -> R^m (or a scalar) at x both agree with central differences to `tol` relative. */
export function expectJacobianMatchesFd(f: (x: WArray) => WArray, x: readonly number[], tol = 1e-6): number[][] {
  const fd = fdJacobian((v) => asVector(f(np.array(v))), x)
  const shape = (j: WArray): number[][] => {
    const v = j.toArray()
    return fd.length === 1 && !Array.isArray((v as unknown[])[0]) ? [v as number[]] : (v as number[][])
  }
  const fwd = shape(jacfwd(f)(np.array([...x])))
  const rev = shape(jacrev(f)(np.array([...x])))
  expect(relErr(fwd, fd), "forward mode vs central differences").toBeLessThan(tol)
  expect(relErr(rev, fd), "reverse mode vs central differences").toBeLessThan(tol)
  return fwd
}

/** Values as nested numbers, compared to `tol` absolute. */
export function expectClose(actual: unknown, expected: unknown, tol = 1e-12): void {
  if (typeof expected === "number") {
    expect(typeof actual).toBe("number")
    expect(Math.abs((actual as number) - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol)
    return
  }
  expect(Array.isArray(actual)).toBe(true)
  expect((actual as unknown[]).length).toBe((expected as unknown[]).length)
  ;(expected as unknown[]).forEach((e, i) => expectClose((actual as unknown[])[i], e, tol))
}

/** Runs `f`, expecting a tagged error whose message contains every fragment. */
export function expectTagged(f: () => unknown, tag: string, ...fragments: string[]): void {
  let caught: unknown
  try { f() } catch (e) { caught = e }
  expect(caught, "expected a throw").toBeInstanceOf(Error)
  const e = caught as Error & { _tag?: string }
  expect(e._tag, e.message).toBe(tag)
  for (const s of fragments) expect(e.message).toContain(s)
}
