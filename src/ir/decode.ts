// ir.decode: the only door for foreign IR, and a strict one. In order: a bounded copy of the
// input into plain data (no getter, toJSON or prototype is ever touched, so nothing in the
// input runs), the effect Schema of the document, then a semantic pass: every primitive
// known, params validated per primitive, variables bound once and before use, sub-jaxprs
// before the jaxprs that use them, constants of the declared shape, and each equation's
// abstract evaluation rerun and compared with its declared output types. Names do not exist
// in the JSON form (variables are indices), so nothing from the input can reach generated code.

import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { NdArray } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, allocate } from "../core/dtype.js"
import { DecodeError, isWengertError } from "../core/errors.js"
import { type Atom, ClosedJaxpr, type EffectSet, Eqn, Jaxpr, Literal, Var } from "../core/ir.js"
import { eqnEffects } from "../core/jaxprTrace.js"
import { lookupPrimitive } from "../core/primitive.js"
import {
  type AtomJson, type ConstJson, type DecodeCtx, type DecodeLimits, type EqnJson, type JaxprJson, type IrJson as IrJsonT,
  Invalid, IrJson, MAX_ELEMENTS, avalFromJson, checkedShape, defaultLimits, numberFromJson, paramsSchema, primSchema,
} from "./schema.js"

export interface DecodeOptions {
  /** Tighter or looser bounds than `defaultLimits` (src/ir/schema.ts). */
  readonly limits?: Partial<DecodeLimits>
}

// paths: built lazily, only when an error needs one ------------------------------------------

