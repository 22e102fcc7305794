// Flattening a pytree of arrays into one float vector and back, for dense and Krylov solvers.

import type { Array } from "../core/array.js"
import { type TreeDef } from "../core/tree.js"
import { concatenate, reshape, slice } from "../prims/shape.js"
import { flattenArgs, unflatten } from "../transforms/flat.js"

export interface Raveled { readonly vec: Array; readonly unravel: (v: Array) => unknown; readonly size: number; readonly def: TreeDef }

export function ravel(name: string, tree: unknown): Raveled {
  const [leaves, def] = flattenArgs(name, tree)
  const sizes = leaves.map((l) => l.size), shapes = leaves.map((l) => l.shape)
  const size = sizes.reduce((a, b) => a + b, 0)
  const vec = leaves.length === 1 ? reshape(leaves[0]!, [size]) : concatenate(leaves.map((l) => reshape(l, [l.size])), 0)
  const unravel = (v: Array) => {
    // one leaf is the whole vector: no slice (whose transpose, a pad, every adjoint matvec would copy through)
    if (leaves.length === 1) return unflatten(def, [reshape(v, shapes[0]!)])
    let off = 0
    return unflatten(def, shapes.map((s, i) => { const lo = off; off += sizes[i]!; return reshape(slice(v, [lo], [off]), s) }))
  }
  return { vec, unravel, size, def }
}
