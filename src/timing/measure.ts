// Measuring a scenario's paths under one or more cost presets: the result model reports render.
import { traceStep, type TraceStep, type Verdict } from "../checker/check.js";
import { replay, type Bound } from "../checker/explore.js";
import type { PathModel, SystemModel } from "../dsl/model.js";
import type { Primitive } from "../machine/meter.js";
import { NONE, timedGraph, type TimedGraph, type TimingOptions } from "./graph.js";
import { timePath, type Measure, type Pricing, type Unbounded } from "./paths.js";
import { COST_MODELS, isCostPreset, isMonolithic, type CostPreset } from "./presets.js";
import { timedPrice } from "./price.js";
import { widerMmioValues } from "../components/step.js";

/** A step of a path's trace; `cycles` is what it adds to the measurement (null before the measurement starts). */
export interface TimedStep extends TraceStep {
  readonly cycles: number | null;
}

export interface PathTrace {
  readonly steps: readonly TimedStep[];
  /** For an unbounded worst case: the step index at which the loop starts again. */
  readonly loopsTo: number | null;
}

export interface PathCase {
  readonly cycles: number;
  readonly counts: Readonly<Record<Primitive, number>>;
  readonly trace: PathTrace;
}

export interface UnboundedCase {
  readonly unbounded: true;
  readonly trace: PathTrace;
}

/** A path under one preset. */
export interface PathTiming {
  readonly preset: CostPreset;
  readonly best: PathCase | null;
  readonly worst: PathCase | UnboundedCase | null;
}

export interface PathResult {
  readonly index: number;
  readonly name: string;
  /** `client calls server.rpc -> client gets reply` */
  readonly text: string;
  readonly at: string;
  readonly budget: number | null;
  /** Whether the start event happens in some state explored. */
  readonly observed: boolean;
  /** Per preset asked for; the first is the one a budget is judged under. */
  readonly timings: readonly PathTiming[];
  /**
   * The budget's verdict under the first preset: violated when the worst case exceeds it or is
   * unbounded, holds when the exploration was complete, else incomplete. A path without a
   * budget holds (it is measured, not judged), or is incomplete.
   */
  readonly verdict: Verdict;
  readonly reason: string | null;
}

export interface PathsOutcome {
  readonly paths: readonly PathResult[];
  readonly states: number;
  readonly transitions: number;
  readonly elapsedMs: number;
  readonly bound: Bound | null;
  /** The values MMIO windows took from outside in the exploration the figures are of (spec/language.md §9.5). */
  readonly mmio: readonly number[];
}

/** The preset names `--costs` accepts: every preset, and `monolithic` for `linux-monolithic`. */
export function presetOf(name: string): CostPreset | null {
  if (name === "monolithic") return "linux-monolithic";
  return isCostPreset(name) ? name : null;
}

/**
 * Explores `model` once (src/timing/graph.ts) and measures every path under each preset in
 * `presets` (the scenario's own, `model.kernel.costs`, when none are given).
 */
export function measurePaths(model: SystemModel, presets: readonly CostPreset[] = [model.kernel.costs], options: TimingOptions = {}): PathsOutcome {
  if (model.paths.length === 0) return { paths: [], states: 0, transitions: 0, elapsedMs: 0, bound: null, mmio: [0] };
  // As `nizza check` explores (spec/language.md §9.5): MMIO windows take 0 from outside, then,
  // exploring again, the values that tell apart what threads compared of them, to a fixed point.
  // From the values a check found, when given: usually the fixed point already.
  let mmio = options.mmio ?? [0];
  let earlierMs = 0;
  let g = timedGraph(model, model.paths, { ...options, mmio });
  for (let wider = widerMmioValues(g.sys); wider && g.exploration.bound === null; wider = widerMmioValues(g.sys)) {
    earlierMs += g.exploration.elapsedMs;
    mmio = wider;
    g = timedGraph(model, model.paths, { ...options, mmio });
  }
  const ex = g.exploration;
  const complete = ex.bound === null;
  const paths = model.paths.map((p) => {
    const timings = presets.map((preset): PathTiming => {
      const pricing: Pricing = { model: COST_MODELS[preset], monolithic: isMonolithic(COST_MODELS[preset]) };
      const t = timePath(g, p.index, pricing);
      return {
        preset,
        best: t.best && caseOf(g, pricing, t.best),
        worst: t.worst && ("unbounded" in t.worst ? { unbounded: true, trace: traceOf(g, pricing, t.worst) } : caseOf(g, pricing, t.worst)),
      };
    });
    const observed = g.events[p.index]!.from.ec.some((x) => x !== NONE);
    return judge(model, p, timings, observed, complete);
  });
  return { paths, states: ex.states, transitions: ex.transitions, elapsedMs: ex.elapsedMs + earlierMs, bound: ex.bound, mmio };
}

