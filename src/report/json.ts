// The json report of `nizza check`: the whole run as one versioned document, in the shape spec/report.schema.json defines.
import type { CheckResult, CheckStats, Counterexample, InvariantResult, Reductions, TcbResult, TraceStep } from "../checker/check.js";
import { PRIMITIVES, type Primitive } from "../machine/meter.js";
import type { PathCase, PathResult, PathTiming, PathTrace, PathsOutcome, TimedStep, UnboundedCase } from "../timing/measure.js";
import { locationOf, type Location, type Report, type ScenarioError, type ScenarioOutcome } from "./model.js";
import { showValue } from "../components/values.js";

/**
 * The format's version (spec/report.md): the major number changes when a field is removed or
 * changes meaning, the minor one when a field (or an enumeration's value) is added.
 */
export const JSON_REPORT_VERSION = "1.5";

/** The schema's `$id` (spec/report.schema.json), which every document names in `$schema`. */
export const JSON_REPORT_SCHEMA = `https://nizza.dev/schemas/report-${JSON_REPORT_VERSION}.json`;

// The document's shape, field by field as spec/report.md documents it. Internal types are
// mapped into these, never serialised as they are: a refactoring of the result model must
// not change the format.

export interface JsonReport {
  readonly $schema: string;
  readonly version: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly exit: number;
  readonly scenarios: readonly JsonScenario[];
  /** Since 1.4: what comparing the run with its baseline found; null when it was not compared. */
  readonly baseline: { readonly file: string; readonly regressions: readonly string[]; readonly notCompared: readonly string[] } | null;
}

export interface JsonScenario {
  readonly file: string;
  /** Null when the scenario has errors (it was not checked); so are tcbPartial and stats. */
  readonly system: string | null;
  readonly exit: number;
  readonly errors: readonly JsonError[];
  readonly asserts: JsonInvariant | null;
  readonly invariants: readonly JsonInvariant[];
  readonly tcb: readonly JsonTcb[];
  readonly tcbPartial: boolean | null;
  readonly paths: readonly JsonPath[];
  readonly stats: JsonStats | null;
  readonly pathStats: JsonPathStats | null;
}

export interface JsonLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface JsonError {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly location: JsonLocation | null;
  readonly help: string | null;
}

export interface JsonInvariant {
  readonly name: string | null;
  readonly text: string;
  readonly location: JsonLocation | null;
  readonly expect: "holds" | "violated";
  readonly verdict: "holds" | "violated" | "incomplete";
  readonly met: boolean;
  readonly counterexample: JsonCounterexample | null;
}

export interface JsonCounterexample {
  readonly reason: string;
  readonly loopsTo: number | null;
  /** For `available`: the index of the first step taken from a stuck state (spec/report.md). */
  readonly stuckFrom: number | null;
  readonly steps: readonly JsonStep[];
}

export interface JsonStep {
  readonly index: number;
  readonly kind: "thread" | "adversary" | "revoke" | "timeout" | "irq" | "dma";
  readonly actor: string;
  readonly target: string | null;
  readonly text: string;
  readonly location: JsonLocation | null;
}

export interface JsonTimedStep extends JsonStep {
  readonly cycles: number | null;
}

export interface JsonTcb {
  readonly component: string;
  readonly members: readonly string[];
  readonly sloc: number;
  /** Since 1.5: why each member other than the component is in it. */
  readonly reasons: readonly { readonly member: string; readonly links: readonly { readonly from: string; readonly to: string; readonly why: string; readonly depth: number | null }[] }[];
}

export interface JsonPath {
  readonly name: string;
  readonly text: string;
  readonly location: JsonLocation | null;
  readonly budget: number | null;
  readonly observed: boolean;
  readonly verdict: "holds" | "violated" | "incomplete";
  readonly reason: string | null;
  readonly timings: readonly JsonTiming[];
}

export interface JsonTiming {
  readonly preset: string;
  readonly best: JsonCase | null;
  readonly worst: JsonCase | null;
}

/** One shape for both cases: `unbounded` says which fields are null. */
export interface JsonCase {
  readonly unbounded: boolean;
  /** Null when unbounded. */
  readonly cycles: number | null;
  /** Null when unbounded. */
  readonly counts: Readonly<Record<Primitive, number>> | null;
  /** Null when bounded; else the index of the step at which the loop starts again. */
  readonly loopsTo: number | null;
  readonly steps: readonly JsonTimedStep[];
}

export type JsonBound = "states" | "depth" | "memory" | "successors" | "stopped" | "interrupted" | "simulation";

export interface JsonStats {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly elapsedMs: number;
  readonly bound: JsonBound | null;
  readonly collisionProbability: number;
  readonly bytesPerState: number;
  readonly reductions: { readonly symmetry: JsonReduction; readonly por: JsonReduction; readonly deadValues: JsonReduction };
  /** Since 1.3: the values MMIO windows took from outside (as the scenario writes them) and the explorations it took; null when no device with a window produces data. */
  readonly mmio: { readonly values: readonly string[]; readonly explorations: number } | null;
}

