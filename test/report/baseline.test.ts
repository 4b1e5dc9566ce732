// Baselines: a recorded run passes against itself; a grown TCB, a slower path and a broken invariant each fail, named.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { exitOf } from "../../src/cli/commands/check.js";
import { compileText } from "../../src/dsl/compile.js";
import { baselineOf, baselineText, growth, parseBaseline, regressions } from "../../src/report/baseline.js";
import type { Report } from "../../src/report/model.js";
import { nizza, scratch } from "../cli/cli.js";

/** The scenario, with hooks for each kind of regression. */
const scenario = (o: { readonly clientCaps?: string; readonly serverWork?: string; readonly guard?: string; readonly sloc?: number; readonly extra?: string } = {}): string => `system gate {
  component sigma0 : trusted root { portal pf; thread pager { loop { recv pf -> f; reply f } } }
  component server : trusted {
    sloc ${o.sloc ?? 1000}
    portal rpc
    memory secret 4K [key]
    caps { sigma0.pf: call }
    thread serve { loop { recv rpc -> x; ${o.serverWork ?? ""} reply ${o.guard ?? "x"} } }
  }
  component client : trusted {
    caps { server.rpc: call${o.clientCaps ?? ""} }
    thread main { call server.rpc(1) -> r }
  }
  component spy : untrusted { adversary steps 1 }
${o.extra ?? ""}
  invariant secret: never flows([key] -> spy)
  path rt: client calls server.rpc -> client gets reply
}
`;

function run(text: string, file = "gate.nizza"): Report {
  const c = compileText(file, text);
  if (!c.model) throw new Error(c.diagnostics.map((d) => d.message).join("; "));
  const r = check(c.model, { stopEarly: false });
  return { tool: { name: "nizza", version: "test" }, scenarios: [{ file, result: r, errors: [], exit: exitOf(r) }], exit: exitOf(r) };
}

