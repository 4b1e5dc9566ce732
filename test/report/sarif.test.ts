// The SARIF report: logs of real runs, validated against the official SARIF 2.1.0 schema, with each finding at its scenario line.
//
// The vendored schema (test/fixtures/schemas, see its README) is draft-04, which ajv 8 does not
// load as it is. The validator below is adapted to it, not the schema:
// - `removeKeyword("id")`: ajv 8's core vocabulary has an `id` keyword that only throws
//   ("use $id"); draft-04 names the schema's id `id`, so it is dropped and `schemaId: "id"`
//   reads it as the id instead (every $ref in the schema is local, `#/definitions/...`);
// - `validateSchema: false`: ajv 8 does not ship the draft-04 meta-schema the `$schema` names;
// - `unicodeRegExp: false`: the `language` pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`
//   has a stray `]`, a syntax error with the `u` flag; without it, as in draft-04 days, it compiles;
// - `strict: false`: strict mode rejects draft-04's keywords and the schema's `default`s in places;
// - the formats `uri`, `uri-reference` and `date-time` are defined here (ajv-formats is not a
//   dependency): without them ajv would ignore them with a warning, and our URIs go unchecked.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { locationOf } from "../../src/report/model.js";
import { artifact, renderSarif, ruleOf } from "../../src/report/sarif.js";
import { outcome, report } from "./runs.js";

const schema = JSON.parse(readFileSync(new URL("../fixtures/schemas/sarif-2.1.0-rtm.5.json", import.meta.url), "utf8")) as Record<string, unknown>;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

function validator(): ValidateFunction {
  const ajv = new Ajv({
    strict: false,
    schemaId: "id",
    validateSchema: false,
    unicodeRegExp: false,
    allErrors: true,
    formats: {
      uri: (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && URL.canParse(s),
      "uri-reference": (s: string) => !/\s/.test(s) && URL.canParse(s, "file:///"),
      "date-time": (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
    },
  });
  ajv.removeKeyword("id");
  return ajv.compile(schema);
}

const validate = validator();

/** The log, after checking it against the schema (with ajv's errors in the failure message). */
function valid(text: string): SarifLog {
  const log = JSON.parse(text) as SarifLog;
  const ok = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
  return log;
}

// The parts of a log the tests read.
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string }[] } };
    invocations: { executionSuccessful: boolean; exitCode: number }[];
    results: Result[];
  }[];
}
interface Region {
  startLine: number;
  startColumn: number;
}
interface PhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string };
  region?: Region;
}
interface FlowLocation {
  location: { physicalLocation?: PhysicalLocation; message: { text: string } };
  nestingLevel: number;
  importance?: string;
  kinds?: string[];
}
interface Result {
  ruleId: string;
  ruleIndex: number;
  kind: string;
  level: string;
  message: { text: string };
  locations: { physicalLocation: PhysicalLocation }[];
  codeFlows?: { threadFlows: { locations: FlowLocation[] }[] }[];
}



const lineOf = (at: string | null): number | undefined => locationOf(at)?.line;

const PASSING = `system pass {
  component sigma0 : trusted root {
    semaphore s
    thread t { up s; down s }
  }
  invariant deadlock_free
}`;

const LEAK = `system leak {
  component sigma0 : trusted root {
    memory secret 4K [pin]
    caps { spy.inbox: call }
    thread t { read secret -> x; call spy.inbox(x) timeout 1 }
  }
  component spy : untrusted { portal inbox; adversary steps 1 }
  invariant never flows([pin] -> spy)
  invariant seen: never flows([pin] -> spy) expect violated
  invariant always not holds(spy, sigma0.secret)
}`;

const LASSO = `system lasso {
  component sigma0 : trusted root {
    portal p
    thread server { recv p -> x; loop { } }
    thread client { call p(1) -> y }
  }
  invariant available(sigma0.p)
}`;

const DEADLOCK = `system stuck {
  component sigma0 : trusted root {
    semaphore s
    thread t { down s }
  }
  invariant deadlock_free
}`;

