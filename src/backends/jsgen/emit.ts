// Turns scheduled items into statements, with what chunking needs to know about each:
// the scalars it defines and reads and the buffer slots it touches. A fused group becomes
// one loop nest: operands loaded at the top of the body (so an in-place store can never be
// read back), members as loop-local consts, stores and reduction accumulators at the end.

import type { DType, TypedArray } from "../../core/dtype.js"
import type { Group, Item, Member, Operand, Ref, Roll, RollOp, ScanLoop, Sink, Strided } from "./types.js"
import type { Schedule } from "./fuse.js"
import type { BufferPlan } from "./bufferPlan.js"
import { bName, int, num, sName, tName, wrap } from "./text.js"
import { type Level, baseAt, contiguousStrides, mergeLevels, nest, squeeze } from "./loops.js"

export interface Emitted {
  readonly text: string
  readonly weight: number
  readonly sDefs: readonly number[]
  readonly sReads: readonly number[]
  /** Buffer slots used; `extDefs` are slots this item itself assigns (fallback results). */
  readonly slots: readonly number[]
  readonly extDefs: readonly number[]
  /**
   * A long loop, given a function of its own (chunk.ts): V8 compiles a hot loop on stack
   * replacement, and a function holding several loops and calls deoptimizes at each call or
   * loop its first run has not reached yet (W2's first call spent ~30 ms recompiling one).
   */
  readonly alone?: boolean
}

/** Trip counts from which a loop runs in a function of its own. */
const ALONE_TRIPS = 1024

/** Substitutes operand texts for the $k placeholders of a scalar template. */
export const fillTemplate = (tpl: string, refs: readonly Ref[], ref: (r: Ref) => string): string =>
  tpl.replace(/\$(\d+)/g, (_, k: string) => ref(refs[Number(k)]!))

/** Rounds a rule's result to its dtype where the rule asks for it. */
export function finish(f32: boolean, ints: boolean, dt: DType, t: string): string {
  return (dt === "float32" && f32) || ((dt === "int32" || dt === "uint32") && ints) ? wrap(dt, t) : t
}

