// Phase 5, model: the immutable, indexed SystemModel the kernel boots from (replicas expanded).
import type { Block, Event, EventVerb, Expr, ItemClause, Name, Num, Property, Ref, Rights, Stmt } from "./ast.js";
import type { BuiltinName } from "./builtins.js";
import { numValue } from "./literals.js";
import type { ComponentSym, Target } from "./resolve.js";
import { parseRights, type CapKind } from "./rights.js";
import type { NodeId, SourceMap } from "./source.js";
import { DEFAULT_CPUS, DEFAULT_MEMORY, type Validated } from "./validate.js";
import type { FaultFlag } from "../kernel/faults.js";
import type { Personality } from "../kernel/personality.js";
import { DEFAULT_PRESET, type CostPreset } from "../timing/presets.js";
import { FRAME_BYTES } from "./literals.js";

/** A kernel object a capability can name: an index into the model's table of that kind. */
export interface ObjectRef {
  /** `irq` and `mmio` are a device's interrupt semaphore and MMIO window; their index is the device's. */
  readonly kind: "region" | "portal" | "semaphore" | "thread" | "pd" | "irq" | "mmio";
  readonly index: number;
}
/** An object a semaphore statement names: a declared semaphore or a device's interrupt. */
export type SemRef = ObjectRef & { readonly kind: "semaphore" | "irq" };
/** An object a memory statement names: a declared region or a device's MMIO window. */
export type RegionRef = ObjectRef & { readonly kind: "region" | "mmio" };

export interface SystemModel {
  readonly name: string;
  readonly sources: SourceMap;
  readonly machine: MachineModel;
  readonly kernel: KernelModel;
  /** Every information-flow label; label sets elsewhere hold indices into this. */
  readonly labels: readonly string[];
  readonly components: readonly ComponentModel[];
  readonly regions: readonly RegionModel[];
  readonly portals: readonly PortalModel[];
  readonly semaphores: readonly SemaphoreModel[];
  readonly threads: readonly ThreadModel[];
  /** The capabilities the scenario grants at boot (its `caps` blocks); what a component owns it holds implicitly. */
  readonly caps: readonly CapModel[];
  readonly invariants: readonly InvariantModel[];
  readonly paths: readonly PathModel[];
}

export interface MachineModel {
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly iommu: boolean;
  readonly devices: readonly DeviceModel[];
}
export interface DeviceModel {
  readonly index: number;
  readonly name: string;
  readonly irq: number | null;
  /** 0 when the device has no MMIO region. */
  readonly mmioBytes: number;
  readonly dma: boolean;
  readonly produces: readonly number[];
  /** The component the device is assigned to (`device NAME` in a component), if any. */
  readonly owner: number | null;
  readonly node: NodeId;
}
export interface KernelModel {
  readonly personality: Personality;
  readonly preemptibleRevoke: boolean;
  /** `strict scheduling`: priorities decide who runs (kernel.md §11); otherwise every runnable EC may. */
  readonly strictScheduling: boolean;
  readonly faults: readonly FaultFlag[];
  readonly costs: CostPreset;
  /** Whether `costs` was written, rather than the personality's default. */
  readonly costsGiven: boolean;
  /** The kernel block, or null when the scenario has none (then: nova, defaults). */
  readonly node: NodeId | null;
}
export interface ComponentModel {
  readonly index: number;
  /** `client` or, for a replica, `client[1]`. */
  readonly name: string;
  /** The declared name; replicas share it. */
  readonly group: string;
  /** The replica number, or null when the component is not replicated. */
  readonly replica: number | null;
  readonly trusted: boolean;
  readonly root: boolean;
  readonly sloc: number;
  readonly pager: number | null;
  /** The component that handles this component's exceptions (`exceptions C`), if any. */
  readonly exceptions: number | null;
  readonly adversarySteps: number | null;
  readonly regions: readonly number[];
  readonly portals: readonly number[];
  readonly semaphores: readonly number[];
  readonly threads: readonly number[];
  readonly devices: readonly number[];
  readonly node: NodeId;
}
export interface RegionModel {
  readonly index: number;
  readonly name: string;
  readonly owner: number;
  readonly bytes: number;
  readonly frames: number;
  /** The labels of the data the region holds at boot. */
  readonly labels: readonly number[];
  readonly node: NodeId;
}
export interface PortalModel {
  readonly index: number;
  readonly name: string;
  readonly owner: number;
  readonly node: NodeId;
}
export interface SemaphoreModel {
  readonly index: number;
  readonly name: string;
  readonly owner: number;
  readonly node: NodeId;
}
export interface ThreadModel {
  readonly index: number;
  readonly name: string;
  readonly owner: number;
  readonly prio: number;
  readonly cpu: number;
  /** Variable names by slot. */
  readonly vars: readonly string[];
  readonly body: readonly StmtModel[];
  readonly node: NodeId;
}
export interface CapModel {
  readonly holder: number;
  readonly object: ObjectRef;
  readonly rights: readonly string[];
  readonly node: NodeId;
}

