// Checking a scenario: explore it, judge every invariant, and rebuild a shortest counterexample for each failure.
import { buildSystem, successors, useDeadValues, useMmioValues, useWalkMmioValues, widerMmioValues, type StepInfo, type System } from "../components/step.js";
import type { InvariantModel, SystemModel } from "../dsl/model.js";
import type { NodeId } from "../dsl/source.js";
import { EC, type StateVector } from "../kernel/layout.js";
import { ecGet } from "../kernel/ec.js";
import { explore, exploreUntil, interrupted, replay, simulate, type Bound, type Exploration, type ExploreHooks, type ExploreOptions, type Graph, type Handoff, type Progress, type SimulateOptions } from "./explore.js";
import { cannotReach, firstByRank, forward, lasso, levels, orbitsOf, pathTo, placeIn, reversed, type Forward, type Levels, type Orbit, type Reversed } from "./invariants/graph.js";
import { Judge, type Failure } from "./judge.js";
import { assertMonitor } from "./invariants/assert.js";
import { deadlockReason, endlessWait, endlessWaitReason } from "./invariants/deadlock.js";
import { safetyMonitor } from "./invariants/index.js";
import { exploreParallel, type ScenarioSource } from "./parallel.js";
import { sameState, symmetryOf, type Symmetry } from "./symmetry.js";
import { measurePaths, pathText, type PathResult, type PathsOutcome } from "../timing/measure.js";

export type Verdict = "holds" | "violated" | "incomplete";

/** One step of a counterexample, in scenario terms. */
export interface TraceStep {
  readonly kind: StepInfo["kind"];
  /** Who acted: a component (a replica as `client[1]`), a device, or "kernel" for a timeout. */
  readonly actor: string;
  /** For a call the portal's component, for a reply the caller's; null otherwise (for sequence diagrams). */
  readonly target: string | null;
  /** "viaduct.crypto: recv encrypt -> pkt: pkt = 7 [lan]". */
  readonly text: string;
  /** The statement (thread steps) or the component declaration (adversary steps) it comes from. */
  readonly node: NodeId | null;
  /** `file:line` of that node, when there is one. */
  readonly at: string | null;
  /** The successor ordinal taken: feeding these back from the initial state replays the trace. */
  readonly ordinal: number;
}

export interface Counterexample {
  readonly steps: readonly TraceStep[];
  /** Why the invariant fails in the last state (or, for a lasso, along the loop). */
  readonly reason: string;
  /** For `available`: the step index at which the loop starts again (the lasso's knot); null otherwise. */
  readonly loopsTo: number | null;
  /**
   * For `available`: the index of the first step taken from a state from which the server can
   * never wait again — the shortest way there is the steps before it, the walk among such
   * states to the dead end or the loop the steps from it (the number of steps when the stuck
   * state is the last). Null otherwise.
   */
  readonly stuckFrom: number | null;
}

export interface InvariantResult {
  readonly index: number;
  /** The invariant as written (`isolated(linux_red, linux_black) except via viaduct`). */
  readonly text: string;
  readonly name: string | null;
  readonly at: string;
  readonly node: NodeId;
  readonly expect: "holds" | "violated";
  readonly verdict: Verdict;
  /** Whether the verdict is what the scenario expects (an incomplete verdict never is). */
  readonly met: boolean;
  readonly counterexample: Counterexample | null;
}

export interface TcbResult {
  readonly component: string;
  /** The components in the TCB (the component itself included), in model order; the kernel is always in it too. */
  readonly members: readonly string[];
  readonly sloc: number;
  /** Why each member other than the component is in the TCB, in member order (spec/invariants.md §6). */
  readonly reasons: readonly TcbReason[];
}

/** Why a component is in a TCB: the chain of "affects" from it to the TCB's component, its own link first. */
export interface TcbReason {
  readonly member: string;
  readonly links: readonly {
    /** `from` affects `to` (component names), and why. */
    readonly from: string;
    readonly to: string;
    readonly why: string;
    /** Steps from the initial state to the first state explored that showed it (0: the initial state); null for a simulation's walks. */
    readonly depth: number | null;
  }[];
}

export interface CheckStats {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly elapsedMs: number;
  /** Null when every reachable state was explored. */
  readonly bound: Bound | null;
  readonly collisionProbability: number;
  readonly bytesPerState: number;
  /** The reductions the search used, or why one was off (spec/invariants.md §10). */
  readonly reductions: Reductions;
  /**
   * The values MMIO windows took from outside (spec/language.md §9.5) and how many explorations
   * it took to find them: each one after the first explored again with the values that tell
   * apart what threads were seen comparing of a window's data. Null when no device with an MMIO
   * window produces data.
   */
  readonly mmio: { readonly values: readonly number[]; readonly explorations: number } | null;
}

