// The syscall ABI: one dispatch table; each entry decodes (validates, may fail with a status) then invokes (cannot fail).
import { P, type Meter } from "../machine/meter.js";
import { assignDevice, devicePd } from "../machine/iommu.js";
import { invalidate, pte, setPte } from "../machine/mmu.js";
import { ALL_RIGHTS, cap, capKind, capObject, capRights, Kind, NO_CAP, Right, rightsWithin, type Cap } from "./cap.js";
import { block, blockedOn, ecCpu, ecGet, ecPd, ecSet, ecState, freeEc, initEc, setMsgWord, wake } from "./ec.js";
import { itemSlot, packItem, rendezvous, transfer, waitingCallers, waitingHandler } from "./ipc.js";
import { EC, EcState, PD, PT, SM, type Layout, type StateVector } from "./layout.js";
import { hasDescendant, insertChild, placeForChild, revokeAll, revokeBegin } from "./mdb.js";
import { freePd, pdAlive, setPdAlive } from "./pd.js";
import { freePt, initPt, ptAlive, ptEc } from "./pt.js";
import { freeSc, initSc, scOf } from "./sc.js";
import { freeSm, initSm, smAlive, smCount, setSmCount, SM_MAX } from "./sm.js";
import { capAt, childrenOf, freeSelector, globalSlot, lookupCap, setSlot, slotsOf } from "./space.js";
import { Status } from "./status.js";
import type { ReadSet } from "./footprint.js";

/** What a syscall needs besides the state: the layout (static facts) and the cycle meter. */
export interface Kernel {
  readonly L: Layout;
  readonly meter: Meter;
}

/** A capability item to send with a message: a selector and the rights to delegate. */
export interface Item {
  readonly sel: number;
  readonly rights: number;
}

/** The arguments of each syscall; selectors are the caller's. */
export type SyscallArgs =
  | { readonly op: "call"; readonly pt: number; readonly words?: readonly number[]; readonly labels?: number; readonly item?: Item; readonly timeout?: boolean }
  | { readonly op: "reply"; readonly words?: readonly number[]; readonly labels?: number; readonly item?: Item }
  | { readonly op: "recv"; readonly pt: number; readonly choice?: number }
  | { readonly op: "delegate"; readonly src: number; readonly pd: number; readonly rights: number }
  | { readonly op: "revoke"; readonly sel: number }
  | { readonly op: "create_pd"; readonly pd: number }
  | { readonly op: "create_ec"; readonly pd: number; readonly cpu: number; readonly pager?: number; readonly exc?: number }
  | { readonly op: "create_sc"; readonly ec: number; readonly prio: number }
  | { readonly op: "create_pt"; readonly ec: number }
  | { readonly op: "create_sm"; readonly pd: number; readonly count: number }
  | { readonly op: "sm_up"; readonly sm: number; readonly choice?: number }
  | { readonly op: "sm_down"; readonly sm: number; readonly timeout?: boolean }
  | { readonly op: "lookup"; readonly sel: number }
  | { readonly op: "assign_dev"; readonly dev: number; readonly pd: number }
  | { readonly op: "assign_irq"; readonly sm: number; readonly cpu: number }
  | { readonly op: "map"; readonly mem: number; readonly pd: number; readonly rights: number }
  | { readonly op: "unmap"; readonly mem: number }
  | { readonly op: "pte_write"; readonly mem: number; readonly rights: number };

export type Op = SyscallArgs["op"];
export type ArgsOf<O extends Op> = Extract<SyscallArgs, { op: O }>;

/**
 * One syscall: `decode` reads the state, checks every precondition and returns a
 * failure status or what `invoke` needs; `invoke` applies the effect and cannot fail.
 * A decode writes nothing (neither the state nor the meter) and reads no CPU record
 * and no TLB: `decodeStatus` relies on both.
 */
export interface Entry<O extends Op, D> {
  /** The op this entry implements (its key in SYSCALLS). */
  readonly op: O;
  decode(k: Kernel, s: StateVector, ec: number, a: ArgsOf<O>): D | Status;
  invoke(k: Kernel, s: StateVector, ec: number, d: D): void;
  /**
   * Adds to `r` every word of `s` that decode and invoke of `a` by `ec` may read (kernel.md §8.13):
   * whatever is not in it, changed, changes nothing of what the call does. Words the call writes
   * before it reads them are not reads. It may declare more than is read (`r.all()` declares
   * everything), never less.
   */
  reads(k: Kernel, s: StateVector, ec: number, a: ArgsOf<O>, r: ReadSet): void;
}

/** Whether a decode refused: its result is a status (what decode works out is never a number). */
export const failed = (r: unknown): r is Status => typeof r === "number";

/**
 * The capability behind a selector, if it is of `kind` and has `rights`; NO_CAP otherwise. A
 * number, not a record: decode runs for every syscall the explorer tries (the slot, where a
 * decode needs it, is `globalSlot` of the caller's PD and the selector).
 */
