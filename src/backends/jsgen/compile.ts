// The JS code generator's entry: closed jaxpr -> a runner over concrete arrays. Passes:
// analyze (validate, DCE, uses) -> schedule (fusion, views) -> buffer plan -> emit -> chunk,
// then one `new Function` per compiled signature. Fallback equations run their `impl`
// through `F`, a closure handed to the generated code, never through source text.

import { type Array, NdArray } from "../../core/array.js"
import { type DType, type TypedArray, allocate, dtypeOfTypedArray } from "../../core/dtype.js"
import { InvalidArgumentError } from "../../core/errors.js"
import type { ClosedJaxpr } from "../../core/ir.js"
import { analyze } from "./analyze.js"
import { schedule } from "./fuse.js"
import { planBuffers } from "./bufferPlan.js"
import { reroll } from "./reroll.js"
import { emitItems } from "./emit.js"
import { CHUNK_WEIGHT, assemble } from "./chunk.js"
import { preludeText, sharedHelpers, warmUp } from "./prelude.js"
import { productHelpers } from "./kernels.js"
import { type Runner, controlRunner, isKept } from "./controlRunners.js"
import { meter, noteAlloc } from "../../ir/measureMeter.js"

export interface CompileOptions {
  /** Weight (about one statement each) of one generated function; see chunk.ts. */
  readonly chunkWeight?: number
  /** Re-roll repeated blocks of scalar statements into loops (default true); see reroll.ts. */
  readonly reroll?: boolean
}

export interface CompiledProgram {
  /** Runs the program on concrete arrays (one per invar); outputs are fresh arrays. */
  run(xs: readonly Array[]): Array[]
  /**
   * Runs the program on raw data of the compiled avals (unchecked: for loops over compiled
   * bodies), writing output j into `outs[j]`, which must not alias any of `ins`.
   */
  runInto(ins: readonly TypedArray[], outs: readonly TypedArray[]): void
  /** The generated source, for tests and inspection. */
  readonly source: string
  /** `fallbacks` run their impl; `loops` are control flow run as JS loops over compiled bodies. */
  readonly stats: { readonly eqns: number; readonly items: number; readonly rolls: number; readonly chunks: number; readonly fallbacks: readonly string[]; readonly loops: readonly string[] }
}

type Fallback = (k: number, args: readonly (number | TypedArray)[]) => TypedArray[]