/** What each reduction did: `used` names what it reduced over; otherwise `off` says why not. */
export interface Reductions {
  readonly symmetry: { readonly used: string } | { readonly off: string };
  readonly por: { readonly used: string } | { readonly off: string };
  readonly deadValues: { readonly used: string } | { readonly off: string };
}

/** The result model every report renders. */
export interface CheckResult {
  readonly system: string;
  /** Failed `assert` statements, judged like an invariant that is always present. */
  readonly asserts: InvariantResult | null;
  readonly invariants: readonly InvariantResult[];
  /** For every trusted component (or those `CheckOptions.tcbOf` names); `partial` when the exploration stopped early. */
  readonly tcb: readonly TcbResult[];
  readonly tcbPartial: boolean;
  readonly stats: CheckStats;
  /** Each `path`, timed under the scenario's cost preset (src/timing, spec/costs.md §Paths). */
  readonly paths: readonly PathResult[];
  /** The timing exploration behind `paths` (without symmetry reduction); null when there is no path. */
  readonly pathStats: Omit<PathsOutcome, "paths"> | null;
}

export interface CheckOptions extends Omit<ExploreOptions, "symmetry" | "por" | "sleep" | "keepAwake"> {
  /** Symmetry reduction over replicas, where it is sound (default on). */
  readonly symmetry?: boolean;
  /** Partial-order reduction: threads' local steps (default on), and sleep sets with `sleep`. */
  readonly por?: boolean;
  /** Partial-order reduction's sleep sets, where the search can use them (default off: spec/invariants.md §10.1). */
  readonly sleep?: boolean;
  /** Dead-variable clearing and quiet interrupts (spec/invariants.md §10.3; default on). */
  readonly deadValues?: boolean;
  /** Stop as soon as every invariant has its verdict (TCB sets are then partial). Default true. */
  readonly stopEarly?: boolean;
  /** The components whose TCB sets the result gives, in model order (default: the trusted ones; `nizza tcb --component`). */
  readonly tcbOf?: readonly number[];
  /** Random simulation instead of exhaustive search: violations only, every other verdict incomplete. */
  readonly simulate?: SimulateOptions;
  /**
   * How large each exploration is so far (ExploreHooks.progress): "states" is the search for
   * the verdicts (or the simulation), "again" that search made again with wider values in MMIO
   * windows (spec/language.md §9.5), "paths" the timing exploration behind the paths.
   */
  readonly progress?: (p: Progress, phase: ProgressPhase) => void;
}

/** Which exploration of a check a progress report is about. */
export type ProgressPhase = "states" | "again" | "paths";


/** Every invariant of a result, the failed-asserts check first when the scenario has one. */
export function invariantsOf(r: CheckResult): readonly InvariantResult[] {
  return [...(r.asserts ? [r.asserts] : []), ...r.invariants];
}

/** Explores `model` and judges every invariant. Never throws on a scenario. */
export function check(model: SystemModel, options: CheckOptions = {}): CheckResult {
  for (const runs = new Explorations(); ; ) {
    const { sys, judge, red, done, progress } = setUp(model, options, runs.mmio);
    const r = runs.after(sys, judge, checkOnce(sys, judge, red, done, progress, options), options, red);
    if (r) return r;
  }
}

/**
 * The explorations of one check (spec/language.md §9.5): the first with MMIO windows at 0, each
 * next one with the values that tell apart what the one before saw threads compare of their data.
 */
class Explorations {
  /** The values the windows take in the next exploration. */
  mmio: readonly number[] = [0];
  private count = 1;
  private earlierMs = 0;
  /** The verdicts of the last exploration that found a violation before this one, and its system. */
  private earlier: { readonly sys: System; readonly result: CheckResult } | null = null;

  /**
   * After exploration `ex` of `sys`: the check's result, or null when it must explore again
   * with the wider values (`widerMmioValues`, now in `mmio`). A search that stopped because every
   * verdict was known explores again too (a wider system may violate something sooner); one a
   * bound cut short does not — it is incomplete either way — and neither does a random
   * simulation, whose windows have every value data from outside may have from the start.
   */
  after(sys: System, judge: Judge, ex: Outcome, options: CheckOptions, red: ReturnType<typeof reductionsFor>): CheckResult | null {
    const wider = ex.bound === null || ex.bound === "stopped" ? widerMmioValues(sys) : null;
    if (wider === null) {
      const r = verdicts(sys, judge, { ...ex, elapsedMs: ex.elapsedMs + this.earlierMs }, options, red, this.count);
      return this.earlier ? keepViolations(r, this.earlier.result, this.earlier.sys, sys) : r;
    }
    // What this exploration violated stays violated in the wider system (its values are among
    // the wider ones): kept, in case a bound cuts the next exploration short before it finds it.
    if (judge.failures.some((f) => f !== null) || judge.assertFailure) this.earlier = { sys, result: verdicts(sys, judge, ex, options, red, this.count, false) };
    this.mmio = wider;
    this.count++;
    this.earlierMs += ex.elapsedMs;
    return null;
  }
}

