// checkGrads, checkVjpAgainstJvp and checkCustomVjp: derivative checks for users' own
// functions and rules, as JAX's check_grads. Derivatives are compared with a fourth-order
// central difference, (−f(x+2hv) + 8f(x+hv) − 8f(x−hv) + f(x−2hv)) / 12h, along seeded
// random directions, so a check that fails once fails the same way every time.

import "../prims/index.js"
import { NdArray } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { allocate, isFloat } from "../core/dtype.js"
import { InvalidArgumentError } from "../core/errors.js"
import { type TreeDef, flatten, leafPath, unflatten } from "../core/tree.js"
import { jvp } from "../transforms/jvp.js"
import { vjp } from "../transforms/vjp.js"
import { Rng } from "./rng.js"

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions {
  /** Highest derivative order checked (1 = first derivatives only). Default 2. */
  readonly order?: number
  /** Forward mode (jvp), reverse mode (vjp) or both. Default both. */
  readonly modes?: readonly ("fwd" | "rev")[]
  /** Absolute tolerance; default 1e-5 (float64) or 2e-3 (float32). */
  readonly atol?: number
  /** Relative tolerance; default 1e-5 (float64) or 2e-3 (float32). */
  readonly rtol?: number
  /** Finite-difference step; default 1e-3 (float64) or 1e-2 (float32). */
  readonly eps?: number
  /** Seed of the random directions. Default 0. */
  readonly seed?: number
}

/** Options of {@link checkVjpAgainstJvp}. */
export interface CheckVjpOptions {
  /** Absolute tolerance on the inner products; default 0. */
  readonly atol?: number
  /** Relative tolerance on the inner products; default 1e-10 (float64) or 1e-4 (float32). */
  readonly rtol?: number
  /** Seed of the random directions. Default 0. */
  readonly seed?: number
}

type Fn = (...args: any[]) => any
interface Flat { readonly leaves: NdArray[]; readonly def: TreeDef }
interface Tol { readonly atol: number; readonly rtol: number; readonly eps: number }

function flat(fn: string, tree: unknown): Flat {
  const [ls, def] = flatten(tree)
  return { leaves: ls.map((l) => asArray(l, fn).concrete(fn)), def }
}

const pathOf = (def: TreeDef, i: number): string => { const p = leafPath(def, i); return p === "<root>" ? "" : ` ${p}` }
const toF64 = (x: NdArray): Float64Array => Float64Array.from(x.data as ArrayLike<number>)
const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x))

/** One direction per leaf: standard normals for float leaves, zeros for the others. */
function randomLike(rng: Rng, xs: readonly NdArray[]): NdArray[] {
  return xs.map((x) => {
    const d = allocate(x.dtype, x.size)
    if (isFloat(x.dtype)) for (let i = 0; i < d.length; i++) d[i] = rng.normal()
    return new NdArray(d, x.shape, x.dtype)
  })
}

/** x + s·v, leafwise, keeping each leaf's dtype and weak type. */
function shifted(x: Flat, v: readonly NdArray[], s: number): unknown[] {
  return unflatten(x.def, x.leaves.map((l, i) => {
    if (!isFloat(l.dtype) || s === 0) return l
    const d = allocate(l.dtype, l.size), a = l.data, b = v[i]!.data
    for (let k = 0; k < d.length; k++) d[k] = a[k]! + s * b[k]!
    return new NdArray(d, l.shape, l.dtype, l.aval.weakType)
  })) as unknown[]
}

/** The directional derivative of f at x along v by the fourth-order central stencil. */
function numericalJvp(f: Fn, x: Flat, v: readonly NdArray[], h: number): (Float64Array | null)[] {
  const at = (s: number) => flat("checkGrads", f(...shifted(x, v, s * h))).leaves
  const p2 = at(2), p1 = at(1), m1 = at(-1), m2 = at(-2)
  return p1.map((o, j) => {
    if (!isFloat(o.dtype)) return null
    const r = new Float64Array(o.size)
    for (let k = 0; k < r.length; k++)
      r[k] = (-p2[j]!.data[k]! + 8 * p1[j]!.data[k]! - 8 * m1[j]!.data[k]! + m2[j]!.data[k]!) / (12 * h)
    return r
  })
}

function defaults(fn: string, xs: readonly NdArray[], opts: CheckGradsOptions): Tol {
  const fl = xs.filter((x) => isFloat(x.dtype))
  if (fl.length === 0)
    throw new InvalidArgumentError(fn, "f has no float inputs to differentiate; pass float64 or float32 arrays (or JS numbers).")
  const f32 = fl.some((x) => x.dtype === "float32")
  const tol = f32 ? 2e-3 : 1e-5
  return { atol: opts.atol ?? tol, rtol: opts.rtol ?? tol, eps: opts.eps ?? (f32 ? 1e-2 : 1e-3) }
}

