// The non-throwing forms: each `.safe` entry point runs its throwing twin and returns
// effect's Result, catching only the library's tagged errors (bugs still throw).
// This is the one place the transforms touch `effect`.

import * as Result from "effect/Result"
import { type WengertError, isWengertError } from "./core/errors.js"

export function attempt<A>(thunk: () => A): Result.Result<A, WengertError> {
  try {
    return Result.succeed(thunk())
  } catch (e) {
    if (isWengertError(e)) return Result.fail(e)
    throw e
  }
}

/** Lifts a function-returning transform into one whose results are Results. */
export const safeCall = <Args extends unknown[], R>(f: (...args: Args) => R) =>
  (...args: Args): Result.Result<R, WengertError> => attempt(() => f(...args))
