// The only ways text enters generated source: numbers through `num` (which can produce
// nothing but a numeric literal), identifiers built from a prefix and a counter, and
// fixed library text chosen from tables keyed by validated values (dtypes, rule records).

import { type DType, dtypes } from "../../core/dtype.js"

const numeral = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?$/

/** A JS numeric literal for `x`; throws on anything that is not a number. */
export function num(x: unknown): string {
  if (typeof x !== "number") throw new Error("internal: jsgen formats numbers only")
  if (Number.isNaN(x)) return "(0/0)"
  if (x === Infinity) return "(1/0)"
  if (x === -Infinity) return "(-1/0)"
  if (Object.is(x, -0)) return "(-0)"
  const s = String(x)
  if (!numeral.test(s)) throw new Error("internal: jsgen produced a non-numeric literal")
  return x < 0 ? `(${s})` : s
}

/** A non-negative integer (a size, stride factor, axis or index) as source text. */
export function int(x: unknown): string {
  if (typeof x !== "number" || !Number.isSafeInteger(x)) throw new Error("internal: jsgen expected an integer")
  return x < 0 ? `(${String(x)})` : String(x)
}

/** Checks an unknown param is an array of integers; returns it typed or null. */
export function ints(x: unknown, lo = -Infinity, hi = Infinity): number[] | null {
  if (!Array.isArray(x)) return null
  for (let i = 0; i < x.length; i++) { const v: unknown = x[i]; if (typeof v !== "number" || !Number.isSafeInteger(v) || v < lo || v > hi) return null }
  return x as number[]
}

export const isDtype = (d: unknown): d is DType => typeof d === "string" && (dtypes as readonly string[]).includes(d)

/** Typed-array constructor text per dtype: a fixed table, selected by a validated dtype. */
const ctorText: Record<DType, string> = {
  float64: "Float64Array", float32: "Float32Array", int32: "Int32Array", uint32: "Uint32Array", bool: "Uint8Array",
}
export const ctor = (d: DType): string => ctorText[d]

/** Rounds a JS-number expression to what `d` stores, as storing into its typed array would. */
export function wrap(d: DType, e: string): string {
  switch (d) {
    case "float64": return e
    case "float32": return `Math.fround(${e})`
    case "int32": return `((${e})|0)`
    case "uint32": return `((${e})>>>0)`
    case "bool": return `((${e})&255)`
  }
}

// identifiers: a fixed prefix and a non-negative integer, nothing else
export const sName = (v: number): string => `s${int(v)}`
export const bName = (slot: number): string => `b${int(slot)}`
export const tName = (v: number): string => `t${int(v)}`