export const DEFAULT_PRIO = 128;

export type StmtModel =
  | { readonly kind: "call"; readonly node: NodeId; readonly portal: number; readonly args: readonly ExprModel[]; readonly item: ItemModel | null; readonly bind: number | null; readonly timeout: number | null }
  | { readonly kind: "recv"; readonly node: NodeId; readonly portal: number; readonly bind: number | null }
  | { readonly kind: "reply"; readonly node: NodeId; readonly value: ExprModel; readonly item: ItemModel | null }
  | { readonly kind: "up" | "down"; readonly node: NodeId; readonly sem: SemRef }
  | { readonly kind: "read"; readonly node: NodeId; readonly region: RegionRef; readonly bind: number }
  | { readonly kind: "write"; readonly node: NodeId; readonly region: RegionRef; readonly value: ExprModel }
  | { readonly kind: "delegate"; readonly node: NodeId; readonly object: ObjectRef; readonly to: number; readonly rights: readonly string[] }
  | { readonly kind: "revoke"; readonly node: NodeId; readonly object: ObjectRef }
  | { readonly kind: "map"; readonly node: NodeId; readonly region: RegionRef; readonly to: number; readonly rights: readonly string[] | null }
  | { readonly kind: "unmap"; readonly node: NodeId; readonly region: RegionRef }
  | { readonly kind: "loop"; readonly node: NodeId; readonly body: readonly StmtModel[] }
  | { readonly kind: "repeat"; readonly node: NodeId; readonly count: number; readonly body: readonly StmtModel[] }
  | { readonly kind: "choose"; readonly node: NodeId; readonly branches: readonly (readonly StmtModel[])[] }
  | { readonly kind: "if"; readonly node: NodeId; readonly cond: ExprModel; readonly then: readonly StmtModel[]; readonly else: readonly StmtModel[] }
  | { readonly kind: "assert"; readonly node: NodeId; readonly cond: ExprModel }
  | { readonly kind: "raise"; readonly node: NodeId; readonly value: ExprModel; readonly bind: number | null };

/** A capability sent with a message: the object, and the rights (null: those the sender holds). */
export interface ItemModel {
  readonly object: ObjectRef;
  readonly rights: readonly string[] | null;
}

/**
 * Expressions. A predicate naming a replicated component holds when it holds of
 * some replica; its `comps` lists them all.
 */
export type ExprModel =
  | { readonly kind: "var"; readonly node: NodeId; readonly slot: number }
  | { readonly kind: "ok"; readonly node: NodeId }
  | { readonly kind: "int"; readonly node: NodeId; readonly value: number }
  | { readonly kind: "seal" | "open"; readonly node: NodeId; readonly data: ExprModel; readonly key: number }
  | { readonly kind: "holds"; readonly node: NodeId; readonly comps: readonly number[]; readonly objects: readonly ObjectRef[] }
  | { readonly kind: "maps"; readonly node: NodeId; readonly comps: readonly number[]; readonly regions: readonly number[] }
  | { readonly kind: "knows"; readonly node: NodeId; readonly comps: readonly number[]; readonly label: number }
  | { readonly kind: "not"; readonly node: NodeId; readonly arg: ExprModel }
  | { readonly kind: "and" | "or" | "eq" | "ne"; readonly node: NodeId; readonly left: ExprModel; readonly right: ExprModel };

