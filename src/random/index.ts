// wengert/random: JAX's default PRNG, threefry2x32 with the partitionable scheme that is the
// default from JAX 0.5 on. Keys are plain arrays (uint32, shape [2]: JAX's key data), so they
// pass through jit, vmap, grad and lax.scan like any array; sampling binds the primitives of
// ../prims/random.ts. Given the same key, shape and dtype, the bits equal current JAX's on CPU.

/**
 * Counter-based, splittable random numbers, bit-compatible with JAX's default PRNG:
 * threefry2x32 with the partitionable scheme (`jax_threefry_partitionable=True`), the
 * default from JAX 0.5.0 on. JAX before 0.5 (or with that flag off) lays out the counters
 * differently, so its `split`, `bits`, `uniform`, `normal`, ... give other values for the
 * same key (JAX 0.4's `uniform(key(0))` in float32 is 0.41845703; here and in JAX ≥ 0.5 it
 * is 0.947667); `key` and `foldIn` agree with both.
 *
 * A key is JAX's raw key data (what `jax.random.PRNGKey(seed)` returns): a uint32 array of
 * shape [2]. Keys are ordinary arrays, so they pass through jit, vmap (over a batch of keys
 * [n, 2], e.g. `vmap((k) => random.normal(k, [3]))(random.split(key, 5))`), grad and
 * lax.scan carries. Samplers take a single key, as in JAX; map over batches with vmap.
 *
 * Floats default to float64, as JAX with `jax_enable_x64` (and integer seeds are read as
 * 64-bit, as there); pass `{ dtype: "float32" }` for JAX's default float32 values. Keys,
 * bits, uniform, bernoulli and permutation match JAX exactly. normal, gumbel and
 * categorical match except, rarely, in the last bit where XLA calls its platform `log`
 * (see the accuracy note in ./threefry.ts).
 * @packageDocumentation
 */

import { Array, NdArray, type ArrayLike } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type DType, castScalar, isFloat, isInt } from "../core/dtype.js"
import { DtypeError, InvalidArgumentError, ShapeError } from "../core/errors.js"
import { type Shape, broadcastShapes, normalizeAxis, shapeEq, sizeOf } from "../core/shape.js"
import { bind1 } from "../core/trace.js"
import { add, lt, mul } from "../prims/elementwise.js"
import {
  randomBitsP, randomFoldInP, randomGumbelP, randomNormalP, randomPermutationP, randomSeedP,
  randomSplitP, randomUniformP,
} from "../prims/random.js"
import { argmaxP } from "../prims/reductions.js"
import { broadcastInDim, convert, iota, moveAxisFrom0, moveAxisTo0, reshape, take } from "../prims/shape.js"
import { shapeArg } from "../numpy/args.js"
import { seedKey } from "./threefry.js"

/** The float dtypes the samplers draw in. */
export type FloatDtype = "float32" | "float64"

const KEY_HINT = "A key is a uint32 array of shape [2]: make one with random.key(seed) and new ones with random.split(key)."

/** Checks a single key (uint32 [2]) for `fn`. */
function keyArg(fn: string, key: unknown): Array {
  if (key === null || key === undefined || typeof key === "number" || typeof key === "bigint" || typeof key === "boolean")
    throw new InvalidArgumentError(fn, `expected a key, got ${key === null ? "null" : typeof key} ${String(key)} (a seed is not a key). ${KEY_HINT}`)
  const k = asArray(key, fn)
  if (k.dtype !== "uint32") throw new DtypeError(fn, [k.aval.str()], KEY_HINT)
  if (!shapeEq(k.shape, [2]))
    throw new ShapeError(fn, [k.shape], k.ndim === 2 && k.shape[1] === 2
      ? `${fn} takes a single key of shape [2], not a batch of keys; map over the batch with vmap, as in vmap((k) => ${fn}(k, ...))(keys).`
      : KEY_HINT)
  return k
}

function floatDtype(fn: string, dtype: string | undefined): FloatDtype {
  const d = dtype ?? "float64"
  if (d !== "float32" && d !== "float64") throw new DtypeError(fn, [d], "random floats are float32 or float64; pass { dtype: \"float32\" } or { dtype: \"float64\" }.")
  return d
}

const scalarOf = (v: number, dtype: DType): NdArray => NdArray.scalar(castScalar(v, dtype), dtype)
/** Right-aligned numpy broadcasting of `x` to `shape` (rank 0 stays rank 0: primitives broadcast it). */
const fitTo = (x: Array, shape: Shape): Array =>
  x.ndim === 0 || shapeEq(x.shape, shape) ? x : broadcastInDim(x, shape, x.shape.map((_, i) => shape.length - x.ndim + i))

