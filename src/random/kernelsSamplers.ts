// How jax.random turns threefry bits into numbers, as loops over bit arrays: uniform (the
// mantissa trick), normal (sqrt(2)·erfinv of a uniform on (-1, 1)), gumbel (-log(-log u)),
// bernoulli (u < p), the argmax of categorical and the stable sort of permutation. Each
// mirrors the jitted jax._src.random code, operation by operation and in the operation's
// dtype; ./threefry.ts feeds them bits. Backends can call these on bits they produced.

import { erfInv32, erfInv64, fma32, fma64 } from "./kernelsMath.js"

/** A float buffer of either precision. */
export type FloatArray = Float32Array | Float64Array
/** A scalar or an elementwise (already broadcast) parameter. */
export type Floats = number | FloatArray
/** Arrays whose elements survive a round trip through float64 (all of them, exactly). */
export type NumericArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array

const fround = Math.fround
const TWO_M23 = 2 ** -23
const TWO_M52 = 2 ** -52
const TWO_20 = 2 ** 20

/**
 * The float32 in [0, 1) that jax.random.uniform makes of 32 random bits: the top 23 bits
 * become the mantissa of a float in [1, 2) (`bits >>> 9 | 0x3f800000`), minus 1. Exact.
 */
export function bitsToUnit32(bits: number): number {
  return (bits >>> 9) * TWO_M23
}

/**
 * The float64 in [0, 1) made of the 64 random bits `hi << 32 | lo`: their top 52 bits as
 * the mantissa of a float in [1, 2), minus 1. Exact.
 */
export function bitsToUnit64(hi: number, lo: number): number {
  return ((hi >>> 0) * TWO_20 + (lo >>> 12)) * TWO_M52
}

function at(x: Floats, i: number): number {
  return typeof x === "number" ? x : x[i]!
}

/**
 * `lax.max(minval, floats * (maxval - minval) + minval)` in float32, the tail of JAX's
 * `_uniform`; the multiply-add is fused (one rounding) as XLA:CPU compiles it.
 */
export function uniform32FromBits(
  bits: Uint32Array, minval: Floats, maxval: Floats, out: Float32Array,
): Float32Array {
  const n = out.length
  if (typeof minval === "number" && typeof maxval === "number") {
    const lo = fround(minval)
    const range = fround(fround(maxval) - lo)
    if (lo === 0 && range === 1) {
      for (let i = 0; i < n; i++) out[i] = bitsToUnit32(bits[i]!)
      return out
    }
    for (let i = 0; i < n; i++) out[i] = Math.max(lo, fma32(bitsToUnit32(bits[i]!), range, lo))
    return out
  }
  for (let i = 0; i < n; i++) {
    const lo = fround(at(minval, i))
    const range = fround(fround(at(maxval, i)) - lo)
    out[i] = Math.max(lo, fma32(bitsToUnit32(bits[i]!), range, lo))
  }
  return out
}

/** {@link uniform32FromBits} in float64, from 64-bit bits given as high and low words. */
export function uniform64FromBits(
  hi: Uint32Array, lo: Uint32Array, minval: Floats, maxval: Floats, out: Float64Array,
): Float64Array {
  const n = out.length
  if (typeof minval === "number" && typeof maxval === "number") {
    const range = maxval - minval
    if (minval === 0 && range === 1) {
      for (let i = 0; i < n; i++) out[i] = bitsToUnit64(hi[i]!, lo[i]!)
      return out
    }
    for (let i = 0; i < n; i++) out[i] = Math.max(minval, fma64(bitsToUnit64(hi[i]!, lo[i]!), range, minval))
    return out
  }
  for (let i = 0; i < n; i++) {
    const a = at(minval, i)
    out[i] = Math.max(a, fma64(bitsToUnit64(hi[i]!, lo[i]!), at(maxval, i) - a, a))
  }
  return out
}

