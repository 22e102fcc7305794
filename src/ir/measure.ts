// Measured memory, next to memory.ts's static figures: a closed jaxpr run once through the
// interpreter and once through freshly compiled code under an allocation meter
// (measureMeter.ts), reporting the most bytes of typed-array buffers alive at once and the
// bytes allocated. What counts as alive in each backend is described on `MeasuredMemory`.

import { type Array, NdArray } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { InvalidArgumentError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { compileJaxpr } from "../backends/jsgen/compile.js"
import { Meter, metered } from "./measureMeter.js"

/** Where a jaxpr can be run and measured. */
export type MeasuredBackend = "interpreter" | "compiled"

/**
 * Bytes of typed-array buffers (`ArrayBuffer`s: views share theirs) counted by the backends
 * as they allocate, during one run on given arguments.
 *
 * - **interpreter**: a value is alive from the equation that makes it to its last use (the
 *   walk drops it then), as in the static report, but with the buffers the kernels really
 *   return (a reshape that shares its input's buffer adds nothing). A body run by a loop or
 *   a call hands its arguments and results back to the primitive, which holds them until
 *   its next body run or its end; the interpreter's scan allocates its stacked outputs
 *   before its first step, so they count for the whole scan. Scratch arrays a kernel
 *   allocates and drops inside one call are not seen.
 * - **compiled**: the program is compiled afresh (sub-programs too), so its pooled buffers
 *   (allocated once per program, reused by every later call) are allocated in the run and
 *   count until its end; on top of them, what each call allocates: its outputs, the
 *   carries and stacked outputs of loop runners, and the results of fallback equations,
 *   alive until the call (or runner) that made them returns, or, when returned, until the
 *   enclosing call does (the program's buffer table holds them that long).
 *
 * In both, the arguments (and the top-level constants) count as alive, not as allocated.
 */
export interface MeasuredMemory {
  /** The most bytes alive at once during the run. */
  readonly peakBytes: number
  /** Bytes of all buffers the run allocated (arguments and constants excluded). */
  readonly allocatedBytes: number
  /**
   * Bytes still alive when the run returns, arguments and constants excluded: its outputs
   * and, for compiled code, the programs' pooled buffers (kept for their next call).
   */
  readonly retainedBytes: number
}

function checkedArgs(closed: ClosedJaxpr, args: readonly unknown[]): Array[] {
  const invars = closed.jaxpr.invars
  if (args.length !== invars.length)
    throw new InvalidArgumentError("ir.memoryReport", `the jaxpr takes ${invars.length} argument${invars.length === 1 ? "" : "s"} but ${args.length} ${args.length === 1 ? "was" : "were"} given to measure with.`)
  return args.map((a, i) => {
    const x = asArray(a, "ir.memoryReport").concrete("ir.memoryReport"), want = invars[i]!.aval
    if (x.dtype !== want.dtype || x.shape.length !== want.shape.length || x.shape.some((d, k) => d !== want.shape[k]))
      throw new InvalidArgumentError("ir.memoryReport", `argument ${i} to measure with is ${x.aval.str()} but the jaxpr takes ${want.str()}.`)
    return x
  })
}

/** Runs `closed` on `args` with each backend asked for, under a meter of its own. */
export function measureMemory(closed: ClosedJaxpr, args: readonly unknown[], backends: readonly MeasuredBackend[]): { interpreter?: MeasuredMemory; compiled?: MeasuredMemory } {
  const xs = checkedArgs(closed, args)
  const out: { interpreter?: MeasuredMemory; compiled?: MeasuredMemory } = {}
  for (const b of backends) out[b] = b === "interpreter" ? measureInterpreter(closed, xs) : measureCompiled(closed, xs)
  return out
}

const dataOf = (xs: readonly Array[]) => xs.flatMap((x) => (x instanceof NdArray ? [x.data] : []))

function measureInterpreter(closed: ClosedJaxpr, xs: readonly Array[]): MeasuredMemory {
  const m = new Meter(false)
  metered(m, () => evalJaxprFlat(closed.jaxpr, closed.consts, xs))
  return { peakBytes: m.peak, allocatedBytes: m.allocated, retainedBytes: m.liveBeyond(dataOf([...xs, ...closed.consts])) }
}

function measureCompiled(closed: ClosedJaxpr, xs: readonly Array[]): MeasuredMemory {
  const m = new Meter(true), given = dataOf([...xs, ...closed.consts])
  metered(m, () => {
    for (const d of given) m.note(d, true, false)
    compileJaxpr(closed).run(xs)
  })
  return { peakBytes: m.peak, allocatedBytes: m.allocated, retainedBytes: m.liveBeyond(given) }
}