function need(s: StateVector, L: Layout, ec: number, sel: number, kind: number, rights: number): Cap {
  const c = lookupCap(s, L, ecPd(s, L, ec), sel);
  return c === NO_CAP || capKind(c) !== kind || !rightsWithin(rights, capRights(c)) ? NO_CAP : c;
}

/** What `need` (and `lookupCap` in the caller's space) reads: the caller's PD, and the selector's capability; returns that capability. */
function needReads(s: StateVector, L: Layout, ec: number, sel: number, r: ReadSet): Cap {
  r.ec(ec, EC.PD);
  const pd = ecPd(s, L, ec);
  r.selector(pd, sel);
  return lookupCap(s, L, pd, sel);
}

/**
 * What moving the capability item `item` (a packed UTCB item, 0 for none) into `to`'s space
 * reads (`transfer`): the source slot's capability, the receiver's PD and its whole space
 * (`insertChild`), and for memory the receiver's page-table entry.
 */
function transferReads(s: StateVector, L: Layout, item: number, to: number, r: ReadSet): void {
  if (item === 0) return;
  const src = itemSlot(item);
  r.cap(src);
  const c = capAt(s, L, src);
  if (c === NO_CAP) return;
  r.ec(to, EC.PD);
  const pd = ecPd(s, L, to);
  r.space(pd);
  if (capKind(c) === Kind.MEM) r.pte(pd, capObject(c));
}

/** What sending `item` from `ec` to `to` reads (`decodeItem`, then `transfer`): the sender's capability at its selector, and the transfer's reads. */
function itemReads(s: StateVector, L: Layout, ec: number, item: Item | undefined, to: number, r: ReadSet): void {
  if (!item) return;
  const c = needReads(s, L, ec, item.sel, r);
  if (c !== NO_CAP) transferReads(s, L, packItem(globalSlot(L, ecPd(s, L, ec), item.sel) + 1, item.rights), to, r);
}

/** The reads of a call not declared word by word: every word (kernel.md §8.13). */
function readsEverything(_k: Kernel, _s: StateVector, _ec: number, _a: unknown, r: ReadSet): void {
  r.all();
}

/**
 * What `waitingHandler` reads of portal `pt`'s handler: its state; waiting in a receive, the
 * portal it waits on; runnable, which EC each SC is bound to (`scOf`) and, for a handler with no
 * SC, its reply partner and revoke. Returns whether it waits: a rendezvous then reads them all.
 */
function handlerReads(s: StateVector, L: Layout, pt: number, handler: number, r: ReadSet): boolean {
  r.ec(handler, EC.STATE);
  if (waitingHandler(s, L, pt, handler)) {
    r.ec(handler, EC.WAIT, EC.PARTNER, EC.REVOKE);
    r.scs();
    return true;
  }
  const st = ecState(s, L, handler);
  if (st === EcState.RECV) r.ec(handler, EC.WAIT);
  else if (st === EcState.RUNNABLE) {
    r.scs();
    if (scOf(s, L, handler) < 0) r.ec(handler, EC.PARTNER, EC.REVOKE);
  }
  return false;
}

/** The global slot of the caller's selector `sel` (which `need` accepted). */
function slotOf(s: StateVector, L: Layout, ec: number, sel: number): number {
  return globalSlot(L, ecPd(s, L, ec), sel);
}

/** A message's words fit the UTCB. */
function wordsFit(L: Layout, words: readonly number[] | undefined): boolean {
  return (words?.length ?? 0) <= L.config.msgWords;
}

/** Puts a message (and an item to send) into the sender's own UTCB before it moves. */
function loadUtcb(s: StateVector, L: Layout, ec: number, words: readonly number[] | undefined, labels: number, item: number): void {
  for (let i = 0; i < L.config.msgWords; i++) setMsgWord(s, L, ec, i, words?.[i] ?? 0);
  ecSet(s, L, ec, EC.MSG_LABELS, labels);
  ecSet(s, L, ec, EC.MSG_CAP, item);
}

/**
 * Checks an item: the sender holds the capability, and delegates no more rights
 * than it has. Returns the packed UTCB item (0: none; packed items are not negative)
 * or a failure status negated.
 */
function decodeItem(s: StateVector, L: Layout, ec: number, item: Item | undefined): number {
  if (!item) return 0;
  const pd = ecPd(s, L, ec);
  const c = lookupCap(s, L, pd, item.sel);
  if (c === NO_CAP) return -Status.BAD_CAP;
  // FAULT delegate_rights_escalation: rights beyond the source's are not refused.
  if (!rightsWithin(item.rights, capRights(c)) && !L.faults.has("delegate_rights_escalation")) return -Status.BAD_PAR;
  return packItem(globalSlot(L, pd, item.sel) + 1, item.rights & ALL_RIGHTS[capKind(c)]);
}

/** Creates the original capability of a new object in the caller's space, under the authorising slot. */
function grant(s: StateVector, L: Layout, ec: number, sel: number, c: number, authority: number): void {
  setSlot(s, L, globalSlot(L, ecPd(s, L, ec), sel), c, authority);
  setMsgWord(s, L, ec, 0, sel);
}

