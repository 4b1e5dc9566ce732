// The reporters by format: one result model (report/model.ts), rendered for a terminal, a pipeline or a dashboard.
import type { Report } from "./model.js";
import { renderText } from "./text.js";

/** Every format `--format` accepts. */
export const FORMATS = ["text"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

/**
 * The whole run in `format`. Text is the terminal's report, scenario by scenario (a scenario
 * with errors has them on stderr, where the front end printed them); the other formats are one
 * document for the whole run.
 */
export function renderReport(format: Format, report: Report, o: { readonly color: boolean }): string {
  switch (format) {
    case "text":
      return report.scenarios.map((s) => (s.result ? renderText(s.file, s.result, o) : "")).join("");
  }
}