/** Why a path that starts has no figures: every report says it the same way. */
export const NEVER_ENDS = "the start event happens, but the end event never follows it (every start waits for ever or times out)";
/** The same seen by an exploration a bound cut short: the states beyond may hold an end. */
export const NO_END_SEEN = "the start event happens, but no end event follows it in the states explored (a bound stopped the exploration)";

/** The path's events as written: `client calls server.rpc -> client gets reply`. */
export function pathText(model: SystemModel, p: PathModel): string {
  return model.sources.text(p.node).replace(/^path\s+[A-Za-z_][A-Za-z0-9_]*\s*:\s*/, "").replace(/\s+within\s+\S+\s+cycles$/, "");
}

function judge(model: SystemModel, p: PathModel, timings: PathTiming[], observed: boolean, complete: boolean): PathResult {
  const base = { index: p.index, name: p.name, text: pathText(model, p), at: model.sources.where(p.node), budget: p.budget, observed, timings };
  const worst = timings[0]?.worst ?? null;
  // The start happens, but no end ever follows one (it waits for ever, or times out): the
  // budget's end is never reached within it, or at all (spec/costs.md, Budgets).
  if (observed && timings.length > 0 && !timings[0]!.best && p.budget !== null)
    return complete
      ? { ...base, verdict: "violated", reason: `${NEVER_ENDS}, so it never ends within the budget of ${p.budget.toLocaleString("en-US")} cycles` }
      : { ...base, verdict: "incomplete", reason: null };
  if (p.budget !== null && worst) {
    if ("unbounded" in worst) return { ...base, verdict: "violated", reason: `the worst case is unbounded: steps that cost cycles can repeat for ever after the start event, before the end event (budget ${p.budget.toLocaleString("en-US")} cycles)` };
    if (worst.cycles > p.budget) return { ...base, verdict: "violated", reason: `the worst case takes ${worst.cycles.toLocaleString("en-US")} cycles under ${timings[0]!.preset}, over the budget of ${p.budget.toLocaleString("en-US")}` };
  }
  return { ...base, verdict: complete ? "holds" : "incomplete", reason: null };
}

/** What each measured edge adds: its price, less the start's own dispatch, plus the end's owed one. */
function edgeCycles(g: TimedGraph, pricing: Pricing, p: number, edges: readonly number[]): number[] {
  const ids = pricing.monolithic ? g.costMono : g.cost;
  const col = g.events[p]!;
  const lead = pricing.monolithic ? col.from.dispatchMono : col.from.dispatch;
  const owed = pricing.monolithic ? col.to.dispatchMono : col.to.dispatch;
  const of = (id: number): number => (id >= 0 ? timedPrice(pricing.model, g.counts.vectors[id]!) : 0);
  return edges.map((e, i) => of(ids[e]!) - (i === 0 ? of(lead[e]!) : 0) + (i === edges.length - 1 && col.to.ec[e] !== NONE ? of(owed[e]!) : 0));
}

function caseOf(g: TimedGraph, pricing: Pricing, m: Measure): PathCase {
  return { cycles: m.cycles, counts: m.counts, trace: traceOf(g, pricing, m) };
}

/** Replays the way to the measurement's first state and the measured edges: the trace in scenario terms. */
function traceOf(g: TimedGraph, pricing: Pricing, m: Measure | Unbounded): PathTrace {
  const graph = g.exploration.graph!;
  const prefix = g.exploration.records.pathTo(m.origin);
  const ordinals = [...prefix, ...m.edges.map((e) => graph.ordinal[e]!)];
  const xs = replay(g.sys, ordinals);
  const cycles = edgeCycles(g, pricing, m.path, m.edges);
  const steps = xs.map((x, i): TimedStep => ({
    ...traceStep(g.sys, i === 0 ? g.sys.init : xs[i - 1]!.state, x.step, x.ordinal),
    cycles: i < prefix.length ? null : cycles[i - prefix.length]!,
  }));
  return { steps, loopsTo: "unbounded" in m ? prefix.length + m.loopsTo : null };
}
