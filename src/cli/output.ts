// Where the CLI writes: stdout and stderr, colour decided once (TTY and NO_COLOR).
import pc from "picocolors";
import { renderDiagnostics, summarize, type Diagnostic } from "../dsl/diagnostics.js";
import type { SourceMap } from "../dsl/source.js";
import { compileFile, type Compiled } from "../dsl/compile.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr gets colour. */
  readonly color: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
  err: (t) => void process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
  color: pc.isColorSupported && process.stderr.isTTY === true,
};

/** Exit codes (DESIGN.md §9). */
export const EXIT = {
  ok: 0,
  failed: 1,
  error: 2,
  incomplete: 3,
  /**
   * The reader of stdout went away (EPIPE: `nizza fmt scenarios | head -1`): 128 + SIGPIPE, what
   * a shell reports for `cat` or `yes` stopped by the same closed pipe.
   */
  pipe: 141,
} as const;

export function reportDiagnostics(io: Io, ds: readonly Diagnostic[], sources: SourceMap): void {
  if (ds.length === 0) return;
  io.err(renderDiagnostics(ds, sources, { color: io.color }) + "\n");
}

export function errorSummary(ds: readonly Diagnostic[]): string {
  return summarize(ds);
}

/** Compiles a scenario file; on errors, reports them on stderr (each at its source position, then a summary): `model` is then null. */
export function compileOrReport(file: string, io: Io): Compiled {
  return reportCompiled(file, compileFile(file), io);
}

/** Reports a compiled file's errors on stderr, as compileOrReport does, and returns it. */
export function reportCompiled(file: string, c: Compiled, io: Io): Compiled {
  if (!c.model) {
    reportDiagnostics(io, c.diagnostics, c.sources);
    io.err(`${file}: ${errorSummary(c.diagnostics)}\n`);
  }
  return c;
}
