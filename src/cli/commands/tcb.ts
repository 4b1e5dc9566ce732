// `nizza tcb PATH...`: explore each scenario and explain its TCBs: every member, its SLOC, and the chain of "affects" that put it in; `--trace` shows the run.
import { checkParallel, type CheckResult } from "../../checker/check.js";
import { interrupted } from "../../checker/explore.js";
import type { InvariantModel, SystemModel } from "../../dsl/model.js";
import { compileFile } from "../../dsl/compile.js";
import { didYouMean } from "../../dsl/names.js";
import { notChecked } from "../../report/index.js";
import { renderJson } from "../../report/json.js";
import { scenarioErrors, type Report, type ScenarioOutcome } from "../../report/model.js";
import { renderTcbText, renderTcbTrace } from "../../report/tcb.js";
import { checkOutputPath, Inputs, scenarioFiles, UsageError, writeOutputs } from "../files.js";
import { EXIT, reportCompiled, type Io } from "../output.js";
import type { Session } from "../session.js";
import { VERSION } from "../version.js";
import { worstExit } from "./check.js";
import { checkOptions, type ExplorationOptions } from "./trace.js";

export const TCB_FORMATS = ["text", "json"] as const;

export interface TcbCommandOptions extends ExplorationOptions {
  /** --component NAME (repeatable): these components' TCBs (a replicated one's name: every replica's); default every trusted component's. */
  readonly component?: readonly string[];
  /** --trace MEMBER: the run that puts MEMBER in the one --component's TCB. */
  readonly trace?: string;
  /** --format: text (default) or json (the check report's document, spec/report.md). */
  readonly format?: string;
  readonly output?: string;
}

/**
 * The components `names` pick in `model` (a component's name, or a replicated one's declared
 * name for all its replicas), in model order; a string says which name is not there. Without
 * names, the trusted components.
 */
