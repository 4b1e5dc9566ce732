// State arena: copies of state vectors carved out of large shared buffers, so a copy allocates no buffer of its own.
import type { StateVector } from "./layout.js";

/**
 * V8 keeps every typed array over 64 bytes in a buffer of its own, outside the JS
 * heap, so `slice()` pays for an allocation per copy. An arena hands out views into
 * 1 MiB chunks and fills them with `set()`: the same bytes, several times faster.
 * A chunk lives as long as any state carved from it. One arena per exploration (like
 * the Meter, it is outside the state and never module-level).
 *
 * Creating the view itself (`subarray`) still costs several times the copy. A caller
 * that knows when the copies it was handed are dead — a breadth-first search, once it
 * has stored what it keeps of a state's successors — can turn on recycling: copies are
 * then made into the views handed out since the last `rewind()`, in the same order, and
 * only a new high-water mark creates a view. While recycling is on, a copy is valid
 * only until the next `rewind()`. The caller may hand over a `backing` array to carve
 * these views from first (the explorer's fingerprinter compares states faster in its
 * own memory); past its end they come from chunks as usual.
 */
export class StateArena {
  private chunk: Int32Array;
  private used = 0;
  /** Words per chunk: at least one state. */
  readonly chunkWords: number;
  /** Recycling: the views handed out since the last rewind and before, reused in order; null when off. */
  private pool: StateVector[] | null = null;
  private next = 0;
  /** Recycling: where new pool views are carved from first, and how much of it is used. */
  private backing: Int32Array | null = null;
  private backingUsed = 0;

  constructor(
    /** Words per state vector. */
    readonly words: number,
    chunkWords = 1 << 18,
  ) {
    this.chunkWords = Math.max(words, chunkWords);
    this.chunk = new Int32Array(this.chunkWords);
  }

  /** A copy of `s` (which must have `words` words). */
  copy(s: StateVector): StateVector {
    const pool = this.pool;
    if (pool !== null) {
      let v = pool[this.next];
      if (v === undefined) {
        const b = this.backing;
        if (b !== null && this.backingUsed + this.words <= b.length) {
          v = b.subarray(this.backingUsed, this.backingUsed + this.words);
          this.backingUsed += this.words;
        } else v = this.carve();
        pool.push(v);
      }
      this.next++;
      v.set(s);
      return v;
    }
    const v = this.carve();
    v.set(s);
    return v;
  }

  /**
   * Turns recycling on or off; returns whether it was on. Turning it on starts a new pool
   * (carved from `backing` first, which the caller must not use otherwise while the pool's
   * copies live), so copies made before stay valid; turning it off leaves the pool's
   * copies valid until they are dropped.
   */
  recycle(on: boolean, backing: Int32Array | null = null): boolean {
    const was = this.pool !== null;
    this.pool = on ? [] : null;
    this.next = 0;
    this.backing = on ? backing : null;
    this.backingUsed = 0;
    return was;
  }

  /** While recycling: every copy handed out so far may be overwritten by the next ones. */
  rewind(): void {
    this.next = 0;
  }

  private carve(): StateVector {
    if (this.used + this.words > this.chunk.length) {
      this.chunk = new Int32Array(this.chunkWords);
      this.used = 0;
    }
    const v = this.chunk.subarray(this.used, this.used + this.words);
    this.used += this.words;
    return v;
  }
}
