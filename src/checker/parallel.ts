// The parallel explorer: breadth-first, level by level, with worker threads inserting into one shared fingerprint table.
import { SHARE_ENV, Worker } from "node:worker_threads";
import { boundSuccessors, type System } from "../components/step.js";
import { interrupted, limitsOf, type Bound, type Exploration, type ExploreHooks, type ExploreOptions, type Graph, type Handoff } from "./explore.js";
import { collisionProbability, StateFingerprinter } from "./fingerprint.js";
import type { SystemModel } from "../dsl/model.js";
import type { Findings, Judge, LevelView } from "./judge.js";
import { Claims, claimKey } from "./claims.js";
import { overlay, recordStarts, recordWords } from "./packed.js";
import { MAX_SUCCESSORS, StateRecords, type SharedRecords } from "./records.js";
import { LevelExpander } from "./level.js";
import { FingerprintTable, bytesPerState, type SharedTable } from "./visited.js";
import { workerScript } from "./worker-script.js";

/** How a worker gets the scenario: it compiles it itself (the model does not cross threads). */
export type ScenarioSource = { readonly file: string } | { readonly name: string; readonly text: string };

export interface WorkerSetup {
  readonly source: ScenarioSource;
  /**
   * The invariants and paths of the model the explorer checks, which replace the compiled
   * scenario's: a command may check some of them alone (`nizza trace`) or one of its own
   * (`nizza tcb --trace`), and a worker's judge and dead values must be the explorer's.
   */
  readonly invariants: SystemModel["invariants"];
  readonly paths: SystemModel["paths"];
  readonly table: SharedTable;
  readonly records: SharedRecords;
  /** Whether to explore representatives (each worker derives the same symmetry from the scenario). */
  readonly symmetry: boolean;
  readonly por: boolean;
  /** The dead-value reductions (spec/invariants.md §10.3), as the explorer's own system has them. */
  readonly deadValues: boolean;
  /** The explorer's `interrupt` flag (shared memory): a worker reads it as it expands its slice. */
  readonly interrupt: Int32Array | null;
  /** The explorer's bound on one state's successors (`System.maxSuccessors`, from its memory bound). */
  readonly maxSuccessors: number;
  /** The values the explorer's MMIO windows take from outside (`System.mmio`). */
  readonly mmio: readonly number[];
}

export type LevelTask =
  | {
      readonly kind: "level";
      /**
       * The level's states, packed (packed.ts), and their indices, in shared memory that every
       * worker reads (`SharedLevel`): this task is `count` of them from the `first`th, whose
       * record starts at word `start`.
       */
      readonly states: SharedArrayBuffer;
      readonly indices: SharedArrayBuffer;
      readonly start: number;
      readonly first: number;
      readonly count: number;
      readonly graph: boolean;
      /** Pause before a state when fewer than this many slots are left below the table's limit. */
      readonly margin: number;
      /** The most successors of one state the margin leaves room for (per thread): a state with more pauses the thread. */
      readonly widest: number;
      readonly maxStates: number;
      /** The first index of the next level (partial-order reduction's cycle proviso, and the claims'). */
      readonly levelEnd: number;
      /** The claims on the next level's states (claims.ts), in shared memory. */
      readonly claims: SharedArrayBuffer;
      /** Each state's rank in its level in one thread's order, from 0 (claims.ts); null when that is its place in `states`. */
      readonly ranks: SharedArrayBuffer | null;
    }
  | { readonly kind: "reopen"; readonly table: SharedTable; readonly records: SharedRecords }
  /** A new exploration: its scenario and table (the worker answers `{ ready: true }`). */
  | { readonly kind: "setup"; readonly setup: WorkerSetup }
  /** The exploration is over: drop its scenario and table. */
  | { readonly kind: "release" };

