// while: repeats a const-free body while a const-free predicate holds. Forward mode runs a
// joint primal-and-tangent loop; reverse mode has no rule (the trip count is unknown), and
// says to pass `maxIterations`, which turns the loop into a bounded scan. Under vmap a batched
// predicate keeps finished lanes running (masked), which effects cannot survive: EffectError.

import { NdArray, type Array } from "../../core/array.js"
import { DtypeError, EffectError, NonDifferentiableError, ShapeError } from "../../core/errors.js"
import type { ClosedJaxpr } from "../../core/ir.js"
import { type Primitive, type Tangent, Zero, isUndefined, isZero, primitive } from "../../core/primitive.js"
import { bind } from "../../core/trace.js"
import { evalJaxprFlat } from "../../backends/interpreter/evalJaxpr.js"
import { instantiate, gt, select } from "../elementwise.js"
import { broadcastInDim, convert } from "../shape.js"
import { reduceMax } from "../reductions.js"
import { jvpJaxpr } from "../../transforms/jvp.js"
import { range } from "../../transforms/jaxprUtil.js"
import { traceJaxprFlat } from "../../transforms/makeJaxpr.js"
import { vmapFlat, moveBatchAxis } from "../../transforms/vmap.js"
import { invarsUsed, neededCarries, pruneClosed } from "../../transforms/dce.js"

export type WhileP = { cond_jaxpr: ClosedJaxpr; body_jaxpr: ClosedJaxpr; cond_nconsts: number; body_nconsts: number }
const run = (b: ClosedJaxpr, xs: readonly Array[]) => evalJaxprFlat(b.jaxpr, b.consts, xs)

export const whileP: Primitive<WhileP> = primitive<WhileP>({
  name: "while",
  abstractEval: (avals, { cond_jaxpr, body_jaxpr, cond_nconsts: cn, body_nconsts: bn }) => {
    const carry = avals.slice(cn + bn)
    const pred = cond_jaxpr.outAvals[0]
    if (!pred || pred.dtype !== "bool" || pred.ndim !== 0)
      throw new DtypeError("lax.whileLoop", [pred?.str() ?? "nothing"], "the condition must return a bool scalar.")
    const outs = body_jaxpr.outAvals
    if (outs.length !== carry.length || outs.some((a, i) => !a.equals(carry[i]!)))
      throw new ShapeError("lax.whileLoop", [...carry.map((a) => a.shape), ...outs.map((a) => a.shape)],
        `the body maps (${carry.map((a) => a.str()).join(", ")}) to (${outs.map((a) => a.str()).join(", ")}); the carry must keep its types.`)
    return carry.map((a) => a.strengthened())
  },
  impl: (args, { cond_jaxpr, body_jaxpr, cond_nconsts: cn, body_nconsts: bn }) => {
    const cc = args.slice(0, cn), bc = args.slice(cn, cn + bn)
    let carry: readonly Array[] = args.slice(cn + bn)
    while ((run(cond_jaxpr, [...cc, ...carry])[0] as NdArray).data[0]) carry = run(body_jaxpr, [...bc, ...carry])
    return carry as NdArray[]
  },
  jvp: (primals, tangents, p) => whileJvp(primals, tangents, p),
  transpose: (_cts, args, { cond_nconsts: cn, body_nconsts: bn }) => {
    // the loop met here carries primals and their tangents (the linear, undefined inputs)
    const carry = args.slice(cn + bn), show = (xs: typeof carry) => xs.map((a) => a.aval.str()).join(", ")
    throw new NonDifferentiableError("lax.whileLoop", `reverse-mode differentiation needs a bound on the number of iterations, which a while loop (carry ${show(carry.filter((a) => !isUndefined(a)))}, tangents ${show(carry.filter(isUndefined))}) does not have. Pass { maxIterations } to lax.whileLoop (it then runs as a scan), use lax.scan / lax.forILoop, or use forward mode (jvp, jacfwd).`)
  },
  batch: (args, bdims, p, size) => whileBatch(args, bdims, p, size),
  dce: (used, p) => whileDce(used, p),
})

