// Sequence diagrams of traces: who calls whom, step by step, for counterexamples and path traces — described once, drawn as Mermaid here (and as SVG by html.ts).
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
  return `${i + 1}. ${truncate(text, max)}${cycles}`;
}

/** A row of a sequence diagram: an arrow between two participants, or a note over one (indices into `participants`). */
export type SequenceRow =
  | { readonly kind: "arrow"; readonly from: number; readonly to: number; readonly text: string }
  | { readonly kind: "note"; readonly over: number; readonly text: string };

/**
 * A sequence diagram, before it is drawn (as Mermaid here, as SVG by the html report): its
 * participants in order of first appearance, its rows top to bottom, and the loop, which runs
 * from row `loop.from` to the last row. Texts are plain: each renderer escapes them its own way.
 */
export interface Sequence {
  readonly participants: readonly string[];
  readonly rows: readonly SequenceRow[];
  readonly loop: { readonly from: number; readonly text: string } | null;
}

/**
 * The sequence diagram of `steps`: a participant per actor or target, in order of first
 * appearance; a step with a target is an arrow from its actor to the target, any other a note
 * over its actor; the steps of a lasso's loop are in the loop; in a path trace a note marks
 * where the measurement starts. A trace without steps is one note over "initial state".
 */
export function sequenceOf(steps: readonly DiagramStep[], opts: DiagramOptions = {}): Sequence {
  const max = opts.maxText ?? 72;
  const participants: string[] = [];
  const id = (name: string): number => {
    const k = participants.indexOf(name);
    return k >= 0 ? k : participants.push(name) - 1;
  };
  for (const st of steps) {
    id(st.actor);
    if (st.target !== null) id(st.target);
  }
  if (steps.length === 0) {
    // Nothing happens: the initial state is the finding (a TCB bound, say).
    return { participants: ["initial state"], rows: [{ kind: "note", over: 0, text: "no step: the initial state already shows it" }], loop: null };
  }
  const loopsTo = opts.loopsTo ?? null;
  const looping = loopsTo !== null && loopsTo >= 0 && loopsTo < steps.length;
  const rows: SequenceRow[] = [];
  let loop: Sequence["loop"] = null;
  let started = false;
  steps.forEach((st, i) => {
    const from = id(st.actor);
    if (st.cycles !== undefined && st.cycles !== null && !started) {
      started = true;
      rows.push({ kind: "note", over: from, text: "the path starts" });
    }
    if (looping && i === loopsTo) loop = { from: rows.length, text: `for ever, back to step ${loopsTo + 1}` };
    const text = message(st, i, max);
    rows.push(st.target === null ? { kind: "note", over: from, text } : { kind: "arrow", from, to: id(st.target), text });
  });
  return { participants, rows, loop };
}

/**
 * A Mermaid `sequenceDiagram` of `steps` (`sequenceOf`): participants as aliases `P1`, `P2`,
 * ... so any name is safe; arrows `->>`, notes `Note over`, the loop a `loop` block.
 */
export function sequenceDiagram(steps: readonly DiagramStep[], opts: DiagramOptions = {}): string {
  const seq = sequenceOf(steps, opts);
  const p = (k: number): string => `P${k + 1}`;
  const lines = ["sequenceDiagram", ...seq.participants.map((name, k) => `  participant ${p(k)} as ${mermaidText(name)}`)];
  seq.rows.forEach((row, i) => {
    if (seq.loop && i === seq.loop.from) lines.push(`  loop ${mermaidText(seq.loop.text)}`);
    const indent = seq.loop && i >= seq.loop.from ? "    " : "  ";
    lines.push(row.kind === "note" ? `${indent}Note over ${p(row.over)}: ${mermaidText(row.text)}` : `${indent}${p(row.from)}->>${p(row.to)}: ${mermaidText(row.text)}`);
  });
  if (seq.loop) lines.push("  end");
  return lines.join("\n") + "\n";
}
