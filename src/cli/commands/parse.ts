// `nizza parse FILE...`: compile scenarios and print their resolved model, or the errors.
import { compileFile } from "../../dsl/compile.js";
import { location } from "../../dsl/diagnostics.js";
import type { Diagnostic } from "../../dsl/diagnostics.js";
import type { SourceMap } from "../../dsl/source.js";
import { describeModel, modelJson } from "../describe.js";
import { scenarioFiles } from "../files.js";
import { EXIT, reportDiagnostics, errorSummary, type Io } from "../output.js";

export interface ParseOptions {
  readonly json?: boolean;
}

export function diagnosticJson(d: Diagnostic, sources: SourceMap): unknown {
  const at = (s: Diagnostic["span"]) => {
    if (!s) return null;
    const f = sources.file(s.file);
    const a = f?.lineCol(s.start);
    const b = f?.lineCol(s.end);
    return { file: s.file, line: a?.line, col: a?.col, endLine: b?.line, endCol: b?.col, location: location(s, sources) };
  };
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    at: at(d.span),
    ...(d.expected ? { expected: d.expected } : {}),
    ...(d.help ? { help: d.help } : {}),
    related: d.related.map((r) => ({ message: r.message, at: at(r.span) })),
  };
}

export function parseCommand(paths: readonly string[], opts: ParseOptions, io: Io): number {
  const files = scenarioFiles(paths);
  const results: unknown[] = [];
  const texts: string[] = [];
  let failed = 0;
  for (const file of files) {
    const c = compileFile(file);
    if (!c.model) {
      failed++;
      reportDiagnostics(io, c.diagnostics, c.sources);
      io.err(`${file}: ${errorSummary(c.diagnostics)}\n`);
      results.push({ file, ok: false, diagnostics: c.diagnostics.map((d) => diagnosticJson(d, c.sources)) });
      continue;
    }
    results.push({ file, ok: true, model: modelJson(c.model) });
    texts.push(describeModel(c.model, file));
  }
  if (opts.json) io.out(JSON.stringify(results, null, 2));
  else if (texts.length) io.out(texts.join("\n\n"));
  return failed ? EXIT.error : EXIT.ok;
}
