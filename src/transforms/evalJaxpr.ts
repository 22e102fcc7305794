// evalJaxpr: the public face of the interpreter.
import type { ClosedJaxpr } from "../core/ir.js"
import { asArray } from "../core/convert.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import type { Array } from "../core/array.js"

/**
 * Runs a closed jaxpr on (flat) arguments and returns the list of its outputs, as JAX's eval_jaxpr.
 * @example
 * ```ts
 * import { evalJaxpr, makeJaxpr, np } from "wengert"
 * const j = makeJaxpr((x) => np.multiply(x, 2))(1)
 * evalJaxpr(j, 3)[0].item() // => 6
 * ```
 * @throws {@link index!InvalidArgumentError} when the argument count differs from the jaxpr's.
 * @category transforms
 * @since 0.1.0
 */
export function evalJaxpr(closed: ClosedJaxpr, ...args: unknown[]): Array[] {
  return evalJaxprFlat(closed.jaxpr, closed.consts, args.map((a) => asArray(a, "evalJaxpr")))
}
