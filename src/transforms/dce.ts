// Dead-code elimination: one reverse sweep keeps the equations whose outputs are used (or
// that carry effects, which must run). Linear in the number of equations, no recursion.

import { ClosedJaxpr, Jaxpr, Var } from "../core/ir.js"

export function dce(jaxpr: Jaxpr): Jaxpr {
  const used = new Set<Var>()
  for (const o of jaxpr.outvars) if (o instanceof Var) used.add(o)
  const kept = []
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!
    if (e.effects.length === 0 && !e.outputs.some((o) => used.has(o))) continue
    kept.push(e)
    for (const a of e.inputs) if (a instanceof Var) used.add(a)
  }
  kept.reverse()
  return kept.length === jaxpr.eqns.length ? jaxpr : new Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept)
}

export const dceClosed = (c: ClosedJaxpr): ClosedJaxpr => {
  const j = dce(c.jaxpr)
  return j === c.jaxpr ? c : new ClosedJaxpr(j, c.consts)
}
