// The html report: one self-contained page for a reviewer — a summary, then per scenario its verdicts, tables, architecture graph and each trace as an SVG sequence diagram.
import { invariantsOf, replaySystem, type CheckResult, type InvariantResult } from "../checker/check.js";
import { replay } from "../checker/explore.js";
import { buildSystem, type System } from "../components/step.js";
import { compileFile } from "../dsl/compile.js";
import type { StateVector } from "../kernel/layout.js";
import type { PathResult, PathTrace } from "../timing/measure.js";
import { architectureChanges, architectureDot, architectureOf, dotToSvg } from "./architecture.js";
import { invariantLabel, invariantOutcome, pathOutcome, pathTraceLines, verdictText, xmlEscape, type Outcome } from "./junit.js";
import { sequenceOf, truncate, type DiagramStep, type Sequence } from "./mermaid.js";
import type { Report, ScenarioError, ScenarioOutcome } from "./model.js";
import { breakdownText, cyclesText } from "./paths.js";
import { BOUND_TEXT, mmioText } from "./text.js";

const n = (x: number): string => x.toLocaleString("en-US");

/** Text for HTML and SVG alike: `&`, `<`, `>` and quotes escaped, characters XML forbids dropped. */
const esc = xmlEscape;

const MARK: Record<Outcome, string> = { passed: "✓", failed: "✗", incomplete: "?" };

/** Exit codes in words (DESIGN.md §9), and the class that colours them. */
const EXIT_TEXT: Record<number, string> = { 0: "ok", 1: "failed", 2: "error", 3: "incomplete" };
const EXIT_MARK: Record<number, string> = { 0: "✓", 1: "✗", 2: "⚠", 3: "?" };
const EXIT_CLASS: Record<number, string> = { 0: "ok", 1: "failed", 2: "error", 3: "incomplete" };

/** The order of the sections: scenario errors, then failures, then incomplete runs, then passes (as `worstExit` ranks them). */
const EXIT_RANK: Record<number, number> = { 2: 0, 1: 1, 3: 2, 0: 3 };

function exitBadge(code: number): string {
  return `<span class="badge ${EXIT_CLASS[code] ?? "error"}">${EXIT_MARK[code] ?? ""} exit ${code} ${EXIT_TEXT[code] ?? ""}</span>`;
}

function mark(o: Outcome): string {
  return `<span class="mark ${o}" title="${o}">${MARK[o]}</span>`;
}

const plural = (k: number, what: string): string => `${n(k)} ${what}${k === 1 ? "" : "s"}`;

// --- Trust: the colours the sequence diagrams share with the architecture graph -----------------

/** Who a participant of a trace is, for its colour: a device, or a name the model does not know, is `other`. */
export type Trust = "trusted" | "untrusted" | "kernel" | "other";

/**
 * Fill and stroke per trust: the architecture graph's colours (architecture.ts draws trusted
 * green, untrusted red, the kernel blue, devices grey), so a participant looks like its node.
 */
const TRUST_COLOR: Record<Trust, { readonly fill: string; readonly stroke: string }> = {
  trusted: { fill: "#d8f0dc", stroke: "#2e7d32" },
  untrusted: { fill: "#f9d9d9", stroke: "#c62828" },
  kernel: { fill: "#dde7f6", stroke: "#1f4e79" },
  other: { fill: "#e6e6e6", stroke: "#616161" },
};

/** A participant's trust: from the model when it could be compiled again, else from the TCB sets (one per trusted component). */
function trustOf(name: string, trusted: ReadonlyMap<string, boolean> | null, r: CheckResult): Trust {
  if (name === "kernel") return "kernel";
  const t = trusted?.get(name);
  if (t !== undefined) return t ? "trusted" : "untrusted";
  const group = name.replace(/\[\d+\]$/, "");
  if (r.tcb.some((x) => x.component === name || x.component === group)) return "trusted";
  // A device, or (without the model) a component in no TCB set: trust unknown.
  return "other";
}

// --- Sequence diagrams as SVG ---------------------------------------------------------------------

/**
 * The geometry of a diagram. Texts are set in a monospace font, whose advance is 0.6 em, so
 * their widths are known without measuring them: the layout is a fixed grid and needs no engine.
 */
const SEQ = {
  font: 12,
  charWidth: 7.2,
  headHeight: 30,
  rowHeight: 34,
  loopHead: 22,
  pad: 12,
  minColumn: 110,
  maxName: 28,
} as const;

