// wengert/optim: optimizers in optax's functional style (pure init/update over pytrees,
// jit-able) and `minimize`, a driver for L-BFGS, damped Newton and Adam on a pytree x.

export {
  sgd, momentum, adam, applyUpdates,
  type Optimizer, type LearningRate, type SgdState, type MomentumState, type AdamState,
} from "./optimizers.js"
export {
  minimize,
  type MinimizeMethod, type MinimizeOptions, type MinimizeResult, type StepInfo, type HistoryEntry,
} from "./minimize.js"
