// The judge: what an exploration learns about the invariants from each state, transition and dead end it is shown.
import type { StepInfo, System } from "../components/step.js";
import type { SystemModel } from "../dsl/model.js";
import type { NodeId } from "../dsl/source.js";
import { EcState, type StateVector } from "../kernel/layout.js";
import { ecState } from "../kernel/ec.js";
import { canTimeOut } from "../kernel/events.js";
import { assertMonitor, type AssertMonitor } from "./invariants/assert.js";
import { serverWaits } from "./invariants/available.js";
import { deadlockReason } from "./invariants/deadlock.js";
import { safetyMonitor } from "./invariants/index.js";
import { TcbAccumulator, type TcbSnapshot } from "./invariants/tcb.js";
import type { SafetyMonitor } from "./monitor.js";
import { ProjectionMemo, structureOf } from "./invariants/projection.js";

/** Where an invariant first failed. */
export interface Failure {
  /** The state where it fails (exhaustive search), and, for a failure on a transition, the step into it. */
  readonly state: number;
  readonly via: { readonly from: number; readonly ordinal: number } | null;
  /** In a simulation: the walk to the failing state, as successor ordinals. */
  readonly path?: readonly number[];
  readonly reason: string;
}

/** A judge's findings in a form that crosses a worker boundary (structured-clonable). */
export interface Findings {
  readonly failures: (Failure | null)[];
  readonly assertFailure: Failure | null;
  readonly tcb: TcbSnapshot;
  /**
   * Per `available` invariant: where its servers wait, among the states shown, as pairs
   * (j, state index): the server of the invariant's j-th portal (one per replica).
   */
  readonly waiting: (number[] | null)[];
  /** Where ECs wait without a timeout, among the states shown, as triples (EC, state index, EC state): for `deadlock_free`. */
  readonly blocked: number[];
}

/**
 * Judges the invariants of one system over the states and transitions an exploration
 * shows it, in exploration order. The explorer (and each worker of a parallel one) owns
 * one; a parallel explorer merges its workers' findings into its own.
 */
export class Judge {
  readonly failures: (Failure | null)[];
  assertFailure: Failure | null = null;
  readonly tcb: TcbAccumulator;
  /**
   * Per `available` invariant, per portal it names (one per replica of its component): a
   * byte per state, set where that portal's server waits.
   */
  readonly targets: (Uint8Array[] | null)[];
  /**
   * With a `deadlock_free` invariant: per EC that was seen waiting in CALL, REPLY or SM without
   * a timeout, a byte per state, its EC state + 1 where it so waits, 0 elsewhere (spec §8).
   */
  readonly blocked = new Map<number, Uint8Array>();
  private blockedSince: number[] = [];
  private readonly monitors: (SafetyMonitor | null)[];
  private readonly asserts: AssertMonitor | null;
  private readonly deadlocks: number[];
  private readonly stepMonitors: number[];
  /**
   * The memos of the projections the TCB relation and the state monitors read (one per
   * distinct projection; the first is the structure, the TCB relation's), and which memo
   * each monitor's projection has (-1: it reads the whole state).
   */
  private readonly memos: ProjectionMemo[];
  private readonly memoOf: Int32Array;
  /** Per memo, for the state being judged: 0 not asked yet, 1 new, 2 seen before. */
  private readonly fresh: Uint8Array;
  /** Whether the TCB relation skips states whose structure it has seen. */
  private readonly tcbMemo: boolean;
  /** The `available` targets set since the last `takeFindings` (for a worker to report). */
  private waitingSince: (number[] | null)[];
  readonly assertNode: NodeId | null;

