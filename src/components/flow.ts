// Information flow on a state: evaluating expressions with their labels, and the predicates holds, maps and knows.
import type { ExprModel, ObjectRef } from "../dsl/model.js";
import { addSealedLabels, regionLabels, sealedLabels } from "../machine/memory.js";
import { dmaAllowed, devicePd } from "../machine/iommu.js";
import { pte, tlbEntry } from "../machine/mmu.js";
import { capKind, capObject, Kind } from "../kernel/cap.js";
import { ecGet, ecState, varLabels, varValue } from "../kernel/ec.js";
import { EC, EcState, MEM, type Layout, type StateVector } from "../kernel/layout.js";
import { capAt, globalSlot, slotsOf } from "../kernel/space.js";
import { OK, open, seal, sealedKey } from "./values.js";

/** A value and its label set. */
export interface Datum {
  readonly value: number;
  readonly labels: number;
}

/** Evaluates a data expression of thread EC `ec` (null in invariants, which have no variables). */
export function evalData(s: StateVector, L: Layout, ec: number | null, e: ExprModel): Datum {
  switch (e.kind) {
    case "ok":
      return { value: OK, labels: 0 };
    case "int":
      return { value: e.value, labels: 0 };
    case "var":
      if (ec === null) throw new Error("a variable outside a thread");
      return { value: varValue(s, L, ec, e.slot), labels: varLabels(s, L, ec, e.slot) };
    case "seal": {
      // Declassification (trusted only, checked by the front end): a sealed value carries no
      // labels; its plaintext's are kept with the key (sealInto) for `open` to give back.
      const d = evalData(s, L, ec, e.data);
      return { value: seal(d.value, e.key), labels: 0 };
    }
    case "open": {
      // The value's own labels, and, when it opens, every label sealed with the key so far.
      const d = evalData(s, L, ec, e.data);
      return { value: open(d.value, e.key), labels: d.labels | (sealedKey(d.value) === e.key ? sealedLabels(s, L, e.key) : 0) };
    }
    default:
      throw new Error(`not a data expression: ${e.kind}`);
  }
}

/**
 * Evaluates a data expression a statement sends or stores (`call`, `reply`, `write`, `raise`),
 * with the effect of its `seal`s on the state being written first (`sealInto`).
 */
export function evalSent(s: StateVector, L: Layout, ec: number, e: ExprModel): Datum {
  sealInto(s, L, ec, e);
  return evalData(s, L, ec, e);
}

/**
 * A statement that sent nothing after `evalSent` — a call or reply the kernel refused, an
 * exception with no usable handler — has its seals undone: the sealed labels are put back as
 * they were in `before`, the state the step started from (language.md §9.1).
 */
export function unsendSeals(n: StateVector, before: StateVector, L: Layout): void {
  if (L.keepsSealed) n.set(before.subarray(L.base.sealed, L.base.sealed + L.counts.mem), L.base.sealed);
}

/**
 * The effect of the `seal`s in a data expression a statement sends or stores: each adds its
 * plaintext's labels — its data's, and, when the data is itself sealed with a key A, those
 * sealed with A, since sealing seals the plaintext — to its key's, where `open` with the key
 * finds them (language.md §9.1).
 */
function sealInto(s: StateVector, L: Layout, ec: number, e: ExprModel): void {
  if (e.kind !== "seal" && e.kind !== "open") return;
  sealInto(s, L, ec, e.data);
  if (e.kind === "open" || !L.keepsSealed) return;
  const d = evalData(s, L, ec, e.data);
  const inner = sealedKey(d.value);
  addSealedLabels(s, L, e.key, d.labels | (inner >= 0 ? sealedLabels(s, L, inner) : 0));
}

/**
 * Notes in `seen` each comparison (`==`, `!=`) of condition `e` of thread EC `ec` that has on a
 * side data that may have come from a device's MMIO window: data with one of the labels in
 * `mask` (those such devices produce), or a sealed value that may hold some — sealing drops the
 * labels, which `open` gets back from its key's, so a sealed value counts when its key's sealed
 * labels meet `mask` or are not kept. Every comparison of `e` is looked at, whether evaluating
 * `e` reaches it or not.
 */
export function noteMmioCompares(s: StateVector, L: Layout, ec: number, e: ExprModel, mask: number, seen: Set<number>): void {
  switch (e.kind) {
    case "not":
      noteMmioCompares(s, L, ec, e.arg, mask, seen);
      return;
    case "and":
    case "or":
      noteMmioCompares(s, L, ec, e.left, mask, seen);
      noteMmioCompares(s, L, ec, e.right, mask, seen);
      return;
    case "eq":
    case "ne":
      if (!seen.has(e.node) && (mayHold(s, L, ec, e.left, mask) || mayHold(s, L, ec, e.right, mask))) seen.add(e.node);
      return;
    default:
      return;
  }
}

/**
 * Whether the value of expression `e` may hold data labelled with some label in `mask`: its
 * datum may (`mayBeFrom`), or it seals or opens data that may. A `seal` in a condition adds
 * nothing to its key's sealed labels (language.md §9.1), so `seal(m, key) == seal(5, key)`
 * compares window data only by what `m` holds.
 */
