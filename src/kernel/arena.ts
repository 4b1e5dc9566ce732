// State arena: copies of state vectors carved out of large shared buffers, so a copy allocates no buffer of its own.
import type { StateVector } from "./layout.js";

/**
 * V8 keeps every typed array over 64 bytes in a buffer of its own, outside the JS
 * heap, so `slice()` pays for an allocation per copy. An arena hands out views into
 * 1 MiB chunks and fills them with `set()`: the same bytes, several times faster.
 * A chunk lives as long as any state carved from it. One arena per exploration (like
 * the Meter, it is outside the state and never module-level).
 */
export class StateArena {
  private chunk: Int32Array;
  private used = 0;
  /** Words per chunk: at least one state. */
  readonly chunkWords: number;

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
    if (this.used + this.words > this.chunk.length) {
      this.chunk = new Int32Array(this.chunkWords);
      this.used = 0;
    }
    const v = this.chunk.subarray(this.used, this.used + this.words);
    this.used += this.words;
    v.set(s);
    return v;
  }
}