  /**
   * `reports`: a worker's judge, which keeps what it found since its last report for
   * `takeFindings`. `projections`: judge a state's projection only once (default; tests
   * compare verdicts without it).
   */
  constructor(
    private readonly sys: System,
    private readonly reports = false,
    projections = true,
  ) {
    const invs = sys.model.invariants;
    this.monitors = invs.map((inv) => safetyMonitor(sys, inv));
    this.assertNode = firstAssert(sys.model);
    this.asserts = this.assertNode !== null ? assertMonitor(sys) : null;
    this.failures = invs.map(() => null);
    this.tcb = new TcbAccumulator(sys);
    this.targets = invs.map((i) => (i.prop.kind === "available" ? i.prop.portals.map(() => new Uint8Array(1024)) : null));
    this.waitingSince = invs.map((i) => (i.prop.kind === "available" ? [] : null));
    this.deadlocks = invs.map((i, k) => (i.prop.kind === "deadlock_free" ? k : -1)).filter((k) => k >= 0);
    this.stepMonitors = this.monitors.map((m, k) => (m?.step ? k : -1)).filter((k) => k >= 0);
    this.memos = [new ProjectionMemo(structureOf(sys.k.L), sys.init)];
    this.tcbMemo = projections;
    this.memoOf = Int32Array.from(this.monitors, (m) => {
      if (!m?.reads || !projections) return -1;
      let i = this.memos.findIndex((x) => x.projection === m.reads);
      if (i < 0) i = this.memos.push(new ProjectionMemo(m.reads, sys.init)) - 1;
      return i;
    });
    this.fresh = new Uint8Array(this.memos.length);
  }

  /** Whether state `s`'s projection `i` is new: each memo is asked at most once per state. */
  private isNew(i: number, s: StateVector, diff: Int32Array | undefined, length: number): boolean {
    if (this.fresh[i] === 0) this.fresh[i] = this.memos[i]!.isNew(s, diff, length) ? 1 : 2;
    return this.fresh[i] === 1;
  }

  /** Whether the invariants need the explored graph (`available`, `deadlock_free`). */
  get needsGraph(): boolean {
    return this.targets.some((t) => t !== null) || this.deadlocks.length > 0;
  }
  get hasAsserts(): boolean {
    return this.asserts !== null;
  }

  /**
   * A new state, numbered `index` in exploration order; `diff[0..length)`, if given, is its
   * difference from the initial state as (index, value) pairs in index order (the explorer's
   * fingerprinter has it), from which the projection memos read their words.
   */
  state(s: StateVector, index: number, diff?: Int32Array, length = 0): void {
    // A state whose projection was judged before has nothing new for what reads only that
    // projection (the TCB relation, `isolated`, `never flows`): its first state was judged.
    this.fresh.fill(0);
    if (this.tcb.learning && (!this.tcbMemo || this.isNew(0, s, diff, length))) this.tcb.observe(s, index);
    if (this.asserts && !this.assertFailure) {
      const r = this.asserts.state(s);
      if (r) this.assertFailure = { state: index, via: null, reason: r };
    }
    if (this.deadlocks.length > 0) {
      const k = this.sys.k;
      const L = k.L;
      for (let ec = 0; ec < L.counts.ec; ec++) {
        const st = ecState(s, L, ec);
        if ((st === EcState.CALL || st === EcState.REPLY || st === EcState.SM) && !canTimeOut(s, k, ec)) this.setBlocked(ec, index, st);
      }
    }
    const invs = this.sys.model.invariants;
    for (let k = 0; k < invs.length; k++) {
      const inv = invs[k]!;
      if (inv.prop.kind === "available") {
        const ps = inv.prop.portals;
        for (let j = 0; j < ps.length; j++) if (serverWaits(this.sys, ps[j]!, s)) this.setTarget(k, j, index);
      }
      const m = this.monitors[k];
      if (!m?.state || this.failures[k]) continue;
      const memo = this.memoOf[k]!;
      if (memo >= 0 && !this.isNew(memo, s, diff, length)) continue;
      const r = m.state(s);
      if (r) this.failures[k] = { state: index, via: null, reason: r };
    }
  }

  /** A transition `from --step--> to`; `toIndex` may be a state seen before. */
  edge(from: StateVector, fromIndex: number, step: StepInfo, to: StateVector, ordinal: number, toIndex: number): void {
    for (const k of this.stepMonitors) {
      if (this.failures[k]) continue;
      const r = this.monitors[k]!.step!(from, step, to);
      if (r) this.failures[k] = { state: toIndex, via: { from: fromIndex, ordinal }, reason: r };
    }
  }

  /** A state with no enabled step. */
  dead(s: StateVector, index: number): void {
    if (this.deadlocks.every((k) => this.failures[k])) return;
    const r = deadlockReason(this.sys, s);
    if (r) for (const k of this.deadlocks) if (!this.failures[k]) this.failures[k] = { state: index, via: null, reason: r };
  }

