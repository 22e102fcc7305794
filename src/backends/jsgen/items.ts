// What scheduled items define and read, for the passes that move or wrap them (re-rolling,
// inlined loop bodies): scalars by var id, ignoring literals.

import type { Item } from "./types.js"

/** The scalars an item reads from the code around it. */
export function scalarReads(it: Item): number[] {
  switch (it.k) {
    case "sc": return it.refs.filter((r) => r >= 0)
    case "st": return it.refs.filter((r) => r >= 0)
    case "drd": return it.idx >= 0 ? [it.idx] : []
    case "fb": return it.ins.flatMap((x) => ("sc" in x && x.sc >= 0 ? [x.sc] : []))
    case "loop": {
      const out: number[] = []
      for (const m of it.g.members) for (const o of m.ins) if (o.t === "sc" && o.ref >= 0) out.push(o.ref)
      for (const s of it.g.sinks) if (s.in.t === "sc" && s.in.ref >= 0) out.push(s.in.ref)
      return out
    }
    case "roll": return [...it.roll.body.flatMap((b) => b.ops.flatMap((o) => (o.t === "ref" && o.ref >= 0 ? [o.ref] : []))),
      ...it.roll.carried.flatMap((c) => (c.init >= 0 ? [c.init] : []))]
    case "scan": return [...it.loop.reads, ...it.loop.carries.flatMap((c) => (c.init >= 0 ? [c.init] : []))]
    default: return []
  }
}

/** The scalars an item defines for the code after it. */
export function scalarDefs(it: Item, size: readonly number[]): number[] {
  switch (it.k) {
    case "sc": case "rd": case "drd": return [it.out]
    case "fb": return it.outs.filter((o) => o.scalar).map((o) => o.v)
    case "loop": return it.g.sinks.filter((s) => size[s.out] === 1).map((s) => s.out)
    case "roll": return it.roll.finals.map((f) => f.v)
    case "scan": return it.loop.carries.map((c) => c.outVar)
    default: return []
  }
}
