// grad : (a -> R) -> a -> T* a, and valueAndGrad: the VJP of a scalar output with cotangent 1.

import { safeCall } from "../safe.js"
import { Array, NdArray } from "../core/array.js"
import { isFloat } from "../core/dtype.js"
import { InvalidArgumentError, NonDifferentiableError, ShapeError } from "../core/errors.js"
import { treedefLeafCount } from "../core/tree.js"
import { Zero } from "../core/primitive.js"
import { flattenArgs, unflatten } from "./flat.js"
import { vjpFlat } from "./vjp.js"

export interface GradOptions {
  /** Which argument(s) to differentiate: a number gives one gradient, an array a tuple of them. */
  readonly argnums?: number | readonly number[]
  /** f returns `[scalar, aux]`; aux is passed through. */
  readonly hasAux?: boolean
}

function normalizeArgnums(fn: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums]
  for (const a of list)
    if (!Number.isInteger(a) || a < -nargs || a >= nargs)
      throw new InvalidArgumentError(fn, `argnums ${a} is out of range for a call with ${nargs} argument(s).`)
  return list.map((a) => (a < 0 ? a + nargs : a))
}

/** The shared core of grad and valueAndGrad: returns [value, aux, grads]. */
export function valueAndGradCore(fn: string, f: (...args: any[]) => any, opts: GradOptions, args: unknown[]): [Array, unknown, any] {
  const { argnums = 0, hasAux = false } = opts
  const nums = normalizeArgnums(fn, argnums, args.length)
  const [ps, inDef] = flattenArgs(fn, nums.map((i) => args[i]))
  ps.forEach((p) => {
    if (!isFloat(p.dtype))
      throw new NonDifferentiableError(fn, `gradients need float inputs, but an argument has dtype ${p.dtype} (${p.aval.str()}). Convert it with astype("float64"), or leave it out of argnums.`)
  })
  const res = vjpFlat(fn, (xs) => {
    const diffArgs = unflatten(inDef, xs) as unknown[]
    const full = [...args]
    nums.forEach((n, k) => { full[n] = diffArgs[k] })
    const out = f(...full)
    if (hasAux && (!globalThis.Array.isArray(out) || out.length !== 2))
      throw new InvalidArgumentError(fn, "with hasAux, f must return a pair [scalar, aux].")
    return out
  }, ps)
  const def = res.outDef
  const outDef = hasAux && def.kind === "tuple" ? def.children[0]! : def
  const nOut = treedefLeafCount(outDef)
  const value = res.outs[0]
  if (nOut !== 1 || outDef.kind !== "leaf" || value!.ndim !== 0)
    throw new ShapeError(fn, value && nOut === 1 ? [value.shape] : [], `f must return a scalar${hasAux ? " as the first element of [scalar, aux]" : ""}, got ${nOut === 1 ? value!.aval.str() : `a tree of ${nOut} leaves`}. Sum or index the output, or use jacrev/vjp for non-scalar outputs.`)
  if (!isFloat(value!.dtype))
    throw new NonDifferentiableError(fn, `f returned ${value!.aval.str()}; gradients need a float output.`)
  const auxs = res.outs.slice(1)
  const one = NdArray.scalar(1, value!.dtype)
  const cts = res.pullbackFlat([one, ...auxs.map((a) => new Zero(a.aval))])
  const grads = unflatten(inDef, cts) as unknown[]
  const aux = hasAux && def.kind === "tuple" ? unflatten(def.children[1]!, auxs) : undefined
  return [value!, aux, typeof argnums === "number" ? grads[0] : grads]
}

/**
 * Gradient of a scalar-valued function, by reverse mode.
 * @example
 * ```ts
 * import { grad, np } from "wengert"
 * grad(np.sin)(0).item() // => 1
 * ```
 * @throws {@link index!ShapeError} when `f` does not return a scalar.
 * @throws {@link index!InvalidArgumentError} when argnums is out of range or hasAux's result is not a pair.
 * @throws {@link index!NonDifferentiableError} when a differentiated argument is not float.
 * @category transforms
 * @since 0.1.0
 */
export function grad(f: (...args: any[]) => any, opts: GradOptions = {}): (...args: any[]) => any {
  return (...args: any[]) => {
    const [, aux, g] = valueAndGradCore("grad", f, opts, args)
    return opts.hasAux ? [g, aux] : g
  }
}

/**
 * The value of a scalar function and its gradient: `[value, grad]`, or `[[value, aux], grad]` with hasAux.
 * @example
 * ```ts
 * import { valueAndGrad, np } from "wengert"
 * valueAndGrad((x) => np.multiply(x, x))(3).map((a: any) => a.item()) // => [9, 6]
 * ```
 * @throws {@link index!ShapeError} when `f` does not return a scalar.
 * @category transforms
 * @since 0.1.0
 */
export function valueAndGrad(f: (...args: any[]) => any, opts: GradOptions = {}): (...args: any[]) => any {
  return (...args: any[]) => {
    const [value, aux, g] = valueAndGradCore("valueAndGrad", f, opts, args)
    return opts.hasAux ? [[value, aux], g] : [value, g]
  }
}


/** `grad` returning effect's `Result` instead of throwing the library's errors. */
grad.safe = (f: (...args: any[]) => any, opts: GradOptions = {}) => safeCall(grad(f, opts))
/** `valueAndGrad` returning effect's `Result`. */
valueAndGrad.safe = (f: (...args: any[]) => any, opts: GradOptions = {}) => safeCall(valueAndGrad(f, opts))
