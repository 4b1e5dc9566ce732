// The json report: documents of real runs validate against spec/report.schema.json, and the schema rejects what is not the format.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { check, type CheckOptions } from "../../src/checker/check.js";
import { EXIT } from "../../src/cli/output.js";
import { JSON_REPORT_SCHEMA, JSON_REPORT_VERSION, renderJson } from "../../src/report/json.js";
import { type ScenarioOutcome } from "../../src/report/model.js";
import { outcome, report } from "./runs.js";

const SCHEMA = JSON.parse(readFileSync("spec/report.schema.json", "utf8")) as { $id: string; $schema: string; properties: { version: { const: string } } };

// A document's parts as the tests read them (the schema checks the rest).
interface Loc { file: string; line: number; column: number }
interface Step { index: number; kind: string; actor: string; target: string | null; text: string; location: Loc | null; cycles?: number | null }
interface Inv { name: string | null; text: string; location: Loc | null; expect: string; verdict: string; met: boolean; counterexample: { reason: string; loopsTo: number | null; steps: Step[] } | null }
interface Case { unbounded: boolean; cycles: number | null; counts: Record<string, number> | null; loopsTo: number | null; steps: Step[] }
interface Path { name: string; location: Loc | null; budget: number | null; verdict: string; reason: string | null; timings: { preset: string; best: Case | null; worst: Case | null }[] }
interface Scenario {
  file: string; system: string | null; exit: number; errors: { code: string; severity: string; location: Loc | null; help: string | null }[];
  asserts: Inv | null; invariants: Inv[]; tcb: { component: string; members: string[]; sloc: number; reasons: { member: string; links: Record<string, unknown>[] }[] }[]; tcbPartial: boolean | null;
  paths: Path[]; stats: { bound: string | null; states: number; reductions: Record<string, { used?: string; off?: string }>; mmio: { values: string[]; explorations: number } | null } | null; pathStats: { states: number } | null;
}
interface Doc { $schema: string; version: string; tool: { name: string; version: string }; exit: number; scenarios: Scenario[] }

const PASS = `system pass {
  component sigma0 : trusted root {
    semaphore s
    thread t { up s; down s }
  }
  invariant deadlock_free
}
`;
const DEADLOCK = `system stuck {
  component sigma0 : trusted root {
    semaphore s
    thread t {
      down s
    }
  }
  invariant no_deadlock: deadlock_free
}
`;
const LASSO = `system lasso {
  component sigma0 : trusted root {
    portal p
    thread server { recv p -> x; loop { } }
    thread client { call p(1) -> y }
  }
  invariant available(sigma0.p)
}
`;
const ASSERTS = `system asserts {
  component sigma0 : trusted root {
    semaphore s
    thread t { choose { up s } or { }; assert not holds(sigma0, s) }
  }
}
`;
const BROKEN = `system broken {
  component sigma0 : trusted root {
    thread t { down nosuch }
  }
}
`;