const call: Entry<"call", { pt: number; handler: number; item: number; a: ArgsOf<"call"> }> = {
  op: "call",
  decode(k, s, ec, a) {
    const L = k.L;
    const p = need(s, L, ec, a.pt, Kind.PT, Right.CALL);
    if (p === NO_CAP || !ptAlive(s, L, capObject(p))) return Status.BAD_CAP;
    const pt = capObject(p);
    const handler = ptEc(s, L, pt);
    if (handler < 0 || ecState(s, L, handler) === EcState.DEAD || ecState(s, L, handler) === EcState.FREE) return Status.BAD_CAP;
    // NOVA: a portal is called on its handler's CPU. FAULT portal_cross_core: from any CPU.
    if (ecCpu(s, L, handler) !== ecCpu(s, L, ec) && !L.faults.has("portal_cross_core")) return Status.BAD_CPU;
    if (handler === ec || !wordsFit(L, a.words)) return Status.BAD_PAR;
    const item = decodeItem(s, L, ec, a.item);
    if (item < 0) return -item as Status;
    return { pt, handler, item, a };
  },
  invoke(k, s, ec, d) {
    const L = k.L;
    loadUtcb(s, L, ec, d.a.words, d.a.labels ?? 0, d.item);
    if (waitingHandler(s, L, d.pt, d.handler)) rendezvous(s, L, ec, d.handler, d.a.timeout ?? false, k.meter);
    else block(s, L, ec, EcState.CALL, d.pt, d.a.timeout ?? false);
  },
  reads(k, s, ec, a, r) {
    const L = k.L;
    // The message is written into the caller's UTCB before it moves: not read.
    const p = needReads(s, L, ec, a.pt, r);
    if (capKind(p) !== Kind.PT) return;
    const pt = capObject(p);
    r.pt(pt);
    const handler = ptEc(s, L, pt);
    if (handler < 0) return;
    r.ec(handler, EC.CPU);
    r.ec(ec, EC.CPU);
    // The item moves now only to a handler that waits; a caller that blocks keeps it in its UTCB.
    if (handlerReads(s, L, pt, handler, r)) itemReads(s, L, ec, a.item, handler, r);
    else if (a.item) needReads(s, L, ec, a.item.sel, r);
  },
};

const reply: Entry<"reply", { partner: number; item: number; a: ArgsOf<"reply"> }> = {
  op: "reply",
  decode(k, s, ec, a) {
    const L = k.L;
    const partner = ecGet(s, L, ec, EC.PARTNER);
    if (partner < 0 || ecState(s, L, partner) !== EcState.REPLY) return Status.BAD_CAP;
    // The reply capability names this caller only while it waits for this EC.
    // FAULT reply_cap_leak: a stale reply capability reaches whatever the old caller now waits for.
    if (ecGet(s, L, partner, EC.SERVER) !== ec && !L.faults.has("reply_cap_leak")) return Status.BAD_CAP;
    if (!wordsFit(L, a.words)) return Status.BAD_PAR;
    const item = decodeItem(s, L, ec, a.item);
    if (item < 0) return -item as Status;
    return { partner, item, a };
  },
  invoke(k, s, ec, d) {
    const L = k.L;
    loadUtcb(s, L, ec, d.a.words, d.a.labels ?? 0, d.item);
    transfer(s, L, ec, d.partner, k.meter);
    const serverOfPartner = ecGet(s, L, d.partner, EC.SERVER);
    if (serverOfPartner >= 0 && serverOfPartner !== ec) ecSet(s, L, serverOfPartner, EC.PARTNER, -1);
    wake(s, L, d.partner, Status.SUCCESS);
    // Only the partner's wait ends: its own reply capability (it may be a server calling on) stays.
    ecSet(s, L, d.partner, EC.SERVER, -1);
    if (!L.faults.has("reply_cap_leak")) ecSet(s, L, ec, EC.PARTNER, -1);
  },
  reads(k, s, ec, a, r) {
    const L = k.L;
    r.ec(ec, EC.PARTNER);
    const partner = ecGet(s, L, ec, EC.PARTNER);
    if (partner < 0) return;
    r.ec(partner, EC.STATE, EC.SERVER);
    itemReads(s, L, ec, a.item, partner, r);
  },
};

