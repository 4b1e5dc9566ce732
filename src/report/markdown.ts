// The Markdown report: a summary table, then per scenario its verdicts and a Mermaid sequence diagram per trace (GitHub PR comments, CI job summaries).
import { invariantsOf, type CheckResult, type InvariantResult } from "../checker/check.js";
import type { PathResult } from "../timing/measure.js";
import type { Report, ScenarioOutcome } from "./model.js";
import { cyclesText } from "./paths.js";
import { BOUND_TEXT } from "./text.js";
import { counterexampleLines, errorLine, invariantLabel, invariantOutcome, pathOutcome, pathTraceLines, verdictText, type Outcome } from "./junit.js";
import { sequenceDiagram } from "./mermaid.js";

const n = (x: number): string => x.toLocaleString("en-US");

const MARK: Record<Outcome, string> = { passed: "✓", failed: "✗", incomplete: "?" };

/** Exit codes in words (DESIGN.md §9). */
const EXIT_TEXT: Record<number, string> = { 0: "ok", 1: "failed", 2: "error", 3: "incomplete" };
const EXIT_MARK: Record<number, string> = { 0: "✓", 1: "✗", 2: "⚠", 3: "?" };

function exitText(code: number): string {
  return `${EXIT_MARK[code] ?? ""} ${code} ${EXIT_TEXT[code] ?? ""}`.trim();
}

