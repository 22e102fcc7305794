// Tracing user callbacks (loop bodies, branches) into const-free jaxprs for the control-flow
// primitives: captured values become explicit leading inputs.

import type { Array } from "../core/array.js"
import type { ShapedArray } from "../core/aval.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { type TreeDef } from "../core/tree.js"
import { flattenArgs, unflatten } from "../transforms/flat.js"
import { traceJaxprFlat } from "../transforms/makeJaxpr.js"
import { hoistConsts } from "../transforms/partialEval.js"

export interface TracedFn {
  /** Const-free: [...consts, ...inputs] -> outputs. */
  readonly jaxpr: ClosedJaxpr
  readonly consts: Array[]
  readonly outDef: TreeDef
}

/** Traces `f` applied to trees of the given structures and avals. */
export function traceCallback(name: string, f: (...args: any[]) => unknown, inDefs: readonly TreeDef[], avals: readonly ShapedArray[][]): TracedFn {
  let outDef: TreeDef | undefined
  const flatAvals = avals.flat()
  const closed = traceJaxprFlat(name, (ins) => {
    let k = 0
    const args = inDefs.map((d, i) => { const part = ins.slice(k, k + avals[i]!.length); k += part.length; return unflatten(d, part) })
    const [leaves, def] = flattenArgs(name, f(...args))
    outDef = def
    return leaves
  }, flatAvals)
  const [jaxpr, consts] = hoistConsts(closed)
  return { jaxpr, consts: consts as Array[], outDef: outDef! }
}
