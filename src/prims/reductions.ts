// Reductions over static axes (sum, max, min, prod), argmax/argmin and cumsum. Kernels
// move the reduced axes last (one strided copy) and reduce contiguous runs.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, allocate, numeric } from "../core/dtype.js"
import { DtypeError, ShapeError } from "../core/errors.js"
import { type Primitive, Zero, isZero, primitive, zeroDerivative } from "../core/primitive.js"
import { sizeOf, stridesOf } from "../core/shape.js"
import { bind1 } from "../core/trace.js"
import { stridedCopy } from "./kernels.js"
import { div, eq, mul, scalarLike } from "./elementwise.js"
import { broadcastInDim, convert, moveAxisTo0, rev } from "./shape.js"

type AxesP = { axes: readonly number[] }
const keptAxes = (ndim: number, axes: readonly number[]) => [...globalThis.Array(ndim).keys()].filter((i) => !axes.includes(i))

function checkAxes(name: string, x: ShapedArray, axes: readonly number[]): void {
  if (axes.some((a, i) => !Number.isInteger(a) || a < 0 || a >= x.ndim || axes.indexOf(a) !== i))
    throw new ShapeError(name, [x.shape], `axes (${axes.join(",")}) must be distinct and in [0, ${x.ndim - 1}].`)
}

/** Reduced axes moved last: returns contiguous data with `inner` elements per output. */
function reducedLast(x: NdArray, axes: readonly number[]): { data: ArrayLike<number>; outShape: number[]; inner: number } {
  const kept = keptAxes(x.ndim, axes)
  const outShape = kept.map((i) => x.shape[i]!)
  const inner = sizeOf(axes.map((i) => x.shape[i]!))
  if (axes.every((a, i) => a === x.ndim - axes.length + i)) return { data: x.data, outShape, inner }
  const st = stridesOf(x.shape), perm = [...kept, ...axes]
  const moved = stridedCopy(x.data, 0, perm.map((i) => st[i]!), perm.map((i) => x.shape[i]!), x.dtype)
  return { data: moved.data, outShape, inner }
}

function reducer(name: string, init: number, step: (acc: number, v: number) => number, dtypes: readonly DType[] = numeric) {
  return {
    abstractEval: ([x]: readonly ShapedArray[], { axes }: AxesP) => {
      checkAxes(name, x!, axes)
      if (!dtypes.includes(x!.dtype)) throw new DtypeError(name, [x!.dtype], `accepted: ${dtypes.join(", ")}.`)
      return [new ShapedArray(keptAxes(x!.ndim, axes).map((i) => x!.shape[i]!), x!.dtype, x!.weakType)]
    },
    impl: ([x]: readonly NdArray[], { axes }: AxesP) => {
      const { data, outShape, inner } = reducedLast(x!, axes)
      const n = sizeOf(outShape), out = allocate(x!.dtype, n)
      for (let o = 0; o < n; o++) {
        let acc = init
        for (let k = o * inner, e = k + inner; k < e; k++) acc = step(acc, data[k]!)
        out[o] = acc
      }
      return [new NdArray(out, outShape, x!.dtype, x!.aval.weakType)]
    },
  }
}

const shiftAxes = (x: Array, bd: number, axes: readonly number[]) => ({ m: moveAxisTo0(x, bd), axes: axes.map((a) => a + 1) })

export const reduceSumP: Primitive<AxesP> = primitive<AxesP>({
  name: "reduce_sum",
  ...reducer("reduce_sum", 0, (a, v) => a + v),
  jvp: ([x], [dx], params) => {
    const out = bind1(reduceSumP, [x!], params)
    return [[out], [isZero(dx) ? new Zero(out.aval) : bind1(reduceSumP, [dx!], params)]]
  },
  transpose: ([ct], [x], { axes }) => {
    const xa = (x as { aval: ShapedArray }).aval
    if (isZero(ct)) return [new Zero(xa)]
    return [broadcastInDim(ct!, xa.shape, keptAxes(xa.ndim, axes))]
  },
  batch: ([x], [bd], { axes }) => { const { m, axes: a } = shiftAxes(x!, bd!, axes); return [[reduceSum(m, a)], [0]] },
})
export const reduceSum = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceSumP, [x], { axes: [...axes] }))

