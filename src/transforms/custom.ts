// customJvp and customVjp: user-written derivative rules, staged as custom_jvp_call /
// custom_vjp_call primitives (src/prims/custom.ts) so they work under jit, vmap and nesting.

import type { Array } from "../core/array.js"
import type { ShapedArray } from "../core/aval.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import type { ClosedJaxpr } from "../core/ir.js"
import { bind } from "../core/trace.js"
import type { TreeDef } from "../core/tree.js"
import { type Bwd, type JvpFn, customJvpCallP, customVjpCallP, jvpOrigins } from "../prims/custom.js"
import { convert } from "../prims/shape.js"
import { flattenArgs, unflatten } from "./flat.js"
import { traceJaxprFlat } from "./makeJaxpr.js"
import { hoistConsts } from "./partialEval.js"

/** Traces flat arrays -> flat arrays, hoisting captured values to leading inputs. */
function traceHoisted(name: string, f: (xs: Array[]) => Array[], avals: readonly ShapedArray[]): [ClosedJaxpr, Array[]] {
  const [j, consts] = hoistConsts(traceJaxprFlat(name, f, avals))
  return [j, consts as Array[]]
}

const nameOf = (f: Function) => f.name || "anonymous"

/** Output leaves with the types of `like` (a rule may return weak or differently typed zeros). */
function matchTypes(fn: string, what: string, xs: Array[], like: readonly Array[]): Array[] {
  return xs.map((x, i) => {
    const want = like[i]!
    if (x.shape.length !== want.shape.length || x.shape.some((d, k) => d !== want.shape[k]))
      throw new ShapeError(fn, [want.shape, x.shape], `${what} ${i} must have shape ${want.aval.str()}, got ${x.aval.str()}.`)
    return x.dtype === want.dtype && !x.aval.weakType ? x : convert(x, want.dtype)
  })
}

/**
 * Gives `f` a custom forward-mode rule `jvp(primals, tangents) -> [out, tangentOut]`;
 * reverse mode works by linearizing and transposing the rule (which must be linear in the tangents).
 * @example
 * ```ts
 * import { customJvp, grad, np } from "wengert"
 * const f = customJvp((x) => np.sin(x), { jvp: ([x], [t]) => [np.sin(x), np.multiply(np.cos(x), t)] })
 * grad(f)(0).item() // => 1
 * ```
 * @throws {@link index!ShapeError} when the rule's tangent output does not match the output.
 * @category transforms
 * @since 0.1.0
 */
export function customJvp(f: (...args: any[]) => any, opts: { jvp: (primals: any[], tangents: any[]) => [any, any] }): (...args: any[]) => any {
  if (typeof opts?.jvp !== "function") throw new InvalidArgumentError("customJvp", "pass { jvp: (primals, tangents) => [out, tangentOut] }.")
  const name = nameOf(f)
  return (...args: any[]) => {
    const [xs, inDef] = flattenArgs(`customJvp(${name})`, args)
    const avals = xs.map((x) => x.aval)
    let outDef: TreeDef | undefined
    let outLike: Array[] = []
    const [call, cc] = traceHoisted(name, (ins) => {
      const [outs, def] = flattenArgs(`customJvp(${name})`, f(...unflatten(inDef, ins)))
      outDef = def
      outLike = outs
      return outs
    }, avals)
    const rule: JvpFn = (ps, ts) => {
      const res = opts.jvp(unflatten(inDef, ps), unflatten(inDef, ts))
      if (!globalThis.Array.isArray(res) || res.length !== 2) throw new InvalidArgumentError(`customJvp(${name})`, "the jvp rule must return [out, tangentOut].")
      const [outs, od] = flattenArgs(`customJvp(${name})`, res[0])
      const [touts, td] = flattenArgs(`customJvp(${name})`, res[1])
      if (od.key !== outDef!.key || td.key !== outDef!.key)
        throw new ShapeError(`customJvp(${name})`, [], `the rule returned structures ${od.key} and ${td.key} but f returns ${outDef!.key}.`)
      return [matchTypes(`customJvp(${name})`, "rule output", outs, outLike), matchTypes(`customJvp(${name})`, "tangent output", touts, outLike)]
    }
    jvpOrigins.set(rule, { fn: opts.jvp, key: `${inDef.key}->${outDef!.key}` })
    const outs = bind(customJvpCallP, [...cc, ...xs], { call, jvp: rule, num_consts: cc.length, name })
    return unflatten(outDef!, outs)
  }
}

/**
 * Gives `f` a custom reverse-mode rule: `fwd(...args) -> [out, residuals]` and
 * `bwd(residuals, outCotangent) -> [one cotangent per argument]`. Works under jit, vmap and
 * nested reverse mode; forward mode of it is a NonDifferentiableError naming the function.
 * @example
 * ```ts
 * import { customVjp, grad, np } from "wengert"
 * const square = customVjp((x) => np.multiply(x, x), {
 *   fwd: (x) => [np.multiply(x, x), x],
 *   bwd: (x, ct) => [np.multiply(np.multiply(x, 2), ct)],
 * })
 * grad(square)(3).item() // => 6
 * ```
 * @throws {@link index!ShapeError} when bwd's cotangents do not match the arguments.
 * @throws {@link index!NonDifferentiableError} under forward mode.
 * @category transforms
 * @since 0.1.0
 */
export function customVjp(f: (...args: any[]) => any, opts: { fwd: (...args: any[]) => [any, any]; bwd: (residuals: any, ct: any) => any }): (...args: any[]) => any {
  if (typeof opts?.fwd !== "function" || typeof opts?.bwd !== "function")
    throw new InvalidArgumentError("customVjp", "pass { fwd: (...args) => [out, residuals], bwd: (residuals, ct) => [cotangent per argument] }.")
  const name = nameOf(f)
  return (...args: any[]) => {
    const fn = `customVjp(${name})`
    const [xs, inDef] = flattenArgs(fn, args)
    const avals = xs.map((x) => x.aval)
    let outDef: TreeDef | undefined, resDef: TreeDef | undefined
    let outLike: Array[] = []
    const [call, cc] = traceHoisted(name, (ins) => {
      const [outs, def] = flattenArgs(fn, f(...unflatten(inDef, ins)))
      outDef = def
      outLike = outs
      return outs
    }, avals)
    const [fwd, fc] = traceHoisted(name, (ins) => {
      const res = opts.fwd(...unflatten(inDef, ins))
      if (!globalThis.Array.isArray(res) || res.length !== 2) throw new InvalidArgumentError(fn, "fwd must return [out, residuals].")
      const [outs, od] = flattenArgs(fn, res[0])
      if (od.key !== outDef!.key) throw new ShapeError(fn, [], `fwd's output has structure ${od.key} but f returns ${outDef!.key}.`)
      const [rs, rd] = flattenArgs(fn, res[1])
      resDef = rd
      return [...matchTypes(fn, "fwd output", outs, outLike), ...rs]
    }, avals)
    const outs = bind(customVjpCallP, [...cc, ...fc, ...xs], {
      call, fwd, bwd: opts.bwd as Bwd, num_call_consts: cc.length, num_fwd_consts: fc.length,
      out_def: outDef!, res_def: resDef!, in_def: inDef, name,
    })
    return unflatten(outDef!, outs)
  }
}
