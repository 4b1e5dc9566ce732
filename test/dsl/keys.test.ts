// Sealing keys: the seal and open expressions of thread bodies, and E0429 for a key past the 256 a sealed value can name.
import { describe, expect, it } from "vitest";
import { compileText } from "../../src/dsl/compile.js";
import { KEYS, keysOf } from "../../src/dsl/keys.js";

/** A scenario with `n` regions in `bulk` before the trusted component `w`, whose thread seals with `key`. */
const regions = (n: number, key: string): string => `system k {
  component sigma0 : trusted root { }
  component bulk : trusted { ${Array.from({ length: n }, (_, i) => `memory r${i} 4K`).join("; ")} }
  component w : trusted { memory k 4K; portal p; thread t { recv p -> x; reply seal(x, ${key}); if open(x, k) == 1 { } } }
}`;

describe("sealing keys", () => {
  it("keysOf finds the keys of nested seal and open expressions, in every kind of statement", () => {
    const c = compileText("k.nizza", `system k {
  component sigma0 : trusted root { }
  component w : trusted {
    memory a 4K; memory b 4K; memory c 4K; portal p
    thread t { recv p -> x; loop { if open(seal(x, a), b) == 1 { reply seal(x, c) } } }
  }
}`);
    const body = c.model!.threads[0]!.body;
    const name = (ks: Set<number>): string[] => [...ks].map((k) => c.model!.regions[k]!.name).sort();
    expect(name(keysOf(body, "seal"))).toEqual(["a", "c"]);
    expect(name(keysOf(body, "open"))).toEqual(["b"]);
  });

  it(`a key must be one of the first ${KEYS} regions: E0429 at the seal or open that names one past them`, () => {
    // bulk's regions are 0 .. n-1 and w.k is region n.
    expect(compileText("k.nizza", regions(KEYS - 1, "k")).diagnostics).toEqual([]);
    const d = compileText("k.nizza", regions(KEYS, "k")).diagnostics;
    expect(d.map((x) => x.code)).toEqual(["E0429", "E0429"]);
    expect(d[0]!.message).toBe(`'seal' uses w.k as a key, but a sealed value has 8 bits for its key: a key must be one of the scenario's first ${KEYS} regions, and w.k is region ${KEYS + 1}`);
    const text = regions(KEYS, "k");
    expect(d.map((x) => text.slice(x.span!.start, x.span!.end))).toEqual(["seal(x, k)", "open(x, k)"]);
    // Sealing with an early region is the way out: only the open is left.
    expect(compileText("k.nizza", regions(KEYS, "bulk.r0")).diagnostics.map((x) => x.message.slice(0, 6))).toEqual(["'open'"]);
  });
});
