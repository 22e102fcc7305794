// The public Array: one base class for concrete arrays (NdArray) and tracers, so user code
// never asks which it holds. Methods forward to the numpy layer through `arrayOps`, filled in
// when wengert/numpy loads (a late binding that keeps this file free of import cycles).

import { type DType, type TypedArray, allocate, shortName } from "./dtype.js"
import { ShapedArray } from "./aval.js"
import { type Shape, sizeOf, stridesOf } from "./shape.js"
import { InvalidArgumentError } from "./errors.js"

/** Anything the library accepts where an array is expected. */
export type ArrayLike = number | boolean | Array | NestedNumbers | Float64Array | Float32Array | Int32Array | Uint32Array
export type NestedNumbers = readonly (number | boolean | NestedNumbers)[]
type A = ArrayLike
type AxisArg = number | readonly number[] | { axis?: number | readonly number[] | null; keepdims?: boolean } | null

/** The operations behind the chaining methods, installed by the numpy module. */
export interface ArrayOps {
  add(x: A, y: A): Array; subtract(x: A, y: A): Array; multiply(x: A, y: A): Array
  divide(x: A, y: A): Array; power(x: A, y: A): Array; negative(x: A): Array
  sin(x: A): Array; cos(x: A): Array; tan(x: A): Array; tanh(x: A): Array; exp(x: A): Array
  log(x: A): Array; sqrt(x: A): Array; square(x: A): Array; abs(x: A): Array
  maximum(x: A, y: A): Array; minimum(x: A, y: A): Array
  greater(x: A, y: A): Array; less(x: A, y: A): Array; equal(x: A, y: A): Array
  sum(x: A, axis?: AxisArg): Array; mean(x: A, axis?: AxisArg): Array; prod(x: A, axis?: AxisArg): Array
  max(x: A, axis?: AxisArg): Array; min(x: A, axis?: AxisArg): Array
  reshape(x: A, shape: readonly number[]): Array; transpose(x: A, axes?: readonly number[]): Array
  matmul(x: A, y: A): Array; dot(x: A, y: A): Array; at(x: A, i: number): Array
  astype(x: A, dtype: DType): Array
}
export const arrayOps: ArrayOps = {} as ArrayOps

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom")

/**
 * An immutable n-dimensional array (concrete, or a tracer inside a transform).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.array([1, 2, 3]).mul(2).sum().item() // => 12
 * ```
 * @category creation
 * @since 0.1.0
 */
export abstract class Array {
  abstract get aval(): ShapedArray
  get shape(): Shape { return this.aval.shape }
  get dtype(): DType { return this.aval.dtype }
  get ndim(): number { return this.aval.shape.length }
  get size(): number { return sizeOf(this.aval.shape) }
  /** The concrete array behind this value; throws ConcretizationError where there is none. */
  abstract concrete(fn: string): NdArray

