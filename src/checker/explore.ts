// The explorer: breadth-first (default) or depth-first search of every reachable state, over 64-bit fingerprints.
import { boundSuccessors, localStep, successors, type Successor, type System } from "../components/step.js";
import type { StateVector } from "../kernel/layout.js";
import { Ahead } from "./ahead.js";
import { collisionProbability, StateFingerprinter } from "./fingerprint.js";
import { recordWords, writeRecord } from "./packed.js";
import { rng } from "./random.js";
import { LOCAL_STEP, MAX_SUCCESSORS, SLEPT, StateRecords } from "./records.js";
import { CarryWindow, MaskWindow, SleepSets, sleptOrdinalAt } from "./sleep.js";
import { sameState, Symmetry } from "./symmetry.js";
import { WasmCanonicaliser } from "./symmetry-wasm.js";
import { FingerprintTable, bytesPerState } from "./visited.js";

export type SearchMode = "bfs" | "dfs";

/**
 * What stopped an exploration before it had seen every reachable state: a bound, every
 * verdict known ("stopped"), the `interrupt` flag (Ctrl-C: "interrupted"), or a random
 * simulation, which never sees them all.
 */
export type Bound = "states" | "depth" | "memory" | "successors" | "stopped" | "interrupted" | "simulation";

/**
 * How often the explorer reports progress and reads the `interrupt` flag: every this many turns
 * of its loop (a power of two). A breadth-first search turns once per state it expands, a
 * depth-first one once per transition and once per state it backs out of.
 */
export const PROGRESS_EVERY = 4096;
const PROGRESS_MASK = PROGRESS_EVERY - 1;

/** The size of an exploration so far, as `ExploreHooks.progress` is shown it. */
export interface Progress {
  /** Distinct states found. */
  readonly states: number;
  readonly transitions: number;
  /** The depth of the deepest state found. */
  readonly depth: number;
  /** States found but not expanded yet: the queue (breadth-first), the stack (depth-first), the level being expanded and the next (parallel). */
  readonly frontier: number;
  /** The exploration's own memory, as `maxMemoryBytes` counts it. */
  readonly bytes: number;
}

/** Whether an `interrupt` flag is set. */
export function interrupted(flag: Int32Array | undefined): boolean {
  return flag !== undefined && Atomics.load(flag, 0) !== 0;
}

export interface ExploreOptions {
  readonly mode?: SearchMode;
  /** At most this many distinct states (default: no limit but memory). */
  readonly maxStates?: number;
  /** States deeper than this are not expanded (default: no limit). */
  readonly maxDepth?: number;
  /**
   * The exploration's own memory (visited set, records, frontier, graph) stays under this
   * (default 4 GiB), and so do one state's successors, which are held at once: a state whose
   * successors pass it is not expanded (`boundSuccessors`). Either ends the search, "memory".
   * So does a state with more successors than a state record can number (32,768,
   * `MAX_SUCCESSORS`), "successors", in the exhaustive searches.
   */
  readonly maxMemoryBytes?: number;
  /** Keep every transition (from, to) for analyses on the graph: `available`, lassos. */
  readonly graph?: boolean;
  /**
   * Symmetry reduction (spec/invariants.md §10.2): each new state is replaced by the
   * representative of its orbit under the replicas' permutations, so symmetric states are
   * explored once. Hooks see representatives; an edge's successor is the real one.
   */
  readonly symmetry?: Symmetry | null;
  /**
   * Partial-order reduction (spec/invariants.md §10.1): where a thread's next step is local
   * (`localStep`), that step alone is explored from the state, unless it leads back to a
   * state no deeper than this one (the cycle proviso). Such an edge is recorded with the
   * ordinal LOCAL_STEP. Default off here; `check` turns it on.
   */
  readonly por?: boolean;
  /**
   * Sleep sets (spec/invariants.md §10.1, sleep.ts), in the single-threaded breadth-first search
   * without the graph and under "interleave" scheduling (elsewhere they are off): a state's
   * successors leave out the steps of actors whose steps, taken first from its parent, lead to
   * the same states. States are the same; transitions are fewer. Such a state's records name a
   * step by its actor (records.ts SLEPT). Default off, here and in `check` (`--sleep`).
   */
  readonly sleep?: boolean;
  /** With sleep sets: the steps that must be taken wherever they are enabled (a monitor judges them, `SafetyMonitor.judges`). */
  readonly keepAwake?: (from: StateVector, x: Successor) => boolean;
  /**
   * A stop flag, which may be shared between threads (an Int32Array over a SharedArrayBuffer):
   * once its first element is not 0, the search stops as at a bound, with bound "interrupted".
   * Read every PROGRESS_EVERY turns of the search (the CLI sets it on Ctrl-C).
   */
  readonly interrupt?: Int32Array;
}

/**
 * The explorer's callbacks; each is optional. The state vectors they are shown (and a
 * successor's `state`) are valid during the call only: the explorer reuses their words. So
 * is a copy a hook makes with `sys.arena` during a breadth-first search (the arena recycles
 * its vectors then); a hook that keeps a state copies it with `slice()`.
 */
