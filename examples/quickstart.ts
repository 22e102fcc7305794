// Quick start: the core transforms on small functions, each result printed next to the
// closed form it should equal. Run with `npx tsx examples/quickstart.ts` (`--small`, or
// WENGERT_EXAMPLE_SMALL=1, only shrinks the batch; the test suite runs it that way).

import { grad, jit, jvp, makeJaxpr, np, valueAndGrad, vjp, vmap, type WArray } from "wengert"

const small = process.argv.includes("--small") || process.env["WENGERT_EXAMPLE_SMALL"] === "1"
const show = (label: string, value: unknown) => console.log(`${label.padEnd(34)} ${String(value)}`)

console.log("wengert quickstart: grad, jvp, vjp, vmap, jit, makeJaxpr\n")

// grad: reverse mode on a scalar function. d/dx sin(x)·x² = cos(x)·x² + 2x·sin(x)
const f = (x: WArray) => np.sin(x).mul(np.square(x))
const x0 = 1.5
show("f(1.5)", f(np.array(x0)).item())
show("grad(f)(1.5)", grad(f)(x0).item())
show("  closed form", Math.cos(x0) * x0 ** 2 + 2 * x0 * Math.sin(x0))
show("grad(grad(f))(1.5)", grad(grad(f))(x0).item())
show("  closed form", -Math.sin(x0) * x0 ** 2 + 4 * x0 * Math.cos(x0) + 2 * Math.sin(x0))

// valueAndGrad with several arguments: a least-squares loss and its gradient in (w, b)
const xs = np.array([0, 1, 2, 3])
const ys = np.array([1, 3, 5, 7])                               // y = 2x + 1 exactly
const loss = (w: WArray, b: WArray) => np.mean(np.square(xs.mul(w).add(b).sub(ys)))
const [l, [dw, db]] = valueAndGrad(loss, { argnums: [0, 1] })(1, 0)
console.log()
show("loss(w=1, b=0)", l.item())
show("d loss / d(w, b)", `${dw.item()}, ${db.item()}`)

// jvp: forward mode, the derivative along a direction in one pass (dual numbers)
const [y, dy] = jvp(np.exp, [np.array([0, 1])], [np.array([1, 1])])
console.log()
show("exp([0, 1])", y)
show("jvp tangent out (= exp x)", dy)

// vjp: the pullback of a vector-valued function, J^T u
const [, pullback] = vjp((x: WArray) => np.stack([x.sum(), x.mul(x).sum()]), np.array([1, 2, 3]))
show("vjp pullback([1, 0]) (= 1)", pullback(np.array([1, 0]))[0])
show("vjp pullback([0, 1]) (= 2x)", pullback(np.array([0, 1]))[0])

// vmap: per-example gradients without a loop
const batch = np.linspace(-1, 1, small ? 3 : 5)
console.log()
show("batch", batch)
show("vmap(grad(f))(batch)", vmap(grad(f))(batch))

// jit: trace once per input signature, reuse the cached program afterwards
// (until the JS code generator lands, the cached program runs in the interpreter)
const g = jit((x: WArray) => np.sum(np.tanh(x).mul(x)))
console.log()
show("jit(g)([1, 2, 3])", g(np.array([1, 2, 3])).item())
show("jit(g)([4, 5, 6]) (cached trace)", g(np.array([4, 5, 6])).item())

// makeJaxpr: the typed IR a transform sees, printed as JAX prints it
console.log()
console.log("makeJaxpr(f)(1.5):")
console.log(makeJaxpr(f)(x0).toString())
console.log("\nmakeJaxpr(grad(f))(1.5):")
console.log(makeJaxpr(grad(f))(x0).toString())
