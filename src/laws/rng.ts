// A small seeded generator for the law kit: random directions in checkGrads must be
// reproducible (a failure seen once is seen again), so nothing here calls Math.random.

/** A deterministic stream of uniform and normal numbers (splitmix32 + Box–Muller). */
export class Rng {
  private state: number
  private spare: number | null = null
  constructor(seed: number) { this.state = seed >>> 0 }

  /** Uniform in [0, 1). */
  uniform(): number {
    let z = (this.state = (this.state + 0x9e3779b9) >>> 0)
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
    z ^= z >>> 15
    return (z >>> 0) / 4294967296
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) { const s = this.spare; this.spare = null; return s }
    let u = 0
    while (u === 0) u = this.uniform()
    const r = Math.sqrt(-2 * Math.log(u)), t = 2 * Math.PI * this.uniform()
    this.spare = r * Math.sin(t)
    return r * Math.cos(t)
  }
}
