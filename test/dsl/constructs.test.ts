// Construct fixtures: every *.nizza directly in test/fixtures/constructs compiles cleanly to the model
// in its .model.json golden (UPDATE_GOLDEN=1 rewrites them). And spec/language.md stays in step with
// the code: it names every diagnostic code, lists exactly the reserved words, and its complete
// examples compile as they say.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { modelJson } from "../../src/cli/describe.js";
import { CODES } from "../../src/dsl/codes.js";
import { compileFile, compileText } from "../../src/dsl/compile.js";
import { renderDiagnostics } from "../../src/dsl/diagnostics.js";
import { RESERVED } from "../../src/dsl/lexer.js";
import type { Host } from "../../src/dsl/load.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** Fixtures are compiled under this relative name, so that goldens hold "test/fixtures/constructs/x.nizza:line:col". */
const DIR = "test/fixtures/constructs";
/** Reads relative names against the project root, whatever the working directory. */
const host: Host = { read: (p) => readFileSync(join(root, p), "utf8") };
const update = process.env.UPDATE_GOLDEN === "1";

const fixtures = readdirSync(join(root, DIR), { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith(".nizza"))
  .map((e) => e.name)
  .sort();

describe("construct fixtures (test/fixtures/constructs)", () => {
  it("has a fixture per construct group", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of fixtures) {
    const file = `${DIR}/${name}`;
    const golden = join(root, DIR, name.replace(/\.nizza$/, ".model.json"));
    it(`${name} compiles to ${name.replace(/\.nizza$/, ".model.json")}`, () => {
      const c = compileFile(file, host);
      expect(renderDiagnostics(c.diagnostics, c.sources)).toBe("");
      expect(c.model).not.toBeNull();
      const got = modelJson(c.model!);
      if (update) writeFileSync(golden, JSON.stringify(got, null, 2) + "\n");
      expect(existsSync(golden), `${golden} is missing; run with UPDATE_GOLDEN=1 to create it`).toBe(true);
      const text = readFileSync(golden, "utf8");
      expect(text.endsWith("}\n")).toBe(true);
      expect(got).toEqual(JSON.parse(text));
    });
  }
});

describe("spec/language.md", () => {
  const spec = readFileSync(join(root, "spec", "language.md"), "utf8");

  /** The body of the section under a heading (up to the next heading of the same or a higher level). */
  const section = (title: string): string => {
    const lines = spec.split("\n");
    const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, "").trim() === title);
    if (start < 0) throw new Error(`spec/language.md has no section '${title}'`);
    const level = /^#+/.exec(lines[start]!)![0].length;
    const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
    return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
  };

  it("names every diagnostic code in its table", () => {
    const table = section("Error codes");
    for (const code of Object.keys(CODES)) expect(table, `${code} is missing`).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
  });

  it("mentions no code that does not exist", () => {
    const mentioned = new Set(spec.match(/\bE0\d{3}\b/g) ?? []);
    for (const code of mentioned) expect(Object.keys(CODES), `${code} is not in codes.ts`).toContain(code);
  });

  it("lists exactly the reserved words of the lexer", () => {
    const body = section("Reserved words");
    const block = /```text\n([\s\S]*?)```/.exec(body);
    expect(block, "the reserved words are listed in a ```text block").not.toBeNull();
    const listed = block![1]!.split(/\s+/).filter(Boolean);
    expect([...listed].sort()).toEqual([...RESERVED].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  /**
   * Every ```nizza example that is a whole system compiles without diagnostics, unless the
   * line before its fence is `<!-- error: E0xxx -->`: then it reports exactly that code.
   * Examples that import files are compiled as if they were in scenarios/, whose library their
   * imports name (lib/…), reading the real files.
   */
  const examples = [...spec.matchAll(/(?:<!-- error: (E0\d{3}) -->\n)?```nizza\n([\s\S]*?)```/g)]
    .map((m) => ({ code: m[1], text: m[2]!, line: spec.slice(0, m.index).split("\n").length }))
    .filter((e) => /^(\s*(\/\/[^\n]*|\/\*[\s\S]*?\*\/))*\s*system\b/.test(e.text));

  it("has complete examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  for (const ex of examples) {
    it(`example at line ${ex.line} ${ex.code ? `reports ${ex.code}` : "compiles"}`, () => {
      const imports = /\bimport\b/.test(ex.text);
      const name = `language.md:${ex.line}.nizza`;
      const c = imports ? compileText(join(root, "scenarios", name), ex.text) : compileText(name, ex.text, { read: () => { throw new Error("no imports in examples"); } });
      if (ex.code) expect(c.diagnostics.map((d) => d.code)).toEqual([ex.code]);
      else expect(renderDiagnostics(c.diagnostics, c.sources)).toBe("");
    });
  }
});
