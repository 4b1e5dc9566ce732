// Command-line paths: files as given, folders expanded to the .nizza files under them (sorted).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

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
