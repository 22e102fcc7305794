// `npm run repl` starts scripts/repl.ts; here it runs in a child process and is typed into
// as a person would: each line is written once the REPL shows its prompt again (Node's REPL
// reads piped lines without waiting for a pending top-level await, so writing everything at
// once would race). After the last line stdin is closed, which ends the REPL; the test waits
// for the exit and asserts on everything printed.

import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const prompt = "wengert> "

interface Session { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function runRepl(lines: readonly string[], timeoutMs = 30_000): Promise<Session> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/repl.ts"], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", NODE_NO_WARNINGS: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    })
    let stdout = "", stderr = "", sent = 0
    const prompts = () => stdout.split(prompt).length - 1
    const feed = () => {
      // prompt k+1 means the first k lines have been answered
      while (sent < lines.length && prompts() > sent) child.stdin.write(`${lines[sent++]}\n`)
      if (sent === lines.length && prompts() > sent && child.stdin.writable) child.stdin.end()
    }
    child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; feed() })
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the REPL did not exit within ${timeoutMs} ms (${sent} of ${lines.length} lines sent).\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    child.on("error", (e) => { clearTimeout(timer); reject(e) })
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

describe("npm run repl", () => {
  it("preloads wengert, prints arrays with their values and exits when stdin closes", async () => {
    const s = await runRepl([
      "np.sin(np.arange(3))",
      "makeJaxpr((x) => np.sin(x))(1).toString()",
      "grad(np.sin)(0).item()",
      "np.array([[1, 2], [3, 4]])",
    ])
    const out = `stdout:\n${s.stdout}\nstderr:\n${s.stderr}`
    expect(s.code, out).toBe(0)
    expect(s.stdout, out).toContain("wengert REPL")
    expect(s.stdout, out).toContain("Array(f64[3]) [0, 0.84147098, 0.90929743]")
    expect(s.stdout, out).toContain("'{ lambda ; a:f64[]. let\\n    b:f64[] = sin a\\n  in (b,) }'")
    expect(s.stdout, out).toMatch(/> 1\n/)
    expect(s.stdout, out).toContain("Array(f64[2,2]) [[1, 2], [3, 4]]")
    expect(s.stderr, out).not.toMatch(/Error/)
  }, 40_000)

  it("supports top-level await, prints jaxprs as IR and reports errors without exiting", async () => {
    const s = await runRepl([
      "const y = await Promise.resolve(np.ones([2]).mul(3))",
      "y.sum().item()",
      "makeJaxpr(np.cos)(np.zeros([2]))",
      "np.add(np.ones([2]), np.ones([3]))",
      ".jaxpr grad(np.sin), 0.5",
      ".jaxpr 3",
      "'still alive'",
    ])
    const out = `stdout:\n${s.stdout}\nstderr:\n${s.stderr}`
    expect(s.code, out).toBe(0)
    expect(s.stdout, out).toMatch(/> 6\n/)
    expect(s.stdout, out).toContain("{ lambda ; a:f64[2]. let\n    b:f64[2] = cos a\n  in (b,) }")
    expect(s.stdout + s.stderr, out).toContain("ShapeError")
    expect(s.stdout, out).toContain("{ lambda ; a:f64[]. let\n    b:f64[] = sin a\n    c:f64[] = cos a\n    d:f64[] = mul 1.0 c\n  in (d,) }")
    expect(s.stdout, out).toContain("TypeError: .jaxpr needs a function first")
    expect(s.stdout, out).toContain("'still alive'")
  }, 40_000)
})
