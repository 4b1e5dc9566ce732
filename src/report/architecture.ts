// The architecture graph: components, devices and the kernel as nodes, the capabilities they hold in a state as edges; drawn as DOT, Mermaid or SVG.
import type { System } from "../components/step.js";
import { ecName, objectName } from "../components/names.js";
import { objectOwner } from "../checker/invariants/isolated.js";
import { capKind, capObject, capRights, Kind, NO_CAP, Right } from "../kernel/cap.js";
import { ecGet, ecState } from "../kernel/ec.js";
import { EC, EC_STATE_NAMES, EcState, NO_PARENT, SC, type StateVector } from "../kernel/layout.js";
import { pdAlive } from "../kernel/pd.js";
import { ptAlive, ptEc } from "../kernel/pt.js";
import { scGet } from "../kernel/sc.js";
import { capAt, globalSlot, parentOf, slotsOf } from "../kernel/space.js";
import { devicePd, dmaAllowed } from "../machine/iommu.js";
import { regionLabels } from "../machine/memory.js";
import { pte, tlbEntry } from "../machine/mmu.js";
import { mermaidText } from "./mermaid.js";

/** A thread of a component and the state of its EC (`runnable`, `recv`, `call`, `reply`, `sm`, `done`, ...). */
export interface ArchThread {
  readonly name: string;
  readonly state: string;
}

export interface ArchNode {
  /** Unique in the graph: a component's name (`client[0]`), `device:NAME`, `kernel`, or `pd#N` for a PD made at run time. */
  readonly id: string;
  readonly name: string;
  readonly kind: "component" | "device" | "kernel";
  /** Devices are not trusted; the kernel is. */
  readonly trusted: boolean;
  /** The component's SLOC; null for devices, the kernel and PDs made at run time. */
  readonly sloc: number | null;
  /** Whether the component is root (it holds the original of every boot object: those capabilities are not drawn). */
  readonly root: boolean;
  /** One line about it: `trusted root`, `untrusted`, `device: irq 10, mmio, dma (IOMMU)`, `nova personality; fault stale_tlb`, `PD made at run time`. */
  readonly detail: string;
  readonly threads: readonly ArchThread[];
  /** The portals it owns (their names within the component). */
  readonly portals: readonly string[];
  /** The memory regions it owns, each with the labels of the data it holds in this state: `key [secret]`. */
  readonly memory: readonly string[];
  /** The semaphores it owns. */
  readonly semaphores: readonly string[];
}

/**
 * An edge: `from` holds a capability (or, for `dma` and `mapping`, an access) to an object that
 * `to` owns or serves. Kinds: `portal` (a PT: `to` serves it), `memory` (a region of `to`),
 * `semaphore`, `control` (a PD, or a thread's EC and SC: `to`'s execution), `reply` (a server's
 * reply capability to the caller `to`), `device`, `irq` and `mmio` (a device's assignment right,
 * interrupt semaphore and MMIO window: `to` is the device), `dma` (the device `from`, driven by
 * its PD, can reach a region of `to` by DMA), `mapping` (`from` can reach a region of `to`
 * through its page table or a TLB entry without a capability that grants it: a stale TLB entry,
 * an unchecked mapping).
 */
export interface ArchEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  /** The object: `viaduct.encrypt`, `owner.page`, `irq(nic)`, `thread client.main`; for a reply capability, the caller's thread. */
  readonly label: string;
  /** `call`; `r`, `rw`, `rwx`; `up`, `down`, `up+down`; `ctrl`; `assign`; `reply`. */
  readonly rights: string;
  /** Set by `architectureChanges`: the edge is new since the earlier graph, or gone since. */
  readonly change?: "added" | "removed";
}

export interface Architecture {
  readonly system: string;
  readonly nodes: readonly ArchNode[];
  readonly edges: readonly ArchEdge[];
  /** "initial state", or e.g. "after step 7 of the counterexample to <invariant>" */
  readonly at: string;
}

