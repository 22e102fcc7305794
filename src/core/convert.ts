// ArrayLike -> Array: numbers are weak float64 scalars, nested arrays are validated for
// raggedness and element types, typed arrays keep their dtype.

import { Array, NdArray } from "./array.js"
import { type DType, allocate, castScalar } from "./dtype.js"
import { InvalidArgumentError, ShapeError } from "./errors.js"

function nestedShape(fn: string, x: readonly unknown[]): number[] {
  const shape: number[] = []
  let cur: unknown = x
  while (globalThis.Array.isArray(cur)) { shape.push(cur.length); cur = cur[0] }
  return shape
}

/** Converts an ArrayLike to an Array; `dtype` forces a dtype for new data. */
export function asArray(x: unknown, fn = "np.asarray", dtype?: DType): Array {
  if (x instanceof Array) return x
  if (typeof x === "number") return NdArray.scalar(dtype ? castScalar(x, dtype) : x, dtype ?? "float64", dtype === undefined)
  if (typeof x === "boolean") return NdArray.scalar(x ? 1 : 0, dtype ?? "bool")
  if (x instanceof Float64Array || x instanceof Float32Array || x instanceof Int32Array || x instanceof Uint32Array) {
    const dt: DType = dtype ?? (x instanceof Float64Array ? "float64" : x instanceof Float32Array ? "float32" : x instanceof Int32Array ? "int32" : "uint32")
    const data = allocate(dt, x.length)
    for (let i = 0; i < x.length; i++) data[i] = castScalar(x[i]!, dt)
    return new NdArray(data, [x.length], dt)
  }
  if (globalThis.Array.isArray(x)) return fromNested(fn, x, dtype)
  throw new InvalidArgumentError(fn, `expected an array, a number, a boolean, nested number arrays or a typed array, got ${describe(x)}.`)
}

function describe(x: unknown): string {
  if (x === null) return "null"
  if (typeof x === "object") return `an object (${(x as object).constructor?.name ?? "Object"})`
  return `${typeof x} ${String(x)}`
}

function fromNested(fn: string, x: readonly unknown[], dtype?: DType): NdArray {
  const shape = nestedShape(fn, x)
  const flat: unknown[] = []
  // iterative walk with an explicit stack of [node, depth]
  const todo: [unknown, number][] = [[x, 0]]
  while (todo.length) {
    const [node, depth] = todo.pop()!
    if (depth < shape.length) {
      if (!globalThis.Array.isArray(node) || node.length !== shape[depth])
        throw new ShapeError(fn, [shape], `ragged nested array: an entry at depth ${depth} has ${globalThis.Array.isArray(node) ? `length ${node.length}` : "no length"} where ${shape[depth]} was expected. Make every row the same length.`)
      for (let i = node.length - 1; i >= 0; i--) todo.push([node[i], depth + 1])
    } else {
      if (typeof node !== "number" && typeof node !== "boolean")
        throw new InvalidArgumentError(fn, `nested arrays must hold numbers or booleans, found ${describe(node)}.`)
      flat.push(node)
    }
  }
  const allBool = flat.length > 0 && flat.every((v) => typeof v === "boolean")
  const dt: DType = dtype ?? (allBool ? "bool" : "float64")
  const data = allocate(dt, flat.length)
  for (let i = 0; i < flat.length; i++) data[i] = castScalar(Number(flat[i]), dt)
  return new NdArray(data, shape, dt)
}