export interface LevelReply {
  /** How many of the task's states were expanded. */
  readonly done: number;
  /** Why the worker stopped early: the table needs to grow, the state bound was reached, or the `interrupt` flag is set. */
  readonly stop: "full" | "states" | "memory" | "interrupted" | null;
  /** With "full": the successors of the state that has more than the task's `widest` (0: none had). */
  readonly wider: number;
  readonly transitions: number;
  /** The new states, packed as the task's are. */
  readonly newStates: ArrayBuffer;
  readonly newIndices: Int32Array<ArrayBuffer>;
  /** (from, to, ordinal) triples, when the graph is kept. */
  readonly edges: Int32Array<ArrayBuffer> | null;
  readonly findings: Findings;
  /** The comparisons the worker has seen compare data from an MMIO window since its last reply (`System.outsideCompared`). */
  readonly mmioCompared: readonly number[];
}

/** How often the parallel explorer reports progress while its workers expand a level. */
const PROGRESS_MS = 250;

/**
 * Explores `sys` breadth-first with `workers` threads: this one and `workers - 1` worker
 * threads. Each level's states, in shared memory, go in chunks to whichever of them is free; a
 * thread expands its chunk, inserts the successors into the shared table (the atomic insert
 * hands out state indices) and judges what it sees. This thread merges each chunk's findings
 * into `judge` as they come (its own chunks' too, judged apart like a worker's), and between
 * levels grows the table if needed and gathers the next level. This thread explores as well
 * because it would otherwise wait on a core of its own, and it is warm where a new worker is
 * not: a worker's first explorations run its code before the JIT has compiled it. The states, transitions, records and failures found are the
 * same as with one thread (claims.ts: the least arrival at a state records it, and each level is
 * ranked in one thread's order once expanded); which of two states found in the same level gets
 * the lower index is not.
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
  /**
   * The table's first capacity, and the states of a level's chunk (default `chunksOf`'s): tests
   * make them small, to exercise growth in the middle of a level and many chunks per level.
   */
  tuning: { readonly initialCapacity?: number; readonly chunkStates?: number } = {},
  /**
   * A breadth-first search of the same system with the same options and `judge`, paused at the
   * end of a level on this thread (`exploreUntil`): the workers go on from its next level.
   */
  from: Handoff | null = null,
): Promise<Exploration> {
  const t0 = performance.now() - (from?.elapsedMs ?? 0);
  const { done = () => false, progress } = typeof hooks === "function" ? { done: hooks } : hooks;
  const { maxStates, maxDepth, maxBytes } = limitsOf(o);
  boundSuccessors(sys, maxBytes, MAX_SUCCESSORS);
  const keepGraph = o.graph ?? false;
  // Successors per state at most, as far as known: what a level may add to the table.
  let maxBranch = from ? Math.max(64, Math.ceil(from.transitions / from.table.size)) : 64;
  // The most successors one state was seen to have, by a worker that paused before it (`LevelReply.wider`).
  let wider = 0;
  const table = from ? from.table.sharedCopy() : new FingerprintTable(tuning.initialCapacity ?? 1 << 16, true);
  const records = from ? from.records.sharedCopy(table.maxSize) : new StateRecords(table.maxSize, true);
  if (from) {
    // Room for the first level's successors, as between levels below (before the workers get the table).
    if (table.needsGrow()) table.reserve(Math.min(from.count * maxBranch, 1 << 24));
    records.reserve(table.maxSize);
  } else {
    // Workers fingerprint against their own initial state: the same scenario, the same vector.
    const fp = new StateFingerprinter(sys.init);
    fp.take(sys.init);
    records.set(table.insertOrFind(fp.out[0]!, fp.out[1]!), -1, 0);
    judge.state(sys.init, 0, fp.diff, fp.length);
  }

  const setup: WorkerSetup = { source, invariants: sys.model.invariants, paths: sys.model.paths, table: table.shared(), records: records.shared(), symmetry: !!o.symmetry, por: o.por ?? false, deadValues: sys.deadVariables, interrupt: o.interrupt ?? null, maxSuccessors: sys.maxSuccessors, mmio: sys.mmio };
  const here = new ThisThread(sys.model, setup);
  const { pool, fresh } = poolOf(workers - 1, setup);
  const every: readonly LevelThread[] = [here, ...pool];
  // Each worker twice: it has a chunk waiting when it ends one, whatever this thread is doing
  // (a reply is taken only between this thread's chunks).
  const lanes: readonly LevelThread[] = [...every, ...pool];
  const threads = every.length;
  /** Grows the shared visited set until `more` more states fit, the records with it, and gives every thread the new buffers. */
  const grow = (more: number): void => {
    table.reserve(more);
    records.reserve(table.maxSize);
    for (const w of every) w.reopen(table.shared(), records.shared());
  };
  /** The states each thread expanded (this one first), for `lastShares`. */
  const shares = new Array<number>(threads).fill(0);

  const edges: Int32Array[] = from?.edges ? [from.edges] : [];
  // States travel packed (packed.ts): each is its difference from the initial state, a few dozen
  // words where the vector has hundreds, then with symmetry reduction its members' signatures.
  // The initial state's difference is empty.
  const sym = o.symmetry ?? null;
  const extra = sym?.members ?? 0;
  // The next level as the workers found it: their replies' states and indices, in arrival order.
  let found: { states: Int32Array; indices: Int32Array }[];
  // Going on from a search paused in the middle of a level: the rest of that level is the first
  // one expanded here (its next level starts at `firstLevelEnd`), and what it found of its next
  // level so far (`carried`) starts that one.
  let firstLevelEnd: number | null = null;
  let carried: { states: Int32Array; indices: Int32Array } | null = null;
  if (from) {
    const rest = from.levelEnd - from.first;
    const split = recordStarts(from.frontier, rest, extra)[rest]!;
    const numbered = (a: number, n: number): Int32Array => Int32Array.from({ length: n }, (_, k) => a + k);
    found = [{ states: from.frontier.subarray(0, split), indices: numbered(from.first, rest) }];
    carried = { states: from.frontier.subarray(split), indices: numbered(from.levelEnd, from.count - rest) };
    firstLevelEnd = from.levelEnd;
  } else {
    const initial = new Int32Array(recordWords(0, extra));
    if (sym) sym.signaturesOf(sys.init, initial.subarray(1));
    found = [{ states: initial, indices: Int32Array.of(0) }];
  }
  const levels = new LevelBuffers();
  // The claims on the next level's states (claims.ts): a word each, for the largest level so far.
  const claims = new Claims(1 << 12);
  let transitions = from?.transitions ?? 0;
  let depth = from?.depth ?? 0;
  let level = from?.level ?? 0;
  let bound: Bound | null = null;
  // The states of the level being expanded not expanded yet, and those of the next found so far: the frontier progress reports.
  let levelSize = 0;
  let foundCount = found[0]!.indices.length;
  // Where one thread numbers each of `found`'s states in its level, when that is not their order (claims.ts).
  let ranks: Int32Array | null = null;
  const bytes = (): number => table.bytes + records.bytes + claims.bytes + edges.reduce((m, e) => m + e.byteLength, 0);
  // The level being expanded and the next so far, packed.
  let frontierBytes = 0;
  const report = progress && ((): void => progress({ states: table.size, transitions, depth, frontier: levelSize + foundCount, bytes: bytes() + frontierBytes }));
  const timer = report && setInterval(report, PROGRESS_MS);
  let settled = false;
  try {
    // Kept workers are set up in a few ms (each compiles the scenario): wait for them, so that
    // every thread takes part from the first chunk. New ones take a few hundred ms to start: this
    // thread expands chunks meanwhile, and each joins once it is ready (`LevelThread.ready`).
    if (!fresh) await Promise.all(pool.map((w) => w.ready));
    outer: while (foundCount > 0) {
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
      const levelEnd = firstLevelEnd ?? table.size;
      firstLevelEnd = null;
      const cur = levels.fill(found, extra, ranks);
      ranks = null;
      judge.beginLevel();
      // Room to claim about twice as many states as this level has; those of the next level a
      // probe found are held (they were reached from states before this part of the level).
      claims.reserve(table.size - levelEnd + 2 * cur.count + 2 * marginOf(threads, widestOf(maxBranch, wider)));
      if (carried) for (let k = 0; k < carried.indices.length; k++) claims.hold(k);
      found = carried ? [carried] : [];
      foundCount = carried?.indices.length ?? 0;
      levelSize = cur.count;
      frontierBytes = cur.bytes + (carried?.states.byteLength ?? 0);
      carried = null;
      // The level in chunks, handed to whichever worker is free (a worker's share of a level,
      // fixed in advance, could take twice another's: states differ in their successors), while
      // this thread merges the replies that are in. A worker that pauses because the table is
      // nearly full leaves the rest of its chunk; no chunk is handed out then, and once every
      // worker has answered the table grows and the chunks left go on.
      let chunks = chunksOf(cur.count, threads, tuning.chunkStates);
      while (chunks.length > 0) {
        const widest = widestOf(maxBranch, wider);
        const margin = marginOf(threads, widest);
        const left: Chunk[] = [];
        let next = 0;
        let halt = false;
        await Promise.all(
          lanes.map(async (w, k) => {
            await w.ready;
            while (!halt && next < chunks.length) {
              const c = chunks[next++]!;
              const r = await w.level({ kind: "level", states: cur.states, indices: cur.indices, start: cur.at[c.first]!, first: c.first, count: c.count, graph: keepGraph, margin, maxStates, levelEnd, claims: claims.shared(), ranks: cur.ranks, widest });
              transitions += r.transitions;
              wider = Math.max(wider, r.wider);
              shares[k === 0 ? 0 : 1 + ((k - 1) % pool.length)]! += r.done;
              judge.merge(r.findings);
              for (const node of r.mmioCompared) sys.outsideCompared?.add(node);
              found.push({ states: new Int32Array(r.newStates), indices: r.newIndices });
              foundCount += r.newIndices.length;
              // The deepest state found, as the level's states come in (a bound may stop it midway).
              if (foundCount > 0) depth = level + 1;
              frontierBytes += r.newStates.byteLength;
              levelSize -= r.done;
              if (r.edges) edges.push(r.edges);
              if (r.done < c.count) left.push({ first: c.first + r.done, count: c.count - r.done });
              if (r.stop === null) continue;
              halt = true;
              // A worker's "memory" is a state with too many successors: the bound `boundSuccessors` set.
              if (r.stop === "states") bound = r.stop;
              else if (r.stop === "memory") bound = sys.successorBound;
              else if (r.stop === "interrupted" && bound === null) bound = "interrupted";
            }
          }),
        );
        if (bound !== null) break outer;
        left.push(...chunks.slice(next));
        // A thread paused for room (level.ts): in the table, or in the claims. Either grows past
        // the margin, or the threads would pause again at once, and the search never end.
        if (left.length > 0) {
          if (table.size + margin >= table.maxSize) grow(Math.max(table.size, 1024, 2 * margin));
          claims.reserve(2 * (table.size - levelEnd + margin));
          if (table.size + margin >= table.maxSize || table.size - levelEnd + margin >= claims.capacity) throw new Error(`the parallel explorer's table or claims did not grow past a margin of ${margin} states`);
        }
        chunks = left;
      }
      // The level is expanded: the next one ranked in one thread's order, by which the failures
      // met in this one are settled, and the claims cleared for it.
      if (foundCount !== table.size - levelEnd) throw new Error(`a level of ${table.size - levelEnd} states gathered as ${foundCount}`);
      const ranked = rankByClaims(found, claims, records, levelEnd, cur.count);
      ranks = ranked.rank;
      judge.settleLevel(viewOf(found, ranked, extra, claims, records, levelEnd, sys.init));
      claims.clear(foundCount);
      if (foundCount > 0) depth = level + 1;
      maxBranch = Math.max(maxBranch, Math.ceil(transitions / Math.max(1, table.size)));
      level++;
      // Room for the next level before it starts: its states times the branching seen so far.
      if (table.needsGrow()) grow(Math.min(foundCount * maxBranch, 1 << 24));
      frontierBytes = found.reduce((m, f) => m + f.states.byteLength, 0);
      if (bytes() + frontierBytes + levels.bytes > maxBytes) {
        bound = "memory";
        break;
      }
    }
    settled = true;
    lastExploration = shares;
  } finally {
    if (timer) clearInterval(timer);
    // The workers stay for the next exploration, without this one's table and scenario; after an
    // error here they may still be at work on a level, so they go.
    if (settled) giveBack(pool);
    else discard(pool);
  }
  return {
    states: table.size,
    transitions,
    depth,
    bound,
    records,
    graph: keepGraph ? graphOf(edges, sym?.follows ? sym.members : 0) : null,
    elapsedMs: performance.now() - t0,
    collisionProbability: collisionProbability(table.size),
    bytesPerState: bytesPerState(table, records),
  };
}

