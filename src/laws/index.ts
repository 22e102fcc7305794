// wengert/laws: the law kit for users' own functions and rules. checkGrads compares
// derivatives with finite differences (as JAX's check_grads), checkVjpAgainstJvp checks that
// reverse mode transposes forward mode, and the arbitraries feed fast-check properties.
export { checkGrads, checkVjpAgainstJvp, checkCustomVjp, type CheckGradsOptions, type CheckVjpOptions } from "./checkGrads.js"
export { arrayArb, shapeArb, type ArrayArbOptions, type ShapeArbOptions } from "./arbitraries.js"
