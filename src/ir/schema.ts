// The JSON form of the IR as effect Schemas, and the table of every primitive's params: how
// each param is written to JSON and read back, how many operands the primitive takes and
// what abstract evaluation does not check. A registered primitive without an entry here
// cannot be encoded or decoded (test/ir/schema.test.ts enumerates the registry).

import * as Schema from "effect/Schema"
import type { Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, dtypes, isInt } from "../core/dtype.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { asArray } from "../core/convert.js"
import { type TreeDef, flatten, treedefLeafCount, unflatten } from "../core/tree.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { checkedFns } from "../prims/checkConverged.js"
import { type JvpFn, type JvpOrigin, jvpOrigins } from "../prims/custom.js"

/** The version of the JSON form this library writes and reads. */
export const VERSION = 1
export const MAX_RANK = 32
/** The most elements any array of a decoded program may have. */
export const MAX_ELEMENTS = 2 ** 31
const MAX_INDEX = 2 ** 31
const MAX_NAME = 256
const MAX_PARAM_ARRAY = 4096

/** Bounds that keep decoding linear in its input and its memory small. */
export interface DecodeLimits {
  /** JSON text longer than this is refused before parsing. */
  readonly maxTextLength: number
  /** Values (objects, arrays, numbers, strings) in the whole document. */
  readonly maxNodes: number
  /** Nesting depth of the JSON value. */
  readonly maxDepth: number
  readonly maxVars: number
  /** Equations over all jaxprs of the document. */
  readonly maxEqns: number
  readonly maxJaxprs: number
  /** Length of any string. */
  readonly maxString: number
}

/**
 * The bounds `ir.decode` applies unless given others (`ir.decode(json, { limits })`). Besides
 * these, every array has at most 2^31 elements and rank 32.
 * @example
 * ```ts
 * import { ir } from "wengert"
 * ir.defaultLimits.maxEqns // => 1048576
 * ```
 * @category ir
 * @since 0.1.0
 */
export const defaultLimits: DecodeLimits = {
  maxTextLength: 2 ** 28, maxNodes: 2 ** 24, maxDepth: 128, maxVars: 2 ** 22, maxEqns: 2 ** 20, maxJaxprs: 2 ** 16, maxString: 2 ** 16,
}

// the document ------------------------------------------------------------------------------

/** NaN, ±Infinity and -0 have no JSON number; they are written as these strings. */
export const SPECIAL_NUMBERS = ["NaN", "Infinity", "-Infinity", "-0"] as const

const Nat = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_INDEX }))
const Dim = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_ELEMENTS }))
export const ShapeJson = Schema.Array(Dim).check(Schema.isMaxLength(MAX_RANK))
export const DTypeJson = Schema.Literals(dtypes as readonly DType[])
export const AvalJson = Schema.Struct({ shape: ShapeJson, dtype: DTypeJson, weak: Schema.optionalKey(Schema.Boolean) })
const NumberJson = Schema.Union([Schema.Finite, Schema.Literals(SPECIAL_NUMBERS)])
export const ScalarJson = Schema.Union([Schema.Finite, Schema.Boolean, Schema.Literals(SPECIAL_NUMBERS)])
export const LiteralJson = Schema.Struct({ lit: ScalarJson, dtype: DTypeJson, weak: Schema.optionalKey(Schema.Boolean) })
/** An operand: a variable's index in `vars`, or an inline scalar. */
export const AtomJson = Schema.Union([Nat, LiteralJson])
export const EqnJson = Schema.Struct({
  prim: Schema.String.check(Schema.isMaxLength(MAX_NAME)),
  in: Schema.Array(AtomJson),
  out: Schema.Array(Nat),
  params: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  effects: Schema.optionalKey(Schema.Array(Schema.String.check(Schema.isMaxLength(MAX_NAME))).check(Schema.isMaxLength(64))),
})
/** A constant: its values nested by `shape` (validated by the decoder, element by element). */
export const ConstJson = Schema.Struct({ shape: ShapeJson, dtype: DTypeJson, weak: Schema.optionalKey(Schema.Boolean), data: Schema.Unknown })
export const JaxprJson = Schema.Struct({
  consts: Schema.Array(ConstJson),
  constvars: Schema.Array(Nat),
  invars: Schema.Array(Nat),
  eqns: Schema.Array(EqnJson),
  outvars: Schema.Array(AtomJson),
})
/**
 * The whole document: every variable's type once (`vars`; equations refer to variables by
 * index, so no name exists), and the closed jaxprs, each after those it refers to (a param
 * holding a sub-jaxpr is its index in `jaxprs`). The program is the last jaxpr.
 */
