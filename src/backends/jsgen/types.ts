// Shared shapes of the code generator's passes: rules (what a primitive compiles to),
// operands, fusion groups and the scheduled items that the emitter turns into text.

import type { DType } from "../../core/dtype.js"
import type { Eqn } from "../../core/ir.js"

/** Library helpers a program may need in its prelude (fixed text, see prelude.ts). */
export type Helper = "logistic" | "round" | "dotF64" | "dotF32" | "dotI32" | "dotU32"

export interface ElemCtx {
  readonly params: Record<string, unknown>
  readonly inDtypes: readonly DType[]
  readonly outDtype: DType
  need(h: Helper): void
}
/** An elementwise primitive: an expression over operand texts (identifiers or literals). */
export interface ElemRule {
  readonly kind: "elem"
  readonly arity: number
  /** Round the result for float32 (Math.fround) and for integer dtypes (|0, >>>0). */
  readonly f32: boolean
  readonly ints: boolean
  /** The text depends on params or input dtypes (else it is cached per output dtype). */
  readonly usesParams: boolean
  /** Identity elements: a literal with this text on that side makes the result the other operand. */
  readonly unit?: { readonly left?: string; readonly right?: string }
  expr(ops: readonly string[], ctx: ElemCtx): string | null
}
export interface ReduceRule {
  readonly kind: "reduce"
  readonly init: number
  step(acc: string, v: string): string
}
/** A strided view of a buffer: element at index i is base[off + Σ i_d strides_d]. */
export interface Strided { readonly off: number; readonly strides: readonly number[] }
export interface ViewRule {
  readonly kind: "view"
  apply(inShape: readonly number[], v: Strided, params: Record<string, unknown>, outShape: readonly number[]): Strided | null
}
export interface AliasRule { readonly kind: "alias" }
/** scan: the body is scheduled inline, as a JS loop (control.ts). */
export interface ScanRule { readonly kind: "scan" }
/**
 * A call of a sub-jaxpr (remat, custom_jvp_call, custom_vjp_call evaluate their primal body):
 * its equations are scheduled in place, fused with the code around them (control.ts).
 * `body` gives the jaxpr and, per invar, the index of the equation input it reads.
 */
export interface CallRule { readonly kind: "call"; body(params: Record<string, unknown>, nIn: number): { closed: unknown; inputs: readonly number[] } }

/** A view of a materialized buffer var, as kernels receive their operands. */
export interface MemView extends Strided { readonly base: number }
/** What a kernel rule may ask of the scheduler while planning. */
export interface KernelPlan {
  readonly eqn: Eqn
  inShape(i: number): readonly number[]
  inDtype(i: number): DType
  outShape(j: number): readonly number[]
  outDtype(j: number): DType
  /** Operand i as a strided view of a buffer, materializing it if needed. */
  view(i: number): MemView
  /** Operand i copied, if needed, so that its axes in `order` are row-major contiguous. */
  ordered(i: number, order: readonly number[]): MemView
  need(h: Helper): void
}
export interface EmitCtx {
  /** The identifier of a buffer var's storage. */
  buf(v: number): string
  /** The identifier of output j's storage. */
  out(j: number): string
}
export interface KernelRule {
  readonly kind: "kernel"
  /** Plans the kernel (materializing operands) and returns its emitter, or null to fall back. */
  plan(p: KernelPlan): ((e: EmitCtx) => string) | null
}
export type Rule = ElemRule | ReduceRule | ViewRule | AliasRule | KernelRule | ScanRule | CallRule

// scheduled program -------------------------------------------------------------------------

/** A scalar reference: a var id (>= 0) or a literal's index encoded as -1 - k. */
export type Ref = number

export type Operand =
  | { readonly t: "tmp"; readonly v: number }
  | { readonly t: "sc"; readonly ref: Ref }
  | { readonly t: "mem"; readonly v: number; readonly view: MemView }

