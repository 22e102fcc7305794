// wengert/random through the public API: JAX's known answers, agreement bit for bit with the
// threefry kernels (whose own tests tie them to JAX), the same bits under jit, vmap, scan and
// their compositions, gradients in the bounds, dtypes and shapes, statistics with fixed keys
// (bounds of 6 sigma or a 1e-9 tail quantile, so they never flake), and every error path.
import { describe, expect, it } from "vitest"
import { grad, jit, jvp, lax, makeJaxpr, np, random, vmap } from "wengert"
import type { WArray } from "wengert"
import {
  bernoulli as kBernoulli, categorical as kCategorical, gumbel32, gumbel64, normal32, normal64,
  randomBits32, seedKey, shuffle, splitKey, uniform32, uniform64,
} from "../../src/random/threefry.ts"
import { throwsTagged } from "../numpy/helpers.ts"

const data = (x: WArray): number[] => Array.from(x.toTypedArray() as ArrayLike<number>)
/** Random123's threefry2x32_20 answer for key (0, 0), counter (0, 0). */
const R123_ZERO: [number, number] = [0x6b200159, 0x99ba4efe]

describe("known answers (JAX >= 0.5, partitionable threefry)", () => {
  it("makes JAX's keys from seeds, read as 64-bit integers", () => {
    expect(random.key(0).toArray()).toEqual([0, 0])
    expect(random.key(0).dtype).toBe("uint32")
    expect(random.key(42).toArray()).toEqual([0, 42])
    expect(random.key(-1).toArray()).toEqual([4294967295, 4294967295])
    expect(random.key(2 ** 32 + 5).toArray()).toEqual([1, 5])
    expect(random.key(123456789012345678n).toArray()).toEqual([28744523, 2788225870])
  })

  it("splits key(0) into Random123's zero block first, row i being foldIn(key, i)", () => {
    const ks = random.split(random.key(0), 4)
    expect(ks.shape).toEqual([4, 2])
    expect(ks.at(0).toArray()).toEqual(R123_ZERO)
    for (let i = 0; i < 4; i++) expect(ks.at(i).toArray()).toEqual(random.foldIn(random.key(0), i).toArray())
  })

  // JAX tests/random_test.py testPRNGValues: fold_in(PRNGKey(0), 4) = [2285895361, 433833334].
  it("folds in data as JAX does", () => {
    expect(random.foldIn(random.key(0), 4).toArray()).toEqual([2285895361, 433833334])
  })

  // docs.jax.dev jax.random module ("PRNG keys"): uniform(key(0)) -> 0.947667 and, after
  // key, subkey = split(key), uniform(subkey) -> 0.00729382 (float32, JAX's default dtype).
  it("reproduces the jax.random docs' uniform draws", () => {
    const k = random.key(0)
    expect(random.uniform(k, [], { dtype: "float32" }).item()).toBe(Math.fround(0.947667))
    const sub = random.split(k).at(1)
    expect(random.uniform(sub, [], { dtype: "float32" }).item().toFixed(8)).toBe("0.00729382")
  })

  it("takes bits and float64 mantissas from the block at the flat index", () => {
    const [a, b] = R123_ZERO
    expect(random.bits(random.key(0), [1]).toArray()).toEqual([(a ^ b) >>> 0])
    // float64: the top 52 of the 64 bits a << 32 | b
    expect(random.uniform(random.key(0)).item()).toBe((a * 2 ** 20 + (b >>> 12)) * 2 ** -52)
    expect(random.uniform(random.key(0), [], { dtype: "float32" }).item()).toBe((((a ^ b) >>> 0) >>> 9) * 2 ** -23)
  })
})

