// Phase 1, parse: source text to an AST with stable node ids, or diagnostics (never throws on bad input).
import nearley from "nearley";
import grammar from "./grammar.generated.js";
import type { SystemAst } from "./ast.js";
import { error, type Diagnostic } from "./diagnostics.js";
import { LexError, NizzaLexer, TOKEN_DESCRIPTIONS, type Token } from "./lexer.js";
import { settle, type RawNode } from "./grammar-support.js";
import type { SourceFile, SourceMap, Span } from "./source.js";

/** A comment as written, kept for the formatter. */
export interface Comment {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface Parsed {
  readonly phase: "parsed";
  readonly file: SourceFile;
  /** null when the file has a syntax error. */
  readonly ast: SystemAst | null;
  readonly comments: readonly Comment[];
  readonly diagnostics: readonly Diagnostic[];
  /** How many parses the grammar found: 1 for every valid input (the grammar is unambiguous). */
  readonly parseCount: number;
}

const compiled = nearley.Grammar.fromCompiled(grammar);

/**
 * A file that is not UTF-8 (`NotUtf8`: `file` holds its text with each bad byte as U+FFFD): not
 * parsed, and reported at its first bad byte, `offset` in `file.text` (a byte-order mark dropped).
 */
export function notUtf8(file: SourceFile, sources: SourceMap, offset: number, shown: string): Parsed {
  sources.addFile(file);
  const at = offset - (file.bom ? 1 : 0);
  const d = error("E0108", `the file is not UTF-8: byte ${shown} here is not part of a UTF-8 character`, { file: file.name, start: at, end: at + 1 }, {
    help: "a scenario file is UTF-8: convert it (for example 'iconv -f latin1 -t utf-8'), or remove the byte",
  });
  return { phase: "parsed", file, ast: null, comments: [], diagnostics: [d], parseCount: 0 };
}

export function parse(file: SourceFile, sources: SourceMap): Parsed {
  sources.addFile(file);
  const lexer = new NizzaLexer();
  const parser = new nearley.Parser(compiled);
  (parser as unknown as { lexer: NizzaLexer }).lexer = lexer;
  let lastToken: Token | undefined;
  const brackets = new Brackets();
  /** Every token, in order: where a nesting that is too deep is reported. */
  const seen: Token[] = [];
  const track = lexer.next.bind(lexer);
  lexer.next = () => {
    const t = track();
    if (t) {
      lastToken = t;
      brackets.see(t);
      seen.push(t);
    }
    return t;
  };
  const result = (ast: SystemAst | null, diagnostics: Diagnostic[], parseCount: number): Parsed => ({
    phase: "parsed",
    file,
    ast,
    comments: lexer.comments.map((t) => ({ text: t.text.replace(/\s+$/, ""), start: t.offset, end: t.offset + t.text.length })),
    diagnostics,
    parseCount,
  });
  const at = (start: number, end: number): Span => ({ file: file.name, start, end });

  /**
   * Input nested thousands deep (brackets left open, a long run of `not`) can overflow the
   * stack inside the parser library, which recurses over its chart: reported at the last token
   * read as nesting too deep (E0107), never as a crash.
   */
  const overflowed = (e: unknown): Parsed | null => {
    if (!(e instanceof RangeError)) return null;
    const t = lastToken;
    const span = t ? at(t.offset, t.offset + t.text.length) : at(0, 1);
    return result(null, [error("E0107", "nesting too deep: too much is open around this token for the parser", span, {
      help: `statements and expressions nest at most ${MAX_NESTING} levels: close what is open, or write it flatter`,
    })], 0);
  };
  /** What the grammar expected at `column`, or null when listing it overflowed the stack (the input is that deep). */
  const expectedOrNull = (column: number): string[] | null => {
    try {
      return expectedAt(parser, column);
    } catch (e) {
      if (e instanceof RangeError) return null;
      throw e;
    }
  };
  try {
    parser.feed(file.text);
  } catch (e) {
    const lexError = lexer.lastError;
    if (lexError) return result(null, [lexDiagnostic(lexError, at)], 0);
    const deep = overflowed(e);
    if (deep) return deep;
    const token = (e as { token?: Token }).token;
    if (!token) throw e;
    const expected = expectedOrNull(tableOf(parser).length - 2);
    const span = at(token.offset, token.offset + token.text.length);
    // Nothing expected: the system was complete, and this token follows it.
    const d =
      expected === null
        ? error("E0104", `unexpected ${describe(token)}`, span, { help: "the input before it is nested too deeply to list what may come here" })
        : expected.length === 0
          ? error("E0104", `unexpected ${describe(token)} after the end of the system`, span, {
              help: "a file holds exactly one 'system { ... }'; put another system in a file of its own",
            })
          : error("E0104", `unexpected ${describe(token)}`, span, { expected });
    return result(null, [d], 0);
  }
  const results = parser.results as RawNode[];
  if (results.length === 0) {
    const end = lastToken ? lastToken.offset + lastToken.text.length : 0;
    const expected = expectedOrNull(tableOf(parser).length - 1);
    const related = brackets.unclosed(file).map((r) => ({ span: at(r.start, r.end), message: r.message }));
    return result(null, [error("E0105", "unexpected end of input", at(end, end + 1), { ...(expected && { expected }), related })], 0);
  }
  // The tree the phases take: lists as arrays, if-chains as nested Ifs.
  let tree: ReturnType<typeof settle>;
  try {
    tree = settle(results[0]);
  } catch (e) {
    const deep = overflowed(e);
    if (deep) return deep;
    throw e;
  }
  // Before any phase recurses over the tree: numbering, resolution, the formatter and the
  // checker all do, and a tree nested thousands deep would overflow the stack.
  const deep = tooDeep(tree);
  if (deep) {
    const t = opener(deep, seen);
    return result(null, [error("E0107", `nesting too deep: more than ${MAX_NESTING} levels of blocks, else-ifs, operators and function calls`, at(t.offset, t.offset + t.text.length), {
      help: "move the inner part into a thread of its own, or write the expression flatter",
    })], 0);
  }
  const ast = number(tree, file.name, sources) as unknown as SystemAst;
  return result(ast, [], results.length);
}

function lexDiagnostic(e: LexError, at: (s: number, e: number) => Span): Diagnostic {
  const t = e.token;
  switch (e.kind) {
    case "unterminatedComment":
      return error("E0102", "unterminated block comment: '/*' has no matching '*/'", at(t.offset, t.offset + 2));
    case "unterminatedString":
      return error("E0103", "unterminated string: a string ends with '\"' on the same line", at(t.offset, t.offset + t.text.length));
    case "badEscapeString": {
      // Walk the escapes pairwise: the first one that is not \" or \\ is the culprit.
      let i = 1;
      while (!(t.text[i] === "\\" && t.text[i + 1] !== '"' && t.text[i + 1] !== "\\")) i += t.text[i] === "\\" ? 2 : 1;
      const escape = t.text.slice(i, i + 2);
      return error("E0106", `unknown escape '${escape}' in a string: the escapes are \\" and \\\\`, at(t.offset + i, t.offset + i + 2));
    }
    case "badChar": {
      const ch = String.fromCodePoint(t.text.codePointAt(0)!);
      const help = ch === "#" ? "comments start with '//' or are written '/* ... */'" : undefined;
      // A character that shows as nothing or as a blank (NUL, U+2028, a no-break space) is named by its code point.
      const shown = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) ? `'${ch}'` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
      return error("E0101", `unexpected character ${shown}`, at(t.offset, t.offset + ch.length), help ? { help } : {});
    }
  }
}

