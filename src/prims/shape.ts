// Shape primitives: broadcast_in_dim, reshape, transpose, slice, pad, concatenate, rev,
// gather (take along one axis), scatter_add (its transpose), convert_element_type, iota.
// All but gather/iota/convert are linear and transpose to one another.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, allocate, castScalar, isFloat, isInt } from "../core/dtype.js"
import { DtypeError, InvalidArgumentError, ShapeError } from "../core/errors.js"
import { type Primitive, type Tangent, Zero, isZero, isUndefined, primitive, zeroDerivative, type JvpRule, type BatchRule } from "../core/primitive.js"
import { type Shape, shapeEq, sizeOf, stridesOf } from "../core/shape.js"
import { bind, bind1 } from "../core/trace.js"
import { stridedCopy } from "./kernels.js"
import { reduceSum } from "./reductions.js"
import { add, lt, max, min, mul, select } from "./elementwise.js"

const mapT = (t: Tangent, f: (x: Array) => Array, aval: ShapedArray): Tangent => (isZero(t) ? new Zero(aval) : f(t))

/** JVP of a primitive linear in its first operand: apply it to the tangent. */
function linearJvp<P>(prim: () => Primitive<P>): JvpRule<P> {
  // no destructuring or closure: shared by every linear shape primitive, once per traced equation
  return (primals, tangents, params) => {
    const out = bind1(prim(), primals, params as Record<string, unknown>)
    const dx = tangents[0]!
    if (isZero(dx)) return [[out], [new Zero(out.aval)]]
    const args = primals.slice()
    args[0] = dx
    return [[out], [bind1(prim(), args, params as Record<string, unknown>)]]
  }
}

// broadcast_in_dim -------------------------------------------------------------------------

type BidP = { shape: readonly number[]; broadcast_dimensions: readonly number[] }
export const broadcastInDimP: Primitive<BidP> = primitive<BidP>({
  name: "broadcast_in_dim",
  abstractEval: ([x], { shape, broadcast_dimensions: dims }) => {
    const ok = dims.length === x!.ndim && dims.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > dims[i - 1]!)
      && (x!.shape[i] === 1 || x!.shape[i] === shape[d]))
    if (!ok) throw new ShapeError("broadcast_in_dim", [x!.shape, shape], `cannot broadcast with broadcast_dimensions=(${dims.join(",")}): each operand dim must map, in order, to an equal or size-1 target dim.`)
    return [new ShapedArray(shape, x!.dtype, x!.weakType)]
  },
  impl: ([x], { shape, broadcast_dimensions: dims }) => {
    const st = stridesOf(x!.shape)
    const strides = shape.map(() => 0)
    dims.forEach((d, i) => { strides[d] = x!.shape[i] === 1 ? 0 : st[i]! })
    return [stridedCopy(x!.data, 0, strides, shape, x!.dtype)]
  },
  jvp: linearJvp(() => broadcastInDimP),
  transpose: ([ct], [x], { shape, broadcast_dimensions: dims }) => {
    const xa = (x as { aval: ShapedArray }).aval
    if (isZero(ct)) return [new Zero(xa)]
    const summed = shape.map((_, k) => k).filter((k) => !dims.includes(k) || (xa.shape[dims.indexOf(k)] === 1 && shape[k] !== 1))
    const s = summed.length ? reduceSum(ct!, summed) : ct!
    return [s.shape.length === xa.ndim && shapeEq(s.shape, xa.shape) ? s : reshape(s, xa.shape)]
  },
  batch: ([x], [bd], { shape, broadcast_dimensions: dims }, size) => {
    const m = moveAxisTo0(x!, bd!)
    return [[broadcastInDim(m, [size, ...shape], [0, ...dims.map((d) => d + 1)])], [0]]
  },
})
export const broadcastInDim = (x: Array, shape: readonly number[], dims: readonly number[]): Array =>
  bind1(broadcastInDimP, [x], { shape: [...shape], broadcast_dimensions: [...dims] })

// reshape ----------------------------------------------------------------------------------

