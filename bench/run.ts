// Runs every selected (workload, implementation) row in a fresh Node process and prints
// markdown tables. Usage: npm run bench -- [W1 W4 SCAN COST ...] [--impl jaxjs,wengert]
// Workload names match exactly, "COST" matches every COST-n; "--impl wengert" matches
// wengert-loop, wengert-fori and wengert-scan too. handwritten always runs: it is the 1x of the ratio.
import { spawnSync } from "node:child_process"
import os from "node:os"
import { fileURLToPath } from "node:url"
import { WORKLOADS, implsFor } from "./workloads.js"
import type { Row } from "./worker.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const ROW_TIMEOUT_MS = 60_000 // a hung row becomes n/a instead of stalling the run

function parseArgs(argv: string[]) {
  const workloads: string[] = [], impls: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--impl") impls.push(...(argv[++i] ?? "").split(","))
    else if (a.startsWith("--impl=")) impls.push(...a.slice(7).split(","))
    else if (a.startsWith("-")) {
      console.error(`unknown option ${a}\nusage: npm run bench -- [${WORKLOADS.join(" ")} COST] [--impl handwritten,jaxjs,tfjs,wengert]`)
      process.exit(2)
    }
    else workloads.push(a)
  }
  const matches = (name: string, filters: string[]) =>
    filters.length === 0 || filters.some((f) => name.toLowerCase() === f.toLowerCase() || name.toLowerCase().startsWith(f.toLowerCase() + "-"))
  return { wantWorkload: (w: string) => matches(w, workloads), wantImpl: (i: string) => i === "handwritten" || matches(i, impls) }
}

function runWorker(impl: string, workload: string): Row {
  const p = spawnSync(process.execPath, ["--stack-size=7000", "--import", "tsx", "bench/worker.ts", impl, workload], {
    cwd: root, encoding: "utf8", timeout: ROW_TIMEOUT_MS, maxBuffer: 64 << 20,
  })
  const line = p.stdout?.trim().split("\n").reverse().find((l) => l.startsWith("{"))
  if (line) return JSON.parse(line) as Row
  const why = p.error ? (p.signal === "SIGTERM" ? `timeout after ${ROW_TIMEOUT_MS / 1000} s` : p.error.message)
    : `worker exited ${p.status ?? p.signal}: ${p.stderr.trim().split("\n").pop() ?? ""}`
  return { impl, workload, ok: false, reason: why.slice(0, 100) }
}

const fmtTime = (ms?: number) =>
  ms === undefined ? "n/a" : ms < 1 ? `${(ms * 1e3).toPrecision(3)} µs` : ms < 1e3 ? `${ms.toPrecision(3)} ms` : `${(ms / 1e3).toPrecision(3)} s`
const fmtErr = (e?: number) => (e === undefined ? "n/a" : e === 0 ? "0" : Number.isNaN(e) ? "NaN" : e.toExponential(1))
const fmtRatio = (a?: number, b?: number) =>
  a === undefined || b === undefined ? "n/a" : `${a / b >= 1000 ? (a / b).toFixed(0) : (a / b).toPrecision(3)}×`
const how = (r: Row) => (r.ok
  ? `${r.note ?? ""}${r.unreadMs === undefined ? "" : `; ${fmtTime(r.unreadMs)} without the read-back copy`}`
  : `n/a: ${r.reason ?? "failed"}`.replaceAll("|", "\\|"))

const { wantWorkload, wantImpl } = parseArgs(process.argv.slice(2))
const selected = WORKLOADS.filter(wantWorkload)
if (selected.length === 0) {
  console.error(`no workload matches; choose from ${WORKLOADS.join(" ")} or COST`)
  process.exit(2)
}
const started = performance.now()
const rows: Row[] = []
for (const w of selected)
  for (const impl of implsFor(w).filter(wantImpl)) {
    const r = runWorker(impl, w)
    rows.push(r)
    console.error(`${w.padEnd(12)} ${impl.padEnd(13)} ${r.ok ? `${fmtTime(r.medianMs)}  (first ${fmtTime(r.firstMs)}, err ${fmtErr(r.err)})` : `n/a: ${r.reason}`}`)
  }

const refOf = (w: string) => rows.find((r) => r.workload === w && r.impl === "handwritten" && r.ok)
const out: string[] = [
  `${new Date().toISOString()} · ${os.cpus()[0]?.model ?? "cpu"} · ${os.availableParallelism()} cores · Node ${process.version}`, "",
]
const main = rows.filter((r) => !r.workload.startsWith("COST-"))
if (main.length > 0) {
  out.push("| workload | impl | first call | median | × handwritten | max rel err | how |", "|---|---|--:|--:|--:|--:|---|")
  for (const r of main)
    out.push(`| ${r.workload} | ${r.impl} | ${fmtTime(r.firstMs)} | ${fmtTime(r.medianMs)} | ${fmtRatio(r.medianMs, refOf(r.workload)?.medianMs)} | ${fmtErr(r.err)} | ${how(r)} |`)
  out.push("")
  // Issue 6's criterion: grad of the scan under jit within 2x of the compiled unrolled loop.
  const row = (impl: string) => rows.find((r) => r.workload === "SCAN" && r.impl === impl && r.ok)
  const scan = row("wengert-scan"), loop = row("wengert-loop")
  if (scan || loop)
    out.push(`SCAN: wengert-scan / wengert-loop = ${fmtRatio(scan?.medianMs, loop?.medianMs)} median (issue 6: at most 2×), ` +
      `${fmtRatio(scan?.firstMs, loop?.firstMs)} first call; wengert-scan × handwritten = ${fmtRatio(scan?.medianMs, refOf("SCAN")?.medianMs)}`, "")
}
const cost = rows.filter((r) => r.workload.startsWith("COST-"))
if (cost.length > 0) {
  out.push("| COST n | impl | forward | grad | grad / forward | grad × handwritten | max rel err | how |", "|--:|---|--:|--:|--:|--:|--:|---|")
  for (const r of cost)
    out.push(`| ${r.workload.slice(5)} | ${r.impl} | ${fmtTime(r.fwdMs)} | ${fmtTime(r.medianMs)} | ${fmtRatio(r.medianMs, r.fwdMs)} | ${fmtRatio(r.medianMs, refOf(r.workload)?.medianMs)} | ${fmtErr(r.err)} | ${how(r)} |`)
  out.push("")
}
out.push(`${rows.length} rows in ${((performance.now() - started) / 1e3).toFixed(0)} s`)
console.log(out.join("\n"))