  /** The single number of a size-1 array. */
  item(): number {
    const c = this.concrete("Array.item")
    if (c.size !== 1) throw new InvalidArgumentError("Array.item", `only size-1 arrays have an item; this one is ${c.aval.str()}. Index it first (x.at(i)) or reduce it.`)
    return c.data[0]!
  }
  /** Nested JS arrays of numbers (booleans for bool). */
  toArray(): unknown { return this.concrete("Array.toArray").toNested() }
  /** A copy of the data as a typed array, row-major. */
  toTypedArray(): TypedArray { return this.concrete("Array.toTypedArray").data.slice() }
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString()
    return this.item()
  }

  add(y: A): Array { return arrayOps.add(this, y) }
  sub(y: A): Array { return arrayOps.subtract(this, y) }
  mul(y: A): Array { return arrayOps.multiply(this, y) }
  div(y: A): Array { return arrayOps.divide(this, y) }
  pow(y: A): Array { return arrayOps.power(this, y) }
  neg(): Array { return arrayOps.negative(this) }
  sin(): Array { return arrayOps.sin(this) }
  cos(): Array { return arrayOps.cos(this) }
  tan(): Array { return arrayOps.tan(this) }
  tanh(): Array { return arrayOps.tanh(this) }
  exp(): Array { return arrayOps.exp(this) }
  log(): Array { return arrayOps.log(this) }
  sqrt(): Array { return arrayOps.sqrt(this) }
  square(): Array { return arrayOps.square(this) }
  abs(): Array { return arrayOps.abs(this) }
  maximum(y: A): Array { return arrayOps.maximum(this, y) }
  minimum(y: A): Array { return arrayOps.minimum(this, y) }
  greater(y: A): Array { return arrayOps.greater(this, y) }
  less(y: A): Array { return arrayOps.less(this, y) }
  equal(y: A): Array { return arrayOps.equal(this, y) }
  sum(axis?: AxisArg): Array { return arrayOps.sum(this, axis) }
  mean(axis?: AxisArg): Array { return arrayOps.mean(this, axis) }
  prod(axis?: AxisArg): Array { return arrayOps.prod(this, axis) }
  max(axis?: AxisArg): Array { return arrayOps.max(this, axis) }
  min(axis?: AxisArg): Array { return arrayOps.min(this, axis) }
  reshape(shape: readonly number[]): Array { return arrayOps.reshape(this, shape) }
  transpose(axes?: readonly number[]): Array { return arrayOps.transpose(this, axes) }
  get T(): Array { return arrayOps.transpose(this) }
  matmul(y: A): Array { return arrayOps.matmul(this, y) }
  dot(y: A): Array { return arrayOps.dot(this, y) }
  /**
   * numpy's `x[i]` along axis 0; negative `i` counts from the end. Under a transform, reading
   * the same row of the same traced array again (`p.at(0)` in every step of a JS loop) gives
   * the row already staged instead of staging another slice.
   * @example
   * ```ts
   * import { np } from "wengert"
   * np.array([[1, 2], [3, 4]]).at(-1).toArray() // => [3, 4]
   * ```
   */
  at(i: number): Array { return arrayOps.at(this, i) }
  astype(dtype: DType): Array { return arrayOps.astype(this, dtype) }

  toString(): string { return `Array(${this.aval.str()})` }
  [inspectSymbol](): string { return this.toString() }
}

/** A concrete array: a row-major typed array with a shape. */
export class NdArray extends Array {
  readonly #aval: ShapedArray
  constructor(readonly data: TypedArray, shape: Shape, dtype: DType, weakType = false) {
    super()
    this.#aval = new ShapedArray(shape, dtype, weakType)
  }
  get aval(): ShapedArray { return this.#aval }
  concrete(): NdArray { return this }
  static zeros(shape: Shape, dtype: DType): NdArray { return new NdArray(allocate(dtype, sizeOf(shape)), shape, dtype) }
  static scalar(x: number, dtype: DType = "float64", weakType = false): NdArray {
    const d = allocate(dtype, 1); d[0] = x
    return new NdArray(d, [], dtype, weakType)
  }

  toNested(): unknown {
    const { shape, dtype } = this.aval
    const read = (k: number): number | boolean => (dtype === "bool" ? this.data[k] !== 0 : this.data[k]!)
    if (shape.length === 0) return read(0)
    const st = stridesOf(shape)
    const build = (dim: number, off: number): unknown[] => {
      const out: unknown[] = []
      for (let i = 0; i < shape[dim]!; i++)
        out.push(dim === shape.length - 1 ? read(off + i) : build(dim + 1, off + i * st[dim]!))
      return out
    }
    return build(0, 0)
  }

  override toString(): string {
    const fmt = (v: unknown): string =>
      globalThis.Array.isArray(v) ? `[${v.map(fmt).join(", ")}]` : typeof v === "number" ? formatNumber(v) : String(v)
    const body = this.size > 1000 ? `[... ${this.size} elements]` : fmt(this.toNested())
    return `Array(${shortName(this.dtype)}[${this.shape.join(",")}]) ${body}`
  }
}

function formatNumber(x: number): string {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x)
  const s = x.toPrecision(8)
  return String(Number(s))
}

export const isArray = (x: unknown): x is Array => x instanceof Array
