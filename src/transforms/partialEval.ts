// Partial evaluation of a jaxpr: given which inputs are unknown, split it into a known
// jaxpr (known inputs -> known outputs + residuals) and an unknown one (residuals + unknown
// inputs -> unknown outputs). Higher-order primitives use it on JVP'd bodies to separate
// the primal loop from the linear tangent loop. One forward sweep, no recursion.

import { ClosedJaxpr, type Eqn, Jaxpr, Literal, Var } from "../core/ir.js"

export interface PartialEval {
  /** [...known inputs] -> [...known outputs, ...residuals] */
  readonly known: ClosedJaxpr
  /** [...residuals, ...unknown inputs] -> [...unknown outputs] */
  readonly unknown: ClosedJaxpr
  readonly outUnknown: boolean[]
  readonly numResiduals: number
}

/**
 * Splits `closed` (no consts: hoist them into inputs first). `instantiate[i]` forces output
 * i into the unknown jaxpr even when it is known (it then passes through as a residual).
 */
export function partialEvalJaxpr(closed: ClosedJaxpr, unknownIns: readonly boolean[], instantiate: readonly boolean[]): PartialEval {
  const j = closed.jaxpr
  if (j.constvars.length) throw new Error("internal: partialEvalJaxpr expects a jaxpr without consts")
  const unknown = new Set<Var>()
  j.invars.forEach((v, i) => { if (unknownIns[i]) unknown.add(v) })
  const knownEqns: Eqn[] = [], unknownEqns: Eqn[] = []
  const residuals: Var[] = []
  const isResidual = new Set<Var>()
  const addResidual = (v: Var) => { if (!isResidual.has(v)) { isResidual.add(v); residuals.push(v) } }
  for (const e of j.eqns) {
    if (e.inputs.some((a) => a instanceof Var && unknown.has(a))) {
      unknownEqns.push(e)
      for (const o of e.outputs) unknown.add(o)
      for (const a of e.inputs) if (a instanceof Var && !unknown.has(a)) addResidual(a)
    } else knownEqns.push(e)
  }
  const outUnknown = j.outvars.map((o, i) => (o instanceof Var && unknown.has(o)) || !!instantiate[i])
  const unknownOuts = j.outvars.filter((_, i) => outUnknown[i])
  for (const o of unknownOuts) if (o instanceof Var && !unknown.has(o)) addResidual(o)
  const knownOuts = j.outvars.filter((_, i) => !outUnknown[i])
  const knownIns = j.invars.filter((_, i) => !unknownIns[i])
  const unknownInvars = j.invars.filter((_, i) => unknownIns[i])
  // residuals enter the unknown jaxpr as fresh variables of the same type
  const fresh = new Map<Var, Var>(residuals.map((r) => [r, new Var(r.aval)]))
  const rename = (a: Var | Literal) => (a instanceof Var ? fresh.get(a) ?? a : a)
  const renamed = unknownEqns.map((e) => e.inputs.some((a) => a instanceof Var && fresh.has(a))
    ? new (e.constructor as typeof Eqn)(e.prim, e.inputs.map(rename), e.outputs, e.params, e.effects) : e)
  return {
    known: new ClosedJaxpr(new Jaxpr([], knownIns, [...knownOuts, ...residuals], knownEqns), []),
    unknown: new ClosedJaxpr(new Jaxpr([], [...residuals.map((r) => fresh.get(r)!), ...unknownInvars], unknownOuts.map(rename), renamed), []),
    outUnknown,
    numResiduals: residuals.length,
  }
}

/** A closed jaxpr's consts turned into leading invars (so bodies are closed over nothing). */
export function hoistConsts(c: ClosedJaxpr): [ClosedJaxpr, readonly unknown[]] {
  const j = c.jaxpr
  if (j.constvars.length === 0) return [c, []]
  return [new ClosedJaxpr(new Jaxpr([], [...j.constvars, ...j.invars], j.outvars, j.eqns), []), c.consts]
}
