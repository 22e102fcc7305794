// wengert/numpy: numpy's names over wengert arrays, with numpy broadcasting and dtype
// promotion (JS numbers are weak). Every function takes ArrayLike and is differentiable
// where numpy's math is. Importing this module also installs the Array chaining methods.

import "./methods.js"

export { Array, type ArrayLike } from "../core/array.js"
export type { DType } from "../core/dtype.js"
export { array, asarray, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, type DTypeOption, type LinspaceOptions, type EyeOptions } from "./creation.js"
export { add, subtract, multiply, divide, negative, power, square, abs, sign, maximum, minimum, arctan2, floor, ceil, round } from "./elementwise.js"
export { sqrt, exp, expm1, log, log1p, sin, cos, tan, tanh, sinh, cosh, arcsin, arccos, arctan } from "./math.js"
export { equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalNot, isfinite, where, clip } from "./logic.js"
export { sum, mean, prod, max, min, argmax, argmin, var_ as var, std, cumsum, logsumexp, type Axis, type ReduceOptions, type VarOptions, type ArgOptions } from "./reductions.js"
export { reshape, transpose, moveaxis, expandDims, squeeze, broadcastTo, concatenate, stack, split } from "./shape.js"
export { take, slice, pad, flip, type PadOptions, type PadWidth } from "./indexing.js"
export { dot, matmul, outer, linalg, type NormOptions } from "./linalg.js"
export { einsum } from "./einsum.js"
