// PT: a portal, the entry into a server EC; calling it is IPC to that EC (an IPC gate in Fiasco, an endpoint in seL4).
import { PT, type Layout, type StateVector } from "./layout.js";

export function ptAlive(s: StateVector, L: Layout, pt: number): boolean {
  return s[L.base.pt + pt * PT.SIZE + PT.ALIVE] === 1;
}
/** The handler EC a portal is bound to. */
export function ptEc(s: StateVector, L: Layout, pt: number): number {
  return s[L.base.pt + pt * PT.SIZE + PT.EC]!;
}
export function initPt(s: StateVector, L: Layout, pt: number, ec: number): void {
  s[L.base.pt + pt * PT.SIZE + PT.ALIVE] = 1;
  setPtEc(s, L, pt, ec);
}
/** Binds the portal to `ec` (-1: to none, as a spare PT is). */
export function setPtEc(s: StateVector, L: Layout, pt: number, ec: number): void {
  s[L.base.pt + pt * PT.SIZE + PT.EC] = ec;
}
export function freePt(s: StateVector, L: Layout): number {
  for (let p = 0; p < L.counts.pt; p++) if (!ptAlive(s, L, p)) return p;
  return -1;
}
