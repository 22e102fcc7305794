// Forward or reverse mode? For f: R^n -> R^m the full Jacobian J (m × n) costs n forward
// passes (one JVP per input direction, jacfwd) or m reverse passes (one VJP per output
// direction, jacrev). So forward mode wins for tall Jacobians (few inputs, many outputs:
// a few parameters against many observables) and reverse mode for wide ones (many
// parameters, one loss). This example times both across shapes with n·m held fixed and
// writes the plot to examples/out/forward-vs-reverse.svg.
//
//   npx tsx examples/forward-vs-reverse.ts           # the full sweep, a few seconds
//   npx tsx examples/forward-vs-reverse.ts --small   # a quick sweep (also WENGERT_EXAMPLE_SMALL=1)

import { mkdirSync, writeFileSync } from "node:fs"
import { jacfwd, jacrev, jit, np, type WArray } from "wengert"

const small = process.argv.includes("--small") || process.env["WENGERT_EXAMPLE_SMALL"] === "1"

// A detector-response-like model: n parameters -> hidden features -> m observables,
// f(θ) = W2 · tanh(W1 θ + b). Both Jacobians are exact; only their cost differs.
const hidden = 16
const product = small ? 256 : 4096                       // n · m, fixed across the sweep
const shapes: [number, number][] = small
  ? [[2, 128], [16, 16], [128, 2]]
  : [[2, 2048], [8, 512], [32, 128], [64, 64], [128, 32], [512, 8], [2048, 2]]
const budgetMs = small ? 20 : 300                        // timing budget per measurement

/** Deterministic weights from a linear congruential generator (no Math.random). */
function weights(rows: number, cols: number, seed: number): WArray {
  const data = new Float64Array(rows * cols)
  let s = seed >>> 0
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    data[i] = (s / 2 ** 32 - 0.5) / Math.sqrt(cols)
  }
  return np.reshape(np.array(data), [rows, cols])
}

/** Median milliseconds per call of `run`, after one warm-up call (which traces under jit). */
function time(run: () => void): number {
  run()
  const samples: number[] = []
  const start = performance.now()
  while (samples.length < 3 || (performance.now() - start < budgetMs && samples.length < 50)) {
    const t0 = performance.now()
    run()
    samples.push(performance.now() - t0)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]!
}

interface Row { n: number; m: number; fwd: number; rev: number; maxDiff: number }

console.log(`Forward vs reverse mode: Jacobians of f: R^n -> R^m with n·m = ${product}${small ? " (small run)" : ""}`)
console.log("jacfwd costs ~n JVPs, jacrev ~m VJPs (each is one batched, vmapped pass here), so fwd/rev should follow n/m\nuntil fixed overheads dominate.\n")
console.log("     n      m   J shape       jacfwd ms   jacrev ms   fwd/rev     n/m   faster   max |Jfwd - Jrev|")

const rows: Row[] = []
for (const [n, m] of shapes) {
  const W1 = weights(hidden, n, 1 + n), b = weights(hidden, 1, 7).reshape([hidden]), W2 = weights(m, hidden, 3 + m)
  const f = (theta: WArray) => np.matmul(W2, np.tanh(np.matmul(W1, theta).add(b)))
  const theta = weights(n, 1, 11).reshape([n])
  const jf = jit(jacfwd(f)), jr = jit(jacrev(f))
  const Jf = jf(theta) as WArray, Jr = jr(theta) as WArray
  const maxDiff = np.max(np.abs(Jf.sub(Jr))).item()
  const fwd = time(() => { jf(theta) }), rev = time(() => { jr(theta) })
  rows.push({ n, m, fwd, rev, maxDiff })
  const ratio = fwd / rev
  console.log(
    `${String(n).padStart(6)} ${String(m).padStart(6)}   ${`[${Jf.shape.join(", ")}]`.padEnd(12)}` +
    `${fwd.toFixed(3).padStart(11)} ${rev.toFixed(3).padStart(11)} ${ratio.toFixed(2).padStart(9)} ${(n / m).toPrecision(2).padStart(7)}   ` +
    `${(ratio < 1 ? "jacfwd" : "jacrev").padEnd(8)} ${maxDiff.toExponential(1).padStart(11)}`,
  )
}

