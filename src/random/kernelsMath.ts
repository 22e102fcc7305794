// Float arithmetic the random samplers need to agree with XLA:CPU bit for bit: fused
// multiply-add with one rounding (XLA:CPU compiles with LLVM's FPOpFusion::Fast, so every
// `a * b + c` whose product has one use becomes an FMA), XLA's log1p (the Cephes rational
// approximation of its CPU intrinsic) and XLA's ErfInv (Giles' polynomials, f32 and f64).
// Every function takes and returns plain numbers; the `32` variants take float32 values and
// round every step to float32 with Math.fround. No allocation: scratch views are module-level.

const fround = Math.fround

// Scratch view for reading and stepping the bits of a float64 (no allocation per call).
const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)
// Index of the low and high words of a float64 in `u32` (platform byte order).
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1
const HI = 1 - LO

/** The float64 next to `s` in the direction of the sign of `dir` (s finite, nonzero). */
function stepToward(s: number, dir: number): number {
  f64[0] = s
  // Moving away from zero increments the magnitude bits; towards zero decrements them.
  if ((s > 0) === (dir > 0)) {
    const lo = (u32[LO]! + 1) >>> 0
    u32[LO] = lo
    if (lo === 0) u32[HI] = (u32[HI]! + 1) >>> 0
  } else {
    const lo = u32[LO]!
    u32[LO] = (lo - 1) >>> 0
    if (lo === 0) u32[HI] = (u32[HI]! - 1) >>> 0
  }
  return f64[0]!
}

/**
 * x + y rounded to odd (truncate, then force the last bit to 1 when inexact). Rounding to
 * odd first and to nearest second gives the correctly rounded result of a longer sum
 * (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms
 * using rounding to odd", IEEE Trans. Computers 57(4), 2008).
 */
function addRoundToOdd(x: number, y: number): number {
  const s = x + y
  // TwoSum (Knuth): x + y = s + err exactly.
  const yv = s - x
  const err = (x - (s - yv)) + (y - yv)
  if (err === 0 || s === 0) return s
  f64[0] = s
  if ((u32[LO]! & 1) === 1) return s
  return stepToward(s, err)
}

const SPLITTER = 134217729 // 2^27 + 1, Veltkamp's splitting constant for float64

/**
 * Fused multiply-add in float64: a * b + c with a single rounding to nearest-even.
 * Exact product by Dekker/Veltkamp, then Boldo and Melquiond's emulated FMA (their
 * Algorithm 5: TwoSum, round-to-odd, round-to-nearest). Valid while |a|, |b| < 2^996 and
 * no partial result underflows, which holds for every polynomial evaluated here.
 */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b
  if (!Number.isFinite(p) || !Number.isFinite(c) || p === 0) return p + c
  // Exact product: a * b = p + e.
  let t = SPLITTER * a
  const ah = t - (t - a)
  const al = a - ah
  t = SPLITTER * b
  const bh = t - (t - b)
  const bl = b - bh
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
  // c + p = th + tl exactly (TwoSum).
  const th = c + p
  const pv = th - c
  const tl = (c - (th - pv)) + (p - pv)
  // RN(th + RO(tl + e)) = RN(c + p + e).
  return th + addRoundToOdd(tl, e)
}

/**
 * Fused multiply-add in float32: a * b + c with one rounding to float32. The product of
 * two float32 values is exact in float64; the sum is rounded to odd in float64 and then to
 * nearest float32, which is a single correct rounding (53 >= 24 + 2 bits).
 */
export function fma32(a: number, b: number, c: number): number {
  return fround(addRoundToOdd(a * b, c))
}

// Cephes log1p rational approximation, as in XLA's CPU intrinsic (xla/codegen/intrinsic/
// log1p.cc): coefficients listed from the highest degree down, evaluated by Horner's rule
// starting from 0 (each step an FMA after LLVM's contraction).
const LOG1P_DEN = [
  1.0, 1.5062909083469192043167e1, 8.3047565967967209469434e1, 2.2176239823732856465394e2,
  3.0909872225312059774938e2, 2.1642788614495947685003e2, 6.0118660497603843919306e1,
]
const LOG1P_NUM = [
  4.5270000862445199635215e-5, 4.9854102823193375972212e-1, 6.5787325942061044846969e0,
  2.9911919328553073277375e1, 6.0949667980987787057556e1, 5.7112963590585538103336e1,
  2.0039553499201281259648e1,
]
const LOG1P_DEN32 = LOG1P_DEN.map(fround)
const LOG1P_NUM32 = LOG1P_NUM.map(fround)
const SMALL64 = 0.4142135623730950488 // sqrt(2) - 1: below it, the rational branch
const SMALL32 = fround(SMALL64)

/**
 * log(1 + x) in float64 as XLA:CPU computes it: for |x| < sqrt(2) - 1 the Cephes rational
 * approximation x - x²/2 + x³·P(x)/Q(x), else log(1 + x) (V8's Math.log stands in for
 * libm's log; they agree except, rarely, in the last bit).
 */
