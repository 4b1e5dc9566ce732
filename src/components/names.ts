// Kernel objects named in scenario terms (component.portal, thread, adversary@cpu1, mmio(nic)) for traces.
import type { SystemModel } from "../dsl/model.js";
import { capKind, capObject, Kind, KIND_NAMES, type Cap } from "../kernel/cap.js";
import type { Layout } from "../kernel/layout.js";

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