/** `x` (a parameter of a sampler) checked to broadcast to the sample shape, as jax.random's _check_shape. */
function paramTo(fn: string, name: string, x: Array, shape: Shape): Array {
  let ok = x.ndim <= shape.length
  if (ok) { try { ok = shapeEq(broadcastShapes(fn, shape, x.shape), shape) } catch { ok = false } }
  if (!ok) throw new ShapeError(fn, [shape, x.shape], `${name} ${x.aval.str()} must broadcast to the sample shape [${shape.join(",")}]; pass a shape it broadcasts to.`)
  return fitTo(x, shape)
}

/**
 * A PRNG key from an integer seed: JAX's `random.PRNGKey(seed)` (the key data of
 * `random.key(seed)`), a uint32 array of shape [2]. A number or bigint seed is read as a
 * 64-bit integer, as JAX with `jax_enable_x64` reads it: [high word, low word]. A traced or
 * array seed must be an int32/uint32 scalar and gives [0, seed mod 2^32], as in JAX.
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.key(0).toArray() // => [0, 0]
 * random.key(42).toArray() // => [0, 42]
 * random.key(2 ** 32 + 5).toArray() // => [1, 5]
 * random.key(-1).toArray() // => [4294967295, 4294967295]
 * ```
 * @throws {@link index!InvalidArgumentError} when the seed is not an integer in [-2^63, 2^64).
 * @throws {@link index!DtypeError} when an array seed is not int32 or uint32.
 * @throws {@link index!ShapeError} when an array seed is not a scalar.
 * @category random
 * @since 0.1.0
 */
export function key(seed: number | bigint | Array): Array {
  const fn = "random.key"
  if (seed instanceof Array) {
    if (!isInt(seed.dtype)) throw new DtypeError(fn, [seed.aval.str()], "an array seed must be int32 or uint32 (seed.astype(\"int32\")).")
    if (seed.ndim !== 0) throw new ShapeError(fn, [seed.shape], "a seed is a scalar; to make many keys, vmap random.key over the seeds or use random.split.")
    return bind1(randomSeedP, [seed], {})
  }
  if (typeof seed === "bigint") {
    if (seed < -(1n << 63n) || seed >= 1n << 64n) throw new InvalidArgumentError(fn, `seed ${seed} is outside [-2^63, 2^64).`)
  } else if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new InvalidArgumentError(fn, `a PRNG seed must be an integer, got ${typeof seed === "number" ? seed : typeof seed}. Round it, or use a bigint.`)
  } else if (seed < -(2 ** 63) || seed >= 2 ** 64) {
    throw new InvalidArgumentError(fn, `seed ${seed} is outside [-2^63, 2^64).`)
  }
  return new NdArray(seedKey(seed), [2], "uint32")
}

/**
 * The raw data of a key, a uint32 array of shape [2]: keys are already their data here, so
 * this checks the key and returns it (JAX's `random.key_data`).
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.keyData(random.key(7)).toArray() // => [0, 7]
 * ```
 * @throws {@link index!DtypeError} when the key is not uint32.
 * @throws {@link index!ShapeError} when the key does not have shape [2].
 * @category random
 * @since 0.1.0
 */
export const keyData = (key: ArrayLike): Array => keyArg("random.keyData", key)

/**
 * Splits a key into `n` new keys, shape [n, 2] (or a shape of keys, [...n, 2]). Key i is
 * the threefry block of the key at counter i, so `split(key, n)` row i equals `foldIn(key, i)`.
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.split(random.key(0)).toArray() // => [[1797259609, 2579123966], [928981903, 3453687069]]
 * random.split(random.key(0), [2, 3]).shape // => [2, 3, 2]
 * ```
 * @throws {@link index!ShapeError} when the key is not uint32 [2] or `n` is not a non-negative integer (or a shape of them).
 * @throws {@link index!DtypeError} when the key is not uint32.
 * @category random
 * @since 0.1.0
 */
export function split(key: ArrayLike, n: number | readonly number[] = 2): Array {
  const k = keyArg("random.split", key)
  const shape = shapeArg("random.split", n)
  const keys = bind1(randomSplitP, [k], { count: sizeOf(shape) })
  return typeof n === "number" ? keys : reshape(keys, [...shape, 2])
}

