// remat (checkpoint) as two higher-order primitives. `remat` runs its body; under
// nothingSaveable its JVP gives the primal by `remat` and the tangent by `remat_jvp`, linear
// in the tangents with the body's inputs as its only residuals. A saving policy (dots,
// names, everything) splits the body's JVP instead: a `remat` computing the primal and the
// saveable residuals, and a `remat` of the tangent map that recomputes the rest. Transposing
// either re-runs the forward pass it needs (rematerialization) inside one `remat` equation
// whose body, traced once per body and zero pattern, is shared by every call site.

import type { Array } from "../core/array.js"
import type { ShapedArray } from "../core/aval.js"
import { ClosedJaxpr, Eqn, Jaxpr, Literal, Var, type Atom } from "../core/ir.js"
import { type Primitive, type Tangent, UndefinedPrimal, Zero, isUndefined, isZero, primitive } from "../core/primitive.js"
import { bind } from "../core/trace.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { jvpFlat, jvpJaxpr } from "../transforms/jvp.js"
import { vjpFlat } from "../transforms/vjp.js"
import { vmapFlat, moveBatchAxis } from "../transforms/vmap.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { hoistConsts, partialEvalJaxpr } from "../transforms/partialEval.js"
import { dce, dceClosed } from "../transforms/dce.js"
import { backwardPassArgs } from "../transforms/transpose.js"
import { dotGeneralP } from "./dot.js"
import { instantiate, nameP } from "./elementwise.js"

export type RematP = { jaxpr: ClosedJaxpr; policy: string }
const run = (body: ClosedJaxpr, xs: readonly Array[]) => evalJaxprFlat(body.jaxpr, body.consts, xs)

/** The body batched along axis 0 of every input (unbatched inputs are broadcast first). */
function batchBody(prim: Primitive<RematP>, args: readonly Array[], bdims: readonly (number | null)[], params: RematP, size: number, nTraced = args.length): [Array[], number[]] {
  const moved = args.map((a, i) => moveBatchAxis(a, bdims[i] ?? null, 0, size))
  const batched = traceJaxprFlat("vmap", (xs) => {
    const [outs, dims] = vmapFlat((ins) => run(params.jaxpr, ins), xs, xs.map(() => 0), size)
    return outs.map((o, i) => moveBatchAxis(o, dims[i]!, 0, size))
  }, moved.slice(0, nTraced).map((m) => m.aval))
  const outs = bind(prim, moved, { ...params, jaxpr: batched })
  return [outs, outs.map(() => 0)]
}

// --- transposition: one shared pullback body per (body, which inputs are linear, which cts are nonzero)

const pullbacks = new WeakMap<ClosedJaxpr, Map<string, ClosedJaxpr>>()

/**
 * The cotangents of the linear inputs of a call, computed by a `remat` whose body
 * [...known inputs, ...nonzero cts] -> [...linear input cts] is traced once and cached.
 * `pull(knownOrUndefined, cts)` is the backward pass of the call at trace time.
 */
function transposeCall(body: ClosedJaxpr, kind: string, args: readonly (Array | UndefinedPrimal)[], cts: readonly Tangent[], policy: string,
  outAvals: readonly ShapedArray[], pull: (args: readonly (Array | UndefinedPrimal)[], cts: readonly Tangent[]) => Tangent[]): (Tangent | null)[] {
  const linear = args.map(isUndefined), nzCt = cts.map((c) => !isZero(c))
  const key = `${kind}|${linear.map(Number).join("")}|${nzCt.map(Number).join("")}`
  let byKey = pullbacks.get(body)
  if (!byKey) { byKey = new Map(); pullbacks.set(body, byKey) }
  let pb = byKey.get(key)
  const known = args.filter((a): a is Array => !isUndefined(a))
  if (!pb) {
    const ctAvals = outAvals.filter((_, i) => nzCt[i])
    pb = traceJaxprFlat("checkpoint", (ins) => {
      let k = 0
      const as = args.map((a) => (isUndefined(a) ? a : ins[k++]!))
      const cs = cts.map((c, i) => (nzCt[i] ? ins[k++]! : new Zero(outAvals[i]!)))
      const res = pull(as, cs)
      return args.flatMap((a, i) => (isUndefined(a) ? [instantiate(res[i]!)] : []))
    }, [...known.map((a) => a.aval), ...ctAvals])
    pb = dceClosed(pb) // cotangents of inputs nobody differentiates are never computed
    byKey.set(key, pb)
  }
  const outs = bind(rematP, [...known, ...cts.filter((_, i) => nzCt[i]) as Array[]], { jaxpr: pb, policy })
  let k = 0
  return args.map((a) => (isUndefined(a) ? outs[k++]! : null))
}

// --- saving policies: split the body's JVP into a primal part and a recomputing tangent part

