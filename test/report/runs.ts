// Test helper for the reporters: scenarios checked and gathered into a Report as `nizza check` does.
import { check, type CheckOptions } from "../../src/checker/check.js";
import { exitOf, worstExit } from "../../src/cli/commands/check.js";
import { EXIT } from "../../src/cli/output.js";
import { compileText, type Compiled } from "../../src/dsl/compile.js";
import { scenarioErrors, type Report, type ScenarioOutcome } from "../../src/report/model.js";

/** A scenario (its text, or already compiled) checked, or its errors, with its exit code. */
export function outcome(file: string, source: string | Compiled, options: CheckOptions = {}): ScenarioOutcome {
  const c = typeof source === "string" ? compileText(file, source) : source;
  if (!c.model) return { file, result: null, errors: scenarioErrors(c.diagnostics, c.sources), exit: EXIT.error };
  const result = check(c.model, options);
  return { file, result, errors: [], exit: exitOf(result) };
}

/** The run of these scenarios: its exit code is the worst of theirs. */
export function report(scenarios: readonly ScenarioOutcome[]): Report {
  return { tool: { name: "nizza", version: "0.1.0" }, scenarios, exit: worstExit(scenarios.map((s) => s.exit)) };
}
