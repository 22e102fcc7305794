// wengert/tree directly: flatten/unflatten round trips (sorted object keys, null/undefined as
// empty nodes), map over several trees, leaves, structure, and a property over random trees.

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type WArray, np, tree } from "wengert"

const vals = (ls: unknown[]) => ls.map((l) => (typeof l === "number" ? l : (l as WArray).toArray()))

describe("tree", () => {
  const t = { b: [np.array([1, 2]), 3], a: null, c: { z: np.array(4), y: undefined } }

  it("flattens leaves in sorted-key order, with null and undefined as empty nodes", () => {
    const [ls, def] = tree.flatten(t)
    expect(vals(ls)).toEqual([[1, 2], 3, 4])
    expect(def.key).toBe('{"a":null,"b":(*,*),"c":{"y":undefined,"z":*}}')
    expect(ls.length).toBe(3)
    expect(tree.structure(t).key).toBe(def.key)
    expect(vals(tree.leaves(t))).toEqual([[1, 2], 3, 4])
  })

  it("unflattens to the same structure and values", () => {
    const [ls, def] = tree.flatten(t)
    const u = tree.unflatten(def, ls) as typeof t
    expect(Object.keys(u)).toEqual(["a", "b", "c"])
    expect(u.a).toBeNull()
    expect("y" in u.c && u.c.y === undefined).toBe(true)
    expect(u.b[1]).toBe(3)
    expect((u.c.z as WArray).toArray()).toBe(4)
  })

  it("maps a function over one tree and over several trees leaf by leaf", () => {
    expect(vals(tree.leaves(tree.map((x: WArray) => np.multiply(x, 2), t)))).toEqual([[2, 4], 6, 8])
    const s = tree.map((x: WArray, y: WArray) => np.subtract(x, y), [np.array([5, 7]), { k: np.array(1) }], [np.array([1, 2]), { k: np.array(4) }]) as [WArray, { k: WArray }]
    expect(s[0].toArray()).toEqual([4, 5])
    expect(s[1].k.toArray()).toBe(-3)
  })

  // random nested trees of numbers, arrays, objects, null and undefined
  const { node } = fc.letrec((rec) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true },
      fc.double({ noNaN: true }), fc.constant(null), fc.constant(undefined),
      fc.array(rec("node"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("a", "b", "k", "x", "zz"), rec("node"), { maxKeys: 3 })),
  }))

  it("unflatten(structure(t), leaves(t)) rebuilds any tree", () => {
    fc.assert(fc.property(node, (x) => {
      const [ls, def] = tree.flatten(x)
      expect(tree.unflatten(def, ls)).toEqual(x)
      expect(tree.structure(tree.unflatten(def, ls)).key).toBe(def.key)
    }), { numRuns: 200 })
  })
})