export const IrJson = Schema.Struct({
  version: Schema.Literal(VERSION),
  vars: Schema.Array(AvalJson),
  jaxprs: Schema.Array(JaxprJson).check(Schema.isMinLength(1)),
})

export type AvalJson = typeof AvalJson.Type
export type AtomJson = typeof AtomJson.Type
export type EqnJson = typeof EqnJson.Type
export type ConstJson = typeof ConstJson.Type
export type JaxprJson = typeof JaxprJson.Type
/** The JSON value `ir.encode` returns and `ir.decode` reads. */
export type IrJson = typeof IrJson.Type

// params --------------------------------------------------------------------------------------

/** A param value that does not fit its kind; the caller adds where (prim, param, path). */
export class Invalid extends Error {}

/** A custom_jvp_call rule whose traced body is being written: its origin, types and body. */
export interface RuleFrame { readonly origin: JvpOrigin | undefined; readonly ins: readonly ShapedArray[]; readonly outs: readonly ShapedArray[]; readonly body: ClosedJaxpr }
export interface EncodeCtx {
  /** The index in the jaxpr table of a sub-jaxpr (written first if new). */
  ref(j: ClosedJaxpr): number
  /** The jaxpr whose equations are being written. */
  current(): ClosedJaxpr | undefined
  /** The rule bodies being written, innermost last. */
  readonly rules: RuleFrame[]
}
export interface DecodeCtx {
  /** The decoded jaxpr at `ref`, which must come before the one being decoded. */
  jaxpr(ref: number): ClosedJaxpr
  /** `jaxpr(ref)`, noted as used as a custom_jvp_call rule body. */
  ruleBody(ref: number): ClosedJaxpr
  /**
   * Notes a reference to the rule whose body is the jaxpr being decoded: `check` runs on that
   * jaxpr once it is built (returns the problem, or null), and the jaxpr must be used as a rule
   * body by a later one.
   */
  selfRule(check: (body: ClosedJaxpr) => string | null): void
  readonly maxString: number
}
/** What a param's encoder may look at besides the value. */
export interface EqnInfo { readonly params: Record<string, unknown>; readonly inAvals: readonly ShapedArray[] }

export interface Param {
  /** What kind of value it is (for readers and for the fuzzers in test/ir). */
  readonly kind: "nat" | "int" | "bool" | "enum" | "string" | "nats" | "shape" | "padding" | "number" | "number?" | "jaxpr" | "jaxpr?" | "jaxprs" | "avals" | "tree" | "function"
  /** The allowed values of an enum. */
  readonly values?: readonly string[]
  /** The JSON form. */
  readonly json: Schema.Top
  readonly encode: (v: unknown, ctx: EncodeCtx, eqn: EqnInfo) => unknown
  readonly decode: (j: any, ctx: DecodeCtx, params: Record<string, unknown>, inAvals: readonly ShapedArray[]) => unknown
  /** Decoded after the other params and the operands (it reads them). */
  readonly late?: boolean
}

const isNat = (v: unknown, max = MAX_INDEX): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max
const fail = (msg: string): never => { throw new Invalid(msg) }

const nat = (max = MAX_INDEX): Param => ({
  kind: "nat",
  json: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: max })),
  encode: (v) => (isNat(v, max) ? v : fail(`expected an integer in [0, ${max}], got ${String(v)}`)),
  decode: (j) => j,
})
const int = (min: number, max: number): Param => ({
  kind: "int",
  json: Schema.Int.check(Schema.isBetween({ minimum: min, maximum: max })),
  encode: (v) => (typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max ? v : fail(`expected an integer in [${min}, ${max}], got ${String(v)}`)),
  decode: (j) => j,
})
const bool: Param = {
  kind: "bool",
  json: Schema.Boolean,
  encode: (v) => (typeof v === "boolean" ? v : fail(`expected a boolean, got ${String(v)}`)),
  decode: (j) => j,
}
const dtype = (allowed: readonly DType[] = dtypes): Param => ({
  kind: "enum",
  values: allowed,
  json: Schema.Literals(allowed),
  encode: (v) => (allowed.includes(v as DType) ? v : fail(`expected one of ${allowed.join(", ")}, got ${String(v)}`)),
  decode: (j) => j,
})
const oneOf = (values: readonly string[]): Param => ({
  kind: "enum",
  values,
  json: Schema.Literals(values),
  encode: (v) => (values.includes(v as string) ? v : fail(`expected one of ${values.join(", ")}, got ${String(v)}`)),
  decode: (j) => j,
})
const str = (max = 1 << 16): Param => ({
  kind: "string",
  json: Schema.String.check(Schema.isMaxLength(max)),
  encode: (v) => (typeof v === "string" && v.length <= max ? v : fail(`expected a string of at most ${max} characters`)),
  decode: (j) => j,
})
const nats = (max = MAX_INDEX): Param => ({
  kind: "nats",
  json: Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: max }))).check(Schema.isMaxLength(MAX_PARAM_ARRAY)),
  encode: (v) => (globalThis.Array.isArray(v) && v.length <= MAX_PARAM_ARRAY && v.every((x) => isNat(x, max)) ? [...v] : fail("expected an array of non-negative integers")),
  decode: (j: number[]) => [...j],
})

