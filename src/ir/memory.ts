// The memory a jaxpr keeps alive: a liveness walk in execution order. A value is live from
// the equation that makes it to its last use (outputs to the end); sub-jaxprs in params
// (control flow, checkpoint) add their own peak while their equation runs. Analyses are
// memoized per jaxpr, since checkpointed gradients share bodies between many equations.
// Asked to, it also runs the jaxpr and reports measured figures (measure.ts).

import type { ShapedArray } from "../core/aval.js"
import { itemBytes } from "../core/dtype.js"
import { ClosedJaxpr, type Jaxpr, Var } from "../core/ir.js"
import { InvalidArgumentError } from "../core/errors.js"
import { type MeasuredBackend, type MeasuredMemory, measureMemory } from "./measure.js"

export type { MeasuredBackend, MeasuredMemory } from "./measure.js"

export const bytesOf = (a: ShapedArray): number => a.size * itemBytes[a.dtype]

export interface MemoryReport {
  /** The most bytes alive at once (inputs and constants included while they are still used). */
  readonly peakBytes: number
  readonly inputBytes: number
  readonly outputBytes: number
  readonly constBytes: number
  /**
   * The most bytes of intermediate values (made by one top-level equation, read by a later
   * one) held between two top-level equations. In a gradient's jaxpr the forward pass runs
   * first and hands its residuals to the backward pass, so this is the residual memory:
   * the bytes that cross from the forward to the backward part (a scan's stacked residuals
   * included; what a checkpoint recomputes inside its backward equation is not).
   */
  readonly residualBytes: number
  /** The top-level equation before which `residualBytes` are held (-1: none are). */
  readonly residualsAtEqn: number
  /** Index of the equation at which the peak is reached (-1: before any equation). */
  readonly peakAtEqn: number
  readonly eqnCount: number
  /** Measured figures per backend, present when `memoryReport` was given `{ measure: args }`. */
  readonly measured?: { readonly interpreter?: MeasuredMemory; readonly compiled?: MeasuredMemory }
}

/** What `memoryReport` should measure besides its static analysis. */
export interface MemoryReportOptions {
  /** Arguments (one per invar, as `evalJaxpr` takes them) to run the jaxpr on once per backend. */
  readonly measure: readonly unknown[]
  /** The backends to run it with (default both). */
  readonly backends?: readonly MeasuredBackend[]
}

function subJaxprs(params: Record<string, unknown>): Jaxpr[] {
  const out: Jaxpr[] = []
  for (const v of Object.values(params)) {
    if (v instanceof ClosedJaxpr) out.push(v.jaxpr)
    else if (globalThis.Array.isArray(v)) for (const x of v) if (x instanceof ClosedJaxpr) out.push(x.jaxpr)
  }
  return out
}

// loops run their body once per step next to their stacked outputs; any other equation
// with a body (remat, cond, custom calls) returns its body's outputs as its own
const loops = new Set(["scan", "while"])
const memo = new WeakMap<Jaxpr, MemoryReport>()

function analyze(jaxpr: Jaxpr): MemoryReport {
  const hit = memo.get(jaxpr)
  if (hit) return hit
  const lastUse = new Map<Var, number>()
  const end = jaxpr.eqns.length
  jaxpr.eqns.forEach((e, i) => { for (const a of e.inputs) if (a instanceof Var) lastUse.set(a, i) })
  // last read by an equation that matters (dead equations, such as a gradient's unused
  // primal output, hold nothing for later)
  const readLast = new Map<Var, number>()
  const needed = new Set<Var>()
  for (const o of jaxpr.outvars) if (o instanceof Var) needed.add(o)
  for (let i = end - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!
    if (e.effects.length === 0 && !e.outputs.some((o) => needed.has(o))) continue
    for (const a of e.inputs) if (a instanceof Var) { needed.add(a); if (!readLast.has(a)) readLast.set(a, i) }
  }
  for (const o of jaxpr.outvars) if (o instanceof Var) lastUse.set(o, end)
  const sum = (vs: readonly Var[]) => vs.reduce((n, v) => n + bytesOf(v.aval), 0)
  let live = 0
  for (const v of [...jaxpr.constvars, ...jaxpr.invars]) if (lastUse.has(v)) live += bytesOf(v.aval)
  let peak = live, peakAt = -1
  // values whose last use is equation i are freed after it runs
  const freeAt = new Map<number, number>()
  for (const [v, i] of lastUse) freeAt.set(i, (freeAt.get(i) ?? 0) + bytesOf(v.aval))
  // intermediates held for a later equation, between equations i - 1 and i
  const heldFrom = new Map<number, number>()
  let held = 0, residual = 0, residualAt = -1
  jaxpr.eqns.forEach((e, i) => {
    if (held > residual) { residual = held; residualAt = i }
    held -= heldFrom.get(i) ?? 0
    const made = e.outputs.reduce((n, o) => n + (lastUse.has(o) ? bytesOf(o.aval) : 0), 0)
    const transient = e.outputs.reduce((n, o) => n + (lastUse.has(o) ? 0 : bytesOf(o.aval)), 0)
    // a body's own inputs are this equation's operands (already live): count what it adds
    const inner = Math.max(0, ...subJaxprs(e.params).map((j) => { const r = analyze(j); return r.peakBytes - r.inputBytes - r.constBytes }))
    const during = live + (loops.has(e.prim.name) ? made + transient + inner : Math.max(made + transient, inner))
    if (during > peak) { peak = during; peakAt = i }
    live += made - (freeAt.get(i) ?? 0)
    for (const o of e.outputs) {
      const r = readLast.get(o)
      if (r !== undefined && r > i + 1) { held += bytesOf(o.aval); heldFrom.set(r, (heldFrom.get(r) ?? 0) + bytesOf(o.aval)) }
    }
  })
  const report: MemoryReport = {
    peakBytes: peak, inputBytes: sum(jaxpr.invars), constBytes: sum(jaxpr.constvars),
    outputBytes: jaxpr.outvars.reduce((n, o) => n + bytesOf(o.aval), 0),
    residualBytes: residual, residualsAtEqn: residualAt, peakAtEqn: peakAt, eqnCount: end,
  }
  memo.set(jaxpr, report)
  return report
}

