// What each primitive compiles to, keyed by its record: elementwise expressions, reducers,
// views (index arithmetic, no code), aliases and kernels (kernels.ts). A primitive absent
// from this table runs its eager `impl` from the generated code (the fallback), so every
// jaxpr compiles. Rule text is library text; params reach source only through `num`/`int`.

import type { Primitive } from "../../core/primitive.js"
import type { DType } from "../../core/dtype.js"
import * as ew from "../../prims/elementwise.js"
import * as sh from "../../prims/shape.js"
import * as rd from "../../prims/reductions.js"
import type { AliasRule, ElemCtx, ElemRule, ReduceRule, Rule, Strided, ViewRule } from "./types.js"
import { int, ints, isDtype, num } from "./text.js"
import { kernelRules } from "./kernels.js"
import { scanP } from "../../prims/control/scan.js"
import { rematP } from "../../prims/remat.js"
import { customJvpCallP, customVjpCallP } from "../../prims/custom.js"

const table = new Map<Primitive, Rule>()

function elem(p: Primitive, arity: number, f32: boolean, ints_: boolean, expr: (o: readonly string[], c: ElemCtx) => string | null,
  extra: { usesParams?: boolean; unit?: ElemRule["unit"] } = {}): void {
  const r: ElemRule = { kind: "elem", arity, f32, ints: ints_, expr, usesParams: extra.usesParams ?? false, ...(extra.unit ? { unit: extra.unit } : {}) }
  table.set(p, r)
}
const call = (fn: string) => (o: readonly string[]) => `${fn}(${o.join(",")})`

// unary math: float dtypes only, rounded for float32
const math: [Primitive, string][] = [
  [ew.sinP, "Math.sin"], [ew.cosP, "Math.cos"], [ew.tanP, "Math.tan"], [ew.tanhP, "Math.tanh"],
  [ew.sinhP, "Math.sinh"], [ew.coshP, "Math.cosh"], [ew.asinP, "Math.asin"], [ew.acosP, "Math.acos"],
  [ew.atanP, "Math.atan"], [ew.expP, "Math.exp"], [ew.expm1P, "Math.expm1"], [ew.logP, "Math.log"],
  [ew.log1pP, "Math.log1p"], [ew.sqrtP, "Math.sqrt"],
]
for (const [p, fn] of math) elem(p, 1, true, false, call(fn))
elem(ew.floorP, 1, false, false, call("Math.floor"))
elem(ew.ceilP, 1, false, false, call("Math.ceil"))
elem(ew.roundP, 1, false, false, ([a], c) => { c.need("round"); return `hRound(${a})` })
elem(ew.logisticP, 1, true, false, ([a], c) => { c.need("logistic"); return `hLogistic(${a})` })
elem(ew.negP, 1, false, true, ([a]) => `(-${a})`)
elem(ew.absP, 1, false, true, call("Math.abs"))
elem(ew.signP, 1, false, false, ([a]) => `(${a}>0?1:${a}<0?-1:${a}===0?0:${num(NaN)})`)
elem(ew.isFiniteP, 1, false, false, ([a]) => `(${a}-${a}===0?1:0)`)
elem(ew.notP, 1, false, false, ([a]) => `(${a}?0:1)`)
elem(ew.integerPowP, 1, true, true, ([a], c) => {
  const y = c.params["y"]
  if (typeof y !== "number" || !Number.isSafeInteger(y)) return null
  // V8 evaluates x**2 as x*x and x**1 as x (bit for bit), but calls pow for x**1 at run time
  return y === 0 ? "1" : y === 1 ? `(+${a})` : y === 2 ? `(${a}*${a})` : `(${a}**${int(y)})`
}, { usesParams: true })

// binary arithmetic and comparisons
// units are exact identities: x*1, 1*x, x/1, x-0, x+(-0), (-0)+x
elem(ew.addP, 2, true, true, ([a, b]) => `(${a}+${b})`, { unit: { left: "(-0)", right: "(-0)" } })
elem(ew.subP, 2, true, true, ([a, b]) => `(${a}-${b})`, { unit: { right: "0" } })
elem(ew.mulP, 2, true, true, ([a, b]) => `(${a}*${b})`, { unit: { left: "1", right: "1" } })
elem(ew.divP, 2, true, true, ([a, b]) => `(${a}/${b})`, { unit: { right: "1" } })
elem(ew.powP, 2, true, true, ([a, b]) => `(${a}**${b})`)
elem(ew.atan2P, 2, true, false, call("Math.atan2"))
// NaN propagates from either side, as in the eager kernels
elem(ew.maxP, 2, false, false, ([a, b]) => `(${a}>${b}||${a}!==${a}?${a}:${b})`)
elem(ew.minP, 2, false, false, ([a, b]) => `(${a}<${b}||${a}!==${a}?${a}:${b})`)
const cmp: [Primitive, string][] = [[ew.eqP, "==="], [ew.neP, "!=="], [ew.ltP, "<"], [ew.leP, "<="], [ew.gtP, ">"], [ew.geP, ">="]]
for (const [p, op] of cmp) elem(p, 2, false, false, ([a, b]) => `(${a}${op}${b}?1:0)`)
elem(ew.andP, 2, false, false, ([a, b]) => `(${a}&&${b}?1:0)`)
elem(ew.orP, 2, false, false, ([a, b]) => `(${a}||${b}?1:0)`)
// select_n(pred, onFalse, onTrue)
elem(ew.selectNP, 3, false, false, ([p, f, t]) => `(${p}?${t}:${f})`)
// convert_element_type: the rounding is part of the expression (the target picks it)
elem(sh.convertElementTypeP, 1, false, false, ([a], c) => convertText(a!, c.inDtypes[0]!, c.params["new_dtype"]), { usesParams: true })

