// The SARIF report: one SARIF 2.1.0 log per run, each failure at its scenario line with its trace as a code flow, for code-scanning tools.
import { isAbsolute, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckResult, Counterexample, InvariantResult, TraceStep } from "../checker/check.js";
import type { PathResult, PathTrace } from "../timing/measure.js";
import { locationOf, type Location, type Report, type ScenarioError, type ScenarioOutcome } from "./model.js";
import { MAX_SUCCESSORS } from "../checker/records.js";

/** The schema a SARIF 2.1.0 log names (SARIF §3.13.3); the OASIS schema, as published by SchemaStore. */
export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

// ---- the SARIF objects this report writes (a subset of SARIF 2.1.0; names as in the spec) ----

interface Message {
  readonly text: string;
}

interface ArtifactLocation {
  readonly uri: string;
  readonly uriBaseId?: string;
}

interface PhysicalLocation {
  readonly artifactLocation: ArtifactLocation;
  readonly region?: { readonly startLine: number; readonly startColumn?: number };
}

interface SarifLocation {
  readonly physicalLocation?: PhysicalLocation;
  readonly message?: Message;
}

interface ThreadFlowLocation {
  readonly location: SarifLocation;
  readonly kinds?: readonly string[];
  readonly nestingLevel: number;
  readonly executionOrder: number;
  readonly importance?: "essential" | "important" | "unimportant";
}

interface CodeFlow {
  readonly message: Message;
  readonly threadFlows: readonly { readonly message?: Message; readonly locations: readonly ThreadFlowLocation[] }[];
}

/** SARIF §3.27.9: only "fail" results carry a level other than "none" (§3.27.10). */
type ResultKind = "fail" | "open" | "review";
type Level = "error" | "warning" | "none";

interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly kind: ResultKind;
  readonly level: Level;
  readonly message: Message;
  readonly locations: readonly SarifLocation[];
  readonly codeFlows?: readonly CodeFlow[];
  readonly properties?: Readonly<Record<string, string | number | null>>;
}

interface ReportingDescriptor {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: Message;
  readonly fullDescription: Message;
  readonly help: Message;
  readonly defaultConfiguration: { readonly level: Level };
}

export interface SarifLog {
  readonly $schema: string;
  readonly version: "2.1.0";
  readonly runs: readonly {
    readonly tool: { readonly driver: { readonly name: string; readonly version: string; readonly semanticVersion?: string; readonly rules: readonly ReportingDescriptor[] } };
    readonly invocations: readonly { readonly executionSuccessful: boolean; readonly exitCode: number; readonly exitCodeDescription: string }[];
    readonly columnKind: "utf16CodeUnits";
    readonly results: readonly SarifResult[];
  }[];
}

// ---- the rules: one per kind of property, and the scenario errors; ids are stable ----

export type RuleKey =
  | "isolated" | "never-flows" | "tcb-subset" | "tcb-sloc" | "revocable" | "available" | "deadlock-free" | "always" | "never"
  | "assert" | "invariant" | "path-budget" | "path-unbounded" | "scenario-error";

