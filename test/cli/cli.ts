// Running the built `nizza` binary as a user would, and scratch folders of scenario files, for the CLI suites.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";

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

/** The CLI in this process (as the binary runs it, without the start-up): its exit code, stdout and stderr. */
export async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const line = (t: string): string => (t.endsWith("\n") ? t : t + "\n");
  const code = await main(args, { out: (t) => void (out += line(t)), err: (t) => void (err += line(t)), color: false });
  return { code, out, err };
}

/** A scenario whose one invariant no bound small enough for a test decides: explored to a bound, it is incomplete. */
export const BIG = `system big {
  component sigma0 : trusted root { memory page 4K [owned]; thread main { delegate page -> alice : rw; revoke page } }
  component alice : untrusted { }
  invariant never holds(alice, sigma0.page) and not holds(alice, sigma0.page)
}
`;
