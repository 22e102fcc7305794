// Small arrays (up to SMALL elements, e.g. a 3-vector of a physics state or the gradient of
// three parameters) are kept as one scalar per element: their elementwise ops, views,
// reductions, pads and concatenations become scalar statements, which the re-roller can
// turn back into loops. Each element follows the eager kernel's arithmetic exactly.

import { NdArray } from "../../core/array.js"
import { castScalar } from "../../core/dtype.js"
import type { Eqn } from "../../core/ir.js"
import { Literal } from "../../core/ir.js"
import { padP, concatenateP, gatherP } from "../../prims/shape.js"
import type { ElemRule, Ref, ReduceRule, ViewRule } from "./types.js"
import { ints, wrap } from "./text.js"
import { contiguousStrides } from "./loops.js"
import { type Sched, SVEC } from "./state.js"

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1)
/** Row-major multi-index of flat index i in shape s. */
function unravel(i: number, s: readonly number[]): number[] {
  const idx = new Array<number>(s.length)
  for (let d = s.length - 1; d >= 0; d--) { idx[d] = i % s[d]!; i = Math.floor(i / s[d]!) }
  return idx
}

export function smallElem(S: Sched, e: Eqn, o: number, scalar: (refs: readonly Ref[]) => Ref | null): boolean {
  // indexed loops, no closures (runs per small elementwise equation); packed lists, as elsewhere
  const n = S.size[o]!, m = e.inputs.length, ins: Ref[][] = [], out: Ref[] = []
  for (let i = 0; i < m; i++) ins.push(S.elemsOf(e.inputs[i]!, n))
  for (let k = 0; k < n; k++) {
    const refs: Ref[] = []
    for (let i = 0; i < m; i++) refs.push(ins[i]![k]!)
    const r = scalar(refs)
    if (r === null) return false
    out.push(r)
  }
  S.asSvec(o, out)
  return true
}

/** Row-major over the kept axes, each output folds its reduced elements in row-major order. */
export function smallReduce(S: Sched, e: Eqn, rule: ReduceRule, o: number, axes: readonly number[]): boolean {
  const x = e.inputs[0]!, xs = S.atomShape(x), dt = S.dtype[o]!
  const els = S.elemsOf(x, prod(xs))
  const kept = xs.map((_, a) => a).filter((a) => !axes.includes(a)), red = [...axes].sort((a, b) => a - b)
  const st = contiguousStrides(xs), keptShape = kept.map((a) => xs[a]!), redShape = red.map((a) => xs[a]!)
  const nOut = prod(keptShape), nRed = prod(redShape), out: Ref[] = []
  const step = rule.step("$0", "$1"), last = wrap(dt, step)
  for (let i = 0; i < nOut; i++) {
    const ki = unravel(i, keptShape)
    let base = 0
    kept.forEach((a, k) => { base += ki[k]! * st[a]! })
    let acc: Ref = S.lit(rule.init)
    if (nRed === 0) acc = S.lit(castScalar(rule.init, dt))
    for (let j = 0; j < nRed; j++) {
      const ri = unravel(j, redShape)
      let off = base
      red.forEach((a, k) => { off += ri[k]! * st[a]! })
      const v = S.hidden([], dt)
      S.items.push({ k: "sc", out: v, tpl: j === nRed - 1 ? last : step, refs: [acc, els[off]!] })
      S.asScalar(v, v)
      acc = v
    }
    out.push(acc)
  }
  if (S.size[o] === 1) S.asScalar(o, out[0]!); else S.asSvec(o, out)
  return true
}

/** A view with a small result: its elements, picked from the input's. */
export function smallView(S: Sched, e: Eqn, rule: ViewRule, o: number): boolean {
  const r = S.idOf(e.inputs[0]!), xs = S.shape[r]!, os = S.shape[o]!
  let pick: (off: number) => Ref
  let nv
  if (S.kind[r] === SVEC) {
    const els = S.elems[r]!
    nv = rule.apply(xs, { off: 0, strides: contiguousStrides(xs) }, e.params, os)
    pick = (off) => els[off]!
  } else {
    let m = S.materialize(r)
    nv = rule.apply(xs, m, e.params, os)
    if (!nv) { m = S.identity(S.contiguous(r)); nv = rule.apply(xs, m, e.params, os) }
    const base = m.base
    pick = (off) => S.read(base, off)
  }
  if (!nv) return false
  const out: Ref[] = []
  for (let i = 0; i < S.size[o]!; i++) {
    const idx = unravel(i, os)
    let off = nv.off
    idx.forEach((v, d) => { off += v * nv!.strides[d]! })
    out.push(pick(off))
  }
  if (S.size[o] === 1) S.asScalar(o, out[0]!); else S.asSvec(o, out)
  return true
}

