// scan: a loop of `length` steps over a const-free body [...consts, ...carry, ...x] ->
// [...carry, ...y], stacking the ys along a new leading axis. Its JVP runs two scans: the
// primal one (which also stacks the residuals) and a linear tangent one, so reverse mode
// transposes the tangent scan into a reverse scan (backpropagation through time).

import { NdArray, type Array } from "../../core/array.js"
import { ShapedArray } from "../../core/aval.js"
import { ShapeError } from "../../core/errors.js"
import type { ClosedJaxpr } from "../../core/ir.js"
import { type Primitive, type Tangent, UndefinedPrimal, Zero, isUndefined, isZero, primitive } from "../../core/primitive.js"
import { bind } from "../../core/trace.js"
import { shapeEq, sizeOf } from "../../core/shape.js"
import { evalJaxprFlat } from "../../backends/interpreter/evalJaxpr.js"
import { meter } from "../../ir/measureMeter.js"
import { add, instantiate } from "../elementwise.js"
import { jvpJaxpr } from "../../transforms/jvp.js"
import { hoistConsts, partialEvalJaxpr } from "../../transforms/partialEval.js"
import { permuteInvars, range, selectOutvars } from "../../transforms/jaxprUtil.js"
import { traceJaxprFlat } from "../../transforms/makeJaxpr.js"
import { backwardPassArgs } from "../../transforms/transpose.js"
import { vmapFlat, moveBatchAxis } from "../../transforms/vmap.js"
import { invarsUsed, neededCarries, pruneClosed } from "../../transforms/dce.js"

export type ScanP = { jaxpr: ClosedJaxpr; num_consts: number; num_carry: number; length: number; reverse: boolean }

const stackedAval = (a: ShapedArray, n: number) => new ShapedArray([n, ...a.shape], a.dtype, a.weakType)

/** Row t of a stacked concrete array, sharing its memory. */
export function rowOf(x: NdArray, t: number): NdArray {
  const n = sizeOf(x.shape.slice(1))
  return new NdArray(x.data.subarray(t * n, (t + 1) * n), x.shape.slice(1), x.dtype, x.aval.weakType)
}

export const scanP: Primitive<ScanP> = primitive<ScanP>({
  name: "scan",
  abstractEval: (avals, { jaxpr, num_consts: nc, num_carry: nk, length }) => {
    const ins = jaxpr.inAvals, outs = jaxpr.outAvals
    avals.forEach((a, i) => {
      const want = i < nc + nk ? ins[i]! : stackedAval(ins[i]!, length)
      if (a.dtype !== want.dtype || !shapeEq(a.shape, want.shape))
        throw new ShapeError("scan", [a.shape, want.shape], `input ${i} is ${a.str()} but the body expects ${want.str()}.`)
    })
    for (let i = 0; i < nk; i++)
      if (!outs[i]!.equals(ins[nc + i]!))
        throw new ShapeError("scan", [ins[nc + i]!.shape, outs[i]!.shape], `the body's carry output ${i} is ${outs[i]!.str()} but its carry input is ${ins[nc + i]!.str()}; they must match.`)
    return [...outs.slice(0, nk), ...outs.slice(nk).map((a) => stackedAval(a, length))]
  },
  impl: (args, { jaxpr, num_consts: nc, num_carry: nk, length, reverse }) => {
    const consts = args.slice(0, nc), xs = args.slice(nc + nk)
    let carry: readonly NdArray[] = args.slice(nc, nc + nk)
    const ys = jaxpr.outAvals.slice(nk).map((a) => NdArray.zeros([length, ...a.shape], a.dtype))
    // a memory measurement counts the stacked outputs while the steps run, not only once returned
    const stacked = meter === undefined ? 0 : ys.reduce((n, y) => n + y.data.byteLength, 0)
    meter?.charge(stacked)
    try {
      for (let i = 0; i < length; i++) {
        const t = reverse ? length - 1 - i : i
        const outs = evalJaxprFlat(jaxpr.jaxpr, jaxpr.consts, [...consts, ...carry, ...xs.map((x) => rowOf(x, t))]) as NdArray[]
        carry = outs.slice(0, nk)
        ys.forEach((y, j) => y.data.set(outs[nk + j]!.data, t * outs[nk + j]!.size))
      }
    } finally { meter?.charge(-stacked) }
    return [...carry, ...ys]
  },
  jvp: (primals, tangents, p) => scanJvp(primals, tangents, p),
  transpose: (cts, args, p) => scanTranspose(cts, args, p),
  batch: (args, bdims, p, size) => scanBatch(args, bdims, p, size),
  dce: (used, p) => scanDce(used, p),
})

