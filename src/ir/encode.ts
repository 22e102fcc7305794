// ir.encode: a closed jaxpr as a JSON value (src/ir/schema.ts describes the form). Variables
// become indices numbered in order of first appearance, and each closed jaxpr (the program
// and every sub-jaxpr in a param) is written once, after the ones it refers to, so sharing is
// kept and decode(encode(j)) prints exactly as j does.

import { NdArray } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import { type Atom, ClosedJaxpr, Literal, Var } from "../core/ir.js"
import { Tracer } from "../core/trace.js"
import { attempt } from "../safe.js"
import {
  type AtomJson, type ConstJson, type EqnJson, type IrJson, type JaxprJson, type EncodeCtx, type RuleFrame, Invalid, VERSION,
  avalToJson, numberToJson, primSchema,
} from "./schema.js"

export type { IrJson } from "./schema.js"

/** One value of an array as JSON: booleans for bool, special numbers as strings. */
const valueToJson = (x: number, bool: boolean): number | boolean | ReturnType<typeof numberToJson> => (bool ? x !== 0 : numberToJson(x))

function constToJson(c: unknown, where: string): ConstJson {
  if (c instanceof Tracer || !(c instanceof NdArray))
    throw new InvalidArgumentError("ir.encode", `${where} is a traced value (the jaxpr was made inside a transform and closes over its tracers), so it has no concrete value to write. Call makeJaxpr outside other transforms, or pass the value as an argument.`)
  const { shape, dtype, weakType } = c.aval, d = c.data, bool = dtype === "bool"
  let data: unknown
  if (shape.length === 0) data = valueToJson(d[0]!, bool)
  else {
    // nested by shape; the depth is the rank, so this recursion is shallow
    let k = 0
    const build = (dim: number): unknown[] => {
      const out: unknown[] = []
      for (let i = 0; i < shape[dim]!; i++) out.push(dim === shape.length - 1 ? valueToJson(d[k++]!, bool) : build(dim + 1))
      return out
    }
    data = build(0)
  }
  return weakType ? { shape: [...shape], dtype, weak: true, data } : { shape: [...shape], dtype, data }
}

function literalToJson(l: Literal): AtomJson {
  const { dtype, weakType } = l.value.aval
  const lit = valueToJson(l.value.data[0]!, dtype === "bool")
  return weakType ? { lit, dtype, weak: true } : { lit, dtype }
}

class Encoder implements EncodeCtx {
  readonly vars: IrJson["vars"][number][] = []
  readonly jaxprs: JaxprJson[] = []
  private readonly varIds = new Map<Var, number>()
  private readonly refs = new Map<ClosedJaxpr, number>()
  private readonly inProgress = new Set<ClosedJaxpr>()
  private readonly writing: ClosedJaxpr[] = []
  readonly rules: RuleFrame[] = []

  current(): ClosedJaxpr | undefined { return this.writing[this.writing.length - 1] }

  private varId(v: Var): number {
    let i = this.varIds.get(v)
    if (i === undefined) {
      i = this.vars.length
      this.varIds.set(v, i)
      this.vars.push(avalToJson(v.aval))
    }
    return i
  }
  private atom(a: Atom): AtomJson { return a instanceof Literal ? literalToJson(a) : this.varId(a) }

  ref(c: ClosedJaxpr): number {
    const done = this.refs.get(c)
    if (done !== undefined) return done
    if (!(c instanceof ClosedJaxpr)) throw new InvalidArgumentError("ir.encode", "expected a ClosedJaxpr (from makeJaxpr).")
    if (this.inProgress.has(c)) throw new InvalidArgumentError("ir.encode", "a jaxpr contains itself; it cannot be written.")
    this.inProgress.add(c)
    this.writing.push(c)
    const j = c.jaxpr
    const consts = c.consts.map((x, i) => constToJson(x, `constant ${i} of a jaxpr`))
    const constvars = j.constvars.map((v) => this.varId(v))
    const invars = j.invars.map((v) => this.varId(v))
    const eqns: EqnJson[] = []
    for (const e of j.eqns) {
      const name = e.prim.name, s = primSchema(name)
      if (!s) throw new InvalidArgumentError("ir.encode", `primitive '${name}' has no JSON form yet; add an entry for it to src/ir/schema.ts.`)
      if (s.unserializable) throw new InvalidArgumentError("ir.encode", `cannot write '${name}': ${s.unserializable}.`)
      const keys = Object.keys(e.params)
      const known = Object.keys(s.params)
      const extra = keys.filter((k) => !Object.hasOwn(s.params, k)), missing = known.filter((k) => !Object.hasOwn(e.params, k))
      if (extra.length || missing.length)
        throw new InvalidArgumentError("ir.encode", `'${name}' has params (${keys.join(", ")}) but its JSON form has (${known.join(", ")}); update src/ir/schema.ts.`)
      const ins = e.inputs.map((a) => this.atom(a))
      const info = { params: e.params, inAvals: e.inputs.map((a) => a.aval) }
      const params: Record<string, unknown> = {}
      for (const k of keys) {
        try {
          params[k] = s.params[k]!.encode(e.params[k], this, info)
        } catch (err) {
          if (err instanceof Invalid) throw new InvalidArgumentError("ir.encode", `'${name}' param ${k}: ${err.message}.`)
          throw err
        }
      }
      const eqn: EqnJson = { prim: name, in: ins, out: e.outputs.map((v) => this.varId(v)) }
      const out = keys.length ? { ...eqn, params } : eqn
      eqns.push(e.effects.length ? { ...out, effects: [...e.effects] } : out)
    }
    const outvars = j.outvars.map((a) => this.atom(a))
    this.jaxprs.push({ consts, constvars, invars, eqns, outvars })
    this.inProgress.delete(c)
    this.writing.pop()
    const idx = this.jaxprs.length - 1
    this.refs.set(c, idx)
    return idx
  }
}

/**
 * A closed jaxpr as a JSON value (plain objects, arrays, numbers, strings and booleans; pass it
 * to `JSON.stringify` as is). `ir.decode` reads it back: `ir.decode(ir.encode(j))` prints and
 * runs as `j` does.
 * @example
 * ```ts
 * import { ir, makeJaxpr, np } from "wengert"
 * const j = makeJaxpr((x) => np.sin(x))(np.zeros([3]))
 * const json = ir.encode(j)
 * json.version // => 1
 * json.jaxprs[0].eqns[0].prim // => "sin"
 * ```
 * @throws {@link index!InvalidArgumentError} when the jaxpr holds what JSON cannot (a traced
 * constant, a debug.callback function) or a primitive without a JSON form.
 * @category ir
 * @since 0.1.0
 */
export function encode(closed: ClosedJaxpr): IrJson {
  if (!(closed instanceof ClosedJaxpr)) throw new InvalidArgumentError("ir.encode", "expected a ClosedJaxpr (what makeJaxpr returns).")
  const enc = new Encoder()
  enc.ref(closed)
  return { version: VERSION, vars: enc.vars, jaxprs: enc.jaxprs }
}

/** `encode` returning effect's `Result` instead of throwing the library's errors. */
encode.safe = (closed: ClosedJaxpr) => attempt(() => encode(closed))