export function emitItems(sch: Schedule, plan: BufferPlan): Emitted[] {
  const ref = (r: Ref): string => (r >= 0 ? sName(r) : sch.lits[-1 - r]!)
  const buf = (v: number): string => {
    const s = plan.slot[v]!
    if (s < 0) throw new Error("internal: buffer var without a slot")
    return bName(s)
  }
  const slotOf = (v: number) => plan.slot[v]!
  let tag = 0
  const emitList = (items: readonly Item[]): Emitted[] => items.map((it): Emitted => {
    switch (it.k) {
      case "sc": return {
        text: `const ${sName(it.out)}=${fillTemplate(it.tpl, it.refs, ref)};`, weight: 1,
        sDefs: [it.out], sReads: it.refs.filter((r) => r >= 0), slots: [], extDefs: [],
      }
      case "rd": return { text: `const ${sName(it.out)}=${buf(it.base)}[${int(it.off)}];`, weight: 1, sDefs: [it.out], sReads: [], slots: [slotOf(it.base)], extDefs: [] }
      case "st": return {
        text: it.refs.map((r, i) => `${buf(it.out)}[${int(i)}]=${ref(r)};`).join(""), weight: 1,
        sDefs: [], sReads: it.refs.filter((r) => r >= 0), slots: [slotOf(it.out)], extDefs: [],
      }
      case "kern": {
        const text = it.emit({ buf, out: (j) => buf(it.outs[j]!) })
        return { text, weight: 8, sDefs: [], sReads: [], slots: [...it.reads, ...it.outs].map(slotOf), extDefs: [] }
      }
      case "fb": {
        const r = `r${int(tag++)}`
        const args = it.ins.map((x) => ("sc" in x ? ref(x.sc) : buf(x.buf)))
        // `let`: chunk.ts lets go of each result after its last read (`r` right away)
        const lines = [`let ${r}=F(${int(it.index)},[${args.join(",")}]);`]
        it.outs.forEach((o, j) => lines.push(o.scalar ? `const ${sName(o.v)}=${r}[${int(j)}][0];` : `let ${buf(o.v)}=B[${int(slotOf(o.v))}]=${r}[${int(j)}];`))
        lines.push(`${r}=undefined;`)
        return {
          text: lines.join("\n"), weight: 3,
          sDefs: it.outs.filter((o) => o.scalar).map((o) => o.v),
          sReads: it.ins.flatMap((x) => ("sc" in x && x.sc >= 0 ? [x.sc] : [])),
          slots: it.ins.flatMap((x) => ("buf" in x ? [slotOf(x.buf)] : [])),
          extDefs: it.outs.filter((o) => !o.scalar).map((o) => slotOf(o.v)),
        }
      }
      case "loop": return loop(it.g, sch, plan, ref, buf, `${int(tag++)}`)
      case "roll": return roll(it.roll, ref, buf, slotOf)
      case "drd": {
        const i = ref(it.idx), n = int(it.n)
        // indices wrap once from the end, then clamp into range, as the gather kernel does
        const at = `${i}<0?(${i}+${n}<0?0:${i}+${n}):${i}>=${n}?${n}-1:${i}`
        return {
          text: `const ${sName(it.out)}=${buf(it.base)}[${int(it.off)}+${int(it.stride)}*(${at})];`, weight: 1,
          sDefs: [it.out], sReads: it.idx >= 0 ? [it.idx] : [], slots: [slotOf(it.base)], extDefs: [],
        }
      }
      case "scan": return scan(it.loop, `${int(tag++)}`)
    }
  })
  /** An inlined scan: a block looping over steps m, its body's statements inside. */
  const scan = (L: ScanLoop, tg: string): Emitted => {
    const body = emitList(L.body), slots = new Set<number>()
    for (const b of body) for (const x of b.slots) slots.add(x)
    const m = `m${tg}`, l = `l${tg}`, c = (k: number) => `c${tg}_${int(k)}`
    const lines: string[] = []
    for (const x of L.xs) {
      slots.add(slotOf(x.view.base))
      lines.push(`const ${sName(x.inVar)}=${buf(x.view.base)}[${int(x.view.off)}+${int(x.view.strides[0]!)}*${m}];`)
    }
    L.carries.forEach((q, k) => lines.push(`const ${sName(q.inVar)}=${c(k)};`))
    for (const b of body) lines.push(b.text)
    for (const y of L.ys) { slots.add(slotOf(y.buf)); lines.push(`${buf(y.buf)}[${m}]=${ref(y.out)};`) }
    lines.push(L.carries.map((q, k) => `${c(k)}=${ref(q.out)};`).join(""))
    const decl = L.carries.length ? `let ${L.carries.map((q) => `${sName(q.outVar)}=0`).join(",")};\n` : ""
    const lets = L.carries.length ? `let ${L.carries.map((q, k) => `${c(k)}=${ref(q.init)}`).join(",")};` : ""
    const step = L.reverse ? `${int(L.length - 1)}-${l}` : l
    const text = `${decl}{${lets}\nfor(let ${l}=0;${l}<${int(L.length)};${l}++){const ${m}=${step};\n${lines.join("\n")}}\n` +
      `${L.carries.map((q, k) => `${sName(q.outVar)}=${c(k)};`).join("")}}`
    return {
      text, weight: 3 + body.reduce((w, b) => w + b.weight, 0),
      sDefs: L.carries.map((q) => q.outVar),
      sReads: [...L.reads, ...L.carries.flatMap((q) => (q.init >= 0 ? [q.init] : []))],
      slots: [...slots], extDefs: [], alone: L.length >= ALONE_TRIPS,
    }
  }
  return emitList(sch.items)
}

/** A re-rolled block: one loop over j with carried values in block-scoped lets. */
function roll(r: Roll, ref: (x: Ref) => string, buf: (v: number) => string, slotOf: (v: number) => number): Emitted {
  const slots = new Set<number>(), sReads: number[] = [], loads = new Map<string, string>(), lines: string[] = []
  const load = (arr: number, index: string): string => {
    const key = `${arr}:${index}`
    let name = loads.get(key)
    if (name === undefined) { // each stored value is loaded once per iteration
      name = `g${int(loads.size)}`
      loads.set(key, name)
      slots.add(slotOf(arr))
      lines.push(`const ${name}=${buf(arr)}[${index}];`)
    }
    return name
  }
  const opText = (o: RollOp): string => {
    switch (o.t) {
      case "ref": if (o.ref >= 0) sReads.push(o.ref); return ref(o.ref)
      case "in": return `u${int(o.q)}`
      case "car": return `c${int(o.c)}`
      case "tab": return load(o.arr, "j")
      case "gat": return load(o.arr, `${int(o.a)}${o.b >= 0 ? "+" : "-"}${int(Math.abs(o.b))}*j`)
    }
  }
  const finals = new Map<number, number[]>()
  for (const f of r.finals) finals.set(f.q, [...(finals.get(f.q) ?? []), f.v])
  const body: string[] = []
  r.body.forEach((b, q) => {
    body.push(`const u${int(q)}=${b.tpl.replace(/\$(\d+)/g, (_, k: string) => opText(b.ops[Number(k)]!))};`)
    const st = r.stores[q]!
    if (st >= 0) { slots.add(slotOf(st)); body.push(`${buf(st)}[j]=u${int(q)};`) }
    for (const v of finals.get(q) ?? []) body.push(`${sName(v)}=u${int(q)};`)
  })
  const inits = r.carried.map((c, k) => { if (c.init >= 0) sReads.push(c.init); return `c${int(k)}=${ref(c.init)}` })
  const updates = r.carried.map((c, k) => `c${int(k)}=u${int(c.q)};`).join("")
  const decl = r.finals.length ? `let ${r.finals.map((f) => `${sName(f.v)}=0`).join(",")};\n` : ""
  const text = `${decl}{${inits.length ? `let ${inits.join(",")};` : ""}\nfor(let j=0;j<${int(r.R)};j++){\n${[...lines, ...body].join("\n")}\n${updates}}}`
  return { text, weight: 3 + r.body.length, sDefs: r.finals.map((f) => f.v), sReads, slots: [...slots], extDefs: [], alone: r.R >= ALONE_TRIPS }
}

