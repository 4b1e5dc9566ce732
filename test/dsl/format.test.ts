// Tests of the canonical formatter: round trips of random ASTs, comment placement, idempotence, fixture pairs.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { SystemAst } from "../../src/dsl/ast.js";
import { format, formatAst } from "../../src/dsl/format.js";
import { tokens } from "../../src/dsl/lexer.js";
import { parse, type Parsed } from "../../src/dsl/parse.js";
import { SourceFile, SourceMap } from "../../src/dsl/source.js";
import { stripIds } from "../../src/dsl/ast-util.js";
import { system } from "./arbitrary.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function parseText(text: string, file = "test.nizza"): { parsed: Parsed; sources: SourceMap } {
  const sources = new SourceMap();
  return { parsed: parse(new SourceFile(file, text), sources), sources };
}

/** Parses text that must be valid and formats it. */
function fmt(text: string, file?: string): string {
  const { parsed, sources } = parseText(text, file);
  expect(parsed.diagnostics).toEqual([]);
  expect(parsed.parseCount).toBe(1);
  return format(parsed, sources);
}

function nizzaFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".nizza"))
    .map((f) => join(dir, f))
    .sort();
}

function rel(file: string): string {
  return relative(root, file);
}

/** Inserts comments and line breaks before some tokens of a text. */
function inject(text: string, edits: readonly { at: number; what: number }[]): string {
  const toks = tokens(text);
  const offsets = [...toks.map((t) => t.offset), text.length];
  const snippets = [
    (n: number) => ` /* c${n} */ `,
    (n: number) => ` // c${n}\n`,
    () => "\n\n",
    (n: number) => `\n/* m${n}\n     second line of m${n} */\n`,
    (n: number) => `\n// c${n}\n`,
    () => "\n",
  ];
  const byOffset = edits
    .map((e, n) => ({ offset: offsets[e.at % offsets.length]!, text: snippets[e.what % snippets.length]!(n), n }))
    .sort((a, b) => b.offset - a.offset || b.n - a.n);
  let out = text;
  for (const e of byOffset) out = out.slice(0, e.offset) + e.text + out.slice(e.offset);
  return out;
}

/**
 * A tree with every chain of `or` (or of `and`) as one list of its operands, the `chain` marks
 * dropped: the parser balances a chain written without parentheses (grammar-support.ts
 * `balanced`), so a left-deep chain of four or more generated here comes back another shape of
 * the same chain. Other operators, and the nesting of different ones, are compared as they are.
 */
function assoc(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(assoc);
  if (x === null || typeof x !== "object") return x;
  const o = x as Record<string, unknown>;
  if (o.kind === "Binary" && (o.op === "or" || o.op === "and")) {
    const operands: unknown[] = [];
    const walk = (e: unknown): void => {
      const b = e as Record<string, unknown>;
      if (b.kind === "Binary" && b.op === o.op) (walk(b.left), walk(b.right));
      else operands.push(assoc(e));
    };
    walk(o);
    return { kind: "Chain", op: o.op, operands };
  }
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== "chain").map(([k, v]) => [k, assoc(v)]));
}

