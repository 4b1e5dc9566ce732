// `nizza paths FILE [--costs P1,P2,...]`: every path of a scenario timed under each cost preset, side by side.
import pc from "picocolors";
import { renderPathsTable } from "../../report/paths.js";
import { measurePaths, presetOf } from "../../timing/measure.js";
import { COST_PRESETS, type CostPreset } from "../../timing/presets.js";
import { UsageError } from "../files.js";
import { EXIT, compileOrReport, type Io } from "../output.js";
import type { Session } from "../session.js";
import { count } from "./check.js";

export interface PathsCommandOptions {
  readonly costs?: string;
  readonly maxStates?: string;
  readonly maxDepth?: string;
  readonly maxMemory?: string;
  /** False with --no-por. */
  readonly por?: boolean;
  /** False with --no-dead-values. */
  readonly deadValues?: boolean;
  /** --quiet: no progress line (src/cli/progress.ts). */
  readonly quiet?: boolean;
}

/** The presets of `--costs`, in the order given (duplicates dropped). */
export function parseCosts(v: string): CostPreset[] {
  const names = v.split(",").map((x) => x.trim());
  const out: CostPreset[] = [];
  for (const name of names) {
    const p = presetOf(name);
    if (!p) throw new UsageError(`--costs: unknown cost preset '${name}' (presets are ${Object.keys(COST_PRESETS).join(", ")}, and monolithic for linux-monolithic)`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Exit codes as `check`'s: 0 when every budget holds under the first preset, 1 when one is over
 * (or unbounded), 2 for a scenario or usage error, 3 when the exploration was cut short by a bound
 * or by Ctrl-C (the `session`'s interrupt flag; it also shows the progress line).
 */
export function pathsCommand(file: string, opts: PathsCommandOptions, io: Io, session?: Session): number {
  const presets = opts.costs === undefined ? null : parseCosts(opts.costs);
  const maxStates = count(opts.maxStates, "--max-states");
  const maxDepth = count(opts.maxDepth, "--max-depth");
  const maxMb = count(opts.maxMemory, "--max-memory");
  session?.scenario(file);
  const { model } = compileOrReport(file, io);
  if (!model) return EXIT.error;
  const o = measurePaths(model, presets ?? [model.kernel.costs], {
    maxStates,
    maxDepth,
    maxMemoryBytes: maxMb === undefined ? undefined : maxMb * 2 ** 20,
    por: opts.por ?? true,
    deadValues: opts.deadValues ?? true,
    interrupt: session?.interrupt,
    progress: session?.progress && ((p) => session.progress!(p, "paths")),
  });
  io.out(renderPathsTable(file, model.name, o, pc.createColors(io.color)));
  const budgets = o.paths.filter((p) => p.budget !== null);
  if (budgets.some((p) => p.verdict === "violated")) return EXIT.failed;
  if (o.bound !== null) return EXIT.incomplete;
  return EXIT.ok;
}