type ReshapeP = { new_sizes: readonly number[] }
export const reshapeP: Primitive<ReshapeP> = primitive<ReshapeP>({
  name: "reshape",
  // indexed, not destructured, in reshape/slice/pad's abstractEval and transpose: destructuring
  // runs the iterator protocol until a rule is optimized, and x.at(i) stages these per loop step
  abstractEval: (avals, { new_sizes }) => {
    const x = avals[0]
    let ok = sizeOf(new_sizes) === x!.size
    for (let i = 0; i < new_sizes.length && ok; i++) { const d = new_sizes[i]!; if (!Number.isInteger(d) || d < 0) ok = false }
    if (!ok)
      throw new ShapeError("reshape", [x!.shape, new_sizes], `cannot reshape ${x!.size} elements into [${new_sizes.join(",")}]; the sizes must multiply to the same count.`)
    return [new ShapedArray(new_sizes, x!.dtype, x!.weakType)]
  },
  impl: ([x], { new_sizes }) => [new NdArray(x!.data, new_sizes, x!.dtype, x!.aval.weakType)],
  jvp: linearJvp(() => reshapeP),
  transpose: (cts, args) => {
    const ct = cts[0]!, xa = (args[0] as { aval: ShapedArray }).aval
    return [isZero(ct) ? new Zero(xa) : reshape(ct, xa.shape)]
  },
  batch: ([x], [bd], { new_sizes }, size) => [[reshape(moveAxisTo0(x!, bd!), [size, ...new_sizes])], [0]],
})
export const reshape = (x: Array, shape: Shape): Array =>
  shapeEq(x.shape, shape) ? x : bind1(reshapeP, [x], { new_sizes: [...shape] })

// transpose --------------------------------------------------------------------------------

type PermP = { permutation: readonly number[] }
export const transposeP: Primitive<PermP> = primitive<PermP>({
  name: "transpose",
  abstractEval: ([x], { permutation: p }) => {
    const sorted = [...p].sort((a, b) => a - b)
    if (p.length !== x!.ndim || sorted.some((v, i) => v !== i))
      throw new ShapeError("transpose", [x!.shape], `permutation (${p.join(",")}) is not a permutation of the ${x!.ndim} axes.`)
    return [new ShapedArray(p.map((i) => x!.shape[i]!), x!.dtype, x!.weakType)]
  },
  impl: ([x], { permutation: p }) => {
    const st = stridesOf(x!.shape)
    return [stridedCopy(x!.data, 0, p.map((i) => st[i]!), p.map((i) => x!.shape[i]!), x!.dtype)]
  },
  jvp: linearJvp(() => transposeP),
  transpose: ([ct], [x], { permutation: p }) => {
    const inv = p.map((_, i) => p.indexOf(i))
    return [mapT(ct!, (c) => transpose(c, inv), (x as { aval: ShapedArray }).aval)]
  },
  batch: ([x], [bd], { permutation: p }) => [[transpose(moveAxisTo0(x!, bd!), [0, ...p.map((i) => i + 1)])], [0]],
})
export const transpose = (x: Array, perm: readonly number[]): Array =>
  perm.every((v, i) => v === i) ? x : bind1(transposeP, [x], { permutation: [...perm] })

/** Moves axis `from` to the front. */
export function moveAxisTo0(x: Array, from: number): Array {
  if (from === 0) return x
  const perm = [from, ...x.shape.map((_, i) => i).filter((i) => i !== from)]
  return transpose(x, perm)
}
/** Moves axis 0 to position `to`. */
export function moveAxisFrom0(x: Array, to: number): Array {
  if (to === 0) return x
  const rest = x.shape.map((_, i) => i).slice(1)
  const perm = [...rest.slice(0, to), 0, ...rest.slice(to)]
  return transpose(x, perm)
}

/** Sums leading and size-1 dims so `x` takes `shape` (numpy's unbroadcast). */
export function reduceToShape(x: Array, shape: Shape): Array {
  const lead = x.ndim - shape.length
  const axes: number[] = []
  for (let i = 0; i < x.ndim; i++) if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i)
  const s = axes.length ? reduceSum(x, axes) : x
  return reshape(s, shape)
}