export interface ExploreHooks {
  /**
   * A new state, with its index (0 is the initial state) and depth, and its difference from the
   * initial state in `diff[0..diffLength)` as (index, value) pairs in index order (valid during
   * the call only, like the state).
   */
  state?(s: StateVector, index: number, depth: number, diff: Int32Array, diffLength: number): void;
  /** A transition from state `from` (index `fromIndex`) by its successor number `ordinal` to state `toIndex`. */
  edge?(from: StateVector, fromIndex: number, x: Successor, ordinal: number, toIndex: number): void;
  /** A state with no enabled step. */
  dead?(s: StateVector, index: number): void;
  /** Asked after each expanded state: true stops the search (every verdict is known). */
  done?(): boolean;
  /** Every PROGRESS_EVERY turns of the search, the first before anything is expanded: how large the exploration is so far. */
  progress?(p: Progress): void;
}

/** The explored graph's transitions, in the order they were found. */
export interface Graph {
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** The successor number of each edge among its source's successors: how to replay it. */
  readonly ordinal: Uint16Array;
  readonly count: number;
  /**
   * When the symmetry `follows` replicas (spec/invariants.md §10.2): per edge, `stride` bytes,
   * the member images of the permutation that took its successor to the representative `to`
   * (`Ahead.images`): member i of family f at `from` is member
   * `images[e * stride + baseOf(f) + i]` at `to`. Null otherwise.
   */
  readonly images: Uint8Array | null;
  readonly stride: number;
}

export interface Exploration {
  readonly states: number;
  readonly transitions: number;
  /** The depth of the deepest state seen. */
  readonly depth: number;
  /** Null when every reachable state was explored. */
  readonly bound: Bound | null;
  readonly records: StateRecords;
  readonly graph: Graph | null;
  readonly elapsedMs: number;
  /** The probability that two distinct states of this exploration share a fingerprint. */
  readonly collisionProbability: number;
  /** Visited set and per-state records, divided by the states: the frontier is not counted. */
  readonly bytesPerState: number;
}

const DEFAULT_MEMORY = 4 * 2 ** 30;

/** The bounds of an exploration, defaults filled in (no state or depth limit; 4 GiB). */
export function limitsOf(o: ExploreOptions): { readonly maxStates: number; readonly maxDepth: number; readonly maxBytes: number } {
  return { maxStates: o.maxStates ?? Infinity, maxDepth: o.maxDepth ?? Infinity, maxBytes: o.maxMemoryBytes ?? DEFAULT_MEMORY };
}

/**
 * A growable list of the graph's edges in typed arrays; with a symmetry that `follows`
 * replicas, each edge's member images too (`Graph.images`).
 */
class EdgeList {
  from: Int32Array = new Int32Array(1024);
  to: Int32Array = new Int32Array(1024);
  ordinal: Uint16Array = new Uint16Array(1024);
  images: Uint8Array | null;
  readonly stride: number;
  count = 0;
  constructor(sym: Symmetry | null) {
    this.stride = sym?.follows ? sym.members : 0;
    this.images = sym?.follows ? new Uint8Array(1024 * this.stride) : null;
  }
  /** Adds the edge from `a` to `b`, step `ordinal` of `a`; `ahead` has just fingerprinted its successor (its member images are kept when the symmetry follows replicas). */
  push(a: number, b: number, ordinal: number, ahead: Ahead): void {
    if (this.count === this.from.length) this.grow();
    this.from[this.count] = a;
    this.to[this.count] = b;
    this.ordinal[this.count] = ordinal;
    if (this.images) this.images.set(ahead.images(), this.count * this.stride);
    this.count++;
  }
  private grow(): void {
    const n = this.count * 2;
    const from = new Int32Array(n);
    const to = new Int32Array(n);
    const ord = new Uint16Array(n);
    from.set(this.from);
    to.set(this.to);
    ord.set(this.ordinal);
    [this.from, this.to, this.ordinal] = [from, to, ord];
    if (this.images) {
      const images = new Uint8Array(n * this.stride);
      images.set(this.images);
      this.images = images;
    }
  }
  get bytes(): number {
    return this.from.byteLength * 2 + this.ordinal.byteLength + (this.images?.byteLength ?? 0);
  }
  graph(): Graph {
    return { from: this.from, to: this.to, ordinal: this.ordinal, count: this.count, images: this.images, stride: this.stride };
  }
}

/**
 * A FIFO of state vectors, each stored as its difference from a reference vector (the
 * initial state) in a record (packed.ts): a count, then (word index, value) pairs, then
 * `extraWords` words the explorer keeps with the state (with symmetry reduction, its
 * members' signatures). Most
 * words of a reachable state are those of the initial state, so a queued state takes a
 * fraction of its 1 KB; records are packed into 1 MiB chunks (a JS object per state would
 * cost more than the state). A chunk the head has passed is dropped, except one kept for the
 * tail to fill next.
 */
