// `nizza check PATH...`: explore each scenario, judge its invariants, and print a report with counterexamples.
import { availableParallelism } from "node:os";
import { checkParallel, invariantsOf, type CheckResult } from "../../checker/check.js";
import { existsSync, readFileSync } from "node:fs";
import { baselineOf, baselineText, compareBaseline, parseBaseline, regressionsText, type BaselinePlaces } from "../../report/baseline.js";
import { dirname, relative, resolve, sep } from "node:path";
import { FORMATS, isFormat, renderReport, type Format } from "../../report/index.js";
import { scenarioErrors, type Report, type ScenarioOutcome } from "../../report/model.js";
import { renderText } from "../../report/text.js";
import { VERSION } from "../version.js";
import { checkOutputPath, Inputs, realPath, scenarioFiles, UsageError, writeOutputs } from "../files.js";
import { EXIT, reportCompiled, type Io } from "../output.js";
import { compileFile } from "../../dsl/compile.js";
import { interrupted, type SearchMode } from "../../checker/explore.js";
import type { Session } from "../session.js";

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
  /** True with --sleep. */
  readonly sleep?: boolean;
  /** False with --no-dead-values. */
  readonly deadValues?: boolean;
  /** --format (repeatable): text (default), or one of the machine formats (src/report/index.ts). */
  readonly format?: string | readonly string[];
  /** --output FILE (repeatable, paired with --format in order): the report goes there instead of stdout. */
  readonly output?: string | readonly string[];
  /** --baseline FILE: compare with a recorded baseline (or record it, with --update-baseline). */
  readonly baseline?: string;
  readonly updateBaseline?: boolean;
  /** --tolerance PERCENT: how much slower a path may get before it counts as a regression (default 0). */
  readonly tolerance?: string;
  /** --quiet: no progress line (src/cli/progress.ts). */
  readonly quiet?: boolean;
}

/**
 * A whole-number option (decimal digits) from `min` to `max`, or undefined when not given. `max`
 * is at most Number.MAX_SAFE_INTEGER: a larger number would not be the number typed.
 */
export function whole(v: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const digits = /^\d+$/.test(v);
  if (digits && Number(v) >= min && Number(v) <= max) return Number(v);
  // A plain "positive" for a count, unless it is the upper end that was passed.
  const positive = min === 1 && max === Number.MAX_SAFE_INTEGER && !(digits && Number(v) > max);
  throw new UsageError(positive ? `${name} must be a positive whole number, not '${v}'` : `${name} takes a whole number from ${min} to ${max}, not '${v}'`);
}

/** A positive whole-number option, or undefined when not given. */
export const count = (v: string | undefined, name: string): number | undefined => whole(v, name, 1);

/**
 * The most threads `--workers` may ask for: each worker is a thread with its own copy of the
 * kernel and tens of MiB of heap, so thousands would exhaust memory before exploring anything.
 */
export const MAX_WORKERS = 64;

/** `--workers N` (1 to MAX_WORKERS), default the machine's cores (at most MAX_WORKERS). */
export const workersOf = (v: string | undefined): number => whole(v, "--workers", 1, MAX_WORKERS) ?? Math.min(availableParallelism(), MAX_WORKERS);

/** The largest seed and step count: the generator (checker/random.ts) takes a seed modulo 2^32, so 2^32 would repeat seed 0. */
export const WORD_MAX = 2 ** 32 - 1;

/**
 * The exit code of one result: 1 if an invariant does not meet its expectation or a path its
 * budget; 3 if anything is left without a verdict (spec/invariants.md §1: incomplete is never a
 * pass): an incomplete invariant, a path with no figures or figures of only the states explored
 * (budget or not), TCB sets of only the states explored, or a check cut short by Ctrl-C.
 */
