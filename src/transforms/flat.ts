// Shared plumbing for transforms: flattening pytrees of ArrayLikes into arrays and back.

import type { Array } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { type TreeDef, flatten, unflatten } from "../core/tree.js"

export function flattenArgs(fn: string, tree: unknown): [Array[], TreeDef] {
  const [leaves, def] = flatten(tree)
  return [leaves.map((l) => asArray(l, fn)), def]
}

export { unflatten }
