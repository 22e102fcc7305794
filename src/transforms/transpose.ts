// transpose : (T a -o T b) -> (T* b -o T* a)
// The backward pass over a linear jaxpr: equations in reverse, each primitive's transpose
// rule maps output cotangents to input cotangents, and cotangents of a variable used twice
// add up (the adjoint sum rule). Zero cotangents stay symbolic; equations that do not
// depend on the linear inputs are evaluated forward first.

import type { Array } from "../core/array.js"
import { NonDifferentiableError } from "../core/errors.js"
import { type Atom, type Eqn, type Jaxpr, Literal, Var, VarMap, VarSet } from "../core/ir.js"
import { type Tangent, UndefinedPrimal, Zero, isZero } from "../core/primitive.js"
import { bind } from "../core/trace.js"
import { add } from "../prims/elementwise.js"

/** Cotangents of `jaxpr`'s invars given cotangents of its outvars (consts are known). */
export function backwardPass(jaxpr: Jaxpr, consts: readonly Array[], cts: readonly Tangent[]): Tangent[] {
  return backwardPassArgs(jaxpr, consts, jaxpr.invars.map((v) => new UndefinedPrimal(v.aval)), cts)
}

/** As backwardPass, with some invars known (`args[i]` an array) and the rest linear (UndefinedPrimal). */
export function backwardPassArgs(jaxpr: Jaxpr, consts: readonly Array[], args: readonly (Array | UndefinedPrimal)[], cts: readonly Tangent[]): Tangent[] {
  // indexed loops and no per-equation closures: both sweeps run once per equation of a
  // linear jaxpr that has tens of thousands of them for an unrolled loop
  const known = new VarMap<Array>(jaxpr)
  jaxpr.constvars.forEach((v, i) => known.set(v, consts[i]!))
  const linear = new VarSet(jaxpr)
  jaxpr.invars.forEach((v, i) => { const a = args[i]!; if (a instanceof UndefinedPrimal) linear.add(v); else known.set(v, a) })
  const isLinear = (a: Atom) => a instanceof Var && linear.has(a)
  const read = (a: Atom): Array => (a instanceof Literal ? a.value : known.get(a)!)

  // forward: evaluate the non-linear part (equations of constants only)
  const eqns = jaxpr.eqns
  const linearEqns = new globalThis.Array<Eqn>(eqns.length) // sized up front, filled to nLinear
  let nLinear = 0
  for (let k = 0; k < eqns.length; k++) {
    const eqn = eqns[k]!, ins = eqn.inputs, outs = eqn.outputs
    let lin = false
    for (let i = 0; i < ins.length; i++) if (isLinear(ins[i]!)) { lin = true; break }
    if (lin) { for (let i = 0; i < outs.length; i++) linear.add(outs[i]!); linearEqns[nLinear++] = eqn; continue }
    const vals = new globalThis.Array<Array>(ins.length)
    for (let i = 0; i < ins.length; i++) vals[i] = read(ins[i]!)
    const res = bind(eqn.prim, vals, eqn.params)
    for (let i = 0; i < outs.length; i++) known.set(outs[i]!, res[i]!)
  }

  const ctEnv = new VarMap<Array>(known)
  const accumulate = (v: Atom, ct: Tangent | null) => {
    if (!(v instanceof Var) || !linear.has(v) || ct === null || isZero(ct)) return
    const prev = ctEnv.get(v)
    ctEnv.set(v, prev ? add(prev, ct) : ct)
  }
  jaxpr.outvars.forEach((v, i) => accumulate(v, cts[i]!))

  for (let k = nLinear - 1; k >= 0; k--) {
    const eqn = linearEqns[k]!, ins = eqn.inputs, outs = eqn.outputs
    const outCts = new globalThis.Array<Tangent>(outs.length)
    let allZero = true
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!, ct = ctEnv.get(o)
      if (ct === undefined) outCts[i] = new Zero(o.aval)
      else { outCts[i] = ct; ctEnv.delete(o); if (!isZero(ct)) allZero = false }
    }
    if (allZero) continue
    const rule = eqn.prim.transpose
    if (!rule) throw new NonDifferentiableError(eqn.prim.name, `reverse mode needs a transpose rule for '${eqn.prim.name}', which is not linear in its tangent input. Use forward mode (jvp/jacfwd) here, or report this as a bug.`)
    const ruleArgs = new globalThis.Array<Array | UndefinedPrimal>(ins.length)
    for (let i = 0; i < ins.length; i++) { const a = ins[i]!; ruleArgs[i] = isLinear(a) ? new UndefinedPrimal(a.aval) : read(a) }
    const inCts = rule(outCts, ruleArgs, eqn.params)
    for (let i = 0; i < ins.length; i++) { const a = ins[i]!; if (isLinear(a)) accumulate(a, inCts[i] ?? null) }
  }
  const invars = jaxpr.invars, res = new globalThis.Array<Tangent>(invars.length)
  for (let i = 0; i < invars.length; i++) { const v = invars[i]!; res[i] = ctEnv.get(v) ?? new Zero(v.aval) }
  return res
}
