// Claims: the least arrival at each state of the next breadth-first level, so that several threads record the parents one thread would.

import type { StateRecords } from "./records.js";

/**
 * The order in which one thread meets what happens at step `ordinal` (-1: before any step) of the
 * state at `position` in its level: by position, then ordinal (at most LOCAL_STEP, 0xffff).
 */
export const claimKey = (position: number, ordinal: number): number => position * 65536 + ordinal;

/** A claim word: the claiming state's position in its level, plus one (0 is kept for states claimed before the level, `hold`). */
const UNCLAIMED = 0x3fffffff;
/** Set in a claim word while its thread writes the state's record. */
const LOCK = 0x40000000;

/**
 * One thread's breadth-first search numbers the states of level d + 1 in the order it first
 * reaches them: by the position of their parent in level d, then by the step's ordinal, and it
 * records that first arrival as the state's parent. Threads expanding parts of level d at once
 * reach a state in no fixed order, so the parallel explorer (parallel.ts) has each arrival
 * *claim* the state: the least (position, ordinal) wins, and only the winner writes the state's
 * record, under the claim word's lock. After the level, every state's record is the one a single
 * thread would have written, and ranking the level's states by their claims gives one thread's
 * order: the positions the next level's claims compare (spec/invariants.md §1, `--workers`).
 *
 * A word per state of the level (its index less the level's first), in shared memory: the
 * claiming position plus one, and the lock bit. The ordinal is not in the word: a state of
 * level d is expanded by one thread, which visits its successors in ordinal order, so of two
 * arrivals from the same position the first has the lower ordinal, and a claim from a position
 * equal to the word's loses.
 */
export class Claims {
  private a: Int32Array;

  /** Room for `capacity` states, unclaimed, shared between threads; or a view of shared claims. */
  constructor(capacity: number | SharedArrayBuffer) {
    if (typeof capacity === "number") {
      this.a = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, capacity)));
      this.a.fill(UNCLAIMED);
    } else this.a = new Int32Array(capacity);
  }

  /** The buffer to send to a worker; it changes when the claims grow. */
  shared(): SharedArrayBuffer {
    return this.a.buffer as SharedArrayBuffer;
  }

  /** States of a level the claims have room for. */
  get capacity(): number {
    return this.a.length;
  }

  get bytes(): number {
    return this.a.byteLength;
  }

  /** Makes room for `n` states, keeping the claims made (between chunks, while no thread claims). */
  reserve(n: number): void {
    if (n <= this.a.length) return;
    const b = new Int32Array(new SharedArrayBuffer(4 * n));
    b.set(this.a);
    b.fill(UNCLAIMED, this.a.length);
    this.a = b;
  }

  /**
   * The arrival at state `index`, the `k`th of the level, from the state at `position` (from 1)
   * of the level before, `parent`, by successor `ordinal`: if no arrival from a lower position
   * has claimed it, this one does and records it (`records.set`).
   */
  claim(k: number, position: number, records: StateRecords, index: number, parent: number, ordinal: number): void {
    const a = this.a;
    for (;;) {
      const cur = Atomics.load(a, k);
      // Another thread is writing its record: a few stores, then the word holds its position.
      if ((cur & LOCK) !== 0) continue;
      if (position >= cur) return;
      if (Atomics.compareExchange(a, k, cur, position | LOCK) !== cur) continue;
      // Unlocked even if `set` throws (a bug it reports), so that no other thread spins for ever.
      try {
        records.set(index, parent, ordinal);
      } finally {
        Atomics.store(a, k, position);
      }
      return;
    }
  }

  /** Marks the `k`th state as claimed before the level (a search handed over in the middle of one): no arrival takes it. */
  hold(k: number): void {
    this.a[k] = 0;
  }

  /** The position (from 1; 0 for a state held) that claimed the `k`th state, once the level is expanded. */
  position(k: number): number {
    return this.a[k]!;
  }

  /** Unclaims the first `n` states, for the next level. */
  clear(n: number): void {
    this.a.fill(UNCLAIMED, 0, Math.min(n, this.a.length));
  }
}
