// Step read footprints: the state words the steps an actor can take from a state may read (spec/invariants.md §10.1).
import { devicePd } from "../machine/iommu.js";
import { capKind, capObject, capRights, Kind, NO_CAP, Right, ALL_RIGHTS } from "../kernel/cap.js";
import { ecGet } from "../kernel/ec.js";
import { exceptionReads, memAccessReads, timeoutReads } from "../kernel/events.js";
import { waitingCallers } from "../kernel/ipc.js";
import { CPU, EC, EcState, GLOBAL, MEM, PD, type Layout, type StateVector } from "../kernel/layout.js";
import type { ReadSet } from "../kernel/footprint.js";
import { ptEc } from "../kernel/pt.js";
import { capAt, findObject, globalSlot, slotsOf } from "../kernel/space.js";
import { smWaiters, syscallReads, type Item, type SyscallArgs } from "../kernel/syscalls.js";
import { localCondition, adversaryActs, firstHeld, itemArg, widestRights, type System } from "./step.js";
import { pte } from "../machine/mmu.js";

/**
 * An actor: what takes steps of its own, whose steps partial-order reduction's sleep sets put to
 * sleep together (spec/invariants.md §10.1). EC `e` is actor `e` (a thread's statement, an
 * adversary's syscalls, a revoke's continuation); the timeout of EC `e`'s blocked call or down is
 * actor `ecs + e`. Devices are not actors here: their steps are never put to sleep.
 */
export function actorOf(L: Layout, kind: string, ec: number): number {
  switch (kind) {
    case "thread":
    case "adversary":
    case "revoke":
      return ec;
    case "timeout":
      return L.counts.ec + ec;
    default:
      return -1;
  }
}

/**
 * Adds to `r` every word that any step of `actor` from `s` may read — that may change which steps
 * it has, what they do or what they write — declared from `s` without running them. Test:
 * test/components/reads.test.ts changes every other word and checks that the steps are the same.
 *
 * The normal forms a step ends with (`done`: finished threads, dead variables and messages,
 * quiet CPUs) read the words of the objects the step wrote; the caller adds those
 * (`normalFormReads`), knowing what was written.
 */
export function actorReads(sys: System, s: StateVector, actor: number, r: ReadSet): void {
  const { k } = sys;
  const L = k.L;
  if (actor < 0 || actor >= 2 * L.counts.ec) {
    r.all();
    return;
  }
  if (actor >= L.counts.ec) {
    timeoutReads(k, s, actor - L.counts.ec, r);
    return;
  }
  const ec = actor;
  // Which steps an EC has: its record (state, pc, phase, revoke, variables, message), whether it
  // has an SC to run on (`interleaves`), and
  // dispatching it: its CPU's words and TLB, and the PD of every EC (`dispatch`, `quietCpus`).
  r.ecRecord(ec);
  r.scs();
  cpuReads(L, ecGet(s, L, ec, EC.CPU), r);
  for (let e = 0; e < L.counts.ec; e++) r.ec(e, EC.PD);
  // A revoke's continuation: the derivation tree, spaces, page tables and TLBs (kernel.md §8.13).
  if (ecGet(s, L, ec, EC.REVOKE) >= 0) r.all();
  else if (ec < sys.programs.length) threadReads(sys, s, ec, r);
  else {
    const pd = ecGet(s, L, ec, EC.PD);
    r.pd(pd, PD.ADV);
    if (adversaryActs(sys, s, ec)) adversaryReads(sys, s, ec, r);
  }
}

/** CPU `cpu`'s record and its TLB. */
function cpuReads(L: Layout, cpu: number, r: ReadSet): void {
  const at = L.base.cpu + cpu * CPU.SIZE;
  for (let i = 0; i < CPU.SIZE; i++) r.word(at + i);
  const from = L.base.tlb + cpu * L.counts.pd * L.pteWords;
  for (let i = 0; i < L.counts.pd * L.pteWords; i++) r.word(from + i);
}

/**
 * Adds to `r` what the normal forms of a step that wrote word `w` read (step.ts `done`): the
 * whole record of the EC it belongs to (a thread past its end, its dead variables and message),
 * and for a CPU's word or TLB entry the CPU's words and TLB (`quietCpus`). On an object a step
 * did not write they change nothing: the state it starts from is in normal form. Returns the
 * end of the words of `w`'s object (the EC record, the CPU's record or its TLB; `w + 1` for the
 * others): a caller going through a step's writes in order need not ask again before it.
 */
