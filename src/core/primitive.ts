// The shape of every primitive record and the registry that enumerates them. All the system
// knows about a primitive sits in one object (DESIGN.md §2), registered when its file loads.

import type { ShapedArray } from "./aval.js"
import type { Array, NdArray } from "./array.js"
import type { EffectSet } from "./ir.js"

/** A tangent or cotangent known to be zero, never materialized. */
export class Zero {
  readonly kind = "Zero" as const
  constructor(readonly aval: ShapedArray) {}
}
export type Tangent = Array | Zero
export const isZero = (t: unknown): t is Zero => t instanceof Zero

/** The unknown primal a transpose rule solves for (the linear input of an equation). */
export class UndefinedPrimal {
  readonly kind = "UndefinedPrimal" as const
  constructor(readonly aval: ShapedArray) {}
}
export const isUndefined = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal

export type Params = Record<string, unknown>
export type JvpRule<P> = (primals: readonly Array[], tangents: readonly Tangent[], params: P) => [Array[], Tangent[]]
/** Given output cotangents and the inputs (linear ones undefined), the input cotangents (null for known inputs). */
export type TransposeRule<P> = (cts: readonly Tangent[], args: readonly (Array | UndefinedPrimal)[], params: P) => (Tangent | null)[]
/** Batched inputs with their batch dims (null = not batched) -> outputs with their batch dims. */
export type BatchRule<P> = (args: readonly Array[], bdims: readonly (number | null)[], params: P, axisSize: number) => [Array[], (number | null)[]]

/**
 * Dead-code elimination of a primitive holding sub-jaxprs: given which outputs are used, the
 * inputs and outputs to keep (outputs a superset of the used ones) and params with pruned bodies.
 */
export type DceRule<P> = (used: readonly boolean[], params: P) => { params: P; keepIn: readonly boolean[]; keepOut: readonly boolean[] }

/** Marks a primitive whose outputs carry zero tangents (comparisons, argmax, floor, integer ops). */
export const zeroDerivative = { kind: "zeroDerivative" } as const
export type ZeroDerivative = typeof zeroDerivative

export interface LawHints {
  /** Where the laws sample inputs: all reals, positives, (-1, 1), or away from kinks. */
  readonly domain?: "real" | "positive" | "unit" | "nonzero" | "spd"
  /** Input dtypes the laws should use (default float64). */
  readonly dtypes?: readonly string[]
  /** Skip finite-difference checks (discontinuous primitives). */
  readonly noFiniteDifferences?: boolean
}

export interface Primitive<P = any> {
  readonly name: string
  readonly abstractEval: (avals: readonly ShapedArray[], params: P) => ShapedArray[]
  readonly impl: (args: readonly NdArray[], params: P) => NdArray[]
  readonly jvp: JvpRule<P> | ZeroDerivative
  readonly transpose?: TransposeRule<P>
  readonly batch: BatchRule<P>
  readonly dce?: DceRule<P>
  readonly effects?: EffectSet
  readonly laws?: LawHints
}

const registry = new Map<string, Primitive>()

/** Declares and registers a primitive record. */
export function primitive<P = Record<string, never>>(def: Primitive<P>): Primitive<P> {
  if (registry.has(def.name)) throw new Error(`primitive ${def.name} registered twice`)
  // every record gets these fields in this order (absent ones undefined), so all records share
  // one object layout: the passes read prim.abstractEval, jvp, transpose, dce and effects once
  // per equation, and one layout keeps those reads monomorphic (a record literal's own field
  // order and optional fields gave dozens of layouts, and megamorphic reads)
  const rec: Primitive<P> = Object.assign({
    name: def.name, abstractEval: def.abstractEval, impl: def.impl, jvp: def.jvp, transpose: def.transpose,
    batch: def.batch, dce: def.dce, effects: def.effects, laws: def.laws,
  }, def)
  registry.set(rec.name, rec as Primitive)
  return rec
}

export const primitives = (): Primitive[] => [...registry.values()]
export const lookupPrimitive = (name: string): Primitive | undefined => registry.get(name)
