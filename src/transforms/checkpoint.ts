// checkpoint : (a -> b) -> (a -> b), same values and derivatives, but under reverse mode the
// only residuals kept are f's inputs: the backward pass recomputes f's forward pass
// (the `remat` / `remat_jvp` primitives in src/prims/remat.ts).

import type { Array } from "../core/array.js"
import { type Atom, ClosedJaxpr, Eqn, Jaxpr, Var } from "../core/ir.js"
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
 * Rematerialization policies: what a checkpointed function may keep for the backward pass
 * besides its inputs. `nothingSaveable` (the default) keeps only the inputs and recomputes
 * everything; `everythingSaveable` keeps every residual (no recomputation, as without
 * checkpoint); `dotsSaveable` keeps the outputs of `dot_general` (matmuls, dots) made by the
 * function itself and recomputes the cheap elementwise rest; `saveOnlyNames(names)` keeps
 * the values tagged by {@link checkpointName} with one of `names`.
 * @example
 * ```ts
 * import { checkpoint, checkpointName, grad, np, policies } from "wengert"
 * policies.nothingSaveable.kind // => "nothingSaveable"
 * const f = checkpoint((x) => np.sin(checkpointName(np.exp(x), "e")), { policy: policies.saveOnlyNames(["e"]) })
 * grad(f)(0).item() // => 0.5403023058681398
 * ```
 * @throws {@link index!InvalidArgumentError} from `saveOnlyNames` when `names` is not an array of strings.
 * @category transforms
 * @since 0.1.0
 */
export const policies = {
  nothingSaveable: { kind: "nothingSaveable" } as Policy,
  everythingSaveable: { kind: "everythingSaveable" } as Policy,
  dotsSaveable: { kind: "dotsSaveable" } as Policy,
  saveOnlyNames: (names: readonly string[]): Policy => {
    if (!globalThis.Array.isArray(names) || names.some((n) => typeof n !== "string"))
      throw new InvalidArgumentError("policies.saveOnlyNames", `names must be an array of strings (the names given to checkpointName), got ${String(names)}.`)
    return { kind: "saveOnlyNames", names: [...names] }
  },
}

/**
 * Same value and derivatives as `f`; under reverse mode it stores no residuals from inside
 * `f` (beyond what `policy` allows, see {@link policies}) and recomputes them in the
 * backward pass.
 * @example
 * ```ts
 * import { checkpoint, grad, np, policies } from "wengert"
 * grad(checkpoint((x) => np.sin(np.sin(x))))(0).item() // => 1
 * grad(checkpoint((x) => np.sin(np.dot(x, x)), { policy: policies.dotsSaveable }))(np.array([1, 0])).toArray()
 * // => [1.0806046117362795, 0]
 * ```
 * @throws {@link index!InvalidArgumentError} when `policy` is not one of {@link policies}.
 * @category transforms
 * @since 0.1.0
 */
export function checkpoint(f: (...args: any[]) => any, opts: { policy?: Policy } = {}): (...args: any[]) => any {
  const policy = opts.policy ?? policies.nothingSaveable
  const kinds = ["nothingSaveable", "everythingSaveable", "dotsSaveable", "saveOnlyNames"]
  const kind = policy && typeof policy === "object" ? (policy as { kind?: unknown }).kind : undefined
  if (typeof kind !== "string" || !kinds.includes(kind))
    throw new InvalidArgumentError("checkpoint", `unknown policy ${JSON.stringify(kind ?? policy) ?? String(policy)}; use policies.nothingSaveable, everythingSaveable, dotsSaveable or saveOnlyNames([...]).`)
  if (policy.kind === "saveOnlyNames" && (!globalThis.Array.isArray(policy.names) || policy.names.some((n) => typeof n !== "string")))
    throw new InvalidArgumentError("checkpoint", "a saveOnlyNames policy needs an array of names; build it with policies.saveOnlyNames([...]).")
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
    const eqns = policy.kind === "saveOnlyNames" ? keepNames(j.eqns, j.outvars, policy.names) : [j.eqns, j.outvars] as const
    const body = new ClosedJaxpr(new Jaxpr([], [...j.constvars, ...j.invars], eqns[1], eqns[0]), [])
    const outs = bind(rematP, [...(traced.consts as Array[]), ...xs], { jaxpr: body, policy: policy.kind })
    return unflatten(outDef!, outs)
  }
}

/**
 * The equations with every `name` equation whose name is not in `names` dropped (a name is
 * the identity): under saveOnlyNames, the remaining name equations are what may be saved.
 */
function keepNames(eqns: readonly Eqn[], outvars: readonly Atom[], names: readonly string[]): readonly [Eqn[], Atom[]] {
  const alias = new Map<Var, Atom>()
  const sub = (a: Atom): Atom => (a instanceof Var ? alias.get(a) ?? a : a)
  const kept: Eqn[] = []
  for (const e of eqns) {
    if (e.prim === nameP && !names.includes((e.params as { name: string }).name)) { alias.set(e.outputs[0]!, sub(e.inputs[0]!)); continue }
    kept.push(e.inputs.some((a) => a instanceof Var && alias.has(a)) ? new Eqn(e.prim, e.inputs.map(sub), e.outputs, e.params, e.effects) : e)
  }
  return [kept, outvars.map(sub)]
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
