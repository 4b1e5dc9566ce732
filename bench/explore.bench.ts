// Benchmark: the explorer on N clients of a server that lends and revokes a buffer, with and without partial-order and symmetry reduction, and with sleep sets.
//
// Environment:
//   NIZZA_BENCH_MAX_STATES  states per exploration at most (default 2,000,000); a configuration
//                           that reaches it at some N is skipped for the larger N.
//   NIZZA_BENCH_ONLY        run only these cases, comma-separated N:configuration pairs, a
//                           configuration being none, por, sym, por+sym, por+sleep or
//                           por+sym+sleep (sleep sets, `check --sleep`); e.g. "4:none" or
//                           "4:none,4:por+sym". N alone ("4") runs every configuration at that N.
//                           The skip rule still applies within the cases chosen.
//   NIZZA_BENCH_RUNS        explorations per case (default 1), all in this process: the table gives
//                           the median rate (and the range beside it); on a loaded machine the
//                           median of several is steadier than one run, and later runs are warm.
//   NIZZA_BENCH_DEAD_VALUES "1": every case with the dead-value reductions, which `check` uses by
//                           default (spec/invariants.md §10.3); without them by default, as the
//                           figures in the docs' tables were taken.
import { performance } from "node:perf_hooks";
import { explore, type Exploration } from "../src/checker/explore.js";
import { symmetryOf } from "../src/checker/symmetry.js";
import { buildSystem, useDeadValues } from "../src/components/step.js";
import { compileText } from "../src/dsl/compile.js";
import { scalable } from "./scalable.js";

/** States per exploration at most: a configuration that reaches it is cut off there, which the table says. */
const MAX_STATES = Number(process.env.NIZZA_BENCH_MAX_STATES ?? 2_000_000);
/** Explorations per case; the median rate is reported. */
const RUNS = Math.max(1, Number(process.env.NIZZA_BENCH_RUNS ?? 1) || 1);
/** Whether the systems explored use the dead-value reductions (off: the figures in the docs). */
const DEAD_VALUES = process.env.NIZZA_BENCH_DEAD_VALUES === "1";
const MAX_N = 8;
const TARGET_RATE = 300_000;
const TARGET_BYTES = 32;
const TARGET_FACTOR = 10;
/** The N at which the reduction factor is reported. */
const FACTOR_N = 4;

interface Config {
  readonly name: string;
  readonly por: boolean;
  readonly symmetry: boolean;
  /** Sleep sets (spec/invariants.md §10.1): opt-in in `check`, so not in the targets' figures. */
  readonly sleep: boolean;
}

const CONFIGS: readonly Config[] = [
  { name: "none", por: false, symmetry: false, sleep: false },
  { name: "por", por: true, symmetry: false, sleep: false },
  { name: "sym", por: false, symmetry: true, sleep: false },
  { name: "por+sym", por: true, symmetry: true, sleep: false },
  { name: "por+sleep", por: true, symmetry: false, sleep: true },
  { name: "por+sym+sleep", por: true, symmetry: true, sleep: true },
];

/** The cases NIZZA_BENCH_ONLY selects, or null for all of them. */
function selection(): ((n: number, config: string) => boolean) | null {
  const only = process.env.NIZZA_BENCH_ONLY?.trim();
  if (!only) return null;
  const cases = only.split(",").map((c) => {
    const [n, config] = c.trim().split(":");
    if (!n || !/^\d+$/.test(n)) throw new Error(`NIZZA_BENCH_ONLY: "${c}" is not N or N:configuration`);
    if (config !== undefined && !CONFIGS.some((k) => k.name === config)) throw new Error(`NIZZA_BENCH_ONLY: unknown configuration "${config}" (${CONFIGS.map((k) => k.name).join(", ")})`);
    return { n: Number(n), config };
  });
  return (n, config) => cases.some((c) => c.n === n && (c.config === undefined || c.config === config));
}

interface Run {
  readonly e: Exploration;
  readonly seconds: number;
  readonly rssMiB: number;
  /** Whether symmetry was asked for but the scenario has none (N = 1). */
  readonly noSymmetry: boolean;
}

function run(n: number, config: Config): Run {
  const c = compileText(`scale${n}.nizza`, scalable(n));
  if (!c.model) throw new Error(`scale${n} does not compile`);
  const sys = buildSystem(c.model);
  sys.footprints = false;
  useDeadValues(sys, DEAD_VALUES);
  const symmetry = config.symmetry ? symmetryOf(sys).symmetry : null;
  global.gc?.();
  const t = performance.now();
  const e = explore(sys, { maxStates: MAX_STATES, por: config.por, symmetry, sleep: config.sleep });
  const seconds = (performance.now() - t) / 1000;
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  return { e, seconds, rssMiB, noSymmetry: config.symmetry && symmetry === null };
}

const WIDTHS = [4, 15, 12, 15, 14, 12, 13, 14];

function row(cells: readonly (string | number)[]): string {
  return cells.map((c, i) => String(c).padStart(WIDTHS[i] ?? 13)).join("");
}

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");

