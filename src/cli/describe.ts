// The resolved model as a person reads it (`nizza parse`), and as JSON (`nizza parse --json`).
import { formatSize } from "../dsl/literals.js";
import type { CapModel, ObjectRef, StmtModel, SystemModel } from "../dsl/model.js";
import type { NodeId } from "../dsl/source.js";

/** The source text of a node, whitespace collapsed: how invariants and paths are named in reports. */
export function sourceText(model: SystemModel, node: NodeId): string {
  return model.sources.text(node);
}

export function objectName(model: SystemModel, o: ObjectRef): string {
  switch (o.kind) {
    case "pd":
      return model.components[o.index]!.name;
    case "region": {
      const r = model.regions[o.index]!;
      return `${model.components[r.owner]!.name}.${r.name}`;
    }
    case "portal": {
      const p = model.portals[o.index]!;
      return `${model.components[p.owner]!.name}.${p.name}`;
    }
    case "semaphore": {
      const s = model.semaphores[o.index]!;
      return `${model.components[s.owner]!.name}.${s.name}`;
    }
    case "thread": {
      const t = model.threads[o.index]!;
      return `${model.components[t.owner]!.name}.${t.name}`;
    }
    case "irq":
    case "mmio":
      return `${model.machine.devices[o.index]!.name}.${o.kind}`;
  }
}

function countStmts(body: readonly StmtModel[]): number {
  let n = 0;
  for (const s of body) {
    n++;
    if (s.kind === "loop" || s.kind === "repeat") n += countStmts(s.body);
    if (s.kind === "choose") for (const b of s.branches) n += countStmts(b);
    if (s.kind === "if") n += countStmts(s.then) + countStmts(s.else);
  }
  return n;
}

function rights(c: CapModel): string {
  return c.object.kind === "region" ? c.rights.join("") : c.rights.join("+");
}

export function describeModel(model: SystemModel, file: string): string {
  const out: string[] = [];
  const m = model.machine;
  const labels = (ls: readonly number[]): string => (ls.length ? ` [${ls.map((l) => model.labels[l]).join(", ")}]` : "");
  out.push(`system ${model.name} (${file})`);
  out.push(`  machine: ${m.cpus} CPU${m.cpus === 1 ? "" : "s"}, ${formatSize(m.memoryBytes)} memory, ${m.iommu ? "IOMMU" : "no IOMMU"}`);
  for (const d of m.devices) {
    const parts = [d.irq !== null ? `irq ${d.irq}` : null, d.mmioBytes ? `mmio ${formatSize(d.mmioBytes)}` : null, d.dma ? "dma" : null].filter(Boolean);
    const owner = d.owner !== null ? ` -> ${model.components[d.owner]!.name}` : " (unassigned)";
    out.push(`    device ${d.name}: ${parts.join(", ") || "no resources"}${labels(d.produces)}${owner}`);
  }
  const k = model.kernel;
  const opts = [k.preemptibleRevoke ? "preemptible revoke" : null, ...k.faults.map((f) => `fault ${f}`)].filter(Boolean);
  out.push(`  kernel: ${k.personality}${opts.length ? ` { ${opts.join("; ")} }` : ""}, costs "${k.costs}"${k.costsGiven ? "" : " (default)"}`);
  out.push(`  components:`);
  const width = Math.max(...model.components.map((c) => c.name.length));
  for (const c of model.components) {
    const trust = `${c.trusted ? "trusted" : "untrusted"}${c.root ? " root" : ""}`;
    out.push(`    ${c.name.padEnd(width)}  ${trust.padEnd(12)}  ${String(c.sloc).padStart(8)} SLOC`);
    for (const r of c.regions.map((i) => model.regions[i]!)) out.push(`      memory ${r.name} ${formatSize(r.bytes)}${labels(r.labels)}`);
    for (const p of c.portals) out.push(`      portal ${model.portals[p]!.name}`);
    for (const s of c.semaphores) out.push(`      semaphore ${model.semaphores[s]!.name}`);
    for (const d of c.devices) out.push(`      device ${m.devices[d]!.name}`);
    if (c.pager !== null) out.push(`      pager ${model.components[c.pager]!.name}`);
    if (c.adversarySteps !== null) out.push(`      adversary steps ${c.adversarySteps}`);
    for (const t of c.threads.map((i) => model.threads[i]!)) {
      const n = countStmts(t.body);
      out.push(`      thread ${t.name}: prio ${t.prio}, cpu ${t.cpu}, ${n} statement${n === 1 ? "" : "s"}${t.vars.length ? `, variables ${t.vars.join(", ")}` : ""}`);
    }
  }
  if (model.caps.length) {
    out.push(`  capabilities:`);
    for (const c of model.caps) out.push(`    ${model.components[c.holder]!.name} -> ${objectName(model, c.object)}: ${rights(c)}`);
  }
  if (model.invariants.length) {
    out.push(`  invariants:`);
    for (const inv of model.invariants) out.push(`    ${sourceText(model, inv.node).replace(/^invariant /, "")}`);
  }
  if (model.paths.length) {
    out.push(`  paths:`);
    for (const p of model.paths) out.push(`    ${sourceText(model, p.node).replace(/^path /, "")}`);
  }
  return out.join("\n");
}

/** The model as JSON: node ids become "file:line:col" locations; the source map is left out. */
export function modelJson(model: SystemModel): unknown {
  return JSON.parse(
    JSON.stringify(model, (key, value: unknown) => {
      if (key === "sources") return undefined;
      if (key === "node" && typeof value === "number") return model.sources.where(value);
      return value;
    }),
  );
}
