// Soft sorting and ranking. "pav" (default) follows Blondel et al. 2020, "Fast
// Differentiable Sorting and Ranking": both are projections onto a permutahedron, reduced to
// one argsort and one isotonic regression (the `isotonic_regression` primitive, O(n) PAV with
// an exact block-averaging Jacobian). "sinkhorn" follows Cuturi et al. 2019 (./sinkhorn.ts).

import { NdArray, type Array, type ArrayLike } from "../core/array.js"
import { sizeOf } from "../core/shape.js"
import { add, mul, sub } from "../prims/elementwise.js"
import { argsort, isotonic } from "../prims/isotonic.js"
import { broadcastInDim, iota, reshape, take } from "../prims/shape.js"
import * as np from "../numpy/index.js"
import { choice, floatArg, oneAxis, positive, scalarOf, vector } from "./args.js"
import { type SinkhornOptions, sinkhornRank, sinkhornSort } from "./sinkhorn.js"

/** Options of {@link softSort} and {@link softRank}. */
export interface SoftSortOptions extends SinkhornOptions {
  /**
   * ε > 0 (default 1), the regularization strength: the smaller, the closer to the hard
   * sort or rank. For "pav" only ε·x matters (the result for c·x at ε is c times the one
   * for x at c·ε): softRank mixes values closer than ε, softSort pools sorted neighbours
   * more than 1/ε apart. For "sinkhorn" it is the entropic regularization of a transport
   * cost between points of [0, 1], so it does not depend on the scale of x.
   */
  readonly strength?: number
  /** "pav" (default: exact, O(n log n)) or "sinkhorn" (entropic optimal transport, O(n²) per iteration). */
  readonly method?: "pav" | "sinkhorn"
  /** "ascending" (default) or "descending". */
  readonly direction?: "ascending" | "descending"
  /** The axis to sort or rank along (default -1); the others are batch axes. */
  readonly axis?: number
}

interface Parsed { x: Array; axis: number; eps: number; method: "pav" | "sinkhorn"; descending: boolean }

function parse(fn: string, x: ArrayLike, opts: SoftSortOptions): Parsed {
  const a = floatArg(fn, x)
  const eps = positive(fn, "strength", opts.strength, 1, "It is the regularization ε; the hard limit ε → 0 is a plain sort or rank.")
  const method = choice(fn, "method", opts.method, ["pav", "sinkhorn"], "pav")
  const descending = choice(fn, "direction", opts.direction, ["ascending", "descending"], "ascending") === "descending"
  const axis = oneAxis(fn, opts.axis, a.ndim, -1)
  return { x: np.moveaxis(a, axis, -1), axis, eps, method, descending }
}

/** x[..., idx[..., k]] along the last axis (numpy's take_along_axis), as one gather. */
export function takeLast(x: Array, idx: Array): Array {
  const n = x.shape[x.ndim - 1]!, lead = x.shape.slice(0, -1), m = sizeOf(lead)
  if (x.ndim === 1) return take(x, idx, 0)
  const rows = broadcastInDim(mul(iota("int32", [m]), NdArray.scalar(n, "int32")), [m, n], [0])
  return reshape(take(reshape(x, [m * n]), add(reshape(idx, [m, n]), rows), 0), x.shape)
}

/** ρ = (n, n − 1, …, 1) / scale, the permutahedron's generating vector. */
const rho = (n: number, scale: number, like: Array): Array =>
  vector(globalThis.Array.from({ length: n }, (_, i) => (n - i) / scale), like.dtype)

/**
 * Soft sort along the last axis by PAV: the descending soft sort of θ is
 * ρ/ε − v(ρ/ε − sort↓(θ)), v the decreasing isotonic regression; ascending negates twice.
 */
function pavSort(x: Array, eps: number, descending: boolean): Array {
  const sign = descending ? 1 : -1, n = x.shape[x.ndim - 1]!
  const s = sign === 1 ? x : np.negative(x)
  const w = takeLast(s, argsort(s, true))
  const r = rho(n, eps, x)
  const [v] = isotonic(np.subtract(r, w))
  const out = np.subtract(r, v)
  return sign === 1 ? out : np.negative(out)
}

/**
 * Soft rank along the last axis by PAV: the projection of z = ±θ/ε onto the permutahedron of
 * ρ, z − v(sort↓(z) − ρ) put back in z's order (by the inverse permutation, itself an argsort).
 */
function pavRank(x: Array, eps: number, descending: boolean): Array {
  const n = x.shape[x.ndim - 1]!
  const z = np.multiply(x, scalarOf(x, (descending ? -1 : 1) / eps))
  const perm = argsort(z, true)
  const [v] = isotonic(np.subtract(takeLast(z, perm), rho(n, 1, x)))
  return sub(z, takeLast(v, argsort(perm)))
}