/** The order edges are listed and drawn in, between the same two nodes. */
const EDGE_KINDS = ["portal", "memory", "mapping", "semaphore", "control", "reply", "device", "irq", "mmio", "dma"] as const;

/**
 * The architecture of `sys` in `state` (default: the initial state), read from the state
 * vector: every capability slot of every live PD, the reply capabilities of servers, the page
 * tables and TLBs, and device assignment. Capabilities to one's own objects are not edges;
 * neither are root's originals (root holds one of every boot object). Deterministic: the
 * same state gives the same graph.
 */
export function architectureOf(sys: System, state?: StateVector, at = "initial state"): Architecture {
  const s = state ?? sys.init;
  const model = sys.model;
  const L = sys.k.L;
  const C = model.components.length;
  const labels = (m: number): string => {
    const mask = regionLabels(s, L, m);
    const names = model.labels.filter((_, i) => mask & (1 << i));
    return names.length ? ` [${names.join(", ")}]` : "";
  };

  // Nodes: components, PDs made at run time, devices, the kernel.
  const nodes: ArchNode[] = [];
  const pdNode: (string | null)[] = [];
  for (const c of model.components) {
    pdNode[c.index] = c.name;
    nodes.push({
      id: c.name,
      name: c.name,
      kind: "component",
      trusted: c.trusted,
      sloc: c.sloc,
      root: c.root,
      detail: `${c.trusted ? "trusted" : "untrusted"}${c.root ? " root" : ""}`,
      threads: c.threads.map((t) => ({ name: model.threads[t]!.name, state: EC_STATE_NAMES[ecState(s, L, t)] ?? "?" })),
      portals: c.portals.map((p) => model.portals[p]!.name),
      memory: c.regions.map((r) => `${model.regions[r]!.name}${labels(r)}`),
      semaphores: c.semaphores.map((x) => model.semaphores[x]!.name),
    });
  }
  for (let pd = C; pd < L.counts.pd; pd++) {
    if (!pdAlive(s, L, pd)) continue;
    pdNode[pd] = `pd#${pd}`;
    nodes.push({ id: `pd#${pd}`, name: `pd#${pd}`, kind: "component", trusted: false, sloc: null, root: false, detail: "PD made at run time", threads: [], portals: [], memory: [], semaphores: [] });
  }
  const deviceId = (d: number): string => `device:${model.machine.devices[d]!.name}`;
  for (const d of model.machine.devices) {
    const confined = model.machine.iommu && !L.faults.has("dma_no_iommu");
    const iommu = confined ? " (IOMMU)" : model.machine.iommu ? " (IOMMU off: fault dma_no_iommu)" : "";
    const parts = [d.irq !== null ? `irq ${d.irq}` : null, d.mmioBytes > 0 ? "mmio" : null, d.dma ? `dma${iommu}` : null].filter(Boolean);
    nodes.push({ id: deviceId(d.index), name: d.name, kind: "device", trusted: false, sloc: null, root: false, detail: `device${parts.length ? `: ${parts.join(", ")}` : ""}`, threads: [], portals: [], memory: [], semaphores: [] });
  }
  nodes.push({ id: "kernel", name: "kernel", kind: "kernel", trusted: true, sloc: null, root: false, detail: [`${model.kernel.personality} personality`, ...model.kernel.faults.map((f) => `fault ${f}`)].join("; "), threads: [], portals: [], memory: [], semaphores: [] });

  // Who an object belongs to, as a node: a device's IRQ, MMIO window and assignment right go
  // to the device; what no component owns (made at run time by a PD that is gone) to the kernel.
  const pdOf = (pd: number): string | null => (pd >= 0 && pd < L.counts.pd ? (pdNode[pd] ?? null) : null);
  const ecPd = (ec: number): number => (ec >= 0 && ec < L.counts.ec && ecState(s, L, ec) !== EcState.FREE ? ecGet(s, L, ec, EC.PD) : -1);
  const ownerNode = (kind: number, object: number): string => {
    if (kind === Kind.DEV) return deviceId(object);
    if (kind === Kind.SM && L.boot.deviceIrqSm.includes(object)) return deviceId(L.boot.deviceIrqSm.indexOf(object));
    if (kind === Kind.MEM && L.boot.deviceMmio.includes(object)) return deviceId(L.boot.deviceMmio.indexOf(object));
    const owner = objectOwner(sys, s, kind, object);
    if (owner >= 0) return pdOf(owner) ?? "kernel";
    // A PD made at run time, and what belongs to it.
    const pd =
      kind === Kind.PD ? object
      : kind === Kind.EC ? ecPd(object)
      : kind === Kind.SC ? (scGet(s, L, object, SC.ALIVE) ? ecPd(scGet(s, L, object, SC.EC)) : -1)
      : kind === Kind.PT && ptAlive(s, L, object) ? ecPd(ptEc(s, L, object))
      : -1;
    return pdOf(pd) ?? "kernel";
  };

  const edges = new Map<string, { from: string; to: string; kind: string; label: string; rights: number; bits: (r: number) => string }>();
  const add = (from: string, to: string, kind: string, label: string, rights: number, bits: (r: number) => string): void => {
    if (from === to) return;
    const key = `${from}\u0000${to}\u0000${kind}\u0000${label}`;
    const e = edges.get(key);
    if (e) e.rights |= rights;
    else edges.set(key, { from, to, kind, label, rights, bits });
  };
  const memBits = (r: number): string => `${r & Right.R ? "r" : ""}${r & Right.W ? "w" : ""}${r & Right.X ? "x" : ""}`;
  const smBits = (r: number): string => [r & Right.UP ? "up" : null, r & Right.DOWN ? "down" : null].filter(Boolean).join("+");
  const one = (word: string) => (r: number): string => (r ? word : "none");

  // Capabilities, slot by slot, of every live PD.
  const pds = [...pdNode.keys()].filter((pd) => pdNode[pd] != null);
  const memCaps = new Map<string, number>();
  for (const pd of pds) {
    const from = pdNode[pd]!;
    const root = pd < C && model.components[pd]!.root;
    for (let i = 0; i < slotsOf(L, pd); i++) {
      const g = globalSlot(L, pd, i);
      const c = capAt(s, L, g);
      if (c === NO_CAP) continue;
      const kind = capKind(c);
      const object = capObject(c);
      const rights = capRights(c);
      if (kind === Kind.MEM) memCaps.set(`${pd}:${object}`, (memCaps.get(`${pd}:${object}`) ?? 0) | rights);
      if (root && parentOf(s, L, g) === NO_PARENT) continue; // root's originals
      const to = ownerNode(kind, object);
      switch (kind) {
        case Kind.PT:
          // A portal of an untrusted component has a PT per CPU: one edge for the portal.
          add(from, to, "portal", objectName(model, L, kind, object).replace(/@cpu\d+$/, ""), rights, one("call"));
          break;
        case Kind.MEM: {
          const mmio = L.boot.deviceMmio.includes(object);
          add(from, to, mmio ? "mmio" : "memory", objectName(model, L, kind, object), rights, memBits);
          break;
        }
        case Kind.SM:
          add(from, to, L.boot.deviceIrqSm.includes(object) ? "irq" : "semaphore", objectName(model, L, kind, object), rights, smBits);
          break;
        case Kind.PD:
          add(from, to, "control", `pd ${objectName(model, L, kind, object)}`, rights, one("ctrl"));
          break;
        case Kind.EC:
        case Kind.SC: {
          // An EC and its SC are one thread's execution: one edge.
          const ec = kind === Kind.EC ? object : scGet(s, L, object, SC.EC);
          add(from, to, "control", `thread ${ecName(model, L, ec)}`, rights, one("ctrl"));
          break;
        }
        case Kind.DEV:
          add(from, to, "device", objectName(model, L, kind, object), rights, one("assign"));
          break;
      }
    }
  }

  // Reply capabilities: a server EC that owes its caller a reply.
  for (let ec = 0; ec < L.counts.ec; ec++) {
    if (ecState(s, L, ec) === EcState.FREE) continue;
    const caller = ecGet(s, L, ec, EC.PARTNER);
    const from = pdOf(ecPd(ec));
    const to = caller >= 0 ? pdOf(ecPd(caller)) : null;
    if (from !== null && to !== null) add(from, to, "reply", ecName(model, L, caller), 1, one("reply"));
  }

  // Access without a capability that grants it: page-table entries and TLB entries beyond a PD's memory capabilities.
  for (const pd of pds) {
    for (let m = 0; m < L.counts.mem; m++) {
      let tlb = 0;
      for (let cpu = 0; cpu < L.counts.cpu; cpu++) tlb |= tlbEntry(s, L, cpu, pd, m);
      const mapped = pte(s, L, pd, m);
      const extra = (mapped | tlb) & ~(memCaps.get(`${pd}:${m}`) ?? 0) & 7;
      if (!extra) continue;
      const how = extra & ~mapped ? "TLB entry" : "mapped";
      add(pdNode[pd]!, ownerNode(Kind.MEM, m), "mapping", `${objectName(model, L, Kind.MEM, m)} (${how} without a capability)`, extra, memBits);
    }
  }

  // DMA: what a device can reach for the PD it is assigned to (everything, without an IOMMU).
  for (const d of model.machine.devices) {
    if (!d.dma || pdOf(devicePd(s, L, d.index)) === null) continue;
    for (const r of model.regions) {
      const rights = (dmaAllowed(s, L, d.index, r.index, false) ? Right.R : 0) | (dmaAllowed(s, L, d.index, r.index, true) ? Right.W : 0);
      if (rights) add(deviceId(d.index), pdNode[r.owner]!, "dma", objectName(model, L, Kind.MEM, r.index), rights, memBits);
    }
  }

  const order = new Map(nodes.map((n, i) => [n.id, i]));
  const list: ArchEdge[] = [...edges.values()].map((e) => ({ from: e.from, to: e.to, kind: e.kind, label: e.label, rights: e.bits(e.rights) }));
  return { system: model.name, nodes, edges: list.sort(edgeOrder(order)), at };
}