class StateQueue {
  private readonly chunks: (Int32Array | undefined)[] = [];
  /** Write position: chunk and word in it. */
  private wc = 0;
  private wi = 0;
  /** Read position. */
  private rc = 0;
  private ri = 0;
  private count = 0;
  /** Chunks allocated and not dropped, `spare` included. */
  private held = 0;
  /** One chunk the head has left, reused by the tail's next one. */
  private spare: Int32Array | null = null;
  private readonly chunkWords: number;
  /** The vector `shift` decodes into: valid until the next `shift`. */
  private readonly out: Int32Array;
  /** The last state `shift` returned, as its difference from the reference: `lastLength` words of pairs. */
  readonly lastDiff: Int32Array;
  lastLength = 0;
  /** The extra words of the last state `shift` returned. */
  readonly lastExtra: Int32Array;
  /** `out` and `lastDiff`, if given, are where `shift` decodes (the canonicaliser's parent: `WasmCanonicaliser.parent`). */
  constructor(
    private readonly ref: StateVector,
    private readonly extraWords = 0,
    out?: Int32Array,
    lastDiff?: Int32Array,
  ) {
    this.chunkWords = Math.max(1 << 18, 2 * ref.length + 1 + extraWords);
    this.out = out ?? new Int32Array(ref.length);
    this.out.set(ref);
    this.lastDiff = lastDiff ?? new Int32Array(2 * ref.length);
    this.lastExtra = new Int32Array(extraWords);
  }
  get length(): number {
    return this.count;
  }
  get bytes(): number {
    return this.held * this.chunkWords * 4;
  }
  /**
   * Appends a state given as its difference from the reference: `length` words of
   * (index, value) pairs, as `StateFingerprinter` leaves them, and its `extraWords` words.
   */
  pushDiff(diff: Int32Array, length: number, extra: Int32Array | null = null): void {
    const x = this.extraWords;
    // A chunk's unused tail is at most one worst case (every word differs).
    if (!this.chunks[this.wc] || this.wi + recordWords(length, x) > this.chunkWords) {
      if (this.chunks[this.wc]) {
        this.chunks[this.wc]![this.wi] = -1; // the rest of this chunk is unused
        this.wc++;
      }
      // A chunk the head has left, if there is one: its pages are mapped already (a new one
      // costs a page fault per 4 KiB on first write).
      const spare = this.spare;
      this.spare = null;
      if (spare === null) this.held++;
      this.chunks[this.wc] = spare ?? new Int32Array(this.chunkWords);
      this.wi = 0;
    }
    this.wi = writeRecord(this.chunks[this.wc]!, this.wi, diff, length, extra, x);
    this.count++;
  }
  /** Every state still queued, oldest first, as one sequence of records (packed.ts); the queue is left empty. */
  drain(): Int32Array {
    const parts: Int32Array[] = [];
    for (let ci = this.rc; ci <= this.wc; ci++) {
      const c = this.chunks[ci];
      if (!c) continue;
      const start = ci === this.rc ? this.ri : 0;
      const end = ci === this.wc ? this.wi : this.chunkWords;
      let r = start;
      while (r < end && c[r] !== -1) r += recordWords(2 * c[r]!, this.extraWords);
      parts.push(c.subarray(start, r));
    }
    const out = new Int32Array(parts.reduce((m, x) => m + x.length, 0));
    let at = 0;
    for (const x of parts) {
      out.set(x, at);
      at += x.length;
    }
    this.chunks.length = 0;
    this.wc = this.wi = this.rc = this.ri = 0;
    this.count = 0;
    this.held = 0;
    this.spare = null;
    return out;
  }
  /** The oldest state, decoded into a vector that stays valid until the next `shift` (and that the caller must not write). */
  shift(): StateVector {
    let c = this.chunks[this.rc]!;
    if (this.ri >= this.chunkWords || c[this.ri] === -1) {
      // The head has left this chunk: kept for the tail's next one, or dropped.
      if (this.spare === null) this.spare = c;
      else this.held--;
      this.chunks[this.rc] = undefined;
      this.rc++;
      this.ri = 0;
      c = this.chunks[this.rc]!;
    }
    const out = this.out;
    const last = this.lastDiff;
    // Back to the reference where the previous state differed from it (`out` is read-only to
    // callers), instead of copying the whole reference: a state differs in a few dozen words.
    const ref = this.ref;
    for (let k = 0, n = this.lastLength; k < n; k += 2) {
      const i = last[k]!;
      out[i] = ref[i]!;
    }
    // The read position in a local: a field incremented in the loop is written back every time.
    let r = this.ri;
    const words = 2 * c[r++]!;
    for (let k = 0; k < words; k += 2) {
      const i = c[r]!;
      const v = c[r + 1]!;
      r += 2;
      out[i] = v;
      last[k] = i;
      last[k + 1] = v;
    }
    for (let k = 0; k < this.extraWords; k++) this.lastExtra[k] = c[r++]!;
    this.ri = r;
    this.lastLength = words;
    this.count--;
    return out;
  }
}

/** Explores from `sys.init`. Never throws on a scenario; a bound reached is reported in `bound`. */
export function explore(sys: System, options: ExploreOptions = {}, hooks: ExploreHooks = {}): Exploration {
  return (options.mode ?? "bfs") === "bfs" ? bfs(sys, options, hooks).exploration : dfs(sys, options, hooks);
}

/**
 * A breadth-first exploration paused between two states (`exploreUntil`): what the parallel
 * explorer needs to go on from there (parallel.ts), with the hooks' judge as it is.
 */
