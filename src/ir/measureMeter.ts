// The allocation meter behind `ir.memoryReport(…, { measure })`: while a measurement runs,
// `meter` is set and the backends tell it which typed-array buffers they allocate, hold and
// release (once per array, never per element); otherwise it is undefined and they pay one
// comparison per array. It imports nothing, so the interpreter and the code generator can
// both reach it without reaching the rest of `ir`.

import type { TypedArray } from "../core/dtype.js"

type Buf = ArrayBufferLike

/**
 * Bytes of typed-array buffers alive at once and allocated in total, in one of two models.
 * Interpreter (`compiled` false): each buffer is held by the environment entries that refer
 * to it (views share their buffer); a nested frame (a loop's or a call's body) hands its
 * arguments and results back to the primitive that ran it, which holds them until it
 * starts its next frame or its equation returns. Compiled: every array lives in the scope
 * of the compiled call or control-flow runner that made it, until that scope ends (then it
 * is released, or, when returned, moved to the enclosing scope); a program's pooled buffers
 * live as long as the program, here the whole measurement.
 */
export class Meter {
  live = 0
  peak = 0
  allocated = 0
  /** Interpreter frames now running (the outermost one's inputs are the caller's). */
  depth = 0
  /** Programs compiled during this measurement, so that their buffers are allocated in it. */
  readonly programs = new WeakMap<object, unknown>()
  private readonly held = new Map<Buf, number>()
  // buffers a nested frame handed back, by the depth of that frame
  private readonly pending = new Map<Buf, number>()
  private readonly ignored = new WeakSet<Buf>()
  private readonly scopes: Buf[][] = [[]]
  constructor(readonly compiled: boolean) {}

  private grow(b: Buf, fresh: boolean): void {
    this.live += b.byteLength
    if (fresh) this.allocated += b.byteLength
    if (this.live > this.peak) this.peak = this.live
  }
  private shrink(b: Buf): void { this.live -= b.byteLength }

  /** Bytes alive now, less those of `args` (the caller's) still counted. */
  liveBeyond(args: readonly TypedArray[]): number {
    const own = new Set(args.map((d) => d.buffer).filter((b) => this.held.has(b)))
    let n = this.live
    for (const b of own) n -= b.byteLength
    return n
  }

  /** Bytes held for a while without a buffer yet to show for them (a loop's stacked outputs). */
  charge(bytes: number): void {
    this.live += bytes
    if (this.live > this.peak) this.peak = this.live
  }

  // --- interpreter: references by environment entries

  /** One more reference to `d`'s buffer; `fresh`: a buffer not seen before is an allocation. */
  ref(d: TypedArray, fresh: boolean): void {
    const b = d.buffer
    if (this.ignored.has(b)) return
    const n = this.held.get(b)
    if (n !== undefined) this.held.set(b, n + 1)
    else {
      this.held.set(b, 1)
      if (!this.pending.delete(b)) this.grow(b, fresh)
    }
  }
  /** One reference fewer; the last one releases the buffer or, from depth > 0, hands it back. */
  unref(d: TypedArray, handBackFrom: number): void {
    const b = d.buffer, n = this.held.get(b)
    if (n === undefined) return
    if (n > 1) { this.held.set(b, n - 1); return }
    this.held.delete(b)
    if (handBackFrom > 0) this.pending.set(b, handBackFrom)
    else this.shrink(b)
  }
  /** Releases what frames at `depth` or deeper handed back and nobody took. */
  flush(depth: number): void {
    for (const [b, d] of this.pending) if (d >= depth) { this.pending.delete(b); this.shrink(b) }
  }
  /** A buffer that is no allocation of the run (a body's constants). */
  ignore(d: TypedArray): void {
    if (!this.held.has(d.buffer) && !this.pending.has(d.buffer)) this.ignored.add(d.buffer)
  }

  // --- compiled code: scopes

  /** An array just allocated, alive until the current scope ends (or the measurement, if `persistent`). */
  note(d: TypedArray, persistent = false, fresh = true): void {
    const b = d.buffer
    if (this.held.has(b) || this.ignored.has(b)) return
    this.held.set(b, 1)
    this.scopes[persistent ? 0 : this.scopes.length - 1]!.push(b)
    this.grow(b, fresh)
  }
  /** A noted array that compiled code let go of before its scope ends (after its last read). */
  release(d: TypedArray): void {
    const b = d.buffer
    if (!this.held.delete(b)) return
    for (let k = this.scopes.length - 1; k >= 0; k--) {
      const s = this.scopes[k]!, i = s.indexOf(b)
      if (i >= 0) { s.splice(i, 1); break }
    }
    this.shrink(b)
  }
  enter(): void { this.scopes.push([]) }
  /** Ends the current scope: its arrays are released, except those in `keep` (returned). */
  exit(keep: readonly TypedArray[]): void {
    const s = this.scopes.pop()!, parent = this.scopes[this.scopes.length - 1]!
    for (const b of s) {
      if (keep.some((k) => k.buffer === b)) parent.push(b)
      else { this.held.delete(b); this.shrink(b) }
    }
  }
}

/** The measurement in progress, if any. */
export let meter: Meter | undefined

/** Runs `f` with `m` as the meter (restored after, also on a throw). */
export function metered<T>(m: Meter, f: () => T): T {
  const prev = meter
  meter = m
  try { return f() } finally { meter = prev }
}

/** Compiled code's allocation hook: counts freshly allocated arrays when measuring. */
export function noteAlloc(...ds: readonly TypedArray[]): void {
  if (meter === undefined || !meter.compiled) return
  for (const d of ds) meter.note(d)
}

/** Compiled code's hook for arrays it allocated in an earlier call and uses again: alive, not allocated. */
export function noteReuse(...ds: readonly TypedArray[]): void {
  if (meter === undefined || !meter.compiled) return
  for (const d of ds) meter.note(d, false, false)
}
