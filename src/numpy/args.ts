// Argument handling shared by the numpy layer: ArrayLike conversion, dtype promotion with
// weak JS numbers, numpy broadcasting made explicit with broadcast_in_dim, and axis parsing.
// Nothing here is exported to users; every np function funnels its inputs through it.

import { Array, NdArray, type ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type DType, castScalar, dtypes, isFloat, isInt, promote } from "../core/dtype.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { type Shape, normalizeAxes, normalizeAxis, shapeEq } from "../core/shape.js"
import { broadcastInDim, convert, reshape } from "../prims/shape.js"

export const range = (n: number): number[] => [...globalThis.Array(n).keys()]

/** ArrayLike -> Array, naming `fn` in conversion errors (ragged input, non-array leaves). */
export const arr = (fn: string, x: ArrayLike): Array => asArray(x, fn)

/** `f64[3,4]`: how messages show an operand. */
export const show = (x: { aval: { str(): string } }): string => x.aval.str()

/**
 * The dtype a set of operands combines to. Arrays promote by `promote`; a JS number is weak:
 * it takes a float array's dtype, an integer-valued one also keeps an int array's dtype (and
 * makes bool int32), any other meets ints as float64. JS numbers alone give float64.
 */
export function resultDtype(xs: readonly (Array | number)[]): DType {
  // one indexed pass, no closures: this runs for every elementwise call while tracing
  let dt: DType | null = null, weak = true, nums = false, ints = true
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    if (typeof x === "number") { nums = true; if (!Number.isInteger(x)) ints = false; continue }
    const aval = x.aval
    if (dt === null) { dt = aval.dtype; weak = aval.weakType; continue }
    const next = promote(dt, weak, aval.dtype, aval.weakType)
    weak = weak && aval.weakType
    dt = next
  }
  if (dt === null) return "float64"
  if (!nums || isFloat(dt)) return dt
  if (ints && isInt(dt)) return dt
  if (ints && dt === "bool") return "int32"
  return "float64"
}

export type Kind = "any" | "numeric" | "float"

/** Converts operands to one dtype: `numeric` turns bool into int32, `float` turns ints and bool into float64. */
export const castAll = (fn: string, xs: readonly ArrayLike[], kind: Kind = "any"): Array[] =>
  castConverted(xs.map((x) => (typeof x === "number" ? x : arr(fn, x))), kind)

function castConverted(pre: readonly (Array | number)[], kind: Kind): Array[] {
  let dt = resultDtype(pre)
  if (kind === "float" && !isFloat(dt)) dt = "float64"
  if (kind === "numeric" && dt === "bool") dt = "int32"
  const out = new globalThis.Array<Array>(pre.length)
  for (let i = 0; i < pre.length; i++) {
    const x = pre[i]!
    out[i] = typeof x === "number" ? NdArray.scalar(castScalar(x, dt), dt, true) : toDtype(x, dt)
  }
  return out
}

/** x converted to `dtype`, keeping its weak flag (so a weak scalar stays weak). */
export const toDtype = (x: Array, dtype: DType): Array => (x.dtype === dtype ? x : convert(x, dtype, x.aval.weakType))

/** numpy broadcasting of shapes; the error names `fn` and shows every operand. */
export function broadcastShape(fn: string, xs: readonly { shape: Shape; aval: { str(): string } }[]): number[] {
  // indexed loops, no spread or closures: this runs for every elementwise call while tracing
  let nd = 0
  for (let k = 0; k < xs.length; k++) if (xs[k]!.shape.length > nd) nd = xs[k]!.shape.length
  const out = new globalThis.Array<number>(nd).fill(1)
  for (let k = 0; k < xs.length; k++) {
    const s = xs[k]!.shape
    for (let i = 0; i < s.length; i++) {
      const j = nd - s.length + i, d = s[i]!
      if (d === 1 || out[j] === d) continue
      if (out[j] !== 1)
        throw new ShapeError(fn, xs.map((v) => v.shape), `Cannot broadcast ${xs.map(show).join(" with ")}: axis ${j - nd} has sizes ${out[j]} and ${d}. Reshape or expand one operand (np.expandDims) so each axis matches or is 1.`)
      out[j] = d
    }
  }
  return out
}

/** Broadcasts non-scalar operands to their common shape (rank-0 ones broadcast inside the primitives). */
export function broadcastArrays(fn: string, xs: readonly Array[]): Array[] {
  const shape = broadcastShape(fn, xs)
  return xs.map((x) => (x.ndim === 0 || shapeEq(x.shape, shape) ? x : broadcastTo_(x, shape)))
}

/** Broadcasts x to `shape` by numpy's trailing-axes rule (the shapes are known to be compatible). */
export const broadcastTo_ = (x: Array, shape: Shape): Array =>
  shapeEq(x.shape, shape) ? x : broadcastInDim(x, shape, range(x.ndim).map((i) => i + shape.length - x.ndim))

/** Whether an operand of `dtype` is already what `kind` converts it to (so casting leaves it as it is). */
const castFree = (kind: Kind, dtype: DType): boolean =>
  kind === "any" || (kind === "numeric" ? dtype !== "bool" : isFloat(dtype))

/**
 * `castAll(fn, [x], kind)[0]` without its lists when `x` is already an Array of the kind's
 * dtype (it comes back unchanged): the usual case, once per traced unary call.
 */
export const castOne = (fn: string, x: ArrayLike, kind: Kind = "any"): Array =>
  x instanceof Array && castFree(kind, x.dtype) ? x : castAll(fn, [x], kind)[0]!

