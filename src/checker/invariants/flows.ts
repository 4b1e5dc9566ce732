// never flows([labels] -> sinks): no sink component knows, and no sink device holds, data carrying a listed label.
import type { InvariantModel } from "../../dsl/model.js";
import type { System } from "../../components/step.js";
import { ecsOf } from "../../components/flow.js";
import { ecName, objectName } from "../../components/names.js";
import { Kind } from "../../kernel/cap.js";
import { ecGet, varLabels } from "../../kernel/ec.js";
import { EC, type StateVector } from "../../kernel/layout.js";
import { dmaAllowed, devicePd } from "../../machine/iommu.js";
import { labelMask, regionLabels } from "../../machine/memory.js";
import { pte, tlbEntry } from "../../machine/mmu.js";
import type { SafetyMonitor } from "../monitor.js";
import { knowledgeOf } from "./projection.js";

/** A label set as the scenario writes it: `[lan, secret]`. */
export function labelList(sys: System, mask: number): string {
  return `[${sys.model.labels.filter((_, i) => mask & (1 << i)).join(", ")}]`;
}

/** One place a component's knowledge comes from: the labels it carries among those asked for, and a clause saying where. */
export interface Source {
  readonly labels: number;
  readonly where: string;
}

/**
 * The first source of the labels in `mask` that component `pd` knows, in the order of
 * spec/invariants.md §3 (the sources of `knows`, spec/language.md §9.6): the UTCB
 * message and variables of its ECs, then each memory object it can read through its
 * page table, through a TLB entry on some CPU, or by DMA of a device it drives. Null
 * when it knows none of them. (It is an explanation of flow.ts's `knownLabels`.)
 */
export function knowsSource(sys: System, s: StateVector, pd: number, mask: number): Source | null {
  const L = sys.k.L;
  const model = sys.model;
  const found = (labels: number, where: (pronoun: string) => string): Source | null =>
    labels & mask ? { labels: labels & mask, where: where((labels & mask & ((labels & mask) - 1)) === 0 ? "it" : "them") } : null;
  for (const e of ecsOf(s, L, pd)) {
    const who = ecName(model, L, e);
    const msg = found(ecGet(s, L, e, EC.MSG_LABELS), (it) => `the message in ${who}'s UTCB carries ${it}`);
    if (msg) return msg;
    for (let v = 0; v < L.vars; v++) {
      const name = model.threads[e]?.vars[v] ?? `#${v}`;
      const x = found(varLabels(s, L, e, v), (it) => `${who}'s variable ${name} carries ${it}`);
      if (x) return x;
    }
  }
  const drives = model.machine.devices.filter((_, d) => devicePd(s, L, d) === pd);
  for (let m = 0; m < L.counts.mem; m++) {
    const mem = objectName(model, L, Kind.MEM, m);
    const labels = regionLabels(s, L, m);
    if ((labels & mask) === 0) continue;
    if (pte(s, L, pd, m) & 1) return found(labels, (it) => `it reads ${mem}, which carries ${it}`);
    for (let c = 0; c < L.counts.cpu; c++)
      if (tlbEntry(s, L, c, pd, m) & 1) {
        const x = found(labels, (it) => `a TLB entry on cpu${c} still lets it read ${mem}, which carries ${it}`);
        if (x) return x;
      }
    const dev = drives.find((d) => dmaAllowed(s, L, d.index, m, false));
    if (dev) {
      const x = found(labels, (it) => `its device ${dev.name} can DMA-read ${mem}, which carries ${it}`);
      if (x) return x;
    }
  }
  return null;
}

/**
 * What a device holds (spec/invariants.md §3): the data in its MMIO window, and, for a
 * DMA device, the data in every memory object it may DMA-read now (iommu.ts
 * `dmaAllowed`: everything without an IOMMU, else what its PD maps readable).
 */
export function deviceSource(sys: System, s: StateVector, dev: number, mask: number): Source | null {
  const L = sys.k.L;
  const model = sys.model;
  const mmio = L.boot.deviceMmio[dev]!;
  const pronoun = (x: number): string => ((x & (x - 1)) === 0 ? "it" : "them");
  if (mmio >= 0 && regionLabels(s, L, mmio) & mask) {
    const x = regionLabels(s, L, mmio) & mask;
    return { labels: x, where: `its MMIO window ${objectName(model, L, Kind.MEM, mmio)} carries ${pronoun(x)}` };
  }
  for (let m = 0; m < L.counts.mem; m++) {
    const x = regionLabels(s, L, m) & mask;
    if (x && dmaAllowed(s, L, dev, m, false)) return { labels: x, where: `it can DMA-read ${objectName(model, L, Kind.MEM, m)}, which carries ${pronoun(x)}` };
  }
  return null;
}

/** The monitor of `never flows([labels] -> sinks)`: a state check over every sink (replicas included). */
export function neverFlowsMonitor(sys: System, inv: InvariantModel): SafetyMonitor {
  const p = inv.prop;
  if (p.kind !== "never_flows") throw new Error(`not a never flows invariant: ${p.kind}`);
  const mask = labelMask(p.labels);
  const model = sys.model;
  return {
    invariant: inv,
    reads: knowledgeOf(sys.k.L),
    state(s) {
      for (const c of p.components) {
        const src = knowsSource(sys, s, c, mask);
        if (src) return `${model.components[c]!.name} knows ${labelList(sys, src.labels)}: ${src.where}`;
      }
      for (const d of p.devices) {
        const src = deviceSource(sys, s, d, mask);
        if (src) return `${model.machine.devices[d]!.name} holds ${labelList(sys, src.labels)}: ${src.where}`;
      }
      return null;
    },
  };
}