/**
 * A differentiable relaxation of sorting along `axis` (default -1): a vector close to the
 * sorted values, as smooth in x as `strength` ε asks.
 *
 * With "pav" (Blondel et al. 2020) it is the projection of ρ/ε onto the permutahedron of x
 * (ρ = (n, …, 1)), computed by one argsort and one isotonic regression in O(n log n).
 * Gradient (pav): piecewise constant and exact: the sorting permutation followed by
 * averaging over the blocks of tied values that the isotonic regression pools, so ∂out/∂x
 * is a doubly stochastic matrix (each output is the mean of a block of sorted inputs).
 * Strength limit (pav): exactly the sort once ε·(largest gap between consecutive sorted
 * values) ≤ 1, with the sorting permutation as Jacobian; as ε → ∞ every entry tends to the
 * mean of x (a ramp of slope 1/ε around it). The entries always sum to the sum of x.
 *
 * With "sinkhorn" (Cuturi et al. 2019) it is n·Pᵀx for the entropic optimal transport plan P
 * from the squashed inputs to n sorted anchors (see {@link SinkhornOptions}); its gradient
 * goes through the Sinkhorn iterations ("unroll") or the optimality conditions ("implicit").
 * Strength limit (sinkhorn): the sort as ε → 0 (more iterations needed), the mean as ε → ∞.
 * @example
 * ```ts
 * import { relax } from "wengert"
 * relax.softSort([5, 1, 2]).toArray() // => [1.666666666666667, 2.666666666666667, 3.666666666666667]
 * relax.softSort([5, 1, 2], { strength: 0.1 }).toArray() // => [1, 2, 5]
 * relax.softSort([5, 1, 2], { strength: 0.1, direction: "descending" }).toArray() // => [5, 2, 1]
 * ```
 * @throws {@link index!InvalidArgumentError} for a non-positive strength, an unknown method or direction, or an axis out of range.
 * @category relaxations
 * @since 0.1.0
 */
export function softSort(x: ArrayLike, opts: SoftSortOptions = {}): Array {
  const fn = "relax.softSort"
  const p = parse(fn, x, opts)
  if (p.x.shape[p.x.ndim - 1] === 0) return np.moveaxis(p.x, -1, p.axis)
  const out = p.method === "pav" ? pavSort(p.x, p.eps, p.descending) : sinkhornSort(fn, p.x, p.eps, p.descending, opts)
  return np.moveaxis(out, -1, p.axis)
}

/**
 * A differentiable relaxation of ranking along `axis` (default -1): values close to the
 * 1-based ranks (1 for the smallest when ascending, the default).
 *
 * With "pav" (Blondel et al. 2020) it is the projection of x/ε onto the permutahedron of
 * ρ = (n, …, 1), computed by two argsorts and one isotonic regression in O(n log n).
 * Gradient (pav): exact, (I − the block averaging of the isotonic regression, in sorted
 * order) / ε, so it is 0 where the ranks are hard and nonzero inside pooled blocks.
 * Strength limit (pav): exactly the ranks once ε ≤ the smallest gap between values (the
 * gradient is then 0, as for hard ranks); as ε → ∞ every rank tends to (n + 1)/2.
 * The ranks always sum to n(n + 1)/2.
 *
 * With "sinkhorn" (Cuturi et al. 2019) it is n·P·(1, …, n) for the entropic transport plan P
 * of {@link softSort}; the same limits, approached as the iterations converge.
 * @example
 * ```ts
 * import { relax } from "wengert"
 * relax.softRank([5, 1, 2], { strength: 2 }).toArray() // => [3, 1.25, 1.75]
 * relax.softRank([5, 1, 2]).toArray() // => [3, 1, 2]
 * relax.softRank([5, 1, 2], { direction: "descending" }).toArray() // => [1, 3, 2]
 * ```
 * @throws {@link index!InvalidArgumentError} for a non-positive strength, an unknown method or direction, or an axis out of range.
 * @category relaxations
 * @since 0.1.0
 */
export function softRank(x: ArrayLike, opts: SoftSortOptions = {}): Array {
  const fn = "relax.softRank"
  const p = parse(fn, x, opts)
  if (p.x.shape[p.x.ndim - 1] === 0) return np.moveaxis(p.x, -1, p.axis)
  const out = p.method === "pav" ? pavRank(p.x, p.eps, p.descending) : sinkhornRank(fn, p.x, p.eps, p.descending, opts)
  return np.moveaxis(out, -1, p.axis)
}