export function componentsNamed(model: SystemModel, names: readonly string[] | undefined): number[] | string {
  if (!names || names.length === 0) return model.components.filter((c) => c.trusted).map((c) => c.index);
  const picked = new Set<number>();
  for (const name of names) {
    const found = model.components.filter((c) => c.name === name || c.group === name);
    if (found.length === 0) {
      const hint = didYouMean(name, new Set(model.components.flatMap((c) => [c.name, c.group])));
      return `no component '${name}' in system ${model.name}${hint ? `: ${hint}` : ""} (its components: ${model.components.map((c) => c.name).join(", ")})`;
    }
    for (const c of found) picked.add(c.index);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * Exit 0 when every TCB asked for was computed over every reachable state, 3 when a bound (or
 * Ctrl-C) stopped an exploration first (the sets are then those of the states explored: a
 * member may be missing), 2 for a scenario or usage error. With --trace, as `nizza trace`: 0
 * when the run was printed, 1 when MEMBER is not in the TCB (there is no run to show), 3 when a
 * bound was reached before MEMBER was found in it.
 */
export async function tcbCommand(paths: readonly string[], opts: TcbCommandOptions, io: Io, session?: Session): Promise<number> {
  const format = opts.format ?? "text";
  if (!(TCB_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${TCB_FORMATS.join(", ")}, not '${format}'`);
  const options = checkOptions(opts); // bad numbers are usage errors before compiling
  checkOutputPath(opts.output, "--output");
  const files = scenarioFiles(paths);
  if (opts.trace !== undefined) {
    if (files.length !== 1) throw new UsageError(`--trace is for one scenario, not ${files.length}: name the file`);
    if (new Set(opts.component).size !== 1) throw new UsageError("--trace needs one --component: the component whose TCB the member is in");
    if (format !== "text") throw new UsageError("--trace prints text: for a trace in another format, write the bound as an invariant and use `nizza trace`");
  }
  // Every scenario is compiled before the first is explored, so that the output cannot overwrite one or a file one imports.
  const compiled = files.map((file) => compileFile(file));
  const inputs = new Inputs();
  files.forEach((file, k) => inputs.addScenario(file, compiled[k]!));
  if (opts.output !== undefined) inputs.refuse(opts.output, "--output", "report");
  // Every --component is in every scenario that compiles, or nothing is explored.
  const chosen = compiled.map((c, k) => {
    const picked = c.model ? componentsNamed(c.model, opts.component) : [];
    if (typeof picked === "string") throw new UsageError(`--component: ${files[k]}: ${picked}`);
    return picked;
  });
  const color = opts.output === undefined && io.color;
  const scenarios: ScenarioOutcome[] = [];
  const texts: string[] = [];
  for (const [k, file] of files.entries()) {
    if (interrupted(session?.interrupt)) break;
    const c = reportCompiled(file, compiled[k]!, io);
    if (!c.model) {
      const errors = scenarioErrors(c.diagnostics, c.sources);
      scenarios.push({ file, result: null, errors, exit: EXIT.error });
      // On the terminal the errors are on stderr; a text report written to a file says, as `check`'s does, why this one is not in it.
      if (format === "text" && opts.output !== undefined) texts.push(notChecked(file, errors));
      continue;
    }
    const model = c.model;
    if (opts.trace !== undefined) return traceMember(file, model, chosen[k]!, opts.trace, options, { ...opts, color }, io, session);
    session?.scenario(file);
    // No invariant and no path: the search explores every reachable state, for the TCB alone.
    const alone: SystemModel = { ...model, invariants: [], paths: [] };
    // Nor the asserts: a failed one would be a verdict in a report that judges nothing.
    const r: CheckResult = { ...(await checkParallel(alone, { file }, { ...options, stopEarly: false, tcbOf: chosen[k]!, interrupt: session?.interrupt, progress: session?.progress })), asserts: null };
    const slocOf = (name: string): number => model.components.find((x) => x.name === name)!.sloc;
    if (format === "text") {
      const text = renderTcbText(file, r, slocOf, { color });
      if (opts.output === undefined) io.out(text);
      else texts.push(text);
    }
    scenarios.push({ file, result: r, errors: [], exit: r.stats.bound === null ? EXIT.ok : EXIT.incomplete });
  }
  const checked = scenarios.length;
  const exit = worstExit([...scenarios.map((s) => s.exit), ...(checked < files.length ? [EXIT.incomplete] : [])]);
  if (checked < files.length) io.err(`nizza: interrupted: ${files.length - checked} scenario${files.length - checked === 1 ? "" : "s"} not explored\n`);
  const report: Report = { tool: { name: "nizza", version: VERSION }, scenarios, exit };
  const out = format === "json" ? renderJson(report) : texts.join("\n");
  if (opts.output !== undefined) writeOutputs([{ path: opts.output, text: out, flag: "--output" }]);
  else if (format === "json") io.out(out);
  return exit;
}

/**
 * `--trace MEMBER`: the scenario checked with one invariant, "tcb(C) has no MEMBER" (C the one
 * component chosen), which fails in the first state by which the chain that puts MEMBER in
 * tcb(C) is complete; its counterexample is the run. Without symmetry reduction, so that the
 * chain and the run name the same replicas.
 */
async function traceMember(file: string, model: SystemModel, chosen: readonly number[], member: string, options: ReturnType<typeof checkOptions>, out: { readonly output?: string; readonly color: boolean }, io: Io, session?: Session): Promise<number> {
  const name = (i: number): string => model.components[i]!.name;
  if (chosen.length !== 1) throw new UsageError(`--trace needs one component, and '${model.components[chosen[0]!]!.group}' is ${chosen.length} replicas: name one (${chosen.map(name).join(", ")})`);
  const c = chosen[0]!;
  const m = model.components.findIndex((x) => x.name === member);
  if (m < 0) {
    const hint = didYouMean(member, model.components.map((x) => x.name));
    io.err(`nizza: ${file}: no component '${member}' in system ${model.name}${hint ? `: ${hint}` : ""} (its components: ${model.components.map((x) => x.name).join(", ")}; the kernel is in every TCB)\n`);
    return EXIT.error;
  }
  if (m === c) {
    io.err(`nizza: ${file}: ${member} is in its own TCB: there is no run to show\n`);
    return EXIT.failed;
  }
  const without: InvariantModel = {
    index: 0,
    name: null,
    expect: "holds",
    prop: { kind: "tcb_subset", of: [c], bound: model.components.filter((x) => x.index !== m).map((x) => x.index) },
    node: model.components[c]!.node,
  };
  session?.scenario(file);
  const r: CheckResult = await checkParallel({ ...model, invariants: [without], paths: [] }, { file }, { ...options, symmetry: false, stopEarly: false, tcbOf: [c], interrupt: session?.interrupt, progress: session?.progress });
  const reason = r.tcb[0]?.reasons.find((x) => x.member === member);
  const cx = r.invariants[0]?.counterexample;
  if (!reason || !cx) {
    if (r.stats.bound === null) {
      io.err(`nizza: ${file}: ${member} is not in tcb(${name(c)}) = { kernel, ${r.tcb[0]!.members.join(", ")} }: there is no run to show\n`);
      return EXIT.failed;
    }
    io.err(`nizza: ${file}: ${member} is not in tcb(${name(c)}) in the ${r.stats.states.toLocaleString("en-US")} states explored (a bound was reached first); raise the bounds to look further\n`);
    return EXIT.incomplete;
  }
  const text = renderTcbTrace(file, model.name, name(c), reason, cx, { color: out.color });
  if (out.output === undefined) io.out(text);
  else writeOutputs([{ path: out.output, text, flag: "--output" }]);
  return EXIT.ok;
}
