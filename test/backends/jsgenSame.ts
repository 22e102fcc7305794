// Bitwise comparison of outputs for the code-generator tests and laws.
import { expect } from "vitest"
import type { Array } from "../../src/core/array.js"

/** Equal shapes, dtypes and every element identical (NaN = NaN, but 0 ≠ -0). */
export function expectSame(got: readonly Array[], want: readonly Array[], what: string): void {
  expect(got.length, what).toBe(want.length)
  got.forEach((g, i) => {
    const w = want[i]!
    expect([g.dtype, g.shape], `${what}: output ${i}`).toEqual([w.dtype, w.shape])
    const a = g.toTypedArray(), b = w.toTypedArray()
    for (let k = 0; k < a.length; k++)
      if (!Object.is(a[k], b[k])) expect.fail(`${what}: output ${i}[${k}] is ${a[k]} compiled but ${b[k]} interpreted`)
  })
}