type Path = { readonly up: Path; readonly key: string | number } | null
const at = (up: Path, key: string | number): Path => ({ up, key })
function pathText(p: Path): string {
  const keys: (string | number)[] = []
  for (let n = p; n; n = n.up) keys.push(n.key)
  let s = ""
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!
    s += typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${s ? "." : ""}${k}` : `[${JSON.stringify(k.length > 40 ? k.slice(0, 40) + "…" : k)}]`
  }
  return s
}
const err = (p: Path, hint: string): DecodeError => new DecodeError(pathText(p), hint)

// 1. a bounded copy into plain data ----------------------------------------------------------

function snapshot(input: unknown, limits: DecodeLimits): unknown {
  let nodes = 0
  const walk = (x: unknown, depth: number, p: Path): unknown => {
    if (++nodes > limits.maxNodes) throw err(p, `the document has more than ${limits.maxNodes} values.`)
    if (depth > limits.maxDepth) throw err(p, `the document is nested deeper than ${limits.maxDepth} levels (or is cyclic).`)
    switch (typeof x) {
      case "number": case "boolean": return x
      case "string":
        if (x.length > limits.maxString) throw err(p, `a string of ${x.length} characters; the limit is ${limits.maxString}.`)
        return x
      case "object": {
        if (x === null) return null
        if (globalThis.Array.isArray(x)) {
          if (Object.getPrototypeOf(x) !== globalThis.Array.prototype) throw err(p, "an array of a subclass; only plain arrays are read.")
          const n = x.length
          if (n > limits.maxNodes - nodes) throw err(p, `an array of ${n} elements exceeds the limit of ${limits.maxNodes} values.`)
          const out: unknown[] = new globalThis.Array(n)
          for (let i = 0; i < n; i++) {
            const d = Object.getOwnPropertyDescriptor(x, i)
            if (d === undefined) throw err(at(p, i), "a hole in an array; write every element.")
            if (!("value" in d)) throw err(at(p, i), "an accessor property; only data properties are read.")
            out[i] = walk(d.value, depth + 1, at(p, i))
          }
          return out
        }
        const proto = Object.getPrototypeOf(x)
        if (proto !== Object.prototype && proto !== null) throw err(p, "an object that is not a plain object (a class instance, Date, Map, typed array, ...); only JSON values are read.")
        const keys = Object.keys(x)
        if (keys.length > limits.maxNodes - nodes) throw err(p, `an object of ${keys.length} keys exceeds the limit of ${limits.maxNodes} values.`)
        // a prototype-less copy: a key named "__proto__" stays an ordinary (and later rejected) key
        const out: Record<string, unknown> = Object.create(null)
        for (const k of keys) {
          if (k.length > limits.maxString) throw err(p, `a key of ${k.length} characters; the limit is ${limits.maxString}.`)
          const d = Object.getOwnPropertyDescriptor(x, k)
          if (d === undefined) continue
          if (!("value" in d)) throw err(at(p, k), "an accessor property; only data properties are read.")
          out[k] = walk(d.value, depth + 1, at(p, k))
        }
        return out
      }
      default: throw err(p, `a value of type ${typeof x}; JSON has only objects, arrays, numbers, strings, booleans and null.`)
    }
  }
  return walk(input, 0, null)
}

// 2. the Schema --------------------------------------------------------------------------------

const decodeDocument = Schema.decodeUnknownResult(IrJson, { onExcessProperty: "error" })

/** The first issue of a SchemaError as a DecodeError under `base`. */
function fromSchemaError(e: { message: string }, base: Path): DecodeError {
  const lines = e.message.split("\n")
  const where = lines.find((l) => l.trimStart().startsWith("at "))
  const hint = lines.filter((l) => l !== where).join(" ").trim()
  let p = base
  if (where) for (const m of where.trim().slice(3).matchAll(/\[(?:(\d+)|("(?:[^"\\]|\\.)*"))\]/g)) {
    if (m[1] !== undefined) p = at(p, Number(m[1]))
    else { try { p = at(p, JSON.parse(m[2]!) as string) } catch { p = at(p, m[2]!) } }
  }
  return err(p, `${hint.endsWith(".") ? hint : hint + "."}`)
}

// 3. the semantic pass -----------------------------------------------------------------------------

const sameAval = (a: ShapedArray, b: ShapedArray) => a.equals(b) && a.weakType === b.weakType
const avalText = (a: ShapedArray) => `${a.str()}${a.weakType ? " (weak)" : ""}`

/** One element of a constant or literal: checked exactly against its dtype (no rounding). */
function elementFromJson(x: unknown, dtype: DType, p: Path): number {
  if (dtype === "bool") {
    if (typeof x !== "boolean") throw err(p, `a bool value must be true or false, got ${describe(x)}.`)
    return x ? 1 : 0
  }
  let v: number
  if (typeof x === "number") v = x
  else if (typeof x === "string" && (x === "NaN" || x === "Infinity" || x === "-Infinity" || x === "-0")) v = numberFromJson(x)
  else throw err(p, `a ${dtype} value must be a number (or "NaN", "Infinity", "-Infinity", "-0"), got ${describe(x)}.`)
  switch (dtype) {
    case "float64": return v
    case "float32":
      if (Number.isFinite(v) && Math.fround(v) !== v) throw err(p, `${v} is not exactly a float32; write the float32 value.`)
      return v
    case "int32":
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31 || Object.is(v, -0)) throw err(p, `${v} is not an int32.`)
      return v
    case "uint32":
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32 || Object.is(v, -0)) throw err(p, `${v} is not a uint32.`)
      return v
  }
}

function describe(x: unknown): string {
  if (typeof x === "string") return `the string ${JSON.stringify(x.length > 30 ? x.slice(0, 30) + "…" : x)}`
  if (x === null) return "null"
  if (globalThis.Array.isArray(x)) return "an array"
  return typeof x === "object" ? "an object" : String(x)
}

function constFromJson(c: ConstJson, p: Path): NdArray {
  let shape: number[]
  try { shape = checkedShape(c.shape) } catch (e) { throw err(at(p, "shape"), `${(e as Error).message}.`) }
  const rank = shape.length
  // first check the nesting and every value, then allocate: a declared size never allocates alone
  const visit = (x: unknown, dim: number, q: Path, leaf: (x: unknown, q: Path) => void): void => {
    if (dim === rank) { leaf(x, q); return }
    const n = shape[dim]!
    if (!globalThis.Array.isArray(x) || x.length !== n)
      throw err(q, `expected an array of ${n} entries along axis ${dim} of the shape [${shape.join(",")}], got ${describe(x)}${globalThis.Array.isArray(x) ? ` of ${x.length}` : ""}.`)
    for (let i = 0; i < n; i++) visit(x[i], dim + 1, at(q, i), leaf)
  }
  const dp = at(p, "data")
  visit(c.data, 0, dp, (x, q) => { elementFromJson(x, c.dtype, q) })
  let n = 1
  for (const d of shape) n *= d
  const data = allocate(c.dtype, n)
  let k = 0
  visit(c.data, 0, dp, (x, q) => { data[k++] = elementFromJson(x, c.dtype, q) })
  return new NdArray(data, shape, c.dtype, c.weak === true)
}

class Decoder implements DecodeCtx {
  readonly vars: Var[]
  private readonly built: ClosedJaxpr[] = []
  private readonly fx = new Map<ClosedJaxpr | Jaxpr, EffectSet>()
  private readonly stamp: Int32Array
  private current = 0
  /** The param being decoded (where a self-reference's deferred check reports). */
  private paramPath: Path = null
  private selfRefs: { readonly path: Path; readonly check: (body: ClosedJaxpr) => string | null }[] = []
  /** Jaxprs holding self-references, by index, with the first one's path; and jaxprs used as rule bodies. */
  private readonly needRuleUse = new Map<number, Path>()
  private readonly ruleBodies = new Set<number>()
  private eqnCount = 0
  readonly maxString: number

  constructor(doc: IrJsonT, private readonly limits: DecodeLimits) {
    if (doc.vars.length > limits.maxVars) throw err(at(null, "vars"), `${doc.vars.length} variables exceed the limit of ${limits.maxVars}.`)
    if (doc.jaxprs.length > limits.maxJaxprs) throw err(at(null, "jaxprs"), `${doc.jaxprs.length} jaxprs exceed the limit of ${limits.maxJaxprs}.`)
    this.maxString = limits.maxString
    this.vars = doc.vars.map((a, i) => {
      try { return new Var(avalFromJson(a)) } catch (e) { throw err(at(at(null, "vars"), i), `${(e as Error).message}.`) }
    })
    this.stamp = new Int32Array(this.vars.length).fill(-1)
  }

  jaxpr(ref: number): ClosedJaxpr {
    if (ref >= this.current)
      throw new Invalid(`refers to jaxpr ${ref}, which does not come before this one (jaxpr ${this.current}); sub-jaxprs are listed first, so a jaxpr cannot contain itself`)
    return this.built[ref]!
  }

  ruleBody(ref: number): ClosedJaxpr {
    const j = this.jaxpr(ref)
    this.ruleBodies.add(ref)
    return j
  }
  selfRule(check: (body: ClosedJaxpr) => string | null): void {
    this.selfRefs.push({ path: this.paramPath, check })
  }
  /** Every jaxpr holding a self-reference is used as a rule body. */
  finish(): void {
    for (const [i, p] of this.needRuleUse)
      if (!this.ruleBodies.has(i))
        throw err(p, `a reference to the rule whose body is this jaxpr (jaxprs[${i}]), but no custom_jvp_call uses that jaxpr as its rule; { self: true } may appear only in a rule body.`)
  }

  private effectsOf = (j: ClosedJaxpr | Jaxpr): EffectSet => this.fx.get(j) ?? j.effects

  private bindVar(i: number, p: Path): Var {
    if (i >= this.vars.length) throw err(p, `variable ${i} does not exist (vars has ${this.vars.length}).`)
    if (this.stamp[i] === this.current) throw err(p, `variable ${i} is bound twice in this jaxpr; every variable is bound once.`)
    this.stamp[i] = this.current
    return this.vars[i]!
  }
  private useVar(i: number, p: Path): Var {
    if (i >= this.vars.length) throw err(p, `variable ${i} does not exist (vars has ${this.vars.length}).`)
    if (this.stamp[i] !== this.current) throw err(p, `variable ${i} is used before it is defined in this jaxpr (or is defined only in another one).`)
    return this.vars[i]!
  }
  private atom(a: AtomJson, p: Path): Atom {
    if (typeof a === "number") return this.useVar(a, p)
    return new Literal(NdArray.scalar(elementFromJson(a.lit, a.dtype, at(p, "lit")), a.dtype, a.weak === true))
  }

  build(j: JaxprJson, index: number): ClosedJaxpr {
    this.current = index
    this.selfRefs = []
    const p = at(at(null, "jaxprs"), index)
    if (j.consts.length !== j.constvars.length) throw err(at(p, "consts"), `${j.consts.length} constants for ${j.constvars.length} constvars; give one per constvar.`)
    const constvars = j.constvars.map((v, i) => this.bindVar(v, at(at(p, "constvars"), i)))
    const consts = j.consts.map((c, i) => {
      const q = at(at(p, "consts"), i), x = constFromJson(c, q), v = constvars[i]!
      if (!sameAval(x.aval, v.aval)) throw err(q, `the constant is ${avalText(x.aval)} but its constvar is ${avalText(v.aval)}.`)
      return x
    })
    const invars = j.invars.map((v, i) => this.bindVar(v, at(at(p, "invars"), i)))
    const eqns = j.eqns.map((e, q) => this.eqn(e, at(at(p, "eqns"), q)))
    const outvars = j.outvars.map((a, i) => this.atom(a, at(at(p, "outvars"), i)))
    const closed = new ClosedJaxpr(new Jaxpr(constvars, invars, outvars, eqns), consts)
    const fx = new Set<string>()
    for (const e of eqns) for (const f of e.effects) fx.add(f)
    this.fx.set(closed, [...fx]).set(closed.jaxpr, [...fx])
    for (const r of this.selfRefs) {
      const problem = r.check(closed)
      if (problem) throw err(r.path, `${problem}.`)
    }
    if (this.selfRefs.length) this.needRuleUse.set(index, this.selfRefs[0]!.path)
    this.built.push(closed)
    return closed
  }

  private eqn(e: EqnJson, p: Path): Eqn {
    if (++this.eqnCount > this.limits.maxEqns) throw err(p, `the document has more than ${this.limits.maxEqns} equations.`)
    const name = e.prim, prim = lookupPrimitive(name), s = primSchema(name)
    if (!prim || !s) throw err(at(p, "prim"), `unknown primitive ${JSON.stringify(name.length > 40 ? name.slice(0, 40) + "…" : name)}; only the library's primitives can be decoded.`)
    if (s.unserializable) throw err(at(p, "prim"), `'${name}' cannot be decoded: ${s.unserializable}.`)
    const raw = (e.params ?? {}) as Record<string, unknown>
    const pp = at(p, "params")
    // (an empty Struct accepts any object, so unknown keys are refused here first)
    for (const k of Object.keys(raw))
      if (!Object.hasOwn(s.params, k)) throw err(at(pp, k), `'${name}' has no param ${JSON.stringify(k.length > 40 ? k.slice(0, 40) + "…" : k)} (an excess property); its params are (${Object.keys(s.params).join(", ")}).`)
    const checked = Schema.decodeUnknownResult(paramsSchema(name, s) as Schema.Codec<unknown>, { onExcessProperty: "error" })(raw)
    if (Result.isFailure(checked)) throw fromSchemaError(checked.failure, pp)
    const valid = checked.success as Record<string, unknown>
    const keys = Object.keys(raw)
    const decoded = new Map<string, unknown>()
    const view: Record<string, unknown> = {}
    const decodeParam = (k: string, inAvals: readonly ShapedArray[]) => {
      try {
        this.paramPath = at(pp, k)
        const v = s.params[k]!.decode(valid[k], this, view, inAvals)
        decoded.set(k, v)
        view[k] = v
      } catch (x) {
        if (x instanceof Invalid) throw err(at(pp, k), `${x.message}.`)
        throw x
      }
    }
    for (const k of keys) if (!s.params[k]!.late) decodeParam(k, [])
    const inputs = e.in.map((a, i) => this.atom(a, at(at(p, "in"), i)))
    const inAvals = inputs.map((a) => a.aval)
    const want = s.arity(view)
    if (want !== null && want !== inputs.length) throw err(at(p, "in"), `'${name}' takes ${want} operand(s) here but ${inputs.length} were given.`)
    for (const k of keys) if (s.params[k]!.late) decodeParam(k, inAvals)
    // the params in the order the document lists them, so the jaxpr prints as it was written
    const params: Record<string, unknown> = {}
    for (const k of keys) params[k] = decoded.get(k)
    const problem = s.check?.(inAvals, params)
    if (problem) throw err(p, `'${name}': ${problem}.`)
    let outAvals: ShapedArray[]
    try {
      outAvals = prim.abstractEval(inAvals, params)
    } catch (x) {
      if (isWengertError(x)) throw err(p, x.message)
      throw err(p, `'${name}' rejects these operands and params (unexpected ${x instanceof Error ? x.name : "error"} in its abstract evaluation).`)
    }
    if (outAvals.length !== e.out.length)
      throw err(at(p, "out"), `'${name}' computes ${outAvals.length} output(s) here but ${e.out.length} are declared.`)
    const outputs = e.out.map((v, i) => {
      const q = at(at(p, "out"), i), x = this.bindVar(v, q), a = outAvals[i]!
      if (a.size > MAX_ELEMENTS) throw err(q, `the output has ${a.size} elements, more than ${MAX_ELEMENTS}.`)
      if (!sameAval(x.aval, a)) throw err(q, `declared ${avalText(x.aval)} but '${name}' computes ${avalText(a)}.`)
      return x
    })
    const fx = eqnEffects(prim, params, this.effectsOf)
    if (e.effects !== undefined) {
      const declared = [...new Set(e.effects)].sort().join(","), actual = [...fx].sort().join(",")
      if (declared !== actual) throw err(at(p, "effects"), `declared effects (${declared}) but '${name}' here has (${actual}).`)
    }
    return new Eqn(prim, inputs, outputs, params, fx)
  }
}

