// The pure-JS kernel of JAX's default PRNG: Threefry-2x32 (20 rounds) and the key
// operations and bit streams of JAX >= 0.5, where `jax_threefry_partitionable=True` is the
// default: the counter of element i of a shape is its row-major flat index, split into
// (hi, lo) 32-bit words. Keys are JAX's key_data: a Uint32Array [k0, k1]. The samplers at the
// end draw bits here and convert them with ./kernelsSamplers.ts (float helpers: FMA, log1p,
// erfinv in ./kernelsMath.ts); both are re-exported. Arithmetic is int32 (`| 0`, `^`,
// shifts) stored into Uint32Arrays; loops allocate nothing.

import {
  argmaxNoisyLogits, bernoulli32FromBits, bernoulli64FromBits, gumbel32FromBits, gumbel64FromBits,
  normal32FromBits, normal64FromBits, shuffleRounds, sortLanesByKeys, uniform32FromBits,
  uniform64FromBits,
} from "./kernelsSamplers.js"
import type { FloatArray, Floats, NumericArray } from "./kernelsSamplers.js"

/** A threefry2x32 key: JAX's `random.key_data(key)`, a Uint32Array of length 2. */
export type KeyData = Uint32Array

const KS_PARITY = 0x1bd11bda

// The two output words of the last block, returned through module state (no allocation).
let out0 = 0
let out1 = 0

/**
 * One Threefry-2x32-20 block: encrypts the counter (c0, c1) under the key (k0, k1) and
 * leaves the result in out0/out1. Rotations 13,15,26,6 / 17,29,16,24; a key injection
 * (with the round number added to the second word) after every four rounds, as in
 * Random123 and jax._src.prng._threefry2x32_lowering.
 */
function block(k0: number, k1: number, c0: number, c1: number): void {
  const k2 = k0 ^ k1 ^ KS_PARITY
  let x0 = (c0 + k0) | 0
  let x1 = (c1 + k1) | 0
  // rounds 1-4
  x0 = (x0 + x1) | 0; x1 = (x1 << 13) | (x1 >>> 19); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 15) | (x1 >>> 17); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 26) | (x1 >>> 6); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 6) | (x1 >>> 26); x1 ^= x0
  x0 = (x0 + k1) | 0; x1 = (x1 + k2 + 1) | 0
  // rounds 5-8
  x0 = (x0 + x1) | 0; x1 = (x1 << 17) | (x1 >>> 15); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 29) | (x1 >>> 3); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 16) | (x1 >>> 16); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 24) | (x1 >>> 8); x1 ^= x0
  x0 = (x0 + k2) | 0; x1 = (x1 + k0 + 2) | 0
  // rounds 9-12
  x0 = (x0 + x1) | 0; x1 = (x1 << 13) | (x1 >>> 19); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 15) | (x1 >>> 17); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 26) | (x1 >>> 6); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 6) | (x1 >>> 26); x1 ^= x0
  x0 = (x0 + k0) | 0; x1 = (x1 + k1 + 3) | 0
  // rounds 13-16
  x0 = (x0 + x1) | 0; x1 = (x1 << 17) | (x1 >>> 15); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 29) | (x1 >>> 3); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 16) | (x1 >>> 16); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 24) | (x1 >>> 8); x1 ^= x0
  x0 = (x0 + k1) | 0; x1 = (x1 + k2 + 4) | 0
  // rounds 17-20
  x0 = (x0 + x1) | 0; x1 = (x1 << 13) | (x1 >>> 19); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 15) | (x1 >>> 17); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 26) | (x1 >>> 6); x1 ^= x0
  x0 = (x0 + x1) | 0; x1 = (x1 << 6) | (x1 >>> 26); x1 ^= x0
  out0 = (x0 + k2) | 0
  out1 = (x1 + k0 + 5) | 0
}

/**
 * Threefry-2x32 with 20 rounds over arrays of counter pairs, as JAX's `threefry2x32_p`:
 * `(out0[i], out1[i]) = threefry(key=(k0, k1), counter=(x0[i], x1[i]))`.
 * @example
 * ```ts
 * const o0 = new Uint32Array(1), o1 = new Uint32Array(1)
 * threefry2x32(0, 0, new Uint32Array([0]), new Uint32Array([0]), o0, o1)
 * o0[0].toString(16) // => "6b200159"
 * ```
 * @throws RangeError when the four arrays differ in length.
 */
