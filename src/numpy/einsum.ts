// einsum: a subset of numpy's Einstein summation, lowered to reduce_sum, dot_general and
// transpose. Operands are contracted left to right; a label shared by the pair and needed
// later is a batch dim, one needed nowhere later is contracted. Not supported: ellipsis
// ("...") and labels repeated within one operand (traces and diagonals such as "ii->").

import type { Array, ArrayLike } from "../core/array.js"
import { InvalidArgumentError, ShapeError } from "../core/errors.js"
import { dotGeneral } from "../prims/dot.js"
import * as R from "../prims/reductions.js"
import { transpose } from "../prims/shape.js"
import { castAll, show } from "./args.js"

const fn = "np.einsum"
interface Term { x: Array; labels: string[] }

function parse(subscripts: string, n: number): { inputs: string[][]; output: string[] | null } {
  const s = subscripts.replace(/\s+/g, "")
  if (s.includes(".")) throw new InvalidArgumentError(fn, `ellipsis ("...") is not supported in "${subscripts}"; write every axis label out.`)
  if (!/^[a-zA-Z,]*(->[a-zA-Z]*)?$/.test(s))
    throw new InvalidArgumentError(fn, `"${subscripts}" is not an einsum subscript: use letters, commas between operands and an optional "->" output.`)
  const [lhs, rhs] = s.split("->") as [string, string | undefined]
  const inputs = lhs.split(",").map((t) => [...t])
  if (inputs.length !== n) throw new InvalidArgumentError(fn, `"${subscripts}" names ${inputs.length} operand(s) but ${n} were given.`)
  return { inputs, output: rhs === undefined ? null : [...rhs] }
}

/**
 * Einstein summation over labelled axes, e.g. `"ij,jk->ik"` (matmul), `"bij,bjk->bik"`
 * (batched), `"ij->ji"` (transpose), `"i,i->"` (inner product), `"ij->"` (sum). Without
 * `->` the output is every label used once, sorted. Not supported: ellipsis and a label
 * repeated within one operand (traces and diagonals such as `"ii->"`: use
 * `np.sum(np.multiply(x, np.eye(n)))`).
 * @example
 * ```ts
 * import { np } from "wengert"
 * np.einsum("ij,jk->ik", [[1, 2]], [[3], [4]]).toArray() // => [[11]]
 * np.einsum("i,i", [1, 2], [3, 4]).item() // => 11
 * np.einsum("ij,j,k->ik", [[1, 2], [3, 4]], [1, 1], [1, 2]).toArray() // => [[3, 6], [7, 14]]
 * ```
 * @throws {@link index!ShapeError} when a term's length differs from its operand's rank or a label has two sizes.
 * @throws {@link index!InvalidArgumentError} for malformed or unsupported subscripts.
 * @category linear algebra
 * @since 0.1.0
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): Array {
  if (operands.length === 0) throw new InvalidArgumentError(fn, "needs at least one operand.")
  const xs = castAll(fn, operands, "numeric")
  const { inputs, output: explicit } = parse(subscripts, xs.length)
  const sizes = new Map<string, number>(), counts = new Map<string, number>()
  inputs.forEach((labels, k) => {
    const x = xs[k]!
    if (labels.length !== x.ndim)
      throw new ShapeError(fn, xs.map((v) => v.shape), `term "${labels.join("")}" has ${labels.length} labels but operand ${k} is ${show(x)}.`)
    labels.forEach((l, i) => {
      if (labels.indexOf(l) !== i)
        throw new InvalidArgumentError(fn, `label '${l}' repeats within operand ${k} ("${labels.join("")}"): traces and diagonals are not supported.`)
      const d = x.shape[i]!, seen = sizes.get(l)
      if (seen !== undefined && seen !== d)
        throw new ShapeError(fn, xs.map((v) => v.shape), `label '${l}' has size ${seen} in one operand and ${d} in operand ${k} (${show(x)}).`)
      sizes.set(l, d)
      counts.set(l, (counts.get(l) ?? 0) + 1)
    })
  })
  const output = explicit ?? [...counts.keys()].filter((l) => counts.get(l) === 1).sort()
  output.forEach((l, i) => {
    if (!sizes.has(l)) throw new InvalidArgumentError(fn, `output label '${l}' appears in no operand of "${subscripts}".`)
    if (output.indexOf(l) !== i) throw new InvalidArgumentError(fn, `output label '${l}' repeats in "${subscripts}".`)
  })

  // sum out labels that only one operand has and the output does not keep
  const terms: Term[] = xs.map((x, k) => {
    const labels = inputs[k]!
    const lonely = labels.map((l, i) => [l, i] as const).filter(([l]) => counts.get(l) === 1 && !output.includes(l))
    return lonely.length === 0 ? { x, labels } : { x: R.reduceSum(x, lonely.map(([, i]) => i)), labels: labels.filter((l) => !lonely.some(([m]) => m === l)) }
  })

  let acc = terms[0]!
  for (let k = 1; k < terms.length; k++) {
    const b = terms[k]!
    const later = new Set([...output, ...terms.slice(k + 1).flatMap((t) => t.labels)])
    const common = acc.labels.filter((l) => b.labels.includes(l))
    const batch = common.filter((l) => later.has(l)), summed = common.filter((l) => !later.has(l))
    const x = dotGeneral(acc.x, b.x, {
      lhs_contracting: summed.map((l) => acc.labels.indexOf(l)), rhs_contracting: summed.map((l) => b.labels.indexOf(l)),
      lhs_batch: batch.map((l) => acc.labels.indexOf(l)), rhs_batch: batch.map((l) => b.labels.indexOf(l)),
    })
    acc = { x, labels: [...batch, ...acc.labels.filter((l) => !common.includes(l)), ...b.labels.filter((l) => !common.includes(l))] }
  }
  // every label the output drops was summed above; this guards the invariant cheaply
  const extra = acc.labels.map((l, i) => [l, i] as const).filter(([l]) => !output.includes(l))
  if (extra.length) acc = { x: R.reduceSum(acc.x, extra.map(([, i]) => i)), labels: acc.labels.filter((l) => output.includes(l)) }
  return transpose(acc.x, output.map((l) => acc.labels.indexOf(l)))
}
