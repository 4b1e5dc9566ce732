// The `nizza` command line: one commander program, a subcommand per task, exit codes per DESIGN.md §9.
import { Command, CommanderError } from "commander";
import type { CheckCommandOptions } from "./commands/check.js";
import { fmtCommand } from "./commands/fmt.js";
import { GRAPH_FORMATS, type GraphCommandOptions } from "./commands/graph.js";
import { parseCommand } from "./commands/parse.js";
import type { PathsCommandOptions } from "./commands/paths.js";
import { runCommand } from "./commands/run.js";
import { TCB_FORMATS, type TcbCommandOptions } from "./commands/tcb.js";
import type { TraceCommandOptions } from "./commands/trace.js";
import { ioReason } from "../dsl/io-error.js";
import { UsageError } from "./files.js";
import { EXIT, processIo, type Io } from "./output.js";
import { runSession } from "./session.js";
import { FORMATS } from "../report/index.js";
import { VERSION } from "./version.js";

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

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
    .option("--workers <n>", "threads of a breadth-first search, this one and n - 1 workers (default: the machine's cores); the verdicts and counterexamples do not depend on it, a bound reached aside")
    .option("--simulate <walks>", "random simulation: this many random walks (of --max-depth steps, default 1000) instead of a search; finds violations, proves nothing (the search options --max-states, --workers, --no-por, --no-symmetry, --sleep and --dfs are refused; --max-memory bounds one state's successors)")
    .option("--seed <s>", "seed of --simulate's random choices (default 1): the same seed, the same walks")
    .option("--no-por", "explore every interleaving of threads' local steps (default: partial-order reduction); the verdicts do not depend on it")
    .option("--sleep", "sleep sets: leave out steps that an independent step taken first makes redundant (fewer transitions, the same states — under symmetry, the same orbits — and verdicts; breadth first, not with --no-por; on one thread: with --workers above 1, in the first 50,000 states only; off by default: their footprints cost more time than they save on the shipped scenarios, docs/performance.md)")
    .option("--no-symmetry", "explore every permutation of replicated components' states (default: one state per orbit, where that is sound); the verdicts do not depend on it")
    .option("--no-dead-values", "keep values nothing will read again: dead variables and messages of trusted threads, interrupts no one can take, and which EC last ran on a CPU where nothing reads it (default: cleared and not raised); the verdicts do not depend on it")
    .option("--format <format>", `the report's format: ${FORMATS.join(", ")} (default text); repeat with --output for several reports from one run`, collect)
    .option("--output <file>", "write the report to this file instead of stdout (replacing it; never a scenario, a file one imports, or the --baseline); repeatable, paired with --format in order", collect)
    .option("--baseline <file>", "compare TCB sets, path cycles and verdicts with a recorded baseline; exit 1 on a regression, naming each")
    .option("--update-baseline", "record this run's results as the baseline in the --baseline file (replacing it; never a scenario or a file one imports)")
    .option("--tolerance <percent>", "how much slower (in %) a path may get before it is a regression (default 0)")
    .option("--quiet", "no progress line (shown on a terminal for an exploration longer than a second)")
    .version(VERSION, "-V, --version")
    // In a worker thread, so that Ctrl-C can stop an exploration and the progress line can be drawn (session.ts).
    .action(run((paths: string[], opts: CheckCommandOptions) => runSession({ name: "check", paths, opts: { ...opts } }, io, { quiet: opts.quiet === true })));

  root
    .command("tcb")
    .description("explore each scenario and explain the TCB of each trusted component: every member, its SLOC, and the chain of \"affects\" that put it in")
    .argument("<paths...>", ".nizza files or folders (searched recursively)")
    .option("--component <name>", "this component's TCB instead (repeatable; trusted or not; a replicated component's declared name: every replica's)", collect)
    .option("--trace <member>", "the shortest run to the first state by which MEMBER is in the TCB of the one --component (one scenario; explored without symmetry reduction)")
    .option("--format <format>", `${TCB_FORMATS.join(" or ")}: json is the document of \`nizza check --format json\` (default text)`)
    .option("--output <file>", "write the report to this file instead of stdout (replacing it; never a scenario or a file one imports)")
    .option("--max-states <n>", "stop after this many distinct states (the sets are then those of the states explored: exit 3)")
    .option("--max-depth <n>", "do not explore beyond this many steps from the initial state")
    .option("--max-memory <mb>", "stop when the exploration's own memory passes this many MiB (default 4096)")
    .option("--workers <n>", "threads of the search, this one and n - 1 workers (default: the machine's cores)")
    .option("--no-por", "explore every interleaving of threads' local steps (default: partial-order reduction); the sets do not depend on it")
    .option("--no-symmetry", "explore every permutation of replicated components' states (default: one state per orbit, where that is sound); the sets do not depend on it")
    .option("--no-dead-values", "keep values nothing will read again (default: cleared); the sets do not depend on it")
    .option("--quiet", "no progress line (shown on a terminal for an exploration longer than a second)")
    .version(VERSION, "-V, --version")
    .action(run((paths: string[], opts: TcbCommandOptions) => runSession({ name: "tcb", paths, opts: { ...opts } }, io, { quiet: opts.quiet === true })));

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
    .option("--quiet", "no progress line (shown on a terminal for an exploration longer than a second)")
    .version(VERSION, "-V, --version")
    .action(run((file: string, opts: PathsCommandOptions) => runSession({ name: "paths", file, opts: { ...opts } }, io, { quiet: opts.quiet === true })));

  root
    .command("trace")
    .description("one invariant's counterexample alone, in any report format: the shortest run to the violation, each step traced to its source line")
    .argument("<file>", "a .nizza file")
    .argument("<invariant>", "the invariant: its name, its property as written (e.g. 'isolated(a, b)'), its number as written ('#2'), or 'assert' for the assert statements")
    .option("--format <format>", `the report's format: ${FORMATS.join(", ")} (default text)`)
    .option("--output <file>", "write the report to this file instead of stdout (replacing it; never the scenario or a file it imports)")
    .option("--max-states <n>", "stop after this many distinct states (no violation found by then: exit 3)")
    .option("--max-depth <n>", "do not explore beyond this many steps from the initial state")
    .option("--max-memory <mb>", "stop when the exploration's own memory passes this many MiB (default 4096)")
    .option("--workers <n>", "threads of the search, this one and n - 1 workers (default: the machine's cores)")
    .option("--no-por", "explore every interleaving of threads' local steps (default: partial-order reduction)")
    .option("--no-symmetry", "explore every permutation of replicated components' states (default: one state per orbit, where that is sound)")
    .option("--no-dead-values", "keep values nothing will read again (default: cleared)")
    .option("--quiet", "no progress line (shown on a terminal for an exploration longer than a second)")
    .version(VERSION, "-V, --version")
    .action(run((file: string, invariant: string, opts: TraceCommandOptions) => runSession({ name: "trace", file, invariant, opts: { ...opts } }, io, { quiet: opts.quiet === true })));

  root
    .command("graph")
    .description("the component and capability graph (components coloured by trust, capabilities as edges), at the initial state or at a counterexample's violating state")
    .argument("<file>", "a .nizza file")
    .option("--format <format>", `${GRAPH_FORMATS.join(", ")} (default dot)`)
    .option("--trace <invariant>", "check the scenario and draw the last state of this invariant's counterexample (named as for `nizza trace`), with what changed since the initial state")
    .option("--output <file>", "write the graph to this file instead of stdout (replacing it; never the scenario or a file it imports)")
    .option("--max-states <n>", "with --trace: stop after this many distinct states")
    .option("--max-depth <n>", "with --trace: do not explore beyond this many steps from the initial state")
    .option("--max-memory <mb>", "with --trace: stop when the exploration's own memory passes this many MiB (default 4096)")
    .option("--workers <n>", "with --trace: threads of the search, this one and n - 1 workers (default: the machine's cores)")
    .option("--no-por", "with --trace: no partial-order reduction")
    .option("--no-symmetry", "with --trace: no symmetry reduction")
    .option("--no-dead-values", "with --trace: keep values nothing will read again")
    .option("--quiet", "with --trace: no progress line (shown on a terminal for an exploration longer than a second)")
    .version(VERSION, "-V, --version")
    .action(run((file: string, opts: GraphCommandOptions) => runSession({ name: "graph", file, opts: { ...opts } }, io, { quiet: opts.quiet === true })));

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