const textWidth = (s: string): number => [...s].length * SEQ.charWidth;
const fmt = (x: number): string => String(Math.round(x * 10) / 10);

/**
 * A sequence diagram (`sequenceOf`, the one the Markdown report draws with Mermaid) as inline
 * SVG: a box and a dashed lifeline per participant coloured by trust, an arrow per step with a
 * target (a loop back for a call to itself), a note for any other step, and a box around a
 * lasso's loop. Columns are spaced so that every arrow's text fits between its two lifelines.
 */
export function sequenceSvg(seq: Sequence, colorOf: (participant: string) => Trust = () => "other", title = "sequence diagram"): string {
  const names = seq.participants.map((p) => truncate(p, SEQ.maxName));
  const head = names.map((p) => Math.max(SEQ.minColumn, textWidth(p) + 2 * SEQ.pad));
  // Gaps between neighbouring lifelines: wide enough for the boxes, then for each arrow's text.
  const gap = head.slice(1).map((w, k) => (head[k]! + w) / 2 + 2 * SEQ.pad);
  const xs = (): number[] => gap.reduce((acc, g) => [...acc, acc[acc.length - 1]! + g], [0]);
  for (const row of seq.rows) {
    if (row.kind !== "arrow") continue;
    if (row.from === row.to) {
      // A call to itself has its text to the right of its lifeline, before the next one.
      if (row.from < gap.length) gap[row.from] = Math.max(gap[row.from]!, 40 + textWidth(row.text) + SEQ.pad);
      continue;
    }
    const [a, b] = row.from < row.to ? [row.from, row.to] : [row.to, row.from];
    const x = xs();
    const need = textWidth(row.text) + 3 * SEQ.pad - (x[b]! - x[a]!);
    if (need > 0) for (let k = a; k < b; k++) gap[k]! += need / (b - a);
  }
  const x = xs();
  const parts: string[] = [];
  let minX = -head[0]! / 2;
  let maxX = x[x.length - 1]! + head[head.length - 1]! / 2;
  const extend = (l: number, r: number): void => {
    minX = Math.min(minX, l);
    maxX = Math.max(maxX, r);
  };
  const top = SEQ.headHeight + SEQ.pad;
  let y = top;
  const rowsSvg: string[] = [];
  let loopTop = 0;
  seq.rows.forEach((row, i) => {
    if (seq.loop && i === seq.loop.from) {
      loopTop = y;
      y += SEQ.loopHead;
    }
    const label = esc(row.text);
    if (row.kind === "note") {
      const w = textWidth(row.text) + 2 * SEQ.pad;
      const cx = x[row.over]!;
      extend(cx - w / 2, cx + w / 2);
      rowsSvg.push(
        `<g class="note"><rect x="${fmt(cx - w / 2)}" y="${fmt(y + 4)}" width="${fmt(w)}" height="24" rx="3" fill="#fff8d6" stroke="#b59f3b"/>` +
          `<text x="${fmt(cx)}" y="${fmt(y + 20)}" text-anchor="middle" fill="#222">${label}</text></g>`,
      );
    } else if (row.from === row.to) {
      // A call to itself: out to the right and back.
      const cx = x[row.from]!;
      const w = textWidth(row.text);
      extend(cx, cx + 40 + w);
      rowsSvg.push(
        `<g class="arrow"><path d="M${fmt(cx)} ${fmt(y + 10)} h30 v14 h-24" fill="none" stroke="#333" stroke-width="1.3"/>` +
          `<polygon points="${fmt(cx)},${fmt(y + 24)} ${fmt(cx + 8)},${fmt(y + 20)} ${fmt(cx + 8)},${fmt(y + 28)}" fill="#333"/>` +
          `<text x="${fmt(cx + 36)}" y="${fmt(y + 21)}" fill="#111">${label}</text></g>`,
      );
    } else {
      const x1 = x[row.from]!;
      const x2 = x[row.to]!;
      const dir = x2 > x1 ? 1 : -1;
      const ly = y + 24;
      rowsSvg.push(
        `<g class="arrow"><line x1="${fmt(x1)}" y1="${fmt(ly)}" x2="${fmt(x2 - dir * 8)}" y2="${fmt(ly)}" stroke="#333" stroke-width="1.3"/>` +
          `<polygon points="${fmt(x2)},${fmt(ly)} ${fmt(x2 - dir * 9)},${fmt(ly - 4.5)} ${fmt(x2 - dir * 9)},${fmt(ly + 4.5)}" fill="#333"/>` +
          `<text x="${fmt((x1 + x2) / 2)}" y="${fmt(ly - 6)}" text-anchor="middle" fill="#111">${label}</text></g>`,
      );
    }
    y += SEQ.rowHeight;
  });
  const bottom = y + (seq.loop ? SEQ.pad : 0);
  if (seq.loop) {
    const l = minX - SEQ.pad;
    const r = maxX + SEQ.pad;
    const tab = textWidth(`loop ${seq.loop.text}`) + 2 * SEQ.pad;
    extend(l, Math.max(r, l + tab));
    rowsSvg.unshift(
      `<g class="loop"><rect x="${fmt(l)}" y="${fmt(loopTop)}" width="${fmt(Math.max(r, l + tab) - l)}" height="${fmt(bottom - loopTop)}" fill="#f5f7ff" stroke="#5c6bc0" stroke-dasharray="5 3"/>` +
        `<rect x="${fmt(l)}" y="${fmt(loopTop)}" width="${fmt(tab)}" height="${SEQ.loopHead - 4}" fill="#5c6bc0"/>` +
        `<text x="${fmt(l + SEQ.pad)}" y="${fmt(loopTop + 13)}" fill="#fff">loop ${esc(seq.loop.text)}</text></g>`,
    );
  }
  const end = bottom + SEQ.pad;
  // Lifelines first, under everything else; then the boxes at the top.
  names.forEach((p, k) => {
    const c = TRUST_COLOR[colorOf(seq.participants[k]!)];
    parts.push(`<line class="lifeline" x1="${fmt(x[k]!)}" y1="${SEQ.headHeight}" x2="${fmt(x[k]!)}" y2="${fmt(end)}" stroke="${c.stroke}" stroke-width="1" stroke-dasharray="4 3"/>`);
  });
  parts.push(...rowsSvg);
  names.forEach((p, k) => {
    const c = TRUST_COLOR[colorOf(seq.participants[k]!)];
    const w = head[k]!;
    parts.push(
      `<g class="participant"><title>${esc(seq.participants[k]!)}</title><rect x="${fmt(x[k]! - w / 2)}" y="0" width="${fmt(w)}" height="${SEQ.headHeight}" rx="4" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"/>` +
        `<text x="${fmt(x[k]!)}" y="${fmt(SEQ.headHeight / 2 + 4)}" text-anchor="middle" font-weight="bold" fill="#111">${esc(p)}</text></g>`,
    );
  });
  const l = minX - SEQ.pad;
  const width = maxX - minX + 2 * SEQ.pad;
  const height = end + 2;
  // The drawing's left edge is wherever a note or the loop reaches: the view box starts there.
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" role="img" aria-label="${esc(title)}" width="${fmt(width)}" height="${fmt(height)}" viewBox="${fmt(l)} 0 ${fmt(width)} ${fmt(height)}" ` +
    `font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace" font-size="${SEQ.font}">` +
    `<title>${esc(title)}</title>${parts.join("")}</svg>`
  );
}