/** Binds scan; a body closed over values (possibly tracers) gets them as leading consts. */
export function scan(args: readonly Array[], p: ScanP): Array[] {
  if (p.jaxpr.consts.length === 0) return bind(scanP, args, p)
  const [jaxpr, consts] = hoistConsts(p.jaxpr)
  return bind(scanP, [...(consts as Array[]), ...args], { ...p, jaxpr, num_consts: p.num_consts + consts.length })
}

function scanJvp(primals: readonly Array[], tangents: readonly Tangent[], p: ScanP): [Array[], Tangent[]] {
  const { num_consts: nc, num_carry: nk } = p
  const n = primals.length, ny = p.jaxpr.outAvals.length - nk
  const nzIn = tangents.map((t) => !isZero(t))
  // a carry's tangent is nonzero if it starts so or the body makes it so: iterate to a fixed point
  let carryNz = nzIn.slice(nc, nc + nk)
  let jj = jvpJaxpr(p.jaxpr, [...nzIn.slice(0, nc), ...carryNz, ...nzIn.slice(nc + nk)], [...carryNz, ...range(ny).map(() => false)])
  for (;;) {
    const next = carryNz.map((b, i) => b || jj.outNonzero[i]!)
    if (next.every((b, i) => b === carryNz[i])) break
    carryNz = next
    jj = jvpJaxpr(p.jaxpr, [...nzIn.slice(0, nc), ...carryNz, ...nzIn.slice(nc + nk)], [...carryNz, ...range(ny).map(() => false)])
  }
  const nz = [...nzIn.slice(0, nc), ...carryNz, ...nzIn.slice(nc + nk)]
  const nt = nz.filter(Boolean).length
  const ysNz = jj.outNonzero.slice(nk)
  // the JVP'd body may hold constants of its own (arrays a custom rule makes): they become
  // leading consts of the primal scan, loop-invariant like the scan's own consts
  const [jc, extra] = hoistConsts(jj.jaxpr)
  const ins = [...(extra as Array[]), ...primals], ncAll = extra.length + nc
  // split the JVP'd body: primal (known) and tangent (unknown) parts
  const pe = partialEvalJaxpr(jc, [...range(ins.length).map(() => false), ...range(nt).map(() => true)],
    [...range(nk + ny).map(() => false), ...range(jj.outNonzero.filter(Boolean).length).map(() => true)])
  const known = pe.known.jaxpr
  const nKnownOut = nk + ny
  // residuals that are consts of the scan pass straight through; the rest are stacked per step
  const resVars = known.outvars.slice(nKnownOut)
  const constRes = range(pe.numResiduals).filter((r) => { const k = known.invars.indexOf(resVars[r] as never); return k >= 0 && k < ncAll })
  const stackRes = range(pe.numResiduals).filter((r) => !constRes.includes(r))
  const primalScan = selectOutvars(pe.known, [...range(nKnownOut), ...stackRes.map((r) => nKnownOut + r)])
  const outs = scan(ins, { ...p, jaxpr: primalScan, num_consts: ncAll })
  const primalOuts = outs.slice(0, nKnownOut), stacked = outs.slice(nKnownOut)
  const constResVals = constRes.map((r) => ins[known.invars.indexOf(resVars[r] as never)]!)
  // tangent scan: consts [constRes, consts_t], carry [carry_t], xs [stacked res, xs_t]
  const tIdx = (lo: number, hi: number) => { let k = pe.numResiduals; const out: number[] = []; for (let i = 0; i < n; i++) { if (!nz[i]) continue; if (i >= lo && i < hi) out.push(k); k++ } return out }
  const order = [...constRes, ...tIdx(0, nc), ...tIdx(nc, nc + nk), ...stackRes, ...tIdx(nc + nk, n)]
  const tangentBody = permuteInvars(pe.unknown, order)
  const tin = (lo: number, hi: number) => range(lo, hi).filter((i) => nz[i]).map((i) => instantiate(tangents[i]!))
  const touts = scan([...constResVals, ...tin(0, nc), ...tin(nc, nc + nk), ...stacked, ...tin(nc + nk, n)], {
    ...p, jaxpr: tangentBody, num_consts: constRes.length + tin(0, nc).length, num_carry: carryNz.filter(Boolean).length,
  })
  let k = 0
  const outAvals = scanP.abstractEval(primals.map((x) => x.aval), p)
  const tangentOuts: Tangent[] = [...carryNz, ...ysNz].map((b, i) => (b ? touts[k++]! : new Zero(outAvals[i]!)))
  return [primalOuts, tangentOuts]
}

