// Known answers for the threefry kernel, each with its source, then the samplers' structure
// (checked against straightforward reference code written here) and their statistics.
// Statistical checks use fixed keys, so they are deterministic; their bounds are ~6 sigma
// (or a 1e-9 tail quantile), so they are meaningful rather than loose.
import { describe, it, expect } from "vitest"
import {
  bernoulli, bitsToUnit32, bitsToUnit64, categorical, erfInv32, erfInv64, fma32, fma64, foldIn,
  gumbel32, gumbel64, normal32, normal32FromBits, normal64, permutation, randomBits32,
  randomBits64, seedKey, shuffle, shuffleRounds, sortLanesByKeys, splitKey, threefry2x32, threefryPair,
  uniform32, uniform64, xlaLog1p32, xlaLog1p64,
} from "../../src/random/threefry.ts"

const u32 = (xs: readonly number[]) => new Uint32Array(xs)
const key = (k0: number, k1: number) => u32([k0, k1])

/** Runs threefry2x32 on one counter pair, through the array API. */
function block(k: Uint32Array, c0: number, c1: number): [number, number] {
  const o0 = new Uint32Array(1)
  const o1 = new Uint32Array(1)
  threefry2x32(k[0]!, k[1]!, u32([c0]), u32([c1]), o0, o1)
  return [o0[0]!, o1[0]!]
}

/**
 * The bit layout of JAX before 0.5 (`_threefry_random_bits_original`, flag off), for the
 * published outputs below that predate the partitionable default: n words are
 * threefry_2x32(key, iota(n)), i.e. the iota (padded with a 0 to even length) is cut in
 * halves x0, x1 and the outputs are concatenated. Used only to feed normal32FromBits.
 */
function legacyBits32(k: Uint32Array, n: number): Uint32Array {
  const m = n + (n % 2)
  const half = m / 2
  const out = new Uint32Array(m)
  for (let i = 0; i < half; i++) {
    const c1 = half + i < n ? half + i : 0
    const [a, b] = block(k, i, c1)
    out[i] = a
    out[half + i] = b
  }
  return out.subarray(0, n)
}

/** The pre-0.5 `split(key, n)` (`_threefry_split_original`): threefry_2x32(key, iota(2n)). */
function legacySplit(k: Uint32Array, n: number): Uint32Array {
  return legacyBits32(k, 2 * n)
}

describe("threefry2x32", () => {
  // Random123's known-answer vectors for threefry2x32_20 (kat_vectors, as cut and pasted into
  // DEShawResearch/Random123-Boost libs/random/test/test_threefry.cpp, lines 30-32; JAX's
  // tests/random_test.py testThreefry2x32 checks the same three). Format: ctr, key -> out.
  it("matches Random123's known answers", () => {
    expect(block(key(0, 0), 0, 0)).toEqual([0x6b200159, 0x99ba4efe])
    expect(block(key(0xffffffff, 0xffffffff), 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7])
    expect(block(key(0x13198a2e, 0x03707344), 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0])
  })

  // JAX tests/random_test.py (google/jax, before 0.5), testPRNGValues: with the old layout,
  // split(PRNGKey(0), 4) is threefry_2x32(key, iota(8)) = blocks at counters (i, i + 4),
  // reshaped: [[a0, a1], [a2, a3], [b0, b1], [b2, b3]] =
  // [[2285895361, 1501764800], [1518642379, 4090693311], [433833334, 4221794875],
  //  [839183663, 3740430601]], where (ai, bi) = threefry(key, (i, i + 4)).
  it("matches the blocks behind JAX's old split(PRNGKey(0), 4) test values", () => {
    const o0 = new Uint32Array(4)
    const o1 = new Uint32Array(4)
    threefry2x32(0, 0, u32([0, 1, 2, 3]), u32([4, 5, 6, 7]), o0, o1)
    expect(Array.from(o0)).toEqual([2285895361, 1501764800, 1518642379, 4090693311])
    expect(Array.from(o1)).toEqual([433833334, 4221794875, 839183663, 3740430601])
  })

  // Same file, testRngRandomBits: PRNGKey(1701), old layout. bits32 (3,) = threefry_2x32(key,
  // [0, 1, 2, 0]) truncated = [56197195, 4200222568, 961309823]; bits64 (3,) with x64 =
  // [3982329540505020460, 16822122385914693683, 7882654074788531506] made of the blocks at
  // (0, 3), (1, 4), (2, 5) (high word from x0, low word from x1).
  it("matches the blocks behind JAX's old random_bits(PRNGKey(1701)) test values", () => {
    const k = seedKey(1701)
    expect(Array.from(legacyBits32(k, 3))).toEqual([56197195, 4200222568, 961309823])
    const o0 = new Uint32Array(3)
    const o1 = new Uint32Array(3)
    threefry2x32(k[0]!, k[1]!, u32([0, 1, 2]), u32([3, 4, 5]), o0, o1)
    const b64 = [0, 1, 2].map((i) => (BigInt(o0[i]!) << 32n) | BigInt(o1[i]!))
    expect(b64).toEqual([3982329540505020460n, 16822122385914693683n, 7882654074788531506n])
  })

  it("agrees with the single-pair helper", () => {
    expect(threefryPair(key(0x13198a2e, 0x03707344), 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0])
  })

  it("rejects arrays of different lengths", () => {
    const a = new Uint32Array(2)
    expect(() => threefry2x32(0, 0, a, new Uint32Array(3), a, a)).toThrow(RangeError)
  })
})

