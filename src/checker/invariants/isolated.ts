// isolated(a, b) [except via M]: no shared memory, no capability to the other's objects, and no chain of such links through untrusted components outside M.
import type { InvariantModel } from "../../dsl/model.js";
import type { System } from "../../components/step.js";
import { ecName, objectName } from "../../components/names.js";
import { capKind, capObject, capRights, Kind, NO_CAP, Right } from "../../kernel/cap.js";
import { ecGet, ecState } from "../../kernel/ec.js";
import { EC, EcState, NO_PARENT, SC, type Layout, type StateVector } from "../../kernel/layout.js";
import { ptEc } from "../../kernel/pt.js";
import { scGet } from "../../kernel/sc.js";
import { capAt, globalSlot, parentOf, slotPd, slotsOf } from "../../kernel/space.js";
import { dmaAllowed, devicePd } from "../../machine/iommu.js";
import { pte, tlbEntry } from "../../machine/mmu.js";
import type { SafetyMonitor } from "../monitor.js";
import { structureOf } from "./projection.js";

/**
 * The component a kernel object belongs to in `s`, or -1 (spec/invariants.md §4):
 * a PD is its component; an EC belongs to its PD, an SC to its EC's PD; a portal's PTs
 * to the portal's component (a PT made at run time: its handler's); a semaphore to its
 * component, an IRQ semaphore, MMIO window or device to the PD the device is assigned
 * to; a region to its component; a semaphore made at run time to its creator.
 */
export function objectOwner(sys: System, s: StateVector, kind: number, object: number): number {
  const L = sys.k.L;
  const model = sys.model;
  const comps = model.components.length;
  const pdOwner = (pd: number): number => (pd >= 0 && pd < comps ? pd : -1);
  const ecOwner = (ec: number): number => (ec >= 0 && ecState(s, L, ec) !== EcState.FREE ? pdOwner(ecGet(s, L, ec, EC.PD)) : -1);
  const devOwner = (d: number): number => pdOwner(devicePd(s, L, d));
  switch (kind) {
    case Kind.PD:
      return pdOwner(object);
    case Kind.EC:
      return ecOwner(object);
    case Kind.SC:
      return scGet(s, L, object, SC.ALIVE) ? ecOwner(scGet(s, L, object, SC.EC)) : -1;
    case Kind.PT: {
      const p = portalOf(L)[object] ?? -1;
      return p >= 0 ? model.portals[p]!.owner : ecOwner(ptEc(s, L, object));
    }
    case Kind.SM: {
      if (object < model.semaphores.length) return model.semaphores[object]!.owner;
      const d = L.boot.deviceIrqSm.indexOf(object);
      return d >= 0 ? devOwner(d) : creator(sys, s, Kind.SM, object);
    }
    case Kind.MEM: {
      if (object < model.regions.length) return model.regions[object]!.owner;
      const d = L.boot.deviceMmio.indexOf(object);
      return d >= 0 ? devOwner(d) : -1;
    }
    case Kind.DEV:
      return devOwner(object);
    default:
      return -1;
  }
}

const portalOfCache = new WeakMap<Layout, Int32Array>();
/** The model portal of each boot PT (by PT number; spare PTs are not in it). */
function portalOf(L: Layout): Int32Array {
  let a = portalOfCache.get(L);
  if (!a) {
    a = new Int32Array(L.boot.ptEc.length).fill(-1);
    L.boot.portalPts.forEach((pts, p) => pts.forEach((pt) => (a![pt] = p)));
    portalOfCache.set(L, a);
  }
  return a;
}

/** The component whose space holds the capability a `create_*` made: a capability to the object whose parent is not one. */
function creator(sys: System, s: StateVector, kind: number, object: number): number {
  const L = sys.k.L;
  for (let g = 0; g < L.counts.slots; g++) {
    const c = capAt(s, L, g);
    if (capKind(c) !== kind || capObject(c) !== object) continue;
    const p = parentOf(s, L, g);
    const pc = p === NO_PARENT ? NO_CAP : capAt(s, L, p);
    if (capKind(pc) !== kind || capObject(pc) !== object) {
      const pd = slotPd(L, g);
      return pd < sys.model.components.length ? pd : -1;
    }
  }
  return -1;
}

