// A growable list of 32-bit integers in a typed array: the explorer's lists of states, indices and edges, and the graph searches' pairs.

/** A growable list of ints, `a[0..n)`, cleared for reuse. */
export class Ints {
  a: Int32Array<ArrayBuffer>;
  n = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
  }
  push(x: number): void {
    if (this.n === this.a.length) this.grow(this.n + 1);
    this.a[this.n++] = x;
  }
  /** Makes room for `words` ints in all, keeping those held (at least doubling). */
  protected grow(words: number): void {
    const b = new Int32Array(Math.max(this.a.length * 2, words));
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
  /** Empties the list, keeping its array; returns it. */
  clear(): this {
    this.n = 0;
    return this;
  }
  /** A copy of the list, in an array of its own (to be transferred). */
  take(): Int32Array<ArrayBuffer> {
    return this.a.slice(0, this.n);
  }
}
