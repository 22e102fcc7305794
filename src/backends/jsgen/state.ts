// The scheduler's state: what every variable currently is, the open fusion groups (one per
// shape), literals, and the operations that change a variable's form (flush a group,
// materialize a view or splat into a buffer, read a small array's elements into scalars).

import type { Atom, Eqn, Var } from "../../core/ir.js"
import { Literal } from "../../core/ir.js"
import type { DType, TypedArray } from "../../core/dtype.js"
import { InvalidArgumentError } from "../../core/errors.js"
import type { Analysis } from "./analyze.js"
import type { ElemCtx, ElemRule, Group, Helper, Item, MemView, Member, Operand, Ref } from "./types.js"
import { isDtype, num } from "./text.js"
import { contiguousStrides, squeeze } from "./loops.js"
import { finish } from "./emit.js"

/** What a variable is: see the class comment of Sched. */
export const UNSET = 0, SCALAR = 1, SPLAT = 2, BUF = 3, VIEW = 4, FUSED = 5, SINK = 6, DEAD = 7, SVEC = 8
/** Arrays up to this size are kept as scalars, one per element (SVEC). */
export const SMALL = 4
/** The most equations one fused loop takes before it is flushed (bounds loop-body size). */
const MAX_GROUP = 96

export const copyRule: ElemRule = { kind: "elem", arity: 1, f32: false, ints: false, usesParams: false, expr: ([a]) => a! }
const ph: string[][] = [[], ["$0"], ["$0", "$1"], ["$0", "$1", "$2"]]
export const placeholders = (n: number): string[] => ph[n] ?? Array.from({ length: n }, (_, i) => `$${i}`)

/**
 * Per variable: SCALAR (a JS number, `sref`), SPLAT (an array whose elements all equal `sref`),
 * SVEC (a small array as scalars, `elems`), BUF (its own buffer), VIEW (strided view of a BUF),
 * FUSED (a temporary of an open group), SINK (a pending reduction of an open group), DEAD.
 */
export class Sched {
  readonly shape: (readonly number[])[]; readonly size: number[]; readonly dtype: DType[]
  readonly uses: number[]; readonly isOut: boolean[]
  readonly kind: number[]; readonly sref: Ref[]; readonly root: number[]; readonly inUses: number[]
  readonly view: (MemView | null)[]; readonly grp: (Group | null)[]; readonly elems: (Ref[] | null)[]
  items: Item[] = []; readonly lits: string[] = []; readonly litValues: number[] = []
  readonly consts: { v: number; data: TypedArray }[] = []; readonly ext = new Set<number>()
  readonly fallbacks: Eqn[] = []; readonly helpers = new Set<Helper>()
  open = new Map<string, Group>()
  private readonly litIndex = new Map<string, number>(); private readonly litByValue = new Map<number, Ref>()
  private matCache = new Map<number, MemView>()
  private readCache = new Map<string, Ref>()
  private readonly tplCache = new Map<ElemRule, Map<DType, string>>()
  readonly ctx: ElemCtx & { params: Record<string, unknown>; inDtypes: readonly DType[]; outDtype: DType }

