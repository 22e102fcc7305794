// The runner jit uses for a closed jaxpr at top level: the JS code generator
// (src/backends/jsgen), compiled once per traced signature, on the first concrete call
// (a jaxpr closing over an outer transform's tracers is only ever interpreted).

import type { Array } from "../core/array.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { compileJaxpr } from "../backends/jsgen/compile.js"

export function compiledRunner(closed: ClosedJaxpr): (xs: readonly Array[]) => Array[] {
  let run: ((xs: readonly Array[]) => Array[]) | null = null
  return (xs) => (run ??= compileJaxpr(closed).run)(xs)
}
