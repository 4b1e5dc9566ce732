// The `nizza` command line: one commander program, a subcommand per task, exit codes per DESIGN.md §9.
import { Command, CommanderError } from "commander";
import { checkCommand, type CheckCommandOptions } from "./commands/check.js";
import { fmtCommand } from "./commands/fmt.js";
import { parseCommand } from "./commands/parse.js";
import { pathsCommand, type PathsCommandOptions } from "./commands/paths.js";
import { runCommand } from "./commands/run.js";
import { UsageError } from "./files.js";
import { EXIT, processIo, type Io } from "./output.js";
import { FORMATS } from "../report/index.js";
import { VERSION } from "./version.js";

export function program(io: Io, setExit: (code: number) => void): Command {
  const run =
    <A extends unknown[]>(f: (...args: A) => number | Promise<number>) =>
    async (...args: A): Promise<void> =>
      setExit(await f(...args));
  const root = new Command("nizza")
    .description("Test bed for security architectures on capability microkernels: check .nizza scenarios.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run with --help for usage)");

  root
    .command("parse")
    .description("parse, resolve and validate scenarios and print the resolved model")
    .argument("<paths...>", ".nizza files, or folders to search for them")
    .option("--json", "print the models (or the errors) as JSON")
    .version(VERSION, "-V, --version")
    .action(run((paths: string[], opts: { json?: boolean }) => parseCommand(paths, opts, io)));

  root
    .command("fmt")
    .description("print scenarios in the canonical layout (comments kept); --check or --write")
    .argument("<paths...>", ".nizza files, or folders to search for them")
    .option("--check", "list files not in canonical layout; exit 1 if there are any")
    .option("--write", "rewrite files in place (only files that parse cleanly)")
    .version(VERSION, "-V, --version")
    .action(run((paths: string[], opts: { check?: boolean; write?: boolean }) => fmtCommand(paths, opts, io)));

  root
    .command("check")
    .description("explore every reachable state of each scenario and prove or refute its invariants")
    .argument("<paths...>", ".nizza files or folders (searched recursively)")
    .option("--dfs", "search depth-first (default: breadth-first, which gives shortest counterexamples)")
    .option("--max-states <n>", "stop after this many distinct states (the verdicts left open are incomplete)")
    .option("--max-depth <n>", "do not explore beyond this many steps from the initial state")
    .option("--max-memory <mb>", "stop when the exploration's own memory passes this many MiB (default 4096)")
    .option("--workers <n>", "worker threads of a breadth-first search (default: the machine's cores); the verdicts do not depend on it")
    .option("--simulate <walks>", "random simulation: this many random walks (of --max-depth steps, default 1000) instead of a search; finds violations, proves nothing")
    .option("--seed <s>", "seed of --simulate's random choices (default 1): the same seed, the same walks")
    .option("--no-por", "explore every interleaving of threads' local steps (default: partial-order reduction); the verdicts do not depend on it")
    .option("--no-symmetry", "explore every permutation of replicated components' states (default: one state per orbit, where that is sound); the verdicts do not depend on it")
    .option("--no-dead-values", "keep values nothing will read again: dead variables of trusted threads, and interrupts no one can take (default: cleared and not raised); the verdicts do not depend on it")
    .option("--format <format>", `the report's format: ${FORMATS.join(", ")} (default text)`)
    .option("--output <file>", "write the report to this file instead of stdout (replacing it)")
    .option("--baseline <file>", "compare TCB sets, path cycles and verdicts with a recorded baseline; exit 1 on a regression, naming each")
    .option("--update-baseline", "record this run's results as the baseline in the --baseline file (replacing it)")
    .option("--tolerance <percent>", "how much slower (in %) a path may get before it is a regression (default 0)")
    .version(VERSION, "-V, --version")
    .action(run((paths: string[], opts: CheckCommandOptions) => checkCommand(paths, opts, io)));

  root
    .command("paths")
    .description("time every path of a scenario (best and worst cycles, with a breakdown by primitive) under one or more cost presets, side by side")
    .argument("<file>", "a .nizza file")
    .option("--costs <presets>", "comma-separated cost presets (default: the scenario's own); monolithic names linux-monolithic, the baseline in which services are kernel code; budgets are judged under the first")
    .option("--max-states <n>", "stop after this many distinct states (the figures are then those of the states explored)")
    .option("--max-depth <n>", "do not explore beyond this many steps from the initial state")
    .option("--max-memory <mb>", "stop when the exploration's own memory passes this many MiB (default 4096)")
    .option("--no-por", "explore every interleaving of threads' local steps (default: partial-order reduction); the figures do not depend on it")
    .option("--no-dead-values", "keep values nothing will read again (default: cleared); the figures do not depend on it")
    .version(VERSION, "-V, --version")
    .action(run((file: string, opts: PathsCommandOptions) => pathsCommand(file, opts, io)));

  root
    .command("run")
    .description("one random execution of a scenario, printed step by step (reproducible with --seed)")
    .argument("<file>", "a .nizza file")
    .option("--steps <n>", "stop after this many steps", "50")
    .option("--seed <s>", "seed of the random choices", "1")
    .version(VERSION, "-V, --version")
    .action(run((file: string, opts: { steps?: string; seed?: string }) => runCommand(file, opts, io)));

  return root;
}

/** Runs the CLI; resolves to the exit code instead of exiting (tests call this). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program(io, (c) => (code = c)).parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    if (e instanceof UsageError) {
      io.err(`nizza: ${e.message}\n`);
      return EXIT.error;
    }
    throw e;
  }
  return code;
}