export interface Handoff {
  /** The visited set and the records of the states found, numbered as found. */
  readonly table: FingerprintTable;
  readonly records: StateRecords;
  /**
   * The states not expanded yet, packed (packed.ts) and numbered `first`, `first + 1`, …: every
   * state from `first` on. Those before `levelEnd` are the rest of level `level` (the initial
   * state's is 0), the others the next level so far.
   */
  readonly frontier: Int32Array;
  readonly first: number;
  readonly count: number;
  readonly levelEnd: number;
  readonly level: number;
  readonly transitions: number;
  readonly depth: number;
  /** The transitions so far as (from, to, ordinal) triples, when the graph is kept (`edgeTriples`: with member images when the symmetry `follows` replicas). */
  readonly edges: Int32Array | null;
  readonly elapsedMs: number;
}

/**
 * `explore` breadth first, paused before the first state it would expand with at least `pause`
 * states known: then `handoff` holds what the search has, and the exploration's bound is
 * "states". Otherwise (the space is smaller, or another bound or the `done` hook stopped it
 * first) `handoff` is null and the exploration is `explore`'s.
 */
export function exploreUntil(sys: System, options: ExploreOptions, hooks: ExploreHooks, pause: number): { readonly exploration: Exploration; readonly handoff: Handoff | null } {
  return bfs(sys, { ...options, mode: "bfs" }, hooks, pause);
}

interface Store {
  readonly table: FingerprintTable;
  readonly records: StateRecords;
  /** The fingerprint of the last state added or looked up, and its difference from the initial state. */
  readonly fp: StateFingerprinter;
  /** The index of a new state, or -(index + 1) of a known one. */
  add(s: StateVector, parent: number, ordinal: number): number;
  /** `add` of a state by its fingerprint, taken already. */
  insert(hi: number, lo: number, parent: number, ordinal: number): number;
}

function store(ref: StateVector, room = 0, extra = 0, slots = 0): Store {
  const table = new FingerprintTable(1 << 16);
  const records = new StateRecords(1 << 16);
  const fp = new StateFingerprinter(ref, room, extra, slots);
  const out = fp.out;
  return {
    table,
    records,
    fp,
    add(s, parent, ordinal) {
      fp.take(s);
      const r = table.insertOrFind(out[0]!, out[1]!);
      if (r >= 0) records.set(r, parent, ordinal);
      return r;
    },
    insert(hi, lo, parent, ordinal) {
      const r = table.insertOrFind(hi, lo);
      if (r >= 0) records.set(r, parent, ordinal);
      return r;
    },
  };
}

/** Successor vectors a breadth-first search keeps in its fingerprinter's memory (more are compared the slower way). */
const SUCCESSOR_ROOM = 256;
/** A state's first successors fingerprinted ahead of their inserts (ahead.ts), in the fingerprinter's slots; more are fingerprinted one by one. */
export const AHEAD = 16;

function bfs(sys: System, o: ExploreOptions, h: ExploreHooks, pause = Infinity): { exploration: Exploration; handoff: Handoff | null } {
  // A state's successors are dead once visited (stored as a difference, shown to the hooks):
  // the next state's successors are copied into the same vectors (arena.ts), which live where
  // the fingerprinter compares them fastest.
  // With symmetry reduction, successors are canonicalised in WebAssembly in the fingerprinter's
  // memory (symmetry-wasm.ts), which then holds the canonicaliser's tables too.
  const tables = o.symmetry?.diffTables() ?? null;
  const st = store(sys.init, SUCCESSOR_ROOM, tables ? WasmCanonicaliser.bytes(tables, AHEAD) : 0, AHEAD);
  const canon = tables ? WasmCanonicaliser.attach(tables, st.fp) : null;
  const recycled = sys.arena.recycle(true, st.fp.room);
  try {
    return bfsRecycling(sys, o, h, st, canon, pause);
  } finally {
    sys.arena.recycle(recycled);
  }
}