describe("the public API draws the kernels' bits", () => {
  const k = random.key(1701), kd = seedKey(1701), n = 257
  it("bits, uniform, normal and gumbel in both dtypes", () => {
    expect(data(random.bits(k, [n]))).toEqual(Array.from(randomBits32(kd, n)))
    expect(data(random.uniform(k, [n]))).toEqual(Array.from(uniform64(kd, n)))
    expect(data(random.uniform(k, [n], { dtype: "float32" }))).toEqual(Array.from(uniform32(kd, n)))
    expect(data(random.normal(k, [n]))).toEqual(Array.from(normal64(kd, n)))
    expect(data(random.normal(k, [n], { dtype: "float32" }))).toEqual(Array.from(normal32(kd, n)))
    expect(data(random.gumbel(k, [n]))).toEqual(Array.from(gumbel64(kd, n)))
    expect(data(random.gumbel(k, [n], { dtype: "float32" }))).toEqual(Array.from(gumbel32(kd, n)))
  })

  it("uniform with scalar and per-element bounds (fused multiply-add)", () => {
    expect(data(random.uniform(k, [n], { minval: -3, maxval: 5 }))).toEqual(Array.from(uniform64(kd, n, -3, 5)))
    expect(data(random.uniform(k, [n], { minval: 0.1, maxval: 0.7, dtype: "float32" })))
      .toEqual(Array.from(uniform32(kd, n, 0.1, 0.7)))
    const lo = Float64Array.from({ length: 6 }, (_, i) => i / 7), hi = Float64Array.from({ length: 6 }, (_, i) => 1 + i * 1.3)
    expect(data(random.uniform(k, [2, 3], { minval: np.array(lo).reshape([2, 3]), maxval: np.array(hi).reshape([2, 3]) })))
      .toEqual(Array.from(uniform64(kd, 6, lo, hi)))
    // a row of bounds broadcasts over the leading axis
    const row = random.uniform(k, [2, 3], { minval: [0, 10, 20], maxval: [1, 11, 21] })
    expect(data(row)).toEqual(Array.from(uniform64(kd, 6, Float64Array.from([0, 10, 20, 0, 10, 20]), Float64Array.from([1, 11, 21, 1, 11, 21]))))
  })

  it("bernoulli, categorical and permutation", () => {
    expect(data(random.bernoulli(k, 0.3, [n]))).toEqual(Array.from(kBernoulli(kd, 0.3, n, "float64")))
    expect(data(random.bernoulli(k, 0.3, [n], { dtype: "float32" }))).toEqual(Array.from(kBernoulli(kd, 0.3, n, "float32")))
    const logits = Float64Array.from([0.1, 2, -1, 0.5, 0.5, 0.3])
    const l = np.array(logits).reshape([2, 3])
    expect(data(random.categorical(k, l))).toEqual(Array.from(kCategorical(kd, logits, [2, 3])))
    expect(data(random.categorical(k, l, { axis: 0, shape: [4, 3] }))).toEqual(Array.from(kCategorical(kd, logits, [2, 3], { axis: 0, shape: [4, 3] })))
    expect(data(random.categorical(k, l, { shape: [5, 2] }))).toEqual(Array.from(kCategorical(kd, logits, [2, 3], { shape: [5, 2] })))
    const l32 = np.array(Float32Array.from(logits)).reshape([2, 3])
    expect(data(random.categorical(k, l32))).toEqual(Array.from(kCategorical(kd, Float32Array.from(logits), [2, 3])))
    expect(data(random.permutation(k, 2000))).toEqual(Array.from(shuffle(kd, Int32Array.from({ length: 2000 }, (_, i) => i), [2000])))
  })

  it("permutes arrays as JAX's _shuffle does: one order along the axis, or each lane on its own", () => {
    const x = Float64Array.from({ length: 12 }, (_, i) => i * 1.5)
    expect(data(random.permutation(k, x))).toEqual(Array.from(shuffle(kd, Float64Array.from(x), [12])))
    const m = np.array(x).reshape([3, 4])
    const perm = data(random.permutation(k, 4))
    expect(random.permutation(k, m, { axis: 1 }).toArray()).toEqual(np.take(m, perm, 1).toArray())
    expect(data(random.permutation(k, m, { axis: 1, independent: true }))).toEqual(Array.from(shuffle(kd, Float64Array.from(x), [3, 4], 1)))
    expect(data(random.permutation(k, m, { independent: true }))).toEqual(Array.from(shuffle(kd, Float64Array.from(x), [3, 4], 0)))
    expect(random.permutation(k, np.array(6, { dtype: "int32" })).toArray()).toEqual(random.permutation(k, 6).toArray())
  })
})

