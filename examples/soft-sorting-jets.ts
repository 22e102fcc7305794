// Soft sorting of jets: calibrating jet energy scales from multijet event fractions.
// Event selections are built on ordered quantities: "the 4th-leading jet has pT > 45 GeV",
// "the leading jet is a forward jet". Sorted values are continuous in the jets' pT, but
// ranks (which jet leads) are piecewise constant and thresholds are steps, so the selected
// fractions have zero gradient with respect to a calibration. With relax.softSort,
// relax.softRank and relax.smoothMax for the order and relax.sigmoidStep for thresholds, the
// simulated fractions become smooth functions of two jet energy scales (central and
// forward jets), fitted to "data" by L-BFGS; as the relaxations sharpen, the fit approaches
// the hard-cut answer found by a grid scan. Figure: examples/out/soft-sorting-jets.svg.
//
//   npx tsx examples/soft-sorting-jets.ts           # 10,000 simulated and 50,000 "data" events
//   npx tsx examples/soft-sorting-jets.ts --small   # 1,000 and 20,000

import { grad, jit, np, optim, random, relax, type WArray } from "wengert"
import { plot, progress, small, table, timed, writeFigure } from "./lib/svg.ts"

const nJets = 6
const nMc = small ? 1000 : 10_000, nData = small ? 20_000 : 50_000
const resolution = 0.08

console.log(`Soft sorting of jets: jet energy scales from multijet event fractions${small ? " (small run)" : ""}\n`)

// ---------------------------------------------------------------------------------------
// Part 1. One event: hard and soft versions of the ordered quantities and their gradients.
const jets = np.array([120, 85, 62, 44, 38, 21])
const fmt = (x: WArray) => `[${Array.from(x.toTypedArray()).map((v) => Number(v.toFixed(3))).join(", ")}]`
// Sorted values are continuous and piecewise linear in the inputs (the gradient is a
// permutation); ranks and argmax are piecewise constant (the gradient is zero); thresholds
// are steps. softSort smooths the kinks where jets cross, softRank gives ranks a gradient.
const fourth = (eps: number) => (pt: WArray) => np.take(relax.softSort(pt, { strength: eps, direction: "descending" }), 3, 0)
const leading = (T: number) => (pt: WArray) => relax.smoothMax(pt, { temperature: T })
console.log(`one event, jet pT = ${fmt(jets)} GeV`)
console.log(table([
  ["quantity", "value (GeV)", "gradient w.r.t. each jet's pT"],
  ["max (leading jet)", 120, "[1, 0, 0, 0, 0, 0]"],
  ...[1, 5, 10].map((T) => [`smoothMax, T = ${T} GeV`, leading(T)(jets).item().toFixed(3), fmt(grad(leading(T))(jets) as WArray)]),
  ["sort[3] (4th-leading)", 44, "[0, 0, 0, 1, 0, 0]"],
  ...[0.005, 0.02, 0.05].map((e) => [`softSort[3], ε = ${e}/GeV`, fourth(e)(jets).item().toFixed(3), fmt(grad(fourth(e))(jets) as WArray)]),
  ["rank of the 44 GeV jet", 4, "[0, 0, 0, 0, 0, 0] (ranks are integers)"],
  ...[10, 20].map((e) => [`softRank, ε = ${e} GeV`, (relax.softRank(jets, { strength: e, direction: "descending" }) as WArray).at(3).item().toFixed(3),
    fmt(grad((pt: WArray) => np.take(relax.softRank(pt, { strength: e, direction: "descending" }), 3, 0))(jets) as WArray)]),
]))

// ---------------------------------------------------------------------------------------
// Part 2. Events of 6 jets: true pT = 25 GeV + an exponential tail (mean 35 GeV), each jet
// forward (|η| > 1.5) with probability 0.4, measured as α_region · pT · (1 + 8% z). Three
// selected fractions are measured in "data" made with α = (1.04, 0.95).

