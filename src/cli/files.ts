// Command-line paths: files as given, folders expanded to the .nizza files under them (sorted), symbolic links followed; the inputs an output must not overwrite.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import type { Compiled } from "../dsl/compile.js";
import { ioReason } from "../dsl/io-error.js";

export class UsageError extends Error {}

/**
 * Expands files and folders; a path that does not exist or cannot be read is a usage error.
 * A folder is searched recursively for files named `*.nizza`, in name order, skipping names
 * that start with `.` and `node_modules`. Symbolic links are followed, to files and to folders;
 * a folder reached twice (a link back to a folder above, or two links to one folder) is
 * searched once, and a file reached twice — by links, or named again — is listed once
 * (`onceEach`). A dangling link, or a folder that cannot be listed, is a usage error, and a
 * `*.nizza` that is no regular file (a pipe, a device) is listed, for compiling to report
 * (E0201): a search never skips what it cannot see.
 */
export function scenarioFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`no such file or folder: ${p}`);
      throw new UsageError(`cannot read ${p}: ${ioReason(e)}`);
    }
    if (st.isDirectory()) {
      const found = onceEach(walk(p, new Set()));
      if (found.length === 0) throw new UsageError(`no .nizza files under ${p}`);
      out.push(...found);
    } else out.push(p);
  }
  // A file named twice (`a.nizza ./a.nizza`, or also found in a folder given) is one scenario.
  return onceEach(out);
}

/** The .nizza files under `dir`; `seen` holds the real paths of the folders already searched. */
function walk(dir: string, seen: Set<string>): string[] {
  let entries;
  try {
    const real = realpathSync(dir);
    if (seen.has(real)) return [];
    seen.add(real);
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UsageError(`cannot read folder ${dir}: ${ioReason(e)}`);
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    // A symbolic link, or an entry whose type the file system did not say: what it leads to.
    if (!isDir && !e.isFile()) isDir = linkTarget(p).isDirectory();
    // A `.nizza` that is not a regular file (a pipe, a device) is listed too: compiling it
    // reports it (E0201), where skipping it would hide it.
    if (isDir) out.push(...walk(p, seen));
    else if (e.name.endsWith(".nizza")) out.push(p);
  }
  return out;
}

/**
 * A folder's files with each real file once: a link to a scenario beside it (or one reached by
 * two links) is not checked twice. The file's own name is kept over a link's, and the first name
 * in search order among links.
 */
function onceEach(files: readonly string[]): string[] {
  const chosen = new Map<string, string>();
  for (const f of files) {
    const real = realPath(f);
    const had = chosen.get(real);
    if (had === undefined || (lstatSync(had).isSymbolicLink() && !lstatSync(f).isSymbolicLink())) chosen.set(real, f);
  }
  // Each chosen name once, where it first stands (a name given twice is one file).
  const keep = new Set(chosen.values());
  return files.filter((f) => keep.delete(f));
}

/** What a symbolic link found in a folder points to; a dangling or unreadable link is a usage error. */
function linkTarget(link: string): Stats {
  try {
    return statSync(link);
  } catch (e) {
    let to = "?";
    try {
      to = readlinkSync(link);
    } catch {
      // The link itself vanished: say what we know.
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`dangling symbolic link: ${link} -> ${to} (no such file or folder)`);
    throw new UsageError(`cannot follow symbolic link ${link} -> ${to}: ${ioReason(e)}`);
  }
}

/**
 * Where a path really leads: absolute, with `.`, `..` and symbolic links resolved. A file that
 * does not exist yet (an output) is its folder's real path and its name.
 */
export function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(p))), basename(p));
    } catch {
      return resolve(p);
    }
  }
}

/**
 * The files a run reads (scenarios, their imports, a --baseline), by real path, each with
 * what it is. A file the run writes must be none of them: writing it would destroy an input.
 */
export class Inputs {
  private readonly what = new Map<string, string>();

  /** Records `file` as `what` (e.g. "the scenario a.nizza"); the first description of a file is kept. */
  add(file: string, what: string): void {
    const key = realPath(file);
    if (!this.what.has(key)) this.what.set(key, what);
  }

