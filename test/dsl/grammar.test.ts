// The grammar is unambiguous: every shipped scenario and every fixture that parses has exactly one parse.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dsl/parse.js";
import { SourceFile, SourceMap } from "../../src/dsl/source.js";

export function nizzaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...nizzaFiles(p));
    else if (e.endsWith(".nizza")) out.push(p);
  }
  return out;
}

const files = [...nizzaFiles("scenarios"), ...nizzaFiles("test/fixtures")];

describe("grammar", () => {
  it("finds the shipped scenarios and fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const f of files) {
    it(`has at most one parse of ${f}`, () => {
      const p = parse(new SourceFile(f, readFileSync(f, "utf8")), new SourceMap());
      if (p.ast) expect(p.parseCount).toBe(1);
      else expect(p.diagnostics.length).toBeGreaterThan(0);
    });
  }
  for (const f of nizzaFiles("scenarios")) {
    it(`parses the shipped scenario ${f}`, () => {
      const p = parse(new SourceFile(f, readFileSync(f, "utf8")), new SourceMap());
      expect(p.diagnostics).toEqual([]);
      expect(p.parseCount).toBe(1);
    });
  }
});
