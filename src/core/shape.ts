// Shapes as readonly number arrays: sizes, strides, broadcasting and axis normalization.

import { ShapeError, InvalidArgumentError } from "./errors.js"

export type Shape = readonly number[]

export const showShape = (s: Shape): string => `[${s.join(",")}]`
// indexed loops, no closures: both run several times per traced equation
export const sizeOf = (s: Shape): number => { let n = 1; for (let i = 0; i < s.length; i++) n *= s[i]!; return n }
export function shapeEq(a: Shape, b: Shape): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function stridesOf(s: Shape): number[] {
  const st = new Array<number>(s.length)
  let acc = 1
  for (let i = s.length - 1; i >= 0; i--) { st[i] = acc; acc *= s[i]! }
  return st
}

/** numpy broadcasting of two or more shapes; throws ShapeError naming `fn`. */
export function broadcastShapes(fn: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length))
  const out = new Array<number>(nd).fill(1)
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = nd - s.length + i, d = s[i]!
      if (d === 1) continue
      if (out[j] !== 1 && out[j] !== d)
        throw new ShapeError(fn, shapes, `Dimension ${j} differs (${out[j]} vs ${d}) and neither is 1: reshape or expand one operand so they broadcast.`)
      out[j] = d
    }
  }
  return out
}

/** Resolves a possibly negative axis against `ndim`. */
export function normalizeAxis(fn: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim)
    throw new InvalidArgumentError(fn, `axis ${axis} is out of range for an array of rank ${ndim}; use an axis in [${-ndim}, ${ndim - 1}].`)
  return axis < 0 ? axis + ndim : axis
}

export function normalizeAxes(fn: string, axes: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axes === null || axes === undefined) return [...Array(ndim).keys()]
  const list = typeof axes === "number" ? [axes] : axes
  const out = list.map((a) => normalizeAxis(fn, a, ndim))
  if (new Set(out).size !== out.length) throw new InvalidArgumentError(fn, `repeated axis in ${JSON.stringify(list)}.`)
  return out.sort((a, b) => a - b)
}

export function checkShape(fn: string, shape: readonly number[]): number[] {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(fn, [shape], `Every dimension must be a non-negative integer, got ${String(d)}.`)
  return [...shape]
}
