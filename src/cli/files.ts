// Command-line paths: files as given, folders expanded to the .nizza files under them (sorted), symbolic links followed.
import { readdirSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { ioReason } from "../dsl/io-error.js";

export class UsageError extends Error {}

/**
 * Expands files and folders; a path that does not exist or cannot be read is a usage error.
 * A folder is searched recursively for files named `*.nizza`, in name order, skipping names
 * that start with `.` and `node_modules`. Symbolic links are followed, to files and to folders;
 * a folder reached twice (a link back to a folder above, or two links to one folder) is
 * searched once. A dangling link, or a folder that cannot be listed, is a usage error: a
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
      const found = walk(p, new Set());
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
