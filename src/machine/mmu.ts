// The MMU: per-PD page tables (memory object -> r/w/x), per-CPU TLBs, and the access path (hit, walk, fault).
import type { Layout, StateVector } from "../kernel/layout.js";
import { P, type Meter } from "./meter.js";

// 4 bits per memory object, 8 objects per word: bits 0-2 are r/w/x.
const word = (m: number): number => m >> 3;
const shift = (m: number): number => (m & 7) * 4;

/** The state-vector word that holds `pd`'s page-table entry for memory object `mem`. */
export const pteIndex = (L: Layout, pd: number, mem: number): number => L.base.pte + pd * L.pteWords + word(mem);

export function pte(s: StateVector, L: Layout, pd: number, mem: number): number {
  return (s[pteIndex(L, pd, mem)]! >>> shift(mem)) & 15;
}
export function setPte(s: StateVector, L: Layout, pd: number, mem: number, rights: number): void {
  const i = pteIndex(L, pd, mem);
  s[i] = (s[i]! & ~(15 << shift(mem))) | ((rights & 15) << shift(mem));
}

/** The state-vector word that holds `cpu`'s TLB entry for (`pd`, `mem`). */
export const tlbIndex = (L: Layout, cpu: number, pd: number, mem: number): number =>
  L.base.tlb + (cpu * L.counts.pd + pd) * L.pteWords + word(mem);

/** The rights a CPU's TLB caches for (pd, mem); 0 when there is no entry. */
export function tlbEntry(s: StateVector, L: Layout, cpu: number, pd: number, mem: number): number {
  return (s[tlbIndex(L, cpu, pd, mem)]! >>> shift(mem)) & 15;
}
function setTlb(s: StateVector, L: Layout, cpu: number, pd: number, mem: number, rights: number): void {
  const i = tlbIndex(L, cpu, pd, mem);
  s[i] = (s[i]! & ~(15 << shift(mem))) | ((rights & 15) << shift(mem));
}

/** Drops every entry of a CPU's TLB (an address-space switch on an untagged TLB). */
export function flushTlb(s: StateVector, L: Layout, cpu: number, meter: Meter): void {
  const from = L.base.tlb + cpu * L.counts.pd * L.pteWords;
  // A loop: `fill` is a call into the runtime, slower than the few stores of a TLB (every address-space switch).
  for (let i = from, end = from + L.counts.pd * L.pteWords; i < end; i++) s[i] = 0;
  meter.add(P.tlbFlush);
}

/** Whether a CPU's TLB holds no entry. */
export function tlbEmpty(s: StateVector, L: Layout, cpu: number): boolean {
  const from = L.base.tlb + cpu * L.counts.pd * L.pteWords;
  for (let i = from, end = from + L.counts.pd * L.pteWords; i < end; i++) if (s[i] !== 0) return false;
  return true;
}

/**
 * Removes (pd, mem) from the TLB of `cpu` (the local CPU always) and, with a
 * shootdown, from every CPU. The `stale_tlb` fault flag skips the shootdown.
 */
export function invalidate(s: StateVector, L: Layout, pd: number, mem: number, localCpu: number, meter: Meter): void {
  setTlb(s, L, localCpu, pd, mem, 0);
  if (L.faults.has("stale_tlb")) return; // FAULT stale_tlb: no shootdown IPI to the other CPUs.
  for (let c = 0; c < L.counts.cpu; c++) {
    if (c === localCpu) continue;
    if (tlbEntry(s, L, c, pd, mem) !== 0) meter.add(P.shootdown);
    setTlb(s, L, c, pd, mem, 0);
  }
}

/** Removes a page-table entry and its TLB entries (unmap, revoke). */
export function unmapPage(s: StateVector, L: Layout, pd: number, mem: number, localCpu: number, meter: Meter): void {
  setPte(s, L, pd, mem, 0);
  invalidate(s, L, pd, mem, localCpu, meter);
}

export type Access = "r" | "w" | "x";
/** The page-table and TLB right an access needs. */
export const ACCESS_BIT: Readonly<Record<Access, number>> = { r: 1, w: 2, x: 4 };

/**
 * The access path of a user-mode load, store or fetch by `pd` on `cpu`: a TLB hit
 * (the cached rights allow it), else a table walk that refills the TLB, else a
 * page fault (returned as false; the kernel turns it into IPC to the pager).
 * A stale TLB entry is honoured: that is exactly what a missing shootdown allows.
 */
export function access(s: StateVector, L: Layout, cpu: number, pd: number, mem: number, kind: Access, meter: Meter): boolean {
  const bit = ACCESS_BIT[kind];
  if (tlbEntry(s, L, cpu, pd, mem) & bit) {
    meter.add(P.tlbHit);
    return true;
  }
  const rights = pte(s, L, pd, mem);
  if (rights & bit) {
    meter.add(P.tlbRefill);
    setTlb(s, L, cpu, pd, mem, rights);
    return true;
  }
  meter.add(P.pageFault);
  return false;
}
