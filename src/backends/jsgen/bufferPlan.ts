// Buffer planning by liveness over the schedule: every materialized array var gets a slot
// of the per-program buffer table. Internal buffers are pooled: allocated once, kept across
// calls, and shared by vars of one dtype and size whose lifetimes do not overlap. Outputs get
// fresh arrays each call; inputs, constants and fallback results are slots of their own.

import type { DType, TypedArray } from "../../core/dtype.js"
import type { Item } from "./types.js"
import type { Schedule } from "./fuse.js"

export type SlotInfo =
  | { readonly cls: "in"; readonly index: number }
  | { readonly cls: "const"; readonly data: TypedArray }
  | { readonly cls: "pool" | "out"; readonly dtype: DType; readonly size: number }
  | { readonly cls: "ext" }

export interface BufferPlan {
  /** Slot of each buffer var (-1: none). */
  readonly slot: number[]
  readonly slots: SlotInfo[]
}

/** Buffer vars an item reads and writes. */
export function itemBuffers(it: Item, sch: Schedule): { reads: number[]; writes: number[] } {
  switch (it.k) {
    case "sc": return { reads: [], writes: [] }
    case "rd": case "drd": return { reads: [it.base], writes: [] }
    case "scan": {
      const reads = it.loop.xs.map((x) => x.view.base), writes = it.loop.ys.map((y) => y.buf)
      for (const b of it.loop.body) { const d = itemBuffers(b, sch); reads.push(...d.reads); writes.push(...d.writes) }
      return { reads, writes }
    }
    case "roll": return {
      reads: it.roll.body.flatMap((b) => b.ops.flatMap((o) => (o.t === "tab" || o.t === "gat" ? [o.arr] : []))),
      writes: it.roll.stores.filter((v) => v >= 0),
    }
    case "st": return { reads: [], writes: [it.out] }
    case "kern": return { reads: [...it.reads], writes: [...it.outs] }
    case "fb": return {
      reads: it.ins.flatMap((x) => ("buf" in x ? [x.buf] : [])),
      writes: it.outs.filter((o) => !o.scalar).map((o) => o.v),
    }
    case "loop": {
      const reads: number[] = [], writes: number[] = []
      for (const m of it.g.members) {
        for (const op of m.ins) if (op.t === "mem") reads.push(op.view.base)
        if (m.store) writes.push(m.out)
      }
      for (const s of it.g.sinks) {
        if (s.in.t === "mem") reads.push(s.in.view.base)
        if (sch.size[s.out] !== 1) writes.push(s.out)
        if (s.scratch >= 0) writes.push(s.scratch)
      }
      return { reads, writes }
    }
  }
}

export function planBuffers(sch: Schedule): BufferPlan {
  const n = sch.shape.length
  const slot: number[] = new Array(n).fill(-1), slots: SlotInfo[] = []
  const add = (v: number, s: SlotInfo) => { slot[v] = slots.length; slots.push(s) }
  sch.inputs.forEach((v, index) => add(v, { cls: "in", index }))
  for (const c of sch.consts) add(c.v, { cls: "const", data: c.data })

  const deps = sch.items.map((it) => itemBuffers(it, sch))
  const last: number[] = new Array(n).fill(-1)
  deps.forEach((d, t) => { for (const v of d.reads) last[v] = t })
  // vars whose lifetime ends at item t, released after t's writes are placed (no in-place reuse)
  const endsAt: number[][] = sch.items.map(() => [])
  const free = new Map<string, number[]>()
  deps.forEach((d, t) => {
    for (const v of d.writes) {
      if (slot[v] >= 0) continue
      if (sch.ext.has(v)) { add(v, { cls: "ext" }); continue }
      const dtype = sch.dtype[v]!, size = sch.size[v]!
      if (sch.isOut[v]) { add(v, { cls: "out", dtype, size }); continue }
      const key = `${dtype}:${size}`
      const s = free.get(key)?.pop()
      if (s !== undefined) slot[v] = s
      else add(v, { cls: "pool", dtype, size })
      endsAt[Math.max(t, last[v]!)]!.push(v)
    }
    for (const v of endsAt[t]!) {
      const key = `${sch.dtype[v]}:${sch.size[v]}`
      let l = free.get(key)
      if (!l) { l = []; free.set(key, l) }
      l.push(slot[v]!)
    }
  })
  return { slot, slots }
}
