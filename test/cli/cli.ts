// Running the built `nizza` binary as a user would, and scratch folders of scenario files, for the CLI suites.
import { expect } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";

const BIN = join(process.cwd(), "bin", "nizza.js");

export function nizza(args: string[], cwd = process.cwd(), as?: { uid: number; gid: number }): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, ...as });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/**
 * The binary with its stdout closed by the reader before it writes (as `| head -1` does once it
 * has its line): its exit code and stderr.
 */
export function nizzaClosedStdout(args: string[], cwd = process.cwd()): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, err }));
  });
}

/** The binary where file permissions hold, for tests of unreadable and unwritable files. */
export interface Restricted {
  /** Runs nizza as a user the permissions stop. */
  nizza(args: string[], cwd: string): { code: number; out: string; err: string };
  /** Makes a file or folder that user's (permissions for "the owner" are then its). */
  own(path: string): void;
}

const NOBODY = { uid: 65534, gid: 65534 };

/**
 * This user, if file permissions stop it; if this is root (whom they do not stop), `nobody`
 * (uid 65534) when it can run the binary; otherwise null: the test is skipped.
 */
export const restricted: Restricted | null = (() => {
  const probe = mkdtempSync(join(tmpdir(), "nizza-perm-"));
  try {
    const f = join(probe, "f");
    writeFileSync(f, "x");
    chmodSync(f, 0o000);
    try {
      readFileSync(f);
    } catch {
      return { nizza: (args, cwd) => nizza(args, cwd), own: () => {} };
    }
    if (process.getuid?.() !== 0) return null;
    if (nizza(["--version"], probe, NOBODY).code !== 0) return null;
    return { nizza: (args, cwd) => nizza(args, cwd, NOBODY), own: (p) => chownSync(p, NOBODY.uid, NOBODY.gid) };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

/** A fresh temporary folder holding the given files. */
/** Fails if `s` (a command's stderr) holds a JavaScript stack trace: every error is one clear message. */
export function noStack(s: string): void {
  expect(s).not.toMatch(/\n\s+at .*:\d+:\d+\)?/);
}

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