export interface Member {
  readonly out: number
  readonly rule: ElemRule
  readonly ins: readonly Operand[]
  readonly params: Record<string, unknown>
  readonly inDtypes: readonly DType[]
  readonly dtype: DType
  store: boolean
  /** Where the value is stored, over the group's axes (default: row-major); its buffer is first filled with `fill`. */
  readonly at?: Strided
  readonly fill?: string
  /**
   * A stencil sum (fuse.ts, stencilAdd) of the two `tmp` inputs: input `k` is used one step
   * of the innermost loop late (carried in a local), so both land where the other one's pad
   * put them; `pads` are the inputs' pad values, read before the first step (input k) and
   * after the last (the other). `axis`: the group axis the innermost loop must walk alone.
   */
  readonly carry?: { readonly k: 0 | 1; readonly pads: readonly [string, string]; readonly axis: number }
  /** `at` by axes, where known (pads, stencil sums), so that a later view can re-aim the store. */
  readonly grid?: Grid
}
/**
 * A store's placement by axes: group index idx lands at ρ in the stored value's shape, with
 * ρ[a] = lo[a] plus, for each group axis g walking axis a = walk[g][0], idx[g]·walk[g][1].
 */
export interface Grid { readonly shape: readonly number[]; readonly lo: readonly number[]; readonly walk: readonly (readonly [number, number])[] }
export interface Sink {
  readonly out: number
  readonly rule: ReduceRule
  readonly in: Operand
  /** Per axis of the group's shape: reduced (true) or kept. */
  readonly reduced: readonly boolean[]
  readonly dtype: DType
  /** Set at flush for partial reductions of non-float64 dtypes: a float64 accumulator buffer. */
  scratch: number
}
export interface Group {
  readonly shape: readonly number[]
  readonly members: Member[]
  readonly sinks: Sink[]
}

/** An operand inside a re-rolled loop body (reroll.ts). */
export type RollOp =
  | { readonly t: "ref"; readonly ref: Ref }
  | { readonly t: "in"; readonly q: number }
  | { readonly t: "car"; readonly c: number }
  | { readonly t: "tab"; readonly arr: number }
  | { readonly t: "gat"; readonly arr: number; readonly a: number; readonly b: number }
/** R repetitions of a block of scalar statements, as one loop over j. */
export interface Roll {
  readonly R: number
  readonly body: readonly { readonly tpl: string; readonly ops: RollOp[] }[]
  /** Loop-carried values: position q of the previous block, `init` before the first. */
  readonly carried: readonly { readonly q: number; readonly init: Ref }[]
  /** Per position, the float64 buffer var its values are stored to (-1: not stored). */
  readonly stores: number[]
  /** Scalars read after the loop that are values of its last iteration: position q's value. */
  readonly finals: { readonly q: number; readonly v: number }[]
}

/** A scan inlined as a JS loop over t; body items run per iteration (control.ts). */
export interface ScanLoop {
  readonly length: number
  readonly reverse: boolean
  /** Carried scalars: the body input var, its initial value, the body output, the outer result var. */
  readonly carries: readonly { readonly inVar: number; readonly init: Ref; readonly out: Ref; readonly outVar: number }[]
  /** Per-step scalar inputs read from row t of a stacked buffer view. */
  readonly xs: readonly { readonly inVar: number; readonly view: MemView }[]
  /** Per-step scalar outputs written to element t of a stacked buffer. */
  readonly ys: readonly { readonly out: Ref; readonly buf: number }[]
  readonly body: readonly Item[]
  /** Scalars of the enclosing program the loop reads. */
  readonly reads: readonly number[]
}

export type Item =
  | { readonly k: "roll"; readonly roll: Roll }
  | { readonly k: "scan"; readonly loop: ScanLoop }
  /** A scalar read at a run-time index (gather of one element): base[off + stride * clamp(idx)]. */
  | { readonly k: "drd"; readonly out: number; readonly base: number; readonly off: number; readonly stride: number; readonly n: number; readonly idx: Ref }
  /** A scalar statement: `tpl` is rule text with operands as $0, $1, ... (see reroll.ts). */
  | { readonly k: "sc"; readonly out: number; readonly tpl: string; readonly refs: readonly Ref[] }
  | { readonly k: "rd"; readonly out: number; readonly base: number; readonly off: number }
  /** Stores scalars into the elements of a fresh buffer (packs a small array). */
  | { readonly k: "st"; readonly out: number; readonly refs: readonly Ref[] }
  | { readonly k: "loop"; readonly g: Group }
  | { readonly k: "kern"; readonly emit: (e: EmitCtx) => string; readonly reads: readonly number[]; readonly outs: readonly number[] }
  | { readonly k: "fb"; readonly index: number; readonly ins: readonly ({ sc: Ref } | { buf: number })[]; readonly outs: readonly { v: number; scalar: boolean }[] }
