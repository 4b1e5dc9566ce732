// `nizza trace FILE INVARIANT`: one invariant's counterexample alone, in any report format; and how a command names an invariant and finds its counterexample.
import { checkParallel, invariantText, type CheckResult, type InvariantResult } from "../../checker/check.js";
import type { StmtModel, SystemModel } from "../../dsl/model.js";
import { BOUND_TEXT } from "../../report/text.js";
import { FORMATS, isFormat, renderReport } from "../../report/index.js";
import type { Report } from "../../report/model.js";
import { checkOutputPath, Inputs, UsageError, writeOutputs } from "../files.js";
import { EXIT, reportCompiled, type Io } from "../output.js";
import { compileFile, type Compiled } from "../../dsl/compile.js";
import type { Session } from "../session.js";
import { VERSION } from "../version.js";
import { count, exitOf, workersOf } from "./check.js";

/** The exploration options `trace` and `graph --trace` share with `check`. */
export interface ExplorationOptions {
  readonly maxStates?: string;
  readonly maxDepth?: string;
  readonly maxMemory?: string;
  readonly workers?: string;
  /** False with --no-por. */
  readonly por?: boolean;
  /** False with --no-symmetry. */
  readonly symmetry?: boolean;
  /** False with --no-dead-values. */
  readonly deadValues?: boolean;
  /** --quiet: no progress line (src/cli/progress.ts). */
  readonly quiet?: boolean;
}

export interface TraceCommandOptions extends ExplorationOptions {
  readonly format?: string;
  readonly output?: string;
}

/** An invariant as a command names it: one of the scenario's invariants (by index), or its failed asserts. */
export type Chosen = { readonly kind: "invariant"; readonly index: number } | { readonly kind: "assert" };

function hasAssert(body: readonly StmtModel[]): boolean {
  return body.some(
    (s) =>
      s.kind === "assert" ||
      ((s.kind === "loop" || s.kind === "repeat") && hasAssert(s.body)) ||
      (s.kind === "choose" && s.branches.some(hasAssert)) ||
      (s.kind === "if" && (hasAssert(s.then) || hasAssert(s.else))),
  );
}

/** Every name a user can give, one per line: `#1 leak: never flows(...)`, and `assert` when there are assert statements. */
function invariantList(model: SystemModel): string {
  const lines = model.invariants.map((inv, i) => `  #${i + 1}  ${inv.name ? `${inv.name}: ` : ""}${invariantText(model, inv)}`);
  if (model.threads.some((t) => hasAssert(t.body))) lines.push("  assert  (every assert statement holds)");
  return lines.length ? lines.join("\n") : "  (none: the scenario has no invariant and no assert statement)";
}

/**
 * The invariant `query` names in `model`: `assert` (the failed-asserts check), `#N` (the Nth
 * invariant as written, from 1), an invariant's name, or its property as written (whitespace
 * does not matter; a leading `invariant`, the name and the `expect` clause may be given).
 * A string says why none is meant, listing what can be named.
 */