export function exitOf(r: CheckResult): number {
  const all = invariantsOf(r);
  // A path counts only with a budget: without one it is measured, not judged.
  const budgets = r.paths.filter((p) => p.budget !== null);
  if (all.some((i) => i.verdict !== "incomplete" && !i.met) || budgets.some((p) => p.verdict === "violated")) return EXIT.failed;
  if (all.some((i) => i.verdict === "incomplete") || r.paths.some((p) => p.verdict === "incomplete")) return EXIT.incomplete;
  // TCB sets are partial when the exploration stopped early: for a bound (or a simulation's
  // walks), which leaves them incomplete, even when every invariant has its verdict; or because
  // every invariant had its verdict, which is the verdict asked for (the sets are then the ones
  // of the states that decided it: bound "stopped").
  if (r.tcbPartial && r.tcb.length > 0 && r.stats.bound !== "stopped") return EXIT.incomplete;
  // Paths without a budget are not judged, but their figures are those of the states explored before the interrupt.
  if (wasInterrupted(r)) return EXIT.incomplete;
  return EXIT.ok;
}

/**
 * With a `session` (session.ts), progress goes to its line and its interrupt flag stops the
 * check: the scenario being explored reports what it explored, and the rest are not checked.
 */
export async function checkCommand(paths: readonly string[], opts: CheckCommandOptions, io: Io, session?: Session): Promise<number> {
  const files = scenarioFiles(paths);
  const mode: SearchMode = opts.dfs ? "dfs" : "bfs";
  const maxStates = count(opts.maxStates, "--max-states");
  const maxDepth = count(opts.maxDepth, "--max-depth");
  const maxMb = count(opts.maxMemory, "--max-memory");
  const walks = count(opts.simulate, "--simulate");
  if (opts.seed !== undefined && walks === undefined) throw new UsageError("--seed is for --simulate");
  if (walks !== undefined && opts.dfs) throw new UsageError("--simulate and --dfs exclude each other");
  if (walks !== undefined) {
    // What a simulation would silently ignore is refused, as `graph` refuses bounds without --trace.
    const notForWalks: readonly (readonly [string, boolean, string])[] = [
      ["--max-states", opts.maxStates !== undefined, "random walks are bounded by their number (--simulate WALKS) and length (--max-depth)"],
      ["--workers", opts.workers !== undefined, "a simulation walks on one thread"],
      ["--no-por", opts.por === false, "a simulation walks the real system, with no reduction to switch off"],
      ["--sleep", opts.sleep === true, "a simulation walks the real system, with no reduction to switch on"],
      ["--no-symmetry", opts.symmetry === false, "a simulation walks the real system, with no reduction to switch off"],
    ];
    for (const [flag, given, why] of notForWalks) if (given) throw new UsageError(`${flag} is for a search, not --simulate: ${why}`);
  }
  const seed = whole(opts.seed, "--seed", 0, WORD_MAX) ?? 1;
  const simulate = walks === undefined ? undefined : { walks, seed, maxDepth: maxDepth ?? 1000 };
  if (opts.workers !== undefined && opts.dfs) throw new UsageError("--workers is for the breadth-first search: a depth-first one runs on one thread");
  if (opts.sleep && opts.dfs) throw new UsageError("--sleep is for the breadth-first search: a depth-first one keeps no sleep sets");
  if (opts.sleep && opts.por === false) throw new UsageError("--sleep and --no-por exclude each other: sleep sets are a partial-order reduction");
  const workers = workersOf(opts.workers);
  const reports = reportsOf(opts);
  // The text report goes to the terminal scenario by scenario, as each is checked; a file or
  // another format gets the whole run at the end.
  const streaming = reports.some((r) => r.format === "text" && r.output === undefined);
  // The same for the baseline: read (or check that it can be written) before exploring.
  const gate = baselineGate(opts);
  // Every scenario is compiled before the first is explored, so that no output can overwrite
  // a scenario or a file one imports, nor the baseline (spec/report.md).
  const compiled = files.map((file) => compileFile(file));
  const inputs = new Inputs();
  files.forEach((file, k) => inputs.addScenario(file, compiled[k]!));
  if (opts.updateBaseline) inputs.refuse(opts.baseline!, "--baseline", "baseline");
  if (opts.baseline !== undefined) inputs.add(opts.baseline, "the --baseline file");
  for (const { output } of reports) if (output !== undefined) inputs.refuse(output, "--output", "report");
  const scenarios: ScenarioOutcome[] = [];
  const interrupt = session?.interrupt;
  let unchecked: readonly string[] = [];
  for (const [k, file] of files.entries()) {
    if (interrupted(interrupt)) {
      unchecked = files.slice(k);
      break;
    }
    session?.scenario(file);
    const c = reportCompiled(file, compiled[k]!, io);
    if (!c.model) {
      scenarios.push({ file, result: null, errors: scenarioErrors(c.diagnostics, c.sources), exit: EXIT.error });
      continue;
    }
    const r = await checkParallel(c.model, { file }, { mode, maxStates, maxDepth, maxMemoryBytes: maxMb === undefined ? undefined : maxMb * 2 ** 20, simulate, workers, symmetry: opts.symmetry ?? true, por: opts.por ?? true, sleep: opts.sleep ?? false, deadValues: opts.deadValues ?? true, interrupt, progress: session?.progress });
    if (streaming) io.out(renderText(file, r, { color: io.color }));
    scenarios.push({ file, result: r, errors: [], exit: exitOf(r) });
  }
  if (unchecked.length > 0) io.err(`nizza: interrupted: ${unchecked.length} scenario${unchecked.length === 1 ? "" : "s"} not checked: ${listed(unchecked)}\n`);
  // Scenarios not checked leave the run incomplete, whatever the ones checked say.
  let report: Report = { tool: { name: "nizza", version: VERSION }, scenarios, exit: worstExit([...scenarios.map((s) => s.exit), ...(unchecked.length > 0 ? [EXIT.incomplete] : [])]) };
  // The baseline is compared (or recorded) before the reports are rendered: a regression is in
  // every report and in its exit code, not only on stderr.
  if (gate && (unchecked.length > 0 || scenarios.some((s) => s.result && wasInterrupted(s.result)))) io.err(`nizza: the run was interrupted: baseline ${opts.updateBaseline ? "not recorded" : "not compared"}\n`);
  else if (gate) report = gate(report, io);
  // Every file is written, or none (writeOutputs); what goes to stdout after them.
  const written: { path: string; text: string; flag: string }[] = [];
  let stdout: string | null = null;
  for (const { format, output } of reports) {
    if (format === "text" && output === undefined) continue; // streamed
    // A file never gets colour; the terminal does when it supports it.
    const text = await renderReport(format, report, { color: output === undefined && io.color });
    if (output === undefined) stdout = text;
    else written.push({ path: output, text, flag: "--output" });
  }
  writeOutputs(written);
  if (stdout !== null) io.out(stdout);
  return report.exit;
}