const recv: Entry<"recv", { pt: number; caller: number }> = {
  op: "recv",
  decode(k, s, ec, a) {
    const L = k.L;
    const pd = ecPd(s, L, ec);
    const c = lookupCap(s, L, pd, a.pt);
    if (c === NO_CAP || capKind(c) !== Kind.PT || !ptAlive(s, L, capObject(c))) return Status.BAD_CAP;
    const pt = capObject(c);
    // Only the EC a portal is bound to receives on it.
    if (ptEc(s, L, pt) !== ec) return Status.BAD_CAP;
    if (ecGet(s, L, ec, EC.PARTNER) >= 0 && !L.faults.has("reply_cap_leak")) return Status.BAD_PAR;
    const callers = waitingCallers(s, L, pt);
    const choice = a.choice ?? 0;
    if (callers.length > 0 && (choice < 0 || choice >= callers.length)) return Status.BAD_PAR;
    return { pt, caller: callers.length ? callers[choice]! : -1 };
  },
  invoke(k, s, ec, d) {
    const L = k.L;
    if (d.caller < 0) {
      block(s, L, ec, EcState.RECV, d.pt, false);
      return;
    }
    const timeout = (ecGet(s, L, d.caller, EC.FLAGS) & 1) === 1;
    rendezvous(s, L, d.caller, ec, timeout, k.meter);
  },
  reads(k, s, ec, a, r) {
    const L = k.L;
    const c = needReads(s, L, ec, a.pt, r);
    if (capKind(c) !== Kind.PT) return;
    const pt = capObject(c);
    r.pt(pt);
    r.ec(ec, EC.PARTNER);
    // Which ECs call the portal: every EC's state, and the portal of those calling.
    r.blocked(s, EcState.CALL);
    const callers = waitingCallers(s, L, pt);
    const caller = callers[a.choice ?? 0];
    if (caller === undefined) return;
    // The caller's message moves into this EC's UTCB, its item into this EC's space.
    r.ec(caller, EC.FLAGS);
    r.message(caller);
    transferReads(s, L, ecGet(s, L, caller, EC.MSG_CAP), ec, r);
  },
};

const delegate: Entry<"delegate", { src: number; pd: number; rights: number }> = {
  op: "delegate",
  decode(k, s, ec, a) {
    const L = k.L;
    const me = ecPd(s, L, ec);
    const c = lookupCap(s, L, me, a.src);
    if (c === NO_CAP) return Status.BAD_CAP;
    const dst = need(s, L, ec, a.pd, Kind.PD, Right.CTRL);
    if (dst === NO_CAP || !pdAlive(s, L, capObject(dst))) return Status.BAD_CAP;
    // Rights only shrink along the tree. FAULT delegate_rights_escalation: not masked.
    if (!rightsWithin(a.rights, capRights(c)) && !L.faults.has("delegate_rights_escalation")) return Status.BAD_PAR;
    const pd = capObject(dst);
    const rights = a.rights & ALL_RIGHTS[capKind(c)];
    if (placeForChild(s, L, globalSlot(L, me, a.src), pd, rights) < 0) return Status.BAD_PAR;
    return { src: globalSlot(L, me, a.src), pd, rights };
  },
  invoke(k, s, ec, d) {
    const sel = insertChild(s, k.L, d.src, d.pd, d.rights);
    setMsgWord(s, k.L, ec, 0, sel);
    k.meter.add(P.capTransfer);
  },
  reads(k, s, ec, a, r) {
    const L = k.L;
    if (needReads(s, L, ec, a.src, r) === NO_CAP) return;
    const dst = needReads(s, L, ec, a.pd, r);
    if (capKind(dst) !== Kind.PD) return;
    r.pd(capObject(dst), PD.ALIVE);
    r.space(capObject(dst));
  },
};

const revoke: Entry<"revoke", { g: number }> = {
  op: "revoke",
  decode(k, s, ec, a) {
    const pd = ecPd(s, k.L, ec);
    if (lookupCap(s, k.L, pd, a.sel) === NO_CAP) return Status.BAD_CAP;
    return { g: globalSlot(k.L, pd, a.sel) };
  },
  invoke(k, s, ec, d) {
    const L = k.L;
    // A revoke with nothing to remove has no preemption point: it completes at once (kernel.md §6.4).
    if (L.model.kernel.preemptibleRevoke && hasDescendant(s, L, d.g)) {
      // The EC continues in the kernel: `continueRevoke` does one node per step.
      revokeBegin(s, L, d.g);
      ecSet(s, L, ec, EC.REVOKE, d.g);
      return;
    }
    revokeAll(s, L, d.g, ecCpu(s, L, ec), k.meter);
  },
  // A capability with no child: the search for children (which slots are its children: `links`),
  // which finds none, and nothing is removed (kernel.md §6.4). Otherwise the derivation tree,
  // every space, page table and TLB, and other ECs' revokes: everything.
  reads(k, s, ec, a, r) {
    const L = k.L;
    if (needReads(s, L, ec, a.sel, r) === NO_CAP) return;
    const g = slotOf(s, L, ec, a.sel);
    r.links(s, g, g + 1);
    if (childrenOf(s, L, g).length > 0) r.all();
  },
};

const createPd: Entry<"create_pd", { auth: number; pd: number; sel: number }> = {
  op: "create_pd",
  decode(k, s, ec, a) {
    const L = k.L;
    const auth = need(s, L, ec, a.pd, Kind.PD, Right.CTRL);
    if (auth === NO_CAP || !pdAlive(s, L, capObject(auth))) return Status.BAD_CAP;
    const pd = freePd(s, L);
    if (pd < 0) return Status.BAD_MEM;
    const sel = freeSelector(s, L, ecPd(s, L, ec));
    if (sel < 0) return Status.BAD_PAR;
    return { auth: slotOf(s, L, ec, a.pd), pd, sel };
  },
  invoke(k, s, ec, d) {
    setPdAlive(s, k.L, d.pd, true);
    grant(s, k.L, ec, d.sel, cap(Kind.PD, d.pd, Right.CTRL), d.auth);
  },
  // A free PD and a free selector are searched for: declared whole.
  reads: readsEverything,
};

