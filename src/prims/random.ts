// Random primitives over threefry2x32 key data (uint32 arrays whose last axis has the two key
// words). Each takes keys of any leading shape K and draws per key, so a batch rule only moves
// the key batch axis to the front: vmap over keys is one vectorized call. The impls call the
// XLA-exact kernels of ../random/threefry.ts. uniform carries its bounds as operands (its
// multiply-add is fused as XLA:CPU fuses it) and is differentiable in them; the rest are not.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, shortName } from "../core/dtype.js"
import { DtypeError, ShapeError } from "../core/errors.js"
import { type Primitive, Zero, isZero, primitive, zeroDerivative } from "../core/primitive.js"
import { type Shape, shapeEq, sizeOf, stridesOf } from "../core/shape.js"
import { bind1 } from "../core/trace.js"
import {
  foldIn, gumbel32FromBits, gumbel64FromBits, normal32FromBits, normal64FromBits, randomBits32,
  randomBits64, shuffle, splitKey, uniform32FromBits, uniform64FromBits,
} from "../random/threefry.js"
import { add, fitTo, le, mul, scalarLike, select, sub } from "./elementwise.js"
import { broadcastInDim, moveAxisTo0 } from "./shape.js"

type FloatDtype = "float32" | "float64"

/** The leading shape K of a key array K + [2]; throws unless it is uint32 with last axis 2. */
function keyLead(name: string, k: ShapedArray): Shape {
  if (k.dtype !== "uint32")
    throw new DtypeError(name, [shortName(k.dtype)], "keys are uint32 arrays ending in an axis of 2 (random.key(seed)).")
  if (k.ndim === 0 || k.shape[k.ndim - 1] !== 2)
    throw new ShapeError(name, [k.shape], "keys must end in an axis of size 2 (the two threefry key words).")
  return k.shape.slice(0, -1)
}

function checkFloat(name: string, dtype: DType): void {
  if (dtype !== "float32" && dtype !== "float64")
    throw new DtypeError(name, [dtype], "random floats are float32 or float64.")
}

/** Key `i` of a concrete key array, as a view of its two words. */
const keyAt = (keys: NdArray, i: number): Uint32Array => (keys.data as Uint32Array).subarray(2 * i, 2 * i + 2)

/** Keys with their batch axis in front (broadcast when they are shared by every lane). */
function keysToFront(k: Array, bd: number | null, size: number): Array {
  return bd === null ? broadcastInDim(k, [size, ...k.shape], k.shape.map((_, i) => i + 1)) : moveAxisTo0(k, bd)
}

/**
 * A per-key operand (rank 0, or of shape `perLane`) lined up with batched keys: batch axis in
 * front, and of the full shape [size, ...perLane] unless it is rank 0 in every lane.
 */
function operandToFront(x: Array, bd: number | null, size: number, perLane: Shape): Array {
  const full = [size, ...perLane]
  if (bd === null) return x.ndim === 0 ? x : broadcastInDim(x, full, x.shape.map((_, i) => i + 1))
  const m = moveAxisTo0(x, bd)
  return m.ndim === full.length ? m : broadcastInDim(m, full, [0])
}

/** The batch rule of a primitive whose only operand is a key array. */
function keysOnlyBatch<P>(prim: () => Primitive<P>) {
  return (args: readonly Array[], bdims: readonly (number | null)[], params: P, size: number): [Array[], (number | null)[]] =>
    [[bind1(prim(), [keysToFront(args[0]!, bdims[0]!, size)], params as Record<string, unknown>)], [0]]
}

// random_seed ------------------------------------------------------------------------------

