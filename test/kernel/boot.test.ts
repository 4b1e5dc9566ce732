// Boot: deterministic vectors, every capability under root, every mapping backed, each component holding its own objects and its caps entries.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFile } from "../../src/dsl/compile.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { devicePd } from "../../src/machine/iommu.js";
import { pte } from "../../src/machine/mmu.js";
import { currentEc } from "../../src/machine/cpu.js";
import { boot, rightsOf } from "../../src/kernel/boot.js";
import { ALL_RIGHTS, capKind, capObject, capRights, Kind, NO_CAP, Right, rightsWithin } from "../../src/kernel/cap.js";
import { EC, EcState, NO_PARENT, SC, type StateVector } from "../../src/kernel/layout.js";
import { hangsUnderRoot, parent } from "../../src/kernel/mdb.js";
import { pdAlive } from "../../src/kernel/pd.js";
import { ptAlive, ptEc } from "../../src/kernel/pt.js";
import { scGet } from "../../src/kernel/sc.js";
import { smAlive } from "../../src/kernel/sm.js";
import { capAt, globalSlot, slotPd, slotsOf } from "../../src/kernel/space.js";
import type { Layout } from "../../src/kernel/layout.js";
import { capsOf, compile } from "./harness.js";
import { scenarioText } from "./scenario-arb.js";

const SCENARIOS = join(import.meta.dirname, "../../scenarios");
const shipped = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith(".nizza"))
  .sort()
  .map((f) => {
    const c = compileFile(join(SCENARIOS, f));
    if (!c.model) throw new Error(`${f} does not compile`);
    return [f, c.model] as const;
  });

/** Hand-written scenarios that exercise what the shipped ones do not: replicas, devices without IRQ or MMIO, pagers, thread caps. */
const EXTRA: [string, string][] = [
  [
    "replicas",
    `system rep {
      machine { cpus 3; device a { irq 1 }; device b { mmio 8K; dma; produces [x] }; device c; iommu }
      kernel nova { preemptible revoke }
      component sigma0 : trusted root { thread main { } caps { w.job: call } }
      component w[3] : untrusted { portal job; memory buf 4K [y]; semaphore s }
      component srv : trusted { device a; device b; pager sigma0; caps { w: ctrl; w.buf: r; w.s: up } thread t prio 5 cpu 2 { } }
      component own : trusted { memory m 4K; portal p; caps { srv.t: ctrl; srv: ctrl } thread t { recv p -> x; reply x } thread u cpu 1 { } }
    }`,
  ],
];

const models: (readonly [string, SystemModel])[] = [...shipped, ...EXTRA.map(([n, t]) => [n, compile(t)] as const)];

const rootOf = (m: SystemModel): number => m.components.findIndex((c) => c.root);

/** Every non-empty slot hangs under one of root's originals. */
function unrooted(s: StateVector, L: Layout, root: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < L.counts.slots; g++) if (capAt(s, L, g) !== NO_CAP && !hangsUnderRoot(s, L, g, root)) out.push(g);
  return out;
}

/** (pd, mem) pairs whose page-table entry is not covered by the PD's memory capabilities. */
function unbacked(s: StateVector, L: Layout): string[] {
  const out: string[] = [];
  for (let pd = 0; pd < L.counts.pd; pd++)
    for (let m = 0; m < L.counts.mem; m++) {
      const e = pte(s, L, pd, m);
      if (!e) continue;
      let granted = 0;
      for (let i = 0; i < slotsOf(L, pd); i++) {
        const c = capAt(s, L, globalSlot(L, pd, i));
        if (capKind(c) === Kind.MEM && capObject(c) === m) granted |= capRights(c);
      }
      if (!rightsWithin(e, granted)) out.push(`pd ${pd} mem ${m}: pte ${e}, caps ${granted}`);
    }
  return out;
}

describe("boot is deterministic", () => {
  it.each(models.map(([n, m]) => [n, m] as const))("%s: two boots give byte-identical vectors", (_n, m) => {
    const a = boot(m).state;
    const b = boot(m).state;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });
  it("compiling and booting a file twice gives byte-identical vectors", () => {
    for (const [f] of shipped) {
      const a = boot(compileFile(join(SCENARIOS, f)).model!).state;
      const b = boot(compileFile(join(SCENARIOS, f)).model!).state;
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), f).toBe(true);
    }
  });
  it("generated scenarios: deterministic, rooted, backed", () => {
    fc.assert(
      fc.property(scenarioText, (text) => {
        const m = compile(text, "gen.nizza");
        const a = boot(m);
        const b = boot(compile(text, "gen.nizza"));
        expect(Buffer.from(a.state.buffer).equals(Buffer.from(b.state.buffer))).toBe(true);
        expect(unrooted(a.state, a.kernel.L, rootOf(m))).toEqual([]);
        expect(unbacked(a.state, a.kernel.L)).toEqual([]);
        checkOwnObjects(m, a.state, a.kernel.L);
        checkCapsEntries(m, a.state, a.kernel.L);
      }),
      { numRuns: 60 },
    );
  });
  it("booting does not disturb a vector booted earlier (no state shared between boots)", () => {
    const m = shipped[0]![1];
    const a = boot(m);
    const copy = a.state.slice();
    const b = boot(m);
    b.state.fill(7);
    expect(a.state).toEqual(copy);
    expect(a.kernel.meter).not.toBe(b.kernel.meter);
  });
});

