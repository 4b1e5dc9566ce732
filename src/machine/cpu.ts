// CPUs: the execution context each runs and its privilege mode; switching ECs switches address spaces.
import { CPU, EC, type Layout, type StateVector } from "../kernel/layout.js";
import { P, type Meter } from "./meter.js";
import { flushTlb, tlbEmpty } from "./mmu.js";

export const Mode = { USER: 0, KERNEL: 1 } as const;

const at = (L: Layout, cpu: number): number => L.base.cpu + cpu * CPU.SIZE;

export function currentEc(s: StateVector, L: Layout, cpu: number): number {
  return s[at(L, cpu) + CPU.CUR]!;
}
export function cpuMode(s: StateVector, L: Layout, cpu: number): number {
  return s[at(L, cpu) + CPU.MODE]!;
}
export function setCpuMode(s: StateVector, L: Layout, cpu: number, mode: number): void {
  s[at(L, cpu) + CPU.MODE] = mode;
}

/**
 * Makes `ec` the CPU's current EC. A different EC is a context switch; a different
 * PD is an address-space switch, which flushes an untagged TLB.
 */
export function dispatch(s: StateVector, L: Layout, cpu: number, ec: number, meter: Meter): void {
  const a = at(L, cpu);
  const prev = s[a + CPU.CUR]!;
  if (prev === ec) return;
  meter.add(P.contextSwitch);
  const pd = s[L.base.ec + ec * L.ecSize + EC.PD]!;
  const prevPd = prev < 0 ? -1 : s[L.base.ec + prev * L.ecSize + EC.PD]!;
  if (pd !== prevPd) {
    meter.add(P.asSwitch);
    if (!L.config.taggedTlb) flushTlb(s, L, cpu, meter);
  }
  s[a + CPU.CUR] = ec;
}

/**
 * The CPU words' normal form where nothing reads the current EC beyond `dispatch`
 * (spec/invariants.md §10.3, "Dead CPU words"): `dispatch` reads the current EC only for its
 * PD, and that only to flush an untagged TLB. So a CPU whose TLB is tagged or empty keeps no
 * current EC (-1: the next dispatch flushes nothing either way), and one whose untagged TLB holds
 * entries keeps the first EC of the current EC's PD (the next dispatch flushes exactly as
 * before). The mode is read by nothing: user. Only the cycles counted differ, so `check` uses
 * this and path timing does not; nor does `check` under `irq_priority_inversion`, whose
 * interrupt reads the interrupted EC's priority.
 */
export function quietCpus(s: StateVector, L: Layout): void {
  for (let c = 0; c < L.counts.cpu; c++) {
    const a = at(L, c);
    s[a + CPU.MODE] = Mode.USER;
    const cur = s[a + CPU.CUR]!;
    if (cur < 0) continue;
    if (L.config.taggedTlb || tlbEmpty(s, L, c)) {
      s[a + CPU.CUR] = -1;
      continue;
    }
    const pd = s[L.base.ec + cur * L.ecSize + EC.PD]!;
    for (let e = 0; e < cur; e++)
      if (s[L.base.ec + e * L.ecSize + EC.PD] === pd) {
        s[a + CPU.CUR] = e;
        break;
      }
  }
}

/** Boot state of every CPU: idle, user mode. */
export function bootCpus(s: StateVector, L: Layout): void {
  for (let c = 0; c < L.counts.cpu; c++) {
    s[at(L, c) + CPU.CUR] = -1;
    s[at(L, c) + CPU.MODE] = Mode.USER;
  }
}