export function threefry2x32(
  k0: number, k1: number,
  x0: Uint32Array, x1: Uint32Array,
  o0: Uint32Array, o1: Uint32Array,
): void {
  const n = x0.length
  if (x1.length !== n || o0.length !== n || o1.length !== n)
    throw new RangeError(`threefry2x32: arrays must have one length, got ${n}, ${x1.length}, ${o0.length}, ${o1.length}`)
  const a = k0 | 0
  const b = k1 | 0
  for (let i = 0; i < n; i++) {
    block(a, b, x0[i]!, x1[i]!)
    o0[i] = out0
    o1[i] = out1
  }
}

/** The block threefry2x32(key, (c0, c1)) as its two output words, uint32 numbers. */
export function threefryPair(key: KeyData, c0: number, c1: number): [number, number] {
  block(key[0]! | 0, key[1]! | 0, c0 | 0, c1 | 0)
  return [out0 >>> 0, out1 >>> 0]
}

const TWO32 = 4294967296
const INT64_MIN = -9223372036854775808 // -2^63
const UINT64_END = 18446744073709551616 // 2^64

/**
 * The key data of JAX's `random.key(seed)` / `random.PRNGKey(seed)`: the seed as a 64-bit
 * two's-complement integer, split into [high word, low word] (`threefry_seed`).
 *
 * By default the seed is read as JAX reads an int64 seed (`jax_enable_x64=True`, or an
 * explicit np.int64), so `seedKey(-1)` is [0xffffffff, 0xffffffff] and `seedKey(2 ** 32 + 5)`
 * is [1, 5]. With `{ x64: false }` it follows JAX's default 32-bit mode, where a Python int
 * seed is wrapped to int32 first: the high word is 0 and the low word is the seed mod 2^32
 * (`seedKey(-1, { x64: false })` is [0, 0xffffffff]). Seeds in [0, 2^31) agree in both modes.
 * A bigint seed is exact over the whole int64/uint64 range; a number seed is exact up to
 * 2^53 in magnitude.
 * @throws TypeError when the seed is not an integer (JAX raises "PRNG key seed must be an
 * integer" for floats); NaN and ±Infinity included.
 * @throws RangeError when the seed is outside [-2^63, 2^64) (JAX raises OverflowError).
 */
export function seedKey(seed: number | bigint, options: { readonly x64?: boolean } = {}): KeyData {
  const x64 = options.x64 ?? true
  if (typeof seed === "bigint") {
    if (seed < -(1n << 63n) || seed >= 1n << 64n)
      throw new RangeError(`seedKey: seed ${seed} is outside [-2^63, 2^64)`)
    const u = BigInt.asUintN(64, seed)
    const lo = Number(u & 0xffffffffn)
    const hi = x64 ? Number(u >> 32n) : 0
    return new Uint32Array([hi, lo])
  }
  if (!Number.isInteger(seed))
    throw new TypeError(`seedKey: a PRNG seed must be an integer, got ${seed}`)
  if (seed < INT64_MIN || seed >= UINT64_END)
    throw new RangeError(`seedKey: seed ${seed} is outside [-2^63, 2^64)`)
  // ToUint32 reduces the exact integer value modulo 2^32, for any magnitude.
  const lo = seed >>> 0
  const hi = x64 ? Math.floor(seed / TWO32) >>> 0 : 0
  return new Uint32Array([hi, lo])
}

function checkKey(fn: string, key: KeyData): void {
  if (key.length !== 2) throw new RangeError(`${fn}: a threefry key has 2 words, got ${key.length}`)
}

function checkCount(fn: string, count: number): void {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`${fn}: count must be a non-negative safe integer, got ${count}`)
}

/**
 * JAX's `random.split(key, n)` with partitionable threefry (`_threefry_split_foldlike`):
 * key i is threefry(key, (hi(i), lo(i))), both output words. Returns n keys flat, as an
 * [n, 2] row-major Uint32Array. Splitting into a shape is splitting into its size.
 * @throws RangeError when the key is not 2 words or n is not a non-negative safe integer.
 */
