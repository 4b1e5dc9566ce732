// Kernel objects named in scenario terms (component.portal, thread, adversary@cpu1, mmio(nic)) for traces.
import type { SystemModel } from "../dsl/model.js";
import { capKind, capObject, Kind, KIND_NAMES, type Cap } from "../kernel/cap.js";
import { CPU, DEV, EC, MEM, PD, PT, SC, SLOT, SM, type Layout } from "../kernel/layout.js";

export function ecName(model: SystemModel, L: Layout, ec: number): string {
  const t = model.threads[ec];
  if (t) return `${model.components[t.owner]!.name}.${t.name}`;
  const a = L.boot.adversaryEcs[ec - model.threads.length];
  if (a) return `${model.components[a.component]!.name}[adversary${L.counts.cpu > 1 ? `@cpu${a.cpu}` : ""}]`;
  return `ec#${ec}`;
}

export function objectName(model: SystemModel, L: Layout, kind: number, object: number): string {
  switch (kind) {
    case Kind.PD:
      return model.components[object]?.name ?? `pd#${object}`;
    case Kind.EC:
    case Kind.SC:
      return (kind === Kind.SC ? "sc:" : "") + ecName(model, L, object);
    case Kind.PT: {
      const p = L.boot.portalPts.findIndex((pts) => pts.includes(object));
      if (p < 0) return `pt#${object}`;
      const portal = model.portals[p]!;
      const pts = L.boot.portalPts[p]!;
      return `${model.components[portal.owner]!.name}.${portal.name}${pts.length > 1 ? `@cpu${pts.indexOf(object)}` : ""}`;
    }
    case Kind.SM: {
      const sem = model.semaphores[object];
      if (sem) return `${model.components[sem.owner]!.name}.${sem.name}`;
      const d = L.boot.deviceIrqSm.indexOf(object);
      return d >= 0 ? `irq(${model.machine.devices[d]!.name})` : `sm#${object}`;
    }
    case Kind.MEM: {
      const r = model.regions[object];
      if (r) return `${model.components[r.owner]!.name}.${r.name}`;
      const d = L.boot.deviceMmio.indexOf(object);
      return d >= 0 ? `mmio(${model.machine.devices[d]!.name})` : `mem#${object}`;
    }
    case Kind.DEV:
      return model.machine.devices[object]?.name ?? `dev#${object}`;
    default:
      return `${KIND_NAMES[kind] ?? "?"}#${object}`;
  }
}

export function capName(model: SystemModel, L: Layout, c: Cap): string {
  return objectName(model, L, capKind(c), capObject(c));
}

/** Field names of the small records, by offset (layout.ts). */
const FIELDS: Readonly<Record<"cpu" | "pd" | "sc" | "pt" | "sm" | "mem" | "dev" | "slots", readonly string[]>> = {
  cpu: fieldNames(CPU),
  pd: fieldNames(PD),
  sc: fieldNames(SC),
  pt: fieldNames(PT),
  sm: fieldNames(SM),
  mem: fieldNames(MEM),
  dev: fieldNames(DEV),
  slots: fieldNames(SLOT),
};
/** An EC record's fields before its message words (layout.ts `EC`). */
const EC_FIELDS = fieldNames(EC);

function fieldNames(record: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const [name, at] of Object.entries(record)) if (name !== "SIZE") out[at] = name.toLowerCase();
  return out;
}

/**
 * Word `w` of a state vector in scenario terms, for messages: the object whose record holds it
 * and the field ("c[0][adversary@cpu1]: state", "cpu 3: cur", "the TLB of cpu 2 for c[1]").
 */
export function wordName(model: SystemModel, L: Layout, w: number): string {
  const b = L.base;
  const field = (table: keyof typeof FIELDS, size: number, name: (i: number) => string): string => {
    const off = w - b[table];
    return `${name(Math.floor(off / size))}: ${FIELDS[table][off % size] ?? `word ${off % size}`}`;
  };
  if (w < b.cpu) return "the first failed assert";
  if (w < b.pd) return field("cpu", CPU.SIZE, (i) => `cpu ${i}`);
  if (w < b.ec) return field("pd", PD.SIZE, (i) => objectName(model, L, Kind.PD, i));
  if (w < b.sc) {
    const off = w - b.ec;
    const at = off % L.ecSize;
    const name = at < EC.MSG ? EC_FIELDS[at]! : at < EC.MSG + L.config.msgWords ? `message word ${at - EC.MSG}` : `variable slot ${Math.floor((at - EC.MSG - L.config.msgWords) / 2)}`;
    return `${ecName(model, L, Math.floor(off / L.ecSize))}: ${name}`;
  }
  if (w < b.pt) return field("sc", SC.SIZE, (i) => objectName(model, L, Kind.SC, i));
  if (w < b.sm) return field("pt", PT.SIZE, (i) => objectName(model, L, Kind.PT, i));
  if (w < b.mem) return field("sm", SM.SIZE, (i) => objectName(model, L, Kind.SM, i));
  if (w < b.dev) return field("mem", MEM.SIZE, (i) => objectName(model, L, Kind.MEM, i));
  if (w < b.slots) return field("dev", DEV.SIZE, (i) => objectName(model, L, Kind.DEV, i));
  if (w < b.pte) {
    const slot = Math.floor((w - b.slots) / SLOT.SIZE);
    let pd = 0;
    while (pd + 1 < L.slotBase.length && L.slotBase[pd + 1]! <= slot) pd++;
    return `${objectName(model, L, Kind.PD, pd)}'s capability slot ${slot - L.slotBase[pd]!}: ${FIELDS.slots[(w - b.slots) % SLOT.SIZE]}`;
  }
  if (w < b.tlb) return `the page table of ${objectName(model, L, Kind.PD, Math.floor((w - b.pte) / L.pteWords))}`;
  const row = Math.floor((w - b.tlb) / L.pteWords);
  return `the TLB of cpu ${Math.floor(row / L.counts.pd)} for ${objectName(model, L, Kind.PD, row % L.counts.pd)}`;
}
