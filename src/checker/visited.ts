// The visited set: 64-bit state fingerprints in an open-addressing table over typed arrays, shareable between worker threads.
import type { StateRecords } from "./records.js";

/**
 * Slot layout: three Int32 words per slot, `[tag, hi, lo]`, in one array, so a probe
 * reads one cache line. `tag` is 0 for an empty slot, the state's index + 1 once the
 * slot is published, and BUSY while a worker thread is between claiming the slot and
 * publishing it. Because emptiness lives in the tag, every 64-bit fingerprint, (0, 0)
 * included, is an ordinary key. States get indices 0, 1, 2, … in insertion order; the
 * records of a state (parent, step: records.ts) are kept by that index.
 *
 * Linear probing from `floor(hi * capacity / 2^32)`: the top bits of the (avalanched)
 * high half pick the home slot, so the capacity need not be a power of two, and the
 * table grows by 1.5× when it passes 3/4 full. The load therefore stays between 1/2
 * and 3/4: 16 to 24 bytes per state in the table, 22 to 32 with the records (which
 * grow by 1.25×). Doubling would have allowed a mask instead of a multiplication, but
 * would let a table just after growing cost 32 bytes per state on its own.
 *
 * Shared mode (worker threads, DESIGN.md §7): the slots and the state counter live in
 * SharedArrayBuffers and inserts are lock-free. A worker claims an empty slot by CAS
 * of its tag from 0 to BUSY, writes hi and lo, takes the next index from the counter
 * (an atomic add) and publishes the tag with an atomic store. A reader that meets BUSY
 * spins until the tag is published (a few instructions later) and only then compares
 * the key: the atomic store and load order the plain writes of hi and lo before the
 * reader's plain reads. A slot never changes once published, and no index is handed
 * out for a duplicate, so indices stay dense. The table grows only while no thread is
 * inserting (the explorer calls `grow()` between BFS levels, then hands the new
 * buffers to its workers); it reports `needsGrow()` at 3/4 and, so that a worker
 * thread never probes a full table, refuses new states past 9/10 (`maxSize`).
 * Without sharing, inserts take a fast path with plain reads and writes (Atomics are
 * several times slower) and the table grows by itself.
 */
const STRIDE = 3;
const BUSY = -1;
const GROW_LOAD = 0.75;
const FULL_LOAD = 0.9;
const GROWTH = 1.5;
const MIN_CAPACITY = 16;

/** The buffers behind a shared table: what a worker needs to open a view of it (`FingerprintTable.fromShared`). */
export interface SharedTable {
  readonly slots: SharedArrayBuffer;
  /** One Int32: the number of states, which is also the next index. Survives growth. */
  readonly meta: SharedArrayBuffer;
}

function allocate(words: number, shared: boolean): Int32Array {
  return new Int32Array(shared ? new SharedArrayBuffer(words * 4) : new ArrayBuffer(words * 4));
}

export class FingerprintTable {
  readonly isShared: boolean;
  private slots: Int32Array;
  private readonly meta: Int32Array;
  private cap = 0;
  /** capacity / 2^32: maps a fingerprint's high half to its home slot. */
  private scale = 0;
  private growAt = 0;
  private full = 0;

  /** An empty table of at least `capacity` slots (shared between threads if `shared`), or a view of a shared one. */
  constructor(capacity: number | SharedTable = 1024, shared = false) {
    if (typeof capacity === "number") {
      this.isShared = shared;
      this.meta = allocate(1, shared);
      this.slots = allocate(Math.max(MIN_CAPACITY, Math.ceil(capacity) || 0) * STRIDE, shared);
    } else {
      this.isShared = true;
      this.meta = new Int32Array(capacity.meta);
      this.slots = new Int32Array(capacity.slots);
    }
    this.resized();
  }

  /** A view, in this thread, of a table another thread shared. */
  static fromShared(buffers: SharedTable): FingerprintTable {
    return new FingerprintTable(buffers);
  }

  /** A shared table with the same fingerprints and indices (a search that its workers go on with: parallel.ts). */
  sharedCopy(): FingerprintTable {
    const t = new FingerprintTable(this.cap, true);
    t.slots.set(this.slots);
    t.meta[0] = this.size;
    return t;
  }

  /** The buffers to send to a worker. They change when the table grows. */
  shared(): SharedTable {
    if (!this.isShared) throw new Error("shared() on a FingerprintTable that was not created shared");
    return { slots: this.slots.buffer as SharedArrayBuffer, meta: this.meta.buffer as SharedArrayBuffer };
  }

  /** Slots in the table. */
  get capacity(): number {
    return this.cap;
  }

  /** States inserted so far; the next state gets this index. */
  get size(): number {
    return this.isShared ? Atomics.load(this.meta, 0) : this.meta[0]!;
  }

  /** The most states a shared table accepts before it must grow (records must hold this many). */
  get maxSize(): number {
    return this.full;
  }

  /** Bytes held by the table (slots and counter). */
  get bytes(): number {
    return this.slots.byteLength + this.meta.byteLength;
  }