describe("baselines", () => {
  const base = baselineOf(run(scenario()));

  it("records verdicts, TCB sets with SLOC and path cycles, keys sorted for diffs, and reads back", () => {
    const s = base.scenarios["gate.nizza"]!;
    expect(s.invariants.secret).toEqual({ verdict: "holds", met: true });
    expect(s.tcb.client).toEqual({ members: ["client", "server", "sigma0"], sloc: expect.any(Number) });
    expect(s.paths.rt).toMatchObject({ preset: "nova", best: 576 });
    const text = baselineText(base);
    expect(parseBaseline(text)).toEqual(base);
    // Sorted keys: "invariants" < "paths" < "tcb", each object's keys in order.
    expect(text.indexOf('"invariants"')).toBeLessThan(text.indexOf('"paths"'));
    expect(text.indexOf('"paths"')).toBeLessThan(text.indexOf('"tcb"'));
  });

  it("passes a run that is the same", () => {
    expect(regressions(base, run(scenario()))).toEqual([]);
  });

  it("fails a TCB that grew, naming the component and the member with why it is in, or the SLOC", () => {
    // The client now calls a logger too: the logger joins its TCB.
    const grown = run(
      scenario({ clientCaps: "; logger.log: call", extra: "  component logger : trusted { sloc 200; portal log; thread t { loop { recv log -> m; reply m } } }" }).replace(
        "thread main { call server.rpc(1) -> r }",
        "thread main { call server.rpc(1) -> r; call logger.log(2) -> q }",
      ),
    );
    // With the chain that put the new member in, as `nizza tcb` explains it.
    expect(regressions(base, grown)).toContain("gate.nizza: TCB(client) grew by logger (logger serves logger.log, whose reply client.main binds)");
    // More code in the server: every TCB with the server in it grows.
    const bigger = run(scenario({ sloc: 1500 }));
    expect(regressions(base, bigger)).toEqual([expect.stringMatching(/^gate\.nizza: TCB\(server\) grew from [\d,]+ to [\d,]+ SLOC$/), expect.stringMatching(/^gate\.nizza: TCB\(client\) grew from [\d,]+ to [\d,]+ SLOC$/)]);
  });

  it("fails a path measured before and no longer: its end no longer follows its start, or its start no longer happens", () => {
    // Before, a path whose figures became none passed the gate.
    const noReply = run(scenario().replace("reply x } }", "} }"));
    expect(regressions(base, noReply)).toContain("gate.nizza: path rt was measured (best 576 cycles) and is no longer: the end event no longer follows the start event");
    const noCall = run(scenario().replace("thread main { call server.rpc(1) -> r }", "thread main { call sigma0.pf(1) -> r }").replace("caps { server.rpc: call }", "caps { server.rpc: call; sigma0.pf: call }"));
    expect(regressions(base, noCall)).toContain("gate.nizza: path rt was measured (best 576 cycles) and is no longer: its start event no longer happens in any state explored");
  });

  it("fails a path that got slower beyond the tolerance, naming the path and both figures", () => {
    const slower = run(scenario({ serverWork: "call sigma0.pf(2) -> y;" }));
    const found = regressions(base, slower);
    expect(found.some((r) => /^gate\.nizza: path rt's best case went from 576 to [\d,]+ cycles \(\+[\d.]+ %\)$/.test(r))).toBe(true);
    // With a tolerance larger than the slow-down, the same run passes as far as paths go.
    expect(regressions(base, slower, 10_000).filter((r) => r.includes("path rt"))).toEqual([]);
  });

  it("says how much a figure grew so that it reads above the tolerance it passed, and growth from 0 as such", () => {
    // 3,262 -> 3,916 is 20.049 %: with tolerance 20, "+20.0 %" would read as within it.
    expect(growth(3262, 3916, 0)).toBe("+20.0 %");
    expect(growth(3262, 3916, 20)).toBe("+20.05 %");
    expect(growth(100, 150, 20)).toBe("+50.0 %");
    expect(growth(0, 576, 50)).toBe("from 0");
  });

  it("fails an invariant whose verdict got worse", () => {
    // The spy is given read access to the server's secret: the secret flows to it.
    const broken = run(scenario({ clientCaps: "", guard: "x", serverWork: "" }).replace("component spy : untrusted { adversary steps 1 }", "component spy : untrusted { caps { server.secret: r }; adversary steps 1 }"));
    expect(regressions(base, broken)).toContain("gate.nizza: invariant secret was holds (as expected), now violated (not as expected)");
  });

  it("fails what is no longer checked: a scenario with errors, a missing invariant", () => {
    const errors: Report = { tool: { name: "nizza", version: "test" }, scenarios: [{ file: "gate.nizza", result: null, errors: [], exit: 2 }], exit: 2 };
    expect(regressions(base, errors)).toEqual(["gate.nizza: has errors now, so nothing in it was checked"]);
    const without = run(scenario().replace("  invariant secret: never flows([key] -> spy)\n", ""));
    expect(regressions(base, without)).toEqual(["gate.nizza: invariant secret is no longer checked"]);
  });

  it("refuses what is not a baseline", () => {
    expect(parseBaseline("{")).toMatch(/^not JSON/);
    expect(parseBaseline("{}")).toMatch(/not a nizza baseline/);
    expect(parseBaseline('{"nizzaBaseline": 99, "scenarios": {}}')).toMatch(/format 99/);
    expect(parseBaseline('{"nizzaBaseline": "1", "scenarios": {}}')).toMatch(/format "1"/);
  });

  it("refuses a baseline of the wrong shape, naming where, instead of crashing or comparing nonsense", () => {
    const good = { invariants: { i: { verdict: "holds", met: true } }, tcb: { c: { members: ["c"], sloc: 5 } }, paths: { p: { preset: "nova", best: 1, worst: "unbounded" } } };
    const withScenario = (sc: unknown): string => JSON.stringify({ nizzaBaseline: 1, scenarios: { "a.nizza": sc } });
    const edit = (f: (sc: Record<string, Record<string, Record<string, unknown>>>) => void): string => {
      const sc = structuredClone(good) as unknown as Record<string, Record<string, Record<string, unknown>>>;
      f(sc);
      return withScenario(sc);
    };
    expect(parseBaseline(withScenario(good))).not.toBeTypeOf("string");
    const cases: [string, string][] = [
      [withScenario(null), 'scenarios["a.nizza"]: expected an object, not null'],
      [withScenario([]), 'scenarios["a.nizza"]: expected an object, not []'],
      [JSON.stringify({ nizzaBaseline: 1, scenarios: [] }), "scenarios: expected an object, not []"],
      [edit((s) => (s.invariants = null as never)), 'scenarios["a.nizza"]["invariants"]: expected an object, not null'],
      [edit((s) => (s.invariants.i = null as never)), 'scenarios["a.nizza"]["invariants"]["i"]: expected an object, not null'],
      [edit((s) => (s.invariants.i!.verdict = "bogus")), '["verdict"]: expected "holds", "violated" or "incomplete", not "bogus"'],
      [edit((s) => (s.invariants.i!.met = null)), '["met"]: expected true or false, not null'],
      [edit((s) => (s.tcb.c!.members = 5)), '["members"]: expected a list of component names, not 5'],
      [edit((s) => (s.tcb.c!.sloc = -1)), '["sloc"]: expected a count, not -1'],
      [edit((s) => (s.paths.p!.worst = "abc")), '["worst"]: expected a cycle count, "unbounded" or null, not "abc"'],
      [edit((s) => (s.paths.p!.best = "1")), '["best"]: expected a cycle count or null, not "1"'],
    ];
    for (const [text, message] of cases) expect(parseBaseline(text)).toContain(message);
  });
});

describe("nizza check --baseline", () => {
  const dir = scratch({ "gate.nizza": scenario() });
  const file = join(dir, "gate.nizza");
  const baseline = join(dir, "baseline.json");

  it("records with --update-baseline, passes against it, and fails with exit 1 naming each regression", () => {
    expect(nizza(["check", file, "--baseline", baseline, "--update-baseline"]).code).toBe(0);
    expect(JSON.parse(readFileSync(baseline, "utf8")).nizzaBaseline).toBe(1);
    const same = nizza(["check", file, "--baseline", baseline]);
    expect(same.code).toBe(0);
    expect(same.err).toContain("no regression against the baseline");
    writeFileSync(file, scenario({ sloc: 1500, serverWork: "call sigma0.pf(2) -> y;" }));
    const worse = nizza(["check", file, "--baseline", baseline]);
    expect(worse.code).toBe(1);
    expect(worse.err).toMatch(/regressions against the baseline/);
    expect(worse.err).toContain("TCB(server) grew from");
    expect(worse.err).toContain("path rt's best case went from 576");
    expect(nizza(["check", file, "--baseline", baseline, "--tolerance", "100000"]).err).not.toContain("path rt");
  });

  it("puts a regression in every report, with the run's exit code, not only on stderr", () => {
    const d = scratch({ "gate.nizza": scenario() });
    const f = join(d, "gate.nizza");
    const b = join(d, "b.json");
    expect(nizza(["check", f, "--baseline", b, "--update-baseline"]).code).toBe(0);
    // Slower, and no invariant or budget fails: the regression alone fails the run.
    writeFileSync(f, scenario({ serverWork: "call sigma0.pf(2) -> y;" }));
    const out = (x: string): string => join(d, x);
    const r = nizza(["check", f, "--baseline", b, "--format", "json", "--output", out("r.json"), "--format", "sarif", "--output", out("r.sarif"), "--format", "junit", "--output", out("r.xml"), "--format", "markdown", "--output", out("r.md"), "--format", "html", "--output", out("r.html")]);
    expect(r.code, r.err).toBe(1);
    const json = JSON.parse(readFileSync(out("r.json"), "utf8"));
    expect(json.exit).toBe(1);
    expect(json.scenarios[0].exit).toBe(0);
    expect(json.baseline.file).toBe(b);
    expect(json.baseline.regressions).toEqual([expect.stringMatching(/path rt's best case went from 576/), expect.stringMatching(/path rt's worst case went from/)]);
    const sarif = JSON.parse(readFileSync(out("r.sarif"), "utf8")).runs[0].invocations[0];
    expect(sarif.exitCode).toBe(1);
    expect(sarif.toolExecutionNotifications[0].message.text).toMatch(/^regression against the baseline .*path rt's best case went from 576/);
    expect(readFileSync(out("r.xml"), "utf8")).toMatch(/<failure message="[^"]*path rt&apos;s best case went from 576[^"]*" type="regression">/);
    expect(readFileSync(out("r.md"), "utf8")).toMatch(/^## ✗ nizza check: failed[\s\S]*\*\*2 regressions against the baseline/);
    expect(readFileSync(out("r.html"), "utf8")).toMatch(/<h1>✗ nizza check: failed<\/h1>[\s\S]*2 regressions against the baseline/);
    const text = nizza(["check", f, "--baseline", b, "--format", "text", "--output", out("r.txt")]);
    expect(text.code).toBe(1);
    expect(readFileSync(out("r.txt"), "utf8")).toMatch(/2 regressions against the baseline .*\n  .*path rt's best case went from 576/);
    // Without a regression, the reports say so, and the run passes.
    writeFileSync(f, scenario());
    const ok = nizza(["check", f, "--baseline", b, "--format", "json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).baseline).toEqual({ file: b, regressions: [], notCompared: [] });
    expect(JSON.parse(nizza(["check", f, "--format", "json"]).out).baseline).toBeNull();
  });

  it("refuses a missing baseline, --update-baseline without --baseline and a bad tolerance with exit 2, before exploring", () => {
    expect(nizza(["check", file, "--baseline", join(dir, "nope.json")]).err).toContain("cannot read");
    expect(nizza(["check", file, "--update-baseline"]).code).toBe(2);
    expect(nizza(["check", file, "--baseline", baseline, "--tolerance", "-5"]).code).toBe(2);
  });
});

describe("nizza check --baseline: keys", () => {
  /** A folder `sub` with two scenarios; the run's folder is its parent. */
  function setUp(): { top: string; sub: string } {
    const top = scratch({});
    const sub = join(top, "sub");
    mkdirSync(sub);
    writeFileSync(join(sub, "v.nizza"), scenario());
    writeFileSync(join(sub, "w.nizza"), scenario({ sloc: 2000 }));
    return { top, sub };
  }

  it("keys scenarios by path from the baseline's folder, so that ./v.nizza, an absolute path and another working folder match", () => {
    const { top, sub } = setUp();
    const rec = nizza(["check", "v.nizza", "w.nizza", "--baseline", "b.json", "--update-baseline"], sub);
    expect(rec.code, rec.err).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(join(sub, "b.json"), "utf8")).scenarios)).toEqual(["v.nizza", "w.nizza"]);
    for (const [args, cwd] of [
      [["./v.nizza", "./w.nizza", "--baseline", "b.json"], sub],
      [["sub/v.nizza", "sub/w.nizza", "--baseline", "sub/b.json"], top],
      [[join(sub, "v.nizza"), join(sub, "w.nizza"), "--baseline", "./sub/../sub/b.json"], top],
      [["sub", "--baseline", join(sub, "b.json")], top],
    ] as const) {
      const r = nizza(["check", ...args], cwd);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
      expect(r.err).toContain("no regression against the baseline");
    }
    // A baseline in another folder: keys lead there, with forward slashes.
    mkdirSync(join(top, "ci"));
    expect(nizza(["check", "sub", "--baseline", "ci/b.json", "--update-baseline"], top).code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(join(top, "ci", "b.json"), "utf8")).scenarios)).toEqual(["../sub/v.nizza", "../sub/w.nizza"]);
    expect(nizza(["check", "./v.nizza", "w.nizza", "--baseline", "../ci/b.json"], sub).code).toBe(0);
    // The scenarios are compared, not just found: a regression under another spelling still fails.
    writeFileSync(join(sub, "w.nizza"), scenario({ sloc: 2500 }));
    const worse = nizza(["check", "./sub/v.nizza", "./sub/w.nizza", "--baseline", "ci/b.json"], top);
    expect(worse.code).toBe(1);
    expect(worse.err).toMatch(/\.\/sub\/w\.nizza: TCB\(server\) grew from [\d,]+ to [\d,]+ SLOC/);
  });

  it("compares a run of some of the baseline's scenarios on those, names the others as not compared, and fails on a scenario whose file is gone", () => {
    const { sub } = setUp();
    expect(nizza(["check", "v.nizza", "w.nizza", "--baseline", "b.json", "--update-baseline"], sub).code).toBe(0);
    const some = nizza(["check", "./v.nizza", "--baseline", "b.json"], sub);
    expect(some.code, some.err).toBe(0);
    expect(some.err).toContain("nizza: 1 scenario of the baseline not checked in this run, so not compared: w.nizza");
    expect(some.err).toContain("no regression against the baseline");
    writeFileSync(join(sub, "v.nizza"), scenario({ sloc: 1500 }));
    const worse = nizza(["check", "./v.nizza", "--baseline", "b.json"], sub);
    expect(worse.code).toBe(1);
    expect(worse.err).toContain("./v.nizza: TCB(server) grew from");
    // w.nizza renamed: the baseline's scenario is gone, and nothing guards it any more.
    renameSync(join(sub, "w.nizza"), join(sub, "w2.nizza"));
    const gone = nizza(["check", "w2.nizza", "--baseline", "b.json"], sub);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain("w.nizza: was not checked in this run, and there is no such file (record the baseline again if it was removed or renamed)");
  });

  it("reads a baseline written before, keyed relative to the working folder it was recorded in: a key that leads to a scenario matches it", () => {
    const { top, sub } = setUp();
    expect(nizza(["check", "v.nizza", "--baseline", "b.json", "--update-baseline"], sub).code).toBe(0);
    // As an older nizza recorded it from `top`: the key is the path as typed there.
    const old = JSON.parse(readFileSync(join(sub, "b.json"), "utf8"));
    old.scenarios = { "sub/v.nizza": old.scenarios["v.nizza"] };
    writeFileSync(join(sub, "b.json"), JSON.stringify(old));
    const same = nizza(["check", "./sub/v.nizza", "--baseline", "sub/b.json"], top);
    expect(same.code, same.err).toBe(0);
    expect(same.err).toContain("no regression against the baseline");
    writeFileSync(join(sub, "v.nizza"), scenario({ sloc: 1500 }));
    expect(nizza(["check", "sub/v.nizza", "--baseline", "sub/b.json"], top).err).toContain("sub/v.nizza: TCB(server) grew from");
    // From another folder the old key leads nowhere: as before, it is not matched.
    expect(nizza(["check", "v.nizza", "--baseline", "b.json"], sub).err).toContain("sub/v.nizza: was not checked in this run");
  });
});