describe("seedKey", () => {
  // JAX tests/random_test.py (ROCm/jax fork of google/jax), test_prng_seeds_and_keys: the
  // expected key for each seed, with jax_enable_x64 on (our default: seeds read as int64)
  // and off. Only its rows whose seed JAX reads as int64 (Python int, np.int64) or as a
  // non-negative value are listed; np.int32(-2) stays int32 in JAX and has no counterpart.
  const cases: ReadonlyArray<[number, [number, number], [number, number]]> = [
    [0, [0, 0], [0, 0]],
    [1, [0, 1], [0, 1]],
    [2, [0, 2], [0, 2]],
    [3, [0, 3], [0, 3]],
    [-1, [4294967295, 4294967295], [0, 4294967295]],
    [-3, [4294967295, 4294967293], [0, 4294967293]],
    [2147483647 + 100, [0, 2147483747], [0, 2147483747]],
    [2147483647 + 101, [0, 2147483748], [0, 2147483748]],
    [-2147483648 - 100, [4294967295, 2147483548], [0, 2147483548]],
    [-2147483648 - 101, [4294967295, 2147483547], [0, 2147483547]],
  ]
  it.each(cases)("seed %d gives JAX's key", (seed, x64, x32) => {
    expect(Array.from(seedKey(seed))).toEqual(x64)
    expect(Array.from(seedKey(seed, { x64: false }))).toEqual(x32)
  })

  it("splits seeds of 2^32 and beyond into high and low words (threefry_seed)", () => {
    expect(Array.from(seedKey(2 ** 32 + 5))).toEqual([1, 5])
    expect(Array.from(seedKey(2 ** 53 - 1))).toEqual([0x1fffff, 0xffffffff])
    expect(Array.from(seedKey(-(2 ** 63)))).toEqual([0x80000000, 0])
    expect(Array.from(seedKey(2n ** 64n - 1n))).toEqual([0xffffffff, 0xffffffff])
    expect(Array.from(seedKey(-(2n ** 63n)))).toEqual([0x80000000, 0])
    expect(Array.from(seedKey(123456789012345678n))).toEqual([28744523, 2788225870])
  })

  it("rejects non-integer and out-of-range seeds", () => {
    expect(() => seedKey(1.5)).toThrow(TypeError)
    expect(() => seedKey(NaN)).toThrow(TypeError)
    expect(() => seedKey(Infinity)).toThrow(TypeError)
    expect(() => seedKey(2 ** 64)).toThrow(RangeError)
    expect(() => seedKey(2n ** 64n)).toThrow(RangeError)
    expect(() => seedKey(-(2n ** 63n) - 1n)).toThrow(RangeError)
  })
})

describe("split and fold_in (partitionable)", () => {
  // Partitionable split of key(0): row i is threefry(key, (0, i)), so row 0 is Random123's
  // all-zero known answer.
  it("makes key i from the block at counter (0, i)", () => {
    const ks = splitKey(seedKey(0), 3)
    expect(Array.from(ks.subarray(0, 2))).toEqual([0x6b200159, 0x99ba4efe])
    for (let i = 0; i < 3; i++) expect(Array.from(ks.subarray(2 * i, 2 * i + 2))).toEqual(block(seedKey(0), 0, i))
  })

  // JAX tests/random_test.py (pre-0.5), testPRNGValues: fold_in(PRNGKey(0), 4) =
  // [2285895361, 433833334]. fold_in does not depend on the partitionable flag
  // (prng.threefry_fold_in = threefry_2x32(key, threefry_seed(data))).
  it("matches JAX's fold_in(PRNGKey(0), 4)", () => {
    expect(Array.from(foldIn(seedKey(0), 4))).toEqual([2285895361, 433833334])
  })

  it("folds in data as split's row of the same index", () => {
    const k = seedKey(42)
    const ks = splitKey(k, 10)
    for (const d of [0, 1, 7, 9]) expect(Array.from(foldIn(k, d))).toEqual(Array.from(ks.subarray(2 * d, 2 * d + 2)))
    // jnp.uint32(data): -1 wraps to 2^32 - 1, 2.9 truncates to 2.
    expect(Array.from(foldIn(k, -1))).toEqual(block(k, 0, 0xffffffff))
    expect(Array.from(foldIn(k, 2.9))).toEqual(Array.from(ks.subarray(4, 6)))
    expect(() => foldIn(k, NaN)).toThrow(TypeError)
  })

  it("rejects keys that are not two words and bad counts", () => {
    expect(() => splitKey(new Uint32Array(3), 2)).toThrow(RangeError)
    expect(() => splitKey(seedKey(0), -1)).toThrow(RangeError)
    expect(() => randomBits32(seedKey(0), 1.5)).toThrow(RangeError)
  })
})