function chooseInvariant(model: SystemModel, query: string): Chosen | string {
  const q = query.trim();
  const squash = (s: string): string => s.replace(/\s+/g, "");
  const none = (why: string): string => `${why}; the invariants of ${model.name} are:\n${invariantList(model)}`;
  if (q === "assert") return model.threads.some((t) => hasAssert(t.body)) ? { kind: "assert" } : none(`${model.name} has no assert statement`);
  const n = /^#(\d+)$/.exec(q);
  if (n) {
    const i = Number(n[1]) - 1;
    return i >= 0 && i < model.invariants.length ? { kind: "invariant", index: i } : none(`no invariant #${n[1]}`);
  }
  const byName = model.invariants.flatMap((inv, i) => (inv.name === q ? [i] : []));
  const want = squash(q.replace(/^invariant\s+/, "").replace(/\s+expect\s+(violated|holds)$/, ""));
  const byText = model.invariants.flatMap((inv, i) => {
    const text = squash(invariantText(model, model.invariants[i]!));
    return want === text || (inv.name !== null && want === squash(`${inv.name}:`) + text) ? [i] : [];
  });
  if (byName.length === 1 && byText.every((i) => i === byName[0])) return { kind: "invariant", index: byName[0]! };
  // Copies of one library invariant that imports bound apart share its name (spec/language.md §3),
  // and a name may be another invariant's property (`deadlock_free`).
  if (byName.length > 0) {
    const all = [...new Set([...byName, ...byText])].sort((a, b) => a - b);
    return none(`'${q}' names ${all.length} invariants (${all.map((i) => `#${i + 1}`).join(", ")}): name one by its number or as 'NAME: PROPERTY'`);
  }
  const matches = byText;
  if (matches.length === 1) return { kind: "invariant", index: matches[0]! };
  if (matches.length > 1) return none(`'${q}' names ${matches.length} invariants (${matches.map((i) => `#${i + 1}`).join(", ")}): name one by its number`);
  // The query as given (not trimmed): a blank one is seen to be blank.
  return none(q === "" ? `no invariant named by an empty name ('${query}') in ${model.name}` : `no invariant '${q}' in ${model.name}`);
}

/** The options of `checkParallel` the exploration options give, as `check` has them by default. */
export function checkOptions(opts: ExplorationOptions) {
  const maxMb = count(opts.maxMemory, "--max-memory");
  return {
    maxStates: count(opts.maxStates, "--max-states"),
    maxDepth: count(opts.maxDepth, "--max-depth"),
    maxMemoryBytes: maxMb === undefined ? undefined : maxMb * 2 ** 20,
    workers: workersOf(opts.workers),
    symmetry: opts.symmetry ?? true,
    por: opts.por ?? true,
    deadValues: opts.deadValues ?? true,
  };
}

/**
 * The invariant `query` names, checked as `nizza check` checks the scenario with that invariant
 * alone (no other invariant, no paths: the search stops once it is violated, not once every
 * invariant is), with its counterexample and the model it was checked in (a replay needs that
 * model: which values are dead depends on the invariants); or the exit code when there is none
 * to show (the reason said on stderr): 2 for an unknown invariant, 1 when it holds, 3 when a
 * bound was reached first (noCounterexample).
 */
export async function counterexampleOf(
  file: string,
  model: SystemModel,
  query: string,
  opts: ExplorationOptions,
  io: Io,
  session?: Session,
): Promise<{ readonly chosen: Chosen; readonly result: CheckResult; readonly invariant: InvariantResult; readonly model: SystemModel } | number> {
  const chosen = chooseInvariant(model, query);
  if (typeof chosen === "string") {
    io.err(`nizza: ${file}: ${chosen}\n`);
    return EXIT.error;
  }
  session?.scenario(file);
  const alone: SystemModel = { ...model, invariants: chosen.kind === "assert" ? [] : [model.invariants[chosen.index]!], paths: [] };
  const result = await checkParallel(alone, { file }, { ...checkOptions(opts), interrupt: session?.interrupt, progress: session?.progress });
  const found = chosen.kind === "assert" ? result.asserts : result.invariants[0];
  if (!found) throw new Error(`check returned no result for ${chosen.kind === "assert" ? "the asserts" : `invariant #${chosen.index + 1}`}`);
  // Numbered as in the scenario.
  const invariant = chosen.kind === "assert" ? found : { ...found, index: chosen.index };
  return noCounterexample(io, file, result, invariant) ?? { chosen, result, invariant, model: alone };
}

/** `name: text`, or the text. */
export function invariantLabel(inv: InvariantResult): string {
  return `${inv.name ? `${inv.name}: ` : ""}${inv.text}`;
}

/**
 * When the invariant has no counterexample, says why on stderr and returns the exit code: 1
 * when it holds (nothing to show), 3 when the exploration stopped at a bound first. Null
 * when there is a counterexample (an expected violation has one too).
 */
function noCounterexample(io: Io, file: string, result: CheckResult, inv: InvariantResult): number | null {
  if (inv.counterexample) return null;
  if (inv.verdict === "holds") {
    // "every assert statement holds" says it already.
    const label = invariantLabel(inv);
    io.err(`nizza: ${file}: ${label.endsWith(" holds") ? label : `${label} holds`}${inv.expect === "violated" ? " (it was expected to be violated)" : ""}: there is no counterexample to show\n`);
    return EXIT.failed;
  }
  const bound = result.stats.bound;
  const why = bound !== null && bound in BOUND_TEXT ? BOUND_TEXT[bound as keyof typeof BOUND_TEXT] : "the exploration stopped early";
  io.err(`nizza: ${file}: ${invariantLabel(inv)} is incomplete: no violation in the ${result.stats.states.toLocaleString("en-US")} states explored (${why}); raise the bounds to look further\n`);
  return EXIT.incomplete;
}

/**
 * Refuses an --output that is the scenario file or a file it imports (compared by real path, so
 * `./x` and symbolic links count), before any exploration: writing there would destroy it.
 */
export function refuseInputAsOutput(output: string | undefined, file: string, c: Compiled, product: string): void {
  if (output === undefined) return;
  const inputs = new Inputs();
  inputs.addScenario(file, c);
  inputs.refuse(output, "--output", product);
}

/**
 * The counterexample of one invariant as a report of its own: the scenario with that invariant
 * alone (no other invariant, no paths; the TCB set only for a TCB bound). Exit 0 when a
 * counterexample was printed (an expected violation included), 1 when the invariant holds,
 * 2 for an unknown invariant or a scenario or usage error, 3 when a bound was reached first.
 */
export async function traceCommand(file: string, query: string, opts: TraceCommandOptions, io: Io, session?: Session): Promise<number> {
  const format = opts.format ?? "text";
  if (!isFormat(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not '${format}'`);
  checkOptions(opts); // bad numbers are usage errors before compiling
  checkOutputPath(opts.output, "--output");
  const c = compileFile(file);
  refuseInputAsOutput(opts.output, file, c, "report");
  const { model } = reportCompiled(file, c, io);
  if (!model) return EXIT.error;
  const found = await counterexampleOf(file, model, query, opts, io, session);
  if (typeof found === "number") return found;
  const { chosen, result, invariant } = found;
  const tcbOf = chosen.kind === "invariant" ? model.invariants[chosen.index]!.prop : null;
  const tcbNames = tcbOf && (tcbOf.kind === "tcb_subset" || tcbOf.kind === "tcb_sloc") ? new Set(tcbOf.of.map((c) => model.components[c]!.name)) : new Set<string>();
  const only: CheckResult = {
    ...result,
    asserts: chosen.kind === "assert" ? invariant : null,
    invariants: chosen.kind === "assert" ? [] : [invariant],
    tcb: result.tcb.filter((t) => tcbNames.has(t.component)),
    paths: [],
    pathStats: null,
  };
  const exit = exitOf(only);
  const report: Report = { tool: { name: "nizza", version: VERSION }, scenarios: [{ file, result: only, errors: [], exit }], exit };
  const text = await renderReport(format, report, { color: opts.output === undefined && io.color });
  if (opts.output === undefined) io.out(text);
  else writeOutputs([{ path: opts.output, text, flag: "--output" }]);
  return EXIT.ok;
}