/** One exploration (or simulation) of a check, shown to its judge. */
function checkOnce(sys: System, judge: Judge, red: ReturnType<typeof reductionsFor>, done: () => boolean, progress: ((p: Progress) => void) | undefined, options: CheckOptions): Outcome {
  const failures = judge.failures;

  const ex = options.simulate
    ? ((): Outcome => {
        // The walk's state indices are not recorded: failures keep their path instead. The
        // judge numbers the states it is shown in order.
        let visit = 0;
        const withPath = (path: readonly number[], act: () => void): void => {
          const before = [...failures];
          const hadAssert = judge.assertFailure;
          act();
          failures.forEach((f, k) => f && !before[k] && (failures[k] = { ...f, path: [...path] }));
          if (judge.assertFailure && !hadAssert) judge.assertFailure = { ...judge.assertFailure, path: [...path] };
        };
        const sim = simulate(sys, { ...options.simulate!, interrupt: options.interrupt, maxMemoryBytes: options.maxMemoryBytes }, {
          state: (s, path) => withPath(path, () => judge.state(s, visit++)),
          edge: (from, x, path) => withPath(path, () => judge.edge(from, -1, x.step, x.state, -1, -1)),
          dead: (s, path) => withPath(path, () => judge.dead(s, -1)),
          done,
          progress,
        });
        return { states: sim.states, transitions: sim.steps, depth: sim.depth, bound: sim.interrupted ? "interrupted" : sim.memory ? "memory" : "simulation", records: null, graph: null, elapsedMs: sim.elapsedMs, collisionProbability: sim.collisionProbability, bytesPerState: 0 };
      })()
    : explore(sys, searchOptions(options, red, judge), judgeHooks(judge, done, progress));
  return ex;
}

/** A check's system (steps without write sets or costs), its judge, reductions, early stop and progress hook. */
function setUp(model: SystemModel, options: CheckOptions, mmio: readonly number[], workers = 1): { sys: System; judge: Judge; red: ReturnType<typeof reductionsFor>; done: () => boolean; progress: ((p: Progress) => void) | undefined } {
  const sys = buildSystem(model);
  sys.footprints = false;
  if (options.simulate) useWalkMmioValues(sys);
  else useMmioValues(sys, mmio);
  const judge = new Judge(sys);
  const red = reductionsFor(sys, options, options.graph === true || judge.needsGraph, workers);
  const stopEarly = options.stopEarly ?? true;
  return { sys, judge, red, done: () => stopEarly && judge.everyVerdictKnown(), progress: progressOf(options, mmio.length > 1 ? "again" : "states") };
}

/** The explorer's options for a check's search: the reductions found for it, and the graph kept when the invariants need it. */
function searchOptions(options: CheckOptions, red: ReturnType<typeof reductionsFor>, judge: Judge): ExploreOptions {
  return { ...options, symmetry: red.symmetry, por: red.por, sleep: red.sleep, keepAwake: judge.keepAwake ?? undefined, graph: options.graph || judge.needsGraph };
}

/** The explorer's hooks for a check's search: every state, transition and dead state shown to `judge`. */
function judgeHooks(judge: Judge, done: () => boolean, progress: ((p: Progress) => void) | undefined): ExploreHooks {
  return {
    state: (s, index, _depth, diff, length) => judge.state(s, index, diff, length),
    edge: (from, fromIndex, x, ordinal, toIndex) => judge.edge(from, fromIndex, x.step, x.state, ordinal, toIndex),
    dead: (s, index) => judge.dead(s, index),
    done,
    progress,
  };
}

/** The explorer's progress hook for one phase of a check, or undefined when no one asked. */
function progressOf(options: CheckOptions, phase: ProgressPhase): ((p: Progress) => void) | undefined {
  const to = options.progress;
  return to && ((p) => to(p, phase));
}

/**
 * The reductions a search uses: each on by default, where it is sound (simulation uses none).
 * `graph`: an invariant is judged on the explored graph; `workers`: the threads of the search.
 */
