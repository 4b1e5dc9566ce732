// The moo lexer of the scenario language, wrapped for nearley: skips whitespace, keeps comments aside.
import moo from "moo";

/**
 * Reserved words: they can never be names. Every other word of the language
 * (cpus, memory, portal, isolated, ...) is contextual and may also name things.
 */
export const RESERVED = [
  "system", "import", "machine", "kernel", "component", "invariant", "path",
  "trusted", "untrusted", "root", "thread",
  "call", "recv", "reply", "up", "down", "read", "write", "delegate", "revoke",
  "map", "unmap", "loop", "repeat", "choose", "or", "if", "else", "assert",
  "and", "not", "ok", "expect",
] as const;

const rules: moo.Rules = {
  ws: { match: /[ \t\r\n\f\v]+/, lineBreaks: true },
  lineComment: /\/\/[^\r\n]*/,
  blockComment: { match: /\/\*[\s\S]*?\*\//, lineBreaks: true },
  unterminatedComment: { match: /\/\*[\s\S]*/, lineBreaks: true },
  string: /"(?:[^"\\\r\n]|\\["\\])*"/,
  // A closed string with an escape other than \" and \\: reported as such, not as unterminated.
  badEscapeString: /"(?:[^"\\\r\n]|\\.)*"/,
  unterminatedString: /"(?:[^"\\\r\n]|\\.)*/,
  // A number with an optional suffix; the suffix is validated later so that a bad
  // one ("4X") gets its own diagnostic instead of a confusing parse error.
  number: /(?:0[xX][0-9a-fA-F]+|[0-9]+)(?:[A-Za-z_][A-Za-z0-9_]*)?/,
  ident: { match: /[A-Za-z_][A-Za-z0-9_]*/, type: moo.keywords({ kw: [...RESERVED] }) },
  arrow: "->",
  larrow: "<-",
  le: "<=",
  eq: "==",
  ne: "!=",
  assign: "=",
  lbrace: "{",
  rbrace: "}",
  lbrack: "[",
  rbrack: "]",
  lparen: "(",
  rparen: ")",
  colon: ":",
  semi: ";",
  comma: ",",
  dot: ".",
  plus: "+",
  error: moo.error,
};

export type Token = moo.Token;

/** A token kind as a person would name it in "expected ..." lists. */
export const TOKEN_DESCRIPTIONS: Record<string, string> = {
  ident: "a name",
  number: "a number",
  string: "a string",
  kw: "a keyword",
};

/** A lexing failure; the parser turns it into a diagnostic. */
export class LexError extends Error {
  constructor(
    readonly kind: "unterminatedComment" | "unterminatedString" | "badEscapeString" | "badChar",
    readonly token: Token,
  ) {
    super(kind);
  }
}

/**
 * The lexer nearley drives. Whitespace is dropped; comments are recorded in
 * `comments` (for the formatter) and never reach the parser.
 */
export class NizzaLexer implements nearley_Lexer {
  private readonly inner = moo.compile(rules);
  comments: Token[] = [];
  /** The last lexing failure; nearley wraps thrown errors, so the parser reads it here. */
  lastError: LexError | undefined;

  reset(chunk: string, state?: moo.LexerState): void {
    this.inner.reset(chunk, state);
    if (!state) {
      this.comments = [];
      this.lastError = undefined;
    }
  }

  next(): Token | undefined {
    for (;;) {
      const tok = this.inner.next();
      if (!tok) return undefined;
      switch (tok.type) {
        case "ws":
          continue;
        case "lineComment":
        case "blockComment":
          this.comments.push(tok);
          continue;
        case "unterminatedComment":
        case "unterminatedString":
        case "badEscapeString":
          throw (this.lastError = new LexError(tok.type, tok));
        case "error":
          throw (this.lastError = new LexError("badChar", tok));
        default:
          return tok;
      }
    }
  }

  save(): moo.LexerState {
    return this.inner.save();
  }

  formatError(token: Token, message?: string): string {
    return this.inner.formatError(token, message);
  }

  has(tokenType: string): boolean {
    return this.inner.has(tokenType);
  }
}

/** The shape nearley expects of a lexer (nearley's own typings name it Lexer). */
interface nearley_Lexer {
  reset(chunk: string, state?: unknown): void;
  next(): Token | undefined;
  save(): unknown;
  formatError(token: Token, message?: string): string;
  has(tokenType: string): boolean;
}

/** Tokenises a whole text (comments and whitespace dropped); for tests and tools. */
export function tokens(text: string): Token[] {
  const lx = new NizzaLexer();
  lx.reset(text);
  const out: Token[] = [];
  for (let t = lx.next(); t; t = lx.next()) out.push(t);
  return out;
}