/** An optional event portal given by selector: -1 when absent, the PT, or null when the selector is not a portal. */
function eventPortal(s: StateVector, L: Layout, ec: number, sel: number | undefined): number | null {
  if (sel === undefined) return -1;
  const p = need(s, L, ec, sel, Kind.PT, 0);
  return p !== NO_CAP && ptAlive(s, L, capObject(p)) ? capObject(p) : null;
}

const createEc: Entry<"create_ec", { auth: number; pd: number; cpu: number; ec: number; sel: number; pager: number; exc: number }> = {
  op: "create_ec",
  decode(k, s, ec, a) {
    const L = k.L;
    const auth = need(s, L, ec, a.pd, Kind.PD, Right.CTRL);
    if (auth === NO_CAP || !pdAlive(s, L, capObject(auth))) return Status.BAD_CAP;
    if (!Number.isInteger(a.cpu) || a.cpu < 0 || a.cpu >= L.counts.cpu) return Status.BAD_CPU;
    // The EC's event portals: where its page faults and exceptions are sent (NOVA's event base).
    const pager = eventPortal(s, L, ec, a.pager);
    const exc = eventPortal(s, L, ec, a.exc);
    if (pager === null || exc === null) return Status.BAD_CAP;
    const fresh = freeEc(s, L);
    if (fresh < 0) return Status.BAD_MEM;
    const sel = freeSelector(s, L, ecPd(s, L, ec));
    if (sel < 0) return Status.BAD_PAR;
    return { auth: slotOf(s, L, ec, a.pd), pd: capObject(auth), cpu: a.cpu, ec: fresh, sel, pager, exc };
  },
  invoke(k, s, ec, d) {
    initEc(s, k.L, d.ec, d.pd, d.cpu);
    ecSet(s, k.L, d.ec, EC.PAGER_PT, d.pager);
    ecSet(s, k.L, d.ec, EC.EXC_PT, d.exc);
    grant(s, k.L, ec, d.sel, cap(Kind.EC, d.ec, Right.CTRL), d.auth);
  },
  // Free ECs, selectors and event portals are searched for: declared whole.
  reads: readsEverything,
};

const createSc: Entry<"create_sc", { auth: number; ec: number; prio: number; sc: number; sel: number }> = {
  op: "create_sc",
  decode(k, s, ec, a) {
    const L = k.L;
    const auth = need(s, L, ec, a.ec, Kind.EC, Right.CTRL);
    if (auth === NO_CAP) return Status.BAD_CAP;
    const target = capObject(auth);
    if (ecState(s, L, target) === EcState.FREE) return Status.BAD_CAP;
    if (!Number.isInteger(a.prio) || a.prio < 0 || a.prio > 255) return Status.BAD_PAR;
    // One SC per EC: the scheduler and the IRQ path read an EC's priority from it.
    if (scOf(s, L, target) >= 0) return Status.BAD_PAR;
    const sc = freeSc(s, L);
    if (sc < 0) return Status.BAD_MEM;
    const sel = freeSelector(s, L, ecPd(s, L, ec));
    if (sel < 0) return Status.BAD_PAR;
    return { auth: slotOf(s, L, ec, a.ec), ec: target, prio: a.prio, sc, sel };
  },
  invoke(k, s, ec, d) {
    initSc(s, k.L, d.sc, d.ec, d.prio);
    grant(s, k.L, ec, d.sel, cap(Kind.SC, d.sc, Right.CTRL), d.auth);
  },
  // Free SCs and selectors are searched for: declared whole.
  reads: readsEverything,
};

const createPt: Entry<"create_pt", { auth: number; ec: number; pt: number; sel: number }> = {
  op: "create_pt",
  decode(k, s, ec, a) {
    const L = k.L;
    const auth = need(s, L, ec, a.ec, Kind.EC, Right.CTRL);
    if (auth === NO_CAP || ecState(s, L, capObject(auth)) === EcState.FREE) return Status.BAD_CAP;
    const pt = freePt(s, L);
    if (pt < 0) return Status.BAD_MEM;
    const sel = freeSelector(s, L, ecPd(s, L, ec));
    if (sel < 0) return Status.BAD_PAR;
    return { auth: slotOf(s, L, ec, a.ec), ec: capObject(auth), pt, sel };
  },
  invoke(k, s, ec, d) {
    initPt(s, k.L, d.pt, d.ec);
    grant(s, k.L, ec, d.sel, cap(Kind.PT, d.pt, Right.CALL), d.auth);
  },
  // The EC capability and its EC's state, every PT's liveness (the search for a free one) and
  // the caller's space (the search for a free selector, and the slot granted).
  reads(k, s, ec, a, r) {
    const L = k.L;
    const auth = needReads(s, L, ec, a.ec, r);
    if (auth === NO_CAP || capKind(auth) !== Kind.EC) return;
    r.ec(capObject(auth), EC.STATE);
    r.pts();
    // The free PT's binding is written whatever it was.
    const pt = freePt(s, L);
    if (pt >= 0) r.word(L.base.pt + pt * PT.SIZE + PT.EC);
    r.space(ecPd(s, L, ec));
  },
};