function mayHold(s: StateVector, L: Layout, ec: number, e: ExprModel, mask: number): boolean {
  if (mayBeFrom(s, L, evalData(s, L, ec, e), mask)) return true;
  return (e.kind === "seal" || e.kind === "open") && mayHold(s, L, ec, e.data, mask);
}

/** Whether datum `d` may hold data labelled with some label in `mask`, sealed or not (`noteMmioCompares`). */
function mayBeFrom(s: StateVector, L: Layout, d: Datum, mask: number): boolean {
  if ((d.labels & mask) !== 0) return true;
  const key = sealedKey(d.value);
  return key >= 0 && (!L.keepsSealed || (sealedLabels(s, L, key) & mask) !== 0);
}

/** Evaluates a condition. */
export function evalCond(s: StateVector, L: Layout, ec: number | null, e: ExprModel): boolean {
  switch (e.kind) {
    case "not":
      return !evalCond(s, L, ec, e.arg);
    case "and":
      return evalCond(s, L, ec, e.left) && evalCond(s, L, ec, e.right);
    case "or":
      return evalCond(s, L, ec, e.left) || evalCond(s, L, ec, e.right);
    case "eq":
    case "ne": {
      const same = evalData(s, L, ec, e.left).value === evalData(s, L, ec, e.right).value;
      return e.kind === "eq" ? same : !same;
    }
    case "holds":
      return e.comps.some((c) => e.objects.some((o) => holds(s, L, c, o)));
    case "maps":
      return e.comps.some((c) => e.regions.some((r) => pte(s, L, c, r) !== 0));
    case "knows":
      return e.comps.some((c) => (knownLabels(s, L, c) & (1 << e.label)) !== 0);
    default:
      throw new Error(`not a condition: ${e.kind}`);
  }
}

/** The kernel objects a model object is: a portal may be one PT per CPU. */
export function kernelObjects(L: Layout, o: ObjectRef): { kind: number; objects: readonly number[] } {
  switch (o.kind) {
    case "region":
      return { kind: Kind.MEM, objects: [o.index] };
    case "portal":
      return { kind: Kind.PT, objects: L.boot.portalPts[o.index]! };
    case "semaphore":
      return { kind: Kind.SM, objects: [o.index] };
    case "thread":
      return { kind: Kind.EC, objects: [o.index] };
    case "pd":
      return { kind: Kind.PD, objects: [o.index] };
    case "irq":
      return { kind: Kind.SM, objects: [L.boot.deviceIrqSm[o.index]!] };
    case "mmio":
      return { kind: Kind.MEM, objects: [L.boot.deviceMmio[o.index]!] };
  }
}

/** Whether PD `pd` holds a capability (any rights) to the object. */
export function holds(s: StateVector, L: Layout, pd: number, o: ObjectRef): boolean {
  const { kind, objects } = kernelObjects(L, o);
  for (let i = 0; i < slotsOf(L, pd); i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (capKind(c) === kind && objects.includes(capObject(c))) return true;
  }
  return false;
}

/** The ECs of a PD (threads, adversary ECs, ECs created in it). */
export function ecsOf(s: StateVector, L: Layout, pd: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < L.counts.ec; e++) if (ecState(s, L, e) !== EcState.FREE && ecGet(s, L, e, EC.PD) === pd) out.push(e);
  return out;
}

/**
 * The labels component `pd` knows (DESIGN.md §5): those carried by one of its
 * variables or UTCB messages, or by a memory object it can read — mapped readable in
 * its page table, still readable through a TLB entry on some CPU, or reachable by DMA
 * of a device it drives.
 */
export function knownLabels(s: StateVector, L: Layout, pd: number): number {
  let known = 0;
  for (const e of ecsOf(s, L, pd)) {
    known |= ecGet(s, L, e, EC.MSG_LABELS);
    for (let v = 0; v < L.vars; v++) known |= varLabels(s, L, e, v);
  }
  const drives = L.model.machine.devices.map((_, d) => d).filter((d) => devicePd(s, L, d) === pd);
  for (let m = 0; m < L.counts.mem; m++)
    if (readable(s, L, pd, m) || drives.some((d) => dmaAllowed(s, L, d, m, false))) known |= regionLabels(s, L, m);
  return known;
}

/** Whether `pd` can read memory object `m` now: a readable PTE, or a readable TLB entry on any CPU. */
export function readable(s: StateVector, L: Layout, pd: number, m: number): boolean {
  if (pte(s, L, pd, m) & 1) return true;
  for (let c = 0; c < L.counts.cpu; c++) if (tlbEntry(s, L, c, pd, m) & 1) return true;
  return false;
}

export function regionValue(s: StateVector, L: Layout, m: number): number {
  return s[L.base.mem + m * MEM.SIZE + MEM.VALUE]!;
}
export function setRegionValue(s: StateVector, L: Layout, m: number, v: number): void {
  s[L.base.mem + m * MEM.SIZE + MEM.VALUE] = v;
}
