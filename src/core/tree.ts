// Pytrees: nested JS arrays (tuples), plain objects (keys sorted) and null/undefined (empty
// nodes) whose leaves are arrays or numbers. A treedef records the structure; its `key`
// string identifies it for caches.

import { Array } from "./array.js"
import { InvalidArgumentError } from "./errors.js"

export type Leaf = unknown
export type TreeDef =
  | { readonly kind: "leaf"; readonly key: string }
  | { readonly kind: "none"; readonly value: null | undefined; readonly key: string }
  | { readonly kind: "tuple"; readonly children: readonly TreeDef[]; readonly key: string; readonly leaves: number }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly children: readonly TreeDef[]; readonly key: string; readonly leaves: number }

const leafDef: TreeDef = { kind: "leaf", key: "*" }

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)

const leafCount = (d: TreeDef): number => (d.kind === "leaf" ? 1 : d.kind === "none" ? 0 : d.leaves)

/** Splits a tree into its leaves (depth-first, object keys sorted) and its structure. */
export function flatten(tree: unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = []
  const walk = (x: unknown): TreeDef => {
    if (x === null || x === undefined) return { kind: "none", value: x, key: String(x) }
    if (globalThis.Array.isArray(x)) {
      const children = x.map(walk)
      return { kind: "tuple", children, key: `(${children.map((c) => c.key).join(",")})`, leaves: children.reduce((n, c) => n + leafCount(c), 0) }
    }
    if (isPlainObject(x) && !(x instanceof Array)) {
      const keys = Object.keys(x).sort()
      const children = keys.map((k) => walk(x[k]))
      return { kind: "object", keys, children, key: `{${keys.map((k, i) => `${JSON.stringify(k)}:${children[i]!.key}`).join(",")}}`, leaves: children.reduce((n, c) => n + leafCount(c), 0) }
    }
    leaves.push(x)
    return leafDef
  }
  const def = walk(tree)
  return [leaves, def]
}

/** Rebuilds a tree of `def`'s structure from leaves. */
export function unflatten(def: TreeDef, leaves: readonly unknown[]): any {
  if (leaves.length !== leafCount(def))
    throw new InvalidArgumentError("tree.unflatten", `the structure has ${leafCount(def)} leaves but ${leaves.length} were given.`)
  let i = 0
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf": return leaves[i++]
      case "none": return d.value
      case "tuple": return d.children.map(build)
      case "object": {
        const o: Record<string, unknown> = {}
        d.keys.forEach((k, j) => { o[k] = build(d.children[j]!) })
        return o
      }
    }
  }
  return build(def)
}

export const leaves = (tree: unknown): unknown[] => flatten(tree)[0]
export const structure = (tree: unknown): TreeDef => flatten(tree)[1]
export const treedefLeafCount = leafCount

/** Applies `f` leafwise over trees of one structure. */
export function map(f: (...xs: any[]) => unknown, tree: unknown, ...rest: unknown[]): any {
  const [ls, def] = flatten(tree)
  const others = rest.map((r, k) => {
    const [rl, rd] = flatten(r)
    if (rd.key !== def.key)
      throw new InvalidArgumentError("tree.map", `tree ${k + 2} has structure ${rd.key} but the first has ${def.key}; pass trees of one structure.`)
    return rl
  })
  return unflatten(def, ls.map((l, i) => f(l, ...others.map((o) => o[i]))))
}

/** A readable path to leaf `i` of a structure, like `[1].w`. */
export function leafPath(def: TreeDef, index: number): string {
  let i = 0
  let found = ""
  const walk = (d: TreeDef, path: string): boolean => {
    if (d.kind === "leaf") { if (i++ === index) { found = path; return true } return false }
    if (d.kind === "none") return false
    if (d.kind === "tuple") return d.children.some((c, j) => walk(c, `${path}[${j}]`))
    return d.children.some((c, j) => walk(c, `${path}.${d.keys[j]}`))
  }
  walk(def, "")
  return found || "<root>"
}
