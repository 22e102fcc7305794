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

/** What the first pass found. A scheduler (state.ts) takes over the per-var arrays and extends them. */
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

/**
 * `count` entries (filled with `x`, or holes to be filled) in an array with room for a quarter
 * more. The per-var arrays (shapes, sizes, dtypes, uses, isOut) are made so: the scheduler takes
 * them over and appends the vars it adds (state.ts), so a long program's arrays are neither
 * copied nor regrown.
 */
function roomFor<T>(count: number, x?: T): T[] {
  const out = new Array<T>(count + (count >> 2) + 64)
  if (x !== undefined) out.fill(x, 0, count)
  out.length = count // a shorter length keeps the backing store when more than half stays in use
  return out
}

const malformed = () => new InvalidArgumentError("jit", "the jaxpr has a variable with a malformed shape or dtype; it cannot be compiled.")

function sizeOfAval(a: ShapedArray | undefined): number {
  if (a === undefined || !isDtype(a.dtype) || !Array.isArray(a.shape)) throw malformed()
  let n = 1
  const s = a.shape
  for (let i = 0; i < s.length; i++) {
    const d = s[i]
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
  /** `lo`..`hi`: the range of the ids of the `count` vars to be numbered. */
  constructor(lo: number, hi: number, count: number) {
    if (count > 0 && hi - lo < 8 * count + 1024) { this.table = new Int32Array(hi - lo + 1).fill(-1); this.base = lo }
  }
  get(v: Var): number {
    const t = this.table
    if (t) { const k = v.id - this.base; return k >= 0 && k < t.length ? t[k]! : -1 }
    return this.map.get(v.id) ?? -1
  }
  set(v: Var, i: number): void {
    const t = this.table
    if (t) {
      const k = v.id - this.base
      if (k >= 0 && k < t.length) { t[k] = i; return }
      // an id outside the table: move what it holds into the map, then keep to the map
      for (let j = 0; j < t.length; j++) if (t[j]! >= 0) this.map.set(j + this.base, t[j]!)
      this.table = null
    }
    this.map.set(v.id, i)
  }
}

export function analyze(closed: ClosedJaxpr): Analysis {
  const { jaxpr } = closed
  if (closed.consts.length !== jaxpr.constvars.length)
    throw new InvalidArgumentError("jit", "the jaxpr's constants do not match its constvars.")
  // indexed loops into arrays sized up front: growing arrays of 10^5 entries push by push
  // (and a closure per lookup) cost more than the rest of this pass
  const jeqns = jaxpr.eqns, ne = jeqns.length, cvs = jaxpr.constvars, ivs = jaxpr.invars
  let count = cvs.length + ivs.length, lo = Infinity, hi = -Infinity
  const see = (vs: readonly Var[]): void => {
    for (let i = 0; i < vs.length; i++) { const v = vs[i]!; if (!(v instanceof Object)) continue; if (v.id < lo) lo = v.id; if (v.id > hi) hi = v.id }
  }
  see(cvs); see(ivs)
  for (let k = 0; k < ne; k++) { const outs = jeqns[k]!.outputs; count += outs.length; see(outs) }
  const ids = new VarIds(lo, hi, count)
  const shapes = roomFor<readonly number[]>(count), sizes = roomFor<number>(count), dts = roomFor<DType>(count), vars = new Array<Var>(count)
  let n = 0
  const number = (vs: readonly Var[]): void => {
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i]!
      if (!(v instanceof Object) || ids.get(v) >= 0) throw new InvalidArgumentError("jit", "the jaxpr binds a variable twice.")
      ids.set(v, n)
      const a = v.aval
      sizes[n] = sizeOfAval(a); shapes[n] = a.shape; dts[n] = a.dtype; vars[n] = v
      n++
    }
  }
  number(cvs); number(ivs)
  for (let k = 0; k < ne; k++) number(jeqns[k]!.outputs)
  const id = (v: Var): number => {
    const i = ids.get(v)
    if (i < 0 || vars[i] !== v) throw new InvalidArgumentError("jit", "the jaxpr reads a variable it never defines.")
    return i
  }
  for (const a of jaxpr.outvars) if (a instanceof Literal) sizeOfAval(a.aval)

  // dead code elimination, backwards: an equation lives if it has effects or a live output
  const live = new Uint8Array(count)
  for (const a of jaxpr.outvars) if (!(a instanceof Literal)) live[id(a)] = 1
  const keep = new Uint8Array(ne)
  let nKept = 0
  for (let k = ne - 1; k >= 0; k--) {
    const e = jeqns[k]!, outs = e.outputs, ins = e.inputs
    let on = e.effects.length > 0
    for (let j = 0; j < outs.length; j++) if (live[id(outs[j]!)]) on = true
    if (!on) continue
    keep[k] = 1; nKept++
    for (let j = 0; j < ins.length; j++) { const a = ins[j]!; if (!(a instanceof Literal)) live[id(a)] = 1 }
  }
  const eqns = new Array<Eqn>(nKept)
  const uses = roomFor(count, 0), isOut = roomFor(count, false)
  for (let k = 0, m = 0; k < ne; k++) {
    if (!keep[k]) continue
    const e = jeqns[k]!, ins = e.inputs
    for (let j = 0; j < ins.length; j++) { const a = ins[j]!; if (!(a instanceof Literal)) uses[id(a)]!++ }
    eqns[m++] = e
  }
  for (const a of jaxpr.outvars) {
    if (a instanceof Literal) continue
    const i = id(a)
    uses[i]!++
    isOut[i] = true
  }
  return { eqns, id, shapes, sizes, dtypes: dts, uses, isOut }
}
