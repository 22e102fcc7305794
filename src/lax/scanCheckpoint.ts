// Checkpointed scans. `{ every: k }` stores the carry every k steps and recomputes each
// segment in the backward pass (a scan over checkpointed segments: peak residual memory
// ∝ S(N/k + k)). "binomial" / `{ binomial: s }` follows Griewank and Walther's optimal
// reversal schedule (revolve) with s stored carries, written as nested checkpoints whose
// bodies are traced once per (steps, snapshots) pair, so the IR stays small for any N.

import type { Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { InvalidArgumentError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { bind } from "../core/trace.js"
import { scan as scanPrim } from "../prims/control/scan.js"
import { rematP } from "../prims/remat.js"
import { concatenate, reshape, slice } from "../prims/shape.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import type { TracedFn } from "./trace.js"

/**
 * How `lax.scan` rematerializes its per-step residuals under reverse mode: `"none"` (store
 * every step), `{ every: k }` (store every k-th carry, 1 ≤ k ≤ N), `{ binomial: s }` (the
 * optimal schedule for s stored carries, s ≥ 1) or `"binomial"` (s = ⌈log₂ N⌉).
 */
export type ScanCheckpoint = "none" | { readonly every: number } | "binomial" | { readonly binomial: number }

// --- the binomial schedule (pure functions of N and s) ------------------------------------

/**
 * β(s, r) = C(s + r, s): the most steps that s stored carries reverse with every step
 * advanced at most r times (Griewank and Walther). Exact up to 2⁵³.
 * @example
 * ```ts
 * binomialBeta(2, 3) // => 10
 * ```
 */
export function binomialBeta(s: number, r: number): number {
  if (s < 0 || r < 0) return 0
  let b = 1
  for (let i = 1; i <= Math.min(s, r); i++) b = (b * (s + r - i + 1)) / i
  return Math.round(b)
}

/**
 * The repetition number r(N, s): the least r with β(s, r) ≥ N.
 * @example
 * ```ts
 * binomialRepetitions(10, 2) // => 3
 * ```
 */
export function binomialRepetitions(n: number, s: number): number {
  let r = 0
  while (binomialBeta(s, r) < n) r++
  return r
}

/**
 * t(N, s): the fewest forward steps (advances) that reverse N steps with s stored carries,
 * the initial one included: r·N − β(s + 1, r − 1) with r = r(N, s); t(1, s) = 0 and
 * t(N, s) = N − 1 when s ≥ N − 1. A gradient through the schedule evaluates the step
 * t(N, s) + N times (each step once more, when it is differentiated).
 * @example
 * ```ts
 * binomialSteps(3, 1) // => 3
 * binomialSteps(10, 2) // => 20
 * ```
 */
export function binomialSteps(n: number, s: number): number {
  if (n <= 1) return 0
  if (s < 1) return Infinity
  const r = binomialRepetitions(n, s)
  return r * n - binomialBeta(s + 1, r - 1)
}

/**
 * An optimal first segment m for reversing N steps with s stored carries (N ≥ 2, s ≥ 1):
 * t(N, s) = m + t(N − m, s − 1) + t(m, s), advancing m steps before storing the next
 * carry. Picks the largest optimal m, which keeps the number of distinct sub-schedules small.
 * @example
 * ```ts
 * binomialSplit(10, 2) // => 6
 * ```
 */
export function binomialSplit(n: number, s: number): number {
  const t = binomialSteps(n, s)
  const ok = (m: number) => m + binomialSteps(n - m, s - 1) + binomialSteps(m, s) === t
  // the optimal m fill [max(β(s, r−2), N − β(s−1, r)), min(β(s, r−1), N − β(s−1, r−1))]
  const r = binomialRepetitions(n, s)
  const hi = Math.min(n - 1, binomialBeta(s, r - 1), n - binomialBeta(s - 1, r - 1))
  if (hi >= 1 && ok(hi)) return hi
  for (let m = n - 1; m >= 1; m--) if (ok(m)) return m
  throw new Error(`internal: no optimal split for N = ${n}, s = ${s}`)
}

/**
 * The stored carries that "binomial" uses for N steps: ⌈log₂ N⌉ (at least 1), so the
 * residual memory is O(S log N) and each step is recomputed O(log N / log log N) times.
 * @example
 * ```ts
 * defaultSnapshots(10000) // => 14
 * ```
 */
export function defaultSnapshots(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(1, n))))
}

/** How many checkpoints deep R(N, s) nests (past `cap`, some value above it); recursion ≤ cap. */
function nestingDepth(n: number, s: number, cap: number, memo = new Map<string, number>()): number {
  let d = 0
  while (n > 1 && s < n - 1) {
    const m = binomialSplit(n, s), key = `${m},${s}`
    let dm = memo.get(key)
    if (dm === undefined) {
      if (cap < 1) return 1
      dm = nestingDepth(m, s, cap - 1, memo)
      if (dm <= cap - 1) memo.set(key, dm)
    }
    d = Math.max(d, 1 + dm)
    if (d > cap) return d
    n -= m
    s -= 1
  }
  return d
}