/** The DMA devices assigned to a component in `s`. */
export function dmaDevices(sys: System, s: StateVector, pd: number): number[] {
  const out: number[] = [];
  for (const d of sys.model.machine.devices) if (d.dma && devicePd(s, sys.k.L, d.index) === pd) out.push(d.index);
  return out;
}

/**
 * Whether a component can access memory object `m` with one of the right bits `bits`
 * (r 1, w 2, x 4): 1 through its page table, 2 through a TLB entry on some CPU, 3 by DMA of
 * one of `drives` (its DMA devices), 0 not at all.
 */
export function memoryReach(sys: System, s: StateVector, pd: number, m: number, bits: number, drives: readonly number[]): number {
  const L = sys.k.L;
  if (pte(s, L, pd, m) & bits) return 1;
  for (let c = 0; c < L.counts.cpu; c++) if (tlbEntry(s, L, c, pd, m) & bits) return 2;
  for (const d of drives) if ((bits & 2 && dmaAllowed(s, L, d, m, true)) || (bits & 1 && dmaAllowed(s, L, d, m, false))) return 3;
  return 0;
}

/**
 * The rights that make an entry an access (spec/invariants.md §4): any of r, w, x — an entry
 * that is not 0. Execute-only counts: a component that writes code another executes is linked
 * to it. (The TCB and `never flows` ask for reads and writes alone.)
 */
const ACCESS = 7;

/** How memoryReach found its way, for a reason: "mapped", "TLB entry on cpu1", "DMA by nic". */
export function reachText(sys: System, s: StateVector, pd: number, m: number, bits: number, drives: readonly number[]): string {
  const L = sys.k.L;
  switch (memoryReach(sys, s, pd, m, bits, drives)) {
    case 1:
      return "mapped";
    case 2:
      for (let c = 0; ; c++) if (tlbEntry(s, L, c, pd, m) & bits) return `TLB entry on cpu${c}`;
    case 3: {
      const d = drives.find((x) => (bits & 2 && dmaAllowed(s, L, x, m, true)) || (bits & 1 && dmaAllowed(s, L, x, m, false)))!;
      return `DMA by ${sys.model.machine.devices[d]!.name}`;
    }
    default:
      return "";
  }
}

/** A capability named for a reason: "linux_red's PD", "EC linux_red[adversary]", "portal viaduct.encrypt". */
function capPhrase(sys: System, kind: number, object: number): string {
  const L = sys.k.L;
  const name = objectName(sys.model, L, kind, object);
  switch (kind) {
    case Kind.PD:
      return `${name}'s PD`;
    case Kind.EC:
      return `EC ${name}`;
    case Kind.SC:
      return `the SC of ${ecName(sys.model, L, object)}`;
    case Kind.PT:
      return `portal ${name}`;
    case Kind.SM:
      return `semaphore ${name}`;
    case Kind.DEV:
      return `device ${name}`;
    default:
      return name;
  }
}

/**
 * The direct links of one state (spec/invariants.md §4, (i) and (ii)): `link(x, y)`
 * describes one link between components x and y, or is null when there is none.
 */