const createSm: Entry<"create_sm", { auth: number; count: number; sm: number; sel: number }> = {
  op: "create_sm",
  decode(k, s, ec, a) {
    const L = k.L;
    const auth = need(s, L, ec, a.pd, Kind.PD, Right.CTRL);
    if (auth === NO_CAP || !pdAlive(s, L, capObject(auth))) return Status.BAD_CAP;
    if (!Number.isInteger(a.count) || a.count < 0 || a.count > SM_MAX) return Status.BAD_PAR;
    const sm = freeSm(s, L);
    if (sm < 0) return Status.BAD_MEM;
    const sel = freeSelector(s, L, ecPd(s, L, ec));
    if (sel < 0) return Status.BAD_PAR;
    return { auth: slotOf(s, L, ec, a.pd), count: a.count, sm, sel };
  },
  invoke(k, s, ec, d) {
    initSm(s, k.L, d.sm, d.count);
    grant(s, k.L, ec, d.sel, cap(Kind.SM, d.sm, Right.UP | Right.DOWN), d.auth);
  },
  // The PD capability and its PD's liveness, every SM's liveness (the search for a free one) and
  // the caller's space (the search for a free selector, and the slot granted).
  reads(k, s, ec, a, r) {
    const L = k.L;
    const auth = needReads(s, L, ec, a.pd, r);
    if (auth === NO_CAP || capKind(auth) !== Kind.PD) return;
    r.pd(capObject(auth), PD.ALIVE);
    r.sms();
    // The free SM's count is written whatever it was.
    const sm = freeSm(s, L);
    if (sm >= 0) r.sm(sm, SM.COUNT);
    r.space(ecPd(s, L, ec));
  },
};

/** ECs blocked on semaphore `sm`, in EC order. */
export function smWaiters(s: StateVector, L: Layout, sm: number): number[] {
  return blockedOn(s, L, EcState.SM, sm);
}

/** Up on a semaphore: wakes waiter `choice` if any wait, else counts (saturating at SM_MAX). */
export function smUp(s: StateVector, L: Layout, sm: number, choice: number): void {
  const waiters = smWaiters(s, L, sm);
  if (waiters.length) wake(s, L, waiters[choice] ?? waiters[0]!, Status.SUCCESS);
  else setSmCount(s, L, sm, Math.min(SM_MAX, smCount(s, L, sm) + 1));
}

const smUpEntry: Entry<"sm_up", { sm: number; choice: number }> = {
  op: "sm_up",
  decode(k, s, ec, a) {
    const p = need(s, k.L, ec, a.sm, Kind.SM, Right.UP);
    if (p === NO_CAP || !smAlive(s, k.L, capObject(p))) return Status.BAD_CAP;
    const n = smWaiters(s, k.L, capObject(p)).length;
    const choice = a.choice ?? 0;
    if (n > 0 && (choice < 0 || choice >= n)) return Status.BAD_PAR;
    return { sm: capObject(p), choice };
  },
  invoke(k, s, _ec, d) {
    smUp(s, k.L, d.sm, d.choice);
  },
  reads(k, s, ec, a, r) {
    const p = needReads(s, k.L, ec, a.sm, r);
    if (capKind(p) !== Kind.SM) return;
    r.sm(capObject(p), SM.ALIVE);
    r.sm(capObject(p), SM.COUNT);
    r.blocked(s, EcState.SM);
  },
};

const smDown: Entry<"sm_down", { sm: number; timeout: boolean }> = {
  op: "sm_down",
  decode(k, s, ec, a) {
    const p = need(s, k.L, ec, a.sm, Kind.SM, Right.DOWN);
    if (p === NO_CAP || !smAlive(s, k.L, capObject(p))) return Status.BAD_CAP;
    return { sm: capObject(p), timeout: a.timeout ?? false };
  },
  invoke(k, s, ec, d) {
    const n = smCount(s, k.L, d.sm);
    if (n > 0) setSmCount(s, k.L, d.sm, n - 1);
    else block(s, k.L, ec, EcState.SM, d.sm, d.timeout);
  },
  reads(k, s, ec, a, r) {
    const p = needReads(s, k.L, ec, a.sm, r);
    if (capKind(p) !== Kind.SM) return;
    r.sm(capObject(p), SM.ALIVE);
    r.sm(capObject(p), SM.COUNT);
  },
};