const keys = random.split(random.key(99), 6)
function sample(kPt: WArray, kRegion: WArray, kRes: WArray, n: number) {
  return {
    pt: np.subtract(25, np.log(random.uniform(kPt, [n, nJets])).mul(35)),
    forward: random.bernoulli(kRegion, 0.4, [n, nJets]).astype("float64"),
    smear: random.normal(kRes, [n, nJets]).mul(resolution).add(1),
  }
}
type Events = ReturnType<typeof sample>
const mc = sample(keys.at(0), keys.at(1), keys.at(2), nMc)
const data = sample(keys.at(3), keys.at(4), keys.at(5), nData)
const alphaTrue = [1.04, 0.95]

const selections = ["4th jet pT > 45 GeV", "leading jet pT > 120 GeV", "leading jet is forward"]

/** Hard fractions on host arrays: sort each event's measured jets. */
function hardFractions(ev: Events, alpha: readonly number[]): number[] {
  const pt = ev.pt.toTypedArray(), sm = ev.smear.toTypedArray(), fw = ev.forward.toTypedArray()
  const n = pt.length / nJets, pass = [0, 0, 0], row = new Float64Array(nJets)
  for (let e = 0; e < n; e++) {
    let lead = 0
    for (let j = 0; j < nJets; j++) {
      const i = e * nJets + j
      row[j] = pt[i]! * sm[i]! * (fw[i]! ? alpha[1]! : alpha[0]!)
      if (row[j]! > row[lead]!) lead = j
    }
    if (fw[e * nJets + lead]!) pass[2]!++
    row.sort()
    if (row[nJets - 4]! > 45) pass[0]!++
    if (row[nJets - 1]! > 120) pass[1]!++
  }
  return pass.map((p) => p / n)
}

/** Relaxed fractions: softSort (ε per GeV), smoothMax and softRank (T, in GeV), sigmoid steps of width T. */
function softFractions(alpha: WArray, eps: number, T: number): WArray {
  const pt = mc.pt.mul(mc.smear).mul(np.subtract(1, mc.forward).mul(alpha.at(0)).add(mc.forward.mul(alpha.at(1))))
  const fourthJet = np.take(relax.softSort(pt, { strength: eps, direction: "descending", axis: 1 }), 3, 1)
  const leadJet = relax.smoothMax(pt, { axis: 1, temperature: T })
  // "is jet j the leading one" = step(1.5 − rank_j), ranks soft with strength T (GeV)
  const isLead = relax.sigmoidStep(np.subtract(1.5, relax.softRank(pt, { strength: T, direction: "descending", axis: 1 })), { temperature: 0.1 })
  return np.stack([
    np.mean(relax.sigmoidStep(fourthJet.sub(45), { temperature: T })),
    np.mean(relax.sigmoidStep(leadJet.sub(120), { temperature: T })),
    np.mean(np.sum(isLead.mul(mc.forward), 1)),
  ])
}

const fracData = hardFractions(data, alphaTrue)
const errData = fracData.map((f) => Math.sqrt((f * (1 - f)) / nData))
const chi2 = (eps: number, T: number) => (alpha: WArray) =>
  np.sum(np.square(softFractions(alpha, eps, T).sub(np.array(fracData)).div(np.array(errData))))
const hardChi2 = (a: readonly number[]) => hardFractions(mc, a).reduce((s, f, k) => s + ((f - fracData[k]!) / errData[k]!) ** 2, 0)

console.log(`\n${nMc} simulated events, ${nData} data events (true scales α = (1.04, 0.95) for central, forward jets)`)
console.log(table([["selection", "data fraction", "simulation at α = (1, 1)"],
  ...selections.map((name, k) => [name, `${fracData[k]!.toFixed(4)} ± ${errData[k]!.toFixed(4)}`, hardFractions(mc, [1, 1])[k]!.toFixed(4)])]))

