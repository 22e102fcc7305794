// Line searches along a descent direction d from x, on host Float64Arrays: the strong
// Wolfe search of Nocedal & Wright (Alg. 3.5 and 3.6, cubic interpolation in the zoom)
// for quasi-Newton steps, and Armijo backtracking for Newton steps. The value and
// gradient come from one evaluation `fg(x)`, so each trial point costs one gradient.

export type Vec = Float64Array
export interface Point { readonly x: Vec; readonly f: number; readonly g: Vec }
export type ValueAndGrad = (x: Vec) => Point

export const dot = (a: Vec, b: Vec): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s }
export const norm = (a: Vec): number => Math.sqrt(dot(a, a))
/** x + a·d, as a new vector. */
export const axpy = (x: Vec, a: number, d: Vec): Vec => { const out = new Float64Array(x.length); for (let i = 0; i < x.length; i++) out[i] = x[i]! + a * d[i]!; return out }

export interface SearchResult { readonly point: Point | undefined; readonly evaluations: number }

const c1 = 1e-4

/** Minimizer of the cubic through (a, fa, da) and (b, fb, db), or undefined when it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number | undefined {
  const d1 = da + db - 3 * (fa - fb) / (a - b)
  const disc = d1 * d1 - da * db
  if (!(disc >= 0)) return undefined
  const d2 = Math.sign(b - a) * Math.sqrt(disc)
  const t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2)
  return Number.isFinite(t) ? t : undefined
}

/**
 * A step length satisfying the strong Wolfe conditions, f(x + a d) ≤ f + c1 a g·d and
 * |∇f(x + a d)·d| ≤ c2 |g·d|, starting from `a0`; undefined point when none was found.
 */
export function wolfe(fg: ValueAndGrad, p: Point, d: Vec, a0: number, c2 = 0.9, maxEvals = 30): SearchResult {
  const f0 = p.f, d0 = dot(p.g, d)
  let evals = 0
  const at = (a: number) => { evals++; const q = fg(axpy(p.x, a, d)); return { q, slope: dot(q.g, d) } }
  const sufficient = (a: number, f: number) => f <= f0 + c1 * a * d0
  const curvature = (slope: number) => Math.abs(slope) <= -c2 * d0

  // zoom between lo (satisfies Armijo, lowest so far) and hi
  const zoom = (lo: number, flo: number, slo: number, plo: Point | undefined, hi: number, fhi: number, shi: number): SearchResult => {
    while (evals < maxEvals) {
      const width = hi - lo
      let a = cubicMin(lo, flo, slo, hi, fhi, shi)
      const left = Math.min(lo, hi) + 0.1 * Math.abs(width), right = Math.max(lo, hi) - 0.1 * Math.abs(width)
      if (a === undefined || a < left || a > right) a = lo + width / 2
      const { q, slope } = at(a)
      if (!Number.isFinite(q.f) || !sufficient(a, q.f) || q.f >= flo) { hi = a; fhi = Number.isFinite(q.f) ? q.f : Infinity; shi = Number.isFinite(slope) ? slope : 0 }
      else {
        if (curvature(slope)) return { point: q, evaluations: evals }
        if (slope * (hi - lo) >= 0) { hi = lo; fhi = flo; shi = slo }
        lo = a; flo = q.f; slo = slope; plo = q
      }
      if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break
    }
    // out of budget: the best Armijo point is still a descent step
    return { point: plo, evaluations: evals }
  }

  let aPrev = 0, fPrev = f0, sPrev = d0, pPrev: Point | undefined
  let a = a0
  while (evals < maxEvals) {
    const { q, slope } = at(a)
    if (!Number.isFinite(q.f)) { a = aPrev + (a - aPrev) / 4; if (a - aPrev < 1e-20) break; continue }
    if (!sufficient(a, q.f) || (pPrev && q.f >= fPrev)) return zoom(aPrev, fPrev, sPrev, pPrev, a, q.f, slope)
    if (curvature(slope)) return { point: q, evaluations: evals }
    if (slope >= 0) return zoom(a, q.f, slope, q, aPrev, fPrev, sPrev)
    aPrev = a; fPrev = q.f; sPrev = slope; pPrev = q
    a *= 2
  }
  return { point: pPrev, evaluations: evals }
}

/** Armijo backtracking: the first of a0, a0/2, a0/4, … with f(x + a d) ≤ f + c1 a g·d. */
export function backtracking(fg: ValueAndGrad, p: Point, d: Vec, a0 = 1, maxEvals = 60): SearchResult {
  const d0 = dot(p.g, d)
  let a = a0
  for (let evals = 1; evals <= maxEvals; evals++, a /= 2) {
    const q = fg(axpy(p.x, a, d))
    if (Number.isFinite(q.f) && q.f <= p.f + c1 * a * d0) return { point: q, evaluations: evals }
  }
  return { point: undefined, evaluations: maxEvals }
}
