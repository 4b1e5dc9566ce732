// Baselines for CI: a run's TCB sets, path cycles and verdicts recorded, and a later run compared with them.
import { invariantsOf, type CheckResult } from "../checker/check.js";
import type { Report } from "./model.js";

/** The baseline file's format version: bumped when its meaning changes. */
export const BASELINE_VERSION = 1;

export interface BaselineInvariant {
  readonly verdict: "holds" | "violated" | "incomplete";
  /** Whether the verdict met the scenario's expectation. */
  readonly met: boolean;
}
export interface BaselineTcb {
  readonly members: readonly string[];
  readonly sloc: number;
}
export interface BaselinePath {
  /** Under the preset named; null when the path was never measured. */
  readonly preset: string | null;
  readonly best: number | null;
  readonly worst: number | "unbounded" | null;
}
export interface BaselineScenario {
  readonly invariants: Readonly<Record<string, BaselineInvariant>>;
  readonly tcb: Readonly<Record<string, BaselineTcb>>;
  readonly paths: Readonly<Record<string, BaselinePath>>;
}
export interface Baseline {
  readonly nizzaBaseline: number;
  readonly scenarios: Readonly<Record<string, BaselineScenario>>;
}

/**
 * The keys of named items (invariants, paths) in a baseline, in order, each different: an item's
 * name, else its property as written; a name that another key also is (the copies of one library
 * item that imports bound apart, spec/language.md §3, or an unnamed property of that text) with the
 * property as bound after it (`iso: isolated(a, ca)`); and keys still the same numbered, `(2)` on.
 */
function keysOf(items: readonly { readonly name: string | null; readonly text: string }[]): string[] {
  const tally = (keys: readonly string[]): Map<string, number> => {
    const count = new Map<string, number>();
    for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
    return count;
  };
  const first = items.map((i) => i.name ?? i.text);
  const once = tally(first);
  // A name another item also has, or that is another's property (`deadlock_free`): with its property.
  const second = items.map((i, k) => (i.name !== null && once.get(first[k]!)! > 1 ? `${i.name}: ${i.text}` : first[k]!));
  // Still the same (copies whose bound properties are the same too): numbered in order, from the second.
  const twice = tally(second);
  const seen = new Map<string, number>();
  return second.map((k) => {
    if (twice.get(k)! === 1) return k;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? k : `${k} (${n})`;
  });
}

/**
 * How a baseline names scenario files. The command line keys them by path relative to the
 * baseline file's folder (src/cli/commands/check.ts), so that the same file has the same key
 * however it was named and wherever nizza runs; AS_NAMED keys them as the report names them.
 */
export interface BaselinePlaces {
  /** The key a scenario file of the run has in the baseline. */
  key(file: string): string;
  /** Whether a key of the baseline names the run's scenario file (one an older nizza wrote may be spelt otherwise). */
  names(key: string, file: string): boolean;
  /** Whether the file a key names still exists (for a scenario of the baseline this run did not check). */
  exists(key: string): boolean;
}

/** Keys are the files as the report names them; a key not in the run names no file that exists. */
export const AS_NAMED: BaselinePlaces = { key: (f) => f, names: (k, f) => k === f, exists: () => false };

/** One checked scenario's part of a baseline. */
function scenarioBaseline(r: CheckResult): BaselineScenario {
  const invariants: Record<string, BaselineInvariant> = {};
  const invs = invariantsOf(r);
  keysOf(invs).forEach((k, n) => (invariants[k] = { verdict: invs[n]!.verdict, met: invs[n]!.met }));
  const tcb: Record<string, BaselineTcb> = {};
  for (const t of r.tcb) tcb[t.component] = { members: [...t.members].sort(), sloc: t.sloc };
  const paths: Record<string, BaselinePath> = {};
  const pathKeys = keysOf(r.paths);
  for (const [n, p] of r.paths.entries()) {
    const t = p.timings[0];
    paths[pathKeys[n]!] = {
      preset: t?.preset ?? null,
      best: t?.best?.cycles ?? null,
      worst: !t?.worst ? null : "unbounded" in t.worst ? "unbounded" : t.worst.cycles,
    };
  }
  return { invariants, tcb, paths };
}

/** The baseline of a run, each scenario under its key. Only scenarios that were checked (no errors) are in it. */
export function baselineOf(report: Report, places: BaselinePlaces = AS_NAMED): Baseline {
  const scenarios: Record<string, BaselineScenario> = {};
  for (const s of report.scenarios) if (s.result) scenarios[places.key(s.file)] = scenarioBaseline(s.result);
  return { nizzaBaseline: BASELINE_VERSION, scenarios };
}

/** The baseline as a file: JSON with every object's keys sorted and one field per line, so that a diff shows what changed. */
export function baselineText(b: Baseline): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(b), null, 2) + "\n";
}

