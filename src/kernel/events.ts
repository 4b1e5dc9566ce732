// Kernel events that are not syscalls: revoke continuations, timeouts, page faults, exceptions, interrupts.
import { P } from "../machine/meter.js";
import { access as mmuAccess, type Access } from "../machine/mmu.js";
import { ecCpu, ecGet, ecSet, ecState, setMsgWord, wake } from "./ec.js";
import { abortPartner, rendezvous, waitingHandler } from "./ipc.js";
import { EC, EcState, EC_TIMEOUT, SC, SM, type StateVector } from "./layout.js";
import { revokeStep } from "./mdb.js";
import { ptAlive, ptEc } from "./pt.js";
import { scGet, scOf, scSet } from "./sc.js";
import { smUp, smWaiters, type Kernel } from "./syscalls.js";
import { Status } from "./status.js";
import { currentEc } from "../machine/cpu.js";
import { ACCESS_BIT, pte, pteIndex, tlbEntry, tlbIndex } from "../machine/mmu.js";
import type { ReadSet } from "./footprint.js";

/** Whether `ec` is inside a preemptible revoke (it continues in the kernel when it next runs). */
export function inRevoke(s: StateVector, k: Kernel, ec: number): boolean {
  return ecGet(s, k.L, ec, EC.REVOKE) >= 0;
}

/** One step of `ec`'s preemptible revoke; at the end the revoke syscall returns SUCCESS. */
export function continueRevoke(k: Kernel, s: StateVector, ec: number): void {
  const g = ecGet(s, k.L, ec, EC.REVOKE);
  if (g < 0) throw new Error(`EC ${ec} is not revoking`);
  k.meter.add(P.kernelEntry);
  if (revokeStep(s, k.L, g, ecCpu(s, k.L, ec), k.meter)) {
    ecSet(s, k.L, ec, EC.REVOKE, -1);
    ecSet(s, k.L, ec, EC.STATUS, Status.SUCCESS);
  }
  k.meter.add(P.kernelExit);
}

/** Whether a timeout can fire for `ec`: it is blocked in a call or a down that has one. */
export function canTimeOut(s: StateVector, k: Kernel, ec: number): boolean {
  const st = ecState(s, k.L, ec);
  return (st === EcState.CALL || st === EcState.REPLY || st === EcState.SM) && (ecGet(s, k.L, ec, EC.FLAGS) & EC_TIMEOUT) !== 0;
}

/**
 * The timeout of a blocked call or down fires (time is not in the state: a finite
 * timeout may expire at any point). A caller the server already received is cut
 * off: the server's reply capability dies.
 */
export function timeout(k: Kernel, s: StateVector, ec: number): void {
  if (!canTimeOut(s, k, ec)) throw new Error(`EC ${ec} cannot time out`);
  if (ecState(s, k.L, ec) === EcState.REPLY) {
    const server = ecGet(s, k.L, ec, EC.SERVER);
    if (server >= 0 && ecGet(s, k.L, server, EC.PARTNER) === ec) ecSet(s, k.L, server, EC.PARTNER, -1);
    ecSet(s, k.L, ec, EC.SERVER, -1);
  }
  wake(s, k.L, ec, Status.TIMEOUT);
}

/**
 * Adds to `r` what `timeout(k, s, ec)` reads (kernel.md §8.13): the EC's state and flags, and
 * when it waits for a reply, its server and whether the server's reply capability names it.
 */
export function timeoutReads(k: Kernel, s: StateVector, ec: number, r: ReadSet): void {
  r.ec(ec, EC.STATE, EC.FLAGS);
  if (ecState(s, k.L, ec) !== EcState.REPLY) return;
  r.ec(ec, EC.SERVER);
  const server = ecGet(s, k.L, ec, EC.SERVER);
  if (server >= 0) r.guard(k.L.base.ec + server * k.L.ecSize + EC.PARTNER, -1, ec, ec + 1);
}