function loop(g: Group, sch: Schedule, plan: BufferPlan, ref: (r: Ref) => string, buf: (v: number) => string, tag: string): Emitted {
  const exprs: Strided[] = [], sReads: number[] = [], sDefs: number[] = [], slots: number[] = []
  const loads = new Map<string, { name: string; expr: number; v: number; eye: number }>()
  const exprIndex = (s: Strided): number => { exprs.push(s); return exprs.length - 1 }
  const identity = g.members.some((m) => m.store) ? exprIndex({ off: 0, strides: contiguousStrides(g.shape) }) : -1
  const operandText = (op: Operand): (() => string) => {
    if (op.t === "tmp") return () => tName(op.v)
    if (op.t === "sc") { if (op.ref >= 0) sReads.push(op.ref); return () => ref(op.ref) }
    const key = `${op.view.base}:${op.view.off}:${op.view.strides.join(",")}`
    let l = loads.get(key)
    if (!l) {
      const s = plan.slots[plan.slot[op.view.base]!]
      l = { name: `x${int(loads.size)}`, expr: exprIndex(op.view), v: op.view.base, eye: s?.cls === "const" ? eyeOrder(s.data) : 0 }
      loads.set(key, l)
      slots.push(plan.slot[op.view.base]!)
    }
    const name = l.name
    return () => name
  }
  const members = g.members.map((m) => ({ m, ops: m.ins.map(operandText), at: m.at && m.store ? exprIndex(m.at) : identity }))
  const sinks = g.sinks.map((s) => {
    const outStrides = contiguousStrides(squeeze(sch.shape[s.out]!))
    let k = 0
    const strides = g.shape.map((_, a) => (s.reduced[a] ? 0 : outStrides[k++]!))
    const scalar = sch.size[s.out] === 1
    if (scalar) sDefs.push(s.out); else slots.push(plan.slot[s.out]!)
    if (s.scratch >= 0) slots.push(plan.slot[s.scratch]!)
    return { s, val: operandText(s.in), out: scalar ? -1 : exprIndex({ off: 0, strides }), scalar }
  })
  for (const { m } of members) if (m.store) slots.push(plan.slot[m.out]!)
  const fills = g.members.flatMap((m) => (m.fill !== undefined && m.store ? [`${buf(m.out)}.fill(${m.fill});`] : []))
  // a stencil sum's axis must be the innermost loop, alone: this index keeps it unmerged
  for (const m of g.members) if (m.carry) exprIndex({ off: 0, strides: g.shape.map((_, a) => (a === m.carry!.axis ? 1 : 0)) })
  const levels = mergeLevels(g.shape, exprs)
  // register-mode sinks accumulate in a local opened before level r (the first reduced level)
  const pre: string[][] = levels.map(() => []).concat([[]]), post: string[][] = levels.map(() => []).concat([[]])
  const before: string[] = [], after: string[] = [], bodyTail: ((idx: readonly string[]) => string)[] = []
  const expr = (m: Member, args: readonly string[]): string => {
    const t = m.rule.expr(args, { params: m.params, inDtypes: m.inDtypes, outDtype: m.dtype, need: () => {} })
    if (t === null) throw new Error("internal: an elementwise rule declined at emission")
    return finish(m.rule.f32, m.rule.ints, m.dtype, t)
  }
  // stencil sums (Member.carry): the late input waits in w<out> for one innermost step
  const inner = levels.length - 1
  for (const { m, at } of members) {
    const c = m.carry
    if (!c) continue
    if (inner < 0 || levels[inner]!.axes.join() !== String(c.axis)) throw new Error("internal: a stencil sum's axis is not the innermost loop")
    const w = `w${int(m.out)}`, tail = [...c.pads]
    tail[c.k] = w
    pre[inner]!.push(`let ${w}=${c.pads[c.k]};`)
    const end = `${baseAt(levels, exprs, at, inner, tag)}+${int(levels[inner]!.size * levels[inner]!.strides[at]!)}`
    post[inner]!.push(`${buf(m.out)}[${end}]=${expr(m, tail)};`)
  }
  for (const { s, val, out, scalar } of sinks) {
    const acc = `a${int(s.out)}`, init = num(s.rule.init)
    const r = registerLevel(levels, s)
    if (r !== null) {
      if (r === levels.length) { bodyTail.push((idx) => `${buf(s.out)}[${idx[out]}]=${s.rule.step(init, val())};`); continue }
      pre[r]!.push(`let ${acc}=${init};`)
      bodyTail.push(() => `${acc}=${s.rule.step(acc, val())};`)
      post[r]!.push(scalar ? `const ${sName(s.out)}=${wrap(s.dtype, acc)};` : `${buf(s.out)}[${baseAt(levels, exprs, out, r, tag)}]=${acc};`)
      continue
    }
    // memory mode: accumulate in the output (float64) or a float64 scratch, then convert
    const dst = s.scratch >= 0 ? buf(s.scratch) : buf(s.out)
    before.push(`${dst}.fill(${init});`)
    bodyTail.push((idx) => `{const o=${idx[out]};${dst}[o]=${s.rule.step(`${dst}[o]`, val())};}`)
    if (s.scratch >= 0) after.push(`for(let k=0;k<${int(sch.size[s.out]!)};k++)${buf(s.out)}[k]=${dst}[k];`)
  }
  const text = nest(levels, exprs, {
    pre: (d) => pre[d]!.join(""),
    post: (d) => post[d]!.join(""),
    body: (idx) => {
      const lines: string[] = []
      for (const l of loads.values()) {
        const eye = l.eye > 0 ? eyeRead(levels, exprs[l.expr]!, l.expr, l.eye, tag) : null
        lines.push(`const ${l.name}=${eye ?? `${buf(l.v)}[${idx[l.expr]}]`};`)
      }
      for (const { m, ops, at } of members) {
        const args = ops.map((f) => f()), late = m.carry ? args[m.carry.k]! : ""
        if (m.carry) args[m.carry.k] = `w${int(m.out)}`
        lines.push(`const ${tName(m.out)}=${expr(m, args)};`)
        if (m.store) lines.push(`${buf(m.out)}[${idx[at]}]=${tName(m.out)};`)
        if (m.carry) lines.push(`w${int(m.out)}=${late};`)
      }
      for (const b of bodyTail) lines.push(b(idx))
      return lines.join("\n")
    },
  }, tag)
  return {
    text: [...fills, ...before, text, ...after].join("\n"),
    weight: 3 + g.members.length + 2 * g.sinks.length + loads.size,
    sDefs, sReads, slots, extDefs: [], alone: g.shape.reduce((n, d) => n * d, 1) >= ALONE_TRIPS,
  }
}
const eyes = new WeakMap<TypedArray, number>()
/** n when `data` is the n×n identity (n ≥ 2), else 0: the basis jacfwd and hessian push forward. */
function eyeOrder(data: TypedArray): number {
  let n = eyes.get(data)
  if (n === undefined) {
    n = Math.round(Math.sqrt(data.length))
    if (n < 2 || n * n !== data.length) n = 0
    for (let i = 0; i < data.length && n > 0; i++) if (data[i] !== (i % (n + 1) === 0 ? 1 : 0)) n = 0
    eyes.set(data, n)
  }
  return n
}

