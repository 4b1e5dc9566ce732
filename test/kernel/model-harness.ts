// The model-based test's harness: one step at a time on the real kernel and the reference, with every invariant checked after each.
import type { SystemModel } from "../../src/dsl/model.js";
import { boot } from "../../src/kernel/boot.js";
import { ALL_RIGHTS, cap, capKind, capObject, capRights, KIND_NAMES, Kind, NO_CAP, Right, rightsWithin } from "../../src/kernel/cap.js";
import { ecCpu, ecGet, ecPd, ecState, msgWord } from "../../src/kernel/ec.js";
import { canTimeOut, continueRevoke, deviceIrq, inRevoke, memAccess, timeout } from "../../src/kernel/events.js";
import type { FaultFlag } from "../../src/kernel/faults.js";
import { waitingCallers, waitingHandler } from "../../src/kernel/ipc.js";
import { EC, EcState, NO_PARENT, SC, type KernelConfig, type StateVector } from "../../src/kernel/layout.js";
import { hangsUnderRoot, isDescendant, parent } from "../../src/kernel/mdb.js";
import { pdAlive } from "../../src/kernel/pd.js";
import { ptAlive, ptEc } from "../../src/kernel/pt.js";
import { scGet } from "../../src/kernel/sc.js";
import { enter, leave, schedulable } from "../../src/kernel/scheduler.js";
import { capAt, globalSlot, lookupCap, slotPd, slotsOf } from "../../src/kernel/space.js";
import { Status, STATUS_NAMES } from "../../src/kernel/status.js";
import { syscall, type Item, type Kernel, type SyscallArgs } from "../../src/kernel/syscalls.js";
import { devicePd, dmaAllowed } from "../../src/machine/iommu.js";
import { pte, tlbEntry, type Access } from "../../src/machine/mmu.js";
import { Reference, type Expected, type RefCap } from "./reference.js";

/**
 * The invariants, each a sentence of the issue:
 * - rights: every capability's rights are within those of the capability it was delegated from;
 * - revoke: once a revoke completes, no capability derived from the revoked one remains, and no
 *   page-table or TLB entry that only a removed capability authorised;
 * - pte: every page-table entry is backed by memory capabilities of its PD with at least its rights;
 * - tlb: every TLB entry is backed by the page-table entry (its rights within the entry's);
 * - root: every capability hangs under an original held by root;
 * - access: a memory access succeeds only if the PD's page table (per the reference) grants it;
 * - dma: behind an IOMMU a device reaches only what its PD maps;
 * - call_cpu: a call succeeds only on the CPU of the portal's handler;
 * - reply: a reply reaches only the EC that called this server and still waits for it;
 * - priority: an SC keeps the priority it was created with (an IRQ handler's included);
 * - refines: the kernel's derivation tree and page tables equal the reference's (modulo slot
 *   placement), and the kernel refuses no operation the reference allows.
 */
export const INVARIANTS = ["rights", "revoke", "pte", "tlb", "root", "access", "dma", "call_cpu", "reply", "priority", "refines"] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  readonly invariant: InvariantName;
  readonly message: string;
}

