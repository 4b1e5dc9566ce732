// A growable list of 32-bit integers: what it holds survives growing, clear keeps the array, take copies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ints } from "../../src/checker/ints.js";

describe("Ints", () => {
  it("holds what was pushed, in order, across growing (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (xs, capacity) => {
        const l = new Ints(capacity);
        for (const x of xs) l.push(x);
        expect(l.n).toBe(xs.length);
        expect([...l.a.subarray(0, l.n)]).toEqual(xs);
      }),
    );
  });
  it("clear empties it and keeps its array; take is a copy of what it holds", () => {
    const l = new Ints(2);
    for (let i = 0; i < 5; i++) l.push(i);
    const a = l.a;
    const t = l.take();
    expect([...t]).toEqual([0, 1, 2, 3, 4]);
    expect(l.clear().n).toBe(0);
    expect(l.a).toBe(a);
    l.push(9);
    expect([...t]).toEqual([0, 1, 2, 3, 4]);
  });
});