function convertText(a: string, from: DType, to: unknown): string | null {
  if (!isDtype(to)) return null
  switch (to) {
    case "bool": return `(${a}?1:0)`
    case "int32": return `(${a}|0)`
    case "uint32": return `(${a}>>>0)`
    case "float32": return from === "float32" || from === "bool" ? a : `Math.fround(${a})`
    case "float64": return a
  }
}

// reductions: accumulate in a JS number from `init`, row-major over the reduced axes
function reducer(p: Primitive, init: number, step: (acc: string, v: string) => string): void {
  const r: ReduceRule = { kind: "reduce", init, step }
  table.set(p, r)
}
reducer(rd.reduceSumP, 0, (a, v) => `(${a}+${v})`)
reducer(rd.reduceProdP, 1, (a, v) => `(${a}*${v})`)
reducer(rd.reduceMaxP, -Infinity, (a, v) => `(${v}>${a}||${v}!==${v}?${v}:${a})`)
reducer(rd.reduceMinP, Infinity, (a, v) => `(${v}<${a}||${v}!==${v}?${v}:${a})`)

// views: index arithmetic on (offset, strides); null declines (the scheduler copies instead)
function view(p: Primitive, apply: ViewRule["apply"]): void { table.set(p, { kind: "view", apply }) }
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i])

view(sh.broadcastInDimP, (inShape, v, params, outShape) => {
  const dims = ints(params["broadcast_dimensions"], 0, outShape.length - 1)
  if (!dims || dims.length !== inShape.length) return null
  const strides = outShape.map(() => 0)
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!
    if (i > 0 && d <= dims[i - 1]!) return null
    if (inShape[i] !== 1 && inShape[i] !== outShape[d]) return null
    strides[d] = inShape[i] === 1 ? 0 : v.strides[i]!
  }
  return { off: v.off, strides }
})
view(sh.transposeP, (inShape, v, params, outShape) => {
  const perm = ints(params["permutation"], 0, inShape.length - 1)
  if (!perm || perm.length !== inShape.length || new Set(perm).size !== perm.length) return null
  if (!same(perm.map((i) => inShape[i]!), outShape)) return null
  return { off: v.off, strides: perm.map((i) => v.strides[i]!) }
})
view(sh.sliceP, (inShape, v, params, outShape) => {
  const s = ints(params["start_indices"], 0), st = ints(params["strides"], 1)
  if (!s || !st || s.length !== inShape.length || st.length !== inShape.length) return null
  let off = v.off
  for (let i = 0; i < s.length; i++) {
    if (outShape[i]! > 0 && s[i]! + (outShape[i]! - 1) * st[i]! >= inShape[i]!) return null
    off += s[i]! * v.strides[i]!
  }
  return { off, strides: v.strides.map((x, i) => x * st[i]!) }
})
view(sh.revP, (inShape, v, params) => {
  const dims = ints(params["dimensions"], 0, inShape.length - 1)
  if (!dims) return null
  let off = v.off
  const strides = [...v.strides]
  for (const d of new Set(dims)) {
    if (inShape[d]! > 0) off += (inShape[d]! - 1) * strides[d]!
    strides[d] = -strides[d]!
  }
  return { off, strides }
})
view(sh.reshapeP, (inShape, v, _params, outShape) => {
  // free when the view is row-major contiguous; otherwise the scheduler copies first
  if (inShape.reduce((a, b) => a * b, 1) !== outShape.reduce((a, b) => a * b, 1)) return null
  let acc = 1
  for (let i = inShape.length - 1; i >= 0; i--) {
    if (inShape[i] !== 1 && v.strides[i] !== acc) return null
    acc *= inShape[i]!
  }
  const strides: number[] = new Array(outShape.length)
  acc = 1
  for (let i = outShape.length - 1; i >= 0; i--) { strides[i] = acc; acc *= outShape[i]! }
  return { off: v.off, strides } satisfies Strided
})
const alias: AliasRule = { kind: "alias" }
table.set(ew.stopGradientP, alias)

for (const [p, r] of kernelRules) table.set(p, r)
table.set(scanP, { kind: "scan" })
// calls: remat and the custom-rule primitives evaluate their primal body (its first inputs, for
// custom_vjp_call past the fwd rule's consts)
const range = (lo: number, hi: number) => Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i)
table.set(rematP, { kind: "call", body: (p, n) => ({ closed: p["jaxpr"], inputs: range(0, n) }) })
table.set(customJvpCallP, { kind: "call", body: (p, n) => ({ closed: p["call"], inputs: range(0, n) }) })
table.set(customVjpCallP, {
  kind: "call", body: (p, n) => {
    const c = Number(p["num_call_consts"]), f = Number(p["num_fwd_consts"])
    return { closed: p["call"], inputs: [...range(0, c), ...range(c + f, n)] }
  },
})

/** The code-generation rule of a primitive, or undefined when it falls back to `impl`. */
export const ruleFor = (p: Primitive): Rule | undefined => table.get(p)
/** Whether the generator has a native emitter for `p` (the rest run their `impl`). */
export const hasNativeEmitter = (p: Primitive): boolean => table.has(p)
