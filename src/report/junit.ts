// The JUnit XML report: a test suite per scenario, a test case per invariant and per path, for CI test tabs.
import pc from "picocolors";
import { invariantsOf, type CheckResult, type Counterexample, type InvariantResult } from "../checker/check.js";
import type { PathResult } from "../timing/measure.js";
import type { BaselineOutcome, Report, ScenarioError, ScenarioOutcome } from "./model.js";
import { breakdownText, cyclesText, pathFailure } from "./paths.js";
import { BOUND_TEXT } from "./text.js";

/** The path helpers of paths.ts, without colour. */
export const PLAIN = pc.createColors(false);


/** How a judged item (an invariant, the asserts, a path) came out, for every report that counts them. */
export type Outcome = "passed" | "failed" | "incomplete";

export function invariantOutcome(inv: InvariantResult): Outcome {
  return inv.verdict === "incomplete" ? "incomplete" : inv.met ? "passed" : "failed";
}

export function pathOutcome(p: PathResult): Outcome {
  return p.verdict === "incomplete" ? "incomplete" : p.verdict === "violated" ? "failed" : "passed";
}

/** `name: text` as the scenario writes it (without `invariant` and its expectation). */
export function invariantLabel(inv: InvariantResult): string {
  return `${inv.name ? `${inv.name}: ` : ""}${inv.text}`;
}

/** The verdict against the expectation, in words (as in the text report). */
export function verdictText(inv: InvariantResult): string {
  if (inv.verdict === "incomplete") return "incomplete: no violation in the states explored";
  if (inv.expect === "violated") return inv.verdict === "violated" ? "violated, as expected" : "holds, but was expected to be violated";
  return inv.verdict === "holds" ? "holds" : "violated";
}

/** A counterexample as plain text: a heading, the numbered steps with their source lines, the loop, and why. */
export function counterexampleLines(inv: InvariantResult, cx: Counterexample): string[] {
  const head = `${inv.met ? "expected violation" : "counterexample"} of ${invariantLabel(inv)} (${inv.at}), ${cx.steps.length} step${cx.steps.length === 1 ? "" : "s"}:`;
  return [head, ...traceSteps(cx), `why: ${cx.reason}`];
}

/**
 * A counterexample's numbered steps with their source lines (`dim` for those and the marks),
 * marked where an `available` trace gets stuck and where its loop starts and closes.
 */
export function traceSteps(cx: Counterexample, dim: (s: string) => string = (s) => s): string[] {
  const out: string[] = [];
  const width = String(cx.steps.length).length;
  const mark = (text: string): number => out.push(`  ${" ".repeat(width)}  ${dim(`-- ${text} --`)}`);
  const stuck = "from here on the server never waits for requests again";
  cx.steps.forEach((st, i) => {
    if (cx.stuckFrom === i) mark(stuck);
    if (cx.loopsTo === i) mark("from here the system loops for ever");
    out.push(`  ${String(i + 1).padStart(width)}  ${st.text}${st.at ? dim(`   (${st.at})`) : ""}`);
  });
  if (cx.stuckFrom === cx.steps.length) mark(stuck);
  if (cx.loopsTo !== null) mark(`and back to step ${cx.loopsTo + 1}`);
  return out;
}

/** A path's figures per preset: best and worst cycles with their breakdowns, and its budget. */
export function pathFigures(p: PathResult): string[] {
  const out = [`path ${p.name}: ${p.text} (${p.at})${p.budget === null ? ", no budget: measured, not judged" : `, budget ${p.budget.toLocaleString("en-US")} cycles`}`];
  if (p.timings.length === 0) out.push(p.reason ?? "not measured");
  else if (!p.observed) out.push("never happens: no state explored has the start event");
  for (const t of p.observed ? p.timings : []) {
    const worst = cyclesText(t.worst);
    out.push(`${t.preset}: best ${cyclesText(t.best)} cycles${t.best ? ` (${breakdownText(t.best)})` : ""}, worst ${worst}${worst === "unbounded" ? "" : " cycles"}${t.worst && !("unbounded" in t.worst) ? ` (${breakdownText(t.worst)})` : ""}`);
  }
  return out;
}

/** The trace of a path's worst case when it breaks its budget or is unbounded (paths.ts's, plain); empty otherwise. */
export function pathTraceLines(p: PathResult): string[] {
  const lines = pathFailure(p, PLAIN);
  // The heading and the reason flush left, the steps indented under them (as for counterexamples).
  return lines.map((l, i) => (i === 0 || i === lines.length - 1 ? l.replace(/^ {2}/, "") : l));
}

/** A scenario error as one line: `file:line:col: error[E0106]: message (help)`. */
export function errorLine(e: ScenarioError, file: string): string {
  const at = e.at ? `${e.at.file}:${e.at.line}:${e.at.column}` : file;
  return `${at}: ${e.severity}[${e.code}]: ${e.message}${e.help ? ` (help: ${e.help})` : ""}`;
}