function decodeOrThrow(json: unknown, limits: DecodeLimits): ClosedJaxpr {
  let input = json
  if (typeof json === "string") {
    if (json.length > limits.maxTextLength) throw err(null, `the JSON text has ${json.length} characters; the limit is ${limits.maxTextLength}.`)
    try { input = JSON.parse(json) } catch (e) { throw err(null, `not valid JSON (${(e as Error).message}).`) }
  }
  const plain = snapshot(input, limits)
  const doc = decodeDocument(plain)
  if (Result.isFailure(doc)) throw fromSchemaError(doc.failure, null)
  const d = new Decoder(doc.success, limits)
  let last: ClosedJaxpr | undefined
  doc.success.jaxprs.forEach((j, i) => { last = d.build(j, i) })
  d.finish()
  return last!
}

/**
 * Reads a JSON value (or JSON text) written by `ir.encode` into a closed jaxpr, validating it
 * strictly: unknown primitives, bad params, shapes or dtypes, variables used before they are
 * defined, and anything outside the bounds give a `DecodeError` naming the path. It never
 * throws and never runs anything from its input; the result runs under `evalJaxpr` and `jit`.
 * @example
 * ```ts
 * import { ir, makeJaxpr, evalJaxpr, np } from "wengert"
 * import * as Result from "effect/Result"
 * const j = makeJaxpr((x) => np.multiply(x, 2))(1)
 * const back = ir.decode(JSON.stringify(ir.encode(j)))
 * Result.isSuccess(back) // => true
 * evalJaxpr(Result.getOrThrow(back), 21)[0].item() // => 42
 * const bad = ir.decode({ version: 1, vars: [], jaxprs: [{ consts: [], constvars: [], invars: [], eqns: [{ prim: "nope", in: [], out: [] }], outvars: [] }] })
 * Result.isFailure(bad) && bad.failure.path // => "jaxprs[0].eqns[0].prim"
 * ```
 * @category ir
 * @since 0.1.0
 */
export function decode(json: unknown, options: DecodeOptions = {}): Result.Result<ClosedJaxpr, DecodeError> {
  const limits: DecodeLimits = { ...defaultLimits, ...(options && typeof options === "object" ? options.limits : {}) }
  try {
    return Result.succeed(decodeOrThrow(json, limits))
  } catch (e) {
    if (e instanceof DecodeError) return Result.fail(e)
    // a failure of the validation itself on hostile input: still a typed error, never a throw
    const d = new DecodeError("", `unexpected ${e instanceof Error ? e.name : "failure"} while validating; the input is not a valid IR document.`)
    Object.defineProperty(d, "cause", { value: e })
    return Result.fail(d)
  }
}
