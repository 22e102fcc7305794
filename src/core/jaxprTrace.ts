// Staging: a trace that records each primitive as an equation instead of running it.
// makeJaxpr/jit use it as the dynamic trace; linearize uses it to record the tangent program.

import { Array, NdArray } from "./array.js"
import { ShapedArray } from "./aval.js"
import { type Atom, ClosedJaxpr, type EffectSet, Eqn, Jaxpr, Literal, Var, pure } from "./ir.js"
import type { Primitive } from "./primitive.js"
import { Trace, Tracer, raise } from "./trace.js"

export class JaxprTracer extends Tracer {
  constructor(readonly trace: JaxprTrace, readonly atom: Atom) { super() }
  get aval(): ShapedArray { return this.atom.aval }
}

export class JaxprTrace extends Trace {
  readonly eqns: Eqn[] = []
  private readonly invars: Var[] = []
  private readonly constvars: Var[] = []
  private readonly consts: Array[] = []
  private readonly constTracers = new Map<Array, JaxprTracer>()

  newArg(aval: ShapedArray): JaxprTracer {
    const v = new Var(aval)
    this.invars.push(v)
    return new JaxprTracer(this, v)
  }

  pure(x: Array): Array {
    if (x instanceof NdArray && x.ndim === 0) return new JaxprTracer(this, new Literal(x))
    let t = this.constTracers.get(x)
    if (!t) {
      const v = new Var(x.aval)
      this.constvars.push(v)
      this.consts.push(x)
      t = new JaxprTracer(this, v)
      this.constTracers.set(x, t)
    }
    return t
  }

  processPrimitive(prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array[] {
    const avals = prim.abstractEval(args.map((a) => a.aval), params)
    const outs = avals.map((a) => new Var(a))
    this.eqns.push(new Eqn(prim, args.map((a) => (a as JaxprTracer).atom), outs, params, eqnEffects(prim, params)))
    return outs.map((v) => new JaxprTracer(this, v))
  }

  /** The closed jaxpr from `ins` (this trace's args, in order) to `outs`. */
  build(outs: readonly Array[]): ClosedJaxpr {
    const outAtoms = outs.map((o) => (raise(this, o) as JaxprTracer).atom)
    const jaxpr = new Jaxpr([...this.constvars], [...this.invars], outAtoms, [...this.eqns])
    return new ClosedJaxpr(jaxpr, [...this.consts])
  }
}

/**
 * An equation's effects: its primitive's, plus those of every jaxpr among its params, so a
 * scan, cond or checkpoint whose body prints is itself effectful (and survives DCE).
 */
export function eqnEffects(prim: Primitive, params: Record<string, unknown>, effectsOf: (j: ClosedJaxpr | Jaxpr) => EffectSet = (j) => j.effects): EffectSet {
  const own = prim.effects ?? pure
  let acc: Set<string> | null = null
  const add = (fx: EffectSet) => {
    if (fx.length === 0) return
    acc ??= new Set(own)
    for (const f of fx) acc.add(f)
  }
  for (const k in params) {
    const v = params[k]
    if (v instanceof ClosedJaxpr || v instanceof Jaxpr) add(effectsOf(v))
    else if (globalThis.Array.isArray(v)) for (const x of v) if (x instanceof ClosedJaxpr || x instanceof Jaxpr) add(effectsOf(x))
  }
  return acc === null ? own : [...(acc as Set<string>)]
}