// --- The architecture graph ------------------------------------------------------------------------

/** The scenario compiled again: its system, its components' trust and the architecture graph, or why there is none. */
interface Drawn {
  readonly svg: string | null;
  readonly note: string | null;
  readonly trusted: ReadonlyMap<string, boolean> | null;
  readonly sys: System | null;
}

/**
 * Graphviz's SVG made fit to sit inside a page beside others: without its XML declaration,
 * doctype (whose DTD address is a URL) and comments, and with its ids made unique by `prefix`.
 */
export function inlineSvg(svg: string, prefix: string): string {
  const start = svg.indexOf("<svg");
  const body = (start >= 0 ? svg.slice(start) : svg).replace(/<!--[\s\S]*?-->/g, "").trim();
  return body
    .replace(/\bid="([^"]*)"/g, (_m, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]*)\)/g, (_m, id: string) => `url(#${prefix}${id})`)
    .replace(/href="#([^"]*)"/g, (_m, id: string) => `href="#${prefix}${id}"`);
}

async function architecture(s: ScenarioOutcome, r: CheckResult, prefix: string): Promise<Drawn> {
  const c = compileFile(s.file);
  if (!c.model) {
    const first = c.diagnostics.find((d) => d.severity === "error");
    return { svg: null, trusted: null, sys: null, note: `not drawn: ${s.file} could not be read and compiled again${first ? ` (${first.message})` : ""}` };
  }
  if (c.model.name !== r.system) return { svg: null, trusted: null, sys: null, note: `not drawn: ${s.file} now holds system ${c.model.name}, not ${r.system}` };
  const trusted = new Map(c.model.components.map((k) => [k.name, k.trusted] as const));
  const sys = buildSystem(c.model);
  const svg = await dotToSvg(architectureDot(architectureOf(sys)));
  return { svg: inlineSvg(svg, prefix), trusted, sys, note: null };
}