interface Split {
  /** [...consts, ...primals] -> [...primal outs, ...saved residuals] */
  readonly known: ClosedJaxpr
  readonly consts: readonly Array[]
  /** [...residuals, ...nonzero tangents] -> [...nonzero tangent outs]; recomputes unsaved values */
  readonly linear: ClosedJaxpr
  /** Residual r is known input `in` (of [...consts, ...primals]) or saved output `out`. */
  readonly sources: readonly { readonly in?: number; readonly out?: number }[]
  readonly outNonzero: readonly boolean[]
}

const splits = new WeakMap<ClosedJaxpr, Map<string, Split>>()

/** May the policy keep the output of this (primal) equation as a residual? */
function saveable(policy: string, e: Eqn): boolean {
  if (policy === "everythingSaveable") return true
  if (policy === "dotsSaveable") return e.prim === dotGeneralP
  // saveOnlyNames: checkpoint() has already removed the name equations of other names
  if (policy === "saveOnlyNames") return e.prim === nameP
  return false
}

function splitFor(body: ClosedJaxpr, nz: readonly boolean[], policy: string): Split {
  const key = `${policy}|${nz.map(Number).join("")}`
  let byKey = splits.get(body)
  if (!byKey) { byKey = new Map(); splits.set(body, byKey) }
  const hit = byKey.get(key)
  if (hit) return hit
  const nOut = body.outAvals.length
  const jj = jvpJaxpr(body, nz, body.outAvals.map(() => false))
  const [jc, consts] = hoistConsts(jj.jaxpr)
  const nKnown = consts.length + body.inAvals.length
  const pe = partialEvalJaxpr(jc, jc.jaxpr.invars.map((_, i) => i >= nKnown), [...body.outAvals.map(() => false), ...jj.outNonzero.filter(Boolean).map(() => true)])
  const K = pe.known.jaxpr, U = pe.unknown.jaxpr
  const made = new Map<Var, Eqn>()
  for (const e of K.eqns) for (const o of e.outputs) made.set(o, e)
  const isIn = new Set(K.invars)
  const keep = (v: Var) => isIn.has(v) || saveable(policy, made.get(v)!)
  // a saved name's input is the same value: x = name y saves y too
  const sameAs = new Map<Var, Var>()
  for (const e of K.eqns) if (e.prim === nameP && e.inputs[0] instanceof Var && keep(e.outputs[0]!)) sameAs.set(e.inputs[0], e.outputs[0]!)
  // residuals the policy refuses are recomputed from saveable values, pulled back eqn by eqn
  const residuals = K.outvars.slice(nOut) as Var[]
  const saved: Var[] = [], isSaved = new Set<Var>(), recompute = new Set<Eqn>()
  const save = (v: Var) => { if (!isSaved.has(v)) { isSaved.add(v); saved.push(v) } }
  const stack: Var[] = []
  const need = (v: Var) => { if (keep(v)) save(v); else if (sameAs.has(v)) save(sameAs.get(v)!); else stack.push(v) }
  residuals.forEach(need)
  while (stack.length) {
    const e = made.get(stack.pop()!)!
    if (recompute.has(e)) continue
    recompute.add(e)
    for (const a of e.inputs) if (a instanceof Var) need(a)
  }
  // the tangent jaxpr: fresh residual inputs, then the recomputation, then the unknown eqns
  const rename = new Map<Var, Var>()
  const fresh = (v: Var) => { const f = new Var(v.aval); rename.set(v, f); return f }
  const sub = (a: Atom): Atom => (a instanceof Literal ? a : rename.get(a) ?? a)
  const resIns = saved.map(fresh)
  for (const [v, named] of sameAs) if (isSaved.has(named) && !keep(v)) rename.set(v, rename.get(named)!)
  const recomputed = K.eqns.filter((e) => recompute.has(e)).map((e) => new Eqn(e.prim, e.inputs.map(sub), e.outputs.map(fresh), e.params, e.effects))
  // the unknown jaxpr reads residual r as its invar i: saved or recomputed, r has a new name now
  residuals.forEach((r, i) => rename.set(U.invars[i]!, rename.get(r)!))
  const tangentEqns = U.eqns.map((e) => new Eqn(e.prim, e.inputs.map(sub), e.outputs, e.params, e.effects))
  const L = dce(new Jaxpr([], [...resIns, ...U.invars.slice(residuals.length)], U.outvars.map(sub), [...recomputed, ...tangentEqns]))
  const out = saved.filter((v) => !isIn.has(v))
  const known = new ClosedJaxpr(dce(new Jaxpr([], K.invars, [...K.outvars.slice(0, nOut), ...out], K.eqns)), [])
  const sources = saved.map((v) => (isIn.has(v) ? { in: K.invars.indexOf(v) } : { out: out.indexOf(v) }))
  const split: Split = { known, consts: consts as Array[], linear: new ClosedJaxpr(L, []), sources, outNonzero: jj.outNonzero }
  byKey.set(key, split)
  return split
}