/**
 * A read of the n×n identity at strided index `e` (expression k) as a comparison of its row and
 * column, when every loop level moves by whole rows (a stride that is a multiple of n) or
 * within one row without leaving it: then the constant is not read at all (two loads per
 * element from W4's 80 kB basis were a sixth of its Hessian's kernel). Null otherwise.
 */
function eyeRead(levels: readonly Level[], e: Strided, k: number, n: number, tag: string): string | null {
  const r0 = Math.floor(e.off / n), rows = r0 ? [int(r0)] : [], cols = e.off - r0 * n ? [int(e.off - r0 * n)] : []
  let last = e.off - r0 * n // the largest column read
  levels.forEach((lv, d) => {
    const s = lv.strides[k]!, i = `i${tag}_${d}`
    if (s === 0) return
    if (s % n === 0) rows.push(s === n ? i : `${i}*${int(s / n)}`)
    else if (s > 0 && s < n) { cols.push(s === 1 ? i : `${i}*${int(s)}`); last += s * (lv.size - 1) }
    else last = n
  })
  return last < n ? `(${rows.join("+") || "0"}===${cols.join("+") || "0"}?1:0)` : null
}

/** The level from which all of a sink's levels are reduced and before which none are; null if they interleave. */
function registerLevel(levels: readonly Level[], s: Sink): number | null {
  let r = levels.length
  while (r > 0 && levels[r - 1]!.axes.every((a) => s.reduced[a])) r--
  for (let d = 0; d < r; d++) if (levels[d]!.axes.some((a) => s.reduced[a])) return null
  return r
}
