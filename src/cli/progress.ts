// The progress line: one live line on the terminal for a long exploration (states, rate, depth, frontier, memory, elapsed).
import cliProgress from "cli-progress";
import type { ProgressPhase } from "../checker/check.js";
import type { Progress } from "../checker/explore.js";

/** How long a scenario runs before its line appears: a quick one prints nothing extra. */
export const SHOW_AFTER_MS = 1000;

/**
 * The line is drawn with cli-progress, which redraws it in place at most 10 times a second and
 * draws nothing on a stream that is not a terminal. It is shown only when `enabled` (stderr is
 * a terminal and there is no `--quiet`), only once a scenario has run SHOW_AFTER_MS, and it
 * must be cleared (`clear`) before anything else is written to the terminal; the next report
 * draws it again.
 */
export class ProgressLine {
  private bar: cliProgress.SingleBar | null = null;
  private file = "";
  private started = 0;
  /** The exploration being reported (a check explores again when it has paths, or when MMIO windows need more values) and when it began. */
  private phase: ProgressPhase | null = null;
  private phaseStarted = 0;
  private lastStates = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    readonly enabled: boolean,
  ) {}

  /** A scenario starts: its clock starts; nothing is shown yet. */
  begin(file: string): void {
    this.clear();
    this.file = file;
    this.started = Date.now();
    this.phase = null;
  }

  /** How far an exploration of the current scenario has got. */
  update(p: Progress, phase: ProgressPhase): void {
    if (!this.enabled) return;
    const now = Date.now();
    // A new exploration, or the same one started again (the parallel search after its one-thread probe): the rate starts again.
    if (phase !== this.phase || p.states < this.lastStates) {
      this.phase = phase;
      this.phaseStarted = now;
    }
    this.lastStates = p.states;
    if (now - this.started < SHOW_AFTER_MS) return;
    const payload = { head: this.text(p, phase, now) };
    if (this.bar) {
      this.bar.update(payload);
      return;
    }
    this.bar = new cliProgress.SingleBar({
      stream: this.stream,
      // The clock is read at each redraw: it runs on while the exploration reports nothing (parallel workers starting).
      format: (_o, _p, payload: { head: string }) => `${payload.head} · ${clock(Date.now() - this.started)}`,
      fps: 10,
      hideCursor: true,
      clearOnComplete: true,
      linewrap: false,
    });
    this.bar.start(0, 0, payload);
  }

  /** Takes the line off the terminal, if it is on it. */
  clear(): void {
    this.bar?.stop();
    this.bar = null;
  }

  private text(p: Progress, phase: ProgressPhase, now: number): string {
    const seconds = (now - this.phaseStarted) / 1000;
    const rate = seconds > 0.05 ? Math.round(p.states / seconds) : 0;
    const what = phase === "paths" ? `${this.file}, timing paths` : phase === "again" ? `${this.file}, again with more data from outside in MMIO windows` : this.file;
    return [
      `${what}: ${n(p.states)} states`,
      `${n(rate)} states/s`,
      `depth ${n(p.depth)}`,
      `frontier ${n(p.frontier)}`,
      `${n(Math.ceil(p.bytes / 2 ** 20))} MiB`,
    ].join(" · ");
  }
}

function n(x: number): string {
  return x.toLocaleString("en-US");
}

/** Elapsed time as m:ss, or h:mm:ss past an hour. */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (x: number): string => String(x).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