/** Checks a shape's element count; returns it as a fresh array. */
export function checkedShape(shape: readonly number[]): number[] {
  let n = 1
  for (const d of shape) n *= d
  if (n > MAX_ELEMENTS) fail(`the shape [${shape.join(",")}] has ${n} elements, more than ${MAX_ELEMENTS}`)
  return [...shape]
}
const shape: Param = {
  kind: "shape",
  json: ShapeJson,
  encode: (v) => (globalThis.Array.isArray(v) && v.length <= MAX_RANK && v.every((d) => isNat(d, MAX_ELEMENTS)) ? checkedShape(v) : fail("expected a shape")),
  decode: (j: number[]) => checkedShape(j),
}
const padConfig: Param = {
  kind: "padding",
  json: Schema.Array(Schema.Tuple([Nat, Nat, Nat])).check(Schema.isMaxLength(MAX_RANK)),
  encode: (v) => (globalThis.Array.isArray(v) && v.length <= MAX_RANK && v.every((t) => globalThis.Array.isArray(t) && t.length === 3 && t.every((x) => isNat(x)))
    ? v.map((t) => [...(t as number[])]) : fail("expected (low, high, interior) triples of non-negative integers")),
  decode: (j: number[][]) => j.map((t) => [t[0]!, t[1]!, t[2]!]),
}

/** A number as JSON: itself when finite (and not -0), else one of SPECIAL_NUMBERS. */
export function numberToJson(x: number): number | (typeof SPECIAL_NUMBERS)[number] {
  if (Number.isNaN(x)) return "NaN"
  if (x === Infinity) return "Infinity"
  if (x === -Infinity) return "-Infinity"
  if (Object.is(x, -0)) return "-0"
  return x
}
export function numberFromJson(j: number | string): number {
  if (typeof j === "number") return j
  switch (j) {
    case "NaN": return NaN
    case "Infinity": return Infinity
    case "-Infinity": return -Infinity
    case "-0": return -0
  }
  return fail(`'${j.slice(0, 20)}' is not a number`)
}
const scalar: Param = {
  kind: "number",
  json: NumberJson,
  encode: (v) => (typeof v === "number" ? numberToJson(v) : fail("expected a number")),
  decode: (j) => numberFromJson(j),
}

const numberOrNull: Param = {
  kind: "number?",
  json: Schema.NullOr(NumberJson),
  encode: (v) => (v === null || v === undefined ? null : typeof v === "number" ? numberToJson(v) : fail("expected a number or null")),
  decode: (j) => (j === null ? null : numberFromJson(j)),
}

const jaxpr: Param = {
  kind: "jaxpr",
  json: Nat,
  encode: (v, ctx) => ctx.ref(asClosed(v)),
  decode: (j, ctx) => ctx.jaxpr(j),
}
const jaxprOrNull: Param = {
  kind: "jaxpr?",
  json: Schema.NullOr(Nat),
  encode: (v, ctx) => (v === null ? null : ctx.ref(asClosed(v))),
  decode: (j, ctx) => (j === null ? null : ctx.jaxpr(j)),
}
const jaxprs: Param = {
  kind: "jaxprs",
  json: Schema.Array(Nat).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_PARAM_ARRAY)),
  encode: (v, ctx) => (globalThis.Array.isArray(v) && v.length > 0 ? v.map((x) => ctx.ref(asClosed(x))) : fail("expected a non-empty array of jaxprs")),
  decode: (j: number[], ctx) => j.map((r) => ctx.jaxpr(r)),
}
function asClosed(v: unknown): ClosedJaxpr {
  const c = v as ClosedJaxpr
  if (!c || typeof c !== "object" || !("jaxpr" in c) || !("consts" in c)) fail("expected a closed jaxpr")
  return c
}

export const avalToJson = (a: ShapedArray): AvalJson => (a.weakType ? { shape: [...a.shape], dtype: a.dtype, weak: true } : { shape: [...a.shape], dtype: a.dtype })
export const avalFromJson = (j: AvalJson): ShapedArray => new ShapedArray(checkedShape(j.shape), j.dtype, j.weak === true)
const avals: Param = {
  kind: "avals",
  json: Schema.Array(AvalJson).check(Schema.isMaxLength(MAX_PARAM_ARRAY)),
  encode: (v) => (globalThis.Array.isArray(v) ? v.map((a) => (a instanceof ShapedArray ? avalToJson(a) : fail("expected abstract values"))) : fail("expected an array of abstract values")),
  decode: (j: AvalJson[]) => j.map(avalFromJson),
}