function bfsRecycling(sys: System, o: ExploreOptions, h: ExploreHooks, st: Store, canon: WasmCanonicaliser | null, pause: number): { exploration: Exploration; handoff: Handoff | null } {
  const t0 = performance.now();
  const { maxStates, maxDepth, maxBytes } = limitsOf(o);
  // One state's successors are held at once: they too stay under the memory bound. And each
  // new state records the ordinal of the step that reached it, in 16 bits (records.ts).
  boundSuccessors(sys, maxBytes, MAX_SUCCESSORS);
  const fp = st.fp;
  const sym = o.symmetry ?? null;
  const graph = o.graph ? new EdgeList(sym) : null;
  // Sleep sets: each queued state's (a window over the states not expanded yet).
  const sleep = o.sleep && !graph && sys.k.L.config.scheduling === "interleave" ? new SleepSets(sys, sym, o.keepAwake ?? null, o.por ?? false, fp) : null;
  const masks = sleep ? new MaskWindow() : null;
  const carry = sleep?.carries ? new CarryWindow() : null;
  let asleep = 0;
  // With symmetry reduction a queued state keeps its members' signatures (`setParent`).
  // With the canonicaliser, the frontier decodes each state where it keeps the parent.
  const queue = new StateQueue(sys.init, sym?.members ?? 0, canon?.parent, canon?.parentDiff);
  const sigs = sym ? new Int32Array(sym.members) : null;
  let transitions = 0;
  let bound: Bound | null = null;
  let depth = 0;

  st.add(sys.init, -1, 0);
  masks?.set(0, 0);
  carry?.add(0, 0, sleep!);
  queue.pushDiff(fp.diff, fp.length, sym?.signaturesOf(sys.init, sigs!));
  h.state?.(sys.init, 0, 0, fp.diff, fp.length);
  // Level by level: `levelEnd` is the first index of the next level.
  let index = 0;
  let levelEnd = 1;
  let level = 0;
  // The state being expanded and its index.
  let s = sys.init;
  let from = 0;
  // With symmetry reduction a representative is found as its difference from the initial state
  // (`canonicalDiff`), and built as a vector only for the `state` hook.
  const repVector = sym && h.state ? new Int32Array(sys.init.length) : null;
  // Every PROGRESS_EVERY states: progress, and whether to stop (only a counter compare per state).
  const pulse =
    h.progress || o.interrupt
      ? (): boolean => {
          h.progress?.({ states: st.table.size, transitions, depth, frontier: queue.length, bytes: st.table.bytes + st.records.bytes + queue.bytes + (graph?.bytes ?? 0) });
          return interrupted(o.interrupt);
        }
      : null;
  const ahead = new Ahead(fp, canon, sym);
  /**
   * Records the step `x`, successor `i` of `s`, fingerprinted ahead into slot `slot` unless that
   * is -1. With `onlyIfNext` (partial-order reduction's cycle proviso), only when it leads to a
   * new state or one of the next level; returns whether it was recorded.
   */
  const visit = (x: Successor, i: number, onlyIfNext: boolean, slot = -1): boolean => {
    ahead.one(x.state, slot);
    const successor = i;
    // With sleep sets, a step of a state with a sleep set is recorded by its actor (sleep.ts).
    if (sleep && asleep !== 0 && i !== LOCAL_STEP) i = sleep.ordinal(i, asleep);
    const r = st.insert(ahead.hi, ahead.lo, from, i);
    const to = r >= 0 ? r : -r - 1;
    if (onlyIfNext && r < 0 && to < levelEnd) return false;
    transitions++;
    // A state's sleep set: the intersection of those its arrivals from the level before give it.
    // A later arrival at a state whose sleep set is empty already cannot narrow it: its
    // footprints are not worked out for it (most arrivals are such).
    if (masks && (r >= 0 || (to >= levelEnd && masks.peek(to) !== 0))) {
      let m = 0;
      if (successor !== LOCAL_STEP) {
        const images = sym ? ahead.images() : null;
        // Only actors still asleep in the state can stay so: none, and no footprint is needed.
        if (r >= 0 || (sleep!.candidates(successor, images) & masks.peek(to)) !== 0) {
          m = sleep!.childMask(successor);
          if (m !== 0 && images) m = sleep!.map(m, images);
        }
      }
      if (r >= 0) {
        masks.set(r, m);
        carry?.add(r, m, sleep!);
      } else masks.and(to, m);
    }
    if (r >= 0) {
      const { diff, length } = ahead;
      queue.pushDiff(diff, length, ahead.signatures());
      depth = level + 1;
      if (h.state) h.state(repVector ? fp.state(repVector, diff, length) : x.state, r, level + 1, diff, length);
    }
    graph?.push(from, to, i, ahead);
    h.edge?.(s, from, x, i, to);
    return true;
  };
  /**
   * Whether the state bound stops the step `x` (fingerprinted ahead into `slot`, or -1): the
   * visited set holds `maxStates` states and `x` leads to a new one. A step to a known state adds
   * none, so a search whose space has exactly `maxStates` states completes.
   */
  const full = (x: Successor, slot: number): boolean => {
    if (st.table.size < maxStates) return false;
    ahead.one(x.state, slot);
    return st.table.find(ahead.hi, ahead.lo) < 0;
  };
  outer: while (queue.length > 0) {
    if (h.done?.()) {
      bound = queue.length > 0 ? "stopped" : null;
      break;
    }
    if ((index & PROGRESS_MASK) === 0 && pulse?.()) {
      bound = "interrupted";
      break;
    }
    if (st.table.size >= pause) {
      // Every state before `index` is expanded; the queue holds the rest of this level (up to
      // `levelEnd`, none when `index` is there) and the next level so far.
      const frontier = queue.drain();
      const edges = graph ? edgeTriples(graph) : null;
      const exploration = finish(st, transitions, depth, "states", graph, t0);
      const next = index === levelEnd;
      const handoff = { table: st.table, records: st.records, frontier, first: index, count: st.table.size - index, levelEnd: next ? st.table.size : levelEnd, level: next ? level + 1 : level, transitions, depth, edges, elapsedMs: exploration.elapsedMs };
      return { exploration, handoff };
    }
    if (index === levelEnd) {
      level++;
      levelEnd = st.table.size;
    }
    s = queue.shift();
    from = index++;
    sys.arena.rewind();
    ahead.setParent(s, queue.lastDiff, queue.lastLength, queue.lastExtra);
    if (level >= maxDepth) {
      // Not expanded: the states beyond are unknown.
      bound = "depth";
      continue;
    }
    // Partial-order reduction: a local step alone, when it leads to a new state or one of the
    // next level (states on a cycle of such steps get deeper at every step: some state of
    // every cycle is expanded in full).
    const local = o.por ? localStep(sys, s) : null;
    if (local) {
      if (full(local, -1)) {
        bound = "states";
        break;
      }
      if (visit(local, LOCAL_STEP, true)) continue;
    }
    asleep = masks ? masks.get(from) : 0;
    let xs = successors(sys, s, asleep);
    const carried = carry ? carry.at(from) : -1;
    if (sleep && !sleep.expand(s, asleep, xs, carried >= 0 ? carry!.pool : null, carried)) {
      // An actor with more steps than a record can number by actor: expanded with none asleep.
      asleep = 0;
      sys.arena.rewind();
      xs = successors(sys, s);
      sleep.expand(s, 0, xs);
    }
    if (sys.truncated) {
      // Its successors alone pass the memory bound, or more than a record can number: not
      // expanded (`boundSuccessors`).
      bound = sys.successorBound;
      break;
    }
    // A state with a step asleep is not dead: the sleeping steps are enabled in it.
    if (xs.length === 0 && asleep === 0) h.dead?.(s, from);
    ahead.take(xs, st.table);
    for (let i = 0; i < xs.length; i++) {
      // The step not taken is not counted (as a worker does not).
      if (full(xs[i]!, ahead.slotOf(i))) {
        bound = "states";
        break outer;
      }
      visit(xs[i]!, i, false, ahead.slotOf(i));
    }
    if ((from & 1023) === 0 && st.table.bytes + st.records.bytes + queue.bytes + (graph?.bytes ?? 0) > maxBytes) {
      bound = "memory";
      break;
    }
  }
  return { exploration: finish(st, transitions, depth, bound, graph, t0), handoff: null };
}