describe("random bits (partitionable)", () => {
  it("xors the two words of the block at the flat index (32 bits)", () => {
    const k = seedKey(1701)
    const bits = randomBits32(k, 5)
    for (let i = 0; i < 5; i++) {
      const [a, b] = block(k, 0, i)
      expect(bits[i]).toBe((a ^ b) >>> 0)
    }
    // key(0), 1 element: the Random123 zero vector xored.
    expect(randomBits32(seedKey(0), 1)[0]).toBe((0x6b200159 ^ 0x99ba4efe) >>> 0)
  })

  it("puts bits1 in the high and bits2 in the low word (64 bits)", () => {
    const { hi, lo } = randomBits64(seedKey(3), 4)
    for (let i = 0; i < 4; i++) expect([hi[i], lo[i]]).toEqual(block(seedKey(3), 0, i))
  })

  it("carries the flat index into the high counter word past 2^32", () => {
    const k = seedKey(7)
    const start = 2 ** 32 - 2
    const bits = randomBits32(k, 4, undefined, start)
    const expected = [block(k, 0, 0xfffffffe), block(k, 0, 0xffffffff), block(k, 1, 0), block(k, 1, 1)]
    expect(Array.from(bits)).toEqual(expected.map(([a, b]) => (a ^ b) >>> 0))
    const { hi } = randomBits64(k, 3, start + 1)
    expect(Array.from(hi)).toEqual([expected[1]![0], expected[2]![0], expected[3]![0]])
  })

  it("makes chunks that concatenate to the whole stream", () => {
    const k = seedKey(11)
    const whole = randomBits32(k, 10)
    const out = new Uint32Array(10)
    randomBits32(k, 4, out.subarray(0, 4), 0)
    randomBits32(k, 6, out.subarray(4), 4)
    expect(out).toEqual(whole)
  })
})

describe("uniform", () => {
  // docs.jax.dev/en/latest/jax.random.html ("PRNG keys", JAX >= 0.5): key = random.key(0);
  // random.uniform(key) -> 0.947667; key, subkey = random.split(key);
  // random.uniform(subkey) -> 0.00729382 (numpy prints at most 8 decimals). Before 0.5 the
  // same page printed 0.41845703 and 0.10536897, so these values are the partitionable ones.
  it("matches the jax.random docs", () => {
    const k = seedKey(0)
    expect(uniform32(k, 1)[0]).toBe(Math.fround(0.947667))
    const sub = splitKey(k, 2).subarray(2, 4)
    expect(uniform32(sub, 1)[0]!.toFixed(8)).toBe("0.00729382")
  })

  it("uses the top 23 bits as the float32 mantissa and the top 52 as the float64 one", () => {
    expect(bitsToUnit32(0xffffffff)).toBe(1 - 2 ** -23)
    expect(bitsToUnit32(0x000001ff)).toBe(0)
    expect(bitsToUnit32(0x80000000)).toBe(0.5)
    const { hi, lo } = randomBits64(seedKey(5), 50)
    const u = uniform64(seedKey(5), 50)
    for (let i = 0; i < 50; i++) {
      const bits = (BigInt(hi[i]!) << 32n) | BigInt(lo[i]!)
      expect(u[i]).toBe(Number(bits >> 12n) / 2 ** 52)
      expect(bitsToUnit64(hi[i]!, lo[i]!)).toBe(u[i])
    }
  })

  it("scales into [minval, maxval) with a fused multiply-add", () => {
    const k = seedKey(9)
    const bits = randomBits32(k, 1000)
    const a = uniform32(k, 1000, -3, 5)
    const b = uniform64(k, 1000, -1e-3, 2e-3)
    const { hi, lo } = randomBits64(k, 1000)
    for (let i = 0; i < 1000; i++) {
      expect(a[i]).toBe(Math.max(-3, fma32(bitsToUnit32(bits[i]!), 8, -3)))
      expect(b[i]).toBe(Math.max(-1e-3, fma64(bitsToUnit64(hi[i]!, lo[i]!), 2e-3 - -1e-3, -1e-3)))
      expect(a[i]! >= -3 && a[i]! < 5).toBe(true)
      expect(b[i]! >= -1e-3 && b[i]! < 2e-3).toBe(true)
    }
    const per = uniform32(k, 3, new Float32Array([0, 10, -2]), new Float32Array([1, 20, -1]))
    expect(per[1]! >= 10 && per[1]! < 20 && per[2]! >= -2 && per[2]! < -1).toBe(true)
  })
})