/** A thread that expands chunks of a level: this one (`ThisThread`) or a worker of the pool. */
interface LevelThread {
  /** Settles when the thread can take chunks; rejects if it cannot. */
  readonly ready: Promise<unknown>;
  /** Expands the chunk `task` names. */
  level(task: Extract<LevelTask, { kind: "level" }>): Promise<LevelReply>;
  /** The explorer grew the table: the new one, and the records with it. */
  reopen(table: SharedTable, records: SharedRecords): void;
}

/**
 * This thread as one of the explorer's threads: it expands its chunks with a `LevelExpander` of
 * its own, as a worker does, between merging the workers' replies.
 */
class ThisThread implements LevelThread {
  readonly ready = Promise.resolve();
  private readonly expander: LevelExpander;
  constructor(model: SystemModel, setup: WorkerSetup) {
    this.expander = new LevelExpander(model, setup);
  }
  async level(task: Extract<LevelTask, { kind: "level" }>): Promise<LevelReply> {
    // A chunk expanded here holds this thread: let the replies that are in be merged first (a
    // worker's reply is an event; a promise already settled would not wait for it), so that
    // workers are handed their next chunk without waiting on this one.
    await new Promise((resolve) => setImmediate(resolve));
    return this.expander.expand(task);
  }
  reopen(table: SharedTable, records: SharedRecords): void {
    this.expander.reopen(table, records);
  }
}

