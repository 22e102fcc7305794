// Staging: a trace that records each primitive as an equation instead of running it.
// makeJaxpr/jit use it as the dynamic trace; linearize uses it to record the tangent program.

import { Array, NdArray } from "./array.js"
import { ShapedArray } from "./aval.js"
import { type Atom, ClosedJaxpr, type EffectSet, Eqn, Jaxpr, Literal, Var, pure } from "./ir.js"
import type { Primitive } from "./primitive.js"
import { Trace, Tracer, raise } from "./trace.js"

/** Scratch lists of input avals by arity (see processPrimitive), and whether one is lent out. */
const noAval = new ShapedArray([], "float64")
const scratch: ShapedArray[][] = [[], [noAval], [noAval, noAval], [noAval, noAval, noAval]]
let evalBusy = false

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
    // plain loops, no closures: this runs once per staged equation (10^5 of them for an unrolled loop)
    const n = args.length
    // the usual arities as literals: packed lists of the exact size, read by every later pass
    const inputs: Atom[] = n === 1 ? [(args[0] as JaxprTracer).atom]
      : n === 2 ? [(args[0] as JaxprTracer).atom, (args[1] as JaxprTracer).atom] : new globalThis.Array<Atom>(n)
    // the input avals go in a scratch list of this arity when no abstractEval is running (rules
    // read their avals and return lists of their own; one returning its input list is read at
    // once, below): one allocation fewer per staged equation
    const reuse = !evalBusy && n < scratch.length
    const inAvals = reuse ? scratch[n]! : new globalThis.Array<ShapedArray>(n)
    for (let i = 0; i < n; i++) { const atom = (args[i] as JaxprTracer).atom; if (n > 2) inputs[i] = atom; inAvals[i] = atom.aval }
    let avals: readonly ShapedArray[]
    if (reuse) {
      evalBusy = true
      try { avals = prim.abstractEval(inAvals, params) } finally { evalBusy = false }
    } else avals = prim.abstractEval(inAvals, params)
    const effects = eqnEffects(prim, params), m = avals.length
    if (m === 1) {
      const v = new Var(avals[0]!)
      this.eqns.push(new Eqn(prim, inputs, [v], params, effects))
      return [new JaxprTracer(this, v)]
    }
    const outs = new globalThis.Array<Var>(m), tracers = new globalThis.Array<Array>(m)
    for (let i = 0; i < m; i++) { const v = new Var(avals[i]!); outs[i] = v; tracers[i] = new JaxprTracer(this, v) }
    this.eqns.push(new Eqn(prim, inputs, outs, params, effects))
    return tracers
  }

  /** The closed jaxpr from `ins` (this trace's args, in order) to `outs`. */
  build(outs: readonly Array[]): ClosedJaxpr {
    const outAtoms = outs.map((o) => (raise(this, o) as JaxprTracer).atom)
    const jaxpr = new Jaxpr([...this.constvars], [...this.invars], outAtoms, [...this.eqns])
    return new ClosedJaxpr(jaxpr, [...this.consts])
  }
}

/** The default `effectsOf` of eqnEffects, made once (a default closure was one allocation per staged equation). */
const ownEffects = (j: ClosedJaxpr | Jaxpr): EffectSet => j.effects

/**
 * An equation's effects: its primitive's, plus those of every jaxpr among its params, so a
 * scan, cond or checkpoint whose body prints is itself effectful (and survives DCE).
 */
export function eqnEffects(prim: Primitive, params: Record<string, unknown>, effectsOf: (j: ClosedJaxpr | Jaxpr) => EffectSet = ownEffects): EffectSet {
  const own = prim.effects ?? pure
  // no closure and no iterator: this runs once per staged equation, and most params are numbers or number lists
  let acc: Set<string> | null = null
  for (const k in params) {
    const v = params[k]
    if (typeof v !== "object" || v === null) continue
    if (v instanceof ClosedJaxpr || v instanceof Jaxpr) acc = addEffects(acc, own, effectsOf(v))
    else if (globalThis.Array.isArray(v))
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i]
        if (x instanceof ClosedJaxpr || x instanceof Jaxpr) acc = addEffects(acc, own, effectsOf(x))
      }
  }
  return acc === null ? own : [...acc]
}

function addEffects(acc: Set<string> | null, own: EffectSet, fx: EffectSet): Set<string> | null {
  if (fx.length === 0) return acc
  acc ??= new Set(own)
  for (const f of fx) acc.add(f)
  return acc
}