// slice ------------------------------------------------------------------------------------

type SliceP = { start_indices: readonly number[]; limit_indices: readonly number[]; strides: readonly number[] }
export const sliceP: Primitive<SliceP> = primitive<SliceP>({
  name: "slice",
  abstractEval: (avals, { start_indices: s, limit_indices: l, strides: st }) => {
    const x = avals[0]!, nd = x.shape.length
    let ok = s.length === nd && l.length === nd && st.length === nd
    for (let i = 0; i < nd && ok; i++) {
      const v = s[i]!
      ok = Number.isInteger(v) && v >= 0 && l[i]! >= v && l[i]! <= x.shape[i]! && st[i]! >= 1
    }
    if (!ok) throw new ShapeError("slice", [x.shape], `start (${s.join(",")}) and limit (${l.join(",")}) must satisfy 0 ≤ start ≤ limit ≤ size on every axis.`)
    const shape = new globalThis.Array<number>(nd)
    for (let i = 0; i < nd; i++) shape[i] = Math.ceil((l[i]! - s[i]!) / st[i]!)
    return [new ShapedArray(shape, x.dtype, x.weakType)]
  },
  impl: ([x], { start_indices: s, limit_indices: l, strides: st }) => {
    const xs = stridesOf(x!.shape)
    const offset = s.reduce((acc, v, i) => acc + v * xs[i]!, 0)
    return [stridedCopy(x!.data, offset, xs.map((v, i) => v * st[i]!), s.map((v, i) => Math.ceil((l[i]! - v) / st[i]!)), x!.dtype)]
  },
  jvp: linearJvp(() => sliceP),
  transpose: (cts, args, { start_indices: s, strides: st }) => {
    const ct = cts[0]!, xa = (args[0] as { aval: ShapedArray }).aval
    if (isZero(ct)) return [new Zero(xa)]
    // the config is built fresh here, so it becomes pad's params as it is (pad() would copy it)
    const config = new globalThis.Array<[number, number, number]>(s.length)
    for (let i = 0; i < s.length; i++) {
      const v = s[i]!, n = ct.shape[i]!
      const used = n === 0 ? 0 : v + (n - 1) * st[i]! + 1
      config[i] = [n === 0 ? xa.shape[i]! : v, n === 0 ? 0 : xa.shape[i]! - used, n === 0 ? 0 : st[i]! - 1]
    }
    return [bind1(padP, [ct], { value: 0, padding_config: config })]
  },
  batch: ([x], [bd], { start_indices: s, limit_indices: l, strides: st }, size) => {
    const m = moveAxisTo0(x!, bd!)
    return [[slice(m, [0, ...s], [size, ...l], [1, ...st])], [0]]
  },
})
export const slice = (x: Array, start: readonly number[], limit: readonly number[], strides?: readonly number[]): Array =>
  bind1(sliceP, [x], { start_indices: [...start], limit_indices: [...limit], strides: strides ? [...strides] : start.map(() => 1) })

// pad --------------------------------------------------------------------------------------