/**
 * A worker thread of the pool: one listener for its whole life settles the answers it is
 * waiting for, in the order the tasks were sent (the worker takes its messages in order and
 * answers a `setup` with `{ ready: true }` and a level with its reply); an error or an exit
 * fails them all, and the pool is made anew for the next exploration.
 */
class PoolWorker implements LevelThread {
  private readonly pending: { resolve: (r: unknown) => void; reject: (e: unknown) => void }[] = [];
  broken = false;
  /** Settles with the answer to the last `setUp`. */
  ready: Promise<unknown> = Promise.resolve();
  readonly thread: Worker;
  constructor() {
    // The environment shared, not copied at the start: a kept worker reads it as it is when an
    // exploration sets it up (NIZZA_WASM, wasm.ts).
    this.thread = new Worker(workerScript(import.meta.url, "./worker.js", "the parallel explorer's worker"), { env: SHARE_ENV });
    this.thread.on("message", (r: unknown) => this.settle()?.resolve(r));
    const fail = (e: unknown): void => {
      this.broken = true;
      for (let p = this.settle(); p; p = this.settle()) p.reject(e);
    };
    this.thread.on("error", fail);
    this.thread.on("exit", (code) => fail(new Error(`a parallel worker exited (code ${code})`)));
    // Kept between explorations, it must not keep the process (or the CLI's session thread) alive
    // while idle; it does while an answer is awaited (`ask`).
    this.thread.unref();
  }
  /** The oldest answer awaited, taken off the list; the thread is unref'd once none is. */
  private settle(): PoolWorker["pending"][number] | undefined {
    const p = this.pending.shift();
    if (this.pending.length === 0) this.thread.unref();
    return p;
  }
  /** Sends `task` and waits for the worker's answer to it (it may have others to give first). */
  ask(task: LevelTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new Error("a parallel worker is gone"));
      this.pending.push({ resolve, reject });
      this.thread.ref();
      // A level's buffers are shared, not transferred: every worker reads them.
      this.thread.postMessage(task);
    });
  }
  /** Sends the worker an exploration's setup; `ready` settles when it has compiled the scenario. */
  setUp(setup: WorkerSetup): void {
    this.ready = this.ask({ kind: "setup", setup });
    // Awaited by the search's first chunks; one that ends before them (a bound at the start) does
    // not leave a failure unhandled (the worker is broken then, and replaced for the next).
    this.ready.catch(() => undefined);
  }
  /** Sends `task`, which has no answer. */
  tell(task: LevelTask): void {
    this.thread.postMessage(task);
  }
  level(task: Extract<LevelTask, { kind: "level" }>): Promise<LevelReply> {
    return this.ask(task) as Promise<LevelReply>;
  }
  reopen(table: SharedTable, records: SharedRecords): void {
    this.tell({ kind: "reopen", table, records });
  }
}

