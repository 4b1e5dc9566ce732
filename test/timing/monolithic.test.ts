// The monolithic baseline's transform: which components are kernel code, what their steps and the steps after them still count.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSystem, type System } from "../../src/components/step.js";
import { ecGet } from "../../src/kernel/ec.js";
import { CPU, EC, type StateVector } from "../../src/kernel/layout.js";
import { P, PRIMITIVES } from "../../src/machine/meter.js";
import { timedGraph } from "../../src/timing/graph.js";
import { monolithicCounts, servicesOf } from "../../src/timing/monolithic.js";
import { compile } from "../kernel/harness.js";
import { edgeStep, fixture, measured, named } from "./helpers.js";

/** Components of every kind: trusted with and without portals, untrusted with a portal and with a thread. */
const MIXED = `
system mixed {
  component sigma0 : trusted root {
    portal pf
    thread pager { recv pf -> f; reply f }
  }
  component server : trusted {
    portal rpc
    thread serve { recv rpc -> x; reply x }
  }
  component client : trusted {
    caps { server.rpc: call }
    thread main { call server.rpc(1) -> r }
  }
  component helper : trusted {
    semaphore s
    thread work { up s }
  }
  component mal : untrusted {
    portal evil
    caps { server.rpc: call }
    thread hog { call server.rpc(2) -> y }
  }
}
`;

const CROSSING = [P.kernelEntry, P.kernelExit, P.contextSwitch, P.asSwitch, P.tlbFlush];
const SWITCH = [P.contextSwitch, P.asSwitch, P.tlbFlush];

const mixed = buildSystem(compile(MIXED));
const comp = (sys: System, name: string): number => sys.model.components.findIndex((c) => c.name === name);
const thread = (sys: System, owner: string, name: string): number => sys.model.threads.findIndex((t) => t.name === name && t.owner === comp(sys, owner));

/** `s` with `ec` as the current EC of `cpu` (-1: none). */
function running(sys: System, s: StateVector, cpu: number, ec: number): StateVector {
  const out = s.slice();
  out[sys.k.L.base.cpu + cpu * CPU.SIZE + CPU.CUR] = ec;
  return out;
}

/** 1, 2, ..., 13: a different count for every primitive, so that what is kept and what is zeroed shows. */
const ALL = Int32Array.from(PRIMITIVES, (_, i) => i + 1);

describe("servicesOf", () => {
  it("picks the trusted components that own a portal, and nothing else", () => {
    const s = servicesOf(mixed);
    const by = Object.fromEntries(mixed.model.components.map((c) => [c.name, s[c.index]]));
    // sigma0 and server: trusted, serve pf and rpc. client and helper: trusted, serve nothing.
    // mal: owns a portal but is untrusted — a user process, never kernel code.
    expect(by).toEqual({ sigma0: 1, server: 1, client: 0, helper: 0, mal: 0 });
  });

  it("counts a trusted root without a portal as a process", () => {
    const s = servicesOf(buildSystem(fixture("round_trip")));
    const m = fixture("round_trip");
    expect(Object.fromEntries(m.components.map((c) => [c.name, s[c.index]]))).toEqual({ sigma0: 0, server: 1, client: 0 });
  });
});

describe("monolithicCounts", () => {
  const server = thread(mixed, "server", "serve");
  const pager = thread(mixed, "sigma0", "pager");
  const client = thread(mixed, "client", "main");
  const helper = thread(mixed, "helper", "work");
  const hog = thread(mixed, "mal", "hog");
  const cpu = ecGet(mixed.init, mixed.k.L, client, EC.CPU);

  it("zeroes every crossing of a service's step and keeps its other work", () => {
    for (const ec of [server, pager]) {
      for (const cur of [-1, client, server]) {
        const out = monolithicCounts(mixed, servicesOf(mixed), running(mixed, mixed.init, cpu, cur), ec, ALL);
        PRIMITIVES.forEach((_, i) => expect(out[i]).toBe(CROSSING.includes(i) ? 0 : ALL[i]));
        // msgWord (copy to and from user memory), pageFault, capTransfer... are kept.
        expect([out[P.msgWord], out[P.pageFault], out[P.capTransfer], out[P.tlbRefill], out[P.revokeNode]]).toEqual([ALL[P.msgWord], ALL[P.pageFault], ALL[P.capTransfer], ALL[P.tlbRefill], ALL[P.revokeNode]]);
      }
    }
  });

  it("leaves its input alone", () => {
    const before = ALL.slice();
    monolithicCounts(mixed, servicesOf(mixed), mixed.init, server, ALL);
    expect(ALL).toEqual(before);
  });

  it("counts no switch for a process's step when the CPU was running a service", () => {
    for (const ec of [client, helper, hog]) {
      const out = monolithicCounts(mixed, servicesOf(mixed), running(mixed, mixed.init, cpu, server), ec, ALL);
      // Returning from the system call: no context or address-space switch, no flush; the
      // process's own entry and exit stay.
      PRIMITIVES.forEach((_, i) => expect(out[i]).toBe(SWITCH.includes(i) ? 0 : ALL[i]));
      expect([out[P.kernelEntry], out[P.kernelExit]]).toEqual([ALL[P.kernelEntry], ALL[P.kernelExit]]);
    }
  });

  it("keeps a process's switch when the CPU was running another process, or nothing", () => {
    for (const [ec, cur] of [
      [client, helper],
      [helper, hog],
      [hog, client],
      [client, -1],
      [client, client],
    ] as const) {
      const out = monolithicCounts(mixed, servicesOf(mixed), running(mixed, mixed.init, cpu, cur), ec, ALL);
      expect(out).toEqual(ALL);
    }
  });

  it("leaves device and timer steps (actor -1) unchanged", () => {
    expect(monolithicCounts(mixed, servicesOf(mixed), running(mixed, mixed.init, cpu, server), -1, ALL)).toEqual(ALL);
  });

  it("never increases a count, and only ever zeroes crossings (property)", () => {
    const services = servicesOf(mixed);
    const ecs = mixed.k.L.counts.ec;
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1000 }), { minLength: PRIMITIVES.length, maxLength: PRIMITIVES.length }),
        fc.integer({ min: -1, max: ecs - 1 }),
        fc.integer({ min: -1, max: ecs - 1 }),
        (counts, actor, cur) => {
          const v = Int32Array.from(counts);
          const out = monolithicCounts(mixed, services, running(mixed, mixed.init, cpu, cur), actor, v);
          PRIMITIVES.forEach((_, i) => {
            expect(out[i]).toBeLessThanOrEqual(v[i]!);
            expect(out[i]).toBeGreaterThanOrEqual(0);
            if (!CROSSING.includes(i)) expect(out[i]).toBe(v[i]);
            else expect([0, v[i]]).toContain(out[i]);
          });
        },
      ),
      { numRuns: 500, seed: 20261121 },
    );
  });
});

