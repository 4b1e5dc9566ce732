// Packed states: records written, found and laid over a vector give back the states they were made from.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { overlay, recordStarts, recordWords, writeRecord } from "../../src/checker/packed.js";

/** A reference vector and states differing from it in some words, each with `extra` words of its own. */
const states = fc.integer({ min: 0, max: 3 }).chain((extra) =>
  fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      extra: fc.constant(extra),
      ref: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: n, maxLength: n }),
      states: fc.array(
        fc.record({
          changes: fc.dictionary(fc.integer({ min: 0, max: n - 1 }).map(String), fc.integer({ min: -9, max: 9 })),
          extra: fc.array(fc.integer(), { minLength: extra, maxLength: extra }),
        }),
        { maxLength: 12 },
      ),
    }),
  ),
);

describe("packed records", () => {
  it("each record laid over the reference gives its state back, and undoing it gives the reference back", () => {
    fc.assert(
      fc.property(states, ({ extra, ref, states: xs }) => {
        const reference = Int32Array.from(ref);
        const vectors = xs.map(({ changes }) => {
          const v = reference.slice();
          for (const [i, value] of Object.entries(changes)) v[Number(i)] = value;
          return v;
        });
        // Each state's difference, as the fingerprinter leaves it: pairs in index order.
        const diffs = vectors.map((v) => Int32Array.from([...v].flatMap((w, i) => (w !== reference[i] ? [i, w] : []))));
        const packed = new Int32Array(diffs.reduce((m, d) => m + recordWords(d.length, extra), 0));
        let at = 0;
        diffs.forEach((d, k) => (at = writeRecord(packed, at, d, d.length, xs[k]!.extra, extra)));
        expect(at).toBe(packed.length);
        const starts = recordStarts(packed, xs.length, extra);
        expect(starts[xs.length]).toBe(packed.length);
        const cur = reference.slice();
        vectors.forEach((v, k) => {
          const o = starts[k]!;
          overlay(cur, reference, packed, o, false);
          expect([...cur]).toEqual([...v]);
          const after = o + recordWords(diffs[k]!.length, extra);
          expect([...packed.subarray(after - extra, after)]).toEqual(xs[k]!.extra);
          overlay(cur, reference, packed, o, true);
          expect([...cur]).toEqual([...reference]);
        });
      }),
      { numRuns: 300 },
    );
  });
});
