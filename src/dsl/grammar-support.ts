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
  if (x instanceof Seq) return x.bounds;
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

/**
 * A list as the grammar builds it. An Earley parser completes a list's rule once per item, and
 * runs its postprocessor each time, on partial parses too: a postprocessor may not add to a list
 * in place (another parse may share it), and copying it to add one item makes a list of n items
 * cost O(n²). A Seq adds an item in O(1), pointing at the list before it, and keeps the extent of
 * its items for the spans of the nodes that hold it; `settle` makes it an array once the parse is
 * done.
 */
export class Seq {
  constructor(
    readonly init: Seq | null,
    readonly last: unknown,
    readonly length: number,
    readonly bounds: [number, number] | null,
  ) {}
}

const NIL = new Seq(null, undefined, 0, null);

/** The list `xs` with `x` after its items. */
export function push(xs: Seq, x: unknown): Seq {
  const a = xs.bounds;
  const b = bounds(x);
  const extent: [number, number] | null = a && b ? [Math.min(a[0], b[0]), Math.max(a[1], b[1])] : (a ?? b);
  return new Seq(xs, x, xs.length + 1, extent);
}

/** A Seq's items, in order. */
export function items(xs: Seq): unknown[] {
  const out = new Array<unknown>(xs.length);
  for (let s: Seq = xs; s.length > 0; s = s.init!) out[s.length - 1] = s.last;
  return out;
}

/** Left-recursive list helpers: `[]`, `xs x`, `xs ";"` (separator, ignored). */
export const empty = (): Seq => NIL;
export const append = (d: unknown[]): Seq => push(d[0] as Seq, d[1]);
export const keep = (d: unknown[]): Seq => d[0] as Seq;
/** `x` or `xs , x` into one list. */
export const first = (d: unknown[]): Seq => push(NIL, d[0]);
export const more = (d: unknown[]): Seq => push(d[0] as Seq, d[2]);
/** `x or y` (two items), as `choose` needs at least two branches. */
export const pair = (d: unknown[]): Seq => push(push(NIL, d[0]), d[2]);

/**
 * An `if` with its chain of `else if`s, as the grammar builds it: `If -> "if" Expr Block ElseIfs
 * ("else" Block)?`, the else-ifs a left-recursive list. (Nested as `else If`, the rule was right
 * recursive, and an Earley parser such as nearley's, without Leo's optimisation, completes every
 * enclosing `if` of the chain again at the end of each link: O(n²) for n links.) `settle` makes
 * it the nested Ifs the other phases see, each `else if` the `else` of the one before.
 */
interface IfChain extends RawNode {
  kind: "IfChain";
  cond: unknown;
  then: unknown;
  links: Seq;
  else: unknown;
}

/** One `else if COND BLOCK` of a chain; its span starts at the `if`. */
export function elseIf(d: unknown[]): RawNode {
  return node("ElseIf", [d[2], d[4]], { cond: d[3], then: d[4] });
}

/** `if COND BLOCK` and its else-ifs (d[3]), and the final `else` block or null. */
export function ifChain(d: unknown[], otherwise: unknown): IfChain {
  return node("IfChain", d, { cond: d[1], then: d[2], links: d[3], else: otherwise }) as IfChain;
}

/** The nested Ifs of a chain, as `If -> "if" Expr Block ("else" Block | "else" If)?` built them. */
function unchain(c: IfChain): RawNode {
  const end = c.span[1];
  let tail = c.else;
  const links = items(c.links) as RawNode[];
  for (let i = links.length - 1; i >= 0; i--) {
    const l = links[i]!;
    tail = { kind: "If", cond: l.cond, then: l.then, else: tail, span: [l.span[0], end] };
  }
  return { kind: "If", cond: c.cond, then: c.then, else: tail, span: [c.span[0], end] };
}

/**
 * A chain of one associative operator, `a or b or c or d` (the grammar builds it left-deep,
 * `((a or b) or c) or d`, one level per operator), as a balanced tree of the same operands in the
 * same order, `(a or b) or (c or d)`: it nests about log2(n) levels, so a long chain stays within
 * the nesting limit (spec/language.md §1, Nesting). Its value, and the order its operands are
 * evaluated in, are the chain's. The nodes inside are marked `chain`, for the formatter to write
 * them back as the chain; the root is not, so a chain in parentheses keeps them.
 */
function balanced(root: RawNode): RawNode {
  const operands: unknown[] = [];
  let x: unknown = root;
  while (isRaw(x) && x.kind === "Binary" && x.op === root.op && !x.chain) {
    operands.push(x.right);
    x = x.left;
  }
  operands.push(x);
  operands.reverse();
  const build = (lo: number, hi: number, chain: boolean): unknown => {
    if (hi - lo === 1) return operands[lo];
    const mid = lo + Math.ceil((hi - lo) / 2);
    const left = build(lo, mid, true);
    const right = build(mid, hi, true);
    return { kind: "Binary", op: root.op, left, right, ...(chain ? { chain } : {}), span: [(left as RawNode).span[0], (right as RawNode).span[1]] };
  };
  return build(0, operands.length, false) as RawNode;
}

/**
 * The parse result as the phases after parsing take it: Seqs made arrays, if-chains nested Ifs,
 * chains of `or` or of `and` balanced trees, every node copied (the parse's own nodes, which
 * partial parses share, stay as they were). Iterative: the tree may be nested deeper than the stack allows (the depth is checked after).
 */
export function settle(root: unknown): unknown {
  let result: unknown;
  const work: [unknown, (v: unknown) => void][] = [[root, (v) => (result = v)]];
  while (work.length > 0) {
    const [v, put] = work.pop()!;
    if (v instanceof Seq) {
      work.push([items(v), put]);
    } else if (Array.isArray(v)) {
      const a = new Array<unknown>(v.length);
      put(a);
      v.forEach((x, i) => work.push([x, (y) => (a[i] = y)]));
    } else if (isRaw(v) && v.kind === "IfChain") {
      work.push([unchain(v as IfChain), put]);
    } else if (isRaw(v) && v.kind === "Binary" && (v.op === "or" || v.op === "and") && !v.chain && isRaw(v.left) && v.left.kind === "Binary" && v.left.op === v.op && !v.left.chain) {
      work.push([balanced(v), put]);
    } else if (isRaw(v)) {
      const o: Record<string, unknown> = {};
      put(o);
      for (const [k, x] of Object.entries(v)) {
        o[k] = x;
        if (k !== "kind" && k !== "span") work.push([x, (y) => (o[k] = y)]);
      }
    } else {
      put(v);
    }
  }
  return result;
}

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