// tree structures: "*" a leaf, null / {"undefined": true} an empty node, [..] a tuple,
// {"keys": [..], "children": [..]} an object (keys sorted, as flatten makes them)
type TreeJson = unknown
function treeToJson(d: TreeDef): TreeJson {
  switch (d.kind) {
    case "leaf": return "*"
    case "none": return d.value === null ? null : { undefined: true }
    case "tuple": return d.children.map(treeToJson)
    case "object": return { keys: [...d.keys], children: d.children.map(treeToJson) }
  }
}
function treeFromJson(j: TreeJson, depth: number, maxString: number): TreeDef {
  if (depth > MAX_RANK * 2) fail("the tree structure is nested too deeply")
  if (j === "*") return { kind: "leaf", key: "*" }
  if (j === null) return { kind: "none", value: null, key: "null" }
  const leaves = (cs: readonly TreeDef[]) => cs.reduce((n, c) => n + treedefLeafCount(c), 0)
  if (globalThis.Array.isArray(j)) {
    if (j.length > MAX_PARAM_ARRAY) fail("a tree node has too many children")
    const children = j.map((c) => treeFromJson(c, depth + 1, maxString))
    return { kind: "tuple", children, key: `(${children.map((c) => c.key).join(",")})`, leaves: leaves(children) }
  }
  const o = j as Record<string, unknown>
  if (typeof o !== "object") fail("expected a tree structure")
  const ks = Object.keys(o).sort().join(",")
  if (ks === "undefined" && o["undefined"] === true) return { kind: "none", value: undefined, key: "undefined" }
  if (ks !== "children,keys" || !globalThis.Array.isArray(o["keys"]) || !globalThis.Array.isArray(o["children"]))
    fail("a tree node is \"*\", null, {\"undefined\": true}, an array, or {\"keys\", \"children\"}")
  const keys = o["keys"] as unknown[], cs = o["children"] as unknown[]
  if (keys.length !== cs.length || keys.length > MAX_PARAM_ARRAY) fail("an object node needs one child per key")
  keys.forEach((k, i) => {
    if (typeof k !== "string" || k.length > maxString) fail("object keys must be strings")
    if (k === "__proto__") fail("the key __proto__ is not allowed in a tree structure")
    if (i > 0 && !((keys[i - 1] as string) < (k as string))) fail("object keys must be distinct and sorted")
  })
  const children = cs.map((c) => treeFromJson(c, depth + 1, maxString))
  const sk = keys as string[]
  return { kind: "object", keys: sk, children, key: `{${sk.map((k, i) => `${JSON.stringify(k)}:${children[i]!.key}`).join(",")}}`, leaves: leaves(children) }
}
const treedef: Param = {
  kind: "tree",
  json: Schema.Unknown,
  encode: (v) => (v && typeof v === "object" && "kind" in v ? treeToJson(v as TreeDef) : fail("expected a tree structure")),
  decode: (j, ctx) => treeFromJson(j, 0, ctx.maxString),
}

// functions held by custom rules: written as the jaxpr traced at the equation's types

const FnJson = Schema.Struct({ jaxpr: Nat, name: Schema.String.check(Schema.isMaxLength(MAX_NAME)) })
const named = <F extends Function>(name: string, f: F): F => Object.defineProperty(f, "name", { value: name })
const fnName = (v: unknown): string => (typeof v === "function" ? v.name.slice(0, MAX_NAME) : fail("expected a function"))
const strengthen = (as: readonly ShapedArray[]) => as.map((a) => a.strengthened())

/** How deep custom_jvp_call rule bodies may nest in a written program. */
export const MAX_RULE_DEPTH = 64
const sameExact = (as: readonly ShapedArray[], bs: readonly ShapedArray[]) => as.length === bs.length && as.every((a, i) => a.equals(bs[i]!) && a.weakType === bs[i]!.weakType)
const sameOrigin = (a: JvpOrigin | undefined, b: JvpOrigin | undefined) => a !== undefined && b !== undefined && a.fn === b.fn && a.key === b.key
/** The rule a body jaxpr [...primals, ...tangents] -> [...outs, ...touts] computes. */
const ruleOf = (body: () => ClosedJaxpr) => (ps: Array[], ts: Array[]): [Array[], Array[]] => {
  const b = body(), outs = evalJaxprFlat(b.jaxpr, b.consts, [...ps, ...ts]), h = outs.length / 2
  return [outs.slice(0, h), outs.slice(h)]
}