/**
 * The worker threads, kept from one exploration to the next: each new thread is an isolate that
 * compiles the step function, the fingerprinter and the judge again, which costs more than a
 * mid-size exploration takes (docs/performance-history.md, thirteenth pass). `nizza check` over
 * a folder explores scenario after scenario with the same pool.
 */
let kept: PoolWorker[] = [];
/** Whether an exploration is using the kept workers: one that runs beside it gets workers of its own. */
let keptBusy = false;

/**
 * `n` workers for an exploration, each sent its setup (`PoolWorker.ready` settles when it has
 * compiled the scenario): those kept, if there are as many and none is broken, or new ones, kept
 * after it; while another exploration uses the kept ones, new ones for this one only.
 */
function poolOf(n: number, setup: WorkerSetup): { readonly pool: PoolWorker[]; /** Whether the workers are new threads. */ readonly fresh: boolean } {
  // One thread in all: this one explores alone, and the kept workers stay for another exploration.
  if (n === 0) return { pool: [], fresh: false };
  let pool: PoolWorker[];
  let fresh = true;
  if (keptBusy) pool = Array.from({ length: n }, () => new PoolWorker());
  else {
    if (kept.length !== n || kept.some((w) => w.broken)) {
      discard(kept);
      kept = Array.from({ length: n }, () => new PoolWorker());
    } else fresh = false;
    pool = kept;
    keptBusy = true;
  }
  for (const w of pool) w.setUp(setup);
  return { pool, fresh };
}