// the gradient of the relaxed χ², against central differences, at the nominal scales
const nominal = np.array([1, 1])
const g = Array.from((grad(chi2(0.02, 2))(nominal) as WArray).toTypedArray())
const fd = [0, 1].map((i) => {
  const h = 1e-6, e = np.array([i === 0 ? h : 0, i === 1 ? h : 0])
  return (chi2(0.02, 2)(nominal.add(e)).item() - chi2(0.02, 2)(nominal.sub(e)).item()) / (2 * h)
})
console.log(`\nhard χ² gradient: zero almost everywhere (steps and ranks); relaxed χ² (ε = 0.02/GeV, T = 2 GeV) at α = (1, 1):`)
console.log(`gradient             [${g.map((v) => v.toExponential(5)).join(", ")}]`)
console.log(`central differences  [${fd.map((v) => v.toExponential(5)).join(", ")}]`)
console.log(`finite-difference check: max relative difference ${Math.max(...g.map((v, i) => Math.abs(v - fd[i]!) / Math.abs(fd[i]!))).toExponential(1)}\n`)

// fit at sharpening relaxations, each warm-started from the last
const stages: [number, number][] = [[0.05, 4], [0.02, 2], [0.01, 1]]
let alpha = nominal
const rows: (string | number)[][] = [["softSort ε (1/GeV)", "T (GeV)", "α central", "α forward", "relaxed χ²", "hard χ²", "iterations"]]
const [, ms] = timed(() => {
  for (const [eps, T] of stages) {
    const bar = progress(`relaxed fit, ε = ${eps}/GeV, T = ${T} GeV`)   // a live line at a terminal
    const r = optim.minimize(chi2(eps, T), alpha, { method: "lbfgs", tol: 1e-3, maxIter: 100, onStep: bar.onStep })
    bar.done()
    alpha = r.x
    const a = alpha.toArray() as number[]
    rows.push([eps, T, a[0]!.toFixed(4), a[1]!.toFixed(4), r.value.toFixed(2), hardChi2(a).toFixed(2), r.iterations])
  }
})
console.log(table(rows))

// the hard-cut answer: a grid scan of the hard χ² (piecewise constant: no gradient to follow)
const grid = Array.from({ length: 19 }, (_, i) => 0.92 + i * 0.01)
const [best, scanMs] = timed(() => {
  let b = { chi2: Infinity, a: [0, 0] }
  for (const ac of grid) for (const af of grid) { const c = hardChi2([ac, af]); if (c < b.chi2) b = { chi2: c, a: [ac, af] } }
  return b
})
const fitted = alpha.toArray() as number[]
console.log(`\nrelaxed fit (${ms.toFixed(0)} ms): α = (${fitted.map((v) => v.toFixed(3)).join(", ")}), hard χ² = ${hardChi2(fitted).toFixed(2)}; true (1.04, 0.95)`)
console.log(`hard grid scan (${scanMs.toFixed(0)} ms, ${grid.length ** 2} points): α = (${best.a.map((v) => v.toFixed(3)).join(", ")}), hard χ² = ${best.chi2.toFixed(2)}`)

// figure: the "leading jet is forward" fraction against the forward scale, hard and relaxed
const scan = Array.from({ length: 21 }, (_, i) => 0.85 + i * 0.01)
const file = writeFigure("soft-sorting-jets.svg", plot({
  title: "Fraction of events whose leading jet is forward",
  xLabel: "α forward (α central = 1.04)", yLabel: "fraction (simulation)",
  series: [
    { label: "hard ranks", x: scan, y: scan.map((a) => hardFractions(mc, [1.04, a])[2]!), style: "line", color: "#444" },
    ...stages.map(([eps, T], i) => {
      const f = jit((a: WArray) => softFractions(np.stack([np.array(1.04), a]), eps, T).at(2))
      return { label: `softRank T = ${T} GeV`, x: scan, style: "line" as const, dashed: i > 0, y: scan.map((a) => f(np.array(a)).item()) }
    }),
  ],
  hLines: [{ y: fracData[2]!, label: "data" }],
  vLines: [{ x: 0.95, label: "true α forward" }],
}))
console.log(`Figure written to ${file}`)