function savingJvp(primals: readonly Array[], tangents: readonly Tangent[], { jaxpr, policy }: RematP): [Array[], Tangent[]] {
  const nz = tangents.map((t) => !isZero(t))
  const s = splitFor(jaxpr, nz, policy)
  const nOut = jaxpr.outAvals.length
  const knownIns = [...s.consts, ...primals]
  const kOuts = bind(rematP, knownIns, { jaxpr: s.known, policy })
  const res = s.sources.map((src) => (src.in !== undefined ? knownIns[src.in]! : kOuts[nOut + src.out!]!))
  const touts = bind(rematP, [...res, ...tangents.filter((_, i) => nz[i]).map(instantiate)], { jaxpr: s.linear, policy })
  let k = 0
  return [kOuts.slice(0, nOut), jaxpr.outAvals.map((a, i) => (s.outNonzero[i] ? touts[k++]! : new Zero(a)))]
}

export const rematP: Primitive<RematP> = primitive<RematP>({
  name: "remat",
  abstractEval: (_, { jaxpr }) => jaxpr.outAvals,
  impl: (args, { jaxpr }) => run(jaxpr, args) as ReturnType<Primitive["impl"]>,
  jvp: (primals, tangents, params) => {
    if (tangents.every(isZero)) { const outs = bind(rematP, primals, params); return [outs, outs.map((o) => new Zero(o.aval))] }
    if (params.policy !== "nothingSaveable") return savingJvp(primals, tangents, params)
    const outs = bind(rematP, primals, params)
    if (!tangents.some(isZero)) return [outs, bind(rematJvpP, [...primals, ...tangents as Array[]], params)]
    // known-zero tangents are made inside a remat around remat_jvp, so they are never stored
    const nz = tangents.map((t) => !isZero(t))
    const touts = bind(rematP, [...primals, ...tangents.filter((_, i) => nz[i]) as Array[]], { jaxpr: zeroPadded(params.jaxpr, nz), policy: params.policy })
    return [outs, touts]
  },
  // a remat linear in some inputs (the tangent part of a saving split, or a pullback):
  // its backward pass evaluates the non-linear equations again, then transposes the rest
  transpose: (cts, args, params) => transposeCall(params.jaxpr, "linear", args, cts, params.policy, params.jaxpr.outAvals,
    (as, cs) => backwardPassArgs(params.jaxpr.jaxpr, params.jaxpr.consts, as, cs)),
  batch: (args, bdims, params, size) => batchBody(rematP, args, bdims, params, size),
})

const padded = new WeakMap<ClosedJaxpr, Map<string, ClosedJaxpr>>()

/** [...primals, ...nonzero tangents] -> remat_jvp of `body` with the other tangents zero (cached). */
function zeroPadded(body: ClosedJaxpr, nz: readonly boolean[]): ClosedJaxpr {
  const key = nz.map(Number).join("")
  let byKey = padded.get(body)
  if (!byKey) { byKey = new Map(); padded.set(body, byKey) }
  let j = byKey.get(key)
  if (!j) {
    const avals = body.inAvals, n = avals.length
    j = traceJaxprFlat("checkpoint", (ins) => {
      let k = n
      return bind(rematJvpP, [...ins.slice(0, n), ...avals.map((a, i) => (nz[i] ? ins[k++]! : instantiate(new Zero(a.strengthened()))))], { jaxpr: body, policy: "nothingSaveable" })
    }, [...avals, ...avals.filter((_, i) => nz[i]).map((a) => a.strengthened())])
    byKey.set(key, j)
  }
  return j
}

/** Tangent outputs of the body at (primals, tangents): inputs are [...primals, ...tangents]. */
function rematJvpInline(args: readonly Array[], body: ClosedJaxpr): Array[] {
  const n = args.length / 2
  return jvpFlat((xs) => run(body, xs), args.slice(0, n), args.slice(n), "checkpoint")[1].map(instantiate)
}

export const rematJvpP: Primitive<RematP> = primitive<RematP>({
  name: "remat_jvp",
  abstractEval: (_, { jaxpr }) => jaxpr.outAvals,
  impl: (args, { jaxpr }) => rematJvpInline(args, jaxpr) as ReturnType<Primitive["impl"]>,
  // differentiating the tangent map itself (higher order): go through its definition
  jvp: (primals, tangents, { jaxpr }) => jvpFlat((xs) => rematJvpInline(xs, jaxpr), primals, tangents, "checkpoint"),
  // ct ↦ Jᵀ ct at the saved inputs: recompute the forward pass now, then pull back
  transpose: (cts, args, { jaxpr, policy }) => {
    const n = args.length / 2
    if (args.slice(0, n).some(isUndefined)) throw new Error("internal: remat_jvp transposed with an unknown primal")
    return transposeCall(jaxpr, "jvp", args, cts, policy, jaxpr.outAvals, (as, cs) => {
      const inCts = vjpFlat("checkpoint", (xs) => run(jaxpr, xs), as.slice(0, n) as Array[]).pullbackFlat(cs)
      return [...as.slice(0, n).map((a) => new Zero(a.aval)), ...inCts]
    })
  },
  batch: (args, bdims, params, size) => batchBody(rematJvpP, args, bdims, params, size, args.length / 2),
})
