// Elementwise primitives: unary math, binary arithmetic, comparisons, logic and select.
// Operands have equal shapes, except that rank-0 operands broadcast (as lax's scalars do).
// Conventions at kinks follow JAX: d|x| = 0 at 0, max/min split the tangent at ties.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { type DType, castScalar } from "../core/dtype.js"
import { ShapeError, DtypeError, NonDifferentiableError } from "../core/errors.js"
import { type JvpRule, type Primitive, type Tangent, Zero, isZero, primitive, zeroDerivative, isUndefined } from "../core/primitive.js"
import { bind1 } from "../core/trace.js"
import { all, binaryKernel, elementwiseBatch, floats, naryEval, numeric, unaryEval, unaryKernel } from "./builders.js"
import { broadcastInDim, reduceToShape } from "./shape.js"
import { shapeEq } from "../core/shape.js"

type P = Record<string, never>
const none = {} as P

/** A rank-0 constant of x's dtype. */
export const scalarLike = (x: Array, v: number): NdArray => NdArray.scalar(castScalar(v, x.dtype), x.dtype)
/** Broadcasts a tangent computed from scalar operands up to the output's shape. */
export const fitTo = (t: Array, aval: ShapedArray): Array =>
  shapeEq(t.shape, aval.shape) ? t : broadcastInDim(t, aval.shape, [])
export const instantiate = (t: Tangent): Array =>
  isZero(t) ? broadcastInDim(NdArray.scalar(0, t.aval.dtype), t.aval.shape, []) : t

// unary ------------------------------------------------------------------------------------

function unaryJvp(prim: () => Primitive, d: (x: Array, y: Array, dx: Array) => Array): JvpRule<P> {
  return ([x], [dx]) => {
    const y = bind1(prim(), [x!], none)
    return [[y], [isZero(dx) ? new Zero(y.aval) : d(x!, y, dx!)]]
  }
}

function unary(name: string, f: (x: number) => number, d: ((x: Array, y: Array, dx: Array) => Array) | null,
  domain: "real" | "positive" | "unit" | "nonzero" = "real", dtypes: readonly DType[] = floats): Primitive<P> {
  const p: Primitive<P> = primitive<P>({
    name,
    abstractEval: unaryEval(name, dtypes),
    impl: unaryKernel(f),
    jvp: d ? unaryJvp(() => p, d) : zeroDerivative,
    batch: (args, bdims, params) => [[bind1(p, args, params)], [bdims[0]!]],
    laws: { domain, ...(d ? {} : { noFiniteDifferences: true }) },
  })
  return p
}

const u = (p: Primitive<P>) => (x: Array): Array => bind1(p, [x], none)

export const negP: Primitive<P> = primitive<P>({
  name: "neg",
  abstractEval: unaryEval("neg", numeric),
  impl: unaryKernel((x) => -x),
  // indexed, not destructured, here and in add/sub/mul: destructuring runs the iterator
  // protocol (an allocation per element) until the rule is optimized, once per traced op
  jvp: (xs, ts) => { const dx = ts[0]!; return [[neg(xs[0]!)], [isZero(dx) ? dx : neg(dx)]] },
  transpose: (cts) => { const ct = cts[0]!; return [isZero(ct) ? ct : neg(ct)] },
  batch: (args, bdims) => [[neg(args[0]!)], [bdims[0]!]],
})
export const neg = u(negP)