/** random_seed: int32/uint32 seeds K -> keys K + [2], [0, seed mod 2^32] (JAX's threefry_seed of a 32-bit seed). */
export const randomSeedP: Primitive<Record<string, never>> = primitive<Record<string, never>>({
  name: "random_seed",
  abstractEval: ([s]) => {
    if (s!.dtype !== "int32" && s!.dtype !== "uint32")
      throw new DtypeError("random_seed", [shortName(s!.dtype)], "seeds are int32 or uint32 (x.astype(\"int32\")).")
    return [new ShapedArray([...s!.shape, 2], "uint32")]
  },
  impl: ([s]) => {
    const n = s!.size, out = new Uint32Array(2 * n)
    for (let i = 0; i < n; i++) out[2 * i + 1] = s!.data[i]! >>> 0
    return [new NdArray(out, [...s!.shape, 2], "uint32")]
  },
  jvp: zeroDerivative,
  // the key-word axis is appended last, so the batch axis keeps its place
  batch: ([s], [bd]) => [[bind1(randomSeedP, [s!], {})], [bd!]],
  laws: { dtypes: ["int32", "uint32"], noFiniteDifferences: true },
})

// random_split -----------------------------------------------------------------------------

type SplitP = { count: number }
/** random_split: keys K + [2] -> K + [count, 2] (JAX's partitionable threefry split). */
export const randomSplitP: Primitive<SplitP> = primitive<SplitP>({
  name: "random_split",
  abstractEval: ([k], { count }) => {
    const lead = keyLead("random_split", k!)
    if (!Number.isSafeInteger(count) || count < 0)
      throw new ShapeError("random_split", [k!.shape], `count must be a non-negative integer, got ${count}.`)
    return [new ShapedArray([...lead, count, 2], "uint32")]
  },
  impl: ([k], { count }) => {
    const lead = k!.shape.slice(0, -1), nk = sizeOf(lead), out = new Uint32Array(2 * count * nk)
    for (let i = 0; i < nk; i++) out.set(splitKey(keyAt(k!, i), count), 2 * count * i)
    return [new NdArray(out, [...lead, count, 2], "uint32")]
  },
  jvp: zeroDerivative,
  batch: keysOnlyBatch(() => randomSplitP),
  laws: { dtypes: ["uint32"], noFiniteDifferences: true },
})

// random_fold_in ---------------------------------------------------------------------------

/** random_fold_in: keys K + [2] and uint32 data (rank 0 or K) -> keys K + [2]. */
export const randomFoldInP: Primitive<Record<string, never>> = primitive<Record<string, never>>({
  name: "random_fold_in",
  abstractEval: ([k, d]) => {
    const lead = keyLead("random_fold_in", k!)
    if (d!.dtype !== "uint32") throw new DtypeError("random_fold_in", [shortName(d!.dtype)], "data must be uint32 (x.astype(\"uint32\")).")
    if (d!.ndim > 0 && !shapeEq(d!.shape, lead))
      throw new ShapeError("random_fold_in", [k!.shape, d!.shape], "data must be a scalar or have the keys' leading shape.")
    return [k!]
  },
  impl: ([k, d]) => {
    const nk = k!.size / 2, out = new Uint32Array(2 * nk)
    for (let i = 0; i < nk; i++) out.set(foldIn(keyAt(k!, i), d!.data[d!.size === 1 ? 0 : i]!), 2 * i)
    return [new NdArray(out, k!.shape, "uint32")]
  },
  jvp: zeroDerivative,
  batch: ([k, d], [bk, bd], params, size) => {
    const kb = keysToFront(k!, bk!, size)
    return [[bind1(randomFoldInP, [kb, operandToFront(d!, bd!, size, kb.shape.slice(1, -1))], params)], [0]]
  },
  laws: { dtypes: ["uint32"], noFiniteDifferences: true },
})

// random_bits ------------------------------------------------------------------------------

