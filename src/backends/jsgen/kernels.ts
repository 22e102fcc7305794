// Kernel rules: primitives that are neither elementwise nor views (dot_general, pad,
// concatenate, iota, cumsum, argmax/argmin, gather, scatter_add). Each plans its operands
// (asking the scheduler for strided views, copying only when a layout cannot be expressed)
// and returns an emitter of loops. Each writes every element of its output: pooled buffers
// hold stale data. Semantics, including the order of sums, follow the eager kernels.

import type { Primitive } from "../../core/primitive.js"
import { type DType, castScalar } from "../../core/dtype.js"
import { dotGeneralP } from "../../prims/dot.js"
import * as sh from "../../prims/shape.js"
import * as rd from "../../prims/reductions.js"
import type { Eqn } from "../../core/ir.js"
import type { EmitCtx, Helper, KernelPlan, KernelRule, MemView, Strided } from "./types.js"
import { int, ints, isDtype, num } from "./text.js"
import { contiguousStrides, mergeLevels, nest } from "./loops.js"
import { dotHelper, helperName } from "./prelude.js"

type Plan = (p: KernelPlan) => ((e: EmitCtx) => string) | null
export const kernelRules: [Primitive, KernelRule][] = []
/** Registers a kernel of `arity` operands (-1: any number, at least one) and one output. */
const kernel = (p: Primitive, arity: number, plan: Plan) => kernelRules.push([p, {
  kind: "kernel",
  plan: (k) => {
    const n = k.eqn.inputs.length
    return k.eqn.outputs.length === 1 && (arity < 0 ? n > 0 : n === arity) ? plan(k) : null
  },
}])
const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1)
const range = (n: number) => [...Array(n).keys()]
const distinct = (xs: readonly number[]) => new Set(xs).size === xs.length

/** One stride per axis group if each group walks as a single strided axis, else null. */
function collapse(shape: readonly number[], v: Strided, groups: readonly (readonly number[])[]): number[] | null {
  const out: number[] = []
  for (const g of groups) {
    const axes = g.filter((a) => shape[a] !== 1)
    for (let k = 0; k + 1 < axes.length; k++)
      if (v.strides[axes[k]!] !== v.strides[axes[k + 1]!]! * shape[axes[k + 1]!]!) return null
    out.push(axes.length ? v.strides[axes[axes.length - 1]!]! : 0)
  }
  return out
}
function grouped(p: KernelPlan, i: number, groups: number[][]): [MemView, number[]] {
  let v = p.view(i)
  let st = collapse(p.inShape(i), v, groups)
  if (!st) { v = p.ordered(i, groups.flat()); st = collapse(p.inShape(i), v, groups)! }
  return [v, st]
}

kernel(dotGeneralP, 2, (p) => {
  const pr = p.eqn.params, ls = p.inShape(0), rs = p.inShape(1), dt = p.outDtype(0)
  const lc = ints(pr["lhs_contracting"], 0, ls.length - 1), rc = ints(pr["rhs_contracting"], 0, rs.length - 1)
  const lb = ints(pr["lhs_batch"], 0, ls.length - 1), rb = ints(pr["rhs_batch"], 0, rs.length - 1)
  if (!lc || !rc || !lb || !rb || lc.length !== rc.length || lb.length !== rb.length) return null
  if (!distinct([...lc, ...lb]) || !distinct([...rc, ...rb]) || p.inDtype(0) !== dt || p.inDtype(1) !== dt || dt === "bool") return null
  if (lc.some((a, k) => ls[a] !== rs[rc[k]!]) || lb.some((a, k) => ls[a] !== rs[rb[k]!])) return null
  const lf = range(ls.length).filter((a) => !lc.includes(a) && !lb.includes(a))
  const rf = range(rs.length).filter((a) => !rc.includes(a) && !rb.includes(a))
  const nb = prod(lb.map((a) => ls[a]!)), M = prod(lf.map((a) => ls[a]!)), K = prod(lc.map((a) => ls[a]!)), N = prod(rf.map((a) => rs[a]!))
  const [lv, [sab, sam, sak]] = grouped(p, 0, [lb, lf, lc])
  const [rv, [sbb, sbk, sbn]] = grouped(p, 1, [rb, rc, rf])
  const h = dotHelper(dt), fn = helperName(h)
  p.need(h)
  const args = [sab, sam, sak, sbb, sbk, sbn, nb, M, N, K].map((x) => int(x!))
  return (e) => `${fn}(${e.buf(lv.base)},${int(lv.off)},${args[0]},${args[1]},${args[2]},${e.buf(rv.base)},${int(rv.off)},${args[3]},${args[4]},${args[5]},${e.out(0)},${args.slice(6).join(",")});`
})