describe.each(models.map(([n, m]) => [n, m] as const))("%s", (_n, m) => {
  const { kernel, state: s } = boot(m);
  const L = kernel.L;
  const root = rootOf(m);

  it("every non-empty capability slot hangs under root", () => {
    expect(unrooted(s, L, root)).toEqual([]);
  });
  it("root's originals are the only parentless slots, with all rights", () => {
    for (let g = 0; g < L.counts.slots; g++) {
      const c = capAt(s, L, g);
      if (c === NO_CAP || parent(s, L, g) !== NO_PARENT) continue;
      expect(slotPd(L, g)).toBe(root);
      expect(capRights(c)).toBe(ALL_RIGHTS[capKind(c)]);
    }
  });
  it("every page-table entry is backed by a memory capability of its PD", () => {
    expect(unbacked(s, L)).toEqual([]);
  });
  it("each component holds its own objects", () => {
    checkOwnObjects(m, s, L);
  });
  it("caps entries are delegated from root's originals with the rights written", () => {
    checkCapsEntries(m, s, L);
  });
  it("objects are alive and ECs runnable in their PD on their CPU; spares are free; CPUs idle", () => {
    for (const c of m.components) expect(pdAlive(s, L, c.index)).toBe(true);
    for (let pd = m.components.length; pd < L.counts.pd; pd++) expect(pdAlive(s, L, pd)).toBe(false);
    for (const t of m.threads) {
      expect([ecGet(s, L, t.index, EC.STATE), ecGet(s, L, t.index, EC.PD), ecGet(s, L, t.index, EC.CPU)]).toEqual([EcState.RUNNABLE, t.owner, t.cpu]);
      expect(scGet(s, L, t.index, SC.PRIO)).toBe(t.prio);
    }
    L.boot.adversaryEcs.forEach((a, i) => {
      const e = m.threads.length + i;
      expect([ecGet(s, L, e, EC.STATE), ecGet(s, L, e, EC.PD), ecGet(s, L, e, EC.CPU)]).toEqual([EcState.RUNNABLE, a.component, a.cpu]);
    });
    const statics = m.threads.length + L.boot.adversaryEcs.length;
    for (let e = 0; e < L.counts.ec; e++) {
      for (const f of [EC.WAIT, EC.PARTNER, EC.SERVER, EC.REVOKE]) expect(ecGet(s, L, e, f)).toBe(-1);
      // The exception portal: the handler's first portal (its PT on the EC's CPU), or none.
      const pd = e < statics ? ecGet(s, L, e, EC.PD) : -1;
      const handler = pd >= 0 ? m.components[pd]!.exceptions : null;
      const first = handler === null ? undefined : m.components[handler]!.portals[0];
      const pts = first === undefined ? [] : L.boot.portalPts[first]!;
      const want = pts.length === 0 ? -1 : pts.length === 1 ? pts[0]! : pts[ecGet(s, L, e, EC.CPU)]!;
      expect(ecGet(s, L, e, EC.EXC_PT)).toBe(want);
      if (e >= statics) expect(ecGet(s, L, e, EC.STATE)).toBe(EcState.FREE);
    }
    L.boot.ptEc.forEach((ec, pt) => {
      expect(ptAlive(s, L, pt)).toBe(true);
      expect(ptEc(s, L, pt)).toBe(ec);
    });
    for (let pt = L.boot.ptEc.length; pt < L.counts.pt; pt++) expect(ptAlive(s, L, pt)).toBe(false);
    for (let sm = 0; sm < L.counts.sm - L.config.spare.sm; sm++) expect(smAlive(s, L, sm)).toBe(true);
    for (let cpu = 0; cpu < L.counts.cpu; cpu++) expect(currentEc(s, L, cpu)).toBe(-1);
    // A trusted portal is bound to the thread that receives on it.
    for (const t of m.threads)
      for (const st of t.body) if (st.kind === "recv") expect(L.boot.ptEc[L.boot.portalPts[st.portal]![0]!]).toBe(t.index);
  });
});

