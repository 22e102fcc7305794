// JAX-style printing of jaxprs: `{ lambda a:f64[]; b:f64[3]. let c:f64[3] = sin b in (c,) }`.
// Iterative over equations, so a 10^5-equation jaxpr prints without deep recursion.

import type { Atom, Jaxpr } from "./ir.js"
import { Var, ClosedJaxpr, Jaxpr as JaxprClass } from "./ir.js"
import { NdArray } from "./array.js"

function nameOf(n: number): string {
  let s = ""
  do { s = String.fromCharCode(97 + (n % 26)) + s; n = Math.floor(n / 26) } while (n > 0)
  return s
}

class Names {
  private readonly map = new Map<Var, string>()
  get(v: Var): string {
    let s = this.map.get(v)
    if (s === undefined) { s = nameOf(this.map.size); this.map.set(v, s) }
    return s
  }
}

function formatLiteral(x: NdArray): string {
  const v = x.data[0]!
  if (x.dtype === "bool") return v ? "True" : "False"
  if (x.dtype === "float64" || x.dtype === "float32") {
    const s = Number.isInteger(v) ? `${v}.0` : String(v)
    return x.dtype === "float32" ? `${s}:f32` : s
  }
  return String(v)
}

export function printJaxpr(jaxpr: Jaxpr, indent = 0, names = new Names()): string {
  const pad = " ".repeat(indent)
  const atom = (a: Atom): string => (a instanceof Var ? names.get(a) : formatLiteral(a.value))
  const binder = (v: Var): string => `${names.get(v)}:${v.aval.str()}`
  const param = (p: unknown): string => {
    if (p instanceof ClosedJaxpr || p instanceof JaxprClass) {
      const j = p instanceof ClosedJaxpr ? p.jaxpr : p
      return "\n" + printJaxpr(j, indent + 6, names)
    }
    if (globalThis.Array.isArray(p)) return p.length === 1 ? `(${param(p[0])},)` : `(${p.map(param).join(", ")})`
    if (p === null || p === undefined) return "None"
    if (typeof p === "function") return p.name || "<fn>"
    if (typeof p === "object") return p.constructor?.name && p.constructor !== Object ? `<${p.constructor.name}>` : JSON.stringify(p)
    return String(p)
  }
  const head = `${pad}{ lambda ${jaxpr.constvars.map(binder).join(" ")}; ${jaxpr.invars.map(binder).join(" ")}. let`
  const lines = [head]
  for (const e of jaxpr.eqns) {
    const keys = Object.keys(e.params)
    const ps = keys.length ? `[${keys.map((k) => `${k}=${param(e.params[k])}`).join(" ")}]` : ""
    // an equation without outputs (debug_print) has no left-hand side, as JAX prints it, and
    // one without inputs no trailing space
    const lhs = e.outputs.length ? `${e.outputs.map(binder).join(" ")} = ` : ""
    const rhs = e.inputs.length ? ` ${e.inputs.map(atom).join(" ")}` : ""
    lines.push(`${pad}    ${lhs}${e.prim.name}${ps}${rhs}`)
  }
  const outs = jaxpr.outvars.map(atom)
  lines.push(`${pad}  in (${outs.join(", ")}${outs.length === 1 ? "," : ""}) }`)
  return lines.join("\n")
}
