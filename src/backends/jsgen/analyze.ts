// The first pass of the code generator: validates a closed jaxpr (shapes, dtypes), numbers
// its variables compactly, drops dead pure equations and counts every variable's uses.
// Linear in the program's size and iterative, so 10^5 equations are routine. (Hot loops
// avoid creating closures: under tsx every named closure costs a defineProperty.)

import type { ClosedJaxpr, Eqn, Var } from "../../core/ir.js"
import { Literal } from "../../core/ir.js"
import type { ShapedArray } from "../../core/aval.js"
import type { DType } from "../../core/dtype.js"
import { InvalidArgumentError } from "../../core/errors.js"
import { isDtype } from "./text.js"

export interface Analysis {
  /** Live equations in program order. */
  readonly eqns: Eqn[]
  /** Compact id of a variable of the program. */
  readonly id: (v: Var) => number
  readonly shapes: (readonly number[])[]
  readonly sizes: number[]
  readonly dtypes: DType[]
  /** Uses by live equations plus appearances among the outputs. */
  readonly uses: number[]
  readonly isOut: boolean[]
}

const malformed = () => new InvalidArgumentError("jit", "the jaxpr has a variable with a malformed shape or dtype; it cannot be compiled.")

function sizeOfAval(a: ShapedArray | undefined): number {
  if (a === undefined || !isDtype(a.dtype) || !Array.isArray(a.shape)) throw malformed()
  let n = 1
  for (const d of a.shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) throw malformed()
    n *= d
  }
  if (n > 2 ** 31) throw new InvalidArgumentError("jit", `an array of ${n} elements is too large to compile.`)
  return n
}

/** Var -> compact id, by the vars' global counters (a typed array when they are dense). */
class VarIds {
  private readonly map = new Map<number, number>()
  private table: Int32Array | null = null
  private base = 0
  constructor(vars: readonly Var[]) {
    let lo = Infinity, hi = -Infinity
    for (const v of vars) { if (v.id < lo) lo = v.id; if (v.id > hi) hi = v.id }
    if (vars.length > 0 && hi - lo < 8 * vars.length + 1024) { this.table = new Int32Array(hi - lo + 1).fill(-1); this.base = lo }
  }
  get(v: Var): number {
    const t = this.table
    if (t) { const k = v.id - this.base; return k >= 0 && k < t.length ? t[k]! : -1 }
    return this.map.get(v.id) ?? -1
  }
  set(v: Var, i: number): void {
    const t = this.table
    if (t) { const k = v.id - this.base; if (k >= 0 && k < t.length) { t[k] = i; return } }
    this.table = null
    this.map.set(v.id, i)
  }
}

export function analyze(closed: ClosedJaxpr): Analysis {
  const { jaxpr } = closed
  if (closed.consts.length !== jaxpr.constvars.length)
    throw new InvalidArgumentError("jit", "the jaxpr's constants do not match its constvars.")
  const all: Var[] = [...jaxpr.constvars, ...jaxpr.invars]
  for (const e of jaxpr.eqns) for (const o of e.outputs) all.push(o)
  const ids = new VarIds(all)
  const shapes: (readonly number[])[] = [], sizes: number[] = [], dts: DType[] = [], vars: Var[] = []
  for (const v of all) {
    if (!(v instanceof Object) || ids.get(v) >= 0) throw new InvalidArgumentError("jit", "the jaxpr binds a variable twice.")
    ids.set(v, shapes.length)
    sizes.push(sizeOfAval(v.aval))
    shapes.push(v.aval.shape); dts.push(v.aval.dtype); vars.push(v)
  }
  const id = (v: Var): number => {
    const i = ids.get(v)
    if (i < 0 || vars[i] !== v) throw new InvalidArgumentError("jit", "the jaxpr reads a variable it never defines.")
    return i
  }
  for (const a of jaxpr.outvars) if (a instanceof Literal) sizeOfAval(a.aval)

  // dead code elimination, backwards: an equation lives if it has effects or a live output
  const live = new Uint8Array(shapes.length)
  for (const a of jaxpr.outvars) if (!(a instanceof Literal)) live[id(a)] = 1
  const keep = new Uint8Array(jaxpr.eqns.length)
  for (let k = jaxpr.eqns.length - 1; k >= 0; k--) {
    const e = jaxpr.eqns[k]!
    let on = e.effects.length > 0
    for (const o of e.outputs) if (live[id(o)]) on = true
    if (!on) continue
    keep[k] = 1
    for (const a of e.inputs) if (!(a instanceof Literal)) live[id(a)] = 1
  }
  const eqns: Eqn[] = []
  const uses: number[] = new Array(shapes.length).fill(0), isOut: boolean[] = new Array(shapes.length).fill(false)
  for (let k = 0; k < jaxpr.eqns.length; k++) {
    if (!keep[k]) continue
    const e = jaxpr.eqns[k]!
    for (const a of e.inputs) if (!(a instanceof Literal)) uses[id(a)]!++
    eqns.push(e)
  }
  for (const a of jaxpr.outvars) {
    if (a instanceof Literal) continue
    const i = id(a)
    uses[i]!++
    isOut[i] = true
  }
  return { eqns, id, shapes, sizes, dtypes: dts, uses, isOut }
}