describe("dtypes and shapes", () => {
  const k = random.key(5)
  it("defaults to float64 and draws float32 on request", () => {
    for (const f of [random.uniform, random.normal, random.gumbel]) {
      expect(f(k, [3]).dtype).toBe("float64")
      const x = f(k, [50], { dtype: "float32" })
      expect(x.dtype).toBe("float32")
      for (const v of data(x)) expect(Math.fround(v)).toBe(v)
    }
    expect(random.bernoulli(k, 0.5, [2]).dtype).toBe("bool")
    expect(random.categorical(k, [1, 2, 3]).dtype).toBe("int32")
    expect(random.permutation(k, 3).dtype).toBe("int32")
    expect(random.bits(k, [2]).dtype).toBe("uint32")
  })

  it("keeps float32 uniform draws in [0, 1) and float32 bounds rounded", () => {
    const x = data(random.uniform(k, [1000], { dtype: "float32", minval: 0.1, maxval: 0.2 }))
    for (const v of x) expect(v >= Math.fround(0.1) && v < Math.fround(0.2)).toBe(true)
  })

  it("takes a scalar shape, a number, an empty shape and a 2-d shape (only the size picks the bits)", () => {
    expect(random.normal(k).shape).toEqual([])
    expect(random.normal(k, 3).shape).toEqual([3])
    expect(random.normal(k, [0]).shape).toEqual([0])
    expect(random.normal(k, [2, 3]).toArray()).toEqual(random.normal(k, [6]).reshape([2, 3]).toArray())
    expect(random.split(k, [2, 3]).toArray()).toEqual(random.split(k, 6).reshape([2, 3, 2]).toArray())
    expect(random.split(k, 0).shape).toEqual([0, 2])
    expect(random.bernoulli(k, np.array([0.2, 0.9])).shape).toEqual([2])
    expect(random.bernoulli(k, np.array([0.2, 0.9]), [4, 2]).shape).toEqual([4, 2])
  })

  it("accepts key data as a Uint32Array and returns keyData unchanged", () => {
    const kd = random.keyData(k)
    expect(kd.toArray()).toEqual(k.toArray())
    expect(random.normal(Uint32Array.from([0, 5]), [3]).toArray()).toEqual(random.normal(k, [3]).toArray())
  })
})

