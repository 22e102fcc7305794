// The JSON form covers the whole registry: every registered primitive has a schema entry
// (src/ir/schema.ts), so a new primitive without one fails here rather than at a user's decode.

import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import "wengert"
import { primitives } from "../../src/core/primitive.js"
import { knownPrimitives, primSchema } from "../../src/ir/schema.js"

describe("the IR schema table", () => {
  it("has an entry for every registered primitive", () => {
    const missing = primitives().map((p) => p.name).filter((n) => !primSchema(n))
    expect(missing, `add entries to src/ir/schema.ts for: ${missing.join(", ")}`).toEqual([])
  })

  it("never answers for prototype names", () => {
    for (const n of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) expect(primSchema(n)).toBeUndefined()
  })

  it("knows only well-formed names", () => {
    for (const n of knownPrimitives()) expect(n).toMatch(/^[a-z][a-z0-9_]*$/)
  })

  it("keeps effect out of the hot paths and in the edges", () => {
    const src = (p: string) => readFileSync(new URL(`../../src/${p}`, import.meta.url), "utf8")
    for (const f of ["core/trace.ts", "core/jaxprTrace.ts", "core/ir.ts", "prims/debug.ts", "debug/index.ts"])
      expect(src(f), f).not.toMatch(/from "effect/)
    expect(src("ir/decode.ts")).toMatch(/from "effect\/Schema"/)
  })
})