  constructor(readonly an: Analysis) {
    // filled in one go (a push per var and field was a tenth of a large program's compile),
    // with room for the vars `hidden` adds: copying or regrowing a dozen arrays of 10^5
    // entries cost more. The analysis' arrays (made with that room) are taken over, not copied:
    // nothing reads them once a scheduler owns them.
    const n = an.shapes.length, cap = n + (n >> 2) + 64
    this.shape = an.shapes; this.size = an.sizes; this.dtype = an.dtypes
    this.uses = an.uses; this.isOut = an.isOut
    this.kind = filled(n, cap, UNSET); this.sref = filled<Ref>(n, cap, 0); this.inUses = filled(n, cap, 0)
    const root = new Array<number>(cap)
    for (let v = 0; v < n; v++) root[v] = v
    root.length = n
    this.root = root
    this.view = filled<MemView | null>(n, cap, null); this.grp = filled<Group | null>(n, cap, null); this.elems = filled<Ref[] | null>(n, cap, null)
    const helpers = this.helpers
    this.ctx = { params: {}, inDtypes: [], outDtype: "float64", need(h: Helper) { helpers.add(h) } }
  }
  /** Ids of the vars of inlined sub-jaxprs (loop bodies), which the analysis does not know. */
  readonly extra = new Map<Var, number>()
  /** The compact id of a var of the program or of an inlined body. */
  vid(v: Var): number {
    if (this.extra.size > 0) { const i = this.extra.get(v); if (i !== undefined) return i }
    return this.an.id(v)
  }
  private pushState(v: number): void {
    this.kind.push(UNSET); this.sref.push(0); this.root.push(v); this.inUses.push(0)
    this.view.push(null); this.grp.push(null); this.elems.push(null)
  }
  hidden(s: readonly number[], dt: DType): number {
    const v = this.shape.length
    this.shape.push(s); this.dtype.push(dt); this.size.push(s.reduce((a, b) => a * b, 1))
    this.uses.push(0); this.isOut.push(false); this.pushState(v)
    return v
  }
  lit(x: number): Ref {
    const neg0 = Object.is(x, -0)
    const cached = neg0 ? undefined : this.litByValue.get(x)
    if (cached !== undefined) return cached
    const t = num(x)
    let k = this.litIndex.get(t)
    if (k === undefined) { k = this.lits.length; this.lits.push(t); this.litValues.push(x); this.litIndex.set(t, k) }
    if (!neg0) this.litByValue.set(x, -1 - k)
    return -1 - k
  }
  /** The var behind an atom (following aliases); an array literal becomes a constant buffer. */
  idOf(a: Atom): number {
    if (a instanceof Literal) {
      const v = this.hidden(a.value.shape, a.value.dtype)
      if (!isDtype(a.value.dtype) || this.size[v] !== a.value.data.length) throw new InvalidArgumentError("jit", "the jaxpr has a malformed literal.")
      this.consts.push({ v, data: a.value.data }); this.kind[v] = BUF
      return v
    }
    const r = this.root[this.vid(a)]!
    if (this.kind[r] === UNSET || this.kind[r] === DEAD) throw new InvalidArgumentError("jit", "the jaxpr reads a variable before it is defined.")
    return r
  }
  atomDtype(a: Atom): DType {
    if (!(a instanceof Literal)) return this.dtype[this.vid(a)]!
    if (!isDtype(a.value.dtype)) throw new InvalidArgumentError("jit", "the jaxpr has a literal of an unknown dtype.")
    return a.value.dtype
  }
  atomShape(a: Atom): readonly number[] { return a instanceof Literal ? a.value.shape : this.shape[this.vid(a)]! }
  isScalarAtom(a: Atom): boolean {
    if (a instanceof Literal) return a.value.data.length === 1
    const k = this.kind[this.idOf(a)]
    return k === SCALAR || k === SPLAT
  }
  scalarRef(a: Atom): Ref { return a instanceof Literal ? this.lit(a.value.data[0]!) : this.sref[this.idOf(a)]! }
  asScalar(o: number, r: Ref): void { this.kind[o] = this.size[o] === 1 ? SCALAR : SPLAT; this.sref[o] = r }
  asSvec(o: number, refs: Ref[]): void {
    if (this.size[o] === 1) return this.asScalar(o, refs[0]!) // one element is a scalar: it broadcasts
    this.kind[o] = SVEC; this.elems[o] = refs
  }
  identity(v: number): MemView { return { base: v, off: 0, strides: contiguousStrides(this.shape[v]!) } }
  aliasTo(o: number, a: Atom): void {
    if (a instanceof Literal && a.value.data.length === 1) return this.asScalar(o, this.lit(a.value.data[0]!))
    const r = this.idOf(a)
    this.root[o] = r
    this.uses[r]! += this.uses[o]! - 1
    if (this.isOut[o]) this.isOut[r] = true
  }
  setCtx(params: Record<string, unknown>, inDtypes: readonly DType[], outDtype: DType): ElemCtx {
    this.ctx.params = params; this.ctx.inDtypes = inDtypes; this.ctx.outDtype = outDtype
    return this.ctx
  }
  /** A scalar statement's template, cached per rule and dtype so equal statements share one string. */
  template(rule: ElemRule, dt: DType, n: number): string | null {
    let byDt = rule.usesParams ? undefined : this.tplCache.get(rule)
    const hit = byDt?.get(dt)
    if (hit !== undefined) return hit
    const t = rule.expr(placeholders(n), this.ctx)
    if (t === null) return null
    const tpl = finish(rule.f32, rule.ints, dt, t)
    if (!rule.usesParams) {
      if (!byDt) { byDt = new Map(); this.tplCache.set(rule, byDt) }
      byDt.set(dt, tpl)
    }
    return tpl
  }