/**
 * custom_jvp_call's rule (primals, tangents) -> [outs, tangentOuts], as a jaxpr [...primals,
 * ...tangents] -> [...outs, ...touts], or as `{ self: true }`: "the rule whose body is the jaxpr
 * this equation is in". A rule that calls its own function again (an implicit solution's rule
 * calls the solution, so that every order of derivative goes through the implicit function
 * theorem) meets itself, with the same types, directly in its body; it is written as that
 * reference instead of being traced without end. The decoder accepts the reference only in a
 * jaxpr whose types are those of this equation's rule and which a later jaxpr uses as a rule body.
 */
const jvpRule: Param = {
  kind: "function",
  json: Schema.Union([FnJson, Schema.Struct({ self: Schema.Literal(true), name: Schema.String.check(Schema.isMaxLength(MAX_NAME)) })]),
  late: true,
  encode: (v, ctx, eqn) => {
    const call = eqn.params["call"] as ClosedJaxpr, nc = eqn.params["num_consts"] as number
    const ins = call.inAvals.slice(nc), outs = call.outAvals, n = ins.length
    const rule = v as JvpFn, origin = typeof v === "function" ? jvpOrigins.get(rule) : undefined
    const top = ctx.rules[ctx.rules.length - 1]
    if (top && top.body === ctx.current() && sameOrigin(top.origin, origin) && sameExact(top.ins, ins) && sameExact(top.outs, outs))
      return { self: true, name: fnName(v) }
    if (ctx.rules.length >= MAX_RULE_DEPTH) fail(`custom_jvp_call rules nest more than ${MAX_RULE_DEPTH} deep (a rule that keeps calling other rules)`)
    const traced = traceJaxprFlat("ir.encode", (xs) => { const [o, t] = rule(xs.slice(0, n), xs.slice(n)); return [...o, ...t] }, [...ins, ...strengthen(ins)])
    ctx.rules.push({ origin, ins, outs, body: traced })
    try {
      return { jaxpr: ctx.ref(traced), name: fnName(v) }
    } finally {
      ctx.rules.pop()
    }
  },
  decode: (j, ctx, params) => {
    const call = params["call"] as ClosedJaxpr
    const ins = call.inAvals.slice(params["num_consts"] as number), outs = call.outAvals
    const takes = [...ins, ...ins], gives = [...outs, ...outs]
    if ("self" in j) {
      let body: ClosedJaxpr | undefined
      const fn = named(j.name, ruleOf(() => body ?? (() => { throw new Error("internal: a self-referencing rule ran before its body was decoded") })()))
      ctx.selfRule((b) => {
        if (!sameAll(b.inAvals, takes) || !sameAll(b.outAvals, gives))
          return `a reference to the rule whose body is this jaxpr, which takes ${show(b.inAvals)} and returns ${show(b.outAvals)}; this equation's rule must take ${show(takes)} and return ${show(gives)}`
        body = b
        jvpOrigins.set(fn, { fn: b, key: "" })
        return null
      })
      return fn
    }
    const body = ctx.ruleBody(j.jaxpr)
    if (!sameAll(body.inAvals, takes)) fail(`the rule takes ${show(body.inAvals)}; it must take the primals and tangents ${show(takes)}`)
    if (!sameAll(body.outAvals, gives)) fail(`the rule returns ${show(body.outAvals)}; it must return the outputs and their tangents ${show(gives)}`)
    const fn = named(j.name, ruleOf(() => body))
    jvpOrigins.set(fn, { fn: body, key: "" })
    return fn
  },
}