/**
 * Sends a fault message (page fault or exception) from `ec` to portal `pt` as if it
 * called it; without a usable portal the EC dies, and its callers are aborted.
 */
function faultIpc(k: Kernel, s: StateVector, ec: number, pt: number, words: readonly number[], labels = 0): void {
  const L = k.L;
  k.meter.add(P.kernelEntry);
  const handler = faultHandler(s, L, ec, pt);
  if (handler < 0) {
    ecSet(s, L, ec, EC.STATE, EcState.DEAD);
    abortPartner(s, L, ec);
    k.meter.add(P.kernelExit);
    return;
  }
  for (let i = 0; i < L.config.msgWords; i++) setMsgWord(s, L, ec, i, words[i] ?? 0);
  ecSet(s, L, ec, EC.MSG_LABELS, labels);
  ecSet(s, L, ec, EC.MSG_CAP, 0);
  if (waitingHandler(s, L, pt, handler)) rendezvous(s, L, ec, handler, false, k.meter);
  else {
    ecSet(s, L, ec, EC.STATE, EcState.CALL);
    ecSet(s, L, ec, EC.WAIT, pt);
    ecSet(s, L, ec, EC.FLAGS, 0);
  }
  k.meter.add(P.kernelExit);
}

/**
 * The EC that takes `ec`'s fault message sent to portal `pt`, or -1 when none can and `ec` dies.
 * Usable: the portal and its handler live (what call's decode requires; a dead pager's portal
 * would otherwise hold the faulting EC in CALL for ever), and, as NOVA's send_msg requires, the
 * portal is on the faulting EC's CPU. FAULT portal_cross_core: the CPU is not checked, here as in call.
 */
function faultHandler(s: StateVector, L: Kernel["L"], ec: number, pt: number): number {
  const handler = pt < 0 || !ptAlive(s, L, pt) ? -1 : ptEc(s, L, pt);
  if (handler < 0) return -1;
  if (ecCpu(s, L, handler) !== ecCpu(s, L, ec) && !L.faults.has("portal_cross_core")) return -1;
  const st = ecState(s, L, handler);
  return st === EcState.DEAD || st === EcState.FREE ? -1 : handler;
}

/** What `faultIpc(k, s, ec, pt, …)` reads (kernel.md §8.13): the portal and its handler as `call` reads them, or, where the EC dies, what `abortPartner` reads. */
function faultReads(k: Kernel, s: StateVector, ec: number, pt: number, r: ReadSet): void {
  const L = k.L;
  // What `faultHandler` reads.
  r.ec(ec, EC.CPU);
  if (pt >= 0) {
    r.pt(pt);
    const bound = ptEc(s, L, pt);
    if (ptAlive(s, L, pt) && bound >= 0) r.ec(bound, EC.CPU, EC.STATE);
  }
  const handler = faultHandler(s, L, ec, pt);
  if (handler >= 0) {
    // The fault message is written into the EC's UTCB first, with no item: only the handler is read.
    r.ec(handler, EC.WAIT, EC.PARTNER, EC.REVOKE);
    r.scs();
    return;
  }
  // The EC dies: its reply partner and its server are told.
  r.ec(ec, EC.PARTNER, EC.SERVER);
  const p = ecGet(s, L, ec, EC.PARTNER);
  if (p >= 0) r.ec(p, EC.STATE, EC.SERVER);
  const server = ecGet(s, L, ec, EC.SERVER);
  if (server >= 0) r.ec(server, EC.PARTNER);
}

/**
 * A user-mode access of `ec` to memory object `mem` through the MMU. On a page fault
 * the EC is sent to its pager (IPC with words [mem, access bit]) and false is returned;
 * the behaviour retries the access once the pager has replied.
 */
export function memAccess(k: Kernel, s: StateVector, ec: number, mem: number, kind: Access): boolean {
  const L = k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  if (mmuAccess(s, L, ecCpu(s, L, ec), pd, mem, kind, k.meter)) return true;
  faultIpc(k, s, ec, ecGet(s, L, ec, EC.PAGER_PT), [mem, kind === "r" ? 1 : kind === "w" ? 2 : 4]);
  return false;
}