export function splitKey(key: KeyData, n: number): Uint32Array {
  checkKey("splitKey", key)
  checkCount("splitKey", n)
  const out = new Uint32Array(2 * n)
  const k0 = key[0]! | 0
  const k1 = key[1]! | 0
  let hi = 0
  let lo = 0
  for (let i = 0; i < n; i++) {
    block(k0, k1, hi, lo)
    out[2 * i] = out0
    out[2 * i + 1] = out1
    if (++lo === TWO32) { lo = 0; hi++ }
  }
  return out
}

/**
 * JAX's `random.fold_in(key, data)`: threefry(key, threefry_seed(uint32(data))), i.e. the
 * block at counter (0, data). So `foldIn(key, i)` equals key i of `splitKey(key, n)`.
 * `data` is converted as `jnp.uint32(data)`: truncated toward zero, then taken mod 2^32.
 * @throws TypeError when data is NaN or infinite.
 */
export function foldIn(key: KeyData, data: number): KeyData {
  checkKey("foldIn", key)
  if (!Number.isFinite(data)) throw new TypeError(`foldIn: data must be a finite integer, got ${data}`)
  block(key[0]! | 0, key[1]! | 0, 0, Math.trunc(data) >>> 0)
  return new Uint32Array([out0, out1])
}

/**
 * JAX's `random.bits(key, shape)` for uint32 (`_threefry_random_bits_partitionable` with
 * bit_width 32): element i is `bits1 ^ bits2` of the block at counter (hi(i), lo(i)), i the
 * row-major flat index; only the size of the shape matters. Writes into `out` if given.
 * `offset` starts the stream at flat index `offset`, so a large array can be made in chunks.
 * @throws RangeError when the key is not 2 words, count or offset is invalid, or out is too short.
 */
export function randomBits32(key: KeyData, count: number, out?: Uint32Array, offset = 0): Uint32Array {
  checkKey("randomBits32", key)
  checkCount("randomBits32", count)
  checkCount("randomBits32", offset)
  const res = out ?? new Uint32Array(count)
  if (res.length < count) throw new RangeError(`randomBits32: out has ${res.length} < ${count} elements`)
  const k0 = key[0]! | 0
  const k1 = key[1]! | 0
  let hi = Math.floor(offset / TWO32)
  let lo = offset - hi * TWO32
  for (let i = 0; i < count; i++) {
    block(k0, k1, hi, lo)
    res[i] = out0 ^ out1
    if (++lo === TWO32) { lo = 0; hi++ }
  }
  return res
}

/**
 * JAX's 64-bit `random.bits` (bit_width 64): element i is `bits1 << 32 | bits2`, returned
 * as its high words (`hi`, = bits1) and low words (`lo`, = bits2). `offset` as in
 * {@link randomBits32}.
 * @throws RangeError when the key is not 2 words or count or offset is invalid.
 */
export function randomBits64(key: KeyData, count: number, offset = 0): { hi: Uint32Array; lo: Uint32Array } {
  checkKey("randomBits64", key)
  checkCount("randomBits64", count)
  checkCount("randomBits64", offset)
  const his = new Uint32Array(count)
  const los = new Uint32Array(count)
  const k0 = key[0]! | 0
  const k1 = key[1]! | 0
  let hi = Math.floor(offset / TWO32)
  let lo = offset - hi * TWO32
  for (let i = 0; i < count; i++) {
    block(k0, k1, hi, lo)
    his[i] = out0
    los[i] = out1
    if (++lo === TWO32) { lo = 0; hi++ }
  }
  return { hi: his, lo: los }
}

