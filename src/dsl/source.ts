// Source files and spans: byte offsets mapped to line:col, and the node-id side table.

/** A half-open range of character offsets [start, end) in one source file. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export interface LineCol {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units. */
  readonly col: number;
}

/** The byte-order mark some editors put at the start of a UTF-8 file. */
const BOM = "\uFEFF";

/**
 * One source text with a line index. A leading byte-order mark is not part of the text: offsets
 * and columns count from the character after it, as editors show them; `bom` records it.
 */
export class SourceFile {
  readonly lineStarts: readonly number[];
  readonly text: string;
  /** Whether the file began with a byte-order mark (dropped from `text`). */
  readonly bom: boolean;

  constructor(
    readonly name: string,
    text: string,
  ) {
    this.bom = text.startsWith(BOM);
    this.text = this.bom ? text.slice(BOM.length) : text;
    text = this.text;
    // A line ends at LF, CRLF or a CR alone (spec/language.md §1, Layout), as editors count them.
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  lineCol(offset: number): LineCol {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }
}

/** Stable identity of an AST node within one compilation. */
export type NodeId = number;

/**
 * The side table of a compilation: every AST node's id maps to its span, and
 * every file name to its text. Phases after parsing locate nodes through it.
 */
export class SourceMap {
  private readonly spans: Span[] = [];
  private readonly files = new Map<string, SourceFile>();

  /** The first node id of each parse (`addFile` starts one): a file parsed again for another import instance has ids of its own. */
  private readonly starts: number[] = [];

  addFile(file: SourceFile): void {
    this.files.set(file.name, file);
    this.starts.push(this.spans.length);
  }

  /** The parse a node id belongs to (an index into `starts`). */
  private parseOf(id: NodeId): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  file(name: string): SourceFile | undefined {
    return this.files.get(name);
  }

  /** Allocates the next node id for a span. */
  add(span: Span): NodeId {
    this.spans.push(span);
    return this.spans.length - 1;
  }

  span(id: NodeId): Span {
    const s = this.spans[id];
    if (s === undefined) throw new Error(`no span recorded for node ${id}`);
    return s;
  }

  /**
   * Names an import binding gives names written in an imported file (`import "lib.nizza" {
   * service = fs }`): `text` shows them as bound, so that an invariant, a path or a statement of
   * the library reads as the system has it. Each bound instance of a file has node ids of its own.
   */
  private readonly renamed = new Map<NodeId, string>();

  rename(id: NodeId, name: string): void {
    this.renamed.set(id, name);
  }

  /** The source text of a node, names as import bindings made them, comments dropped and whitespace collapsed. */
  text(id: NodeId): string {
    const s = this.span(id);
    let raw = this.files.get(s.file)?.text.slice(s.start, s.end) ?? "";
    if (this.renamed.size > 0) {
      // Only the names of this node's own parse: another instance of the file has the same offsets.
      const own = this.parseOf(id);
      const inside = [...this.renamed].filter(([n]) => this.parseOf(n) === own).map(([n, name]) => ({ span: this.span(n), name })).filter((r) => r.span.start >= s.start && r.span.end <= s.end);
      // From the last to the first, so that the offsets before each are still the source's.
      for (const r of inside.sort((a, b) => b.span.start - a.span.start)) raw = raw.slice(0, r.span.start - s.start) + r.name + raw.slice(r.span.end - s.start);
    }
    return raw.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, " ").replace(/\s+/g, " ").trim();
  }

  /** file:line:col of a node's start. */
  where(id: NodeId): string {
    const s = this.span(id);
    const f = this.files.get(s.file);
    if (!f) return s.file;
    const { line, col } = f.lineCol(s.start);
    return `${s.file}:${line}:${col}`;
  }
}
