// Runs every ```ts block of every TSDoc `@example` in src/, and of README.md and
// docs/**/*.md (not docs/api), as its own test; other fences are not run. A statement
// followed by `// => <expected>` (on its line, or on the next line) is evaluated and
// compared with <expected>: JSON (plus Infinity and NaN) deeply, numbers to 1e-12 relative
// and wengert arrays by their values; anything else with the value's printed form. A
// `console.log(x)` followed on the next lines by `// …` comment lines is checked the same
// way against the text of those lines (what it prints: a jaxpr, an array). A block without
// either must still run without throwing. A block in src/ that imports nothing
// documents an internal helper: it sees the exports of its own file (those it names).
// Blocks are written to .doc-examples/ (gitignored, outside tsconfig's includes so stale
// copies never reach the type-check) and imported, so `import … from "wengert"` resolves
// through vitest's alias exactly as a user's import would.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { inspect } from "node:util"
import ts from "typescript"
import { afterAll, describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const srcDir = join(root, "src")
const outDir = join(root, ".doc-examples")

interface DocExample {
  readonly file: string   // relative to the repo, e.g. src/transforms/grad.ts
  readonly symbol: string // e.g. grad, Array.item, vjp.withAux
  readonly line: number   // 1-based line of the code fence in the source file
  readonly code: string
}

// ---------------------------------------------------------------------------------------
// Discovery: TSDoc comments, the symbol each documents, and their @example code blocks.

function sourceFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f))
    .sort()
}

/** The name a TSDoc comment documents: `f`, `Class.method`, `vjp.withAux`, `{ a, b }`. */
function symbolOf(node: ts.Node, sf: ts.SourceFile): string {
  const named = (n: ts.Node): string | undefined => {
    if (ts.isVariableStatement(n)) return n.declarationList.declarations.map((d) => d.name.getText(sf)).join(", ")
    if (ts.isExportDeclaration(n) && n.exportClause && ts.isNamedExports(n.exportClause))
      return `{ ${n.exportClause.elements.map((e) => e.name.getText(sf)).join(", ")} }`
    if (ts.isExpressionStatement(n) && ts.isBinaryExpression(n.expression)) return n.expression.left.getText(sf)
    const name = (n as { name?: ts.Node }).name
    if (name) return name.getText(sf)
    if (ts.isConstructorDeclaration(n)) return "constructor"
    return undefined
  }
  const own = named(node) ?? ts.SyntaxKind[node.kind]
  const parent = node.parent
  if (parent && (ts.isClassLike(parent) || ts.isInterfaceDeclaration(parent)) && parent.name)
    return `${parent.name.getText(sf)}.${own}`
  return own
}

/** The ```ts blocks inside the @example sections of one comment's raw text. */
function exampleBlocks(comment: string): { offsetLine: number; code: string }[] {
  const lines = comment.split("\n").map((l, i) =>
    i === 0 ? l.replace(/^\s*\/\*\*\s?/, "") : l.replace(/\*\/\s*$/, "").replace(/^\s*\* ?/, ""))
  const blocks: { offsetLine: number; code: string }[] = []
  let inExample = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (/^\s*@\w+/.test(line)) inExample = /^\s*@example\b/.test(line)
    if (!inExample || !/^\s*```(ts|typescript)\s*$/.test(line)) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!)
    blocks.push({ offsetLine: start, code: body.join("\n") })
  }
  return blocks
}

/** The ```ts blocks of the README and the guides, named after the heading above each. */
function markdownExamples(): DocExample[] {
  const files = [join(root, "README.md"), ...(readdirSync(join(root, "docs"), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".md") && !f.startsWith("api"))
    .map((f) => join(root, "docs", f))]
  const found: DocExample[] = []
  for (const path of files.filter((f) => existsSync(f)).sort()) {
    const lines = readFileSync(path, "utf8").split("\n")
    const file = relative(root, path).split("\\").join("/")
    let heading = "(top)"
    const perHeading = new Map<string, number>()
    for (let i = 0; i < lines.length; i++) {
      const h = /^#{1,6}\s+(.*)$/.exec(lines[i]!)
      if (h) heading = h[1]!.trim()
      if (/^```/.test(lines[i]!) && !/^```(ts|typescript)\s*$/.test(lines[i]!)) {
        for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++);   // skip other fences
        continue
      }
      if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue
      const start = i
      const body: string[] = []
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!)
      const k = (perHeading.get(heading) ?? 0) + 1
      perHeading.set(heading, k)
      found.push({ file, symbol: `${heading} #${k}`, line: start + 1, code: body.join("\n") })
    }
  }
  return found
}

