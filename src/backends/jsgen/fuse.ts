// The scheduler: one pass over the live equations that decides what every variable is
// (a scalar `const`, a splat, a small vector of scalars, a buffer, a strided view of a
// buffer, or a temporary inside a fused loop) and emits items in a valid order. Elementwise
// equations of one shape join that shape's open group, flushed into one loop when something
// outside needs its values; reductions join as sinks; views cost nothing until read.

import type { ClosedJaxpr, Eqn, Var } from "../../core/ir.js"
import { Literal } from "../../core/ir.js"
import { NdArray } from "../../core/array.js"
import type { DType, TypedArray } from "../../core/dtype.js"
import { InvalidArgumentError } from "../../core/errors.js"
import type { Analysis } from "./analyze.js"
import type { ElemRule, EmitCtx, Grid, Helper, Item, KernelPlan, MemView, Operand, Ref, ReduceRule, Rule, Strided, ViewRule } from "./types.js"
import { ruleFor } from "./rules.js"
import { padPlacement } from "./kernels.js"
import { finish } from "./emit.js"
import { addP } from "../../prims/elementwise.js"
import { ints } from "./text.js"
import { contiguousStrides, squeeze } from "./loops.js"
import { BUF, FUSED, SCALAR, SINK, SMALL, SPLAT, SVEC, Sched, VIEW, copyRule } from "./state.js"
import { foldScalars, simplify, smallElem, smallKernel, smallReduce, smallView } from "./small.js"
import { inlineCall, inlineScan } from "./control.js"

export { BUF } from "./state.js"
export type OutSpec = { lit: number; dtype: DType } | { sc: Ref } | { buf: number }

export interface Schedule {
  readonly items: Item[]
  readonly shape: (readonly number[])[]; readonly size: number[]; readonly dtype: DType[]
  readonly kind: number[]; readonly isOut: boolean[]
  readonly lits: string[]
  /** The value of each literal, by the same index as `lits`. */
  readonly litValues: number[]
  readonly inputs: number[]; readonly consts: { v: number; data: TypedArray }[]
  readonly ext: Set<number>
  readonly fallbacks: Eqn[]
  readonly helpers: Set<Helper>
  readonly outputs: OutSpec[]
  /** Adds a var (used by later passes for buffers they introduce). */
  readonly hidden: (shape: readonly number[], dtype: DType) => number
}

const noDtypes: readonly DType[] = []
const isEmpty = (x: unknown): boolean => Array.isArray(x) && x.length === 0
const outerRule: ElemRule = { kind: "elem", arity: 2, f32: true, ints: false, usesParams: false, expr: ([a, b]) => `(0+${a}*${b})` }

/** A grid's placement over its group's axes, in its shape's row-major layout. */
function gridAt(grid: Grid): Strided {
  const cs = contiguousStrides(grid.shape)
  return { off: grid.lo.reduce((n, l, a) => n + l * cs[a]!, 0), strides: grid.walk.map(([a, st]) => st * cs[a]!) }
}

/** Whether a view keeps every element at its row-major position (it only adds or drops unit axes). */
function sameOrder(rule: ViewRule, e: Eqn, from: readonly number[], to: readonly number[]): boolean {
  const nv = rule.apply(from, { off: 0, strides: contiguousStrides(from) }, e.params, to)
  if (!nv || nv.off !== 0 || squeeze(from).join(",") !== squeeze(to).join(",")) return false
  const cs = contiguousStrides(to)
  return to.every((d, a) => d === 1 || nv.strides[a] === cs[a])
}

