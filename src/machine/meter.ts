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

/** Each primitive's number: the hot path counts by index, not by name. */
export const P = Object.freeze(Object.fromEntries(PRIMITIVES.map((p, i) => [p, i]))) as { readonly [K in Primitive]: number };

/**
 * Primitive counts by primitive number (P): a step's, or the meter's own. 32-bit integers, so
 * that a copy (13 counts, 52 bytes) lives on the JavaScript heap: V8 keeps a typed array of
 * more than 64 bytes outside it, and then each copy is a backing store of its own. As
 * Float64Arrays (104 bytes), the copies of the timing exploration took a third of its time.
 */
export type Counts = Int32Array;

/** A copy of `c`, the fast way (`slice` is a call into the runtime). */
export function copyCounts(c: Counts): Counts {
  const out = new Int32Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i]!;
  return out;
}

/** Counts primitives; the explorer resets it per step and prices the counts. */
export class Meter {
  /** Counts by primitive number (P). */
  readonly raw: Counts = new Int32Array(PRIMITIVES.length);

  add(p: number, n = 1): void {
    this.raw[p]! += n;
  }

  reset(): void {
    // A loop: `fill` is a call into the runtime, slower than 13 stores (once per step).
    const raw = this.raw;
    for (let i = 0; i < raw.length; i++) raw[i] = 0;
  }

  /** The counts by name (for reports and tests; the hot path uses `raw`). */
  get counts(): Record<Primitive, number> {
    return Object.fromEntries(PRIMITIVES.map((p, i) => [p, this.raw[i]!])) as Record<Primitive, number>;
  }

  total(): number {
    let n = 0;
    for (const x of this.raw) n += x;
    return n;
  }
}
