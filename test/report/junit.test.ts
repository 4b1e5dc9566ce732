// The JUnit report parsed back with an XML parser: counts that agree with the verdicts, names, traces, escaping.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { check, invariantsOf, type CheckResult, type InvariantResult } from "../../src/checker/check.js";
import { renderJunit } from "../../src/report/junit.js";
import { type Report } from "../../src/report/model.js";
import type { PathResult } from "../../src/timing/measure.js";
import { mixedRun, report } from "./runs.js";

type Node = Record<string, unknown>;
const ARRAYS = new Set(["testsuite", "testcase", "property", "failure", "error", "skipped"]);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, trimValues: false, isArray: (name) => ARRAYS.has(name) });

function parse(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  return (parser.parse(xml) as { testsuites: Node }).testsuites;
}
const suitesOf = (root: Node): Node[] => root["testsuite"] as Node[];
const casesOf = (suite: Node): Node[] => (suite["testcase"] as Node[] | undefined) ?? [];
const text = (x: unknown): string => (typeof x === "string" ? x : String((x as Node)["#text"] ?? ""));
const num = (n: Node, a: string): number => Number(n[`@_${a}`]);

const label = (i: InvariantResult): string => `${i.name ? `${i.name}: ` : ""}${i.text}`;
const failed = (r: CheckResult): number =>
  invariantsOf(r).filter((i) => i.verdict !== "incomplete" && !i.met).length + r.paths.filter((p: PathResult) => p.verdict === "violated").length;
const incomplete = (r: CheckResult): number => invariantsOf(r).filter((i) => i.verdict === "incomplete").length + r.paths.filter((p) => p.verdict === "incomplete").length;

