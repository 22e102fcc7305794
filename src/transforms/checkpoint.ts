// checkpoint : (a -> b) -> (a -> b), same values and derivatives, but under reverse mode the
// only residuals kept are f's inputs: the backward pass recomputes f's forward pass
// (the `remat` / `remat_jvp` primitives in src/prims/remat.ts).

import type { Array } from "../core/array.js"
import { ClosedJaxpr, Jaxpr } from "../core/ir.js"
import { InvalidArgumentError } from "../core/errors.js"
import type { TreeDef } from "../core/tree.js"
import { bind } from "../core/trace.js"
import { rematP } from "../prims/remat.js"
import { nameP } from "../prims/elementwise.js"
import { flattenArgs, unflatten } from "./flat.js"
import { traceJaxprFlat } from "./makeJaxpr.js"

/** What a checkpointed function may keep from its forward pass. */
export type Policy =
  | { readonly kind: "nothingSaveable" }
  | { readonly kind: "everythingSaveable" }
  | { readonly kind: "dotsSaveable" }
  | { readonly kind: "saveOnlyNames"; readonly names: readonly string[] }

/**
 * Rematerialization policies. Today `everythingSaveable` keeps every residual (no
 * recomputation) and the others save only the checkpointed function's inputs; saving dots
 * or named values selectively is planned.
 * @example
 * ```ts
 * import { policies } from "wengert"
 * policies.nothingSaveable.kind // => "nothingSaveable"
 * ```
 * @category transforms
 * @since 0.1.0
 */
export const policies = {
  nothingSaveable: { kind: "nothingSaveable" } as Policy,
  everythingSaveable: { kind: "everythingSaveable" } as Policy,
  dotsSaveable: { kind: "dotsSaveable" } as Policy,
  saveOnlyNames: (names: readonly string[]): Policy => ({ kind: "saveOnlyNames", names: [...names] }),
}

/**
 * Same value and derivatives as `f`; under reverse mode it stores no residuals from inside
 * `f` and recomputes them in the backward pass.
 * @example
 * ```ts
 * import { checkpoint, grad, np } from "wengert"
 * grad(checkpoint((x) => np.sin(np.sin(x))))(0).item() // => 1
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function checkpoint(f: (...args: any[]) => any, opts: { policy?: Policy } = {}): (...args: any[]) => any {
  const policy = opts.policy ?? policies.nothingSaveable
  const kinds = ["nothingSaveable", "everythingSaveable", "dotsSaveable", "saveOnlyNames"]
  if (!policy || typeof policy !== "object" || !kinds.includes((policy as { kind?: string }).kind ?? ""))
    throw new InvalidArgumentError("checkpoint", "policy must be one of policies.nothingSaveable, everythingSaveable, dotsSaveable or saveOnlyNames([...]).")
  if (policy.kind === "everythingSaveable") return f
  return (...args: any[]) => {
    const [xs, inDef] = flattenArgs("checkpoint", args)
    let outDef: TreeDef | undefined
    const traced = traceJaxprFlat("checkpoint", (ins) => {
      const [leaves, def] = flattenArgs("checkpoint", f(...unflatten(inDef, ins)))
      outDef = def
      return leaves
    }, xs.map((x) => x.aval))
    // constants (possibly tracers of enclosing transforms) become explicit inputs
    const j = traced.jaxpr
    const body = new ClosedJaxpr(new Jaxpr([], [...j.constvars, ...j.invars], j.outvars, j.eqns), [])
    const outs = bind(rematP, [...(traced.consts as Array[]), ...xs], { jaxpr: body, policy: policy.kind })
    return unflatten(outDef!, outs)
  }
}

/** Alias of {@link checkpoint}. */
export const remat = checkpoint

/**
 * Names a value for `policies.saveOnlyNames`; the identity otherwise.
 * @example
 * ```ts
 * import { checkpointName } from "wengert"
 * checkpointName(2, "h").item() // => 2
 * ```
 * @category transforms
 * @since 0.1.0
 */
export function checkpointName(x: unknown, name: string): Array {
  return bind(nameP, [flattenArgs("checkpointName", [x])[0][0]!], { name })[0]!
}
