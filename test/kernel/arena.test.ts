// The state arena: copies are equal to their source, independent of it and of each other, across chunk boundaries; recycling reuses them after a rewind.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateArena } from "../../src/kernel/arena.js";

describe("StateArena", () => {
  it("copies are equal and independent, also when a copy starts a new chunk", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 30 }), (words, perChunk, n) => {
        const arena = new StateArena(words, words * perChunk);
        const src = Int32Array.from({ length: words }, (_, i) => i * 3 + 1);
        const copies = Array.from({ length: n }, () => arena.copy(src));
        copies.forEach((c, i) => {
          expect(c.length).toBe(words);
          expect([...c]).toEqual([...src]);
          c[0] = -i - 1;
        });
        expect(src[0]).toBe(1);
        copies.forEach((c, i) => expect(c[0]).toBe(-i - 1));
      }),
      { numRuns: 200 },
    );
  });
  it("a chunk holds at least one state", () => {
    const arena = new StateArena(100, 10);
    expect(arena.chunkWords).toBe(100);
    expect(() => arena.copy(new Int32Array(100))).not.toThrow();
  });
  it("recycling: after a rewind copies reuse the same vectors in order, and are independent until then", () => {
    const arena = new StateArena(5, 10);
    const before = arena.copy(Int32Array.of(9, 9, 9, 9, 9));
    expect(arena.recycle(true)).toBe(false);
    const a = arena.copy(Int32Array.of(1, 2, 3, 4, 5));
    const b = arena.copy(Int32Array.of(6, 7, 8, 9, 10));
    const c = arena.copy(Int32Array.of(0, 0, 0, 0, 1));
    expect(new Set([a, b, c]).size).toBe(3);
    expect([...a, ...b, ...c]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0, 1]);
    arena.rewind();
    const a2 = arena.copy(Int32Array.of(5, 4, 3, 2, 1));
    expect(a2).toBe(a);
    expect([...a]).toEqual([5, 4, 3, 2, 1]);
    expect([...b]).toEqual([6, 7, 8, 9, 10]);
    expect(arena.copy(b)).toBe(b);
    // Turning it off: copies are fresh again, and what was handed out before stays.
    expect(arena.recycle(false)).toBe(true);
    const d = arena.copy(Int32Array.of(3, 3, 3, 3, 3));
    expect([a, b, c, before]).not.toContain(d);
    expect([...before]).toEqual([9, 9, 9, 9, 9]);
  });
  it("recycling with a room: the pool takes the room's vectors first, in order, then carves its own", () => {
    const arena = new StateArena(3, 10);
    const room = [new Int32Array(3), new Int32Array(3)];
    arena.recycle(true, room);
    const a = arena.copy(Int32Array.of(1, 2, 3));
    const b = arena.copy(Int32Array.of(4, 5, 6));
    const c = arena.copy(Int32Array.of(7, 8, 9));
    expect(a).toBe(room[0]);
    expect(b).toBe(room[1]);
    expect(room).not.toContain(c);
    expect([...room[0]!, ...room[1]!]).toEqual([1, 2, 3, 4, 5, 6]);
    arena.rewind();
    expect(arena.copy(c)).toBe(room[0]);
    expect(() => arena.recycle(true, [new Int32Array(4)])).toThrow(/4 words/);
  });
});
