// The appendix of docs/errors.md, generated from the source: every `new XError(…)` call of
// the eight tagged classes, with who raises it and its hint. `npm run docs:errors` rewrites
// the appendix; test/errors.test.ts fails while it is out of date.

import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

/** Each class with the index of its hint argument (the constructors in src/core/errors.ts). */
const CLASSES: readonly [string, number][] = [
  ["ShapeError", 2], ["DtypeError", 2], ["ConcretizationError", 2], ["TracerLeakError", 1],
  ["NonDifferentiableError", 1], ["EffectError", 2], ["DecodeError", 1], ["InvalidArgumentError", 1],
]
export const APPENDIX = "## Appendix: every raise site"

const root = join(fileURLToPath(import.meta.url), "../..")

function sources(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : []
  })
}

/** The top-level arguments of a call whose "(" is at `open`, as source text. */
function callArgs(src: string, open: number): string[] {
  const args: string[] = []
  let depth = 0, start = open + 1, i = open
  const skipString = (q: string): void => { // i at the opening quote; leaves i at the closing one
    for (i++; i < src.length && src[i] !== q; i++) {
      if (src[i] === "\\") i++
      else if (q === "`" && src[i] === "$" && src[i + 1] === "{") { i += 2; skipTo("}") }
    }
  }
  const skipTo = (close: string): void => { // inside ${…}: nested code up to the matching brace
    let d = 0
    for (; i < src.length; i++) {
      const c = src[i]!
      if (c === "\"" || c === "'" || c === "`") skipString(c)
      else if (c === "{" || c === "(" || c === "[") d++
      else if (c === "}" || c === ")" || c === "]") { if (d === 0 && c === close) return; d-- }
    }
  }
  for (; i < src.length; i++) {
    const c = src[i]!
    if (c === "\"" || c === "'" || c === "`") skipString(c)
    else if (c === "(" || c === "[" || c === "{") depth++
    else if (c === ")" || c === "]" || c === "}") {
      depth--
      if (depth === 0) { args.push(src.slice(start, i)); break }
    } else if (c === "," && depth === 1) { args.push(src.slice(start, i)); start = i + 1 }
  }
  return args.map((a) => a.replace(/\s+/g, " ").trim()).filter((a) => a !== "")
}

const cell = (t: string) => t.replace(/\|/g, "\\|")
function raisedBy(a: string): string {
  if (/^(["'])(.*)\1$/.test(a)) return `\`${a.slice(1, -1)}\``
  if (/^`[^`]*`$/.test(a)) return `\`${a.slice(1, -1)}\``
  return `_${a}_`
}

/** The appendix text, from its heading to the end of the file. */
export function catalog(): string {
  const rows = new Map<string, string[]>(CLASSES.map(([c]) => [c, []]))
  const hintAt = new Map(CLASSES)
  const pattern = new RegExp(`new (${CLASSES.map(([c]) => c).join("|")})\\(`, "g")
  for (const file of sources(join(root, "src"))) {
    const src = readFileSync(file, "utf8"), at = relative(join(root, "src"), file)
    if (at === "core/errors.ts") continue
    for (const m of src.matchAll(pattern)) {
      const args = callArgs(src, m.index + m[0].length - 1), cls = m[1]!
      const hint = args[hintAt.get(cls)!] ?? ""
      rows.get(cls)!.push(`| ${cell(raisedBy(args[0] ?? ""))} | ${at} | ${cell(hint)} |`)
    }
  }
  const out = [APPENDIX, "",
    "Generated from the source (`new XError(…)` calls) by `npm run docs:errors`. \"Raised by\" is the",
    "`fn` (or `transform`) argument, in italics when it is an expression (often the calling",
    "function's name); the message column is the hint or message template, after the class's prefix.", ""]
  for (const [cls] of CLASSES) {
    const r = rows.get(cls)!
    out.push(`### ${cls} (${r.length})`, "", "| Raised by | In | Message (after the prefix) |", "|---|---|---|", ...r, "")
  }
  return out.join("\n")
}

export const errorsDoc = join(root, "docs/errors.md")

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = readFileSync(errorsDoc, "utf8"), k = doc.indexOf(APPENDIX)
  if (k < 0) throw new Error(`docs/errors.md has no "${APPENDIX}" heading`)
  writeFileSync(errorsDoc, doc.slice(0, k) + catalog())
  console.log("docs/errors.md: appendix regenerated")
}
