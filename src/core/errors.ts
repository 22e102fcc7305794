// Every error the library raises: tagged classes united as WengertError. No `effect` here:
// the `.safe` forms at the edges turn these into Results.

import type { Shape } from "./shape.js"

const show = (s: Shape) => `[${s.join(",")}]`

/** Shapes that do not fit the operation. */
export class ShapeError extends Error {
  readonly _tag = "ShapeError" as const
  constructor(readonly fn: string, readonly shapes: readonly Shape[], readonly hint: string) {
    super(`${fn}: incompatible shapes ${shapes.map(show).join(", ")}. ${hint}`)
    this.name = "ShapeError"
  }
}

/** A dtype the operation does not accept. */
export class DtypeError extends Error {
  readonly _tag = "DtypeError" as const
  constructor(readonly fn: string, readonly dtypes: readonly string[], readonly hint: string) {
    super(`${fn}: unsupported dtype ${dtypes.join(", ")}. ${hint}`)
    this.name = "DtypeError"
  }
}

/** A traced value's number was read where only its shape is known (under jit, or batched under vmap). */
export class ConcretizationError extends Error {
  readonly _tag = "ConcretizationError" as const
  constructor(readonly fn: string, readonly aval: string, readonly hint: string) {
    super(`${fn}: cannot read the value of a traced array ${aval}. ${hint}`)
    this.name = "ConcretizationError"
  }
}

/** A tracer used after the transform that made it has finished. */
export class TracerLeakError extends Error {
  readonly _tag = "TracerLeakError" as const
  constructor(readonly transform: string, readonly aval: string) {
    super(`${transform}: a tracer ${aval} escaped its transform (it was stored outside the function and used after the transform returned). Return it from the function instead of storing it.`)
    this.name = "TracerLeakError"
  }
}

/** A derivative was asked of something that has none. */
export class NonDifferentiableError extends Error {
  readonly _tag = "NonDifferentiableError" as const
  constructor(readonly fn: string, readonly hint: string) {
    super(`${fn}: not differentiable here. ${hint}`)
    this.name = "NonDifferentiableError"
  }
}

/** An effectful equation met a transform that has no rule for its effect; `shapes` are those involved (e.g. the batched predicate's). */
export class EffectError extends Error {
  readonly _tag = "EffectError" as const
  constructor(readonly fn: string, readonly effect: string, readonly hint: string, readonly shapes: readonly Shape[] = []) {
    super(`${fn}: effect '${effect}' is not supported here. ${hint}`)
    this.name = "EffectError"
  }
}

/** Foreign IR that failed validation. */
export class DecodeError extends Error {
  readonly _tag = "DecodeError" as const
  constructor(readonly path: string, readonly hint: string) {
    super(`ir.decode: invalid IR at ${path || "<root>"}. ${hint}`)
    this.name = "DecodeError"
  }
}

/** An argument that is not shape or dtype related but still wrong (a bad option, a non-array leaf). */
export class InvalidArgumentError extends Error {
  readonly _tag = "InvalidArgumentError" as const
  constructor(readonly fn: string, readonly hint: string) {
    super(`${fn}: ${hint}`)
    this.name = "InvalidArgumentError"
  }
}

export type WengertError =
  | ShapeError | DtypeError | ConcretizationError | TracerLeakError
  | NonDifferentiableError | EffectError | DecodeError | InvalidArgumentError

const tags = new Set(["ShapeError", "DtypeError", "ConcretizationError", "TracerLeakError",
  "NonDifferentiableError", "EffectError", "DecodeError", "InvalidArgumentError"])

export const isWengertError = (e: unknown): e is WengertError =>
  e instanceof Error && tags.has((e as { _tag?: string })._tag ?? "")