export function reductionsFor(sys: System, options: CheckOptions, graph = false, workers = 1): { readonly symmetry: Symmetry | null; readonly por: boolean; readonly sleep: boolean; readonly report: Reductions } {
  // The dead-value reductions live in the step function: set on the system itself.
  const dead = options.deadValues !== false;
  useDeadValues(sys, dead);
  const cpus = sys.quietCpus ? "; CPUs keep of their current EC only what the next dispatch reads" : "";
  const deadValues: Reductions["deadValues"] = dead ? { used: `dead variables and messages of trusted threads cleared; interrupts no one can take not raised${cpus}` } : { off: "switched off" };
  if (options.simulate) {
    const off = { off: "random simulation walks the real system" };
    return { symmetry: null, por: false, sleep: false, report: { symmetry: off, por: off, deadValues } };
  }
  // Sleep sets: in a breadth-first search that keeps no graph (the graph's invariants need every transition).
  const asked = options.por !== false && options.sleep === true;
  const sleep = asked && sys.k.L.config.scheduling !== "strict" && (options.mode ?? "bfs") === "bfs" && !graph;
  // Only the search's own thread keeps sleep sets: the worker threads, which take over past the
  // first PROBE_STATES states, take every step (sound, with more transitions).
  const sleeps =
    sleep ? (workers > 1 ? `; sleep sets of independent steps on one thread (the worker threads, past the first ${PROBE_STATES.toLocaleString("en-US")} states, take every step)` : "; sleep sets of independent steps")
    : !asked ? ""
    : graph ? "; no sleep sets (an invariant on the explored graph needs every transition)"
    : "; no sleep sets (depth first)";
  const por: Reductions["por"] =
    options.por === false ? { off: "switched off" }
    : sys.k.L.config.scheduling === "strict" ? { off: "strict scheduling: a waking EC can preempt a thread's local step" }
    : { used: `threads' local steps (if on their variables, repeat counters)${sleeps}` };
  if (options.symmetry === false) return { symmetry: null, por: "used" in por, sleep, report: { symmetry: { off: "switched off" }, por, deadValues } };
  const s = symmetryOf(sys);
  return s.symmetry
    ? { symmetry: s.symmetry, por: "used" in por, sleep, report: { symmetry: { used: s.symmetry.describe(sys.model) }, por, deadValues } }
    : { symmetry: null, por: "used" in por, sleep, report: { symmetry: { off: s.reason }, por, deadValues } };
}

/**
 * A fresh system on which the traces of `r`, a check of `model`, replay: their ordinals index the
 * real successors (no symmetry) of a system with the check's dead-value setting and the values
 * its last exploration gave MMIO windows (spec/language.md §9.5).
 */
export function replaySystem(model: SystemModel, r: CheckResult): System {
  const sys = buildSystem(model);
  reductionsFor(sys, { symmetry: false, deadValues: "used" in r.stats.reductions.deadValues });
  if (r.stats.mmio) useMmioValues(sys, r.stats.mmio.values);
  sys.footprints = false;
  return sys;
}

/** States a search finds on one thread before it starts its workers, which go on from there. */
export const PROBE_STATES = 50_000;

/**
 * Like `check`, with `workers` threads when it is more than 1 (breadth-first only: the
 * workers share the fingerprint table; each compiles the scenario from `source` itself).
 * The verdicts are the same as with one thread.
 */
export async function checkParallel(
  model: SystemModel,
  source: ScenarioSource,
  options: CheckOptions & {
    readonly workers: number;
    /** Default PROBE_STATES; 0 starts the workers at once. */
    readonly probeStates?: number;
    /** The states of a level's chunk (`exploreParallel`'s tuning): tests make them small. */
    readonly chunkStates?: number;
  },
): Promise<CheckResult> {
  if (options.workers <= 1 || options.simulate || (options.mode ?? "bfs") !== "bfs") return check(model, options);
  const maxStates = options.maxStates ?? Infinity;
  const probeStates = options.probeStates ?? PROBE_STATES;
  // A bound the probe would reach: one thread explores all of it.
  if (probeStates > 0 && maxStates <= probeStates) return check(model, options);
  for (const runs = new Explorations(); ; ) {
    const { sys, judge, red, done, progress } = setUp(model, options, runs.mmio, options.workers);
    const explored = searchOptions(options, red, judge);
    let from: Handoff | null = null;
    let ex: Outcome | null = null;
    if (probeStates > 0) {
      // Starting workers costs about half a second (each compiles the scenario and warms up), more
      // than a small space takes on one thread: explore on this thread until `probeStates` states
      // are known, and start the workers, which go on from there, only for a space that is larger.
      const probe = exploreUntil(sys, explored, judgeHooks(judge, done, progress), probeStates);
      if (!probe.handoff) ex = probe.exploration;
      // Interrupted as the probe ended: what it explored is the result (starting workers takes a while).
      else if (interrupted(options.interrupt)) ex = { ...probe.exploration, bound: "interrupted" };
      else from = probe.handoff;
    }
    ex ??= await exploreParallel(sys, source, judge, options.workers, explored, { done, progress }, { chunkStates: options.chunkStates }, from);
    const r = runs.after(sys, judge, ex, options, red);
    if (r) return r;
  }
}

