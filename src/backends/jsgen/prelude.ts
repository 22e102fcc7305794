// Library helpers shared by generated programs (built once; see sharedHelpers). Fixed text:
// the only variation is the dtype's accumulator rounding, chosen from a table.
// dot_general sums each output over k in order from 0, as the eager kernel does, so results
// agree bit for bit; large products use a 4×4 register-blocked kernel (~4× the i-k-j loop),
// matrix-vector products 4 rows (or, for the rows left over, 4 columns) at a time.

import type { DType } from "../../core/dtype.js"
import type { Helper } from "./types.js"

const logistic = `function hLogistic(x){return x>=0?1/(1+Math.exp(-x)):Math.exp(x)/(1+Math.exp(x))}`
// numpy rounds halves to even
const round = `function hRound(x){const r=Math.round(x);return Math.abs(x%1)===0.5&&r%2!==0?r-1:r}`

/**
 * A dot helper `name` and its two workers, `name`P (four rows of the output: 4×4 register
 * blocks, then the columns left over) and `name`R (one row). The driver calls a worker per
 * row block, so once V8 has optimized a worker (in the background, a few ms) the rest of a
 * large product runs optimized; one big function ran its first large product in the
 * interpreter until on-stack replacement, ~30 ms on W2's sizes. `acc` rounds acc + a*b as the
 * output dtype stores it.
 */
function dot(name: string, acc: (e: string) => string): string {
  const c: string[] = []
  for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) c.push(`c${r}${q}`)
  const fma = (r: number, q: number) => `c${r}${q}=${acc(`c${r}${q}+x${r}*y${q}`)};`
  let body = ""
  for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) body += fma(r, q)
  let store = ""
  for (let r = 0; r < 4; r++) for (let q = 0; q < 4; q++) store += `O[o${r}+j+${q}]=c${r}${q};`
  return `function ${name}P(A,r0,sam,sak,B,b0,sbk,sbn,O,o0,N,K){
const r1=r0+sam,r2=r1+sam,r3=r2+sam,o1=o0+N,o2=o1+N,o3=o2+N;let j=0;
for(;j+4<=N;j+=4){
let ${c.map((x) => `${x}=0`).join(",")};
let pa=0,pb=b0+j*sbn;const s2=sbn+sbn,s3=s2+sbn;
for(let k=0;k<K;k++){
const x0=A[r0+pa],x1=A[r1+pa],x2=A[r2+pa],x3=A[r3+pa],y0=B[pb],y1=B[pb+sbn],y2=B[pb+s2],y3=B[pb+s3];
${body}
pa+=sak;pb+=sbk;}
${store}}
for(;j<N;j++){let d0=0,d1=0,d2=0,d3=0,pa=0,pb=b0+j*sbn;
for(let k=0;k<K;k++){const y=B[pb];d0=${acc("d0+A[r0+pa]*y")};d1=${acc("d1+A[r1+pa]*y")};d2=${acc("d2+A[r2+pa]*y")};d3=${acc("d3+A[r3+pa]*y")};pa+=sak;pb+=sbk;}
O[o0+j]=d0;O[o1+j]=d1;O[o2+j]=d2;O[o3+j]=d3;}}
function ${name}R(A,r,sak,B,b0,sbk,sbn,O,o,N,K){
if(K===1){const a=A[r];for(let j=0,pb=b0;j<N;j++,pb+=sbn)O[o+j]=${acc("0+a*B[pb]")};return}
let j=0;
for(;j+4<=N;j+=4){let e0=0,e1=0,e2=0,e3=0;const s2=sbn+sbn,s3=s2+sbn;
for(let k=0,pa=r,pb=b0+j*sbn;k<K;k++,pa+=sak,pb+=sbk){const a=A[pa];e0=${acc("e0+a*B[pb]")};e1=${acc("e1+a*B[pb+sbn]")};e2=${acc("e2+a*B[pb+s2]")};e3=${acc("e3+a*B[pb+s3]")};}
O[o+j]=e0;O[o+j+1]=e1;O[o+j+2]=e2;O[o+j+3]=e3;}
for(;j<N;j++){let d=0;for(let k=0,pa=r,pb=b0+j*sbn;k<K;k++,pa+=sak,pb+=sbk)d=${acc("d+A[pa]*B[pb]")};O[o+j]=d;}}
function ${name}(A,ao,sab,sam,sak,B,bo,sbb,sbk,sbn,O,nb,M,N,K){
for(let b=0;b<nb;b++){
const a0=ao+b*sab,b0=bo+b*sbb,oo=b*M*N;let i=0;
if(K>=4)for(;i+4<=M;i+=4)${name}P(A,a0+i*sam,sam,sak,B,b0,sbk,sbn,O,oo+i*N,N,K);
for(;i<M;i++)${name}R(A,a0+i*sam,sak,B,b0,sbk,sbn,O,oo+i*N,N,K);}}`
}