/** a·b + c exactly, as m·2^e with BigInt m. */
function exactFma(a: number, b: number, c: number): [bigint, number] {
  const parts = (x: number): [bigint, number] => {
    if (x === 0) return [0n, 0]
    let e = Math.floor(Math.log2(Math.abs(x))) - 52
    while (!Number.isInteger(x / 2 ** e)) e--
    return [BigInt(x / 2 ** e), e]
  }
  const [ma, ea] = parts(a)
  const [mb, eb] = parts(b)
  const [mc, ec] = parts(c)
  const ep = ea + eb
  const e = Math.min(ep, ec)
  return [((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e)), e]
}

/** m·2^e rounded to p significant bits, ties to even (no overflow or underflow here). */
function roundTo(m: bigint, e: number, p: number): number {
  if (m === 0n) return 0
  const neg = m < 0n
  let q = neg ? -m : m
  const shift = q.toString(2).length - p
  if (shift > 0) {
    const rem = q & ((1n << BigInt(shift)) - 1n)
    const half = 1n << BigInt(shift - 1)
    q >>= BigInt(shift)
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n
  }
  const r = Number(q) * 2 ** (e + Math.max(shift, 0))
  return neg ? -r : r
}

describe("fused multiply-add", () => {
  // Python 3.13 math.fma (IEEE 754 fusedMultiplyAdd), printed with repr:
  // fma(0.1, 0.2, -0.02) = 1.8041124150158794e-18, fma(1 + 2**-52, 1 - 2**-52, -1.0) =
  // -4.930380657631324e-32, fma(0.1, 10.0, -1.0) = 5.551115123125783e-17,
  // fma(3.0, 1/3, -1.0) = -5.551115123125783e-17.
  it("matches Python's math.fma on cancelling cases", () => {
    expect(fma64(0.1, 0.2, -0.02)).toBe(1.8041124150158794e-18)
    expect(fma64(1 + 2 ** -52, 1 - 2 ** -52, -1)).toBe(-4.930380657631324e-32)
    expect(fma64(0.1, 10, -1)).toBe(5.551115123125783e-17)
    expect(fma64(3, 1 / 3, -1)).toBe(-5.551115123125783e-17)
  })

  it("rounds once, as exact arithmetic then rounding does", () => {
    let s = 2463534242
    const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 2 ** 32 }
    for (let i = 0; i < 3000; i++) {
      const a = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 30 - 15)
      const b = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 30 - 15)
      const c = i % 2 === 0 ? -(a * b) * (1 + (rnd() - 0.5) * 1e-12) : (rnd() - 0.5) * 2 ** Math.floor(rnd() * 30 - 15)
      expect(fma64(a, b, c)).toBe(roundTo(...exactFma(a, b, c), 53))
      const a3 = Math.fround(a), b3 = Math.fround(b), c3 = Math.fround(c)
      expect(fma32(a3, b3, c3)).toBe(roundTo(...exactFma(a3, b3, c3), 24))
    }
  })
})