/** Prose: Markdown's and HTML's special characters escaped, on one line. */
export function mdText(s: string): string {
  return s
    .replace(/\s+/g, " ")
    .replace(/[\\`*_[\]|~#>]/g, (ch) => `\\${ch}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;");
}

/**
 * A code span: fenced with more backticks than the text holds. In a table cell `|` is escaped
 * (GFM splits cells before it reads code spans, and renders `\|` in one as `|`).
 */
export function code(s: string, inTable = false): string {
  const text = s.replace(/\s+/g, " ");
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${inTable ? text.replace(/\|/g, "\\|") : text}${pad}${fence}`;
}

/** A fenced block whose fence no line of `body` can close. */
function fenced(info: string, body: string): string[] {
  const runs = body.match(/`{3,}/g) ?? [];
  const fence = "`".repeat(Math.max(2, ...runs.map((r) => r.length)) + 1);
  return [`${fence}${info}`, ...body.replace(/\n$/, "").split("\n"), fence];
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** The judged items of a result: every invariant, and each path with a budget (one without is measured, not judged). */
function outcomes(r: CheckResult): Outcome[] {
  return [...invariantsOf(r).map(invariantOutcome), ...r.paths.filter((p) => p.budget !== null).map(pathOutcome)];
}

function summary(report: Report): string[] {
  const lines = [row(["Scenario", "System", "✓", "✗", "?", "States", "Time", "Exit"]), row(["---", "---", "--:", "--:", "--:", "--:", "--:", "---"])];
  for (const s of report.scenarios) {
    const r = s.result;
    if (!r) {
      const errors = s.errors.filter((e) => e.severity === "error").length;
      lines.push(row([code(s.file, true), "—", "—", "—", "—", "—", "—", `${exitText(s.exit)} (${errors} scenario error${errors === 1 ? "" : "s"})`]));
      continue;
    }
    const o = outcomes(r);
    const k = (x: Outcome): string => String(o.filter((y) => y === x).length);
    const ms = r.stats.elapsedMs + (r.pathStats?.elapsedMs ?? 0);
    lines.push(row([code(s.file, true), code(r.system, true), k("passed"), k("failed"), k("incomplete"), n(r.stats.states), `${(ms / 1000).toFixed(2)} s`, exitText(s.exit)]));
  }
  return lines;
}

function invariantTable(r: CheckResult): string[] {
  const all = invariantsOf(r);
  if (all.length === 0) return ["_No invariants._"];
  const lines = [row(["", "Invariant", "Verdict", "Expected", "Where"]), row([":-:", "---", "---", "---", "---"])];
  for (const inv of all) lines.push(row([MARK[invariantOutcome(inv)], code(invariantLabel(inv), true), mdText(verdictText(inv)), inv.expect, code(inv.at, true)]));
  return lines;
}

function pathMark(p: PathResult): string {
  return p.budget === null && p.verdict === "holds" ? "·" : MARK[pathOutcome(p)];
}

function pathTable(r: CheckResult): string[] {
  if (r.paths.length === 0) return [];
  const lines = [row(["", "Path", "Preset", "Best", "Worst", "Budget"]), row([":-:", "---", "---", "--:", "--:", "--:"])];
  for (const p of r.paths) {
    const per = (f: (t: PathResult["timings"][number]) => string): string => (p.observed ? p.timings.map(f).join("<br>") : "—");
    const preset = p.timings.length === 0 ? mdText(p.reason ?? "not measured") : !p.observed ? "never happens" : per((t) => t.preset);
    lines.push(
      row([
        pathMark(p),
        code(`${p.name}: ${p.text}`, true),
        preset,
        per((t) => cyclesText(t.best)),
        per((t) => cyclesText(t.worst)),
        p.budget === null ? "—" : n(p.budget),
      ]),
    );
  }
  return lines;
}

function tcbTable(r: CheckResult): string[] {
  if (r.tcb.length === 0) return [];
  const lines = [row(["Component", "TCB", "SLOC"]), row(["---", "---", "--:"])];
  for (const t of r.tcb) lines.push(row([code(t.component, true), ["kernel", ...t.members].map((m) => code(m, true)).join(", "), n(t.sloc)]));
  if (r.tcbPartial) lines.push("", "_TCB sets of the states explored: the exploration stopped early._");
  return lines;
}

function statsLine(r: CheckResult): string {
  const s = r.stats;
  const done = s.bound === null ? "every reachable state explored" : BOUND_TEXT[s.bound];
  const paths = r.pathStats ? `; paths timed on ${n(r.pathStats.states)} states in ${(r.pathStats.elapsedMs / 1000).toFixed(2)} s` : "";
  return `<sub>${n(s.states)} states, ${n(s.transitions)} transitions, depth ${s.depth}, ${(s.elapsedMs / 1000).toFixed(2)} s; ${mdText(done)}${paths}</sub>`;
}

/** A trace: why, the diagram, and the numbered steps with their source lines folded away. */
function traceBlock(title: string, why: string, diagram: string, text: readonly string[], steps: number): string[] {
  return [
    `#### ${title}`,
    "",
    `**Why:** ${mdText(why)}`,
    "",
    ...fenced("mermaid", diagram),
    "",
    "<details>",
    `<summary>${steps} step${steps === 1 ? "" : "s"}, with their source lines</summary>`,
    "",
    ...fenced("text", text.map((l) => l.replace(/^ {2}/, "")).join("\n")),
    "",
    "</details>",
  ];
}

function invariantTrace(inv: InvariantResult): string[] {
  const cx = inv.counterexample!;
  const what = inv.met ? "Expected violation" : "Counterexample";
  const lines = counterexampleLines(inv, cx);
  return traceBlock(`${MARK[invariantOutcome(inv)]} ${what}: ${code(invariantLabel(inv))}`, cx.reason, sequenceDiagram(cx.steps, { loopsTo: cx.loopsTo }), lines.slice(1, -1), cx.steps.length);
}

function pathTrace(p: PathResult): string[] {
  const worst = p.timings[0]!.worst!;
  const lines = pathTraceLines(p);
  const what = "unbounded" in worst ? "Unbounded worst case" : "Worst case";
  const why = p.reason ?? "the worst case is unbounded: steps that cost cycles can repeat for ever after the start event, before the end event (the path has no budget, so this is reported, not judged)";
  return traceBlock(`${pathMark(p)} ${what} of path ${code(`${p.name}: ${p.text}`)}`, why, sequenceDiagram(worst.trace.steps, { loopsTo: worst.trace.loopsTo }), lines.slice(1, -1), worst.trace.steps.length);
}

function scenarioSection(s: ScenarioOutcome): string[] {
  const r = s.result;
  if (!r) {
    return [`### ${EXIT_MARK[s.exit] ?? ""} ${code(s.file)}: scenario errors`, "", ...fenced("text", s.errors.map((e) => errorLine(e, s.file)).join("\n"))];
  }
  const out = [`### ${EXIT_MARK[s.exit] ?? ""} ${code(s.file)}: system ${code(r.system)}`, "", ...invariantTable(r)];
  const paths = pathTable(r);
  if (paths.length) out.push("", ...paths);
  const tcb = tcbTable(r);
  if (tcb.length) out.push("", ...tcb);
  out.push("", statsLine(r));
  for (const inv of invariantsOf(r)) if (inv.counterexample) out.push("", ...invariantTrace(inv));
  for (const p of r.paths) if (pathTraceLines(p).length) out.push("", ...pathTrace(p));
  return out;
}

/** What the comparison with a baseline found, before the summary: its regressions (the exit's reason when no scenario failed). */
function baselineLines(report: Report): string[] {
  const b = report.baseline;
  if (!b) return [];
  const not = b.notCompared.length ? [`Not checked in this run, so not compared: ${b.notCompared.map((f) => mdText(f)).join(", ")}.`, ""] : [];
  if (b.regressions.length === 0) return [`No regression against the baseline ${mdText(b.file)}.`, "", ...not];
  const n = b.regressions.length;
  return [`**${n} regression${n === 1 ? "" : "s"} against the baseline ${mdText(b.file)}:**`, "", ...b.regressions.map((r) => `- ${mdText(r)}`), "", ...not];
}

/** The whole run in GitHub-flavoured Markdown. */
export function renderMarkdown(report: Report): string {
  const count = (code: number): number => report.scenarios.filter((s) => s.exit === code).length;
  const total = report.scenarios.length;
  const parts = [
    [count(0) && `${count(0)} passed`, count(1) && `${count(1)} failed`, count(3) && `${count(3)} incomplete`, count(2) && `${count(2)} with errors`].filter(Boolean).join(", "),
  ];
  const out = [
    `## ${EXIT_MARK[report.exit] ?? ""} ${report.tool.name} check: ${EXIT_TEXT[report.exit] ?? `exit ${report.exit}`}`,
    "",
    `${total} scenario${total === 1 ? "" : "s"}${parts[0] ? `: ${parts[0]}` : ""} (${report.tool.name} ${mdText(report.tool.version)}, exit ${report.exit}).`,
    "",
    ...baselineLines(report),
    ...summary(report),
  ];
  for (const s of report.scenarios) out.push("", ...scenarioSection(s));
  return out.join("\n") + "\n";
}
