// The model-based test's reference: a plain set of capability records (holder, object, rights, parent) and the page tables they allow.
import { compileText } from "../../src/dsl/compile.js";
import { renderDiagnostics } from "../../src/dsl/diagnostics.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { DEFAULT_ADVERSARY_PRIO } from "../../src/kernel/boot.js";
import { capKind, capObject, capRights, Kind, NO_CAP, rightsWithin } from "../../src/kernel/cap.js";
import type { FaultFlag } from "../../src/kernel/faults.js";
import { DEFAULT_CONFIG, NO_PARENT, type KernelConfig, type Layout, type StateVector } from "../../src/kernel/layout.js";
import { parent } from "../../src/kernel/mdb.js";
import { pdAlive } from "../../src/kernel/pd.js";
import { capAt, globalSlot, slotPd, slotsOf } from "../../src/kernel/space.js";
import { pte } from "../../src/machine/mmu.js";

// ---- the scenario ------------------------------------------------------------------------

/**
 * Three ways to run the same system: `main` (preemptible revoke, tagged TLB, all
 * interleavings), `atomic` (revoke in one step, untagged TLB) and `strict` (the
 * real scheduler's choice only: highest priority, round robin).
 */
export type Variant = "main" | "atomic" | "strict";
export const VARIANTS: readonly Variant[] = ["main", "atomic", "strict"];

const SPARE: KernelConfig["spare"] = { pd: 1, ec: 2, sc: 2, pt: 1, sm: 1 };

export function variantConfig(v: Variant): KernelConfig {
  const base: KernelConfig = { ...DEFAULT_CONFIG, spare: SPARE, spareSlots: 3 };
  if (v === "main") return { ...base, taggedTlb: true };
  if (v === "strict") return { ...base, scheduling: "strict", budget: 3 };
  return base;
}

/**
 * A root (sigma0, also the pager of the untrusted components), two untrusted
 * components (adversary ECs on both CPUs; alice drives a DMA device with an IRQ
 * behind an IOMMU) and a trusted server with threads on both CPUs.
 */
export function scenarioText(v: Variant, fault?: FaultFlag): string {
  const options = [v === "atomic" ? "" : "preemptible revoke", fault ? `fault ${fault}` : ""].filter(Boolean).join("; ");
  return `// The model-based kernel test (test/kernel/model.test.ts), variant ${v}.
system kernel_model {
  machine {
    cpus 2
    device nic { irq 5; mmio 4K; dma }
    iommu
  }
  kernel nova { ${options} }

  component sigma0 : trusted root {
    memory pool 4K
    portal pf
    thread pager prio 200 cpu 0 { recv pf -> x; reply ok }
    thread idle prio 50 cpu 1 { }
  }
  component alice : untrusted {
    memory ram 4K
    portal svc
    semaphore sem
    device nic
    pager sigma0
    caps { bob: ctrl; carol: ctrl; bob.inbox: call; carol.srv: call; carol.shared: r }
  }
  component bob : untrusted {
    memory buf 4K
    portal inbox
    pager sigma0
    caps { alice: ctrl; alice.svc: call; alice.sem: up+down; alice.ram: r; carol.srv: call }
  }
  component carol : trusted {
    memory key 4K
    memory shared 4K
    portal srv
    thread server prio 100 cpu 1 { recv srv -> x; reply x }
    thread worker prio 150 cpu 0 { }
    caps { alice: ctrl; bob: ctrl; alice.svc: call; bob.inbox: call }
  }
}
`;
}

export function scenario(v: Variant, fault?: FaultFlag): SystemModel {
  const c = compileText(`kernel_model_${v}.nizza`, scenarioText(v, fault));
  if (!c.model) throw new Error(`the model-test scenario does not compile:\n${renderDiagnostics(c.diagnostics, c.sources)}`);
  return c.model;
}

// ---- the reference -----------------------------------------------------------------------

/** One capability: who holds it, of what, with which rights, derived from which record. */
export interface RefCap {
  readonly id: number;
  readonly pd: number;
  readonly kind: Kind;
  readonly obj: number;
  readonly rights: number;
  /** The record it was derived from (delegation) or created under (create_*); null for root's originals. */
  readonly parent: number | null;
  /** The original of an object created at run time: its parent names another object (the authority). */
  readonly created: boolean;
  /** The kernel's global slot it sits in: placement is the kernel's business, so it is only recorded. */
  slot: number;
  live: boolean;
}

/** A capability the reference expects an operation to create. `obj` -1: a fresh object. */
export interface Expected {
  readonly pd: number;
  readonly kind: Kind;
  readonly obj: number;
  readonly rights: number;
  readonly parent: number;
  readonly created: boolean;
  readonly onMatch?: (r: RefCap) => void;
}

/**
 * Deliberately simple: an array of records, never reorganised; a removed record
 * stays as a tombstone so that what was derived through it can still be traced.
 * Page tables are a plain array of r/w/x per (PD, memory object).
 */
export class Reference {
  readonly caps: RefCap[] = [];
  private readonly bySlot = new Map<number, number>();
  readonly pte: number[];
  readonly pdAlive: boolean[];
  /** The priority each live SC was created with. */
  readonly scPrio = new Map<number, number>();
  /** The capability item of a caller blocked in a call, to be transferred when a server receives it. */
  readonly pending = new Map<number, { readonly rec: number; readonly rights: number }>();
  /** EC → the record its preemptible revoke works on, and the records removed so far. */
  readonly revoking = new Map<number, { readonly rec: number; readonly removed: Set<number> }>();

  private constructor(readonly L: Layout) {
    this.pte = new Array<number>(L.counts.pd * L.counts.mem).fill(0);
    this.pdAlive = new Array<boolean>(L.counts.pd).fill(false);
  }