/** The residual and cotangent types a custom VJP's bwd receives, by primitive. */
function bwdTypes(params: Record<string, unknown>, inAvals: readonly ShapedArray[]): [ShapedArray[], ShapedArray[]] {
  if ("out_avals" in params) return [inAvals.slice(0, params["num_res"] as number), [...(params["out_avals"] as ShapedArray[])]]
  const call = params["call"] as ClosedJaxpr, fwd = params["fwd"] as ClosedJaxpr, nOut = call.outAvals.length
  return [fwd.outAvals.slice(nOut), strengthen(call.outAvals)]
}
/** A custom VJP's bwd(residuals, ct) -> cotangents, as a jaxpr [...residuals, ...cts] -> [...input cts]. */
const bwdRule: Param = {
  kind: "function",
  json: FnJson,
  late: true,
  encode: (v, ctx, eqn) => {
    const p = eqn.params, [res, cts] = bwdTypes(p, eqn.inAvals)
    const bwd = v as (r: unknown, c: unknown) => unknown
    const inDef = p["in_def"] as TreeDef
    const traced = traceJaxprFlat("ir.encode", (xs) => {
      const out = bwd(unflatten(p["res_def"] as TreeDef, xs.slice(0, res.length)), unflatten(p["out_def"] as TreeDef, xs.slice(res.length)))
      const [leaves, def] = flatten(out)
      if (def.key !== inDef.key) fail(`bwd returned structure ${def.key} but the arguments have ${inDef.key}`)
      return leaves.map((l) => asArray(l, "ir.encode"))
    }, [...res, ...cts])
    return { jaxpr: ctx.ref(traced), name: fnName(v) }
  },
  decode: (j, ctx, params, inAvals) => {
    const body = ctx.jaxpr(j.jaxpr), inDef = params["in_def"] as TreeDef
    const [res, cts] = bwdTypes(params, inAvals)
    if (!sameAll(body.inAvals, [...res, ...cts])) fail(`bwd takes ${show(body.inAvals)}; it must take the residuals and output cotangents ${show([...res, ...cts])}`)
    if (body.outAvals.length !== treedefLeafCount(inDef)) fail(`bwd returns ${body.outAvals.length} cotangents for ${treedefLeafCount(inDef)} arguments`)
    return named(j.name, (res: unknown, ct: unknown): unknown => {
      const xs = [...flatten(res)[0], ...flatten(ct)[0]].map((l) => asArray(l, "custom VJP bwd"))
      return unflatten(inDef, evalJaxprFlat(body.jaxpr, body.consts, xs))
    })
  },
}

// the table -----------------------------------------------------------------------------------

/** How one primitive's equations are written and checked. */
export interface PrimSchema {
  readonly params: Readonly<Record<string, Param>>
  /** Operand count given the decoded params; null: any count (abstract evaluation checks it). */
  readonly arity: (p: any) => number | null
  /** What abstract evaluation leaves unchecked; returns the problem, or null. */
  readonly check?: (avals: readonly ShapedArray[], p: any) => string | null
  /** Why the primitive has no JSON form (encode and decode refuse it). */
  readonly unserializable?: string
}

const fixed = (n: number) => () => n
const same = (a: ShapedArray, b: ShapedArray) => a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])
const sameAll = (as: readonly ShapedArray[], bs: readonly ShapedArray[]) => as.length === bs.length && as.every((a, i) => same(a, bs[i]!))
const show = (as: readonly ShapedArray[]) => `(${as.map((a) => a.str()).join(", ")})`
const distinctIn = (xs: readonly number[], n: number) => xs.every((x) => x < n) && new Set(xs).size === xs.length
const leavesOf = (d: TreeDef) => treedefLeafCount(d)

const none = (arity: number): PrimSchema => ({ params: {}, arity: fixed(arity) })
const entry = (arity: number, params: Record<string, Param>, check?: PrimSchema["check"]): PrimSchema =>
  (check ? { params, arity: fixed(arity), check } : { params, arity: fixed(arity) })

const unaries = ["neg", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan", "exp", "expm1", "log", "log1p",
  "sqrt", "logistic", "abs", "sign", "floor", "ceil", "round", "is_finite", "not", "stop_gradient", "cholesky", "lu",
  "random_seed", "isotonic_regression"]
const binaries = ["add", "sub", "mul", "div", "pow", "max", "min", "atan2", "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
  "random_fold_in", "block_sum"]
const reducers = ["reduce_sum", "reduce_max", "reduce_min", "reduce_prod"]
const policies = ["nothingSaveable", "everythingSaveable", "dotsSaveable", "saveOnlyNames"]
const floatDtypes: DType[] = ["float32", "float64"]

const remat = (twice: boolean): PrimSchema => ({
  params: { jaxpr, policy: oneOf(policies) },
  arity: (p) => p.jaxpr.inAvals.length * (twice ? 2 : 1),
  check: (as, p) => {
    const ins = p.jaxpr.inAvals as ShapedArray[], n = ins.length
    return sameAll(as.slice(0, n), ins) && (!twice || sameAll(as.slice(n), ins)) ? null
      : `the body takes ${show(ins)} but the operands are ${show(as)}`
  },
})

