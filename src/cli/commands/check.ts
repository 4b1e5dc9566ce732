// `nizza check PATH...`: explore each scenario, judge its invariants, and print a report with counterexamples.
import { availableParallelism } from "node:os";
import { checkParallel, type CheckResult } from "../../checker/check.js";
import { renderText } from "../../report/text.js";
import { scenarioFiles, UsageError } from "../files.js";
import { EXIT, compileOrReport, type Io } from "../output.js";
import type { SearchMode } from "../../checker/explore.js";

export interface CheckCommandOptions {
  readonly dfs?: boolean;
  readonly simulate?: string;
  readonly seed?: string;
  readonly workers?: string;
  readonly maxStates?: string;
  readonly maxDepth?: string;
  readonly maxMemory?: string;
  /** False with --no-symmetry. */
  readonly symmetry?: boolean;
  /** False with --no-por. */
  readonly por?: boolean;
  /** False with --no-dead-values. */
  readonly deadValues?: boolean;
}

/** A positive whole-number option, or undefined when not given. */
export function count(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${name} must be a positive whole number, not '${v}'`);
  return Number(v);
}

/** The exit code of one result: 1 if an invariant does not meet its expectation or a path its budget, 3 if one is incomplete. */
export function exitOf(r: CheckResult): number {
  const all = [...(r.asserts ? [r.asserts] : []), ...r.invariants];
  // A path counts only with a budget: without one it is measured, not judged.
  const budgets = r.paths.filter((p) => p.budget !== null);
  if (all.some((i) => i.verdict !== "incomplete" && !i.met) || budgets.some((p) => p.verdict === "violated")) return EXIT.failed;
  if (all.some((i) => i.verdict === "incomplete") || budgets.some((p) => p.verdict === "incomplete")) return EXIT.incomplete;
  return EXIT.ok;
}

export async function checkCommand(paths: readonly string[], opts: CheckCommandOptions, io: Io): Promise<number> {
  const files = scenarioFiles(paths);
  const mode: SearchMode = opts.dfs ? "dfs" : "bfs";
  const maxStates = count(opts.maxStates, "--max-states");
  const maxDepth = count(opts.maxDepth, "--max-depth");
  const maxMb = count(opts.maxMemory, "--max-memory");
  const walks = count(opts.simulate, "--simulate");
  if (opts.seed !== undefined && walks === undefined) throw new UsageError("--seed is for --simulate");
  if (walks !== undefined && opts.dfs) throw new UsageError("--simulate and --dfs exclude each other");
  const seed = opts.seed === undefined ? 1 : count(String(Number(opts.seed) + 1), "--seed")! - 1;
  const simulate = walks === undefined ? undefined : { walks, seed, maxDepth: maxDepth ?? 1000 };
  const workers = count(opts.workers, "--workers") ?? availableParallelism();
  const codes: number[] = [];
  for (const file of files) {
    const model = compileOrReport(file, io);
    if (!model) {
      codes.push(EXIT.error);
      continue;
    }
    const r = await checkParallel(model, { file }, { mode, maxStates, maxDepth, maxMemoryBytes: maxMb === undefined ? undefined : maxMb * 2 ** 20, simulate, workers, symmetry: opts.symmetry ?? true, por: opts.por ?? true, deadValues: opts.deadValues ?? true });
    io.out(renderText(file, r, { color: io.color }));
    codes.push(exitOf(r));
  }
  // The worst outcome wins: a scenario error, then a failed invariant, then an incomplete one.
  for (const code of [EXIT.error, EXIT.failed, EXIT.incomplete]) if (codes.includes(code)) return code;
  return EXIT.ok;
}