/**
 * The architecture at a counterexample's last state, its changes since the initial state
 * marked (as `nizza graph --trace` draws it); null when the trace does not replay on the
 * scenario as it is now (the file changed since it was checked).
 */
async function violatingArchitecture(sys: System, r: CheckResult, inv: InvariantResult, prefix: string): Promise<string | null> {
  const cx = inv.counterexample!;
  if (cx.steps.length === 0) return null;
  const replayed = replaySystem(sys.model, r);
  let last: StateVector | undefined;
  try {
    last = replay(replayed, cx.steps.map((st) => st.ordinal)).at(-1)?.state;
  } catch {
    return null;
  }
  if (!last) return null;
  const at = `after step ${cx.steps.length} of the ${inv.met ? "expected violation of" : "counterexample to"} ${invariantLabel(inv)}`;
  const arch = architectureChanges(architectureOf(replayed), architectureOf(replayed, last, at));
  return inlineSvg(await dotToSvg(architectureDot(arch)), prefix);
}

function legend(): string {
  const item = (t: Trust, what: string): string => {
    const c = TRUST_COLOR[t];
    return `<span class="key"><span class="swatch" style="background:${c.fill};border-color:${c.stroke}"></span>${what}</span>`;
  };
  return `<p class="legend">${item("trusted", "trusted component")} ${item("untrusted", "untrusted component")} ${item("kernel", "kernel")} ${item("other", "device")}</p>`;
}