export function normalFormReads(L: Layout, w: number, r: ReadSet): number {
  const ecs = L.base.ec;
  if (w >= ecs && w < ecs + L.counts.ec * L.ecSize) {
    const e = Math.floor((w - ecs) / L.ecSize);
    r.ecRecord(e);
    return ecs + (e + 1) * L.ecSize;
  }
  if (w >= L.base.cpu && w < L.base.cpu + L.counts.cpu * CPU.SIZE) {
    const c = Math.floor((w - L.base.cpu) / CPU.SIZE);
    cpuReads(L, c, r);
    return L.base.cpu + (c + 1) * CPU.SIZE;
  }
  const tlb = L.counts.pd * L.pteWords;
  if (w >= L.base.tlb && w < L.base.tlb + L.counts.cpu * tlb) {
    const c = Math.floor((w - L.base.tlb) / tlb);
    cpuReads(L, c, r);
    return L.base.tlb + (c + 1) * tlb;
  }
  return w + 1;
}

/** The sealed labels of every key, when some thread opens sealed data (flow.ts `evalSent`, `unsendSeals`). */
function sealedReads(L: Layout, r: ReadSet): void {
  if (!L.keepsSealed) return;
  for (let m = 0; m < L.counts.mem; m++) r.word(L.base.sealed + m);
}

/** What thread `ec`'s statement at its pc reads, beyond its own record and its dispatch (step.ts `threadSteps`). */
function threadReads(sys: System, s: StateVector, ec: number, r: ReadSet): void {
  const { k } = sys;
  const L = k.L;
  const p = sys.plans[ec]![ecGet(s, L, ec, EC.PC)];
  if (!p) return;
  const i = p.i;
  // Comparisons with data from outside are noted as a side effect (`noteMmioCompares`), from the
  // condition's variables: a step whose reads are the same notes the same.
  sealedReads(L, r);
  switch (i.op) {
    case "choose":
    case "count":
    case "repeat":
    case "spin":
      return;
    case "branch":
      if (!localCondition(i.cond)) r.all();
      return;
    case "assert":
      if (!localCondition(i.cond)) r.all();
      // The first failed assert is kept: the word is written only while it is 0.
      r.word(L.base.global + GLOBAL.ASSERT);
      return;
    default:
      break;
  }
  // A blocking statement completing reads only the EC's record.
  if (ecGet(s, L, ec, EC.PHASE) === 1) return;
  const pd = ecGet(s, L, ec, EC.PD);
  // Statements look for the capabilities they name in their PD's space (`findObject`).
  r.space(pd);
  r.ec(ec, EC.PD);
  const kernel = (a: SyscallArgs): void => syscallReads(k, s, ec, a, r);
  switch (i.op) {
    case "call": {
      const pts = p.objects;
      const pt = pts.length > 1 ? pts[ecGet(s, L, ec, EC.CPU)]! : pts[0]!;
      // The message words are written into the UTCB before the kernel reads it: not read here.
      kernel({ op: "call", pt: findObject(s, L, pd, Kind.PT, pt, Right.CALL), words: [], item: itemArg(s, L, pd, p), timeout: i.timeout });
      return;
    }
    case "recv": {
      let pt = p.objects[0]!;
      for (const q of p.objects)
        if (L.boot.ptEc[q] === ec) {
          pt = q;
          break;
        }
      const sel = findObject(s, L, pd, Kind.PT, pt);
      const choices = Math.max(1, waitingCallers(s, L, pt).length);
      for (let choice = 0; choice < choices; choice++) kernel({ op: "recv", pt: sel, choice });
      return;
    }
    case "reply":
      kernel({ op: "reply", words: [], item: itemArg(s, L, pd, p) });
      return;
    case "up": {
      const sm = p.objects[0]!;
      const sel = findObject(s, L, pd, Kind.SM, sm, Right.UP);
      const choices = Math.max(1, smWaiters(s, L, sm).length);
      for (let choice = 0; choice < choices; choice++) kernel({ op: "sm_up", sm: sel, choice });
      return;
    }
    case "down":
      kernel({ op: "sm_down", sm: findObject(s, L, pd, Kind.SM, p.objects[0]!, Right.DOWN) });
      return;
    case "read":
    case "write": {
      const mem = p.objects[0]!;
      memAccessReads(k, s, ec, mem, i.op === "read" ? "r" : "w", r);
      regionReads(L, mem, r);
      return;
    }
    case "delegate":
      kernel({ op: "delegate", src: firstHeld(s, L, pd, p, p.rights), pd: findObject(s, L, pd, Kind.PD, i.to, Right.CTRL), rights: p.rights });
      return;
    case "revoke":
      kernel({ op: "revoke", sel: firstHeld(s, L, pd, p, 0) });
      return;
    case "map": {
      const mem = p.objects[0]!;
      const rights = p.rights >= 0 ? p.rights : widestRights(s, L, pd, Kind.MEM, mem);
      kernel({ op: "map", mem, pd: findObject(s, L, pd, Kind.PD, i.to, Right.CTRL), rights });
      return;
    }
    case "unmap":
      kernel({ op: "unmap", mem: p.objects[0]! });
      return;
    case "raise":
      exceptionReads(k, s, ec, r);
      return;
    default:
      r.all();
  }
}

