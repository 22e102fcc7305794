// Every runnable example in examples/ runs in its own process with `--small`, as a user
// would run it with tsx, and must exit 0 and print its headline; examples with long fits
// also report progress (on stderr, forced on by WENGERT_PROGRESS=1 since stderr is a pipe).

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
      env: { ...process.env, NO_COLOR: "1", NODE_NO_WARNINGS: "1", WENGERT_EXAMPLE_SMALL: "1", WENGERT_PROGRESS: "1" },
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
  "detector-calibration.ts": [
    "Detector calibration: fit of a 24-layer calorimeter simulation",
    /finite-difference check: max relative difference \d\.\de-(9|1\d)/,
    /L-BFGS: converged in \d+ iterations/,
    /pulls of this fit: -?\d/,
    // issue 11: every parameter recovered within ±3σ (its inverse-Hessian error) on each
    // of 20 pseudo-experiments with their own keys, and none of their fits dropped
    /20 pseudo-experiments \(\d+ ms per fit, 0 not converged/,
    /largest \|pull\| over the first 20 pseudo-experiments: [0-2]\.\d\d \(0 beyond 3σ\); their 80 pulls: mean -?0\.\d\d, std (0\.[6-9]|1\.[0-3])\d/,
    "Figures written to",
  ],
  "implicit-equilibrium.ts": [
    "Implicit vs unrolled differentiation of a steady state",
    /finite-difference check: relative difference \d\.\de-([7-9]|1\d)/,
    /Unrolled differentiation keeps [\d.]+x the memory of implicit differentiation/,
    "Figures written to",
  ],
  "checkpointed-propagation.ts": [
    "Checkpointed propagation: RK4 over N = 1000 steps",
    /finite-difference check: max relative difference \d\.\de-([7-9]|1\d)/,
    /single particle: measured minimum of peak memory at k = (20|40|50) /,
    /beam \(1,000-float state\): measured minimum of peak memory at k = (20|40|50) /,
    "Figures written to",
  ],
  "experiment-design.ts": [
    "Experiment design: selection cuts of a resonance search",
    "gradient of the hard Z:       [0,0,0]",
    /finite-difference check: max relative difference \d\.\de-([7-9]|1\d)/,
    /The gradient-optimized selection reaches (9\d|1\d\d)\.\d% of the brute-force optimum/,
    "Figure written to",
  ],
  "soft-sorting-jets.ts": [
    "Soft sorting of jets: jet energy scales from multijet event fractions",
    /finite-difference check: max relative difference \d\.\de-([7-9]|1\d)/,
    /relaxed fit \(\d+ ms\): α = \(1\.0\d+, 0\.9\d+\)/,
    "Figure written to",
  ],
  "gumbel-particle-id.ts": [
    "Gumbel-softmax particle ID: gradient estimators",
    /finite-difference check: max relative difference \d\.\de-([7-9]|1\d)/,
    /REINFORCE's measured bias is [0-2]\.\dx its statistical error/,
    "Figures written to",
  ],
}

/** The console progress line of the examples with long fits (examples/lib/svg.ts `progress`). */
const progressLines: Record<string, RegExp> = {
  "detector-calibration.ts": /L-BFGS fit: iteration 1, value [\d.]+, \|gradient\| [\d.]+e[+-]\d+\n[^]*pseudo-experiments: fit 1 of 20\n/,
  "experiment-design.ts": /annealing stage T = 2 GeV: iteration 1, value -?[\d.]+, \|gradient\| /,
  "soft-sorting-jets.ts": /relaxed fit, ε = 0\.05\/GeV, T = 4 GeV: iteration 1, value [\d.]+, \|gradient\| /,
  "gumbel-particle-id.ts": /Adam with the REINFORCE gradient: step 1 of \d+, E\[f\] = [\d.]+\n/,
}