// --- Tables ----------------------------------------------------------------------------------------

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ""): string {
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const codeOf = (s: string): string => `<code>${esc(s)}</code>`;

function invariantTable(r: CheckResult, traceId: (inv: InvariantResult) => string): string {
  const all = invariantsOf(r);
  if (all.length === 0) return `<p class="none">No invariants.</p>`;
  const rows = all.map((inv) => {
    const o = invariantOutcome(inv);
    const verdict = esc(verdictText(inv)) + (inv.counterexample ? ` <a href="#${traceId(inv)}">${inv.met ? "trace" : "counterexample"}</a>` : "");
    return [mark(o), codeOf(invariantLabel(inv)), verdict, esc(inv.expect), `<span class="at">${esc(inv.at)}</span>`];
  });
  return table(["", "Invariant", "Verdict", "Expected", "Line"], rows, "verdicts");
}

/** The mark of a path without a budget: measured, not judged. */
const MEASURED = `<span class="mark measured" title="measured, not judged">·</span>`;

function pathMark(p: PathResult): string {
  return p.budget === null && p.verdict === "holds" ? MEASURED : mark(pathOutcome(p));
}

function pathVerdict(p: PathResult): string {
  if (p.budget === null && p.verdict === "holds") return "measured, not judged";
  return esc(p.reason ? `${p.verdict}: ${p.reason}` : p.verdict);
}

function pathTable(r: CheckResult, traceId: (p: PathResult) => string): string {
  const rows = r.paths.map((p) => {
    const per = (f: (t: PathResult["timings"][number]) => string): string => (p.observed && p.timings.length ? p.timings.map(f).join("<br/>") : "—");
    const preset = p.timings.length === 0 ? esc(p.reason ?? "not measured") : !p.observed ? "never happens" : per((t) => esc(t.preset));
    const traced = pathTraceLines(p).length ? ` <a href="#${traceId(p)}">trace</a>` : "";
    return [
      pathMark(p),
      `${codeOf(`${p.name}: ${p.text}`)}<br/><span class="at">${esc(p.at)}</span>`,
      preset,
      per((t) => `<span title="${esc(breakdownText(t.best))}">${esc(cyclesText(t.best))}</span>`),
      per((t) => `<span title="${esc(breakdownText(t.worst))}">${esc(cyclesText(t.worst))}</span>`),
      p.budget === null ? "—" : n(p.budget),
      pathVerdict(p) + traced,
    ];
  });
  return table(["", "Path", "Preset", "Best (cycles)", "Worst (cycles)", "Budget", "Verdict"], rows, "paths");
}

function tcbTable(r: CheckResult): string {
  const rows = r.tcb.map((t) => [codeOf(t.component), ["kernel", ...t.members].map(codeOf).join(", "), n(t.sloc)]);
  const note = r.tcbPartial ? `<p class="note">TCB sets of the states explored: the exploration stopped early.</p>` : "";
  return table(["Component", "Trusted computing base", "SLOC"], rows, "tcb") + note;
}

function statsList(r: CheckResult): string {
  const s = r.stats;
  const red = (x: { readonly used: string } | { readonly off: string }): string => esc("used" in x ? `used: ${x.used}` : `off: ${x.off}`);
  const items: [string, string][] = [
    ["States", n(s.states)],
    ["Transitions", n(s.transitions)],
    ["Depth", n(s.depth)],
    ["Time", `${(s.elapsedMs / 1000).toFixed(2)} s`],
    ["Completeness", esc(s.bound === null ? "every reachable state explored" : BOUND_TEXT[s.bound])],
    ["Fingerprint collision probability", s.collisionProbability.toExponential(1)],
    ["Memory per state", `${n(Math.round(s.bytesPerState))} bytes`],
    ["Symmetry reduction", red(s.reductions.symmetry)],
    ["Partial-order reduction", red(s.reductions.por)],
    ["Dead-value reductions", red(s.reductions.deadValues)],
    ...(s.mmio && s.mmio.values.length > 1 ? [["Data from outside in MMIO windows", esc(mmioText(s.mmio))] as [string, string]] : []),
  ];
  if (r.pathStats) {
    const ps = r.pathStats;
    const how = ps.bound === null ? "every reachable state explored" : BOUND_TEXT[ps.bound];
    items.push(["Path timing", esc(`${n(ps.states)} states, ${n(ps.transitions)} transitions (no symmetry reduction), ${(ps.elapsedMs / 1000).toFixed(2)} s; ${how}`)]);
  }
  return `<dl class="stats">${items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function errorTable(errors: readonly ScenarioError[], file: string): string {
  if (errors.length === 0) return `<p class="none">The scenario could not be checked.</p>`;
  const rows = errors.map((e) => [
    `<span class="at">${esc(e.at ? `${e.at.file}:${e.at.line}:${e.at.column}` : file)}</span>`,
    `<span class="sev ${e.severity}">${esc(e.severity)}</span>`,
    codeOf(e.code),
    esc(e.message) + (e.help ? `<br/><span class="help">help: ${esc(e.help)}</span>` : ""),
  ]);
  return table(["Where", "Severity", "Code", "Message"], rows, "errors");
}

// --- Traces ----------------------------------------------------------------------------------------

/** A trace's steps as a numbered list with their source lines, the loop marked, a path's cycles per step. */
function stepList(steps: readonly (DiagramStep & { readonly at: string | null })[], loopsTo: number | null, loopText: string): string {
  if (steps.length === 0) return `<p class="none">No step: the initial state already shows it.</p>`;
  const items: string[] = [];
  let started = false;
  steps.forEach((st, i) => {
    if (st.cycles !== undefined && st.cycles !== null && !started) {
      started = true;
      items.push(`<li class="marker">the path starts</li>`);
    }
    if (loopsTo === i) items.push(`<li class="marker">${esc(loopText)}</li>`);
    const cycles = st.cycles === undefined || st.cycles === null ? "" : ` <span class="cycles">+${n(st.cycles)} cycles</span>`;
    items.push(`<li value="${i + 1}">${codeOf(st.text)}${st.at ? ` <span class="at">${esc(st.at)}</span>` : ""}${cycles}</li>`);
  });
  if (loopsTo !== null) items.push(`<li class="marker">and back to step ${loopsTo + 1}</li>`);
  return `<ol class="steps">${items.join("\n")}</ol>`;
}

interface TraceView {
  readonly id: string;
  /** The verdict's mark, and the article's class: `measured` for a path without a budget (reported, not judged). */
  readonly outcome: Outcome | "measured";
  readonly title: string;
  readonly where: string;
  readonly why: string;
  readonly steps: readonly (DiagramStep & { readonly at: string | null })[];
  readonly loopsTo: number | null;
  readonly loopText: string;
  /** The architecture graph at the trace's last state (SVG), when it was drawn. */
  readonly graph?: string | null;
}

function traceArticle(t: TraceView, colorOf: (p: string) => Trust): string {
  const seq = sequenceOf(t.steps, { loopsTo: t.loopsTo });
  const count = plural(t.steps.length, "step");
  return [
    `<article class="trace ${t.outcome}" id="${t.id}">`,
    `<h3>${t.outcome === "measured" ? MEASURED : mark(t.outcome)} ${t.title}</h3>`,
    `<p class="where">${t.where} · ${count}</p>`,
    `<p class="why"><strong>Why:</strong> ${esc(t.why)}</p>`,
    `<figure class="diagram">${sequenceSvg(seq, colorOf, `sequence diagram: ${count}`)}</figure>`,
    stepList(t.steps, t.loopsTo, t.loopText),
    ...(t.graph
      ? [`<figure class="architecture at-trace">${t.graph}<figcaption>The architecture after the last step: capabilities the trace added are drawn bold, those it took away grey and dashed.</figcaption></figure>`]
      : []),
    `</article>`,
  ].join("\n");
}

function invariantTrace(inv: InvariantResult, id: string, colorOf: (p: string) => Trust, graph: string | null): string {
  const cx = inv.counterexample!;
  return traceArticle(
    {
      id,
      outcome: invariantOutcome(inv),
      title: `${inv.met ? "Expected violation" : "Counterexample"}: ${codeOf(invariantLabel(inv))}`,
      where: `invariant at <span class="at">${esc(inv.at)}</span>`,
      why: cx.reason,
      steps: cx.steps,
      loopsTo: cx.loopsTo,
      loopText: "from here the system loops for ever",
      graph,
    },
    colorOf,
  );
}

function pathTrace(p: PathResult, id: string, colorOf: (p: string) => Trust): string {
  const worst = p.timings[0]!.worst!;
  const trace: PathTrace = worst.trace;
  const unbounded = "unbounded" in worst;
  return traceArticle(
    {
      id,
      outcome: p.budget === null && p.verdict === "holds" ? "measured" : pathOutcome(p),
      title: `${unbounded ? "Unbounded worst case" : "Worst case"} of path ${codeOf(`${p.name}: ${p.text}`)}`,
      where: `path at <span class="at">${esc(p.at)}</span>${unbounded ? "" : `, ${n(worst.cycles)} cycles${p.budget === null ? "" : ` against a budget of ${n(p.budget)}`}`}`,
      why: p.reason ?? "the worst case is unbounded: steps that cost cycles can repeat for ever after the start event, before the end event (the path has no budget, so this is reported, not judged)",
      steps: trace.steps,
      loopsTo: trace.loopsTo,
      loopText: "from here this loop can repeat for ever",
    },
    colorOf,
  );
}

// --- The page --------------------------------------------------------------------------------------

/** The judged items of a result: every invariant, and each path with a budget (one without is measured, not judged). */
function outcomes(r: CheckResult): Outcome[] {
  return [...invariantsOf(r).map(invariantOutcome), ...r.paths.filter((p) => p.budget !== null).map(pathOutcome)];
}

/** Anchors: the file's name made safe for an id, unique in the page. */
function anchors(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const base = `s-${f.replace(/\.nizza$/, "").replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "scenario"}`;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}-${k}`;
  });
}

