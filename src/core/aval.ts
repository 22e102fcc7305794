// Abstract values: what a tracer knows under jit (shape and dtype, plus weak typing).

import { type DType, shortName } from "./dtype.js"
import { type Shape, sizeOf, shapeEq } from "./shape.js"

export class ShapedArray {
  constructor(readonly shape: Shape, readonly dtype: DType, readonly weakType = false) {}
  get ndim(): number { return this.shape.length }
  get size(): number { return sizeOf(this.shape) }
  str(): string { return `${shortName(this.dtype)}[${this.shape.join(",")}]` }
  equals(o: ShapedArray): boolean { return this.dtype === o.dtype && shapeEq(this.shape, o.shape) }
  strengthened(): ShapedArray { return this.weakType ? new ShapedArray(this.shape, this.dtype) : this }
}
export type Aval = ShapedArray