/** The verdicts, counterexamples and TCB sets of an exploration or simulation the judge has seen, and the paths timed. */
function verdicts(sys: System, judge: Judge, ex: Outcome, options: CheckOptions, red: ReturnType<typeof reductionsFor>, explorations: number, timing = true): CheckResult {
  const model = sys.model;
  const invs = model.invariants;
  const failures = judge.failures;
  const complete = ex.bound === null;
  const sym = red.symmetry;
  // The explorer saw one state per orbit: what the TCB relation learnt holds of every image.
  if (sym) judge.tcb.closeUnder(sym.generators());

  // The explored graph's edges by target and by source, and its breadth-first order, for the
  // invariants judged on it: made once, when the first of them needs them.
  let views: { back: Reversed; fwd: Forward; lv: Levels } | null = null;
  const viewsOf = (graph: Graph): { back: Reversed; fwd: Forward; lv: Levels } => {
    if (!views) {
      const fwd = forward(graph, ex.states);
      views = { back: reversed(graph, ex.states), fwd, lv: levels(graph, fwd) };
    }
    return views;
  };

  // The invariants judged on the explored graph or on everything seen.
  const results = invs.map((inv, k): InvariantResult => {
    let failure = failures[k];
    let lassoPart: { ordinals: number[]; loopsTo: number } | null = null;
    // A reason found on the graph names the representative's replica or EC: `named` names the
    // real run's, given the permutation from representative to real state where the prefix ends.
    let named: Named | null = null;
    if (!failure && inv.prop.kind === "available" && complete && ex.graph) {
      // Each portal named (one per replica) apart, followed through the permutations symmetry
      // reduction applied (graph.ts `Orbit`); the first state, in breadth-first order on one
      // thread (`levels`), from which one of them is never served again ends the shortest prefix.
      const graph = ex.graph;
      const portals = inv.prop.portals;
      const { back, fwd, lv } = viewsOf(graph);
      let best = null as { state: number; item: number; orbit: Orbit; stuck: Uint8Array[]; member: number } | null;
      for (const orbit of orbitsOf(sym, graph, portals.length, (j) => placeIn(sym, (m) => [m.comp], model.portals[portals[j]!]!.owner))) {
        const targets = orbit.items.map((j) => {
          const target = new Uint8Array(ex.states);
          target.set(judge.targets[k]![j]!.subarray(0, ex.states));
          return target;
        });
        const stuck = cannotReach(graph, back, orbit, targets);
        stuck.forEach((m, member) => {
          const i = firstByRank(lv, m);
          const item = orbit.items[member]!;
          if (i >= 0 && (!best || lv.rank[i]! < lv.rank[best.state]! || (i === best.state && item < best.item))) best = { state: i, item, orbit, stuck, member };
        });
      }
      if (best) {
        const { state, orbit, stuck, member } = best;
        const l = lasso(graph, fwd, orbit, stuck, state, member);
        lassoPart = { ordinals: l.edges.map((e) => graph.ordinal[e]!), loopsTo: l.loopsTo };
        const text = (pi: Images | null): string => {
          const portal = portals[orbit.items[pi && orbit.family >= 0 ? pi[orbit.family]![member]! : member]!]!;
          return l.loopsTo >= 0
            ? `from here on ${portalName(model, portal)}'s server never waits for requests again: the system can loop for ever without it`
            : `from here on ${portalName(model, portal)}'s server never waits for requests again: the system stops without it`;
        };
        failure = { state, via: null, path: pathTo(graph, lv, state), reason: text(null) };
        named = text;
      }
    }
    // A deadlock with other steps still enabled: an EC that waits without a timeout, in a state
    // from which no run wakes it (spec §8); the first such state in exploration order. A dead
    // state (no step at all) was judged as it was met, also in an incomplete exploration.
    let found = false;
    if (inv.prop.kind === "deadlock_free" && complete && ex.graph && judge.blocked.size > 0) {
      const { back, fwd, lv } = viewsOf(ex.graph);
      const w = endlessWait(sys, ex.graph, back, lv, judge.blocked, sym);
      // The first doomed state in breadth-first order: a dead state the judge met (it may have
      // met another first, depth first or with workers) or a wait while other steps go on.
      if (w && (!failure || lv.rank[w.state]! <= lv.rank[failure.state]!)) {
        const path = pathTo(ex.graph, lv, w.state);
        if (fwd.start[w.state] === fwd.start[w.state + 1]) {
          // No step: the dead state's reason, on the state the path replays to.
          const xs = replay(sys, path, sym);
          failure = { state: w.state, via: null, path, reason: deadlockReason(sys, xs.length > 0 ? xs[xs.length - 1]!.state : sys.init) ?? "no step is enabled" };
        } else {
          const text = (pi: Images | null): string => {
            const p = pi && sym ? sym.permutation(pi) : null;
            return endlessWaitReason(sys, w.waiters, (ec) => (p ? p.ec[ec]! : ec));
          };
          failure = { state: w.state, via: null, path, reason: text(null) };
          named = text;
          found = true;
        }
      }
    }
    if (!failure && (inv.prop.kind === "tcb_subset" || inv.prop.kind === "tcb_sloc") && !options.simulate) {
      const f = judge.tcb.judge(inv);
      if (f) {
        failure = { state: judge.stateOf(f.state), via: null, reason: f.reason };
        // The relation was learnt in representatives (and closed under the replicas'
        // permutations): the reason names the replicas as the real run has them.
        if (sym) named = (pi) => (pi ? renameReplicas(model, f.reason, sym.permutation(pi).comp) : f.reason);
      }
    }
    const verdict: Verdict = failure ? "violated" : complete ? "holds" : "incomplete";
    // A reason found on the graph is not recomputed on the replayed state: `named` maps it to the real run.
    const counterexample = failure ? rebuild(sys, ex, failure, lassoPart, sym, found ? null : reasonOf(sys, inv), named) : null;
    return result(model, inv, verdict, counterexample);
  });

  const assertNode = judge.assertNode;
  const assertFailure = judge.assertFailure;
  const assertResult = assertNode !== null
    ? ((): InvariantResult => {
        const verdict: Verdict = assertFailure ? "violated" : complete ? "holds" : "incomplete";
        return {
          index: -1,
          text: "every assert statement holds",
          name: null,
          at: model.sources.where(assertNode!),
          node: assertNode!,
          expect: "holds",
          verdict,
          met: verdict === "holds",
          counterexample: assertFailure ? rebuild(sys, ex, assertFailure, null, sym, reasonOfAsserts(sys)) : null,
        };
      })()
    : null;

  const tcbResults = model.components
    .filter((c) => (options.tcbOf ? options.tcbOf.includes(c.index) : c.trusted))
    .map((c): TcbResult => {
      const t = judge.tcb.tcbOf(c.index);
      const name = (i: number): string => model.components[i]!.name;
      const depth = (state: number): number | null => (state === 0 ? 0 : ex.records ? ex.records.depth(judge.stateOf(state)) : null);
      const reasons = judge.tcb.explain(c.index).map(({ member, links }) => ({ member: name(member), links: links.map((l) => ({ from: name(l.from), to: name(l.to), why: l.why, depth: depth(l.state) })) }));
      return { component: c.name, members: t.members.map(name), sloc: t.sloc, reasons };
    });

  const paths = timing ? timePaths(model, options, sys.mmio) : { paths: [], stats: null };
  return {
    system: model.name,
    paths: paths.paths,
    pathStats: paths.stats,
    asserts: assertResult,
    invariants: results,
    tcb: tcbResults,
    tcbPartial: !complete,
    stats: {
      states: ex.states,
      transitions: ex.transitions,
      depth: ex.depth,
      elapsedMs: ex.elapsedMs,
      bound: ex.bound,
      collisionProbability: ex.collisionProbability,
      bytesPerState: ex.bytesPerState,
      reductions: red.report,
      mmio: sys.outsideCompared ? { values: sys.mmio, explorations } : null,
    },
  };
}

