// The text report of `nizza tcb`: each TCB with every member's SLOC and the chain of "affects" that put it in.
import pc from "picocolors";
import type { CheckResult, Counterexample, TcbReason, TcbResult } from "../checker/check.js";
import { traceSteps } from "./junit.js";
import { statsLines } from "./text.js";

type Colors = ReturnType<typeof pc.createColors>;

/** Where a link first showed, as the report says it: `initial state`, `after 3 steps`; empty when not known (a simulation). */
export function depthText(depth: number | null): string {
  if (depth === null) return "";
  return depth === 0 ? "initial state" : `after ${depth} step${depth === 1 ? "" : "s"}`;
}

/**
 * One scenario's TCBs (spec/invariants.md §6), each as its set and SLOC, then a line per member:
 * its name, its SLOC (`slocOf`) and why it is in — the chain of "affects" from it to the
 * component, one link per line, each with where it first showed — then the exploration's lines.
 */
export function renderTcbText(file: string, r: CheckResult, slocOf: (component: string) => number, o: { readonly color: boolean }): string {
  const c = pc.createColors(o.color);
  const lines: string[] = [`${c.bold(file)}: system ${r.system}`];
  const partial = r.tcbPartial ? c.yellow(" (of the states explored: it may have more members)") : "";
  for (const t of r.tcb) lines.push(`  ${c.bold(`TCB(${t.component}) = { kernel, ${t.members.join(", ")} }`)}  ${t.sloc.toLocaleString("en-US")} SLOC${partial}`, ...memberLines(t, slocOf, c));
  if (r.tcb.length === 0) lines.push(c.dim("  (no trusted component: name one with --component)"));
  lines.push(...statsLines(r.stats, c));
  return lines.join("\n") + "\n";
}

/** A TCB's members, one line each (and one per further link of a chain), in columns. */
function memberLines(t: TcbResult, slocOf: (component: string) => number, c: Colors): string[] {
  const names = ["kernel", ...t.members];
  const nameWidth = Math.max(...names.map((n) => n.length));
  const slocs = t.members.map((m) => slocOf(m).toLocaleString("en-US"));
  const slocWidth = Math.max(...slocs.map((s) => s.length));
  const row = (name: string, sloc: string, text: string): string => `    ${name.padEnd(nameWidth)}  ${sloc.padStart(slocWidth)}  ${text}`;
  const indent = " ".repeat(4 + nameWidth + 2 + slocWidth + 2);
  const out = [row("kernel", "", c.dim("always in it; not a component, its SLOC not counted"))];
  t.members.forEach((m, i) => {
    if (m === t.component) return void out.push(row(m, slocs[i]!, c.dim("the component itself")));
    const links = t.reasons.find((r) => r.member === m)?.links ?? [];
    links.forEach((l, k) => out.push(k === 0 ? row(m, slocs[i]!, linkText(l, c)) : `${indent}${c.dim("and")} ${linkText(l, c)}`));
  });
  return out;
}

function linkText(l: TcbReason["links"][number], c: Colors): string {
  const at = depthText(l.depth);
  return `${l.why}${at ? c.dim(`  (${at})`) : ""}`;
}

/**
 * The run that puts `member` in tcb(`component`) (`nizza tcb --trace`): the chain, then the
 * shortest run to the first state by which every link of it had shown (links that showed in
 * earlier states may have shown on other runs), each step with its source line.
 */
export function renderTcbTrace(file: string, system: string, component: string, reason: TcbReason, cx: Counterexample, o: { readonly color: boolean }): string {
  const c = pc.createColors(o.color);
  const steps = cx.steps.length;
  const lines = [
    `${c.bold(file)}: system ${system}`,
    `  ${c.bold(`${reason.member} is in tcb(${component})`)} because`,
    ...reason.links.map((l, k) => `    ${k === 0 ? "" : `${c.dim("and")} `}${linkText(l, c)}`),
    "",
    `  ${c.bold(steps === 0 ? "in the initial state: there is no run to show" : `the run to the first state by which every link had shown, ${steps} step${steps === 1 ? "" : "s"}:`)}`,
    ...traceSteps(cx, c.dim),
  ];
  return lines.join("\n") + "\n";
}