async function scenarioSection(s: ScenarioOutcome, id: string): Promise<string> {
  const r = s.result;
  const cls = EXIT_CLASS[s.exit] ?? "error";
  if (!r) {
    return [
      `<section class="scenario ${cls}" id="${id}">`,
      `<h2><a class="anchor" href="#${id}">${EXIT_MARK[s.exit] ?? ""}</a> ${codeOf(s.file)} ${exitBadge(s.exit)}</h2>`,
      `<h3>Scenario errors</h3>`,
      `<p>The scenario has errors, so it was not checked.</p>`,
      errorTable(s.errors, s.file),
      `</section>`,
    ].join("\n");
  }
  const drawn = await architecture(s, r, `${id}-`);
  const colorOf = (p: string): Trust => trustOf(p, drawn.trusted, r);
  const all = invariantsOf(r);
  const invId = (inv: InvariantResult): string => `${id}-inv-${all.indexOf(inv) + 1}`;
  const pathId = (p: PathResult): string => `${id}-path-${r.paths.indexOf(p) + 1}`;
  const out = [
    `<section class="scenario ${cls}" id="${id}">`,
    `<h2><a class="anchor" href="#${id}">${EXIT_MARK[s.exit] ?? ""}</a> ${codeOf(s.file)} <span class="system">system ${codeOf(r.system)}</span> ${exitBadge(s.exit)}</h2>`,
    `<h3>Invariants</h3>`,
    invariantTable(r, invId),
  ];
  if (r.paths.length) out.push(`<h3>Paths</h3>`, pathTable(r, pathId));
  if (r.tcb.length) out.push(`<h3>Trusted computing bases</h3>`, tcbTable(r));
  out.push(`<h3>Exploration</h3>`, statsList(r));
  out.push(`<h3>Architecture</h3>`);
  if (drawn.svg) {
    out.push(
      `<figure class="architecture">${drawn.svg}<figcaption>Components coloured by trust; an edge for each capability one holds to another's object.</figcaption></figure>`,
      legend(),
    );
  } else out.push(`<p class="note">Architecture ${esc(drawn.note ?? "not drawn")}.</p>`);
  for (const inv of all) {
    if (!inv.counterexample) continue;
    const graph = drawn.sys ? await violatingArchitecture(drawn.sys, r, inv, `${invId(inv)}-`) : null;
    out.push(invariantTrace(inv, invId(inv), colorOf, graph));
  }
  for (const p of r.paths) if (pathTraceLines(p).length) out.push(pathTrace(p, pathId(p), colorOf));
  out.push(`</section>`);
  return out.join("\n");
}

