// The timed graph: each edge's interned counts are the meter's counts of the same step replayed with footprints on; its baseline counts and event columns follow from that step.
import { describe, expect, it } from "vitest";
import { replay } from "../../src/checker/explore.js";
import type { StepInfo, System } from "../../src/components/step.js";
import type { SystemModel } from "../../src/dsl/model.js";
import type { StateVector } from "../../src/kernel/layout.js";
import { EventMatcher } from "../../src/timing/events.js";
import { NONE, timedGraph, type TimedGraph } from "../../src/timing/graph.js";
import { monolithicCounts, servicesOf } from "../../src/timing/monolithic.js";
import { compile } from "../kernel/harness.js";
import { fixture, named, replaySystem } from "./helpers.js";

/** One edge replayed: the state before it, its step, the state after it. */
interface Replayed {
  readonly e: number;
  readonly before: StateVector;
  readonly step: StepInfo;
  readonly after: StateVector;
}

/** Every edge of `g` replayed on `sys`: per state one replay of the way to it, then each edge from it as one step. */
function replayEdges(g: TimedGraph, sys: System): Replayed[] {
  const graph = g.exploration.graph!;
  const byState = new Map<number, number[]>();
  for (let e = 0; e < graph.count; e++) byState.set(graph.from[e]!, [...(byState.get(graph.from[e]!) ?? []), e]);
  const out: Replayed[] = [];
  for (const [v, edges] of byState) {
    const way = replay(sys, g.exploration.records.pathTo(v));
    const at = way.length ? way[way.length - 1]!.state : sys.init;
    const here: System = { ...sys, init: at };
    for (const e of edges) {
      const x = replay(here, [graph.ordinal[e]!])[0]!;
      out.push({ e, before: at, step: x.step, after: x.state });
    }
  }
  return out;
}

interface Prepared {
  readonly m: SystemModel;
  readonly g: TimedGraph;
  readonly sys: System;
  readonly edges: readonly Replayed[];
}
const prepared = new Map<string, Prepared>();
/** A scenario's timed graph and every edge of it replayed, once per file. */
function prepare(name: string, model: () => SystemModel): Prepared {
  let p = prepared.get(name);
  if (!p) {
    const m = model();
    const g = timedGraph(m, m.paths);
    const sys = replaySystem(m);
    prepared.set(name, (p = { m, g, sys, edges: replayEdges(g, sys) }));
  }
  return p;
}

const SCENARIOS: { name: string; model: () => SystemModel }[] = [
  { name: "round_trip", model: () => fixture("round_trip") },
  { name: "page_fault", model: () => fixture("page_fault") },
  { name: "exception", model: () => fixture("exception") },
  { name: "replicas", model: () => fixture("replicas") },
  { name: "interrupt", model: () => fixture("interrupt") },
  {
    // Revocation and delegation, an untrusted caller with a few adversary steps, a semaphore.
    name: "delegate and revoke",
    model: () =>
      compile(`
system grants {
  component sigma0 : trusted root { }
  component server : trusted {
    portal rpc
    memory buf 4K
    thread serve {
      recv rpc -> x
      reply x with buf : r
      revoke buf
    }
  }
  component client : trusted {
    caps { server.rpc: call }
    semaphore done
    thread main {
      call server.rpc(1) -> r
      up done
    }
  }
  component mal : untrusted {
    caps { server.rpc: call }
    adversary steps 1
  }
  path rt: client calls server.rpc -> client gets reply
}
`),
  },
];

describe("timedGraph", () => {
  it.each(SCENARIOS)("prices each edge with the meter's counts of its step ($name)", ({ name, model }) => {
    const { g, edges } = prepare(name, model);
    const graph = g.exploration.graph!;
    expect(graph.count).toBeGreaterThan(0);
    expect(g.cost.length).toBe(graph.count);
    expect(edges.length).toBe(graph.count);
    const bad: string[] = [];
    for (const { e, step } of edges) {
      const interned = g.counts.vectors[g.cost[e]!]!;
      expect(step.cost.length).toBe(interned.length);
      if (!step.cost.every((c, i) => c === interned[i])) bad.push(`edge ${e} (${step.text}): graph ${JSON.stringify(named(interned))}, meter ${JSON.stringify(named(step.cost))}`);
    }
    expect(bad).toEqual([]);
  });

  it.each(SCENARIOS)("prices each edge's baseline with monolithicCounts of its step ($name)", ({ name, model }) => {
    const { g, sys, edges } = prepare(name, model);
    const services = servicesOf(sys);
    const bad: string[] = [];
    for (const { e, before, step } of edges) {
      const actor = step.ec >= 0 && step.kind !== "timeout" ? step.ec : -1;
      const want = monolithicCounts(sys, services, before, actor, step.cost);
      const got = g.counts.vectors[g.costMono[e]!]!;
      if (!want.every((c, i) => c === got[i])) bad.push(`edge ${e} (${step.text}): graph ${JSON.stringify(named(got))}, transform ${JSON.stringify(named(want))}`);
    }
    expect(bad).toEqual([]);
  });

  it.each(SCENARIOS)("marks each path's events where EventMatcher finds them in the replayed step ($name)", ({ name, model }) => {
    const { m, g, sys, edges } = prepare(name, model);
    const matchers = m.paths.map((p) => ({ from: new EventMatcher(sys, p.from), to: new EventMatcher(sys, p.to) }));
    const bad: string[] = [];
    let events = 0;
    for (const { e, before, step, after } of edges) {
      m.paths.forEach((p, i) => {
        for (const side of ["from", "to"] as const) {
          const occ = matchers[i]![side].match(before, step, after);
          const col = g.events[i]![side];
          const want = occ[0]?.ec ?? NONE;
          if (want !== NONE) events++;
          if (col.ec[e] !== want) bad.push(`path ${p.name} ${side}, edge ${e} (${step.text}): graph ${col.ec[e]}, matcher ${want}`);
          if (side === "to" && occ[0]) {
            const owed = occ[0].dispatch;
            const got = col.dispatch[e]! < 0 ? null : g.counts.vectors[col.dispatch[e]!]!;
            if (JSON.stringify(owed && named(owed)) !== JSON.stringify(got && named(got))) bad.push(`path ${p.name} owed dispatch, edge ${e}: graph ${JSON.stringify(got && named(got))}, matcher ${JSON.stringify(owed && named(owed))}`);
          }
        }
      });
    }
    expect(events).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });

  it("interns the counts: far fewer vectors than edges, and no vector twice", () => {
    const { g } = prepare(SCENARIOS[5]!.name, SCENARIOS[5]!.model);
    expect(g.exploration.graph!.count).toBeGreaterThan(1000);
    expect(g.counts.vectors.length).toBeLessThan(64);
    const keys = g.counts.vectors.map((v) => v.join(","));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("explores without symmetry reduction: the replicas' states are all there", () => {
    // Two replicas of the client give mirror-image states that symmetry reduction would merge;
    // the timed graph keeps both, since a path's events name ECs.
    const m = fixture("replicas");
    const g = timedGraph(m, m.paths);
    const firstCalls = new Set<string>();
    const graph = g.exploration.graph!;
    for (let e = 0; e < graph.count; e++) {
      if (graph.from[e] !== 0) continue;
      firstCalls.add(replay(g.sys, [graph.ordinal[e]!])[0]!.step.text);
    }
    expect(firstCalls).toContain("client[0].main: call server.rpc(1) -> r: blocks");
    expect(firstCalls).toContain("client[1].main: call server.rpc(1) -> r: blocks");
  });
});
