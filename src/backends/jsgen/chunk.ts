// Splits a long program into functions of bounded size: V8 optimizes small functions only
// (a 1000-step gradient as one 320 kB function ran 25× slower than split into functions of
// 50–200 steps). Scalars used only inside a chunk stay local consts; those crossing chunks
// (and scalar outputs) pass through a shared Float64Array, in slots reused by liveness.

import type { Emitted } from "./emit.js"
import { bName, int, sName } from "./text.js"

/** Default weight (about one statement each) of a chunk. */
export const CHUNK_WEIGHT = 600

export interface Assembled {
  readonly source: string
  /** S slot of each scalar output var. */
  readonly outSlot: Map<number, number>
  readonly nS: number
  readonly chunks: number
}

export function assemble(items: readonly Emitted[], outScalars: readonly number[], limit = CHUNK_WEIGHT, outSlots: ReadonlySet<number> = new Set()): Assembled {
  // 1. partition
  const chunkOf: number[] = new Array(items.length)
  let c = 0, w = 0, lastAlone = false
  items.forEach((it, t) => {
    // a long loop (Emitted.alone) gets a chunk of its own
    if (w > 0 && (w + it.weight > limit || it.alone || lastAlone)) { c++; w = 0 }
    chunkOf[t] = c
    w += it.weight
    lastAlone = it.alone === true
  })
  const nChunks = items.length ? c + 1 : 1
  // 2. where each scalar is defined and last read
  const def = new Map<number, number>(), lastUse = new Map<number, number>()
  items.forEach((it, t) => {
    for (const v of it.sDefs) def.set(v, chunkOf[t]!)
    for (const v of it.sReads) lastUse.set(v, Math.max(lastUse.get(v) ?? -1, chunkOf[t]!))
  })
  const isOutput = new Set(outScalars)
  for (const v of outScalars) lastUse.set(v, Infinity)
  const crosses = (v: number) => isOutput.has(v) || (lastUse.get(v) ?? -1) > def.get(v)!
  // 3. S slots by a linear scan over chunks
  const slot = new Map<number, number>(), free: number[] = []
  const endAfter: number[][] = Array.from({ length: nChunks }, () => [])
  let nS = 0
  const defsIn: number[][] = Array.from({ length: nChunks }, () => [])
  for (const [v, d] of def) if (crosses(v)) defsIn[d]!.push(v)
  for (let k = 0; k < nChunks; k++) {
    for (const v of defsIn[k]!) {
      const s = free.pop() ?? nS++
      slot.set(v, s)
      const u = lastUse.get(v)!
      if (u !== Infinity) endAfter[u]!.push(v)
    }
    for (const v of endAfter[k]!) free.push(slot.get(v)!)
  }
  // 4. a fallback's result (a slot it defines) is let go of after its last read, so that a
  // long program (a checkpointed gradient's segments) holds no more than it still needs;
  // R tells a memory measurement
  const lastRead = new Map<number, number>(), definedAt = new Map<number, number>()
  items.forEach((it, t) => {
    for (const s of it.extDefs) if (!outSlots.has(s)) { definedAt.set(s, t); lastRead.set(s, t) }
    for (const s of it.slots) if (lastRead.has(s)) lastRead.set(s, t)
  })
  const releases: string[][] = items.map(() => [])
  for (const [s, t] of lastRead) {
    const b = bName(s), local = chunkOf[definedAt.get(s)!] === chunkOf[t]
    releases[t]!.push(`R(${b});B[${int(s)}]=${local ? `${b}=` : ""}undefined;`)
  }
  // 5. chunk functions
  const fns: string[] = []
  let t = 0
  for (let k = 0; k < nChunks; k++) {
    const body: string[] = [], bufs = new Set<number>(), defined = new Set<number>(), loads = new Set<number>()
    for (; t < items.length && chunkOf[t] === k; t++) {
      const it = items[t]!
      for (const s of it.slots) if (!defined.has(s)) bufs.add(s)
      for (const s of it.extDefs) defined.add(s)
      for (const v of it.sReads) if (def.get(v) !== k) loads.add(v)
      body.push(it.text)
      if (releases[t]!.length) body.push(releases[t]!.join(""))
    }
    const head: string[] = []
    if (bufs.size) head.push(`const ${[...bufs].map((s) => `${bName(s)}=B[${int(s)}]`).join(",")};`)
    if (loads.size) head.push(`const ${[...loads].map((v) => `${sName(v)}=S[${int(slot.get(v)!)}]`).join(",")};`)
    const stores = defsIn[k]!.map((v) => `S[${int(slot.get(v)!)}]=${sName(v)};`).join("")
    fns.push(`function c${int(k)}(B,S){\n${head.join("\n")}\n${body.join("\n")}\n${stores}\n}`)
  }
  const calls = Array.from({ length: nChunks }, (_, k) => `c${int(k)}(B,S);`).join("")
  const outSlot = new Map<number, number>()
  for (const v of outScalars) if (v >= 0) outSlot.set(v, slot.get(v)!)
  return { source: `${fns.join("\n")}\nreturn function run(B,S){${calls}};`, outSlot, nS: Math.max(nS, 1), chunks: nChunks }
}
