// Detector calibration: fit a calorimeter simulation to test-beam pseudo-data by gradient-
// based maximum likelihood, and quote uncertainties from the inverse Hessian.
//
// The simulated calorimeter has 24 sampling layers. An electron shower of energy E deposits
// E·f_l(E) in layer l (a gamma-function longitudinal profile whose peak moves deeper as
// ln E; what passes the last layer leaks out), each layer's signal saturates (Birks' law
// e/(1 + kB·e)), and the sum is scaled by the energy scale s. The resolution is
// σ²(E) = (a% ·√E)² + (b% ·E)² + noise². The four parameters θ = (s, kB, a, b) are
// fitted to beams of 10–200 GeV by minimizing the Gaussian negative log-likelihood
// through the simulation with optim.minimize (L-BFGS, gradients by reverse mode); the
// covariance is the inverse of the Hessian (hessian + np.linalg.inv). Repeating the fit on
// pseudo-experiments checks that the pulls (fitted − true)/σ are standard normal. Figures:
// examples/out/detector-calibration-{pulls,response}.svg.
//
//   npx tsx examples/detector-calibration.ts           # 2,000 events per beam, 100 pseudo-experiments
//   npx tsx examples/detector-calibration.ts --small   # 300 events per beam, 20 pseudo-experiments

import { grad, hessian, jit, np, optim, random, type WArray } from "wengert"
import { plot, progress, small, table, timed, writeFigure } from "./lib/svg.ts"

const beams = [10, 20, 50, 100, 200]           // GeV
const events = small ? 300 : 2000              // per beam energy
const toys = small ? 20 : 100                  // pseudo-experiments for the pull distributions (≥ 20: the ±3σ check)
const noise = 0.25                             // GeV, known from pedestal runs

// ---------------------------------------------------------------------------------------
// The simulation. The longitudinal profile depends on E only, so it is tabulated once:
// f[j][l] = fraction of a beam-j shower deposited in layer l (layers of 1 X0 each).

const layers = 24, criticalEnergy = 0.02       // GeV
function profile(E: number): number[] {
  const b = 0.5, tmax = Math.log(E / criticalEnergy) - 0.5, a = b * tmax + 1
  const density = (t: number) => t ** (a - 1) * Math.exp(-b * t)
  const sub = 20, dt = 1 / sub
  let total = 0
  for (let t = dt / 2; t < 200; t += dt) total += density(t) * dt          // normalizes over all depths
  return Array.from({ length: layers }, (_, l) => {
    let s = 0
    for (let i = 0; i < sub; i++) s += density(l + (i + 0.5) * dt) * dt
    return s / total                                                       // Σ_l f_l < 1: leakage
  })
}
/** Energy deposited per layer by showers of the given energies: [energies, layers], GeV. */
const depositsAt = (energies: readonly number[]) =>
  np.multiply(np.array(energies.map(profile)), np.expandDims(np.array(energies), 1))
const E = np.array(beams), deposits = depositsAt(beams)

/** The parameters in units that make them O(1): scale, kB in 1/TeV, a in %·√GeV, b in %. */
const names = ["energy scale s", "Birks kB [1/TeV]", "stochastic a [%√GeV]", "constant b [%]"]
const truth = np.array([0.96, 1.5, 12, 1.5])
const nominal = np.array([1, 0, 10, 1])        // the design values: the fit's starting point

/** Mean response μ(E) and resolution σ(E) of the calorimeter, per beam energy. */
function simulate(theta: WArray, energies = E, dep = deposits): [WArray, WArray] {
  const s = theta.at(0), kB = theta.at(1).div(1000), a = theta.at(2).div(100), b = theta.at(3).div(100)
  const visible = dep.div(np.add(1, dep.mul(kB)))                        // Birks saturation per layer
  const mu = np.sum(visible, 1).mul(s)
  const sigma = np.sqrt(a.square().mul(energies).add(b.square().mul(energies.square())).add(noise ** 2))
  return [mu, sigma]
}

/** Gaussian negative log-likelihood of the measured energies x [beams, events] (constants dropped). */
function nll(theta: WArray, x: WArray): WArray {
  const [mu, sigma] = simulate(theta)
  const z = x.sub(np.expandDims(mu, 1)).div(np.expandDims(sigma, 1))
  return np.sum(z.square()).mul(0.5).add(np.sum(np.log(sigma)).mul(x.shape[1]!))
}