  /**
   * Whether every verdict is known: only a violation is known before the end, so once
   * every invariant (and the asserts) has one, the rest of the space cannot change a
   * verdict. Without any invariant or assert the TCB sets are the result: never.
   */
  everyVerdictKnown(): boolean {
    const judged = this.failures.length > 0 || this.asserts !== null;
    // A deadlock met as a dead state may not be the first: one with other steps still enabled
    // shows only on the whole graph (spec §8), so deadlock_free keeps the search going.
    return judged && this.failures.every((f, k) => f !== null && !this.deadlocks.includes(k)) && (!this.asserts || this.assertFailure !== null);
  }

  /** What this judge found since the last call (failures are kept, and reported each time). */
  takeFindings(): Findings {
    const waiting = this.waitingSince;
    this.waitingSince = this.waitingSince.map((w) => (w ? [] : null));
    const blocked = this.blockedSince;
    this.blockedSince = [];
    return { failures: [...this.failures], assertFailure: this.assertFailure, tcb: this.tcb.snapshot(), waiting, blocked };
  }

  /**
   * Takes in another judge's findings (a worker's, on states numbered in the same
   * exploration). Of two failures of one invariant the one one thread meets first wins:
   * breadth-first, lower indices are no deeper, so the counterexample stays shortest. A
   * failure on a transition is met when its source is expanded, so two of them are ordered by
   * source and step (their target may be a state found long before); others by state.
   */
  merge(f: Findings): void {
    const first = (a: Failure, b: Failure): boolean => (a.via && b.via ? a.via.from < b.via.from || (a.via.from === b.via.from && a.via.ordinal < b.via.ordinal) : a.state < b.state);
    const better = (a: Failure | null, b: Failure | null): Failure | null => (!a ? b : !b ? a : first(b, a) ? b : a);
    f.failures.forEach((x, k) => (this.failures[k] = better(this.failures[k]!, x)));
    this.assertFailure = better(this.assertFailure, f.assertFailure);
    this.tcb.merge(f.tcb);
    f.waiting.forEach((w, k) => {
      if (w) for (let i = 0; i < w.length; i += 2) this.setTarget(k, w[i]!, w[i + 1]!);
    });
    for (let i = 0; i < f.blocked.length; i += 3) this.setBlocked(f.blocked[i]!, f.blocked[i + 1]!, f.blocked[i + 2]!);
  }

  /** State `index` is one where EC `ec` waits in EC state `st` (CALL, REPLY or SM) without a timeout. */
  private setBlocked(ec: number, index: number, st: number): void {
    let a = this.blocked.get(ec) ?? new Uint8Array(1024);
    if (index >= a.length) {
      const b = new Uint8Array(Math.max(index + 1, a.length * 2));
      b.set(a);
      a = b;
    }
    this.blocked.set(ec, a);
    a[index] = st + 1;
    if (this.reports) this.blockedSince.push(ec, index, st);
  }

  /** State `index` is one where the server of available invariant `k`'s `j`-th portal waits. */
  private setTarget(k: number, j: number, index: number): void {
    const t = this.targets[k]!;
    let a = t[j]!;
    if (index >= a.length) {
      const b = new Uint8Array(Math.max(index + 1, a.length * 2));
      b.set(a);
      t[j] = a = b;
    }
    a[index] = 1;
    if (this.reports) this.waitingSince[k]?.push(j, index);
  }
}

/** The first `assert` statement of the scenario's threads, or null. */
function firstAssert(model: SystemModel): NodeId | null {
  type Body = SystemModel["threads"][number]["body"];
  const walk = (b: Body): NodeId | null => {
    for (const s of b) {
      const found =
        s.kind === "assert" ? s.node
        : s.kind === "loop" || s.kind === "repeat" ? walk(s.body)
        : s.kind === "choose" ? s.branches.map(walk).find((x) => x !== null) ?? null
        : s.kind === "if" ? walk(s.then) ?? walk(s.else)
        : null;
      if (found !== null) return found;
    }
    return null;
  };
  for (const t of model.threads) {
    const n = walk(t.body);
    if (n !== null) return n;
  }
  return null;
}