export function xlaLog1p64(x: number): number {
  if (!(Math.abs(x) < SMALL64)) return Math.log(x + 1)
  const x2 = x * x
  let den = 0
  let num = 0
  for (let i = 0; i < 7; i++) {
    den = fma64(den, x, LOG1P_DEN[i]!)
    num = fma64(num, x, LOG1P_NUM[i]!)
  }
  const t = (x * x2) * (num / den)
  return x + fma64(-0.5, x2, t)
}

/** {@link xlaLog1p64} in float32 arithmetic; the large branch rounds log(1 + x) to float32. */
export function xlaLog1p32(x: number): number {
  if (!(Math.abs(x) < SMALL32)) return fround(Math.log(fround(x + 1)))
  const x2 = fround(x * x)
  let den = 0
  let num = 0
  for (let i = 0; i < 7; i++) {
    den = fma32(den, x, LOG1P_DEN32[i]!)
    num = fma32(num, x, LOG1P_NUM32[i]!)
  }
  const t = fround(fround(x * x2) * fround(num / den))
  return fround(x + fma32(-0.5, x2, t))
}

// XLA's ErfInv32 (xla/hlo/builder/lib/math.cc; the same constants in the CHLO decomposition
// JAX lowers lax.erf_inv through), from Giles, "Approximating the erfinv function" (GPU
// Computing Gems, 2011). Highest degree first.
const ERFINV32_W_LT_5 = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
  -0.00417768164, 0.246640727, 1.50140941,
].map(fround)
const ERFINV32_W_GE_5 = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
  0.00943887047, 1.00167406, 2.83297682,
].map(fround)

/**
 * Inverse error function in float32, step for step as XLA's ErfInv32:
 * w = -log1p(-x²); p = P(w - 2.5) if w < 5 else Q(sqrt(w) - 3); erfinv(x) = p·x,
 * with erfinv(±1) = ±∞. Horner steps are FMAs, every other step rounds to float32.
 */
export function erfInv32(x: number): number {
  x = fround(x)
  if (Math.abs(x) === 1) return x * Infinity
  let w = -xlaLog1p32(fround(x * -x))
  let c: readonly number[]
  if (w < 5) {
    w = fround(w - 2.5)
    c = ERFINV32_W_LT_5
  } else {
    w = fround(fround(Math.sqrt(w)) - 3)
    c = ERFINV32_W_GE_5
  }
  let p = c[0]!
  for (let i = 1; i < 9; i++) p = fma32(p, w, c[i]!)
  return fround(p * x)
}

// XLA's ErfInv64: Giles' double-precision polynomials on w < 6.25, w < 16 and w >= 16.
const ERFINV64_W_LT_6_25 = [
  -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
  1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
  6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
  2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
  1.051212273321532285e-9, -4.1126339803469836976e-9, -2.9070369957882005086e-8,
  4.2347877827932403518e-7, -1.3654692000834678645e-6, -1.3882523362786468719e-5,
  0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
  0.24015818242558961693, 1.6536545626831027356,
]
const ERFINV64_W_LT_16 = [
  2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7,
  1.8239629214389227755e-8, 1.5027403968909827627e-6, -4.013867526981545969e-6,
  2.9234449089955446044e-6, 1.2475304481671778723e-5, -4.7318229009055733981e-5,
  6.8284851459573175448e-5, 2.4031110387097893999e-5, -0.0003550375203628474796,
  0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
  -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
  3.0838856104922207635,
]
const ERFINV64_W_GE_16 = [
  -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9,
  -3.7894654401267369937e-9, 7.6157012080783393804e-9, -1.4960026627149240478e-8,
  2.9147953450901080826e-8, -6.7711997758452339498e-8, 2.2900482228026654717e-7,
  -9.9298272942317002539e-7, 4.5260625972231537039e-6, -1.9681778105531670567e-5,
  7.5995277030017761139e-5, -0.00021503011930044477347, -0.00013871931833623122026,
  1.0103004648645343977, 4.8499064014085844221,
]

/**
 * Inverse error function in float64, step for step as XLA's ErfInv64:
 * w = -log1p(-x²); one of three polynomials in w - 3.125, sqrt(w) - 3.25 or sqrt(w) - 5;
 * erfinv(x) = p·x, with erfinv(±1) = ±∞. Horner steps are FMAs.
 */
export function erfInv64(x: number): number {
  if (Math.abs(x) === 1) return x * Infinity
  let w = -xlaLog1p64(x * -x)
  let c: readonly number[]
  if (w < 6.25) {
    w = w - 3.125
    c = ERFINV64_W_LT_6_25
  } else if (w < 16) {
    w = Math.sqrt(w) - 3.25
    c = ERFINV64_W_LT_16
  } else {
    w = Math.sqrt(w) - 5
    c = ERFINV64_W_GE_16
  }
  let p = c[0]!
  for (let i = 1; i < c.length; i++) p = fma64(p, w, c[i]!)
  return p * x
}
