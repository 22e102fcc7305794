// makeJaxpr : (a -> b) -> a -> ClosedJaxpr
// Traces a function with abstract values only (shapes and dtypes) under a dynamic staging
// trace, so every primitive, even on constants, becomes an equation.

import { safeCall } from "../safe.js"
import type { Array } from "../core/array.js"
import type { ShapedArray } from "../core/aval.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { JaxprTrace } from "../core/jaxprTrace.js"
import { nextLevel, withTrace } from "../core/trace.js"
import type { TreeDef } from "../core/tree.js"
import { flattenArgs, unflatten } from "./flat.js"

export interface Traced {
  readonly closed: ClosedJaxpr
  readonly outDef: TreeDef
}

/** Traces `f` (taking the tree `inDef` of flat avals) to a closed jaxpr. */
export function traceFlat(name: string, f: (...args: any[]) => any, avals: readonly ShapedArray[], inDef: TreeDef): Traced {
  return withTrace(new JaxprTrace(nextLevel(), name), (trace) => {
    const ins = avals.map((a) => trace.newArg(a))
    const [outs, outDef] = flattenArgs(name, f(...unflatten(inDef, ins)))
    return { closed: trace.build(outs), outDef }
  }, { dynamic: true })
}

/** Traces a function of flat arrays to a closed jaxpr (what higher-order primitives carry). */
export function traceJaxprFlat(name: string, f: (xs: Array[]) => Array[], avals: readonly ShapedArray[]): ClosedJaxpr {
  return withTrace(new JaxprTrace(nextLevel(), name), (trace) => trace.build(f(avals.map((a) => trace.newArg(a)))), { dynamic: true })
}

/**
 * The typed IR of `f` at the shapes and dtypes of the given arguments.
 * @example
 * ```ts
 * import { makeJaxpr, np } from "wengert"
 * makeJaxpr((x) => np.sin(x))(np.zeros([3])).toString()
 * // => "{ lambda ; a:f64[3]. let\n    b:f64[3] = sin a\n  in (b,) }"
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function makeJaxpr(f: (...args: any[]) => any): (...args: any[]) => ClosedJaxpr {
  return (...args: any[]) => {
    const [xs, inDef] = flattenArgs("makeJaxpr", args)
    return traceFlat("makeJaxpr", f, xs.map((x: Array) => x.aval), inDef).closed
  }
}

/** `makeJaxpr` returning effect's `Result` instead of throwing the library's errors. */
makeJaxpr.safe = (f: (...args: any[]) => any) => safeCall(makeJaxpr(f))
