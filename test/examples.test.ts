// Every runnable example in examples/ runs in its own process with `--small`, as a user
// would run it with tsx, and must exit 0 and print its headline.

import { spawn } from "node:child_process"
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))

interface Run { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function runExample(name: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `examples/${name}`, "--small"], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", NODE_NO_WARNINGS: "1", WENGERT_EXAMPLE_SMALL: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = "", stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d })
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`examples/${name} did not finish within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    child.on("error", (e) => { clearTimeout(timer); reject(e) })
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

/** What each example must print; an example missing here fails, so new ones get a headline. */
const headlines: Record<string, readonly (string | RegExp)[]> = {
  "quickstart.ts": [
    "wengert quickstart",
    /grad\(f\)\(1\.5\)\s+3\.15164366356449/,
    "{ lambda ; a:f64[]. let",
  ],
  "forward-vs-reverse.ts": [
    "Forward vs reverse mode: Jacobians of f: R^n -> R^m",
    /Tall \(n=\d+, m=\d+\): jacfwd is [\d.]+x faster/,
    "Plot written to",
  ],
}

const examples = readdirSync(new URL("../examples/", import.meta.url)).filter((f) => f.endsWith(".ts")).sort()

describe("examples", () => {
  it("has an example to run", () => {
    expect(examples.length).toBeGreaterThan(0)
  })

  for (const name of examples) {
    it(`examples/${name} runs with --small and prints its headline`, async () => {
      const expected = headlines[name]
      expect(expected, `add a headline for examples/${name} to test/examples.test.ts`).toBeDefined()
      const r = await runExample(name)
      const out = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`
      expect(r.code, out).toBe(0)
      for (const h of expected!) {
        if (typeof h === "string") expect(r.stdout, out).toContain(h)
        else expect(r.stdout, out).toMatch(h)
      }
    }, 90_000)
  }

  it("forward-vs-reverse writes a well-formed SVG plot", async () => {
    const svg = new URL("../examples/out/forward-vs-reverse.svg", import.meta.url)
    const before = existsSync(svg) ? statSync(svg).mtimeMs : 0
    const r = await runExample("forward-vs-reverse.ts")
    expect(r.code, r.stderr).toBe(0)
    expect(statSync(svg).mtimeMs).toBeGreaterThanOrEqual(before)
    const text = readFileSync(svg, "utf8")
    expect(text.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true)
    expect(text.trimEnd().endsWith("</svg>")).toBe(true)
    expect(text.match(/<polyline /g)?.length).toBe(2)
    expect(text).not.toMatch(/NaN|Infinity|undefined/)
  }, 90_000)
})