/** Pseudo-data: x = μ(E; θ) + σ(E; θ)·z with standard normal z from a threefry key. */
function pseudoData(key: WArray, theta: WArray): WArray {
  const [mu, sigma] = simulate(theta)
  const z = random.normal(key, [beams.length, events])
  return z.mul(np.expandDims(sigma, 1)).add(np.expandDims(mu, 1))
}

const hess = jit((theta: WArray, x: WArray) => hessian(nll)(theta, x) as WArray)

interface Fit { theta: number[]; errors: number[]; cov: WArray; iterations: number; converged: boolean; nllMin: number; edm: number }
function fit(x: WArray, onStep?: (s: optim.StepInfo) => void): Fit {
  // The NLL sums thousands of terms of size ~1, so rounding limits its gradient to ~1e-6;
  // tol = 1e-3 is far below what matters statistically: the estimated distance to the
  // minimum, EDM = ½ gᵀ H⁻¹ g, must be ≪ 0.5 (the NLL rise of a 1σ shift).
  const r = optim.minimize((theta: WArray) => nll(theta, x), nominal, { method: "lbfgs", tol: 1e-3, onStep })
  const cov = np.linalg.inv(hess(r.x, x))
  const gMin = grad(nll)(r.x, x) as WArray
  const edm = 0.5 * np.dot(gMin, np.matmul(cov, gMin)).item()
  const errors = (cov.toArray() as number[][]).map((row, i) => Math.sqrt(row[i]!))
  // a and b enter squared: report their magnitudes
  const theta = Array.from(r.x.toTypedArray()).map((v, i) => (i >= 2 ? Math.abs(v) : v))
  return { theta, errors, cov, iterations: r.iterations, converged: r.converged, nllMin: r.value, edm }
}

// ---------------------------------------------------------------------------------------
console.log(`Detector calibration: fit of a ${layers}-layer calorimeter simulation to test-beam pseudo-data${small ? " (small run)" : ""}`)
console.log(`${beams.length} beams (${beams.join(", ")} GeV) × ${events} events; parameters θ = (s, kB, a, b)\n`)

const [dataKey, toyKey] = [random.key(2024), random.key(7)]
const data = pseudoData(dataKey, truth)

// the gradient through the simulation, checked against central differences at the start
const g = Array.from((grad(nll)(nominal, data) as WArray).toTypedArray())
const fd = [0, 1, 2, 3].map((i) => {
  const h = 1e-6 * Math.max(1, Math.abs((nominal.toArray() as number[])[i]!))
  const e = np.array([0, 1, 2, 3].map((j) => (j === i ? h : 0)))
  return (nll(nominal.add(e), data).item() - nll(nominal.sub(e), data).item()) / (2 * h)
})
console.log(`gradient of the NLL at the start   [${g.map((v) => v.toExponential(6)).join(", ")}]`)
console.log(`central differences                [${fd.map((v) => v.toExponential(6)).join(", ")}]`)
console.log(`finite-difference check: max relative difference ${Math.max(...g.map((v, i) => Math.abs(v - fd[i]!) / Math.abs(fd[i]!))).toExponential(1)}\n`)

const bar = progress("L-BFGS fit")                  // a live line at a terminal
const [best, ms] = timed(() => fit(data, bar.onStep))
bar.done()
const trueValues = truth.toArray() as number[]
const pulls = best.theta.map((v, i) => (v - trueValues[i]!) / best.errors[i]!)
console.log(`L-BFGS: ${best.converged ? "converged" : "did NOT converge"} in ${best.iterations} iterations (${ms.toFixed(0)} ms, including the Hessian); NLL = ${best.nllMin.toFixed(3)}, EDM = ${best.edm.toExponential(1)}`)
console.log(table([
  ["parameter", "true", "start", "fitted", "± σ (inverse Hessian)", "pull"],
  ...names.map((n, i) => [n, trueValues[i]!, (nominal.toArray() as number[])[i]!, best.theta[i]!.toFixed(4), `± ${best.errors[i]!.toFixed(4)}`, pulls[i]!.toFixed(2)]),
]))
const corr = best.cov.div(np.outer(np.array(best.errors), np.array(best.errors)))
console.log("\ncorrelations:")
console.log(table([["", "s", "kB", "a", "b"], ...(corr.toArray() as number[][]).map((row, i) => [names[i]!, ...row.map((c) => c.toFixed(2))])]))
console.log(`\npulls of this fit: ${pulls.map((p) => p.toFixed(2)).join(", ")}`)