  /**
   * The reference of a freshly booted kernel: its capabilities (parents before
   * children), page tables and live PDs as boot left them, and the SC priorities
   * the scenario declares (thread prio, or the adversary default).
   */
  static ofBoot(L: Layout, s: StateVector): Reference {
    const r = new Reference(L);
    const todo = new Set<number>();
    for (let g = 0; g < L.counts.slots; g++) if (capAt(s, L, g) !== NO_CAP) todo.add(g);
    for (let progress = true; todo.size && progress; ) {
      progress = false;
      for (const g of [...todo]) {
        const p = parent(s, L, g);
        const pr = p === NO_PARENT ? null : r.bySlot.get(p);
        if (pr === undefined) continue;
        r.adopt(s, g, pr);
        todo.delete(g);
        progress = true;
      }
    }
    for (const g of todo) r.adopt(s, g, null);
    for (let pd = 0; pd < L.counts.pd; pd++) {
      r.pdAlive[pd] = pdAlive(s, L, pd);
      for (let m = 0; m < L.counts.mem; m++) r.setPte(pd, m, pte(s, L, pd, m));
    }
    L.model.threads.forEach((t) => r.scPrio.set(t.index, t.prio));
    L.boot.adversaryEcs.forEach((_, i) => r.scPrio.set(L.model.threads.length + i, DEFAULT_ADVERSARY_PRIO));
    return r;
  }

  /** Records the capability the kernel holds in slot `g` as it is, under `parentRec`. */
  adopt(s: StateVector, g: number, parentRec: number | null, created = false): RefCap {
    const c = capAt(s, this.L, g);
    return this.add({ pd: slotPd(this.L, g), kind: capKind(c), obj: capObject(c), rights: capRights(c), parent: parentRec, created }, g);
  }

  add(e: Omit<RefCap, "id" | "slot" | "live">, slot: number): RefCap {
    const rec: RefCap = { id: this.caps.length, pd: e.pd, kind: e.kind, obj: e.obj, rights: e.rights, parent: e.parent, created: e.created, slot, live: true };
    this.caps.push(rec);
    this.bySlot.set(slot, rec.id);
    return rec;
  }

  kill(rec: RefCap): void {
    rec.live = false;
    this.bySlot.delete(rec.slot);
  }

  /** The live record in a global slot. */
  inSlot(g: number): RefCap | undefined {
    const id = this.bySlot.get(g);
    return id === undefined ? undefined : this.caps[id];
  }

  /** The live record behind a selector of `pd`. */
  at(pd: number, sel: number): RefCap | undefined {
    if (!Number.isInteger(sel) || sel < 0 || sel >= slotsOf(this.L, pd)) return undefined;
    return this.inSlot(globalSlot(this.L, pd, sel));
  }

  live(): RefCap[] {
    return this.caps.filter((c) => c.live);
  }

  held(pd: number): RefCap[] {
    return this.caps.filter((c) => c.live && c.pd === pd);
  }

  /** Whether `pd`'s space has room for one more capability. */
  hasRoom(pd: number): boolean {
    return this.held(pd).length < slotsOf(this.L, pd);
  }

  /** Whether record `id` was derived, at any depth and through removed records, from `anc`. */
  derivedFrom(id: number, anc: number): boolean {
    for (let p = this.caps[id]!.parent; p !== null; p = this.caps[p]!.parent) if (p === anc) return true;
    return false;
  }

  /** The live records derived from `anc`. */
  descendants(anc: number): RefCap[] {
    return this.caps.filter((c) => c.live && this.derivedFrom(c.id, anc));
  }

  /** The child `pd` already holds of `src` with these rights (the kernel keeps one node per such child). */
  existingChild(src: RefCap, pd: number, rights: number): RefCap | undefined {
    return this.caps.find((c) => c.live && c.parent === src.id && c.pd === pd && c.kind === src.kind && c.obj === src.obj && c.rights === rights);
  }

  /**
   * What a delegation of `src` to `pd` with `rights` does: nothing new if the same
   * child exists, a new record if the space has room, else it cannot happen.
   */
  derive(src: RefCap, pd: number, rights: number): { readonly existing?: RefCap; readonly expect?: Expected } | null {
    const existing = this.existingChild(src, pd, rights);
    if (existing) return { existing };
    if (!this.hasRoom(pd)) return null;
    return { expect: { pd, kind: src.kind, obj: src.obj, rights, parent: src.id, created: false } };
  }

  /** The rights `pd`'s memory capabilities for `mem` grant together. */
  memRights(pd: number, mem: number): number {
    let r = 0;
    for (const c of this.caps) if (c.live && c.pd === pd && c.kind === Kind.MEM && c.obj === mem) r |= c.rights;
    return r;
  }

  /** The record the kernel maps from: `pd`'s lowest-selector memory capability for `mem` with at least `rights`. */
  mapSource(pd: number, mem: number, rights: number): RefCap | undefined {
    let best: RefCap | undefined;
    for (const c of this.held(pd))
      if (c.kind === Kind.MEM && c.obj === mem && rightsWithin(rights, c.rights) && (!best || c.slot < best.slot)) best = c;
    return best;
  }

  getPte(pd: number, mem: number): number {
    return this.pte[pd * this.L.counts.mem + mem]!;
  }
  setPte(pd: number, mem: number, rights: number): void {
    this.pte[pd * this.L.counts.mem + mem] = rights & 7;
  }
  /** After a memory capability went away: the entry keeps only what the PD's remaining capabilities grant. */
  trim(pd: number, mem: number): void {
    this.setPte(pd, mem, this.getPte(pd, mem) & this.memRights(pd, mem));
  }
}