/** Every `/** … *\/` comment of a parsed file: the comments before each token (never inside a string). */
function docComments(sf: ts.SourceFile): { pos: number; text: string }[] {
  const seen = new Map<number, string>()
  const visit = (node: ts.Node) => {
    for (const r of ts.getLeadingCommentRanges(sf.text, node.pos) ?? []) {
      const t = sf.text.slice(r.pos, r.end)
      if (r.kind === ts.SyntaxKind.MultiLineCommentTrivia && t.startsWith("/**")) seen.set(r.pos, t)
    }
    for (const child of node.getChildren(sf)) visit(child)
  }
  visit(sf)
  return [...seen].sort((a, b) => a[0] - b[0]).map(([pos, text]) => ({ pos, text }))
}

function discover(): DocExample[] {
  const found: DocExample[] = []
  for (const path of sourceFiles(srcDir)) {
    const text = readFileSync(path, "utf8")
    if (!text.includes("@example")) continue
    const file = relative(root, path).split("\\").join("/")
    const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true)
    // comments attached to declarations give the symbol; any other /** */ gets its line
    const owners = new Map<number, string>()
    const visit = (node: ts.Node) => {
      for (const doc of ts.getJSDocCommentsAndTags(node))
        if (ts.isJSDoc(doc) && !owners.has(doc.pos)) owners.set(doc.pos, symbolOf(node, sf))
      ts.forEachChild(node, visit)
    }
    visit(sf)
    for (const c of docComments(sf)) {
      const commentLine = sf.getLineAndCharacterOfPosition(c.pos).line + 1
      const symbol = owners.get(c.pos) ?? `(comment at line ${commentLine})`
      for (const b of exampleBlocks(c.text)) found.push({ file, symbol, line: commentLine + b.offsetLine, code: b.code })
    }
  }
  return found
}

// ---------------------------------------------------------------------------------------
// Rewriting a block into a module: imports stay at the top, the rest becomes the body of
// an async function, and each statement followed by `// =>` becomes a check.

interface Check { readonly line: number; readonly source: string; readonly expected: string; readonly printed?: boolean }

/**
 * The output a `console.log(x)` statement shows in the comment lines right under it
 * (`// { lambda ; a:f64[3]. let` …), or null when it is not followed by such lines.
 */
function printedOutput(s: ts.Statement, sf: ts.SourceFile, trail: string): { arg: string; text: string } | null {
  if (!ts.isExpressionStatement(s) || !ts.isCallExpression(s.expression)) return null
  const call = s.expression
  if (call.expression.getText(sf) !== "console.log" || call.arguments.length !== 1) return null
  const lines = trail.split("\n")
  if (lines.length < 2 || lines[0]!.trim() !== "") return null   // a comment on the same line is prose
  const shown: string[] = []
  for (const l of lines.slice(1)) {
    const m = /^\s*\/\/ ?(.*)$/.exec(l)
    if (!m) break
    shown.push(m[1]!)
  }
  if (shown.length === 0 || shown.some((l) => /^\s*=>/.test(l))) return null
  return { arg: call.arguments[0]!.getText(sf), text: shown.join("\n") }
}

/** A line starting with `[`, `(` or a template that JS reads as indexing or calling the line above. */
function asiHazard(statement: ts.Node, sf: ts.SourceFile): string | null {
  const code = sf.text
  let found: string | null = null
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line
  const visit = (n: ts.Node): void => {
    if (found) return
    let open = -1
    if (ts.isElementAccessExpression(n)) open = code.indexOf("[", n.expression.end)
    else if (ts.isCallExpression(n) && code[n.arguments.pos - 1] === "(") open = n.arguments.pos - 1
    else if (ts.isTaggedTemplateExpression(n)) open = n.template.getStart(sf)
    if (open >= 0 && lineOf(open) > lineOf(n.getStart(sf)) && lineOf(open) > lineOf(n.getChildAt(0, sf).end)) {
      const lineStart = code.lastIndexOf("\n", open) + 1
      if (code.slice(lineStart, open).trim() === "") found = code.slice(lineStart, code.indexOf("\n", open) < 0 ? undefined : code.indexOf("\n", open)).trim()
    }
    ts.forEachChild(n, visit)
  }
  visit(statement)
  return found
}

