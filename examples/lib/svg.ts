// A tiny SVG plotter and shared helpers for the examples: x–y plots with lines, points,
// error bars, bands and log axes, written as plain strings (no dependencies), plus the
// `--small` switch, a timer, a console progress line for long fits and the output
// directory examples/out/.

import { mkdirSync, writeFileSync } from "node:fs"

/** True when the example runs in its quick form (`--small` or WENGERT_EXAMPLE_SMALL=1). */
export const small = process.argv.includes("--small") || process.env["WENGERT_EXAMPLE_SMALL"] === "1"

/** Milliseconds taken by `run`, with its result. */
export function timed<T>(run: () => T): [T, number] {
  const t0 = performance.now()
  const out = run()
  return [out, performance.now() - t0]
}

/** What a progress line shows of one iteration: `optim.minimize`'s `onStep` argument fits. */
export interface StepLike { readonly iteration: number; readonly value: number; readonly gradNorm: number }

/**
 * A console progress line for long fits: `onStep` (pass it to `optim.minimize`) and `update`
 * rewrite one line on stderr, at most every 50 ms; `done` clears it. It draws only at a
 * terminal, or with WENGERT_PROGRESS=1 (one line per update), so piped output and logs hold
 * the results alone.
 */
export function progress(label: string): { onStep: (s: StepLike) => void; update: (text: string) => void; done: () => void } {
  const tty = Boolean(process.stderr.isTTY), on = tty || process.env["WENGERT_PROGRESS"] === "1"
  let last = 0, shown = false
  const update = (text: string) => {
    const now = performance.now()
    if (!on || now - last < 50) return
    last = now; shown = true
    process.stderr.write(tty ? `\r\x1b[2K${label}: ${text}` : `${label}: ${text}\n`)
  }
  return {
    update,
    onStep: (s) => update(`iteration ${s.iteration}, value ${s.value.toPrecision(8)}, |gradient| ${s.gradNorm.toExponential(2)}`),
    done: () => { if (shown && tty) process.stderr.write("\r\x1b[2K"); last = 0; shown = false },
  }
}

/** Writes `svg` to examples/out/<name> and returns the path. */
export function writeFigure(name: string, svg: string): string {
  const dir = new URL("../out/", import.meta.url)
  mkdirSync(dir, { recursive: true })
  const file = new URL(name, dir)
  writeFileSync(file, svg)
  return file.pathname
}

export interface Series {
  readonly label: string
  readonly x: readonly number[]
  readonly y: readonly number[]
  /** Symmetric error bars on y. */
  readonly yErr?: readonly number[]
  readonly color?: string
  /** "line", "points" or "both" (default "both"). */
  readonly style?: "line" | "points" | "both"
  readonly dashed?: boolean
  readonly radius?: number
}

export interface PlotOptions {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly Series[]
  readonly logX?: boolean
  readonly logY?: boolean
  readonly width?: number
  readonly height?: number
  /** Shaded horizontal bands [lo, hi] (e.g. ±1σ). */
  readonly hBands?: readonly { readonly lo: number; readonly hi: number; readonly color?: string }[]
  /** Labelled reference lines. */
  readonly hLines?: readonly { readonly y: number; readonly label?: string }[]
  readonly vLines?: readonly { readonly x: number; readonly label?: string }[]
  /** Category names for integer x positions 0, 1, 2, … (instead of numeric ticks). */
  readonly xCategories?: readonly string[]
  readonly yRange?: readonly [number, number]
}

const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(2)).toString() : "0")

