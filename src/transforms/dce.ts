// Dead-code elimination: one reverse sweep keeps the equations whose outputs are used (or
// that carry effects, which must run). Linear in the number of equations, no recursion except
// into sub-jaxprs: a primitive with a `dce` rule (scan, while, cond) drops the outputs nobody
// uses, prunes its bodies to what the rest needs and reads only the inputs they still use.

import { ClosedJaxpr, Eqn, Jaxpr, Var, VarSet } from "../core/ir.js"

export function dce(jaxpr: Jaxpr): Jaxpr {
  const used = new VarSet(jaxpr)
  for (const o of jaxpr.outvars) if (o instanceof Var) used.add(o)
  // kept equations fill an array of the full length from its end (no push and reverse of 10^5 entries)
  const n = jaxpr.eqns.length, kept = new Array<Eqn>(n)
  let at = n
  let changed = false
  for (let i = n - 1; i >= 0; i--) {
    let e = jaxpr.eqns[i]!
    let live = e.effects.length > 0
    const outs = e.outputs
    for (let k = 0; k < outs.length && !live; k++) if (used.has(outs[k]!)) live = true
    if (!live) { changed = true; continue }
    if (e.prim.dce) {
      const r = e.prim.dce(e.outputs.map((o) => used.has(o)), e.params)
      if (r.keepIn.includes(false) || r.keepOut.includes(false) || r.params !== e.params) {
        e = new Eqn(e.prim, e.inputs.filter((_, k) => r.keepIn[k]), e.outputs.filter((_, k) => r.keepOut[k]), r.params, e.effects)
        changed = true
      }
    }
    kept[--at] = e
    const ins = e.inputs
    for (let k = 0; k < ins.length; k++) { const a = ins[k]!; if (a instanceof Var) used.add(a) }
  }
  if (!changed) return jaxpr
  if (at > 0) { kept.copyWithin(0, at); kept.length = n - at }
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept)
}

export const dceClosed = (c: ClosedJaxpr): ClosedJaxpr => {
  const j = dce(c.jaxpr)
  return j === c.jaxpr ? c : new ClosedJaxpr(j, c.consts)
}

/** Which invars a jaxpr still reads once only the outputs in `keepOut` are wanted. */
export function invarsUsed(c: ClosedJaxpr, keepOut: readonly boolean[]): boolean[] {
  const j = dce(new Jaxpr(c.jaxpr.constvars, c.jaxpr.invars, c.jaxpr.outvars.filter((_, k) => keepOut[k]), c.jaxpr.eqns))
  const read = new Set<Var>()
  for (const e of j.eqns) for (const a of e.inputs) if (a instanceof Var) read.add(a)
  for (const o of j.outvars) if (o instanceof Var) read.add(o)
  return j.invars.map((v) => read.has(v))
}

/** The jaxpr restricted to the invars in `keepIn` and the outvars in `keepOut`, dead code removed. */
export function pruneClosed(c: ClosedJaxpr, keepIn: readonly boolean[], keepOut: readonly boolean[]): ClosedJaxpr {
  const j = c.jaxpr
  if (!keepIn.includes(false) && !keepOut.includes(false)) return dceClosed(c)
  return new ClosedJaxpr(dce(new Jaxpr(j.constvars, j.invars.filter((_, k) => keepIn[k]), j.outvars.filter((_, k) => keepOut[k]), j.eqns)), c.consts)
}

/** Iterates a loop's needed carries to a fixed point: needed(i) if used or read for a needed one. */
export function neededCarries(used: readonly boolean[], reads: (needed: readonly boolean[]) => readonly boolean[]): boolean[] {
  let needed = [...used]
  for (;;) {
    const r = reads(needed), next = needed.map((b, i) => b || r[i]!)
    if (next.every((b, i) => b === needed[i])) return needed
    needed = next
  }
}