// Tracing, differentiating and running nested checkpoints recurses once per level, so very
// deep schedules (s = 1 over thousands of steps) would overflow the JS stack: refuse them
const MAX_NESTING = 200

// --- the checkpointed scans ---------------------------------------------------------------

const sliceRows = (x: Array, lo: number, hi: number) => slice(x, x.shape.map((_, i) => (i === 0 ? lo : 0)), x.shape.map((d, i) => (i === 0 ? hi : d)))
const rowAval = (x: Array) => new ShapedArray(x.shape.slice(1), x.dtype, x.aval.weakType)
const withRows = (a: ShapedArray, n: number) => new ShapedArray([n, ...a.shape.slice(1)], a.dtype, a.weakType)
const fail = (hint: string): never => { throw new InvalidArgumentError("lax.scan", hint) }

type Mode = { readonly kind: "none" } | { readonly kind: "every"; readonly k: number } | { readonly kind: "binomial"; readonly s: number }

/** Checks a `checkpoint` option against the scan's length; the schedule it asks for. */
function modeOf(how: unknown, length: number): Mode {
  if (how === "none") return { kind: "none" }
  if (how === "binomial") return { kind: "binomial", s: defaultSnapshots(length) }
  const keys = how !== null && typeof how === "object" ? Object.keys(how) : []
  if (keys.length === 1 && keys[0] === "every") {
    const k = (how as { every: unknown }).every
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1)
      fail(`checkpoint { every: k } needs a positive integer k (steps per stored carry), got ${String(k)}.`)
    if ((k as number) > length && length > 0)
      fail(`checkpoint { every: ${k} } is longer than the scan's ${length} steps, so nothing would be checkpointed; use 1 ≤ k ≤ ${length} (k ≈ √N = ${Math.round(Math.sqrt(length))} keeps the least memory) or "none".`)
    return { kind: "every", k: k as number }
  }
  if (keys.length === 1 && keys[0] === "binomial") {
    const n = (how as { binomial: unknown }).binomial
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
      fail(`checkpoint { binomial: s } needs a positive integer s (stored carries, the initial one included), got ${String(n)}; "binomial" picks s = ⌈log₂ N⌉.`)
    return { kind: "binomial", s: n as number }
  }
  return fail(`checkpoint must be "none", "binomial", { every: k } or { binomial: s }, got ${JSON.stringify(how) ?? String(how)}.`)
}

/**
 * The scan of `body` over `length` steps under the checkpoint option `how`: outputs
 * [...carry, ...stacked ys], as the plain scan's.
 * @example
 * ```ts
 * import { lax, np } from "wengert"
 * lax.scan((c, x) => [np.add(c, x), c], 0, np.arange(5), { checkpoint: { binomial: 2 } })[0].item() // => 10
 * ```
 * @throws {@link index!InvalidArgumentError} when `how` is not a valid checkpoint option for `length` steps.
 */
export function scanCheckpointed(body: TracedFn, carry: Array[], xs: Array[], length: number, reverse: boolean, how: ScanCheckpoint): Array[] {
  const mode = modeOf(how, length)
  const nc = body.consts.length, nk = carry.length
  const step = (consts: Array[], c: Array[], x: Array[], n: number, jaxpr = body.jaxpr) =>
    scanPrim([...consts, ...c, ...x], { jaxpr, num_consts: nc, num_carry: nk, length: n, reverse })
  if (mode.kind === "none" || length === 0) return step(body.consts, carry, xs, length)
  if (mode.kind === "every") return everyK(body, carry, xs, length, reverse, mode.k, step)
  if (nestingDepth(length, mode.s, MAX_NESTING) > MAX_NESTING) {
    let s = mode.s + 1
    while (nestingDepth(length, s, MAX_NESTING) > MAX_NESTING) s++
    fail(`checkpoint { binomial: ${mode.s} } over ${length} steps nests checkpoints more than ${MAX_NESTING} deep (and recomputes ${binomialSteps(length, mode.s)} steps); store more carries: { binomial: ${s} } or more, or "binomial".`)
  }
  return new Binomial(body, nk, reverse, step).run(body.consts, carry, xs, length, mode.s)
}

type Step = (consts: Array[], c: Array[], x: Array[], n: number, jaxpr?: ClosedJaxpr) => Array[]

/** A remat of `jaxpr`: under reverse mode only its inputs are stored, the rest is recomputed. */
const remat = (jaxpr: ClosedJaxpr, ins: readonly Array[]) => bind(rematP, ins, { jaxpr, policy: "nothingSaveable" })

/**
 * `{ every: k }`: a scan over ⌊N/k⌋ segments, each a checkpointed scan of k steps, then the
 * N mod k leftover steps plainly (in reverse, the segments cover the high rows and run first).
 */
