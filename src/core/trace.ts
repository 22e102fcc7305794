// Tracing (autodidax's design): every value is a concrete NdArray or a Tracer of some trace;
// traces stack by level, and `bind` hands a primitive to the highest trace among its inputs.
// The evaluation trace at level 0 runs kernels; a "dynamic" trace (jit) also takes
// primitives whose inputs are all constants, so they are staged rather than run.

import { Array, NdArray } from "./array.js"
import { ConcretizationError, TracerLeakError } from "./errors.js"
import type { Primitive } from "./primitive.js"

/** A value inside a transform: knows its trace and abstract value. */
export abstract class Tracer extends Array {
  abstract readonly trace: Trace
  /** The plainest equivalent value (a tracer whose transform adds nothing lowers to its primal). */
  fullLower(): Array { return this }
  concrete(fn: string): NdArray {
    throw new ConcretizationError(fn, this.aval.str(),
      `Under ${this.trace.name} only shapes and dtypes are known. Use lax.cond / lax.switch for branches and lax.whileLoop / lax.forILoop for loops, or move the read outside the transform.`)
  }
}

/** One transform's interpretation of primitives. */
export abstract class Trace {
  active = true
  constructor(readonly level: number, readonly name: string) {}
  /** A lower-level value seen as a tracer of this trace. */
  abstract pure(x: Array): Array
  lift(x: Array): Array { return this.pure(x) }
  abstract processPrimitive(prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array[]
}

/** Level 0: primitives run their eager kernels. */
class EvalTrace extends Trace {
  pure(x: Array): Array { return x }
  processPrimitive(prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array[] {
    const xs = args as readonly NdArray[]
    const avals = prim.abstractEval(xs.map((x) => x.aval), params) // shape/dtype errors before any work
    // weak typing follows the abstract values, so eager results promote as staged (jit) ones do
    return prim.impl(xs, params).map((o, i) => {
      const w = avals[i]?.weakType ?? o.aval.weakType
      return o.aval.weakType === w ? o : new NdArray(o.data, o.shape, o.dtype, w)
    })
  }
}

const evalTrace = new EvalTrace(0, "eval")
const stack: Trace[] = [evalTrace]
let dynamic: Trace = evalTrace

/** The level the next trace gets. */
export const nextLevel = (): number => stack.length

/** The trace that stages primitives of constants now (jit's, or level 0's). */
export const dynamicTrace = (): Trace => dynamic

/** Runs `body` with `trace` pushed; always pops it, so a throw leaves nothing behind. */
export function withTrace<T extends Trace, R>(trace: T, body: (t: T) => R, opts: { dynamic?: boolean } = {}): R {
  if (trace.level !== stack.length) throw new Error(`internal: trace level ${trace.level} pushed at depth ${stack.length}`)
  stack.push(trace)
  const prevDynamic = dynamic
  if (opts.dynamic) dynamic = trace
  try {
    return body(trace)
  } finally {
    stack.pop()
    trace.active = false
    dynamic = prevDynamic
  }
}

/** Applies a primitive to arrays, under whatever transforms are active. */
export function bind(prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array[] {
  let top: Trace = dynamic
  const n = args.length
  for (let i = 0; i < n; i++) {
    const a = args[i]
    if (!(a instanceof Tracer)) continue
    const t = a.trace
    if (!t.active) throw new TracerLeakError(t.name, a.aval.str())
    if (t.level > top.level) top = t
  }
  // plain loops: this runs once per primitive application while tracing long programs; the
  // argument list is copied only when some argument is actually raised to `top`
  let raised: Array[] | null = null
  for (let i = 0; i < n; i++) {
    const a = args[i]!, r = raise(top, a)
    if (r !== a) { raised ??= args.slice(); raised[i] = r }
  }
  const outs = top.processPrimitive(prim, raised ?? args, params)
  for (let i = 0; i < outs.length; i++) { const o = outs[i]; if (o instanceof Tracer) outs[i] = o.fullLower() }
  return outs
}

/** Brings `x` up to `trace`. */
export function raise(trace: Trace, x: Array): Array {
  if (x instanceof Tracer) {
    if (x.trace === trace) return x
    if (!x.trace.active) throw new TracerLeakError(x.trace.name, x.aval.str())
    if (x.trace.level < trace.level) return trace.lift(x)
    throw new TracerLeakError(x.trace.name, x.aval.str())
  }
  return trace.pure(x)
}

export const bind1 = (prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array => bind(prim, args, params)[0]!