/** The figures each example writes to examples/out/, checked to be well-formed SVG after the runs above. */
const figures: Record<string, readonly string[]> = {
  "detector-calibration.ts": ["detector-calibration-pulls.svg", "detector-calibration-response.svg"],
  "implicit-equilibrium.ts": ["implicit-equilibrium-convergence.svg", "implicit-equilibrium-memory.svg", "implicit-equilibrium-profile.svg"],
  "checkpointed-propagation.ts": ["checkpointed-propagation-memory.svg", "checkpointed-propagation-beam-memory.svg", "checkpointed-propagation-time.svg"],
  "experiment-design.ts": ["experiment-design.svg"],
  "soft-sorting-jets.ts": ["soft-sorting-jets.svg"],
  "gumbel-particle-id.ts": ["gumbel-particle-id-estimators.svg", "gumbel-particle-id-training.svg"],
}

const examples = readdirSync(new URL("../examples/", import.meta.url)).filter((f) => f.endsWith(".ts")).sort()

/**
 * Where `text` stops being well-formed XML (an XML declaration, elements with quoted
 * attributes, text with escaped `&` and `<`, comments), or null when it is well-formed:
 * enough for the SVG these examples write, without an XML parser dependency.
 */
function xmlError(text: string): string | null {
  const stack: string[] = []
  const name = "[A-Za-z_:][\\w:.-]*"
  const tag = new RegExp(`^<(/?)(${name})((?:\\s+${name}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`)
  let i = text.startsWith("<?xml") ? text.indexOf("?>") + 2 : 0
  let roots = 0
  while (i < text.length) {
    const lt = text.indexOf("<", i)
    const chunk = text.slice(i, lt < 0 ? text.length : lt)
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/.test(chunk)) return `unescaped & in text at ${i}`
    if (stack.length === 0 && chunk.trim() !== "") return `text outside the root element at ${i}`
    if (lt < 0) break
    if (text.startsWith("<!--", lt)) { const end = text.indexOf("-->", lt); if (end < 0) return "unclosed comment"; i = end + 3; continue }
    const m = tag.exec(text.slice(lt))
    if (!m) return `malformed tag at ${lt}: ${text.slice(lt, lt + 60)}`
    const [all, close, tagName, , selfClose] = m
    if (close) {
      if (selfClose) return `malformed end tag at ${lt}`
      if (stack.pop() !== tagName) return `</${tagName}> at ${lt} does not close the open element`
    } else {
      if (stack.length === 0 && ++roots > 1) return `a second root element at ${lt}`
      if (!selfClose) stack.push(tagName!)
    }
    i = lt + all!.length
  }
  return stack.length === 0 && roots === 1 ? null : `unclosed <${stack.at(-1)}>`
}

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
      if (progressLines[name]) expect(r.stderr, out).toMatch(progressLines[name]!)
    }, 90_000)
  }

  for (const [name, files] of Object.entries(figures))
    it(`examples/${name} wrote well-formed SVG figures`, () => {
      for (const f of files) {
        const text = readFileSync(new URL(`../examples/out/${f}`, import.meta.url), "utf8")
        expect(text.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), f).toBe(true)
        expect(text.trimEnd().endsWith("</svg>"), f).toBe(true)
        expect(text.match(/<(polyline|circle) /g)?.length ?? 0, f).toBeGreaterThan(0)
        expect(text, f).not.toMatch(/NaN|Infinity|undefined/)
        expect(xmlError(text), f).toBeNull()
      }
    })

  it("checks SVG well-formedness", () => {
    expect(xmlError(`<svg xmlns="x"><g a='1'><text>a &amp; b</text></g><line x="1"/></svg>\n`)).toBeNull()
    expect(xmlError(`<svg><g></svg>`)).toMatch(/does not close/)
    expect(xmlError(`<svg><text>a & b</text></svg>`)).toMatch(/unescaped &/)
    expect(xmlError(`<svg><line x=1/></svg>`)).toMatch(/malformed tag/)
    expect(xmlError(`<svg></svg><svg></svg>`)).toMatch(/second root/)
  })

  it("the README's figures are committed copies (docs/figures/) and well-formed SVG", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
    expect(images.length).toBeGreaterThanOrEqual(2)
    for (const path of images) {
      // examples/out/ is git-ignored: an image there would be missing from a fresh clone
      expect(path, path).toMatch(/^docs\/figures\/[\w-]+\.svg$/)
      const text = readFileSync(new URL(`../${path}`, import.meta.url), "utf8")
      expect(text.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), path).toBe(true)
      expect(xmlError(text), path).toBeNull()
    }
  })

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
