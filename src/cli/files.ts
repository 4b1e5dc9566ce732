// Command-line paths: files as given, folders expanded to the .nizza files under them (sorted); the inputs an output must not overwrite.
import { readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export class UsageError extends Error {}

/** Expands files and folders; a path that does not exist is a usage error. */
export function scenarioFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (st.isDirectory()) {
      const found = walk(p);
      if (found.length === 0) throw new UsageError(`no .nizza files under ${p}`);
      out.push(...found);
    } else out.push(p);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && e.name.endsWith(".nizza")) out.push(p);
  }
  return out;
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

  /** A usage error when `output` (given with `flag`, to receive `product`) is one of the inputs. */
  refuse(output: string, flag: string, product: string): void {
    const what = this.what.get(realPath(output));
    if (what !== undefined) throw new UsageError(`${flag}: '${output}' is ${what}: writing the ${product} there would overwrite it; choose another file`);
  }
}
