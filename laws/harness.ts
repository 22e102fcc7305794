// Shared machinery of the registry laws: applying a primitive, random directions, the
// fourth-order finite-difference stencil, inner products, stacking lanes along an axis
// (plain JS, independent of the rules under test) and tolerant comparison of arrays.

import fc from "fast-check"
import { type Array, NdArray } from "../src/core/array.js"
import { type DType, allocate, isFloat } from "../src/core/dtype.js"
import { type Primitive, type Tangent, Zero, isZero, zeroDerivative } from "../src/core/primitive.js"
import { bind } from "../src/core/trace.js"
import { Rng } from "../src/laws/rng.js"
import { instantiate } from "../src/prims/elementwise.js"
import { jvpFlat } from "../src/transforms/jvp.js"
import { vjpFlat } from "../src/transforms/vjp.js"
import { LAW_RUNS } from "./config.js"
import { type Case, type Spec, caseArb, samples } from "./samples.js"

export const runs = { numRuns: LAW_RUNS }
export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 })

export const apply = (p: Primitive, params: Record<string, unknown>) => (xs: readonly Array[]): Array[] => bind(p, xs, params)

/** Data of a concrete array as float64. */
export const f64 = (x: Array): Float64Array => Float64Array.from(x.toTypedArray() as ArrayLike<number>)

/** A standard-normal array of x's shape (float64 unless asked). */
export function normalLike(rng: Rng, x: { shape: readonly number[] }, dtype: DType = "float64"): NdArray {
  const n = x.shape.reduce((a, b) => a * b, 1), d = allocate(dtype, n)
  for (let i = 0; i < n; i++) d[i] = rng.normal()
  return new NdArray(d, [...x.shape], dtype)
}

/** Which operands the derivative laws perturb: the float64 ones. */
export const diffMask = (args: readonly Array[]): boolean[] => args.map((a) => a.dtype === "float64")

/**
 * Tangents: normals on the perturbed operands (tied operands share one), symbolic zeros
 * elsewhere; with `zeros`, a perturbed operand also gets a symbolic zero one time in four, so
 * the rules' paths for known-zero tangents run too.
 */
export function tangentsFor(rng: Rng, args: readonly Array[], mask: readonly boolean[], tie?: readonly number[], zeros = false): Tangent[] {
  const ts: Tangent[] = []
  args.forEach((a, i) => {
    ts.push(tie && tie[i] !== i ? ts[tie[i]!]! : mask[i] && !(zeros && rng.uniform() < 0.25) ? normalLike(rng, a) : new Zero(a.aval))
  })
  return ts
}

/** x + s·v on the perturbed operands. */
function shift(args: readonly Array[], vs: readonly Tangent[], s: number): Array[] {
  return args.map((a, i) => {
    const v = vs[i]!
    if (isZero(v)) return a
    const x = f64(a), d = f64(v)
    for (let k = 0; k < x.length; k++) x[k] = x[k]! + s * d[k]!
    return new NdArray(x, a.shape, "float64", a.aval.weakType)
  })
}

export interface Fd { readonly d: (Float64Array | null)[]; readonly scale: number }

/**
 * The directional derivative by the fourth-order central stencil (truncation O(h⁴)), with
 * `scale` = the largest |f| met, which bounds the stencil's rounding error (≈ 3ε|f|/h).
 */
export function fdJvp(f: (xs: readonly Array[]) => Array[], args: readonly Array[], vs: readonly Tangent[], h = 1e-3): Fd {
  const at = (s: number) => f(shift(args, vs, s * h)).map((o) => (o.dtype === "float64" ? f64(o) : null))
  const p2 = at(2), p1 = at(1), m1 = at(-1), m2 = at(-2)
  let scale = 0
  const d = p1.map((o, j) => {
    if (!o) return null
    const r = new Float64Array(o.length)
    for (let k = 0; k < r.length; k++) {
      r[k] = (-p2[j]![k]! + 8 * o[k]! - 8 * m1[j]![k]! + m2[j]![k]!) / (12 * h)
      scale = Math.max(scale, Math.abs(p2[j]![k]!), Math.abs(o[k]!), Math.abs(m1[j]![k]!), Math.abs(m2[j]![k]!))
    }
    return r
  })
  return { d, scale }
}

export const maxAbs = (x: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!)); return m }

/** Σ aᵢbᵢ and Σ|aᵢbᵢ| over float arrays (symbolic zeros contribute nothing). */
export function inner(a: readonly Tangent[], b: readonly Tangent[]): [number, number] {
  let s = 0, m = 0
  a.forEach((x, i) => {
    const y = b[i]!
    if (isZero(x) || isZero(y) || !isFloat(x.dtype) || !isFloat(y.dtype)) return
    const p = f64(x), q = f64(y)
    for (let k = 0; k < p.length; k++) { s += p[k]! * q[k]!; m += Math.abs(p[k]! * q[k]!) }
  })
  return [s, m]
}

