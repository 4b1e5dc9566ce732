// Paths in text: a line per path for `nizza check`, the side-by-side table of `nizza paths`, and a path's trace.
import type pc from "picocolors";
import { PRIMITIVES } from "../machine/meter.js";
import { NEVER_ENDS, NO_END_SEEN, type PathCase, type PathResult, type PathTiming, type PathTrace, type PathsOutcome, type UnboundedCase } from "../timing/measure.js";
import { BOUND_TEXT } from "./text.js";
import { showValue } from "../components/values.js";

type Colors = ReturnType<typeof pc.createColors>;

const n = (x: number): string => x.toLocaleString("en-US");

/** "520", "unbounded", or "—" when the path was never measured. */
export function cyclesText(c: PathCase | UnboundedCase | null): string {
  if (!c) return "—";
  return "unbounded" in c ? "unbounded" : n(c.cycles);
}

/** "2 kernelEntry, 2 kernelExit, 2 contextSwitch, ..." (the primitives counted, in the meter's order). */
export function breakdownText(c: PathCase | UnboundedCase | null): string {
  if (!c || "unbounded" in c) return "";
  return PRIMITIVES.filter((p) => c.counts[p] !== 0).map((p) => `${c.counts[p]} ${p}`).join(", ");
}

/** `nizza check`'s line for a path, under its first preset. */
export function pathLine(p: PathResult, c: Colors): string {
  const t = p.timings[0];
  const mark = p.verdict === "incomplete" ? c.yellow("?") : p.verdict === "violated" ? c.red("✗") : p.budget === null ? c.dim("·") : c.green("✓");
  const budget = p.budget === null ? "" : `, budget ${n(p.budget)}`;
  const what = !t ? (p.reason ?? "not measured") : !p.observed ? "never happens: no state explored has the start event" : !t.best ? (p.verdict === "incomplete" ? `no end yet: ${NO_END_SEEN}${budget}` : `never ends: ${NEVER_ENDS}${budget}`) : `best ${cyclesText(t.best)} cycles, worst ${cyclesText(t.worst)}${t.worst && "unbounded" in t.worst ? "" : " cycles"} (${t.preset})${budget}`;
  return `  ${mark} path ${p.name}: ${p.text}  ${c.dim(what)}`;
}

/**
 * The trace of a path's worst case when it breaks its budget, or when it is unbounded (a
 * finding even without a budget: the loop that starves the path).
 */
export function pathFailure(p: PathResult, c: Colors): string[] {
  const worst = p.timings[0]?.worst;
  if (!worst || (p.verdict !== "violated" && !("unbounded" in worst))) return [];
  const head = `${"unbounded" in worst ? "unbounded worst case" : "worst case"} of path ${p.name}: ${p.text} (${p.at}), ${worst.trace.steps.length} steps:`;
  const why = p.reason ?? "the worst case is unbounded: steps that cost cycles can repeat for ever after the start event, before the end event (the path has no budget, so this is reported, not judged)";
  return [`  ${c.bold(head)}`, ...traceLines(worst.trace, c), `  ${c.bold("why:")} ${why}`];
}

/** A path trace: the steps before the measurement plain, each measured step with the cycles it adds. */
export function traceLines(t: PathTrace, c: Colors): string[] {
  const width = String(t.steps.length).length;
  const out: string[] = [];
  let started = false;
  t.steps.forEach((st, i) => {
    if (st.cycles !== null && !started) {
      started = true;
      out.push(`  ${" ".repeat(width)}  ${c.dim("-- the path starts --")}`);
    }
    if (t.loopsTo === i) out.push(`  ${" ".repeat(width)}  ${c.dim("-- from here this loop can repeat for ever --")}`);
    const cyc = st.cycles === null ? "" : c.cyan(`  +${n(st.cycles)} cycles`);
    out.push(`  ${String(i + 1).padStart(width)}  ${st.text}${st.at ? c.dim(`   (${st.at})`) : ""}${cyc}`);
  });
  if (t.loopsTo !== null) out.push(`  ${" ".repeat(width)}  ${c.dim(`-- and back to step ${t.loopsTo + 1} --`)}`);
  return out;
}

/** The table of `nizza paths`: per path, each preset's best and worst cycles and their breakdowns. */
export function renderPathsTable(file: string, system: string, o: PathsOutcome, c: Colors): string {
  const lines = [`${c.bold(file)}: system ${system}`];
  // With no path to time nothing is explored: no figures to give.
  if (o.paths.length === 0) return [...lines, c.dim("  (no paths: nothing to time, nothing explored)")].join("\n") + "\n";
  for (const p of o.paths) {
    lines.push("", `  ${c.bold(`path ${p.name}`)}: ${p.text}${p.budget === null ? "" : `  within ${n(p.budget)} cycles`}   ${c.dim(p.at)}`);
    if (!p.observed) {
      lines.push(c.dim("    never happens: no state explored has the start event"));
      continue;
    }
    if (!p.timings[0]?.best) {
      lines.push(p.verdict === "incomplete" ? `    no end yet: ${NO_END_SEEN}` : `    never ends: ${NEVER_ENDS}${p.verdict === "violated" ? c.red(" (over budget)") : ""}`);
      continue;
    }
    const rows = p.timings.map((t) => [t.preset, cyclesText(t.best), cyclesText(t.worst), t.best ? budgetMark(p, t) : ""]);
    const head = ["preset", "best", "worst", p.budget === null ? "" : "budget"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]): string => `    ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}  ${r[3]!}`.trimEnd();
    lines.push(c.dim(fmt(head)), ...rows.map(fmt));
    lines.push(c.dim("    breakdown (best | worst):"));
    for (const t of p.timings) lines.push(`    ${t.preset.padEnd(widths[0]!)}  ${breakdownText(t.best) || "—"} ${c.dim("|")} ${breakdownText(t.worst) || cyclesText(t.worst)}`);
  }
  const done = o.bound === null ? "every reachable state explored" : `incomplete: ${BOUND_TEXT[o.bound as keyof typeof BOUND_TEXT] ?? "the exploration stopped early"}, so these are the figures of the states explored`;
  lines.push("", c.dim(`  ${n(o.states)} states, ${n(o.transitions)} transitions, ${(o.elapsedMs / 1000).toFixed(2)} s; ${done}`));
  if (o.mmio.length > 1) lines.push(c.dim(`  MMIO windows took data from outside ${o.mmio.map(showValue).join(", ")} (values that tell apart what threads compared of it)`));
  return lines.join("\n") + "\n";
}

function budgetMark(p: PathResult, t: PathTiming): string {
  if (p.budget === null || !t.worst) return "";
  return "unbounded" in t.worst || t.worst.cycles > p.budget ? "over" : "within";
}

