// Boot: from a SystemModel, root gets every object and delegates each component its own and its caps entries.
import type { SystemModel } from "../dsl/model.js";
import { bootCpus } from "../machine/cpu.js";
import { assignDevice } from "../machine/iommu.js";
import { labelMask, MAX_LABELS, setRegionLabels } from "../machine/memory.js";
import { Meter } from "../machine/meter.js";
import { pte, setPte } from "../machine/mmu.js";
import { ALL_RIGHTS, cap, Kind, Right } from "./cap.js";
import { ecSet, initEc } from "./ec.js";
import { DEFAULT_CONFIG, DEV, EC, EcState, emptyState, layoutOf, NO_PARENT, SC, type KernelConfig, type Layout, type StateVector } from "./layout.js";
import { insertChild } from "./mdb.js";
import { setPdAlive } from "./pd.js";
import { initPt, setPtEc } from "./pt.js";
import { initSc, scSet } from "./sc.js";
import { initSm } from "./sm.js";
import { globalSlot, setSlot } from "./space.js";
import type { Kernel } from "./syscalls.js";

export interface Booted {
  readonly kernel: Kernel;
  readonly state: StateVector;
}

export const DEFAULT_ADVERSARY_PRIO = 128;

/**
 * Boots a scenario: the initial state vector. Deterministic: booting the same
 * model twice gives byte-identical vectors. Every capability hangs under an
 * original held by root, so everything is revocable from there.
 */