describe("caps entries naming a component's own objects", () => {
  it("add a capability without narrowing the mapping the owner has", () => {
    const m = compile(`system self {
      component sigma0 : trusted root { }
      component c : trusted { memory m 4K; portal p; caps { c.m: r; c.p: call } thread t { recv p -> x; reply x } }
    }`);
    const { state: s, kernel } = boot(m);
    const L = kernel.L;
    const c = m.components.findIndex((x) => x.name === "c");
    expect(pte(s, L, c, 0)).toBe(7);
    expect(capsOf(s, L, c, Kind.MEM, 0).map((h) => h.rights).sort()).toEqual([Right.R, 7]);
    // The same capability from the same original is not held twice.
    expect(capsOf(s, L, c, Kind.PT, 0)).toHaveLength(1);
  });
});

describe("state vector size", () => {
  it("µSINA's vector is under 1 KiB", () => {
    const m = shipped.find(([f]) => f === "usina.nizza")![1];
    const { state, kernel } = boot(m);
    const bytes = state.byteLength;
    console.log(`usina.nizza: state vector ${bytes} bytes (${kernel.L.words} words)`);
    expect(bytes).toBeLessThan(1024);
  });
});

function ecGet(s: StateVector, L: Layout, ec: number, f: number): number {
  return s[L.base.ec + ec * L.ecSize + f]!;
}

/** PD, EC and SC of each of its ECs, PTs of its portals, SMs, memory (mapped), devices with their IRQ and MMIO. */
function checkOwnObjects(m: SystemModel, s: StateVector, L: Layout): void {
  const rootIdx = rootOf(m);
  const has = (pd: number, kind: Kind, object: number, rights: number, what: string): void => {
    const held = capsOf(s, L, pd, kind, object);
    expect(
      held.some((h) => h.rights === rights),
      `${m.components[pd]!.name} should hold ${what} with rights ${rights}, holds ${JSON.stringify(held)}`,
    ).toBe(true);
  };
  for (const c of m.components) {
    const pd = c.index;
    const r = (kind: Kind, x: number): number => (c.root ? ALL_RIGHTS[kind] : x);
    has(pd, Kind.PD, pd, r(Kind.PD, Right.CTRL), "its PD");
    const ecs = [...c.threads, ...L.boot.adversaryEcs.flatMap((a, i) => (a.component === pd ? [m.threads.length + i] : []))];
    if (!c.trusted) expect(ecs.length).toBe(c.threads.length + L.counts.cpu);
    for (const e of ecs) {
      has(pd, Kind.EC, e, r(Kind.EC, Right.CTRL), `EC ${e}`);
      has(pd, Kind.SC, e, r(Kind.SC, Right.CTRL), `SC ${e}`);
    }
    for (const p of c.portals) for (const pt of L.boot.portalPts[p]!) has(pd, Kind.PT, pt, Right.CALL, `PT ${pt}`);
    for (const sm of c.semaphores) has(pd, Kind.SM, sm, Right.UP | Right.DOWN, `SM ${sm}`);
    for (const reg of c.regions) {
      has(pd, Kind.MEM, reg, 7, `region ${reg}`);
      expect(pte(s, L, pd, reg)).toBe(7);
    }
    for (const d of c.devices) {
      has(pd, Kind.DEV, d, Right.ASSIGN, `device ${d}`);
      expect(devicePd(s, L, d)).toBe(pd);
      const irq = L.boot.deviceIrqSm[d]!;
      if (irq >= 0) has(pd, Kind.SM, irq, r(Kind.SM, Right.DOWN), `IRQ SM ${irq}`);
      const mmio = L.boot.deviceMmio[d]!;
      if (mmio >= 0) {
        has(pd, Kind.MEM, mmio, r(Kind.MEM, Right.R | Right.W), `MMIO ${mmio}`);
        expect(pte(s, L, pd, mmio) & (Right.R | Right.W)).toBe(Right.R | Right.W);
      }
    }
    // Nothing of another component's own objects beyond its caps entries (no leaks at boot).
    if (!c.root)
      for (let i = 0; i < slotsOf(L, pd); i++) {
        const cap = capAt(s, L, globalSlot(L, pd, i));
        if (cap === NO_CAP) continue;
        expect(parent(s, L, globalSlot(L, pd, i)) >= 0 && slotPd(L, parent(s, L, globalSlot(L, pd, i))) === rootIdx).toBe(true);
      }
  }
  // Unassigned devices belong to nobody.
  m.machine.devices.forEach((d, i) => {
    if (d.owner === null) expect(devicePd(s, L, i)).toBe(-1);
  });
}