  /** Starts scheduling a loop body: its own items and groups; caches it may use but not extend. */
  enterBody(): () => Item[] {
    const saved = { items: this.items, open: this.open, readCache: this.readCache, matCache: this.matCache }
    this.items = []; this.open = new Map()
    this.readCache = new Map(saved.readCache); this.matCache = new Map(saved.matCache)
    return () => {
      const body = this.items
      this.items = saved.items; this.open = saved.open; this.readCache = saved.readCache; this.matCache = saved.matCache
      return body
    }
  }

  // groups ----------------------------------------------------------------------------------
  /**
   * The open group of a shape. Unit axes do not change the row-major order, so shapes equal
   * up to them share one group (and one loop) over the squeezed shape: a reshape between
   * [n, m] and [n, 1, m], common in batched derivatives, then costs nothing.
   */
  groupFor(s: readonly number[]): Group {
    const shape = squeeze(s), key = shape.join(",")
    let g = this.open.get(key)
    if (!g) { g = { shape, members: [], sinks: [] }; this.open.set(key, g) }
    return g
  }
  flush(g: Group): void {
    this.open.delete(g.shape.join(","))
    for (const m of g.members) {
      m.store = this.isOut[m.out]! || this.uses[m.out]! > this.inUses[m.out]!
      this.kind[m.out] = m.store ? BUF : DEAD
    }
    for (const s of g.sinks) {
      if (this.size[s.out] === 1) { this.kind[s.out] = SCALAR; this.sref[s.out] = s.out; continue }
      this.kind[s.out] = BUF
      if (s.dtype !== "float64" && !reducedSuffix(g.shape, s.reduced)) s.scratch = this.hidden(this.shape[s.out]!, "float64")
    }
    this.items.push({ k: "loop", g })
  }
  full(g: Group): void { if (g.members.length + g.sinks.length >= MAX_GROUP) this.flush(g) }
  operand(a: Atom, g: Group | null): Operand {
    if (a instanceof Literal && a.value.data.length === 1) return { t: "sc", ref: this.lit(a.value.data[0]!) }
    const r = this.idOf(a)
    switch (this.kind[r]) {
      case SCALAR: case SPLAT: return { t: "sc", ref: this.sref[r]! }
      case FUSED:
        if (this.grp[r] !== g) throw new Error("internal: fused operand from another group")
        this.inUses[r]!++
        return { t: "tmp", v: r }
      case SVEC: case SINK: return this.memOperand(r, this.materialize(r), g)
      case VIEW: return this.memOperand(r, this.view[r]!, g)
      default: return this.memOperand(r, this.identity(r), g)
    }
  }
  /** A buffer operand indexed by the group's axes; a one-element array broadcasts (zero strides). */
  private memOperand(r: number, m: MemView, g: Group | null): Operand {
    const view = squeezeView(m, this.shape[r]!)
    if (g && view.strides.length !== g.shape.length && this.size[r] === 1) return { t: "mem", v: r, view: { ...view, strides: g.shape.map(() => 0) } }
    return { t: "mem", v: r, view }
  }
  flushSinkInputs(e: Eqn): void {
    for (const a of e.inputs) if (!(a instanceof Literal) && this.kind[this.idOf(a)] === SINK) this.flush(this.grp[this.idOf(a)]!)
  }
  /** A closed one-member loop writing `src` into the new buffer `h`. */
  copyInto(h: number, src: Operand): void {
    const m: Member = { out: h, rule: copyRule, ins: [src], params: {}, inDtypes: [this.dtype[h]!], dtype: this.dtype[h]!, store: true }
    this.kind[h] = BUF
    this.items.push({ k: "loop", g: { shape: this.shape[h]!, members: [m], sinks: [] } })
  }