export function linksOf(sys: System, s: StateVector): (x: number, y: number) => string | null {
  const L = sys.k.L;
  const model = sys.model;
  const C = model.components.length;
  const M = L.counts.mem;
  // Each component's part is computed when a link of it is first asked for.
  const drives: (number[] | undefined)[] = [];
  /** reach[x * M + m]: how x reaches m (memoryReach). */
  const reach = new Uint8Array(C * M);
  /** Per component: the capabilities it holds (kind, object, rights, owner). */
  const held: { kind: number; object: number; rights: number; owner: number }[][] = [];
  const of = (x: number): void => {
    if (drives[x]) return;
    const dev = (drives[x] = dmaDevices(sys, s, x));
    for (let m = 0; m < M; m++) reach[x * M + m] = memoryReach(sys, s, x, m, ACCESS, dev);
    const caps: (typeof held)[number] = [];
    for (let i = 0; i < slotsOf(L, x); i++) {
      const c = capAt(s, L, globalSlot(L, x, i));
      if (c !== NO_CAP) caps.push({ kind: capKind(c), object: capObject(c), rights: capRights(c), owner: objectOwner(sys, s, capKind(c), capObject(c)) });
    }
    held[x] = caps;
  };
  const name = (c: number): string => model.components[c]!.name;
  const mem = (m: number): string => objectName(model, L, Kind.MEM, m);
  const signals = (u: number, v: number): string | null => {
    for (const up of held[u]!)
      if (up.kind === Kind.SM && up.rights & Right.UP)
        if (held[v]!.some((d) => d.kind === Kind.SM && d.object === up.object && d.rights & Right.DOWN))
          return `${name(u)} can up semaphore ${objectName(model, L, Kind.SM, up.object)}, on which ${name(v)} can down`;
    return null;
  };
  return (x, y) => {
    of(x);
    of(y);
    // (i) a memory object both reach.
    for (let m = 0; m < M; m++) {
      const a = reach[x * M + m]!;
      const b = reach[y * M + m]!;
      if (!a || !b) continue;
      if (a === 1 && b === 1) return `${name(x)} and ${name(y)} both map ${mem(m)}`;
      return `${name(x)} and ${name(y)} share ${mem(m)} (${name(x)}: ${reachText(sys, s, x, m, ACCESS, drives[x]!)}; ${name(y)}: ${reachText(sys, s, y, m, ACCESS, drives[y]!)})`;
    }
    // (ii) a capability to an object of the other, or a semaphore one signals and the other waits on.
    for (const [u, v] of [
      [x, y],
      [y, x],
    ]) {
      const c = held[u!]!.find((k) => k.owner === v);
      if (c) return `${name(u!)} holds a capability to ${capPhrase(sys, c.kind, c.object)}`;
    }
    return signals(x, y) ?? signals(y, x);
  };
}

/**
 * The monitor of `isolated(a, b) [except via M]` (spec/invariants.md §4): a state check.
 * A breadth-first search from every replica of a, through untrusted components that are
 * neither mediators nor replicas of a or b, finds the shortest chain of links to a
 * replica of b.
 */
export function isolatedMonitor(sys: System, inv: InvariantModel): SafetyMonitor {
  const p = inv.prop;
  if (p.kind !== "isolated") throw new Error(`not an isolated invariant: ${p.kind}`);
  const model = sys.model;
  const ends = new Set([...p.a, ...p.b]);
  const via = new Set(p.via);
  const relay = (c: number): boolean => !model.components[c]!.trusted && !via.has(c) && !ends.has(c);
  const targets = new Set(p.b);
  return {
    invariant: inv,
    reads: structureOf(sys.k.L),
    state(s) {
      const link = linksOf(sys, s);
      const from = new Map<number, { prev: number; why: string }>();
      const queue = [...p.a];
      for (const a of p.a) from.set(a, { prev: -1, why: "" });
      for (let i = 0; i < queue.length; i++) {
        const u = queue[i]!;
        for (let v = 0; v < model.components.length; v++) {
          if (from.has(v) || (!targets.has(v) && !relay(v))) continue;
          const why = link(u, v);
          if (why === null) continue;
          from.set(v, { prev: u, why });
          if (targets.has(v)) return chainReason(sys, from, v);
          queue.push(v);
        }
      }
      return null;
    },
  };
}

function chainReason(sys: System, from: Map<number, { prev: number; why: string }>, end: number): string {
  const steps: string[] = [];
  const middle: number[] = [];
  let c = end;
  for (let at = from.get(c)!; at.prev >= 0; at = from.get(c)!) {
    steps.unshift(at.why);
    c = at.prev;
    if (c >= 0 && from.get(c)!.prev >= 0) middle.unshift(c);
  }
  if (middle.length === 0) return steps[0]!;
  const name = (x: number): string => sys.model.components[x]!.name;
  return `${name(c)} reaches ${name(end)} through untrusted ${middle.map(name).join(", ")}: ${steps.join("; ")}`;
}