  /**
   * Records a scenario and every file its compilation `c` read (its imports, directly or not),
   * and every file their text names in an `import`: a file that does not parse has its imports
   * unread, and they are inputs all the same.
   */
  addScenario(file: string, c: Compiled): void {
    this.add(file, `the scenario ${file}`);
    for (const f of c.loaded.files.keys()) if (f !== file) this.add(f, `${f}, which the scenario ${file} imports`);
    // A work list, not recursion: a chain of imports may be long.
    const seen = new Set<string>();
    const todo = [file, ...c.loaded.files.keys()];
    while (todo.length > 0 && seen.size < MAX_SCANNED) {
      const real = realPath(todo.pop()!);
      if (seen.has(real)) continue;
      seen.add(real);
      let text: string;
      try {
        if (!statSync(real).isFile()) continue;
        text = readFileSync(real, "utf8");
      } catch {
        continue; // unreadable: compiling it said so
      }
      for (const path of importsNamed(text)) {
        const to = resolve(dirname(real), path);
        this.add(to, `${to}, which the scenario ${file} imports`);
        todo.push(to);
      }
    }
  }

  /** A usage error when `output` (given with `flag`, to receive `product`) is one of the inputs. */
  refuse(output: string, flag: string, product: string): void {
    const what = this.what.get(realPath(output));
    if (what !== undefined) throw new UsageError(`${flag}: '${output}' is ${what}: writing the ${product} there would overwrite it; choose another file`);
  }
}

/** The most files `Inputs.addScenario` reads for their imports (an import chain holds at most 100 files: spec/language.md §3). */
const MAX_SCANNED = 10_000;

/**
 * The paths the `import "PATH"` items of a scenario's text name, found without parsing it (a
 * file with a syntax error still names its imports): a string after the word `import`, with its
 * escapes (\" and \\) undone. One in a comment is found too, which only protects a file more.
 */
export function importsNamed(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w$])import\s+"((?:[^"\\\n]|\\.)*)"/g)) if (m[1]) out.push(m[1].replace(/\\(.)/g, "$1"));
  return out;
}

/**
 * Refuses, before any exploration, an output path (`--output`, `--baseline` with
 * `--update-baseline`) that cannot be a file: its folder does not exist, or it is a folder.
 */
export function checkOutputPath(path: string | undefined, flag: string): void {
  if (path === undefined) return;
  // `resolve` and `dirname` drop a trailing slash: 'out/' would become a file named 'out'.
  if (path.endsWith("/") || path.endsWith(sep)) throw new UsageError(`${flag}: '${path}' ends with '/', so it names a folder; name a file to write`);
  if (!existsSync(dirname(resolve(path)))) throw new UsageError(`${flag}: no folder '${dirname(path)}' to write '${path}' in`);
  let st: Stats | null = null;
  try {
    st = statSync(path);
  } catch {
    return; // not there yet: it is made
  }
  if (st.isDirectory()) throw new UsageError(`${flag}: '${path}' is a folder; name a file to write`);
}

/**
 * Writes every output of a run, or none: each file is first written beside itself and then
 * renamed over the old one, so that a failure (a full disk, a folder in the way) leaves every
 * file as it was, and a crash never leaves half a report. A path that is a pipe or a device
 * (`/dev/stdout`) is written directly, before any file is replaced. A failure is a usage error
 * naming the flag the path came with.
 */
export function writeOutputs(outputs: readonly { readonly path: string; readonly text: string; readonly flag: string }[]): void {
  type Output = (typeof outputs)[number];
  const fail = (o: Output, e: unknown): never => {
    throw new UsageError(`${o.flag}: cannot write '${o.path}': ${ioReason(e)}`);
  };
  const staged: { o: Output; tmp: string; real: string }[] = [];
  const direct: Output[] = [];
  const remove = (tmp: string): void => {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Something else in its place (a folder): not ours to remove.
    }
  };
  const unstage = (from = 0): void => {
    for (const s of staged.slice(from)) remove(s.tmp);
  };
  for (const o of outputs) {
    const real = realPath(o.path);
    if (existsSync(real) && !statSync(real).isFile()) {
      direct.push(o);
      continue;
    }
    const tmp = `${real}.nizza-out.tmp`;
    try {
      writeFileSync(tmp, o.text);
    } catch (e) {
      remove(tmp);
      unstage();
      fail(o, e);
    }
    staged.push({ o, tmp, real });
  }
  // A pipe or device cannot be staged: written before any file is replaced, so that its failure too leaves them all.
  for (const o of direct) {
    try {
      writeFileSync(o.path, o.text);
    } catch (e) {
      unstage();
      fail(o, e);
    }
  }
  staged.forEach((s, i) => {
    try {
      renameSync(s.tmp, s.real);
    } catch (e) {
      unstage(i);
      fail(s.o, e);
    }
  });
}
