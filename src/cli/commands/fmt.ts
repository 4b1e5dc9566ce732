// `nizza fmt FILE...`: print, check or rewrite the canonical layout; never writes a file that does not parse.
import { chmodSync, chownSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ioReason } from "../../dsl/io-error.js";
import { format } from "../../dsl/format.js";
import { unreadable } from "../../dsl/load.js";
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
    const sources = new SourceMap();
    let raw: string;
    try {
      raw = readFileSync(file, "utf8");
    } catch (e) {
      reportDiagnostics(io, [unreadable(file, e)], sources);
      errors++;
      continue;
    }
    const source = new SourceFile(file, raw);
    // Compared and written without a byte-order mark; --write puts back one the file had.
    const text = source.text;
    const parsed = parse(source, sources);
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
        const failure = writeInPlace(file, source.bom ? `\uFEFF${pretty}` : pretty);
        if (failure === null) io.out(`formatted ${file}`);
        else {
          errors++;
          io.err(`nizza: cannot write ${file}: ${failure}; left as it was\n`);
        }
      }
    } else {
      io.out(files.length > 1 ? `==> ${file} <==\n${pretty}` : pretty);
    }
  }
  if (errors) return EXIT.error;
  return unformatted ? EXIT.failed : EXIT.ok;
}

/**
 * Replaces a file's text: written beside it, then renamed over it, so that a crash never leaves
 * half a file. A symbolic link is written through (its target is replaced, the link stays), and
 * the file keeps its permissions (and, where allowed, its owner). Returns why it failed, or null.
 */
function writeInPlace(file: string, text: string): string | null {
  let real: string;
  let mode: number;
  let owner: { uid: number; gid: number };
  try {
    real = realpathSync(file);
    const st = statSync(real);
    mode = st.mode & 0o7777;
    owner = { uid: st.uid, gid: st.gid };
  } catch (e) {
    return ioReason(e);
  }
  const tmp = `${real}.nizza-fmt.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
  } catch (e) {
    return `cannot create a file beside it in ${dirname(real)} to replace it with (${ioReason(e)})`;
  }
  try {
    chmodSync(tmp, mode);
    if (process.getuid?.() !== owner.uid || process.getgid?.() !== owner.gid) {
      try {
        chownSync(tmp, owner.uid, owner.gid);
      } catch {
        // Only root may give a file away: the file is then this user's, as any it writes.
      }
    }
    renameSync(tmp, real);
    return null;
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    return ioReason(e);
  }
}
