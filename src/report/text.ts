// The text report of `nizza check`: a verdict per invariant, the TCB sets, the statistics, and each counterexample.
import pc from "picocolors";
import { invariantsOf, type CheckResult, type CheckStats, type Counterexample, type InvariantResult } from "../checker/check.js";
import { showValue } from "../components/values.js";
import { MAX_SUCCESSORS } from "../checker/records.js";
import { traceSteps } from "./junit.js";
import { pathFailure, pathLine } from "./paths.js";

export interface TextOptions {
  readonly color: boolean;
}

/** What a bound that stopped the exploration means: every report says it the same way. */
export const BOUND_TEXT = {
  states: "the state bound was reached",
  depth: "the depth bound was reached",
  memory: "the memory bound was reached",
  successors: `a state had more successors than a trace can number (${MAX_SUCCESSORS.toLocaleString("en-US")}), so it was not expanded`,
  stopped: "the exploration stopped once every invariant had its verdict",
  interrupted: "the run was interrupted before every reachable state was explored",
  simulation: "random simulation: it finds violations but proves nothing",
} as const;

/**
 * What MMIO windows were given from outside, when it was more than 0 (spec/language.md §9.5):
 * `MMIO windows took data from outside 0, 7 (values that tell apart what threads compared of
 * it; 2 explorations)`.
 */
export function mmioText(m: NonNullable<CheckStats["mmio"]>): string {
  const runs = m.explorations === 1 ? "1 exploration" : `${m.explorations} explorations`;
  return `MMIO windows took data from outside ${m.values.map(showValue).join(", ")} (values that tell apart what threads compared of it; ${runs})`;
}

/** One scenario's report. */
export function renderText(file: string, r: CheckResult, o: TextOptions): string {
  const c = pc.createColors(o.color);
  const lines: string[] = [`${c.bold(file)}: system ${r.system}`];
  const all = invariantsOf(r);
  for (const inv of all) lines.push(`  ${mark(inv, c)} ${label(inv)}  ${c.dim(verdictText(inv))}`);
  if (all.length === 0) lines.push(c.dim("  (no invariants)"));
  for (const p of r.paths) lines.push(pathLine(p, c));
  for (const t of r.tcb)
    lines.push(`  TCB(${t.component}) = { kernel, ${t.members.join(", ")} }  ${t.sloc.toLocaleString("en-US")} SLOC${r.tcbPartial ? c.dim(" (of the states explored)") : ""}`);
  lines.push(...statsLines(r.stats, c));
  if (r.pathStats) {
    const ps = r.pathStats;
    const how = ps.bound === null ? "every reachable state explored" : BOUND_TEXT[ps.bound];
    lines.push(c.dim(`  paths timed on ${ps.states.toLocaleString("en-US")} states, ${ps.transitions.toLocaleString("en-US")} transitions (no symmetry reduction), ${(ps.elapsedMs / 1000).toFixed(2)} s; ${how}`));
  }
  for (const inv of all) if (inv.counterexample) lines.push("", ...trace(inv, inv.counterexample, c));
  for (const p of r.paths) {
    const f = pathFailure(p, c);
    if (f.length) lines.push("", ...f);
  }
  return lines.join("\n") + "\n";
}

type Colors = ReturnType<typeof pc.createColors>;

/** The exploration's lines (dimmed): its size and time, whether it was complete, and the reductions that were off or used. */
export function statsLines(s: CheckStats, c: Colors): string[] {
  const lines: string[] = [];
  const done = s.bound === null ? "every reachable state explored" : BOUND_TEXT[s.bound];
  lines.push(
    c.dim(
      `  ${s.states.toLocaleString("en-US")} states, ${s.transitions.toLocaleString("en-US")} transitions, depth ${s.depth}, ` +
        `${(s.elapsedMs / 1000).toFixed(2)} s; ${done}; fingerprint collision probability ${s.collisionProbability.toExponential(1)}`,
    ),
  );
  if ("off" in s.reductions.por && s.reductions.por.off !== "random simulation walks the real system") lines.push(c.dim(`  partial-order reduction off: ${s.reductions.por.off}`));
  if ("off" in s.reductions.deadValues) lines.push(c.dim(`  dead-value reductions off: ${s.reductions.deadValues.off}`));
  if (s.mmio && s.mmio.values.length > 1) lines.push(c.dim(`  ${mmioText(s.mmio)}`));
  const sym = s.reductions.symmetry;
  if ("used" in sym) lines.push(c.dim(`  symmetry reduction over ${sym.used}: each state explored stands for its permutations`));
  else if (sym.off !== "no replicated component" && sym.off !== "random simulation walks the real system") lines.push(c.dim(`  symmetry reduction off: ${sym.off}`));
  return lines;
}

function label(inv: InvariantResult): string {
  return `${inv.name ? `${inv.name}: ` : ""}${inv.text}`;
}

function mark(inv: InvariantResult, c: Colors): string {
  if (inv.verdict === "incomplete") return c.yellow("?");
  return inv.met ? c.green("✓") : c.red("✗");
}

function verdictText(inv: InvariantResult): string {
  if (inv.verdict === "incomplete") return "incomplete: no violation in the states explored";

  if (inv.expect === "violated") return inv.verdict === "violated" ? "violated, as expected" : "holds, but was expected to be violated";
  return inv.verdict === "holds" ? "holds" : "violated";
}

function trace(inv: InvariantResult, cx: Counterexample, c: Colors): string[] {
  const head = `${inv.met ? "expected violation" : "counterexample"} of ${label(inv)} (${inv.at}), ${cx.steps.length} step${cx.steps.length === 1 ? "" : "s"}:`;
  return [`  ${c.bold(head)}`, ...traceSteps(cx, c.dim), `  ${c.bold("why:")} ${cx.reason}`];
}
