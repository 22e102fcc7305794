// vjp : (a -> b) -> a -> (b, T* b -o T* a)
// Linearize, then transpose the linear jaxpr when the pullback is called.

import { safeCall } from "../safe.js"
import type { Array } from "../core/array.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { shapeEq } from "../core/shape.js"
import { type TreeDef, treedefLeafCount } from "../core/tree.js"
import { instantiate } from "../prims/elementwise.js"
import { Zero, type Tangent } from "../core/primitive.js"
import { flattenArgs, unflatten } from "./flat.js"
import { linearizeFlat } from "./linearize.js"
import { backwardPass } from "./transpose.js"

export interface VjpResult {
  readonly outs: Array[]
  readonly outDef: TreeDef
  /** Flat output cotangents -> flat input cotangents (zeros for non-float inputs). */
  readonly pullbackFlat: (cts: readonly Tangent[]) => Array[]
}

/** vjp over flat arrays; `f` returns a pytree, flattened here. */
export function vjpFlat(name: string, f: (xs: Array[]) => unknown, primals: readonly Array[]): VjpResult {
  let outDef: TreeDef | undefined
  const lin = linearizeFlat((xs) => {
    const [leaves, def] = flattenArgs(name, f(xs))
    outDef = def
    return leaves
  }, primals, name)
  const pullbackFlat = (cts: readonly Tangent[]): Array[] => {
    const inCts = backwardPass(lin.linear.jaxpr, lin.linear.consts, cts)
    let k = 0
    return primals.map((p, i) => (lin.diff[i] ? instantiate(inCts[k++]!) : instantiate(new Zero(p.aval))))
  }
  return { outs: lin.outs, outDef: outDef!, pullbackFlat }
}

function checkCotangents(name: string, outs: readonly Array[], outDef: TreeDef, ct: unknown): Array[] {
  const [cts, ctDef] = flattenArgs(name, ct)
  if (ctDef.key !== outDef.key)
    throw new ShapeError(name, [], `the cotangent has structure ${ctDef.key} but the output has ${outDef.key}; pass one cotangent per output leaf.`)
  cts.forEach((c, i) => {
    if (!shapeEq(c.shape, outs[i]!.shape))
      throw new ShapeError(name, [outs[i]!.shape, c.shape], `cotangent ${i} must have the output's shape ${outs[i]!.aval.str()}.`)
  })
  return cts.map((c, i) => (c.dtype === outs[i]!.dtype ? c : c.astype(outs[i]!.dtype)))
}

function makeVjp(name: string, f: (...args: any[]) => any, primals: unknown[], hasAux: boolean): [any, (ct: unknown) => any[], any] {
  const [ps, inDef] = flattenArgs(name, primals)
  const res = vjpFlat(name, (xs) => {
    const out = f(...unflatten(inDef, xs))
    if (hasAux && (!globalThis.Array.isArray(out) || out.length !== 2))
      throw new InvalidArgumentError(name, "with an auxiliary output, f must return a pair [output, aux].")
    return out
  }, ps)
  // with aux, the output tree is [out, aux]: aux leaves come last and get zero cotangents
  const def = res.outDef
  const outDef = hasAux && def.kind === "tuple" ? def.children[0]! : def
  const nOut = treedefLeafCount(outDef)
  const outs = res.outs.slice(0, nOut), auxs = res.outs.slice(nOut)
  const pullback = (ct: unknown): any[] => {
    const cts: Tangent[] = checkCotangents(`${name} pullback`, outs, outDef, ct)
    return unflatten(inDef, res.pullbackFlat([...cts, ...auxs.map((a) => new Zero(a.aval))]))
  }
  const aux = hasAux && def.kind === "tuple" ? unflatten(def.children[1]!, auxs) : undefined
  return [unflatten(outDef, outs), pullback, aux]
}

/**
 * Reverse mode: the output of `f` at `primals` and a pullback mapping an output cotangent to
 * one cotangent per primal (a JS array, also for one primal).
 * @example
 * ```ts
 * import { vjp, np } from "wengert"
 * const [y, pullback] = vjp((x) => np.multiply(x, x), 3)
 * pullback(1)[0].item() // => 6
 * ```
 * @throws {@link index!ShapeError} when the cotangent's structure or shape differs from the output's.
 * @category transforms
 * @since 0.1.0
 */
export function vjp(f: (...args: any[]) => any, ...primals: unknown[]): [any, (ct: unknown) => any[]] {
  const [out, pb] = makeVjp("vjp", f, primals, false)
  return [out, pb]
}

/** `vjp` for a function returning `[output, aux]`: returns `[output, pullback, aux]`. */
vjp.withAux = (f: (...args: any[]) => any, ...primals: unknown[]): [any, (ct: unknown) => any[], any] =>
  makeVjp("vjp.withAux", f, primals, true)

/** `vjp` returning effect's `Result` of `[out, pullback]`. */
vjp.safe = (f: (...args: any[]) => any, ...primals: unknown[]) => safeCall(() => vjp(f, ...primals))()