function scanTranspose(cts: readonly Tangent[], args: readonly (Array | UndefinedPrimal)[], p: ScanP): (Tangent | null)[] {
  const { num_consts: nc, num_carry: nk, length } = p
  const consts = args.slice(0, nc), carry = args.slice(nc, nc + nk), xs = args.slice(nc + nk)
  // a carry that is known here is an instantiated zero tangent: transpose through it all the same
  const kc = range(nc).filter((i) => !isUndefined(consts[i])), uc = range(nc).filter((i) => isUndefined(consts[i]))
  const kx = range(xs.length).filter((i) => !isUndefined(xs[i])), ux = range(xs.length).filter((i) => isUndefined(xs[i]))
  const inAvals = p.jaxpr.inAvals, ny = p.jaxpr.outAvals.length - nk
  const ctCarry = cts.slice(0, nk).map(instantiate), ctYs = cts.slice(nk).map(instantiate)
  const body = p.jaxpr.jaxpr
  const avals = [...kc.map((i) => inAvals[i]!), ...uc.map((i) => inAvals[i]!), ...range(nk).map((i) => inAvals[nc + i]!),
    ...kx.map((i) => inAvals[nc + nk + i]!), ...range(ny).map((i) => p.jaxpr.outAvals[nk + i]!)]
  const transposed = traceJaxprFlat("transpose", (ins) => {
    let o = 0
    const take = (m: number) => { const s = ins.slice(o, o + m); o += m; return s }
    const kcv = take(kc.length), acc = take(uc.length), cc = take(nk), kxv = take(kx.length), cy = take(ny)
    const bodyArgs: (Array | UndefinedPrimal)[] = inAvals.map((a) => new UndefinedPrimal(a))
    kc.forEach((i, j) => { bodyArgs[i] = kcv[j]! })
    kx.forEach((i, j) => { bodyArgs[nc + nk + i] = kxv[j]! })
    const res = backwardPassArgs(body, [], bodyArgs, [...cc, ...cy])
    return [...uc.map((i, j) => (isZero(res[i]) ? acc[j]! : add(acc[j]!, res[i] as Array))),
      ...range(nk).map((i) => instantiate(res[nc + i]!)), ...ux.map((i) => instantiate(res[nc + nk + i]!))]
  }, avals)
  const zerosAcc = uc.map((i) => instantiate(new Zero(inAvals[i]!)))
  const outs = scan([...kc.map((i) => consts[i] as Array), ...zerosAcc, ...ctCarry, ...kx.map((i) => xs[i] as Array), ...ctYs], {
    jaxpr: transposed, num_consts: kc.length, num_carry: uc.length + nk, length, reverse: !p.reverse,
  })
  const result: (Tangent | null)[] = args.map(() => null)
  uc.forEach((i, j) => { result[i] = outs[j]! })
  range(nk).forEach((i) => { if (isUndefined(carry[i])) result[nc + i] = outs[uc.length + i]! })
  ux.forEach((i, j) => { result[nc + nk + i] = outs[uc.length + nk + j]! })
  return result
}