const read = (file: string): string => readFileSync(file, "utf8");
/** The 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1;



let validate: ValidateFunction;
const errorsOf = (doc: unknown): string => (validate(doc) ? "" : JSON.stringify(validate.errors, null, 1));

beforeAll(() => {
  const ajv = new Ajv({ strict: true, allErrors: true });
  validate = ajv.compile(SCHEMA);
});

describe("the schema", () => {
  it("is draft-07, and names the id and version the renderer writes", () => {
    expect(SCHEMA.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(SCHEMA.$id).toBe(JSON_REPORT_SCHEMA);
    expect(SCHEMA.properties.version.const).toBe(JSON_REPORT_VERSION);
    expect(JSON_REPORT_SCHEMA).toBe(`https://nizza.dev/schemas/report-${JSON_REPORT_VERSION}.json`);
  });
});

describe("documents of real runs", () => {
  const runs: Record<string, ScenarioOutcome> = {};
  const files: Record<string, string> = {};
  let doc: Doc;
  let text: string;
  const byFile = (file: string): Scenario => doc.scenarios.find((s) => s.file === file)!;

  beforeAll(() => {
    const ipc = read("scenarios/ipc_timing.nizza");
    const inputs: [string, string, CheckOptions?][] = [
      ["pass.nizza", PASS],
      ["stuck.nizza", DEADLOCK],
      ["lasso.nizza", LASSO],
      ["asserts.nizza", ASSERTS],
      ["scenarios/revoke_race_buggy.nizza", read("scenarios/revoke_race_buggy.nizza")],
      ["scenarios/ipc_timing.nizza", ipc],
      ["over_budget.nizza", ipc.replace("within 4000 cycles", "within 1000 cycles")],
      ["scenarios/starvation.nizza", read("scenarios/starvation.nizza")],
      ["scenarios/uart_console_backdoor.nizza", read("scenarios/uart_console_backdoor.nizza")],
      ["bounded.nizza", ipc, { maxStates: 5 }],
      ["broken.nizza", BROKEN],
    ];
    for (const [file, src, options] of inputs) {
      files[file] = src;
      runs[file] = outcome(file, src, options);
    }
    text = renderJson(report(Object.values(runs)));
    doc = JSON.parse(text) as Doc;
  });

  it("is one pretty-printed document with a final newline", () => {
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toBe(JSON.stringify(doc, null, 2) + "\n");
    expect(doc).toMatchObject({ $schema: JSON_REPORT_SCHEMA, version: JSON_REPORT_VERSION, tool: { name: "nizza", version: "0.1.0" }, exit: 2 });
  });

  it("validates against spec/report.schema.json: the whole run, and each scenario in a report of its own", () => {
    expect(errorsOf(doc)).toBe("");
    for (const r of Object.values(runs)) expect(errorsOf(JSON.parse(renderJson(report([r]))))).toBe("");
  });

  it("has every scenario's exit code: 0 passing, 1 failing, 2 error, 3 incomplete", () => {
    expect(Object.fromEntries(doc.scenarios.map((s) => [s.file, s.exit]))).toEqual({
      "pass.nizza": 0,
      "stuck.nizza": 1,
      "lasso.nizza": 1,
      "asserts.nizza": 1,
      "scenarios/revoke_race_buggy.nizza": 0,
      "scenarios/ipc_timing.nizza": 0,
      "over_budget.nizza": 1,
      "scenarios/starvation.nizza": 0,
      "scenarios/uart_console_backdoor.nizza": 0,
      "bounded.nizza": 3,
      "broken.nizza": 2,
    });
  });

  it("stats.mmio (1.3): the values MMIO windows took, as the scenario writes them, and the explorations; null without a producing window", () => {
    expect(byFile("scenarios/uart_console_backdoor.nizza").stats!.mmio).toEqual({ values: ["0", "1", "5", "42"], explorations: 2 });
    expect(byFile("scenarios/ipc_timing.nizza").stats!.mmio).toBeNull();
  });

  it("a passing scenario: verdicts, the invariant's line, TCB sets and statistics", () => {
    const s = byFile("pass.nizza");
    expect(s).toMatchObject({ system: "pass", errors: [], asserts: null, tcbPartial: false, paths: [], pathStats: null });
    expect(s.invariants).toEqual([{ name: null, text: "deadlock_free", location: { file: "pass.nizza", line: lineOf(PASS, "invariant"), column: 3 }, expect: "holds", verdict: "holds", met: true, counterexample: null }]);
    expect(s.tcb).toEqual([{ component: "sigma0", members: ["sigma0"], sloc: expect.any(Number), reasons: [] }]);
    expect(s.stats!.bound).toBeNull();
    expect(s.stats!.states).toBeGreaterThan(0);
  });

  it("a failing scenario: its counterexample, steps indexed from 0 and located at their statements", () => {
    const inv = byFile("stuck.nizza").invariants[0]!;
    expect(inv).toMatchObject({ name: "no_deadlock", text: "deadlock_free", expect: "holds", verdict: "violated", met: false });
    expect(inv.location!.line).toBe(lineOf(DEADLOCK, "invariant"));
    const cx = inv.counterexample!;
    expect(cx.loopsTo).toBeNull();
    expect(cx.steps).toEqual([{ index: 0, kind: "thread", actor: "sigma0", target: null, text: "sigma0.t: down s: blocks", location: { file: "stuck.nizza", line: lineOf(DEADLOCK, "down s"), column: 7 } }]);
    expect(cx.reason).toMatch(/waits for ever/);
  });

  it("a lasso: loopsTo is the index of the step the loop starts at; a call names its target", () => {
    const cx = byFile("lasso.nizza").invariants[0]!.counterexample!;
    expect(cx.steps.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(cx.loopsTo).toBe(2);
    expect(cx.steps[0]).toMatchObject({ actor: "sigma0", target: "sigma0", text: "sigma0.client: call p(1) -> y: blocks" });
  });

  it("the assert statements, as an invariant of their own", () => {
    const s = byFile("asserts.nizza");
    expect(s.invariants).toEqual([]);
    expect(s.asserts).toMatchObject({ name: null, text: "every assert statement holds", expect: "holds", verdict: "violated", met: false });
    expect(s.asserts!.location!.line).toBe(lineOf(ASSERTS, "assert not"));
    expect(s.asserts!.counterexample!.steps.length).toBeGreaterThan(0);
  });

  it("an expected violation: violated, met, with its counterexample", () => {
    const file = "scenarios/revoke_race_buggy.nizza";
    const inv = byFile(file).invariants[0]!;
    expect(inv).toMatchObject({ text: "revocable(owner.page)", expect: "violated", verdict: "violated", met: true });
    expect(inv.location).toEqual({ file, line: lineOf(files[file]!, "invariant revocable"), column: 3 });
    const cx = inv.counterexample!;
    expect(cx.steps.length).toBe(runs[file]!.result!.invariants[0]!.counterexample!.steps.length);
    // The imported scenario's statements are located in their own file.
    expect(cx.steps.some((st) => st.location?.file.endsWith("revoke_race.nizza"))).toBe(true);
  });

  it("paths: budgets, best and worst cases with every primitive counted, and the steps' cycles", () => {
    const s = byFile("scenarios/ipc_timing.nizza");
    const ipc = files["scenarios/ipc_timing.nizza"]!;
    expect(s.paths.map((p) => [p.name, p.budget, p.verdict])).toEqual([
      ["round_trip", 4000, "holds"],
      ["page_fault", 4000, "holds"],
      ["interrupt", 2500, "holds"],
    ]);
    const rt = s.paths[0]!;
    expect(rt.location!.line).toBe(lineOf(ipc, "path round_trip"));
    expect(rt.timings.map((t) => t.preset)).toEqual(["nova"]);
    const { best, worst } = rt.timings[0]!;
    expect(best).toMatchObject({ unbounded: false, cycles: 576, loopsTo: null });
    expect(worst).toMatchObject({ unbounded: false, cycles: 3262, loopsTo: null });
    expect(Object.keys(best!.counts!)).toHaveLength(13);
    expect(best!.counts!.kernelEntry).toBe(2);
    // The measured steps add up to the case's cycles; the steps before the start add nothing.
    const sum = (c: Case): number => c.steps.reduce((a, st) => a + (st.cycles ?? 0), 0);
    expect(sum(best!)).toBe(576);
    expect(sum(worst!)).toBe(3262);
    expect(s.pathStats!.states).toBeGreaterThan(0);
  });

  it("a path over its budget is violated, with the reason", () => {
    const p = byFile("over_budget.nizza").paths[0]!;
    expect(p).toMatchObject({ name: "round_trip", budget: 1000, verdict: "violated" });
    expect(p.reason).toMatch(/over the budget of 1,000/);
  });

  it("an unbounded worst case: no cycles or counts, the loop's start, and a budget-less path that holds", () => {
    const p = byFile("scenarios/starvation.nizza").paths[0]!;
    expect(p).toMatchObject({ name: "starved", budget: null, verdict: "holds", reason: null });
    const worst = p.timings[0]!.worst!;
    expect(worst).toMatchObject({ unbounded: true, cycles: null, counts: null });
    expect(worst.loopsTo).toBe(runs["scenarios/starvation.nizza"]!.result!.paths[0]!.timings[0]!.worst!.trace.loopsTo);
    expect(worst.loopsTo).toBeLessThan(worst.steps.length);
    expect(p.timings[0]!.best).toMatchObject({ unbounded: false, cycles: 576 });
  });

  it("a bound reached: incomplete verdicts, a partial TCB, the bound named", () => {
    const s = byFile("bounded.nizza");
    expect(s.invariants[0]!).toMatchObject({ verdict: "incomplete", met: false, counterexample: null });
    expect(s.tcbPartial).toBe(true);
    expect(s.stats!.bound).toBe("states");
    expect(s.stats!.reductions.por).toEqual({ off: "strict scheduling: a waking EC can preempt a thread's local step" });
  });

  it("a scenario with errors: located errors, no results", () => {
    const s = byFile("broken.nizza");
    expect(s).toMatchObject({ system: null, exit: 2, asserts: null, invariants: [], tcb: [], tcbPartial: null, paths: [], stats: null, pathStats: null });
    expect(s.errors.length).toBeGreaterThan(0);
    expect(s.errors[0]).toMatchObject({ severity: "error", location: { file: "broken.nizza", line: lineOf(BROKEN, "nosuch") } });
  });

  describe("the schema rejects", () => {
    const mutated = (change: (d: Doc & Record<string, unknown>) => void): Doc => {
      const d = structuredClone(doc) as Doc & Record<string, unknown>;
      change(d);
      return d;
    };
    const cases: [string, (d: Doc & Record<string, unknown>) => void][] = [
      ["an unknown field at the top", (d) => void (d.extra = 1)],
      ["an unknown field in an invariant", (d) => void ((d.scenarios[0]!.invariants[0]! as unknown as Record<string, unknown>).severity = "high")],
      ["an unknown field in a trace step", (d) => void ((d.scenarios[1]!.invariants[0]!.counterexample!.steps[0]! as unknown as Record<string, unknown>).ordinal = 0)],
      ["a wrong verdict", (d) => void (d.scenarios[0]!.invariants[0]!.verdict = "passed")],
      ["a wrong path verdict", (d) => void (d.scenarios[5]!.paths[0]!.verdict = "ok")],
      ["a wrong exit code", (d) => void (d.exit = 4)],
      ["a wrong step kind", (d) => void (d.scenarios[1]!.invariants[0]!.counterexample!.steps[0]!.kind = "syscall")],
      ["a missing field", (d) => void delete (d.scenarios[0] as unknown as Record<string, unknown>).pathStats],
      ["an absent value instead of null", (d) => void delete (d.scenarios[0]!.invariants[0] as unknown as Record<string, unknown>).counterexample],
      ["a line number as a string", (d) => void ((d.scenarios[0]!.invariants[0]!.location as unknown as Record<string, unknown>).line = "6")],
      ["an unbounded case with cycles", (d) => void (d.scenarios[7]!.paths[0]!.timings[0]!.worst!.cycles = 10)],
      ["a bounded case without its counts", (d) => void (d.scenarios[5]!.paths[0]!.timings[0]!.best!.counts = null)],
      ["a reduction both used and off", (d) => void (d.scenarios[0]!.stats!.reductions.por = { used: "x", off: "y" })],
      ["a scenario with errors and results", (d) => void (d.scenarios.find((s) => s.file === "broken.nizza")!.stats = d.scenarios[0]!.stats)],
      ["another version", (d) => void (d.version = "2.0")],
      ["a TCB reason's link without its depth", (d) => void delete d.scenarios.flatMap((s) => s.tcb).find((t) => t.reasons.length > 0)!.reasons[0]!.links[0]!.depth],
      ["a TCB reason without links", (d) => void (d.scenarios.flatMap((s) => s.tcb).find((t) => t.reasons.length > 0)!.reasons[0]!.links = [])],
    ];
    it.each(cases)("%s", (_name, change) => {
      expect(errorsOf(doc)).toBe("");
      expect(validate(mutated(change))).toBe(false);
    });
  });
});

describe("documents of arbitrary errors", () => {
  const location = fc.option(fc.record({ file: fc.string({ minLength: 1 }), line: fc.integer({ min: 1, max: 1e6 }), column: fc.integer({ min: 1, max: 1e4 }) }), { nil: null });
  const error = fc.record({
    code: fc.stringMatching(/^E\d{3}$/),
    severity: fc.constantFrom("error" as const, "warning" as const),
    message: fc.string({ unit: "grapheme" }),
    at: location,
    help: fc.option(fc.string({ unit: "grapheme" }), { nil: null }),
  });
  const scenario = fc.record({ file: fc.string({ minLength: 1 }), errors: fc.array(error, { minLength: 1, maxLength: 4 }) });

  it("validate, and keep every message as it was", () => {
    fc.assert(
      fc.property(fc.array(scenario, { maxLength: 4 }), (ss) => {
        const scenarios: ScenarioOutcome[] = ss.map((s) => ({ file: s.file, result: null, errors: s.errors, exit: EXIT.error }));
        const d = JSON.parse(renderJson(report(scenarios))) as Doc;
        expect(errorsOf(d)).toBe("");
        expect(d.scenarios.map((s) => s.errors.map((e) => [e.code, e.location, e.help]))).toEqual(ss.map((s) => s.errors.map((e) => [e.code, e.at, e.help])));
      }),
      { numRuns: 100 },
    );
  });
});
