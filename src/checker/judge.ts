// The judge: what an exploration learns about the invariants from each state, transition and dead end it is shown.
import type { StepInfo, Successor, System } from "../components/step.js";
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
import { claimKey } from "./claims.js";
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
  /**
   * Met by a thread of the parallel explorer on a transition or in a dead state: the position
   * (from 1) in its level of the state being expanded (`Judge.position`), by which the explorer
   * orders what its threads met (`Judge.settleLevel`).
   */
  readonly at?: number;
}

/**
 * A breadth-first level as the parallel explorer leaves it once expanded, in one thread's order
 * (claims.ts): each state's index, its key (`claimKey` of the position of the state it was first
 * reached from and the step's ordinal; -1 for a state reached before the level), and the state.
 */
export interface LevelView {
  readonly count: number;
  /** The number one thread gives the level's first state (its others follow in order). */
  readonly first: number;
  index(i: number): number;
  key(i: number): number;
  /** The `i`th state; valid until the next call. */
  state(i: number): StateVector;
}

/** The order in which one thread meets what a failure met at position `at` says: in a dead state first, then on the transitions by ordinal. */
const keyOf = (f: Failure): number => claimKey(f.at!, f.via ? f.via.ordinal : -1);

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
   * A thread of the parallel explorer: the position (from 1) in its level of the state being
   * expanded, which the failures met on its transitions or in it (dead) carry; -1 elsewhere.
   */
  position = -1;
  /** A thread of the parallel explorer: the first index of the next level, which names the level being expanded. */
  levelEnd = -1;
  /** Per invariant: the level (`levelEnd`) its failure met at a position was met in. */
  private readonly metIn: number[];
  /**
   * The parallel explorer's judge, per invariant and then for the asserts: whether the failure
   * was known before the level being expanded (`beginLevel`), when it is final; of the failures
   * its threads report in the level, the least met on a transition or dead state (`at`), and
   * the first met in a state, whose place in the level is known only once it is expanded
   * (`settleLevel`).
   */
  private fixed: boolean[] = [];
  private levelAt: (Failure | null)[] = [];
  private levelState: (Failure | null)[] = [];
  /**
   * The parallel explorer's judge: whether it is one (`beginLevel` was called); the TCB
   * findings of the level's threads that know more than the relation so far, which
   * `settleLevel` learns again in one thread's order; and the states the relation was so
   * taught by, by the number one thread gives them (`stateOf`).
   */
  private levels = false;
  private tcbLevel: TcbSnapshot[] = [];
  private readonly renumbered = new Map<number, number>();

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
    this.metIn = invs.map(() => -1);
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

  /**
   * Whether the step `x` from `from` must be taken wherever it is enabled: a step monitor judges it
   * (`SafetyMonitor.judges`), so sleep sets must not leave it out (spec/invariants.md §10.1). Null
   * when no monitor judges steps.
   */
  get keepAwake(): ((from: StateVector, x: Successor) => boolean) | null {
    if (this.stepMonitors.length === 0) return null;
    const ms = this.stepMonitors.map((k) => this.monitors[k]!);
    return (from, x) => ms.some((m) => (m.judges ? m.judges(from, x.step, x.state) : true));
  }

  /** A transition `from --step--> to`; `toIndex` may be a state seen before. */
  edge(from: StateVector, fromIndex: number, step: StepInfo, to: StateVector, ordinal: number, toIndex: number): void {
    for (const k of this.stepMonitors) {
      if (this.failures[k] && !this.improvable(k)) continue;
      const r = this.monitors[k]!.step!(from, step, to);
      if (r) this.keep(k, this.met({ state: toIndex, via: { from: fromIndex, ordinal }, reason: r }));
    }
  }

  /** A state with no enabled step. */
  dead(s: StateVector, index: number): void {
    if (this.deadlocks.every((k) => this.failures[k] && !this.improvable(k))) return;
    const r = deadlockReason(this.sys, s);
    if (r) for (const k of this.deadlocks) if (!this.failures[k] || this.improvable(k)) this.keep(k, this.met({ state: index, via: null, reason: r }));
  }

  /** A failure met on a transition or in a dead state, with the position it was met at in a parallel level. */
  private met(f: Failure): Failure {
    return this.position >= 0 ? { ...f, at: this.position } : f;
  }

  /**
   * Whether a thread of the parallel explorer may still meet a failure of invariant `k` that one
   * thread meets before the one it has: its failure was met at a position of the level being
   * expanded, whose states the thread's chunks do not take in one thread's order.
   */
  private improvable(k: number): boolean {
    const f = this.failures[k]!;
    return f.at !== undefined && this.position >= 0 && this.metIn[k] === this.levelEnd;
  }

  /** `f` for invariant `k` if it has none, or if one thread meets `f` first (both met in this level). */
  private keep(k: number, f: Failure): void {
    const had = this.failures[k];
    if (had && keyOf(f) >= keyOf(had)) return;
    this.failures[k] = f;
    this.metIn[k] = this.levelEnd;
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
   * Takes in another judge's findings (a worker's, on states numbered in the same exploration,
   * in the level being expanded). A failure known before the level stays: breadth first, it is
   * no deeper. Of those met in the level, the one one thread meets first wins, which
   * `settleLevel` decides once the level is expanded; until then the failure is any of them.
   */
  merge(f: Findings): void {
    const n = this.failures.length;
    for (let k = 0; k <= n; k++) {
      const x = k < n ? f.failures[k]! : f.assertFailure;
      if (!x || this.fixed[k]) continue;
      if (x.at === undefined) this.levelState[k] ??= x;
      else if (!this.levelAt[k] || keyOf(x) < keyOf(this.levelAt[k]!)) this.levelAt[k] = x;
      const now = this.levelAt[k] ?? this.levelState[k]!;
      if (k < n) this.failures[k] = now;
      else this.assertFailure = now;
    }
    if (!this.levels) this.tcb.merge(f.tcb);
    else if (this.tcb.knowsMore(f.tcb)) this.tcbLevel.push(f.tcb);
    f.waiting.forEach((w, k) => {
      if (w) for (let i = 0; i < w.length; i += 2) this.setTarget(k, w[i]!, w[i + 1]!);
    });
    for (let i = 0; i < f.blocked.length; i += 3) this.setBlocked(f.blocked[i]!, f.blocked[i + 1]!, f.blocked[i + 2]!);
  }

  /** The parallel explorer starts a level: the failures known are final. */
  beginLevel(): void {
    const n = this.failures.length;
    this.levels = true;
    this.tcbLevel = [];
    this.fixed = [...this.failures.map((f) => f !== null), this.assertFailure !== null];
    this.levelAt = new Array<Failure | null>(n + 1).fill(null);
    this.levelState = new Array<Failure | null>(n + 1).fill(null);
  }

  /**
   * The parallel explorer has expanded a level, and `next` is the level it found, in one
   * thread's order: of the failures its threads met in the level, each invariant keeps the one a
   * single thread would meet first. A thread judges each state it inserts, at the first
   * arrival, which is not the one that numbers it (claims.ts), and stops judging an invariant
   * once it fails: so the states of `next` are judged again, in order, up to the least failure
   * met on a transition or in a dead state, for every invariant a state failed in the level.
   * Each such state was judged by some thread, so one is found.
   */
  settleLevel(next: LevelView): void {
    const n = this.failures.length;
    for (let k = 0; k <= n; k++) {
      if (this.fixed[k]) continue;
      const atState = this.levelState[k];
      let best = this.levelAt[k] ?? null;
      if (atState) {
        const judge = k < n ? this.monitors[k]!.state!.bind(this.monitors[k]) : (s: StateVector) => this.asserts!.state(s);
        const bound = best ? keyOf(best) : Infinity;
        let found: Failure | null = null;
        for (let i = 0; i < next.count && next.key(i) <= bound; i++) {
          const r = judge(next.state(i));
          if (r) {
            found = { state: next.index(i), via: null, reason: r };
            break;
          }
        }
        if (!found && !best) throw new Error(`a failure a thread met in a state of the level (state ${atState.state}) is not met again in the level`);
        best = found ?? best;
      }
      if (!best) continue;
      if (k < n) this.failures[k] = best;
      else this.assertFailure = best;
    }
    if (this.tcbLevel.length > 0) this.relearnTcb(next);
    this.beginLevel();
  }

  /**
   * Some thread's TCB relation learnt something in the level: the relation observes the level
   * again in one thread's order, numbering its states as one thread does, so that which state
   * first showed each pair (the failure's witness, and the order `TcbAccumulator.judge`
   * compares) is one thread's. A thread observes a state when it inserts it, and not a state
   * whose structure it observed before, so the first state in one thread's order that shows a
   * pair may be one its thread skipped. Each new pair or memory row was learnt in this level
   * (a thread that learnt it earlier reported it then, and the level was observed again), so
   * observing it teaches the relation all the threads reported; should it not, their findings
   * are taken in as they are, numbered as the threads numbered them (never seen in the tests).
   */
  private relearnTcb(next: LevelView): void {
    const tcb = this.tcb;
    for (let i = 0; i < next.count && tcb.learning; i++) {
      const s = next.state(i);
      if (this.tcbMemo && !this.memos[0]!.isNew(s)) continue;
      const before = tcb.changes;
      tcb.observe(s, next.first + i);
      if (tcb.changes !== before) this.renumbered.set(next.first + i, next.index(i));
    }
    for (const o of this.tcbLevel) if (tcb.knowsMore(o)) tcb.merge(o);
  }

  /** The state one thread numbers `n`, as this exploration numbered it: they differ only for a TCB witness a parallel explorer learnt (`relearnTcb`). */
  stateOf(n: number): number {
    return this.renumbered.get(n) ?? n;
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
