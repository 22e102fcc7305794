// Runs one row (implementation x workload) in its own process and prints one JSON line.
// Usage: node --stack-size=7000 --import tsx bench/worker.ts <impl> <workload>
// Any failure (import, missing function, wrong shape) becomes { ok: false, reason }.
import { maxRelErr, type Runner, type Setup } from "./workloads.js"

export interface Row {
  impl: string; workload: string; ok: boolean; reason?: string; note?: string
  firstMs?: number; medianMs?: number; fwdMs?: number; unreadMs?: number; err?: number
}

const modules: Record<string, () => Promise<{ setup: Setup }>> = {
  handwritten: () => import("./impl/handwritten.js"),
  jaxjs: () => import("./impl/jaxjs.js"),
  tfjs: () => import("./impl/tfjs.js"),
  wengert: () => import("./impl/wengert.js"),
}

export let sink: unknown
/**
 * Median time of one call after warm-up. Calls are grouped into samples of >= ~20 ms
 * (timer resolution); samples are taken until >= 600 ms and 15 samples, or the budget ends
 * (always at least one).
 */
function measure(fn: () => unknown, budgetMs: number): number {
  const now = () => performance.now()
  const call = () => { sink = fn() } // a used result cannot be optimized away
  const start = now()
  let calls = 0
  do { call(); calls++ } while (now() - start < 300) // warm-up, also estimates the cost
  const reps = Math.max(1, Math.ceil(20 / ((now() - start) / calls)))
  const samples: number[] = [], t0 = now()
  do {
    const s = now()
    for (let r = 0; r < reps; r++) call()
    samples.push((now() - s) / reps)
  } while ((now() - t0 < 600 || samples.length < 15) && now() - start < budgetMs)
  samples.sort((a, b) => a - b)
  return samples[samples.length >> 1]!
}

/** First line of an error, repository paths made relative, cut to fit a table cell. */
const short = (e: unknown): string =>
  (e instanceof Error ? `${e.name === "Error" ? "" : e.name + ": "}${e.message}` : String(e))
    .split("\n")[0]!.replaceAll(new URL("..", import.meta.url).pathname, "").slice(0, 100)

async function runRow(impl: string, workload: string): Promise<Row> {
  const row: Row = { impl, workload, ok: false }
  const [family, variant = ""] = impl.split("-") as [string, string?]
  let runner: Runner
  try {
    const load = modules[family]
    if (!load) throw new Error(`unknown implementation ${impl}`)
    runner = await (await load()).setup(workload, variant)
    const t0 = performance.now()
    const g = runner.grad() // trace + compile + first run
    row.firstMs = performance.now() - t0
    if (!(g instanceof Float64Array)) throw new Error("grad() did not return a Float64Array")
  } catch (e) {
    return { ...row, reason: short(e) }
  }
  row.note = runner.note
  try {
    const cost = workload.startsWith("COST-")
    row.medianMs = measure(() => runner.grad(), cost ? 1400 : 2800)
    if (cost) row.fwdMs = measure(() => runner.forward!(), 1400)
    if (runner.unread) row.unreadMs = measure(() => runner.unread!(), cost ? 1400 : 2800)
    const ref = await (await modules.handwritten!()).setup(workload, "")
    row.err = maxRelErr(runner.grad(), ref.grad())
    row.ok = true
  } catch (e) {
    row.reason = short(e)
  }
  return row
}

const [impl, workload] = process.argv.slice(2)
if (!impl || !workload) {
  console.error("usage: node --stack-size=7000 --import tsx bench/worker.ts <impl> <workload>")
  process.exit(2)
}
const row = await runRow(impl, workload)
process.stdout.write("\n" + JSON.stringify(row) + "\n", () => process.exit(0))
