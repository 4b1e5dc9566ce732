// Baselines: a recorded run passes against itself; a grown TCB, a slower path and a broken invariant each fail, named.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { exitOf } from "../../src/cli/commands/check.js";
import { compileText } from "../../src/dsl/compile.js";
import { baselineOf, baselineText, parseBaseline, regressions } from "../../src/report/baseline.js";
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

  it("fails a TCB that grew, naming the component and the member, or the SLOC", () => {
    // The client now calls a logger too: the logger joins its TCB.
    const grown = run(
      scenario({ clientCaps: "; logger.log: call", extra: "  component logger : trusted { sloc 200; portal log; thread t { loop { recv log -> m; reply m } } }" }).replace(
        "thread main { call server.rpc(1) -> r }",
        "thread main { call server.rpc(1) -> r; call logger.log(2) -> q }",
      ),
    );
    expect(regressions(base, grown)).toContain("gate.nizza: TCB(client) grew by logger");
    // More code in the server: every TCB with the server in it grows.
    const bigger = run(scenario({ sloc: 1500 }));
    expect(regressions(base, bigger)).toEqual([expect.stringMatching(/^gate\.nizza: TCB\(server\) grew from [\d,]+ to [\d,]+ SLOC$/), expect.stringMatching(/^gate\.nizza: TCB\(client\) grew from [\d,]+ to [\d,]+ SLOC$/)]);
  });

  it("fails a path that got slower beyond the tolerance, naming the path and both figures", () => {
    const slower = run(scenario({ serverWork: "call sigma0.pf(2) -> y;" }));
    const found = regressions(base, slower);
    expect(found.some((r) => /^gate\.nizza: path rt's best case went from 576 to [\d,]+ cycles \(\+[\d.]+ %\)$/.test(r))).toBe(true);
    // With a tolerance larger than the slow-down, the same run passes as far as paths go.
    expect(regressions(base, slower, 10_000).filter((r) => r.includes("path rt"))).toEqual([]);
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

  it("refuses a missing baseline, --update-baseline without --baseline and a bad tolerance with exit 2, before exploring", () => {
    expect(nizza(["check", file, "--baseline", join(dir, "nope.json")]).err).toContain("cannot read");
    expect(nizza(["check", file, "--update-baseline"]).code).toBe(2);
    expect(nizza(["check", file, "--baseline", baseline, "--tolerance", "-5"]).code).toBe(2);
  });
});