// d max = the tangent at the location(s) of the max, averaged over ties (JAX's convention)
function extremumJvp(p: () => Primitive<AxesP>) {
  return ([x]: readonly Array[], [dx]: readonly (Array | Zero)[], params: AxesP): [Array[], (Array | Zero)[]] => {
    const out = bind1(p(), [x!], params)
    if (isZero(dx)) return [[out], [new Zero(out.aval)]]
    const kept = keptAxes(x!.ndim, params.axes)
    const hit = convert(eq(x!, broadcastInDim(out, x!.shape, kept)), x!.dtype)
    const count = reduceSum(hit, params.axes)
    return [[out], [div(reduceSum(mul(dx as Array, hit), params.axes), count)]]
  }
}
export const reduceMaxP: Primitive<AxesP> = primitive<AxesP>({
  name: "reduce_max",
  ...reducer("reduce_max", -Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)),
  jvp: extremumJvp(() => reduceMaxP),
  batch: ([x], [bd], { axes }) => { const { m, axes: a } = shiftAxes(x!, bd!, axes); return [[bind1(reduceMaxP, [m], { axes: a })], [0]] },
})
export const reduceMinP: Primitive<AxesP> = primitive<AxesP>({
  name: "reduce_min",
  ...reducer("reduce_min", Infinity, (a, v) => (v < a || Number.isNaN(v) ? v : a)),
  jvp: extremumJvp(() => reduceMinP),
  batch: ([x], [bd], { axes }) => { const { m, axes: a } = shiftAxes(x!, bd!, axes); return [[bind1(reduceMinP, [m], { axes: a })], [0]] },
})
// d prod = Σ_i dx_i Π_{j≠i} x_j, computed as prod · Σ dx/x where no x is zero, and exactly otherwise
export const reduceProdP: Primitive<AxesP> = primitive<AxesP>({
  name: "reduce_prod",
  ...reducer("reduce_prod", 1, (a, v) => a * v),
  jvp: ([x], [dx], params) => {
    const out = bind1(reduceProdP, [x!], params)
    if (isZero(dx)) return [[out], [new Zero(out.aval)]]
    // exclusive products via a log-free formula: Π_{j≠i} = prod over the others, by masking one at a time is O(n²);
    // instead use prefix/suffix cumulative products along the flattened reduced axes.
    const kept = keptAxes(x!.ndim, params.axes)
    const m = moveToBack(x!, params.axes), dm = moveToBack(dx as Array, params.axes)
    const lead = m.shape.slice(0, kept.length), n = sizeOf(m.shape.slice(kept.length))
    const flat = reshapeTo(m, [...lead, n]), dflat = reshapeTo(dm, [...lead, n])
    const ax = lead.length
    const ones = broadcastInDim(scalarLike(x!, 1), [...lead, 1], [])
    const before = cumprodExclusive(flat, ax, ones, false), after = cumprodExclusive(flat, ax, ones, true)
    return [[out], [reduceSum(mul(dflat, mul(before, after)), [ax])]]
  },
  batch: ([x], [bd], { axes }) => { const { m, axes: a } = shiftAxes(x!, bd!, axes); return [[bind1(reduceProdP, [m], { axes: a })], [0]] },
})
import { reshape, transpose, concatenate, slice } from "./shape.js"
const moveToBack = (x: Array, axes: readonly number[]) => transpose(x, [...keptAxes(x.ndim, axes), ...axes])
const reshapeTo = (x: Array, s: number[]) => reshape(x, s)
/** Exclusive cumulative product along the last axis (from the end when `reverse`), built from cumsum of logs-free steps. */
function cumprodExclusive(x: Array, ax: number, ones: Array, reverse: boolean): Array {
  // products of prefixes by repeated doubling (Hillis–Steele), O(n log n) elementwise work, no division
  const n = x.shape[ax]!
  let acc = reverse ? rev(x, [ax]) : x
  const start = (s: number) => x.shape.map((_, i) => (i === ax ? s : 0))
  const lim = (e: number) => x.shape.map((d, i) => (i === ax ? e : d))
  for (let shift = 1; shift < n; shift *= 2) {
    const head = slice(acc, start(0), lim(shift))
    const shifted = concatenate([broadcastInDim(scalarLike(x, 1), head.shape, []), slice(acc, start(0), lim(n - shift))], ax)
    acc = mul(acc, shifted)
  }
  // make it exclusive: shift right by one, filling with 1
  const excl = n === 0 ? acc : concatenate([ones, slice(acc, start(0), lim(n - 1))], ax)
  return reverse ? rev(excl, [ax]) : excl
}
export const reduceMax = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceMaxP, [x], { axes: [...axes] }))
export const reduceMin = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceMinP, [x], { axes: [...axes] }))
export const reduceProd = (x: Array, axes: readonly number[]): Array => (axes.length === 0 ? x : bind1(reduceProdP, [x], { axes: [...axes] }))

