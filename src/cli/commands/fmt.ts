// `nizza fmt FILE...`: print, check or rewrite the canonical layout; never writes a file that does not parse.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { format } from "../../dsl/format.js";
import { parse } from "../../dsl/parse.js";
import { SourceFile, SourceMap } from "../../dsl/source.js";
import { scenarioFiles, UsageError } from "../files.js";
import { EXIT, reportDiagnostics, errorSummary, type Io } from "../output.js";

export interface FmtOptions {
  readonly check?: boolean;
  readonly write?: boolean;
}

export function fmtCommand(paths: readonly string[], opts: FmtOptions, io: Io): number {
  if (opts.check && opts.write) throw new UsageError("give either --check or --write, not both");
  const files = scenarioFiles(paths);
  let errors = 0;
  let unformatted = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      io.err(`nizza: cannot read ${file}: ${(e as Error).message}\n`);
      errors++;
      continue;
    }
    const sources = new SourceMap();
    const parsed = parse(new SourceFile(file, text), sources);
    if (!parsed.ast || parsed.diagnostics.length) {
      errors++;
      reportDiagnostics(io, parsed.diagnostics, sources);
      io.err(`${file}: ${errorSummary(parsed.diagnostics)}; not formatted\n`);
      continue;
    }
    const pretty = format(parsed, sources);
    if (opts.check) {
      if (pretty !== text) {
        unformatted++;
        io.out(`${file}: not in canonical layout`);
      }
    } else if (opts.write) {
      if (pretty !== text) {
        // Write beside the file, then rename over it: a crash never leaves half a file.
        const tmp = `${file}.nizza-fmt.tmp`;
        writeFileSync(tmp, pretty);
        renameSync(tmp, file);
        io.out(`formatted ${file}`);
      }
    } else {
      io.out(files.length > 1 ? `==> ${file} <==\n${pretty}` : pretty);
    }
  }
  if (errors) return EXIT.error;
  return unformatted ? EXIT.failed : EXIT.ok;
}