/** A carry stays if it is used, the predicate reads it, or the body reads it for a kept carry. */
function whileDce(used: readonly boolean[], p: WhileP) {
  const { cond_jaxpr: cj, body_jaxpr: bj, cond_nconsts: cn, body_nconsts: bn } = p
  const condReads = invarsUsed(cj, [true])
  const carry = neededCarries(used.map((u, i) => u || condReads[cn + i]!), (c) => invarsUsed(bj, c).slice(bn))
  const bodyReads = invarsUsed(bj, carry)
  const condIn = [...condReads.slice(0, cn), ...carry], bodyIn = [...bodyReads.slice(0, bn), ...carry]
  const cond = pruneClosed(cj, condIn, [true]), body = pruneClosed(bj, bodyIn, carry)
  const params = cond === cj && body === bj ? p : {
    ...p, cond_jaxpr: cond, body_jaxpr: body, cond_nconsts: condIn.slice(0, cn).filter(Boolean).length, body_nconsts: bodyIn.slice(0, bn).filter(Boolean).length,
  }
  return { params, keepIn: [...condIn.slice(0, cn), ...bodyIn.slice(0, bn), ...carry], keepOut: carry }
}

export const whileLoop = (args: readonly Array[], p: WhileP): Array[] => bind(whileP, args, p)

function whileJvp(primals: readonly Array[], tangents: readonly Tangent[], p: WhileP): [Array[], Tangent[]] {
  const { cond_nconsts: cn, body_nconsts: bn } = p
  const nk = primals.length - cn - bn
  const nzB = tangents.slice(cn, cn + bn).map((t) => !isZero(t))
  let carryNz = tangents.slice(cn + bn).map((t) => !isZero(t))
  let jj = jvpJaxpr(p.body_jaxpr, [...nzB, ...carryNz], carryNz)
  for (;;) {
    const next = carryNz.map((b, i) => b || jj.outNonzero[i]!)
    if (next.every((b, i) => b === carryNz[i])) break
    carryNz = next
    jj = jvpJaxpr(p.body_jaxpr, [...nzB, ...carryNz], carryNz)
  }
  const outs = whileLoop(primals, p) // primal outputs at the level below, as linearize needs
  const ntb = nzB.filter(Boolean).length
  // joint loop: body consts [b_p, b_t], carry [c_p, c_t]; jj's inputs are [b_p, c_p, b_t, c_t]
  const bAvals = p.body_jaxpr.inAvals
  const body = traceJaxprFlat("jvp", (ins) => {
    const bp = ins.slice(0, bn), bt = ins.slice(bn, bn + ntb), cp = ins.slice(bn + ntb, bn + ntb + nk), ct = ins.slice(bn + ntb + nk)
    return run(jj.jaxpr, [...bp, ...cp, ...bt, ...ct])
  }, [...bAvals.slice(0, bn), ...bAvals.slice(0, bn).filter((_, i) => nzB[i]), ...bAvals.slice(bn), ...bAvals.slice(bn).filter((_, i) => carryNz[i])])
  const condJ = traceJaxprFlat("jvp", (ins) => run(p.cond_jaxpr, ins.slice(0, cn + nk)),
    [...p.cond_jaxpr.inAvals, ...bAvals.slice(bn).filter((_, i) => carryNz[i])])
  const bt = tangents.slice(cn, cn + bn).filter((_, i) => nzB[i]).map(instantiate)
  const ct = tangents.slice(cn + bn).filter((_, i) => carryNz[i]).map(instantiate)
  const joint = whileLoop([...primals.slice(0, cn), ...primals.slice(cn, cn + bn), ...bt, ...primals.slice(cn + bn), ...ct],
    { cond_jaxpr: condJ, body_jaxpr: body, cond_nconsts: cn, body_nconsts: bn + ntb })
  let k = nk
  return [outs, carryNz.map((z, i) => (z ? joint[k++]! : new Zero(outs[i]!.aval)))]
}