type PadP = { value: number; padding_config: readonly (readonly [number, number, number])[] }
export const padP: Primitive<PadP> = primitive<PadP>({
  name: "pad",
  abstractEval: (avals, { padding_config: c }) => {
    const x = avals[0]!, nd = x.shape.length
    let ok = c.length === nd
    for (let i = 0; i < c.length && ok; i++) { const t = c[i]!; ok = t[0] >= 0 && t[1] >= 0 && t[2] >= 0 }
    if (!ok)
      throw new ShapeError("pad", [x.shape], "padding_config needs one (low, high, interior) triple of non-negative integers per axis.")
    const shape = new globalThis.Array<number>(nd)
    for (let i = 0; i < nd; i++) { const d = x.shape[i]!, t = c[i]!; shape[i] = t[0] + t[1] + d + Math.max(0, d - 1) * t[2] }
    return [new ShapedArray(shape, x.dtype, x.weakType)]
  },
  impl: ([x], params) => {
    const [outAval] = padP.abstractEval([x!.aval], params)
    const out = NdArray.zeros(outAval!.shape, x!.dtype)
    out.data.fill(castScalar(params.value, x!.dtype))
    const os = stridesOf(outAval!.shape), c = params.padding_config
    // destination strides and offset of the input's elements inside the output
    const dst = x!.shape.map((_, i) => os[i]! * (c[i]![2] + 1))
    const offset = c.reduce((acc, [lo], i) => acc + lo * os[i]!, 0)
    const n = x!.size, nd = x!.ndim, idx = new Int32Array(nd)
    let p = offset
    for (let k = 0; k < n; k++) {
      out.data[p] = x!.data[k]!
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++; p += dst[d]!
        if (idx[d]! < x!.shape[d]!) break
        p -= dst[d]! * x!.shape[d]!; idx[d] = 0
      }
    }
    return [out]
  },
  jvp: ([x], [dx], params) => {
    const out = bind1(padP, [x!], params)
    return [[out], [mapT(dx!, (t) => bind1(padP, [t], { ...params, value: 0 }), out.aval)]]
  },
  transpose: ([ct], [x], { padding_config: c }) => {
    const xa = (x as { aval: ShapedArray }).aval
    if (isZero(ct)) return [new Zero(xa)]
    return [slice(ct!, c.map(([lo]) => lo), c.map(([lo], i) => lo + (xa.shape[i]! === 0 ? 0 : (xa.shape[i]! - 1) * (c[i]![2] + 1) + 1)), c.map(([, , int]) => int + 1))]
  },
  batch: ([x], [bd], { value, padding_config: c }) => [[pad(moveAxisTo0(x!, bd!), value, [[0, 0, 0], ...c])], [0]],
})
export const pad = (x: Array, value: number, config: readonly (readonly [number, number, number])[]): Array =>
  bind1(padP, [x], { value, padding_config: config.map((t) => [...t] as [number, number, number]) })

// concatenate ------------------------------------------------------------------------------

type ConcatP = { dimension: number }
export const concatenateP: Primitive<ConcatP> = primitive<ConcatP>({
  name: "concatenate",
  abstractEval: (avals, { dimension: d }) => {
    if (avals.length === 0) throw new InvalidArgumentError("concatenate", "needs at least one array.")
    const a0 = avals[0]!
    for (const a of avals) {
      if (a.ndim !== a0.ndim || a.shape.some((s, i) => i !== d && s !== a0.shape[i]) || d < 0 || d >= a0.ndim)
        throw new ShapeError("concatenate", avals.map((v) => v.shape), `all arrays must have one rank and equal sizes except along axis ${d}.`)
      if (a.dtype !== a0.dtype) throw new DtypeError("concatenate", avals.map((v) => v.dtype), "convert the arrays to one dtype first.")
    }
    return [new ShapedArray(a0.shape.map((s, i) => (i === d ? avals.reduce((n, a) => n + a.shape[d]!, 0) : s)), a0.dtype, avals.every((a) => a.weakType))]
  },
  impl: (xs, params) => {
    const [outAval] = concatenateP.abstractEval(xs.map((x) => x.aval), params)
    const d = params.dimension, out = NdArray.zeros(outAval!.shape, outAval!.dtype)
    const outer = sizeOf(outAval!.shape.slice(0, d)), inner = sizeOf(outAval!.shape.slice(d + 1))
    const rowOut = outAval!.shape[d]! * inner
    let col = 0
    for (const x of xs) {
      const w = x.shape[d]! * inner
      for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * w, (o + 1) * w), o * rowOut + col)
      col += w
    }
    return [out]
  },
  jvp: (xs, ts, params) => {
    const out = bind1(concatenateP, xs, params)
    if (ts.every(isZero)) return [[out], [new Zero(out.aval)]]
    return [[out], [bind1(concatenateP, ts.map((t, i) => (isZero(t) ? zerosOf(xs[i]!.aval) : t)), params)]]
  },
  transpose: ([ct], xs, { dimension: d }) => {
    let start = 0
    return xs.map((x) => {
      const a = x.aval, n = a.shape[d]!
      const s0 = start
      start += n
      if (!isUndefined(x)) return null
      if (isZero(ct)) return new Zero(a)
      return slice(ct!, a.shape.map((_, i) => (i === d ? s0 : 0)), a.shape.map((s, i) => (i === d ? s0 + n : s)))
    })
  },
  batch: (xs, bds, { dimension }, size) => {
    const moved = xs.map((x, i) => (bds[i] === null ? broadcastInDim(x, [size, ...x.shape], x.shape.map((_, k) => k + 1)) : moveAxisTo0(x, bds[i]!)))
    return [[concatenate(moved, dimension + 1)], [0]]
  },
})
export const concatenate = (xs: readonly Array[], dimension: number): Array =>
  xs.length === 1 ? xs[0]! : bind1(concatenateP, xs, { dimension })

