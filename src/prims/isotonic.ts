// Isotonic regression by pool-adjacent-violators (PAV), the O(n) core of fast soft sorting
// and ranking (Blondel et al. 2020), with the two helpers it rests on: `argsort` (the
// permutation that sorts, zero derivative) and `block_sum` (sums over the blocks PAV found,
// linear and self-adjoint, which carries the JVP). All act on the last axis and batch over
// the leading ones, so a batched operand only has to move its batch axis to the front.

import { NdArray, type Array } from "../core/array.js"
import { ShapedArray } from "../core/aval.js"
import { allocate, floats, numeric, shortName } from "../core/dtype.js"
import { DtypeError, ShapeError } from "../core/errors.js"
import { type Primitive, Zero, isUndefined, isZero, primitive, zeroDerivative } from "../core/primitive.js"
import { shapeEq } from "../core/shape.js"
import { bind, bind1 } from "../core/trace.js"
import { div } from "./elementwise.js"
import { broadcastInDim, moveAxisTo0 } from "./shape.js"

type None = Record<string, never>
const none = {} as None

function lastAxis(name: string, x: ShapedArray): void {
  if (x.ndim === 0) throw new ShapeError(name, [x.shape], "needs at least one axis: it works along the last one. Reshape a scalar to [1].")
}

// argsort ----------------------------------------------------------------------------------

type ArgsortP = { descending: boolean }

/** Indices that sort each row of the last axis; stable, NaN sorts as the largest value (numpy's rule). */
export const argsortP: Primitive<ArgsortP> = primitive<ArgsortP>({
  name: "argsort",
  abstractEval: ([x]) => {
    lastAxis("argsort", x!)
    if (!numeric.includes(x!.dtype)) throw new DtypeError("argsort", [shortName(x!.dtype)], "convert booleans with astype first.")
    return [new ShapedArray(x!.shape, "int32")]
  },
  impl: ([x], { descending }) => {
    const n = x!.shape[x!.ndim - 1]!, d = x!.data, out = new Int32Array(x!.size)
    const idx: number[] = new globalThis.Array<number>(n), sign = descending ? -1 : 1
    let o = 0
    // by value (NaN above everything), then by index, so equal values keep their order
    const cmp = (a: number, b: number): number => {
      const va = d[o + a]!, vb = d[o + b]!
      const na = va !== va, nb = vb !== vb
      const c = na || nb ? (na ? 1 : 0) - (nb ? 1 : 0) : va < vb ? -1 : va > vb ? 1 : 0
      return c !== 0 ? sign * c : a - b
    }
    for (; o < out.length; o += n) {
      for (let i = 0; i < n; i++) idx[i] = i
      idx.sort(cmp)
      for (let i = 0; i < n; i++) out[o + i] = idx[i]!
    }
    return [new NdArray(out, x!.shape, "int32")]
  },
  jvp: zeroDerivative,
  batch: ([x], [bd], params) => [[bind1(argsortP, [moveAxisTo0(x!, bd!)], params)], [0]],
  laws: { noFiniteDifferences: true },
})
export const argsort = (x: Array, descending = false): Array => bind1(argsortP, [x], { descending })

// block_sum --------------------------------------------------------------------------------

/**
 * block_sum(x, ids): out[..., i] = Σ x[..., j] over the j of the same row with ids[..., j] =
 * ids[..., i]. Linear in x, and its matrix (per row, 1 where two entries share a block) is
 * symmetric, so it is its own transpose.
 */
