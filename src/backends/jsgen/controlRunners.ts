// Control flow the inliner leaves (scans over array carries, while loops, conds) runs as a
// fallback equation whose implementation is a JS loop over compiled sub-programs: each body,
// predicate and branch is compiled once, with the enclosing program, and a step writes its
// outputs in place (carries alternate between two buffers, rows of the stacked xs and ys are
// subarray views), so a step allocates no arrays and never goes through the interpreter.
// Calls (remat, custom rules) too large to schedule in place run their compiled body.

import { type DType, type TypedArray, allocate } from "../../core/dtype.js"
import { ClosedJaxpr } from "../../core/ir.js"
import { NdArray } from "../../core/array.js"
import { type LinearSolveP, checkResidual } from "../../prims/control/linearSolve.js"
import { ShapedArray } from "../../core/aval.js"
import { noteAlloc, noteReuse } from "../../ir/measureMeter.js"

/** A compiled sub-program run on caller-owned arrays: reads `ins`, writes every `outs[j]`. */
export interface Step { runInto(ins: readonly TypedArray[], outs: readonly TypedArray[]): void }
export type Compile = (c: ClosedJaxpr) => Step
/** An equation's implementation over flat data (scalars arrive as numbers). */
export type Runner = (args: readonly (number | TypedArray)[]) => TypedArray[]

const isInt = (x: unknown, lo = 0): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= lo
const fresh = (avals: readonly ShapedArray[]) => avals.map((a) => allocate(a.dtype, a.size))
const flagAval = new ShapedArray([], "bool", false)

/**
 * Arrays a runner keeps from call to call (`sets` sets of `avals`): what it returns lives only
 * until the program that called it returns, since compiled programs copy what they hand out
 * (`run` copies fallback results it returns, `runInto` copies into the caller's arrays), so
 * the next call may write the same arrays again. A solver's loops run on every gradient, and
 * allocating their carries each time was a few percent of it and made its time vary with the
 * collector. A call made while one is running (a loop nested in itself) gets arrays of its own.
 */
const keptArrays = new WeakSet<TypedArray>()
/** Whether `d` is an array a runner keeps and writes again on its next call (a caller handing it out copies it). */
export const isKept = (d: TypedArray): boolean => keptArrays.has(d)

function kept(avals: readonly ShapedArray[], sets: number) {
  let mine: TypedArray[][] | null = null, busy = false
  return <R>(body: (sets: TypedArray[][]) => R): R => {
    if (busy) {
      const own = globalThis.Array.from({ length: sets }, () => fresh(avals))
      for (const o of own) noteAlloc(...o)
      return body(own)
    }
    if (mine) for (const o of mine) noteReuse(...o)
    else {
      mine = globalThis.Array.from({ length: sets }, () => fresh(avals))
      for (const o of mine) { noteAlloc(...o); for (const d of o) keptArrays.add(d) }
    }
    busy = true
    try { return body(mine) } finally { busy = false }
  }
}
function asArray(x: number | TypedArray, dtype: DType): TypedArray {
  if (typeof x !== "number") return x
  const d = allocate(dtype, 1)
  noteAlloc(d)
  d[0] = x
  return d
}
/** Results that are the caller's own arrays are copied (the program owns what it returns). */
const owned = (outs: TypedArray[], args: readonly (number | TypedArray)[]) =>
  outs.map((o) => (args.includes(o) ? o.slice() : o))

/** The runner of a control-flow or call equation, or null when its params are not what they should be. */
export function controlRunner(name: string, params: Record<string, unknown>, inAvals: readonly ShapedArray[], compile: Compile): Runner | null {
  switch (name) {
    case "scan": return scanRunner(params, inAvals, compile)
    case "while": return whileRunner(params, inAvals, compile)
    case "cond": return condRunner(params, inAvals, compile)
    case "remat": return callRunner(params["jaxpr"], inAvals.map((_, i) => i), compile)
    case "custom_jvp_call": return callRunner(params["call"], inAvals.map((_, i) => i), compile)
    case "linear_solve": return linearSolveRunner(params, inAvals, compile)
    case "custom_vjp_call": {
      const c = params["num_call_consts"], f = params["num_fwd_consts"]
      if (!isInt(c) || !isInt(f) || c + f > inAvals.length) return null
      return callRunner(params["call"], inAvals.map((_, i) => i).filter((i) => i < c || i >= c + f), compile)
    }
    default: return null
  }
}

/** A call too large to schedule in place (see inlineCall): its body compiled once, run on the inputs it reads. */
function callRunner(body: unknown, inputs: readonly number[], compile: Compile): Runner | null {
  if (!(body instanceof ClosedJaxpr) || body.inAvals.length !== inputs.length) return null
  const prog = compile(body), results = kept(body.outAvals, 1)
  return (args) => results(([outs]) => {
    prog.runInto(inputs.map((i, k) => asArray(args[i]!, body.inAvals[k]!.dtype)), outs!)
    return outs!
  })
}

/**
 * linear_solve: its solve jaxpr compiled (an iterative solver's loop runs compiled), and
 * when the params ask for it the residual |A x − b| ≤ check·max(1, |b|) computed by the
 * compiled matvec and tested by the primitive's own residual check.
 */
