// Cycle accounting: counts of each primitive a step performs, kept outside the state vector.

/** The primitives DESIGN.md §8 times; the cost model (src/timing) prices each one. */
export const PRIMITIVES = [
  "kernelEntry",
  "kernelExit",
  "contextSwitch",
  "asSwitch",
  "tlbHit",
  "tlbRefill",
  "tlbFlush",
  "msgWord",
  "capTransfer",
  "pageFault",
  "irq",
  "revokeNode",
  "shootdown",
] as const;
export type Primitive = (typeof PRIMITIVES)[number];

/** Counts primitives; the explorer resets it per step and prices the counts. */
export class Meter {
  readonly counts: Record<Primitive, number> = Object.fromEntries(PRIMITIVES.map((p) => [p, 0])) as Record<Primitive, number>;

  add(p: Primitive, n = 1): void {
    this.counts[p] += n;
  }

  reset(): void {
    for (const p of PRIMITIVES) this.counts[p] = 0;
  }

  total(): number {
    return PRIMITIVES.reduce((n, p) => n + this.counts[p], 0);
  }
}