function main(): void {
  const only = selection();
  console.log(`explorer, breadth-first, footprints off, dead-value reductions ${DEAD_VALUES ? "on" : "off"}; at most ${fmt(MAX_STATES)} states per exploration${RUNS > 1 ? `; median of ${RUNS} runs per case` : ""}${only ? `; only ${process.env.NIZZA_BENCH_ONLY}` : ""}`);
  console.log(row(["N", "config", "states", "transitions", "complete", "states/s", "bytes/state", "RSS MiB"]));
  const bounded = new Map<string, number>();
  const results = new Map<string, Run>();
  /** Over the runs of at least 100,000 states (smaller ones are start-up dominated and use a fixed-size table). */
  const rates: number[] = [];
  /** The same rates, without and with symmetry reduction (whose canonicaliser runs on every successor). */
  const split: { readonly [K in "plain" | "symmetric"]: number[] } = { plain: [], symmetric: [] };
  const bytes: number[] = [];
  for (let n = 1; n <= MAX_N; n++) {
    for (const config of CONFIGS) {
      if (only && !only(n, config.name)) continue;
      const at = bounded.get(config.name);
      if (at !== undefined) {
        console.log(row([n, config.name, "—", "—", "skipped", "—", "—", "—"]) + `   (bound reached at N = ${at})`);
        continue;
      }
      const all = Array.from({ length: RUNS }, () => run(n, config));
      const rateOf = (x: Run): number => x.e.states / x.seconds;
      all.sort((a, b) => rateOf(a) - rateOf(b));
      const r = all[Math.floor(all.length / 2)]!;
      const { e } = r;
      results.set(`${n}:${config.name}`, r);
      const rate = rateOf(r);
      const range = RUNS > 1 ? `   (${RUNS} runs: ${fmt(rateOf(all[0]!))}–${fmt(rateOf(all[all.length - 1]!))} states/s)` : "";
      // Sleep sets are opt-in: the targets are judged on what `check` does by default.
      if (e.states >= 100_000 && !config.sleep) {
        rates.push(rate);
        split[config.symmetry && !r.noSymmetry ? "symmetric" : "plain"].push(rate);
        bytes.push(e.bytesPerState);
      }
      const note = (r.noSymmetry ? "   (no symmetry: fewer than 2 replicas)" : "") + range;
      console.log(row([n, config.name, fmt(e.states), fmt(e.transitions), e.bound === null ? "yes" : `no: ${e.bound}`, fmt(rate), e.bytesPerState.toFixed(1), r.rssMiB.toFixed(0)]) + note);
      if (e.bound !== null) bounded.set(config.name, n);
    }
  }

  console.log("");
  const plain = results.get(`${FACTOR_N}:none`);
  const reduced = results.get(`${FACTOR_N}:por+sym`);
  let factorMet: boolean | null = null;
  if (plain && reduced && reduced.e.bound === null) {
    const f = plain.e.states / reduced.e.states;
    const more = plain.e.bound !== null;
    factorMet = f >= TARGET_FACTOR ? true : more ? null : false;
    // A lower bound is rounded down, so that "more than" stays true.
    console.log(`reduction at N = ${FACTOR_N}, POR + symmetry over none: ${more ? `more than ${(Math.floor(f * 10) / 10).toFixed(1)}` : f.toFixed(1)}x (${more ? "more than " : ""}${fmt(plain.e.states)} / ${fmt(reduced.e.states)} states)`);
  } else if (reduced && reduced.e.bound !== null) {
    console.log(`reduction at N = ${FACTOR_N}: not measured, POR + symmetry did not finish within ${fmt(MAX_STATES)} states`);
  } else {
    console.log(`reduction at N = ${FACTOR_N}: not measured here (no run of both none and por+sym at N = ${FACTOR_N})`);
  }
  const verdict = (m: boolean | null): string => (m === null ? "not known" : m ? "met" : "NOT met");
  const large = rates.length === 0 ? "no run of 100,000 states or more" : null;
  console.log("targets, over the runs of 100,000 states or more:");
  const rateLine = (xs: readonly number[]): string => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}, ${verdict(Math.min(...xs) >= TARGET_RATE)}${Math.max(...xs) >= TARGET_RATE && Math.min(...xs) < TARGET_RATE ? " (met by some runs only)" : ""}`;
  console.log(`  ≥ ${fmt(TARGET_RATE)} states/s on one worker: ${large ?? rateLine(rates)}`);
  for (const [name, xs] of [["without symmetry", split.plain], ["with symmetry", split.symmetric]] as const) if (xs.length > 0 && xs.length < rates.length) console.log(`      ${name}: ${rateLine(xs)}`);
  console.log(`  ≤ ${TARGET_BYTES} bytes per visited state beyond the frontier: ${large ?? `${Math.min(...bytes).toFixed(1)}–${Math.max(...bytes).toFixed(1)}, ${verdict(Math.max(...bytes) <= TARGET_BYTES)}`}`);
  console.log(`  ≥ ${TARGET_FACTOR}x reduction at N = ${FACTOR_N}: ${verdict(factorMet)}`);
}

main();
