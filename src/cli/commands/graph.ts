// `nizza graph FILE [--trace INVARIANT]`: the component and capability graph, at the initial state or at a counterexample's violating state, as DOT, Mermaid or SVG.
import { replaySystem } from "../../checker/check.js";
import { replay } from "../../checker/explore.js";
import { buildSystem } from "../../components/step.js";
import { compileFile } from "../../dsl/compile.js";
import { architectureChanges, architectureDot, architectureMermaid, architectureOf, dotToSvg, type Architecture } from "../../report/architecture.js";
import { checkOutputPath, UsageError, writeOutputs } from "../files.js";
import { EXIT, reportCompiled, type Io } from "../output.js";
import type { Session } from "../session.js";
import { counterexampleOf, invariantLabel, refuseInputAsOutput, type ExplorationOptions } from "./trace.js";

export const GRAPH_FORMATS = ["dot", "mermaid", "svg"] as const;
type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphCommandOptions extends ExplorationOptions {
  /** --format: dot (default), mermaid or svg. */
  readonly format?: string;
  /** --trace INVARIANT: draw the graph at the last state of that invariant's counterexample. */
  readonly trace?: string;
  readonly output?: string;
}

/**
 * Exit 0 when the graph was written. With --trace, as `nizza trace`: 1 when the invariant holds
 * (there is no violating state to draw), 2 for an unknown invariant, 3 when a bound was reached
 * before a verdict; 2 for a scenario or usage error.
 */
export async function graphCommand(file: string, opts: GraphCommandOptions, io: Io, session?: Session): Promise<number> {
  const format = opts.format ?? "dot";
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${GRAPH_FORMATS.join(", ")}, not '${format}'`);
  if (opts.trace === undefined) {
    for (const [flag, given] of [["--max-states", opts.maxStates !== undefined], ["--max-depth", opts.maxDepth !== undefined], ["--max-memory", opts.maxMemory !== undefined], ["--workers", opts.workers !== undefined], ["--no-por", opts.por === false], ["--no-symmetry", opts.symmetry === false], ["--no-dead-values", opts.deadValues === false]] as const)
      if (given) throw new UsageError(`${flag} is for --trace: without it nothing is explored`);
  }
  checkOutputPath(opts.output, "--output");
  const c = compileFile(file);
  refuseInputAsOutput(opts.output, file, c, "graph");
  const { model } = reportCompiled(file, c, io);
  if (!model) return EXIT.error;
  let arch: Architecture;
  if (opts.trace === undefined) arch = architectureOf(buildSystem(model));
  else {
    const found = await counterexampleOf(file, model, opts.trace, opts, io, session);
    if (typeof found === "number") return found;
    const { invariant } = found;
    const cx = invariant.counterexample!;
    const sys = replaySystem(found.model, found.result);
    const xs = replay(sys, cx.steps.map((s) => s.ordinal));
    const what = `${invariant.met ? "expected violation of" : "counterexample to"} ${invariantLabel(invariant)}`;
    const at = xs.length === 0 ? `initial state (the ${what} takes no step)` : `after step ${xs.length} of the ${what}`;
    arch = architectureChanges(architectureOf(sys), architectureOf(sys, xs.at(-1)?.state ?? sys.init, at));
  }
  const text = await render(format as GraphFormat, arch);
  if (opts.output === undefined) io.out(text);
  else writeOutputs([{ path: opts.output, text, flag: "--output" }]);
  return EXIT.ok;
}

async function render(format: GraphFormat, a: Architecture): Promise<string> {
  switch (format) {
    case "dot":
      return architectureDot(a);
    case "mermaid":
      return architectureMermaid(a);
    case "svg":
      return dotToSvg(architectureDot(a));
  }
}