// normal: u = uniform(key, shape, dtype, nextafter(-1, 0), 1); sqrt(2) * erf_inv(u).
const NORMAL_LO32 = fround(-1 + 2 ** -24)
const NORMAL_RANGE32 = fround(1 - NORMAL_LO32) // rounds to 2
const NORMAL_LO64 = -1 + 2 ** -53
const NORMAL_RANGE64 = 1 - NORMAL_LO64 // rounds to 2
const SQRT2_32 = fround(Math.SQRT2)

/**
 * JAX's `_normal_real` in float32: `sqrt(2) * erf_inv(u)` with `u` uniform on
 * [nextafter(-1, 0), 1), erf_inv being XLA's ErfInv32 ({@link erfInv32}).
 */
export function normal32FromBits(bits: Uint32Array, out: Float32Array): Float32Array {
  const n = out.length
  for (let i = 0; i < n; i++) {
    const u = Math.max(NORMAL_LO32, fma32(bitsToUnit32(bits[i]!), NORMAL_RANGE32, NORMAL_LO32))
    out[i] = fround(SQRT2_32 * erfInv32(u))
  }
  return out
}

/** JAX's `_normal_real` in float64, with XLA's ErfInv64 ({@link erfInv64}). */
export function normal64FromBits(hi: Uint32Array, lo: Uint32Array, out: Float64Array): Float64Array {
  const n = out.length
  for (let i = 0; i < n; i++) {
    const u = Math.max(NORMAL_LO64, fma64(bitsToUnit64(hi[i]!, lo[i]!), NORMAL_RANGE64, NORMAL_LO64))
    out[i] = Math.SQRT2 * erfInv64(u)
  }
  return out
}

// gumbel (mode "low", the default): -log(-log(uniform(key, shape, dtype, tiny, 1))).
const TINY32 = 2 ** -126
const TINY64 = 2 ** -1022

/**
 * JAX's `_gumbel` (mode "low") in float32: `-log(-log(u))`, u uniform on [tiny, 1). The
 * logs are float64 logs rounded to float32 (see the accuracy note in ./threefry.ts).
 */
export function gumbel32FromBits(bits: Uint32Array, out: Float32Array): Float32Array {
  const n = out.length
  const range = fround(1 - TINY32) // 1
  for (let i = 0; i < n; i++) {
    const u = Math.max(TINY32, fma32(bitsToUnit32(bits[i]!), range, TINY32))
    out[i] = -fround(Math.log(-fround(Math.log(u))))
  }
  return out
}

/** JAX's `_gumbel` (mode "low") in float64. */
export function gumbel64FromBits(hi: Uint32Array, lo: Uint32Array, out: Float64Array): Float64Array {
  const n = out.length
  const range = 1 - TINY64 // 1
  for (let i = 0; i < n; i++) {
    const u = Math.max(TINY64, fma64(bitsToUnit64(hi[i]!, lo[i]!), range, TINY64))
    out[i] = -Math.log(-Math.log(u))
  }
  return out
}

/** JAX's `_bernoulli` (mode "low") in float32: `uniform(key, shape, float32) < p`, as 0/1. */
export function bernoulli32FromBits(bits: Uint32Array, p: Floats, out: Uint8Array): Uint8Array {
  const n = out.length
  for (let i = 0; i < n; i++) out[i] = bitsToUnit32(bits[i]!) < fround(at(p, i)) ? 1 : 0
  return out
}

/** JAX's `_bernoulli` (mode "low") in float64. */
export function bernoulli64FromBits(hi: Uint32Array, lo: Uint32Array, p: Floats, out: Uint8Array): Uint8Array {
  const n = out.length
  for (let i = 0; i < n; i++) out[i] = bitsToUnit64(hi[i]!, lo[i]!) < at(p, i) ? 1 : 0
  return out
}

