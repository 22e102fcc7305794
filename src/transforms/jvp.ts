// jvp : (a -> b) -> (a, T a) -> (b, T b)
// Forward mode with dual-number semantics: each tracer carries a primal and a tangent, and
// each primitive's `jvp` rule pushes tangents through. Known-zero tangents stay symbolic.

import type { Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { isFloat } from "../core/dtype.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { type Primitive, type Tangent, Zero, isZero, zeroDerivative } from "../core/primitive.js"
import { Trace, Tracer, bind, nextLevel, withTrace } from "../core/trace.js"
import { shapeEq } from "../core/shape.js"
import { treedefLeafCount } from "../core/tree.js"
import { instantiate, instantiate as instantiate0 } from "../prims/elementwise.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { traceJaxprFlat } from "./makeJaxpr.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { flattenArgs, unflatten } from "./flat.js"

export class JvpTracer extends Tracer {
  constructor(readonly trace: JvpTrace, readonly primal: Array, readonly tangent: Tangent) { super() }
  get aval(): ShapedArray { return this.primal.aval }
  override concrete(fn: string) { return this.primal.concrete(fn) }
  override fullLower(): Array { return isZero(this.tangent) ? this.primal : this }
}

export class JvpTrace extends Trace {
  pure(x: Array): JvpTracer { return new JvpTracer(this, x, new Zero(x.aval)) }
  processPrimitive(prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array[] {
    const ts = args as readonly JvpTracer[]
    const n = ts.length
    // unary and binary ops as literals: packed lists of the exact size, as the rules' callers make them
    let primals: Array[], tangents: Tangent[]
    if (n === 2) { const a = ts[0]!, b = ts[1]!; primals = [a.primal, b.primal]; tangents = [a.tangent, b.tangent] }
    else if (n === 1) { const a = ts[0]!; primals = [a.primal]; tangents = [a.tangent] }
    else {
      primals = new globalThis.Array<Array>(n); tangents = new globalThis.Array<Tangent>(n)
      for (let i = 0; i < n; i++) { const t = ts[i]!; primals[i] = t.primal; tangents[i] = t.tangent }
    }
    let allZero = true
    for (let i = 0; i < n; i++) if (!(tangents[i] instanceof Zero)) { allZero = false; break }
    const rule = prim.jvp
    if (rule === zeroDerivative || allZero) {
      const outs: Array[] = bind(prim, primals, params)
      for (let i = 0; i < outs.length; i++) { const o = outs[i]!; outs[i] = new JvpTracer(this, o, new Zero(o.aval)) }
      return outs
    }
    const r = (rule as Exclude<typeof rule, typeof zeroDerivative>)(primals, tangents, params)
    const outs = r[0], touts = r[1]
    if (outs.length === 1) { const o = outs[0]!; return [new JvpTracer(this, o, isFloat(o.dtype) ? touts[0]! : new Zero(o.aval))] }
    const res = new globalThis.Array<Array>(outs.length)
    for (let i = 0; i < outs.length; i++) { const o = outs[i]!; res[i] = new JvpTracer(this, o, isFloat(o.dtype) ? touts[i]! : new Zero(o.aval)) }
    return res
  }
}

/** Runs `f` on flat primals and tangents under a fresh JVP trace; returns flat outputs. */
export function jvpFlat(f: (xs: Array[]) => Array[], primals: readonly Array[], tangents: readonly Tangent[], name = "jvp"): [Array[], Tangent[]] {
  return withTrace(new JvpTrace(nextLevel(), name), (trace) => {
    const ins = primals.map((p, i) => new JvpTracer(trace, p, tangents[i]!))
    const outs = f(ins)
    return unzip(trace, outs)
  })
}

function unzip(trace: JvpTrace, outs: readonly Array[]): [Array[], Tangent[]] {
  const ps: Array[] = [], ts: Tangent[] = []
  for (const o of outs) {
    if (o instanceof JvpTracer && o.trace === trace) { ps.push(o.primal); ts.push(o.tangent) }
    else { ps.push(o); ts.push(new Zero(o.aval)) }
  }
  return [ps, ts]
}

/**
 * Forward-mode derivative: evaluates `f` at `primals` and its directional derivative along `tangents`.
 * @example
 * ```ts
 * import { jvp, np } from "wengert"
 * const [y, dy] = jvp(np.sin, [0], [2])
 * dy.item() // => 2
 * ```
 * @throws {@link index!ShapeError} when a tangent's shape differs from its primal's.
 * @category transforms
 * @since 0.1.0
 */
export function jvp(f: (...args: any[]) => any, primals: readonly unknown[], tangents: readonly unknown[]): [any, any] {
  if (!globalThis.Array.isArray(primals) || !globalThis.Array.isArray(tangents))
    throw new InvalidArgumentError("jvp", "primals and tangents must be JS arrays with one entry per argument of f.")
  const [ps, inDef] = flattenArgs("jvp", primals)
  const [ts, tDef] = flattenArgs("jvp", tangents)
  if (tDef.key !== inDef.key)
    throw new ShapeError("jvp", [], `tangents have structure ${tDef.key} but primals have ${inDef.key}; give one tangent per primal leaf.`)
  ts.forEach((t, i) => {
    if (!shapeEq(t.shape, ps[i]!.shape))
      throw new ShapeError("jvp", [ps[i]!.shape, t.shape], `tangent ${i} must have its primal's shape.`)
  })
  let outDef = inDef
  const [po, to] = jvpFlat((xs) => {
    const out = f(...unflatten(inDef, xs))
    const [leaves, def] = flattenArgs("jvp", out)
    outDef = def
    return leaves
  }, ps, ts.map((t, i) => (isFloat(ps[i]!.dtype) ? (t.dtype === ps[i]!.dtype ? t : t.astype(ps[i]!.dtype)) : new Zero(ps[i]!.aval))))
  void treedefLeafCount
  return [unflatten(outDef, po), unflatten(outDef, to.map(instantiate))]
}

/**
 * The JVP of a const-free closed jaxpr as a jaxpr: inputs [...primals, ...nonzero tangents],
 * outputs [...primal outs, ...tangent outs that are nonzero or instantiated]. What control-flow
 * rules call on their bodies.
 */
export function jvpJaxpr(body: ClosedJaxpr, nonzeros: readonly boolean[], instantiate: readonly boolean[]): { jaxpr: ClosedJaxpr; outNonzero: boolean[] } {
  const inAvals = body.inAvals
  let outNonzero: boolean[] = []
  const jaxpr = traceJaxprFlat("jvp", (ins) => {
    const n = inAvals.length
    const primals = ins.slice(0, n)
    let k = n
    const tangents: Tangent[] = inAvals.map((a, i) => (nonzeros[i] ? ins[k++]! : new Zero(a)))
    const [po, to] = jvpFlat((xs) => evalJaxprFlat(body.jaxpr, body.consts, xs), primals, tangents, "jvp")
    outNonzero = to.map((t, i) => !isZero(t) || !!instantiate[i])
    return [...po, ...to.filter((_, i) => outNonzero[i]).map(instantiate0)]
  }, [...inAvals, ...inAvals.filter((_, i) => nonzeros[i]).map((a) => a.strengthened())])
  return { jaxpr, outNonzero }
}
