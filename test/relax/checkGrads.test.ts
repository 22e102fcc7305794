// Every relaxation's derivatives through the library's own checker, as JAX's check_grads:
// forward and reverse mode against finite differences, to second order, away from ties.

import { describe, it } from "vitest"
import { type WArray, np, random, relax } from "wengert"
import { checkGrads } from "wengert/laws"

const x = np.array([0.31, -1.2, 2.05, 0.77, -0.4]) // distinct values: no ties
const w = np.array([0.5, -1, 2, 0.3, 1.5])
const weighted = (f: (x: WArray) => WArray) => (x: WArray) => np.sum(np.multiply(w, f(x)))

describe("relaxations pass checkGrads (order 2, forward and reverse)", () => {
  const cases: [string, (x: WArray) => WArray][] = [
    ["logsumexp", (x) => relax.logsumexp(x, { temperature: 0.7 })],
    ["softmax", weighted((x) => relax.softmax(x, { temperature: 0.7 }))],
    ["smoothMax", (x) => relax.smoothMax(x, { temperature: 0.3 })],
    ["sigmoidStep", weighted((x) => relax.sigmoidStep(x, { temperature: 0.5 }))],
    ["softSort (PAV)", weighted((x) => relax.softSort(x, { strength: 1 }))],
    ["softRank (PAV)", weighted((x) => relax.softRank(x, { strength: 1 }))],
    ["softSort (Sinkhorn)", weighted((x) => relax.softSort(x, { method: "sinkhorn", strength: 0.5 }))],
    ["gumbelSoftmax (soft)", weighted((x) => relax.gumbelSoftmax(random.key(3), x, { temperature: 0.8 }))],
  ]
  for (const [name, f] of cases) it(name, () => { checkGrads(f, [x], { order: 2 }) })
})