export const sinP = unary("sin", Math.sin, (x, _y, dx) => mul(dx, cos(x)))
export const cosP = unary("cos", Math.cos, (x, _y, dx) => neg(mul(dx, sin(x))))
export const tanP = unary("tan", Math.tan, (_x, y, dx) => mul(dx, add(scalarLike(y, 1), mul(y, y))), "unit")
export const tanhP = unary("tanh", Math.tanh, (_x, y, dx) => mul(dx, sub(scalarLike(y, 1), mul(y, y))))
export const sinhP = unary("sinh", Math.sinh, (x, _y, dx) => mul(dx, cosh(x)))
export const coshP = unary("cosh", Math.cosh, (x, _y, dx) => mul(dx, sinh(x)))
// d asin = dx / sqrt(1 - x²), d acos = -dx / sqrt(1 - x²), d atan = dx / (1 + x²)
export const asinP = unary("asin", Math.asin, (x, _y, dx) => div(dx, sqrt(sub(scalarLike(x, 1), mul(x, x)))), "unit")
export const acosP = unary("acos", Math.acos, (x, _y, dx) => neg(div(dx, sqrt(sub(scalarLike(x, 1), mul(x, x))))), "unit")
export const atanP = unary("atan", Math.atan, (x, _y, dx) => div(dx, add(scalarLike(x, 1), mul(x, x))))
export const expP = unary("exp", Math.exp, (_x, y, dx) => mul(dx, y))
export const expm1P = unary("expm1", Math.expm1, (_x, y, dx) => mul(dx, add(y, scalarLike(y, 1))))
export const logP = unary("log", Math.log, (x, _y, dx) => div(dx, x), "positive")
export const log1pP = unary("log1p", Math.log1p, (x, _y, dx) => div(dx, add(x, scalarLike(x, 1))), "positive")
// d sqrt(x) = dx / (2 sqrt x): infinite at 0, as in JAX
export const sqrtP = unary("sqrt", Math.sqrt, (_x, y, dx) => div(dx, mul(y, scalarLike(y, 2))), "positive")
// logistic(x) = 1 / (1 + e^-x), written to stay finite for large |x|; d = y (1 - y) dx
export const logisticP = unary("logistic", (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  (_x, y, dx) => mul(dx, mul(y, sub(scalarLike(y, 1), y))))
// d|x| = sign(x) dx, which is 0 at x = 0 (JAX's convention)
export const absP = unary("abs", Math.abs, (x, _y, dx) => mul(dx, sign(x)), "nonzero", numeric)
export const signP = unary("sign", (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN), null, "real", numeric)
export const floorP = unary("floor", Math.floor, null)
export const ceilP = unary("ceil", Math.ceil, null)
// numpy rounds halves to even
export const roundP = unary("round", (x) => {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}, null)

export const sin = u(sinP), cos = u(cosP), tan = u(tanP), tanh = u(tanhP), sinh = u(sinhP), cosh = u(coshP)
export const asin = u(asinP), acos = u(acosP), atan = u(atanP), exp = u(expP), expm1 = u(expm1P)
export const log = u(logP), log1p = u(log1pP), sqrt = u(sqrtP), logistic = u(logisticP), abs = u(absP)
export const sign = u(signP), floor = u(floorP), ceil = u(ceilP), round = u(roundP)

export const isFiniteP = primitive<P>({
  name: "is_finite",
  abstractEval: unaryEval("is_finite", floats, "bool"),
  impl: unaryKernel((x) => (Number.isFinite(x) ? 1 : 0), "bool"),
  jvp: zeroDerivative,
  batch: (args, bdims) => [[isFinite(args[0]!)], [bdims[0]!]],
  laws: { noFiniteDifferences: true },
})
export const isFinite = u(isFiniteP)

export const notP = primitive<P>({
  name: "not",
  abstractEval: unaryEval("not", ["bool"]),
  impl: unaryKernel((x) => (x ? 0 : 1)),
  jvp: zeroDerivative,
  batch: (args, bdims) => [[logicalNot(args[0]!)], [bdims[0]!]],
  laws: { dtypes: ["bool"], noFiniteDifferences: true },
})
export const logicalNot = u(notP)

/** x^n for a static integer n: real for negative x, unlike pow. */
const integerPowEval = unaryEval("integer_pow", numeric)
export const integerPowP: Primitive<{ y: number }> = primitive<{ y: number }>({
  name: "integer_pow",
  // the shape rule made once and the avals passed on as they are (np.square stages this per loop step)
  abstractEval: (avals, { y }) => {
    if (!Number.isInteger(y)) throw new DtypeError("integer_pow", [String(y)], "the exponent must be an integer.")
    return integerPowEval(avals)
  },
  impl: ([x], { y }) => unaryKernel((v) => v ** y)([x!]),
  // d x^n = n x^(n-1) dx
  jvp: (xs, ts, { y }) => {
    const x = xs[0]!, dx = ts[0]!, out = integerPow(x, y)
    if (isZero(dx)) return [[out], [new Zero(out.aval)]]
    const d = y === 0 ? mul(x, scalarLike(x, 0)) : y === 1 ? scalarLike(x, 1) : mul(scalarLike(x, y), integerPow(x, y - 1))
    return [[out], [fitTo(mul(dx, d), out.aval)]]
  },
  batch: (args, bdims, params) => [[integerPow(args[0]!, params.y)], [bdims[0]!]],
  laws: { domain: "real" },
})
export const integerPow = (x: Array, y: number): Array => bind1(integerPowP, [x], { y })

// binary -----------------------------------------------------------------------------------

function binary(name: string, f: (x: number, y: number) => number, jvp: JvpRule<P> | typeof zeroDerivative,
  opts: { dtypes?: readonly DType[]; out?: DType; transpose?: Primitive<P>["transpose"]; domain?: "real" | "positive" | "nonzero" } = {}): Primitive<P> {
  const dtypes = opts.dtypes ?? numeric
  const p: Primitive<P> = primitive<P>({
    name,
    abstractEval: naryEval(name, dtypes, opts.out),
    impl: binaryKernel(f, opts.out),
    jvp,
    ...(opts.transpose ? { transpose: opts.transpose } : {}),
    batch: (args, bdims, params, size) => elementwiseBatch(p)(args, bdims, params, size),
    laws: { domain: opts.domain ?? "real", ...(jvp === zeroDerivative ? { noFiniteDifferences: true } : {}) },
  })
  return p
}

const b = (p: Primitive<P>) => (x: Array, y: Array): Array => bind1(p, [x, y], none)

/** Sums a cotangent down to an operand's shape (undoing rank-0 broadcasting). */
const unbroadcast = (ct: Array, aval: ShapedArray): Array => (shapeEq(ct.shape, aval.shape) ? ct : reduceToShape(ct, aval.shape))
/** The sum of a binary op's two tangent terms (null = zero), at the output's shape; no rest array, it runs per traced op. */
const sumTangents = (out: ShapedArray, tx: Array | null, ty: Array | null): Tangent => {
  const acc = tx && ty ? add(tx, ty) : tx ?? ty
  return acc ? fitTo(acc, out) : new Zero(out)
}

function outAval(x: Array, y: Array): ShapedArray { return (x.ndim > 0 ? x : y).aval }

export const addP = binary("add", (x, y) => x + y, (xs, ts) => {
  const dx = ts[0]!, dy = ts[1]!, out = add(xs[0]!, xs[1]!)
  return [[out], [sumTangents(out.aval, isZero(dx) ? null : dx, isZero(dy) ? null : dy)]]
}, { transpose: (cts, args) => {
  const ct = cts[0]!, x = args[0]!, y = args[1]!
  return [
    isUndefined(x) ? (isZero(ct) ? new Zero(x.aval) : unbroadcast(ct, x.aval)) : null,
    isUndefined(y) ? (isZero(ct) ? new Zero(y.aval) : unbroadcast(ct, y.aval)) : null,
  ]
} })
export const subP = binary("sub", (x, y) => x - y, (xs, ts) => {
  const dx = ts[0]!, dy = ts[1]!, out = sub(xs[0]!, xs[1]!)
  return [[out], [sumTangents(out.aval, isZero(dx) ? null : dx, isZero(dy) ? null : neg(dy))]]
}, { transpose: (cts, args) => {
  const ct = cts[0]!, x = args[0]!, y = args[1]!
  return [
    isUndefined(x) ? (isZero(ct) ? new Zero(x.aval) : unbroadcast(ct, x.aval)) : null,
    isUndefined(y) ? (isZero(ct) ? new Zero(y.aval) : unbroadcast(neg(ct), y.aval)) : null,
  ]
} })
// d(xy) = dx y + x dy
export const mulP = binary("mul", (x, y) => x * y, (xs, ts) => {
  const x = xs[0]!, y = xs[1]!, dx = ts[0]!, dy = ts[1]!, out = mul(x, y)
  return [[out], [sumTangents(out.aval, isZero(dx) ? null : mul(dx, y), isZero(dy) ? null : mul(x, dy))]]
}, { transpose: (cts, args) => {
  const ct = cts[0]!, x = args[0]!, y = args[1]!
  if (isUndefined(x) && isUndefined(y))
    throw new NonDifferentiableError("mul", "reverse mode met a product of two tangents, so the tangent computation is not linear. A custom JVP rule must be linear in the tangents (check customJvp rules).")
  return [
    isUndefined(x) ? (isZero(ct) ? new Zero(x.aval) : unbroadcast(mul(ct, y as Array), x.aval)) : null,
    isUndefined(y) ? (isZero(ct) ? new Zero(y.aval) : unbroadcast(mul(x as Array, ct), y.aval)) : null,
  ]
} })
// d(x/y) = dx / y - (x/y) dy / y
export const divP = binary("div", (x, y) => x / y, ([x, y], [dx, dy]) => {
  const out = div(x!, y!)
  return [[out], [sumTangents(out.aval, isZero(dx) ? null : div(dx!, y!), isZero(dy) ? null : neg(div(mul(out, dy!), y!)))]]
}, { dtypes: floats, domain: "nonzero", transpose: ([ct], [x, y]) => {
  if (isUndefined(y))
    throw new NonDifferentiableError("div", "reverse mode met a tangent in a denominator, so the tangent computation is not linear. A custom JVP rule must be linear in the tangents (check customJvp rules).")
  return [isUndefined(x) ? (isZero(ct) ? new Zero(x.aval) : unbroadcast(div(ct!, y as Array), x.aval)) : null, null]
} })
// d(x^y) = y x^(y-1) dx + log(x) x^y dy
export const powP = binary("pow", (x, y) => x ** y, ([x, y], [dx, dy]) => {
  const out = pow(x!, y!)
  const tx = isZero(dx) ? null : mul(dx!, mul(y!, pow(x!, sub(y!, scalarLike(y!, 1)))))
  const ty = isZero(dy) ? null : mul(dy!, mul(log(x!), out))
  return [[out], [sumTangents(out.aval, tx, ty)]]
}, { dtypes: floats, domain: "positive" })
// at ties each operand gets half the tangent (JAX's balanced convention)
function minMaxJvp(p: () => Primitive<P>, pick: (a: Array, b: Array) => Array): JvpRule<P> {
  return ([x, y], [dx, dy]) => {
    const out = bind1(p(), [x!, y!], none)
    const half = scalarLike(out, 0.5), one = scalarLike(out, 1), zero = scalarLike(out, 0)
    const wx = select(pick(x!, y!), add(select(eq(x!, y!), zero, half), half), zero) // 1 where x wins, ½ at ties
    const wxFull = fitTo(wx, out.aval)
    const tx = isZero(dx) ? null : mul(dx!, wxFull)
    const ty = isZero(dy) ? null : mul(dy!, sub(one, wxFull))
    return [[out], [sumTangents(out.aval, tx, ty)]]
  }
}
export const maxP: Primitive<P> = binary("max", (x, y) => (x > y || Number.isNaN(x) ? x : y), minMaxJvp(() => maxP, (a, c) => ge(a, c)))
export const minP: Primitive<P> = binary("min", (x, y) => (x < y || Number.isNaN(x) ? x : y), minMaxJvp(() => minP, (a, c) => le(a, c)))
// d atan2(x, y) = (y dx - x dy) / (x² + y²)
export const atan2P = binary("atan2", Math.atan2, ([x, y], [dx, dy]) => {
  const out = atan2(x!, y!)
  const r2 = add(mul(x!, x!), mul(y!, y!))
  return [[out], [sumTangents(out.aval, isZero(dx) ? null : div(mul(dx!, y!), r2), isZero(dy) ? null : neg(div(mul(dy!, x!), r2)))]]
}, { dtypes: floats })

export const add = b(addP), sub = b(subP), mul = b(mulP), div = b(divP), pow = b(powP)
export const max = b(maxP), min = b(minP), atan2 = b(atan2P)

const cmp = (name: string, f: (x: number, y: number) => boolean) =>
  binary(name, (x, y) => (f(x, y) ? 1 : 0), zeroDerivative, { dtypes: all, out: "bool" })
export const eqP = cmp("eq", (x, y) => x === y), neP = cmp("ne", (x, y) => x !== y)
export const ltP = cmp("lt", (x, y) => x < y), leP = cmp("le", (x, y) => x <= y)
export const gtP = cmp("gt", (x, y) => x > y), geP = cmp("ge", (x, y) => x >= y)
export const andP = binary("and", (x, y) => (x && y ? 1 : 0), zeroDerivative, { dtypes: ["bool"] })
export const orP = binary("or", (x, y) => (x || y ? 1 : 0), zeroDerivative, { dtypes: ["bool"] })
export const eq = b(eqP), ne = b(neP), lt = b(ltP), le = b(leP), gt = b(gtP), ge = b(geP)
export const logicalAnd = b(andP), logicalOr = b(orP)

// select -----------------------------------------------------------------------------------

/** select_n(pred, onFalse, onTrue): picks onTrue where pred holds. */
export const selectNP: Primitive<P> = primitive<P>({
  name: "select_n",
  abstractEval: ([p, f, t]) => {
    if (p!.dtype !== "bool") throw new DtypeError("select_n", [p!.dtype], "the predicate must be bool; compare first (np.greater, ...).")
    const [out] = naryEval("select_n", all)([f!, t!])
    if (p!.ndim > 0 && out!.ndim > 0 && !shapeEq(p!.shape, out!.shape))
      throw new ShapeError("select_n", [p!.shape, f!.shape, t!.shape], "the predicate must be a scalar or have the cases' shape.")
    return [p!.ndim > 0 ? new ShapedArray(p!.shape, out!.dtype, out!.weakType) : out!]
  },
  impl: ([p, f, t]) => {
    const shape = [p!, f!, t!].find((a) => a.ndim > 0)?.shape ?? []
    const out = NdArray.zeros(shape, f!.dtype)
    const n = out.data.length, pd = p!.data, fd = f!.data, td = t!.data
    for (let i = 0; i < n; i++) out.data[i] = (pd.length === 1 ? pd[0] : pd[i]) ? (td.length === 1 ? td[0]! : td[i]!) : (fd.length === 1 ? fd[0]! : fd[i]!)
    return [out]
  },
  jvp: ([p, f, t], [, df, dt]) => {
    const out = select(p!, t!, f!)
    if (isZero(df) && isZero(dt)) return [[out], [new Zero(out.aval)]]
    return [[out], [select(p!, fitTo(instantiate(dt!), out.aval), fitTo(instantiate(df!), out.aval))]]
  },
  transpose: ([ct], [p, f, t]) => {
    if (isUndefined(p)) throw new Error("internal: select_n transpose with a linear predicate")
    const z = (a: { aval: ShapedArray }) => new Zero(a.aval)
    if (isZero(ct)) return [null, isUndefined(f) ? z(f) : null, isUndefined(t) ? z(t) : null]
    const zeros = instantiate(new Zero(ct!.aval))
    return [null,
      isUndefined(f) ? unbroadcast(select(p as Array, zeros, ct!), f.aval) : null,
      isUndefined(t) ? unbroadcast(select(p as Array, ct!, zeros), t.aval) : null]
  },
  batch: (args, bdims, params, size) => elementwiseBatch(selectNP)(args, bdims, params, size),
})
/** Where `pred`, `onTrue`; elsewhere `onFalse`. */
export const select = (pred: Array, onTrue: Array, onFalse: Array): Array => bind1(selectNP, [pred, onFalse, onTrue], none)

// stop_gradient ----------------------------------------------------------------------------

/** The identity whose derivative is zero: gradients do not flow through it. */
export const stopGradientP: Primitive<P> = primitive<P>({
  name: "stop_gradient",
  abstractEval: ([x]) => [x!],
  impl: ([x]) => [x!],
  jvp: zeroDerivative,
  batch: (args, bdims) => [[stopGradient(args[0]!)], [bdims[0]!]],
  laws: { noFiniteDifferences: true },
})
export const stopGradient = (x: Array): Array => bind1(stopGradientP, [x], none)

/** name: the identity, tagging a value for checkpoint policies (saveOnlyNames). */
export const nameP: Primitive<{ name: string }> = primitive<{ name: string }>({
  name: "name",
  abstractEval: ([x]) => [x!],
  impl: ([x]) => [x!],
  jvp: ([x], [dx], params) => [[bind1(nameP, [x!], params)], [dx!]],
  transpose: ([ct]) => [ct!],
  batch: (args, bdims, params) => [[bind1(nameP, args, params)], [bdims[0]!]],
})
