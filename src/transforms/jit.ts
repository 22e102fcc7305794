// jit : (a -> b) -> (a -> b), traced once per input signature and cached.
// Under an enclosing transform the cached jaxpr is evaluated on the tracers, re-emitting its
// equations into that transform; at top level it runs compiled.

import { safeCall } from "../safe.js"
import type { Array } from "../core/array.js"
import { InvalidArgumentError } from "../core/errors.js"
import { Tracer } from "../core/trace.js"
import { evalJaxprFlat } from "../backends/interpreter/evalJaxpr.js"
import { flattenArgs, unflatten } from "./flat.js"
import { type Traced, traceFlat } from "./makeJaxpr.js"
import { compiledRunner } from "./compiled.js"
import { dceClosed } from "./dce.js"

export interface JitOptions {
  /** Arguments treated as compile-time constants (part of the cache key, not traced). */
  readonly staticArgnums?: number | readonly number[]
}

interface Entry extends Traced { run: (xs: readonly Array[]) => Array[] }

function staticKey(x: unknown): string {
  try { return JSON.stringify(x) ?? String(x) } catch { return String(x) }
}

/**
 * Compiles `f`: traces it once per signature (tree structure, shapes, dtypes, static
 * arguments) and runs the generated code on later calls.
 * @example
 * ```ts
 * import { jit, np } from "wengert"
 * const f = jit((x) => np.sum(np.multiply(x, x)))
 * f(np.array([1, 2, 3])).item() // => 14
 * ```
 * @throws {@link index!ConcretizationError} when `f` reads a traced value (use lax.cond / lax.whileLoop).
 * @category transforms
 * @since 0.1.0
 */
export function jit(f: (...args: any[]) => any, opts: JitOptions = {}): (...args: any[]) => any {
  const statics = typeof opts.staticArgnums === "number" ? [opts.staticArgnums] : [...(opts.staticArgnums ?? [])]
  const cache = new Map<string, Entry>()
  const jitted = (...args: any[]) => {
    for (const s of statics)
      if (!Number.isInteger(s) || s < 0 || s >= args.length)
        throw new InvalidArgumentError("jit", `staticArgnums ${s} is out of range for a call with ${args.length} argument(s).`)
    const dynamic = args.filter((_, i) => !statics.includes(i))
    const [xs, inDef] = flattenArgs("jit", dynamic)
    const key = `${inDef.key}|${xs.map((x) => x.aval.str() + (x.aval.weakType ? "w" : "")).join(",")}|${statics.map((i) => staticKey(args[i])).join(",")}`
    let entry = cache.get(key)
    if (!entry) {
      const traced = traceFlat("jit", (...dyn: unknown[]) => {
        const full: unknown[] = []
        let k = 0
        for (let i = 0; i < args.length; i++) full.push(statics.includes(i) ? args[i] : dyn[k++])
        return f(...full)
      }, xs.map((x) => x.aval), inDef)
      const closed = dceClosed(traced.closed)
      entry = { closed, outDef: traced.outDef, run: compiledRunner(closed) }
      // a jaxpr closing over an outer transform's tracers is only valid inside that transform
      if (!traced.closed.consts.some((c) => c instanceof Tracer)) cache.set(key, entry)
    }
    const outs = xs.some((x) => x instanceof Tracer) || entry.closed.consts.some((c) => c instanceof Tracer)
      ? evalJaxprFlat(entry.closed.jaxpr, entry.closed.consts, xs)
      : entry.run(xs)
    return unflatten(entry.outDef, outs)
  }
  return jitted
}

/** `jit` returning effect's `Result` instead of throwing the library's errors. */
jit.safe = (f: (...args: any[]) => any, opts: JitOptions = {}) => safeCall(jit(f, opts))
