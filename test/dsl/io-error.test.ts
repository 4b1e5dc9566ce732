// Reading a scenario file: the UTF-8 check agrees with the platform's strict decoder, and a file that is not UTF-8 is reported at its first bad byte.
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { firstNotUtf8, NotUtf8, readScenarioText } from "../../src/dsl/io-error.js";

const strict = (b: Uint8Array): boolean => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Bytes that are often near-UTF-8: random bytes, and encoded strings with a byte changed. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.tuple(fc.string({ unit: "binary", maxLength: 12 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, i, v]) => {
    const b = new TextEncoder().encode(s);
    if (b.length > 0 && i % 3 !== 0) b[i % b.length] = v;
    return b;
  }),
);

describe("firstNotUtf8", () => {
  it("is -1 exactly when the strict decoder accepts the bytes, and otherwise the bytes before it decode and the byte itself starts no character", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const at = firstNotUtf8(b);
        expect(at === -1).toBe(strict(b));
        if (at >= 0) {
          expect(strict(b.subarray(0, at))).toBe(true);
          // The bytes through it do not decode: it is where the first character fails.
          expect(strict(b.subarray(0, at + 1))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("knows the edges: overlong forms, surrogates and code points past U+10FFFF are not UTF-8", () => {
    expect(firstNotUtf8(Uint8Array.of(0x41, 0xc0, 0x80))).toBe(1);
    expect(firstNotUtf8(Uint8Array.of(0xe0, 0x80, 0x80))).toBe(0);
    expect(firstNotUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBe(0);
    expect(firstNotUtf8(Uint8Array.of(0xf4, 0x90, 0x80, 0x80))).toBe(0);
    expect(firstNotUtf8(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80, 0xe9))).toBe(4);
  });
});

describe("readScenarioText", () => {
  it("keeps a byte-order mark, and reports a file that is not UTF-8 with its text (U+FFFD for the bad byte) and where the byte is", () => {
    const dir = mkdtempSync(join(tmpdir(), "nizza-io-"));
    writeFileSync(join(dir, "bom.nizza"), Buffer.from("\uFEFFsystem a { }\n", "utf8"));
    expect(readScenarioText(join(dir, "bom.nizza"))).toBe("\uFEFFsystem a { }\n");
    writeFileSync(join(dir, "l.nizza"), Buffer.concat([Buffer.from("// \u20ac caf", "utf8"), Buffer.of(0xe9, 0x0a)]));
    let e: unknown = null;
    try {
      readScenarioText(join(dir, "l.nizza"));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(NotUtf8);
    const n = e as NotUtf8;
    expect(n.text).toBe("// \u20ac caf\uFFFD\n");
    expect(n.offset).toBe(8);
    expect(n.shown).toBe("0xE9");
  });
});
