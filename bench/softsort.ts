// softSort (PAV) and its gradient at n = 10³ … 10⁵: time per call against n log n, to show
// the O(n log n) scaling (sort, then pool-adjacent-violators in linear time).
// Usage: npm run bench:softsort   (wengert as built in dist/)
import { lcg } from "./workloads.js"

type Arr = { toTypedArray(): ArrayLike<number> }
const w = (await import(new URL("../dist/index.js", import.meta.url).href)) as {
  np: Record<string, (...a: any[]) => Arr>; relax: { softSort(x: Arr, o?: object): Arr }; grad(f: (x: Arr) => Arr): (x: Arr) => Arr; jit<F>(f: F): F
}
const { np, relax, grad } = w

function median(f: () => void, budgetMs = 1500): number {
  f()
  const times: number[] = []
  const end = performance.now() + budgetMs
  while (performance.now() < end || times.length < 5) { const t0 = performance.now(); f(); times.push(performance.now() - t0) }
  times.sort((a, b) => a - b)
  return times[times.length >> 1]!
}

const rows: string[] = []
let base = 0
for (const n of [1_000, 3_000, 10_000, 30_000, 100_000]) {
  const r = lcg(11)
  const x = np.asarray!(Float64Array.from({ length: n }, () => r(-3, 3)))
  const wt = np.asarray!(Float64Array.from({ length: n }, () => r(-1, 1)))
  const loss = (x: Arr) => np.sum!(np.multiply!(wt, relax.softSort(x, { strength: 0.1 })))
  const g = grad(loss)
  const tf = median(() => relax.softSort(x, { strength: 0.1 }).toTypedArray())
  const tg = median(() => g(x).toTypedArray())
  const per = (tg * 1e6) / (n * Math.log2(n))
  if (!base) base = per
  rows.push(`| ${n} | ${tf.toFixed(2)} ms | ${tg.toFixed(2)} ms | ${per.toFixed(1)} ns | ${(per / base).toFixed(2)} |`)
}
console.log("| n | softSort | grad of Σ w·softSort | grad time / (n log₂ n) | relative to n = 10³ |")
console.log("|--:|--:|--:|--:|--:|")
for (const r of rows) console.log(r)
