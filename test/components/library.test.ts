// The component library (scenarios/lib): each component in a small shipped scenario, showing its defining behaviour.
import { describe, expect, it } from "vitest";
import { holds, knownLabels, regionValue } from "../../src/components/flow.js";
import { buildSystem, type System } from "../../src/components/step.js";
import { compileFile } from "../../src/dsl/compile.js";
import { renderDiagnostics } from "../../src/dsl/diagnostics.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { ecGet, varValue } from "../../src/kernel/ec.js";
import { EC, EcState, GLOBAL, type StateVector } from "../../src/kernel/layout.js";
import { pte } from "../../src/machine/mmu.js";
import { regionLabels } from "../../src/machine/memory.js";
import { OK, showValue } from "../../src/components/values.js";
import { reach, type Reach } from "./reach.js";
import { Driver } from "./driver.js";
import { readFileSync } from "node:fs";

/** A shipped scenario, compiled and built, with name lookups. */
function scenario(file: string) {
  const c = compileFile(`scenarios/${file}`);
  if (!c.model) throw new Error(renderDiagnostics(c.diagnostics, c.sources));
  const m: SystemModel = c.model;
  const sys: System = buildSystem(m);
  const L = sys.k.L;
  const pd = (name: string): number => {
    const i = m.components.findIndex((x) => x.name === name);
    if (i < 0) throw new Error(`no component ${name}`);
    return i;
  };
  const region = (comp: string, name: string): number => m.regions.find((r) => r.name === name && r.owner === pd(comp))!.index;
  const thread = (comp: string, name: string): number => m.threads.find((t) => t.name === name && t.owner === pd(comp))!.index;
  const label = (name: string): number => 1 << m.labels.indexOf(name);
  const variable = (s: StateVector, comp: string, t: string, v: string): number => {
    const ec = thread(comp, t);
    return varValue(s, L, ec, m.threads[ec]!.vars.indexOf(v));
  };
  const done = (s: StateVector, comp: string, t: string): boolean => ecGet(s, L, thread(comp, t), EC.STATE) === EcState.DONE;
  const noFailedAssert = (r: Reach): boolean => r.states.every((s) => s[L.base.global + GLOBAL.ASSERT] === 0);
  return { m, sys, L, pd, region, thread, label, variable, done, noFailedAssert };
}