export const blockSumP: Primitive<None> = primitive<None>({
  name: "block_sum",
  abstractEval: ([x, ids]) => {
    lastAxis("block_sum", x!)
    if (!shapeEq(x!.shape, ids!.shape)) throw new ShapeError("block_sum", [x!.shape, ids!.shape], "values and block ids must have one shape.")
    if (!floats.includes(x!.dtype)) throw new DtypeError("block_sum", [shortName(x!.dtype)], "values must be float32 or float64.")
    if (ids!.dtype !== "int32") throw new DtypeError("block_sum", [shortName(ids!.dtype)], "block ids must be int32.")
    return [new ShapedArray(x!.shape, x!.dtype, x!.weakType)]
  },
  impl: ([x, ids]) => {
    const n = x!.shape[x!.ndim - 1]!, xd = x!.data, id = ids!.data
    const out = allocate(x!.dtype, x!.size), acc = new Float64Array(n)
    for (let o = 0; o < out.length; o += n) {
      acc.fill(0)
      // ids outside [0, n) clamp into range, as gather's indices do
      for (let i = 0; i < n; i++) acc[clampId(id[o + i]!, n)] += xd[o + i]!
      for (let i = 0; i < n; i++) out[o + i] = acc[clampId(id[o + i]!, n)]!
    }
    return [new NdArray(out, x!.shape, x!.dtype, x!.aval.weakType)]
  },
  jvp: ([x, ids], [dx]) => {
    const out = blockSum(x!, ids!)
    return [[out], [isZero(dx) ? new Zero(out.aval) : blockSum(dx!, ids!)]]
  },
  transpose: ([ct], [x, ids]) => {
    if (!isUndefined(x) || isUndefined(ids)) throw new Error("internal: block_sum is linear in its values only")
    return [isZero(ct) ? new Zero(x.aval) : blockSum(ct!, ids), null]
  },
  batch: ([x, ids], [bx, bi], _params, size) => {
    const front = (a: Array, b: number | null): Array => (b === null ? broadcastInDim(a, [size, ...a.shape], a.shape.map((_, k) => k + 1)) : moveAxisTo0(a, b))
    return [[blockSum(front(x!, bx!), front(ids!, bi!))], [0]]
  },
})
const clampId = (v: number, n: number): number => (v < 0 ? 0 : v >= n ? n - 1 : v)
export const blockSum = (x: Array, ids: Array): Array => bind1(blockSumP, [x, ids], none)

// isotonic_regression ----------------------------------------------------------------------

/**
 * isotonic_regression(y) = [v, blocks]: v = argmin ½‖v − y‖² subject to v₁ ≥ v₂ ≥ … ≥ vₙ
 * along the last axis (PAV, O(n) per row), and the int32 id (0, 1, …) of the block of
 * equal values each entry belongs to. Within a block v is the mean of y over the block, and
 * the blocks stay put under a small enough perturbation of y (away from ties), so the
 * Jacobian is block-diagonal averaging: dv = block_sum(dy) / block size.
 */
export const isotonicP: Primitive<None> = primitive<None>({
  name: "isotonic_regression",
  abstractEval: ([y]) => {
    lastAxis("isotonic_regression", y!)
    if (!floats.includes(y!.dtype)) throw new DtypeError("isotonic_regression", [shortName(y!.dtype)], "y must be float32 or float64.")
    return [new ShapedArray(y!.shape, y!.dtype, y!.weakType), new ShapedArray(y!.shape, "int32")]
  },
  impl: ([y]) => {
    const n = y!.shape[y!.ndim - 1]!, yd = y!.data
    const v = allocate(y!.dtype, y!.size), blocks = new Int32Array(y!.size)
    // the stack of blocks: sums, sizes and first indices; k blocks are active
    const sum = new Float64Array(n), cnt = new Float64Array(n), first = new Int32Array(n)
    for (let o = 0; o < v.length; o += n) {
      let k = 0
      for (let i = 0; i < n; i++) {
        sum[k] = yd[o + i]!; cnt[k] = 1; first[k] = i; k++
        // pool while the previous block's mean is below the last one's (a violation of ≥)
        while (k > 1 && sum[k - 2]! / cnt[k - 2]! < sum[k - 1]! / cnt[k - 1]!) {
          sum[k - 2] += sum[k - 1]!; cnt[k - 2] += cnt[k - 1]!; k--
        }
      }
      for (let b = 0; b < k; b++) {
        const mean = sum[b]! / cnt[b]!, end = b + 1 < k ? first[b + 1]! : n
        for (let i = first[b]!; i < end; i++) { v[o + i] = mean; blocks[o + i] = b }
      }
    }
    return [new NdArray(v, y!.shape, y!.dtype, y!.aval.weakType), new NdArray(blocks, y!.shape, "int32")]
  },
  // dv = block_sum(dy) / block_sum(1): the mean of the tangent over each block
  jvp: ([y], [dy]) => {
    const [v, blocks] = isotonic(y!)
    if (isZero(dy)) return [[v, blocks], [new Zero(v.aval), new Zero(blocks.aval)]]
    const sizes = blockSum(broadcastInDim(NdArray.scalar(1, y!.dtype), y!.shape, []), blocks)
    return [[v, blocks], [div(blockSum(dy!, blocks), sizes), new Zero(blocks.aval)]]
  },
  batch: ([y], [bd]) => [isotonic(moveAxisTo0(y!, bd!)), [0, 0]],
  laws: { domain: "real" },
})
/** [v, blocks] of the decreasing isotonic regression of y along its last axis. */
export const isotonic = (y: Array): [Array, Array] => {
  const [v, blocks] = bind(isotonicP, [y], none)
  return [v!, blocks!]
}
