// wengert's debug namespace: printing and callbacks that run inside transformed and compiled
// functions, in program order, as the `debug` effect (src/prims/debug.ts). What each
// transform does with them is documented on `print` and in docs/errors.md.

import type { Array, NdArray } from "../core/array.js"
import { asArray } from "../core/convert.js"
import { InvalidArgumentError } from "../core/errors.js"
import { bind } from "../core/trace.js"
import { debugCallbackP, debugPrintP, parseFormat } from "../prims/debug.js"

/**
 * Prints `fmt` with the values of `arrays` (`{}` takes the next one, `{0}` the first, `{{` is a
 * brace) when the program runs, not when it is traced: under `jit` it prints on every call.
 * Under `grad`/`jvp`/`vjp` it prints primal values; under `vmap` it prints once per lane, in
 * lane order (under nested vmaps the innermost one splits first); inside `lax.scan` once per
 * step. `checkpoint` recomputes its body in the backward pass, so a print inside it appears
 * again there. Dead-code elimination never removes it. Output goes to `console.log`.
 * Under `vmap`, a `lax.cond`/`lax.switch` or `lax.whileLoop` whose predicate differs between
 * lanes would run the print for untaken branches or finished lanes, so that is an
 * `EffectError`. docs/errors.md (EffectError) lists every rule and the one known exception
 * (jvp of a while loop runs its body twice).
 * @example
 * ```ts
 * import { debug, grad, np } from "wengert"
 * grad((x) => { debug.print("x = {}", x); return np.sin(x) })(0).item() // => 1
 * ```
 * @throws {@link index!InvalidArgumentError} when `fmt` is malformed or names a missing argument.
 * @category transforms
 * @since 0.1.0
 */
export function print(fmt: string, ...arrays: unknown[]): void {
  if (typeof fmt !== "string") throw new InvalidArgumentError("debug.print", "the first argument must be a format string such as \"x = {}\".")
  const xs = arrays.map((a) => asArray(a, "debug.print"))
  parseFormat("debug.print", fmt, xs.length)
  bind(debugPrintP, xs, { fmt })
}

/**
 * Calls `callback` with the concrete values of `arrays` when the program runs, in program
 * order, under every transform and in compiled code (same rules as {@link print}: primal
 * values under differentiation, once per lane under `vmap`). Its return value is ignored.
 * A jaxpr holding a callback has no JSON form (`ir.encode` refuses it).
 * @example
 * ```ts
 * import { debug, jit, np } from "wengert"
 * const seen: number[] = []
 * const f = jit((x) => { debug.callback((v) => { seen.push(v.item()) }, x); return np.multiply(x, 2) })
 * f(3).item() // => 6
 * seen // => [3]
 * ```
 * @throws {@link index!InvalidArgumentError} when `callback` is not a function.
 * @category transforms
 * @since 0.1.0
 */
export function callback(callback: (...values: NdArray[]) => unknown, ...arrays: unknown[]): void {
  if (typeof callback !== "function") throw new InvalidArgumentError("debug.callback", "the first argument must be a function of the arrays' values.")
  const xs: Array[] = arrays.map((a) => asArray(a, "debug.callback"))
  bind(debugCallbackP, xs, { callback })
}