const lookup: Entry<"lookup", { c: number }> = {
  op: "lookup",
  decode(k, s, ec, a) {
    const c = lookupCap(s, k.L, ecPd(s, k.L, ec), a.sel);
    return c === NO_CAP ? Status.BAD_CAP : { c };
  },
  invoke(k, s, ec, d) {
    setMsgWord(s, k.L, ec, 0, capKind(d.c));
    if (k.L.config.msgWords > 1) setMsgWord(s, k.L, ec, 1, (capObject(d.c) << 4) | capRights(d.c));
  },
  reads(k, s, ec, a, r) {
    needReads(s, k.L, ec, a.sel, r);
  },
};

const assignDev: Entry<"assign_dev", { dev: number; pd: number }> = {
  op: "assign_dev",
  decode(k, s, ec, a) {
    const d = need(s, k.L, ec, a.dev, Kind.DEV, Right.ASSIGN);
    if (d === NO_CAP) return Status.BAD_DEV;
    const p = need(s, k.L, ec, a.pd, Kind.PD, Right.CTRL);
    if (p === NO_CAP || !pdAlive(s, k.L, capObject(p))) return Status.BAD_CAP;
    const dev = capObject(d);
    const cur = devicePd(s, k.L, dev);
    if (cur >= 0 && cur !== capObject(p)) return Status.BAD_DEV;
    return { dev, pd: capObject(p) };
  },
  invoke(k, s, _ec, d) {
    assignDevice(s, k.L, d.dev, d.pd);
  },
  // Devices' assignment and the IOMMU: declared whole.
  reads: readsEverything,
};

const assignIrq: Entry<"assign_irq", { sm: number; cpu: number }> = {
  op: "assign_irq",
  decode(k, s, ec, a) {
    const L = k.L;
    // Routing an interrupt takes the driver's right to wait for it.
    const p = need(s, L, ec, a.sm, Kind.SM, Right.DOWN);
    if (p === NO_CAP || !L.boot.deviceIrqSm.includes(capObject(p))) return Status.BAD_CAP;
    if (!Number.isInteger(a.cpu) || a.cpu < 0 || a.cpu >= L.counts.cpu) return Status.BAD_CPU;
    return { sm: capObject(p), cpu: a.cpu };
  },
  invoke(k, s, _ec, d) {
    s[k.L.base.sm + d.sm * SM.SIZE + SM.CPU] = d.cpu;
  },
  // Interrupt routing: declared whole.
  reads: readsEverything,
};

const map: Entry<"map", { from: number; mem: number; pd: number; rights: number; own: boolean }> = {
  op: "map",
  decode(k, s, ec, a) {
    const L = k.L;
    if (!Number.isInteger(a.mem) || a.mem < 0 || a.mem >= L.counts.mem) return Status.BAD_PAR;
    const p = need(s, L, ec, a.pd, Kind.PD, Right.CTRL);
    if (p === NO_CAP || !pdAlive(s, L, capObject(p))) return Status.BAD_CAP;
    const me = ecPd(s, L, ec);
    const target = capObject(p);
    let from = -1;
    for (let i = 0; i < slotsOf(L, me) && from < 0; i++) {
      const c = capAt(s, L, globalSlot(L, me, i));
      if (capKind(c) === Kind.MEM && capObject(c) === a.mem && rightsWithin(a.rights, capRights(c))) from = globalSlot(L, me, i);
    }
    // The mapper must hold the memory with the rights it maps. FAULT map_unowned: not checked (Xen's PTE validation off).
    if (from < 0 && !L.faults.has("map_unowned")) return Status.BAD_CAP;
    const own = target === me;
    if (!own && from >= 0 && placeForChild(s, L, from, target, a.rights) < 0) return Status.BAD_PAR;
    return { from, mem: a.mem, pd: target, rights: a.rights & 7, own };
  },
  invoke(k, s, _ec, d) {
    // Mapping into another PD delegates the memory capability there first, so that
    // every page-table entry stays backed by a capability of its PD.
    if (!d.own && d.from >= 0) insertChild(s, k.L, d.from, d.pd, d.rights);
    setPte(s, k.L, d.pd, d.mem, pte(s, k.L, d.pd, d.mem) | d.rights);
  },
  // The caller's space, the target's, page tables: declared whole.
  reads: readsEverything,
};

const unmap: Entry<"unmap", { mem: number }> = {
  op: "unmap",
  decode(k, _s, _ec, a) {
    if (!Number.isInteger(a.mem) || a.mem < 0 || a.mem >= k.L.counts.mem) return Status.BAD_PAR;
    return { mem: a.mem };
  },
  invoke(k, s, ec, d) {
    const pd = ecPd(s, k.L, ec);
    setPte(s, k.L, pd, d.mem, 0);
    invalidate(s, k.L, pd, d.mem, ecCpu(s, k.L, ec), k.meter);
  },
  // Page tables and every CPU's TLB: declared whole.
  reads: readsEverything,
};

const pteWrite: Entry<"pte_write", { mem: number; rights: number }> = {
  op: "pte_write",
  decode(k, _s, _ec, a) {
    // A PD's page table is not mapped into it. FAULT pagetable_writable: it is, writable.
    if (!k.L.faults.has("pagetable_writable")) return Status.BAD_CAP;
    if (!Number.isInteger(a.mem) || a.mem < 0 || a.mem >= k.L.counts.mem) return Status.BAD_PAR;
    return { mem: a.mem, rights: a.rights & 7 };
  },
  invoke(k, s, ec, d) {
    setPte(s, k.L, ecPd(s, k.L, ec), d.mem, d.rights);
  },
  // Page tables: declared whole.
  reads: readsEverything,
};

