// Argument checks shared by the relaxations: float conversion, temperatures and strengths,
// axes, and small constants. Errors name the public function (`relax.softmax`, …).

import { NdArray, type Array, type ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type DType, allocate, isFloat } from "../core/dtype.js"
import { InvalidArgumentError } from "../core/errors.js"
import { normalizeAxes, normalizeAxis } from "../core/shape.js"
import { convert } from "../prims/shape.js"

/** x as a float array (ints and bools become float64, as in numpy). */
export function floatArg(fn: string, x: ArrayLike): Array {
  const a = asArray(x, fn)
  return isFloat(a.dtype) ? a : convert(a, "float64")
}

/** A positive, finite JS number option (a temperature or a regularization strength). */
export function positive(fn: string, name: string, value: unknown, fallback: number, hint: string): number {
  const v = value === undefined ? fallback : value
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v))
    throw new InvalidArgumentError(fn, `${name} must be a positive finite number, got ${describe(v)}. ${hint}`)
  return v
}

/** The temperature T of a relaxation: T > 0; its hard counterpart is the limit T → 0. */
export const temperatureOf = (fn: string, t: unknown, hardForm: string): number =>
  positive(fn, "temperature", t, 1, `The limit temperature → 0 is ${hardForm}; use it directly, or a small positive temperature.`)

/** One axis, normalized (negative counts from the end). */
export const oneAxis = (fn: string, axis: unknown, ndim: number, fallback: number): number => {
  const a = axis === undefined ? fallback : axis
  if (typeof a !== "number") throw new InvalidArgumentError(fn, `axis must be one integer here, got ${describe(a)}.`)
  return normalizeAxis(fn, a, ndim)
}

/** Axes, normalized and sorted; all of them when absent or null. */
export function someAxes(fn: string, axis: unknown, ndim: number): number[] {
  if (axis !== undefined && axis !== null && typeof axis !== "number" && !globalThis.Array.isArray(axis))
    throw new InvalidArgumentError(fn, `axis must be an integer, a list of integers or null, got ${describe(axis)}.`)
  return normalizeAxes(fn, axis as number | readonly number[] | null | undefined, ndim)
}

/** One of a few string options. */
export function choice<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  const v = value === undefined ? fallback : value
  if (!allowed.includes(v as T))
    throw new InvalidArgumentError(fn, `${name} must be ${allowed.map((s) => JSON.stringify(s)).join(" or ")}, got ${describe(v)}.`)
  return v as T
}

/** A constant vector of a dtype. */
export function vector(values: readonly number[], dtype: DType): NdArray {
  const d = allocate(dtype, values.length)
  for (let i = 0; i < values.length; i++) d[i] = values[i]!
  return new NdArray(d, [values.length], dtype)
}

/** A rank-0 constant of x's dtype, weak so it never promotes x. */
export const scalarOf = (x: Array, v: number): NdArray => NdArray.scalar(v, x.dtype, true)

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v)
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v)
  return globalThis.Array.isArray(v) ? `[${v.map(describe).join(", ")}]` : typeof v
}
