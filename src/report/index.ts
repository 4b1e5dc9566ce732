// The reporters by format: one result model (report/model.ts), rendered for a terminal, a pipeline or a dashboard.
import { regressionsText } from "./baseline.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { Report, ScenarioError } from "./model.js";
import { renderSarif } from "./sarif.js";
import { renderText } from "./text.js";

/** Every format `--format` accepts. */
export const FORMATS = ["text", "json", "sarif", "junit", "markdown", "html"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

/**
 * The whole run in `format`. Text is the terminal's report, scenario by scenario (a scenario
 * with errors has them on stderr, where the front end printed them with their excerpts, and
 * here one line each, so that a report written to a file says why the scenario was not
 * checked); the other formats are one
 * document for the whole run. Async because the html report lays its graphs out with Graphviz
 * (WebAssembly, loaded on first use).
 */
/** A scenario with errors in the text report: not checked, and each error on a line, as `file:line:col: error[CODE]: message`. */
export function notChecked(file: string, errors: readonly ScenarioError[]): string {
  const n = errors.filter((e) => e.severity === "error").length;
  const lines = errors.map((e) => `  ${e.at ? `${e.at.file}:${e.at.line}:${e.at.column}: ` : ""}${e.severity}[${e.code}]: ${e.message}\n`);
  return `${file}: not checked: ${n} error${n === 1 ? "" : "s"}\n${lines.join("")}`;
}

export async function renderReport(format: Format, report: Report, o: { readonly color: boolean }): Promise<string> {
  switch (format) {
    case "text": {
      // A text report written to a file (not streamed to the terminal) ends with the baseline's
      // regressions, which the terminal gets on stderr.
      const b = report.baseline;
      const gate = b && b.regressions.length ? regressionsText(b.file, b.regressions) : "";
      return report.scenarios.map((s) => (s.result ? renderText(s.file, s.result, o) : notChecked(s.file, s.errors))).join("") + gate;
    }
    case "json":
      return renderJson(report);
    case "sarif":
      return renderSarif(report);
    case "junit":
      return renderJunit(report);
    case "markdown":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report);
  }
}