/**
 * A new key from a key and an integer: threefry of the key at counter `data` (taken as
 * uint32: truncated, then mod 2^32), so equal to row `data` of `split(key, n)`.
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.foldIn(random.key(0), 4).toArray() // => [2285895361, 433833334]
 * ```
 * @throws {@link index!InvalidArgumentError} when `data` is not a finite number.
 * @throws {@link index!ShapeError} when `data` is not a scalar or the key is not [2].
 * @throws {@link index!DtypeError} when the key is not uint32.
 * @category random
 * @since 0.1.0
 */
export function foldIn(key: ArrayLike, data: number | Array): Array {
  const fn = "random.foldIn"
  const k = keyArg(fn, key)
  let d: Array
  if (typeof data === "number") {
    if (!Number.isFinite(data)) throw new InvalidArgumentError(fn, `data must be a finite integer, got ${data}.`)
    d = scalarOf(data, "uint32")
  } else {
    if (!(data instanceof Array)) throw new InvalidArgumentError(fn, `data must be a number or a scalar array, got ${typeof data}.`)
    if (data.ndim !== 0) throw new ShapeError(fn, [data.shape], "data must be a scalar; use vmap to fold in many values.")
    d = convert(data, "uint32")
  }
  return bind1(randomFoldInP, [k, d], {})
}

/**
 * Random uint32 bits of `shape` (JAX's `random.bits` with its default uint32 dtype).
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.bits(random.key(0), [2]).toArray() // => [4070199207, 4202968722]
 * ```
 * @throws {@link index!DtypeError} when `dtype` is not "uint32" or the key is not uint32.
 * @throws {@link index!ShapeError} when the shape is invalid or the key is not [2].
 * @category random
 * @since 0.1.0
 */
export function bits(key: ArrayLike, shape: number | readonly number[] = [], opts: { readonly dtype?: DType } = {}): Array {
  const k = keyArg("random.bits", key)
  if ((opts.dtype ?? "uint32") !== "uint32") throw new DtypeError("random.bits", [opts.dtype!], "random bits are uint32.")
  return bind1(randomBitsP, [k], { shape: shapeArg("random.bits", shape) })
}

/** Options of {@link uniform}. */
export interface UniformOptions {
  /** float64 (the default, as JAX with x64) or float32 (JAX's default dtype); others throw DtypeError. */
  readonly dtype?: DType
  /** Lower bound, inclusive; broadcasts to the shape. Default 0. */
  readonly minval?: ArrayLike
  /** Upper bound, exclusive; broadcasts to the shape. Default 1. */
  readonly maxval?: ArrayLike
}

/**
 * Uniform samples on [minval, maxval) of `shape`: the top 23 (float32) or 52 (float64) bits
 * as a mantissa in [0, 1), then `max(minval, u·(maxval − minval) + minval)` with the
 * multiply-add fused as on XLA:CPU. Differentiable in `minval` and `maxval`.
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.uniform(random.key(0), [], { dtype: "float32" }).item() // => 0.9476670026779175
 * random.uniform(random.key(0)).item() // => 0.41845711171638644
 * random.uniform(random.key(0), [2], { minval: -1, maxval: 1 }).shape // => [2]
 * ```
 * @throws {@link index!DtypeError} when `dtype` is not float32/float64 or the key is not uint32.
 * @throws {@link index!ShapeError} when a bound does not broadcast to the shape or the key is not [2].
 * @category random
 * @since 0.1.0
 */
export function uniform(key: ArrayLike, shape: number | readonly number[] = [], opts: UniformOptions = {}): Array {
  const fn = "random.uniform"
  const k = keyArg(fn, key)
  const dtype = floatDtype(fn, opts.dtype)
  const s = shapeArg(fn, shape)
  const bound = (name: string, v: ArrayLike): Array => {
    const a = typeof v === "number" ? scalarOf(v, dtype) : asArray(v, fn)
    return paramTo(fn, name, a.dtype === dtype ? a : convert(a, dtype), s)
  }
  return bind1(randomUniformP, [k, bound("minval", opts.minval ?? 0), bound("maxval", opts.maxval ?? 1)], { shape: s, dtype })
}

/** Options of {@link normal} and {@link gumbel}. */
export interface FloatOptions {
  /** float64 (the default) or float32; others throw DtypeError. */
  readonly dtype?: DType
}

/**
 * Standard normal samples of `shape`: `sqrt(2)·erfinv(u)` with u uniform on (-1, 1) and
 * XLA's erfinv, as JAX's `random.normal`. Scale and shift the result for other means and
 * deviations (`mu + sigma * z` is differentiable in mu and sigma).
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.normal(random.key(0), [2], { dtype: "float32" }).toArray() // => [1.622642159461975, 2.0252647399902344]
 * ```
 * @throws {@link index!DtypeError} when `dtype` is not float32/float64 or the key is not uint32.
 * @throws {@link index!ShapeError} when the shape is invalid or the key is not [2].
 * @category random
 * @since 0.1.0
 */