export type JsonReduction = { readonly used: string } | { readonly off: string };

export interface JsonPathStats {
  readonly states: number;
  readonly transitions: number;
  readonly elapsedMs: number;
  readonly bound: JsonBound | null;
}

/** The whole run as one JSON document: pretty-printed with two spaces, ending with a newline. */
export function renderJson(report: Report): string {
  return JSON.stringify(jsonReport(report), null, 2) + "\n";
}

/** The document `renderJson` prints, as a value. */
export function jsonReport(report: Report): JsonReport {
  return {
    $schema: JSON_REPORT_SCHEMA,
    version: JSON_REPORT_VERSION,
    tool: { name: report.tool.name, version: report.tool.version },
    exit: report.exit,
    scenarios: report.scenarios.map(scenario),
    baseline: report.baseline ? { file: report.baseline.file, regressions: [...report.baseline.regressions], notCompared: [...report.baseline.notCompared] } : null,
  };
}

function scenario(s: ScenarioOutcome): JsonScenario {
  const r: CheckResult | null = s.result;
  return {
    file: s.file,
    system: r ? r.system : null,
    exit: s.exit,
    errors: s.errors.map(error),
    asserts: r?.asserts ? invariant(r.asserts) : null,
    invariants: r ? r.invariants.map(invariant) : [],
    tcb: r ? r.tcb.map(tcb) : [],
    tcbPartial: r ? r.tcbPartial : null,
    paths: r ? r.paths.map(path) : [],
    stats: r ? stats(r.stats) : null,
    pathStats: r?.pathStats ? pathStats(r.pathStats) : null,
  };
}

function location(l: Location | null): JsonLocation | null {
  return l && { file: l.file, line: l.line, column: l.column };
}

function error(e: ScenarioError): JsonError {
  return { code: e.code, severity: e.severity, message: e.message, location: location(e.at), help: e.help };
}

function invariant(i: InvariantResult): JsonInvariant {
  return {
    name: i.name,
    text: i.text,
    location: location(locationOf(i.at)),
    expect: i.expect,
    verdict: i.verdict,
    met: i.met,
    counterexample: i.counterexample && counterexample(i.counterexample),
  };
}

function counterexample(c: Counterexample): JsonCounterexample {
  return { reason: c.reason, loopsTo: c.loopsTo, stuckFrom: c.stuckFrom, steps: c.steps.map(step) };
}

function step(s: TraceStep, index: number): JsonStep {
  return { index, kind: s.kind, actor: s.actor, target: s.target, text: s.text, location: location(locationOf(s.at)) };
}

function timedStep(s: TimedStep, index: number): JsonTimedStep {
  return { ...step(s, index), cycles: s.cycles };
}

function tcb(t: TcbResult): JsonTcb {
  return {
    component: t.component,
    members: [...t.members],
    sloc: t.sloc,
    reasons: t.reasons.map((r) => ({ member: r.member, links: r.links.map((l) => ({ from: l.from, to: l.to, why: l.why, depth: l.depth })) })),
  };
}

function path(p: PathResult): JsonPath {
  return {
    name: p.name,
    text: p.text,
    location: location(locationOf(p.at)),
    budget: p.budget,
    observed: p.observed,
    verdict: p.verdict,
    reason: p.reason,
    timings: p.timings.map(timing),
  };
}

function timing(t: PathTiming): JsonTiming {
  return { preset: t.preset, best: t.best && pathCase(t.best), worst: t.worst && pathCase(t.worst) };
}

function pathCase(c: PathCase | UnboundedCase): JsonCase {
  const steps = (t: PathTrace): JsonTimedStep[] => t.steps.map(timedStep);
  if ("unbounded" in c) return { unbounded: true, cycles: null, counts: null, loopsTo: c.trace.loopsTo, steps: steps(c.trace) };
  // Every primitive, in the meter's order, whatever the internal record holds.
  const counts = Object.fromEntries(PRIMITIVES.map((p) => [p, c.counts[p] ?? 0])) as Record<Primitive, number>;
  return { unbounded: false, cycles: c.cycles, counts, loopsTo: null, steps: steps(c.trace) };
}

function reduction(r: Reductions[keyof Reductions]): JsonReduction {
  return "used" in r ? { used: r.used } : { off: r.off };
}

function stats(s: CheckStats): JsonStats {
  return {
    states: s.states,
    transitions: s.transitions,
    depth: s.depth,
    elapsedMs: s.elapsedMs,
    bound: s.bound,
    collisionProbability: s.collisionProbability,
    bytesPerState: s.bytesPerState,
    reductions: { symmetry: reduction(s.reductions.symmetry), por: reduction(s.reductions.por), deadValues: reduction(s.reductions.deadValues) },
    mmio: s.mmio && { values: s.mmio.values.map(showValue), explorations: s.mmio.explorations },
  };
}

function pathStats(p: Omit<PathsOutcome, "paths">): JsonPathStats {
  return { states: p.states, transitions: p.transitions, elapsedMs: p.elapsedMs, bound: p.bound };
}