/**
 * Adds to `r` what `memAccess(k, s, ec, mem, kind)` reads (kernel.md §8.13): the EC's PD and CPU,
 * the CPU's TLB entry and the PD's page-table entry for `mem`, and on a page fault the pager
 * portal and what sending to it reads (`faultReads`).
 */
export function memAccessReads(k: Kernel, s: StateVector, ec: number, mem: number, kind: Access, r: ReadSet): void {
  const L = k.L;
  r.ec(ec, EC.PD, EC.CPU);
  const pd = ecGet(s, L, ec, EC.PD);
  const cpu = ecCpu(s, L, ec);
  r.word(tlbIndex(L, cpu, pd, mem));
  r.word(pteIndex(L, pd, mem));
  // A TLB hit or a table walk that allows it: no fault.
  if ((tlbEntry(s, L, cpu, pd, mem) | pte(s, L, pd, mem)) & ACCESS_BIT[kind]) return;
  r.ec(ec, EC.PAGER_PT);
  faultReads(k, s, ec, ecGet(s, L, ec, EC.PAGER_PT), r);
}

/**
 * An exception of `ec` (how L4Linux user processes make system calls) goes to its exception
 * handler as a message `[code]` carrying `labels` (the data the exception state exposes).
 */
export function raiseException(k: Kernel, s: StateVector, ec: number, code: number, labels = 0): void {
  faultIpc(k, s, ec, ecGet(s, k.L, ec, EC.EXC_PT), [code], labels);
}

/** Adds to `r` what `raiseException(k, s, ec, …)` reads (kernel.md §8.13): the exception portal and what sending to it reads. */
export function exceptionReads(k: Kernel, s: StateVector, ec: number, r: ReadSet): void {
  r.ec(ec, EC.EXC_PT);
  faultReads(k, s, ec, ecGet(s, k.L, ec, EC.EXC_PT), r);
}

/**
 * Device `dev` raises its interrupt: an up on its IRQ semaphore. With
 * `irq_priority_inversion`, the woken handler runs at the priority of the EC the
 * interrupt preempted instead of its own.
 */
export function deviceIrq(k: Kernel, s: StateVector, dev: number, choice = 0): void {
  const L = k.L;
  const sm = L.boot.deviceIrqSm[dev] ?? -1;
  if (sm < 0) throw new Error(`device ${dev} has no IRQ line`);
  k.meter.add(P.irq);
  const before = smWaiters(s, L, sm);
  smUp(s, L, sm, choice);
  if (!L.faults.has("irq_priority_inversion")) return;
  // FAULT irq_priority_inversion: the handler inherits the interrupted EC's priority.
  const cpu = s[L.base.sm + sm * SM.SIZE + SM.CPU]!;
  const interrupted = currentEc(s, L, cpu);
  if (interrupted < 0) return;
  for (const e of before) {
    if (ecState(s, L, e) !== EcState.RUNNABLE) continue;
    const sc = scOf(s, L, e);
    const from = scOf(s, L, interrupted);
    if (sc >= 0 && from >= 0) scSet(s, L, sc, SC.PRIO, scGet(s, L, from, SC.PRIO));
  }
}

/**
 * Adds to `r` what `deviceIrq(k, s, dev, choice)` reads (kernel.md §8.13): which ECs wait on the
 * IRQ semaphore and its count; under `irq_priority_inversion`, everything (the interrupted EC
 * and the SCs' priorities).
 */
export function irqReads(k: Kernel, s: StateVector, dev: number, r: ReadSet): void {
  const L = k.L;
  if (L.faults.has("irq_priority_inversion")) return r.all();
  const sm = L.boot.deviceIrqSm[dev] ?? -1;
  if (sm < 0) return;
  r.blocked(s, EcState.SM);
  r.sm(sm, SM.COUNT);
}