/**
 * The graph's edges as (from, to, ordinal) triples, as the parallel explorer keeps them; with a
 * symmetry that `follows` replicas, each followed by its `stride` member images.
 */
function edgeTriples(g: EdgeList): Int32Array {
  const width = 3 + g.stride;
  const out = new Int32Array(width * g.count);
  for (let e = 0; e < g.count; e++) {
    out[width * e] = g.from[e]!;
    out[width * e + 1] = g.to[e]!;
    out[width * e + 2] = g.ordinal[e]!;
    for (let j = 0; j < g.stride; j++) out[width * e + 3 + j] = g.images![e * g.stride + j]!;
  }
  return out;
}

function dfs(sys: System, o: ExploreOptions, h: ExploreHooks): Exploration {
  const t0 = performance.now();
  const { maxStates, maxDepth, maxBytes } = limitsOf(o);
  boundSuccessors(sys, maxBytes, MAX_SUCCESSORS);
  const sym = o.symmetry ?? null;
  // As in the breadth-first search, a successor is canonicalised from its parent (ahead.ts): in
  // WebAssembly, in the fingerprinter's memory, where the canonicaliser runs.
  const tables = sym?.diffTables() ?? null;
  const st = store(sys.init, 0, tables ? WasmCanonicaliser.bytes(tables) : 0);
  const ahead = new Ahead(st.fp, tables ? WasmCanonicaliser.attach(tables, st.fp) : null, sym);
  const graph = o.graph ? new EdgeList(sym) : null;
  let transitions = 0;
  let bound: Bound | null = null;
  let depth = 0;
  interface Frame {
    readonly s: StateVector;
    readonly index: number;
    readonly xs: Successor[];
    next: number;
    /** Partial-order reduction: `xs` is the local step alone. */
    readonly local: boolean;
    /** With symmetry reduction, what its successors are canonicalised from: its difference from the initial state and its signatures. */
    readonly diff: Int32Array;
    readonly sigs: Int32Array | null;
  }
  const stack: Frame[] = [];
  /**
   * What the stack holds, in bytes: each frame keeps its state's successors, whole vectors, until
   * it is popped. It counts against the memory bound with the visited set (spec/invariants.md §1).
   */
  let stackBytes = 0;
  const vectorBytes = 4 * sys.init.length;
  const frameBytes = (f: Frame): number => vectorBytes * (f.xs.length + 1) + 4 * (f.diff.length + (f.sigs?.length ?? 0));
  const used = (): number => stackBytes + st.table.bytes + st.records.bytes + (graph?.bytes ?? 0);
  /** With symmetry reduction, the frame whose state is the canonicaliser's parent (null: none, or another state). */
  let parentFrame: Frame | null = null;
  const push = (s: StateVector, index: number, diff: Int32Array, sigs: Int32Array | null): void => {
    if (stack.length >= maxDepth) {
      // Found at depth maxDepth, and not expanded: the deepest state found is that deep.
      depth = Math.max(depth, stack.length);
      bound = "depth";
      return;
    }
    // Successor vectors live in the system's arena: they stay valid while referenced.
    // Partial-order reduction: a local step alone when it leads to a state not yet seen
    // (every cycle then has a state expanded in full).
    const local = o.por ? localStep(sys, s) : null;
    if (local) {
      if (sym) {
        ahead.setParent(s, diff, diff.length, sigs);
        parentFrame = null;
      }
      ahead.one(local.state, -1);
      if (st.table.find(ahead.hi, ahead.lo) < 0) {
        const f: Frame = { s, index, xs: [local], next: 0, local: true, diff, sigs };
        stack.push(f);
        stackBytes += frameBytes(f);
        if (sym) parentFrame = f;
        depth = Math.max(depth, stack.length - 1);
        return;
      }
    }
    const xs = successors(sys, s);
    if (sys.truncated) {
      // Its successors alone pass the memory bound, or more than a record can number: not
      // expanded (`boundSuccessors`).
      bound = sys.successorBound;
      return;
    }
    if (xs.length === 0) h.dead?.(s, index);
    const f: Frame = { s, index, xs, next: 0, local: false, diff, sigs };
    stack.push(f);
    stackBytes += frameBytes(f);
    depth = Math.max(depth, stack.length - 1);
    // A deep stack of states with many successors each: checked at every push, since one push
    // may add as much as the visited set holds.
    if (used() > maxBytes) bound = "memory";
  };
  st.add(sys.init, -1, 0);
  h.state?.(sys.init, 0, 0, st.fp.diff, st.fp.length);
  push(sys.init, 0, st.fp.diff.slice(0, st.fp.length), sym ? sym.signaturesOf(sys.init, new Int32Array(sym.members)) : null);
  let steps = 0;
  // Every PROGRESS_EVERY turns of the loop: progress, and whether to stop.
  let turns = 0;
  const pulse =
    h.progress || o.interrupt
      ? (): boolean => {
          h.progress?.({ states: st.table.size, transitions, depth, frontier: stack.length, bytes: used() });
          return interrupted(o.interrupt);
        }
      : null;
  while (stack.length > 0) {
    if (h.done?.()) {
      bound = "stopped";
      break;
    }
    if ((turns++ & PROGRESS_MASK) === 0 && pulse?.()) {
      bound = "interrupted";
      break;
    }
    // A state whose successors pass the memory bound, or a record's count, stops the search (`push`).
    if (bound === "memory" || bound === "successors") break;
    const f = stack[stack.length - 1]!;
    if (f.next >= f.xs.length) {
      stack.pop();
      stackBytes -= frameBytes(f);
      continue;
    }
    const i = f.local ? LOCAL_STEP : f.next;
    const x = f.xs[f.next++]!;
    // Back to this frame after a child's: its state is the canonicaliser's parent again.
    if (sym && parentFrame !== f) {
      ahead.setParent(f.s, f.diff, f.diff.length, f.sigs);
      parentFrame = f;
    }
    ahead.one(x.state, -1);
    // The state bound stops a step to a new state only: a space of exactly `maxStates` states completes.
    if (st.table.size >= maxStates && st.table.find(ahead.hi, ahead.lo) < 0) {
      bound = "states";
      break;
    }
    transitions++;
    const r = st.insert(ahead.hi, ahead.lo, f.index, i);
    const to = r >= 0 ? r : -r - 1;
    graph?.push(f.index, to, i, ahead);
    if (r < 0) {
      h.edge?.(f.s, f.index, x, i, to);
    } else {
      // With symmetry the representative is known as its difference: the stack keeps it as a
      // vector, with that difference and its signatures for its own successors.
      const rep = sym ? st.fp.state(sys.arena.copy(sys.init), ahead.diff, ahead.length) : x.state;
      const diff = sym ? ahead.diff.slice(0, ahead.length) : NO_DIFF;
      const sigs = sym ? ahead.signatures()!.slice() : null;
      h.state?.(rep, r, stack.length, ahead.diff, ahead.length);
      h.edge?.(f.s, f.index, x, i, to);
      push(rep, r, diff, sigs);
    }
    if ((++steps & 1023) === 0 && used() > maxBytes) {
      bound = "memory";
      break;
    }
  }
  return finish(st, transitions, depth, bound, graph, t0);
}

