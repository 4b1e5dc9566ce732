// Benchmark: `nizza check` on several threads against one thread, on shipped scenarios: wall time, CPU time and the speed-up.
//
// Each case is the check `nizza check --workers N FILE` runs (the one-thread probe of
// PROBE_STATES states first, then N threads: the search's own and N - 1 workers; one thread for
// N = 1), exploring the whole space
// (no early stop), timed around the call. CPU time is the process's, every thread included.
// Runs alternate between the cases, so that a slow minute falls on each of them; the workers
// are kept from one run to the next, as in a `nizza check` over a folder, so the first run with
// workers also pays for starting them (the median leaves it out from three runs on).
//
// Environment:
//   NIZZA_BENCH_SCENARIOS  comma-separated scenario files (default: scenarios/replicated_clients.nizza,
//                          scenarios/lib_viaduct.nizza; scenarios/lib_secure_gui.nizza takes about
//                          half a minute a run here)
//   NIZZA_BENCH_WORKERS    comma-separated thread counts (--workers) above 1 (default: 2, and the machine's cores if more)
//   NIZZA_BENCH_RUNS       runs per case (default 3); the table gives the median and the range
//   NIZZA_BENCH_PROBE      the states the one-thread probe explores before the workers start
//                          (default PROBE_STATES, as `nizza check`; 0 starts them at once)
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { check, checkParallel, PROBE_STATES, type CheckResult } from "../src/checker/check.js";
import { compileFile } from "../src/dsl/compile.js";
import { median } from "./measure.js";

const SCENARIOS = (process.env.NIZZA_BENCH_SCENARIOS ?? "scenarios/replicated_clients.nizza,scenarios/lib_viaduct.nizza")
  .split(",")
  .map((f) => f.trim())
  .filter((f) => f.length > 0);
const RUNS = Math.max(1, Number(process.env.NIZZA_BENCH_RUNS ?? 3) || 1);
const PROBE = process.env.NIZZA_BENCH_PROBE === undefined ? PROBE_STATES : Number(process.env.NIZZA_BENCH_PROBE);
if (!Number.isInteger(PROBE) || PROBE < 0) throw new Error(`NIZZA_BENCH_PROBE: "${process.env.NIZZA_BENCH_PROBE}" is not a number of states`);

/** The thread counts (`--workers`) to compare with one thread. */
function workerCounts(): number[] {
  const given = process.env.NIZZA_BENCH_WORKERS?.trim();
  if (!given) return [...new Set([2, availableParallelism()])].filter((w) => w > 1).sort((a, b) => a - b);
  return given.split(",").map((w) => {
    const n = Number(w.trim());
    if (!Number.isInteger(n) || n < 2) throw new Error(`NIZZA_BENCH_WORKERS: "${w}" is not a thread count of 2 or more`);
    return n;
  });
}

interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly r: CheckResult;
}

async function once(file: string, workers: number): Promise<Sample> {
  const c = compileFile(file);
  if (!c.model) throw new Error(`${file} does not compile`);
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const r = workers === 1 ? check(c.model, { stopEarly: false }) : await checkParallel(c.model, { file }, { workers, stopEarly: false, probeStates: PROBE });
  const wall = (performance.now() - t) / 1000;
  const u = process.cpuUsage(cpu0);
  return { wall, cpu: (u.user + u.system) / 1e6, r };
}

const WIDTHS = [34, 12, 10, 26, 12, 12, 10];
const row = (cells: readonly (string | number)[]): string => cells.map((c, i) => (i === 0 ? String(c).padEnd(WIDTHS[0]!) : String(c).padStart(WIDTHS[i] ?? 12))).join("");
const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");

async function main(): Promise<void> {
  const counts = [1, ...workerCounts()];
  console.log(`nizza check, whole spaces, one thread against ${counts.slice(1).join(", ")} (--workers: this thread and the rest workers) on ${availableParallelism()} cores (a probe of ${fmt(PROBE)} states first); median of ${RUNS} alternated runs per case`);
  console.log(row(["scenario", "states", "--workers", "wall s (range)", "CPU s", "states/s", "speed-up"]));
  for (const file of SCENARIOS) {
    const samples = new Map<number, Sample[]>(counts.map((w) => [w, []]));
    for (let k = 0; k < RUNS; k++) for (const w of counts) samples.get(w)!.push(await once(file, w));
    const states = samples.get(1)![0]!.r.stats.states;
    for (const [w, xs] of samples)
      for (const x of xs)
        if (x.r.stats.states !== states || x.r.stats.transitions !== samples.get(1)![0]!.r.stats.transitions)
          throw new Error(`${file}: ${w} threads found ${x.r.stats.states} states, one thread ${states}`);
    const one = median(samples.get(1)!.map((x) => x.wall));
    for (const w of counts) {
      const xs = samples.get(w)!;
      const walls = xs.map((x) => x.wall);
      const wall = median(walls);
      const range = `${wall.toFixed(2)} (${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)})`;
      console.log(row([file, fmt(states), w === 1 ? "1 thread" : w, range, median(xs.map((x) => x.cpu)).toFixed(2), fmt(states / wall), w === 1 ? "—" : `${(one / wall).toFixed(2)}x`]));
    }
  }
  // The kept workers are unref'd; nothing else keeps the process.
}

await main();