describe("renderJunit", () => {
  let rep: Report;
  let root: Node;
  beforeAll(() => {
    rep = mixedRun({ unmet: true });
    root = parse(renderJunit(rep));
  });

  it("runs every scenario but the broken one", () => {
    expect(rep.scenarios.map((s) => s.result !== null)).toEqual([true, true, true, true, true, true, true, false]);
    expect(rep.scenarios.map((s) => s.exit)).toEqual([0, 1, 1, 1, 3, 1, 0, 2]);
  });

  it("has a suite per scenario, named by its file, with the system as a property", () => {
    expect(root["@_name"]).toBe("nizza");
    const suites = suitesOf(root);
    expect(suites.map((s) => s["@_name"])).toEqual(rep.scenarios.map((s) => s.file));
    suites.forEach((s, k) => {
      const props = Object.fromEntries(((s["properties"] as Node)["property"] as Node[]).map((p) => [p["@_name"], p["@_value"]]));
      const r = rep.scenarios[k]!.result;
      if (r) expect(props["system"]).toBe(r.system);
      expect(props["exit"]).toBe(String(rep.scenarios[k]!.exit));
    });
  });

  it("counts tests, failures, skipped and errors as the verdicts say, per suite and in all", () => {
    const suites = suitesOf(root);
    let tests = 0;
    suites.forEach((s, k) => {
      const sc = rep.scenarios[k]!;
      const cases = casesOf(s);
      expect(num(s, "tests")).toBe(cases.length);
      expect(num(s, "failures")).toBe(cases.filter((c) => c["failure"]).length);
      expect(num(s, "skipped")).toBe(cases.filter((c) => c["skipped"]).length);
      expect(num(s, "errors")).toBe(cases.filter((c) => c["error"]).length);
      tests += cases.length;
      const r = sc.result;
      if (!r) {
        expect(num(s, "errors")).toBe(1);
        expect(num(s, "tests")).toBe(1);
        return;
      }
      expect(num(s, "tests")).toBe(invariantsOf(r).length + r.paths.length);
      expect(num(s, "failures")).toBe(failed(r));
      expect(num(s, "skipped")).toBe(incomplete(r));
      expect(num(s, "errors")).toBe(0);
      // A suite with a failure is a scenario that exits 1; with only skipped ones, 3.
      expect(num(s, "failures") > 0).toBe(sc.exit === 1);
      if (sc.exit === 3) expect(num(s, "skipped")).toBeGreaterThan(0);
      expect(num(s, "time")).toBeCloseTo((r.stats.elapsedMs + (r.pathStats?.elapsedMs ?? 0)) / 1000, 2);
    });
    expect(num(root, "tests")).toBe(tests);
    for (const a of ["failures", "skipped", "errors"]) expect(num(root, a)).toBe(suites.reduce((t, s) => t + num(s, a), 0));
    // The runs cover every kind of verdict.
    for (const a of ["failures", "skipped", "errors"]) expect(num(root, a)).toBeGreaterThan(0);
  });

  it("names a test case by the invariant as written (with its name), a path as `path NAME: ...`, classed by system", () => {
    rep.scenarios.forEach((sc, k) => {
      const r = sc.result;
      if (!r) return;
      const cases = casesOf(suitesOf(root)[k]!);
      expect(cases.map((c) => c["@_name"])).toEqual([...invariantsOf(r).map(label), ...r.paths.map((p) => `path ${p.name}: ${p.text}`)]);
      for (const c of cases) expect(c["@_classname"]).toBe(r.system);
    });
    const rep0 = casesOf(suitesOf(root)[1]!).map((c) => c["@_name"]);
    expect(rep0).toEqual(["every assert statement holds", "leak: never flows([secret] -> client)", "tcb(server) <= { sigma0, server }", "never flows([secret] -> client)"]);
  });

  it("gives a violated invariant a failure with its reason and the counterexample's numbered steps and source lines", () => {
    const sc = rep.scenarios[1]!;
    const inv = sc.result!.invariants[0]!;
    const c = casesOf(suitesOf(root)[1]!).find((x) => x["@_name"] === label(inv))!;
    const f = (c["failure"] as Node[])[0]!;
    expect(f["@_message"]).toBe(inv.counterexample!.reason);
    expect(f["@_type"]).toBe("violated");
    const body = text(f);
    inv.counterexample!.steps.forEach((st, i) => {
      expect(body).toContain(`${i + 1}  ${st.text}`);
      if (st.at) expect(body).toContain(st.at);
    });
    expect(body).toMatch(/client\[0\]\.main: call server\.rpc\(1\) -> r: blocks {3}\(rep\.nizza:\d+:\d+\)/);
    // The expected violation passes, with its trace in its output.
    const expected = casesOf(suitesOf(root)[1]!)[3]!;
    expect(expected["failure"]).toBeUndefined();
    expect(text(expected["system-out"])).toContain("violated, as expected");
  });

  it("fails an unmet `expect violated`, marks a lasso's loop, and skips an incomplete verdict", () => {
    const unmet = casesOf(suitesOf(root)[2]!)[0]!;
    expect(unmet["@_name"]).toBe("calm: deadlock_free");
    expect((unmet["failure"] as Node[])[0]!["@_message"]).toBe("holds, but was expected to be violated");
    const lasso = text((casesOf(suitesOf(root)[3]!)[0]!["failure"] as Node[])[0]);
    expect(lasso).toContain("-- from here the system loops for ever --");
    expect(lasso).toMatch(/-- and back to step \d+ --/);
    // Where the run gets stuck is marked too, before the loop (which runs among stuck states).
    expect(lasso.indexOf("-- from here on the server never waits for requests again --")).toBeGreaterThan(-1);
    expect(lasso.indexOf("-- from here on the server never waits for requests again --")).toBeLessThan(lasso.indexOf("-- from here the system loops for ever --"));
    for (const c of casesOf(suitesOf(root)[4]!)) expect((c["skipped"] as Node[])[0]!["@_message"]).toMatch(/^incomplete: .*state bound/);
  });

  it("has a test case per path: passed with best and worst in its output, or failed over its budget with the worst case's trace", () => {
    const ipc = rep.scenarios[5]!.result!;
    const cases = casesOf(suitesOf(root)[5]!);
    const rt = cases.find((c) => c["@_name"] === `path round_trip: ${ipc.paths[0]!.text}`)!;
    const f = (rt["failure"] as Node[])[0]!;
    expect(f["@_type"]).toBe("over-budget");
    expect(f["@_message"]).toMatch(/over the budget of 1,000/);
    expect(text(f)).toMatch(/\+[\d,]+ cycles/);
    const pf = cases.find((c) => String(c["@_name"]).startsWith("path page_fault: "))!;
    expect(pf["failure"]).toBeUndefined();
    expect(text(pf["system-out"])).toMatch(/nova: best 876 cycles \(.*kernelEntry.*\), worst [\d,]+ cycles/);
    // Without a budget an unbounded worst case passes (measured, not judged), with its loop in the output.
    const starved = casesOf(suitesOf(root)[6]!).find((c) => String(c["@_name"]).startsWith("path starved: "))!;
    expect(starved["failure"]).toBeUndefined();
    expect(text(starved["system-out"])).toMatch(/worst unbounded[\s\S]*from here this loop can repeat for ever/);
  });

  it("puts the TCB sets in the suite's output and a scenario's errors in one located error", () => {
    expect(text(suitesOf(root)[4]!["system-out"])).toContain("TCB(server) = { kernel, sigma0, server }  2,000 SLOC");
    const broken = suitesOf(root)[7]!;
    const e = (casesOf(broken)[0]!["error"] as Node[])[0]!;
    expect(e["@_type"]).toBe("E0106");
    expect(e["@_message"]).toContain(`unknown escape '\\v'`);
    expect(text(e)).toContain(`broken.nizza:2:26: error[E0106]: unknown escape '\\v' in a string: the escapes are \\" and \\\\`);
  });

  it("keeps special characters through a round trip and drops those XML 1.0 forbids", () => {
    const sc = rep.scenarios[1]!;
    const r = sc.result!;
    const nasty = `a & b < c > d "e" 'f' ]]> \u0001\uFFFE é 🙂`;
    const kept = `a & b < c > d "e" 'f' ]]>  é 🙂`;
    const inv = r.invariants[0]!;
    const cx = inv.counterexample!;
    const odd: InvariantResult = {
      ...inv,
      name: null,
      text: nasty,
      counterexample: { ...cx, reason: `why ${nasty}`, steps: cx.steps.map((s, i) => (i === 0 ? { ...s, text: `step ${nasty}` } : s)) },
    };
    const xml = renderJunit(report([{ ...sc, result: { ...r, invariants: [odd] } }]));
    expect(xml).not.toMatch(/[\u0001\uFFFE]/);
    const c = casesOf(suitesOf(parse(xml))[0]!).find((x) => x["@_name"] === kept)!;
    expect(c).toBeDefined();
    const f = (c["failure"] as Node[])[0]!;
    expect(f["@_message"]).toBe(`why ${kept}`);
    expect(text(f)).toContain(`step ${kept}`);
  });
});