const RULE_TEXT: Readonly<Record<RuleKey, { readonly name: string; readonly short: string; readonly full: string }>> = {
  isolated: {
    name: "Isolated",
    short: "Two components share a kernel object or reach each other other than through their mediators.",
    full: "`isolated(A, B) except via M` holds when, in every reachable state, A and B share no kernel object and reach each other through no untrusted component other than the mediators M (spec/invariants.md §4).",
  },
  "never-flows": {
    name: "NeverFlows",
    short: "Labelled data reaches a component or device it must never reach.",
    full: "`never flows([L] -> S)` holds when in no reachable state a sink component knows, or a sink device holds, data carrying one of the labels L (spec/invariants.md §3).",
  },
  "tcb-subset": {
    name: "TcbSubset",
    short: "A component's trusted computing base is larger than the set allowed.",
    full: "`tcb(C) <= {...}` holds when every component whose misbehaviour can affect what C computes or discloses is in the set given (spec/invariants.md §6).",
  },
  "tcb-sloc": {
    name: "TcbSloc",
    short: "A component's trusted computing base has more source lines than allowed.",
    full: "`tcb(C).sloc <= N` holds when the components of C's trusted computing base have at most N source lines together; the kernel is always in the TCB but not counted (spec/invariants.md §6).",
  },
  revocable: {
    name: "Revocable",
    short: "A revoked object stays reachable: a derived capability, a mapping or a TLB entry survives the revoke.",
    full: "`revocable(C.X)` holds when, once a revoke of X completes, no capability derived from it, no mapping and no TLB entry for it remains anywhere, and no later access through them succeeds (spec/invariants.md §5).",
  },
  available: {
    name: "Available",
    short: "A portal's server can get into a state from which it never waits for requests again.",
    full: "`available(C.P)` holds when from every reachable state a state is reachable in which P's server waits for requests again (AG EF waits; spec/invariants.md §7). Its counterexample is a lasso: the way to a state from which the server never comes back, then the loop or dead end the system is stuck in.",
  },
  "deadlock-free": {
    name: "DeadlockFree",
    short: "The system can reach a state with no enabled step in which some thread waits for ever.",
    full: "`deadlock_free` holds when no reachable state has no enabled step while some EC is blocked in a call, a reply or a semaphore down (spec/invariants.md §8).",
  },
  always: {
    name: "Always",
    short: "A condition that must hold in every reachable state is false in one.",
    full: "`always C` holds when the condition C is true in every reachable state (spec/invariants.md §2).",
  },
  never: {
    name: "Never",
    short: "A condition that must never hold is true in a reachable state.",
    full: "`never C` holds when the condition C is false in every reachable state (spec/invariants.md §2).",
  },
  assert: {
    name: "Assert",
    short: "An assert statement fails.",
    full: "Every scenario with an `assert` statement is checked for `every assert holds`: it fails in a reachable state in which an assert statement failed on the way there (spec/invariants.md §1, Failed asserts).",
  },
  invariant: {
    name: "Invariant",
    short: "An invariant does not meet its expectation.",
    full: "An invariant of the scenario does not meet its expectation (spec/invariants.md §1).",
  },
  "path-budget": {
    name: "PathBudget",
    short: "A path's worst case takes more cycles than its budget, or is unbounded.",
    full: "`path P: E1 -> E2 within N cycles` holds when, under the scenario's cost preset, the worst case from E1 to E2 takes at most N cycles; an unbounded worst case breaks every budget (spec/costs.md §Paths).",
  },
  "path-unbounded": {
    name: "PathUnbounded",
    short: "A path without a budget has an unbounded worst case.",
    full: "A path without `within N cycles` is measured, not judged; an unbounded worst case (steps that cost cycles can repeat for ever between its events) is reported for review (spec/costs.md §Paths).",
  },
  "scenario-error": {
    name: "ScenarioError",
    short: "The scenario has an error, and was not checked.",
    full: "The front end found an error in the scenario (syntax, names or the language's rules; spec/language.md): the scenario was not checked, so none of its invariants has a verdict.",
  },
};

const RULE_KEYS = Object.keys(RULE_TEXT) as RuleKey[];

const RULE_HELP: Readonly<Record<RuleKey, string>> = {
  isolated: "Follow the code flow to the state in which the two components meet: remove the shared object, or route the exchange through a declared mediator.",
  "never-flows": "Follow the code flow: the last step is where the labelled data arrives at the sink; the message says through which object it got there.",
  "tcb-subset": "The message names the component that entered the TCB and how it affects C; the code flow leads to the state in which it first does.",
  "tcb-sloc": "The message gives the TCB's components and their source lines; shrink the TCB or raise the bound.",
  revocable: "The last step is the access or the state that survives the revoke; the code flow shows the revoke and what kept a path to the object.",
  available: "The code flow leads to the state from which the server never waits again; steps at nesting level 1 are the loop the system can repeat for ever.",
  "deadlock-free": "The last state has no enabled step; the message lists the threads that wait for ever.",
  always: "The message explains why the condition is false in the last state of the code flow.",
  never: "The message explains why the condition is true in the last state of the code flow.",
  assert: "The message names the thread, the assert and its line; the code flow leads to it.",
  invariant: "See the message and the code flow, when there is one.",
  "path-budget": "The code flow is the worst case: steps before the path starts are unimportant; each measured step says how many cycles it adds. Raise the budget, or remove the interference the trace shows.",
  "path-unbounded": "Steps at nesting level 1 are the loop that can repeat for ever before the path ends: bound it (a `repeat` instead of a `loop`, or `adversary steps N`), or give the path a budget to judge it.",
  "scenario-error": "Fix the error at the location given; `nizza check` prints the same diagnostic with its source line.",
};

