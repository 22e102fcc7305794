// Checkpointed scans: `{ every: k }` stores the carry every k steps and recomputes each
// segment in the backward pass (a scan over segments of a checkpointed inner scan, so the
// peak residual memory is ∝ S(N/k + k)); "binomial" bisects recursively (O(S log N) memory).

import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import { scan as scanPrim } from "../prims/control/scan.js"
import { reshape, slice, concatenate } from "../prims/shape.js"
import { checkpoint } from "../transforms/checkpoint.js"
import type { TracedFn } from "./trace.js"

export type ScanCheckpoint = "none" | { readonly every: number } | "binomial"

const sliceRows = (x: Array, lo: number, hi: number) => slice(x, x.shape.map((_, i) => (i === 0 ? lo : 0)), x.shape.map((d, i) => (i === 0 ? hi : d)))

/** Plain scan of the traced body over `length` rows of xs. */
function run(body: TracedFn, carry: Array[], xs: Array[], reverse: boolean, length = xs[0]?.shape[0] ?? 0): Array[] {
  return scanPrim([...body.consts, ...carry, ...xs], { jaxpr: body.jaxpr, num_consts: body.consts.length, num_carry: carry.length, length, reverse })
}

export function scanCheckpointed(body: TracedFn, carry: Array[], xs: Array[], length: number, reverse: boolean, how: ScanCheckpoint): Array[] {
  if (length === 0) return run(body, carry, xs, reverse, 0)
  if (how === "binomial") return bisect(body, carry, xs, length, reverse)
  if (how === "none" || typeof how !== "object" || !Number.isInteger(how.every) || how.every < 1)
    throw new InvalidArgumentError("lax.scan", `checkpoint must be "none", "binomial" or { every: k } with a positive integer k, got ${JSON.stringify(how)}.`)
  if (xs.length === 0) throw new InvalidArgumentError("lax.scan", "checkpointing needs xs (pass an index array as xs instead of { length }).")
  const k = Math.min(how.every, Math.max(1, length))
  const segments = Math.floor(length / k), rest = length - segments * k
  const nk = carry.length
  // segment s covers rows [s k, (s + 1) k); a tail of `rest` rows runs plainly
  const head = (x: Array) => reshape(sliceRows(x, reverse ? rest : 0, reverse ? length : segments * k), [segments, k, ...x.shape.slice(1)])
  const tail = (x: Array) => sliceRows(x, reverse ? 0 : segments * k, reverse ? rest : length)
  const segment = checkpoint((c: Array[], xseg: Array[]) => run(body, c, xseg, reverse))
  const outerBody = traceOuter(body, segment, nk)
  let outs: Array[] = carry
  let ys: Array[] = []
  const runHead = (c: Array[]) => {
    const o = scanPrim([...c, ...xs.map(head)], { jaxpr: outerBody(c, xs.map(head)), num_consts: 0, num_carry: nk, length: segments, reverse })
    return [o.slice(0, nk), o.slice(nk).map((y) => reshape(y, [segments * k, ...y.shape.slice(2)]))] as const
  }
  if (!reverse) {
    const [c1, y1] = segments ? runHead(carry) : [carry, [] as Array[]]
    const o2 = rest ? run(body, [...c1], xs.map(tail), reverse) : [...c1]
    outs = o2.slice(0, nk)
    ys = rest ? o2.slice(nk).map((y, i) => (segments ? concatenate([y1[i]!, y], 0) : y)) : [...y1]
  } else {
    // reverse: the segments cover the high rows [rest, N) and run first; the low rows last
    const [c1, y1] = segments ? runHead(carry) : [carry, [] as Array[]]
    const o2 = rest ? run(body, [...c1], xs.map(tail), reverse) : [...c1]
    outs = o2.slice(0, nk)
    ys = rest ? o2.slice(nk).map((y, i) => (segments ? concatenate([y, y1[i]!], 0) : y)) : [...y1]
  }
  return [...outs, ...ys]
}

import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import type { ClosedJaxpr } from "../core/ir.js"
/** The outer scan's body: one checkpointed segment, carry in and out, ys stacked per segment. */
function traceOuter(body: TracedFn, segment: (c: Array[], x: Array[]) => Array[], nk: number) {
  return (c: Array[], xsHead: Array[]): ClosedJaxpr => {
    const avals = [...c.map((v) => v.aval), ...xsHead.map((x) => x.aval).map((a) => ({ ...a, shape: a.shape.slice(1) }))]
    void avals
    return traceJaxprFlat("lax.scan", (ins) => segment(ins.slice(0, nk), ins.slice(nk)), [...c.map((v) => v.aval), ...xsHead.map((x) => rowAval(x))])
  }
}
import { ShapedArray } from "../core/aval.js"
const rowAval = (x: Array) => new ShapedArray(x.shape.slice(1), x.dtype, x.aval.weakType)

/** Binomial (recursive bisection) checkpointing: each half is checkpointed, down to single steps. */
function bisect(body: TracedFn, carry: Array[], xs: Array[], length: number, reverse: boolean): Array[] {
  const nk = carry.length
  if (length <= 2) return run(body, carry, xs, reverse, length)
  const mid = Math.floor(length / 2)
  const half = (c: Array[], x: Array[], n: number) => checkpoint((cc: Array[], xx: Array[]) => bisect(body, cc, xx, n, reverse))(c, x) as Array[]
  const [first, second] = reverse ? [[mid, length], [0, mid]] as const : [[0, mid], [mid, length]] as const
  const o1 = half(carry, xs.map((x) => sliceRows(x, first[0], first[1])), first[1] - first[0])
  const o2 = half(o1.slice(0, nk), xs.map((x) => sliceRows(x, second[0], second[1])), second[1] - second[0])
  // ys stay in row order: under reverse the first half run covers the high rows
  const ys = o1.slice(nk).map((y, i) => (reverse ? concatenate([o2[nk + i]!, y], 0) : concatenate([y, o2[nk + i]!], 0)))
  return [...o2.slice(0, nk), ...ys]
}