export function schedule(closed: ClosedJaxpr, an: Analysis): Schedule {
  const S = new Sched(an), id = (v: Var) => S.vid(v)

  // indexed loops and no per-call closures in elem and run: they run once per equation
  // (10^5 for an unrolled loop), mostly before they are optimized, where for…of and map allocate
  const elem = (e: Eqn, rule: ElemRule): boolean => {
    const ins = e.inputs, n = ins.length
    if (e.outputs.length !== 1 || n !== rule.arity) return false
    const o = id(e.outputs[0]!), dt = S.dtype[o]!
    let inDtypes = noDtypes
    if (rule.usesParams) {
      const ds = new Array<DType>(n)
      for (let i = 0; i < n; i++) ds[i] = S.atomDtype(ins[i]!)
      inDtypes = ds
    }
    S.setCtx(e.params, inDtypes, dt)
    let scalarOnly = true
    for (let i = 0; i < n; i++) if (!S.isScalarAtom(ins[i]!)) scalarOnly = false
    if (scalarOnly) {
      const refs = new Array<Ref>(n)
      for (let i = 0; i < n; i++) refs[i] = S.scalarRef(ins[i]!)
      const r = scalarEqn(e, rule, dt, refs, S.size[o] === 1 ? o : -1)
      if (r === null) return false
      S.asScalar(o, r)
      return true
    }
    if (S.size[o]! <= SMALL) return smallElem(S, e, o, (refs) => scalarEqn(e, rule, dt, refs))
    if (rule.unit && n === 2) { // x*1, x/1, ... on arrays: the result is x itself
      const refs = [S.isScalarAtom(ins[0]!) ? S.scalarRef(ins[0]!) : 0, S.isScalarAtom(ins[1]!) ? S.scalarRef(ins[1]!) : 0]
      const k = simplify(rule, refs, S.lits)
      if (k !== null && !S.isScalarAtom(ins[k]!)) { S.aliasTo(o, ins[k]!); return true }
    }
    const xs = new Array<string>(n)
    for (let i = 0; i < n; i++) xs[i] = "x"
    if (rule.expr(xs, S.ctx) === null) return false
    if (e.prim === addP && stencilAdd(e, o, rule, inDtypes)) return true
    S.flushSinkInputs(e)
    const g = S.groupFor(S.shape[o]!)
    const ops = new Array<Operand>(n)
    for (let i = 0; i < n; i++) ops[i] = S.operand(ins[i]!, g)
    g.members.push({ out: o, rule, ins: ops, params: e.params, inDtypes, dtype: dt, store: false })
    S.kind[o] = FUSED; S.grp[o] = g
    S.full(g)
    return true
  }
  /** One scalar statement (simplified or folded when it can be): its value's ref, or null. */
  const scalarEqn = (e: Eqn, rule: ElemRule, dt: DType, refs: readonly Ref[], o = -1): Ref | null => {
    const simple = rule.unit ? simplify(rule, refs, S.lits) : null
    if (simple !== null) return refs[simple]!
    const folded = foldScalars(S, e, refs)
    if (folded !== null) return S.lit(folded)
    const tpl = S.template(rule, dt, refs.length)
    if (tpl === null) return null
    const out = o >= 0 ? o : S.hidden([], dt)
    S.items.push({ k: "sc", out, tpl, refs })
    S.asScalar(out, out)
    return out
  }

  const reduce = (e: Eqn, rule: ReduceRule): boolean => {
    const x = e.inputs[0], axes = e.params["axes"]
    if (e.inputs.length !== 1 || e.outputs.length !== 1 || !x || !Array.isArray(axes)) return false
    const xs = S.atomShape(x)
    if (!axes.every((a) => typeof a === "number" && Number.isSafeInteger(a) && a >= 0 && a < xs.length) || new Set(axes).size !== axes.length) return false
    const o = id(e.outputs[0]!), dt = S.dtype[o]!
    if ((x instanceof Literal && x.value.data.length === 1) || (!(x instanceof Literal) && S.size[S.idOf(x)]! <= SMALL)) return smallReduce(S, e, rule, o, axes as number[])
    S.flushSinkInputs(e)
    const g = S.groupFor(xs)
    const reduced = xs.flatMap((d, a) => (d === 1 ? [] : [axes.includes(a)])) // over the group's squeezed axes
    g.sinks.push({ out: o, rule, in: S.operand(x, g), reduced, dtype: dt, scratch: -1 })
    S.kind[o] = SINK; S.grp[o] = g
    S.full(g)
    return true
  }

  const viewEqn = (e: Eqn, rule: ViewRule): boolean => {
    const x = e.inputs[0]
    if (e.inputs.length !== 1 || e.outputs.length !== 1 || !x) return false
    const o = id(e.outputs[0]!)
    if (S.isScalarAtom(x)) { S.asScalar(o, S.scalarRef(x)); return true }
    if (S.size[o]! <= SMALL) return smallView(S, e, rule, o)
    const r = S.idOf(x)
    if (S.kind[r] === FUSED && sameOrder(rule, e, S.shape[r]!, S.shape[o]!)) { // stays in the loop
      const g = S.grp[r]!, dt = S.dtype[o]!
      g.members.push({ out: o, rule: copyRule, ins: [S.operand(x, g)], params: {}, inDtypes: [dt], dtype: dt, store: false })
      S.kind[o] = FUSED; S.grp[o] = g
      S.full(g)
      return true
    }
    if (S.kind[r] === FUSED && e.prim.name === "transpose" && rule.apply(S.shape[r]!, S.identity(r), e.params, S.shape[o]!)) {
      const cs = contiguousStrides(S.shape[o]!), strides: number[] = []
      ;(e.params["permutation"] as number[]).forEach((a, k) => { strides[a] = cs[k]! })
      storeFrom(r, o, { off: 0, strides })
      return true
    }
    if (S.kind[r] === SINK && restride(e, rule, r, o)) return true
    let v = S.materialize(r)
    let nv = rule.apply(S.shape[r]!, v, e.params, S.shape[o]!)
    if (!nv) { // e.g. reshape of a strided view: copy it contiguous, then view the copy
      v = S.identity(S.contiguous(r))
      nv = rule.apply(S.shape[r]!, v, e.params, S.shape[o]!)
      if (!nv) return false
    }
    S.kind[o] = VIEW; S.view[o] = { base: v.base, off: nv.off, strides: nv.strides }
    return true
  }

  /** o is r (FUSED) placed at `at` in o's buffer: the loop stores it there, readable once the loop has run. */
  const storeFrom = (r: number, o: number, at: Strided, fill?: string, grid?: Grid): void => {
    const g = S.grp[r]!, dt = S.dtype[o]!, xs = S.shape[r]!
    const squeezed = { off: at.off, strides: at.strides.filter((_, a) => xs[a] !== 1) }
    g.members.push({ out: o, rule: copyRule, ins: [{ t: "tmp", v: r }], params: {}, inDtypes: [dt], dtype: dt, store: true, at: squeezed, ...(fill === undefined ? {} : { fill }), ...(grid ? { grid } : {}) })
    S.inUses[r]!++
    S.kind[o] = SINK; S.grp[o] = g // like a reduction
    S.full(g)
  }
  const fusedPad = (e: Eqn): boolean => {
    const x = e.inputs[0]
    if (e.inputs.length !== 1 || e.outputs.length !== 1 || !x || x instanceof Literal || S.kind[S.idOf(x)] !== FUSED) return false
    const r = S.idOf(x), o = id(e.outputs[0]!)
    if (S.dtype[o] !== S.dtype[r]) return false
    const place = padPlacement(S.shape[r]!, S.shape[o]!, e.params, S.dtype[o]!)
    if (!place) return false
    const xs = S.shape[r]!, grid: Grid = { shape: S.shape[o]!, lo: place.lo, walk: xs.flatMap((d, a) => (d === 1 ? [] : [[a, place.step[a]!] as const])) }
    storeFrom(r, o, place.at, place.fill, grid)
    padded.set(o, { r, fill: place.fill, grid })
    return true
  }
  /** Pads stored by their operand's loop (fusedPad): the operand and the placement. */
  const padded = new Map<number, { r: number; fill: string; grid: Grid }>()

  /**
   * A view of a value that its loop has yet to store and nothing else reads: the loop stores
   * the view's elements instead (a transpose of a Hessian's stencil sum costs no extra pass).
   */
  const restride = (e: Eqn, rule: ViewRule, r: number, o: number): boolean => {
    if (S.uses[r] !== 1 || S.isOut[r]) return false
    const g = S.grp[r]!, i = g.members.findIndex((m) => m.out === r && m.grid)
    const m = g.members[i], rs = S.shape[r]!, os = S.shape[o]!
    if (!m?.grid) return false
    const axis: number[] = rs.map(() => -1) // r's axis a is o's axis axis[a] (-1: a unit axis dropped)
    const perm = e.prim.name === "transpose" ? ints(e.params["permutation"], 0, rs.length - 1) : null
    if (perm && perm.length === rs.length && rule.apply(rs, S.identity(r), e.params, os)) perm.forEach((a, k) => { axis[a] = k })
    else if (sameOrder(rule, e, rs, os)) {
      const keep = os.flatMap((d, k) => (d === 1 ? [] : [k]))
      let n = 0
      rs.forEach((d, a) => { if (d !== 1) axis[a] = keep[n++]! })
    } else return false
    if (axis.some((k, a) => k < 0 && m.grid!.lo[a] !== 0)) return false
    const lo = os.map(() => 0)
    axis.forEach((k, a) => { if (k >= 0) lo[k] = m.grid!.lo[a]! })
    const grid: Grid = { shape: os, lo, walk: m.grid.walk.map(([a, st]) => [axis[a]!, st] as const) }
    g.members[i] = { ...m, out: o, at: gridAt(grid), grid }
    S.kind[o] = SINK; S.grp[o] = g
    return true
  }

  /**
   * add(pad(a), pad(b)) of two values of one open loop whose pads put a one step after b
   * along the loop's innermost axis: the gradient of a stencil such as x[1:] − x[:-1]. The
   * loop stores a_{j−1} + b_j at b's place, carrying a one step, instead of storing both into
   * padded buffers and adding those in a second loop. Same additions, same order: bit-equal.
   */
  const stencilAdd = (e: Eqn, o: number, rule: ElemRule, inDtypes: readonly DType[]): boolean => {
    const vs = e.inputs.map((a) => (a instanceof Literal ? -1 : S.idOf(a))), pads = vs.map((v) => padded.get(v))
    const [x, y] = pads
    if (!x || !y || vs[0] === vs[1] || S.grp[x.r] !== S.grp[y.r] || S.shape[x.r]!.join() !== S.shape[y.r]!.join()) return false
    if (vs.some((v) => S.kind[v] !== SINK || S.uses[v] !== 1 || S.isOut[v]) || inDtypes.some((d) => d !== S.dtype[o])) return false
    // placements over the loop's axes; the stencil axis is the innermost one
    const xa = gridAt(x.grid), ya = gridAt(y.grid), ax = xa.strides.length - 1
    if (ax < 0 || x.grid.shape.join() !== y.grid.shape.join() || xa.strides.some((st, a) => st !== ya.strides[a])) return false
    const step = xa.strides[ax]!, d = xa.off - ya.off
    if (d !== step && d !== -step) return false
    const k = d === step ? 0 : 1
    const g = S.grp[x.r]!, dt = S.dtype[o]!, other = k === 0 ? y : x
    const covered = S.size[x.r]! + S.size[x.r]! / g.shape[ax]!
    S.setCtx(e.params, inDtypes, dt)
    const fill = covered === S.size[o] ? undefined : finish(rule.f32, rule.ints, dt, rule.expr([x.fill, y.fill], S.ctx)!)
    g.members.push({
      out: o, rule, ins: [{ t: "tmp", v: x.r }, { t: "tmp", v: y.r }], params: e.params, inDtypes, dtype: dt, store: true,
      at: gridAt(other.grid), ...(fill === undefined ? {} : { fill }), grid: other.grid, carry: { k, pads: [x.fill, y.fill], axis: ax },
    })
    for (const v of [x.r, y.r, ...vs]) S.inUses[v]!++ // the pads themselves are no longer stored
    S.kind[o] = SINK; S.grp[o] = g
    S.full(g)
    return true
  }

  /**
   * A dot_general with no contracted axes is a broadcast product: it joins the output shape's
   * loop as `0 + a*b` (the dot kernel's one-term sum, so results agree bit for bit) instead of
   * a kernel call per batch (per-example gradients are this shape).
   */
  const outerProduct = (e: Eqn): boolean => {
    const [l, r] = e.inputs
    if (e.inputs.length !== 2 || e.outputs.length !== 1 || !l || !r || l instanceof Literal || r instanceof Literal) return false
    const o = id(e.outputs[0]!), dt = S.dtype[o]!, ls = S.atomShape(l), rs = S.atomShape(r), os = S.shape[o]!
    const pr = e.params, lb = ints(pr["lhs_batch"], 0, ls.length - 1), rb = ints(pr["rhs_batch"], 0, rs.length - 1)
    if ((dt !== "float64" && dt !== "float32") || S.atomDtype(l) !== dt || S.atomDtype(r) !== dt || S.isScalarAtom(l) || S.isScalarAtom(r)) return false
    if (!isEmpty(pr["lhs_contracting"]) || !isEmpty(pr["rhs_contracting"]) || !lb || !rb || lb.length !== rb.length) return false
    const lf = ls.map((_, a) => a).filter((a) => !lb.includes(a)), rf = rs.map((_, a) => a).filter((a) => !rb.includes(a))
    const shape = [...lb.map((a) => ls[a]!), ...lf.map((a) => ls[a]!), ...rf.map((a) => rs[a]!)]
    if (shape.length !== os.length || shape.some((d, k) => d !== os[k]) || lb.some((a, k) => ls[a] !== rs[rb[k]!])) return false
    const place = (a: typeof l, axes: (number | null)[]): Operand => {
      const m = S.materialize(S.idOf(a))
      const strides = axes.map((x) => (x === null ? 0 : m.strides[x]!)).filter((_, k) => os[k] !== 1)
      return { t: "mem", v: m.base, view: { base: m.base, off: m.off, strides } }
    }
    const lhs = place(l, [...lb, ...lf, ...rf.map(() => null)]), rhs = place(r, [...rb, ...lf.map(() => null), ...rf])
    const g = S.groupFor(os)
    g.members.push({ out: o, rule: outerRule, ins: [lhs, rhs], params: {}, inDtypes: [dt, dt], dtype: dt, store: false })
    S.kind[o] = FUSED; S.grp[o] = g
    S.full(g)
    return true
  }

  const kernelEqn = (e: Eqn, plan: (p: KernelPlan) => ((c: EmitCtx) => string) | null): boolean => {
    if (e.outputs.length === 1 && S.size[id(e.outputs[0]!)]! <= SMALL && smallKernel(S, e)) return true
    const reads: number[] = []
    const viewOf = (i: number): MemView => {
      const a = e.inputs[i]!
      const r = a instanceof Literal && a.value.data.length === 1 ? scalarVar(a) : S.idOf(a)
      const m = S.materialize(r)
      reads.push(m.base)
      return m
    }
    const p: KernelPlan = {
      eqn: e, inShape: (i) => S.atomShape(e.inputs[i]!), inDtype: (i) => S.atomDtype(e.inputs[i]!),
      outShape: (j) => S.shape[id(e.outputs[j]!)]!, outDtype: (j) => S.dtype[id(e.outputs[j]!)]!,
      view: viewOf,
      ordered: (i, order) => {
        const m = viewOf(i), s = S.atomShape(e.inputs[i]!), ps = order.map((a) => s[a]!), cs = contiguousStrides(ps)
        if (order.every((a, k) => s[a] === 1 || m.strides[a] === cs[k])) return m
        const h = S.hidden(ps, p.inDtype(i))
        S.copyInto(h, { t: "mem", v: m.base, view: { base: m.base, off: m.off, strides: order.map((a) => m.strides[a]!) } })
        reads.push(h)
        const strides: number[] = new Array(s.length)
        order.forEach((a, k) => { strides[a] = cs[k]! })
        return { base: h, off: 0, strides }
      },
      need: (h) => { S.helpers.add(h) },
    }
    const emit = plan(p)
    if (!emit) return false
    const outs = e.outputs.map((ov) => {
      const o = id(ov)
      if (S.size[o] !== 1) { S.kind[o] = BUF; return o }
      const h = S.hidden(S.shape[o]!, S.dtype[o]!)
      S.kind[h] = BUF
      return h
    })
    S.items.push({ k: "kern", emit, reads, outs })
    e.outputs.forEach((ov, j) => {
      const o = id(ov)
      if (S.size[o] === 1) S.asScalar(o, S.read(outs[j]!, 0))
    })
    return true
  }
  // a scalar literal given to a kernel: a var holding it, so it can be materialized
  const scalarVar = (a: Literal): number => {
    const h = S.hidden(a.value.shape, a.value.dtype)
    S.asScalar(h, S.lit(a.value.data[0]!))
    return h
  }

  const fallback = (e: Eqn): void => {
    const ins = e.inputs.map((a): { sc: Ref } | { buf: number } => {
      if (a instanceof Literal) return a.value.data.length === 1 ? { sc: S.lit(a.value.data[0]!) } : { buf: S.idOf(a) }
      const r = S.idOf(a)
      return S.kind[r] === SCALAR ? { sc: S.sref[r]! } : { buf: S.contiguous(r) }
    })
    const outs = e.outputs.map((ov) => {
      const o = id(ov)
      if (S.size[o] === 1) { S.asScalar(o, o); return { v: o, scalar: true } }
      S.kind[o] = BUF; S.ext.add(o)
      return { v: o, scalar: false }
    })
    S.items.push({ k: "fb", index: S.fallbacks.push(e) - 1, ins, outs })
  }

  // inputs: buffers; small inputs are read into scalars on first use
  const inputs = closed.jaxpr.invars.map((v) => id(v))
  closed.jaxpr.constvars.forEach((cv, i) => {
    const v = id(cv), c = closed.consts[i]!
    if (!(c instanceof NdArray) || c.dtype !== S.dtype[v] || c.size !== S.size[v])
      throw new InvalidArgumentError("jit", "a constant of the jaxpr does not match its constvar's shape and dtype.")
    S.consts.push({ v, data: c.data })
  })
  for (const v of [...inputs, ...S.consts.map((c) => c.v)]) {
    S.kind[v] = BUF
    if (S.size[v] === 1 && S.uses[v]! > 0) S.asScalar(v, S.read(v, 0))
  }

  /** Schedules equations; at the end of a program or loop body (`close`) its open groups are flushed. */
  const run = (eqns: readonly Eqn[], close = true): void => {
    for (let k = 0; k < eqns.length; k++) {
      const e = eqns[k]!
      const rule: Rule | undefined = e.effects.length ? undefined : ruleFor(e.prim)
      let done = false
      if (rule) {
        switch (rule.kind) {
          case "elem": done = elem(e, rule); break
          case "reduce": done = reduce(e, rule); break
          case "view": done = viewEqn(e, rule); break
          case "alias": if (e.inputs.length === 1 && e.outputs.length === 1) { S.aliasTo(id(e.outputs[0]!), e.inputs[0]!); done = true } break
          case "kernel":
            done = (e.prim.name === "pad" && fusedPad(e)) || (e.prim.name === "dot_general" && outerProduct(e)) || kernelEqn(e, rule.plan)
            break
          case "scan": done = inlineScan(S, e, run); break
          case "call": { const b = rule.body(e.params, e.inputs.length); done = inlineCall(S, e, b.closed, b.inputs, (q) => run(q, false)); break }
        }
      }
      if (!done) fallback(e)
    }
    if (close) for (const g of [...S.open.values()]) S.flush(g)
  }
  run(an.eqns)

  const outputs = closed.jaxpr.outvars.map((a): OutSpec => {
    if (a instanceof Literal) return { lit: a.value.data[0]!, dtype: S.atomDtype(a) }
    const r = S.idOf(a), k = S.kind[r]
    if (k === SCALAR) return { sc: S.sref[r]! }
    if (k === BUF) return { buf: r }
    const h = S.hidden(S.shape[r]!, S.dtype[r]!)
    S.isOut[h] = true
    if (k === SVEC) { S.items.push({ k: "st", out: h, refs: S.elems[r]! }); S.kind[h] = BUF }
    else S.copyInto(h, k === SPLAT ? { t: "sc", ref: S.sref[r]! } : { t: "mem", v: r, view: S.view[r]! })
    return { buf: h }
  })
  return {
    items: S.items, shape: S.shape, size: S.size, dtype: S.dtype, kind: S.kind, isOut: S.isOut, lits: S.lits,
    litValues: S.litValues, inputs, consts: S.consts, ext: S.ext, fallbacks: S.fallbacks, helpers: S.helpers, outputs,
    hidden: (s, dt) => S.hidden(s, dt),
  }
}