/** `self` names the documented file's exports, brought into scope when the block imports nothing. */
function compile(code: string, self?: { path: string; names: readonly string[] }): { module: string; checks: Check[] } {
  const sf = ts.createSourceFile("example.ts", code, ts.ScriptTarget.ES2022, true)
  const statements = [...sf.statements]
  const checks: Check[] = []
  const imports: string[] = []
  const body: string[] = []
  const trivia = (from: number, to: number) => code.slice(from, to)
  const arrow = (t: string) => [...t.matchAll(/\/\/\s*=>[ \t]?([^\n]*)/g)].map((m) => m[1]!.trim())
  const before = statements.length > 0 ? trivia(0, statements[0]!.getStart(sf)) : code
  if (arrow(before).length > 0) throw new Error("a `// =>` comment comes before any statement")
  statements.forEach((s, i) => {
    const text = s.getText(sf)
    const after = arrow(trivia(s.end, i + 1 < statements.length ? statements[i + 1]!.getStart(sf) : code.length))
    if (ts.isImportDeclaration(s)) {
      if (after.length > 0) throw new Error(`an import has a \`// =>\` result: ${text}`)
      imports.push(text)
      return
    }
    const hazard = asiHazard(s, sf)
    if (hazard)
      throw new Error(`\`${hazard}\` continues the statement above it (JS inserts no semicolon before a line that starts with [, ( or \`), which is not what the example means. End the line above with \`;\`:\n${text}`)
    const printed = after.length === 0 ? printedOutput(s, sf, trivia(s.end, i + 1 < statements.length ? statements[i + 1]!.getStart(sf) : code.length)) : null
    if (printed) {
      const k = checks.length
      checks.push({ line: sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1, source: text, expected: printed.text, printed: true })
      body.push(`await __check(${k}, async () => (${printed.arg}))`)
      return
    }
    if (after.length === 0) { body.push(text); return }
    if (after.length > 1) throw new Error(`more than one \`// =>\` after: ${text}`)
    const line = sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1
    const k = checks.length
    checks.push({ line, source: text, expected: after[0]! })
    if (ts.isExpressionStatement(s)) {
      body.push(`await __check(${k}, async () => (${s.expression.getText(sf)}))`)
    } else if (ts.isVariableStatement(s) && s.declarationList.declarations.length === 1 && ts.isIdentifier(s.declarationList.declarations[0]!.name)) {
      body.push(text, `await __check(${k}, async () => ${s.declarationList.declarations[0]!.name.getText(sf)})`)
    } else {
      throw new Error(`\`// =>\` must follow an expression or a single \`const x = …\`, not: ${text}`)
    }
  })
  const selfImport = imports.length === 0 && self && self.names.length > 0
  const module = [
    ...imports,
    ...(selfImport ? [`import * as __self from ${JSON.stringify(self.path)}`] : []),
    "type Check = (k: number, thunk: () => Promise<unknown>) => Promise<void>",
    "export default async function example(__check: Check): Promise<void> {",
    ...(selfImport ? [`const { ${self.names.join(", ")} } = __self as any`] : []),
    ...body,
    "}",
    "",
  ].join("\n")
  return { module, checks }
}

// ---------------------------------------------------------------------------------------
// Comparing a value with the text after `// =>`.

const isWengertArray = (x: unknown): x is { toArray(): unknown; toString(): string } =>
  typeof x === "object" && x !== null && "aval" in x && typeof (x as { toArray?: unknown }).toArray === "function"

/** Plain JS data for a value: arrays by their numbers, typed arrays as arrays. */
function plain(x: unknown): unknown {
  if (isWengertArray(x)) return x.toArray()
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>)
  if (Array.isArray(x)) return x.map(plain)
  if (typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]))
  return x
}

/** The printed form of a value, for expectations that are not JSON. */
const display = (x: unknown): string =>
  typeof x === "string" ? x : isWengertArray(x) ? x.toString() : inspect(x, { depth: 8, breakLength: Infinity })

const closeNumbers = (a: number, e: number): boolean =>
  Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)) ||
  Math.abs(a - e) <= 1e-12 * Math.max(Math.abs(a), Math.abs(e)) || Math.abs(a - e) <= 1e-15

