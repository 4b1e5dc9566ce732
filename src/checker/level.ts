// A share of a breadth-first level expanded into the shared fingerprint table: what each of the parallel explorer's worker threads does.
import { Claims } from "./claims.js";
import { Ints } from "./ints.js";
import type { SystemModel } from "../dsl/model.js";
import { buildSystem, localStep, successors, useDeadValues, useMmioValues, type Successor, type System } from "../components/step.js";
import type { StateVector } from "../kernel/layout.js";
import { Ahead } from "./ahead.js";
import { AHEAD, interrupted, PROGRESS_EVERY } from "./explore.js";
import { StateFingerprinter } from "./fingerprint.js";
import { Judge } from "./judge.js";
import type { LevelReply, LevelTask, WorkerSetup } from "./parallel.js";
import { overlay, recordWords, writeRecord } from "./packed.js";
import { LOCAL_STEP, StateRecords, type SharedRecords } from "./records.js";
import { symmetryOf, type Symmetry } from "./symmetry.js";
import { WasmCanonicaliser } from "./symmetry-wasm.js";
import { FingerprintTable, type SharedTable } from "./visited.js";

const PROGRESS_MASK = PROGRESS_EVERY - 1;

/** A chunk of a level to expand: states, packed, with their indices, in the level's shared memory (parallel.ts `LevelTask`). */
export type LevelShare = Extract<LevelTask, { kind: "level" }>;

/**
 * Expands shares of breadth-first levels of one scenario into a shared table: a system of its
 * own, a judge that collects findings for the explorer to merge, and a fingerprinter (with the
 * canonicaliser under symmetry reduction) over the same initial state as the explorer's.
 */
export class LevelExpander {
  private readonly sys: System;
  /** How many of `sys.outsideCompared` the replies have listed (`takeCompared`). */
  private comparedSent = 0;
  private readonly judge: Judge;
  private readonly symmetry: Symmetry | null;
  private readonly fp: StateFingerprinter;
  private readonly ahead: Ahead;
  /** A new representative, as a vector for the judge (it is found as its difference). */
  private readonly repVector: Int32Array;
  /** The state being expanded: the initial state with a record's pairs written over it (where the canonicaliser keeps its parent, if there is one). */
  private readonly cur: StateVector;
  /** Words kept with each state's record (packed.ts): with symmetry reduction, its members' signatures. */
  private readonly extra: number;
  private table: FingerprintTable;
  private records: StateRecords;
  /** What a chunk's expansion gives (its new states, their indices, its edges), kept from one chunk to the next so that they grow once. */
  private readonly out: Records;
  private readonly outIndex = new Ints();
  private readonly edges = new Ints();

  constructor(
    model: SystemModel,
    private readonly setup: WorkerSetup,
  ) {
    const sys = buildSystem(model);
    sys.footprints = false;
    useDeadValues(sys, setup.deadValues);
    useMmioValues(sys, setup.mmio);
    sys.maxSuccessors = setup.maxSuccessors;
    this.sys = sys;
    this.judge = new Judge(sys, true);
    const symmetry = setup.symmetry ? symmetryOf(sys).symmetry : null;
    // The explorer found a symmetry in the same model: records carry its members' signatures.
    if (setup.symmetry && !symmetry) throw new Error("a parallel worker found no symmetry where its explorer found one");
    this.symmetry = symmetry;
    // With symmetry reduction, successors are canonicalised in the fingerprinter's memory (symmetry-wasm.ts),
    // as in the single-threaded search; `Symmetry.canonicalDiff` where that cannot run (ahead.ts).
    const tables = symmetry?.diffTables() ?? null;
    // Fingerprints against the initial state, as the explorer that shares the table does.
    this.fp = new StateFingerprinter(sys.init, 256, tables ? WasmCanonicaliser.bytes(tables, AHEAD) : 0, AHEAD);
    const canon = tables ? WasmCanonicaliser.attach(tables, this.fp) : null;
    this.ahead = new Ahead(this.fp, canon, symmetry);
    this.repVector = new Int32Array(sys.init.length);
    // Nothing of a state's successors is kept but copies (`out`): their vectors are reused (arena.ts),
    // in the fingerprinter's memory.
    sys.arena.recycle(true, this.fp.room);
    this.cur = canon?.parent ?? sys.init.slice();
    this.extra = symmetry?.members ?? 0;
    this.table = FingerprintTable.fromShared(setup.table);
    this.records = StateRecords.fromShared(setup.records);
    this.out = new Records(this.extra);
  }

  /** The explorer grew the table: the new one, and the records with it. */
  reopen(table: SharedTable, records: SharedRecords): void {
    this.table = FingerprintTable.fromShared(table);
    this.records = StateRecords.fromShared(records);
  }