const table: Record<string, PrimSchema> = {
  ...Object.fromEntries(unaries.map((n) => [n, none(1)])),
  ...Object.fromEntries(binaries.map((n) => [n, none(2)])),
  ...Object.fromEntries(reducers.map((n) => [n, entry(1, { axes: nats(MAX_RANK) })])),
  select_n: none(3),
  integer_pow: entry(1, { y: int(-(2 ** 31), 2 ** 31 - 1) }),
  name: entry(1, { name: str(MAX_NAME) }),
  argmax: entry(1, { axis: nat(MAX_RANK), index_dtype: dtype(["int32", "uint32"]) }),
  argmin: entry(1, { axis: nat(MAX_RANK), index_dtype: dtype(["int32", "uint32"]) }),
  cumsum: entry(1, { axis: nat(MAX_RANK), reverse: bool }),
  broadcast_in_dim: entry(1, { shape, broadcast_dimensions: nats(MAX_RANK) }),
  reshape: entry(1, { new_sizes: shape }),
  transpose: entry(1, { permutation: nats(MAX_RANK) }),
  slice: entry(1, { start_indices: nats(), limit_indices: nats(), strides: nats() }),
  pad: entry(1, { value: scalar, padding_config: padConfig }),
  concatenate: { params: { dimension: nat(MAX_RANK) }, arity: () => null },
  rev: entry(1, { dimensions: nats(MAX_RANK) }),
  convert_element_type: entry(1, { new_dtype: dtype(), weak_type: bool }),
  iota: entry(0, { dtype: dtype(), shape, dimension: nat(MAX_RANK) }),
  gather: entry(2, { axis: nat(MAX_RANK) }),
  scatter_add: entry(3, { axis: nat(MAX_RANK) }, ([x, i, u], { axis }) =>
    axis >= x!.ndim ? `axis ${axis} is out of range for an operand of rank ${x!.ndim}`
      : !isInt(i!.dtype) ? `indices must be int32 or uint32, not ${i!.dtype}`
        : u!.dtype !== x!.dtype ? `updates (${u!.dtype}) must have the operand's dtype (${x!.dtype})` : null),
  dot_general: entry(2, { lhs_contracting: nats(MAX_RANK), rhs_contracting: nats(MAX_RANK), lhs_batch: nats(MAX_RANK), rhs_batch: nats(MAX_RANK) },
    ([l, r], p) => distinctIn([...p.lhs_contracting, ...p.lhs_batch], l!.ndim) && distinctIn([...p.rhs_contracting, ...p.rhs_batch], r!.ndim) ? null
      : "contracting and batch dimensions must be distinct axes of each operand"),
  triangular_solve: entry(2, { left_side: bool, lower: bool, transpose_a: bool, unit_diagonal: bool }),
  solve: entry(2, { transpose_a: bool }),
  remat: remat(false),
  remat_jvp: remat(true),
  cond: {
    params: { branches: jaxprs },
    arity: (p) => 1 + p.branches[0].inAvals.length,
    check: (_, p) => (p.branches.every((b: ClosedJaxpr) => b.inAvals.length === p.branches[0].inAvals.length) ? null : "every branch must take the same number of operands"),
  },
  while: {
    params: { cond_jaxpr: jaxpr, body_jaxpr: jaxpr, cond_nconsts: nat(), body_nconsts: nat() },
    arity: (p) => p.cond_nconsts + p.body_nconsts + p.body_jaxpr.outAvals.length,
    check: (as, p) => {
      const cn = p.cond_nconsts, bn = p.body_nconsts, carry = as.slice(cn + bn)
      if (!sameAll(p.cond_jaxpr.inAvals, [...as.slice(0, cn), ...carry])) return `the condition takes ${show(p.cond_jaxpr.inAvals)} but gets ${show([...as.slice(0, cn), ...carry])}`
      if (!sameAll(p.body_jaxpr.inAvals, as.slice(cn))) return `the body takes ${show(p.body_jaxpr.inAvals)} but gets ${show(as.slice(cn))}`
      return p.cond_jaxpr.outAvals.length === 1 ? null : "the condition must return one value"
    },
  },
  scan: {
    params: { jaxpr, num_consts: nat(), num_carry: nat(), length: nat(MAX_ELEMENTS), reverse: bool },
    arity: (p) => p.jaxpr.inAvals.length,
    check: (_, p) => (p.num_consts + p.num_carry <= p.jaxpr.inAvals.length && p.num_carry <= p.jaxpr.outAvals.length ? null
      : "num_consts + num_carry exceed the body's inputs, or num_carry its outputs"),
  },
  custom_jvp_call: {
    params: { call: jaxpr, jvp: jvpRule, num_consts: nat(), name: str(MAX_NAME) },
    arity: (p) => p.call.inAvals.length,
    check: (as, p) => {
      const call: ClosedJaxpr = p.call, nc: number = p.num_consts
      return sameAll(call.inAvals, as) && nc <= as.length ? null : `the function takes ${show(call.inAvals)} but the operands are ${show(as)}`
    },
  },
  custom_vjp_call: {
    params: {
      call: jaxpr, fwd: jaxpr, bwd: bwdRule, num_call_consts: nat(), num_fwd_consts: nat(),
      out_def: treedef, res_def: treedef, in_def: treedef, name: str(MAX_NAME),
    },
    arity: (p) => p.num_fwd_consts + p.call.inAvals.length,
    check: (as, p) => {
      const ncc: number = p.num_call_consts, nfc: number = p.num_fwd_consts, call: ClosedJaxpr = p.call, fwd: ClosedJaxpr = p.fwd
      const xs = as.slice(ncc + nfc)
      if (ncc > call.inAvals.length || !sameAll(call.inAvals, [...as.slice(0, ncc), ...xs])) return `the function takes ${show(call.inAvals)} but gets ${show([...as.slice(0, ncc), ...xs])}`
      if (!sameAll(fwd.inAvals, as.slice(ncc))) return `fwd takes ${show(fwd.inAvals)} but gets ${show(as.slice(ncc))}`
      const nOut = call.outAvals.length
      if (fwd.outAvals.length < nOut) return "fwd must return the outputs and then the residuals"
      if (leavesOf(p.out_def) !== nOut || leavesOf(p.res_def) !== fwd.outAvals.length - nOut || leavesOf(p.in_def) !== xs.length)
        return "out_def, res_def and in_def must have one leaf per output, residual and argument"
      return null
    },
  },
  custom_vjp_lin: {
    params: {
      bwd: bwdRule, num_res: nat(), out_avals: avals, out_def: treedef, res_def: treedef, in_def: treedef, in_avals: avals, name: str(MAX_NAME),
    },
    arity: (p) => p.num_res + p.in_avals.length,
    check: (as, p) => (leavesOf(p.out_def) === p.out_avals.length && leavesOf(p.res_def) === p.num_res && leavesOf(p.in_def) === p.in_avals.length
      && sameAll(as.slice(p.num_res), p.in_avals) ? null : "out_def, res_def and in_def must match out_avals, num_res and in_avals"),
  },
  linear_solve: {
    params: { matvec: jaxpr, solve: jaxpr, transpose_solve: jaxprOrNull, num_matvec: nat(), num_solve: nat(), num_transpose: nat(), name: str(MAX_NAME), check: numberOrNull },
    arity: (p) => p.num_matvec + p.num_solve + p.num_transpose + p.solve.inAvals.length - p.num_solve,
    check: (as, p) => {
      const a = p.num_matvec, b = a + p.num_solve, c = b + p.num_transpose, rhs = as.slice(c)
      const ok = (j: ClosedJaxpr | null, lo: number, hi: number) => j === null || sameAll(j.inAvals, [...as.slice(lo, hi), ...rhs])
      if (p.num_solve > p.solve.inAvals.length || !ok(p.matvec, 0, a) || !ok(p.solve, a, b) || !ok(p.transpose_solve, b, c)) return "the matvec, solve and transpose_solve jaxprs must take their consts and then b"
      if (p.check !== null && !(p.check >= 0)) return "check must be null or a non-negative number"
      return p.transpose_solve === null && p.num_transpose !== 0 ? "num_transpose must be 0 without transpose_solve" : null
    },
  },
  check_converged: entry(3, { tol: scalar, fn: oneOf(checkedFns) }, (_, p) => (p.tol >= 0 && p.tol < Infinity ? null : "tol must be a finite non-negative number")),
  random_split: entry(1, { count: nat(MAX_ELEMENTS) }),
  random_bits: entry(1, { shape }),
  random_uniform: entry(3, { shape, dtype: dtype(floatDtypes) }),
  random_normal: entry(1, { shape, dtype: dtype(floatDtypes) }),
  random_gumbel: entry(1, { shape, dtype: dtype(floatDtypes) }),
  random_permutation: entry(1, { shape, axis: nat(MAX_RANK) }),
  argsort: entry(1, { descending: bool }),
  debug_print: { params: { fmt: str() }, arity: () => null },
  debug_callback: {
    params: {}, arity: () => null,
    unserializable: "it holds a JS function (the callback), which has no JSON form. Use debug.print, or encode the program without the callback",
  },
}

/** The entry of a primitive name, or undefined (never a prototype property). */
export function primSchema(name: string): PrimSchema | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined
}
/** Every primitive name the JSON form knows. */
export const knownPrimitives = (): string[] => Object.keys(table)

const structs = new Map<string, Schema.Top>()
/** The Schema of a primitive's params object (exactly its keys). */
export function paramsSchema(name: string, s: PrimSchema): Schema.Top {
  let out = structs.get(name)
  if (!out) {
    out = Schema.Struct(Object.fromEntries(Object.entries(s.params).map(([k, p]) => [k, p.json])) as Record<string, Schema.Top>)
    structs.set(name, out)
  }
  return out
}
