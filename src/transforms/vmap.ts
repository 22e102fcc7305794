// vmap : (a -> b) -> ([n] a -> [n] b)
// Batching: each tracer carries a value with one extra axis (its bdim, or null when the
// value is the same for every lane), and each primitive's `batch` rule maps the batch through.

import { safeCall } from "../safe.js"
import type { Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { ConcretizationError, InvalidArgumentError, ShapeError } from "../core/errors.js"
import type { Primitive } from "../core/primitive.js"
import { Trace, Tracer, bind, nextLevel, withTrace } from "../core/trace.js"
import { type TreeDef, flatten, leafPath, treedefLeafCount } from "../core/tree.js"
import { broadcastInDim, moveAxisFrom0, moveAxisTo0 } from "../prims/shape.js"
import { flattenArgs, unflatten } from "./flat.js"

export class BatchTracer extends Tracer {
  constructor(readonly trace: BatchTrace, readonly val: Array, readonly bdim: number | null) { super() }
  get aval(): ShapedArray {
    if (this.bdim === null) return this.val.aval
    const a = this.val.aval
    return new ShapedArray(a.shape.filter((_, i) => i !== this.bdim), a.dtype, a.weakType)
  }
  override concrete(fn: string): never {
    throw new ConcretizationError(fn, this.aval.str(), "Under vmap a batched value has one value per lane and the lanes may disagree. Use np.where, lax.cond or lax.select instead of reading it.")
  }
  override fullLower(): Array { return this.bdim === null ? this.val : this }
}

export class BatchTrace extends Trace {
  constructor(level: number, readonly axisSize: number) { super(level, "vmap") }
  pure(x: Array): BatchTracer { return new BatchTracer(this, x, null) }
  processPrimitive(prim: Primitive, args: readonly Array[], params: Record<string, unknown>): Array[] {
    const ts = args as readonly BatchTracer[]
    const vals = ts.map((t) => t.val), bdims = ts.map((t) => t.bdim)
    if (bdims.every((b) => b === null)) return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null))
    const [outs, outDims] = prim.batch(vals, bdims, params, this.axisSize)
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i]!))
  }
}

/** Moves a batched value's batch axis to `to` (null = unbatched output), broadcasting if needed. */
export function moveBatchAxis(x: Array, from: number | null, to: number, size: number): Array {
  if (from === null) return moveAxisFrom0(broadcastInDim(x, [size, ...x.shape], x.shape.map((_, i) => i + 1)), to)
  return moveAxisFrom0(moveAxisTo0(x, from), to)
}

/** Runs f on batched flat inputs; returns flat outputs with their batch dims. */
export function vmapFlat(f: (xs: Array[]) => Array[], args: readonly Array[], inDims: readonly (number | null)[], size: number): [Array[], (number | null)[]] {
  return withTrace(new BatchTrace(nextLevel(), size), (trace) => {
    const ins = args.map((a, i) => (inDims[i] === null ? a : new BatchTracer(trace, a, inDims[i]!)))
    const outs = f(ins)
    const vals: Array[] = [], dims: (number | null)[] = []
    for (const o of outs) {
      if (o instanceof BatchTracer && o.trace === trace) { vals.push(o.val); dims.push(o.bdim) }
      else { vals.push(o); dims.push(null) }
    }
    return [vals, dims]
  })
}

type AxisSpec = number | null | undefined | readonly unknown[] | { readonly [k: string]: unknown }

/** Expands a prefix tree of axes to one axis per leaf of `def`. */
function broadcastPrefix(fn: string, what: string, spec: unknown, def: TreeDef, path = ""): (number | null)[] {
  if (spec === null || spec === undefined || typeof spec === "number") return globalThis.Array(treedefLeafCount(def)).fill(spec ?? null)
  if (def.kind === "tuple" && globalThis.Array.isArray(spec) && spec.length === def.children.length)
    return def.children.flatMap((c, i) => broadcastPrefix(fn, what, spec[i], c, `${path}[${i}]`))
  if (def.kind === "object" && typeof spec === "object" && !globalThis.Array.isArray(spec)) {
    const o = spec as Record<string, unknown>
    if (Object.keys(o).sort().join() === def.keys.join())
      return def.children.flatMap((c, i) => broadcastPrefix(fn, what, o[def.keys[i]!], c, `${path}.${def.keys[i]}`))
  }
  throw new InvalidArgumentError(fn, `${what} at ${path || "<root>"} does not match the arguments' structure ${def.key}: give a number, null, or a tree with the same structure.`)
}