/** Invariant properties; component lists hold every replica of a replicated component. */
export type PropertyModel =
  | { readonly kind: "isolated"; readonly a: readonly number[]; readonly b: readonly number[]; readonly via: readonly number[] }
  | { readonly kind: "never_flows"; readonly labels: readonly number[]; readonly components: readonly number[]; readonly devices: readonly number[] }
  | { readonly kind: "tcb_subset"; readonly of: readonly number[]; readonly bound: readonly number[] }
  | { readonly kind: "tcb_sloc"; readonly of: readonly number[]; readonly max: number }
  | { readonly kind: "revocable"; readonly objects: readonly ObjectRef[] }
  | { readonly kind: "available"; readonly portals: readonly number[] }
  | { readonly kind: "deadlock_free" }
  | { readonly kind: "always" | "never"; readonly cond: ExprModel };

export interface InvariantModel {
  readonly index: number;
  /** The name given with `invariant NAME:`, or null. */
  readonly name: string | null;
  readonly expect: "holds" | "violated";
  readonly prop: PropertyModel;
  readonly node: NodeId;
}

export interface EventModel {
  readonly verb: EventVerb;
  /** Component indices, or for `fires` and `delivers` device indices (every replica of a replicated component). */
  readonly subjects: readonly number[];
  /**
   * For `calls` and `receives`, per subject (same order as `subjects`): the portals the
   * event may name — one, or every replica's when the portal's component is replicated.
   * Empty for the other verbs.
   */
  readonly portals: readonly (readonly number[])[];
  readonly node: NodeId;
}
export interface PathModel {
  readonly index: number;
  readonly name: string;
  readonly from: EventModel;
  readonly to: EventModel;
  readonly budget: number | null;
  readonly node: NodeId;
}