describe("under transforms", () => {
  const k = random.key(11)
  const draws = (kk: WArray) => [
    random.bits(kk, [3]), random.uniform(kk, [3]), random.uniform(kk, [2], { minval: -1, maxval: 4, dtype: "float32" }),
    random.normal(kk, [3]), random.gumbel(kk, [2], { dtype: "float32" }), random.bernoulli(kk, 0.4, [5]),
    random.categorical(kk, [0.5, 1, -1], { shape: [4] }), random.permutation(kk, 7), random.permutation(kk, [[1, 2], [3, 4], [5, 6]]),
    random.split(kk, 3), random.foldIn(kk, 9),
  ]
  const values = (xs: WArray[]) => xs.map((x) => [x.dtype, x.toArray()])

  it("jit gives the eager values (the code generator runs the kernels)", () => {
    expect(values(jit(draws)(k))).toEqual(values(draws(k)))
    // keys made inside the jitted function, from constants and from traced seeds
    expect(jit(() => random.normal(random.key(3), [2]))().toArray()).toEqual(random.normal(random.key(3), [2]).toArray())
    expect(jit((s: WArray) => random.key(s))(np.array(7, { dtype: "int32" })).toArray()).toEqual([0, 7])
    expect(jit((s: WArray) => random.key(s))(np.array(-1, { dtype: "int32" })).toArray()).toEqual([0, 4294967295])
    expect(jit((d: WArray) => random.foldIn(random.key(0), d))(np.array(4, { dtype: "int32" })).toArray()).toEqual([2285895361, 433833334])
  })

  it("vmap over split keys equals stacking per-key calls", () => {
    const keys = random.split(k, 5)
    const f = (kk: WArray) => random.normal(kk, [3])
    expect(vmap(f)(keys).toArray()).toEqual(np.stack([0, 1, 2, 3, 4].map((i) => f(keys.at(i)))).toArray())
    const batched = vmap(draws)(keys) as WArray[]
    const perKey = [0, 1, 2, 3, 4].map((i) => draws(keys.at(i)))
    batched.forEach((b, j) => expect([b.dtype, b.toArray()]).toEqual([perKey[0]![j]!.dtype, np.stack(perKey.map((p) => p[j]!)).toArray()]))
  })

  it("vmap over keys stored along another axis, over nested batches, and around jit", () => {
    const keys = random.split(k, 4), f = (kk: WArray) => random.uniform(kk, [2], { minval: 1, maxval: 2 })
    const want = vmap(f)(keys).toArray()
    expect(vmap(f, { inAxes: 1 })(keys.T).toArray()).toEqual(want)
    expect(jit(vmap(f))(keys).toArray()).toEqual(want)
    expect(vmap(jit(f))(keys).toArray()).toEqual(want)
    const grid = random.split(k, [3, 4])
    expect(vmap(vmap(f))(grid).toArray()).toEqual(vmap(f)(grid.reshape([12, 2])).reshape([3, 4, 2]).toArray())
  })

  it("vmap over seeds, fold-in data, bounds and logits with a shared key", () => {
    expect(vmap((s: WArray) => random.key(s))(np.arange(3, { dtype: "int32" })).toArray()).toEqual([[0, 0], [0, 1], [0, 2]])
    expect(vmap((d: WArray) => random.foldIn(k, d))(np.arange(4, { dtype: "uint32" })).toArray()).toEqual(random.split(k, 4).toArray())
    const lo = np.array([0, 1, 2])
    expect(vmap((m: WArray) => random.uniform(k, [2], { minval: m, maxval: 5 }))(lo).toArray())
      .toEqual([0, 1, 2].map((m) => random.uniform(k, [2], { minval: m, maxval: 5 }).toArray()))
    const logits = np.array([[0, 1, 2], [2, 1, 0], [5, -5, 0]])
    expect(vmap((l: WArray) => random.categorical(k, l, { shape: [6] }))(logits).toArray())
      .toEqual([0, 1, 2].map((i) => random.categorical(k, logits.at(i), { shape: [6] }).toArray()))
  })

  it("carries keys through lax.scan, eagerly and under jit", () => {
    const step = (kk: WArray, _x: unknown): [WArray, WArray] => {
      const ks = random.split(kk)
      return [ks.at(0), random.normal(ks.at(1), [2])]
    }
    const run = (k0: WArray) => lax.scan(step, k0, null, { length: 4 })
    const [kEnd, ys] = run(k)
    let kk = seedKey(11)
    const want: number[][] = []
    for (let i = 0; i < 4; i++) {
      const ks = splitKey(kk, 2)
      want.push(Array.from(normal64(ks.subarray(2, 4), 2)))
      kk = ks.slice(0, 2)
    }
    expect(ys.toArray()).toEqual(want)
    expect(kEnd.toArray()).toEqual(Array.from(kk))
    const [kJ, yJ] = jit(run)(k) as [WArray, WArray]
    expect([kJ.toArray(), yJ.toArray()]).toEqual([kEnd.toArray(), ys.toArray()])
    // one scan per key of a batch
    const batched = vmap((k0: WArray) => run(k0)[1])(random.split(k, 3))
    expect(batched.toArray()).toEqual([0, 1, 2].map((i) => run(random.split(k, 3).at(i))[1].toArray()))
  })

  it("stages one equation per draw", () => {
    expect(String(makeJaxpr((kk: WArray) => random.uniform(kk, [3], { minval: -1, maxval: 1 }))(k))).toMatchInlineSnapshot(`
      "{ lambda ; a:u32[2]. let
          b:f64[3] = random_uniform[shape=(3,) dtype=float64] a -1.0 1.0
        in (b,) }"
    `)
  })
})

