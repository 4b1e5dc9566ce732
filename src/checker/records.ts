// State records: each visited state's parent and the step that produced it, from which a trace is replayed.

/**
 * A visited state keeps no copy of itself (DESIGN.md §7): only the index of the state
 * it was first reached from and the ordinal of the step that led there (its position
 * in the parent's successor list). A trace is the list of ordinals from the initial
 * state (`pathTo`); the explorer replays them through the successor function to
 * rebuild the states. That costs 6 bytes a state: an Int32 parent, a Uint16 step.
 *
 * A step ordinal fits 16 bits: 0–65534 (65535 is LOCAL_STEP; those from SLEPT on name a step of
 * a state expanded with a sleep set), and a successor function that offers more is a bug: `set`
 * throws. An exhaustive search records at most MAX_SUCCESSORS successors of a state. Depth is
 * not stored: a BFS knows the level it is on, and `depth` walks the parents when a single
 * state's depth is wanted.
 *
 * Records are indexed by the state indices the FingerprintTable hands out. The parallel
 * explorer's threads write a state's record when their arrival at it is the least so far
 * (claims.ts), with plain stores under the state's claim lock; readers look at them after the
 * level's barrier. A parent is
 * always inserted before its children, so `parent < index` holds (and is checked),
 * which is what makes every walk up the parents end.
 */
export const MAX_STEP = 0xfffe;
/**
 * The ordinals from here to MAX_STEP name a step of a state expanded with a sleep set (sleep.ts
 * `SLEPT`): by its actor and its place among that actor's steps, as the state's other
 * successors were not computed.
 */
export const SLEPT = 0x8000;
/** The most successors of one state an exhaustive search can record (ordinals 0 to SLEPT - 1): more end it (`boundSuccessors`, bound "successors"). */
export const MAX_SUCCESSORS = SLEPT;
/**
 * The ordinal recorded for a state reached by partial-order reduction's single step
 * (`localStep`): its position among all successors is not computed during the search;
 * replay finds it.
 */
export const LOCAL_STEP = 0xffff;
const GROWTH = 1.25;

/** The buffers behind shared records: what a worker needs to open a view of them. */
export interface SharedRecords {
  readonly parents: SharedArrayBuffer;
  readonly steps: SharedArrayBuffer;
}

/**
 * Throws why `set(index, parent, step)` cannot record: its messages are built here, out of the
 * explorer's hot path (a template string inlined there cost number-to-string conversions).
 */
function refuse(index: number, parent: number, step: number): never {
  if (step >>> 0 !== step || (step > MAX_STEP && step !== LOCAL_STEP)) {
    throw new Error(`state ${index}: successor ordinal ${step} does not fit a state record (a state has at most ${MAX_STEP + 1} successors)`);
  }
  throw new Error(`state ${index}: parent ${parent} was not inserted before it`);
}

export class StateRecords {
  readonly isShared: boolean;
  private parents: Int32Array;
  private steps: Uint16Array;

  /** Room for `capacity` states (shared between threads if `shared`), or a view of shared records. */
  constructor(capacity: number | SharedRecords = 1024, shared = false) {
    if (typeof capacity === "number") {
      const n = Math.max(1, Math.ceil(capacity) || 0);
      this.isShared = shared;
      this.parents = new Int32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
      this.steps = new Uint16Array(shared ? new SharedArrayBuffer(n * 2) : new ArrayBuffer(n * 2));
    } else {
      this.isShared = true;
      this.parents = new Int32Array(capacity.parents);
      this.steps = new Uint16Array(capacity.steps);
    }
  }

  /** A view, in this thread, of records another thread shared. */
  static fromShared(buffers: SharedRecords): StateRecords {
    return new StateRecords(buffers);
  }

  /** Shared records with the same contents and room for at least `capacity` states (a search that its workers go on with: parallel.ts). */
  sharedCopy(capacity: number): StateRecords {
    const r = new StateRecords(Math.max(capacity, this.parents.length), true);
    r.parents.set(this.parents);
    r.steps.set(this.steps);
    return r;
  }

  /** The buffers to send to a worker. They change when the records grow. */
  shared(): SharedRecords {
    if (!this.isShared) throw new Error("shared() on StateRecords that were not created shared");
    return { parents: this.parents.buffer as SharedArrayBuffer, steps: this.steps.buffer as SharedArrayBuffer };
  }

  /** States the records have room for. */
  get capacity(): number {
    return this.parents.length;
  }

  /** Bytes held by the records. */
  get bytes(): number {
    return this.parents.byteLength + this.steps.byteLength;
  }

  /** Makes room for `n` states (for shared records: the table's `maxSize`, between levels, while no thread writes). */
  reserve(n: number): void {
    if (n > this.capacity) this.resize(n);
  }

  /**
   * Records that state `index` was reached from `parent` (-1 for an initial state) by
   * the successor with ordinal `step`. Unshared records grow as needed; shared ones
   * must have been reserved.
   */
  set(index: number, parent: number, step: number): void {
    if (step >>> 0 !== step || (step > MAX_STEP && step !== LOCAL_STEP) || parent >= index || parent < -1) refuse(index, parent, step);
    if (index >= this.parents.length) {
      if (this.isShared) throw new Error(`shared state records full (${this.parents.length}): the explorer must reserve them between levels`);
      this.resize(Math.max(index + 1, Math.ceil(this.parents.length * GROWTH)));
    }
    this.parents[index] = parent;
    this.steps[index] = step;
  }

  /** The state `index` was first reached from; -1 for an initial state. */
  parent(index: number): number {
    return this.parents[index]!;
  }

  /** The ordinal of the successor that led to `index` from its parent. */
  step(index: number): number {
    return this.steps[index]!;
  }

  /** The step ordinals from the initial state to `index`, in the order they are to be replayed. */
  pathTo(index: number): number[] {
    const path: number[] = [];
    this.walk(index, (i) => path.push(this.steps[i]!));
    return path.reverse();
  }

  /** Steps from the initial state to `index`. */
  depth(index: number): number {
    let d = 0;
    this.walk(index, () => d++);
    return d;
  }

  /** Calls `visit` on `index` and its ancestors, initial state excluded. Parents strictly decrease, so this ends. */
  private walk(index: number, visit: (i: number) => void): void {
    if (!(index >= 0 && index < this.parents.length)) throw new Error(`no record for state ${index}`);
    for (let i = index; ; ) {
      const p = this.parents[i]!;
      if (p < 0) return;
      // Only an unset record (zeroed) can point to itself or up: state 0 unset, or a record never written.
      if (p >= i) throw new Error(`state ${i} has no record`);
      visit(i);
      i = p;
    }
  }

  private resize(n: number): void {
    const parents = new Int32Array(this.isShared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
    const steps = new Uint16Array(this.isShared ? new SharedArrayBuffer(n * 2) : new ArrayBuffer(n * 2));
    parents.set(this.parents.subarray(0, Math.min(n, this.parents.length)));
    steps.set(this.steps.subarray(0, Math.min(n, this.steps.length)));
    this.parents = parents;
    this.steps = steps;
  }
}