/**
 * The dot helpers a program's products will call, read off its equations before scheduling,
 * so that compileJaxpr can warm them first (bool products are not compiled).
 */
export const productHelpers = (eqns: readonly Eqn[]): Helper[] =>
  eqns.flatMap((e) => (e.prim === dotGeneralP && e.outputs[0]!.aval.dtype !== "bool" ? [dotHelper(e.outputs[0]!.aval.dtype)] : []))

/** Copies a strided view into a strided destination over `shape`. */
function copyLoop(shape: readonly number[], src: Strided, srcName: string, dst: Strided, dstName: string, tag: string): string {
  const exprs = [src, dst]
  return nest(mergeLevels(shape, exprs), exprs, { body: ([s, d]) => `${dstName}[${d}]=${srcName}[${s}];` }, tag)
}

/** Where pad puts its operand in the output (strided) and the fill text; null if the params are malformed. */
export function padPlacement(x: readonly number[], out: readonly number[], params: Record<string, unknown>, dt: DType): { at: Strided; fill: string; lo: number[]; step: number[] } | null {
  const cfg = params["padding_config"], value = params["value"]
  if (!Array.isArray(cfg) || cfg.length !== x.length || typeof value !== "number") return null
  const trip = cfg.map((c) => ints(c, 0))
  if (trip.some((t) => !t || t.length !== 3)) return null
  const os = contiguousStrides(out)
  const at: Strided = { off: trip.reduce((a, t, i) => a + t![0]! * os[i]!, 0), strides: os.map((s, i) => s * (trip[i]![2]! + 1)) }
  return { at, fill: num(castScalar(value, dt)), lo: trip.map((t) => t![0]!), step: trip.map((t) => t![2]! + 1) }
}

kernel(sh.padP, 1, (p) => {
  const place = padPlacement(p.inShape(0), p.outShape(0), p.eqn.params, p.outDtype(0))
  if (!place) return null
  const v = p.view(0)
  return (e) => `${e.out(0)}.fill(${place.fill});\n${copyLoop(p.inShape(0), v, e.buf(v.base), place.at, e.out(0), "p")}`
})

kernel(sh.concatenateP, -1, (p) => {
  const d = p.eqn.params["dimension"], out = p.outShape(0), n = p.eqn.inputs.length
  if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0 || d >= out.length) return null
  const os = contiguousStrides(out), parts: { v: MemView; dst: Strided; shape: readonly number[] }[] = []
  let start = 0
  for (let i = 0; i < n; i++) {
    const s = p.inShape(i)
    parts.push({ v: p.view(i), dst: { off: start * os[d]!, strides: os }, shape: s })
    start += s[d]!
  }
  return (e) => parts.map((q, i) => copyLoop(q.shape, q.v, e.buf(q.v.base), q.dst, e.out(0), `c${i}`)).join("\n")
})

kernel(sh.iotaP, 0, (p) => {
  const out = p.outShape(0), d = p.eqn.params["dimension"]
  if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0 || d >= out.length) return null
  const outer = int(prod(out.slice(0, d))), n = int(out[d]!), inner = int(prod(out.slice(d + 1)))
  return (e) => `for(let o=0;o<${outer};o++)for(let j=0;j<${n};j++)for(let k=0,p=(o*${n}+j)*${inner};k<${inner};k++)${e.out(0)}[p+k]=j;`
})

kernel(rd.cumsumP, 1, (p) => {
  const x = p.inShape(0), ax = p.eqn.params["axis"], rev = p.eqn.params["reverse"]
  if (typeof ax !== "number" || !Number.isSafeInteger(ax) || ax < 0 || ax >= x.length || typeof rev !== "boolean") return null
  const v = p.view(0), s = int(contiguousStrides(x)[ax]!), n = int(x[ax]!), outer = int(prod(x.slice(0, ax)))
  const dst: Strided = { off: 0, strides: contiguousStrides(x) }
  // the running sum is rounded to the dtype at every step: it accumulates in the output array
  const scan = rev
    ? `for(let k=${n}-2;k>=0;k--)O[b+k*${s}]+=O[b+(k+1)*${s}];`
    : `for(let k=1;k<${n};k++)O[b+k*${s}]+=O[b+(k-1)*${s}];`
  return (e) => `${copyLoop(x, v, e.buf(v.base), dst, e.out(0), "s")}
{const O=${e.out(0)};for(let o=0;o<${outer};o++)for(let i=0;i<${s};i++){const b=o*${n}*${s}+i;${scan}}}`
})