// ---------------------------------------------------------------------------------------
// Samplers: bits from the streams above, numbers from ./kernelsSamplers.ts.
//
// Accuracy against JAX (CPU, JAX >= 0.5, partitionable threefry). Bits, keys, uniform,
// bernoulli and permutation are exact. uniform with bounds other than [0, 1) fuses its
// multiply-add, as XLA:CPU does on FMA hardware (x86-64 with FMA3, aarch64). normal follows
// XLA step for step: ErfInv32/ErfInv64 (Giles' polynomials, Horner steps fused) on
// w = -log1p(-u·u), with XLA:CPU's log1p (Cephes rational branch for |x| < sqrt(2) - 1,
// reproducing its documented 129-ulp float64 error near -0.414, jax-ml/jax#39707). Where the
// computation is pure arithmetic (|u| < 0.6436, about 64% of draws) it is bit-exact; where
// log1p calls the platform log, V8's Math.log (rounded to float32 for float32) stands in for
// XLA's libm/Eigen log, so a small fraction of those draws can differ in the last bit.
// Like XLA, float64 erfinv loses accuracy near ±1 (x² is rounded before 1 - x² is formed:
// ~1e-11 relative at |u| = 1 - 1e-8). gumbel uses two platform logs per draw (same caveat);
// categorical's indices can differ only where such a last bit decides an argmax.
// XLA's log1p changed over time (a Taylor branch below 1e-4 before the Cephes branch; a
// narrower rational range from openxla/xla#46765, 2026-08), as did JAX's erf_inv (its own
// minimax polynomials in 2026); about 3-5% of normal draws depend on those choices. This
// reproduces the Cephes-branch XLA (2025 to mid-2026).
// ---------------------------------------------------------------------------------------

/** Float dtypes the samplers produce. */
export type FloatDtype = "float32" | "float64"

/**
 * JAX's `random.uniform(key, shape, float32, minval, maxval)` for a shape of `count`
 * elements: 23 random mantissa bits give u in [0, 1); then max(minval, u·(maxval − minval)
 * + minval) in float32. `minval`/`maxval` are numbers or arrays already broadcast to count.
 * @example
 * ```ts
 * // JAX's docs print random.uniform(random.key(0)) as 0.947667
 * uniform32(seedKey(0), 1)[0] // => 0.9476670026779175
 * ```
 */
export function uniform32(key: KeyData, count: number, minval: Floats = 0, maxval: Floats = 1): Float32Array {
  return uniform32FromBits(randomBits32(key, count), minval, maxval, new Float32Array(count))
}

/** {@link uniform32} in float64: 52 mantissa bits from the 64-bit stream. */
export function uniform64(key: KeyData, count: number, minval: Floats = 0, maxval: Floats = 1): Float64Array {
  const { hi, lo } = randomBits64(key, count)
  return uniform64FromBits(hi, lo, minval, maxval, new Float64Array(count))
}

/** JAX's `random.normal(key, shape, float32)`: sqrt(2)·erfinv(u), u uniform on (-1, 1). */
export function normal32(key: KeyData, count: number): Float32Array {
  return normal32FromBits(randomBits32(key, count), new Float32Array(count))
}

/** JAX's `random.normal(key, shape, float64)`. */
export function normal64(key: KeyData, count: number): Float64Array {
  const { hi, lo } = randomBits64(key, count)
  return normal64FromBits(hi, lo, new Float64Array(count))
}

/** JAX's `random.gumbel(key, shape, float32)` (mode "low"): −log(−log(u)), u on [tiny, 1). */
export function gumbel32(key: KeyData, count: number): Float32Array {
  return gumbel32FromBits(randomBits32(key, count), new Float32Array(count))
}

/** JAX's `random.gumbel(key, shape, float64)` (mode "low"). */
export function gumbel64(key: KeyData, count: number): Float64Array {
  const { hi, lo } = randomBits64(key, count)
  return gumbel64FromBits(hi, lo, new Float64Array(count))
}

/**
 * JAX's `random.bernoulli(key, p, shape)` (mode "low"): uniform(key, shape, dtype of p) < p,
 * as 0/1 bytes. `p` is a number or an array already broadcast to `count`.
 */
export function bernoulli(key: KeyData, p: Floats, count: number, dtype: FloatDtype = "float64"): Uint8Array {
  const out = new Uint8Array(count)
  if (dtype === "float32") return bernoulli32FromBits(randomBits32(key, count), p, out)
  const { hi, lo } = randomBits64(key, count)
  return bernoulli64FromBits(hi, lo, p, out)
}

/**
 * JAX's `random.categorical(key, logits, axis, shape)` with replacement (the Gumbel-max
 * trick): argmax(gumbel(key, G) + logits, axis), where G is `shape` (default: the logits
 * shape without `axis`) with the category axis inserted at `axis`, behind any extra leading
 * sample dimensions. The dtype is the logits array's. Returns the indices of shape `shape`.
 * @throws RangeError on a bad axis, an empty category axis, or a `shape` the batch shape
 * does not broadcast to.
 */