export interface VmapOptions {
  readonly inAxes?: AxisSpec
  readonly outAxes?: AxisSpec
  readonly axisSize?: number
}

/**
 * Vectorizing map: `vmap(f)(xs)` equals stacking `f(x)` over the mapped axis of `xs`.
 * @example
 * ```ts
 * import { vmap, np } from "wengert"
 * vmap((x) => np.sum(x))(np.ones([3, 2])).toArray() // => [2, 2, 2]
 * ```
 * @throws {@link index!ShapeError} when mapped arguments disagree on the batch size.
 * @throws {@link index!InvalidArgumentError} when an axis is out of range or inAxes does not match the arguments.
 * @throws {@link index!EffectError} when `debug.print`/`debug.callback` sits in a `lax.cond` or `lax.whileLoop` whose predicate differs between lanes.
 * @category transforms
 * @since 0.1.0
 */
export function vmap(f: (...args: any[]) => any, opts: VmapOptions = {}): (...args: any[]) => any {
  const { inAxes = 0, outAxes = 0 } = opts
  return (...args: any[]) => {
    const [xs, inDef] = flattenArgs("vmap", args)
    const spec = typeof inAxes === "number" || inAxes === null ? inAxes : (inAxes as readonly unknown[])
    if (globalThis.Array.isArray(spec) && spec.length !== args.length)
      throw new InvalidArgumentError("vmap", `inAxes has ${spec.length} entries but f was called with ${args.length} arguments; give one entry per argument.`)
    const dims = broadcastPrefix("vmap", "inAxes", spec, inDef)
    let size = opts.axisSize
    let sizeFrom = "axisSize"
    const norm = dims.map((d, i) => {
      if (d === null) return null
      const x = xs[i]!, path = `args${leafPath(inDef, i)}`
      if (!Number.isInteger(d) || d < -x.ndim || d >= x.ndim)
        throw new InvalidArgumentError("vmap", `in axis ${d} is out of range for ${path} of shape ${x.aval.str()}.`)
      const a = d < 0 ? d + x.ndim : d
      if (size === undefined) { size = x.shape[a]!; sizeFrom = path }
      else if (x.shape[a] !== size)
        throw new ShapeError("vmap", [x.shape], `inconsistent batch sizes: ${path} has size ${x.shape[a]} on axis ${a} but ${sizeFrom} has ${size}.`)
      return a
    })
    if (size === undefined) throw new InvalidArgumentError("vmap", "no argument is mapped (all inAxes are null); pass axisSize.")
    let outDef: TreeDef | undefined
    const [outs, outDims] = vmapFlat((ins) => {
      const [leaves, def] = flattenArgs("vmap", f(...unflatten(inDef, ins)))
      outDef = def
      return leaves
    }, xs, norm, size)
    const outSpec = broadcastPrefix("vmap", "outAxes", outAxes, outDef!)
    const res = outs.map((o, i) => {
      const to = outSpec[i]
      if (to === null) {
        if (outDims[i] !== null) throw new InvalidArgumentError("vmap", `outAxes is null for output${leafPath(outDef!, i)} but that output varies along the batch.`)
        return o
      }
      const nd = o.ndim + (outDims[i] === null ? 1 : 0)
      if (to! < -nd || to! >= nd) throw new InvalidArgumentError("vmap", `out axis ${to} is out of range for an output of rank ${nd}.`)
      return moveBatchAxis(o, outDims[i]!, to! < 0 ? to! + nd : to!, size!)
    })
    return unflatten(outDef!, res)
  }
}
void flatten

/** `vmap` returning effect's `Result` instead of throwing the library's errors. */
vmap.safe = (f: (...args: any[]) => any, opts: VmapOptions = {}) => safeCall(vmap(f, opts))
