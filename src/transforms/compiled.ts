// The runner jit uses for a closed jaxpr at top level. Until the JS code generator lands
// this is the interpreter; the seam stays so jsgen can replace it in one place.

import type { Array } from "../core/array.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"

export function compiledRunner(closed: ClosedJaxpr): (xs: readonly Array[]) => Array[] {
  return (xs) => evalJaxprFlat(closed.jaxpr, closed.consts, xs)
}
