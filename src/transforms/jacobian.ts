// jacfwd, jacrev, hessian, hvp. Both Jacobians are one batched pass: jacfwd vmaps a JVP over
// the standard basis of the inputs, jacrev vmaps a pullback over the basis of the outputs.
// The Jacobian of an output of shape O by an input of shape I has shape [...O, ...I].

import { type Array, NdArray } from "../core/array.js"
import { type DType, isFloat } from "../core/dtype.js"
import { NonDifferentiableError } from "../core/errors.js"
import { type TreeDef } from "../core/tree.js"
import { reshape, slice } from "../prims/shape.js"
import { flattenArgs, unflatten } from "./flat.js"
import { jvp as jvpTree, jvpFlat } from "./jvp.js"
import { vjpFlat } from "./vjp.js"
import { vmapFlat, moveBatchAxis } from "./vmap.js"
import { instantiate } from "../prims/elementwise.js"
import { type GradOptions, valueAndGradCore } from "./grad.js"

export interface JacOptions { readonly argnums?: number | readonly number[]; readonly hasAux?: boolean }

/** Identity of size n, split into one [n, ...shape] block per leaf. */
function basis(shapes: readonly (readonly number[])[], dtype: DType): Array[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1))
  const n = sizes.reduce((a, b) => a + b, 0)
  const eye = NdArray.zeros([n, n], dtype)
  for (let i = 0; i < n; i++) eye.data[i * n + i] = 1
  let off = 0
  return shapes.map((s, k) => {
    const block = slice(eye, [0, off], [n, off + sizes[k]!])
    off += sizes[k]!
    return reshape(block, [n, ...s])
  })
}

/** Splits a batched [n, ...S] result into per-input-leaf blocks [...S, ...I_k]. */
function splitRows(x: Array, inShapes: readonly (readonly number[])[], rowsLast: boolean): Array[] {
  const sizes = inShapes.map((s) => s.reduce((a, b) => a * b, 1))
  let off = 0
  return inShapes.map((s, k) => {
    const lo = off
    off += sizes[k]!
    const rows = slice(x, x.shape.map((_, i) => (i === 0 ? lo : 0)), x.shape.map((d, i) => (i === 0 ? lo + sizes[k]! : d)))
    const moved = rowsLast ? moveBatchAxis(rows, 0, rows.ndim - 1, sizes[k]!) : rows
    return reshape(moved, rowsLast ? [...x.shape.slice(1), ...s] : [...s, ...x.shape.slice(1)])
  })
}

function argPick(fn: string, f: (...a: any[]) => any, argnums: number | readonly number[], args: unknown[]) {
  const nums = typeof argnums === "number" ? [argnums] : [...argnums]
  const norm = nums.map((a) => (a < 0 ? a + args.length : a))
  const [ps, inDef] = flattenArgs(fn, norm.map((i) => args[i]))
  for (const p of ps) if (!isFloat(p.dtype)) throw new NonDifferentiableError(fn, `Jacobians need float inputs, got ${p.aval.str()}.`)
  const call = (xs: Array[]) => {
    const full = [...args]
    const picked = unflatten(inDef, xs) as unknown[]
    norm.forEach((n, k) => { full[n] = picked[k] })
    return f(...full)
  }
  return { ps, inDef, call, single: typeof argnums === "number" }
}

/** Nests per-(output leaf, input leaf) blocks as out-tree of in-tree (JAX's layout). */
function assemble(outDef: TreeDef, inDef: TreeDef, blocks: Array[][], single: boolean): any {
  return unflatten(outDef, blocks.map((row) => {
    const perArg = unflatten(inDef, row) as unknown[]
    return single ? perArg[0] : perArg
  }))
}

/**
 * Jacobian by forward mode (one batched JVP over the input basis); best for tall Jacobians.
 * @example
 * ```ts
 * import { jacfwd, np } from "wengert"
 * jacfwd((x) => np.multiply(x, 2))(np.ones([2])).toArray() // => [[2, 0], [0, 2]]
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function jacfwd(f: (...args: any[]) => any, opts: JacOptions = {}): (...args: any[]) => any {
  return (...args: any[]) => {
    const { ps, inDef, call, single } = argPick("jacfwd", f, opts.argnums ?? 0, args)
    const shapes = ps.map((p) => p.shape)
    const dtype = ps[0]?.dtype ?? "float64"
    let outDef: TreeDef | undefined
    const [outs, dims] = vmapFlat((ts) => {
      const [, touts] = jvpFlat((xs) => {
        const [leaves, def] = flattenArgs("jacfwd", call(xs))
        outDef = def
        return leaves
      }, ps, ts, "jacfwd")
      return touts.map(instantiate)
    }, basis(shapes, dtype), shapes.map(() => 0), totalSize(shapes))
    const n = totalSize(shapes)
    const blocks = outs.map((o, i) => splitRows(moveBatchAxis(o, dims[i]!, 0, n), shapes, true))
    return assemble(outDef!, inDef, blocks, single)
  }
}

const totalSize = (shapes: readonly (readonly number[])[]) => shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0)

/**
 * Jacobian by reverse mode (one batched pullback over the output basis); best for wide Jacobians.
 * @example
 * ```ts
 * import { jacrev, np } from "wengert"
 * jacrev((x) => np.multiply(x, 3))(np.ones([2])).toArray() // => [[3, 0], [0, 3]]
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function jacrev(f: (...args: any[]) => any, opts: JacOptions = {}): (...args: any[]) => any {
  return (...args: any[]) => {
    const { ps, inDef, call, single } = argPick("jacrev", f, opts.argnums ?? 0, args)
    const res = vjpFlat("jacrev", call, ps)
    const outShapes = res.outs.map((o) => o.shape)
    const m = totalSize(outShapes)
    const inShapes = ps.map((p) => p.shape)
    const [cts, dims] = vmapFlat((bs) => res.pullbackFlat(bs), basis(outShapes, res.outs[0]?.dtype ?? "float64"), outShapes.map(() => 0), m)
    // cts[k]: [m, ...I_k]; split rows by output leaf
    const perIn = cts.map((c, k) => splitRows(moveBatchAxis(c, dims[k]!, 0, m), outShapes, false))
    const blocks = outShapes.map((_, j) => inShapes.map((_, k) => perIn[k]![j]!))
    return assemble(res.outDef, inDef, blocks, single)
  }
}

/**
 * Hessian: jacfwd of jacrev.
 * @example
 * ```ts
 * import { hessian, np } from "wengert"
 * hessian((x) => np.sum(np.multiply(x, x)))(np.ones([2])).toArray() // => [[2, 0], [0, 2]]
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function hessian(f: (...args: any[]) => any, opts: JacOptions = {}): (...args: any[]) => any {
  return jacfwd(jacrev(f, opts), opts)
}

/**
 * Hessian-vector product by forward over reverse: H·v with the structure of the primals
 * (for one primal, the structure of that primal).
 * @example
 * ```ts
 * import { hvp, np } from "wengert"
 * hvp((x) => np.sum(np.power(x, 3)), [np.array([1, 2])], [np.array([1, 1])]).toArray() // => [6, 12]
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function hvp(f: (...args: any[]) => any, primals: readonly unknown[], tangents: readonly unknown[]): any {
  const n = primals.length
  const g = (...xs: unknown[]) => valueAndGradCore("hvp", f, { argnums: [...globalThis.Array(n).keys()] } as GradOptions, xs)[2]
  const [, t] = jvpTree(g, primals, tangents)
  return n === 1 ? (t as unknown[])[0] : t
}