function linearSolveRunner(p: Record<string, unknown>, inAvals: readonly ShapedArray[], compile: Compile): Runner | null {
  const { matvec, solve, num_matvec: a, num_solve: ns, num_transpose: nt, check } = p
  if (!(matvec instanceof ClosedJaxpr) || !(solve instanceof ClosedJaxpr) || !isInt(a) || !isInt(ns) || !isInt(nt)) return null
  const c = a + ns + nt, nb = inAvals.length - c
  if (nb < 0 || solve.inAvals.length !== ns + nb || matvec.inAvals.length !== a + nb || solve.outAvals.length !== nb) return null
  if (check !== null && check !== undefined && typeof check !== "number") return null
  const s = compile(solve), mv = typeof check === "number" ? compile(matvec) : null
  const solutions = kept(solve.outAvals, 1), products = kept(matvec.outAvals, 1)
  return (args) => solutions(([x]) => {
    const arr = args.map((x, i) => asArray(x, inAvals[i]!.dtype))
    const rhs = arr.slice(c)
    s.runInto([...arr.slice(a, a + ns), ...rhs], x!)
    if (mv) products(([ax]) => {
      const nd = (d: TypedArray, a: ShapedArray) => new NdArray(d, a.shape, a.dtype, a.weakType)
      mv.runInto([...arr.slice(0, a), ...x!], ax!)
      checkResidual(p as LinearSolveP, ax!.map((d, i) => nd(d, matvec.outAvals[i]!)), rhs.map((d, i) => nd(d, inAvals[c + i]!)))
    })
    return owned(x!, args)
  })
}

function scanRunner(p: Record<string, unknown>, inAvals: readonly ShapedArray[], compile: Compile): Runner | null {
  const { jaxpr, num_consts: nc, num_carry: nk, length: L, reverse } = p
  if (!(jaxpr instanceof ClosedJaxpr) || !isInt(nc) || !isInt(nk) || !isInt(L) || typeof reverse !== "boolean") return null
  const ins = jaxpr.inAvals, outs = jaxpr.outAvals, n = inAvals.length
  if (ins.length !== n || nc + nk > n || outs.length < nk) return null
  const body = compile(jaxpr)
  const xRow = ins.slice(nc + nk).map((a) => a.size), yRow = outs.slice(nk).map((a) => a.size)
  const carries = kept(outs.slice(0, nk), 2)
  return (args) => carries((bufs) => {
    const a = args.map((x, i) => asArray(x, inAvals[i]!.dtype))
    const ys = outs.slice(nk).map((o) => allocate(o.dtype, o.size * L))
    noteAlloc(...ys)
    const stepIns = a.slice(), stepOuts: TypedArray[] = new Array(outs.length)
    let cur = a.slice(nc, nc + nk)
    for (let i = 0; i < L; i++) {
      const t = reverse ? L - 1 - i : i, next = bufs[i & 1]!
      for (let k = 0; k < nk; k++) { stepIns[nc + k] = cur[k]!; stepOuts[k] = next[k]! }
      for (let k = 0; k < xRow.length; k++) stepIns[nc + nk + k] = a[nc + nk + k]!.subarray(t * xRow[k]!, (t + 1) * xRow[k]!)
      for (let k = 0; k < yRow.length; k++) stepOuts[nk + k] = ys[k]!.subarray(t * yRow[k]!, (t + 1) * yRow[k]!)
      body.runInto(stepIns, stepOuts)
      cur = next
    }
    return owned([...cur, ...ys], args)
  })
}

function whileRunner(p: Record<string, unknown>, inAvals: readonly ShapedArray[], compile: Compile): Runner | null {
  const { cond_jaxpr: cj, body_jaxpr: bj, cond_nconsts: cn, body_nconsts: bn } = p
  if (!(cj instanceof ClosedJaxpr) || !(bj instanceof ClosedJaxpr) || !isInt(cn) || !isInt(bn) || cn + bn > inAvals.length) return null
  const nk = inAvals.length - cn - bn
  if (cj.inAvals.length !== cn + nk || bj.inAvals.length !== bn + nk || bj.outAvals.length !== nk || cj.outAvals.length !== 1) return null
  const pred = compile(cj), body = compile(bj), carries = kept(bj.outAvals, 2), flags = kept([flagAval], 1)
  return (args) => carries((bufs) => flags(([flag]) => {
    const a = args.map((x, i) => asArray(x, inAvals[i]!.dtype))
    const predIns = a.slice(0, cn), bodyIns = a.slice(cn, cn + bn)
    let cur = a.slice(cn + bn)
    for (let i = 0; ; i++) {
      for (let k = 0; k < nk; k++) { predIns[cn + k] = cur[k]!; bodyIns[bn + k] = cur[k]! }
      pred.runInto(predIns, flag!)
      if (!flag[0]![0]) break
      const next = bufs[i & 1]!
      body.runInto(bodyIns, next)
      cur = next
    }
    return owned(cur, args)
  }))
}

function condRunner(p: Record<string, unknown>, inAvals: readonly ShapedArray[], compile: Compile): Runner | null {
  const { branches } = p
  if (!globalThis.Array.isArray(branches) || branches.length === 0 || !branches.every((b) => b instanceof ClosedJaxpr)) return null
  if (branches.some((b: ClosedJaxpr) => b.inAvals.length !== inAvals.length - 1)) return null
  const compiled = branches.map((b: ClosedJaxpr) => compile(b)), results = kept((branches[0] as ClosedJaxpr).outAvals, 1)
  return (args) => results(([outs]) => {
    const index = typeof args[0] === "number" ? args[0] : args[0]![0]!
    const k = Math.min(Math.max(index, 0), compiled.length - 1)
    compiled[k]!.runInto(args.slice(1).map((x, i) => asArray(x, inAvals[i + 1]!.dtype)), outs!)
    return outs!
  })
}