/** Each caps entry: the holder has the object with the rights written, a child of root's original; regions are mapped. */
function checkCapsEntries(m: SystemModel, s: StateVector, L: Layout): void {
  const root = rootOf(m);
  for (const k of m.caps) {
    if (k.holder === root) continue;
    const rights = rightsOf(k.rights);
    const kind = { portal: Kind.PT, region: Kind.MEM, semaphore: Kind.SM, thread: Kind.EC, pd: Kind.PD, irq: Kind.SM, mmio: Kind.MEM }[k.object.kind];
    const objects = k.object.kind === "portal" ? L.boot.portalPts[k.object.index]! : [k.object.index];
    for (const o of objects) {
      const held = capsOf(s, L, k.holder, kind, o).filter((h) => h.rights === rights);
      expect(held.length, `${m.components[k.holder]!.name} holds ${k.object.kind} ${o}`).toBeGreaterThan(0);
      const g = globalSlot(L, k.holder, held[0]!.sel);
      const p = parent(s, L, g);
      expect(slotPd(L, p)).toBe(root);
      expect(parent(s, L, p)).toBe(NO_PARENT);
      expect(capObject(capAt(s, L, p))).toBe(o);
      if (kind === Kind.MEM) expect(rightsWithin(rights, pte(s, L, k.holder, o))).toBe(true);
    }
  }
}

describe("boot maps caps entries for every holder, root included", () => {
  it("a region root names in its caps block is in root's page table with those rights", async () => {
    const { compileText } = await import("../../src/dsl/compile.js");
    const c = compileText(
      "rootcaps.nizza",
      `system rootcaps {
  component sigma0 : trusted root { caps { app.buf: r } }
  component app : untrusted { memory buf 4K }
}`,
    );
    expect(c.diagnostics).toEqual([]);
    const { kernel, state } = boot(c.model!);
    const buf = c.model!.regions.findIndex((r) => r.name === "buf");
    expect(pte(state, kernel.L, 0, buf)).toBe(Right.R);
    expect(pte(state, kernel.L, 1, buf)).toBe(Right.R | Right.W | Right.X);
  });
});

describe("boot gives pagers and thread controllers what their role needs", () => {
  const TEXT = `system roles {
  component sigma0 : trusted root { }
  component pager : trusted { portal pf; thread serve { recv pf -> x; reply ok } }
  component app : untrusted { pager pager; caps { pager.serve: ctrl } }
}`;
  it("a pager holds a PD capability (ctrl) of each client, to map into it", async () => {
    const { compileText } = await import("../../src/dsl/compile.js");
    const m = compileText("roles.nizza", TEXT).model!;
    const { kernel, state } = boot(m);
    const { findCap } = await import("../../src/kernel/space.js");
    const { cap } = await import("../../src/kernel/cap.js");
    expect(findCap(state, kernel.L, 1, cap(Kind.PD, 2, Right.CTRL))).toBeGreaterThanOrEqual(0);
  });
  it("an exception handler holds a PD capability (ctrl) of each component it serves; their ECs' exceptions go to its first portal", async () => {
    const { compileText } = await import("../../src/dsl/compile.js");
    const m = compileText("roles.nizza", `system exc {
  component sigma0 : trusted root { }
  component linux : untrusted { portal syscall; portal other }
  component proc : untrusted { exceptions linux; thread t { raise 1 } }
}`).model!;
    const { kernel, state } = boot(m);
    const { findCap } = await import("../../src/kernel/space.js");
    const { cap } = await import("../../src/kernel/cap.js");
    expect(findCap(state, kernel.L, 1, cap(Kind.PD, 2, Right.CTRL))).toBeGreaterThanOrEqual(0);
    const syscall = kernel.L.boot.portalPts[m.portals.findIndex((p) => p.name === "syscall")]!;
    expect(ecGet(state, kernel.L, 0, EC.EXC_PT)).toBe(syscall[0]);
  });
  it("a caps entry naming a thread gives its EC and its SC", async () => {
    const { compileText } = await import("../../src/dsl/compile.js");
    const m = compileText("roles.nizza", TEXT).model!;
    const { kernel, state } = boot(m);
    const { findCap } = await import("../../src/kernel/space.js");
    const { cap } = await import("../../src/kernel/cap.js");
    const serve = m.threads.findIndex((t) => t.name === "serve");
    expect(findCap(state, kernel.L, 2, cap(Kind.EC, serve, Right.CTRL))).toBeGreaterThanOrEqual(0);
    expect(findCap(state, kernel.L, 2, cap(Kind.SC, serve, Right.CTRL))).toBeGreaterThanOrEqual(0);
  });
});
