// SM: a counting semaphore; it works across CPUs, and every interrupt line is one.
import { SM, type Layout, type StateVector } from "./layout.js";

export function smAlive(s: StateVector, L: Layout, sm: number): boolean {
  return s[L.base.sm + sm * SM.SIZE + SM.ALIVE] === 1;
}
export function smCount(s: StateVector, L: Layout, sm: number): number {
  return s[L.base.sm + sm * SM.SIZE + SM.COUNT]!;
}
export function setSmCount(s: StateVector, L: Layout, sm: number, n: number): void {
  s[L.base.sm + sm * SM.SIZE + SM.COUNT] = n;
}
export function initSm(s: StateVector, L: Layout, sm: number, count: number): void {
  s[L.base.sm + sm * SM.SIZE + SM.ALIVE] = 1;
  setSmCount(s, L, sm, count);
}
export function freeSm(s: StateVector, L: Layout): number {
  for (let m = 0; m < L.counts.sm; m++) if (!smAlive(s, L, m)) return m;
  return -1;
}
/** The counter saturates here, keeping the state space finite (an `up` beyond it is lost). */
export const SM_MAX = 3;
