// The root of wengert: the transforms, the namespaces and the errors; nothing else.
import "./prims/index.js"
import "./numpy/index.js"

export { grad, valueAndGrad, type GradOptions } from "./transforms/grad.js"
export { jvp } from "./transforms/jvp.js"
export { vjp } from "./transforms/vjp.js"
export { linearize } from "./transforms/linearize.js"
export { vmap, type VmapOptions } from "./transforms/vmap.js"
export { jacfwd, jacrev, hessian, hvp } from "./transforms/jacobian.js"
export { jit, type JitOptions } from "./transforms/jit.js"
export { makeJaxpr } from "./transforms/makeJaxpr.js"
export { evalJaxpr } from "./transforms/evalJaxpr.js"
export { stopGradient } from "./prims/elementwise.js"
export { Array as WArray, type ArrayLike } from "./core/array.js"
export type { DType } from "./core/dtype.js"
export {
  ShapeError, DtypeError, ConcretizationError, TracerLeakError, NonDifferentiableError,
  EffectError, DecodeError, InvalidArgumentError, type WengertError,
} from "./core/errors.js"

export * as np from "./numpy/index.js"
export * as lax from "./lax/index.js"
export * as nn from "./nn/index.js"
export * as tree from "./tree/index.js"
export * as ir from "./ir/index.js"
export * as random from "./random/index.js"
export * as relax from "./relax/index.js"
export { checkpoint, remat, policies, checkpointName, type Policy } from "./transforms/checkpoint.js"
export { customJvp, customVjp } from "./transforms/custom.js"
export * as implicit from "./implicit/index.js"
export * as debug from "./debug/index.js"
export * as optim from "./optim/index.js"
export * as laws from "./laws/index.js"