function argKernel(p: KernelPlan, better: string): ((e: EmitCtx) => string) | null {
  const x = p.inShape(0), ax = p.eqn.params["axis"], idt = p.eqn.params["index_dtype"]
  if (typeof ax !== "number" || !Number.isSafeInteger(ax) || ax < 0 || ax >= x.length || !isDtype(idt) || x[ax] === 0) return null
  const v = p.view(0), kept = range(x.length).filter((a) => a !== ax)
  const keptShape = kept.map((a) => x[a]!), src: Strided = { off: v.off, strides: kept.map((a) => v.strides[a]!) }
  const dst: Strided = { off: 0, strides: contiguousStrides(keptShape) }, s = int(v.strides[ax]!), n = int(x[ax]!)
  const exprs = [src, dst]
  // the first extremum wins; a NaN is the extremum and stops the scan (numpy's rule)
  return (e) => nest(mergeLevels(keptShape, exprs), exprs, {
    body: ([ps, pd]) => `{const X=${e.buf(v.base)},p=${ps};let best=X[p],bi=0;
for(let k=1;k<${n}&&best===best;k++){const w=X[p+k*${s}];if(${better}||w!==w){best=w;bi=k}}${e.out(0)}[${pd}]=bi;}`,
  }, "a")
}
kernel(rd.argmaxP, 1, (p) => argKernel(p, "w>best"))
kernel(rd.argminP, 1, (p) => argKernel(p, "w<best"))

/** Shared shape of take/scatter_add along one axis: outer × n × inner, with m indices. */
function takeDims(p: KernelPlan): { outer: string; n: string; inner: string; m: string } | null {
  const ax = p.eqn.params["axis"], x = p.inShape(0)
  if (typeof ax !== "number" || !Number.isSafeInteger(ax) || ax < 0 || ax >= x.length) return null
  if (p.inDtype(1) !== "int32" && p.inDtype(1) !== "uint32") return null
  return { outer: int(prod(x.slice(0, ax))), n: int(x[ax]!), inner: int(prod(x.slice(ax + 1))), m: int(prod(p.inShape(1))) }
}
const rowMajor = (p: KernelPlan, i: number) => p.ordered(i, range(p.inShape(i).length))
// indices wrap once from the end, then clamp into range (JAX's default for gathers)
const clampIdx = (I: string, io: string, n: string) => `let i=${I}[${io}+j];if(i<0)i+=${n};i=i<0?0:i>=${n}?${n}-1:i;`

kernel(sh.gatherP, 2, (p) => {
  const d = takeDims(p)
  if (!d) return null
  const xv = rowMajor(p, 0), iv = rowMajor(p, 1)
  return (e) => `{const X=${e.buf(xv.base)},I=${e.buf(iv.base)},O=${e.out(0)};
for(let o=0;o<${d.outer};o++)for(let j=0;j<${d.m};j++){${clampIdx("I", int(iv.off), d.n)}
const s=${int(xv.off)}+(o*${d.n}+i)*${d.inner},t=(o*${d.m}+j)*${d.inner};for(let k=0;k<${d.inner};k++)O[t+k]=X[s+k];}}`
})

kernel(sh.scatterAddP, 3, (p) => {
  const d = takeDims(p)
  if (!d) return null
  const x = p.inShape(0), xv = p.view(0), iv = rowMajor(p, 1), uv = rowMajor(p, 2)
  const dst: Strided = { off: 0, strides: contiguousStrides(x) }
  return (e) => `${copyLoop(x, xv, e.buf(xv.base), dst, e.out(0), "x")}
{const I=${e.buf(iv.base)},U=${e.buf(uv.base)},O=${e.out(0)};
for(let o=0;o<${d.outer};o++)for(let j=0;j<${d.m};j++){${clampIdx("I", int(iv.off), d.n)}
const t=(o*${d.n}+i)*${d.inner},s=${int(uv.off)}+(o*${d.m}+j)*${d.inner};for(let k=0;k<${d.inner};k++)O[t+k]+=U[s+k];}}`
})