  /** Whether the table is past 3/4 full and should grow before more inserts (in shared mode, between levels). */
  needsGrow(): boolean {
    return this.size >= this.growAt;
  }

  /**
   * The index of the new state, or -1 if the fingerprint was already present.
   * `hi` and `lo` are the halves from `fingerprint` (uint32 or int32 alike).
   */
  insert(hi: number, lo: number): number {
    const r = this.insertOrFind(hi, lo);
    return r >= 0 ? r : -1;
  }

  /** The index of the new state, or -(index + 1) of the state that already had this fingerprint. */
  insertOrFind(hi: number, lo: number): number {
    if (this.isShared) return this.insertShared(hi | 0, lo | 0);
    if (this.meta[0]! >= this.growAt) this.grow();
    return this.insertLocal(hi | 0, lo | 0);
  }

  /**
   * Reads the word of this fingerprint's home slot, which is all it does: a caller about to
   * insert several fingerprints touches all their home slots first, so that their cache
   * misses overlap. Returns the word, for the caller to keep (an unused read may be dropped).
   */
  touch(hi: number): number {
    return this.slots[((hi >>> 0) * this.scale | 0) * STRIDE]!;
  }

  /** The index of the state with this fingerprint, or -1. */
  find(hi: number, lo: number): number {
    const h = hi | 0;
    const l = lo | 0;
    const t = this.slots;
    const cap = this.cap;
    let s = ((h >>> 0) * this.scale) | 0;
    for (;;) {
      const o = s * STRIDE;
      let tag = this.isShared ? Atomics.load(t, o) : t[o]!;
      if (tag === 0) return -1;
      while (tag === BUSY) tag = Atomics.load(t, o);
      if (t[o + 1] === h && t[o + 2] === l) return tag - 1;
      if (++s === cap) s = 0;
    }
  }

  private insertLocal(h: number, l: number): number {
    const t = this.slots;
    const cap = this.cap;
    let s = ((h >>> 0) * this.scale) | 0;
    for (;;) {
      const o = s * STRIDE;
      const tag = t[o]!;
      if (tag === 0) {
        const index = this.meta[0]!;
        this.meta[0] = index + 1;
        t[o] = index + 1;
        t[o + 1] = h;
        t[o + 2] = l;
        return index;
      }
      if (t[o + 1] === h && t[o + 2] === l) return -tag;
      if (++s === cap) s = 0;
    }
  }

  private insertShared(h: number, l: number): number {
    const t = this.slots;
    const cap = this.cap;
    let s = ((h >>> 0) * this.scale) | 0;
    for (;;) {
      const o = s * STRIDE;
      let tag = Atomics.load(t, o);
      if (tag === 0) {
        tag = Atomics.compareExchange(t, o, 0, BUSY);
        if (tag === 0) {
          t[o + 1] = h;
          t[o + 2] = l;
          const index = Atomics.add(this.meta, 0, 1);
          Atomics.store(t, o, index + 1);
          if (index >= this.full) {
            throw new Error(`shared fingerprint table full (${index + 1} states in ${cap} slots): the explorer must grow it between levels`);
          }
          return index;
        }
      }
      // Another thread claimed this slot; it publishes within a few instructions.
      while (tag === BUSY) tag = Atomics.load(t, o);
      if (t[o + 1] === h && t[o + 2] === l) return -tag;
      if (++s === cap) s = 0;
    }
  }

  /** Grows by 1.5× and rehashes. In shared mode only while no thread inserts; workers must then reopen `shared()`. */
  grow(): void {
    this.rehash(Math.ceil(this.cap * GROWTH));
  }

  /** Grows until `extra` more states fit below the 3/4 threshold. Same rules as `grow()`. */
  reserve(extra: number): void {
    let cap = this.cap;
    while (Math.floor(cap * GROW_LOAD) < this.size + extra) cap = Math.ceil(cap * GROWTH);
    if (cap !== this.cap) this.rehash(cap);
  }

  private rehash(cap: number): void {
    const old = this.slots;
    const t = allocate(cap * STRIDE, this.isShared);
    const scale = cap / 2 ** 32;
    for (let o = 0; o < old.length; o += STRIDE) {
      const tag = old[o]!;
      if (tag === 0) continue;
      if (tag === BUSY) throw new Error("FingerprintTable grown while a thread was inserting");
      const h = old[o + 1]!;
      let s = ((h >>> 0) * scale) | 0;
      while (t[s * STRIDE] !== 0) if (++s === cap) s = 0;
      t[s * STRIDE] = tag;
      t[s * STRIDE + 1] = h;
      t[s * STRIDE + 2] = old[o + 2]!;
    }
    this.slots = t;
    this.resized();
  }

  private resized(): void {
    this.cap = this.slots.length / STRIDE;
    this.scale = this.cap / 2 ** 32;
    this.growAt = Math.floor(this.cap * GROW_LOAD);
    this.full = Math.floor(this.cap * FULL_LOAD);
  }
}

/** Memory per visited state: the table's bytes and the records' bytes over the number of states. */
export function bytesPerState(table: FingerprintTable, records: StateRecords): number {
  return (table.bytes + records.bytes) / Math.max(1, table.size);
}
