// The report model: what one `nizza check` run found, scenario by scenario, for every reporter to render.
import type { CheckResult } from "../checker/check.js";
import type { Diagnostic } from "../dsl/diagnostics.js";
import type { SourceMap } from "../dsl/source.js";

/** A place in a scenario file (1-based line and column). */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `file:line:col` (SourceMap.where's form) back to its parts; null for anything else. */
export function locationOf(at: string | null): Location | null {
  const m = at === null ? null : /^(.*):(\d+):(\d+)$/.exec(at);
  return m ? { file: m[1]!, line: Number(m[2]), column: Number(m[3]) } : null;
}

/** A scenario error (the front end's diagnostic), located. */
export interface ScenarioError {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly at: Location | null;
  readonly help: string | null;
}

/** One scenario of the run: its result, or the errors that kept it from being checked. */
export interface ScenarioOutcome {
  readonly file: string;
  /** Null when the scenario has errors. */
  readonly result: CheckResult | null;
  readonly errors: readonly ScenarioError[];
  /** The scenario's exit code (DESIGN.md §9): 0, 1, 2 or 3. */
  readonly exit: number;
}

/** What comparing a run with its `--baseline` found (spec/report.md, the baseline). */
export interface BaselineOutcome {
  readonly file: string;
  /** Each regression, in words (`compareBaseline`): a scenario that got worse than the baseline, or is gone. */
  readonly regressions: readonly string[];
  /** The baseline's scenarios this run did not check (their files exist): not compared. */
  readonly notCompared: readonly string[];
}

/**
 * A whole run: every scenario, and the run's exit code: the worst of theirs, and 1 (unless it
 * is 2) when the run regressed against its baseline.
 */
export interface Report {
  readonly tool: { readonly name: "nizza"; readonly version: string };
  readonly scenarios: readonly ScenarioOutcome[];
  readonly exit: number;
  /** Set when the run was compared with a baseline (`--baseline` without `--update-baseline`). */
  readonly baseline?: BaselineOutcome | null;
}

export function scenarioErrors(diagnostics: readonly Diagnostic[], sources: SourceMap): ScenarioError[] {
  return diagnostics.map((d) => {
    const f = d.span ? sources.file(d.span.file) : undefined;
    const lc = d.span && f ? f.lineCol(d.span.start) : null;
    return {
      code: d.code,
      severity: d.severity,
      message: d.message,
      at: d.span && lc ? { file: d.span.file, line: lc.line, column: lc.col } : null,
      help: d.help ?? null,
    };
  });
}