function edgeOrder(order: ReadonlyMap<string, number>): (a: ArchEdge, b: ArchEdge) => number {
  const kindRank = (k: string): number => {
    const i = (EDGE_KINDS as readonly string[]).indexOf(k);
    return i < 0 ? EDGE_KINDS.length : i;
  };
  return (a, b) =>
    (order.get(a.from) ?? 0) - (order.get(b.from) ?? 0) ||
    (order.get(a.to) ?? 0) - (order.get(b.to) ?? 0) ||
    kindRank(a.kind) - kindRank(b.kind) ||
    (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) ||
    (a.rights < b.rights ? -1 : a.rights > b.rights ? 1 : 0);
}

/**
 * `after` with its edges marked against `before`: those not in `before` as added, and
 * `before`'s edges no longer there appended as removed. An edge whose rights changed is both.
 */
export function architectureChanges(before: Architecture, after: Architecture): Architecture {
  const key = (e: ArchEdge): string => [e.from, e.to, e.kind, e.label, e.rights].join("\u0000");
  const old = new Set(before.edges.map(key));
  const now = new Set(after.edges.map(key));
  const ids = new Set(after.nodes.map((n) => n.id));
  const edges: ArchEdge[] = [
    ...after.edges.map((e) => (old.has(key(e)) ? e : { ...e, change: "added" as const })),
    // A removed edge whose node is gone (a PD made at run time) cannot be drawn.
    ...before.edges.filter((e) => !now.has(key(e)) && ids.has(e.from) && ids.has(e.to)).map((e) => ({ ...e, change: "removed" as const })),
  ];
  return { ...after, edges };
}

