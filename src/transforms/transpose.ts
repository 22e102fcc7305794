// transpose : (T a -o T b) -> (T* b -o T* a)
// The backward pass over a linear jaxpr: equations in reverse, each primitive's transpose
// rule maps output cotangents to input cotangents, and cotangents of a variable used twice
// add up (the adjoint sum rule). Zero cotangents stay symbolic; equations that do not
// depend on the linear inputs are evaluated forward first.

import type { Array } from "../core/array.js"
import { NonDifferentiableError } from "../core/errors.js"
import { type Atom, type Jaxpr, Literal, Var } from "../core/ir.js"
import { type Tangent, UndefinedPrimal, Zero, isZero } from "../core/primitive.js"
import { bind } from "../core/trace.js"
import { add } from "../prims/elementwise.js"

/** Cotangents of `jaxpr`'s invars given cotangents of its outvars (consts are known). */
export function backwardPass(jaxpr: Jaxpr, consts: readonly Array[], cts: readonly Tangent[]): Tangent[] {
  return backwardPassArgs(jaxpr, consts, jaxpr.invars.map((v) => new UndefinedPrimal(v.aval)), cts)
}

/** As backwardPass, with some invars known (`args[i]` an array) and the rest linear (UndefinedPrimal). */
export function backwardPassArgs(jaxpr: Jaxpr, consts: readonly Array[], args: readonly (Array | UndefinedPrimal)[], cts: readonly Tangent[]): Tangent[] {
  const known = new Map<Var, Array>()
  jaxpr.constvars.forEach((v, i) => known.set(v, consts[i]!))
  const linear = new Set<Var>()
  jaxpr.invars.forEach((v, i) => { const a = args[i]!; if (a instanceof UndefinedPrimal) linear.add(v); else known.set(v, a) })
  const isLinear = (a: Atom) => a instanceof Var && linear.has(a)
  const read = (a: Atom): Array => (a instanceof Literal ? a.value : known.get(a)!)

  // forward: evaluate the non-linear part (equations of constants only)
  const linearEqns = []
  for (const eqn of jaxpr.eqns) {
    if (eqn.inputs.some(isLinear)) { for (const o of eqn.outputs) linear.add(o); linearEqns.push(eqn); continue }
    const outs = bind(eqn.prim, eqn.inputs.map(read), eqn.params)
    eqn.outputs.forEach((o, i) => known.set(o, outs[i]!))
  }

  const ctEnv = new Map<Var, Array>()
  const accumulate = (v: Atom, ct: Tangent | null) => {
    if (!(v instanceof Var) || !linear.has(v) || ct === null || isZero(ct)) return
    const prev = ctEnv.get(v)
    ctEnv.set(v, prev ? add(prev, ct) : ct)
  }
  jaxpr.outvars.forEach((v, i) => accumulate(v, cts[i]!))

  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const eqn = linearEqns[k]!
    const outCts: Tangent[] = eqn.outputs.map((o) => ctEnv.get(o) ?? new Zero(o.aval))
    for (const o of eqn.outputs) ctEnv.delete(o)
    if (outCts.every(isZero)) continue
    const rule = eqn.prim.transpose
    if (!rule) throw new NonDifferentiableError(eqn.prim.name, `reverse mode needs a transpose rule for '${eqn.prim.name}', which is not linear in its tangent input. Use forward mode (jvp/jacfwd) here, or report this as a bug.`)
    const args = eqn.inputs.map((a) => (isLinear(a) ? new UndefinedPrimal(a.aval) : read(a)))
    const inCts = rule(outCts, args, eqn.params)
    eqn.inputs.forEach((a, i) => { if (isLinear(a)) accumulate(a, inCts[i] ?? null) })
  }
  return jaxpr.invars.map((v) => ctEnv.get(v) ?? new Zero(v.aval))
}