/** "Nice" linear ticks covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || Math.abs(hi) || 1
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag
  const out: number[] = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t)
  return out
}

const label = (v: number) => {
  if (v === 0) return "0"
  const a = Math.abs(v)
  return a >= 1e5 || a < 1e-3 ? v.toExponential(0).replace("e+", "e") : Number(v.toPrecision(4)).toString()
}

/** A complete SVG document for an x–y plot. */
export function plot(o: PlotOptions): string {
  const W = o.width ?? 720, H = o.height ?? 420, left = 78, right = 220, top = 42, bottom = 58
  const tx = (v: number) => (o.logX ? Math.log10(v) : v), ty = (v: number) => (o.logY ? Math.log10(v) : v)
  const xs = o.series.flatMap((s) => s.x.map(tx)).concat((o.vLines ?? []).map((l) => tx(l.x)))
  const ys = o.series.flatMap((s) => s.y.map((y, i) => [ty(y - (s.yErr?.[i] ?? 0)), ty(y + (s.yErr?.[i] ?? 0))]).flat())
    .concat((o.hLines ?? []).map((l) => ty(l.y)), (o.hBands ?? []).flatMap((b) => [ty(b.lo), ty(b.hi)]))
    .filter(Number.isFinite)
  let x0 = Math.min(...xs), x1 = Math.max(...xs)
  let [y0, y1] = o.yRange ? [ty(o.yRange[0]), ty(o.yRange[1])] : [Math.min(...ys), Math.max(...ys)]
  if (o.xCategories) { x0 = -0.5; x1 = o.xCategories.length - 0.5 }
  if (x1 === x0) { x0 -= 1; x1 += 1 }
  if (y1 === y0) { y0 -= 1; y1 += 1 }
  if (!o.logY && !o.yRange) { const pad = 0.05 * (y1 - y0); y0 -= pad; y1 += pad }
  if (o.logX) { const pad = 0.04 * (x1 - x0); x0 -= pad; x1 += pad }
  if (o.logY) { y0 = Math.floor(y0); y1 = Math.ceil(y1); if (y1 === y0) y1++ }
  const px = (v: number) => left + ((tx(v) - x0) / (x1 - x0)) * (W - left - right)
  const py = (v: number) => H - bottom - ((ty(v) - y0) / (y1 - y0)) * (H - top - bottom)
  const inside = (v: number) => Math.min(H - bottom, Math.max(top, v))
  const parts: string[] = []

  // grid and tick labels
  const xTicks = o.xCategories ? o.xCategories.map((_, i) => i) : o.logX ? ticks(x0, x1).filter(Number.isInteger).map((e) => 10 ** e) : ticks(x0, x1)
  const yTicks = o.logY ? Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i)) : ticks(y0, y1)
  for (const [i, t] of xTicks.entries()) {
    parts.push(`<line x1="${fmt(px(t))}" x2="${fmt(px(t))}" y1="${top}" y2="${H - bottom}" stroke="#eee"/>`)
    parts.push(`<text x="${fmt(px(t))}" y="${H - bottom + 16}" text-anchor="middle">${esc(o.xCategories ? o.xCategories[i]! : label(t))}</text>`)
  }
  for (const t of yTicks) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${fmt(py(t))}" y2="${fmt(py(t))}" stroke="#eee"/>`)
    parts.push(`<text x="${left - 6}" y="${fmt(py(t) + 4)}" text-anchor="end">${esc(label(t))}</text>`)
  }
  for (const b of o.hBands ?? [])
    parts.push(`<rect x="${left}" width="${W - left - right}" y="${fmt(inside(py(b.hi)))}" height="${fmt(inside(py(b.lo)) - inside(py(b.hi)))}" fill="${b.color ?? "#f2f2f2"}"/>`)
  for (const l of o.hLines ?? []) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${fmt(py(l.y))}" y2="${fmt(py(l.y))}" stroke="#888" stroke-dasharray="4 3"/>`)
    if (l.label) parts.push(`<text x="${left + 6}" y="${fmt(py(l.y) - 4)}" fill="#555">${esc(l.label)}</text>`)
  }
  for (const l of o.vLines ?? []) {
    parts.push(`<line x1="${fmt(px(l.x))}" x2="${fmt(px(l.x))}" y1="${top}" y2="${H - bottom}" stroke="#888" stroke-dasharray="4 3"/>`)
    if (l.label) parts.push(`<text x="${fmt(px(l.x) + 4)}" y="${H - bottom - 6}" fill="#555">${esc(l.label)}</text>`)
  }

  // series
  o.series.forEach((s, k) => {
    const color = s.color ?? palette[k % palette.length]!
    const style = s.style ?? "both"
    const pts = s.x.map((x, i) => [px(x), py(s.y[i]!)] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
    if (style !== "points")
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""} points="${pts.map(([a, b]) => `${fmt(a)},${fmt(b)}`).join(" ")}"/>`)
    if (s.yErr) s.x.forEach((x, i) => {
      const e = s.yErr![i]!, y = s.y[i]!
      parts.push(`<line x1="${fmt(px(x))}" x2="${fmt(px(x))}" y1="${fmt(inside(py(y + e)))}" y2="${fmt(inside(py(y - e)))}" stroke="${color}"/>`)
    })
    if (style !== "line") for (const [a, b] of pts) parts.push(`<circle cx="${fmt(a)}" cy="${fmt(b)}" r="${s.radius ?? 3.5}" fill="${color}"/>`)
    const ly = top + 10 + 20 * k
    parts.push(style === "points"
      ? `<circle cx="${W - right + 27}" cy="${ly}" r="4" fill="${color}"/>`
      : `<line x1="${W - right + 15}" x2="${W - right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}/>`)
    parts.push(`<text x="${W - right + 46}" y="${ly + 4}">${esc(s.label)}</text>`)
  })

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(left + W - right) / 2}" y="22" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
    ...parts,
    `<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" stroke="black"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${H - bottom}" stroke="black"/>`,
    `<text x="${(left + W - right) / 2}" y="${H - 16}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
    "</svg>",
    "",
  ].join("\n")
}

/** Rows of cells as a fixed-width text table, the first row a header. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map(String))
  const widths = cells[0]!.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? "").length)))
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ")
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n")
}