// argmax / argmin: first index of the extremum; NaN counts as the extremum (numpy's rule)
type ArgP = { axis: number; index_dtype: DType }
function argPrim(name: string, better: (v: number, best: number) => boolean): Primitive<ArgP> {
  const p: Primitive<ArgP> = primitive<ArgP>({
    name,
    abstractEval: ([x], { axis, index_dtype }) => {
      checkAxes(name, x!, [axis])
      if (x!.shape[axis] === 0) throw new ShapeError(name, [x!.shape], `cannot take ${name} of an empty axis ${axis}.`)
      return [new ShapedArray(x!.shape.filter((_, i) => i !== axis), index_dtype)]
    },
    impl: ([x], { axis, index_dtype }) => {
      const { data, outShape, inner } = reducedLast(x!, [axis])
      const n = sizeOf(outShape), out = allocate(index_dtype, n)
      for (let o = 0; o < n; o++) {
        let best = data[o * inner]!, bi = 0
        for (let k = 1; k < inner && !Number.isNaN(best); k++) {
          const v = data[o * inner + k]!
          if (better(v, best) || Number.isNaN(v)) { best = v; bi = k }
        }
        out[o] = bi
      }
      return [new NdArray(out, outShape, index_dtype)]
    },
    jvp: zeroDerivative,
    batch: ([x], [bd], { axis, index_dtype }) => [[bind1(p, [moveAxisTo0(x!, bd!)], { axis: axis + 1, index_dtype })], [0]],
    laws: { noFiniteDifferences: true },
  })
  return p
}
export const argmaxP = argPrim("argmax", (v, b) => v > b)
export const argminP = argPrim("argmin", (v, b) => v < b)

// cumsum (and its reverse, which is its transpose)
type CumP = { axis: number; reverse: boolean }
export const cumsumP: Primitive<CumP> = primitive<CumP>({
  name: "cumsum",
  abstractEval: ([x], { axis }) => { checkAxes("cumsum", x!, [axis]); return [x!] },
  impl: ([x], { axis, reverse }) => {
    const st = stridesOf(x!.shape), n = x!.shape[axis]!, s = st[axis]!
    const out = x!.data.slice()
    const outer = sizeOf(x!.shape.slice(0, axis)), inner = s
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * s + i
        if (!reverse) for (let k = 1; k < n; k++) out[base + k * s] += out[base + (k - 1) * s]!
        else for (let k = n - 2; k >= 0; k--) out[base + k * s] += out[base + (k + 1) * s]!
      }
    return [new NdArray(out, x!.shape, x!.dtype, x!.aval.weakType)]
  },
  jvp: ([x], [dx], params) => {
    const out = bind1(cumsumP, [x!], params)
    return [[out], [isZero(dx) ? new Zero(out.aval) : bind1(cumsumP, [dx!], params)]]
  },
  transpose: ([ct], [x], { axis, reverse }) =>
    [isZero(ct) ? new Zero((x as { aval: ShapedArray }).aval) : bind1(cumsumP, [ct!], { axis, reverse: !reverse })],
  batch: ([x], [bd], { axis, reverse }) => [[bind1(cumsumP, [moveAxisTo0(x!, bd!)], { axis: axis + 1, reverse })], [0]],
})
export const cumsum = (x: Array, axis: number, reverse = false): Array => bind1(cumsumP, [x], { axis, reverse })