const f64 = (e: string) => e
const f32 = (e: string) => `Math.fround(${e})`
const i32 = (e: string) => `((${e})|0)`
const u32 = (e: string) => `((${e})>>>0)`

const texts: Record<Helper, () => string> = {
  logistic: () => logistic,
  round: () => round,
  dotF64: () => dot("hDotF64", f64),
  dotF32: () => dot("hDotF32", f32),
  dotI32: () => dot("hDotI32", i32),
  dotU32: () => dot("hDotU32", u32),
}

const names: Record<Helper, string> = {
  logistic: "hLogistic", round: "hRound", dotF64: "hDotF64", dotF32: "hDotF32", dotI32: "hDotI32", dotU32: "hDotU32",
}

/**
 * The helpers, built once per process and shared by every compiled program: V8 keeps one
 * function's type feedback and optimized code, so the second program's matmul starts hot
 * (a per-program copy ran its first call in the interpreter, ~10× slower on W2).
 */
export const sharedHelpers: Readonly<Record<string, unknown>> = new Function(
  `"use strict";\n${Object.values(texts).map((t) => t()).join("\n")}\nreturn {${Object.values(names).join(",")}};`,
)() as Record<string, unknown>

const arrays: Partial<Record<Helper, new (n: number) => ArrayLike<number>>> = {
  dotF64: Float64Array, dotF32: Float32Array, dotI32: Int32Array, dotU32: Uint32Array,
}
const warmed = new Set<Helper>()

/** The dot helper for products stored as `dt` (bool products are not compiled). */
export const dotHelper = (dt: DType): Helper =>
  dt === "float64" ? "dotF64" : dt === "float32" ? "dotF32" : dt === "int32" ? "dotI32" : "dotU32"

/** The name a program's source calls helper `h` by (bound in its prelude). */
export const helperName = (h: Helper): string => names[h]

/**
 * Runs a dot helper's workers on small operands through each of their paths, once per process,
 * so that V8 starts optimizing them (~30 rounds on Node 20; the compile then runs in the
 * background, 5–20 ms). compileJaxpr calls this before the rest of compilation, which then
 * overlaps V8's. Without it a program's first call ran its large products in the interpreter:
 * W2's first call took 110 ms instead of 20 ms.
 */
export function warmUp(h: Helper): void {
  const Arr = arrays[h]
  if (Arr === undefined || warmed.has(h)) return
  warmed.add(h)
  const dot = sharedHelpers[names[h]] as (...args: unknown[]) => void
  const a = new Arr(64), b = new Arr(64), o = new Arr(64)
  for (let r = 0; r < 40; r++) {
    dot(a, 0, 0, 8, 1, b, 0, 0, 8, 1, o, 1, 8, 8, 8) // 4×4 blocks
    dot(a, 0, 0, 7, 1, b, 0, 0, 7, 1, o, 1, 7, 7, 7) // remainder rows and columns
    dot(a, 0, 0, 1, 8, b, 0, 0, 8, 1, o, 1, 8, 8, 1) // K = 1
    dot(a, 0, 0, 8, 1, b, 0, 0, 1, 0, o, 1, 8, 1, 8) // N = 1
  }
}

/** The prelude for the helpers a program uses: bindings to the shared functions in `H`. */
export function preludeText(used: ReadonlySet<Helper>): string {
  return used.size === 0 ? "" : `const {${[...used].map((h) => names[h]).join(",")}}=H;`
}
