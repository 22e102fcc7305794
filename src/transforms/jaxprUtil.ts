// Small rewrites of const-free closed jaxprs that control-flow rules need: reordering
// inputs and outputs, and selecting outputs.

import { ClosedJaxpr, Jaxpr } from "../core/ir.js"

/** A jaxpr whose i-th input is the old input `order[i]`. */
export function permuteInvars(c: ClosedJaxpr, order: readonly number[]): ClosedJaxpr {
  const j = c.jaxpr
  return new ClosedJaxpr(new Jaxpr(j.constvars, order.map((i) => j.invars[i]!), j.outvars, j.eqns), c.consts)
}

/** A jaxpr whose outputs are the old outputs `keep` (in that order). */
export function selectOutvars(c: ClosedJaxpr, keep: readonly number[]): ClosedJaxpr {
  const j = c.jaxpr
  return new ClosedJaxpr(new Jaxpr(j.constvars, j.invars, keep.map((i) => j.outvars[i]!), j.eqns), c.consts)
}

export const range = (a: number, b?: number): number[] => {
  const [lo, hi] = b === undefined ? [0, a] : [a, b]
  return globalThis.Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i)
}
