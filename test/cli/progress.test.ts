// The progress line on a pseudo-terminal (and never on a pipe or with --quiet), and Ctrl-C: the partial result reported as incomplete.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratch } from "./cli.js";

const BIN = join(process.cwd(), "bin", "nizza.js");
/** util-linux `script` runs a command on a pseudo-terminal of its own: stdout and stderr are then a TTY. */
const SCRIPT = "/usr/bin/script";

/** Four threads counting up a semaphore 60 times each, and a timed round trip: tens of millions of states, minutes to explore. */
const LONG = `system long {
  component server : trusted root {
    portal rpc
    semaphore s
    thread serve { loop { recv rpc -> x; reply x } }
    thread a { repeat 60 { up s } }
    thread b { repeat 60 { up s } }
    thread c { repeat 60 { up s } }
    thread d { repeat 60 { up s } }
  }
  component client : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> r } }
  invariant deadlock_free
  path round_trip: client calls server.rpc -> client gets reply
}
`;
const QUICK = `system quick {
  component sigma0 : trusted root { semaphore s; thread t { up s; down s } }
  invariant deadlock_free
}
`;
const dir = scratch({ "a_long.nizza": LONG, "b_quick.nizza": QUICK });
const long = join(dir, "a_long.nizza");
const quick = join(dir, "b_quick.nizza");

/** What the progress line always shows. */
const LINE = /states · [\d,]+ states\/s · depth \d+ · frontier [\d,]+ · [\d,]+ MiB · \d+:\d\d/;

interface Run {
  /** Everything printed so far (on a pseudo-terminal, stdout and stderr together). */
  out(): string;
  err(): string;
  /** Resolves once the output matches, or rejects after `ms`. */
  until(re: RegExp, ms: number): Promise<void>;
  /** Ctrl-C: on a pseudo-terminal typed (the terminal sends SIGINT), on a pipe sent as a signal. */
  interrupt(): void;
  /** The exit code, and the milliseconds from the last `interrupt` to the exit. */
  exit: Promise<{ code: number | null; afterInterrupt: number }>;
  /** Ends the run if it is still going (after a failed expectation). */
  end(): void;
}