/**
 * How deep statements and expressions may nest (spec/language.md §1, Nesting). Each block of a
 * `loop`, `repeat`, `choose` or `if` (an `else if` too), each operator (`not`, `and`, `or`,
 * `==`, `!=`) and each function call is one level; an `if`'s condition is not in its blocks.
 * The phases after parsing recurse over the tree, and at this depth they are far from Node's
 * stack limit (they overflowed near 900).
 */
export const MAX_NESTING = 100;
const NESTS = new Set(["Loop", "Repeat", "Choose", "If", "Not", "Binary", "Apply"]);

/**
 * The first node (in source order) one level deeper than MAX_NESTING, or null. Iterative: the
 * tree may be deeper than the stack.
 */
function tooDeep(root: unknown): RawNode | null {
  let first: RawNode | null = null;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (Array.isArray(v)) {
      for (const x of v) stack.push([x, depth]);
      continue;
    }
    if (v === null || typeof v !== "object" || !("kind" in v) || !("span" in v)) continue;
    const r = v as RawNode;
    const d = NESTS.has(r.kind) ? depth + 1 : depth;
    if (d > MAX_NESTING) {
      if (!first || r.span[0] < first.span[0]) first = r;
      continue;
    }
    // An `if`'s blocks are a level; its condition is not inside them, so it stays at the `if`'s own.
    for (const [k, x] of Object.entries(r)) if (k !== "kind" && k !== "span") stack.push([x, r.kind === "If" && k === "cond" ? depth : d]);
  }
  return first;
}

