// `nizza run FILE [--steps N] [--seed S]`: one random execution, step by step, each step traced to its source line.
import { buildSystem, successors, SUCCESSOR_BYTES, useWalkMmioValues } from "../../components/step.js";
import { rng } from "../../checker/random.js";
import { whole, WORD_MAX } from "./check.js";
import { EXIT, compileOrReport, type Io } from "../output.js";

export interface RunOptions {
  readonly steps?: string;
  readonly seed?: string;
}

export function runCommand(file: string, opts: RunOptions, io: Io): number {
  const steps = whole(opts.steps, "--steps", 1, WORD_MAX) ?? 50;
  const seed = whole(opts.seed, "--seed", 0, WORD_MAX) ?? 1;
  const { model } = compileOrReport(file, io);
  if (!model) return EXIT.error;
  const sys = buildSystem(model);
  // Data from outside in MMIO windows: every value a DMA device's data may have (language.md §9.5).
  useWalkMmioValues(sys);
  const random = rng(seed);
  const lines: string[] = [`run of ${model.name} (${file}), seed ${seed}, at most ${steps} steps`];
  let s = sys.init;
  for (let i = 1; i <= steps; i++) {
    const next = successors(sys, s);
    if (sys.truncated) {
      // A random choice among some of the steps would not be the uniform one the seed promises.
      lines.push(`${String(i).padStart(4)}  stopped: this state has more than ${sys.maxSuccessors} steps, whose states (${4 * sys.init.length} bytes each) pass ${SUCCESSOR_BYTES / 2 ** 20} MiB`);
      io.out(lines.join("\n"));
      return EXIT.incomplete;
    }
    if (next.length === 0) {
      lines.push(`${String(i).padStart(4)}  no step is enabled: every thread is blocked or done`);
      break;
    }
    const index = Math.floor(random() * next.length);
    const pick = next[index]!;
    const st = pick.step;
    const where = st.node !== null ? model.sources.where(st.node).replace(/:\d+$/, "") : "";
    // Device and timeout steps belong to no CPU: "env".
    const cpu = st.cpu >= 0 ? `cpu${st.cpu}` : "env ";
    lines.push(`${String(i).padStart(4)}  ${cpu}  ${st.text}${where ? `   (${where})` : ""}   [${index + 1} of ${next.length}]`);
    s = pick.state;
  }
  io.out(lines.join("\n"));
  return EXIT.ok;
}