/**
 * Peak live bytes of a jaxpr in its execution order, with its input, output and constant
 * bytes and the residual bytes a gradient's forward pass keeps for its backward pass:
 * `ir.memoryReport(makeJaxpr(grad(f))(x)).peakBytes` is what a gradient keeps alive.
 * Given `{ measure: args }`, it also runs the jaxpr on `args` through the interpreter and
 * through freshly compiled code and adds what an allocation counter saw in each
 * (`measured.interpreter`, `measured.compiled`: peak bytes of typed arrays alive at once and
 * bytes allocated; {@link MeasuredMemory} says what is counted). Runs that are not measured
 * pay one check per array allocation.
 * @example
 * ```ts
 * import { grad, ir, makeJaxpr, np } from "wengert"
 * ir.memoryReport(makeJaxpr((x) => np.sin(x))(np.zeros([4]))).peakBytes // => 64
 * // the gradient of sum(sin(sin x)) keeps cos x and cos(sin x): 2 × 4 float64s
 * ir.memoryReport(makeJaxpr(grad((x) => np.sum(np.sin(np.sin(x)))))(np.zeros([4]))).residualBytes // => 64
 * ```
 * @example
 * ```ts
 * import { ir, makeJaxpr, np } from "wengert"
 * // measured: the input and sin's output, 2 × 4 float64s, alive at once
 * const x = np.zeros([4])
 * const { measured } = ir.memoryReport(makeJaxpr((x) => np.sin(x))(x), { measure: [x] })
 * measured.interpreter // => {"peakBytes":64,"allocatedBytes":32,"retainedBytes":32}
 * measured.compiled // => {"peakBytes":64,"allocatedBytes":32,"retainedBytes":32}
 * ```
 * @throws {@link index!InvalidArgumentError} when the arguments to measure with do not match
 * the jaxpr's inputs, or a bare jaxpr with constants is given to measure.
 * @category ir
 * @since 0.1.0
 */
export function memoryReport(j: ClosedJaxpr | Jaxpr): MemoryReport
export function memoryReport(j: ClosedJaxpr | Jaxpr, options: MemoryReportOptions): MemoryReport & { readonly measured: NonNullable<MemoryReport["measured"]> }
export function memoryReport(j: ClosedJaxpr | Jaxpr, options?: MemoryReportOptions): MemoryReport {
  const report = analyze(j instanceof ClosedJaxpr ? j.jaxpr : j)
  if (options === undefined) return report
  if (!(j instanceof ClosedJaxpr) && j.constvars.length > 0)
    throw new InvalidArgumentError("ir.memoryReport", `this jaxpr has ${j.constvars.length} constant${j.constvars.length === 1 ? "" : "s"}; pass the ClosedJaxpr (as makeJaxpr returns it) to measure it.`)
  const closed = j instanceof ClosedJaxpr ? j : new ClosedJaxpr(j, [])
  return { ...report, measured: measureMemory(closed, options.measure, options.backends ?? ["interpreter", "compiled"]) }
}