/** The token that opens a nesting level: a block's `{`, an operator, a call's `(`. */
function opener(r: RawNode, tokens: readonly Token[]): Token {
  /** The first token at or after `offset` (with `text`, if given). */
  const from = (offset: number, text?: string): Token | undefined => {
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid]!.offset < offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < tokens.length; i++) if (text === undefined || tokens[i]!.text === text) return tokens[i];
    return undefined;
  };
  const end = (x: unknown): number => (x as RawNode).span[1];
  const t =
    r.kind === "Binary" ? from(end(r.left))
    : r.kind === "Apply" ? from(end(r.fn), "(")
    : r.kind === "Not" ? from(r.span[0])
    : from(r.span[0], "{");
  return t ?? from(r.span[0])!;
}

const CLOSER: Record<string, string> = { "{": "}", "[": "]", "(": ")" };

/**
 * The brackets of the tokens the parser accepted, to explain an unexpected end of input:
 * which opening bracket is never closed, and which closing one (by its indentation) was
 * probably meant for an inner bracket, like rustc's "unclosed delimiter" notes.
 */
class Brackets {
  private readonly open: Token[] = [];
  private readonly pairs: { open: Token; close: Token }[] = [];

  see(t: Token): void {
    if (CLOSER[t.text] !== undefined) this.open.push(t);
    else if (t.text === "}" || t.text === "]" || t.text === ")") {
      const o = this.open.pop();
      if (o) this.pairs.push({ open: o, close: t });
    }
  }

  unclosed(file: SourceFile): { start: number; end: number; message: string }[] {
    const inner = this.open[this.open.length - 1];
    if (!inner) return [];
    const out = [{ start: inner.offset, end: inner.offset + 1, message: `this '${inner.text}' is never closed` }];
    // The first pair whose closing line is indented differently from its opening line.
    const indent = (offset: number): string => {
      const line = file.lineText(file.lineCol(offset).line);
      return /^\s*/.exec(line)![0];
    };
    const suspect = this.pairs
      .filter((p) => file.lineCol(p.open.offset).line !== file.lineCol(p.close.offset).line && indent(p.open.offset) !== indent(p.close.offset))
      .sort((a, b) => a.close.offset - b.close.offset)[0];
    if (suspect) {
      const line = file.lineCol(suspect.open.offset).line;
      out.push({
        start: suspect.close.offset,
        end: suspect.close.offset + 1,
        message: `this '${suspect.close.text}' closes the '${suspect.open.text}' of line ${line}, but is indented differently: is a '${CLOSER[suspect.open.text]}' missing before it?`,
      });
    }
    return out;
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case "kw":
      return `keyword '${t.text}'`;
    case "ident":
      return `name '${t.text}'`;
    case "number":
      return `number '${t.text}'`;
    case "string":
      return `string ${t.text}`;
    default:
      return `'${t.text}'`;
  }
}

interface Symbol {
  literal?: string;
  type?: string;
}
interface State {
  rule: { symbols: (string | Symbol)[] };
  dot: number;
}

/** nearley's Earley table (not in its typings): one column of states per token. */
function tableOf(parser: nearley.Parser): { states: State[] }[] {
  return (parser as unknown as { table: { states: State[] }[] }).table;
}

/** The terminals the parser would have accepted in a column of its table. */
function expectedAt(parser: nearley.Parser, column: number): string[] {
  const col = tableOf(parser)[column];
  if (!col) return [];
  const out = new Set<string>();
  for (const st of col.states) {
    const sym = st.rule.symbols[st.dot];
    if (sym === undefined || typeof sym === "string") continue;
    if (sym.literal !== undefined) out.add(`'${sym.literal}'`);
    else if (sym.type !== undefined) out.add(TOKEN_DESCRIPTIONS[sym.type] ?? sym.type);
  }
  // Literals first, alphabetically; then token classes.
  return [...out].sort((a, b) => (a.startsWith("'") === b.startsWith("'") ? a.localeCompare(b) : a.startsWith("'") ? -1 : 1));
}

/** Gives every raw node an id (pre-order) and moves its span into the source map. */
function number(raw: unknown, file: string, sources: SourceMap): unknown {
  if (Array.isArray(raw)) return raw.map((x) => number(x, file, sources));
  if (raw === null || typeof raw !== "object") return raw;
  const r = raw as RawNode;
  if (!("span" in r)) return raw;
  const id = sources.add({ file, start: r.span[0], end: r.span[1] });
  const out: Record<string, unknown> = { kind: r.kind, id };
  for (const [k, v] of Object.entries(r)) {
    if (k === "kind" || k === "span") continue;
    out[k] = number(v, file, sources);
  }
  return out;
}