// --- XML ------------------------------------------------------------------------------------

/** Characters XML 1.0 does not allow anywhere (controls but tab, newline and return; lone surrogates; U+FFFE, U+FFFF). */
const FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text content: `&`, `<`, `>` escaped (and quotes, so the same function serves attributes); forbidden characters dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(FORBIDDEN, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * An attribute value: on one line (a parser would turn line breaks into spaces anyway, and CI
 * tools show a message on one line), escaped.
 */
function attr(s: string): string {
  return xmlEscape(s.replace(/\s*[\r\n]+\s*/g, " ").replace(/\t/g, " "));
}

function attrs(a: Record<string, string | number | null | undefined>): string {
  return Object.entries(a)
    .filter((kv): kv is [string, string | number] => kv[1] !== null && kv[1] !== undefined)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join("");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** A test case's verdict element, or null when it passed. */
type Verdict =
  | { readonly kind: "failure"; readonly message: string; readonly type: string; readonly text: string }
  | { readonly kind: "error"; readonly message: string; readonly type: string; readonly text: string }
  | { readonly kind: "skipped"; readonly message: string };

interface TestCase {
  readonly name: string;
  readonly classname: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly verdict: Verdict | null;
  readonly out: string | null;
}

interface Suite {
  readonly name: string;
  readonly properties: readonly (readonly [string, string])[];
  readonly cases: readonly TestCase[];
  readonly timeMs: number;
  readonly out: string | null;
}

/** `file:line:col` to its file and line, for the test case's attributes. */
function place(at: string): { file: string | null; line: number | null } {
  const m = /^(.*):(\d+):(\d+)$/.exec(at);
  return m ? { file: m[1]!, line: Number(m[2]) } : { file: null, line: null };
}

function invariantCase(inv: InvariantResult, r: CheckResult): TestCase {
  const where = place(inv.at);
  const base = { classname: r.system, name: invariantLabel(inv), ...where };
  const bound = r.stats.bound === null ? "" : ` (${BOUND_TEXT[r.stats.bound]})`;
  const cx = inv.counterexample ? counterexampleLines(inv, inv.counterexample).join("\n") : null;
  switch (invariantOutcome(inv)) {
    case "incomplete":
      return { ...base, verdict: { kind: "skipped", message: `${verdictText(inv)}${bound}` }, out: null };
    case "passed":
      // An expected violation passes: its trace is still worth reading.
      return { ...base, verdict: null, out: cx ? `${verdictText(inv)}\n\n${cx}` : null };
    case "failed":
      return inv.verdict === "violated"
        ? { ...base, verdict: { kind: "failure", type: "violated", message: inv.counterexample?.reason ?? "violated", text: cx ?? "violated" }, out: null }
        : {
            ...base,
            verdict: { kind: "failure", type: "expected-violation", message: verdictText(inv), text: `${invariantLabel(inv)} (${inv.at}) is expected to be violated, but no reachable state violates it` },
            out: null,
          };
  }
}

function pathCase(p: PathResult, r: CheckResult): TestCase {
  const where = place(p.at);
  const base = { classname: r.system, name: `path ${p.name}: ${p.text}`, ...where };
  const trace = pathTraceLines(p);
  const figures = pathFigures(p).join("\n");
  const out = trace.length ? `${figures}\n\n${trace.join("\n")}` : figures;
  switch (pathOutcome(p)) {
    case "incomplete": {
      const bound = r.pathStats?.bound ? BOUND_TEXT[r.pathStats.bound] : "the exploration was not complete";
      return { ...base, verdict: { kind: "skipped", message: `incomplete: ${p.reason ?? bound}` }, out: figures };
    }
    case "passed":
      return { ...base, verdict: null, out };
    case "failed": {
      const worst = p.timings[0]?.worst;
      const type = worst && "unbounded" in worst ? "unbounded" : "over-budget";
      return { ...base, verdict: { kind: "failure", type, message: p.reason ?? "over budget", text: out }, out: null };
    }
  }
}

/** Test case names unique within a suite: a repeated one gets its line. */
function unique(cases: readonly TestCase[]): TestCase[] {
  const seen = new Map<string, number>();
  for (const c of cases) seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
  return cases.map((c) => (seen.get(c.name)! > 1 && c.line !== null ? { ...c, name: `${c.name} (line ${c.line})` } : c));
}

function resultSuite(s: ScenarioOutcome, r: CheckResult, version: string): Suite {
  const st = r.stats;
  const cases = unique([...invariantsOf(r).map((i) => invariantCase(i, r)), ...r.paths.map((p) => pathCase(p, r))]);
  const out = [
    ...r.tcb.map((t) => `TCB(${t.component}) = { kernel, ${t.members.join(", ")} }  ${t.sloc.toLocaleString("en-US")} SLOC${r.tcbPartial ? " (of the states explored)" : ""}`),
    `${st.states.toLocaleString("en-US")} states, ${st.transitions.toLocaleString("en-US")} transitions, depth ${st.depth}, ${(st.elapsedMs / 1000).toFixed(2)} s; ${st.bound === null ? "every reachable state explored" : BOUND_TEXT[st.bound]}`,
  ];
  if (r.pathStats) out.push(`paths timed on ${r.pathStats.states.toLocaleString("en-US")} states, ${r.pathStats.transitions.toLocaleString("en-US")} transitions, ${(r.pathStats.elapsedMs / 1000).toFixed(2)} s`);
  return {
    name: s.file,
    properties: [
      ["system", r.system],
      ["exit", String(s.exit)],
      ["states", String(st.states)],
      ["transitions", String(st.transitions)],
      ["bound", st.bound ?? "none"],
      ["nizza", version],
    ],
    cases,
    timeMs: st.elapsedMs + (r.pathStats?.elapsedMs ?? 0),
    out: out.join("\n"),
  };
}

function errorSuite(s: ScenarioOutcome, version: string): Suite {
  const errors = s.errors.filter((e) => e.severity === "error");
  const first = errors[0] ?? s.errors[0];
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
  const c: TestCase = {
    classname: s.file,
    name: "compile",
    file: first?.at?.file ?? s.file,
    line: first?.at?.line ?? null,
    verdict: {
      kind: "error",
      type: first?.code ?? "error",
      message: first ? `${count}; the first: ${first.message}` : "the scenario could not be checked",
      text: s.errors.map((e) => errorLine(e, s.file)).join("\n") || "the scenario could not be checked",
    },
    out: null,
  };
  return { name: s.file, properties: [["exit", String(s.exit)], ["nizza", version]], cases: [c], timeMs: 0, out: null };
}

function count(cases: readonly TestCase[], kind: Verdict["kind"]): number {
  return cases.filter((c) => c.verdict?.kind === kind).length;
}

function totals(cases: readonly TestCase[]): Record<string, number> {
  return { tests: cases.length, failures: count(cases, "failure"), errors: count(cases, "error"), skipped: count(cases, "skipped") };
}

function caseXml(c: TestCase): string[] {
  const open = `    <testcase${attrs({ classname: c.classname, name: c.name, file: c.file, line: c.line })}`;
  if (!c.verdict && !c.out) return [`${open}/>`];
  const out = [`${open}>`];
  const v = c.verdict;
  if (v?.kind === "skipped") out.push(`      <skipped${attrs({ message: v.message })}/>`);
  else if (v) out.push(`      <${v.kind}${attrs({ message: v.message, type: v.type })}>${xmlEscape(v.text)}</${v.kind}>`);
  if (c.out) out.push(`      <system-out>${xmlEscape(c.out)}</system-out>`);
  out.push("    </testcase>");
  return out;
}

function suiteXml(s: Suite): string[] {
  const out = [`  <testsuite${attrs({ name: s.name, ...totals(s.cases), time: seconds(s.timeMs) })}>`, "    <properties>"];
  for (const [name, value] of s.properties) out.push(`      <property${attrs({ name, value })}/>`);
  out.push("    </properties>");
  for (const c of s.cases) out.push(...caseXml(c));
  if (s.out) out.push(`    <system-out>${xmlEscape(s.out)}</system-out>`);
  out.push("  </testsuite>");
  return out;
}

/**
 * The comparison with a baseline as a suite of its own: one failing case per regression, or one
 * passing case when there is none, so that a CI's test view fails with the run.
 */
function baselineSuite(b: BaselineOutcome, version: string): Suite {
  const name = `baseline ${b.file}`;
  const cases: TestCase[] = b.regressions.length
    ? b.regressions.map((r, k) => ({ classname: name, name: `regression ${k + 1}`, file: b.file, line: null, verdict: { kind: "failure", type: "regression", message: r, text: r }, out: null }))
    : [{ classname: name, name: "no regression", file: b.file, line: null, verdict: null, out: null }];
  const out = b.notCompared.length ? `not checked in this run, so not compared: ${b.notCompared.join(", ")}` : null;
  return { name, properties: [["nizza", version]], cases, timeMs: 0, out };
}

/** The whole run as JUnit XML: one `<testsuite>` per scenario, and one for the baseline when the run was compared with one. */
export function renderJunit(report: Report): string {
  const v = report.tool.version;
  const suites = report.scenarios.map((s) => (s.result ? resultSuite(s, s.result, v) : errorSuite(s, v)));
  if (report.baseline) suites.push(baselineSuite(report.baseline, v));
  const all = suites.flatMap((s) => s.cases);
  const time = suites.reduce((t, s) => t + s.timeMs, 0);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attrs({ name: report.tool.name, ...totals(all), time: seconds(time) })}>`,
    ...suites.flatMap(suiteXml),
    "</testsuites>",
    "",
  ].join("\n");
}