const BUDGET = `system timed {
  component sigma0 : trusted root { }
  component server : trusted {
    portal rpc
    thread serve {
      loop {
        recv rpc -> x
        reply x
      }
    }
  }
  component client : trusted {
    caps { server.rpc: call }
    thread main {
      call server.rpc(1) -> r
    }
  }
  path tight: client calls server.rpc -> client gets reply within 100 cycles
  path loose: client calls server.rpc -> client gets reply within 100000 cycles
}`;

const ASSERTS = `system asserts {
  component sigma0 : trusted root {
    thread t {
      assert 1 == 1
      assert 1 == 2
    }
  }
}`;

const BROKEN = `system broken {
  component sigma0 : trusted root {
    thread t { up nothere }
  }
}`;

describe("renderSarif", () => {
  it("writes an empty log for a passing scenario: a run, the rules, no results", () => {
    const s = outcome("scenarios/pass.nizza", PASSING);
    expect(s.exit).toBe(0);
    const log = valid(renderSarif(report([s])));
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver).toMatchObject({ name: "nizza", version: "0.1.0" });
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(expect.arrayContaining(["nizza/isolated", "nizza/never-flows", "nizza/available", "nizza/deadlock-free", "nizza/assert", "nizza/path-budget", "nizza/scenario-error"]));
    expect(run.results).toEqual([]);
    expect(run.invocations).toEqual([{ executionSuccessful: true, exitCode: 0, exitCodeDescription: expect.any(String) }]);
  });

  it("puts a failed invariant at its line, its counterexample as a code flow on the statements' lines; a met `expect violated` is no result", () => {
    const s = outcome("scenarios/leak.nizza", LEAK);
    expect(s.exit).toBe(1);
    const inv = s.result!.invariants[0]!;
    const cx = inv.counterexample!;
    const log = valid(renderSarif(report([s])));
    const run = log.runs[0]!;
    // Only the first invariant: the second is violated as expected, the third holds.
    expect(run.results).toHaveLength(1);
    const r = run.results[0]!;
    expect(r).toMatchObject({ ruleId: "nizza/never-flows", kind: "fail", level: "error" });
    expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    expect(r.message.text).toContain(cx.reason);
    expect(r.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: "scenarios/leak.nizza", uriBaseId: "%SRCROOT%" }, region: { startLine: 8, startColumn: 3 } });
    const steps = r.codeFlows![0]!.threadFlows[0]!.locations;
    expect(steps).toHaveLength(cx.steps.length);
    steps.forEach((st, i) => {
      expect(st.location.message.text).toBe(cx.steps[i]!.text);
      expect(st.location.physicalLocation?.region?.startLine).toBe(lineOf(cx.steps[i]!.at));
    });
    // read and call on the thread's line (5), the spy's adversary at its declaration (7).
    expect(steps.map((st) => st.location.physicalLocation?.region?.startLine)).toEqual([5, 5, 7]);
    expect(steps.at(-1)!.importance).toBe("essential");
  });

  it("reports an invariant that holds but was expected to be violated, without a code flow", () => {
    const s = outcome("scenarios/pass.nizza", PASSING.replace("invariant deadlock_free", "invariant deadlock_free expect violated"));
    const r = valid(renderSarif(report([s]))).runs[0]!.results;
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ ruleId: "nizza/deadlock-free", kind: "fail", level: "error" });
    expect(r[0]!.message.text).toMatch(/holds, but the scenario expects it to be violated/);
    expect(r[0]!.codeFlows).toBeUndefined();
  });

  it("marks the loop of an `available` lasso one nesting level deeper", () => {
    const s = outcome("scenarios/lasso.nizza", LASSO);
    const cx = s.result!.invariants[0]!.counterexample!;
    expect(cx.loopsTo).not.toBeNull();
    const r = valid(renderSarif(report([s]))).runs[0]!.results[0]!;
    expect(r).toMatchObject({ ruleId: "nizza/available", kind: "fail" });
    expect(r.locations[0]!.physicalLocation.region).toEqual({ startLine: 7, startColumn: 3 });
    const steps = r.codeFlows![0]!.threadFlows[0]!.locations;
    expect(steps).toHaveLength(cx.steps.length);
    expect(steps.map((st) => st.nestingLevel)).toEqual(cx.steps.map((_, i) => (i >= cx.loopsTo! ? 1 : 0)));
    expect(steps.map((st) => st.location.physicalLocation?.region?.startLine)).toEqual(cx.steps.map((st) => lineOf(st.at)));
    expect(steps[cx.loopsTo!]!.location.message.text).toMatch(/repeats? for ever/);
  });

  it("reports a deadlock at the invariant, its last step the wait", () => {
    const s = outcome("scenarios/stuck.nizza", DEADLOCK);
    const r = valid(renderSarif(report([s]))).runs[0]!.results[0]!;
    expect(r).toMatchObject({ ruleId: "nizza/deadlock-free", kind: "fail", level: "error" });
    expect(r.message.text).toMatch(/waits for ever/);
    expect(r.locations[0]!.physicalLocation.region!.startLine).toBe(6);
    const steps = r.codeFlows![0]!.threadFlows[0]!.locations;
    expect(steps.map((st) => [st.location.message.text, st.location.physicalLocation?.region?.startLine])).toEqual([["sigma0.t: down s: blocks", 4]]);
  });

  it("reports a broken path budget at the path's line, its worst case with each step's cycles", () => {
    const s = outcome("scenarios/timed.nizza", BUDGET);
    expect(s.exit).toBe(1);
    const [tight, loose] = s.result!.paths;
    expect([tight!.verdict, loose!.verdict]).toEqual(["violated", "holds"]);
    const worst = tight!.timings[0]!.worst!;
    const log = valid(renderSarif(report([s])));
    const results = log.runs[0]!.results;
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r).toMatchObject({ ruleId: "nizza/path-budget", kind: "fail", level: "error" });
    expect(r.message.text).toContain(tight!.reason!);
    expect(r.locations[0]!.physicalLocation.region!.startLine).toBe(18);
    const steps = r.codeFlows![0]!.threadFlows[0]!.locations;
    expect(steps).toHaveLength(worst.trace.steps.length);
    steps.forEach((st, i) => {
      const t = worst.trace.steps[i]!;
      expect(st.location.physicalLocation?.region?.startLine).toBe(lineOf(t.at));
      if (t.cycles !== null) expect(st.location.message.text).toContain(`+${t.cycles.toLocaleString("en-US")} cycles`);
      else expect(st.importance).toBe("unimportant");
    });
  });

  it("puts a failed assert at the assert that failed, not at the first assert", () => {
    const s = outcome("scenarios/asserts.nizza", ASSERTS);
    const cx = s.result!.asserts!.counterexample!;
    const r = valid(renderSarif(report([s]))).runs[0]!.results;
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ ruleId: "nizza/assert", kind: "fail", level: "error", message: { text: cx.reason } });
    expect(r[0]!.locations[0]!.physicalLocation.region).toEqual({ startLine: 5, startColumn: 7 });
    expect(r[0]!.codeFlows![0]!.threadFlows[0]!.locations.map((st) => st.location.physicalLocation?.region?.startLine)).toEqual([4, 5]);
  });

  it("reports an incomplete verdict as kind open, level none: neither a pass nor a failure", () => {
    const s = outcome("scenarios/timed.nizza", BUDGET.replace("within 100 cycles", "within 100000 cycles").replace(/}$/, "  invariant deadlock_free\n}"), { maxStates: 2 });
    expect(s.exit).toBe(3);
    const log = valid(renderSarif(report([s])));
    const results = log.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.kind, r.level, r.locations[0]!.physicalLocation.region!.startLine])).toEqual([
      ["nizza/deadlock-free", "open", "none", 20],
      ["nizza/path-budget", "open", "none", 18],
      ["nizza/path-budget", "open", "none", 19],
    ]);
    expect(results[0]!.message.text).toMatch(/incomplete: .*state bound/);
    expect(log.runs[0]!.invocations[0]).toMatchObject({ executionSuccessful: true, exitCode: 3 });
  });

  it("reports a scenario error at its location, and the run as not successful", () => {
    const s = outcome("scenarios/broken.nizza", BROKEN);
    expect(s.exit).toBe(2);
    const e = s.errors[0]!;
    const log = valid(renderSarif(report([s])));
    const r = log.runs[0]!.results;
    expect(r).toHaveLength(s.errors.length);
    expect(r[0]).toMatchObject({ ruleId: "nizza/scenario-error", kind: "fail", level: "error" });
    expect(r[0]!.message.text).toContain(e.message);
    expect(r[0]!.locations[0]!.physicalLocation.region).toEqual({ startLine: e.at!.line, startColumn: e.at!.column });
    expect(r[0]!.locations[0]!.physicalLocation.region!.startLine).toBe(3);
    expect(log.runs[0]!.invocations[0]).toMatchObject({ executionSuccessful: false, exitCode: 2 });
  });

  it("writes one valid log for a whole run of several scenarios", () => {
    const all = report([outcome("scenarios/pass.nizza", PASSING), outcome("scenarios/leak.nizza", LEAK), outcome("scenarios/lasso.nizza", LASSO), outcome("scenarios/timed.nizza", BUDGET), outcome("scenarios/broken.nizza", BROKEN)]);
    const log = valid(renderSarif(all));
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(["nizza/never-flows", "nizza/available", "nizza/path-budget", "nizza/scenario-error"]);
    expect(log.runs[0]!.invocations[0]).toMatchObject({ executionSuccessful: false, exitCode: 2 });
  });
});

