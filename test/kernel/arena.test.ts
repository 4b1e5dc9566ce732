// The state arena: copies are equal to their source, independent of it and of each other, across chunk boundaries.
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
});