function checkJvp(fn: string, f: Fn, args: unknown[], tol: Tol, rng: Rng, label: string): void {
  const x = flat(fn, args)
  const v = randomLike(rng, x.leaves)
  const [, tout] = jvp(f, args, unflatten(x.def, v) as unknown[])
  const got = flat(fn, tout)
  const want = numericalJvp(f, x, v, tol.eps)
  want.forEach((w, j) => {
    if (!w) return
    const g = toF64(got.leaves[j]!)
    let worst = -1, worstErr = 0
    for (let k = 0; k < w.length; k++) {
      const err = Math.abs(g[k]! - w[k]!)
      if (!(err <= tol.atol + tol.rtol * Math.abs(w[k]!)) && (worst < 0 || !(err <= worstErr))) { worst = k; worstErr = err }
    }
    if (worst >= 0)
      throw new InvalidArgumentError(fn, `${label} disagrees with central finite differences at output${pathOf(got.def, j)}` +
        `${w.length > 1 ? ` element ${worst}` : ""}: expected ${fmt(w[worst]!)} (finite differences), got ${fmt(g[worst]!)} (jvp); ` +
        `max error ${fmt(worstErr)} > atol ${tol.atol} + rtol ${tol.rtol}·|expected|. Check the forward-mode rule of the function, or pass a larger eps/tolerance if f is badly scaled.`)
  })
}

function checkVjp(fn: string, f: Fn, args: unknown[], tol: Tol, rng: Rng, label: string): void {
  const x = flat(fn, args)
  const v = randomLike(rng, x.leaves)
  const [out, pullback] = vjp(f, ...args)
  const o = flat(fn, out)
  const u = randomLike(rng, o.leaves)
  const cts = flat(fn, pullback(unflatten(o.def, u))).leaves
  let got = 0
  x.leaves.forEach((l, i) => {
    if (!isFloat(l.dtype)) return
    const c = cts[i]!.data, d = v[i]!.data
    for (let k = 0; k < c.length; k++) got += c[k]! * d[k]!
  })
  const fd = numericalJvp(f, x, v, tol.eps)
  let want = 0, scale = 0
  fd.forEach((w, j) => {
    if (!w) return
    const d = u[j]!.data
    for (let k = 0; k < w.length; k++) { want += d[k]! * w[k]!; scale += Math.abs(d[k]! * w[k]!) }
  })
  const err = Math.abs(got - want)
  if (!(err <= tol.atol + tol.rtol * scale))
    throw new InvalidArgumentError(fn, `${label} disagrees with central finite differences: for random directions u, v, ` +
      `⟨vjp(u), v⟩ = ${fmt(got)} but ⟨u, J v⟩ by central differences (step ${tol.eps}) ≈ ${fmt(want)} (error ${fmt(err)} > atol ${tol.atol} + rtol ${tol.rtol}·${fmt(scale)}). ` +
      "Check the reverse-mode (transpose or custom VJP) rule of the function.")
}

function validate(fn: string, order: number, modes: readonly string[]): void {
  if (!Number.isInteger(order) || order < 1) throw new InvalidArgumentError(fn, `order must be a positive integer, got ${order}.`)
  for (const m of modes)
    if (m !== "fwd" && m !== "rev") throw new InvalidArgumentError(fn, `modes may hold "fwd" and "rev" only, got ${JSON.stringify(m)}.`)
  if (modes.length === 0) throw new InvalidArgumentError(fn, 'modes is empty; pass ["fwd"], ["rev"] or both.')
}

/** Checks f's derivatives of order `depth` (as JVP/VJP of `what`), then recurses into them up to `order`. */
function checkRec(fn: string, f: Fn, args: unknown[], order: number, depth: number, modes: readonly string[], tol: Tol, rng: Rng, what: string): void {
  const of = what ? ` of ${what}` : ""
  if (modes.includes("fwd")) {
    const label = `JVP${of}`
    checkJvp(fn, f, args, tol, rng, `${label} (order ${depth})`)
    if (depth < order) checkRec(fn, (ps: unknown[], ts: unknown[]) => jvp(f, ps, ts), [args, args], order, depth + 1, modes, tol, rng, label)
  }
  if (modes.includes("rev")) {
    const label = `VJP${of}`
    checkVjp(fn, f, args, tol, rng, `${label} (order ${depth})`)
    if (depth < order) checkRec(fn, (...xs: unknown[]) => { const [out, pb] = vjp(f, ...xs); return pb(out) }, args, order, depth + 1, modes, tol, rng, label)
  }
}