const RULES: readonly ReportingDescriptor[] = RULE_KEYS.map((k) => ({
  id: ruleId(k),
  name: RULE_TEXT[k].name,
  shortDescription: { text: RULE_TEXT[k].short },
  fullDescription: { text: RULE_TEXT[k].full },
  help: { text: RULE_HELP[k] },
  defaultConfiguration: { level: k === "path-unbounded" ? "none" : "error" },
}));

function ruleId(k: RuleKey): string {
  return `nizza/${k}`;
}

/** The rule of an invariant, from its text as written (`isolated(a, b) except via m`, `tcb(c).sloc <= 9000`, ...). */
export function ruleOf(text: string): RuleKey {
  const t = text.trimStart();
  if (/^isolated\b/.test(t)) return "isolated";
  if (/^never\s+flows\b/.test(t)) return "never-flows";
  if (/^tcb\s*\([^)]*\)\s*\.\s*sloc\b/.test(t)) return "tcb-sloc";
  if (/^tcb\b/.test(t)) return "tcb-subset";
  if (/^revocable\b/.test(t)) return "revocable";
  if (/^available\b/.test(t)) return "available";
  if (/^deadlock_free\b/.test(t)) return "deadlock-free";
  if (/^always\b/.test(t)) return "always";
  if (/^never\b/.test(t)) return "never";
  return "invariant";
}

const EXIT_TEXT: Readonly<Record<number, string>> = {
  0: "every invariant and budget met its expectation",
  1: "an invariant or a path budget did not meet its expectation",
  2: "a scenario has errors and was not checked",
  3: "a bound was reached before a verdict: some invariant, path or TCB set is incomplete",
};

/**
 * The whole run as one SARIF 2.1.0 log: one run, one result per finding.
 *
 * - An invariant (or the failed-asserts check) whose expectation is not met, and a path whose
 *   budget is broken, is a result of kind "fail", level "error", at the invariant's (path's)
 *   line, with its counterexample (worst case) as a code flow.
 * - An incomplete verdict is a result of kind "open" — SARIF §3.27.9: "the tool did not have
 *   sufficient information to reach a decision" — with level "none", which §3.27.10 requires of
 *   every kind but "fail" (so not "warning"): it is never a pass, and never a failure either.
 * - A path without a budget whose worst case is unbounded is a result of kind "review" (the
 *   text report prints it as "reported, not judged"), level "none".
 * - A met expectation is no result, not even of kind "pass": that includes an `expect violated`
 *   invariant that is violated. Code-scanning tools open an alert for every result whatever its
 *   kind, and a scenario that demonstrates a bug on purpose is working as intended; the
 *   counterexample of an expected violation is in the text report.
 * - A scenario error is a result of kind "fail" (level "error", or "warning" for a warning)
 *   at its location, or at the scenario file when it has none.
 */
export function renderSarif(report: Report): string {
  const results = report.scenarios.flatMap(scenarioResults);
  const log: SarifLog = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, ...(/^\d+\.\d+\.\d+/.test(report.tool.version) && { semanticVersion: report.tool.version }), rules: RULES } },
        invocations: [
          {
            // A failed invariant or an incomplete verdict is a finding of a run that worked; a
            // scenario that could not be compiled was not checked, so the run did not complete
            // its analysis (like a tool that cannot parse one of its inputs).
            executionSuccessful: report.exit !== 2,
            exitCode: report.exit,
            exitCodeDescription: report.baseline?.regressions.length && report.scenarios.every((s) => s.exit !== 1 && s.exit !== 2) ? `the run regressed against the baseline ${report.baseline.file}` : (EXIT_TEXT[report.exit] ?? `exit code ${report.exit}`),
            // A regression against the baseline is about the run, not a place in a scenario.
            ...(report.baseline?.regressions.length && { toolExecutionNotifications: report.baseline.regressions.map((r) => ({ level: "error", message: { text: `regression against the baseline ${report.baseline!.file}: ${r}` } })) }),
          },
        ],
        // Columns count UTF-16 code units: they are offsets into the JavaScript string of the line.
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