describe("format: random ASTs", () => {
  it("prints every AST so that it parses back to the same tree (chains of one operator up to their balancing)", () => {
    fc.assert(
      fc.property(system, (ast: SystemAst) => {
        const text = formatAst(ast);
        const { parsed, sources } = parseText(text);
        expect(parsed.diagnostics).toEqual([]);
        expect(parsed.parseCount).toBe(1);
        expect(assoc(stripIds(parsed.ast))).toEqual(assoc(stripIds(ast)));
        expect(text.endsWith("\n") && !text.endsWith("\n\n")).toBe(true);
        expect(text).not.toMatch(/\{\n\s*\n|\n\s*\n\s*\}/);
        expect(format(parsed, sources)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every comment, in order, wherever it is written, and is idempotent", () => {
    const edits = fc.array(fc.record({ at: fc.nat(), what: fc.nat() }), { maxLength: 25 });
    fc.assert(
      fc.property(system, edits, (ast, e) => {
        const text = inject(formatAst(ast), e);
        const first = parseText(text);
        expect(first.parsed.diagnostics).toEqual([]);
        expect(assoc(stripIds(first.parsed.ast))).toEqual(assoc(stripIds(ast)));
        const once = format(first.parsed, first.sources);
        const second = parseText(once);
        expect(second.parsed.diagnostics).toEqual([]);
        expect(stripIds(second.parsed.ast)).toEqual(stripIds(first.parsed.ast));
        expect(second.parsed.comments.map((c) => c.text)).toEqual(first.parsed.comments.map((c) => c.text));
        expect(format(second.parsed, second.sources)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});

describe("format: layout", () => {
  const cases: [string, string, string][] = [
    ["keeps parentheses a left-associative or needs", "invariant always a or (b or c)", "invariant always a or (b or c)"],
    ["drops parentheses precedence makes redundant", "invariant always ((a and b) or (c == d))", "invariant always a and b or c == d"],
    ["parenthesises a comparison operand that is a comparison", "invariant always (a == b) != c", "invariant always (a == b) != c"],
    ["parenthesises what not applies to", "invariant never not (a and b) and not not c", "invariant never not (a and b) and not not c"],
    ["keeps the right operand of and grouped", "invariant always a and (b and c)", "invariant always a and (b and c)"],
  ];
  for (const [title, input, want] of cases) {
    it(title, () => {
      expect(fmt(`system s { ${input} }`)).toBe(`system s {\n  ${want}\n}\n`);
    });
  }

  it("prints numbers and strings as written", () => {
    const text = 'system s { import "a\\"b\\\\c.nizza"; machine { cpus 0x2; memory 1G } kernel l4 { costs "x" } }';
    expect(fmt(text)).toBe(
      'system s {\n  import "a\\"b\\\\c.nizza"\n  machine { cpus 0x2; memory 1G }\n  kernel l4 { costs "x" }\n}\n',
    );
  });

  it("formats an AST without a source", () => {
    const { parsed } = parseText("system s { component a : trusted { } invariant deadlock_free }");
    expect(formatAst(parsed.ast!)).toBe("system s {\n  component a : trusted { }\n  invariant deadlock_free\n}\n");
  });

  it("reads CRLF line endings and writes LF", () => {
    const text = "// top\r\nsystem s {\r\n  /* a\r\n     b */\r\n\r\n  kernel nova // k\r\n}\r\n";
    const out = fmt(text);
    expect(out).toBe("// top\nsystem s {\n  /* a\n     b */\n\n  kernel nova // k\n}\n");
    expect(fmt(out)).toBe(out);
  });

  it("reads a CR alone as a line break: a // comment ends there, and empty lines and comments' lines are kept", () => {
    const text = "system s {\r  kernel nova // k\r\r  /* a\r     b */\r  machine { cpus 2 }\r}\r";
    const out = fmt(text);
    expect(out).toBe("system s {\n  kernel nova // k\n\n  /* a\n     b */\n  machine { cpus 2 }\n}\n");
    expect(fmt(out)).toBe(out);
  });

  it("keeps a comment that is the whole body of an otherwise empty block", () => {
    const out = fmt("system s { component c : trusted { thread t { loop { /* wait */ } } } }");
    expect(out).toBe("system s {\n  component c : trusted {\n    thread t {\n      loop { /* wait */\n      }\n    }\n  }\n}\n");
    expect(fmt(out)).toBe(out);
  });

  it("breaks a short body that would pass the line width", () => {
    const long = "x".repeat(40);
    const out = fmt(`system s { component a : trusted { caps { ${long}.p: call; ${long}.q: call } } }`);
    expect(out).toBe(
      `system s {\n  component a : trusted {\n    caps {\n      ${long}.p: call\n      ${long}.q: call\n    }\n  }\n}\n`,
    );
  });
});

describe("format: shipped scenarios and fixtures", () => {
  const scenarios = nizzaFiles(join(root, "scenarios"));

  it("finds the shipped scenarios", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(3);
  });

  for (const file of scenarios) {
    it(`${rel(file)} is in canonical form`, () => {
      const text = readFileSync(file, "utf8");
      expect(fmt(text, file)).toBe(text);
    });
  }

  for (const file of nizzaFiles(join(root, "test", "fixtures"))) {
    const text = readFileSync(file, "utf8");
    const { parsed } = parseText(text, file);
    if (parsed.ast === null || parsed.diagnostics.length > 0) continue;
    it(`${rel(file)} formats idempotently`, () => {
      const once = fmt(text, file);
      expect(fmt(once, file)).toBe(once);
      expect(stripIds(parseText(once).parsed.ast)).toEqual(stripIds(parsed.ast));
    });
  }
});

describe("format: fixture pairs (test/fixtures/fmt)", () => {
  const dir = join(root, "test", "fixtures", "fmt");
  const inputs = nizzaFiles(dir).filter((f) => f.endsWith(".input.nizza"));

  it("has fixture pairs", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(6);
  });

  for (const input of inputs) {
    const expected = input.replace(/\.input\.nizza$/, ".expected.nizza");
    it(`${rel(input)} formats to ${rel(expected)}`, () => {
      const want = readFileSync(expected, "utf8");
      expect(fmt(readFileSync(input, "utf8"), input)).toBe(want);
      expect(fmt(want, expected)).toBe(want);
    });
  }
});
