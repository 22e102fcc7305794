// debug_print and debug_callback: the effectful primitives. Each carries the ordered effect
// "debug", so DCE keeps it and it runs where it stands in the program, under the interpreter
// and in compiled code (the code generator calls `impl`). Neither has outputs. The JVP binds
// it on the primals only (prints primal values); vmap runs it once per lane, in lane order.

import type { Array, NdArray } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import type { EffectSet } from "../core/ir.js"
import { type BatchRule, type Primitive, primitive } from "../core/primitive.js"
import { bind } from "../core/trace.js"
import { moveAxisTo0, reshape, slice } from "./shape.js"

export const debugEffects: EffectSet = ["debug"]

/** A parsed format string: literal text, or the index of the argument to insert. */
export type Piece = string | number

/**
 * Parses `fmt` as Python's str.format does for positional fields: `{}` takes the next
 * argument, `{2}` argument 2, `{{` and `}}` are literal braces.
 */
export function parseFormat(fn: string, fmt: string, nargs: number): Piece[] {
  const pieces: Piece[] = []
  let text = "", auto = 0, mode: "auto" | "manual" | null = null
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!
    if (c === "}") {
      if (fmt[i + 1] !== "}") throw new InvalidArgumentError(fn, `single '}' at position ${i} of the format string; write '}}' for a literal brace.`)
      text += "}"; i++; continue
    }
    if (c !== "{") { text += c; continue }
    if (fmt[i + 1] === "{") { text += "{"; i++; continue }
    const close = fmt.indexOf("}", i)
    const field = close < 0 ? null : fmt.slice(i + 1, close)
    if (field === null || !/^\d{0,6}$/.test(field))
      throw new InvalidArgumentError(fn, `bad field at position ${i} of the format string; use {} or {0}, {1}, ... (write '{{' for a literal brace).`)
    const m: "auto" | "manual" = field === "" ? "auto" : "manual"
    if (mode !== null && mode !== m) throw new InvalidArgumentError(fn, "the format string mixes {} and numbered fields {0}; use one style.")
    mode = m
    const k = field === "" ? auto++ : Number(field)
    if (k >= nargs) throw new InvalidArgumentError(fn, `the format string uses argument ${k} but ${nargs} array(s) were given.`)
    if (text) { pieces.push(text); text = "" }
    pieces.push(k)
    i = close
  }
  if (text) pieces.push(text)
  return pieces
}

const num = (x: number, f32: boolean): string => {
  if (!Number.isFinite(x) || Number.isInteger(x)) return Object.is(x, -0) ? "-0" : String(x)
  return f32 ? String(Number(x.toPrecision(8))) : String(x)
}

/** An array's values as text: a number for a scalar, nested brackets otherwise (summarized when large). */
export function formatValue(x: NdArray): string {
  const { shape, dtype } = x.aval
  const f32 = dtype === "float32", d = x.data
  const item = (k: number) => (dtype === "bool" ? (d[k] ? "true" : "false") : num(d[k]!, f32))
  if (shape.length === 0) return item(0)
  if (x.size > 1000) return `[${x.size} values of ${x.aval.str()}: ${item(0)}, ..., ${item(x.size - 1)}]`
  // the nesting depth is the rank (at most a few dozen), so this recursion is shallow
  let k = 0
  const build = (dim: number): string => {
    const n = shape[dim]!, parts: string[] = []
    for (let i = 0; i < n; i++) parts.push(dim === shape.length - 1 ? item(k++) : build(dim + 1))
    return `[${parts.join(", ")}]`
  }
  return build(0)
}

/** The text `fmt` formats to with these concrete arguments. */
export function formatDebug(fmt: string, args: readonly NdArray[]): string {
  return parseFormat("debug.print", fmt, args.length).map((p) => (typeof p === "number" ? formatValue(args[p]!) : p)).join("")
}

/** Lane `b` of a value batched along `bd`. */
function laneOf(a: Array, bd: number, b: number): Array {
  const m = moveAxisTo0(a, bd), s = m.shape
  return reshape(slice(m, s.map((_, k) => (k === 0 ? b : 0)), s.map((d, k) => (k === 0 ? b + 1 : d))), s.slice(1))
}

/** vmap runs the effect once per lane, lanes in order (as JAX's debug callbacks do). */
function perLane<P>(prim: () => Primitive<P>): BatchRule<P> {
  return (args, bdims, params, size) => {
    for (let b = 0; b < size; b++)
      bind(prim(), args.map((a, i) => (bdims[i] === null ? a : laneOf(a, bdims[i]!, b))), params as Record<string, unknown>)
    return [[], []]
  }
}

export type DebugPrintP = { fmt: string }

/** debug_print[fmt](...xs): writes `fmt` with the values of xs to the console; no outputs. */
export const debugPrintP: Primitive<DebugPrintP> = primitive<DebugPrintP>({
  name: "debug_print",
  abstractEval: (avals, { fmt }) => {
    if (typeof fmt !== "string") throw new InvalidArgumentError("debug.print", "the format must be a string.")
    parseFormat("debug.print", fmt, avals.length)
    return []
  },
  impl: (args, { fmt }) => {
    printLine(formatDebug(fmt, args))
    return []
  },
  // prints the primal values; there are no outputs, hence no tangents
  jvp: (primals, _tangents, params) => {
    bind(debugPrintP, primals, params)
    return [[], []]
  },
  batch: perLane(() => debugPrintP),
  effects: debugEffects,
})

export type DebugCallbackP = { callback: (...xs: NdArray[]) => unknown }

/** debug_callback[callback](...xs): calls `callback` with the concrete values of xs; no outputs. */
export const debugCallbackP: Primitive<DebugCallbackP> = primitive<DebugCallbackP>({
  name: "debug_callback",
  abstractEval: (_, { callback }) => {
    if (typeof callback !== "function") throw new InvalidArgumentError("debug.callback", "the callback must be a function.")
    return []
  },
  impl: (args, { callback }) => {
    callback(...args)
    return []
  },
  jvp: (primals, _tangents, params) => {
    bind(debugCallbackP, primals, params)
    return [[], []]
  },
  batch: perLane(() => debugCallbackP),
  effects: debugEffects,
})

// The package builds without DOM or Node typings, so the console is reached through globalThis.
const printLine = (line: string): void =>
  (globalThis as { console?: { log(line: string): void } }).console?.log(line)
