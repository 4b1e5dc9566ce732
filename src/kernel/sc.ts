// SC: a scheduling context — the priority and time budget an EC runs on.
import { SC, type Layout, type StateVector } from "./layout.js";

type Field = (typeof SC)[keyof typeof SC];

export function scGet(s: StateVector, L: Layout, sc: number, f: Field): number {
  return s[L.base.sc + sc * SC.SIZE + f]!;
}
export function scSet(s: StateVector, L: Layout, sc: number, f: Field, v: number): void {
  s[L.base.sc + sc * SC.SIZE + f] = v;
}
export function initSc(s: StateVector, L: Layout, sc: number, ec: number, prio: number): void {
  scSet(s, L, sc, SC.ALIVE, 1);
  scSet(s, L, sc, SC.EC, ec);
  scSet(s, L, sc, SC.PRIO, prio);
  scSet(s, L, sc, SC.BUDGET, L.config.scheduling === "strict" ? L.config.budget : 0);
  scSet(s, L, sc, SC.RANK, 0);
}
/** The SC an EC runs on, or -1 (an EC without an SC only runs as a portal handler). */
export function scOf(s: StateVector, L: Layout, ec: number): number {
  for (let c = 0; c < L.counts.sc; c++) if (scGet(s, L, c, SC.ALIVE) && scGet(s, L, c, SC.EC) === ec) return c;
  return -1;
}
export function freeSc(s: StateVector, L: Layout): number {
  for (let c = 0; c < L.counts.sc; c++) if (!scGet(s, L, c, SC.ALIVE)) return c;
  return -1;
}
