// Command-line paths: files as given, folders expanded to the .nizza files under them (sorted), symbolic links followed; the inputs an output must not overwrite.
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Compiled } from "../dsl/compile.js";
import { ioReason } from "../dsl/io-error.js";

export class UsageError extends Error {}

/**
 * Expands files and folders; a path that does not exist or cannot be read is a usage error.
 * A folder is searched recursively for files named `*.nizza`, in name order, skipping names
 * that start with `.` and `node_modules`. Symbolic links are followed, to files and to folders;
 * a folder reached twice (a link back to a folder above, or two links to one folder) is
 * searched once, and a file reached twice is listed once (`onceEach`). A dangling link, or a
 * folder that cannot be listed, is a usage error: a
 * search never skips what it cannot see.
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
  return out;
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
    let isFile = e.isFile();
    // A symbolic link, or an entry whose type the file system did not say: what it leads to.
    if (!isDir && !isFile) {
      const target = linkTarget(p);
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDir) out.push(...walk(p, seen));
    else if (isFile && e.name.endsWith(".nizza")) out.push(p);
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
  const keep = new Set(chosen.values());
  return files.filter((f) => keep.has(f));
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

  /** Records a scenario and every file its compilation `c` read (its imports, directly or not). */
  addScenario(file: string, c: Compiled): void {
    this.add(file, `the scenario ${file}`);
    for (const f of c.loaded.files.keys()) if (f !== file) this.add(f, `${f}, which the scenario ${file} imports`);
  }

  /** A usage error when `output` (given with `flag`, to receive `product`) is one of the inputs. */
  refuse(output: string, flag: string, product: string): void {
    const what = this.what.get(realPath(output));
    if (what !== undefined) throw new UsageError(`${flag}: '${output}' is ${what}: writing the ${product} there would overwrite it; choose another file`);
  }
}