/** pad and concatenate with small results move elements; other kernels return false. */
export function smallKernel(S: Sched, e: Eqn): boolean {
  const o = S.vid(e.outputs[0]!), os = S.shape[o]!, ost = contiguousStrides(os), dt = S.dtype[o]!
  const out: Ref[] = []
  if (e.prim === padP && e.inputs.length === 1) {
    const x = e.inputs[0]!, xs = S.atomShape(x), cfg = e.params["padding_config"], value = e.params["value"]
    if (!Array.isArray(cfg) || cfg.length !== xs.length || typeof value !== "number") return false
    const trip = cfg.map((c) => ints(c, 0))
    if (trip.some((t) => !t || t.length !== 3)) return false
    out.push(...new Array<Ref>(S.size[o]!).fill(S.lit(castScalar(value, dt))))
    const els = S.elemsOf(x, prod(xs))
    els.forEach((ref, i) => {
      let off = 0
      unravel(i, xs).forEach((v, d) => { off += (trip[d]![0]! + v * (trip[d]![2]! + 1)) * ost[d]! })
      out[off] = ref
    })
  } else if (e.prim === concatenateP && e.inputs.length > 0) {
    const d = e.params["dimension"]
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0 || d >= os.length) return false
    let start = 0
    for (const x of e.inputs) {
      const xs = S.atomShape(x), els = S.elemsOf(x, prod(xs))
      els.forEach((ref, i) => {
        let off = 0
        unravel(i, xs).forEach((v, k) => { off += (k === d ? v + start : v) * ost[k]! })
        out[off] = ref
      })
      start += xs[d]!
    }
  } else if (e.prim === gatherP && e.inputs.length === 2 && S.size[o] === 1 && S.isScalarAtom(e.inputs[1]!)) {
    // one element at a run-time index (take with a scalar index, as in a loop body)
    const x = e.inputs[0]!, xs = S.atomShape(x), ax = e.params["axis"]
    if (typeof ax !== "number" || !Number.isSafeInteger(ax) || ax < 0 || ax >= xs.length || xs[ax] === 0) return false
    const idt = S.atomDtype(e.inputs[1]!)
    if ((idt !== "int32" && idt !== "uint32") || prod(xs) !== xs[ax]) return false
    const m = S.materialize(S.idOf(x))
    S.items.push({ k: "drd", out: o, base: m.base, off: m.off, stride: m.strides[ax]!, n: xs[ax]!, idx: S.scalarRef(e.inputs[1]!) })
    S.asScalar(o, o)
    return true
  } else return false
  if (S.size[o] === 1) S.asScalar(o, out[0]!); else S.asSvec(o, out)
  return true
}

/** With a unit literal on one side (x*1, x/1, x-0, x+(-0)): the index of the other operand, or null. */
export function simplify(rule: ElemRule, refs: readonly Ref[], lits: readonly string[]): number | null {
  const u = rule.unit!
  if (u.right !== undefined && isLit(lits, refs[1], u.right)) return 0
  if (u.left !== undefined && isLit(lits, refs[0], u.left)) return 1
  return null
}
function isLit(lits: readonly string[], r: Ref | undefined, t: string): boolean {
  return r !== undefined && r < 0 && lits[-1 - r] === t
}

/** Evaluates an all-literal scalar equation with its own eager kernel (exact by definition). */
export function foldScalars(S: Sched, e: Eqn, refs: readonly Ref[]): number | null {
  for (let i = 0; i < refs.length; i++) if (refs[i]! >= 0) return null
  try {
    const args = refs.map((r, i) => {
      const a = e.inputs[i]!
      const dt = S.atomDtype(a)
      return NdArray.scalar(S.litValues[-1 - r]!, dt, a instanceof Literal ? a.value.aval.weakType : false)
    })
    const v = e.prim.impl(args, e.params)[0]?.data[0]
    return typeof v === "number" ? v : null
  } catch { return null }
}
