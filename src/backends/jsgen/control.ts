// Sub-jaxprs scheduled in place. A scan whose carries and per-step rows are scalars
// (lax.forILoop, a scalar recurrence, and the forward and reverse scans of its gradient) is
// inlined: its body's equations become items of a block that runs once per step, carries
// live in block-scoped lets, rows are read from and written to stacked buffers (other scans
// run as loops over a compiled body, controlRunners.ts). A call (remat, custom_jvp_call,
// custom_vjp_call) has its body's equations scheduled where it stands, fused with the rest.

import type { Atom, Eqn } from "../../core/ir.js"
import { ClosedJaxpr, Literal } from "../../core/ir.js"
import { analyze } from "./analyze.js"
import { type Sched, BUF, SCALAR } from "./state.js"
import type { MemView, Ref } from "./types.js"
import { scalarDefs, scalarReads } from "./items.js"

const isInt = (x: unknown, lo = 0): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= lo

export function inlineScan(S: Sched, e: Eqn, run: (eqns: readonly Eqn[]) => void): boolean {
  const { jaxpr: body, num_consts: nc, num_carry: nk, length: L, reverse } = e.params as Record<string, unknown>
  if (!(body instanceof ClosedJaxpr) || body.consts.length !== 0 || body.jaxpr.constvars.length !== 0) return false
  if (!isInt(nc) || !isInt(nk) || !isInt(L, 1) || typeof reverse !== "boolean") return false
  const j = body.jaxpr, nx = e.inputs.length - nc - nk, ny = e.outputs.length - nk
  if (nx < 0 || ny < 0 || j.invars.length !== e.inputs.length || j.outvars.length !== e.outputs.length) return false
  const one = (a: Atom | undefined) => a !== undefined && a.aval.size === 1
  for (let i = nc; i < e.inputs.length; i++) if (!one(j.invars[i])) return false
  for (let i = 0; i < nk; i++) if (!one(e.inputs[nc + i]) || !one(e.outputs[i])) return false
  for (let i = 0; i < j.outvars.length; i++) if (!one(j.outvars[i])) return false
  for (let k = 0; k < nx; k++) if (S.atomShape(e.inputs[nc + nk + k]!).reduce((a, b) => a * b, 1) !== L) return false
  for (let k = 0; k < ny; k++) if (e.outputs[nk + k]!.aval.size !== L) return false

  // the body must not flush the enclosing program's groups from inside the loop
  for (const g of [...S.open.values()]) S.flush(g)
  const inits: Ref[] = [], xsViews: MemView[] = []
  for (let i = 0; i < nk; i++) inits.push(S.scalarRef(e.inputs[nc + i]!))
  for (let k = 0; k < nx; k++) {
    const a = e.inputs[nc + nk + k]!
    xsViews.push(S.materialize(S.idOf(a)))
  }

  // number the body's vars in the enclosing program: consts alias outer values
  const an = analyze(body)
  const all = [...j.invars]
  for (const q of j.eqns) for (const o of q.outputs) all.push(o)
  for (const v of all) {
    const i = an.id(v), h = S.hidden(an.shapes[i]!, an.dtypes[i]!)
    S.uses[h] = an.uses[i]!; S.isOut[h] = an.isOut[i]!
    S.extra.set(v, h)
  }
  const inVars = j.invars.map((v) => S.vid(v))
  for (let i = 0; i < nc; i++) {
    const a = e.inputs[i]!, h = inVars[i]!
    if (S.isScalarAtom(a)) S.asScalar(h, S.scalarRef(a))
    else S.root[h] = S.idOf(a) // arrays: the body reads the outer var directly
  }
  for (let i = nc; i < inVars.length; i++) S.asScalar(inVars[i]!, inVars[i]!)

  const leave = S.enterBody()
  run(an.eqns)
  const items = leave()
  const outRef = (a: Atom): Ref => {
    if (a instanceof Literal) return S.lit(a.value.data[0]!)
    const r = S.idOf(a)
    if (S.kind[r] !== SCALAR) throw new Error("internal: a scalar body output is not a scalar")
    return S.sref[r]!
  }
  const outs = j.outvars.map(outRef)

  // scalars the body reads from outside: all its reads minus what it defines
  const defined = new Set<number>(inVars.slice(nc))
  for (const it of items) for (const v of scalarDefs(it, S.size)) defined.add(v)
  const reads = new Set<number>()
  for (const it of items) for (const v of scalarReads(it)) if (!defined.has(v)) reads.add(v)
  for (const r of outs) if (r >= 0 && !defined.has(r)) reads.add(r)

  const carries = inits.map((init, i) => {
    const o = S.vid(e.outputs[i]!)
    S.asScalar(o, o)
    return { inVar: inVars[nc + i]!, init, out: outs[i]!, outVar: o }
  })
  const ys = outs.slice(nk).map((out, k) => {
    const o = S.vid(e.outputs[nk + k]!)
    S.kind[o] = BUF
    return { out, buf: o }
  })
  const xs = xsViews.map((view, k) => ({ inVar: inVars[nc + nk + k]!, view }))
  S.items.push({ k: "scan", loop: { length: L, reverse, carries, xs, ys, body: items, reads: [...reads] } })
  return true
}

