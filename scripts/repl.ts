// `npm run repl`: a Node REPL with wengert's root exports and namespaces preloaded.
// Node-only, so it lives outside src/. The REPL shares the main realm (useGlobal), so typed
// arrays and arrays typed at the prompt are the same classes the library checks against.
// Top-level await works as in Node's own REPL (on by default since Node 16.6).

import { homedir } from "node:os"
import { join } from "node:path"
import repl from "node:repl"
import { inspect } from "node:util"
import * as wengert from "../src/index.js"
import { ClosedJaxpr, Jaxpr } from "../src/ir/index.js"

const names = Object.keys(wengert).sort()
const namespaces = names.filter((n) => /^[a-z]/.test(n) && typeof (wengert as Record<string, unknown>)[n] === "object")
const functions = names.filter((n) => !namespaces.includes(n) && /^[a-z]/.test(n))
const classes = names.filter((n) => /^[A-Z]/.test(n))

const colors = Boolean(process.stdout.isTTY) && process.env["NO_COLOR"] === undefined

// Arrays print through their inspect hook (`Array(f64[2,2]) [[1, 2], [3, 4]]`); jaxprs print
// as readable IR rather than as object dumps; everything else as Node prints it.
function writer(value: unknown): string {
  if (value instanceof ClosedJaxpr || value instanceof Jaxpr) return value.toString()
  return inspect(value, { colors, depth: 4 })
}

const line = (label: string, xs: readonly string[]) => `  ${label.padEnd(11)}${xs.join(", ")}`
console.log([
  `wengert REPL (Node ${process.version}); top-level await is on. Preloaded:`,
  line("namespaces", namespaces),
  line("functions", functions),
  line("classes", classes),
  "Try: grad(np.sin)(0).item()   .jaxpr grad(np.sin), 0.5   .help   .exit",
].join("\n"))

const server = repl.start({ prompt: "wengert> ", useGlobal: true, writer, ignoreUndefined: true })
for (const n of names) {
  Object.defineProperty(server.context, n, {
    configurable: true, enumerable: true, writable: true,
    value: (wengert as Record<string, unknown>)[n],
  })
}
// history across sessions for people at a terminal (not for piped input, e.g. the tests)
if (process.stdin.isTTY) server.setupHistory(process.env["NODE_REPL_HISTORY"] || join(homedir(), ".wengert_repl_history"), () => {})

// `.jaxpr f, x, ...`: the jaxpr of f at example arguments, as makeJaxpr(f)(x, ...) prints it
server.defineCommand("jaxpr", {
  help: "Print the jaxpr of a function at example arguments: .jaxpr f, x[, y, ...]",
  action(text: string) {
    this.clearBufferedCommand()
    server.eval(`[${text}]`, server.context, "repl", (err, value) => {
      try {
        if (err) throw err
        const [f, ...args] = value as [unknown, ...unknown[]]
        if (typeof f !== "function") throw new TypeError(".jaxpr needs a function first: .jaxpr f, x[, y, ...]")
        console.log(wengert.makeJaxpr(f as (...xs: unknown[]) => unknown)(...args).toString())
      } catch (e) { console.log(e instanceof Error ? `${e.name}: ${e.message}` : String(e)) }
      this.displayPrompt()
    })
  },
})
