// `nizza fmt FILE...`: print, check or rewrite the canonical layout; never writes a file that does not parse.
import { accessSync, chmodSync, constants, chownSync, closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { ioReason, NotUtf8, readScenarioText } from "../../dsl/io-error.js";
import { format } from "../../dsl/format.js";
import { unreadable } from "../../dsl/load.js";
import { notUtf8, parse } from "../../dsl/parse.js";
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
    let bad: NotUtf8 | null = null;
    try {
      raw = readScenarioText(file);
    } catch (e) {
      if (!(e instanceof NotUtf8)) {
        reportDiagnostics(io, [unreadable(file, e)], sources);
        errors++;
        continue;
      }
      // Not UTF-8: reported, never formatted (a rewrite would replace the bytes with U+FFFD).
      bad = e;
      raw = e.text;
    }
    const source = new SourceFile(file, raw);
    // Compared and written without a byte-order mark; --write puts back one the file had.
    const text = source.text;
    const parsed = bad ? notUtf8(source, sources, bad.offset, bad.shown) : parse(source, sources);
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
          io.err(`nizza: cannot write ${file}: ${failure.reason}${failure.damaged ? "" : "; left as it was"}\n`);
        }
      }
    } else {
      io.out(files.length > 1 ? `==> ${file} <==\n${pretty}` : pretty);
    }
  }
  if (errors) return EXIT.error;
  return unformatted ? EXIT.failed : EXIT.ok;
}

/** Why a file could not be rewritten, and whether that left it damaged (its old text elsewhere, as the reason says). */
interface Failure {
  readonly reason: string;
  readonly damaged?: boolean;
}

/**
 * Replaces a file's text. A file with one name is written beside itself, then renamed over the
 * old one, so that a crash never leaves half a file. A file with several names (hard links) is
 * rewritten in place, so that every name shows the new text (a rename would give one name a new
 * file and leave the others with the old one): the old text is first copied beside it, and put
 * back if the write fails. A symbolic link is written through (its target is replaced, the link
 * stays), and the file keeps its permissions (and, where allowed, its owner). Returns why it
 * failed, or null.
 */
function writeInPlace(file: string, text: string): Failure | null {
  let real: string;
  let st: Stats;
  try {
    real = realpathSync(file);
    st = statSync(real);
  } catch (e) {
    return { reason: ioReason(e) };
  }
  // A rename would replace a file its owner made read-only, or a pipe or device with a file.
  if (!st.isFile()) return { reason: "it is not a regular file" };
  try {
    accessSync(real, constants.W_OK);
  } catch (e) {
    return { reason: `${ioReason(e)}: the file is not writable, and --write does not replace a file it could not write` };
  }
  return st.nlink > 1 ? rewriteLinked(real, text, st.nlink) : replaceByRename(real, text, st);
}

function replaceByRename(real: string, text: string, st: Stats): Failure | null {
  const mode = st.mode & 0o7777;
  const tmp = `${real}.nizza-fmt.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
  } catch (e) {
    return { reason: `cannot create a file beside it in ${dirname(real)} to replace it with (${ioReason(e)})` };
  }
  try {
    chmodSync(tmp, mode);
    if (process.getuid?.() !== st.uid || process.getgid?.() !== st.gid) {
      try {
        chownSync(tmp, st.uid, st.gid);
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
    return { reason: ioReason(e) };
  }
}

/**
 * Rewrites a file with hard links in place. Its old bytes are first copied to FILE.nizza-fmt.orig
 * (flushed to disk, so that a crash during the write leaves them there); if the write fails, they
 * are written back and the copy removed. Only if that fails too does the copy stay, and the
 * message says where it is.
 */
function rewriteLinked(real: string, text: string, names: number): Failure | null {
  const backup = `${real}.nizza-fmt.orig`;
  let fd: number;
  let old: Buffer;
  try {
    fd = openSync(real, "r+");
  } catch (e) {
    return { reason: ioReason(e) };
  }
  try {
    try {
      old = readFileSync(fd);
    } catch (e) {
      return { reason: ioReason(e) };
    }
    try {
      const b = openSync(backup, "wx", 0o600);
      try {
        writeFileSync(b, old);
        fsyncSync(b);
      } finally {
        closeSync(b);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        return { reason: `${backup} is in the way: left by an interrupted 'nizza fmt --write', it may hold the file's earlier text; compare the two, then remove it` };
      }
      try {
        unlinkSync(backup);
      } catch {
        // Never created.
      }
      return { reason: `a file with ${names} names (hard links) is rewritten in place, and the copy of its text to be made first, ${backup}, cannot be created (${ioReason(e)})` };
    }
    try {
      writeAt0(fd, Buffer.from(text, "utf8"));
    } catch (e) {
      try {
        writeAt0(fd, old);
      } catch {
        return { reason: `${ioReason(e)}, and putting its old text back failed too: the file may be damaged; its old text is in ${backup}`, damaged: true };
      }
      removeQuietly(backup);
      return { reason: ioReason(e) };
    }
    removeQuietly(backup);
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Makes an open file hold exactly `bytes`, flushed to disk. */
function writeAt0(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done);
  ftruncateSync(fd, bytes.length);
  fsyncSync(fd);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // The copy made a moment ago; if it stays, the next run reports it as in the way.
  }
}