/**
 * The scenario's paths, measured on a timing exploration of their own (src/timing/graph.ts)
 * under the same bounds. A random simulation explores no graph: its paths are incomplete.
 */
function timePaths(model: SystemModel, options: CheckOptions, mmio: readonly number[]): { paths: readonly PathResult[]; stats: Omit<PathsOutcome, "paths"> | null } {
  if (model.paths.length === 0) return { paths: [], stats: null };
  if (options.simulate) {
    const paths = model.paths.map((p): PathResult => ({
      index: p.index,
      name: p.name,
      text: pathText(model, p),
      at: model.sources.where(p.node),
      budget: p.budget,
      observed: false,
      timings: [],
      verdict: "incomplete",
      reason: "random simulation explores no state graph to time paths on",
    }));
    return { paths, stats: null };
  }
  const { paths, ...stats } = measurePaths(model, [model.kernel.costs], {
    maxStates: options.maxStates,
    maxDepth: options.maxDepth,
    maxMemoryBytes: options.maxMemoryBytes,
    por: options.por !== false,
    deadValues: options.deadValues,
    interrupt: options.interrupt,
    progress: progressOf(options, "paths"),
    mmio,
  });
  return { paths, stats };
}

/** A step of a replayed trace in scenario terms; `before` is the state it was taken in. */
export function traceStep(sys: System, before: StateVector, step: StepInfo, ordinal: number): TraceStep {
  const model = sys.model;
  const L = sys.k.L;
  const name = (pd: number): string => model.components[pd]?.name ?? `pd${pd}`;
  const actor = step.kind === "irq" || step.kind === "dma" ? (model.machine.devices[step.obj]?.name ?? "device") : step.kind === "timeout" ? "kernel" : name(step.component);
  let target: string | null = null;
  if (step.op === "call" && step.obj >= 0) {
    const portal = L.boot.portalPts.findIndex((pts) => pts.includes(step.obj));
    if (portal >= 0) target = name(model.portals[portal]!.owner);
  } else if (step.op === "reply" && step.ec >= 0) {
    const caller = ecGet(before, L, step.ec, EC.PARTNER);
    if (caller >= 0) target = name(ecGet(before, L, caller, EC.PD));
  }
  return { kind: step.kind, actor, target, text: step.text, node: step.node, at: step.node === null ? null : model.sources.where(step.node), ordinal };
}

