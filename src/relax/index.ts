// wengert/relax: soft relaxations of discrete operations (max, argmax, step, sort, rank,
// categorical sampling) and surrogate gradients. Each is a composition of primitives except
// the PAV isotonic regression behind softSort/softRank, which has its own record
// (src/prims/isotonic.ts) for its exact block-averaging Jacobian.

export { logsumexp, softmax, smoothMax, sigmoidStep, type SmoothReduceOptions, type SoftmaxOptions, type TemperatureOptions } from "./smooth.js"
export { softSort, softRank, type SoftSortOptions } from "./sort.js"
export type { SinkhornOptions } from "./sinkhorn.js"
export { straightThrough, stopGradient, gumbelSoftmax, type GumbelSoftmaxOptions } from "./surrogate.js"
