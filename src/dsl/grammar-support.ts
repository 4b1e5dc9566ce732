// Helpers the nearley grammar's postprocessors call to build raw AST nodes with spans.
import type { Token } from "./lexer.js";

/**
 * A node as the grammar builds it: `span` holds [start, end) offsets. Postprocessors
 * run on partial parses too, so they must be pure; ids are assigned after parsing.
 */
export interface RawNode {
  kind: string;
  span: [number, number];
  [field: string]: unknown;
}

function isToken(x: unknown): x is Token {
  return typeof x === "object" && x !== null && "offset" in x && "text" in x;
}
function isRaw(x: unknown): x is RawNode {
  return typeof x === "object" && x !== null && "span" in x && "kind" in x;
}

function bounds(x: unknown): [number, number] | null {
  if (isToken(x)) return [x.offset, x.offset + x.text.length];
  if (isRaw(x)) return x.span;
  if (Array.isArray(x)) {
    let lo: number | null = null;
    let hi: number | null = null;
    for (const e of x) {
      const b = bounds(e);
      if (!b) continue;
      if (lo === null || b[0] < lo) lo = b[0];
      if (hi === null || b[1] > hi) hi = b[1];
    }
    return lo === null || hi === null ? null : [lo, hi];
  }
  return null;
}

/** A node of `kind` spanning everything in `d` (tokens, nodes, nested arrays). */
export function node(kind: string, d: unknown[], fields: Record<string, unknown> = {}): RawNode {
  const b = bounds(d);
  if (!b) throw new Error(`grammar built an empty ${kind}`);
  return { kind, ...fields, span: b };
}

export function name(t: Token): RawNode {
  return node("Name", [t], { text: t.text });
}

export function num(t: Token): RawNode {
  return node("Num", [t], { text: t.text });
}

export function str(t: Token): RawNode {
  const inner = t.text.slice(1, -1).replace(/\\(["\\])/g, "$1");
  return node("Str", [t], { value: inner });
}

/** Left-recursive list helpers: `[]`, `xs x`, `xs ";"` (separator, ignored). */
export const empty = (): unknown[] => [];
export const append = (d: unknown[]): unknown[] => [...(d[0] as unknown[]), d[1]];
export const keep = (d: unknown[]): unknown[] => d[0] as unknown[];
/** `x` or `xs , x` into one array. */
export const first = (d: unknown[]): unknown[] => [d[0]];
export const more = (d: unknown[]): unknown[] => [...(d[0] as unknown[]), d[2]];

/**
 * A sub-rule's value together with the extent of all its tokens, so that a parent's
 * span covers delimiters the value leaves out (the `]` of `[a, b]`, the `cycles` of
 * `within N cycles`). Parents take the value back with `unwrap`.
 */
export function wrap(value: unknown, d: unknown[]): RawNode {
  return node("Wrapped", d, { value });
}
export function unwrap(x: unknown): unknown {
  return x !== null && typeof x === "object" && (x as RawNode).kind === "Wrapped" ? (x as RawNode).value : x;
}
