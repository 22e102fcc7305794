// Loop nests over a shape with strided index expressions: size-1 axes are dropped, adjacent
// axes merge when every expression walks them as one, and each level hoists its partial
// offsets, so the innermost index is one add. Used by fused groups and by kernels.

import type { Strided } from "./types.js"
import { int } from "./text.js"

export interface Level { readonly size: number; readonly axes: number[]; readonly strides: number[] }

/** The loop levels of `shape` for the given expressions (outermost first). */
export function mergeLevels(shape: readonly number[], exprs: readonly Strided[]): Level[] {
  const levels: Level[] = []
  for (let a = 0; a < shape.length; a++) {
    const n = shape[a]!
    if (n === 1) continue
    const st = exprs.map((e) => e.strides[a]!)
    const last = levels[levels.length - 1]
    // merge into the previous level when every expression's stride there equals stride * n here
    if (last && n !== 0 && last.size !== 0 && st.every((s, k) => last.strides[k] === s * n)) {
      levels[levels.length - 1] = { size: last.size * n, axes: [...last.axes, a], strides: st }
      continue
    }
    levels.push({ size: n, axes: [a], strides: st })
  }
  return levels
}

export interface NestHooks {
  /** Text before level d's loop (d = levels.length: start of the innermost body). */
  pre?(d: number): string
  /** Text after level d's loop (d = levels.length: end of the innermost body). */
  post?(d: number): string
  /** The innermost body, given each expression's index text. */
  body(idx: readonly string[]): string
}

/** Emits the loop nest; `tag` keeps hoisted names distinct between nests in one scope. */
export function nest(levels: readonly Level[], exprs: readonly Strided[], hooks: NestHooks, tag: string): string {
  const L = levels.length
  const out: string[] = []
  // cur[k]: the index text of expression k after the levels opened so far
  let cur = exprs.map((e) => int(e.off))
  const push = (s: string | undefined) => { if (s) out.push(s) }
  const texts: string[][] = [cur]
  for (let d = 0; d < L; d++) {
    push(hooks.pre?.(d))
    const lv = levels[d]!, i = `i${tag}_${d}`
    out.push(`for(let ${i}=0;${i}<${int(lv.size)};${i}++){`)
    cur = cur.map((c, k) => {
      const s = lv.strides[k]!
      if (s === 0) return c
      const step = s === 1 ? i : `${i}*${int(s)}`
      const e = c === "0" ? step : `${c}+${step}`
      if (d === L - 1) return e
      const name = `q${tag}_${k}_${d}`
      out.push(`const ${name}=${e};`)
      return name
    })
    texts.push(cur)
  }
  push(hooks.pre?.(L))
  out.push(hooks.body(cur))
  push(hooks.post?.(L))
  for (let d = L - 1; d >= 0; d--) {
    out.push("}")
    push(hooks.post?.(d))
  }
  return out.join("\n")
}

/** The index text of expression k valid just inside level d (before its loop when d = 0). */
export function baseAt(levels: readonly Level[], exprs: readonly Strided[], k: number, d: number, tag: string): string {
  // mirrors nest(): the last level < d with a nonzero stride for k names the hoisted base
  for (let j = d - 1; j >= 0; j--) {
    if (levels[j]!.strides[k] !== 0) {
      if (j === levels.length - 1) throw new Error("internal: no hoisted base at the innermost level")
      return `q${tag}_${k}_${j}`
    }
  }
  return int(exprs[k]!.off)
}

export const contiguousStrides = (shape: readonly number[]): number[] => {
  const st: number[] = new Array(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = acc; acc *= shape[i]! }
  return st
}

/** The shape without its unit axes (they do not change row-major order). */
export const squeeze = (s: readonly number[]): number[] => s.filter((d) => d !== 1)