/**
 * The reduction of categorical: `argmax(noise + logits, axis)`, where `noise` has shape
 * `shape` and `logits` broadcasts to it (`logitsStrides` gives 0 on broadcast dimensions).
 * The first maximal index wins and NaN counts as the largest value, as in `jnp.argmax`.
 * Sums round to float32 when `f32`. `out` has the shape with `axis` removed.
 */
export function argmaxNoisyLogits(
  noise: FloatArray, shape: readonly number[], axis: number,
  logits: FloatArray, logitsStrides: readonly number[], f32: boolean, out: Int32Array,
): Int32Array {
  const nd = shape.length
  const k = shape[axis]!
  let inner = 1
  for (let d = axis + 1; d < nd; d++) inner *= shape[d]!
  const nOut = out.length
  const lAxisStride = logitsStrides[axis]!
  for (let j = 0; j < nOut; j++) {
    // j enumerates the dimensions other than `axis` in row-major order.
    let rem = j
    let lOff = 0
    for (let d = nd - 1; d >= 0; d--) {
      if (d === axis) continue
      const s = shape[d]!
      lOff += (rem % s) * logitsStrides[d]!
      rem = Math.floor(rem / s)
    }
    const o = Math.floor(j / inner)
    const base = o * k * inner + (j - o * inner)
    let best = 0
    let bestV = NaN
    for (let t = 0; t < k; t++) {
      const s = noise[base + t * inner]! + logits[lOff + t * lAxisStride]!
      const v = f32 ? fround(s) : s
      if (t === 0) { bestV = v; continue }
      if (bestV !== bestV) break // a NaN already won
      if (v > bestV || v !== v) { best = t; bestV = v }
    }
    out[j] = best
  }
  return out
}

/**
 * One round of JAX's `_shuffle`: `lax.sort_key_val(sortKeys, values, axis)`, a stable
 * ascending sort of every lane along `axis` by its uint32 keys, in place. A stable LSD
 * radix sort (four 8-bit passes) over lane-sized scratch allocated once.
 */
export function sortLanesByKeys(
  sortKeys: Uint32Array, values: NumericArray, shape: readonly number[], axis: number,
): void {
  const n = shape[axis]!
  if (n <= 1) return
  let inner = 1
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!
  const lanes = values.length / n
  let ka = new Uint32Array(n)
  let kb = new Uint32Array(n)
  let ia = new Uint32Array(n)
  let ib = new Uint32Array(n)
  const lane = new Float64Array(n)
  const counts = new Uint32Array(256)
  for (let l = 0; l < lanes; l++) {
    const o = Math.floor(l / inner)
    const base = o * n * inner + (l - o * inner)
    for (let t = 0; t < n; t++) {
      ka[t] = sortKeys[base + t * inner]!
      ia[t] = t
    }
    for (let shift = 0; shift < 32; shift += 8) {
      counts.fill(0)
      for (let t = 0; t < n; t++) counts[(ka[t]! >>> shift) & 255]++
      let sum = 0
      for (let b = 0; b < 256; b++) {
        const c = counts[b]!
        counts[b] = sum
        sum += c
      }
      for (let t = 0; t < n; t++) {
        const key = ka[t]!
        const pos = counts[(key >>> shift) & 255]++
        kb[pos] = key
        ib[pos] = ia[t]!
      }
      const tk = ka; ka = kb; kb = tk
      const ti = ia; ia = ib; ib = ti
    }
    for (let t = 0; t < n; t++) lane[t] = values[base + t * inner]!
    for (let t = 0; t < n; t++) values[base + t * inner] = lane[ia[t]!]!
  }
}

/**
 * How many sort rounds JAX's `_shuffle` uses for `size` elements:
 * ceil(3 · ln(max(1, size)) / ln(2^32 - 1)), tjablin's bound that makes key collisions in
 * every round unlikely (1 round up to 1625 elements, 2 up to 2642245).
 */
export function shuffleRounds(size: number): number {
  return Math.ceil((3 * Math.log(Math.max(1, size))) / Math.log(4294967295))
}
