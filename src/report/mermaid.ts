// Mermaid sequence diagrams of traces: who calls whom, step by step, for counterexamples and path traces.
import type { TraceStep } from "../checker/check.js";

/** What a diagram needs of a step: a counterexample's TraceStep, or a path trace's TimedStep with its cycles. */
export type DiagramStep = Pick<TraceStep, "actor" | "target" | "text"> & { readonly cycles?: number | null };

export interface DiagramOptions {
  /** The step index at which a lasso's loop starts again: the steps from there on are drawn in a `loop` block. */
  readonly loopsTo?: number | null;
  /** The longest message, in characters, before it is cut short with "…" (default 72). */
  readonly maxText?: number;
}

/**
 * Text made safe for a Mermaid message, note or alias: on one line, and the characters Mermaid
 * breaks on (`;` and `#` end or open a token; `<` and `&` would be read as HTML; backticks could
 * close a Markdown fence) written as Mermaid's entity codes (`#59;`), which it renders back.
 */
export function mermaidText(s: string): string {
  return s.replace(/\s+/g, " ").trim().replace(/[#;<&`]/g, (ch) => `#${ch.codePointAt(0)};`);
}

/** `s` cut to `max` characters (whole code points), with "…" when it was longer. */
export function truncate(s: string, max: number): string {
  const cps = [...s.replace(/\s+/g, " ").trim()];
  return cps.length <= max ? cps.join("") : `${cps.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/** A step's message: its number, its text without the actor's name (the lifeline says it), the cycles it adds. */
function message(st: DiagramStep, i: number, max: number): string {
  const text = st.text.startsWith(`${st.actor}.`) ? st.text.slice(st.actor.length + 1) : st.text;
  const cycles = st.cycles === null || st.cycles === undefined ? "" : ` (+${st.cycles.toLocaleString("en-US")} cycles)`;
  return mermaidText(`${i + 1}. ${truncate(text, max)}${cycles}`);
}

/**
 * A Mermaid `sequenceDiagram` of `steps`: a participant per actor or target, in order of first
 * appearance (as aliases `P1`, `P2`, ... so any name is safe); a step with a target is an arrow
 * from its actor to the target, any other a note over its actor; the steps of a lasso's loop
 * are in a `loop` block; in a path trace a note marks where the measurement starts.
 */
export function sequenceDiagram(steps: readonly DiagramStep[], opts: DiagramOptions = {}): string {
  const max = opts.maxText ?? 72;
  const ids = new Map<string, string>();
  const lines = ["sequenceDiagram"];
  const id = (name: string): string => {
    let p = ids.get(name);
    if (p === undefined) {
      p = `P${ids.size + 1}`;
      ids.set(name, p);
      lines.push(`  participant ${p} as ${mermaidText(name)}`);
    }
    return p;
  };
  for (const st of steps) {
    id(st.actor);
    if (st.target !== null) id(st.target);
  }
  if (steps.length === 0) {
    // Nothing happens: the initial state is the finding (a TCB bound, say).
    const p = id("initial state");
    lines.push(`  Note over ${p}: ${mermaidText("no step: the initial state already shows it")}`);
    return lines.join("\n") + "\n";
  }
  const loopsTo = opts.loopsTo ?? null;
  const looping = loopsTo !== null && loopsTo >= 0 && loopsTo < steps.length;
  let started = false;
  steps.forEach((st, i) => {
    const from = ids.get(st.actor)!;
    if (st.cycles !== undefined && st.cycles !== null && !started) {
      started = true;
      lines.push(`  Note over ${from}: ${mermaidText("the path starts")}`);
    }
    if (looping && i === loopsTo) lines.push(`  loop ${mermaidText(`for ever, back to step ${loopsTo + 1}`)}`);
    const indent = looping && i >= loopsTo ? "    " : "  ";
    const text = message(st, i, max);
    lines.push(st.target === null ? `${indent}Note over ${from}: ${text}` : `${indent}${from}->>${ids.get(st.target)!}: ${text}`);
  });
  if (looping) lines.push("  end");
  return lines.join("\n") + "\n";
}