describe("the component library, each in a small scenario", () => {
  it("root: sigma0 resolves a page fault by mapping memory it keeps", () => {
    const x = scenario("lib_root.nizza");
    const r = reach(x.sys);
    const texts = r.edges.map((e) => e.step.text);
    expect(texts.some((t) => /app\.main: write sigma0\.free <- 7: page fault \(sent to the pager\)/.test(t))).toBe(true);
    expect(texts.some((t) => /sigma0\.pager: reply ok with free : rw/.test(t))).toBe(true);
    const finals = r.states.filter((s) => x.done(s, "app", "main"));
    expect(finals.length).toBeGreaterThan(0);
    for (const s of finals) expect(pte(s, x.L, x.pd("app"), x.region("sigma0", "free"))).not.toBe(0);
    // The store never succeeds without the mapping, and the value read back is the one stored.
    expect(x.noFailedAssert(r)).toBe(true);
  });

  it("pager: resolves a client's fault by mapping its pool; the client's data stays with it", () => {
    const x = scenario("lib_pager.nizza");
    const r = reach(x.sys);
    const app = x.pd("app");
    const pool = x.region("pager", "pool");
    expect(r.edges.some((e) => /app\.main: write pager\.pool <- x: page fault \(sent to the pager\)/.test(e.step.text))).toBe(true);
    expect(r.edges.some((e) => /pager\.serve: reply ok with pool : rw/.test(e.step.text))).toBe(true);
    // Whenever the thread has finished, its store went through a mapping of the pool: the pool
    // carries the client's data (the client's adversary may have unmapped it since).
    const finals = r.states.filter((s) => x.done(s, "app", "main"));
    expect(finals.length).toBeGreaterThan(0);
    for (const s of finals) expect(regionLabels(s, x.L, pool) & x.label("app_data")).not.toBe(0);
    expect(finals.some((s) => pte(s, x.L, app, pool) !== 0)).toBe(true);
    // The pager hands out memory but learns nothing: app_data never reaches sigma0.
    for (const s of r.states) expect(knownLabels(s, x.L, x.pd("sigma0")) & x.label("app_data")).toBe(0);
  });

  it("nameserver: a client gets a portal only by lookup, and only once it was registered", () => {
    const x = scenario("lib_nameserver.nizza");
    const r = reach(x.sys);
    const request = { kind: "portal" as const, index: x.m.portals.find((p) => p.name === "request")!.index };
    const client = x.pd("client");
    const names = x.pd("names");
    for (const s of r.states) if (holds(s, x.L, client, request)) expect(holds(s, x.L, names, request)).toBe(true);
    const finals = r.states.filter((s) => x.done(s, "client", "main"));
    expect(finals.some((s) => x.variable(s, "client", "main", "found") === OK && holds(s, x.L, client, request))).toBe(true);
    expect(finals.some((s) => x.variable(s, "client", "main", "found") === 0 && !holds(s, x.L, client, request))).toBe(true);
    expect(x.noFailedAssert(r)).toBe(true);
  });

  it("trusted_wrapper: the untrusted service only ever sees sealed data, and tampering is detected", () => {
    const x = scenario("lib_wrapper.nizza");
    const r = reach(x.sys);
    const secret = x.label("pin") | x.label("wrapper_key");
    for (const s of r.states) expect(knownLabels(s, x.L, x.pd("legacy_fs")) & secret).toBe(0);
    const finals = r.states.filter((s) => x.done(s, "client", "main"));
    // The service echoes the sealed blob (the wrapper answers ok) or returns something else (0).
    expect(finals.some((s) => x.variable(s, "client", "main", "r") === OK)).toBe(true);
    expect(finals.some((s) => x.variable(s, "client", "main", "r") === 0)).toBe(true);
  });

  it("nic_driver: each interrupt's packet reaches the stack through the driver only", () => {
    const x = scenario("lib_nic_driver.nizza");
    const r = reach(x.sys);
    const stack = x.pd("netstack");
    const packet = x.label("packet");
    const knows = (s: StateVector): boolean => (knownLabels(s, x.L, stack) & packet) !== 0;
    expect(r.states.some(knows)).toBe(true);
    // Every step that first lets the stack know a packet is the driver's call or the stack's
    // receive of it — or the card's own DMA into the stack's buffers, which the stack's reply to
    // the driver's call mapped into the driver's page table, and so into the card's IOMMU domain.
    for (const e of r.edges)
      if (!knows(r.states[e.from]!) && knows(r.states[e.to]!))
        expect(e.step.text).toMatch(/^(nic_driver\.irq: call netstack\.rx\(pkt\)|netstack(@cpu\d+)?\[adversary\]: recv on netstack\.rx|device nic writes data from outside, 0 \[packet\], to netstack\.buffers by DMA$)/);
    // The driver's DMA ring and the card's interrupt and window never reach the stack.
    const ring = { kind: "region" as const, index: x.region("nic_driver", "rx_ring") };
    const irq = { kind: "irq" as const, index: 0 };
    const mmio = { kind: "mmio" as const, index: 0 };
    for (const s of r.states) for (const o of [ring, irq, mmio]) expect(holds(s, x.L, stack, o)).toBe(false);
  });
});