/** Unused ys go; a carry stays if it is used or a kept output reads it; then unread consts and xs go. */
function scanDce(used: readonly boolean[], p: ScanP) {
  const { jaxpr, num_consts: nc, num_carry: nk } = p
  const ys = used.slice(nk)
  const carry = neededCarries(used.slice(0, nk), (c) => invarsUsed(jaxpr, [...c, ...ys]).slice(nc, nc + nk))
  const keepOut = [...carry, ...ys]
  const reads = invarsUsed(jaxpr, keepOut)
  const keepIn = reads.map((r, i) => (i >= nc && i < nc + nk ? carry[i - nc]! : r))
  const body = pruneClosed(jaxpr, keepIn, keepOut)
  const params = body === jaxpr ? p : { ...p, jaxpr: body, num_consts: keepIn.slice(0, nc).filter(Boolean).length, num_carry: carry.filter(Boolean).length }
  return { params, keepIn, keepOut }
}

function scanBatch(args: readonly Array[], bdims: readonly (number | null)[], p: ScanP, size: number): [Array[], (number | null)[]] {
  const { num_consts: nc, num_carry: nk } = p
  const ny = p.jaxpr.outAvals.length - nk
  let carryB = range(nk).map((i) => bdims[nc + i] !== null)
  const constB = range(nc).map((i) => bdims[i] !== null), xsB = range(args.length - nc - nk).map((i) => bdims[nc + nk + i] !== null)
  const trace = (cb: boolean[]) => {
    let outB: boolean[] = []
    const inAvals = p.jaxpr.inAvals
    const avals = inAvals.map((a, i) => {
      const b = i < nc ? constB[i] : i < nc + nk ? cb[i - nc] : xsB[i - nc - nk]
      return b ? new ShapedArray([size, ...a.shape], a.dtype, a.weakType) : a
    })
    const jaxpr = traceJaxprFlat("vmap", (ins) => {
      const dims = avals.map((a, i) => (a === inAvals[i] ? null : 0))
      const [outs, od] = vmapFlat((xs) => evalJaxprFlat(p.jaxpr.jaxpr, p.jaxpr.consts, xs), ins, dims, size)
      outB = od.map((d) => d !== null)
      // carries keep the batchedness they came in with; ys are always batched
      return outs.map((o, i) => (i < nk && !cb[i] ? o : moveBatchAxis(o, od[i]!, 0, size)))
    }, avals)
    return { jaxpr, outB }
  }
  let t = trace(carryB)
  for (;;) {
    const next = carryB.map((b, i) => b || t.outB[i]!)
    if (next.every((b, i) => b === carryB[i])) break
    carryB = next
    t = trace(carryB)
  }
  const moved = args.map((a, i) => {
    if (i < nc) return constB[i] ? moveBatchAxis(a, bdims[i]!, 0, size) : a
    if (i < nc + nk) return carryB[i - nc] ? moveBatchAxis(a, bdims[i] ?? null, 0, size) : a
    return xsB[i - nc - nk] ? moveBatchAxis(a, bdims[i]!, 1, size) : a
  })
  // the body sees x rows with the batch at 0, so batched xs are stored [length, batch, ...]
  const outs = scan(moved, { ...p, jaxpr: t.jaxpr })
  return [outs, [...carryB.map((b) => (b ? 0 : null)), ...range(ny).map(() => 1)]]
}