/**
 * ⟨u, J v⟩ (forward mode) against ⟨Jᵀu, v⟩ (reverse mode) for f at args, with random u, v
 * on the float64 operands and outputs. Returns [forward, reverse, scale]: the gap should be
 * rounding-sized against the scale, Σ|uᵢ(Jv)ᵢ| + Σ|(Jᵀu)ⱼvⱼ| + 10⁻⁴‖u‖‖v‖.
 */
export function transposeGap(f: (xs: readonly Array[]) => Array[], args: readonly Array[], mask: readonly boolean[], rng: Rng, tie?: readonly number[]): [number, number, number] {
  const v = tangentsFor(rng, args, mask, tie, true)
  const [, jv] = jvpFlat((xs) => f(xs), args, v)
  // reverse mode in the operands with a nonzero tangent only, the others held as constants, so
  // transpose rules also meet known operands beside the linear ones
  const live = args.flatMap((_, i) => (isZero(v[i]!) ? [] : [i]))
  const res = vjpFlat("laws", (xs) => f(args.map((a, i) => (live.includes(i) ? xs[live.indexOf(i)]! : a))), live.map((i) => args[i]!))
  // cotangents: normals on float64 outputs (a symbolic zero one time in four when there are several)
  const u: Tangent[] = res.outs.map((o) => (o.dtype === "float64" && (res.outs.length === 1 || rng.uniform() >= 0.25) ? normalLike(rng, o) : new Zero(o.aval)))
  const jtu = res.pullbackFlat(u)
  const [fwd, sf] = inner(u, jv.map(instantiate))
  const [rev, sr] = inner(jtu, live.map((i) => v[i]!))
  // where J is zero by cancellation (a rule's terms cancel exactly in exact arithmetic), both
  // inner products are rounding noise and Σ|uᵢ(Jv)ᵢ| is too; ε-level noise is measured against ‖u‖‖v‖
  const norm = (ts: readonly Tangent[]) => Math.sqrt(inner(ts, ts)[0])
  return [fwd, rev, sf + sr + 1e-4 * norm(u) * norm(v)]
}

// stacking ---------------------------------------------------------------------------------

/** Stacks equal-shaped arrays along a new axis `axis` (0..ndim). */
export function stack(lanes: readonly Array[], axis: number): NdArray {
  const x0 = lanes[0]!, shape = [...x0.shape], dtype: DType = x0.dtype
  const inner = shape.slice(axis).reduce((a, b) => a * b, 1), outer = shape.slice(0, axis).reduce((a, b) => a * b, 1), B = lanes.length
  const out = allocate(dtype, outer * B * inner)
  lanes.forEach((l, b) => {
    const d = l.toTypedArray()
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out[(o * B + b) * inner + i] = d[o * inner + i]!
  })
  return new NdArray(out, [...shape.slice(0, axis), B, ...shape.slice(axis)], dtype, x0.aval.weakType)
}

// comparison -------------------------------------------------------------------------------

/** Equal shapes and dtypes; ints and bools exactly equal, floats within rtol of the largest magnitude (NaN matches NaN). */
export function assertClose(what: string, got: Array, want: Array, rtol = 1e-12): void {
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join())
    throw new Error(`${what}: got ${got.aval.str()} but expected ${want.aval.str()}`)
  const g = got.toTypedArray(), w = want.toTypedArray()
  const tol = rtol * maxAbs(Float64Array.from(w as ArrayLike<number>).filter(Number.isFinite))
  for (let k = 0; k < g.length; k++) {
    const a = g[k]!, b = w[k]!
    if (Number.isNaN(a) && Number.isNaN(b)) continue
    if (a === b) continue
    if (isFloat(want.dtype) && Math.abs(a - b) <= tol) continue
    throw new Error(`${what}: element ${k} is ${a} but expected ${b} (got ${got.toString()}, expected ${want.toString()})`)
  }
}

// which laws apply -------------------------------------------------------------------------

export const sampled = (p: Primitive): Spec | undefined => samples[p.name]
export const forwardOk = (p: Primitive): boolean => !samples[p.name]?.refuses?.forward
export const reverseOk = (p: Primitive): boolean => !samples[p.name]?.refuses?.reverse
export const hasRule = (p: Primitive): boolean => p.jvp !== zeroDerivative
export const differentiable = (p: Primitive): boolean => hasRule(p) && !p.laws?.noFiniteDifferences

/** Whether the float64 configurations of a sample have something to perturb. */
export function hasF64Operand(spec: Spec): boolean {
  return fc.sample(caseArb(spec, "f64"), { numRuns: 5, seed: 1 }).some((c: Case) => c.args.some((a) => a.dtype === "float64"))
}

export { Rng, caseArb, samples, type Case, type Spec }
