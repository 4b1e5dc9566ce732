// Suggestions for misspelt names.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { didYouMean, distance } from "../../src/dsl/names.js";

describe("didYouMean", () => {
  it("suggests the closest name for a typo, including a transposition", () => {
    expect(didYouMean("nvoa", ["nova", "fiasco", "sel4"])).toBe("did you mean 'nova'?");
    expect(didYouMean("linux_blak", ["linux_red", "linux_black"])).toBe("did you mean 'linux_black'?");
  });
  it("allows two edits in a name of five letters, as the TypeScript compiler does (up to 40 % of its length)", () => {
    // Before, a third of the length: one edit, and `pager sigmo` got no suggestion.
    expect(didYouMean("sigmo", ["sigma0", "server"])).toBe("did you mean 'sigma0'?");
    expect(didYouMean("abc", ["xyz", "abd"])).toBe("did you mean 'abd'?");
    expect(didYouMean("abc", ["xyc"])).toBeUndefined();
  });
  it("stays silent when nothing is close", () => {
    expect(didYouMean("zzz", ["nova", "fiasco"])).toBeUndefined();
    expect(didYouMean("x", [])).toBeUndefined();
  });
  it("distance is a metric-like function: zero iff equal, symmetric, bounded by the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = distance(a, b);
        expect(d === 0).toBe(a === b);
        expect(distance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});