/** One command in plain JSON: what the fixtures store. `ec` is null for device events. */
export type Step =
  | { readonly ec: number; readonly op: "delegate"; readonly args: { readonly src: number; readonly pd: number; readonly rights: number } }
  | { readonly ec: number; readonly op: "revoke"; readonly args: { readonly sel: number } }
  | { readonly ec: number; readonly op: "continue_revoke"; readonly args: Record<string, never> }
  | { readonly ec: number; readonly op: "map"; readonly args: { readonly mem: number; readonly pd: number; readonly rights: number } }
  | { readonly ec: number; readonly op: "unmap"; readonly args: { readonly mem: number } }
  | { readonly ec: number; readonly op: "pte_write"; readonly args: { readonly mem: number; readonly rights: number } }
  | { readonly ec: number; readonly op: "access"; readonly args: { readonly mem: number; readonly kind: Access } }
  | { readonly ec: number; readonly op: "call"; readonly args: { readonly pt: number; readonly item?: Item; readonly timeout: boolean } }
  | { readonly ec: number; readonly op: "recv"; readonly args: { readonly pt: number; readonly choice: number } }
  | { readonly ec: number; readonly op: "reply"; readonly args: { readonly item?: Item } }
  | { readonly ec: number; readonly op: "sm_up"; readonly args: { readonly sm: number; readonly choice: number } }
  | { readonly ec: number; readonly op: "sm_down"; readonly args: { readonly sm: number; readonly timeout: boolean } }
  | { readonly ec: number; readonly op: "lookup"; readonly args: { readonly sel: number } }
  | { readonly ec: number; readonly op: "create_pd"; readonly args: { readonly pd: number } }
  | { readonly ec: number; readonly op: "create_ec"; readonly args: { readonly pd: number; readonly cpu: number } }
  | { readonly ec: number; readonly op: "create_sc"; readonly args: { readonly ec: number; readonly prio: number } }
  | { readonly ec: number; readonly op: "create_pt"; readonly args: { readonly ec: number } }
  | { readonly ec: number; readonly op: "create_sm"; readonly args: { readonly pd: number; readonly count: number } }
  | { readonly ec: number; readonly op: "assign_irq"; readonly args: { readonly sm: number; readonly cpu: number } }
  | { readonly ec: number; readonly op: "assign_dev"; readonly args: { readonly dev: number; readonly pd: number } }
  | { readonly ec: number; readonly op: "timeout"; readonly args: Record<string, never> }
  | { readonly ec: null; readonly op: "irq"; readonly args: { readonly dev: number; readonly choice: number } }
  | { readonly ec: null; readonly op: "dma"; readonly args: { readonly dev: number; readonly mem: number; readonly write: boolean } };
export type StepOp = Step["op"];

export function showStep(st: Step): string {
  return `${st.ec === null ? "dev" : `ec${st.ec}`} ${st.op} ${JSON.stringify(st.args)}`;
}

const ACCESS_BIT: Record<Access, number> = { r: 1, w: 2, x: 4 };

/** What the reference expects of the step in progress. */
interface Plan {
  readonly expect: Expected[];
  /** Which records the step may remove (a revoke's descendants); none if null. */
  removable: ((r: RefCap) => boolean) | null;
  /** Records removed by the step. */
  readonly removed: RefCap[];
  /** An atomic revoke made by this step: its record and everything it removed. */
  completed: { readonly rec: number; readonly removed: Set<number> } | null;
}

/** The real kernel and the reference, driven in lockstep. */
export class Harness {
  readonly k: Kernel;
  s: StateVector;
  readonly ref: Reference;
  readonly root: number;
  /** Steps applied so far. */
  steps = 0;
  /** The steps applied, in order. */
  readonly log: Step[] = [];
  /** Violations found at boot (none expected). */
  readonly atBoot: Violation[];

  constructor(readonly model: SystemModel, config: KernelConfig) {
    const b = boot(model, config);
    this.k = b.kernel;
    this.s = b.state;
    this.ref = Reference.ofBoot(this.k.L, this.s);
    this.root = model.components.findIndex((c) => c.root);
    this.atBoot = [];
    this.checkState(this.atBoot);
  }

  get L() {
    return this.k.L;
  }
  hasFault(f: FaultFlag): boolean {
    return this.L.faults.has(f);
  }

  // ---- who may act -----------------------------------------------------------------------

