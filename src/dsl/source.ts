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

  addFile(file: SourceFile): void {
    this.files.set(file.name, file);
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

  /** The source text of a node, comments dropped and whitespace collapsed. */
  text(id: NodeId): string {
    const s = this.span(id);
    const raw = this.files.get(s.file)?.text.slice(s.start, s.end) ?? "";
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
