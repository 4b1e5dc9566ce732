// Test helpers for the path-timing suites: timing fixtures, the steps behind edges of a timed graph, and where events happen.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { replay } from "../../src/checker/explore.js";
import { ecName } from "../../src/components/names.js";
import { buildSystem, type StepInfo, type System } from "../../src/components/step.js";
import type { SystemModel } from "../../src/dsl/model.js";
import type { StateVector } from "../../src/kernel/layout.js";
import { PRIMITIVES, type Primitive } from "../../src/machine/meter.js";
import { NONE, type TimedGraph } from "../../src/timing/graph.js";
import { measurePaths, type PathsOutcome } from "../../src/timing/measure.js";
import { COST_PRESETS, type CostPreset } from "../../src/timing/presets.js";
import { compile } from "../kernel/harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every preset, in the table's order. */
export const PRESETS = Object.keys(COST_PRESETS) as CostPreset[];

/** The text of test/fixtures/timing/NAME.nizza. */
export function fixtureText(name: string): string {
  return readFileSync(join(root, "test/fixtures/timing", `${name}.nizza`), "utf8");
}

/** test/fixtures/timing/NAME.nizza compiled (optionally after `edit` of its text). */
export function fixture(name: string, edit: (text: string) => string = (t) => t): SystemModel {
  return compile(edit(fixtureText(name)), `test/fixtures/timing/${name}.nizza`);
}

const measuredCache = new Map<string, PathsOutcome>();

/** measurePaths of fixture `name` under `presets`, explored once per test file. */
export function measured(name: string, presets: readonly CostPreset[]): PathsOutcome {
  const key = `${name} ${presets.join(",")}`;
  let o = measuredCache.get(key);
  if (!o) measuredCache.set(key, (o = measurePaths(fixture(name), presets)));
  return o;
}

/**
 * A system independent of a timed graph's, set up as spec/costs.md §Paths says the timing
 * exploration is: the dead-value reductions on, the devices the paths name kept loud, and
 * footprints on, as a trace replay has them (StepInfo.cost is the meter's copy).
 */
export function replaySystem(model: SystemModel): System {
  const base = buildSystem(model);
  const devices = model.paths.flatMap((p) => [p.from, p.to]).filter((e) => e.verb === "fires" || e.verb === "delivers").flatMap((e) => e.subjects);
  const sys: System = { ...base, namedIrqs: new Set([...base.namedIrqs, ...devices]) };
  sys.footprints = true;
  sys.metered = false;
  sys.quietIrqs = sys.deadVariables = true;
  return sys;
}

/** An edge of a timed graph as a step: the state before it, the step, the state after it. */
export interface EdgeStep {
  readonly edge: number;
  readonly before: StateVector;
  readonly step: StepInfo;
  readonly after: StateVector;
}

/** Replays the way to edge `e`'s source and the edge itself, on the graph's own system. */
export function edgeStep(g: TimedGraph, e: number): EdgeStep {
  const graph = g.exploration.graph!;
  const xs = replay(g.sys, [...g.exploration.records.pathTo(graph.from[e]!), graph.ordinal[e]!]);
  const x = xs[xs.length - 1]!;
  return { edge: e, before: xs.length > 1 ? xs[xs.length - 2]!.state : g.sys.init, step: x.step, after: x.state };
}

/** Every edge of the graph as a step. */
export function edgeSteps(g: TimedGraph): EdgeStep[] {
  return Array.from({ length: g.exploration.graph!.count }, (_, e) => edgeStep(g, e));
}

/** One occurrence of a path's event on an edge: the step's text, the EC named (or "device"), and the dispatch owed or deducted. */
export interface Seen {
  readonly edge: number;
  readonly text: string;
  readonly to: string;
  readonly dispatch: Partial<Record<Primitive, number>> | null;
}

/** The edges on which path `p`'s start (`from`) or end (`to`) event happens, in graph order. */
export function occurrences(g: TimedGraph, p: number, side: "from" | "to"): Seen[] {
  const col = g.events[p]![side];
  const out: Seen[] = [];
  for (let e = 0; e < col.ec.length; e++) {
    if (col.ec[e] === NONE) continue;
    const ec = col.ec[e]!;
    out.push({
      edge: e,
      text: edgeStep(g, e).step.text,
      to: ec < 0 ? "device" : ecName(g.sys.model, g.sys.k.L, ec),
      dispatch: col.dispatch[e]! < 0 ? null : named(g.counts.vectors[col.dispatch[e]!]!),
    });
  }
  return out;
}

/** A count vector by name, without its zeros. */
export function named(v: ArrayLike<number>): Partial<Record<Primitive, number>> {
  const out: Partial<Record<Primitive, number>> = {};
  PRIMITIVES.forEach((p, i) => v[i] && (out[p] = v[i]));
  return out;
}

/** A case's counts without the zeros. */
export function nonZero(counts: Readonly<Record<Primitive, number>>): Partial<Record<Primitive, number>> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}