/** A memory object's value and labels. */
function regionReads(L: Layout, m: number, r: ReadSet): void {
  r.word(L.base.mem + m * MEM.SIZE + MEM.VALUE);
  r.word(L.base.mem + m * MEM.SIZE + MEM.LABELS);
}

/** What adversary `ec`'s syscalls read, beyond its own record and its dispatch (step.ts `adversarySteps`), attempt by attempt. */
function adversaryReads(sys: System, s: StateVector, ec: number, r: ReadSet): void {
  const { k } = sys;
  const L = k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  // Every device it drives: DMA, interrupts, MMIO (declared whole).
  for (let d = 0; d < L.model.machine.devices.length; d++) if (devicePd(s, L, d) === pd) r.all();
  if (r.everything) return;
  // What it holds: its space. Which of its capabilities have children (a leaf revoke's shared
  // successor asks `markParents`) is what each capability's revoke declares below.
  r.space(pd);
  // What it knows (`adversaryData`): every EC's PD, the records of its component's ECs (another
  // EC's state decides nothing: it is looked at only for an EC of the component), and every
  // memory object it may read, with the page tables and TLBs that say so.
  for (let e = 0; e < L.counts.ec; e++) {
    r.ec(e, EC.PD);
    if (ecGet(s, L, e, EC.PD) === pd) r.ecRecord(e);
  }
  for (let m = 0; m < L.counts.mem; m++) {
    regionReads(L, m, r);
    memAccessReads(k, s, ec, m, "r", r);
    memAccessReads(k, s, ec, m, "w", r);
  }
  if (L.counts.mem > 0) for (let c = 0; c < L.counts.cpu; c++) cpuReads(L, c, r);
  const caps: { sel: number; c: number }[] = [];
  for (let i = 0; i < slotsOf(L, pd); i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (c !== NO_CAP) caps.push({ sel: i, c });
  }
  const escalate = L.faults.has("delegate_rights_escalation");
  const items: (Item | undefined)[] = [undefined];
  for (const x of caps) {
    items.push({ sel: x.sel, rights: capRights(x.c) });
    if (escalate) items.push({ sel: x.sel, rights: ALL_RIGHTS[capKind(x.c)]! });
  }
  const kernel = (a: SyscallArgs): void => syscallReads(k, s, ec, a, r);
  if (ecGet(s, L, ec, EC.PARTNER) >= 0) for (const it of items) kernel({ op: "reply", words: [], item: it });
  for (const p of caps) {
    const kind = capKind(p.c);
    if (kind === Kind.PT) {
      r.pt(capObject(p.c));
      for (const it of items) kernel({ op: "call", pt: p.sel, words: [], item: it, timeout: true });
      if (ptEc(s, L, capObject(p.c)) === ec) {
        r.blocked(s, EcState.CALL);
        const callers = waitingCallers(s, L, capObject(p.c)).length;
        for (let choice = 0; choice < Math.max(1, callers); choice++) kernel({ op: "recv", pt: p.sel, choice });
      }
    }
    for (const t of caps) {
      if (capKind(t.c) !== Kind.PD || t.sel === p.sel) continue;
      kernel({ op: "delegate", src: p.sel, pd: t.sel, rights: capRights(p.c) });
      if (escalate) kernel({ op: "delegate", src: p.sel, pd: t.sel, rights: ALL_RIGHTS[kind]! });
      if (kind === Kind.MEM) kernel({ op: "map", mem: capObject(p.c), pd: t.sel, rights: capRights(p.c) });
      if (kind === Kind.DEV) kernel({ op: "assign_dev", dev: p.sel, pd: t.sel });
    }
    kernel({ op: "revoke", sel: p.sel });
    if (kind === Kind.SM) {
      r.blocked(s, EcState.SM);
      const waiters = smWaiters(s, L, capObject(p.c)).length;
      for (let choice = 0; choice < Math.max(1, waiters); choice++) kernel({ op: "sm_up", sm: p.sel, choice });
      kernel({ op: "sm_down", sm: p.sel, timeout: true });
      if (L.boot.deviceIrqSm.includes(capObject(p.c))) r.all();
    }
  }
  if (L.faults.has("map_unowned") || L.faults.has("pagetable_writable")) r.all();
  // Unmap is tried for every memory object it has mapped (declared whole by the kernel).
  for (let m = 0; m < L.counts.mem; m++) if (pte(s, L, pd, m) !== 0) kernel({ op: "unmap", mem: m });
  const ownEc = findObject(s, L, pd, Kind.EC, ec);
  if (ownEc >= 0) kernel({ op: "create_pt", ec: ownEc });
  const ownPd = findObject(s, L, pd, Kind.PD, pd);
  if (ownPd >= 0) kernel({ op: "create_sm", pd: ownPd, count: 0 });
  if (ecGet(s, L, ec, EC.EXC_PT) >= 0) exceptionReads(k, s, ec, r);
}