// pseudo-experiments: new data from the true θ, refitted; the pulls should be N(0, 1)
const toyPulls: number[][] = names.map(() => [])
let failed = 0
const [, toyMs] = timed(() => {
  const keys = random.split(toyKey, toys), toyBar = progress("pseudo-experiments")
  for (let t = 0; t < toys; t++) {
    toyBar.update(`fit ${t + 1} of ${toys}`)
    const f = fit(pseudoData(keys.at(t), truth))
    // MINUIT's criterion: a fit counts when its estimated distance to the minimum is ≪ 0.5
    if (!f.converged && !(f.edm < 1e-3)) { failed++; continue }
    f.theta.forEach((v, i) => toyPulls[i]!.push((v - trueValues[i]!) / f.errors[i]!))
  }
  toyBar.done()
})
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)) }
}
console.log(`\n${toys} pseudo-experiments (${(toyMs / toys).toFixed(0)} ms per fit, ${failed} not converged, EDM > 1e-3): pull mean and width per parameter`)
console.log(table([
  ["parameter", "pull mean", "pull width", "expected"],
  ...names.map((n, i) => { const s = stats(toyPulls[i]!); return [n, s.mean.toFixed(2), s.std.toFixed(2), `0 ± ${(1 / Math.sqrt(toyPulls[i]!.length)).toFixed(2)}, 1`] }),
]))

// The acceptance check (test/examples.test.ts reads this line): over 20 pseudo-experiments,
// each from its own key, every parameter lies within ±3σ (its inverse-Hessian error) of the truth.
const first20 = toyPulls.flatMap((ps) => ps.slice(0, 20))
const pooled = stats(first20)
console.log(`largest |pull| over the first ${Math.min(20, toyPulls[0]!.length)} pseudo-experiments: ${Math.max(...first20.map(Math.abs)).toFixed(2)} (${first20.filter((p) => Math.abs(p) >= 3).length} beyond 3σ); ` +
  `their ${first20.length} pulls: mean ${pooled.mean.toFixed(2)}, std ${pooled.std.toFixed(2)}`)

// ---------------------------------------------------------------------------------------
// Figures: the pulls (toys as dots, their mean ± width, this fit's pull), and the response.

const jitter = (t: number) => ((t * 0.618034) % 1 - 0.5) * 0.5
const pullFigure = plot({
  title: `Pulls (fitted − true)/σ of ${toys} pseudo-experiments`, xLabel: "parameter", yLabel: "pull",
  xCategories: ["s", "kB", "a", "b"], yRange: [-4, 4],
  hBands: [{ lo: -1, hi: 1, color: "#e8f0fa" }], hLines: [{ y: 0 }],
  series: [
    { label: "pseudo-experiments", x: toyPulls.flatMap((ps, i) => ps.map((_, t) => i + jitter(t))), y: toyPulls.flat(), style: "points", color: "#9ab", radius: 2 },
    { label: "mean ± width", x: [0, 1, 2, 3], y: toyPulls.map((p) => stats(p).mean), yErr: toyPulls.map((p) => stats(p).std), style: "points", color: "#d62728" },
    { label: "this fit", x: [0.3, 1.3, 2.3, 3.3], y: pulls, style: "points", color: "#1f77b4", radius: 4.5 },
  ],
})
const grid = Array.from({ length: 40 }, (_, i) => 8 * 30 ** (i / 39))        // 8 … 240 GeV
const curve = (theta: WArray) => (simulate(theta, np.array(grid), depositsAt(grid))[0].toArray() as number[]).map((m, i) => m / grid[i]!)
const meanOf = (row: number[]) => row.reduce((a, b) => a + b, 0) / row.length
const responseFigure = plot({
  title: "Calorimeter response: measured / beam energy", xLabel: "beam energy (GeV)", yLabel: "⟨E_measured⟩ / E_beam", logX: true,
  series: [
    { label: "pseudo-data (mean ± σ/√n)", x: beams, y: (data.toArray() as number[][]).map((r, j) => meanOf(r) / beams[j]!),
      yErr: (simulate(truth)[1].toArray() as number[]).map((s, j) => s / Math.sqrt(events) / beams[j]!), style: "points" },
    { label: "fit", x: grid, y: curve(np.array(best.theta)), style: "line" },
    { label: "truth", x: grid, y: curve(truth), style: "line", dashed: true },
  ],
})
const files = [writeFigure("detector-calibration-pulls.svg", pullFigure), writeFigure("detector-calibration-response.svg", responseFigure)]
console.log(`\nFigures written to ${files.join(", ")}`)
