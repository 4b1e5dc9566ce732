// A worker of the parallel explorer: expands its share of a breadth-first level into the shared fingerprint table.
import { parentPort, workerData } from "node:worker_threads";
import { buildSystem, localStep, successors, type Successor } from "../components/step.js";
import { compileFile, compileText } from "../dsl/compile.js";
import type { StateVector } from "../kernel/layout.js";
import { Ahead } from "./ahead.js";
import { AHEAD, interrupted, PROGRESS_EVERY } from "./explore.js";
import { StateFingerprinter } from "./fingerprint.js";
import { Judge } from "./judge.js";
import type { LevelReply, LevelTask, WorkerSetup } from "./parallel.js";
import { overlay, recordWords, writeRecord } from "./packed.js";
import { LOCAL_STEP, StateRecords } from "./records.js";
import { symmetryOf } from "./symmetry.js";
import { WasmCanonicaliser } from "./symmetry-wasm.js";
import { FingerprintTable } from "./visited.js";

const setup = workerData as WorkerSetup;
const c = "text" in setup.source ? compileText(setup.source.name, setup.source.text) : compileFile(setup.source.file);
if (!c.model) throw new Error("a parallel worker could not compile a scenario its explorer compiled");
const sys = buildSystem(c.model);
sys.footprints = false;
sys.quietIrqs = sys.deadVariables = setup.deadValues;
const judge = new Judge(sys, true);
const symmetry = setup.symmetry ? symmetryOf(sys).symmetry : null;
// The explorer found a symmetry in the same model: records carry its members' signatures.
if (setup.symmetry && !symmetry) throw new Error("a parallel worker found no symmetry where its explorer found one");
// With symmetry reduction, successors are canonicalised in the fingerprinter's memory (symmetry-wasm.ts),
// as in the single-threaded search; `Symmetry.canonicalDiff` where that cannot run (ahead.ts).
const tables = symmetry?.diffTables() ?? null;
/** Fingerprints against the initial state, as the explorer that shares the table does. */
const fp = new StateFingerprinter(sys.init, 256, tables ? WasmCanonicaliser.bytes(tables) : 0, AHEAD);
const canon = tables ? WasmCanonicaliser.attach(tables, fp) : null;
/** Successors fingerprinted (a state's first ones before they are inserted), as in the single-threaded search. */
const ahead = new Ahead(fp, canon, symmetry);
/** A new representative, as a vector for the judge (it is found as its difference). */
const repVector = new Int32Array(sys.init.length);
// The worker keeps nothing of a state's successors but copies (`out`): their vectors are reused (arena.ts),
// in the fingerprinter's memory.
sys.arena.recycle(true, fp.room);
let table = FingerprintTable.fromShared(setup.table);
let records = StateRecords.fromShared(setup.records);
/** The state being expanded: the initial state with a record's pairs written over it (where the canonicaliser keeps its parent, if there is one). */
const cur = canon?.parent ?? sys.init.slice();

/** Words kept with each state's record (packed.ts): with symmetry reduction, its members' signatures. */
const extra = symmetry?.members ?? 0;
const interrupt = setup.interrupt ?? undefined;
const PROGRESS_MASK = PROGRESS_EVERY - 1;

/** A growable list of ints. */
class Ints {
  a: Int32Array<ArrayBuffer> = new Int32Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  /** Appends a state's record (packed.ts): its `length` words of pairs `d` and the `extra` words of `x`. */
  appendRecord(d: Int32Array, length: number, x: ArrayLike<number> | null): void {
    const words = recordWords(length, extra);
    if (this.n + words > this.a.length) {
      const b = new Int32Array(Math.max(this.a.length * 2, this.n + words));
      b.set(this.a.subarray(0, this.n));
      this.a = b;
    }
    this.n = writeRecord(this.a, this.n, d, length, x, extra);
  }
  take(): Int32Array<ArrayBuffer> {
    return this.a.slice(0, this.n);
  }
}

parentPort!.on("message", (task: LevelTask) => {
  if (task.kind === "reopen") {
    table = FingerprintTable.fromShared(task.table);
    records = StateRecords.fromShared(task.records);
    return;
  }
  const states = new Int32Array(task.states);
  // The state being expanded, decoded from its record into `cur` (the initial state elsewhere);
  // `at` is the next record, `last` the one decoded.
  let at = 0;
  let last = -1;
  const out = new Ints();
  const outIndex = new Ints();
  const edges = task.graph ? new Ints() : null;
  let transitions = 0;
  let next = 0;
  let stop: LevelReply["stop"] = null;
  for (; next < task.indices.length; next++) {
    // Room for this state's successors from every worker, or pause: the explorer grows the table.
    if (table.size + task.margin >= table.maxSize) {
      stop = "full";
      break;
    }
    if (table.size >= task.maxStates) {
      stop = "states";
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
    const s = cur;
    const from = task.indices[next]!;
    sys.arena.rewind();
    ahead.setParentRecord(s, states, last);
    /**
     * Inserts a successor, fingerprinted ahead into slot `slot` unless that is -1; false when
     * `onlyIfNew` and it is a known state of this level or an earlier one (nothing recorded).
     */
    const visit = (x: Successor, i: number, onlyIfNew: boolean, slot = -1): boolean => {
      ahead.one(x.state, slot);
      const r = table.insertOrFind(ahead.hi, ahead.lo);
      const to = r >= 0 ? r : -r - 1;
      if (onlyIfNew && r < 0 && to < task.levelEnd) return false;
      transitions++;
      if (r >= 0) {
        records.set(r, from, i);
        const { diff, length } = ahead;
        judge.state(symmetry ? fp.state(repVector, diff, length) : x.state, r, diff, length);
        out.appendRecord(diff, length, ahead.signatures());
        outIndex.push(r);
      }
      edges?.push(from), edges?.push(to), edges?.push(i);
      judge.edge(s, from, x.step, x.state, i, to);
      return true;
    };
    // Partial-order reduction, as in explore.ts's breadth-first search.
    const local = setup.por ? localStep(sys, s) : null;
    if (local && visit(local, LOCAL_STEP, true)) continue;
    const xs = successors(sys, s);
    if (xs.length === 0) judge.dead(s, from);
    const inSlots = ahead.take(xs, table);
    for (let i = 0; i < xs.length; i++) visit(xs[i]!, i, false, i < inSlots ? i : -1);
  }
  // `cur` is the initial state again for the next task.
  if (last >= 0) overlay(cur, sys.init, states, last, true);
  const newStates = out.take();
  const newIndices = outIndex.take();
  const edgeList = edges ? edges.take() : null;
  const reply: LevelReply = { done: next, stop, transitions, newStates: newStates.buffer, newIndices, edges: edgeList, findings: judge.takeFindings() };
  parentPort!.postMessage(reply, [newStates.buffer, newIndices.buffer, ...(edgeList ? [edgeList.buffer] : [])]);
});
parentPort!.postMessage({ ready: true });
