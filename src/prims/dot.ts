// dot_general: contraction over paired axes with optional batch axes (output: batch dims,
// then lhs free dims, then rhs free dims). Bilinear; transposes to dot_generals of the cotangent.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { allocate } from "../core/dtype.js"
import { DtypeError, ShapeError } from "../core/errors.js"
import { type Primitive, Zero, isZero, isUndefined, primitive } from "../core/primitive.js"
import { sizeOf, stridesOf } from "../core/shape.js"
import { bind1 } from "../core/trace.js"
import { stridedCopy } from "./kernels.js"
import { add } from "./elementwise.js"
import { moveAxisTo0, transpose } from "./shape.js"

export type DotP = {
  lhs_contracting: readonly number[]; rhs_contracting: readonly number[]
  lhs_batch: readonly number[]; rhs_batch: readonly number[]
}
const range = (n: number) => [...globalThis.Array(n).keys()]
const free = (ndim: number, c: readonly number[], b: readonly number[]) => range(ndim).filter((i) => !c.includes(i) && !b.includes(i))

export const dotGeneralP: Primitive<DotP> = primitive<DotP>({
  name: "dot_general",
  abstractEval: ([l, r], p) => {
    const bad = (why: string) => new ShapeError("dot_general", [l!.shape, r!.shape], why)
    if (l!.dtype !== r!.dtype) throw new DtypeError("dot_general", [l!.dtype, r!.dtype], "convert both operands to one dtype.")
    if (p.lhs_contracting.length !== p.rhs_contracting.length || p.lhs_batch.length !== p.rhs_batch.length) throw bad("contracting and batch dims must pair up.")
    p.lhs_contracting.forEach((a, i) => {
      if (l!.shape[a] !== r!.shape[p.rhs_contracting[i]!]) throw bad(`contracted sizes differ (${l!.shape[a]} ≠ ${r!.shape[p.rhs_contracting[i]!]}). Transpose or reshape one operand.`)
    })
    p.lhs_batch.forEach((a, i) => { if (l!.shape[a] !== r!.shape[p.rhs_batch[i]!]) throw bad("batch sizes differ.") })
    const shape = [...p.lhs_batch.map((a) => l!.shape[a]!), ...free(l!.ndim, p.lhs_contracting, p.lhs_batch).map((a) => l!.shape[a]!),
      ...free(r!.ndim, p.rhs_contracting, p.rhs_batch).map((a) => r!.shape[a]!)]
    return [new ShapedArray(shape, l!.dtype, l!.weakType && r!.weakType)]
  },
  impl: ([l, r], p) => {
    const lf = free(l!.ndim, p.lhs_contracting, p.lhs_batch), rf = free(r!.ndim, p.rhs_contracting, p.rhs_batch)
    const B = sizeOf(p.lhs_batch.map((a) => l!.shape[a]!)), M = sizeOf(lf.map((a) => l!.shape[a]!))
    const N = sizeOf(rf.map((a) => r!.shape[a]!)), K = sizeOf(p.lhs_contracting.map((a) => l!.shape[a]!))
    const lp = [...p.lhs_batch, ...lf, ...p.lhs_contracting], rp = [...p.rhs_batch, ...p.rhs_contracting, ...rf]
    const ls = stridesOf(l!.shape), rs = stridesOf(r!.shape)
    const A = stridedCopy(l!.data, 0, lp.map((i) => ls[i]!), lp.map((i) => l!.shape[i]!), l!.dtype).data
    const Bm = stridedCopy(r!.data, 0, rp.map((i) => rs[i]!), rp.map((i) => r!.shape[i]!), r!.dtype).data
    const out = allocate(l!.dtype, B * M * N)
    for (let b = 0; b < B; b++) {
      const ao = b * M * K, bo = b * K * N, oo = b * M * N
      for (let i = 0; i < M; i++)
        for (let k = 0; k < K; k++) {
          const a = A[ao + i * K + k]!
          const row = bo + k * N, orow = oo + i * N
          for (let j = 0; j < N; j++) out[orow + j] += a * Bm[row + j]!
        }
    }
    const [aval] = dotGeneralP.abstractEval([l!.aval, r!.aval], p)
    return [new NdArray(out, aval!.shape, l!.dtype)]
  },
  // d(l·r) = dl·r + l·dr
  jvp: ([l, r], [dl, dr], p) => {
    const out = dotGeneral(l!, r!, p)
    const a = isZero(dl) ? null : dotGeneral(dl!, r!, p)
    const b = isZero(dr) ? null : dotGeneral(l!, dr!, p)
    return [[out], [a && b ? add(a, b) : a ?? b ?? new Zero(out.aval)]]
  },
  transpose: ([ct], [l, r], p) => {
    const nb = p.lhs_batch.length
    const la = l.aval, ra = r.aval
    const lf = free(la.ndim, p.lhs_contracting, p.lhs_batch), rf = free(ra.ndim, p.rhs_contracting, p.rhs_batch)
    const ctB = range(nb), ctL = range(lf.length).map((i) => nb + i), ctR = range(rf.length).map((i) => nb + lf.length + i)
    const perm = (order: number[], ndim: number) => range(ndim).map((d) => order.indexOf(d))
    let ctl: Array | Zero | null = null, ctr: Array | Zero | null = null
    if (isUndefined(l)) {
      if (isZero(ct)) ctl = new Zero(la)
      else {
        const g = dotGeneral(ct!, r as Array, { lhs_contracting: ctR, rhs_contracting: rf, lhs_batch: ctB, rhs_batch: p.rhs_batch })
        const rc = [...p.rhs_contracting].sort((a, b) => a - b)
        ctl = transpose(g, perm([...p.lhs_batch, ...lf, ...rc.map((x) => p.lhs_contracting[p.rhs_contracting.indexOf(x)]!)], la.ndim))
      }
    }
    if (isUndefined(r)) {
      if (isZero(ct)) ctr = new Zero(ra)
      else {
        const g = dotGeneral(ct!, l as Array, { lhs_contracting: ctL, rhs_contracting: lf, lhs_batch: ctB, rhs_batch: p.lhs_batch })
        const lc = [...p.lhs_contracting].sort((a, b) => a - b)
        ctr = transpose(g, perm([...p.rhs_batch, ...rf, ...lc.map((x) => p.rhs_contracting[p.lhs_contracting.indexOf(x)]!)], ra.ndim))
      }
    }
    return [ctl, ctr]
  },
  batch: ([l, r], [bl, br], p) => {
    const up = (xs: readonly number[]) => xs.map((a) => a + 1)
    const lm = bl === null ? l! : moveAxisTo0(l!, bl!), rm = br === null ? r! : moveAxisTo0(r!, br!)
    const lc = bl === null ? p.lhs_contracting : up(p.lhs_contracting), lb = bl === null ? p.lhs_batch : up(p.lhs_batch)
    const rc = br === null ? p.rhs_contracting : up(p.rhs_contracting), rb = br === null ? p.rhs_batch : up(p.rhs_batch)
    if (bl !== null && br !== null)
      return [[dotGeneral(lm, rm, { lhs_contracting: lc, rhs_contracting: rc, lhs_batch: [0, ...lb], rhs_batch: [0, ...rb] })], [0]]
    const out = dotGeneral(lm, rm, { lhs_contracting: lc, rhs_contracting: rc, lhs_batch: lb, rhs_batch: rb })
    const nb = p.lhs_batch.length
    return [[out], [bl !== null ? nb : nb + free(l!.ndim, p.lhs_contracting, p.lhs_batch).length]]
  },
})

export const dotGeneral = (l: Array, r: Array, p: DotP): Array =>
  bind1(dotGeneralP, [l, r], { lhs_contracting: [...p.lhs_contracting], rhs_contracting: [...p.rhs_contracting], lhs_batch: [...p.lhs_batch], rhs_batch: [...p.rhs_batch] })