  // forms ---------------------------------------------------------------------------------------
  /** A strided view of a buffer holding r's values (flushing, packing or filling as needed). */
  materialize(r: number): MemView {
    const k = this.kind[r]
    if (k === FUSED || k === SINK) this.flush(this.grp[r]!)
    if (this.kind[r] === BUF) return this.identity(r)
    if (this.kind[r] === VIEW) return this.view[r]!
    let m = this.matCache.get(r)
    if (!m) {
      const h = this.hidden(this.shape[r]!, this.dtype[r]!)
      if (this.kind[r] === SCALAR) this.items.push({ k: "st", out: h, refs: [this.sref[r]!] })
      else if (this.kind[r] === SVEC) this.items.push({ k: "st", out: h, refs: this.elems[r]! })
      else this.copyInto(h, { t: "sc", ref: this.sref[r]! })
      this.kind[h] = BUF
      m = this.identity(h)
      this.matCache.set(r, m)
    }
    return m
  }
  /** A buffer var holding r's values row-major from offset 0. */
  contiguous(r: number): number {
    const m = this.materialize(r), s = this.shape[r]!, cs = contiguousStrides(s)
    if (m.off === 0 && this.size[m.base] === this.size[r] && m.strides.every((x, i) => s[i] === 1 || x === cs[i])) return m.base
    const h = this.hidden(s, this.dtype[r]!)
    this.copyInto(h, { t: "mem", v: r, view: m })
    return h
  }
  /** One scalar read of a buffer element (buffers are written once, so equal reads share it). */
  read(base: number, off: number, out = -1): Ref {
    const key = `${base}:${off}`, seen = this.readCache.get(key)
    if (seen !== undefined) return seen
    const o = out >= 0 ? out : this.hidden([], this.dtype[base]!)
    this.items.push({ k: "rd", out: o, base, off })
    this.asScalar(o, o)
    this.readCache.set(key, o)
    return o
  }
  /** The elements of an atom of `n` elements (rank-0 operands repeat), row-major, as scalars. */
  elemsOf(a: Atom, n: number): Ref[] {
    if (a instanceof Literal && a.value.data.length === 1) return new Array<Ref>(n).fill(this.lit(a.value.data[0]!))
    const r = this.idOf(a), k = this.kind[r]
    if (k === SCALAR || k === SPLAT) return new Array<Ref>(n).fill(this.sref[r]!)
    if (k === SVEC) return this.elems[r]!
    const m = this.materialize(r), s = this.shape[r]!, out: Ref[] = []
    for (let i = 0; i < n; i++) {
      let rem = i, off = m.off
      for (let d = s.length - 1; d >= 0; d--) { off += (rem % s[d]!) * m.strides[d]!; rem = Math.floor(rem / s[d]!) }
      out.push(this.read(m.base, off))
    }
    return out
  }
}

/** `n` entries equal to `x`, with room for `cap` (shortening a JS array's length keeps its backing store when more than half of it stays in use). */
function filled<T>(n: number, cap: number, x: T): T[] {
  const out = new Array<T>(Math.max(cap, n)).fill(x, 0, n)
  out.length = n
  return out
}

/** A view of an array of shape `s` indexed by the squeezed shape (unit axes are always 0). */
function squeezeView(m: MemView, s: readonly number[]): MemView {
  return s.includes(1) ? { base: m.base, off: m.off, strides: m.strides.filter((_, d) => s[d] !== 1) } : m
}

/** Whether, among axes longer than 1, the reduced ones all come after the kept ones. */
export function reducedSuffix(shape: readonly number[], reduced: readonly boolean[]): boolean {
  let seen = false
  for (let a = 0; a < shape.length; a++) {
    if (shape[a] === 1) continue
    if (reduced[a]) seen = true
    else if (seen) return false
  }
  return true
}