/** Reads a baseline file's text; a message (not an exception) for anything that is not one. */
export function parseBaseline(text: string): Baseline | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const b = v as Partial<Baseline>;
  if (!isRecord(b) || !("scenarios" in b)) return "not a nizza baseline (no `scenarios`)";
  if (b.nizzaBaseline !== BASELINE_VERSION) return `baseline format ${JSON.stringify(b.nizzaBaseline) ?? "missing"}, this nizza reads ${BASELINE_VERSION} (record it again with --update-baseline)`;
  const wrong = shapeError(b.scenarios);
  return wrong === null ? (b as Baseline) : `not a nizza baseline: ${wrong} (record it again with --update-baseline)`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const VERDICTS: readonly unknown[] = ["holds", "violated", "incomplete"];

/**
 * Where a baseline's `scenarios` is not as baselineOf writes it, as a JSON path and what is
 * wrong there; null when it is. Every field compareBaseline reads is checked, so that a file
 * edited by hand gets a message, not a crash or a comparison of nonsense.
 */
function shapeError(scenarios: unknown): string | null {
  const at = (...keys: string[]): string => "scenarios" + keys.map((k) => `[${JSON.stringify(k)}]`).join("");
  const got = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v).slice(0, 40));
  if (!isRecord(scenarios)) return `scenarios: expected an object, not ${got(scenarios)}`;
  for (const [file, sc] of Object.entries(scenarios)) {
    if (!isRecord(sc)) return `${at(file)}: expected an object, not ${got(sc)}`;
    for (const part of ["invariants", "tcb", "paths"] as const) if (!isRecord(sc[part])) return `${at(file, part)}: expected an object, not ${got(sc[part])}`;
    for (const [name, i] of Object.entries(sc.invariants as Record<string, unknown>)) {
      if (!isRecord(i)) return `${at(file, "invariants", name)}: expected an object, not ${got(i)}`;
      if (!VERDICTS.includes(i.verdict)) return `${at(file, "invariants", name, "verdict")}: expected "holds", "violated" or "incomplete", not ${got(i.verdict)}`;
      if (typeof i.met !== "boolean") return `${at(file, "invariants", name, "met")}: expected true or false, not ${got(i.met)}`;
    }
    for (const [c, t] of Object.entries(sc.tcb as Record<string, unknown>)) {
      if (!isRecord(t)) return `${at(file, "tcb", c)}: expected an object, not ${got(t)}`;
      if (!Array.isArray(t.members) || !t.members.every((m) => typeof m === "string")) return `${at(file, "tcb", c, "members")}: expected a list of component names, not ${got(t.members)}`;
      if (!isCount(t.sloc)) return `${at(file, "tcb", c, "sloc")}: expected a count, not ${got(t.sloc)}`;
    }
    for (const [name, p] of Object.entries(sc.paths as Record<string, unknown>)) {
      if (!isRecord(p)) return `${at(file, "paths", name)}: expected an object, not ${got(p)}`;
      if (p.preset !== null && typeof p.preset !== "string") return `${at(file, "paths", name, "preset")}: expected a preset name or null, not ${got(p.preset)}`;
      if (p.best !== null && !isCount(p.best)) return `${at(file, "paths", name, "best")}: expected a cycle count or null, not ${got(p.best)}`;
      if (p.worst !== null && p.worst !== "unbounded" && !isCount(p.worst)) return `${at(file, "paths", name, "worst")}: expected a cycle count, "unbounded" or null, not ${got(p.worst)}`;
    }
  }
  return null;
}

/** How good a verdict is: met, then incomplete, then not met. */
const rank = (i: BaselineInvariant): number => (i.verdict === "incomplete" ? 1 : i.met ? 2 : 0);

/** What a comparison with a baseline found. */
export interface Comparison {
  /** What got worse, one sentence each. */
  readonly regressions: string[];
  /** The baseline's scenarios (keys) that this run did not check but whose files still exist: not compared. */
  readonly notInRun: string[];
}

/**
 * What got worse since the baseline (docs/ci.md), one sentence each: a TCB that grew (a member
 * more, or more SLOC), a path slower by more than `tolerance` percent (best or worst, or a worst
 * case now unbounded), an invariant whose verdict got worse (met → incomplete → not met), and
 * anything the baseline checked that this run no longer does (a scenario that now has errors,
 * or whose file is gone; an invariant, TCB or path that is gone). A scenario of the baseline
 * that this run did not check, but whose file still exists, is not compared (a run of some of
 * the scenarios): it is listed in `notInRun`. New scenarios, invariants and paths are not
 * regressions.
 */
/**
 * How much a figure grew, for a regression's message: a percentage with one decimal, or more
 * where one would round to the tolerance it passed (20.05 % is not "+20.0 %, tolerance 20 %");
 * from 0, any growth is infinite: "from 0".
 */