/** `lastShares`'s answer. */
let lastExploration: readonly number[] = [];

/** The states each thread expanded in the last parallel exploration that ended, this thread's first (for tests). */
export function lastShares(): readonly number[] {
  return lastExploration;
}

/** The thread ids of the workers kept for the next exploration (for tests). */
export function keptWorkers(): number[] {
  return kept.map((w) => w.thread.threadId);
}

/** After an exploration: the kept workers are released for the next one; others are stopped. */
function giveBack(pool: readonly PoolWorker[]): void {
  if (pool !== kept) return discard(pool);
  for (const w of pool) w.tell({ kind: "release" });
  keptBusy = false;
}

/** Stops `pool`'s workers; if they were the kept ones, the next exploration starts new ones. */
function discard(pool: readonly PoolWorker[]): void {
  if (kept === pool) {
    kept = [];
    keptBusy = false;
  }
  for (const w of pool) void w.thread.terminate();
}

/** A level's states in shared memory, as every worker reads them: records (packed.ts) and indices, and where each record starts. */
interface SharedLevel {
  readonly states: SharedArrayBuffer;
  readonly indices: SharedArrayBuffer;
  /** Where one thread numbers each state in the level (`LevelTask.ranks`), or null. */
  readonly ranks: SharedArrayBuffer | null;
  /** `at[k]`: the word where the `k`th record starts; `at[count]` where the last ends. */
  readonly at: Int32Array;
  readonly count: number;
  /** The bytes of the level's records and indices. */
  readonly bytes: number;
}