type ShapeP = { shape: readonly number[] }
/** random_bits: keys K + [2] -> uint32 K + shape (JAX's 32-bit random_bits, partitionable). */
export const randomBitsP: Primitive<ShapeP> = primitive<ShapeP>({
  name: "random_bits",
  abstractEval: ([k], { shape }) => [new ShapedArray([...keyLead("random_bits", k!), ...shape], "uint32")],
  impl: ([k], { shape }) => {
    const lead = k!.shape.slice(0, -1), nk = sizeOf(lead), n = sizeOf(shape)
    const out = new Uint32Array(nk * n)
    for (let i = 0; i < nk; i++) randomBits32(keyAt(k!, i), n, out.subarray(i * n, (i + 1) * n))
    return [new NdArray(out, [...lead, ...shape], "uint32")]
  },
  jvp: zeroDerivative,
  batch: keysOnlyBatch(() => randomBitsP),
  laws: { dtypes: ["uint32"], noFiniteDifferences: true },
})

// floats from bits -------------------------------------------------------------------------

type FloatP = { shape: readonly number[]; dtype: FloatDtype }

/** Runs `fill(key, count, out)` for every key into one buffer of shape K + shape. */
function perKeyFloats(k: NdArray, { shape, dtype }: FloatP,
  fill: (key: Uint32Array, n: number, out: Float32Array | Float64Array, i: number) => void): NdArray {
  const lead = k.shape.slice(0, -1), nk = sizeOf(lead), n = sizeOf(shape)
  const out = dtype === "float32" ? new Float32Array(nk * n) : new Float64Array(nk * n)
  for (let i = 0; i < nk; i++) fill(keyAt(k, i), n, out.subarray(i * n, (i + 1) * n), i)
  return new NdArray(out, [...lead, ...shape], dtype)
}

const floatEval = (name: string) => ([k]: readonly ShapedArray[], { shape, dtype }: FloatP): ShapedArray[] => {
  checkFloat(name, dtype)
  return [new ShapedArray([...keyLead(name, k!), ...shape], dtype)]
}

/**
 * random_uniform(keys, minval, maxval): max(minval, u·(maxval − minval) + minval) with u on
 * [0, 1) from the top mantissa bits, the multiply-add fused. Bounds are rank 0 or K + shape.
 */
export const randomUniformP: Primitive<FloatP> = primitive<FloatP>({
  name: "random_uniform",
  abstractEval: ([k, lo, hi], params) => {
    const [out] = floatEval("random_uniform")([k!], params)
    for (const b of [lo!, hi!]) {
      if (b.dtype !== params.dtype)
        throw new DtypeError("random_uniform", [shortName(b.dtype), shortName(params.dtype)], "the bounds must have the sample dtype.")
      if (b.ndim > 0 && !shapeEq(b.shape, out!.shape))
        throw new ShapeError("random_uniform", [b.shape, out!.shape], "each bound must be a scalar or have the output shape.")
    }
    return [out!]
  },
  impl: ([k, lo, hi], params) => {
    const n = sizeOf(params.shape)
    const bound = (b: NdArray, i: number) => (b.ndim === 0 ? b.data[0]! : (b.data as Float32Array | Float64Array).subarray(i * n, (i + 1) * n))
    return [perKeyFloats(k!, params, (key, cnt, out, i) => {
      if (out instanceof Float32Array) uniform32FromBits(randomBits32(key, cnt), bound(lo!, i), bound(hi!, i), out)
      else { const { hi: h, lo: l } = randomBits64(key, cnt); uniform64FromBits(h, l, bound(lo!, i), bound(hi!, i), out) }
    })]
  },
  // out = max(lo, u·(hi − lo) + lo), so d out = (1 − u)·dlo + u·dhi, and dlo where it clamps at lo
  jvp: ([k, lo, hi], [, dlo, dhi], params) => {
    const out = bind1(randomUniformP, [k!, lo!, hi!], params)
    if (isZero(dlo) && isZero(dhi)) return [[out], [new Zero(out.aval)]]
    const u = bind1(randomUniformP, [k!, scalarLike(out, 0), scalarLike(out, 1)], params)
    const tlo = isZero(dlo) ? null : fitTo(dlo!, out.aval)
    const tdhi = isZero(dhi) ? null : mul(fitTo(dhi!, out.aval), u)
    const tdlo = tlo ? mul(tlo, sub(scalarLike(u, 1), u)) : null
    const inside = tdlo && tdhi ? add(tdlo, tdhi) : (tdlo ?? tdhi)!
    const atLo = tlo ?? fitTo(scalarLike(out, 0), out.aval)
    return [[out], [select(le(out, fitTo(lo!, out.aval)), atLo, inside)]]
  },
  batch: ([k, lo, hi], [bk, blo, bhi], params, size) => {
    const kb = keysToFront(k!, bk!, size)
    const per = [...kb.shape.slice(1, -1), ...params.shape]
    return [[bind1(randomUniformP, [kb, operandToFront(lo!, blo!, size, per), operandToFront(hi!, bhi!, size, per)], params)], [0]]
  },
})

