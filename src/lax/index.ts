// wengert/lax: the primitives' low-level forms (equal shapes, no implicit promotion) and,
// as they land, structured control flow.
export {
  add, sub, mul, div, pow, max, min, atan2, neg, sin, cos, tan, tanh, sinh, cosh, asin, acos, atan,
  exp, expm1, log, log1p, sqrt, logistic, abs, sign, floor, ceil, round, isFinite, integerPow,
  eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalNot, select, stopGradient,
} from "../prims/elementwise.js"
export { broadcastInDim, reshape, transpose, slice, pad, concatenate, rev, convert, iota, take, scatterAdd } from "../prims/shape.js"
export { reduceSum, reduceMax, reduceMin, reduceProd, cumsum } from "../prims/reductions.js"
export { dotGeneral } from "../prims/dot.js"
export { scan, forILoop, type ScanOptions } from "./scan.js"
export type { ScanCheckpoint } from "./scanCheckpoint.js"
export { cond, switch_ as switch, whileLoop, type WhileOptions } from "./control.js"
export { customLinearSolve, customRoot } from "./linearSolve.js"
