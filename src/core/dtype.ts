// Dtypes, their typed-array storage and numpy-style promotion with weak JS numbers.
// A JS number is "weak": it takes the dtype of the array it meets (2 * f32 stays f32).

export type DType = "float64" | "float32" | "int32" | "uint32" | "bool"
export const dtypes: readonly DType[] = ["float64", "float32", "int32", "uint32", "bool"]

export const floats: readonly DType[] = ["float64", "float32"]
export const numeric: readonly DType[] = ["float64", "float32", "int32", "uint32"]
export const all: readonly DType[] = dtypes

export type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array

const short: Record<DType, string> = { float64: "f64", float32: "f32", int32: "i32", uint32: "u32", bool: "bool" }
export const shortName = (d: DType): string => short[d]

/** Bytes of one element of `d` as this library stores it (bool: one byte). */
export const itemBytes: Readonly<Record<DType, number>> = { float64: 8, float32: 4, int32: 4, uint32: 4, bool: 1 }
export const isFloat = (d: DType): boolean => d === "float64" || d === "float32"
export const isInt = (d: DType): boolean => d === "int32" || d === "uint32"

export function allocate(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "float64": return new Float64Array(n)
    case "float32": return new Float32Array(n)
    case "int32": return new Int32Array(n)
    case "uint32": return new Uint32Array(n)
    case "bool": return new Uint8Array(n)
  }
}

export function dtypeOfTypedArray(a: ArrayLikeTyped): DType {
  if (a instanceof Float64Array) return "float64"
  if (a instanceof Float32Array) return "float32"
  if (a instanceof Int32Array) return "int32"
  if (a instanceof Uint32Array) return "uint32"
  return "bool"
}
export type ArrayLikeTyped = TypedArray

const rank: Record<DType, number> = { bool: 0, uint32: 1, int32: 2, float32: 3, float64: 4 }

/** The dtype two operands combine to; a weak operand yields to a strong one of its kind or above. */
export function promote(a: DType, aWeak: boolean, b: DType, bWeak: boolean): DType {
  if (a === b) return a
  if (aWeak && !bWeak) return weakJoin(a, b)
  if (bWeak && !aWeak) return weakJoin(b, a)
  if (isFloat(a) && isFloat(b)) return "float64"
  if (a === "uint32" && b === "int32" || a === "int32" && b === "uint32") return "int32"
  return rank[a] >= rank[b] ? a : b
}

// A weak value of dtype w meeting a strong dtype s: floats stay floats, ints yield to any numeric.
function weakJoin(w: DType, s: DType): DType {
  if (isFloat(w) && !isFloat(s)) return w === "float64" ? "float64" : w
  if (w === "bool" || rank[s] >= rank[w]) return s
  return isFloat(s) ? s : w
}

/** Rounds a JS number to what `dtype` stores. */
export function castScalar(x: number, dtype: DType): number {
  switch (dtype) {
    case "float64": return x
    case "float32": return Math.fround(x)
    case "int32": return Math.trunc(x) | 0
    case "uint32": return Math.trunc(x) >>> 0
    case "bool": return x ? 1 : 0
  }
}