describe("XLA erfinv and log1p", () => {
  // References: mpmath (60 digits) erfinv at exactly these float64 / float32 inputs, rounded.
  const f64: ReadonlyArray<[number, number]> = [
    [0.5, 0.4769362762044699], [-0.9, -1.1630871536766743], [0.1, 0.08885599049425769],
    [1e-5, 8.862269254759594e-6], [0.6, 0.5951160814499948], [0.75, 0.8134198475976185],
    [0.3, 0.2724627147267543], [-0.45, -0.4226802386475619], [0.95, 1.3859038243496777],
  ]
  const ulp = (x: number, p: number) => 2 ** (Math.floor(Math.log2(Math.abs(x))) - p)
  it("is within 2 ulp of erfinv in float64 for |x| <= 0.95", () => {
    for (const [x, r] of f64) expect(Math.abs(erfInv64(x) - r)).toBeLessThanOrEqual(2 * ulp(r, 52))
  })

  // At x = 1 - 2^-k both x² and 1 - x² are exact, so w is accurate and each of XLA's
  // polynomial pieces (w < 6.25, < 16, >= 16 in float64; w < 5, >= 5 in float32) shows its
  // own error: at most 1 ulp. mpmath references as above.
  const edges: ReadonlyArray<[number, number, number]> = [
    [3, 1.0847870400692832, 1.0847870111465454], [5, 1.523019401996956, 1.5230194330215454],
    [8, 2.0404520146056093, 2.040452003479004], [10, 2.331467773621948, 2.331467866897583],
    [12, 2.5939005131344874, 2.593900442123413], [16, 3.058179581850916, 0],
    [20, 3.465505025803331, 0], [24, 3.832506856900711, 0], [26, 4.004131885114475, 0],
  ]
  it.each(edges)("is within 1 ulp on every polynomial piece (x = 1 - 2^-%d)", (k, r64, r32) => {
    const x = 1 - 2 ** -k
    expect(Math.abs(erfInv64(x) - r64)).toBeLessThanOrEqual(ulp(r64, 52))
    if (r32 !== 0) expect(Math.abs(erfInv32(x) - r32)).toBeLessThanOrEqual(ulp(r32, 23))
  })

  it("keeps XLA's cancellation near ±1 (log1p(-x·x) rounds x² first)", () => {
    // mpmath: erfinv(0.99999999) = 4.052237243268763; XLA's formula is ~1e-11 relative off.
    const r = 4.052237243268763
    const err = Math.abs(erfInv64(0.99999999) - r) / r
    expect(err).toBeGreaterThan(1e-13)
    expect(err).toBeLessThan(1e-9)
  })

  it("maps ±1 to ±infinity and is odd", () => {
    expect(erfInv32(1)).toBe(Infinity)
    expect(erfInv64(-1)).toBe(-Infinity)
    for (const x of [0.1, 0.7, 0.99]) {
      expect(erfInv64(-x)).toBe(-erfInv64(x))
      expect(erfInv32(-x)).toBe(-erfInv32(x))
    }
  })

  // jax-ml/jax issue #39707 and openxla/xla PR #46765 (2026): on CPU, float64 log1p is
  // 129 ulp off at x = -0.4141892 and at most 128-129 ulp off anywhere, because XLA's
  // intrinsic takes the Cephes rational branch for |x| < sqrt(2) - 1, too wide on the
  // negative side (-0.414 < x < -0.293); float32 stays within 3 ulp. Reproducing that error
  // shows the branch and its coefficients are XLA's. mpmath: log1p(-0.4141892) =
  // -0.5347584084320597.
  it("reproduces XLA:CPU's log1p, including its 129-ulp error near -0.414", () => {
    const r = -0.5347584084320597
    const err = Math.abs(xlaLog1p64(-0.4141892) - r) / ulp(r, 52)
    expect(err).toBeGreaterThan(128.5)
    expect(err).toBeLessThan(129.5)
    let worst64 = 0
    let worst32 = 0
    for (let i = 0; i <= 4000; i++) {
      const x = -0.53 + (1.5 * i) / 4000
      worst64 = Math.max(worst64, Math.abs(xlaLog1p64(x) - Math.log1p(x)) / ulp(Math.log1p(x), 52))
      const x32 = Math.fround(x)
      if (x32 !== 0) worst32 = Math.max(worst32, Math.abs(xlaLog1p32(x32) - Math.log1p(x32)) / ulp(Math.log1p(x32), 23))
    }
    expect(worst64).toBeGreaterThan(100)
    expect(worst64).toBeLessThan(130)
    expect(worst32).toBeLessThanOrEqual(3)
    // Outside the rational branch it is log(1 + x), rounded to the dtype.
    expect(xlaLog1p64(-0.5)).toBe(Math.log(0.5))
    expect(xlaLog1p64(0.75)).toBe(Math.log(1.75))
    expect(xlaLog1p32(1)).toBe(Math.fround(Math.log(2)))
  })
})

