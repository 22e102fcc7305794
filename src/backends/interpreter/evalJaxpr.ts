// The reference interpreter: walks the equations in order and binds each primitive, so the
// same walk runs kernels at level 0 and re-emits equations into any enclosing transform.

import type { Array } from "../../core/array.js"
import { type Atom, type ClosedJaxpr, type Jaxpr, Literal, type Var } from "../../core/ir.js"
import { bind } from "../../core/trace.js"
import { InvalidArgumentError } from "../../core/errors.js"

/** Runs a jaxpr on flat arguments; returns the flat outputs. */
export function evalJaxprFlat(jaxpr: Jaxpr, consts: readonly Array[], args: readonly Array[]): Array[] {
  if (args.length !== jaxpr.invars.length)
    throw new InvalidArgumentError("evalJaxpr", `the jaxpr takes ${jaxpr.invars.length} arguments but ${args.length} were given.`)
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