export function boot(model: SystemModel, config: KernelConfig = DEFAULT_CONFIG, meter = new Meter()): Booted {
  // The scenario's `strict scheduling` selects the strict scheduler; without it, the configuration's.
  if (model.kernel.strictScheduling) config = { ...config, scheduling: "strict" };
  if (model.labels.length > MAX_LABELS) throw new Error(`${model.labels.length} labels: the state vector holds at most ${MAX_LABELS}`);
  const L = layoutOf(model, config);
  const s = emptyState(L);
  const root = model.components.findIndex((c) => c.root);
  if (root < 0) throw new Error("a validated model has a root component");
  bootCpus(s, L);

  // Objects.
  for (const c of model.components) setPdAlive(s, L, c.index, true);
  for (const r of model.regions) setRegionLabels(s, L, r.index, labelMask(r.labels));
  model.machine.devices.forEach((d, i) => {
    const mmio = L.boot.deviceMmio[i]!;
    if (mmio >= 0) setRegionLabels(s, L, mmio, labelMask(d.produces));
    s[L.base.dev + i * DEV.SIZE + DEV.PD] = -1;
  });
  const ecs: { ec: number; pd: number; cpu: number; prio: number }[] = [
    ...model.threads.map((t) => ({ ec: t.index, pd: t.owner, cpu: t.cpu, prio: t.prio })),
    ...L.boot.adversaryEcs.map((a, i) => ({ ec: model.threads.length + i, pd: a.component, cpu: a.cpu, prio: DEFAULT_ADVERSARY_PRIO })),
  ];
  for (const e of ecs) {
    initEc(s, L, e.ec, e.pd, e.cpu);
    initSc(s, L, e.ec, e.ec, e.prio);
    ecSet(s, L, e.ec, EC.PAGER_PT, eventPt(L, L.model.components[e.pd]?.pager ?? null, e.cpu));
    ecSet(s, L, e.ec, EC.EXC_PT, eventPt(L, L.model.components[e.pd]?.exceptions ?? null, e.cpu));
  }
  // Spare ECs are free but carry the -1 ("none") links of an initialised record, so that
  // no scan takes one for a revoker (REVOKE 0) or the holder of EC 0's reply capability. Their
  // PD is the root's, which no permutation of replicas moves (PD 0 may be a replica's).
  for (let e = ecs.length; e < L.counts.ec; e++) {
    initEc(s, L, e, root, 0);
    ecSet(s, L, e, EC.STATE, EcState.FREE);
  }
  L.boot.ptEc.forEach((ec, pt) => initPt(s, L, pt, ec));
  // Spare SCs and PTs are dead, and bound to no EC (-1), not to EC 0: a link to EC 0 names a
  // replica's EC where the first EC is one, and symmetry reduction was refused for it.
  for (let sc = ecs.length; sc < L.counts.sc; sc++) scSet(s, L, sc, SC.EC, -1);
  for (let pt = L.boot.ptEc.length; pt < L.counts.pt; pt++) setPtEc(s, L, pt, -1);
  const irqSms = L.boot.deviceIrqSm.filter((x) => x >= 0);
  for (let sm = 0; sm < model.semaphores.length; sm++) initSm(s, L, sm, 0);
  for (const sm of irqSms) initSm(s, L, sm, 0);

  // Root's originals, in a fixed order: PDs, ECs, SCs, PTs, SMs, memory, devices.
  const original = new Map<string, number>();
  let sel = 0;
  const give = (kind: Kind, object: number): void => {
    const g = globalSlot(L, root, sel++);
    setSlot(s, L, g, cap(kind, object, ALL_RIGHTS[kind]), NO_PARENT);
    original.set(`${kind}:${object}`, g);
  };
  for (const c of model.components) give(Kind.PD, c.index);
  for (const e of ecs) give(Kind.EC, e.ec);
  for (const e of ecs) give(Kind.SC, e.ec);
  for (let pt = 0; pt < L.boot.ptEc.length; pt++) give(Kind.PT, pt);
  for (let sm = 0; sm < model.semaphores.length; sm++) give(Kind.SM, sm);
  for (const sm of irqSms) give(Kind.SM, sm);
  for (let m = 0; m < L.counts.mem; m++) give(Kind.MEM, m);
  model.machine.devices.forEach((_, d) => give(Kind.DEV, d));

  // Each component: its own objects, its devices, then its caps entries, all delegated from root.
  const delegate = (pd: number, kind: Kind, object: number, rights: number): void => {
    if (pd === root) return; // root already holds the original
    const src = original.get(`${kind}:${object}`);
    if (src === undefined) throw new Error(`boot: no original of ${kind}:${object}`);
    if (insertChild(s, L, src, pd, rights) < 0) throw new Error(`boot: capability space of PD ${pd} is too small`);
  };
  // Mappings add up (as `map` does): a caps entry naming a region the PD already maps does not narrow it.
  const mapAt = (pd: number, mem: number, rights: number): void => setPte(s, L, pd, mem, pte(s, L, pd, mem) | rights);
  for (const c of model.components) {
    const pd = c.index;
    delegate(pd, Kind.PD, pd, Right.CTRL);
    for (const e of ecs.filter((x) => x.pd === pd)) {
      delegate(pd, Kind.EC, e.ec, Right.CTRL);
      delegate(pd, Kind.SC, e.ec, Right.CTRL);
    }
    for (const p of c.portals) for (const pt of L.boot.portalPts[p]!) delegate(pd, Kind.PT, pt, Right.CALL);
    for (const sm of c.semaphores) delegate(pd, Kind.SM, sm, Right.UP | Right.DOWN);
    for (const r of c.regions) {
      delegate(pd, Kind.MEM, r, Right.R | Right.W | Right.X);
      mapAt(pd, r, Right.R | Right.W | Right.X);
    }
    for (const d of c.devices) {
      delegate(pd, Kind.DEV, d, Right.ASSIGN);
      assignDevice(s, L, d, pd);
      const irq = L.boot.deviceIrqSm[d]!;
      if (irq >= 0) delegate(pd, Kind.SM, irq, Right.DOWN);
      const mmio = L.boot.deviceMmio[d]!;
      if (mmio >= 0) {
        delegate(pd, Kind.MEM, mmio, Right.R | Right.W);
        mapAt(pd, mmio, Right.R | Right.W);
      }
    }
  }
  // A pager resolves its clients' faults by mapping into them: it holds their PDs. So does an
  // exception handler (L4Linux holds the tasks of the processes it runs).
  for (const c of model.components) if (c.pager !== null) delegate(c.pager, Kind.PD, c.index, Right.CTRL);
  for (const c of model.components) if (c.exceptions !== null) delegate(c.exceptions, Kind.PD, c.index, Right.CTRL);
  for (const k of model.caps) {
    const rights = rightsOf(k.rights);
    switch (k.object.kind) {
      case "portal":
        for (const pt of L.boot.portalPts[k.object.index]!) delegate(k.holder, Kind.PT, pt, rights);
        break;
      case "region":
        delegate(k.holder, Kind.MEM, k.object.index, rights);
        mapAt(k.holder, k.object.index, rights);
        break;
      case "semaphore":
        delegate(k.holder, Kind.SM, k.object.index, rights);
        break;
      case "thread":
        // Control of a thread is control of its execution: its EC and its SC.
        delegate(k.holder, Kind.EC, k.object.index, rights);
        delegate(k.holder, Kind.SC, k.object.index, rights);
        break;
      case "pd":
        delegate(k.holder, Kind.PD, k.object.index, rights);
        break;
    }
  }
  return { kernel: { L, meter }, state: s };
}

/**
 * An event portal of a component's EC on `cpu` (page faults: its pager's; exceptions: its
 * exception handler's): the handler's first portal (that CPU's PT), or none.
 */
function eventPt(L: Layout, handler: number | null, cpu: number): number {
  if (handler === null) return -1;
  const p = L.model.components[handler]!.portals[0];
  if (p === undefined) return -1;
  const pts = L.boot.portalPts[p]!;
  return pts.length === 1 ? pts[0]! : pts[cpu] ?? -1;
}

const WORD_RIGHTS: Record<string, number> = { r: Right.R, w: Right.W, x: Right.X, call: Right.CALL, up: Right.UP, down: Right.DOWN, ctrl: Right.CTRL };

/** Model rights words (rights.ts vocabulary) as right bits; the words already fit the object's kind. */
export function rightsOf(words: readonly string[]): number {
  let r = 0;
  for (const w of words) r |= WORD_RIGHTS[w] ?? 0;
  return r;
}