// ---- drawing ---------------------------------------------------------------------------

/** Fill and border of a node: trusted green, untrusted red, devices grey, the kernel blue. */
const NODE_COLORS = {
  trusted: { fill: "#d8f0dc", line: "#2e7d32" },
  untrusted: { fill: "#f9d9d9", line: "#c62828" },
  device: { fill: "#e6e6e6", line: "#616161" },
  kernel: { fill: "#dde7f6", line: "#1f4e79" },
} as const;

/** Each capability kind's colour and line style. */
const EDGE_STYLE: Readonly<Record<string, { readonly color: string; readonly style: "solid" | "dashed" | "dotted" }>> = {
  portal: { color: "#1f4e79", style: "solid" },
  memory: { color: "#b35c00", style: "solid" },
  mapping: { color: "#d00000", style: "dashed" },
  semaphore: { color: "#6a3d9a", style: "solid" },
  control: { color: "#7f0000", style: "dashed" },
  reply: { color: "#1f4e79", style: "dotted" },
  device: { color: "#616161", style: "solid" },
  irq: { color: "#616161", style: "dashed" },
  mmio: { color: "#616161", style: "solid" },
  dma: { color: "#795548", style: "solid" },
};
const OTHER_EDGE = { color: "#333333", style: "solid" } as const;

