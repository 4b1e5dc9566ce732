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
 * only until the next `rewind()`. The caller may hand over `room`, views to use first (the
 * explorer's fingerprinter compares states faster in its own memory); past them the views
 * come from chunks as usual.
 */
export class StateArena {
  private chunk: Int32Array;
  private used = 0;
  /** Words per chunk: at least one state. */
  readonly chunkWords: number;
  /** Recycling: the views handed out since the last rewind and before, reused in order; null when off. */
  private pool: StateVector[] | null = null;
  private next = 0;
  /** Recycling: the views the pool takes first, when it grows (`recycle`'s room). */
  private room: readonly StateVector[] = [];

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
        v = pool.length < this.room.length ? this.room[pool.length]! : this.carve();
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
   * (whose views are `room`'s first: vectors of `words` words, which the caller must not use
   * otherwise while the pool's copies live), so copies made before stay valid; turning it
   * off leaves the pool's copies valid until they are dropped.
   */
  recycle(on: boolean, room: readonly StateVector[] = []): boolean {
    const was = this.pool !== null;
    this.pool = on ? [] : null;
    this.next = 0;
    for (const v of room) if (v.length !== this.words) throw new Error(`arena of ${this.words}-word states given a room vector of ${v.length} words`);
    this.room = on ? room : [];
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