describe("the component library, by walks and small bounded variants", () => {
  it("l4linux: a process's system call arrives at the server as exception IPC, and the answer is its result", () => {
    const file = "scenarios/lib_l4linux.nizza";
    const d = new Driver(readFileSync(file, "utf8"), {}, file);
    expect(d.step("shell.main").step.text).toBe("shell.main: raise 42 -> result: exception sent to the handler");
    const server = d.model.threads.length + d.model.components.filter((c, i) => !c.trusted && i < d.pd("l4linux")).length;
    d.take(/^l4linux\[adversary\]: recv on l4linux\.syscall$/);
    // The server's EC holds the exception message: the system call number, and the reply capability.
    expect(d.utcb(server)).toEqual({ value: 42, labels: 0 });
    expect(ecGet(d.s, d.L, server, EC.PARTNER)).toBe(d.ec("shell.main"));
    d.take(/^l4linux\[adversary\]: reply 42$/);
    expect(d.step("shell.main").step.text).toBe("shell.main: raise 42 -> result completes: result = 42");
  });

  it("viaduct: what the plaintext side sends leaves for the ciphertext side sealed and unlabelled", () => {
    const d = new Driver(
      `system via_test {
        import "lib/viaduct.nizza" { lan = red; wan = black }
        component red : trusted {
          memory ram 4K [lan]
          portal rx
          caps { viaduct.encrypt: call }
          thread main { write ram <- 5; read ram -> p; call viaduct.encrypt(p) -> r }
        }
        component black : untrusted { portal tx; caps { viaduct.decrypt: call } }
      }`,
      {},
      "scenarios/via_test.nizza",
    );
    d.runThread("red.main");
    expect(d.step("viaduct.outbound").step.text).toBe("viaduct.outbound: recv encrypt -> pkt: pkt = 5 [lan]");
    expect(d.step("viaduct.outbound").step.text).toMatch(/call black\.tx\(seal\(pkt, key\)\) timeout 2000: blocks$/);
    d.take(/^black\[adversary\]: recv on black\.tx$/);
    const black = d.model.threads.length; // the only untrusted component's adversary EC
    const got = d.utcb(black);
    expect(got.labels).toBe(0);
    expect(got.value).not.toBe(5);
    expect(showValue(got.value)).toMatch(/^seal\(5, #\d+\)$/);
  });

  it("l4linux: without an exception handler the raising thread dies", () => {
    const d = new Driver(`system t {
      component sigma0 : trusted root { }
      component p : trusted { thread main { raise 1 } }
    }`);
    expect(d.step("p.main").step.text).toBe("p.main: raise 1: exception (no usable exception handler: the thread dies)");
    expect(d.state("p.main")).toBe(EcState.DEAD);
  });
});

describe("the component library in bounded variants, explored completely", () => {
  // About 127,000 states: a root without a pager thread and one-shot clients keep it at that.
  it("secure_gui: input goes only to the focused client, and the untrusted one learns input only while it has the focus", { timeout: 180_000 }, () => {
    const file = "scenarios/gui_test.nizza";
    const d = new Driver(
      `system gui_test {
        import "lib/secure_gui.nizza" { secure = dialog; legacy = browser; sigma0 = root0 }
        component root0 : trusted root { }
        component dialog : trusted { portal input; thread main { recv input -> key } }
        component browser : untrusted { portal input; adversary steps 1 }
      }`,
      {},
      file,
    );
    const r = reach(d.sys);
    const focus = d.region("gui.focus");
    const input = d.label("input");
    const browser = d.pd("browser");
    let delivered = 0;
    for (const e of r.edges) {
      const before = r.states[e.from]!;
      const f = regionValue(before, d.L, focus);
      if (/^gui\.input: call secure\.input\(key\)/.test(e.step.text)) expect(f).toBe(1);
      if (/^gui\.input: call browser\.input\(key\)/.test(e.step.text)) (delivered++, expect(f).toBe(2));
      // The browser comes to know input only by receiving it from the GUI while it has the focus.
      if ((knownLabels(before, d.L, browser) & input) === 0 && (knownLabels(r.states[e.to]!, d.L, browser) & input) !== 0)
        expect(e.step.text).toMatch(/^(gui\.input: call browser\.input\(key\)|browser\[adversary\]: recv on browser\.input)/);
    }
    expect(delivered).toBeGreaterThan(0);
    // Only the GUI ever maps the title bar.
    for (const s of r.states) expect(pte(s, d.L, browser, d.region("gui.title"))).toBe(0);
  });
});