function whileBatch(args: readonly Array[], bdims: readonly (number | null)[], p: WhileP, size: number): [Array[], (number | null)[]] {
  const { cond_nconsts: cn, body_nconsts: bn } = p
  const nk = args.length - cn - bn
  const batchedIn = (i: number) => bdims[i] !== null
  let carryB = range(nk).map((i) => batchedIn(cn + bn + i))
  const bodyOutB = (cb: boolean[]) => {
    let ob: boolean[] = []
    const ins = [...range(bn).map((i) => batchedIn(cn + i)), ...cb]
    traceJaxprFlat("vmap", (xs) => { const [, od] = vmapFlat((v) => run(p.body_jaxpr, v), xs, ins.map((b) => (b ? 0 : null)), size); ob = od.map((d) => d !== null); return [] },
      p.body_jaxpr.inAvals.map((a, i) => (ins[i] ? batchedAval(a, size) : a)))
    return ob
  }
  for (;;) {
    const ob = bodyOutB(carryB)
    const next = carryB.map((b, i) => b || ob[i]!)
    if (next.every((b, i) => b === carryB[i])) break
    carryB = next
  }
  const condIns = [...range(cn).map((i) => batchedIn(i)), ...carryB]
  let predBatched = false
  traceJaxprFlat("vmap", (xs) => { const [, od] = vmapFlat((v) => run(p.cond_jaxpr, v), xs, condIns.map((b) => (b ? 0 : null)), size); predBatched = od[0] !== null; return [] },
    p.cond_jaxpr.inAvals.map((a, i) => (condIns[i] ? batchedAval(a, size) : a)))
  if (predBatched) refuseEffects(p, size)
  // with a batched predicate every lane's carry is batched, and finished lanes stop changing
  if (predBatched) carryB = carryB.map(() => true)
  const moved = args.map((a, i) => {
    if (i >= cn + bn) return carryB[i - cn - bn] ? moveBatchAxis(a, bdims[i] ?? null, 0, size) : a
    return bdims[i] === null ? a : moveBatchAxis(a, bdims[i]!, 0, size)
  })
  const dimsOf = (xs: readonly Array[], base: readonly (number | null)[]) => xs.map((_, i) => base[i] ?? null)
  const ccDims = range(cn).map((i) => (batchedIn(i) ? 0 : null)), bcDims = range(bn).map((i) => (batchedIn(cn + i) ? 0 : null))
  const carryDims = carryB.map((b) => (b ? 0 : null))
  const predOf = (xs: Array[]) => {
    const [[pr], [pd]] = vmapFlat((v) => run(p.cond_jaxpr, v), xs, [...ccDims, ...carryDims], size)
    return pd === null ? broadcastInDim(pr!, [size], []) : moveBatchAxis(pr!, pd!, 0, size)
  }
  const condJ = traceJaxprFlat("vmap", (xs) => {
    const pr = predOf(xs)
    return [predBatched ? gt(reduceMax(convert(pr, "int32"), [0]), NdArray.scalar(0, "int32")) : vmapFlat((v) => run(p.cond_jaxpr, v), xs, [...ccDims, ...carryDims], size)[0][0]!]
  }, moved.slice(0, cn).concat(moved.slice(cn + bn)).map((m) => m.aval))
  const bodyJ = traceJaxprFlat("vmap", (xs) => {
    const bc = xs.slice(0, bn + cn)
    const carry = xs.slice(bn + cn)
    const [outs, od] = vmapFlat((v) => run(p.body_jaxpr, v), [...bc.slice(cn), ...carry], [...bcDims, ...carryDims], size)
    const fixed = outs.map((o, i) => (carryB[i] ? moveBatchAxis(o, od[i]!, 0, size) : o))
    if (!predBatched) return fixed
    const pr = predOf([...bc.slice(0, cn), ...carry])
    return fixed.map((o, i) => select(broadcastInDim(pr, o.shape, [0]), o, carry[i]!))
  }, [...moved.slice(0, cn), ...moved.slice(cn, cn + bn), ...moved.slice(cn + bn)].map((m) => m.aval))
  void dimsOf
  // the body now also sees the cond consts (to mask finished lanes)
  const outs = whileLoop([...moved.slice(0, cn), ...moved.slice(0, cn), ...moved.slice(cn)],
    { cond_jaxpr: condJ, body_jaxpr: bodyJ, cond_nconsts: cn, body_nconsts: cn + bn })
  return [outs, carryB.map((b) => (b ? 0 : null))]
}

/** A batched predicate runs the condition and body for finished lanes too: refuse them if they have effects. */
function refuseEffects({ cond_jaxpr, body_jaxpr }: WhileP, size: number): void {
  const where = [body_jaxpr.effects.length > 0 ? "body" : "", cond_jaxpr.effects.length > 0 ? "condition" : ""].filter(Boolean)
  if (where.length === 0) return
  const effects = [...new Set([...body_jaxpr.effects, ...cond_jaxpr.effects])]
  throw new EffectError("vmap of lax.whileLoop", effects.join(", "),
    `The predicate differs between lanes (bool[${size}], one per lane, for a carry of (${body_jaxpr.outAvals.map((a) => a.str()).join(", ")}) per lane), ` +
    `so vmap keeps running the loop until every lane is done and masks the finished lanes; the effects (debug.print / debug.callback) in its ${where.join(" and ")} ` +
    "would run again for lanes that have already finished. Make the predicate depend only on unbatched values (for example a step counter), " +
    "use a fixed number of steps (lax.forILoop or lax.scan), or move the print out of the loop.",
    [[size], ...body_jaxpr.outAvals.map((a) => a.shape)])
}

import { ShapedArray } from "../../core/aval.js"
const batchedAval = (a: ShapedArray, size: number) => new ShapedArray([size, ...a.shape], a.dtype, a.weakType)
