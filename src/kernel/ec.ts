// EC: an execution context, bound to a PD and a CPU, with a UTCB of message words, a label set and a capability slot.
import { EC, EcState, EC_TIMEOUT, type Layout, type StateVector } from "./layout.js";

type Field = (typeof EC)[keyof typeof EC];

export function ecGet(s: StateVector, L: Layout, ec: number, f: Field): number {
  return s[L.base.ec + ec * L.ecSize + f]!;
}
export function ecSet(s: StateVector, L: Layout, ec: number, f: Field, v: number): void {
  s[L.base.ec + ec * L.ecSize + f] = v;
}
export const ecState = (s: StateVector, L: Layout, ec: number): EcState => ecGet(s, L, ec, EC.STATE) as EcState;
export const ecPd = (s: StateVector, L: Layout, ec: number): number => ecGet(s, L, ec, EC.PD);
export const ecCpu = (s: StateVector, L: Layout, ec: number): number => ecGet(s, L, ec, EC.CPU);

/** Blocks an EC on an object (PT or SM), with or without a timeout. */
export function block(s: StateVector, L: Layout, ec: number, state: EcState, wait: number, timeout: boolean): void {
  ecSet(s, L, ec, EC.STATE, state);
  ecSet(s, L, ec, EC.WAIT, wait);
  ecSet(s, L, ec, EC.FLAGS, timeout ? EC_TIMEOUT : 0);
}
/** Makes an EC runnable again with the status of the operation it was blocked in. */
export function wake(s: StateVector, L: Layout, ec: number, status: number): void {
  ecSet(s, L, ec, EC.STATE, EcState.RUNNABLE);
  ecSet(s, L, ec, EC.WAIT, -1);
  ecSet(s, L, ec, EC.FLAGS, 0);
  ecSet(s, L, ec, EC.STATUS, status);
}

/** Message words of an EC's UTCB. */
export function msgWord(s: StateVector, L: Layout, ec: number, i: number): number {
  return s[L.base.ec + ec * L.ecSize + EC.MSG + i]!;
}
export function setMsgWord(s: StateVector, L: Layout, ec: number, i: number, v: number): void {
  s[L.base.ec + ec * L.ecSize + EC.MSG + i] = v;
}
/** Copies the message (words and labels) from one UTCB to another; returns the words copied. */
export function copyMessage(s: StateVector, L: Layout, from: number, to: number): number {
  const a = L.base.ec + from * L.ecSize;
  const b = L.base.ec + to * L.ecSize;
  s.copyWithin(b + EC.MSG, a + EC.MSG, a + EC.MSG + L.config.msgWords);
  s[b + EC.MSG_LABELS] = s[a + EC.MSG_LABELS]!;
  return L.config.msgWords;
}

/** Thread variables (value, labels) after the message words. */
export function varValue(s: StateVector, L: Layout, ec: number, slot: number): number {
  return s[L.base.ec + ec * L.ecSize + EC.MSG + L.config.msgWords + 2 * slot]!;
}
export function varLabels(s: StateVector, L: Layout, ec: number, slot: number): number {
  return s[L.base.ec + ec * L.ecSize + EC.MSG + L.config.msgWords + 2 * slot + 1]!;
}
export function setVar(s: StateVector, L: Layout, ec: number, slot: number, value: number, labels: number): void {
  const i = L.base.ec + ec * L.ecSize + EC.MSG + L.config.msgWords + 2 * slot;
  s[i] = value;
  s[i + 1] = labels;
}

/** Initialises an EC record (boot or create_ec). */
export function initEc(s: StateVector, L: Layout, ec: number, pd: number, cpu: number): void {
  const b = L.base.ec + ec * L.ecSize;
  s.fill(0, b, b + L.ecSize);
  s[b + EC.STATE] = EcState.RUNNABLE;
  s[b + EC.PD] = pd;
  s[b + EC.CPU] = cpu;
  s[b + EC.WAIT] = -1;
  s[b + EC.PARTNER] = -1;
  s[b + EC.SERVER] = -1;
  s[b + EC.REVOKE] = -1;
  s[b + EC.PAGER_PT] = -1;
  s[b + EC.EXC_PT] = -1;
}

/** ECs blocked in `state` on object `wait` (a PT for CALL, an SM for SM), in EC order. */
export function blockedOn(s: StateVector, L: Layout, state: EcState, wait: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < L.counts.ec; e++) if (ecState(s, L, e) === state && ecGet(s, L, e, EC.WAIT) === wait) out.push(e);
  return out;
}

/** A free EC of the spare pool, or -1. */
export function freeEc(s: StateVector, L: Layout): number {
  for (let e = 0; e < L.counts.ec; e++) if (ecState(s, L, e) === EcState.FREE) return e;
  return -1;
}