function nodeColors(n: ArchNode): { fill: string; line: string } {
  return n.kind === "device" ? NODE_COLORS.device : n.kind === "kernel" ? NODE_COLORS.kernel : n.trusted ? NODE_COLORS.trusted : NODE_COLORS.untrusted;
}

/** The lines of a node's label: its name, what it is (with SLOC), then what it owns and its threads. */
function nodeLines(n: ArchNode): string[] {
  const lines = [n.name, n.sloc !== null ? `${n.detail} · ${n.sloc.toLocaleString("en-US")} SLOC` : n.detail];
  if (n.portals.length) lines.push(`portal ${n.portals.join(", ")}`);
  if (n.memory.length) lines.push(`memory ${n.memory.join(", ")}`);
  if (n.semaphores.length) lines.push(`semaphore ${n.semaphores.join(", ")}`);
  for (const t of n.threads) lines.push(`thread ${t.name}: ${t.state}`);
  return lines;
}

/** Text that is safe anywhere: lone surrogates made U+FFFD, control characters spaces. */
function clean(s: string): string {
  return s
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[\u0000-\u001f\u007f]/g, " ");
}

/** A DOT quoted string (an id): only `"` and `\` need escaping once the text is clean. */
function dotId(s: string): string {
  return `"${clean(s).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A DOT label from lines: each escaped so Graphviz shows it as written (`\` doubled, so no
 * escape sequence such as `\N` is taken; `&` as `&amp;`, so no entity is), joined by `\n`.
 */
function dotLabel(lines: readonly string[]): string {
  return `"${lines.map((l) => clean(l).replace(/&/g, "&amp;").replace(/[\\"]/g, (c) => `\\${c}`)).join("\\n")}"`;
}

/**
 * The graph in Graphviz DOT, left to right: a node per component (green trusted, red
 * untrusted, a double border for root), device (grey) and the kernel (blue); an edge per
 * capability labelled with its object and rights, coloured by kind. Edges marked by
 * `architectureChanges` are drawn bold (added) or grey and dashed (removed).
 */
