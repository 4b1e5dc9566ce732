// PD: a protection domain, the unit of isolation: a capability space and an address space (page table).
import { PD, type Layout, type StateVector } from "./layout.js";

export function pdAlive(s: StateVector, L: Layout, pd: number): boolean {
  return s[L.base.pd + pd * PD.SIZE + PD.ALIVE] === 1;
}
export function setPdAlive(s: StateVector, L: Layout, pd: number, alive: boolean): void {
  s[L.base.pd + pd * PD.SIZE + PD.ALIVE] = alive ? 1 : 0;
}
/** A free PD of the spare pool, or -1. */
export function freePd(s: StateVector, L: Layout): number {
  for (let p = 0; p < L.counts.pd; p++) if (!pdAlive(s, L, p)) return p;
  return -1;
}
/** The steps the adversary acting in `pd` has taken: its component's `adversary steps` bound them (spec/language.md). */
export function adversaryStepsTaken(s: StateVector, L: Layout, pd: number): number {
  return s[L.base.pd + pd * PD.SIZE + PD.ADV]!;
}
/** One more step of the adversary acting in `pd`. */
export function countAdversaryStep(s: StateVector, L: Layout, pd: number): void {
  s[L.base.pd + pd * PD.SIZE + PD.ADV]!++;
}