export const zerosOf = (a: ShapedArray): Array => broadcastInDim(NdArray.scalar(0, a.dtype), a.shape, [])

// rev --------------------------------------------------------------------------------------

type RevP = { dimensions: readonly number[] }
export const revP: Primitive<RevP> = primitive<RevP>({
  name: "rev",
  abstractEval: ([x], { dimensions }) => {
    if (dimensions.some((d) => d < 0 || d >= x!.ndim)) throw new ShapeError("rev", [x!.shape], `dimensions (${dimensions.join(",")}) out of range.`)
    return [x!]
  },
  impl: ([x], { dimensions }) => {
    const st = stridesOf(x!.shape)
    let offset = 0
    const strides = st.map((s, i) => {
      if (!dimensions.includes(i)) return s
      offset += (x!.shape[i]! - 1) * s
      return -s
    })
    return [stridedCopy(x!.data, x!.size === 0 ? 0 : offset, strides, x!.shape, x!.dtype)]
  },
  jvp: linearJvp(() => revP),
  transpose: ([ct], [x], params) => [mapT(ct!, (c) => bind1(revP, [c], params), (x as { aval: ShapedArray }).aval)],
  batch: ([x], [bd], { dimensions }) => [[rev(moveAxisTo0(x!, bd!), dimensions.map((d) => d + 1))], [0]],
})
export const rev = (x: Array, dimensions: readonly number[]): Array => bind1(revP, [x], { dimensions: [...dimensions] })

// convert_element_type ---------------------------------------------------------------------

type ConvertP = { new_dtype: DType; weak_type: boolean }
export const convertElementTypeP: Primitive<ConvertP> = primitive<ConvertP>({
  name: "convert_element_type",
  abstractEval: ([x], { new_dtype, weak_type }) => [new ShapedArray(x!.shape, new_dtype, weak_type)],
  impl: ([x], { new_dtype, weak_type }) => {
    const out = allocate(new_dtype, x!.size), src = x!.data
    if (new_dtype === "bool") for (let i = 0; i < src.length; i++) out[i] = src[i] ? 1 : 0
    else if (isInt(new_dtype)) for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]!)
    else out.set(src)
    return [new NdArray(out, x!.shape, new_dtype, weak_type)]
  },
  jvp: ([x], [dx], params) => {
    const out = bind1(convertElementTypeP, [x!], params)
    const diff = isFloat(x!.dtype) && isFloat(params.new_dtype)
    return [[out], [diff && !isZero(dx) ? bind1(convertElementTypeP, [dx!], params) : new Zero(out.aval)]]
  },
  transpose: ([ct], [x]) => {
    const xa = (x as { aval: ShapedArray }).aval
    return [isZero(ct) ? new Zero(xa) : convert(ct!, xa.dtype, xa.weakType)]
  },
  batch: ([x], [bd], params) => [[bind1(convertElementTypeP, [x!], params)], [bd!]],
})
export const convert = (x: Array, dtype: DType, weakType = false): Array =>
  x.dtype === dtype && x.aval.weakType === weakType ? x : bind1(convertElementTypeP, [x], { new_dtype: dtype, weak_type: weakType })

// iota -------------------------------------------------------------------------------------

