// wengert/tree: pytrees (nested arrays, tuples and plain objects with array leaves).
/**
 * Pytree utilities.
 * @example
 * ```ts
 * import { tree } from "wengert"
 * tree.leaves({ b: [1, 2], a: 3 }) // => [3, 1, 2]
 * ```
 * @category trees
 * @since 0.1.0
 */
export { flatten, unflatten, map, leaves, structure, type TreeDef } from "../core/tree.js"
