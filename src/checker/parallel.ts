// The parallel explorer: breadth-first, level by level, with worker threads inserting into one shared fingerprint table.
import { Worker } from "node:worker_threads";
import type { System } from "../components/step.js";
import { interrupted, limitsOf, type Bound, type Exploration, type ExploreHooks, type ExploreOptions, type Graph } from "./explore.js";
import { collisionProbability, StateFingerprinter } from "./fingerprint.js";
import type { Findings, Judge } from "./judge.js";
import { recordStarts, recordWords } from "./packed.js";
import { StateRecords, type SharedRecords } from "./records.js";
import { FingerprintTable, bytesPerState, type SharedTable } from "./visited.js";
import { workerScript } from "./worker-script.js";

/** How a worker gets the scenario: it compiles it itself (the model does not cross threads). */
export type ScenarioSource = { readonly file: string } | { readonly name: string; readonly text: string };

export interface WorkerSetup {
  readonly source: ScenarioSource;
  readonly table: SharedTable;
  readonly records: SharedRecords;
  /** Whether to explore representatives (each worker derives the same symmetry from the scenario). */
  readonly symmetry: boolean;
  readonly por: boolean;
  /** The dead-value reductions (spec/invariants.md §10.3), as the explorer's own system has them. */
  readonly deadValues: boolean;
  /** The explorer's `interrupt` flag (shared memory): a worker reads it as it expands its slice. */
  readonly interrupt: Int32Array | null;
}

export type LevelTask =
  | {
      readonly kind: "level";
      /** The states to expand, packed (packed.ts), and their indices. */
      readonly states: ArrayBuffer;
      readonly indices: Int32Array;
      readonly graph: boolean;
      /** Pause before a state when fewer than this many slots are left below the table's limit. */
      readonly margin: number;
      readonly maxStates: number;
      /** The first index of the next level (partial-order reduction's cycle proviso). */
      readonly levelEnd: number;
    }
  | { readonly kind: "reopen"; readonly table: SharedTable; readonly records: SharedRecords };

export interface LevelReply {
  /** How many of the task's states were expanded. */
  readonly done: number;
  /** Why the worker stopped early: the table needs to grow, the state bound was reached, or the `interrupt` flag is set. */
  readonly stop: "full" | "states" | "interrupted" | null;
  readonly transitions: number;
  /** The new states, packed as the task's are. */
  readonly newStates: ArrayBuffer;
  readonly newIndices: Int32Array<ArrayBuffer>;
  /** (from, to, ordinal) triples, when the graph is kept. */
  readonly edges: Int32Array<ArrayBuffer> | null;
  readonly findings: Findings;
}

/** How often the parallel explorer reports progress while its workers expand a level. */
const PROGRESS_MS = 250;

/**
 * Explores `sys` breadth-first with `workers` threads. Each level's states are split
 * among the workers, which expand them, insert the successors into the shared table
 * (the atomic insert hands out state indices) and judge what they see; between levels
 * the explorer merges their findings into `judge`, grows the table if needed and
 * gathers the next level. The states and transitions found are the same as with one
 * thread; which of two states found in the same level gets the lower index is not.
 * `hooks.progress` is called between levels and every PROGRESS_MS while the workers run; the
 * `interrupt` flag is read between levels and by the workers as they go. A function for
 * `hooks` is the `done` hook alone.
 */
