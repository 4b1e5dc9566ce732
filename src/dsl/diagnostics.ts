// The one Diagnostic type every phase reports, and its renderer (file:line:col, source line, caret).
import pc from "picocolors";
import stringWidth from "string-width";
import type { Code } from "./codes.js";
import type { SourceMap, Span } from "./source.js";

export type Severity = "error" | "warning";

export interface Related {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** Where the problem is; absent only for problems with no source (a file that cannot be read from the command line). */
  readonly span?: Span;
  /** Other places that explain it: the first definition of a duplicate, the imports of a cycle. */
  readonly related: readonly Related[];
  /** For parse errors: the tokens that would have been accepted, as a person would name them. */
  readonly expected?: readonly string[];
  /** A hint such as "did you mean ...". */
  readonly help?: string;
}

export function error(
  code: Code,
  message: string,
  span: Span | undefined,
  extra: { related?: Related[]; expected?: string[]; help?: string } = {},
): Diagnostic {
  return {
    code,
    severity: "error",
    message,
    ...(span ? { span } : {}),
    related: extra.related ?? [],
    ...(extra.expected ? { expected: extra.expected } : {}),
    ...(extra.help ? { help: extra.help } : {}),
  };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}

/** Orders diagnostics by file and position, the order a reader scans them. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => {
    const fa = a.span?.file ?? "";
    const fb = b.span?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    return (a.span?.start ?? 0) - (b.span?.start ?? 0);
  });
}

export interface RenderOptions {
  readonly color?: boolean;
}

/**
 * Renders one diagnostic the way compilers do:
 *
 *   file:line:col: error[E0303]: unknown component 'linux_blak'
 *      12 |     caps { linux_blak.tx: call }
 *         |            ^^^^^^^^^^
 *     = help: did you mean 'linux_black'?
 */
export function renderDiagnostic(d: Diagnostic, sources: SourceMap, opts: RenderOptions = {}): string {
  const c = pc.createColors(opts.color ?? false);
  const sev = d.severity === "error" ? c.red(c.bold(`error[${d.code}]`)) : c.yellow(c.bold(`warning[${d.code}]`));
  let message = d.message;
  if (d.expected && d.expected.length > 0) message += `; expected ${listExpected(d.expected)}`;
  const out: string[] = [];
  out.push(`${location(d.span, sources)}: ${sev}: ${c.bold(message)}`);
  if (d.span) out.push(...excerpt(d.span, sources, c, "^"));
  if (d.help) out.push(`  ${c.cyan("= help:")} ${d.help}`);
  for (const r of d.related) {
    out.push(`${location(r.span, sources)}: ${c.cyan("note")}: ${r.message}`);
    out.push(...excerpt(r.span, sources, c, "-"));
  }
  return out.join("\n");
}

export function renderDiagnostics(ds: readonly Diagnostic[], sources: SourceMap, opts: RenderOptions = {}): string {
  return sortDiagnostics(ds)
    .map((d) => renderDiagnostic(d, sources, opts))
    .join("\n\n");
}

/** A one-line summary such as "3 errors". */
export function summarize(ds: readonly Diagnostic[]): string {
  const n = ds.filter((d) => d.severity === "error").length;
  return `${n} error${n === 1 ? "" : "s"}`;
}

export function location(span: Span | undefined, sources: SourceMap): string {
  if (!span) return "nizza";
  const f = sources.file(span.file);
  if (!f) return span.file;
  const { line, col } = f.lineCol(span.start);
  return `${span.file}:${line}:${col}`;
}

function listExpected(expected: readonly string[]): string {
  if (expected.length === 1) return expected[0]!;
  return `one of ${expected.join(", ")}`;
}

type Colors = ReturnType<typeof pc.createColors>;

/**
 * A source line longer than LONG_LINE characters is cut: the excerpt shows EXCERPT_WIDTH of
 * them, EXCERPT_BEFORE before the span's start where the line allows.
 */
const LONG_LINE = 200;
const EXCERPT_WIDTH = 120;
const EXCERPT_BEFORE = 40;
const isLowSurrogate = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

function excerpt(span: Span, sources: SourceMap, c: Colors, mark: string): string[] {
  const f = sources.file(span.file);
  if (!f) return [];
  const start = f.lineCol(span.start);
  const end = f.lineCol(Math.max(span.start, span.end - 1));
  // Whitespace that moves the cursor by other than one column is shown as a space; a control
  // character or a line or paragraph separator (which a terminal would act on) as U+FFFD.
  const text = f.lineText(start.line).replace(/[\t\v\f]/g, " ").replace(/[\p{Cc}\u2028\u2029]/gu, "\uFFFD");
  const gutter = String(start.line);
  const pad = " ".repeat(gutter.length);
  // A long line is shown around the span only, cut with "…": one diagnostic per token of a
  // line of megabytes would otherwise print the line each time.
  let from = 0;
  let to = text.length;
  if (text.length > LONG_LINE) {
    from = Math.max(0, Math.min(start.col - 1 - EXCERPT_BEFORE, text.length - EXCERPT_WIDTH));
    to = from + EXCERPT_WIDTH;
    // Not between the halves of a surrogate pair.
    if (isLowSurrogate(text.charCodeAt(from))) from++;
    if (isLowSurrogate(text.charCodeAt(to))) to++;
  }
  const cut = (from > 0 ? "…" : "") + text.slice(from, to) + (to < text.length ? "…" : "");
  // The caret runs to the end of the span, or to the end of the line if the span continues (up to the cut).
  const marked = end.line === start.line ? text.slice(start.col - 1, Math.min(end.col, to)) : text.slice(start.col - 1, to);
  // Columns count UTF-16 code units; the screen does not: a wide character (CJK, most emoji)
  // takes two cells, a combining mark none. The carets go under the cells the span covers.
  const indent = (from > 0 ? 1 : 0) + stringWidth(text.slice(from, start.col - 1)) + Math.max(0, start.col - 1 - text.length);
  const width = Math.max(1, stringWidth(marked));
  return [
    ` ${c.dim(gutter)} ${c.dim("|")} ${cut}`,
    ` ${pad} ${c.dim("|")} ${" ".repeat(indent)}${c.red(mark.repeat(width))}`,
  ];
}