/**
 * `f` applied to the operands `operands(fn, [x, y], kind)` gives. The usual cases while
 * tracing (two arrays of one dtype with equal shapes or a rank-0 one, or a float array and
 * a JS number) skip its five lists: they need no cast and no broadcast, and the number
 * becomes the same weak scalar castConverted makes.
 */
export function binaryOperands(fn: string, x: ArrayLike, y: ArrayLike, kind: Kind, f: (a: Array, b: Array) => Array): Array {
  if (x instanceof Array) {
    if (y instanceof Array) {
      const dt = x.dtype
      if (dt === y.dtype && castFree(kind, dt) && (x.ndim === 0 || y.ndim === 0 || shapeEq(x.shape, y.shape))) return f(x, y)
    } else if (typeof y === "number" && isFloat(x.dtype)) return f(x, NdArray.scalar(castScalar(y, x.dtype), x.dtype, true))
  } else if (typeof x === "number" && y instanceof Array && isFloat(y.dtype)) return f(NdArray.scalar(castScalar(x, y.dtype), y.dtype, true), y)
  const ab = operands(fn, [x, y], kind)
  return f(ab[0]!, ab[1]!)
}

/** castAll then broadcastArrays: the usual preamble of an elementwise function. */
export function operands(fn: string, xs: readonly ArrayLike[], kind: Kind = "any"): Array[] {
  const n = xs.length
  const pre = new globalThis.Array<Array | number>(n), arrays: Array[] = []
  for (let i = 0; i < n; i++) {
    const x = xs[i]!
    if (typeof x === "number") pre[i] = x
    else { const a = arr(fn, x); pre[i] = a; arrays.push(a) }
  }
  // shapes are checked before casting, so an error shows the dtypes the caller passed
  const shape = broadcastShape(fn, arrays)
  const out = castConverted(pre, kind)
  for (let i = 0; i < n; i++) {
    const x = out[i]!
    if (x.ndim !== 0 && !shapeEq(x.shape, shape)) out[i] = broadcastTo_(x, shape)
  }
  return out
}

// axes ---------------------------------------------------------------------------------------

export type Axis = number | readonly number[] | null | undefined
export interface ReduceOptions {
  /** Axis or axes to reduce; all when absent or null. Negative axes count from the end. */
  readonly axis?: Axis
  /** Keep reduced axes as size-1 dimensions. */
  readonly keepdims?: boolean
}

const isOptions = (a: unknown): a is ReduceOptions =>
  typeof a === "object" && a !== null && !globalThis.Array.isArray(a)

/** Reads the `(x, axis)` / `(x, { axis, keepdims })` / `(x, axis, { keepdims })` forms. */
export function reduceArgs(fn: string, ndim: number, axis?: Axis | ReduceOptions, opts?: ReduceOptions): { axes: number[]; keepdims: boolean } {
  const o: ReduceOptions = isOptions(axis) ? axis : { ...opts, axis }
  const ax = o.axis
  if (ax !== undefined && ax !== null && typeof ax !== "number" && !globalThis.Array.isArray(ax))
    throw new InvalidArgumentError(fn, `axis must be a number, an array of numbers or null, got ${typeof ax}.`)
  return { axes: normalizeAxes(fn, ax, ndim), keepdims: o.keepdims ?? false }
}

/** The options object of the trailing-options forms, whichever position it came in. */
export const optionsOf = <T extends object>(axis: unknown, opts: T | undefined): Partial<T> =>
  (isOptions(axis) ? axis : opts ?? {}) as Partial<T>

/** One axis, possibly negative. */
export const axisOf = (fn: string, axis: number, ndim: number): number => normalizeAxis(fn, axis, ndim)

/** The axes not reduced. */
export const keptAxes = (ndim: number, axes: readonly number[]): number[] => range(ndim).filter((i) => !axes.includes(i))

/** A reduced array given back its reduced axes as size-1 dims. */
export const withKeptDims = (y: Array, shape: Shape, axes: readonly number[]): Array =>
  reshape(y, shape.map((d, i) => (axes.includes(i) ? 1 : d)))

/** A reduced array broadcast back over the reduced axes of `shape`. */
export const expandBack = (y: Array, shape: Shape, axes: readonly number[]): Array =>
  broadcastInDim(y, shape, keptAxes(shape.length, axes))

/** A shape argument (a number or an array of non-negative integers) checked for `fn`. */
export function shapeArg(fn: string, shape: number | readonly number[]): number[] {
  const s = typeof shape === "number" ? [shape] : shape
  if (!globalThis.Array.isArray(s)) throw new InvalidArgumentError(fn, `shape must be a number or an array of numbers, got ${typeof shape}.`)
  for (const d of s)
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0)
      throw new ShapeError(fn, [s], `Every dimension must be a non-negative integer, got ${String(d)}.`)
  return [...s]
}

/** A dtype given bare or as `{ dtype }`. */
export function dtypeArg(fn: string, opt: DType | { dtype?: DType } | undefined): DType | undefined {
  const d = typeof opt === "string" ? opt : opt?.dtype
  if (d !== undefined && !dtypes.includes(d))
    throw new InvalidArgumentError(fn, `unknown dtype ${JSON.stringify(d)}; use one of ${dtypes.join(", ")}.`)
  return d
}

export const scalar = (v: number, dtype: DType): Array => NdArray.scalar(castScalar(v, dtype), dtype)
