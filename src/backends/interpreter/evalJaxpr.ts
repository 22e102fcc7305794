// The reference interpreter: walks the equations in order and binds each primitive, so the
// same walk runs kernels at level 0 and re-emits equations into any enclosing transform.
// While `ir.memoryReport` measures, a second walk drops each value after its last use and
// tells the meter which buffers are held (see src/ir/measureMeter.ts).

import { type Array, NdArray } from "../../core/array.js"
import type { TypedArray } from "../../core/dtype.js"
import { type Atom, type ClosedJaxpr, type Jaxpr, Literal, Var } from "../../core/ir.js"
import { bind } from "../../core/trace.js"
import { InvalidArgumentError } from "../../core/errors.js"
import { type Meter, meter } from "../../ir/measureMeter.js"

/** Runs a jaxpr on flat arguments; returns the flat outputs. */
export function evalJaxprFlat(jaxpr: Jaxpr, consts: readonly Array[], args: readonly Array[]): Array[] {
  if (args.length !== jaxpr.invars.length)
    throw new InvalidArgumentError("evalJaxpr", `the jaxpr takes ${jaxpr.invars.length} arguments but ${args.length} were given.`)
  if (meter !== undefined && !meter.compiled) return evalMetered(meter, jaxpr, consts, args)
  const env = new Map<Var, Array>()
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!))
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]!))
  const read = (a: Atom): Array => (a instanceof Literal ? a.value : env.get(a)!)
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.prim, eqn.inputs.map(read), eqn.params)
    for (let i = 0; i < outs.length; i++) env.set(eqn.outputs[i]!, outs[i]!)
  }
  return jaxpr.outvars.map(read)
}

export const evalClosed = (closed: ClosedJaxpr, args: readonly Array[]): Array[] =>
  evalJaxprFlat(closed.jaxpr, closed.consts, args)

// --- the measured walk

const lastUses = new WeakMap<Jaxpr, Map<Var, number>>()
/** The last equation reading each var (outputs: the end). */
function lastUseOf(jaxpr: Jaxpr): Map<Var, number> {
  let last = lastUses.get(jaxpr)
  if (last) return last
  last = new Map()
  const end = jaxpr.eqns.length
  jaxpr.eqns.forEach((e, i) => { for (const a of e.inputs) if (a instanceof Var) last!.set(a, i) })
  for (const o of jaxpr.outvars) if (o instanceof Var) last.set(o, end)
  lastUses.set(jaxpr, last)
  return last
}

const dataOf = (x: Array | undefined): TypedArray | undefined => (x instanceof NdArray ? x.data : undefined)

/**
 * The interpreter's walk under a meter. The outermost frame's inputs and constants count
 * while they are still read (as the static report counts them); a nested frame (a body run
 * by scan, while, cond, remat, …) hands its arguments and results back to the primitive
 * that ran it. (The interpreter's scan charges its stacked outputs itself, from before its
 * first step.)
 */
function evalMetered(m: Meter, jaxpr: Jaxpr, consts: readonly Array[], args: readonly Array[]): Array[] {
  const depth = ++m.depth, top = depth === 1, last = lastUseOf(jaxpr)
  const env = new Map<Var, Array>()
  const hold = (v: Var, x: Array, fresh: boolean) => { env.set(v, x); const d = dataOf(x); if (d) m.ref(d, fresh) }
  const drop = (v: Var, handBack: boolean) => {
    const d = dataOf(env.get(v))
    env.delete(v)
    if (d) m.unref(d, handBack ? depth : 0)
  }
  const read = (a: Atom): Array => (a instanceof Literal ? a.value : env.get(a)!)
  try {
    jaxpr.constvars.forEach((v, i) => {
      const c = consts[i]!, d = dataOf(c)
      if (top) hold(v, c, false)
      else { env.set(v, c); if (d) m.ignore(d) }
    })
    // a nested frame's arguments may be new arrays its primitive made (a row, a scalar)
    jaxpr.invars.forEach((v, i) => hold(v, args[i]!, !top))
    if (!top) m.flush(depth)
    for (const v of [...jaxpr.constvars, ...jaxpr.invars]) if (!last.has(v) && env.has(v)) drop(v, !top)
    const invars = new Set(jaxpr.invars)
    jaxpr.eqns.forEach((eqn, i) => {
      const outs = bind(eqn.prim, eqn.inputs.map(read), eqn.params)
      eqn.outputs.forEach((o, k) => { hold(o, outs[k]!, true); if (!last.has(o)) drop(o, false) })
      m.flush(depth + 1)
      for (const a of eqn.inputs) if (a instanceof Var && last.get(a) === i && env.has(a)) drop(a, !top && invars.has(a))
    })
    const outs = jaxpr.outvars.map(read)
    if (!top) for (const o of jaxpr.outvars) if (o instanceof Var && env.has(o)) drop(o, true)
    return outs
  } finally {
    m.depth--
  }
}