/**
 * Checks the derivatives of `f` at `args` against finite differences, as JAX's
 * `check_grads`: forward mode (JVP along random tangents) and reverse mode (VJP against the
 * numerical JVP, through ⟨u, J v⟩), recursively up to `order` (the JVP and the VJP are
 * themselves differentiated). Returns nothing when every check passes.
 *
 * Directions come from a seeded generator, so a failure is reproducible. The comparison is
 * elementwise, `|got − expected| ≤ atol + rtol·|expected|`.
 * @example
 * ```ts
 * import { np } from "wengert"
 * import { checkGrads } from "wengert/laws"
 * checkGrads((x) => np.sum(np.sin(x)), [np.array([0.1, 0.7])]) // => undefined
 * ```
 * @throws {@link index!InvalidArgumentError} naming the mode (e.g. "VJP of JVP"), the order, the
 *   expected and computed values and the error, when a derivative disagrees; or when the
 *   options are invalid or f has no float input.
 * @category laws
 * @since 0.1.0
 */
export function checkGrads(f: Fn, args: readonly unknown[], opts: CheckGradsOptions = {}): void {
  const fn = "checkGrads"
  const { order = 2, modes = ["fwd", "rev"] } = opts
  validate(fn, order, modes)
  const tol = defaults(fn, flat(fn, args).leaves, opts)
  checkRec(fn, f, [...args], order, 1, modes, tol, new Rng(opts.seed ?? 0), "")
}

/**
 * Checks that reverse mode is the transpose of forward mode at `args`: for random u and v,
 * ⟨u, J v⟩ (from `jvp`) equals ⟨Jᵀ u, v⟩ (from `vjp`) to rounding. No finite differences, so
 * the tolerance is tight; the error is measured against Σ|uᵢ (Jv)ᵢ| + Σ|(Jᵀu)ⱼ vⱼ|.
 * @example
 * ```ts
 * import { np } from "wengert"
 * import { checkVjpAgainstJvp } from "wengert/laws"
 * checkVjpAgainstJvp((x) => np.multiply(x, np.exp(x)), [np.array([0.5, -1])]) // => undefined
 * ```
 * @throws {@link index!InvalidArgumentError} when the two inner products differ, or f has no float input.
 * @category laws
 * @since 0.1.0
 */
export function checkVjpAgainstJvp(f: Fn, args: readonly unknown[], opts: CheckVjpOptions = {}): void {
  const fn = "checkVjpAgainstJvp"
  const a = [...args]
  const x = flat(fn, a)
  const f32 = x.leaves.some((l) => l.dtype === "float32")
  defaults(fn, x.leaves, {})
  const atol = opts.atol ?? 0, rtol = opts.rtol ?? (f32 ? 1e-4 : 1e-10)
  const rng = new Rng(opts.seed ?? 0)
  const v = randomLike(rng, x.leaves)
  const [, tout] = jvp(f, a, unflatten(x.def, v) as unknown[])
  const jv = flat(fn, tout)
  const [, pullback] = vjp(f, ...a)
  const u = randomLike(rng, jv.leaves)
  const jtu = flat(fn, pullback(unflatten(jv.def, u))).leaves
  const dot = (p: readonly NdArray[], q: readonly NdArray[]): [number, number] => {
    let s = 0, m = 0
    p.forEach((pi, i) => {
      if (!isFloat(pi.dtype) || !isFloat(q[i]!.dtype)) return
      for (let k = 0; k < pi.size; k++) { const t = pi.data[k]! * q[i]!.data[k]!; s += t; m += Math.abs(t) }
    })
    return [s, m]
  }
  const [fwd, sf] = dot(u, jv.leaves), [rev, sr] = dot(jtu, v)
  const err = Math.abs(fwd - rev)
  if (!(err <= atol + rtol * (sf + sr)))
    throw new InvalidArgumentError(fn, `reverse mode is not the transpose of forward mode: ⟨u, J v⟩ = ${fmt(fwd)} (jvp) but ⟨Jᵀu, v⟩ = ${fmt(rev)} (vjp), ` +
      `error ${fmt(err)} > atol ${atol} + rtol ${rtol}·${fmt(sf + sr)}. A transpose (or custom VJP) rule disagrees with its JVP rule.`)
}

/**
 * Checks a function with a custom VJP rule: its reverse-mode derivative (which goes through
 * the rule) must match finite differences of its primal computation (which does not). This
 * is `checkGrads(f, args, { order: 1, modes: ["rev"] })`, since forward mode of a custom VJP
 * is an error by design.
 * @example
 * ```ts
 * import { np } from "wengert"
 * import { checkCustomVjp } from "wengert/laws"
 * checkCustomVjp((x) => np.sum(np.tanh(x)), [np.array([0.3, -0.2])]) // => undefined
 * ```
 * @throws {@link index!InvalidArgumentError} when the rule's cotangents disagree with finite differences.
 * @category laws
 * @since 0.1.0
 */
export function checkCustomVjp(f: Fn, args: readonly unknown[], opts: Omit<CheckGradsOptions, "modes" | "order"> = {}): void {
  checkGrads(f, args, { ...opts, order: 1, modes: ["rev"] })
}