/** A frame's difference where nothing reads it (no symmetry reduction). */
const NO_DIFF = new Int32Array(0);

function finish(st: Store, transitions: number, depth: number, bound: Bound | null, graph: EdgeList | null, t0: number): Exploration {
  return {
    states: st.table.size,
    transitions,
    depth,
    bound,
    records: st.records,
    graph: graph ? graph.graph() : null,
    elapsedMs: performance.now() - t0,
    collisionProbability: collisionProbability(st.table.size),
    bytesPerState: bytesPerState(st.table, st.records),
  };
}

export interface SimulateOptions {
  /** How many random walks from the initial state. */
  readonly walks: number;
  readonly seed: number;
  /** Each walk stops after this many steps (or earlier, in a state with no step). */
  readonly maxDepth: number;
  /** As `ExploreOptions.interrupt`: read before each walk; set, the simulation stops (`interrupted`). */
  readonly interrupt?: Int32Array;
  /** One state's successors stay under this (default 4 GiB): past it, the simulation stops (`memory`). */
  readonly maxMemoryBytes?: number;
}

/** Callbacks of a simulation; `path` is the walk so far, as successor ordinals from the initial state. */
export interface SimulateHooks {
  state?(s: StateVector, path: readonly number[]): void;
  edge?(from: StateVector, x: Successor, path: readonly number[]): void;
  dead?(s: StateVector, path: readonly number[]): void;
  done?(): boolean;
  /** Before a walk, once PROGRESS_EVERY steps more were taken since the last call (and before the first walk). */
  progress?(p: Progress): void;
}

