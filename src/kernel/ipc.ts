// IPC: the rendezvous of a caller and a portal's handler, replies, and capability transfer with messages.
import { P, type Meter } from "../machine/meter.js";
import { capKind, capObject, capRights, Kind, NO_CAP } from "./cap.js";
import { pte, setPte } from "../machine/mmu.js";
import { blockedOn, copyMessage, ecGet, ecPd, ecSet, ecState, wake } from "./ec.js";
import { EC, EcState, type Layout, type StateVector } from "./layout.js";
import { scOf } from "./sc.js";
import { insertChild } from "./mdb.js";
import { capAt, globalSlot } from "./space.js";
import { Status } from "./status.js";

/**
 * A capability in a UTCB is packed as ((global slot + 1) << 4) | rights: for a
 * sender, the slot to delegate from; for a receiver, its new selector + 1 in its
 * own space. 0 means none.
 */
export function packItem(slotPlusOne: number, rights: number): number {
  return (slotPlusOne << 4) | (rights & 15);
}
export const itemSlot = (w: number): number => (w >>> 4) - 1;
export const itemRights = (w: number): number => w & 15;

/** Moves the message, and a capability item if there is one, from `from`'s UTCB to `to`'s. */
export function transfer(s: StateVector, L: Layout, from: number, to: number, meter: Meter): void {
  meter.add(P.msgWord, copyMessage(s, L, from, to));
  const item = ecGet(s, L, from, EC.MSG_CAP);
  ecSet(s, L, from, EC.MSG_CAP, 0);
  if (item === 0) {
    ecSet(s, L, to, EC.MSG_CAP, 0);
    return;
  }
  const src = itemSlot(item);
  // The sender may have lost the capability since it was checked (another CPU revoked it).
  if (capAt(s, L, src) === NO_CAP) {
    ecSet(s, L, to, EC.MSG_CAP, 0);
    return;
  }
  const rights = L.faults.has("delegate_rights_escalation") ? itemRights(item) : itemRights(item) & capRights(capAt(s, L, src));
  const pd = ecPd(s, L, to);
  const sel = insertChild(s, L, src, pd, rights);
  if (sel >= 0) {
    meter.add(P.capTransfer);
    // A memory item maps, as NOVA's memory delegation does: how a pager resolves a fault.
    const c = capAt(s, L, src);
    if (capKind(c) === Kind.MEM) setPte(s, L, pd, capObject(c), pte(s, L, pd, capObject(c)) | (rights & 7));
  }
  ecSet(s, L, to, EC.MSG_CAP, sel < 0 ? 0 : packItem(globalSlot(L, pd, sel) + 1, rights));
}

/** Caller and handler meet: the message moves, the handler runs with the caller as its reply partner. */
export function rendezvous(s: StateVector, L: Layout, caller: number, handler: number, timeout: boolean, meter: Meter): void {
  transfer(s, L, caller, handler, meter);
  wake(s, L, handler, Status.SUCCESS);
  ecSet(s, L, handler, EC.PARTNER, caller);
  ecSet(s, L, caller, EC.STATE, EcState.REPLY);
  ecSet(s, L, caller, EC.WAIT, -1);
  ecSet(s, L, caller, EC.SERVER, handler);
  ecSet(s, L, caller, EC.FLAGS, timeout ? 1 : 0);
}

/** ECs blocked calling portal `pt`, in EC order: which one a `recv` takes is the explorer's choice. */
export function waitingCallers(s: StateVector, L: Layout, pt: number): number[] {
  return blockedOn(s, L, EcState.CALL, pt);
}

/**
 * Whether the handler EC of `pt` takes a call now: it waits in `recv` on the portal,
 * or it is an idle local EC (no SC of its own, no call in hand), which in NOVA is
 * always ready for the next call on its portals and runs on the caller's time.
 */
export function waitingHandler(s: StateVector, L: Layout, pt: number, handler: number): boolean {
  if (handler < 0) return false;
  const st = ecState(s, L, handler);
  if (st === EcState.RECV) return ecGet(s, L, handler, EC.WAIT) === pt;
  return st === EcState.RUNNABLE && ecGet(s, L, handler, EC.PARTNER) < 0 && ecGet(s, L, handler, EC.REVOKE) < 0 && scOf(s, L, handler) < 0;
}

/**
 * `ec` dies: the caller whose reply capability it held is told so (ABORTED), and a
 * server it was waiting for loses the reply capability to it.
 */
export function abortPartner(s: StateVector, L: Layout, ec: number): void {
  const p = ecGet(s, L, ec, EC.PARTNER);
  ecSet(s, L, ec, EC.PARTNER, -1);
  if (p >= 0 && ecState(s, L, p) === EcState.REPLY && ecGet(s, L, p, EC.SERVER) === ec) {
    wake(s, L, p, Status.ABORTED);
    ecSet(s, L, p, EC.SERVER, -1);
  }
  const server = ecGet(s, L, ec, EC.SERVER);
  ecSet(s, L, ec, EC.SERVER, -1);
  if (server >= 0 && ecGet(s, L, server, EC.PARTNER) === ec) ecSet(s, L, server, EC.PARTNER, -1);
}