export function architectureDot(a: Architecture): string {
  const font = `fontname="Helvetica"`;
  const out = [
    `digraph ${dotId(a.system)} {`,
    `  graph [${font}, fontsize=12, rankdir=LR, nodesep=0.4, ranksep=0.9, labelloc=t, label=${dotLabel([`${a.system}: ${a.at}`])}];`,
    `  node [${font}, fontsize=10, shape=box, style="rounded,filled", penwidth=1.4];`,
    `  edge [${font}, fontsize=9, arrowsize=0.7];`,
  ];
  for (const n of a.nodes) {
    const c = nodeColors(n);
    const shape = n.kind === "device" ? `, shape=box3d, style=filled` : n.kind === "kernel" ? `, style=filled` : "";
    out.push(`  ${dotId(n.id)} [label=${dotLabel(nodeLines(n))}, fillcolor="${c.fill}", color="${c.line}"${n.root ? ", peripheries=2" : ""}${shape}];`);
  }
  for (const e of a.edges) {
    const st = EDGE_STYLE[e.kind] ?? OTHER_EDGE;
    const attrs = [`label=${dotLabel([e.label, e.rights])}`];
    if (e.change === "removed") attrs.push(`color="#9e9e9e"`, `fontcolor="#9e9e9e"`, `style=dashed`);
    else {
      attrs.push(`color="${st.color}"`, `fontcolor="${st.color}"`);
      if (st.style !== "solid") attrs.push(`style=${st.style}`);
      if (e.change === "added") attrs.push(`penwidth=2.5`);
    }
    if (e.change) attrs.push(`tooltip=${dotLabel([`${e.change}: ${e.kind} ${e.label} ${e.rights}`])}`);
    out.push(`  ${dotId(e.from)} -> ${dotId(e.to)} [${attrs.join(", ")}];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}

/** Mermaid text for a quoted node or edge label: mermaidText's escapes, and `"` and `|` as entity codes too. */
function mermaidLabel(lines: readonly string[]): string {
  return `"${lines.map((l) => mermaidText(clean(l)).replace(/["|]/g, (ch) => `#${ch.codePointAt(0)};`)).join("<br/>")}"`;
}

/**
 * The same graph as a Mermaid `flowchart`, left to right: nodes as aliases `N1`, `N2`, ... (so
 * any name is safe) in classes `trusted`, `untrusted`, `device`, `kernel`; edges labelled with
 * object and rights, thick when added and dotted when removed, coloured by kind.
 */
export function architectureMermaid(a: Architecture): string {
  const ids = new Map(a.nodes.map((n, i) => [n.id, `N${i + 1}`]));
  const out = [`%% ${mermaidText(clean(`${a.system}: ${a.at}`))}`, "flowchart LR"];
  for (const n of a.nodes) {
    const id = ids.get(n.id)!;
    out.push(n.kind === "device" ? `  ${id}[[${mermaidLabel(nodeLines(n))}]]` : `  ${id}(${mermaidLabel(nodeLines(n))})`);
  }
  const styles: string[] = [];
  a.edges.forEach((e, i) => {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from === undefined || to === undefined) throw new Error(`architecture edge between unknown nodes ${e.from} -> ${e.to}`);
    const arrow = e.change === "added" ? "==>" : e.change === "removed" ? "-.->" : "-->";
    out.push(`  ${from} ${arrow}|${mermaidLabel([`${e.label}: ${e.rights}`])}| ${to}`);
    const st = EDGE_STYLE[e.kind] ?? OTHER_EDGE;
    const color = e.change === "removed" ? "#9e9e9e" : st.color;
    styles.push(`  linkStyle ${i} stroke:${color},color:${color}${st.style !== "solid" && e.change !== "removed" ? ",stroke-dasharray:4" : ""}`);
  });
  out.push(...styles);
  for (const [cls, c] of Object.entries(NODE_COLORS)) out.push(`  classDef ${cls} fill:${c.fill},stroke:${c.line},color:#000`);
  for (const cls of Object.keys(NODE_COLORS)) {
    const members = a.nodes.filter((n) => (n.kind === "device" ? "device" : n.kind === "kernel" ? "kernel" : n.trusted ? "trusted" : "untrusted") === cls).map((n) => ids.get(n.id)!);
    if (members.length) out.push(`  class ${members.join(",")} ${cls}`);
  }
  return out.join("\n") + "\n";
}

type Viz = Awaited<ReturnType<typeof import("@viz-js/viz").instance>>;
let viz: Promise<Viz> | null = null;

/**
 * DOT laid out by Graphviz (@viz-js/viz, WebAssembly: no native binary) as an SVG document.
 * The instance is made on first use and kept. Rejects when Graphviz reports an error.
 */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= import("@viz-js/viz").then((m) => m.instance());
  const r = (await viz).render(dot, { format: "svg" });
  const errors = r.errors.filter((e) => e.level !== "warning");
  if (r.status !== "success" || errors.length) throw new Error(`Graphviz could not lay out the graph: ${(errors.length ? errors : r.errors).map((e) => e.message).join("; ")}`);
  return r.output;
}