describe("gradients", () => {
  const k = random.key(21), n = 6
  const u = data(random.uniform(k, [n]))
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

  it("differentiates uniform in its bounds: d/dmaxval = u, d/dminval = 1 − u", () => {
    const f = (lo: WArray, hi: WArray) => np.sum(random.uniform(k, [n], { minval: lo, maxval: hi }))
    expect(grad(f, { argnums: 1 })(0.5, 2).item()).toBeCloseTo(sum(u), 12)
    expect(grad(f)(0.5, 2).item()).toBeCloseTo(sum(u.map((v) => 1 - v)), 12)
    const [, t] = jvp((m: WArray) => random.uniform(k, [n], { minval: m, maxval: 5 }), [np.array(1)], [np.array(1)])
    expect(data(t as WArray).map((v, i) => v - (1 - u[i]!))).toEqual(u.map(() => 0))
    // per-element bounds get per-element derivatives
    expect(data(grad((hi: WArray) => np.sum(random.uniform(k, [n], { maxval: hi })))(np.ones([n])))).toEqual(u)
  })

  it("follows the clamp at minval when maxval < minval", () => {
    const f = (lo: WArray, hi: WArray) => np.sum(random.uniform(k, [n], { minval: lo, maxval: hi }))
    expect(f(np.array(2), np.array(1)).item()).toBe(2 * n)
    expect(grad(f)(2, 1).item()).toBe(n)
    expect(grad(f, { argnums: 1 })(2, 1).item()).toBe(0)
  })

  it("passes gradients through affine transforms of samples (reparameterization)", () => {
    const z = data(random.normal(k, [n]))
    const f = (mu: WArray, sigma: WArray) => np.sum(np.add(mu, np.multiply(sigma, random.normal(k, [n]))))
    expect(grad(f)(0.3, 2).item()).toBe(n)
    expect(grad(f, { argnums: 1 })(0.3, 2).item()).toBeCloseTo(sum(z), 12)
  })

  it("composes with jit and with vmap over keys", () => {
    const f = (hi: WArray, q: WArray) => np.sum(random.uniform(q, [n], { minval: 0.5, maxval: hi }))
    expect(jit(grad(f))(2, k).item()).toBe(grad(f)(2, k).item())
    const keys = random.split(k, 3)
    expect(vmap((q: WArray) => grad(f)(2, q))(keys).toArray()).toEqual([0, 1, 2].map((i) => grad(f)(2, keys.at(i)).item()))
  })
})

function moments(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length }
}

function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.reduce((a, c, j) => a + (c - total * probs[j]!) ** 2 / (total * probs[j]!), 0)
}