/**
 * The reports a run writes: `--format F --output FILE` pairs, in order (one run, several
 * reports: SARIF for code scanning, html for reviewers...); a single `--format` may go to
 * stdout. Checked before exploring: the formats, that they pair with the outputs, and that
 * each output's folder exists.
 */
function reportsOf(opts: CheckCommandOptions): { readonly format: Format; readonly output: string | undefined }[] {
  const formats = opts.format === undefined ? ["text"] : typeof opts.format === "string" ? [opts.format] : [...opts.format];
  const outputs = opts.output === undefined ? [] : typeof opts.output === "string" ? [opts.output] : opts.output;
  for (const f of formats) if (!isFormat(f)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not '${f}'`);
  if (opts.format === undefined && outputs.length > 1) throw new UsageError("several --output files need a --format for each (--format F --output FILE, repeated)");
  if (outputs.length > formats.length || (formats.length > 1 && outputs.length < formats.length - 1))
    throw new UsageError(`${formats.length} --format and ${outputs.length} --output: give each format its file (--format F --output FILE, repeated); at most the last may go to stdout`);
  for (const o of outputs) checkOutputPath(o, "--output");
  if (new Set(outputs.map(realPath)).size < outputs.length) throw new UsageError("--output: the same file twice");
  return formats.map((format, i) => ({ format: format as Format, output: outputs[i] }));
}

/** Whether Ctrl-C cut either exploration of a check short. */
function wasInterrupted(r: CheckResult): boolean {
  return r.stats.bound === "interrupted" || r.pathStats?.bound === "interrupted";
}

/** The first few files of a list, and how many more. */
function listed(files: readonly string[]): string {
  const shown = files.slice(0, 3).join(", ");
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

/**
 * `--baseline FILE` (with `--update-baseline`, `--tolerance`): checked before exploring, applied
 * to the report after, before it is rendered: the report it returns has the gate's exit code
 * and, when compared, what the comparison found. Null without `--baseline`.
 */
function baselineGate(opts: CheckCommandOptions): ((report: Report, io: Io) => Report) | null {
  if (opts.baseline === undefined) {
    if (opts.updateBaseline) throw new UsageError("--update-baseline needs --baseline FILE: where to record it");
    if (opts.tolerance !== undefined) throw new UsageError("--tolerance is for --baseline");
    return null;
  }
  const file = opts.baseline;
  const tolerance = opts.tolerance === undefined ? 0 : Number(opts.tolerance);
  if (opts.tolerance !== undefined && (!/^\d+(\.\d+)?$/.test(opts.tolerance) || !Number.isFinite(tolerance))) throw new UsageError(`--tolerance is a percentage (0 or more), not '${opts.tolerance}'`);
  const places = placesOf(file);
  if (opts.updateBaseline) {
    checkOutputPath(file, "--baseline");
    return (report, io) => {
      const broken = report.scenarios.filter((s) => s.exit === EXIT.error).map((s) => s.file);
      if (broken.length) {
        io.err(`nizza: baseline not recorded: ${broken.join(", ")} ${broken.length === 1 ? "has" : "have"} errors, and a baseline without ${broken.length === 1 ? "it" : "them"} would not guard ${broken.length === 1 ? "it" : "them"}\n`);
        return { ...report, exit: EXIT.error };
      }
      writeOutputs([{ path: file, text: baselineText(baselineOf(report, places)), flag: "--baseline" }]);
      io.err(`nizza: baseline recorded in ${file} (${report.scenarios.length} scenario${report.scenarios.length === 1 ? "" : "s"})\n`);
      return report;
    };
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--baseline: cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (record one with --update-baseline)`);
  }
  const base = parseBaseline(text);
  if (typeof base === "string") throw new UsageError(`--baseline: ${file}: ${base}`);
  return (report, io) => {
    const { regressions: found, notInRun } = compareBaseline(base, report, tolerance, places);
    const baseline = { file, regressions: found, notCompared: notInRun };
    if (notInRun.length > 0) io.err(`nizza: ${notInRun.length} scenario${notInRun.length === 1 ? "" : "s"} of the baseline not checked in this run, so not compared: ${listed(notInRun)}\n`);
    if (found.length === 0) {
      io.err(`nizza: no regression against the baseline ${file}\n`);
      return { ...report, baseline };
    }
    io.err(`nizza: ${regressionsText(file, found)}`);
    return { ...report, baseline, exit: report.exit === EXIT.error ? EXIT.error : EXIT.failed };
  };
}

/**
 * How the baseline `file` keys scenarios: by path from the baseline's folder to the scenario
 * file, symbolic links resolved, with forward slashes, so that `a.nizza`, `./a.nizza`, an
 * absolute path and a run from another folder give the same key. A key written before keys
 * were relative to the baseline (relative to the working folder of the run that recorded it)
 * still names the file it leads to from here.
 */
function placesOf(file: string): BaselinePlaces {
  const folder = realPath(dirname(resolve(file)));
  const key = (f: string): string => relative(folder, realPath(f)).split(sep).join("/");
  return {
    key,
    names: (k, f) => k === key(f) || realPath(resolve(folder, k)) === realPath(f) || realPath(resolve(k)) === realPath(f),
    exists: (k) => existsSync(resolve(folder, k)) || existsSync(resolve(k)),
  };
}

/** The worst outcome wins: a scenario error, then a failed invariant, then an incomplete one. */
export function worstExit(codes: readonly number[]): number {
  for (const code of [EXIT.error, EXIT.failed, EXIT.incomplete]) if (codes.includes(code)) return code;
  return EXIT.ok;
}