const tall = rows[0]!, wide = rows[rows.length - 1]!
console.log(`\nTall (n=${tall.n}, m=${tall.m}): jacfwd is ${(tall.rev / tall.fwd).toFixed(1)}x faster. ` +
  `Wide (n=${wide.n}, m=${wide.m}): jacrev is ${(wide.fwd / wide.rev).toFixed(1)}x faster.`)

// ---------------------------------------------------------------------------------------
// The plot: time per Jacobian against the aspect ratio n/m, both axes logarithmic.

function svgPlot(data: readonly Row[]): string {
  const W = 640, H = 400, left = 70, right = 150, top = 40, bottom = 60
  const xs = data.map((r) => Math.log10(r.n / r.m))
  const ts = data.flatMap((r) => [r.fwd, r.rev]).map((t) => Math.log10(Math.max(t, 1e-4)))
  const x0 = Math.min(...xs), x1 = Math.max(...xs)
  const y0 = Math.floor(Math.min(...ts)), y1 = Math.ceil(Math.max(...ts)) + (Math.ceil(Math.max(...ts)) === Math.floor(Math.min(...ts)) ? 1 : 0)
  const px = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * (W - left - right)
  const py = (v: number) => H - bottom - ((v - y0) / (y1 - y0)) * (H - top - bottom)
  const line = (key: "fwd" | "rev", color: string) => {
    const pts = data.map((r, i) => `${px(xs[i]!).toFixed(1)},${py(Math.log10(Math.max(r[key], 1e-4))).toFixed(1)}`)
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>` +
      pts.map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3.5" fill="${color}"/>`).join("")
  }
  const parts: string[] = []
  for (let e = y0; e <= y1; e++) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${py(e)}" y2="${py(e)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 8}" y="${py(e) + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)} ms</text>`)
  }
  data.forEach((r, i) => {
    parts.push(`<line x1="${px(xs[i]!)}" x2="${px(xs[i]!)}" y1="${top}" y2="${H - bottom}" stroke="#f0f0f0"/>`)
    parts.push(`<text x="${px(xs[i]!)}" y="${H - bottom + 16}" text-anchor="middle">${r.n}×${r.m}</text>`)
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">Jacobian of f: Rⁿ → Rᵐ, n·m = ${product}: time per Jacobian</text>`,
    ...parts,
    `<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" stroke="black"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" stroke="black"/>`,
    `<text x="${(left + W - right) / 2}" y="${H - 18}" text-anchor="middle">n × m, from tall (n ≪ m) to wide (n ≫ m)</text>`,
    line("fwd", "#1f77b4"), line("rev", "#d62728"),
    `<line x1="${W - right + 15}" x2="${W - right + 40}" y1="${top + 10}" y2="${top + 10}" stroke="#1f77b4" stroke-width="2"/>`,
    `<text x="${W - right + 46}" y="${top + 14}">jacfwd (~n JVPs)</text>`,
    `<line x1="${W - right + 15}" x2="${W - right + 40}" y1="${top + 30}" y2="${top + 30}" stroke="#d62728" stroke-width="2"/>`,
    `<text x="${W - right + 46}" y="${top + 34}">jacrev (~m VJPs)</text>`,
    "</svg>",
    "",
  ].join("\n")
}

const outDir = new URL("./out/", import.meta.url)
mkdirSync(outDir, { recursive: true })
const outFile = new URL("forward-vs-reverse.svg", outDir)
writeFileSync(outFile, svgPlot(rows))
console.log(`Plot written to ${outFile.pathname}`)