function scenarioResults(s: ScenarioOutcome): SarifResult[] {
  if (!s.result) return s.errors.map((e) => errorResult(s.file, e));
  const r = s.result;
  return [
    ...(r.asserts ? invariantResults(s.file, r, r.asserts, "assert") : []),
    ...r.invariants.flatMap((inv) => invariantResults(s.file, r, inv, ruleOf(inv.text))),
    ...r.paths.flatMap((p) => pathResults(s.file, r, p)),
  ];
}

// ---- invariants ----

function invariantResults(file: string, r: CheckResult, inv: InvariantResult, rule: RuleKey): SarifResult[] {
  if (inv.met) return [];
  const label = `${inv.name ? `${inv.name}: ` : ""}${inv.text}`;
  const cx = inv.counterexample;
  // The failed-asserts check sits at the first assert of the scenario; a failure is better shown
  // at the assert that failed: the statement of the counterexample's last step.
  const last = cx?.steps[cx.steps.length - 1];
  const at = (rule === "assert" && last && placeOf(last.at)) || placeOf(inv.at);
  const properties = { system: r.system, invariant: label, verdict: inv.verdict, expect: inv.expect };
  if (inv.verdict === "incomplete")
    return [result(rule, "open", `${label} is incomplete: no violation in the states explored, but ${boundText(r)}`, file, at, undefined, properties)];
  if (!cx) return [result(rule, "fail", `${label} holds, but the scenario expects it to be violated`, file, at, undefined, properties)];
  // The failed-asserts reason names the thread, the assert and its line: it says it all.
  const message = rule === "assert" ? cx.reason : `${label} is violated: ${cx.reason}`;
  return [result(rule, "fail", message, file, at, [counterexampleFlow(file, label, cx)], properties)];
}

function boundText(r: CheckResult): string {
  switch (r.stats.bound) {
    case "states": return "the state bound was reached";
    case "depth": return "the depth bound was reached";
    case "memory": return "the memory bound was reached";
    case "successors": return `a state had more successors than a trace can number (${MAX_SUCCESSORS.toLocaleString("en-US")})`;
    case "simulation": return "a random simulation proves nothing";
    case "interrupted": return "the run was interrupted";
    case "stopped":
    case null: return "not every reachable state was explored";
  }
}

function counterexampleFlow(file: string, label: string, cx: Counterexample): CodeFlow {
  const n = cx.steps.length;
  return {
    message: { text: `counterexample of ${label}, ${n} step${n === 1 ? "" : "s"}${cx.loopsTo === null ? "" : `, the last ${n - cx.loopsTo} repeating for ever`}: ${cx.reason}` },
    threadFlows: [{ locations: cx.steps.map((st, i) => flowLocation(file, st, i, cx.loopsTo, n, stuckText(cx, i, st.text), i === n - 1 ? "essential" : undefined)) }],
  };
}

/** A step's text, saying where an `available` counterexample gets stuck (after its last step: on the last). */
function stuckText(cx: Counterexample, i: number, text: string): string {
  const n = cx.steps.length;
  if (cx.stuckFrom === i) return `${text} (the server never waits for requests again from the state before this step on)`;
  if (cx.stuckFrom === n && i === n - 1) return `${text} (from the state after this step on, the server never waits for requests again)`;
  return text;
}

/**
 * A step of a trace. Steps in the loop of a lasso (from `loopsTo` on) are one nesting level
 * deeper, and the knot and the last step say so; a step with no statement (an interrupt, a
 * timeout) has no physical location, only its message.
 */
function flowLocation(file: string, st: TraceStep, i: number, loopsTo: number | null, n: number, text: string, importance: ThreadFlowLocation["importance"]): ThreadFlowLocation {
  let message = text;
  if (loopsTo === i && i === n - 1) message += " (this step repeats for ever)";
  else if (loopsTo === i) message += " (the loop starts here: the steps from here to the last repeat for ever)";
  else if (loopsTo !== null && i === n - 1) message += ` (and back to step ${loopsTo + 1})`;
  const at = placeOf(st.at);
  return {
    location: { ...(at && { physicalLocation: physical(file, at) }), message: { text: message } },
    ...((st.kind === "irq" || st.kind === "dma" || st.kind === "timeout") && { kinds: ["implicit"] }),
    nestingLevel: loopsTo !== null && i >= loopsTo ? 1 : 0,
    executionOrder: i + 1,
    ...(importance && { importance }),
  };
}

// ---- paths ----