describe("statistics (fixed keys: deterministic, bounds of 6 sigma or a 1e-9 tail)", () => {
  const N = 100_000
  const keys = random.split(random.key(2026), 16)
  const kk = (i: number) => keys.at(i)

  it("uniform: mean and variance, on [0, 1) and on [-3, 5), float32 and float64", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const { mean, variance } = moments(data(random.uniform(kk(0), [N], { dtype })))
      expect(Math.abs(mean - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / N))
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(6 * Math.sqrt((1 / 80 - 1 / 144) / N))
      const w = moments(data(random.uniform(kk(1), [N], { dtype, minval: -3, maxval: 5 })))
      // scaled by 8: mean 1, variance 64/12
      expect(Math.abs(w.mean - 1)).toBeLessThan(6 * 8 * Math.sqrt(1 / 12 / N))
      expect(Math.abs(w.variance - 64 / 12)).toBeLessThan(6 * 64 * Math.sqrt((1 / 80 - 1 / 144) / N))
    }
  })

  it("normal: mean 0 and variance 1, from one key and from 10^5 split keys under vmap", () => {
    const samples = [data(random.normal(kk(2), [N])), data(random.normal(kk(3), [N], { dtype: "float32" })),
      data(vmap((q: WArray) => random.normal(q))(random.split(kk(4), N)))]
    for (const xs of samples) {
      const { mean, variance } = moments(xs)
      expect(Math.abs(mean)).toBeLessThan(6 / Math.sqrt(N))
      expect(Math.abs(variance - 1)).toBeLessThan(6 * Math.sqrt(2 / N))
    }
  })

  it("normal: streams of split keys are uncorrelated", () => {
    const ks = random.split(kk(5), 2)
    const a = data(random.normal(ks.at(0), [N])), b = data(random.normal(ks.at(1), [N]))
    const r = a.reduce((s, v, i) => s + v * b[i]!, 0) / N
    expect(Math.abs(r)).toBeLessThan(6 / Math.sqrt(N))
  })

  it("gumbel: mean γ and variance π²/6", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const { mean, variance } = moments(data(random.gumbel(kk(6), [N], { dtype })))
      const v = Math.PI ** 2 / 6
      expect(Math.abs(mean - 0.5772156649015329)).toBeLessThan(6 * Math.sqrt(v / N))
      // excess kurtosis 12/5: Var(sample variance) ≈ v²·(2 + 12/5) / N
      expect(Math.abs(variance - v)).toBeLessThan(6 * v * Math.sqrt(4.4 / N))
    }
  })

  it("bernoulli: frequencies of scalar and per-column p", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const ones = data(random.bernoulli(kk(7), 0.3, [N], { dtype })).reduce((a, b) => a + b, 0)
      expect(Math.abs(ones / N - 0.3)).toBeLessThan(6 * Math.sqrt(0.21 / N))
    }
    const p = [0.1, 0.5, 0.9], rows = N / 4
    const x = data(random.bernoulli(kk(8), np.array(p), [rows, 3]))
    p.forEach((q, j) => {
      let c = 0
      for (let r = 0; r < rows; r++) c += x[r * 3 + j]!
      expect(Math.abs(c / rows - q)).toBeLessThan(6 * Math.sqrt((q * (1 - q)) / rows))
    })
  })

  it("categorical: chi-square below the 1e-9 quantile (df 5: 50.69), by one key and by vmap over keys", () => {
    const p = [0.05, 0.1, 0.15, 0.2, 0.2, 0.3]
    const logits = np.array(p.map((q) => Math.log(q) - 42)) // unnormalized, as in JAX's test
    const tally = (xs: number[]) => { const c = new Array<number>(6).fill(0); for (const d of xs) c[d]!++; return c }
    const one = chiSquare(tally(data(random.categorical(kk(9), logits, { shape: [N] }))), p)
    const many = chiSquare(tally(data(vmap((q: WArray) => random.categorical(q, logits))(random.split(kk(10), N)))), p)
    for (const chi2 of [one, many]) {
      expect(chi2).toBeLessThan(50.69)
      expect(chi2).toBeGreaterThan(0.1) // not suspiciously perfect (P ≈ 1.5e-4)
    }
  })

  it("categorical along axis 0 with float32 logits: chi-square per column", () => {
    const p = [0.2, 0.3, 0.5]
    const logits = np.array(Float32Array.from(p.map(Math.log))).reshape([3, 1])
    const x = data(random.categorical(kk(11), logits, { axis: 0, shape: [N, 1] }))
    const c = [0, 0, 0]
    for (const d of x) c[d]!++
    expect(chiSquare(c, p)).toBeLessThan(41.45) // df 2: P(X > 41.45) = 1e-9
  })

  it("permutation: every element lands in every position equally often (chi-square, df 4: 47.88)", () => {
    const B = 20_000, n = 5
    const perms = data(vmap((q: WArray) => random.permutation(q, n))(random.split(kk(12), B)))
    const pos = [0, 0, 0, 0, 0]
    for (let b = 0; b < B; b++) {
      const row = perms.slice(b * n, (b + 1) * n)
      expect([...row].sort()).toEqual([0, 1, 2, 3, 4])
      pos[row.indexOf(0)]!++
    }
    expect(chiSquare(pos, [0.2, 0.2, 0.2, 0.2, 0.2])).toBeLessThan(47.88)
  })
})