describe("normal", () => {
  // Published float32 draws from JAX before 0.5 (old bit layout, same uniform -> erf_inv
  // transform), regenerated here from their legacy bits:
  // - F. Chollet, M. Watson, "Deep Learning with Python", 3rd ed. (Manning), section 3.5.3:
  //   normal(key(123), (3,)) -> [-0.1470326, 0.5524756, 1.648498];
  //   normal(split(key(123), 1)[0], (3,)) -> [0.5362355, -1.1920372, 2.450225].
  // - github.com/GALVINLAI/lai_PSR_RCBCD, "Pseudorandom Numbers in JAX" notebook:
  //   key = PRNGKey(12); 3 x (key, sub = split(key); normal(sub)) ->
  //   0.735927939414978, 1.810187578201294, 0.11553369462490082.
  it("reproduces published JAX draws to the last bit", () => {
    const k = seedKey(123)
    const f = (bits: Uint32Array) => Array.from(normal32FromBits(bits, new Float32Array(bits.length)))
    expect(f(legacyBits32(k, 3))).toEqual([-0.1470326, 0.5524756, 1.648498].map(Math.fround))
    const k1 = legacySplit(k, 1)
    expect(f(legacyBits32(k1, 3))).toEqual([0.5362355, -1.1920372, 2.450225].map(Math.fround))
    let kk = seedKey(12)
    const draws: number[] = []
    for (let i = 0; i < 3; i++) {
      const ks = legacySplit(kk, 2)
      draws.push(f(legacyBits32(ks.subarray(2, 4), 1))[0]!)
      kk = ks.slice(0, 2)
    }
    expect(draws).toEqual([0.735927939414978, 1.810187578201294, 0.11553369462490082])
  })

  it("is sqrt(2)·erfinv of a uniform on [nextafter(-1, 0), 1)", () => {
    const k = seedKey(4)
    const u = uniform32(k, 200, Math.fround(-1 + 2 ** -24), 1)
    const z = normal32(k, 200)
    for (let i = 0; i < 200; i++) expect(z[i]).toBe(Math.fround(Math.fround(Math.SQRT2) * erfInv32(u[i]!)))
    const u64 = uniform64(k, 200, -1 + 2 ** -53, 1)
    const z64 = normal64(k, 200)
    for (let i = 0; i < 200; i++) expect(z64[i]).toBe(Math.SQRT2 * erfInv64(u64[i]!))
  })
})