function summaryTable(order: readonly ScenarioOutcome[], ids: ReadonlyMap<ScenarioOutcome, string>): string {
  const rows = order.map((s) => {
    const link = `<a href="#${ids.get(s)!}">${esc(s.file)}</a>`;
    const r = s.result;
    if (!r) {
      const errors = s.errors.filter((e) => e.severity === "error").length;
      return [link, "—", "—", "—", "—", "—", "—", `${exitBadge(s.exit)} ${plural(errors, "scenario error")}`];
    }
    const o = outcomes(r);
    const k = (x: Outcome): string => String(o.filter((y) => y === x).length);
    const ms = r.stats.elapsedMs + (r.pathStats?.elapsedMs ?? 0);
    return [link, codeOf(r.system), k("passed"), k("failed"), k("incomplete"), n(r.stats.states), `${(ms / 1000).toFixed(2)} s`, exitBadge(s.exit)];
  });
  return table(["Scenario", "System", "✓ passed", "✗ failed", "? incomplete", "States", "Time", "Result"], rows, "summary");
}

const STYLE = `
:root { color-scheme: light; --ok: #2e7d32; --failed: #c62828; --error: #8e24aa; --incomplete: #b26a00; --muted: #5f6368; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328; background: #fff; }
main, header { max-width: 1400px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 16px; padding-bottom: 8px; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 1.6em; margin: 0.4em 0; }
h2 { font-size: 1.3em; margin: 0 0 0.5em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.92em; background: #f4f5f7; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
a { color: #0b57d0; }
a.anchor { text-decoration: none; color: inherit; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 0.95em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
table.summary td:nth-child(n+3):nth-child(-n+7), table.tcb td:last-child, table.paths td:nth-child(n+4):nth-child(-n+6) { text-align: right; }
.mark { font-weight: bold; display: inline-block; min-width: 1em; text-align: center; }
.mark.passed { color: var(--ok); } .mark.failed { color: var(--failed); } .mark.incomplete { color: var(--incomplete); } .mark.measured { color: var(--muted); }
.badge { display: inline-block; font-size: 0.8em; font-weight: 600; padding: 1px 8px; border-radius: 10px; color: #fff; vertical-align: middle; white-space: nowrap; }
.badge.ok { background: var(--ok); } .badge.failed { background: var(--failed); } .badge.error { background: var(--error); } .badge.incomplete { background: var(--incomplete); }
.at, .help, .note, .where, .legend, figcaption, .system { color: var(--muted); }
.at { font-size: 0.88em; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.none { color: var(--muted); font-style: italic; }
section.scenario { margin: 24px 0; padding: 12px 16px 16px; border: 1px solid #d0d7de; border-left: 6px solid var(--ok); border-radius: 6px; }
section.scenario.failed { border-left-color: var(--failed); } section.scenario.error { border-left-color: var(--error); } section.scenario.incomplete { border-left-color: var(--incomplete); }
article.trace { margin: 16px 0 0; padding: 8px 12px; background: #fafbfc; border: 1px solid #e1e4e8; border-radius: 6px; }
article.trace.failed { border-color: #f2b8b5; }
figure { margin: 8px 0; overflow-x: auto; }
figure.architecture svg { max-width: 100%; height: auto; }
dl.stats { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0.4em 0; }
dl.stats dt { color: var(--muted); } dl.stats dd { margin: 0; }
ol.steps { padding-left: 3em; } ol.steps li { margin: 2px 0; }
ol.steps li.marker { list-style: none; color: var(--muted); font-style: italic; }
.cycles { color: #00838f; font-size: 0.9em; }
.sev.error { color: var(--failed); font-weight: 600; } .sev.warning { color: var(--incomplete); }
.legend .key { margin-right: 16px; white-space: nowrap; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 2px solid; border-radius: 3px; margin-right: 5px; vertical-align: -2px; }
footer { max-width: 1400px; margin: 24px auto; padding: 0 24px; color: var(--muted); font-size: 0.85em; }
@media print {
  body { font-size: 11pt; }
  main, header, footer { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.scenario { break-inside: auto; border-width: 1px 1px 1px 4px; }
  table, figure, article.trace h3, .why { break-inside: avoid; }
  figure { overflow: visible; }
  figure svg { max-width: 100%; height: auto; }
  a { color: inherit; text-decoration: none; }
}
`;