/** Where `actual` first differs from `expected` (a path and both values), or null. */
function difference(actual: unknown, expected: unknown, path = "$"): string | null {
  if (typeof expected === "number" && typeof actual === "number")
    return closeNumbers(actual, expected) ? null : `${path}: ${actual} ≠ ${expected}`
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${inspect(actual)}`
    if (actual.length !== expected.length) return `${path}: length ${actual.length} ≠ ${expected.length}`
    for (let i = 0; i < expected.length; i++) {
      const d = difference(actual[i], expected[i], `${path}[${i}]`)
      if (d) return d
    }
    return null
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return `${path}: expected an object, got ${inspect(actual)}`
    const ak = Object.keys(actual).sort(), ek = Object.keys(expected).sort()
    if (ak.join() !== ek.join()) return `${path}: keys ${ak.join(",")} ≠ ${ek.join(",")}`
    for (const k of ek) {
      const d = difference((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`)
      if (d) return d
    }
    return null
  }
  return Object.is(actual, expected) ? null : `${path}: ${inspect(actual)} ≠ ${inspect(expected)}`
}

/** JSON, plus the bare numbers JSON lacks (`Infinity`, `-Infinity`, `NaN`) outside strings. */
function parseExpected(text: string): unknown {
  const special: Record<string, number> = { Infinity, "-Infinity": -Infinity, NaN }
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m in special ? `"\u2063${m}"` : m))
  const unmark = (x: unknown): unknown =>
    typeof x === "string" && x.startsWith("\u2063") ? special[x.slice(1)] :
    Array.isArray(x) ? x.map(unmark) :
    typeof x === "object" && x !== null ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, unmark(v)])) : x
  return unmark(JSON.parse(marked))
}

function compare(actual: unknown, expectedText: string): string | null {
  let expected: unknown
  try { expected = parseExpected(expectedText) } catch {
    const shown = display(actual)
    return shown === expectedText ? null : `printed ${JSON.stringify(shown)}, expected ${JSON.stringify(expectedText)}`
  }
  if (typeof expected === "string")
    return display(actual) === expected ? null : `got ${JSON.stringify(display(actual))}, expected ${JSON.stringify(expected)}`
  return difference(plain(actual), expected)
}

// ---------------------------------------------------------------------------------------

const examples = [...discover(), ...markdownExamples()]
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe("docs examples", () => {
  it("finds the @example blocks in src/", () => {
    expect(examples.length).toBeGreaterThan(0)
  })

  const seen = new Map<string, number>()
  examples.forEach((ex, n) => {
    const base = `${ex.file} › ${ex.symbol}`
    const count = (seen.get(base) ?? 0) + 1
    seen.set(base, count)
    const name = count === 1 ? base : `${base} (example ${count})`
    it(name, async () => {
      const where = `${ex.file}:${ex.line}`
      const importsNothing = ex.file.endsWith(".ts") && !/^\s*import\s/m.test(ex.code)
      const selfNames = !importsNothing ? [] : Object.keys(await import(/* @vite-ignore */ pathToFileURL(join(root, ex.file)).href))
        .filter((k) => new RegExp(`(^|[^\\w$.])${k.replace(/\$/g, "\\$")}\\b`).test(ex.code))
      const { module, checks } = compile(ex.code, { path: `../${ex.file}`, names: selfNames })
      const path = join(outDir, `${String(n).padStart(3, "0")}_${ex.file.replace(/[^\w]+/g, "_")}_${ex.symbol.replace(/[^\w]+/g, "_")}.ts`)
      writeFileSync(path, `// generated by test/docs.test.ts from ${where}\n${module}`)
      const mod = (await import(/* @vite-ignore */ pathToFileURL(path).href)) as { default: (c: unknown) => Promise<void> }
      const failures: string[] = []
      await mod.default(async (k: number, thunk: () => Promise<unknown>) => {
        const c = checks[k]!
        let actual: unknown
        try { actual = await thunk() } catch (e) {
          throw new Error(`${where}, example line ${c.line}: \`${c.source}\` threw: ${(e as Error)?.stack ?? e}`)
        }
        const d = c.printed
          ? (display(actual) === c.expected ? null : `printed:\n${display(actual)}\nbut the comment under it shows:\n${c.expected}`)
          : compare(actual, c.expected)
        if (d) failures.push(`example line ${c.line}: \`${c.source}\`: ${d}`)
      })
      expect(failures, `${where}\n${ex.code}`).toEqual([])
    })
  })
})