/** Φ, the standard normal CDF, via erfc (Numerical Recipes erfcc, relative error < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? 1 - r / 2 : r / 2
}

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  const mean = s / xs.length
  let v = 0
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2
  return { mean, variance: v / xs.length }
}

describe("sampler statistics (fixed keys, deterministic)", () => {
  const N = 100_000
  it("uniform: mean 1/2 and variance 1/12 within 6 sigma", () => {
    for (const xs of [uniform32(seedKey(21), N), uniform64(seedKey(22), N)]) {
      const { mean, variance } = moments(xs)
      expect(Math.abs(mean - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / N))
      // Var of the sample variance of U(0,1): (1/80 - 1/144) / N.
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(6 * Math.sqrt((1 / 80 - 1 / 144) / N))
    }
  })

  it("normal: mean 0, variance 1 within 6 sigma, and a Kolmogorov-Smirnov distance at the 1e-9 level", () => {
    for (const xs of [normal32(seedKey(23), N), normal64(seedKey(24), N)]) {
      const { mean, variance } = moments(xs)
      expect(Math.abs(mean)).toBeLessThan(6 / Math.sqrt(N))
      expect(Math.abs(variance - 1)).toBeLessThan(6 * Math.sqrt(2 / N))
      const sorted = Float64Array.from(xs).sort()
      let d = 0
      for (let i = 0; i < N; i++) {
        const f = normalCdf(sorted[i]!)
        d = Math.max(d, Math.abs(f - i / N), Math.abs(f - (i + 1) / N))
      }
      // P(sqrt(N)·D > 3.25) ≈ 2·exp(-2·3.25²) ≈ 1e-9.
      expect(d).toBeLessThan(3.25 / Math.sqrt(N))
    }
  })

  it("gumbel: mean γ and variance π²/6 within 6 sigma", () => {
    for (const xs of [gumbel32(seedKey(25), N), gumbel64(seedKey(26), N)]) {
      const { mean, variance } = moments(xs)
      const gamma = 0.5772156649015329
      const v = Math.PI ** 2 / 6
      expect(Math.abs(mean - gamma)).toBeLessThan(6 * Math.sqrt(v / N))
      // Gumbel excess kurtosis is 12/5, so Var(sample variance) ≈ v²·(2 + 12/5) / N.
      expect(Math.abs(variance - v)).toBeLessThan(6 * v * Math.sqrt(4.4 / N))
    }
  })

  it("bernoulli: frequency p within 6 sigma", () => {
    for (const p of [0.1, 0.5, 0.9]) {
      for (const dtype of ["float32", "float64"] as const) {
        const xs = bernoulli(seedKey(27), p, N, dtype)
        let ones = 0
        for (const x of xs) ones += x
        expect(Math.abs(ones / N - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / N))
      }
    }
  })

  it("categorical: a chi-square statistic below the 1e-9 quantile (df 5: 50.69)", () => {
    const p = [0.05, 0.1, 0.15, 0.2, 0.2, 0.3]
    const logits = Float64Array.from(p, (q) => Math.log(q) - 42) // unnormalized, as in JAX's test
    const draws = categorical(seedKey(28), logits, [6], { shape: [N] })
    const counts = new Array<number>(6).fill(0)
    for (const d of draws) counts[d]!++
    let chi2 = 0
    for (let j = 0; j < 6; j++) chi2 += (counts[j]! - N * p[j]!) ** 2 / (N * p[j]!)
    expect(chi2).toBeLessThan(50.69)
    expect(chi2).toBeGreaterThan(0.1) // not suspiciously perfect either (P ≈ 1.5e-4)
  })
})

describe("gumbel and bernoulli", () => {
  it("gumbel is -log(-log(u)) of a uniform on [tiny, 1)", () => {
    const k = seedKey(31)
    const u = uniform32(k, 100, 2 ** -126, 1)
    const g = gumbel32(k, 100)
    for (let i = 0; i < 100; i++) expect(g[i]).toBe(-Math.fround(Math.log(-Math.fround(Math.log(u[i]!)))))
    const u64 = uniform64(k, 100, 2 ** -1022, 1)
    const g64 = gumbel64(k, 100)
    for (let i = 0; i < 100; i++) expect(g64[i]).toBe(-Math.log(-Math.log(u64[i]!)))
  })

  it("bernoulli is uniform < p in the dtype of p, elementwise p broadcast", () => {
    const k = seedKey(32)
    const u = uniform32(k, 100)
    const ps = Float32Array.from({ length: 100 }, (_, i) => i / 100)
    const b = bernoulli(k, ps, 100, "float32")
    for (let i = 0; i < 100; i++) expect(b[i]).toBe(u[i]! < ps[i]! ? 1 : 0)
    const u64 = uniform64(k, 100)
    const b64 = bernoulli(k, 0.3, 100)
    for (let i = 0; i < 100; i++) expect(b64[i]).toBe(u64[i]! < 0.3 ? 1 : 0)
  })
})

describe("categorical", () => {
  /** argmax(gumbel(key, gShape) + broadcast logits) along gAxis, by plain nested loops. */
  function reference(k: Uint32Array, logits: Float64Array, lShape: number[], gShape: number[], gAxis: number): number[] {
    const size = gShape.reduce((a, b) => a * b, 1)
    const noise = gumbel64(k, size)
    const strides = gShape.map((_, d) => gShape.slice(d + 1).reduce((a, b) => a * b, 1))
    const lOff = lShape.length
    const lStrides = lShape.map((_, d) => lShape.slice(d + 1).reduce((a, b) => a * b, 1))
    const out: number[] = []
    const outShape = gShape.filter((_, d) => d !== gAxis)
    const outSize = outShape.reduce((a, b) => a * b, 1)
    for (let j = 0; j < outSize; j++) {
      const idx: number[] = []
      let rem = j
      for (let d = outShape.length - 1; d >= 0; d--) { idx.unshift(rem % outShape[d]!); rem = Math.floor(rem / outShape[d]!) }
      let best = -1
      let bestV = -Infinity
      for (let t = 0; t < gShape[gAxis]!; t++) {
        const full = [...idx.slice(0, gAxis), t, ...idx.slice(gAxis)]
        let g = 0
        for (let d = 0; d < full.length; d++) g += full[d]! * strides[d]!
        let l = 0
        for (let d = 0; d < lOff; d++) {
          const gd = full.length - lOff + d
          l += (lShape[d] === 1 ? 0 : full[gd]!) * lStrides[d]!
        }
        const v = noise[g]! + logits[l]!
        if (best < 0 || v > bestV) { best = t; bestV = v }
      }
      out.push(best)
    }
    return out
  }

  const logits = Float64Array.from([0.1, 2, -1, 0.5, 0.5, 0.3])
  it("reduces the last axis by default (noise of the logits' shape)", () => {
    const k = seedKey(41)
    expect(Array.from(categorical(k, logits, [2, 3]))).toEqual(reference(k, logits, [2, 3], [2, 3], 1))
  })

  it("puts the category axis where `axis` says, behind extra sample dimensions", () => {
    const k = seedKey(42)
    expect(Array.from(categorical(k, logits, [2, 3], { axis: 0 }))).toEqual(reference(k, logits, [2, 3], [2, 3], 0))
    expect(Array.from(categorical(k, logits, [2, 3], { axis: 0, shape: [4, 3] })))
      .toEqual(reference(k, logits, [2, 3], [4, 2, 3], 1))
    expect(Array.from(categorical(k, logits, [2, 3], { shape: [5, 2] })))
      .toEqual(reference(k, logits, [2, 3], [5, 2, 3], 2))
    // A batch dimension of 1 broadcasts to the requested shape.
    expect(Array.from(categorical(k, logits.subarray(0, 3), [1, 3], { shape: [4] })))
      .toEqual(reference(k, logits.subarray(0, 3), [1, 3], [4, 3], 1))
  })

  it("adds in float32 for float32 logits", () => {
    const k = seedKey(43)
    const l32 = Float32Array.from([0, 0, 0, 0])
    const g = gumbel32(k, 4)
    let best = 0
    for (let t = 1; t < 4; t++) if (g[t]! > g[best]!) best = t
    expect(Array.from(categorical(k, l32, [4]))).toEqual([best])
  })

  it("rejects a bad axis, an empty axis and an incompatible shape", () => {
    const k = seedKey(0)
    expect(() => categorical(k, logits, [2, 3], { axis: 2 })).toThrow(RangeError)
    expect(() => categorical(k, new Float64Array(0), [2, 0])).toThrow(RangeError)
    expect(() => categorical(k, logits, [2, 3], { shape: [3] })).toThrow(RangeError)
  })
})