/** Builds the model of a validated system. Only called when validation found no error; cannot fail. */
export function buildModel(v: Validated): SystemModel {
  const { merged, targets } = v;
  const labels = [...v.labels.keys()];
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const num = (n: Num): number => numValue(n);
  const tgt = (id: NodeId): Target => {
    const t = targets.get(id);
    if (!t) throw new Error(`unresolved reference ${v.sources.where(id)}`);
    return t;
  };

  // Devices.
  const deviceList = [...v.devices.values()];
  const deviceIndex = new Map(deviceList.map((d, i) => [d.name.text, i]));

  // Components, expanded by replica. instances[sym index] = model component indices.
  const instances: number[][] = [];
  const components: Mutable<ComponentModel>[] = [];
  const regions: RegionModel[] = [];
  const portals: PortalModel[] = [];
  const semaphores: SemaphoreModel[] = [];
  const threads: Mutable<ThreadModel>[] = [];
  /** Object index by (model component, local name). */
  const objects = new Map<string, ObjectRef>();
  const key = (comp: number, name: string): string => `${comp}\u0000${name}`;

  for (const sym of v.components) {
    const n = sym.node;
    const count = n.replicas ? num(n.replicas) : 1;
    const list: number[] = [];
    for (let r = 0; r < count; r++) {
      const index = components.length;
      list.push(index);
      const c: Mutable<ComponentModel> = {
        index,
        name: n.replicas ? `${sym.name}[${r}]` : sym.name,
        group: sym.name,
        replica: n.replicas ? r : null,
        trusted: n.trust === "trusted",
        root: n.root,
        sloc: 0,
        pager: null,
        exceptions: null,
        adversarySteps: null,
        regions: [],
        portals: [],
        semaphores: [],
        threads: [],
        devices: [],
        node: n.id,
      };
      components.push(c);
      for (const it of n.items) {
        switch (it.kind) {
          case "Sloc":
            c.sloc = num(it.count);
            break;
          case "Adversary":
            c.adversarySteps = num(it.steps);
            break;
          case "Region": {
            const bytes = num(it.size);
            const reg: RegionModel = {
              index: regions.length,
              name: it.name.text,
              owner: index,
              bytes,
              frames: bytes / FRAME_BYTES,
              labels: (it.labels ?? []).map((l) => labelIndex.get(l.text)!),
              node: it.id,
            };
            regions.push(reg);
            (c.regions as number[]).push(reg.index);
            objects.set(key(index, it.name.text), { kind: "region", index: reg.index });
            break;
          }
          case "Portal":
            objects.set(key(index, it.name.text), { kind: "portal", index: portals.length });
            (c.portals as number[]).push(portals.length);
            portals.push({ index: portals.length, name: it.name.text, owner: index, node: it.id });
            break;
          case "Semaphore":
            objects.set(key(index, it.name.text), { kind: "semaphore", index: semaphores.length });
            (c.semaphores as number[]).push(semaphores.length);
            semaphores.push({ index: semaphores.length, name: it.name.text, owner: index, node: it.id });
            break;
          case "Thread":
            objects.set(key(index, it.name.text), { kind: "thread", index: threads.length });
            (c.threads as number[]).push(threads.length);
            threads.push({
              index: threads.length,
              name: it.name.text,
              owner: index,
              prio: DEFAULT_PRIO,
              cpu: 0,
              vars: v.threadVars.get(it.id) ?? [],
              body: [],
              node: it.id,
            });
            for (const a of it.attrs) threads[threads.length - 1]![a.attr] = num(a.value);
            break;
          case "UseDevice":
            (c.devices as number[]).push(deviceIndex.get(it.device.text)!);
            break;
          default:
            break;
        }
      }
    }
    instances.push(list);
  }

  /** The model components a reference made inside instance `self` (null: outside any component) denotes. */
  const compsOf = (symIndex: number, self: number | null): number[] => {
    const list = instances[symIndex]!;
    if (self !== null && components[self]!.group === v.components[symIndex]!.name) return [self];
    return list;
  };
  const objectsOf = (t: Target, self: number | null): ObjectRef[] => {
    if (t.kind === "component") return compsOf(t.comp, self).map((index) => ({ kind: "pd", index }));
    if (t.kind === "device" || t.kind === "label" || t.kind === "var") throw new Error(`not an object: ${t.kind}`);
    if (!("comp" in t)) return [{ kind: t.kind, index: deviceIndex.get(t.device)! }];
    return compsOf(t.comp, self).map((c) => objects.get(key(c, t.name))!);
  };
  const one = <T>(xs: readonly T[]): T => {
    if (xs.length !== 1) throw new Error("validation let an ambiguous replica reference through");
    return xs[0]!;
  };
  const refObject = (ref: Ref, self: number): ObjectRef => one(objectsOf(tgt(ref.id), self));
  const refIndex = (ref: Ref, self: number): number => refObject(ref, self).index;
  const semRef = (ref: Ref, self: number): SemRef => refObject(ref, self) as SemRef;
  const regionRef = (ref: Ref, self: number): RegionRef => refObject(ref, self) as RegionRef;
  const nameComp = (n: Name, self: number | null): number[] => {
    const t = tgt(n.id);
    if (t.kind !== "component") throw new Error(`not a component: ${t.kind}`);
    return compsOf(t.comp, self);
  };
  const rightsOf = (rs: Rights, kind: CapKind): string[] => {
    const res = parseRights(kind, rs.words.map((w) => w.text));
    if ("error" in res) throw new Error(res.error);
    return res.rights;
  };
  const capKindOf = (o: ObjectRef): CapKind => (o.kind === "pd" ? "component" : o.kind === "irq" ? "semaphore" : o.kind === "mmio" ? "region" : o.kind);

  const expr = (e: Expr, self: number | null): ExprModel => {
    switch (e.kind) {
      case "Ok":
        return { kind: "ok", node: e.id };
      case "Int":
        return { kind: "int", node: e.id, value: num(e.value) };
      case "RefExpr": {
        const t = tgt(e.ref.id);
        if (t.kind !== "var") throw new Error("a data reference that is not a variable");
        return { kind: "var", node: e.id, slot: t.slot };
      }
      case "Not":
        return { kind: "not", node: e.id, arg: expr(e.arg, self) };
      case "Binary": {
        const op = e.op === "==" ? "eq" : e.op === "!=" ? "ne" : e.op;
        return { kind: op, node: e.id, left: expr(e.left, self), right: expr(e.right, self) };
      }
      case "Apply": {
        const fn = e.fn.text as BuiltinName;
        const arg = (i: number): Ref => (e.args[i] as Extract<Expr, { kind: "RefExpr" }>).ref;
        switch (fn) {
          case "seal":
          case "open":
            return { kind: fn, node: e.id, data: expr(e.args[0]!, self), key: refIndex(arg(1), self!) };
          case "holds":
            return { kind: "holds", node: e.id, comps: nameComp(arg(0).parts[0]!, self), objects: objectsOf(tgt(arg(1).id), self) };
          case "maps":
            return { kind: "maps", node: e.id, comps: nameComp(arg(0).parts[0]!, self), regions: objectsOf(tgt(arg(1).id), self).map((o) => o.index) };
          case "knows":
            return { kind: "knows", node: e.id, comps: nameComp(arg(0).parts[0]!, self), label: labelIndex.get(arg(1).parts[0]!.text)! };
        }
        throw new Error(`unknown builtin ${fn}`);
      }
    }
  };
  const stmts = (b: Block, self: number): StmtModel[] => b.stmts.map((s) => stmt(s, self));
  const stmt = (s: Stmt, self: number): StmtModel => {
    const node = s.id;
    switch (s.kind) {
      case "Call":
        return { kind: "call", node, portal: refIndex(s.portal, self), args: s.args.map((a) => expr(a, self)), item: itemOf(s.item, self), bind: slot(s.bind), timeout: s.timeout ? num(s.timeout) : null };
      case "Recv":
        return { kind: "recv", node, portal: refIndex(s.portal, self), bind: slot(s.bind) };
      case "Reply":
        return { kind: "reply", node, value: expr(s.value, self), item: itemOf(s.item, self) };
      case "Up":
        return { kind: "up", node, sem: semRef(s.sem, self) };
      case "Down":
        return { kind: "down", node, sem: semRef(s.sem, self) };
      case "Read":
        return { kind: "read", node, region: regionRef(s.region, self), bind: slot(s.bind)! };
      case "Write":
        return { kind: "write", node, region: regionRef(s.region, self), value: expr(s.value, self) };
      case "Delegate": {
        const object = refObject(s.cap, self);
        return { kind: "delegate", node, object, to: one(nameComp(s.to, self)), rights: rightsOf(s.rights, capKindOf(object)) };
      }
      case "Revoke":
        return { kind: "revoke", node, object: refObject(s.cap, self) };
      case "Map":
        return { kind: "map", node, region: regionRef(s.region, self), to: s.to ? one(nameComp(s.to, self)) : self, rights: s.rights ? rightsOf(s.rights, "region") : null };
      case "Unmap":
        return { kind: "unmap", node, region: regionRef(s.region, self) };
      case "Loop":
        return { kind: "loop", node, body: stmts(s.body, self) };
      case "Repeat":
        return { kind: "repeat", node, count: num(s.count), body: stmts(s.body, self) };
      case "Choose":
        return { kind: "choose", node, branches: s.branches.map((b) => stmts(b, self)) };
      case "If":
        return {
          kind: "if",
          node,
          cond: expr(s.cond, self),
          then: stmts(s.then, self),
          else: s.else === null ? [] : s.else.kind === "Block" ? stmts(s.else, self) : [stmt(s.else, self)],
        };
      case "Assert":
        return { kind: "assert", node, cond: expr(s.cond, self) };
      case "Raise":
        return { kind: "raise", node, value: expr(s.value, self), bind: slot(s.bind) };
    }
  };
  const itemOf = (it: ItemClause | null, self: number): ItemModel | null => {
    if (!it) return null;
    const object = refObject(it.cap, self);
    return { object, rights: it.rights ? rightsOf(it.rights, capKindOf(object)) : null };
  };
  const slot = (n: Name | null): number | null => {
    if (!n) return null;
    const t = tgt(n.id);
    return t.kind === "var" ? t.slot : null;
  };

  // Second pass: pagers, caps, thread bodies (they may name any component).
  const caps: CapModel[] = [];
  v.components.forEach((sym: ComponentSym, si) => {
    for (const self of instances[si]!) {
      const c = components[self]!;
      for (const it of sym.node.items) {
        if (it.kind === "Pager") c.pager = one(nameComp(it.pager, self));
        if (it.kind === "Exceptions") c.exceptions = one(nameComp(it.handler, self));
        if (it.kind === "Caps")
          for (const e of it.entries)
            for (const object of objectsOf(tgt(e.target.id), self))
              caps.push({ holder: self, object, rights: rightsOf(e.rights, capKindOf(object)), node: e.id });
        if (it.kind === "Thread") {
          const t = threads.find((th) => th.owner === self && th.name === it.name.text)!;
          t.body = stmts(it.body, self);
        }
      }
    }
  });
  const devices: DeviceModel[] = deviceList.map((d, index) => {
    let irq: number | null = null;
    let mmioBytes = 0;
    let dma = false;
    let produces: number[] = [];
    for (const it of d.items ?? []) {
      if (it.kind === "Irq") irq = num(it.line);
      if (it.kind === "Mmio") mmioBytes = num(it.size);
      if (it.kind === "Dma") dma = true;
      if (it.kind === "Produces") produces = it.labels.map((l) => labelIndex.get(l.text)!);
    }
    const owner = components.find((c) => c.devices.includes(index))?.index ?? null;
    return { index, name: d.name.text, irq, mmioBytes, dma, produces, owner, node: d.id };
  });

  // Machine and kernel.
  let cpus = DEFAULT_CPUS;
  let memoryBytes = DEFAULT_MEMORY;
  let iommu = false;
  for (const it of merged.machine?.items ?? []) {
    if (it.kind === "Cpus") cpus = num(it.count);
    if (it.kind === "MachineMemory") memoryBytes = num(it.size);
    if (it.kind === "Iommu") iommu = true;
  }
  const k = merged.kernel;
  const personality = (k?.personality.text ?? "nova") as Personality;
  const opts = k?.options ?? [];
  const costsOpt = opts.find((o) => o.kind === "Costs");
  const kernel: KernelModel = {
    personality,
    preemptibleRevoke: opts.some((o) => o.kind === "PreemptibleRevoke"),
    strictScheduling: opts.some((o) => o.kind === "StrictScheduling"),
    faults: opts.flatMap((o) => (o.kind === "Fault" ? [o.flag.text as FaultFlag] : [])),
    costs: costsOpt?.kind === "Costs" ? (costsOpt.preset.value as CostPreset) : DEFAULT_PRESET[personality],
    costsGiven: costsOpt !== undefined,
    node: k?.id ?? null,
  };

  // Invariants and paths.
  const comps = (ns: readonly Name[]): number[] => ns.flatMap((n) => nameComp(n, null));
  const prop = (p: Property): PropertyModel => {
    switch (p.kind) {
      case "Isolated":
        return { kind: "isolated", a: comps([p.a]), b: comps([p.b]), via: comps(p.via) };
      case "NeverFlows": {
        const sinks = p.sinks.map((s) => tgt(s.id));
        return {
          kind: "never_flows",
          labels: p.labels.map((l) => labelIndex.get(l.text)!),
          components: sinks.flatMap((t) => (t.kind === "component" ? instances[t.comp]! : [])),
          devices: sinks.flatMap((t) => (t.kind === "device" ? [deviceIndex.get(t.device)!] : [])),
        };
      }
      case "TcbSubset":
        return { kind: "tcb_subset", of: comps([p.of]), bound: comps(p.bound) };
      case "TcbSloc":
        return { kind: "tcb_sloc", of: comps([p.of]), max: num(p.max) };
      case "Revocable":
        return { kind: "revocable", objects: objectsOf(tgt(p.cap.id), null) };
      case "Available":
        return { kind: "available", portals: objectsOf(tgt(p.portal.id), null).map((o) => o.index) };
      case "DeadlockFree":
        return { kind: "deadlock_free" };
      case "Always":
        return { kind: "always", cond: expr(p.cond, null) };
      case "Never":
        return { kind: "never", cond: expr(p.cond, null) };
    }
  };
  const invariants: InvariantModel[] = merged.invariants.map((inv, index) => ({
    index,
    name: inv.name?.text ?? null,
    expect: inv.expect?.outcome ?? "holds",
    prop: prop(inv.prop),
    node: inv.id,
  }));
  const event = (ev: Event): EventModel => {
    if (ev.verb === "fires" || ev.verb === "delivers")
      return { verb: ev.verb, subjects: [deviceIndex.get(ev.subject.text)!], portals: [], node: ev.id };
    const subjects = nameComp(ev.subject, null);
    const portalT = ev.portal ? tgt(ev.portal.id) : null;
    const portalsOf = (s: number): number[] => (portalT ? objectsOf(portalT, s).map((o) => o.index) : []);
    return { verb: ev.verb, subjects, portals: portalT ? subjects.map(portalsOf) : [], node: ev.id };
  };
  const paths: PathModel[] = merged.paths.map((p, index) => ({
    index,
    name: p.name.text,
    from: event(p.from),
    to: event(p.to),
    budget: p.within ? num(p.within) : null,
    node: p.id,
  }));

  const model: SystemModel = {
    name: merged.name,
    sources: v.sources,
    machine: { cpus, memoryBytes, iommu, devices },
    kernel,
    labels,
    components,
    regions,
    portals,
    semaphores,
    threads,
    caps,
    invariants,
    paths,
  };
  // Immutable: everything but the shared source map is frozen.
  for (const [k, x] of Object.entries(model)) if (k !== "sources") deepFreeze(x);
  return Object.freeze(model);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function deepFreeze(x: unknown): void {
  if (x === null || typeof x !== "object" || Object.isFrozen(x)) return;
  Object.freeze(x);
  for (const v of Object.values(x)) deepFreeze(v);
}

/** Every statement of a thread body, nested ones included. */
export function statementsOf(b: readonly StmtModel[]): StmtModel[] {
  return b.flatMap((s) =>
    s.kind === "loop" || s.kind === "repeat" ? [s, ...statementsOf(s.body)]
    : s.kind === "choose" ? [s, ...s.branches.flatMap(statementsOf)]
    : s.kind === "if" ? [s, ...statementsOf(s.then), ...statementsOf(s.else)]
    : [s],
  );
}

/** The expressions the statements evaluate (their roots). */
export function expressionsOf(stmts: readonly StmtModel[]): ExprModel[] {
  return stmts.flatMap((s): ExprModel[] =>
    s.kind === "call" ? [...s.args]
    : s.kind === "reply" || s.kind === "write" || s.kind === "raise" ? [s.value]
    : s.kind === "if" || s.kind === "assert" ? [s.cond]
    : [],
  );
}

/** An expression and every expression inside it, outermost first. */
export function subexpressions(e: ExprModel): ExprModel[] {
  switch (e.kind) {
    case "seal":
    case "open":
      return [e, ...subexpressions(e.data)];
    case "not":
      return [e, ...subexpressions(e.arg)];
    case "and":
    case "or":
    case "eq":
    case "ne":
      return [e, ...subexpressions(e.left), ...subexpressions(e.right)];
    default:
      return [e];
  }
}