  /**
   * Expands the chunk's states in order, inserting their successors into the table and judging
   * them, until the chunk ends, the table needs to grow, the state bound is reached or the
   * `interrupt` flag is set (`stop`); returns the new states, packed, and the findings.
   */
  expand(task: LevelShare): LevelReply {
    const { sys, judge, ahead, fp, symmetry, repVector, cur, extra, table, records, out, outIndex } = this;
    const interrupt = this.setup.interrupt ?? undefined;
    const setup = this.setup;
    const states = new Int32Array(task.states);
    const indices = new Int32Array(task.indices);
    // Every arrival at a state of the next level claims it; the least records it (claims.ts).
    const claims = new Claims(task.claims);
    const levelEnd = task.levelEnd;
    // Where one thread numbers each state of the level (claims.ts), when that is not its place here.
    const ranks = task.ranks ? new Int32Array(task.ranks) : null;
    judge.levelEnd = levelEnd;
    // The state being expanded, decoded from its record into `cur` (the initial state elsewhere);
    // `at` is the next record, `last` the one decoded.
    let at = task.start;
    let last = -1;
    out.clear();
    outIndex.clear();
    const edges = task.graph ? this.edges.clear() : null;
    const follows = symmetry?.follows ?? false;
    let transitions = 0;
    let next = 0;
    let stop: LevelReply["stop"] = null;
    let wider = 0;
    // The state being expanded (always `cur`), its index, and its position in its level, from 1 (claims.ts).
    const s = cur;
    let from = 0;
    let position = 0;
    /**
     * Inserts a successor, fingerprinted ahead into slot `slot` unless that is -1; false when
     * `onlyIfNew` and it is a known state of this level or an earlier one (nothing recorded).
     */
    const visit = (x: Successor, i: number, onlyIfNew: boolean, slot = -1): boolean => {
      ahead.one(x.state, slot);
      const r = table.insertOrFind(ahead.hi, ahead.lo);
      const to = r >= 0 ? r : -r - 1;
      if (onlyIfNew && r < 0 && to < levelEnd) return false;
      transitions++;
      if (to >= levelEnd) claims.claim(to - levelEnd, position, records, to, from, i);
      if (r >= 0) {
        const { diff, length } = ahead;
        judge.state(symmetry ? fp.state(repVector, diff, length) : x.state, r, diff, length);
        out.appendRecord(diff, length, ahead.signatures());
        outIndex.push(r);
      }
      if (edges) {
        edges.push(from), edges.push(to), edges.push(i);
        // The member images of the step's permutation, when the symmetry follows replicas (explore.ts `edgeTriples`).
        if (follows) for (const j of ahead.images()) edges.push(j);
      }
      judge.edge(s, from, x.step, x.state, i, to);
      return true;
    };
    /**
     * Whether the state bound stops step `x` (fingerprinted ahead into `slot`, or -1): the table
     * holds `maxStates` states and `x` leads to a new one (explore.ts `full`). The state being
     * expanded is then not done.
     */
    const full = (x: Successor, slot: number): boolean => {
      if (table.size < task.maxStates) return false;
      ahead.one(x.state, slot);
      return table.find(ahead.hi, ahead.lo) < 0;
    };
    tasks: for (; next < task.count; next++) {
      // Room for this state's successors from every worker in the table and the claims, or
      // pause: the explorer grows them.
      if (table.size + task.margin >= table.maxSize || table.size - levelEnd + task.margin >= claims.capacity) {
        stop = "full";
        break;
      }
      if ((next & PROGRESS_MASK) === 0 && interrupted(interrupt)) {
        stop = "interrupted";
        break;
      }
      // Back to the initial state where the previous state differed from it, then this one's words.
      if (last >= 0) overlay(cur, sys.init, states, last, true);
      overlay(cur, sys.init, states, at, false);
      last = at;
      at += recordWords(2 * states[at]!, extra);
      from = indices[task.first + next]!;
      position = (ranks ? ranks[task.first + next]! : task.first + next) + 1;
      judge.position = position;
      sys.arena.rewind();
      ahead.setParentRecord(s, states, last);
      // Partial-order reduction, as in explore.ts's breadth-first search.
      const local = setup.por ? localStep(sys, s) : null;
      if (local && full(local, -1)) {
        stop = "states";
        break;
      }
      if (local && visit(local, LOCAL_STEP, true)) continue;
      const xs = successors(sys, s);
      if (sys.truncated) {
        // Its successors alone pass the memory bound: not expanded, and the search stops.
        stop = "memory";
        break;
      }
      if (xs.length > task.widest) {
        // More successors than the margin leaves room for while the others insert theirs: not
        // expanded yet; the explorer widens the margin (and grows the table) and hands it out again.
        stop = "full";
        wider = xs.length;
        break;
      }
      if (xs.length === 0) judge.dead(s, from);
      ahead.take(xs, table);
      for (let i = 0; i < xs.length; i++) {
        if (full(xs[i]!, ahead.slotOf(i))) {
          stop = "states";
          break tasks;
        }
        visit(xs[i]!, i, false, ahead.slotOf(i));
      }
    }
    // `cur` is the initial state again for the next task.
    if (last >= 0) overlay(cur, sys.init, states, last, true);
    const newStates = out.take();
    const newIndices = outIndex.take();
    const edgeList = edges ? edges.take() : null;
    return { done: next, stop, wider, transitions, newStates: newStates.buffer, newIndices, edges: edgeList, findings: judge.takeFindings(), mmioCompared: this.takeCompared() };
  }

  /**
   * The comparisons seen comparing data from an MMIO window since the last call, for the explorer
   * to merge (`System.outsideCompared`). The set keeps them, so that a comparison noted once is
   * not evaluated for noting again; it lists them in the order they were noted.
   */
  private takeCompared(): number[] {
    const seen = this.sys.outsideCompared;
    if (!seen || seen.size === this.comparedSent) return [];
    const out = [...seen].slice(this.comparedSent);
    this.comparedSent = seen.size;
    return out;
  }
}

/** A list of state records (packed.ts) with `extra` words each, or of plain ints (`extra` 0). */
class Records extends Ints {
  constructor(private readonly extra: number) {
    super();
  }
  /** Appends a state's record (packed.ts): its `length` words of pairs `d` and the `extra` words of `x`. */
  appendRecord(d: Int32Array, length: number, x: ArrayLike<number> | null): void {
    const words = recordWords(length, this.extra);
    if (this.n + words > this.a.length) this.grow(this.n + words);
    this.n = writeRecord(this.a, this.n, d, length, x, this.extra);
  }
}
