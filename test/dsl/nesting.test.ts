// The nesting limit (E0107, spec/language.md §1 Nesting): a scenario at the limit goes through every phase; one level more, or thousands, is a positioned diagnostic, never a stack overflow.
import { describe, expect, it } from "vitest";
import { buildSystem, successors } from "../../src/components/step.js";
import { compileText } from "../../src/dsl/compile.js";
import { location } from "../../src/dsl/diagnostics.js";
import { format } from "../../src/dsl/format.js";
import { MAX_NESTING, parse } from "../../src/dsl/parse.js";
import { SourceFile, SourceMap } from "../../src/dsl/source.js";

const wrap = (body: string): string => `system d { component s : trusted root { semaphore m memory k 4K thread t { read k -> x ${body} } } }\n`;

/** Scenarios nested `n` levels deep, by the construct that nests (each counted as §1 says). */
export const NESTED: Record<string, (n: number) => string> = {
  // n loops: n levels.
  loop: (n) => wrap("loop { ".repeat(n) + "up m " + "} ".repeat(n)),
  // n - 1 nots around a comparison: n levels.
  not: (n) => wrap("assert " + "not ".repeat(n - 1) + "x == ok"),
  // n - 1 ors, each in parentheses on the right of the one before: the innermost comparison is the n-th level.
  or: (n) => wrap("assert x == ok" + " or (x == 0".repeat(n - 1) + ")".repeat(n - 1)),
  // an if with n - 1 else-ifs: the last one is inside n - 1 else blocks, and its comparison and its block are the n-th level.
  elseIf: (n) => wrap("if x == ok { up m }" + " else if x == 0 { up m }".repeat(n - 1)),
  // n ifs, each in the block of the one before: the innermost comparison is inside n - 1 blocks, the n-th level; so is the innermost block.
  if: (n) => wrap("if x == ok { ".repeat(n) + "up m " + "} ".repeat(n)),
  // n calls, each an argument of the next.
  call: (n) => wrap("write k <- " + "seal(".repeat(n) + "x" + ", k)".repeat(n)),
  // blocks and conditions alternating: loops each holding an if, then a loop with an assert (at least n levels).
  mixed: (n) => {
    const k = Math.ceil((n - 2) / 2);
    return wrap("loop { if x == ok { ".repeat(k) + "loop { assert x == ok } " + "} } ".repeat(k));
  },
};

describe(`nesting limit (${MAX_NESTING} levels)`, () => {
  for (const [kind, make] of Object.entries(NESTED)) {
    it(`${kind}: at the limit it compiles, formats to a text that parses again, and steps`, () => {
      const c = compileText("deep.nizza", make(MAX_NESTING));
      expect(c.diagnostics).toEqual([]);
      const sys = buildSystem(c.model!);
      expect(successors(sys, sys.init).length).toBeGreaterThan(0);
      const sources = new SourceMap();
      const pretty = format(parse(new SourceFile("deep.nizza", make(MAX_NESTING)), sources), sources);
      const again = parse(new SourceFile("again.nizza", pretty), new SourceMap());
      expect(again.diagnostics).toEqual([]);
    });
    for (const n of [MAX_NESTING + 1, 1000, 5000]) {
      it(`${kind}: ${n} levels is E0107, one diagnostic`, () => {
        const c = compileText("deep.nizza", make(n));
        expect(c.diagnostics.map((d) => d.code)).toEqual(["E0107"]);
        expect(c.diagnostics[0]!.message).toBe(`nesting too deep: more than ${MAX_NESTING} levels of blocks, else-ifs, operators and function calls`);
      });
    }
  }
  // A chain of one operator written without parentheses is balanced (grammar-support.ts
  // `balanced`): about log2(n) levels, however long, and the formatter writes it back as it was.
  for (const [op, term] of [["or", "x == 0"], ["and", "x != 0"]] as const)
    for (const n of [MAX_NESTING + 1, 1000, 5000])
      it(`a chain of ${n} ${op}s compiles, steps, and formats back to the chain`, () => {
        const chain = `x == ok ${`${op} ${term} `.repeat(n)}`.trim();
        const text = wrap(`assert ${chain}`);
        const c = compileText("chain.nizza", text);
        expect(c.diagnostics).toEqual([]);
        const sys = buildSystem(c.model!);
        expect(successors(sys, sys.init).length).toBeGreaterThan(0);
        const sources = new SourceMap();
        const pretty = format(parse(new SourceFile("chain.nizza", text), sources), sources);
        expect(pretty).toContain(`assert ${chain}\n`);
      });
  it("a chain in parentheses keeps them, and is balanced inside them", () => {
    const text = wrap("assert x == ok or (x == 0 or x == 1 or x == 2 or x == 3) and x == 1");
    const sources = new SourceMap();
    expect(format(parse(new SourceFile("p.nizza", text), sources), sources)).toContain("assert x == ok or (x == 0 or x == 1 or x == 2 or x == 3) and x == 1\n");
  });

  it.each([
    ["20,000 parentheses left open", "system a { component r : trusted root { } invariant always " + "(".repeat(20000) + " }\n"],
    ["a run of 20,000 nots with nothing after it", "system a { component r : trusted root { } invariant always " + "not ".repeat(20000) + "}\n"],
    ["5,000 loops around a statement that is no statement", wrap("loop { ".repeat(5000) + "x " + "} ".repeat(5000))],
  ])("%s: a syntax or nesting error at a token of the input, never a stack overflow", (_, text) => {
    const sources = new SourceMap();
    const p = parse(new SourceFile("deep.nizza", text), sources);
    expect(p.ast).toBeNull();
    expect(p.diagnostics).toHaveLength(1);
    const d = p.diagnostics[0]!;
    expect(["E0104", "E0105", "E0107"]).toContain(d.code);
    expect(d.span!.end).toBeLessThanOrEqual(text.length + 1);
    expect(location(d.span!, sources)).toMatch(/^deep\.nizza:1:\d+$/);
  });

  it("points at what opens the level past the limit: a block's brace, an operator, a call's parenthesis", () => {
    const at = (text: string): string => {
      const c = compileText("deep.nizza", text);
      const d = c.diagnostics[0]!;
      const s = d.span!;
      return `${location(s, c.sources)} ${text.slice(s.start, s.end)}`;
    };
    const prefix = wrap("").indexOf("read k -> x ") + "read k -> x ".length;
    // The 101st loop's brace: after 100 "loop { " and "loop ".
    expect(at(NESTED.loop!(MAX_NESTING + 1))).toBe(`deep.nizza:1:${prefix + 7 * MAX_NESTING + 5 + 1} {`);
    // The comparison under 100 nots.
    expect(at(NESTED.not!(MAX_NESTING + 1))).toBe(`deep.nizza:1:${prefix + "assert ".length + 4 * MAX_NESTING + 2 + 1} ==`);
    // The 101st seal's parenthesis.
    expect(at(NESTED.call!(MAX_NESTING + 1))).toBe(`deep.nizza:1:${prefix + "write k <- ".length + 5 * MAX_NESTING + 4 + 1} (`);
  });
});