/** The whole syscall ABI. */
export const SYSCALLS: { readonly [O in Op]: Entry<O, any> } = {
  call,
  reply,
  recv,
  delegate,
  revoke,
  create_pd: createPd,
  create_ec: createEc,
  create_sc: createSc,
  create_pt: createPt,
  create_sm: createSm,
  sm_up: smUpEntry,
  sm_down: smDown,
  lookup,
  assign_dev: assignDev,
  assign_irq: assignIrq,
  map,
  unmap,
  pte_write: pteWrite,
};

/** The table entry of an op (`SYSCALLS[op]`, which a test checks). Own keys only: an op such as "toString" must not reach Object.prototype. */
export function entryOf(op: string): Entry<Op, unknown> | undefined {
  // A switch on the literal: the explorer decodes several syscalls per state, and a keyed
  // lookup with an own-property check cost it about 3 % of its time.
  let e: Entry<any, any> | undefined;
  switch (op) {
    case "call":
      e = call;
      break;
    case "reply":
      e = reply;
      break;
    case "recv":
      e = recv;
      break;
    case "delegate":
      e = delegate;
      break;
    case "revoke":
      e = revoke;
      break;
    case "create_pd":
      e = createPd;
      break;
    case "create_ec":
      e = createEc;
      break;
    case "create_sc":
      e = createSc;
      break;
    case "create_pt":
      e = createPt;
      break;
    case "create_sm":
      e = createSm;
      break;
    case "sm_up":
      e = smUpEntry;
      break;
    case "sm_down":
      e = smDown;
      break;
    case "lookup":
      e = lookup;
      break;
    case "assign_dev":
      e = assignDev;
      break;
    case "assign_irq":
      e = assignIrq;
      break;
    case "map":
      e = map;
      break;
    case "unmap":
      e = unmap;
      break;
    case "pte_write":
      e = pteWrite;
      break;
    default:
      e = undefined;
  }
  return e as Entry<Op, unknown> | undefined;
}

/**
 * The status `syscall` would return, from decode alone: SUCCESS if the kernel accepts
 * the syscall, else the status it refuses it with. Like every decode it only reads
 * `s` (not the meter either), so a caller can rule out a refused syscall without
 * copying the state. Decode reads no CPU record and no TLB: the answer is the same
 * before and after the EC is dispatched (`enter`).
 */
export function decodeStatus(k: Kernel, s: StateVector, ec: number, a: SyscallArgs): Status {
  const entry = entryOf(a.op);
  if (!entry) return Status.BAD_SYS;
  const d = entry.decode(k, s, ec, a as never);
  return failed(d) ? d : Status.SUCCESS;
}

/**
 * `syscall` of a syscall that `entry`'s decode accepted, given what decode worked out: kernel
 * entry, invoke, kernel exit; cannot fail. A caller that decided on `s` (`decodeStatus`) and
 * then copies the state need not decode again on the copy: valid on any copy of `s` that
 * differs from it only in CPU records and TLBs (what dispatching changes), which decode does
 * not read.
 */
export function invokeDecoded<O extends Op, D>(k: Kernel, s: StateVector, ec: number, entry: Entry<O, D>, d: D): void {
  k.meter.add(P.kernelEntry);
  ecSet(s, k.L, ec, EC.STATUS, Status.SUCCESS);
  entry.invoke(k, s, ec, d);
  k.meter.add(P.kernelExit);
}

/**
 * Executes a syscall of `ec` (which must be runnable and not in a revoke): kernel
 * entry, decode, invoke or failure, kernel exit. Returns the status decode gave;
 * a blocking syscall's final status is written to the EC when it wakes.
 */
export function syscall(k: Kernel, s: StateVector, ec: number, a: SyscallArgs): Status {
  k.meter.add(P.kernelEntry);
  const entry = entryOf(a.op);
  let status: Status = Status.BAD_SYS;
  if (entry) {
    const d = entry.decode(k, s, ec, a as never);
    if (failed(d)) status = d;
    else {
      status = Status.SUCCESS;
      ecSet(s, k.L, ec, EC.STATUS, Status.SUCCESS);
      entry.invoke(k, s, ec, d);
    }
  }
  if (status !== Status.SUCCESS) ecSet(s, k.L, ec, EC.STATUS, status);
  k.meter.add(P.kernelExit);
  return status;
}


/**
 * Adds to `r` what `syscall(k, s, ec, a)` may read (kernel.md §8.13): its entry's declared reads.
 * Entry and exit read nothing of the state; an unknown op reads nothing.
 */
export function syscallReads(k: Kernel, s: StateVector, ec: number, a: SyscallArgs, r: ReadSet): void {
  entryOf(a.op)?.reads(k, s, ec, a as never, r);
}