/** random_normal: keys K + [2] -> K + shape, sqrt(2)·erfinv(u) with XLA's ErfInv (JAX's _normal_real). */
export const randomNormalP: Primitive<FloatP> = primitive<FloatP>({
  name: "random_normal",
  abstractEval: floatEval("random_normal"),
  impl: ([k], params) => [perKeyFloats(k!, params, (key, n, out) => {
    if (out instanceof Float32Array) normal32FromBits(randomBits32(key, n), out)
    else { const { hi, lo } = randomBits64(key, n); normal64FromBits(hi, lo, out) }
  })],
  jvp: zeroDerivative,
  batch: keysOnlyBatch(() => randomNormalP),
  laws: { dtypes: ["uint32"], noFiniteDifferences: true },
})

/** random_gumbel: keys K + [2] -> K + shape, −log(−log u), u on [tiny, 1) (JAX's mode "low"). */
export const randomGumbelP: Primitive<FloatP> = primitive<FloatP>({
  name: "random_gumbel",
  abstractEval: floatEval("random_gumbel"),
  impl: ([k], params) => [perKeyFloats(k!, params, (key, n, out) => {
    if (out instanceof Float32Array) gumbel32FromBits(randomBits32(key, n), out)
    else { const { hi, lo } = randomBits64(key, n); gumbel64FromBits(hi, lo, out) }
  })],
  jvp: zeroDerivative,
  batch: keysOnlyBatch(() => randomGumbelP),
  laws: { dtypes: ["uint32"], noFiniteDifferences: true },
})

// random_permutation -----------------------------------------------------------------------

type PermP = { shape: readonly number[]; axis: number }
/**
 * random_permutation: keys K + [2] -> int32 K + shape, JAX's _shuffle(key, iota(shape, axis),
 * axis): every lane along `axis` is a permutation of 0..n-1 (sorted by bits of the whole shape).
 */
export const randomPermutationP: Primitive<PermP> = primitive<PermP>({
  name: "random_permutation",
  abstractEval: ([k], { shape, axis }) => {
    const lead = keyLead("random_permutation", k!)
    if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length)
      throw new ShapeError("random_permutation", [shape], `axis ${axis} is out of range.`)
    return [new ShapedArray([...lead, ...shape], "int32")]
  },
  impl: ([k], { shape, axis }) => {
    const lead = k!.shape.slice(0, -1), nk = sizeOf(lead), n = sizeOf(shape)
    const out = new Int32Array(nk * n), st = stridesOf(shape)[axis]!, len = shape[axis]!
    for (let i = 0; i < nk; i++) {
      const lane = out.subarray(i * n, (i + 1) * n)
      for (let j = 0; j < n; j++) lane[j] = Math.floor(j / st) % len
      shuffle(keyAt(k!, i), lane, shape, axis)
    }
    return [new NdArray(out, [...lead, ...shape], "int32")]
  },
  jvp: zeroDerivative,
  batch: keysOnlyBatch(() => randomPermutationP),
  laws: { dtypes: ["uint32"], noFiniteDifferences: true },
})
