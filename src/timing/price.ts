// Pricing: the cycles a step's primitive counts cost under a cost model, and the canonical compositions.
import { P, PRIMITIVES, type Primitive } from "../machine/meter.js";
import type { CostModel } from "./presets.js";

/** Total cycles of `counts` (indexed by P, e.g. a Meter's `raw`) under `model`. */
export function price(model: CostModel, counts: ArrayLike<number>): number {
  const v = model.vector;
  let cycles = 0;
  for (let i = 0; i < v.length; i++) {
    const n = counts[i];
    if (n) cycles += n * v[i]!;
  }
  return cycles;
}

/**
 * The price of a step's counts on the preset's machine: as `price`, except that a machine
 * with a tagged TLB keeps it across an address-space switch, so the `tlbFlush` the kernel
 * model counts (it runs untagged unless configured otherwise) is not charged (spec/costs.md
 * §Conventions, 2). Path timing prices every edge this way.
 */
export function timedPrice(model: CostModel, counts: ArrayLike<number>): number {
  const flushes = model.taggedTlb ? counts[P.tlbFlush] ?? 0 : 0;
  return price(model, counts) - flushes * model.vector[P.tlbFlush]!;
}

/** One primitive's share of a price. */
export interface BreakdownLine {
  readonly count: number;
  readonly cycles: number;
}

/** The price of `counts` by primitive: how many of each, and what they cost. */
export function breakdown(model: CostModel, counts: ArrayLike<number>): Record<Primitive, BreakdownLine> {
  return Object.fromEntries(
    PRIMITIVES.map((p, i) => {
      const count = counts[i] ?? 0;
      return [p, { count, cycles: count * model.vector[i]! }];
    }),
  ) as Record<Primitive, BreakdownLine>;
}

/** Counts by name, as a vector indexed by P (for `price`). */
export function countsOf(named: Partial<Record<Primitive, number>>): Float64Array {
  const v = new Float64Array(PRIMITIVES.length);
  for (const [p, n] of Object.entries(named) as [Primitive, number][]) v[P[p]] = n;
  return v;
}

export interface IpcOptions {
  /** Message words copied (kernel.md §3.1's default: 2). */
  readonly msgWords?: number;
  /** Whether the TLB survives the address-space switch (default: the model's machine). */
  readonly taggedTlb?: boolean;
  /** Whether a capability item moves with the message (default: no). */
  readonly capTransfer?: boolean;
}

/**
 * The counts of one canonical one-way inter-address-space IPC (a call, or a reply), as
 * spec/costs.md §Conventions composes it: kernelEntry + kernelExit + contextSwitch + asSwitch,
 * + tlbFlush unless the TLB is tagged, + msgWords × msgWord, + capTransfer if one moves.
 */
export function ipcCounts(model: CostModel, opts: IpcOptions = {}): Float64Array {
  const tagged = opts.taggedTlb ?? model.taggedTlb;
  return countsOf({
    kernelEntry: 1,
    kernelExit: 1,
    contextSwitch: 1,
    asSwitch: 1,
    tlbFlush: tagged ? 0 : 1,
    msgWord: opts.msgWords ?? 2,
    capTransfer: opts.capTransfer ? 1 : 0,
  });
}

/** Cycles of one canonical one-way inter-address-space IPC (ipcCounts) under `model`. */
export function oneWayIpc(model: CostModel, opts: IpcOptions = {}): number {
  return price(model, ipcCounts(model, opts));
}

/** Cycles of a null system call: one kernel entry and one exit. */
export function nullSyscall(model: CostModel): number {
  return price(model, countsOf({ kernelEntry: 1, kernelExit: 1 }));
}

/** Cycles of the composition that reproduces the model's published headline (its `what`). */
export function headlineCycles(model: CostModel): number {
  return model.headline.what === "one-way IPC" ? oneWayIpc(model, { msgWords: model.headline.msgWords }) : nullSyscall(model);
}
