// fast-check arbitraries for shapes and arrays, built by composition (fc.array, .map, .chain)
// so failures shrink to small shapes and simple values. fast-check is an optional dependency:
// it is loaded on the first call of one of these functions, synchronously through Node's
// require, so the package has no top-level await (it can then be required from CommonJS and
// transpiled by tsx), and the rest of `wengert/laws` and the root package work without it.
// Arbitraries of this instance mix freely with the user's own `import fc from "fast-check"`.

import type { Arbitrary } from "fast-check"
import { type Array, NdArray } from "../core/array.js"
import { type DType, allocate, castScalar, dtypes } from "../core/dtype.js"
import { InvalidArgumentError } from "../core/errors.js"
import { sizeOf } from "../core/shape.js"

type FastCheck = typeof import("fast-check")
type NodeModule = { createRequire(from: string): (id: string) => unknown }
let loaded: FastCheck | null | undefined

function load(): FastCheck | null {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const mod = proc?.getBuiltinModule?.("node:module") as NodeModule | undefined
    const url = (import.meta as { url?: string }).url // typed by Node's types, which the build leaves out
    return mod && url ? (mod.createRequire(url)("fast-check") as FastCheck) : null
  } catch { return null }
}

function fastCheck(fn: string): FastCheck {
  loaded ??= load()
  if (!loaded) throw new InvalidArgumentError(fn, "fast-check could not be loaded: add it to your dev dependencies (npm i -D fast-check); the law arbitraries load it with Node's require (Node 20.16 or later).")
  return loaded
}

/** Options of {@link shapeArb}. */
export interface ShapeArbOptions {
  /** Smallest rank. Default 0. */
  readonly minRank?: number
  /** Largest rank. Default 3. */
  readonly maxRank?: number
  /** Smallest size of a dimension (0 allows empty arrays). Default 1. */
  readonly minDim?: number
  /** Largest size of a dimension. Default 4. */
  readonly maxDim?: number
}

/**
 * Shapes: arrays of `minRank..maxRank` dimensions, each of size `minDim..maxDim`. Shrinks
 * toward fewer and smaller dimensions.
 * @example
 * ```ts
 * import fc from "fast-check"
 * import { shapeArb } from "wengert/laws"
 * fc.sample(shapeArb({ maxRank: 2, maxDim: 3 }), 1)[0].length <= 2 // => true
 * ```
 * @throws {@link index!InvalidArgumentError} when the bounds are not non-negative integers in order, or fast-check is missing.
 * @category laws
 * @since 0.1.0
 */
export function shapeArb(opts: ShapeArbOptions = {}): Arbitrary<number[]> {
  const fc = fastCheck("laws.shapeArb")
  const { minRank = 0, maxRank = 3, minDim = 1, maxDim = 4 } = opts
  for (const [k, v] of Object.entries({ minRank, maxRank, minDim, maxDim }))
    if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError("laws.shapeArb", `${k} must be a non-negative integer, got ${v}.`)
  if (minRank > maxRank || minDim > maxDim)
    throw new InvalidArgumentError("laws.shapeArb", `need minRank ≤ maxRank and minDim ≤ maxDim, got ranks ${minRank}..${maxRank}, dims ${minDim}..${maxDim}.`)
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank })
}

/** Options of {@link arrayArb}. */
export interface ArrayArbOptions {
  /** A fixed shape, or an arbitrary of shapes. Default `shapeArb()`. */
  readonly shape?: readonly number[] | Arbitrary<readonly number[]>
  /** Element type. Default "float64". */
  readonly dtype?: DType
  /** Smallest element (inclusive). Default -10 (0 for uint32). */
  readonly min?: number
  /** Largest element (inclusive). Default 10. */
  readonly max?: number
  /** An arbitrary of element values, replacing min/max (rounded to the dtype). */
  readonly elements?: Arbitrary<number>
}

const GRID = 2 ** 30

/**
 * Floats spread evenly over [min, max] (fc.double is uniform over bit patterns, so almost all
 * its draws are tiny); they shrink toward 0 when the range holds it, else toward min.
 */
function floatArb(fc: FastCheck, min: number, max: number): Arbitrary<number> {
  if (min < 0 && max > 0)
    return fc.integer({ min: -GRID, max: GRID }).map((k) => (k >= 0 ? (max * k) / GRID : (-min * k) / GRID))
  return fc.integer({ min: 0, max: GRID }).map((k) => min + ((max - min) * k) / GRID)
}

function elementArb(fc: FastCheck, dtype: DType, min: number, max: number): Arbitrary<number> {
  switch (dtype) {
    case "float64": return floatArb(fc, min, max)
    case "float32": return floatArb(fc, min, max).map((v) => Math.min(Math.max(Math.fround(v), min), max))
    case "int32": return fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    case "uint32": return fc.integer({ min: Math.max(0, Math.ceil(min)), max: Math.floor(max) })
    case "bool": return fc.boolean().map((b) => (b ? 1 : 0))
  }
}

/**
 * Arrays of a dtype whose elements lie in [min, max] (or come from `elements`), of a fixed
 * shape or of shapes drawn from an arbitrary. Shrinks toward smaller shapes and simpler values.
 * @example
 * ```ts
 * import fc from "fast-check"
 * import { arrayArb } from "wengert/laws"
 * const [x] = fc.sample(arrayArb({ shape: [2, 3], min: 0, max: 1 }), 1)
 * x.shape // => [2, 3]
 * ```
 * @throws {@link index!InvalidArgumentError} when the dtype is unknown, min > max, or fast-check is missing.
 * @category laws
 * @since 0.1.0
 */
export function arrayArb(opts: ArrayArbOptions = {}): Arbitrary<Array> {
  const fc = fastCheck("laws.arrayArb")
  const { dtype = "float64", min = dtype === "uint32" ? 0 : -10, max = 10 } = opts
  if (!dtypes.includes(dtype)) throw new InvalidArgumentError("laws.arrayArb", `unknown dtype ${JSON.stringify(dtype)}; use one of ${dtypes.join(", ")}.`)
  if (!(min <= max)) throw new InvalidArgumentError("laws.arrayArb", `min ${min} must not exceed max ${max}.`)
  const el = opts.elements ?? elementArb(fc, dtype, min, max)
  const shapes: Arbitrary<readonly number[]> = opts.shape === undefined ? shapeArb()
    : globalThis.Array.isArray(opts.shape) ? fc.constant(opts.shape as readonly number[]) : (opts.shape as Arbitrary<readonly number[]>)
  return shapes.chain((shape) => {
    const n = sizeOf(shape)
    return fc.array(el, { minLength: n, maxLength: n }).map((vals): Array => {
      const data = allocate(dtype, n)
      for (let i = 0; i < n; i++) data[i] = castScalar(vals[i]!, dtype)
      return new NdArray(data, [...shape], dtype)
    })
  })
}