function pathResults(file: string, r: CheckResult, p: PathResult): SarifResult[] {
  const label = `path ${p.name}: ${p.text}`;
  const at = placeOf(p.at);
  const worst = p.timings[0]?.worst ?? null;
  const properties = { system: r.system, path: p.name, budget: p.budget, verdict: p.verdict };
  if (p.budget === null) {
    if (!worst || !("unbounded" in worst)) return [];
    const why = "the worst case is unbounded: steps that cost cycles can repeat for ever after the start event, before the end event (the path has no budget, so this is reported, not judged)";
    return [result("path-unbounded", "review", `${label}: ${why}`, file, at, [pathFlow(file, label, worst.trace, why)], properties)];
  }
  if (p.verdict === "incomplete") {
    const why = p.reason ?? `the budget of ${p.budget.toLocaleString("en-US")} cycles held on the states explored, but the exploration was incomplete`;
    return [result("path-budget", "open", `${label} is incomplete: ${why}`, file, at, undefined, properties)];
  }
  if (p.verdict !== "violated") return [];
  const why = p.reason ?? "the worst case exceeds the budget";
  return [result("path-budget", "fail", `${label} breaks its budget: ${why}`, file, at, worst ? [pathFlow(file, label, worst.trace, why)] : undefined, properties)];
}

/** A path's worst case: the steps before the start event unimportant, each measured step with the cycles it adds. */
function pathFlow(file: string, label: string, t: PathTrace, why: string): CodeFlow {
  const n = t.steps.length;
  const start = t.steps.findIndex((st) => st.cycles !== null);
  const total = t.steps.reduce((sum, st) => sum + (st.cycles ?? 0), 0);
  return {
    message: { text: `worst case of ${label}, ${n} step${n === 1 ? "" : "s"}${t.loopsTo === null ? `, ${total.toLocaleString("en-US")} cycles` : ""}: ${why}` },
    threadFlows: [
      {
        locations: t.steps.map((st, i) => {
          const text = `${st.text}${st.cycles === null ? "" : ` (+${st.cycles.toLocaleString("en-US")} cycles)`}${i === start ? " (the path starts here)" : ""}`;
          return flowLocation(file, st, i, t.loopsTo, n, text, st.cycles === null ? "unimportant" : undefined);
        }),
      },
    ],
  };
}

// ---- scenario errors ----

function errorResult(file: string, e: ScenarioError): SarifResult {
  const text = `${e.code}: ${e.message}${e.help ? `\nhelp: ${e.help}` : ""}`;
  return result("scenario-error", "fail", text, file, e.at, undefined, { code: e.code }, e.severity);
}

// ---- results and locations ----

function result(
  rule: RuleKey,
  kind: ResultKind,
  text: string,
  file: string,
  at: Location | null,
  codeFlows: readonly CodeFlow[] | undefined,
  properties: Readonly<Record<string, string | number | null>>,
  severity: "error" | "warning" = "error",
): SarifResult {
  return {
    ruleId: ruleId(rule),
    ruleIndex: RULE_KEYS.indexOf(rule),
    kind,
    level: kind === "fail" ? severity : "none",
    message: { text },
    // Without a line, the result is at the scenario file itself.
    locations: [{ physicalLocation: at ? physical(file, at) : { artifactLocation: artifact(file) } }],
    ...(codeFlows && { codeFlows }),
    properties,
  };
}

/** `file:line:col` (or `file:line`) to a location; null for anything else. */
function placeOf(at: string | null): Location | null {
  const l = locationOf(at);
  if (l || at === null) return l;
  const m = /^(.*):(\d+)$/.exec(at);
  return m ? { file: m[1]!, line: Number(m[2]), column: 1 } : null;
}

function physical(fallback: string, at: Location): PhysicalLocation {
  return {
    artifactLocation: artifact(at.file || fallback),
    region: { startLine: Math.max(1, at.line), startColumn: Math.max(1, at.column) },
  };
}

/**
 * A file as a SARIF artifact location: a relative path stays relative, percent-encoded, against
 * `%SRCROOT%` (the root code-scanning tools resolve it from, usually the repository's); an
 * absolute one becomes a `file:` URI.
 */
export function artifact(file: string): ArtifactLocation {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const parts = file.split(sep === "\\" ? /[\\/]/ : "/").filter((p, i) => !(p === "." || (p === "" && i > 0)));
  return { uri: parts.map((p) => (p === ".." ? p : encodeURIComponent(p))).join("/"), uriBaseId: "%SRCROOT%" };
}
