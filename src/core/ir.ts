// The typed IR (a Wengert list): variables, literals, equations, jaxprs and closed jaxprs.
// Equations hold their primitive record, so the interpreter never looks a name up.

import type { ShapedArray } from "./aval.js"
import type { Array, NdArray } from "./array.js"
import type { Primitive } from "./primitive.js"
import { printJaxpr } from "./print.js"

let nextVarId = 0

/** A typed variable of a jaxpr, bound once. */
export class Var {
  readonly id = nextVarId++
  constructor(readonly aval: ShapedArray) {}
}

/** A constant scalar written inline in a jaxpr. */
export class Literal {
  constructor(readonly value: NdArray) {}
  get aval(): ShapedArray { return this.value.aval }
}

export type Atom = Var | Literal

/** An ordered effect such as "debug"; pure equations have none. */
export type EffectSet = readonly string[]
export const pure: EffectSet = []

/** One primitive application: `outputs = prim[params](inputs)`. */
export class Eqn {
  constructor(
    readonly prim: Primitive,
    readonly inputs: readonly Atom[],
    readonly outputs: readonly Var[],
    readonly params: Record<string, unknown>,
    readonly effects: EffectSet = pure,
  ) {}
}

/** A program: constvars and invars in, equations in order, outvars out. */
export class Jaxpr {
  constructor(
    readonly constvars: readonly Var[],
    readonly invars: readonly Var[],
    readonly outvars: readonly Atom[],
    readonly eqns: readonly Eqn[],
  ) {}
  get effects(): EffectSet {
    const s = new Set<string>()
    for (const e of this.eqns) for (const f of e.effects) s.add(f)
    return [...s]
  }
  toString(): string { return printJaxpr(this) }
}

/**
 * Per-variable values of one jaxpr (an environment), found through a typed array indexed by
 * the vars' global ids: the vars of a traced jaxpr are numbered nearly densely, so this
 * replaces a Map keyed by objects on walks over 10^5 equations. Ids outside the jaxpr's range
 * (or a range too sparse to tabulate) fall back to a Map. Values are never `undefined`.
 */
export class VarMap<T> {
  private readonly base: number
  /** id - base -> 1 + position in `values`, 0 when unset; zero-filled natively, so a large range costs nothing per slot. */
  private readonly slots: Int32Array
  /** Sized up front (one entry per var of the jaxpr): growing it push by push cost more than the lookups. */
  private readonly values: (T | undefined)[]
  private count = 0
  private overflow: Map<Var, T> | null = null
  /** An empty map over `jaxpr`'s variables, or over the same range as `other`. */
  constructor(jaxpr: Jaxpr | VarMap<unknown>) {
    if (jaxpr instanceof VarMap) {
      this.base = jaxpr.base; this.slots = new Int32Array(jaxpr.slots.length); this.values = new globalThis.Array(jaxpr.values.length)
      return
    }
    const r = idRange(jaxpr)
    this.base = r.base
    this.slots = new Int32Array(r.length)
    this.values = new globalThis.Array(r.length > 0 ? r.count : 0)
  }
  get(v: Var): T | undefined {
    const k = v.id - this.base
    if (k >= 0 && k < this.slots.length) { const s = this.slots[k]!; return s === 0 ? undefined : this.values[s - 1] }
    return this.overflow?.get(v)
  }
  has(v: Var): boolean { return this.get(v) !== undefined }
  set(v: Var, x: T): void {
    const k = v.id - this.base
    if (k >= 0 && k < this.slots.length) {
      const s = this.slots[k]!
      if (s === 0) { const i = this.count++; this.values[i] = x; this.slots[k] = i + 1 } else this.values[s - 1] = x
    } else (this.overflow ??= new Map()).set(v, x)
  }
  delete(v: Var): void {
    const k = v.id - this.base
    if (k >= 0 && k < this.slots.length) { const s = this.slots[k]!; if (s !== 0) this.values[s - 1] = undefined }
    else this.overflow?.delete(v)
  }
}

/** The range of ids of a jaxpr's vars to tabulate (length 0 when none or too sparse) and how many vars it has. */
function idRange(jaxpr: Jaxpr): { base: number; length: number; count: number } {
  // one flat loop over every var list, integer bounds: a closure over `lo`/`hi` (once
  // Infinity) deoptimized ~600 times per call on a 10^5-equation jaxpr
  let lo = 0x7fffffff, hi = -1, count = 0
  const eqns = jaxpr.eqns, nLists = eqns.length + 2
  for (let k = 0; k < nLists; k++) {
    const vs = k === 0 ? jaxpr.constvars : k === 1 ? jaxpr.invars : eqns[k - 2]!.outputs
    for (let i = 0; i < vs.length; i++) { const id = vs[i]!.id; if (id < lo) lo = id; if (id > hi) hi = id }
    count += vs.length
  }
  const dense = count > 0 && hi - lo < 8 * count + 1024
  return { base: dense ? lo : 0, length: dense ? hi - lo + 1 : 0, count }
}

/** A set of variables of one jaxpr, by the same id table as VarMap: one byte per id in range, a Set beyond it. */
export class VarSet {
  private readonly base: number
  private readonly marks: Uint8Array
  private overflow: Set<Var> | null = null
  /** An empty set over `jaxpr`'s variables. */
  constructor(jaxpr: Jaxpr) {
    const r = idRange(jaxpr)
    this.base = r.base
    this.marks = new Uint8Array(r.length)
  }
  has(v: Var): boolean {
    const k = v.id - this.base
    return k >= 0 && k < this.marks.length ? this.marks[k] === 1 : this.overflow !== null && this.overflow.has(v)
  }
  add(v: Var): void {
    const k = v.id - this.base
    if (k >= 0 && k < this.marks.length) this.marks[k] = 1
    else (this.overflow ??= new Set()).add(v)
  }
}

/** A jaxpr with values for its constvars: a complete, runnable program. */
export class ClosedJaxpr {
  constructor(readonly jaxpr: Jaxpr, readonly consts: readonly Array[]) {}
  get inAvals(): ShapedArray[] { return this.jaxpr.invars.map((v) => v.aval) }
  get outAvals(): ShapedArray[] { return this.jaxpr.outvars.map((v) => v.aval) }
  get effects(): EffectSet { return this.jaxpr.effects }
  toString(): string { return printJaxpr(this.jaxpr) }
}