function everyK(body: TracedFn, carry: Array[], xs: Array[], n: number, reverse: boolean, k: number, step: Step): Array[] {
  const nc = body.consts.length, nk = carry.length
  const segments = Math.floor(n / k), rest = n - segments * k
  const [lo, hi] = reverse ? [rest, n] : [0, segments * k]
  const head = xs.map((x) => reshape(sliceRows(x, lo, hi), [segments, k, ...x.shape.slice(1)]))
  const tail = xs.map((x) => (reverse ? sliceRows(x, 0, rest) : sliceRows(x, hi, n)))
  // the segment: k steps, traced once; the outer body: that segment under remat
  const avals = [...body.consts.map((c) => c.aval), ...carry.map((c) => c.aval)]
  const segment = traceJaxprFlat("lax.scan", (ins) => step(ins.slice(0, nc), ins.slice(nc, nc + nk), ins.slice(nc + nk), k),
    [...avals, ...head.map((x) => rowAval(x))])
  const outer = traceJaxprFlat("lax.scan", (ins) => remat(segment, ins), [...avals, ...head.map((x) => rowAval(x))])
  let c = carry, ysHead: Array[] = [], ysTail: Array[] = []
  if (segments) {
    const o = step(body.consts, c, head, segments, outer)
    c = o.slice(0, nk)
    ysHead = o.slice(nk).map((y) => reshape(y, [segments * k, ...y.shape.slice(2)]))
  }
  if (rest || !segments) {
    const o = step(body.consts, c, tail, rest)
    c = o.slice(0, nk)
    ysTail = o.slice(nk)
  }
  const ys = !segments ? ysTail : !rest ? ysHead : ysHead.map((y, i) => concatenate(reverse ? [ysTail[i]!, y] : [y, ysTail[i]!], 0))
  return [...c, ...ys]
}

/**
 * The binomial schedule as nested checkpoints: R(N, s) = [remat(R(m, s)) on the first m
 * steps; R(N − m, s − 1) on the rest] with m = binomialSplit(N, s), down to R(1, s) = one
 * plain step and, once s ≥ N − 1, a scan of N − 1 checkpointed steps and one plain step
 * (R(n, s) = n − 1 single-step checkpoints then a step). The forward pass of a gradient
 * then evaluates the step N times plus t(N, s) times in the recomputations. Each R(m, s)
 * under remat is traced once (the IR has one body per distinct pair).
 */
class Binomial {
  private readonly bodies = new Map<string, ClosedJaxpr>()
  private stepRemat: ClosedJaxpr | undefined
  constructor(private readonly body: TracedFn, private readonly nk: number, private readonly reverse: boolean, private readonly step: Step) {}

  run(consts: Array[], carry: Array[], xs: Array[], n: number, s: number): Array[] {
    const nk = this.nk, reverse = this.reverse
    // rows [lo, hi) are still to run; forwards they run from lo up, in reverse from hi down
    let lo = 0, hi = n, c = carry
    const ysParts: Array[][] = []
    const take = (m: number): Array[] => {
      const [a, b] = reverse ? [hi - m, hi] : [lo, lo + m]
      if (reverse) hi -= m; else lo += m
      return xs.map((x) => (a === 0 && b === x.shape[0] ? x : sliceRows(x, a, b)))
    }
    const link = (outs: Array[]) => { c = outs.slice(0, nk); ysParts.push(outs.slice(nk)) }
    while (hi - lo > 1 && s < hi - lo - 1) {
      const m = binomialSplit(hi - lo, s)
      link(remat(this.segment(m, s, consts, carry, xs), [...consts, ...c, ...take(m)]))
      s -= 1
    }
    const left = hi - lo
    if (left > 1) link(this.step(consts, c, take(left - 1), left - 1, this.singleStepRemat()))
    link(this.step(consts, c, take(1), 1))
    // ys in row order: in reverse the parts ran from the high rows down
    const parts = reverse ? ysParts.reverse() : ysParts
    const ys = parts[0]!.map((_, i) => (parts.length === 1 ? parts[0]![i]! : concatenate(parts.map((p) => p[i]!), 0)))
    return [...c, ...ys]
  }

  /** R(m, s) as a jaxpr [...consts, ...carry, ...xs rows] -> [...carry, ...ys], traced once. */
  private segment(m: number, s: number, consts: Array[], carry: Array[], xs: Array[]): ClosedJaxpr {
    const key = `${m},${s}`
    let j = this.bodies.get(key)
    if (!j) {
      const nc = consts.length, nk = this.nk
      j = traceJaxprFlat("lax.scan", (ins) => this.run(ins.slice(0, nc), ins.slice(nc, nc + nk), ins.slice(nc + nk), m, s),
        [...consts.map((v) => v.aval), ...carry.map((v) => v.aval), ...xs.map((x) => withRows(x.aval, m))])
      this.bodies.set(key, j)
    }
    return j
  }

  /** The step under remat, as a scan body. */
  private singleStepRemat(): ClosedJaxpr {
    const b = this.body.jaxpr
    return (this.stepRemat ??= traceJaxprFlat("lax.scan", (ins) => remat(b, ins), b.inAvals))
  }
}