describe("permutation and shuffle", () => {
  /** Stable ascending sort of `vals` by uint32 `keys` (Array.prototype.sort is stable). */
  function stableSort(keys: ArrayLike<number>, vals: number[]): number[] {
    const idx = vals.map((_, i) => i)
    idx.sort((a, b) => keys[a]! - keys[b]!)
    return idx.map((i) => vals[i]!)
  }

  it("uses JAX's round count ceil(3·ln(n) / ln(2^32 - 1))", () => {
    expect([0, 1, 2, 1625, 1626, 2642245, 2642246].map(shuffleRounds)).toEqual([0, 0, 1, 1, 2, 2, 3])
  })

  it("sorts arange(n) by the bits of split(key)[1], stably (one round)", () => {
    const k = seedKey(51)
    const n = 1000
    const sub = splitKey(k, 2).subarray(2, 4)
    const expected = stableSort(randomBits32(sub, n), Array.from({ length: n }, (_, i) => i))
    expect(Array.from(permutation(k, n))).toEqual(expected)
  })

  it("chains two rounds from n = 1626 on, re-splitting the first half of the key", () => {
    const k = seedKey(52)
    const n = 2000
    let vals = Array.from({ length: n }, (_, i) => i)
    let kk = k
    for (let r = 0; r < 2; r++) {
      const ks = splitKey(kk, 2)
      vals = stableSort(randomBits32(ks.subarray(2, 4), n), vals)
      kk = ks.slice(0, 2)
    }
    const p = permutation(k, n)
    expect(Array.from(p)).toEqual(vals)
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
  })

  it("sorts by all 32 key bits and keeps ties in their original order", () => {
    const keys = u32([5, 1, 5, 1, 0, 0x80000000, 0x00010000, 0x80000000, 0x01000000, 0x00000100])
    const vals = Float64Array.from({ length: 10 }, (_, i) => i)
    sortLanesByKeys(keys, vals, [10], 0)
    expect(Array.from(vals)).toEqual([4, 1, 3, 0, 2, 9, 6, 8, 5, 7])
  })

  it("shuffles each lane along the axis with bits of the whole shape", () => {
    const k = seedKey(54)
    const shape = [3, 4]
    const x = Float64Array.from({ length: 12 }, (_, i) => i * 1.5)
    const bits = randomBits32(splitKey(k, 2).subarray(2, 4), 12)
    const expected = Array.from(x)
    for (let c = 0; c < 4; c++) {
      const col = [0, 1, 2].map((r) => x[r * 4 + c]!)
      const keys = [0, 1, 2].map((r) => bits[r * 4 + c]!)
      stableSort(keys, col).forEach((v, r) => { expected[r * 4 + c] = v })
    }
    expect(Array.from(shuffle(k, Float64Array.from(x), shape, 0))).toEqual(expected)
    const rows = Array.from(x)
    for (let r = 0; r < 3; r++) {
      const row = rows.slice(r * 4, r * 4 + 4)
      stableSort(bits.subarray(r * 4, r * 4 + 4), row).forEach((v, c) => { rows[r * 4 + c] = v })
    }
    expect(Array.from(shuffle(k, Float64Array.from(x), shape, -1))).toEqual(rows)
  })

  it("rejects values that do not fill the shape and bad axes", () => {
    expect(() => shuffle(seedKey(0), new Int32Array(5), [2, 3])).toThrow(RangeError)
    expect(() => shuffle(seedKey(0), new Int32Array(6), [2, 3], 2)).toThrow(RangeError)
  })
})
