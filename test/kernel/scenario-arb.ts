// fast-check arbitrary for valid scenario texts: components with memory, portals, semaphores, threads, caps, pagers, devices and replicas.
import fc from "fast-check";

interface CompSpec {
  trusted: boolean;
  replicas: number;
  regions: number;
  labels: number[];
  portals: number;
  sems: number;
  threads: { cpu: number; prio: number; recv: boolean }[];
  caps: { comp: number; kind: number; obj: number; rights: number }[];
  pager: number | null;
  device: number | null;
}

const comp: fc.Arbitrary<CompSpec> = fc.record({
  trusted: fc.boolean(),
  replicas: fc.constantFrom(1, 1, 1, 2),
  regions: fc.nat(2),
  labels: fc.array(fc.nat(3), { maxLength: 2 }),
  portals: fc.nat(2),
  sems: fc.nat(1),
  threads: fc.array(fc.record({ cpu: fc.nat(2), prio: fc.nat(255), recv: fc.boolean() }), { maxLength: 2 }),
  caps: fc.array(fc.record({ comp: fc.nat(5), kind: fc.nat(4), obj: fc.nat(2), rights: fc.nat(6) }), { maxLength: 3 }),
  pager: fc.option(fc.nat(5)),
  device: fc.option(fc.nat(2)),
});

const system = fc.record({
  cpus: fc.integer({ min: 1, max: 3 }),
  iommu: fc.boolean(),
  devices: fc.array(fc.record({ irq: fc.boolean(), mmio: fc.boolean(), dma: fc.boolean(), produces: fc.boolean() }), { maxLength: 3 }),
  rootThread: fc.boolean(),
  preemptible: fc.boolean(),
  comps: fc.array(comp, { minLength: 1, maxLength: 4 }),
});

const REGION_RIGHTS = ["r", "rw", "rwx", "w", "x", "rx", "wx"];
const SEM_RIGHTS = ["up", "down", "up+down"];

/** A random scenario that compiles. */
export const scenarioText: fc.Arbitrary<string> = system.map((sys) => {
  const n = sys.comps.length;
  const name = (i: number): string => `c${i}`;
  const assigned = new Set<number>();
  const lines: string[] = [];
  lines.push("system gen {");
  const devs = sys.devices.map(
    (d, j) =>
      `device dv${j} { ${d.irq ? `irq ${j + 1};` : ""} ${d.mmio ? "mmio 4K;" : ""} ${d.dma ? "dma;" : ""} ${d.produces ? `produces [net${j}]` : ""} }`,
  );
  lines.push(`  machine { cpus ${sys.cpus}; ${devs.join("; ")} ${sys.iommu ? "; iommu" : ""} }`);
  lines.push(`  kernel nova ${sys.preemptible ? "{ preemptible revoke }" : ""}`);
  lines.push(`  component sigma0 : trusted root { ${sys.rootThread ? "thread main { }" : ""} }`);
  sys.comps.forEach((c, i) => {
    const items: string[] = [];
    const labels = [...new Set(c.labels.map((l) => `l${l}`))];
    for (let j = 0; j < c.regions; j++) items.push(`memory m${j} 4K${labels.length ? ` [${labels.join(", ")}]` : ""}`);
    for (let j = 0; j < c.portals; j++) items.push(`portal p${j}`);
    for (let j = 0; j < c.sems; j++) items.push(`semaphore s${j}`);
    c.threads.forEach((t, j) => {
      const body = t.recv && c.portals > 0 ? `recv p${j % c.portals} -> x; reply x` : "";
      items.push(`thread t${j} prio ${t.prio} cpu ${t.cpu % sys.cpus} { ${body} }`);
    });
    // caps: targets in other components, each at most once.
    const seen = new Set<string>();
    const entries: string[] = [];
    if (n > 1)
      for (const k of c.caps) {
        const ti = (i + 1 + (k.comp % (n - 1))) % n;
        const t = sys.comps[ti]!;
        let entry: string | null = null;
        let target = "";
        switch (k.kind) {
          case 0:
            target = name(ti);
            entry = "ctrl";
            break;
          case 1:
            if (t.portals) [target, entry] = [`${name(ti)}.p${k.obj % t.portals}`, "call"];
            break;
          case 2:
            if (t.regions) [target, entry] = [`${name(ti)}.m${k.obj % t.regions}`, REGION_RIGHTS[k.rights % REGION_RIGHTS.length]!];
            break;
          case 3:
            if (t.sems) [target, entry] = [`${name(ti)}.s${k.obj % t.sems}`, SEM_RIGHTS[k.rights % SEM_RIGHTS.length]!];
            break;
          case 4:
            if (t.threads.length) [target, entry] = [`${name(ti)}.t${k.obj % t.threads.length}`, "ctrl"];
            break;
        }
        if (entry && !seen.has(target)) {
          seen.add(target);
          entries.push(`${target}: ${entry}`);
        }
      }
    if (entries.length) items.push(`caps { ${entries.join("; ")} }`);
    if (c.pager !== null && n > 1) {
      const pi = (i + 1 + (c.pager % (n - 1))) % n;
      if (sys.comps[pi]!.replicas === 1) items.push(`pager ${name(pi)}`);
    }
    if (c.device !== null && c.replicas === 1 && sys.devices.length) {
      const d = c.device % sys.devices.length;
      if (!assigned.has(d)) {
        assigned.add(d);
        items.push(`device dv${d}`);
      }
    }
    const rep = c.replicas > 1 ? `[${c.replicas}]` : "";
    lines.push(`  component ${name(i)}${rep} : ${c.trusted ? "trusted" : "untrusted"} { ${items.join("; ")} }`);
  });
  lines.push("}");
  return lines.join("\n");
});
