// wengert/ir: the typed IR, its printer, and (as they land) its JSON form and memory report.
import type { Jaxpr, ClosedJaxpr, EffectSet } from "../core/ir.js"
import { printJaxpr } from "../core/print.js"

export { ClosedJaxpr, Jaxpr, Eqn, Var, Literal } from "../core/ir.js"

/**
 * The readable form of a jaxpr, as JAX prints it.
 * @example
 * ```ts
 * import { ir, makeJaxpr, np } from "wengert"
 * ir.print(makeJaxpr(np.cos)(1)).includes("cos") // => true
 * ```
 * @category ir
 * @since 0.1.0
 */
export function print(j: Jaxpr | ClosedJaxpr): string {
  return printJaxpr("jaxpr" in j ? j.jaxpr : j)
}

/**
 * The effects of a jaxpr's equations (empty when pure).
 * @example
 * ```ts
 * import { ir, makeJaxpr, np } from "wengert"
 * ir.effects(makeJaxpr(np.sin)(1)) // => []
 * ```
 * @category ir
 * @since 0.1.0
 */
export function effects(j: Jaxpr | ClosedJaxpr): EffectSet {
  return "jaxpr" in j ? j.jaxpr.effects : j.effects
}
export { memoryReport, type MemoryReport, type MemoryReportOptions, type MeasuredMemory, type MeasuredBackend } from "./memory.js"
export { encode, type IrJson } from "./encode.js"
export { decode, type DecodeOptions } from "./decode.js"
export { defaultLimits, type DecodeLimits } from "./schema.js"