  /** Whether the scheduler lets `ec` take the next step on its CPU. */
  scheduled(ec: number): boolean {
    return ec >= 0 && ec < this.L.counts.ec && schedulable(this.s, this.k, ecCpu(this.s, this.L, ec)).includes(ec);
  }
  /** The ECs the scheduler lets take the next step, over all CPUs, in EC order. */
  private runnable(): number[] {
    const out: number[] = [];
    for (let cpu = 0; cpu < this.L.counts.cpu; cpu++) out.push(...schedulable(this.s, this.k, cpu));
    return out.sort((a, b) => a - b);
  }
  /** ECs that may make a syscall (or a memory access) now. */
  actors(): number[] {
    return this.runnable().filter((e) => !inRevoke(this.s, this.k, e));
  }
  /** ECs in a preemptible revoke that may do its next step now. */
  revokers(): number[] {
    return this.runnable().filter((e) => inRevoke(this.s, this.k, e));
  }
  /** Blocked ECs whose timeout may fire. */
  timeouts(): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.L.counts.ec; e++) if (canTimeOut(this.s, this.k, e)) out.push(e);
    return out;
  }

  canApply(st: Step): boolean {
    switch (st.op) {
      case "irq":
        return (this.L.boot.deviceIrqSm[st.args.dev] ?? -1) >= 0;
      case "dma":
        return st.args.dev >= 0 && st.args.dev < this.L.counts.dev && st.args.mem >= 0 && st.args.mem < this.L.counts.mem;
      case "timeout":
        return st.ec >= 0 && st.ec < this.L.counts.ec && canTimeOut(this.s, this.k, st.ec);
      case "continue_revoke":
        return this.scheduled(st.ec) && inRevoke(this.s, this.k, st.ec);
      case "access":
        return this.scheduled(st.ec) && !inRevoke(this.s, this.k, st.ec) && st.args.mem >= 0 && st.args.mem < this.L.counts.mem;
      default:
        return this.scheduled(st.ec) && !inRevoke(this.s, this.k, st.ec);
    }
  }

  // ---- one step --------------------------------------------------------------------------

  /** Applies one step to kernel and reference; returns the violations it reveals. */
  apply(st: Step): Violation[] {
    if (!this.canApply(st)) throw new Error(`step ${this.steps} cannot be applied: ${showStep(st)}`);
    const v: Violation[] = [];
    const plan: Plan = { expect: [], removable: null, removed: [], completed: null };
    const pre = this.s.slice();
    if (st.ec !== null && st.op !== "timeout") enter(this.k, this.s, st.ec);
    this.run(st, plan, v);
    if (st.ec !== null && st.op !== "timeout") leave(this.k, this.s, st.ec);
    this.reconcile(pre, plan, v);
    // Removed records count for every revoke they derive from; a revoke is complete once its EC is out of the kernel.
    const open = [...this.ref.revoking.values(), ...(plan.completed ? [plan.completed] : [])];
    for (const c of plan.removed) for (const r of open) if (this.ref.derivedFrom(c.id, r.rec)) r.removed.add(c.id);
    for (const [ec, r] of [...this.ref.revoking]) {
      if (inRevoke(this.s, this.k, ec)) continue;
      this.ref.revoking.delete(ec);
      this.checkRevoke(r, v);
    }
    if (plan.completed) this.checkRevoke(plan.completed, v);
    this.checkState(v);
    this.steps++;
    this.log.push(st);
    return v;
  }

  private run(st: Step, plan: Plan, v: Violation[]): void {
    const { L, s, ref } = this;
    const bad = (invariant: InvariantName, message: string): void => void v.push({ invariant, message });
    if (st.op === "irq") {
      deviceIrq(this.k, s, st.args.dev, st.args.choice);
      return;
    }
    if (st.op === "dma") {
      const { dev, mem, write } = st.args;
      const bit = write ? 2 : 1;
      const pd = devicePd(s, L, dev);
      const allowed = dmaAllowed(s, L, dev, mem, write);
      if (L.model.machine.iommu && allowed && (pd < 0 || (pte(s, L, pd, mem) & bit) === 0 || (ref.getPte(pd, mem) & bit) === 0))
        bad("dma", `device ${dev} may ${write ? "write" : "read"} memory ${mem}, which its PD ${pd} does not map so`);
      return;
    }
    const ec = st.ec;
    const me = ecPd(s, L, ec);
    if (st.op === "timeout") {
      timeout(this.k, s, ec);
      ref.pending.delete(ec);
      return;
    }
    if (st.op === "continue_revoke") {
      const r = ref.revoking.get(ec);
      if (!r) {
        bad("refines", `EC ${ec} continues a revoke the reference does not know of`);
        continueRevoke(this.k, s, ec);
        return;
      }
      plan.removable = (c) => c.id !== r.rec && ref.derivedFrom(c.id, r.rec);
      continueRevoke(this.k, s, ec);
      return;
    }
    if (st.op === "access") {
      const { mem, kind } = st.args;
      const bit = ACCESS_BIT[kind];
      const granted = (ref.getPte(me, mem) & bit) !== 0 && (ref.memRights(me, mem) & bit) !== 0;
      const ok = memAccess(this.k, s, ec, mem, kind);
      if (ok && !granted) bad("access", `PD ${me} could ${kind}-access memory ${mem}, which its page table does not grant (pte ${pte(s, L, me, mem)}, tlb ${tlbEntry(s, L, ecCpu(s, L, ec), me, mem)})`);
      if (!ok && granted) bad("refines", `PD ${me} faulted on memory ${mem}, which the reference maps with ${ref.getPte(me, mem)}`);
      if (!ok) ref.pending.delete(ec);
      return;
    }
    // Everything else is a syscall.
    const a = { op: st.op, ...st.args } as SyscallArgs;
    const refused = (legal: boolean, status: Status): void => {
      if (legal && status !== Status.SUCCESS) bad("refines", `the kernel refused a legitimate ${st.op} with ${STATUS_NAMES[status]}`);
    };
    switch (st.op) {
      case "delegate": {
        const src = ref.at(me, st.args.src);
        const dst = ref.at(me, st.args.pd);
        const why = !src ? "no source" : !this.ctrlPd(dst) ? "no PD capability with ctrl" : !rightsWithin(st.args.rights, src.rights) ? "rights beyond the source's" : null;
        const rights = src ? st.args.rights & ALL_RIGHTS[src.kind] : 0;
        const d = src && dst && why === null ? ref.derive(src, dst.obj, rights) : null;
        const status = syscall(this.k, s, ec, a);
        refused(why === null && d !== null, status);
        if (status !== Status.SUCCESS) return;
        if (why !== null) bad("refines", `delegate succeeded with ${why}`);
        else if (d === null) bad("refines", `delegate reported success, but PD ${dst!.obj} has no room and no such child`);
        if (src && dst) {
          const made = d ?? ref.derive(src, dst.obj, rights);
          if (made?.expect) plan.expect.push({ ...made.expect, onMatch: (c) => this.expectWord(ec, 0, c.slot - L.slotBase[c.pd]!, "delegate's selector", v) });
          if (made?.existing) this.expectWord(ec, 0, made.existing.slot - L.slotBase[made.existing.pd]!, "delegate's selector", v);
        }
        return;
      }
      case "revoke": {
        const r = ref.at(me, st.args.sel);
        const status = syscall(this.k, s, ec, a);
        refused(r !== undefined, status);
        if (status !== Status.SUCCESS) return;
        if (!r) return void bad("refines", `revoke of an empty selector ${st.args.sel} succeeded`);
        if (L.model.kernel.preemptibleRevoke) {
          ref.revoking.set(ec, { rec: r.id, removed: new Set() });
          return;
        }
        plan.removable = (c) => c.id !== r.id && ref.derivedFrom(c.id, r.id);
        plan.completed = { rec: r.id, removed: new Set() };
        return;
      }
      case "map": {
        const { mem, rights: asked } = st.args;
        const inRange = Number.isInteger(mem) && mem >= 0 && mem < L.counts.mem;
        const dst = ref.at(me, st.args.pd);
        const from = inRange ? ref.mapSource(me, mem, asked) : undefined;
        const rights = asked & 7;
        const own = dst?.obj === me;
        const d = from && dst && !own ? ref.derive(from, dst.obj, rights) : null;
        const why = !inRange ? "memory out of range" : !this.ctrlPd(dst) ? "no PD capability with ctrl" : !from ? `PD ${me} holds no capability for memory ${mem} with rights ${asked}` : !own && d === null ? "no room in the target" : null;
        const status = syscall(this.k, s, ec, a);
        refused(why === null, status);
        if (status !== Status.SUCCESS) return;
        if (why !== null) bad("refines", `map succeeded with ${why}`);
        if (d?.expect) plan.expect.push(d.expect);
        if (dst) ref.setPte(dst.obj, mem, ref.getPte(dst.obj, mem) | rights);
        return;
      }
      case "unmap": {
        const status = syscall(this.k, s, ec, a);
        const inRange = Number.isInteger(st.args.mem) && st.args.mem >= 0 && st.args.mem < L.counts.mem;
        refused(inRange, status);
        if (status === Status.SUCCESS) ref.setPte(me, st.args.mem, 0);
        return;
      }
      case "pte_write": {
        const status = syscall(this.k, s, ec, a);
        if (status !== Status.SUCCESS) return;
        bad("refines", `PD ${me} wrote its own page table`);
        ref.setPte(me, st.args.mem, st.args.rights);
        return;
      }
      case "lookup": {
        const r = ref.at(me, st.args.sel);
        const status = syscall(this.k, s, ec, a);
        if ((status === Status.SUCCESS) !== (r !== undefined)) bad("refines", `lookup of selector ${st.args.sel} gave ${STATUS_NAMES[status]}`);
        if (r && status === Status.SUCCESS) {
          this.expectWord(ec, 0, r.kind, "lookup's kind", v);
          this.expectWord(ec, 1, (r.obj << 4) | r.rights, "lookup's object and rights", v);
        }
        return;
      }
      case "call": {
        const c = lookupCap(s, L, me, st.args.pt);
        const pt = capKind(c) === Kind.PT ? capObject(c) : -1;
        const handler = pt >= 0 && ptAlive(s, L, pt) ? ptEc(s, L, pt) : -1;
        const meets = pt >= 0 && waitingHandler(s, L, pt, handler);
        const item = this.item(me, st.args.item);
        const status = syscall(this.k, s, ec, a);
        if (status !== Status.SUCCESS) return;
        if (handler < 0 || ecCpu(s, L, handler) !== ecCpu(s, L, ec))
          bad("call_cpu", `EC ${ec} on CPU ${ecCpu(s, L, ec)} called portal ${pt}, whose handler EC ${handler} runs on CPU ${handler < 0 ? "-" : ecCpu(s, L, handler)}`);
        ref.pending.delete(ec);
        if (meets) this.transfer(item, handler, plan);
        else if (item) ref.pending.set(ec, item);
        return;
      }
      case "recv": {
        const c = lookupCap(s, L, me, st.args.pt);
        const callers = capKind(c) === Kind.PT ? waitingCallers(s, L, capObject(c)) : [];
        const status = syscall(this.k, s, ec, a);
        if (status !== Status.SUCCESS || callers.length === 0) return;
        const caller = callers[st.args.choice]!;
        this.transfer(ref.pending.get(caller), ec, plan);
        ref.pending.delete(caller);
        return;
      }
      case "reply": {
        const partner = ecGet(s, L, ec, EC.PARTNER);
        const waitsFor = partner >= 0 && ecState(s, L, partner) === EcState.REPLY ? ecGet(s, L, partner, EC.SERVER) : -1;
        const item = this.item(me, st.args.item);
        const status = syscall(this.k, s, ec, a);
        if (status !== Status.SUCCESS) return;
        if (waitsFor !== ec) bad("reply", `EC ${ec}'s reply reached EC ${partner}, which ${waitsFor >= 0 ? `waits for EC ${waitsFor}` : "waits for no reply"}`);
        this.transfer(item, partner, plan);
        return;
      }
      case "create_pd":
      case "create_ec":
      case "create_sm":
      case "create_sc":
      case "create_pt": {
        const onPd = st.op === "create_pd" || st.op === "create_ec" || st.op === "create_sm";
        const authSel = "pd" in st.args ? st.args.pd : st.args.ec;
        const auth = ref.at(me, authSel);
        const authOk = auth !== undefined && auth.kind === (onPd ? Kind.PD : Kind.EC) && (auth.rights & Right.CTRL) !== 0;
        const status = syscall(this.k, s, ec, a);
        if (status !== Status.SUCCESS) return;
        if (!authOk) return void bad("refines", `${st.op} succeeded without a ${onPd ? "PD" : "EC"} capability with ctrl`);
        const kind = { create_pd: Kind.PD, create_ec: Kind.EC, create_sc: Kind.SC, create_pt: Kind.PT, create_sm: Kind.SM }[st.op];
        const rights = { create_pd: Right.CTRL, create_ec: Right.CTRL, create_sc: Right.CTRL, create_pt: Right.CALL, create_sm: Right.UP | Right.DOWN }[st.op];
        const prio = st.op === "create_sc" ? st.args.prio : -1;
        plan.expect.push({
          pd: me,
          kind,
          obj: -1,
          rights,
          parent: auth.id,
          created: true,
          onMatch: (c) => {
            this.expectWord(ec, 0, c.slot - L.slotBase[me]!, `${st.op}'s selector`, v);
            if (kind === Kind.PD) ref.pdAlive[c.obj] = true;
            if (kind === Kind.SC) ref.scPrio.set(c.obj, prio);
          },
        });
        return;
      }
      default:
        // sm_up, sm_down, assign_irq, assign_dev: no capability or mapping changes.
        syscall(this.k, s, ec, a);
    }
  }

  private ctrlPd(r: RefCap | undefined): r is RefCap {
    return r !== undefined && r.kind === Kind.PD && (r.rights & Right.CTRL) !== 0 && this.ref.pdAlive[r.obj] === true;
  }

  /** The reference's view of an item to send: the record and the rights (the kernel checks them). */
  private item(pd: number, item: Item | undefined): { rec: number; rights: number } | undefined {
    if (!item) return undefined;
    const r = this.ref.at(pd, item.sel);
    return r ? { rec: r.id, rights: item.rights & ALL_RIGHTS[r.kind] } : undefined;
  }

  /** An item moves with a message: the receiver gets a child of the sender's record, if it still exists and fits. */
  private transfer(item: { rec: number; rights: number } | undefined, to: number, plan: Plan): void {
    if (!item) return;
    const src = this.ref.caps[item.rec]!;
    if (!src.live) return;
    const pd = ecPd(this.s, this.L, to);
    const rights = item.rights & src.rights;
    const d = this.ref.derive(src, pd, rights);
    if (d?.expect) plan.expect.push(d.expect);
    // A memory item maps into the receiver (kernel.md §9.2).
    if (d && src.kind === Kind.MEM) this.ref.setPte(pd, src.obj, this.ref.getPte(pd, src.obj) | rights);
  }

  private expectWord(ec: number, i: number, want: number, what: string, v: Violation[]): void {
    const got = msgWord(this.s, this.L, ec, i);
    if (got !== want) v.push({ invariant: "refines", message: `${what}: message word ${i} of EC ${ec} is ${got}, expected ${want}` });
  }

  // ---- reconciling the kernel's slots with the reference ----------------------------------

  /**
   * Every slot the step changed must be explained: an emptied slot by a removal the
   * step may make, a filled one by a capability the reference expects (matched on
   * holder, kind, object, rights and parent). What is unexplained is reported, then
   * adopted, so that the reference stays in step with the kernel after a violation.
   */
  private reconcile(pre: StateVector, plan: Plan, v: Violation[]): void {
    const { L, s, ref } = this;
    const filled: number[] = [];
    for (let g = 0; g < L.counts.slots; g++) {
      const was = capAt(pre, L, g);
      const now = capAt(s, L, g);
      if (was === now && (was === NO_CAP || parent(pre, L, g) === parent(s, L, g))) continue;
      if (was !== NO_CAP) {
        const r = ref.inSlot(g);
        if (r) {
          if (now !== NO_CAP || !plan.removable?.(r)) v.push({ invariant: "refines", message: `${this.show(r)} ${now === NO_CAP ? "vanished" : `was overwritten by ${this.showCap(now)}`}` });
          ref.kill(r);
          plan.removed.push(r);
        }
      }
      if (now !== NO_CAP) filled.push(g);
    }
    for (const r of plan.removed) if (r.kind === Kind.MEM) ref.trim(r.pd, r.obj);
    const open = [...plan.expect];
    for (const g of filled) {
      const c = capAt(s, L, g);
      const p = parent(s, L, g);
      const i = open.findIndex(
        (e) =>
          e.pd === slotPd(L, g) &&
          e.kind === capKind(c) &&
          e.rights === capRights(c) &&
          ref.caps[e.parent]!.live &&
          ref.caps[e.parent]!.slot === p &&
          (e.obj >= 0 ? e.obj === capObject(c) : !ref.live().some((x) => x.kind === e.kind && x.obj === capObject(c))),
      );
      if (i < 0) {
        v.push({ invariant: "refines", message: `unexpected ${this.showCap(c)} in PD ${slotPd(L, g)} (slot ${g}, parent slot ${p})` });
        ref.adopt(s, g, p === NO_PARENT ? null : ref.inSlot(p)?.id ?? null);
        continue;
      }
      const e = open.splice(i, 1)[0]!;
      const r = ref.add({ pd: e.pd, kind: e.kind, obj: capObject(c), rights: e.rights, parent: e.parent, created: e.created }, g);
      e.onMatch?.(r);
    }
    for (const e of open) v.push({ invariant: "refines", message: `expected ${KIND_NAMES[e.kind]}#${e.obj}/${e.rights} in PD ${e.pd} under ${this.show(ref.caps[e.parent]!)}, the kernel made none` });
  }

  // ---- the invariants --------------------------------------------------------------------

  /** When a revoke of `rec` completes: nothing derived from it remains, and no mapping or TLB entry only it authorised. */
  private checkRevoke(done: { readonly rec: number; readonly removed: Set<number> }, v: Violation[]): void {
    const { L, s, ref } = this;
    const r = ref.caps[done.rec]!;
    for (const d of ref.descendants(r.id)) v.push({ invariant: "revoke", message: `revoke of ${this.show(r)} completed, but ${this.show(d)} derived from it remains` });
    if (r.live)
      for (let g = 0; g < L.counts.slots; g++)
        if (isDescendant(s, L, g, r.slot)) v.push({ invariant: "revoke", message: `revoke of ${this.show(r)} completed, but slot ${g} still descends from it` });
    for (const id of done.removed) {
      const c = ref.caps[id]!;
      if (c.kind !== Kind.MEM) continue;
      const left = this.realMemRights(c.pd, c.obj);
      const p = pte(s, L, c.pd, c.obj);
      if (!rightsWithin(p, left)) v.push({ invariant: "revoke", message: `revoke of ${this.show(r)} removed ${this.show(c)}, but PD ${c.pd} still maps memory ${c.obj} with ${p} (its capabilities grant ${left})` });
      for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
        const t = tlbEntry(s, L, cpu, c.pd, c.obj);
        if (!rightsWithin(t, left)) v.push({ invariant: "revoke", message: `revoke of ${this.show(r)} removed ${this.show(c)}, but CPU ${cpu}'s TLB still holds memory ${c.obj} for PD ${c.pd} with ${t}` });
      }
    }
  }

  private realMemRights(pd: number, mem: number): number {
    let r = 0;
    for (let i = 0; i < slotsOf(this.L, pd); i++) {
      const c = capAt(this.s, this.L, globalSlot(this.L, pd, i));
      if (capKind(c) === Kind.MEM && capObject(c) === mem) r |= capRights(c);
    }
    return r;
  }

  /** What each PD's memory capabilities grant, by pd * mems + mem. */
  private allMemRights(): Int8Array {
    const { L, s } = this;
    const out = new Int8Array(L.counts.pd * L.counts.mem);
    for (let pd = 0; pd < L.counts.pd; pd++)
      for (let i = 0; i < slotsOf(L, pd); i++) {
        const c = capAt(s, L, globalSlot(L, pd, i));
        if (capKind(c) === Kind.MEM) out[pd * L.counts.mem + capObject(c)]! |= capRights(c);
      }
    return out;
  }

  /** The invariants over the whole state, after every step. */
  checkState(v: Violation[]): void {
    const { L, s, ref } = this;
    const bad = (invariant: InvariantName, message: string): void => void v.push({ invariant, message });
    for (let g = 0; g < L.counts.slots; g++) {
      const c = capAt(s, L, g);
      if (c === NO_CAP) continue;
      const p = parent(s, L, g);
      const pc = p === NO_PARENT ? NO_CAP : capAt(s, L, p);
      // A delegated copy (same object as its parent) has at most its parent's rights.
      if (pc !== NO_CAP && capKind(pc) === capKind(c) && capObject(pc) === capObject(c) && !rightsWithin(capRights(c), capRights(pc)))
        bad("rights", `slot ${g} (${this.showCap(c)}, PD ${slotPd(L, g)}) has more rights than its parent slot ${p} (${this.showCap(pc)})`);
      if (!hangsUnderRoot(s, L, g, this.root)) bad("root", `slot ${g} (${this.showCap(c)}, PD ${slotPd(L, g)}) does not hang under root (parent slot ${p} holds ${this.showCap(pc)})`);
    }
    const granted = this.allMemRights();
    for (let pd = 0; pd < L.counts.pd; pd++)
      for (let m = 0; m < L.counts.mem; m++) {
        const p = pte(s, L, pd, m);
        const held = granted[pd * L.counts.mem + m]!;
        if (!rightsWithin(p, held)) bad("pte", `PD ${pd} maps memory ${m} with ${p}, but its capabilities grant only ${held}`);
        for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
          const t = tlbEntry(s, L, cpu, pd, m);
          if (!rightsWithin(t, p)) bad("tlb", `CPU ${cpu}'s TLB holds memory ${m} for PD ${pd} with ${t}, its page-table entry has ${p}`);
        }
        if (p !== ref.getPte(pd, m)) bad("refines", `PD ${pd} maps memory ${m} with ${p}, the reference with ${ref.getPte(pd, m)}`);
      }
    for (let sc = 0; sc < L.counts.sc; sc++) {
      if (!scGet(s, L, sc, SC.ALIVE)) continue;
      const want = ref.scPrio.get(sc);
      const got = scGet(s, L, sc, SC.PRIO);
      if (want === undefined) bad("refines", `SC ${sc} is alive, the reference knows of no such SC`);
      else if (got !== want) bad("priority", `SC ${sc} (EC ${scGet(s, L, sc, SC.EC)}) runs at priority ${got}, it was created with ${want}`);
    }
    // The tree, modulo placement: each live slot is a live record with the same contents and parent.
    let live = 0;
    for (let g = 0; g < L.counts.slots; g++) {
      const c = capAt(s, L, g);
      if (c === NO_CAP) continue;
      live++;
      const r = ref.inSlot(g);
      const p = parent(s, L, g);
      const want = r ? cap(r.kind, r.obj, r.rights) : NO_CAP;
      const wantParent = r?.parent == null ? NO_PARENT : ref.caps[r.parent]!.live ? ref.caps[r.parent]!.slot : undefined;
      if (!r || want !== c || slotPd(L, g) !== r.pd || wantParent !== p)
        bad("refines", `slot ${g} holds ${this.showCap(c)} under slot ${p}; the reference has ${r ? `${this.show(r)} under ${wantParent === undefined ? "a removed record" : `slot ${wantParent}`}` : "nothing"}`);
    }
    const refLive = ref.live().length;
    if (refLive !== live) bad("refines", `the kernel holds ${live} capabilities, the reference ${refLive}`);
    for (let pd = 0; pd < L.counts.pd; pd++) if (pdAlive(s, L, pd) !== ref.pdAlive[pd]) bad("refines", `PD ${pd} is ${pdAlive(s, L, pd) ? "" : "not "}alive`);
  }

  private showCap(c: number): string {
    return c === NO_CAP ? "nothing" : `${KIND_NAMES[capKind(c)]}#${capObject(c)}/${capRights(c)}`;
  }
  show(r: RefCap): string {
    return `${KIND_NAMES[r.kind]}#${r.obj}/${r.rights} of PD ${r.pd} (record ${r.id}${r.live ? `, slot ${r.slot}` : ", removed"})`;
  }
}