describe("the baseline on a timed graph", () => {
  it("never prices an edge or an owed dispatch above the microkernel's", () => {
    for (const name of ["round_trip", "page_fault", "replicas", "busy_bounded", "interrupt"]) {
      const m = fixture(name);
      const g = timedGraph(m, m.paths);
      const n = g.exploration.graph!.count;
      // Interned vectors: compare each (baseline, microkernel) pair of ids once.
      const pairs = new Set<string>();
      const bad: string[] = [];
      const le = (a: number, b: number, what: string): void => {
        const key = `${a},${b}`;
        if (pairs.has(key)) return;
        pairs.add(key);
        const va = g.counts.vectors[a]!;
        const vb = g.counts.vectors[b]!;
        if (PRIMITIVES.some((_, i) => va[i]! > vb[i]!)) bad.push(`${name} ${what}: ${JSON.stringify(named(va))} > ${JSON.stringify(named(vb))}`);
      };
      for (let e = 0; e < n; e++) {
        le(g.costMono[e]!, g.cost[e]!, "edge");
        for (const ev of g.events)
          for (const side of [ev.from, ev.to]) {
            if (side.dispatchMono[e]! >= 0 !== side.dispatch[e]! >= 0) bad.push(`${name} edge ${e}: a dispatch on one side only`);
            if (side.dispatch[e]! >= 0) le(side.dispatchMono[e]!, side.dispatch[e]!, "dispatch");
          }
      }
      expect(bad).toEqual([]);
    }
  });

  it("makes the service's steps and the client's return free of crossings in a round trip", () => {
    const m = fixture("round_trip");
    const g = timedGraph(m, m.paths);
    const n = g.exploration.graph!.count;
    const mono = new Map<string, object>();
    for (let e = 0; e < n; e++) mono.set(edgeStep(g, e).step.text, named(g.counts.vectors[g.costMono[e]!]!));
    // The server's recv and reply keep their message words only.
    expect(mono.get("server.serve: recv rpc -> x: x = 1")).toEqual({ msgWord: 2 });
    expect(mono.get("server.serve: reply x: sends 1")).toEqual({ msgWord: 2 });
    // The client resuming after the reply is the return from the system call: nothing.
    expect(mono.get("client.main: call server.rpc(1) -> r completes: r = 1")).toEqual({});
    // The client's call to a waiting server: its system call's entry and exit and the words copied in.
    const call = [...Array(n).keys()].filter((e) => edgeStep(g, e).step.text === "client.main: call server.rpc(1) -> r: blocks");
    expect(call.map((e) => named(g.counts.vectors[g.costMono[e]!]!))).toContainEqual({ kernelEntry: 1, kernelExit: 1, msgWord: 2 });
  });

  it("keeps the full switch between two processes", () => {
    // replicas.nizza: client[1]'s call after client[0]'s is a process switch, priced in full on
    // the baseline: 88 + 87 + 2,000 + 100 (+ the flush, see below) on linux-monolithic.
    const r = measured("replicas", ["linux-monolithic"]);
    const worst = r.paths[0]!.timings[0]!.worst!;
    if ("unbounded" in worst) throw new Error("expected bounded");
    const step = worst.trace.steps.find((s) => s.text === "client[1].main: call server.rpc(1) -> r: blocks" && s.cycles !== null)!;
    expect(step.cycles).toBeGreaterThanOrEqual(88 + 87 + 2000 + 100);
  });

  // linux-monolithic's machine tags its TLB (PCID), but the kernel model runs untagged and counts
  // a tlbFlush at every address-space switch: timedPrice charges none on a tagged machine, so
  // replicas.nizza's worst case's client[1] call step costs 88 + 87 + 2,000 + 100 = 2,275, not
  // 2,321 with the 46-cycle flush.
  it("charges no tlbFlush for a process switch on the PCID-tagged baseline machine", () => {
    const r = measured("replicas", ["linux-monolithic"]);
    const worst = r.paths[0]!.timings[0]!.worst!;
    if ("unbounded" in worst) throw new Error("expected bounded");
    expect(worst.counts.tlbFlush).toBe(0);
  });
});
