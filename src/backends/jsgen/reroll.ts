// Re-rolling: a JS `for` loop unrolled by tracing leaves 10^4–10^5 scalar statements that
// repeat one block. Such runs become one loop again: each operand of the block is a constant,
// an invariant scalar, a value of the same iteration, a value carried from the previous one,
// a per-iteration literal (a table), or a value an earlier loop stored (a gather at an affine
// iteration, as the backward pass of a gradient reads its forward pass). Values needed after
// the loop are stored in float64 buffers. Linear time: a k-gram index proposes periods.

import type { Schedule } from "./fuse.js"
import { BUF } from "./fuse.js"
import type { Item, Ref, Roll, RollOp } from "./types.js"
import { scalarReads } from "./items.js"

const K = 6, MIN_P = 3, MAX_P = 1000, MIN_R = 4, MIN_ITEMS = 48, CANDIDATES = 4

type Cls =
  | { t: "lit"; vals: number[] } | { t: "in"; q: number } | { t: "car"; q: number; init: Ref }
  | { t: "inv"; ref: Ref } | { t: "gat"; roll: number; q: number; a: number; b: number } | { t: "bad" }

export function reroll(sch: Schedule): Item[] {
  const items = sch.items, n = items.length, nv = sch.shape.length
  const defAt = new Int32Array(nv).fill(-1)
  const tid = new Int32Array(n).fill(-1), tpls = new Map<string, number>()
  items.forEach((it, t) => {
    if (it.k === "rd") defAt[it.out] = t
    if (it.k !== "sc") return
    defAt[it.out] = t
    let id = tpls.get(it.tpl)
    if (id === undefined) { id = tpls.size; tpls.set(it.tpl, id) }
    tid[t] = id
  })
  const rollOf = new Int32Array(nv).fill(-1), rollQ = new Int32Array(nv), rollJ = new Int32Array(nv)
  const rolls: { roll: Roll; ops: Cls[][]; start: number; P: number }[] = []
  const refAt = (t: number, o: number): Ref => (items[t] as Extract<Item, { k: "sc" }>).refs[o]!

  /** Classifies block 1's operands, then checks blocks 0..Rmax-1; returns how many agree. */
  function analyze(s: number, P: number, Rmax: number): { R: number; ops: Cls[][] } | null {
    const ops: Cls[][] = []
    for (let q = 0; q < P; q++) {
      const t1 = s + P + q, it = items[t1] as Extract<Item, { k: "sc" }>
      ops.push(it.refs.map((r, o): Cls => {
        if (r < 0) return { t: "lit", vals: [] }
        const pos = defAt[r]!
        if (pos >= s + P && pos < t1) return { t: "in", q: pos - s - P }
        if (pos >= s && pos < s + P) return { t: "car", q: pos - s, init: 0 }
        const r2 = refAt(t1 + P, o)
        if (r2 === r) return { t: "inv", ref: r }
        if (r2 < 0 || rollOf[r] < 0 || rollOf[r2] !== rollOf[r] || rollQ[r2] !== rollQ[r]) return { t: "bad" }
        const b = rollJ[r2]! - rollJ[r]!
        return { t: "gat", roll: rollOf[r]!, q: rollQ[r]!, a: rollJ[r]! - b, b }
      }))
      if (ops[q]!.some((c) => c.t === "bad")) return null
    }
    let R = 0
    blocks: for (; R < Rmax; R++) {
      for (let q = 0; q < P; q++) {
        const t = s + R * P + q, cl = ops[q]!
        for (let o = 0; o < cl.length; o++) {
          const c = cl[o]!, r = refAt(t, o)
          let ok: boolean
          switch (c.t) {
            case "lit": ok = r < 0; if (ok) c.vals.push(sch.litValues[-1 - r]!); break
            case "in": ok = r >= 0 && defAt[r] === s + R * P + c.q; break
            case "car":
              if (R === 0) { ok = r < 0 || defAt[r]! < s; c.init = r } else ok = r >= 0 && defAt[r] === s + (R - 1) * P + c.q
              break
            case "inv": ok = r === c.ref; break
            case "gat": ok = r >= 0 && rollOf[r] === c.roll && rollQ[r] === c.q && rollJ[r] === c.a + c.b * R; break
            case "bad": ok = false
          }
          if (!ok) break blocks
        }
      }
    }
    for (const cl of ops) for (const c of cl) if (c.t === "lit") c.vals.length = R
    return { R, ops }
  }

  function build(s: number, P: number, R: number, cls: Cls[][]): Roll {
    const carried: { q: number; init: Ref }[] = [], carKey = new Map<string, number>()
    const body = cls.map((cl, q) => {
      const it = items[s + q] as Extract<Item, { k: "sc" }>
      const ops = cl.map((c, o): RollOp => {
        switch (c.t) {
          case "bad": throw new Error("internal: unclassified operand")
          case "lit": {
            if (c.vals.every((v) => Object.is(v, c.vals[0]))) return { t: "ref", ref: refAt(s + q, o) }
            const arr = sch.hidden([R], "float64")
            sch.kind[arr] = BUF
            sch.consts.push({ v: arr, data: Float64Array.from(c.vals) })
            return { t: "tab", arr }
          }
          case "in": return { t: "in", q: c.q }
          case "inv": return { t: "ref", ref: c.ref }
          case "car": {
            const key = `${c.q}:${c.init}`
            let k = carKey.get(key)
            if (k === undefined) { k = carried.length; carried.push({ q: c.q, init: c.init }); carKey.set(key, k) }
            return { t: "car", c: k }
          }
          case "gat": return { t: "gat", arr: -1 - c.roll * MAX_P - c.q, a: c.a, b: c.b } // resolved below
        }
      })
      return { tpl: it.tpl, ops }
    })
    return { R, body, carried, stores: new Array(P).fill(-1), finals: [] }
  }

  // scan each run of scalar statements
  const out: Item[] = []
  const after = new Map<number, Item[]>() // roll index -> reads of its stored values
  let t = 0
  while (t < n) {
    if (tid[t] < 0) { out.push(items[t]!); t++; continue }
    let hi = t
    while (hi < n && tid[hi]! >= 0) hi++
    let done = t
    const seen = new Map<number, number[]>()
    for (let i = t; i + K <= hi; i++) {
      let h = 0
      for (let k = 0; k < K; k++) h = (Math.imul(h, 0x9e3779b1) + tid[i + k]!) | 0
      const prev = seen.get(h) ?? []
      let accepted = false
      for (const p of prev) {
        const P = i - p
        if (p < done || P < MIN_P || P > MAX_P) continue
        let Rmax = 1
        while (p + (Rmax + 1) * P <= hi && sameBlock(tid, p, p + Rmax * P, P)) Rmax++
        if (Rmax < MIN_R || Rmax * P < MIN_ITEMS) continue
        const a = analyze(p, P, Rmax)
        if (!a || a.R < MIN_R || a.R * P < MIN_ITEMS) continue
        for (let k = done; k < p; k++) out.push(items[k]!)
        const roll = build(p, P, a.R, a.ops)
        const id = rolls.length
        rolls.push({ roll, ops: a.ops, start: p, P })
        for (let b = 0; b < a.R; b++) for (let q = 0; q < P; q++) {
          const v = (items[p + b * P + q] as Extract<Item, { k: "sc" }>).out
          rollOf[v] = id; rollQ[v] = q; rollJ[v] = b
        }
        out.push({ k: "roll", roll })
        after.set(id, [])
        done = p + a.R * P
        i = done - 1
        accepted = true
        break
      }
      if (!accepted) { prev.unshift(i); if (prev.length > CANDIDATES) prev.pop(); seen.set(h, prev) }
      else seen.clear()
    }
    for (let k = done; k < hi; k++) out.push(items[k]!)
    t = hi
  }
  if (rolls.length === 0) return items

  // values of a loop read elsewhere are stored: by later loops (gathers) or plain items (reads)
  const stored = (id: number, q: number): number => {
    const r = rolls[id]!.roll
    if (r.stores[q]! < 0) { const v = sch.hidden([r.R], "float64"); sch.kind[v] = BUF; r.stores[q] = v }
    return r.stores[q]!
  }
  const readBack = new Set<number>()
  const need = (v: number) => {
    if (rollOf[v] < 0 || readBack.has(v)) return
    readBack.add(v)
    const id = rollOf[v]!, roll = rolls[id]!.roll
    // a value of the last iteration is kept in a scalar; earlier ones are read back from a store
    if (rollJ[v] === roll.R - 1) roll.finals.push({ q: rollQ[v]!, v })
    else after.get(id)!.push({ k: "rd", out: v, base: stored(id, rollQ[v]!), off: rollJ[v]! })
  }
  for (const it of out) {
    if (it.k === "roll") {
      for (const b of it.roll.body) b.ops.forEach((o, k) => {
        if (o.t !== "gat") return
        const code = -1 - o.arr, id = Math.floor(code / MAX_P), q = code % MAX_P
        b.ops[k] = { t: "gat", arr: stored(id, q), a: o.a, b: o.b }
      })
    }
    for (const v of scalarReads(it)) need(v)
  }
  for (const o of sch.outputs) if ("sc" in o && o.sc >= 0) need(o.sc)
  const final: Item[] = []
  let id = 0
  for (const it of out) {
    final.push(it)
    if (it.k === "roll") final.push(...after.get(id++)!)
  }
  return final
}

function sameBlock(tid: Int32Array, a: number, b: number, P: number): boolean {
  for (let q = 0; q < P; q++) if (tid[a + q] !== tid[b + q]) return false
  return true
}
