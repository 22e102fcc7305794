// cond: applies branches[index] to the operands (index clamped into range). Its JVP runs a
// primal cond that also returns residuals (the union over branches, zeros for the branches
// not taken) and a linear tangent cond; transposing it transposes each branch. Under vmap a
// batched index runs every branch and selects per lane, which effects cannot survive (an
// untaken branch would print), so that case is an EffectError.

import { NdArray, type Array } from "../../core/array.js"
import { DtypeError, EffectError, ShapeError } from "../../core/errors.js"
import type { ClosedJaxpr } from "../../core/ir.js"
import { type Primitive, type Tangent, UndefinedPrimal, Zero, isUndefined, isZero, primitive } from "../../core/primitive.js"
import { bind } from "../../core/trace.js"
import { evalJaxprFlat } from "../../backends/interpreter/evalJaxpr.js"
import { eq, instantiate, max, min, select } from "../elementwise.js"
import { broadcastInDim, convert } from "../shape.js"
import { jvpJaxpr } from "../../transforms/jvp.js"
import { hoistConsts, partialEvalJaxpr } from "../../transforms/partialEval.js"
import { range } from "../../transforms/jaxprUtil.js"
import { traceJaxprFlat } from "../../transforms/makeJaxpr.js"
import { backwardPassArgs } from "../../transforms/transpose.js"
import { vmapFlat, moveBatchAxis } from "../../transforms/vmap.js"
import { invarsUsed, pruneClosed } from "../../transforms/dce.js"

export type CondP = { branches: readonly ClosedJaxpr[] }
const run = (b: ClosedJaxpr, xs: readonly Array[]) => evalJaxprFlat(b.jaxpr, b.consts, xs)

export const condP: Primitive<CondP> = primitive<CondP>({
  name: "cond",
  abstractEval: ([index, ...ops], { branches }) => {
    if (index!.dtype !== "int32" || index!.ndim !== 0)
      throw new DtypeError("cond", [index!.str()], "the branch index must be an int32 scalar.")
    const out0 = branches[0]!.outAvals
    branches.forEach((b, k) => {
      b.inAvals.forEach((a, i) => {
        if (!a.equals(ops[i]!)) throw new ShapeError("cond", [a.shape, ops[i]!.shape], `branch ${k} takes ${a.str()} where operand ${i} is ${ops[i]!.str()}.`)
      })
      const outs = b.outAvals
      if (outs.length !== out0.length || outs.some((a, i) => !a.equals(out0[i]!)))
        throw new ShapeError("lax.cond", [...out0.map((a) => a.shape), ...outs.map((a) => a.shape)],
          `branch 0 returns (${out0.map((a) => a.str()).join(", ")}) but branch ${k} returns (${outs.map((a) => a.str()).join(", ")}); every branch must return the same types.`)
    })
    return out0.map((a) => a.strengthened())
  },
  impl: ([index, ...ops], { branches }) => {
    const i = Math.min(Math.max(index!.data[0]!, 0), branches.length - 1)
    return run(branches[i]!, ops) as NdArray[]
  },
  jvp: (primals, tangents, p) => condJvp(primals, tangents, p),
  transpose: (cts, args, p) => condTranspose(cts, args, p),
  batch: (args, bdims, p, size) => condBatch(args, bdims, p, size),
  dce: (used, p) => {
    // an operand stays if any branch still reads it; the index always stays
    const reads = p.branches.map((b) => invarsUsed(b, used))
    const keepOps = reads[0]!.map((_, i) => reads.some((r) => r[i]))
    const branches = p.branches.map((b) => pruneClosed(b, keepOps, used))
    return { params: branches.every((b, k) => b === p.branches[k]) ? p : { ...p, branches }, keepIn: [true, ...keepOps], keepOut: used }
  },
})

/** Binds cond on a clamped int32 index. */
export const cond = (index: Array, ops: readonly Array[], branches: readonly ClosedJaxpr[]): Array[] => bind(condP, [index, ...ops], { branches })

function condJvp([index, ...ops]: readonly Array[], [, ...tans]: readonly Tangent[], { branches }: CondP): [Array[], Tangent[]] {
  const n = ops.length
  const nzIn = tans.map((t) => !isZero(t))
  const no = branches[0]!.outAvals.length
  const outNz = range(no).map(() => false)
  for (const b of branches) jvpJaxpr(b, nzIn, outNz).outNonzero.forEach((z, i) => { outNz[i] = outNz[i] || z })
  const nt = nzIn.filter(Boolean).length, nto = outNz.filter(Boolean).length
  // a JVP'd branch may hold constants of its own (arrays a custom rule makes): like lax.cond's
  // captured values, they become operands of the primal cond, each branch taking its slice
  const hoisted = branches.map((b) => hoistConsts(jvpJaxpr(b, nzIn, outNz).jaxpr))
  const extras = hoisted.flatMap(([, c]) => c as Array[])
  const exOff = hoisted.map((_, k) => hoisted.slice(0, k).reduce((s, [, c]) => s + c.length, 0))
  const pes = hoisted.map(([jc, c]) => partialEvalJaxpr(jc,
    [...range(c.length + n).map(() => false), ...range(nt).map(() => true)], [...range(no).map(() => false), ...range(nto).map(() => true)]))
  // residual slots: every branch's residuals side by side
  const resAvals = pes.flatMap((pe) => pe.known.outAvals.slice(no))
  const offsets = pes.map((_, k) => pes.slice(0, k).reduce((s, pe) => s + pe.numResiduals, 0))
  const known = pes.map((pe, k) => traceJaxprFlat("cond", (ins) => {
    const outs = run(pe.known, [...ins.slice(exOff[k]!, exOff[k]! + hoisted[k]![1].length), ...ins.slice(extras.length)])
    const res = resAvals.map((a, r) => (r >= offsets[k]! && r < offsets[k]! + pe.numResiduals ? outs[no + r - offsets[k]!]! : instantiate(new Zero(a))))
    return [...outs.slice(0, no), ...res]
  }, [...extras.map((c) => c.aval), ...ops.map((o) => o.aval)]))
  const tanAvals = ops.filter((_, i) => nzIn[i]).map((o) => o.aval.strengthened())
  const unknown = pes.map((pe, k) => traceJaxprFlat("cond", (ins) =>
    run(pe.unknown, [...ins.slice(offsets[k]!, offsets[k]! + pe.numResiduals), ...ins.slice(resAvals.length)]),
  [...resAvals, ...tanAvals]))
  const outs = cond(index!, [...extras, ...ops], known)
  const touts = cond(index!, [...outs.slice(no), ...tans.filter((_, i) => nzIn[i]).map(instantiate)], unknown)
  let k = 0
  return [outs.slice(0, no), outNz.map((z, i) => (z ? touts[k++]! : new Zero(outs[i]!.aval)))]
}