export function categorical(
  key: KeyData, logits: FloatArray, logitsShape: readonly number[],
  options: { readonly axis?: number; readonly shape?: readonly number[] } = {},
): Int32Array {
  const nd = logitsShape.length
  const axis0 = options.axis ?? -1
  const a = axis0 < 0 ? axis0 + nd : axis0
  if (!Number.isInteger(a) || a < 0 || a >= nd)
    throw new RangeError(`categorical: axis ${axis0} is out of range for logits of shape [${logitsShape}]`)
  const k = logitsShape[a]!
  if (k === 0) throw new RangeError(`categorical: logits of shape [${logitsShape}] have no categories on axis ${a}`)
  const batch = logitsShape.filter((_, d) => d !== a)
  const shape = options.shape ?? batch
  const np = shape.length - batch.length
  if (np < 0 || batch.some((s, i) => s !== shape[np + i] && s !== 1))
    throw new RangeError(`categorical: logits batch shape [${batch}] does not broadcast to shape [${shape}]`)
  const gShape = [...shape.slice(0, np + a), k, ...shape.slice(np + a)]
  const gAxis = np + a
  // Row-major strides of the logits, aligned to the right of gShape; 0 where broadcast.
  const strides = new Array<number>(gShape.length).fill(0)
  let stride = 1
  for (let d = nd - 1; d >= 0; d--) {
    const size = logitsShape[d]!
    strides[np + d] = size === 1 && gShape[np + d] !== 1 ? 0 : stride
    stride *= size
  }
  let count = 1
  for (const s of gShape) count *= s
  const f32 = logits instanceof Float32Array
  const noise = f32 ? gumbel32(key, count) : gumbel64(key, count)
  return argmaxNoisyLogits(noise, gShape, gAxis, logits, strides, f32, new Int32Array(count / k))
}

/**
 * JAX's `_shuffle(key, x, axis)` in place: `shuffleRounds(x.size)` rounds of
 * `key, subkey = split(key)` then a stable sort of every lane along `axis` by
 * `bits(subkey, x.shape)`. Returns `values`, now shuffled.
 * @throws RangeError when `values` does not have the size of `shape` or the axis is bad.
 */
export function shuffle<A extends NumericArray>(key: KeyData, values: A, shape: readonly number[], axis = 0): A {
  checkKey("shuffle", key)
  const a = axis < 0 ? axis + shape.length : axis
  if (!Number.isInteger(a) || a < 0 || a >= shape.length)
    throw new RangeError(`shuffle: axis ${axis} is out of range for shape [${shape}]`)
  let size = 1
  for (const s of shape) size *= s
  if (size !== values.length)
    throw new RangeError(`shuffle: ${values.length} values do not fill shape [${shape}]`)
  let k: KeyData = key
  const rounds = shuffleRounds(size)
  for (let r = 0; r < rounds; r++) {
    const keys = splitKey(k, 2)
    k = keys.subarray(0, 2)
    sortLanesByKeys(randomBits32(keys.subarray(2, 4), size), values, shape, a)
  }
  return values
}

/**
 * JAX's `random.permutation(key, n)`: `_shuffle(key, arange(n), 0)`.
 * @example
 * ```ts
 * Array.from(permutation(seedKey(0), 5)).sort() // => [0, 1, 2, 3, 4]
 * ```
 */
export function permutation(key: KeyData, n: number): Int32Array {
  checkCount("permutation", n)
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return shuffle(key, out, [n], 0)
}

export {
  argmaxNoisyLogits, bernoulli32FromBits, bernoulli64FromBits, bitsToUnit32, bitsToUnit64,
  gumbel32FromBits, gumbel64FromBits, normal32FromBits, normal64FromBits, shuffleRounds,
  sortLanesByKeys, uniform32FromBits, uniform64FromBits,
} from "./kernelsSamplers.js"
export type { FloatArray, Floats, NumericArray } from "./kernelsSamplers.js"
export { erfInv32, erfInv64, fma32, fma64, xlaLog1p32, xlaLog1p64 } from "./kernelsMath.js"