/**
 * The shared memory of the levels: a buffer of records and one of indices, which each level
 * fills anew once the one before is expanded, so that a level costs one copy of its states and
 * no new pages once the buffers are large enough.
 */
class LevelBuffers {
  private states = new SharedArrayBuffer(0);
  private indices = new SharedArrayBuffer(0);
  private ranks = new SharedArrayBuffer(0);

  /**
   * The level whose states and indices are `parts` (a reply's each), in that order, and where
   * one thread numbers each (`ranks`: null when in that order). The level filled before is gone.
   */
  fill(parts: readonly { readonly states: Int32Array; readonly indices: Int32Array }[], extra: number, ranks: Int32Array | null): SharedLevel {
    const words = parts.reduce((m, p) => m + p.states.length, 0);
    const count = parts.reduce((m, p) => m + p.indices.length, 0);
    // Half as much again when a buffer is too small: the levels of a search grow, then shrink.
    if (this.states.byteLength < 4 * words) this.states = new SharedArrayBuffer(4 * Math.ceil(words * 1.5));
    if (this.indices.byteLength < 4 * count) this.indices = new SharedArrayBuffer(4 * Math.ceil(count * 1.5));
    if (ranks && this.ranks.byteLength < 4 * count) this.ranks = new SharedArrayBuffer(4 * Math.ceil(count * 1.5));
    const states = new Int32Array(this.states);
    const indices = new Int32Array(this.indices);
    if (ranks) new Int32Array(this.ranks).set(ranks);
    let w = 0;
    let i = 0;
    for (const p of parts) {
      states.set(p.states, w);
      indices.set(p.indices, i);
      w += p.states.length;
      i += p.indices.length;
    }
    return { states: this.states, indices: this.indices, ranks: ranks ? this.ranks : null, at: recordStarts(states, count, extra), count, bytes: 4 * (words + count) };
  }

  /** Bytes held by the buffers. */
  get bytes(): number {
    return this.states.byteLength + this.indices.byteLength + this.ranks.byteLength;
  }
}

/** A run of a level's states, from its `first`th: a task for one worker. */
interface Chunk {
  readonly first: number;
  readonly count: number;
}

/**
 * A level of `n` states in chunks for `workers` workers: about eight per worker, so that one
 * whose chunks have more successors does not keep the others waiting long, but no smaller
 * than 256 states (a task costs a message each way) unless the level is small, when each worker
 * gets one. Chunks of `size` states if that is given.
 */
export function chunksOf(n: number, workers: number, size = Math.max(Math.ceil(n / (8 * workers)), Math.min(256, Math.ceil(n / workers)), 1)): Chunk[] {
  const step = Math.max(1, Math.floor(size));
  const out: Chunk[] = [];
  for (let first = 0; first < n; first += step) out.push({ first, count: Math.min(step, n - first) });
  return out;
}

/** The graph from its parts' edges (explore.ts `edgeTriples`: from, to, ordinal, then `stride` member images each). */
function graphOf(parts: readonly Int32Array[], stride: number): Graph {
  const width = 3 + stride;
  const count = parts.reduce((m, p) => m + p.length / width, 0);
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const ordinal = new Uint16Array(count);
  const images = stride > 0 ? new Uint8Array(count * stride) : null;
  let e = 0;
  for (const p of parts)
    for (let i = 0; i < p.length; i += width, e++) {
      from[e] = p[i]!;
      to[e] = p[i + 1]!;
      ordinal[e] = p[i + 2]!;
      for (let j = 0; j < stride; j++) images![e * stride + j] = p[i + 3 + j]!;
    }
  return { from, to, ordinal, count, images, stride };
}


/**
 * Room a thread leaves for the successors of the states the others are expanding: it pauses
 * before a state when less is left (level.ts), and before inserting the successors of a state
 * that has more than `widest` of them, which the next round's margin then covers.
 */
function marginOf(threads: number, widest: number): number {
  return threads * widest + 1024;
}

/** The successors per state a margin covers: twice the mean branching, or the most one state was seen to have. */
function widestOf(maxBranch: number, wider: number): number {
  return Math.max(2 * maxBranch, wider);
}