describe("errors", () => {
  const k = random.key(0)
  it("rejects seeds that are not integers, out of range, or not int32/uint32 scalars", () => {
    throwsTagged(() => random.key(1.5), "InvalidArgumentError", "random.key", "integer", "1.5")
    throwsTagged(() => random.key(NaN), "InvalidArgumentError", "random.key")
    throwsTagged(() => random.key(2 ** 64), "InvalidArgumentError", "random.key", "outside")
    throwsTagged(() => random.key(-(2n ** 63n) - 1n), "InvalidArgumentError", "random.key", "outside")
    throwsTagged(() => random.key(np.array(3)), "DtypeError", "random.key", "f64[]")
    throwsTagged(() => random.key(np.array([1, 2], { dtype: "int32" })), "ShapeError", "random.key", "[2]")
    throwsTagged(() => random.key("3" as unknown as number), "InvalidArgumentError", "random.key")
  })

  it("rejects keys of the wrong dtype or shape, naming the function and the shape", () => {
    throwsTagged(() => random.normal(np.array([0, 0]), [3]), "DtypeError", "random.normal", "f64[2]", "random.key")
    throwsTagged(() => random.uniform(np.zeros([3], { dtype: "uint32" })), "ShapeError", "random.uniform", "[3]")
    throwsTagged(() => random.gumbel(random.split(k, 5)), "ShapeError", "random.gumbel", "[5,2]", "vmap")
    throwsTagged(() => random.split(np.zeros([2, 2, 2], { dtype: "uint32" })), "ShapeError", "random.split", "[2,2,2]")
    throwsTagged(() => random.keyData(np.array([0, 0], { dtype: "int32" })), "DtypeError", "random.keyData", "i32[2]")
    throwsTagged(() => random.bits(42 as unknown as WArray), "InvalidArgumentError", "random.bits", "number")
    // the same checks under jit, on the traced key's shape
    throwsTagged(() => jit((q: WArray) => random.normal(q, [2]))(np.zeros([3], { dtype: "uint32" })), "ShapeError", "random.normal", "[3]")
  })

  it("rejects bad dtypes, shapes, counts and bounds", () => {
    throwsTagged(() => random.normal(k, [2], { dtype: "int32" }), "DtypeError", "random.normal", "int32")
    throwsTagged(() => random.bits(k, [2], { dtype: "float32" }), "DtypeError", "random.bits", "float32")
    throwsTagged(() => random.uniform(k, [2, -1]), "ShapeError", "random.uniform")
    throwsTagged(() => random.split(k, 1.5), "ShapeError", "random.split")
    throwsTagged(() => random.uniform(k, [3], { minval: [0, 1] }), "ShapeError", "random.uniform", "minval", "[3]")
    throwsTagged(() => random.uniform(k, [], { maxval: [1, 2] }), "ShapeError", "random.uniform", "maxval")
  })

  it("rejects bad fold-in data, probabilities, logits and permutation lengths", () => {
    throwsTagged(() => random.foldIn(k, NaN), "InvalidArgumentError", "random.foldIn", "NaN")
    throwsTagged(() => random.foldIn(k, np.array([1, 2])), "ShapeError", "random.foldIn", "[2]")
    throwsTagged(() => random.bernoulli(k, np.array([0, 1], { dtype: "int32" })), "DtypeError", "random.bernoulli", "i32[2]")
    throwsTagged(() => random.bernoulli(k, np.array([0.1, 0.2]), [3]), "ShapeError", "random.bernoulli", "[3]", "[2]")
    throwsTagged(() => random.categorical(k, [1, 2], { axis: 1 }), "InvalidArgumentError", "random.categorical", "axis 1")
    throwsTagged(() => random.categorical(k, np.zeros([2, 0])), "ShapeError", "random.categorical", "[2,0]")
    throwsTagged(() => random.categorical(k, np.zeros([2, 3]), { shape: [3] }), "ShapeError", "random.categorical", "[2,3]", "[3]")
    throwsTagged(() => random.categorical(k, np.array([1, 2], { dtype: "int32" })), "DtypeError", "random.categorical", "i32[2]")
    throwsTagged(() => random.categorical(k, 1), "ShapeError", "random.categorical", "[]")
    throwsTagged(() => random.permutation(k, -1), "InvalidArgumentError", "random.permutation", "-1")
    throwsTagged(() => random.permutation(k, np.array(2.5)), "DtypeError", "random.permutation", "f64[]")
    throwsTagged(() => random.permutation(k, [1, 2, 3], { axis: 1 }), "InvalidArgumentError", "random.permutation", "axis 1")
    throwsTagged(() => jit((n: WArray) => random.permutation(k, n))(np.array(5, { dtype: "int32" })), "ConcretizationError", "random.permutation")
  })
})