/** What the comparison with a baseline found: its regressions (the exit's reason when no scenario failed). */
function baselineHtml(report: Report): string[] {
  const b = report.baseline;
  if (!b) return [];
  const not = b.notCompared.length ? [`<p class="note">Not checked in this run, so not compared: ${b.notCompared.map(esc).join(", ")}.</p>`] : [];
  if (b.regressions.length === 0) return [`<p class="overview">No regression against the baseline <code>${esc(b.file)}</code>.</p>`, ...not];
  const n = b.regressions.length;
  return [`<p class="overview">${exitBadge(1)} ${n} regression${n === 1 ? "" : "s"} against the baseline <code>${esc(b.file)}</code>:</p>`, `<ul class="regressions">${b.regressions.map((r) => `<li>${esc(r)}</li>`).join("")}</ul>`, ...not];
}

/** The whole run as one HTML page that needs nothing else: no script, no style sheet, no font, no address it fetches. */
export async function renderHtml(report: Report): Promise<string> {
  const order = [...report.scenarios].sort((a, b) => (EXIT_RANK[a.exit] ?? 0) - (EXIT_RANK[b.exit] ?? 0));
  const idList = anchors(order.map((s) => s.file));
  const ids = new Map(order.map((s, k) => [s, idList[k]!] as const));
  const count = (code: number): number => report.scenarios.filter((s) => s.exit === code).length;
  const total = report.scenarios.length;
  const parts = [count(0) && `${count(0)} passed`, count(1) && `${count(1)} failed`, count(3) && `${count(3)} incomplete`, count(2) && `${count(2)} with errors`].filter(Boolean).join(", ");
  const verdict = `${EXIT_MARK[report.exit] ?? ""} ${report.tool.name} check: ${EXIT_TEXT[report.exit] ?? `exit ${report.exit}`}`;
  const sections: string[] = [];
  for (const s of order) sections.push(await scenarioSection(s, ids.get(s)!));
  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8"/>`,
    `<meta name="viewport" content="width=device-width, initial-scale=1"/>`,
    `<meta name="generator" content="${esc(`${report.tool.name} ${report.tool.version}`)}"/>`,
    `<title>${esc(verdict)}</title>`,
    `<style>${STYLE}</style>`,
    `</head>`,
    `<body>`,
    `<header>`,
    `<h1>${esc(verdict)}</h1>`,
    `<p class="overview">${plural(total, "scenario")}${parts ? `: ${parts}` : ""}. Run exit code ${exitBadge(report.exit)}; ${esc(report.tool.name)} ${esc(report.tool.version)}.</p>`,
    ...baselineHtml(report),
    summaryTable(order, ids),
    `<p class="note">Exit codes: 0 every expectation met, 1 an invariant or a path's budget failed or the run regressed against its baseline, 2 a scenario error, 3 a bound was reached before a verdict. Scenarios are listed worst first.</p>`,
    `</header>`,
    `<main>`,
    ...sections,
    `</main>`,
    `<footer>Written by ${esc(report.tool.name)} ${esc(report.tool.version)} (<code>nizza check --format html</code>). This page is self-contained: it loads nothing.</footer>`,
    `</body>`,
    `</html>`,
    ``,
  ].join("\n");
}
