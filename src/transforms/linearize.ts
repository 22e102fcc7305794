// linearize : (a -> b) -> a -> (b, T a -o T b)
// Runs the JVP with the primals computed now (at the level below) and the tangents staged
// into a jaxpr: the result is the primal output plus a linear jaxpr whose constants are the
// residuals. Transposing that jaxpr gives the VJP (JAX's "direct linearize").

import type { Array } from "../core/array.js"
import { isFloat } from "../core/dtype.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { JaxprTrace } from "../core/jaxprTrace.js"
import { type Tangent, Zero } from "../core/primitive.js"
import { nextLevel, withTrace } from "../core/trace.js"
import { instantiate } from "../prims/elementwise.js"
import { evalClosed } from "../backends/interpreter/evalJaxpr.js"
import { jvpFlat } from "./jvp.js"
import { dceClosed } from "./dce.js"
import { flattenArgs, unflatten } from "./flat.js"
import { ShapeError } from "../core/errors.js"
import { shapeEq } from "../core/shape.js"

export interface Linearized {
  readonly outs: Array[]
  /** Tangents of the differentiable (float) inputs -> tangents of all outputs. */
  readonly linear: ClosedJaxpr
  /** Which inputs are differentiable (have an invar in `linear`). */
  readonly diff: boolean[]
}

export function linearizeFlat(f: (xs: Array[]) => Array[], primals: readonly Array[], name = "linearize"): Linearized {
  return withTrace(new JaxprTrace(nextLevel(), name), (staging) => {
    const diff = primals.map((p) => isFloat(p.dtype))
    const tangents: Tangent[] = primals.map((p, i) => (diff[i] ? staging.newArg(p.aval.strengthened()) : new Zero(p.aval)))
    const [outs, touts] = jvpFlat(f, primals, tangents, name)
    const linear = dceClosed(staging.build(touts.map(instantiate)))
    return { outs, linear, diff }
  })
}

/**
 * f's derivative at `primals` as a function of the tangents, linearized once: the primal parts
 * (say tanh(x) in d tanh) are computed here, not again at each application (an iterative
 * solver applies it many times). With non-float inputs it falls back to one JVP a call.
 */
export function linearMap(f: (xs: Array[]) => Array[], primals: readonly Array[], name = "linearize"): (tangents: readonly Array[]) => Array[] {
  const lin = linearizeFlat(f, primals, name)
  if (!lin.diff.every(Boolean)) return (ts) => jvpFlat(f, primals, ts, name)[1].map(instantiate)
  return (ts) => evalClosed(lin.linear, ts).map(instantiate)
}

/**
 * Evaluates `f` and returns its output with a function that applies its Jacobian (the JVP at these primals).
 * @example
 * ```ts
 * import { linearize, np } from "wengert"
 * const [y, jvpAt] = linearize(np.exp, 0)
 * jvpAt(3).item() // => 3
 * ```
 * @throws {@link index!ShapeError} when a tangent's shape differs from its primal's.
 * @category transforms
 * @since 0.1.0
 */
export function linearize(f: (...args: any[]) => any, ...primals: unknown[]): [any, (...tangents: unknown[]) => any] {
  const [ps, inDef] = flattenArgs("linearize", primals)
  let outDef = inDef
  const lin = linearizeFlat((xs) => {
    const [leaves, def] = flattenArgs("linearize", f(...unflatten(inDef, xs)))
    outDef = def
    return leaves
  }, ps)
  const jvpFn = (...tangents: unknown[]) => {
    const [ts, tDef] = flattenArgs("linearize", tangents)
    if (tDef.key !== inDef.key) throw new ShapeError("linearize", [], `tangents have structure ${tDef.key} but primals have ${inDef.key}.`)
    ts.forEach((t, i) => { if (!shapeEq(t.shape, ps[i]!.shape)) throw new ShapeError("linearize", [ps[i]!.shape, t.shape], `tangent ${i} must have its primal's shape.`) })
    const outs = evalClosed(lin.linear, ts.filter((_, i) => lin.diff[i]).map((t, i) => t))
    return unflatten(outDef, outs)
  }
  return [unflatten(outDef, lin.outs), jvpFn]
}
