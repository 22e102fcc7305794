// Eager kernels shared by shape and reduction primitives: strided copies driven by an
// odometer over the output (no recursion, no allocation per element).

import { NdArray } from "../core/array.js"
import type { DType, TypedArray } from "../core/dtype.js"
import { allocate } from "../core/dtype.js"
import { type Shape, sizeOf } from "../core/shape.js"

/** out[i0..ik] = src[offset + Σ ij * strides[j]] for every output index. */
export function stridedCopy(src: TypedArray, offset: number, strides: readonly number[], outShape: Shape, dtype: DType): NdArray {
  const n = sizeOf(outShape), nd = outShape.length
  const out = allocate(dtype, n)
  if (n === 0) return new NdArray(out, outShape, dtype)
  if (nd === 0) { out[0] = src[offset]!; return new NdArray(out, outShape, dtype) }
  const idx = new Int32Array(nd)
  const last = nd - 1, lastN = outShape[last]!, lastS = strides[last]!
  let base = offset
  for (let k = 0; k < n; k += lastN) {
    let p = base
    for (let i = 0; i < lastN; i++, p += lastS) out[k + i] = src[p]!
    // advance the odometer over the leading dims
    for (let d = last - 1; d >= 0; d--) {
      idx[d]!++
      base += strides[d]!
      if (idx[d]! < outShape[d]!) break
      base -= strides[d]! * outShape[d]!
      idx[d] = 0
    }
  }
  return new NdArray(out, outShape, dtype)
}