/** Compiles a closed jaxpr to JS. */
export function compileJaxpr(closed: ClosedJaxpr, opts: CompileOptions = {}): CompiledProgram {
  // first, so that V8 optimizes the products' helpers in the background while the rest compiles
  for (const h of productHelpers(closed.jaxpr.eqns)) warmUp(h)
  const an = analyze(closed)
  const scheduled = schedule(closed, an)
  const sch = opts.reroll === false ? scheduled : { ...scheduled, items: reroll(scheduled) }
  const plan = planBuffers(sch)
  const emitted = emitItems(sch, plan)
  const outScalars = sch.outputs.flatMap((o) => ("sc" in o && o.sc >= 0 ? [o.sc] : []))
  const outSlots = new Set(sch.outputs.flatMap((o) => ("buf" in o ? [plan.slot[o.buf]!] : [])))
  const asm = assemble(emitted, outScalars, opts.chunkWeight ?? CHUNK_WEIGHT, outSlots)
  const source = `"use strict";\n${preludeText(sch.helpers)}\n${asm.source}`
  const fallbacks = sch.fallbacks.map((e) => {
    const ins = e.inputs.map((a) => a.aval)
    // control flow runs as JS loops over compiled bodies (no interpreter per step)
    const loop: Runner | null = controlRunner(e.prim.name, e.params, ins, (c) => compileShared(c, opts))
    return { e, ins, outs: e.outputs.map((o) => o.aval), loop }
  })
  const callFallback: Fallback = (k, args) => {
    const { e, ins, outs, loop } = fallbacks[k]!
    if (loop) return loop(args)
    const nd = args.map((x, i) => {
      const a = ins[i]!
      if (typeof x !== "number") return new NdArray(x, a.shape, a.dtype, a.weakType)
      const d = allocate(a.dtype, 1); d[0] = x
      noteAlloc(d)
      return new NdArray(d, a.shape, a.dtype, a.weakType)
    })
    return e.prim.impl(nd, e.params).map((o, j) => {
      const want = outs[j]!
      if (!want || dtypeOfTypedArray(o.data) !== want.dtype || o.data.length !== want.size)
        throw new InvalidArgumentError("jit", `${e.prim.name}: its implementation returned ${o.aval.str()} where the jaxpr says ${want ? want.str() : "nothing"}.`)
      // never hand out an array the program (or the caller) still owns
      return args.some((x) => typeof x !== "number" && x.buffer === o.data.buffer) ? o.data.slice() : o.data
    })
  }
  // when measuring, a fallback's arrays live in a scope of their own; what it returns is held
  // by the program's buffer table until the end of the call
  const F: Fallback = (k, args) => {
    const m = meter
    if (m === undefined) return callFallback(k, args)
    let outs: TypedArray[] = []
    m.enter()
    try { outs = callFallback(k, args); noteAlloc(...outs); return outs } finally { m.exit(outs) }
  }
  for (const h of sch.helpers) warmUp(h)
  const gen = new Function("F", "H", "R", source)(F, sharedHelpers, release) as (B: unknown[], S: Float64Array) => void

  const outAvals = closed.jaxpr.outvars.map((a) => a.aval)
  const inAvals = closed.jaxpr.invars.map((v) => v.aval)
  const newState = (persistent: boolean) => {
    const B: unknown[] = plan.slots.map((s) =>
      s.cls === "const" ? s.data : s.cls === "pool" ? allocate(s.dtype, s.size) : undefined)
    // pooled buffers live as long as the program (a nested call's, until it returns)
    if (meter !== undefined) plan.slots.forEach((s, k) => { if (s.cls === "pool") meter!.note(B[k] as TypedArray, persistent) })
    return { B, S: new Float64Array(asm.nS) }
  }
  let state: ReturnType<typeof newState> | null = null
  let busy = false

  const run = (xs: readonly Array[]): Array[] => {
    if (xs.length !== inAvals.length)
      throw new InvalidArgumentError("jit", `the compiled program takes ${inAvals.length} arguments but ${xs.length} were given.`)
    const nested = busy, m = meter
    m?.enter()
    const { B, S } = nested ? newState(false) : (state ??= newState(true))
    busy = true
    const returned: TypedArray[] = []
    try {
      plan.slots.forEach((s, k) => {
        if (s.cls === "in") {
          const x = xs[s.index]!.concrete("jit"), want = inAvals[s.index]!
          if (x.dtype !== want.dtype || x.data.length !== want.size)
            throw new InvalidArgumentError("jit", `argument ${s.index} is ${x.aval.str()} but the program was compiled for ${want.str()}.`)
          B[k] = x.data
        } else if (s.cls === "out") B[k] = allocate(s.dtype, s.size)
      })
      if (m !== undefined) plan.slots.forEach((s, k) => { if (s.cls === "out") noteAlloc(B[k] as TypedArray) })
      gen(B, S)
      const outs = sch.outputs.map((o, j) => {
        const aval = outAvals[j]!
        let data: TypedArray
        if ("lit" in o) data = filled(aval.dtype, o.lit)
        else if ("sc" in o) data = filled(aval.dtype, o.sc >= 0 ? S[asm.outSlot.get(o.sc)!]! : sch.litValues[-1 - o.sc]!)
        else {
          const k = plan.slot[o.buf]!, cls = plan.slots[k]!.cls
          data = B[k] as TypedArray
          // a fallback result may be an array its runner keeps and writes again on its next call
          if (cls === "in" || cls === "const" || (cls === "ext" && isKept(data)) || returned.includes(data)) data = data.slice()
        }
        returned.push(data)
        return new NdArray(data, aval.shape, aval.dtype, aval.weakType)
      })
      if (m !== undefined) noteAlloc(...returned)
      return outs
    } finally {
      if (!nested) busy = false
      plan.slots.forEach((s, k) => { if (s.cls === "in" || s.cls === "out" || s.cls === "ext") B[k] = undefined })
      m?.exit(returned)
    }
  }
  // runInto: outputs stored straight into the caller's arrays where the plan gives them a slot
  // of their own; the rest (scalars, literals, inputs, repeated outputs) are copied after
  const transient = plan.slots.flatMap((s, k) => (s.cls === "in" || s.cls === "out" || s.cls === "ext" ? [k] : []))
  const inSlots = plan.slots.flatMap((s, k) => (s.cls === "in" ? [k] : []))
  const inIndex = inSlots.map((k) => (plan.slots[k] as { index: number }).index)
  const direct = sch.outputs.map((o, j) => {
    if (!("buf" in o)) return -1
    const k = plan.slot[o.buf]!
    return plan.slots[k]!.cls === "out" && sch.outputs.findIndex((q) => "buf" in q && plan.slot[q.buf] === k) === j ? k : -1
  })
  // what runInto does for each output after the program ran (worked out once: a solver's
  // loop calls its body and predicate twice per step): nothing (stored in place), fill with
  // a number (a literal), fill from a scalar slot, or copy a buffer slot
  const after = sch.outputs.map((o, j): { fill?: number; sc?: number; slot?: number } =>
    direct[j]! >= 0 ? {} : "lit" in o ? { fill: o.lit } : "sc" in o
      ? (o.sc >= 0 ? { sc: asm.outSlot.get(o.sc)! } : { fill: sch.litValues[-1 - o.sc]! }) : { slot: plan.slot[o.buf]! })
  const runInto = (ins: readonly TypedArray[], outs: readonly TypedArray[]): void => {
    const nested = busy, m = meter
    m?.enter()
    const { B, S } = nested ? newState(false) : (state ??= newState(true))
    busy = true
    try {
      for (let i = 0; i < inSlots.length; i++) B[inSlots[i]!] = ins[inIndex[i]!]
      for (let j = 0; j < direct.length; j++) if (direct[j]! >= 0) B[direct[j]!] = outs[j]
      gen(B, S)
      for (let j = 0; j < after.length; j++) {
        const a = after[j]!, out = outs[j]!
        if (a.slot !== undefined) out.set(B[a.slot] as TypedArray)
        else if (a.sc !== undefined || a.fill !== undefined) {
          const v = a.sc !== undefined ? S[a.sc]! : a.fill!
          if (out.length === 1) out[0] = v; else out.fill(v)
        }
      }
    } finally {
      if (!nested) busy = false
      for (let i = 0; i < transient.length; i++) B[transient[i]!] = undefined
      m?.exit([])
    }
  }
  return {
    run, runInto, source,
    stats: {
      eqns: an.eqns.length, items: sch.items.length, rolls: sch.items.filter((i) => i.k === "roll").length, chunks: asm.chunks,
      fallbacks: fallbacks.filter((f) => !f.loop).map((f) => f.e.prim.name), loops: fallbacks.filter((f) => f.loop).map((f) => f.e.prim.name),
    },
  }
}

/** A fallback result compiled code is done with: a memory measurement stops counting it. */
const release = (d: TypedArray): void => { if (meter?.compiled) meter.release(d) }

// Sub-jaxprs are often shared (one checkpointed body per call site of a nested schedule, the
// same scan body in a forward and a recomputing pass): each compiles once per process.
const shared = new WeakMap<ClosedJaxpr, CompiledProgram>()
function compileShared(c: ClosedJaxpr, opts: CompileOptions): CompiledProgram {
  if (opts.chunkWeight !== undefined || opts.reroll !== undefined) return compileJaxpr(c, opts)
  // a measurement compiles its own copies, so that their buffers are allocated (and counted) in it
  const cache = (meter?.programs ?? shared) as WeakMap<ClosedJaxpr, CompiledProgram>
  let p = cache.get(c)
  if (!p) { p = compileJaxpr(c); cache.set(c, p) }
  return p
}

function filled(dtype: DType, x: number): TypedArray {
  const d = allocate(dtype, 1)
  d[0] = x
  return d
}