type IotaP = { dtype: DType; shape: readonly number[]; dimension: number }
export const iotaP: Primitive<IotaP> = primitive<IotaP>({
  name: "iota",
  abstractEval: (_, { dtype, shape, dimension }) => {
    if (dimension < 0 || dimension >= shape.length) throw new ShapeError("iota", [shape], `dimension ${dimension} out of range.`)
    return [new ShapedArray(shape, dtype)]
  },
  impl: (_, { dtype, shape, dimension }) => {
    const out = allocate(dtype, sizeOf(shape)), st = stridesOf(shape)
    for (let k = 0; k < out.length; k++) out[k] = Math.floor(k / st[dimension]!) % shape[dimension]!
    return [new NdArray(out, shape, dtype)]
  },
  jvp: zeroDerivative,
  batch: () => { throw new Error("internal: iota has no operands to batch") },
  laws: { noFiniteDifferences: true },
})
export const iota = (dtype: DType, shape: readonly number[], dimension = 0): Array => bind1(iotaP, [], { dtype, shape: [...shape], dimension })

// gather / scatter_add along one axis ------------------------------------------------------

type TakeP = { axis: number }
const takeShape = (x: Shape, idx: Shape, axis: number): number[] => [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]

/** take(x, indices, axis): out[..., i..., ...] = x[..., indices[i...], ...]; indices clamp into range (JAX's default for gathers). */
export const gatherP: Primitive<TakeP> = primitive<TakeP>({
  name: "gather",
  abstractEval: ([x, idx], { axis }) => {
    if (!isInt(idx!.dtype)) throw new DtypeError("gather", [idx!.dtype], "indices must be int32 or uint32.")
    if (axis < 0 || axis >= x!.ndim) throw new ShapeError("gather", [x!.shape, idx!.shape], `axis ${axis} out of range.`)
    return [new ShapedArray(takeShape(x!.shape, idx!.shape, axis), x!.dtype, x!.weakType)]
  },
  impl: ([x, idx], { axis }) => {
    const outer = sizeOf(x!.shape.slice(0, axis)), n = x!.shape[axis]!, inner = sizeOf(x!.shape.slice(axis + 1))
    const m = idx!.size, out = allocate(x!.dtype, outer * m * inner)
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++) {
        let i = idx!.data[j]!
        i = i < 0 ? i + n : i
        i = i < 0 ? 0 : i >= n ? n - 1 : i
        const src = (o * n + i) * inner, dst = (o * m + j) * inner
        for (let k = 0; k < inner; k++) out[dst + k] = x!.data[src + k]!
      }
    return [new NdArray(out, takeShape(x!.shape, idx!.shape, axis), x!.dtype, x!.aval.weakType)]
  },
  jvp: linearJvp(() => gatherP),
  transpose: ([ct], [x, idx], { axis }) => {
    const xa = (x as { aval: ShapedArray }).aval
    if (isZero(ct)) return [new Zero(xa), null]
    return [scatterAdd(zerosOf(xa), idx as Array, ct!, axis), null]
  },
  batch: ([x, idx], [bx, bi], { axis }, size) => {
    if (bi === null) return [[take(x!, idx!, axis + (bx! <= axis ? 1 : 0))], [bx! <= axis ? bx! : bx! + idx!.ndim - 1]]
    const i0 = moveAxisTo0(idx!, bi!)
    if (bx === null) return [[take(x!, i0, axis)], [axis]]
    // both batched: fold the batch into the gathered axis, offsetting lane b's indices by b·n
    const xm = moveAxisTo0(x!, bx!), a = axis + 1, n = xm.shape[a]!
    const front = transpose(xm, [0, a, ...xm.shape.map((_, k) => k).filter((k) => k !== 0 && k !== a)])
    const flat = reshape(front, [size * n, ...front.shape.slice(2)])
    const lane = broadcastInDim(iota(i0.dtype, [size]), i0.shape, [0])
    // resolve negative and out-of-range indices inside each lane first, as the kernel does
    const sc = (v: number) => NdArray.scalar(v, i0.dtype)
    const wrapped = i0.dtype === "int32" ? select(lt(i0, sc(0)), add(i0, sc(n)), i0) : i0
    const inLane = min(max(wrapped, sc(0)), sc(Math.max(n - 1, 0)))
    const g = take(flat, add(inLane, mul(lane, sc(n))), 0) // [B, idx..., rest...]
    const nIdx = i0.ndim - 1, rest = front.ndim - 2
    const perm = [0, ...globalThis.Array.from({ length: axis }, (_, k) => 1 + nIdx + k), ...globalThis.Array.from({ length: nIdx }, (_, k) => 1 + k),
      ...globalThis.Array.from({ length: rest - axis }, (_, k) => 1 + nIdx + axis + k)]
    return [[transpose(g, perm)], [0]]
  },
  laws: { noFiniteDifferences: false },
})
export const take = (x: Array, indices: Array, axis: number): Array => bind1(gatherP, [x, indices], { axis })