export interface Simulation {
  readonly walks: number;
  readonly steps: number;
  /** Distinct states visited, counted by fingerprint. */
  readonly states: number;
  readonly depth: number;
  readonly elapsedMs: number;
  readonly collisionProbability: number;
  /** Whether the `interrupt` flag stopped it before its last walk. */
  readonly interrupted: boolean;
  /** Whether it stopped at a state whose successors alone pass the memory bound (`boundSuccessors`): a step is chosen among all of them or not at all. */
  readonly memory: boolean;
}

/**
 * Random simulation: `walks` walks of at most `maxDepth` steps, each step chosen uniformly
 * among the enabled ones with a seeded generator (the same seed, the same walks). It finds
 * violations in spaces too large to explore, but proves nothing: its verdicts are
 * violations or "incomplete" (bound "simulation").
 */
export function simulate(sys: System, o: SimulateOptions, h: SimulateHooks = {}): Simulation {
  const t0 = performance.now();
  boundSuccessors(sys, o.maxMemoryBytes ?? DEFAULT_MEMORY);
  const random = rng(o.seed);
  const table = new FingerprintTable(1 << 16);
  const fp = new StateFingerprinter(sys.init);
  const seen = (s: StateVector): void => {
    fp.take(s);
    table.insertOrFind(fp.out[0]!, fp.out[1]!);
  };
  let steps = 0;
  let depth = 0;
  let walks = 0;
  let stopped = false;
  let memory = false;
  let report = 0;
  for (; walks < o.walks && !h.done?.() && !memory; walks++) {
    if (steps >= report) {
      h.progress?.({ states: table.size, transitions: steps, depth, frontier: 0, bytes: table.bytes });
      report = steps + PROGRESS_EVERY;
    }
    if (interrupted(o.interrupt)) {
      stopped = true;
      break;
    }
    let s = sys.init;
    const path: number[] = [];
    seen(s);
    h.state?.(s, path);
    for (let d = 0; d < o.maxDepth; d++) {
      const xs = successors(sys, s);
      if (sys.truncated) {
        memory = true;
        break;
      }
      if (xs.length === 0) {
        h.dead?.(s, path);
        break;
      }
      const i = Math.floor(random() * xs.length);
      const x = xs[i]!;
      path.push(i);
      steps++;
      depth = Math.max(depth, path.length);
      h.edge?.(s, x, path);
      seen(x.state);
      h.state?.(x.state, path);
      s = x.state;
    }
  }
  return { walks, steps, states: table.size, depth, elapsedMs: performance.now() - t0, collisionProbability: collisionProbability(table.size), interrupted: stopped, memory };
}

/**
 * Replays the successor ordinals `path` from the initial state: the steps of a trace and
 * the state each leads to. Throws if the path does not fit (a bug: traces come from
 * the explorer's own records).
 *
 * With symmetry reduction the ordinals are those of representatives, and a representative
 * may be a permutation of the state its step really led to. The replay then follows the
 * real run: it keeps the permutation π with real = π(representative), and at each step takes
 * the real successor π(x) of the representative's successor x (one exists, the permutations
 * being automorphisms). Each returned step carries its ordinal among the real state's
 * successors, so plain `replay` of those ordinals replays the same run. `onStep`, with symmetry
 * reduction, is shown π (as member images) after each step, with the number of steps taken.
 */
export function replay(sys: System, path: readonly number[], symmetry: Symmetry | null = null, onStep?: (steps: number, pi: readonly (readonly number[])[]) => void): (Successor & { readonly ordinal: number })[] {
  const out: (Successor & { readonly ordinal: number })[] = [];
  let s = sys.init;
  let rep = sys.init;
  let pi = symmetry?.identity() ?? [];
  const target = new Int32Array(sys.init.length);
  for (const ord of path) {
    const xs = successors(sys, rep);
    // Partial-order reduction's local step: its place among all successors is found here.
    const local = ord === LOCAL_STEP ? localStep(sys, rep) : null;
    // A step of a state expanded with a sleep set is named by its actor (sleep.ts).
    const at = local ? xs.findIndex((y) => sameState(y.state, local.state)) : ord >= SLEPT && ord !== LOCAL_STEP ? sleptOrdinalAt(sys, xs, ord) : ord;
    const x = xs[at];
    if (!x) throw new Error(`trace replay: state has ${xs.length} successors, not ${ord + 1}`);
    if (!symmetry) {
      out.push({ state: x.state, step: x.step, ordinal: at });
      s = rep = x.state;
      continue;
    }
    symmetry.apply(symmetry.permutation(pi), x.state, target);
    const real = successors(sys, s);
    const k = real.findIndex((y) => sameState(y.state, target));
    if (k < 0) throw new Error("trace replay: no real step matches a step between representatives (the permutation is not an automorphism)");
    out.push({ state: real[k]!.state, step: real[k]!.step, ordinal: k });
    s = real[k]!.state;
    rep = sys.arena.copy(symmetry.canonical(x.state));
    pi = Symmetry.compose(pi, Symmetry.inverse(symmetry.lastImages()));
    onStep?.(out.length, pi);
  }
  return out;
}
