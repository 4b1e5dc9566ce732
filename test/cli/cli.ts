// Running the built `nizza` binary as a user would, and scratch folders of scenario files, for the CLI suites.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = join(process.cwd(), "bin", "nizza.js");

export function nizza(args: string[], cwd = process.cwd()): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A fresh temporary folder holding the given files. */
export function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "nizza-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