/** scatter_add(x, indices, updates, axis): x with updates added at indices along axis. */
export const scatterAddP: Primitive<TakeP> = primitive<TakeP>({
  name: "scatter_add",
  abstractEval: ([x, idx, upd], { axis }) => {
    const want = takeShape(x!.shape, idx!.shape, axis)
    if (!shapeEq(upd!.shape, want)) throw new ShapeError("scatter_add", [x!.shape, idx!.shape, upd!.shape], `updates must have shape [${want.join(",")}].`)
    return [x!]
  },
  impl: ([x, idx, upd], { axis }) => {
    const outer = sizeOf(x!.shape.slice(0, axis)), n = x!.shape[axis]!, inner = sizeOf(x!.shape.slice(axis + 1))
    const m = idx!.size, out = x!.data.slice()
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++) {
        let i = idx!.data[j]!
        i = i < 0 ? i + n : i
        i = i < 0 ? 0 : i >= n ? n - 1 : i
        const dst = (o * n + i) * inner, src = (o * m + j) * inner
        for (let k = 0; k < inner; k++) out[dst + k] += upd!.data[src + k]!
      }
    return [new NdArray(out, x!.shape, x!.dtype)]
  },
  jvp: ([x, idx, upd], [dx, , du], params) => {
    const out = bind1(scatterAddP, [x!, idx!, upd!], params)
    if (isZero(dx) && isZero(du)) return [[out], [new Zero(out.aval)]]
    return [[out], [bind1(scatterAddP, [isZero(dx) ? zerosOf(x!.aval) : dx!, idx!, isZero(du) ? zerosOf(upd!.aval) : du!], params)]]
  },
  transpose: ([ct], [x, idx, upd], { axis }) => [
    isUndefined(x) ? ct! : null, null,
    isUndefined(upd) ? (isZero(ct) ? new Zero(upd.aval) : take(ct!, idx as Array, axis)) : null,
  ],
  batch: loopBatch(() => scatterAddP),
  laws: { noFiniteDifferences: false },
})
export const scatterAdd = (x: Array, indices: Array, updates: Array, axis: number): Array =>
  bind1(scatterAddP, [x, indices, updates], { axis })

/** A batching rule of last resort: run each lane and stack the results. */
export function loopBatch<P>(prim: () => Primitive<P>): BatchRule<P> {
  return (args, bdims, params, size) => {
    const lanes: Array[][] = []
    for (let b = 0; b < size; b++) {
      const lane = args.map((a, i) => {
        if (bdims[i] === null) return a
        const m = moveAxisTo0(a, bdims[i]!)
        return reshape(slice(m, m.shape.map((_, k) => (k === 0 ? b : 0)), m.shape.map((s, k) => (k === 0 ? b + 1 : s))), m.shape.slice(1))
      })
      lanes.push(bind(prim(), lane, params as Record<string, unknown>))
    }
    const nOut = lanes[0]!.length
    return [globalThis.Array.from({ length: nOut }, (_, o) => concatenate(lanes.map((l) => reshape(l[o]!, [1, ...l[o]!.shape])), 0)), globalThis.Array.from({ length: nOut }, () => 0)]
  }
}
