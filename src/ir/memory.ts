// The memory a jaxpr keeps alive: a liveness walk in execution order. A value is live from
// the equation that makes it to its last use (outputs to the end); sub-jaxprs in params
// (control flow, checkpoint) add their own peak while their equation runs.

import type { ShapedArray } from "../core/aval.js"
import type { DType } from "../core/dtype.js"
import { ClosedJaxpr, type Jaxpr, Var } from "../core/ir.js"

const itemBytes: Record<DType, number> = { float64: 8, float32: 4, int32: 4, uint32: 4, bool: 1 }
export const bytesOf = (a: ShapedArray): number => a.size * itemBytes[a.dtype]

export interface MemoryReport {
  /** The most bytes alive at once (inputs and constants included while they are still used). */
  readonly peakBytes: number
  readonly inputBytes: number
  readonly outputBytes: number
  readonly constBytes: number
  /** Index of the equation at which the peak is reached (-1: before any equation). */
  readonly peakAtEqn: number
  readonly eqnCount: number
}

function subJaxprs(params: Record<string, unknown>): Jaxpr[] {
  const out: Jaxpr[] = []
  for (const v of Object.values(params)) {
    if (v instanceof ClosedJaxpr) out.push(v.jaxpr)
    else if (globalThis.Array.isArray(v)) for (const x of v) if (x instanceof ClosedJaxpr) out.push(x.jaxpr)
  }
  return out
}

function analyze(jaxpr: Jaxpr): MemoryReport {
  const lastUse = new Map<Var, number>()
  const end = jaxpr.eqns.length
  jaxpr.eqns.forEach((e, i) => { for (const a of e.inputs) if (a instanceof Var) lastUse.set(a, i) })
  for (const o of jaxpr.outvars) if (o instanceof Var) lastUse.set(o, end)
  const sum = (vs: readonly Var[]) => vs.reduce((n, v) => n + bytesOf(v.aval), 0)
  let live = 0
  for (const v of [...jaxpr.constvars, ...jaxpr.invars]) if (lastUse.has(v)) live += bytesOf(v.aval)
  let peak = live, peakAt = -1
  // values whose last use is equation i are freed after it runs
  const freeAt = new Map<number, number>()
  for (const [v, i] of lastUse) freeAt.set(i, (freeAt.get(i) ?? 0) + bytesOf(v.aval))
  jaxpr.eqns.forEach((e, i) => {
    const made = e.outputs.reduce((n, o) => n + (lastUse.has(o) ? bytesOf(o.aval) : 0), 0)
    const transient = e.outputs.reduce((n, o) => n + (lastUse.has(o) ? 0 : bytesOf(o.aval)), 0)
    const inner = Math.max(0, ...subJaxprs(e.params).map((j) => analyze(j).peakBytes))
    const during = live + made + transient + inner
    if (during > peak) { peak = during; peakAt = i }
    live += made - (freeAt.get(i) ?? 0)
  })
  return {
    peakBytes: peak, inputBytes: sum(jaxpr.invars), constBytes: sum(jaxpr.constvars),
    outputBytes: jaxpr.outvars.reduce((n, o) => n + bytesOf(o.aval), 0), peakAtEqn: peakAt, eqnCount: end,
  }
}

/**
 * Peak live bytes of a jaxpr in its execution order, with its input, output and constant bytes:
 * `ir.memoryReport(makeJaxpr(grad(f))(x)).peakBytes` is what a gradient keeps alive.
 * @example
 * ```ts
 * import { ir, makeJaxpr, np } from "wengert"
 * ir.memoryReport(makeJaxpr((x) => np.sin(x))(np.zeros([4]))).peakBytes // => 64
 * ```
 * @category ir
 * @since 0.1.0
 */
export function memoryReport(j: ClosedJaxpr | Jaxpr): MemoryReport {
  return analyze(j instanceof ClosedJaxpr ? j.jaxpr : j)
}