/**
 * A usage error for an option given twice that takes one value or none (commander keeps the
 * last and drops the first without a word: `--output a --output b` would write only b).
 * Options with a collecting parser (`check`'s --format and --output) may repeat.
 */
function refuseRepeats(root: Command, argv: readonly string[]): void {
  const cmd = root.commands.find((c) => c.name() === argv[0]);
  if (!cmd) return;
  const seen = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (!a.startsWith("--")) continue;
    const name = a.split("=")[0]!;
    const opt = cmd.options.find((o) => o.long === name);
    if (!opt) continue;
    if (!a.includes("=") && (opt.required || opt.optional)) i++; // its value, whatever it looks like
    if (opt.parseArg === collect) continue;
    if (seen.has(opt.attributeName())) throw new UsageError(`${name} is given twice: give it once`);
    seen.add(opt.attributeName());
  }
}

/** Runs the CLI; resolves to the exit code instead of exiting (tests call this). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  try {
    const root = program(io, (c) => (code = c));
    // commander answers `help NAME` for a NAME it does not know with the general usage alone.
    if (argv[0] === "help" && argv[1] !== undefined && !root.commands.some((c) => c.name() === argv[1]))
      throw new UsageError(`unknown command '${argv[1]}'; the commands are ${root.commands.map((c) => c.name()).join(", ")}`);
    refuseRepeats(root, argv);
    await root.parseAsync([...argv], { from: "user" });
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

/**
 * Makes a failed write to stdout or stderr end the process plainly instead of with Node's
 * unhandled 'error' event: a closed pipe stops it quietly with EXIT.pipe; any other failure
 * (a full disk) is said in one line on stderr, exit 2. process.exit ends the worker threads
 * (a session's and its explorers') with the process. The binary calls this before main.
 */
export function guardStandardStreams(): void {
  const onError = (stream: "stdout" | "stderr") => (e: NodeJS.ErrnoException): void => {
    if (e.code === "EPIPE") process.exit(EXIT.pipe);
    if (stream === "stdout") {
      try {
        process.stderr.write(`nizza: cannot write to standard output: ${ioReason(e)}\n`);
      } catch {
        // stderr is gone too: the exit code says it.
      }
    }
    process.exit(EXIT.error);
  };
  process.stdout.on("error", onError("stdout"));
  process.stderr.on("error", onError("stderr"));
}