/** Schedules a call's body in place: its invars alias the equation's inputs, its outputs become the equation's. */
export function inlineCall(S: Sched, e: Eqn, closed: unknown, inputs: readonly number[], run: (eqns: readonly Eqn[]) => void): boolean {
  if (!(closed instanceof ClosedJaxpr) || closed.consts.length !== 0 || closed.jaxpr.constvars.length !== 0) return false
  // nested checkpoints share bodies: inlined, each level would copy its whole subtree
  if (weight(closed) > INLINE_LIMIT) return false
  const j = closed.jaxpr
  if (j.invars.length !== inputs.length || j.outvars.length !== e.outputs.length || inputs.some((k) => !isInt(k) || k >= e.inputs.length)) return false
  if (j.invars.some((v, i) => !v.aval.equals(e.inputs[inputs[i]!]!.aval)) || j.outvars.some((a, i) => !a.aval.equals(e.outputs[i]!.aval))) return false
  const an = analyze(closed)
  const all = [...j.invars]
  for (const q of an.eqns) for (const o of q.outputs) all.push(o)
  for (const v of all) {
    const i = an.id(v), h = S.hidden(an.shapes[i]!, an.dtypes[i]!)
    S.uses[h] = an.uses[i]! // outvar appearances included: aliasing an output to one consumes it
    S.extra.set(v, h)
  }
  // each input this equation reads once is consumed by the alias of its invar (or by nothing)
  e.inputs.forEach((a, k) => { if (!inputs.includes(k) && !(a instanceof Literal)) S.uses[S.idOf(a)]!-- })
  j.invars.forEach((v, i) => S.aliasTo(S.vid(v), e.inputs[inputs[i]!]!))
  run(an.eqns)
  e.outputs.forEach((o, i) => S.aliasTo(S.vid(o), j.outvars[i]!))
  return true
}

/** Calls up to this many equations (sub-jaxprs included) are scheduled in place; larger ones run compiled. */
const INLINE_LIMIT = 256
const weights = new WeakMap<ClosedJaxpr, number>()
/** Equations of a jaxpr, counting those of its sub-jaxprs (memoized: bodies are shared). */
function weight(c: ClosedJaxpr): number {
  let w = weights.get(c)
  if (w !== undefined) return w
  w = 0
  for (const e of c.jaxpr.eqns) {
    w++
    for (const v of Object.values(e.params)) {
      if (v instanceof ClosedJaxpr) w += weight(v)
      else if (globalThis.Array.isArray(v)) for (const b of v) if (b instanceof ClosedJaxpr) w += weight(b)
      if (w > INLINE_LIMIT) break
    }
    if (w > INLINE_LIMIT) break
  }
  weights.set(c, w)
  return w
}
