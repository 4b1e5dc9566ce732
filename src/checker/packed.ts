// Packed states: a state as its difference from the initial state, with the words the explorer keeps beside it, as the breadth-first frontier and the parallel explorer's levels carry them.

/**
 * A record: the number of pairs, the (word index, value) pairs in index order (what
 * `StateFingerprinter` leaves in its `diff`), then `extra` words the explorer keeps with the
 * state (with symmetry reduction, its members' signatures; none otherwise). Most words of a
 * reachable state are the initial state's, so a record is a few dozen words where the vector
 * has hundreds. Every record of one sequence has the same `extra`.
 */

/** The words of a record whose difference is `length` words of pairs. */
export const recordWords = (length: number, extra: number): number => 1 + length + extra;

/** Writes a record at `into[at]` (the caller has made room): the `length` words of pairs of `d`, then `extra` words of `x`. Returns where the next record starts. */
export function writeRecord(into: Int32Array, at: number, d: Int32Array, length: number, x: ArrayLike<number> | null, extra: number): number {
  let w = at;
  into[w++] = length >> 1;
  for (let k = 0; k < length; k++) into[w++] = d[k]!;
  for (let k = 0; k < extra; k++) into[w++] = x![k]!;
  return w;
}

/** Where each of the first `n` records of `packed` starts, and where the last one ends (`at[n]`). */
export function recordStarts(packed: Int32Array, n: number, extra: number): Int32Array {
  const at = new Int32Array(n + 1);
  let o = 0;
  for (let k = 0; k < n; k++) {
    at[k] = o;
    o += 1 + 2 * packed[o]! + extra;
  }
  at[n] = o;
  return at;
}

/** Writes the pairs of the record at `packed[o]` over `out`; with `undo`, puts `ref`'s words back at their indices instead. */
export function overlay(out: Int32Array, ref: Int32Array, packed: Int32Array, o: number, undo: boolean): void {
  for (let k = 0, m = packed[o]!; k < m; k++) {
    const j = packed[o + 1 + 2 * k]!;
    out[j] = undo ? ref[j]! : packed[o + 2 + 2 * k]!;
  }
}