/** A level's states (as its threads found them, one after another) ranked in one thread's order: `order[j]` is the `j`th, `rank` its inverse, `index` each one's index. */
interface Ranked {
  readonly order: Int32Array;
  readonly rank: Int32Array;
  readonly index: Int32Array;
}

/**
 * The ranks one thread numbers the states of the level found from the one just expanded by
 * (claims.ts): by the position that claimed each, then by the claim's ordinal, which the state's
 * record holds. `parts` are as the threads found them, those a probe found first: these are held
 * (position 0) and stay first, in the order the probe found them. A counting sort by position,
 * then the few states of one position by ordinal. The level keeps its states where they are,
 * and its threads read their ranks as the positions they claim from (level.ts).
 */
function rankByClaims(parts: readonly { readonly indices: Int32Array }[], claims: Claims, records: StateRecords, levelEnd: number, expanded: number): Ranked {
  const n = parts.reduce((m, p) => m + p.indices.length, 0);
  const index = new Int32Array(n);
  const first = new Int32Array(expanded + 2);
  for (let q = 0, i = 0; q < parts.length; q++) {
    const ix = parts[q]!.indices;
    for (let k = 0; k < ix.length; k++, i++) {
      const x = ix[k]!;
      const p = claims.position(x - levelEnd);
      // Every state found was claimed by its finder, at the latest, from one of the `expanded` positions.
      if (p > expanded) throw new Error(`state ${x} of the level was not claimed from a state of the level before`);
      index[i] = x;
      first[p + 1]!++;
    }
  }
  for (let p = 0; p <= expanded; p++) first[p + 1]! += first[p]!;
  const order = new Int32Array(n);
  const next = first.slice(0, expanded + 1);
  for (let i = 0; i < n; i++) order[next[claims.position(index[i]! - levelEnd)]!++] = i;
  // The states one position claimed, by ordinal (insertion sort: a state has few successors).
  for (let p = 1; p <= expanded; p++)
    for (let j = first[p]! + 1; j < first[p + 1]!; j++) {
      const x = order[j]!;
      const o = records.step(index[x]!);
      let h = j - 1;
      for (; h >= first[p]! && records.step(index[order[h]!]!) > o; h--) order[h + 1] = order[h]!;
      order[h + 1] = x;
    }
  const rank = new Int32Array(n);
  for (let j = 0; j < n; j++) rank[order[j]!] = j;
  return { order, rank, index };
}

/**
 * The level `parts` in one thread's order, as the judge reads it (`Judge.settleLevel`): each
 * state written over a copy of the initial one, its key from its claim (before the claims are
 * cleared). Where each record starts is found only if the judge reads a state.
 */
function viewOf(parts: readonly { readonly states: Int32Array; readonly indices: Int32Array }[], ranked: Ranked, extra: number, claims: Claims, records: StateRecords, levelEnd: number, init: Int32Array): LevelView {
  const { order, index } = ranked;
  let where: { part: Int32Array; start: Int32Array } | null = null;
  const vec = init.slice();
  let last = -1;
  return {
    count: order.length,
    first: levelEnd,
    index: (j) => index[order[j]!]!,
    key(j) {
      const x = index[order[j]!]!;
      const p = claims.position(x - levelEnd);
      return p === 0 ? -1 : claimKey(p, records.step(x));
    },
    state(j) {
      if (!where) {
        const part = new Int32Array(order.length);
        const start = new Int32Array(order.length);
        for (let q = 0, i = 0; q < parts.length; q++) {
          const at = recordStarts(parts[q]!.states, parts[q]!.indices.length, extra);
          for (let k = 0; k < parts[q]!.indices.length; k++, i++) {
            part[i] = q;
            start[i] = at[k]!;
          }
        }
        where = { part, start };
      }
      const { part, start } = where;
      if (last >= 0) overlay(vec, init, parts[part[last]!]!.states, start[last]!, true);
      last = order[j]!;
      overlay(vec, init, parts[part[last]!]!.states, start[last]!, false);
      return vec;
    },
  };
}