export function growth(was: number, is: number, tolerance: number): string {
  if (was === 0) return "from 0";
  const pct = ((is - was) / was) * 100;
  let digits = 1;
  while (digits < 6 && Number(pct.toFixed(digits)) <= tolerance) digits++;
  return `+${pct.toFixed(digits)} %`;
}

/** The regressions of a run against `file`, as stderr and a text report give them: a count, then one per line. */
export function regressionsText(file: string, found: readonly string[]): string {
  return `${found.length} regression${found.length === 1 ? "" : "s"} against the baseline ${file}:\n${found.map((r) => `  ${r}\n`).join("")}`;
}

export function compareBaseline(base: Baseline, report: Report, tolerance = 0, places: BaselinePlaces = AS_NAMED): Comparison {
  const out: string[] = [];
  const notInRun: string[] = [];
  const fmt = (n: number): string => n.toLocaleString("en-US");
  for (const [where, b] of Object.entries(base.scenarios)) {
    const s = report.scenarios.find((s) => places.names(where, s.file));
    if (!s) {
      if (places.exists(where)) notInRun.push(where);
      else out.push(`${where}: was not checked in this run, and there is no such file (record the baseline again if it was removed or renamed)`);
      continue;
    }
    const file = s.file;
    if (!s.result) {
      out.push(`${file}: has errors now, so nothing in it was checked`);
      continue;
    }
    const n = scenarioBaseline(s.result);
    for (const [key, bi] of Object.entries(b.invariants)) {
      const ni = n.invariants[key];
      if (!ni) out.push(`${file}: invariant ${key} is no longer checked`);
      else if (rank(ni) < rank(bi)) out.push(`${file}: invariant ${key} was ${describe(bi)}, now ${describe(ni)}`);
    }
    for (const [comp, bt] of Object.entries(b.tcb)) {
      const nt = n.tcb[comp];
      if (!nt) {
        out.push(`${file}: TCB(${comp}) is no longer computed (the component is gone or no longer trusted)`);
        continue;
      }
      const added = nt.members.filter((m) => !bt.members.includes(m));
      // Each new member with the chain that put it in, as `nizza tcb` explains it.
      const reasons = s.result.tcb.find((t) => t.component === comp)?.reasons ?? [];
      const why = (m: string): string => {
        const links = reasons.find((r) => r.member === m)?.links ?? [];
        return links.length ? ` (${links.map((l) => l.why).join("; ")})` : "";
      };
      if (added.length) out.push(`${file}: TCB(${comp}) grew by ${added.map((m) => `${m}${why(m)}`).join(", ")}`);
      if (nt.sloc > bt.sloc) out.push(`${file}: TCB(${comp}) grew from ${fmt(bt.sloc)} to ${fmt(nt.sloc)} SLOC`);
    }
    // The run's paths under their baseline keys, worked out once for the scenario.
    const runPathKeys = keysOf(s.result.paths);
    for (const [name, bp] of Object.entries(b.paths)) {
      const np = n.paths[name];
      if (!np) {
        out.push(`${file}: path ${name} is no longer measured`);
        continue;
      }
      if (bp.preset !== np.preset) {
        out.push(`${file}: path ${name} is timed under ${np.preset ?? "no preset"} now, ${bp.preset ?? "none"} in the baseline: its cycles cannot be compared (record the baseline again)`);
        continue;
      }
      for (const which of ["best", "worst"] as const) {
        const was = bp[which];
        const is = np[which];
        if (was !== null && is === null) {
          // Measured before, not now: the start no longer happens, or no end follows it.
          const observed = s.result.paths[runPathKeys.indexOf(name)]?.observed ?? false;
          if (which === "best") out.push(`${file}: path ${name} was measured (best ${fmt(was as number)} cycles) and is no longer: ${observed ? "the end event no longer follows the start event" : "its start event no longer happens in any state explored"}`);
          continue;
        }
        if (was === null || was === "unbounded" || is === null) continue;
        if (is === "unbounded") out.push(`${file}: path ${name}'s worst case was ${fmt(was)} cycles, now unbounded`);
        else if (is > was * (1 + tolerance / 100)) out.push(`${file}: path ${name}'s ${which} case went from ${fmt(was)} to ${fmt(is)} cycles (${growth(was, is, tolerance)}${tolerance ? `, tolerance ${tolerance} %` : ""})`);
      }
    }
  }
  return { regressions: out, notInRun };
}

/** The regressions alone (compareBaseline), for a baseline keyed as the report names its files. */
export function regressions(base: Baseline, report: Report, tolerance = 0, places: BaselinePlaces = AS_NAMED): string[] {
  return compareBaseline(base, report, tolerance, places).regressions;
}

function describe(i: BaselineInvariant): string {
  if (i.verdict === "incomplete") return "incomplete";
  return `${i.verdict} (${i.met ? "as expected" : "not as expected"})`;
}
