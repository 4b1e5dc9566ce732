// A long command's session: `check`, `tcb`, `paths`, `trace` or `graph` runs in a worker thread while this thread keeps the terminal (progress line, Ctrl-C).
import { Worker } from "node:worker_threads";
import type { ProgressPhase } from "../checker/check.js";
import type { Progress } from "../checker/explore.js";
import { workerScript } from "../checker/worker-script.js";
import type { CheckCommandOptions } from "./commands/check.js";
import type { PathsCommandOptions } from "./commands/paths.js";
import type { GraphCommandOptions } from "./commands/graph.js";
import type { TcbCommandOptions } from "./commands/tcb.js";
import type { TraceCommandOptions } from "./commands/trace.js";
import { UsageError } from "./files.js";
import type { Io } from "./output.js";
import { ProgressLine } from "./progress.js";

/**
 * What a command running in a session is given. An exploration is one synchronous loop: the
 * thread running it cannot see a signal until it ends. So the command runs in a worker, and this
 * thread, free, takes Ctrl-C and sets `interrupt`, a flag in shared memory that the explorers
 * read every few thousand states (ExploreOptions.interrupt).
 */
export interface Session {
  /** Set on the first Ctrl-C: the exploration under way stops and reports what it explored; no other scenario is checked. */
  readonly interrupt: Int32Array;
  /** A scenario starts: its progress line, if one is shown, starts too. */
  scenario(file: string): void;
  /** How far an exploration of that scenario has got; undefined when no line is shown (stderr is not a terminal, or --quiet). */
  readonly progress: ((p: Progress, phase: ProgressPhase) => void) | undefined;
}

/** The commands a session runs, with their arguments as commander parsed them. */
export type SessionCommand =
  | { readonly name: "check"; readonly paths: readonly string[]; readonly opts: CheckCommandOptions }
  | { readonly name: "tcb"; readonly paths: readonly string[]; readonly opts: TcbCommandOptions }
  | { readonly name: "paths"; readonly file: string; readonly opts: PathsCommandOptions }
  | { readonly name: "trace"; readonly file: string; readonly invariant: string; readonly opts: TraceCommandOptions }
  | { readonly name: "graph"; readonly file: string; readonly opts: GraphCommandOptions };

/** The worker's `workerData`. */
export interface SessionSetup {
  readonly command: SessionCommand;
  readonly color: boolean;
  /** Whether to send progress reports (a line is shown). */
  readonly progress: boolean;
  readonly interrupt: Int32Array;
}

/** What the worker sends this thread, in the order it happens. */
export type SessionMessage =
  | { readonly kind: "out" | "err"; readonly text: string }
  | { readonly kind: "scenario"; readonly file: string }
  | { readonly kind: "progress"; readonly p: Progress; readonly phase: ProgressPhase }
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "usage"; readonly message: string }
  | { readonly kind: "crash"; readonly stack: string };

/** The exit code of a second Ctrl-C, which quits at once: 128 + SIGINT, as shells report it. */
export const EXIT_FORCED = 130;

/**
 * Runs `command` in a worker thread and resolves to its exit code. Its output is written to
 * `io` here, in order, the progress line cleared first. The first Ctrl-C sets the interrupt
 * flag (the command then reports what it explored, as incomplete); a second quits at once
 * with EXIT_FORCED.
 */
export async function runSession(command: SessionCommand, io: Io, options: { readonly quiet: boolean }): Promise<number> {
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const line = new ProgressLine(process.stderr, !options.quiet && process.stderr.isTTY === true);
  const worker = new Worker(workerScript(import.meta.url, "./session-worker.js", "the CLI's session worker"), { workerData: { command, color: io.color, progress: line.enabled, interrupt } satisfies SessionSetup });
  let presses = 0;
  const onInterrupt = (): void => {
    line.clear();
    if (++presses > 1) process.exit(EXIT_FORCED);
    Atomics.store(interrupt, 0, 1);
    io.err("nizza: interrupted: reporting what was explored so far (Ctrl-C again to quit at once)\n");
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await new Promise<number>((resolve, reject) => {
      worker.on("message", (m: SessionMessage) => {
        switch (m.kind) {
          case "out":
            line.clear();
            return io.out(m.text);
          case "err":
            line.clear();
            return io.err(m.text);
          case "scenario":
            return line.begin(m.file);
          case "progress":
            return line.update(m.p, m.phase);
          case "exit":
            return resolve(m.code);
          case "usage":
            return reject(new UsageError(m.message));
          case "crash": {
            const e = new Error("the command's worker thread failed");
            e.stack = m.stack;
            return reject(e);
          }
        }
      });
      worker.on("error", reject);
      worker.on("exit", (code) => reject(new Error(`the command's worker thread exited (code ${code}) without an exit code`)));
    });
  } finally {
    line.clear();
    process.off("SIGINT", onInterrupt);
    await worker.terminate();
  }
}
