// `nizza run FILE [--steps N] [--seed S]`: one random execution, step by step, each step traced to its source line.
import { buildSystem, successors } from "../../components/step.js";
import { rng } from "../../checker/random.js";
import { UsageError } from "../files.js";
import { EXIT, compileOrReport, type Io } from "../output.js";

export interface RunOptions {
  readonly steps?: string;
  readonly seed?: string;
}

function intOption(v: string | undefined, name: string, dflt: number, min: number, max = 2 ** 32 - 1): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not '${v}'`);
  return Number(v);
}

export function runCommand(file: string, opts: RunOptions, io: Io): number {
  const steps = intOption(opts.steps, "steps", 50, 1);
  const seed = intOption(opts.seed, "seed", 1, 0);
  const { model } = compileOrReport(file, io);
  if (!model) return EXIT.error;
  const sys = buildSystem(model);
  const random = rng(seed);
  const lines: string[] = [`run of ${model.name} (${file}), seed ${seed}, at most ${steps} steps`];
  let s = sys.init;
  for (let i = 1; i <= steps; i++) {
    const next = successors(sys, s);
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