export function normal(key: ArrayLike, shape: number | readonly number[] = [], opts: FloatOptions = {}): Array {
  const k = keyArg("random.normal", key)
  return bind1(randomNormalP, [k], { shape: shapeArg("random.normal", shape), dtype: floatDtype("random.normal", opts.dtype) })
}

/**
 * Standard Gumbel samples of `shape`: `−log(−log u)` with u uniform on [tiny, 1), as JAX's
 * `random.gumbel` (mode "low").
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.gumbel(random.key(0), [3]).shape // => [3]
 * ```
 * @throws {@link index!DtypeError} when `dtype` is not float32/float64 or the key is not uint32.
 * @throws {@link index!ShapeError} when the shape is invalid or the key is not [2].
 * @category random
 * @since 0.1.0
 */
export function gumbel(key: ArrayLike, shape: number | readonly number[] = [], opts: FloatOptions = {}): Array {
  const k = keyArg("random.gumbel", key)
  return bind1(randomGumbelP, [k], { shape: shapeArg("random.gumbel", shape), dtype: floatDtype("random.gumbel", opts.dtype) })
}

/**
 * Booleans that are true with probability `p`: `uniform(key, shape, dtype of p) < p`, as
 * JAX's `random.bernoulli`. The shape defaults to p's; `p` broadcasts to it. A JS number p
 * is float64 unless `{ dtype }` says otherwise.
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.bernoulli(random.key(0), 0.5, [4]).dtype // => "bool"
 * random.bernoulli(random.key(1), [0, 1]).toArray() // => [false, true]
 * ```
 * @throws {@link index!DtypeError} when p is an integer array (a probability is a float) or the dtype is not a float.
 * @throws {@link index!ShapeError} when p does not broadcast to the shape or the key is not [2].
 * @category random
 * @since 0.1.0
 */
export function bernoulli(key: ArrayLike, p: ArrayLike = 0.5, shape?: number | readonly number[] | null, opts: FloatOptions = {}): Array {
  const fn = "random.bernoulli"
  const k = keyArg(fn, key)
  const raw = typeof p === "number" ? null : asArray(p, fn)
  if (raw && !isFloat(raw.dtype) && opts.dtype === undefined)
    throw new DtypeError(fn, [raw.aval.str()], "p is a probability and must be float32 or float64; convert it (p.astype(\"float64\")) or pass { dtype }.")
  const dtype = floatDtype(fn, opts.dtype ?? raw?.dtype)
  const pa = raw === null ? scalarOf(p as number, dtype) : raw.dtype === dtype ? raw : convert(raw, dtype)
  const s = shape === undefined || shape === null ? [...pa.shape] : shapeArg(fn, shape)
  const pb = paramTo(fn, "p", pa, s)
  const u = bind1(randomUniformP, [k, scalarOf(0, dtype), scalarOf(1, dtype)], { shape: s, dtype })
  return lt(u, pb)
}

/** Options of {@link categorical}. */
export interface CategoricalOptions {
  /** The category axis of the logits. Default -1. */
  readonly axis?: number
  /** The sample shape; the logits' shape without `axis` must broadcast to it. Default that shape. */
  readonly shape?: readonly number[]
}

/**
 * Category indices drawn with probabilities softmax(logits) along `axis`, by the Gumbel-max
 * trick: `argmax(gumbel(key, ·, dtype of logits) + logits, axis)`, as JAX's
 * `random.categorical`. Returns int32 of `shape`.
 * @example
 * ```ts
 * import { random, np } from "wengert"
 * random.categorical(random.key(0), np.log(np.array([0.1, 0.2, 0.7])), { shape: [5] }).shape // => [5]
 * random.categorical(random.key(0), [0, -Infinity, -Infinity]).item() // => 0
 * ```
 * @throws {@link index!InvalidArgumentError} when the axis is out of range.
 * @throws {@link index!DtypeError} when the logits are not float32/float64 or the key is not uint32.
 * @throws {@link index!ShapeError} when the category axis is empty, the batch shape does not broadcast to `shape`, or the key is not [2].
 * @category random
 * @since 0.1.0
 */