function condTranspose(cts: readonly Tangent[], [index, ...ops]: readonly (Array | UndefinedPrimal)[], { branches }: CondP): (Tangent | null)[] {
  if (isUndefined(index)) throw new Error("internal: cond transposed with a linear index")
  const kn = range(ops.length).filter((i) => !isUndefined(ops[i])), un = range(ops.length).filter((i) => isUndefined(ops[i]))
  const inAvals = branches[0]!.inAvals, outAvals = branches[0]!.outAvals
  const transposed = branches.map((b) => traceJaxprFlat("transpose", (ins) => {
    const args: (Array | UndefinedPrimal)[] = inAvals.map((a) => new UndefinedPrimal(a))
    kn.forEach((i, j) => { args[i] = ins[j]! })
    const res = backwardPassArgs(b.jaxpr, [], args, ins.slice(kn.length))
    return un.map((i) => instantiate(res[i]!))
  }, [...kn.map((i) => inAvals[i]!), ...outAvals]))
  const outs = cond(index as Array, [...kn.map((i) => ops[i] as Array), ...cts.map(instantiate)], transposed)
  const result: (Tangent | null)[] = [null, ...ops.map(() => null)]
  un.forEach((i, j) => { result[1 + i] = outs[j]! })
  return result
}

function condBatch([index, ...ops]: readonly Array[], [ib, ...obs]: readonly (number | null)[], { branches }: CondP, size: number): [Array[], (number | null)[]] {
  if (ib !== null) refuseEffects(index!, branches)
  const moved = ops.map((o, i) => (obs[i] === null ? o : moveBatchAxis(o, obs[i]!, 0, size)))
  const dims = obs.map((b) => (b === null ? null : 0))
  // with an unbatched index, an output stays unbatched unless some branch batches it (so a
  // flag computed from unbatched values, say a loop's `active`, stays the same for every lane)
  const outB = branches[0]!.outAvals.map(() => ib !== null)
  if (ib === null) for (const b of branches) traceJaxprFlat("vmap", (ins) => {
    vmapFlat((xs) => run(b, xs), ins, dims, size)[1].forEach((d, i) => { if (d !== null) outB[i] = true })
    return []
  }, moved.map((m) => m.aval))
  const batched = branches.map((b) => traceJaxprFlat("vmap", (ins) => {
    const [outs, od] = vmapFlat((xs) => run(b, xs), ins, dims, size)
    return outs.map((o, i) => (outB[i] ? moveBatchAxis(o, od[i]!, 0, size) : o))
  }, moved.map((m) => m.aval)))
  if (ib === null) return [cond(index!, moved, batched), outB.map((b) => (b ? 0 : null))]
  // a batched index: run every branch and pick per lane
  const idx = moveBatchAxis(index!, ib, 0, size)
  const clamped = min(max(idx, NdArray.scalar(0, "int32")), NdArray.scalar(branches.length - 1, "int32"))
  const all = batched.map((b) => run(b, moved))
  return [all[0]!.map((_, o) => {
    let acc = all[0]![o]!
    for (let k = 1; k < all.length; k++) {
      const hit = broadcastInDim(eq(clamped, NdArray.scalar(k, "int32")), acc.shape, [0])
      acc = select(hit, all[k]![o]!, acc)
    }
    return acc
  }), all[0]!.map(() => 0)]
}
void convert

/** A batched index runs every branch for every lane: refuse branches with effects, which would run where they were not taken. */
function refuseEffects(index: Array, branches: readonly ClosedJaxpr[]): void {
  const effectful = range(branches.length).filter((k) => branches[k]!.effects.length > 0)
  if (effectful.length === 0) return
  const effects = [...new Set(effectful.flatMap((k) => branches[k]!.effects))]
  const which = effectful.length > 1 ? `branches ${effectful.join(", ")}` : `branch ${effectful[0]}`
  throw new EffectError("vmap of lax.cond", effects.join(", "),
    `The predicate (branch index) differs between lanes, ${index.aval.str()}, so vmap runs all ${branches.length} branches for every lane and selects the results; ` +
    `the effects (debug.print / debug.callback) in ${which} would run for lanes that do not take it (for lax.cond, branch 0 is the false branch and 1 the true one; lax.switch, and lax.whileLoop with maxIterations when it prints, bind the same cond). ` +
    "Compute the predicate from unbatched values so it is the same for every lane, or move the print out of the branch (print the cond's result after it), or use np.where instead of the cond.",
    [index.shape])
}