export async function exploreParallel(
  sys: System,
  source: ScenarioSource,
  judge: Judge,
  workers: number,
  o: ExploreOptions = {},
  hooks: Pick<ExploreHooks, "done" | "progress"> | (() => boolean) = {},
  /** The table's first capacity; tests make it small to exercise growth in the middle of a level. */
  initialCapacity = 1 << 16,
): Promise<Exploration> {
  const t0 = performance.now();
  const { done = () => false, progress } = typeof hooks === "function" ? { done: hooks } : hooks;
  const { maxStates, maxDepth, maxBytes } = limitsOf(o);
  const keepGraph = o.graph ?? false;
  const table = new FingerprintTable(initialCapacity, true);
  const records = new StateRecords(table.maxSize, true);
  // Workers fingerprint against their own initial state: the same scenario, the same vector.
  const fp = new StateFingerprinter(sys.init);
  fp.take(sys.init);
  records.set(table.insertOrFind(fp.out[0]!, fp.out[1]!), -1, 0);
  judge.state(sys.init, 0, fp.diff, fp.length);

  const pool = await Promise.all(
    Array.from({ length: workers }, () => {
      const w = new Worker(workerScript(import.meta.url, "./worker.js", "the parallel explorer's worker"), { workerData: { source, table: table.shared(), records: records.shared(), symmetry: !!o.symmetry, por: o.por ?? false, deadValues: sys.deadVariables, interrupt: o.interrupt ?? null } satisfies WorkerSetup });
      return new Promise<Worker>((resolve, reject) => {
        w.once("message", () => resolve(w));
        w.once("error", reject);
      });
    }),
  );
  // One listener per worker for its whole life: each task's reply settles the pending promise.
  const pending = new Map<Worker, { resolve: (r: LevelReply) => void; reject: (e: unknown) => void }>();
  for (const w of pool) {
    w.on("message", (r: LevelReply) => pending.get(w)?.resolve(r));
    w.on("error", (e) => pending.get(w)?.reject(e));
  }
  const ask = (w: Worker, task: LevelTask): Promise<LevelReply> =>
    new Promise((resolve, reject) => {
      pending.set(w, { resolve, reject });
      w.postMessage(task, task.kind === "level" ? [task.states] : []);
    });

  const edges: Int32Array[] = [];
  // States travel packed (packed.ts): each is its difference from the initial state, a few dozen
  // words where the vector has hundreds, then with symmetry reduction its members' signatures.
  // The initial state's difference is empty.
  const sym = o.symmetry ?? null;
  const extra = sym?.members ?? 0;
  const initial = new Int32Array(recordWords(0, extra));
  if (sym) sym.signaturesOf(sys.init, initial.subarray(1));
  let frontier: { states: Int32Array; indices: Int32Array }[] = [{ states: initial, indices: Int32Array.of(0) }];
  let transitions = 0;
  let depth = 0;
  let level = 0;
  let bound: Bound | null = null;
  let maxBranch = 64;
  // The size of the level being expanded (and of the next, found so far): the frontier progress reports.
  let levelSize = 1;
  let found = 0;
  const bytes = (): number => table.bytes + records.bytes + edges.reduce((m, e) => m + e.byteLength, 0);
  // The level being expanded and the next so far, packed.
  let frontierBytes = 0;
  const report = progress && ((): void => progress({ states: table.size, transitions, depth, frontier: levelSize + found, bytes: bytes() + frontierBytes }));
  const timer = report && setInterval(report, PROGRESS_MS);
  try {
    outer: while (frontier.some((f) => f.indices.length > 0)) {
      if (done()) {
        bound = "stopped";
        break;
      }
      report?.();
      if (interrupted(o.interrupt)) {
        bound = "interrupted";
        break;
      }
      if (level >= maxDepth) {
        bound = "depth";
        break;
      }
      // This level's states, split evenly among the workers; a worker that pauses because the
      // table is nearly full leaves the rest of its slice for another round after the table grew.
      const levelEnd = table.size;
      let states = concat(frontier.map((f) => f.states));
      let indices = concat(frontier.map((f) => f.indices));
      levelSize = indices.length;
      frontierBytes = states.byteLength;
      found = 0;
      const next: { states: Int32Array; indices: Int32Array }[] = [];
      while (indices.length > 0) {
        const n = indices.length;
        const per = Math.ceil(n / pool.length);
        const margin = pool.length * maxBranch * 2 + 1024;
        const slices = pool.map((_, i) => ({ a: Math.min(n, i * per), b: Math.min(n, (i + 1) * per) }));
        const at = recordStarts(states, n, extra);
        const replies = await Promise.all(
          pool.map((w, i) => {
            const { a, b } = slices[i]!;
            return ask(w, { kind: "level", states: states.slice(at[a]!, at[b]!).buffer, indices: indices.slice(a, b), graph: keepGraph, margin, maxStates, levelEnd });
          }),
        );
        const left: { s: Int32Array; i: Int32Array }[] = [];
        replies.forEach((r, i) => {
          const { a, b } = slices[i]!;
          transitions += r.transitions;
          judge.merge(r.findings);
          next.push({ states: new Int32Array(r.newStates), indices: r.newIndices });
          found += r.newIndices.length;
          frontierBytes += r.newStates.byteLength;
          levelSize -= r.done;
          if (r.edges) edges.push(r.edges);
          if (r.stop === "states") bound = "states";
          else if (r.stop === "interrupted" && bound === null) bound = "interrupted";
          if (a + r.done < b) left.push({ s: states.subarray(at[a + r.done]!, at[b]!), i: indices.subarray(a + r.done, b) });
        });
        if (bound !== null) break outer;
        if (left.length > 0) {
          table.reserve(Math.max(table.size, 1024));
          records.reserve(table.maxSize);
          for (const w of pool) w.postMessage({ kind: "reopen", table: table.shared(), records: records.shared() } satisfies LevelTask);
        }
        states = concat(left.map((x) => x.s));
        indices = concat(left.map((x) => x.i));
      }
      frontier = next;
      if (found > 0) depth = level + 1;
      maxBranch = Math.max(maxBranch, Math.ceil(transitions / Math.max(1, table.size)));
      level++;
      // Room for the next level before it starts: its states times the branching seen so far.
      if (table.needsGrow()) {
        table.reserve(Math.min(found * maxBranch, 1 << 24));
        records.reserve(table.maxSize);
        for (const w of pool) w.postMessage({ kind: "reopen", table: table.shared(), records: records.shared() } satisfies LevelTask);
      }
      frontierBytes = next.reduce((m, f) => m + f.states.byteLength, 0);
      if (table.bytes + records.bytes + frontierBytes + edges.reduce((m, e) => m + e.byteLength, 0) > maxBytes) {
        bound = "memory";
        break;
      }
    }
  } finally {
    if (timer) clearInterval(timer);
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return {
    states: table.size,
    transitions,
    depth,
    bound,
    records,
    graph: keepGraph ? graphOf(edges) : null,
    elapsedMs: performance.now() - t0,
    collisionProbability: collisionProbability(table.size),
    bytesPerState: bytesPerState(table, records),
  };
}

function concat(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((m, p) => m + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function graphOf(parts: readonly Int32Array[]): Graph {
  const count = parts.reduce((m, p) => m + p.length / 3, 0);
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const ordinal = new Uint16Array(count);
  let e = 0;
  for (const p of parts)
    for (let i = 0; i < p.length; i += 3, e++) {
      from[e] = p[i]!;
      to[e] = p[i + 1]!;
      ordinal[e] = p[i + 2]!;
    }
  return { from, to, ordinal, count };
}

