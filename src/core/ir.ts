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

/** A jaxpr with values for its constvars: a complete, runnable program. */
export class ClosedJaxpr {
  constructor(readonly jaxpr: Jaxpr, readonly consts: readonly Array[]) {}
  get inAvals(): ShapedArray[] { return this.jaxpr.invars.map((v) => v.aval) }
  get outAvals(): ShapedArray[] { return this.jaxpr.outvars.map((v) => v.aval) }
  get effects(): EffectSet { return this.jaxpr.effects }
  toString(): string { return printJaxpr(this.jaxpr) }
}