export function categorical(key: ArrayLike, logits: ArrayLike, opts: CategoricalOptions = {}): Array {
  const fn = "random.categorical"
  const k = keyArg(fn, key)
  const l = asArray(logits, fn)
  if (!isFloat(l.dtype)) throw new DtypeError(fn, [l.aval.str()], "logits must be float32 or float64 (logits.astype(\"float64\")).")
  if (l.ndim === 0) throw new ShapeError(fn, [l.shape], "logits need a category axis; pass at least a 1-d array.")
  const a = normalizeAxis(fn, opts.axis ?? -1, l.ndim)
  const nCat = l.shape[a]!
  if (nCat === 0) throw new ShapeError(fn, [l.shape], `axis ${a} of the logits is empty; give at least one category.`)
  const batch = l.shape.filter((_, d) => d !== a)
  const shape = opts.shape === undefined ? batch : shapeArg(fn, opts.shape)
  const lead = shape.length - batch.length
  if (lead < 0 || batch.some((b, i) => b !== 1 && b !== shape[lead + i]))
    throw new ShapeError(fn, [l.shape, shape], `the logits' batch shape [${batch.join(",")}] must broadcast to shape [${shape.join(",")}].`)
  const gAxis = lead + a
  const gShape = [...shape.slice(0, gAxis), nCat, ...shape.slice(gAxis)]
  const noise = bind1(randomGumbelP, [k], { shape: gShape, dtype: l.dtype as FloatDtype })
  const shifted = add(noise, broadcastInDim(l, gShape, l.shape.map((_, d) => lead + d)))
  return bind1(argmaxP, [shifted], { axis: gAxis, index_dtype: "int32" })
}

/** Options of {@link permutation}. */
export interface PermutationOptions {
  /** The axis to permute. Default 0. */
  readonly axis?: number
  /** Permute each slice along `axis` on its own (default false: one permutation for all). */
  readonly independent?: boolean
}

/**
 * A random permutation: of `0..n-1` (int32) when given an integer `n`, else of the array
 * `x` along `axis`, as JAX's `random.permutation` (the same sorts by random bits, so the
 * same order). Differentiable in `x`.
 * @example
 * ```ts
 * import { random } from "wengert"
 * random.permutation(random.key(0), 5).toArray() // => [0, 1, 4, 3, 2]
 * random.permutation(random.key(0), [10, 11, 12, 13, 14]).toArray() // => [10, 11, 14, 13, 12]
 * ```
 * @throws {@link index!InvalidArgumentError} when `n` is not a non-negative integer or the axis is out of range.
 * @throws {@link index!DtypeError} when a scalar array `x` is not an integer, or the key is not uint32.
 * @throws {@link index!ShapeError} when the key is not [2].
 * @throws {@link index!ConcretizationError} when `x` is a traced scalar (the length must be known).
 * @category random
 * @since 0.1.0
 */
export function permutation(key: ArrayLike, x: number | ArrayLike, opts: PermutationOptions = {}): Array {
  const fn = "random.permutation"
  const k = keyArg(fn, key)
  const xa = typeof x === "number" ? null : asArray(x, fn)
  if (xa === null || xa.ndim === 0) {
    if (xa && !isInt(xa.dtype)) throw new DtypeError(fn, [xa.aval.str()], "x must be an integer (a length) or an array of rank at least 1.")
    const n = xa ? xa.concrete(fn).data[0]! : (x as number)
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(fn, `the length must be a non-negative integer, got ${n}.`)
    normalizeAxis(fn, opts.axis ?? 0, 1)
    return bind1(randomPermutationP, [k], { shape: [n], axis: 0 })
  }
  const a = normalizeAxis(fn, opts.axis ?? 0, xa.ndim)
  const n = xa.shape[a]!
  if (!opts.independent || xa.ndim === 1) return take(xa, bind1(randomPermutationP, [k], { shape: [n], axis: 0 }), a)
  // each lane along `a` sorted by its own bits: gather from the flattened lanes
  const idx = bind1(randomPermutationP, [k], { shape: [...xa.shape], axis: a })
  const lanes = xa.size / Math.max(n, 1)
  const xm = moveAxisFrom0(moveAxisTo0(xa, a), xa.ndim - 1), im = moveAxisFrom0(moveAxisTo0(idx, a), xa.ndim - 1)
  const offsets = mul(iota("int32", [lanes, n], 0), scalarOf(n, "int32"))
  const flatIdx = reshape(add(reshape(im, [lanes, n]), offsets), [lanes * n])
  const out = reshape(take(reshape(xm, [lanes * n]), flatIdx, 0), xm.shape)
  return moveAxisFrom0(moveAxisTo0(out, xa.ndim - 1), a)
}