/** Runs nizza with NO_COLOR, on a pseudo-terminal or with pipes. */
function run(args: string[], on: "pty" | "pipe"): Run {
  // script runs `$SHELL -c COMMAND`. A shell that stays to wait for nizza is in the terminal's
  // foreground group too and takes the typed ^C itself: dash then exits 130 once nizza has
  // exited 3 (CI's SHELL is unset, so /bin/sh, dash on Debian). `exec` leaves nizza alone there.
  const env = { ...process.env, NO_COLOR: "1", SHELL: "/bin/sh" };
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const child =
    on === "pty"
      ? spawn(SCRIPT, ["-qfec", ["exec", ...[process.execPath, BIN, ...args].map(quote)].join(" "), "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] })
      : spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  const changed = (): void => waiters.forEach((w) => w());
  child.stdout!.on("data", (d: Buffer) => ((out += d.toString()), changed()));
  child.stderr!.on("data", (d: Buffer) => ((err += d.toString()), changed()));
  let interruptedAt = 0;
  return {
    out: () => out,
    err: () => err,
    until: (re, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; printed:\n${out}${err}`)), ms);
        const check = (): void => {
          if (!re.test(out + err)) return;
          clearTimeout(timer);
          resolve();
        };
        waiters.push(check);
        check();
      }),
    interrupt: () => {
      interruptedAt = Date.now();
      if (on === "pty") child.stdin!.write("\x03");
      else child.kill("SIGINT");
    },
    exit: new Promise((resolve) => child.on("close", (code) => resolve({ code, afterInterrupt: Date.now() - interruptedAt }))),
    // On a pseudo-terminal nizza is script's child: Ctrl-C reaches it, a signal to script might not.
    end: () => void (child.exitCode === null && (on === "pty" ? child.stdin!.end("\x03\x03") : child.kill("SIGKILL"))),
  };
}

/** Runs `test` on a run of nizza, and ends the run whatever happens. */
async function withRun(args: string[], on: "pty" | "pipe", test: (r: Run) => Promise<void>): Promise<void> {
  const r = run(args, on);
  try {
    await test(r);
  } finally {
    r.end();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits before a Ctrl-C that must find a_long.nizza being explored: doubled on each retry. */
const WAITS = [2000, 4000, 8000];

/**
 * Runs nizza and sends Ctrl-C once it is exploring a_long.nizza. Nothing on a pipe says when
 * that starts, so the Ctrl-C comes after a wait; on a loaded machine (CI runs test files on
 * both cores) start-up can take longer. Ctrl-C then comes too early, and nizza does right:
 * before it takes the signal it dies of it (no message); before the first scenario
 * starts, that scenario is "not checked". Either way the run is repeated with twice the wait.
 * (Killed by the signal, nizza exits with no code on a pipe and 130 through script.)
 * The last run is returned whatever it did, for the test's expectations to judge.
 */
async function interruptedRun(args: string[], on: "pty" | "pipe"): Promise<{ r: Run; code: number | null; afterInterrupt: number }> {
  for (let k = 0; ; k++) {
    const r = run(args, on);
    try {
      await sleep(WAITS[k]!);
      r.interrupt();
      const { code, afterInterrupt } = await r.exit;
      const text = r.out() + r.err();
      const early = ((code === null || code === 130) && !text.includes("nizza: interrupted")) || /not checked: [^\n]*a_long\.nizza/.test(text);
      if (!early || k === WAITS.length - 1) return { r, code, afterInterrupt };
    } finally {
      r.end();
    }
  }
}

describe.runIf(existsSync(SCRIPT))("the progress line", () => {
  it.concurrent("appears on a terminal after a second of exploration, and is cleared before the report; Ctrl-C typed there stops the check", async () => {
    await withRun(["check", long], "pty", async (r) => {
      await r.until(LINE, 8000);
      expect(r.out()).toContain(`${long}: `); // the line names the scenario
      r.interrupt();
      const { code, afterInterrupt } = await r.exit;
      expect(code).toBe(3);
      expect(afterInterrupt).toBeLessThan(5000);
      const text = r.out();
      expect(text).toContain("nizza: interrupted: reporting what was explored so far (Ctrl-C again to quit at once)");
      // The line is taken off (cursor to column 1, line erased) before the report, which starts on a clean line.
      expect(text).toMatch(/\x1b\[2K[^\n]*system long\r?\n/);
      const report = text.slice(text.lastIndexOf("system long"));
      expect(report).not.toMatch(LINE);
      expect(report).toContain("? deadlock_free  incomplete: no violation in the states explored");
      expect(report).toContain("the run was interrupted before every reachable state was explored");
    });
  }, 20_000);

  it.concurrent("does not appear for a quick scenario: the terminal gets the report alone", async () => {
    await withRun(["check", quick], "pty", async (r) => {
      const { code } = await r.exit;
      expect(code).toBe(0);
      expect(r.out()).not.toMatch(/\x1b/);
      expect(r.out()).toMatch(/^[^\n]*b_quick\.nizza: system quick\r?\n/);
    });
  }, 20_000);

  it.concurrent("does not appear with --quiet, on a terminal", async () => {
    const { r, code } = await interruptedRun(["check", "--quiet", long], "pty");
    expect(code).toBe(3);
    expect(r.out()).not.toMatch(LINE);
    expect(r.out()).not.toMatch(/\x1b/);
    expect(r.out()).toContain("? deadlock_free  incomplete");
  }, 60_000);
});

describe("Ctrl-C on a pipe", () => {
  it.concurrent("check: the scenario being explored is reported as incomplete, the rest are not checked, exit 3; no progress line", async () => {
    const { r, code, afterInterrupt } = await interruptedRun(["check", dir], "pipe");
    expect(code).toBe(3);
    expect(afterInterrupt).toBeLessThan(5000);
    expect(r.err()).not.toMatch(LINE);
    expect(r.err()).toContain("nizza: interrupted: reporting what was explored so far");
    expect(r.err()).toContain(`nizza: interrupted: 1 scenario not checked: ${quick}`);
    expect(r.out()).toContain(`${long}: system long`);
    expect(r.out()).toContain("? deadlock_free  incomplete: no violation in the states explored");
    expect(r.out()).toContain("TCB(server) = { kernel, server }  0 SLOC (of the states explored)");
    expect(r.out()).toMatch(/states, [\d,]+ transitions, depth \d+, [\d.]+ s; the run was interrupted before every reachable state was explored/);
    expect(r.out()).toMatch(/paths timed on [\d,]+ states, .*; the run was interrupted before every reachable state was explored/);
    expect(r.out()).not.toContain("system quick");
  }, 60_000);

  it.concurrent("check --format json: the report of what was checked, with bound \"interrupted\"", async () => {
    const { r, code } = await interruptedRun(["check", "--format", "json", "--workers", "1", long], "pipe");
    expect(code).toBe(3);
    const doc = JSON.parse(r.out());
    expect(doc.exit).toBe(3);
    expect(doc.scenarios[0]).toMatchObject({ exit: 3, stats: { bound: "interrupted" }, invariants: [{ verdict: "incomplete" }] });
  }, 60_000);

  it.concurrent("trace: no counterexample in the states explored, exit 3", async () => {
    const { r, code } = await interruptedRun(["trace", long, "deadlock_free"], "pipe");
    expect(code).toBe(3);
    expect(r.err()).toMatch(/deadlock_free is incomplete: no violation in the [\d,]+ states explored \(the run was interrupted before every reachable state was explored\)/);
  }, 60_000);

  it.concurrent("paths: the figures of the states explored, exit 3", async () => {
    const { r, code } = await interruptedRun(["paths", long], "pipe");
    expect(code).toBe(3);
    expect(r.out()).toContain("path round_trip");
    expect(r.out()).toContain("incomplete: the run was interrupted before every reachable state was explored, so these are the figures of the states explored");
  }, 60_000);
});
