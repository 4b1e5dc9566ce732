// The Markdown report: a summary row per scenario, one Mermaid diagram per trace, and diagrams Mermaid can parse.
import { beforeAll, describe, expect, it } from "vitest";
import { check, invariantsOf } from "../../src/checker/check.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { sequenceDiagram } from "../../src/report/mermaid.js";
import { type Report } from "../../src/report/model.js";
import type { PathResult } from "../../src/timing/measure.js";
import { mixedRun, report } from "./runs.js";

/** The traces the report draws: every counterexample, and each path over its budget or unbounded. */
const traced = (p: PathResult): boolean => {
  const w = p.timings[0]?.worst;
  return !!w && (p.verdict === "violated" || "unbounded" in w);
};
const traces = (rep: Report): number =>
  rep.scenarios.reduce((t, s) => t + (s.result ? invariantsOf(s.result).filter((i) => i.counterexample).length + s.result.paths.filter(traced).length : 0), 0);

/** The bodies of the ```mermaid blocks. */
function diagrams(md: string): string[][] {
  const out: string[][] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```mermaid") continue;
    const body: string[] = [];
    for (i++; lines[i] !== "```"; i++) body.push(lines[i]!);
    out.push(body);
  }
  return out;
}

/** The lines of the sequence-diagram grammar the report emits (after Mermaid's `#59;` entity codes are taken out). */
const GRAMMAR = [/^sequenceDiagram$/, /^ {2}participant P\d+ as [^#;\n]+$/, /^ {2}(?: {2})?P\d+->>P\d+: [^#;\n]+$/, /^ {2}(?: {2})?Note over P\d+: [^#;\n]+$/, /^ {2}loop [^#;\n]+$/, /^ {2}end$/];
const ENTITY = /#\d+;/g;
const decode = (s: string): string => s.replace(/#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)));

/** Checks a diagram against the grammar: every line a known form, participants declared before use, loops closed. */
function checkDiagram(body: readonly string[]): void {
  expect(body[0]).toBe("sequenceDiagram");
  const declared = new Set<string>();
  let open = 0;
  for (const line of body) {
    const plain = line.replace(ENTITY, "");
    expect(GRAMMAR.some((g) => g.test(plain)), line).toBe(true);
    // No raw `;` or `#`: Mermaid ends a statement at `;` and reads `#` as a comment or an entity.
    expect(plain).not.toMatch(/[;#]/);
    const decl = /^ {2}participant (P\d+) as /.exec(line);
    if (decl) declared.add(decl[1]!);
    const used = /^ +(?:(P\d+)->>(P\d+)|Note over (P\d+)):/.exec(line);
    if (used) for (const p of used.slice(1).filter(Boolean)) expect(declared.has(p!), `${p} declared before ${line}`).toBe(true);
    if (/^ {2}loop /.test(line)) open++;
    if (line === "  end") open--;
    expect(open).toBeGreaterThanOrEqual(0);
  }
  expect(open).toBe(0);
}

/** A table's rows: from the line starting with `header` to the next blank line. */
function table(md: string, header: string): string[][] {
  const lines = md.split("\n");
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i] !== ""; i++) rows.push(cells(lines[i]!));
  return rows;
}
/** A GFM table row's cells, split on the `|` not escaped. */
const cells = (row: string): string[] => row.replace(/^\| /, "").replace(/ \|$/, "").split(" | ");

describe("renderMarkdown", () => {
  let rep: Report;
  let md: string;
  beforeAll(() => {
    rep = mixedRun();
    md = renderMarkdown(rep);
  });

  it("opens with a heading and a summary table with a row per scenario", () => {
    expect(md).toMatch(/^## ⚠ nizza check: error\n\n7 scenarios: 2 passed, 3 failed, 1 incomplete, 1 with errors /);
    expect(rep.scenarios.filter((s) => !s.result).map((s) => s.file)).toEqual(["broken.nizza"]);
    const rows = table(md, "| Scenario |");
    expect(rows[0]).toEqual(["Scenario", "System", "✓", "✗", "?", "States", "Time", "Exit"]);
    const body = rows.slice(2);
    expect(body).toHaveLength(rep.scenarios.length);
    body.forEach((row, k) => {
      const s = rep.scenarios[k]!;
      expect(row).toHaveLength(8);
      expect(row[0]).toBe(`\`${s.file}\``);
      expect(row[7]).toContain(`${s.exit} `);
      if (s.result) {
        const judged = invariantsOf(s.result).length + s.result.paths.filter((p) => p.budget !== null).length;
        expect(Number(row[2]) + Number(row[3]) + Number(row[4])).toBe(judged);
        expect(row[5]).toBe(s.result.stats.states.toLocaleString("en-US"));
      }
    });
    expect(body[1]!.slice(2, 5)).toEqual(["2", "2", "0"]);
    expect(body[3]!.slice(2, 5)).toEqual(["0", "0", "4"]);
  });

  it("has a section per scenario with its invariants, paths and TCB sets", () => {
    for (const s of rep.scenarios) expect(md).toContain(`\`${s.file}\``);
    expect(md).toContain("| ✗ | `leak: never flows([secret] -> client)` | violated | holds |");
    expect(md).toContain("| ✓ | `never flows([secret] -> client)` | violated, as expected | violated |");
    expect(md).toMatch(/\| ✗ \| `round_trip: client calls server\.rpc -> client gets reply` \| nova \| 576 \| [\d,]+ \| 1,000 \|/);
    expect(md).toContain("| · | `starved: client calls server.rpc -> client gets reply` | nova | 576 | unbounded | — |");
    expect(md).toContain("| `server` | `kernel`, `sigma0`, `server` | 2,000 |");
    expect(md).toContain("error[E0106]: unknown escape");
  });

  it("draws one ```mermaid block per counterexample and per path trace, each with its steps folded in <details>", () => {
    const ds = diagrams(md);
    expect(ds).toHaveLength(traces(rep));
    expect(ds.length).toBeGreaterThanOrEqual(5);
    expect(md.match(/<details>/g)).toHaveLength(ds.length);
    const cx = rep.scenarios[1]!.result!.invariants[0]!.counterexample!;
    for (const st of cx.steps) expect(md).toContain(`${st.text}   (${st.at})`);
  });

  it("draws diagrams in the sequence-diagram grammar: declared participants, no raw `;`, closed loops", () => {
    const ds = diagrams(md);
    ds.forEach(checkDiagram);
    // Replicas are participants under an alias; the lasso and the unbounded path are loops.
    expect(ds.some((d) => d.some((l) => /^ {2}participant P\d+ as client\[0\]$/.test(l)))).toBe(true);
    expect(ds.filter((d) => d.includes("  end")).length).toBeGreaterThanOrEqual(2);
    // A path trace marks where the measurement starts and adds each step's cycles.
    expect(ds.some((d) => d.some((l) => / \(\+[\d,]+ cycles\)$/.test(l)) && d.some((l) => l.endsWith(": the path starts")))).toBe(true);
  });

  it("keeps every table row's cells in line, `|` in a text escaped", () => {
    const sc = rep.scenarios[1]!;
    const r = sc.result!;
    const odd = { ...r, invariants: r.invariants.map((i, k) => (k === 0 ? { ...i, text: "a | b; c # d <x> `e`", name: null } : i)) };
    const out = renderMarkdown(report([{ ...sc, result: odd }]));
    const rows = table(out, "|  | Invariant |");
    for (const row of rows) expect(row).toHaveLength(5);
    expect(rows[3]![1]).toBe("`` a \\| b; c # d <x> `e` ``");
    diagrams(out).forEach(checkDiagram);
  });
});

describe("sequenceDiagram", () => {
  it("declares participants in order of first appearance, arrows for steps with a target, notes for the others", () => {
    const d = sequenceDiagram([
      { actor: "client[1]", target: "server", text: "client[1].main: call server.rpc(1) -> r: blocks" },
      { actor: "server", target: null, text: "server.serve: recv rpc -> x: x = 1" },
      { actor: "server", target: "client[1]", text: "server.serve: reply x: sends 1" },
    ]);
    expect(d).toBe(
      [
        "sequenceDiagram",
        "  participant P1 as client[1]",
        "  participant P2 as server",
        "  P1->>P2: 1. main: call server.rpc(1) -> r: blocks",
        "  Note over P2: 2. serve: recv rpc -> x: x = 1",
        "  P2->>P1: 3. serve: reply x: sends 1",
        "",
      ].join("\n"),
    );
  });

  it("escapes what Mermaid breaks on as entity codes, cuts long texts, and loops from loopsTo", () => {
    const text = "w; #x <b>y</b> & `z` " + "long ".repeat(40);
    const d = sequenceDiagram(
      [
        { actor: "a;b", target: "kernel", text },
        { actor: "kernel", target: null, text: "timeout", cycles: 12 },
      ],
      { loopsTo: 1, maxText: 30 },
    );
    const lines = d.trimEnd().split("\n");
    checkDiagram(lines);
    expect(lines[1]).toBe("  participant P1 as a#59;b");
    const msg = decode(lines[3]!.replace(/^ {2}P1->>P2: /, ""));
    expect(msg).toBe(`1. ${[...text].slice(0, 29).join("")}…`);
    expect(lines.slice(4)).toEqual(["  Note over P2: the path starts", "  loop for ever, back to step 2", "    Note over P2: 2. timeout (+12 cycles)", "  end"]);
  });

  it("still draws a diagram for a trace without steps", () => {
    checkDiagram(sequenceDiagram([]).trimEnd().split("\n"));
  });
});