/** A portal as the scenario names it: "server.rpc", "worker[1].job". */
function portalName(model: SystemModel, portal: number): string {
  const p = model.portals[portal]!;
  return `${model.components[p.owner]!.name}.${p.name}`;
}

function result(model: SystemModel, inv: InvariantModel, verdict: Verdict, counterexample: Counterexample | null): InvariantResult {
  const met = verdict !== "incomplete" && (inv.expect === "holds" ? verdict === "holds" : verdict === "violated");
  return {
    index: inv.index,
    text: invariantText(model, inv),
    name: inv.name,
    at: model.sources.where(inv.node),
    node: inv.node,
    expect: inv.expect,
    verdict,
    met,
    counterexample,
  };
}

/** The property as written, without `invariant`, its name and its `expect` clause. */
/** The property as written, without `invariant`, its name and its `expect` clause (as the reports show it). */
export function invariantText(model: SystemModel, inv: InvariantModel): string {
  let t = model.sources.text(inv.node).replace(/^invariant\s+/, "");
  if (inv.name) t = t.replace(/^[A-Za-z_][A-Za-z0-9_]*\s*:\s*/, "");
  return t.replace(/\s+expect\s+(violated|holds)$/, "");
}

/**
 * A check cut short by a bound after an earlier, narrower exploration (spec/language.md §9.5):
 * each invariant the bound left incomplete that the earlier one violated is violated, with that
 * counterexample, its steps taken again in the wider system `to` (the same states: the narrower
 * values are among the wider ones), so that it replays there as every trace of the result does.
 * A lasso is not moved, nor a deadlock (graph invariants are judged on the last exploration's
 * graph, and the wider system has more runs).
 */
function keepViolations(r: CheckResult, earlier: CheckResult, from: System, to: System): CheckResult {
  if (r.stats.bound === null || r.stats.bound === "stopped") return r;
  const keep = (now: InvariantResult, then: InvariantResult | null | undefined, deadlock: boolean): InvariantResult => {
    const cx = then?.counterexample;
    if (now.verdict !== "incomplete" || then?.verdict !== "violated" || !cx || cx.loopsTo !== null || cx.stuckFrom !== null) return now;
    // A deadlock is not carried over: an endless wait was judged on the narrower system's graph,
    // and the wider one's runs may wake the waiter (spec §8); nor is a dead state, since in the
    // wider system a device can always put another value in its window (a step).
    if (deadlock) return now;
    const steps = stepsIn(to, replay(from, cx.steps.map((st) => st.ordinal)).map((x) => x.state));
    return steps ? { ...now, verdict: "violated", met: now.expect === "violated", counterexample: { ...cx, steps } } : now;
  };
  return {
    ...r,
    asserts: r.asserts && keep(r.asserts, earlier.asserts, false),
    invariants: r.invariants.map((inv, k) => keep(inv, earlier.invariants[k], to.model.invariants[inv.index]?.prop.kind === "deadlock_free")),
  };
}

/** The trace through `states` (each the one after the step before) in `sys`; null where a state is not a successor of the one before. */
function stepsIn(sys: System, states: readonly StateVector[]): TraceStep[] | null {
  const out: TraceStep[] = [];
  let s = sys.init;
  for (const want of states) {
    const xs = successors(sys, s);
    const i = xs.findIndex((x) => sameState(x.state, want));
    if (i < 0) return null;
    out.push(traceStep(sys, s, xs[i]!.step, i));
    s = xs[i]!.state.slice();
  }
  return out;
}