describe("renderSarif with a baseline", () => {
  it("gives a run that regressed exit 1 and each regression as an error notification of the invocation, valid against the schema", () => {
    const r = { ...report([outcome("scenarios/pass.nizza", PASSING)]), exit: 1, baseline: { file: "base.json", regressions: ["scenarios/pass.nizza: TCB(sigma0) grew from 1 to 2 SLOC"], notCompared: [] } };
    const log = valid(renderSarif(r));
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.invocations[0]).toEqual({
      executionSuccessful: true,
      exitCode: 1,
      exitCodeDescription: "the run regressed against the baseline base.json",
      toolExecutionNotifications: [{ level: "error", message: { text: "regression against the baseline base.json: scenarios/pass.nizza: TCB(sigma0) grew from 1 to 2 SLOC" } }],
    });
  });
});

describe("the schema check can fail", () => {
  const good = (): Record<string, any> => JSON.parse(renderSarif(report([outcome("scenarios/leak.nizza", LEAK)]))) as Record<string, any>;

  it.each([
    ["a result without a message", (l: Record<string, any>) => void delete l.runs[0].results[0].message],
    ["a level SARIF does not have", (l: Record<string, any>) => void (l.runs[0].results[0].level = "fatal")],
    ["a tool without a name", (l: Record<string, any>) => void delete l.runs[0].tool.driver.name],
    ["a line 0", (l: Record<string, any>) => void (l.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0)],
    ["an invocation without executionSuccessful", (l: Record<string, any>) => void delete l.runs[0].invocations[0].executionSuccessful],
    ["a `$schema` that is no URI", (l: Record<string, any>) => void (l.$schema = "sarif 2.1.0")],
    ["another version", (l: Record<string, any>) => void (l.version = "2.0.0")],
  ])("rejects %s", (_what, breakIt) => {
    const log = good();
    expect(validate(log)).toBe(true);
    breakIt(log);
    expect(validate(log)).toBe(false);
  });
});

describe("rules and artifact locations", () => {
  it("names each invariant's rule from its text", () => {
    expect(
      ["isolated(a, b) except via m", "never flows([pin] -> spy)", "tcb(c) <= { a, b }", "tcb(c).sloc <= 9000", "revocable(a.mem)", "available(a.p)", "deadlock_free", "always not holds(a, b.m)", "never knows(a, [pin])"].map(ruleOf),
    ).toEqual(["isolated", "never-flows", "tcb-subset", "tcb-sloc", "revocable", "available", "deadlock-free", "always", "never"]);
  });

  it("keeps a relative path relative to %SRCROOT%, percent-encoded, and makes an absolute one a file URI", () => {
    expect(artifact("scenarios/usina.nizza")).toEqual({ uri: "scenarios/usina.nizza", uriBaseId: "%SRCROOT%" });
    expect(artifact("./my scenarios/a#1.nizza")).toEqual({ uri: "my%20scenarios/a%231.nizza", uriBaseId: "%SRCROOT%" });
    expect(artifact("/work/x.nizza")).toEqual({ uri: "file:///work/x.nizza" });
  });
});