/**
 * `text` with each replica's name (`client[1]`, also in `client[1].buf`) that `comp` moves
 * written as its image's: a reason learnt in a representative, said of the real state.
 */
export function renameReplicas(model: SystemModel, text: string, comp: ArrayLike<number>): string {
  const index = new Map(model.components.filter((c) => c.replica !== null).map((c) => [c.name, c.index]));
  return text.replace(/\b[A-Za-z_][A-Za-z0-9_]*\[\d+\]/g, (name) => {
    const i = index.get(name);
    return i === undefined ? name : model.components[comp[i]!]!.name;
  });
}

/** Member images, per family: member i of family f goes to member images[f][i] (`Symmetry.permutation`). */
type Images = readonly (readonly number[])[];

/**
 * A failure's reason found on the explored graph, which names a representative's replica or EC,
 * given the permutation from the representative to the real run's state (null: the same).
 */
type Named = (pi: Images | null) => string;

/** What check reads of an exploration or a simulation. */
type Outcome = Omit<Exploration, "records"> & { readonly records: Exploration["records"] | null };

/**
 * Why an invariant fails at the end of a replayed trace, recomputed there: with symmetry
 * reduction the replay follows the real run, which may be a permutation of the
 * representatives the judge saw, so the judge's reason may name the wrong replica. Null
 * where the recorded reason stands (TCB bounds and `available`, whose reasons name no replica
 * a permutation moves).
 */
type ReasonAt = (from: StateVector | null, step: StepInfo | null, s: StateVector) => string | null;

function reasonOf(sys: System, inv: InvariantModel): ReasonAt | null {
  if (inv.prop.kind === "deadlock_free") return (_f, _x, s) => deadlockReason(sys, s);
  const m = safetyMonitor(sys, inv);
  if (!m) return null;
  return (from, step, s) => (m.state?.(s) ?? null) || (from && step && m.step ? m.step(from, step, s) : null);
}

function reasonOfAsserts(sys: System): ReasonAt {
  const m = assertMonitor(sys);
  return (_f, _x, s) => m.state(s);
}

/**
 * The trace to a failure: the recorded path to its state (or to the state before its step),
 * replayed. With symmetry reduction the replay follows the real run (`replay`), the reason is
 * recomputed on its last state, and a lasso's loop is walked until the real run closes it:
 * a loop between representatives may end in a permutation of the state it started from.
 */
function rebuild(sys: System, ex: Outcome, f: Failure, lassoPart: { ordinals: number[]; loopsTo: number } | null, sym: Symmetry | null, reasonAt: ReasonAt | null, named: Named | null = null): Counterexample {
  const path = f.path ? [...f.path] : f.via ? [...ex.records!.pathTo(f.via.from), f.via.ordinal] : ex.records!.pathTo(f.state);
  const prefix = path.length;
  let all = lassoPart ? [...path, ...lassoPart.ordinals] : path;
  let loopsTo = lassoPart && lassoPart.loopsTo >= 0 ? prefix + lassoPart.loopsTo : null;
  // With symmetry reduction: the permutation from representative to real state where the prefix ends.
  let pi: Images | null = sym && named ? sym.identity() : null;
  const follow = pi ? (steps: number, p: Images): void => void (steps === prefix && (pi = p)) : undefined;
  let xs = replay(sys, all, sym, follow);
  const at = (i: number): StateVector => (i === 0 ? sys.init : xs[i - 1]!.state);
  if (sym && loopsTo !== null) {
    // Walk the loop again until the real run comes back to a state it was in at the knot.
    const loop = all.slice(loopsTo);
    const knots = [at(loopsTo)];
    for (let round = 0; round < 64; round++) {
      const back = knots.findIndex((k) => sameState(k, at(all.length)));
      if (back >= 0) {
        loopsTo += back * loop.length;
        break;
      }
      knots.push(at(all.length));
      all = [...all, ...loop];
      xs = replay(sys, all, sym);
    }
  }
  const steps = xs.map((x, i) => traceStep(sys, at(i), x.step, x.ordinal));
  let reason = named && sym ? named(pi) : f.reason;
  if (sym && reasonAt && !lassoPart) {
    const last = xs.length;
    reason = reasonAt(last > 0 ? at(last - 1) : null, last > 0 ? xs[last - 1]!.step : null, at(last)) ?? reason;
  }
  return { steps, reason, loopsTo, stuckFrom: lassoPart ? prefix : null };
}
