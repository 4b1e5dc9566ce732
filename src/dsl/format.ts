// The canonical formatter (`nizza fmt`): prints a scenario AST in its one canonical layout, keeping every comment.
import type {
  AnyNode,
  CapEntry,
  Component,
  ComponentItem,
  Device,
  DeviceItem,
  Event,
  Expr,
  IfStmt,
  Item,
  Kernel,
  KernelOption,
  Machine,
  MachineItem,
  Name,
  Num,
  PathDecl,
  Property,
  Ref,
  Rights,
  Stmt,
  Str,
  SystemAst,
  Thread,
  Block,
  Caps,
  Invariant,
  ItemClause,
} from "./ast.js";
import { tokens, type Token } from "./lexer.js";
import type { Comment, Parsed } from "./parse.js";
import { SourceFile, type NodeId, type SourceMap } from "./source.js";

/** Lines longer than this are never produced by inlining a body. */
export const MAX_WIDTH = 100;
const INDENT = "  ";
/** A line break: LF, CRLF or a CR alone (spec/language.md §1, Layout). */
const LINE_BREAK = /\r\n|\r|\n/;
/** Two line breaks with nothing but blanks between them: an empty line. */
const BLANK_LINE = /(?:\r\n|\r(?!\n)|\n)[ \t\f\v]*(?:\r|\n)/;

/**
 * Where an AST came from: its text, its comments and the spans of its nodes.
 * Without it, `formatAst` prints the bare AST (no comments, no blank lines).
 */
export interface FormatSource {
  readonly text: string;
  readonly comments: readonly Comment[];
  span(id: NodeId): { readonly start: number; readonly end: number };
}

/** Formats a file that parsed cleanly (`parsed.ast` non-null, no diagnostics). */
export function format(parsed: Parsed, sources: SourceMap): string {
  if (parsed.ast === null) throw new Error(`format: ${parsed.file.name} did not parse`);
  return formatAst(parsed.ast, {
    text: parsed.file.text,
    comments: parsed.comments,
    span: (id) => sources.span(id),
  });
}

/** Formats an AST; with its source, comments and blank lines are kept. */
export function formatAst(ast: SystemAst, source?: FormatSource): string {
  const src = source ? new Layout(source) : NO_SOURCE;
  const p = new Printer(src);
  p.file(ast);
  src.checkAllClaimed();
  return p.lines.map((l) => l.replace(/\s+$/, "")).join("\n") + "\n";
}

// ---- source positions -------------------------------------------------------------

interface Src {
  /** [start, end) of a node: its span, which covers every token of it, closing delimiters included. */
  extent(n: AnyNode): readonly [number, number];
  span(n: AnyNode): { readonly start: number; readonly end: number };
  /** Offset of the first token with this text at or after `from`. */
  tokenAfter(from: number, text: string): Token;
  /** Claims the comments starting in [a, b). */
  take(a: number, b: number): Comment[];
  /** Whether any comment starts in [a, b). */
  has(a: number, b: number): boolean;
  line(offset: number): number;
  /** Whether the text in [a, b) contains an empty line. */
  blank(a: number, b: number): boolean;
  checkAllClaimed(): void;
}

const NO_TOKEN = { offset: 0, text: "" } as Token;

const NO_SOURCE: Src = {
  extent: () => [0, 0],
  span: () => ({ start: 0, end: 0 }),
  tokenAfter: () => NO_TOKEN,
  take: () => [],
  has: () => false,
  line: () => 0,
  blank: () => false,
  checkAllClaimed: () => {},
};

class Layout implements Src {
  private readonly comments: readonly Comment[];
  private readonly claimed: boolean[];
  private readonly toks: Token[];
  private readonly file: SourceFile;

  constructor(private readonly source: FormatSource) {
    this.comments = [...source.comments].sort((a, b) => a.start - b.start);
    this.claimed = this.comments.map(() => false);
    this.toks = tokens(source.text);
    this.file = new SourceFile("", source.text);
  }

  span(n: AnyNode): { start: number; end: number } {
    return this.source.span(n.id);
  }

  extent(n: AnyNode): readonly [number, number] {
    const sp = this.span(n);
    return [sp.start, sp.end];
  }

  tokenAfter(from: number, text: string): Token {
    let lo = 0;
    let hi = this.toks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.toks[mid]!.offset < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.toks.length; i++) if (this.toks[i]!.text === text) return this.toks[i]!;
    throw new Error(`format: no '${text}' after offset ${from}`);
  }

  private first(a: number): number {
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid]!.start < a) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  take(a: number, b: number): Comment[] {
    const out: Comment[] = [];
    for (let i = this.first(a); i < this.comments.length && this.comments[i]!.start < b; i++) {
      if (this.claimed[i]) throw new Error(`format: comment at ${this.comments[i]!.start} placed twice`);
      this.claimed[i] = true;
      out.push(this.comments[i]!);
    }
    return out;
  }

  has(a: number, b: number): boolean {
    const i = this.first(a);
    return i < this.comments.length && this.comments[i]!.start < b;
  }

  line(offset: number): number {
    return this.file.lineCol(offset).line - 1;
  }

  blank(a: number, b: number): boolean {
    return BLANK_LINE.test(this.source.text.slice(a, b));
  }

  checkAllClaimed(): void {
    const lost = this.claimed.findIndex((c) => !c);
    if (lost >= 0) throw new Error(`format: comment at offset ${this.comments[lost]!.start} was not placed`);
  }
}

// ---- the printer ------------------------------------------------------------------

interface Placed {
  readonly c: Comment;
  /** An empty line goes before it. */
  readonly blank: boolean;
}

interface Group<T> {
  readonly node: T;
  readonly leading: Placed[];
  readonly blank: boolean;
  readonly trailing: Comment[];
}

type PrintFn<T> = (node: T, indent: number, pad: number) => void;
type AlignFn<T> = (node: T, indent: number) => number | null;

class Printer {
  readonly lines: string[] = [];

  constructor(private readonly src: Src) {}

  private put(indent: number, text: string): void {
    this.lines.push(INDENT.repeat(indent) + text);
  }

  private comment(indent: number, c: Comment): void {
    const [first, ...rest] = c.text.split(LINE_BREAK);
    this.lines.push(INDENT.repeat(indent) + first);
    this.lines.push(...rest);
  }

  private trail(c: Comment): void {
    const [first, ...rest] = c.text.split(LINE_BREAK);
    this.lines[this.lines.length - 1] += " " + first;
    this.lines.push(...rest);
  }

  /** Moves the comments in [a, b) in front of the node about to be printed. */
  private hoist(indent: number, a: number, b: number): void {
    for (const c of this.src.take(a, b)) this.comment(indent, c);
  }

  private fits(indent: number, text: string): boolean {
    return INDENT.length * indent + text.length <= MAX_WIDTH;
  }

  /**
   * The items of a body (or of the file, when `open` is null), one per line, with their
   * comments: leading ones on their own lines, trailing ones after the line they follow,
   * the rest before the closing brace. Blank lines of the source collapse to one.
   */
  private body<T extends AnyNode>(
    items: readonly T[],
    open: number | null,
    close: number,
    indent: number,
    print: PrintFn<T>,
    align?: AlignFn<T>,
    extraEnd: readonly Comment[] = [],
    extraStart: readonly Comment[] = [],
  ): void {
    const src = this.src;
    let cursor = open === null ? 0 : open + 1;
    let anchor = open === null ? -1 : src.line(open);
    const openTrailing: Comment[] = [];
    let trailing = openTrailing;
    const sort = (cs: readonly Comment[], into: Placed[]): void => {
      for (const c of cs) {
        if (src.line(c.start) === anchor) trailing.push(c);
        else into.push({ c, blank: src.blank(cursor, c.start) });
        cursor = c.end;
      }
    };
    const groups: Group<T>[] = [];
    for (const node of items) {
      const [s, e] = src.extent(node);
      const leading: Placed[] = [];
      sort(src.take(cursor, s), leading);
      const g: Group<T> = { node, leading, blank: src.blank(cursor, s), trailing: [] };
      groups.push(g);
      trailing = g.trailing;
      anchor = src.line(e);
      cursor = e;
    }
    const end: Placed[] = [];
    sort(src.take(cursor, close), end);
    for (const c of extraEnd) {
      end.push({ c, blank: src.blank(cursor, c.start) });
      cursor = c.end;
    }

    const pads = alignment(groups, indent, align);

    for (const c of openTrailing) this.trail(c);
    let first = true;
    const gap = (blank: boolean): void => {
      if (blank && !first) this.lines.push("");
      first = false;
    };
    for (const c of extraStart) {
      gap(false);
      this.comment(indent, c);
    }
    groups.forEach((g, i) => {
      for (const l of g.leading) {
        gap(l.blank);
        this.comment(indent, l.c);
      }
      gap(g.blank);
      print(g.node, indent, pads[i]!);
      for (const c of g.trailing) this.trail(c);
    });
    for (const l of end) {
      gap(l.blank);
      this.comment(indent, l.c);
    }
  }

  /**
   * A braced list that prints as `head { a; b }` when allowed (every item has an inline
   * text), it has no comments inside and fits, and as a multi-line body otherwise.
   */
  private braced<T extends AnyNode>(
    indent: number,
    node: AnyNode,
    head: string,
    open: number,
    close: number,
    items: readonly T[],
    inline: string | null,
    print: PrintFn<T>,
    align?: AlignFn<T>,
  ): void {
    const start = this.src.extent(node)[0];
    if (inline !== null) {
      this.hoist(indent, start, close + 1);
      this.put(indent, head + inline);
      return;
    }
    this.hoist(indent, start, open);
    this.put(indent, head + " {");
    this.body(items, open, close, indent + 1, print, align);
    this.put(indent, "}");
  }

  /** The ` { a; b }` of a braced list, or null when it must be multi-line. */
  private inlineBody(indent: number, head: string, open: number, close: number, parts: readonly (string | null)[]): string | null {
    if (this.src.has(open + 1, close)) return null;
    if (parts.length === 0) return " { }";
    if (parts.some((p) => p === null)) return null;
    const text = ` { ${parts.join("; ")} }`;
    return this.fits(indent, head + text) ? text : null;
  }

  /**
   * Prints `head {` and a block's statements, and returns what continues its last line (`}` or
   * `head { }`). `extraStart` are comments that go first in it, `extraEnd` last.
   */
  private block(head: string, b: Block, indent: number, extraEnd: readonly Comment[], extraStart: readonly Comment[] = []): string {
    const sp = this.src.span(b);
    if (b.stmts.length === 0 && extraEnd.length === 0 && extraStart.length === 0 && !this.src.has(sp.start + 1, sp.end - 1)) return head + " { }";
    this.put(indent, head + " {");
    this.body(b.stmts, sp.start, sp.end - 1, indent + 1, this.stmt, undefined, extraEnd, extraStart);
    return "}";
  }

  /**
   * The comments between a block and the `else`, `else if` or `or` block after it (`joint`): one
   * on the line of the block's `}` stays with that block (at its end), one on a line of its own
   * is about what follows, and goes first in the next block.
   */
  private split(joint: readonly Comment[], before: Block): { readonly end: Comment[]; readonly next: Comment[] } {
    const line = this.src.line(this.src.span(before).end - 1);
    return { end: joint.filter((c) => this.src.line(c.start) === line), next: joint.filter((c) => this.src.line(c.start) !== line) };
  }

  // ---- file and items ---------------------------------------------------------------

  file(ast: SystemAst): void {
    this.body([ast], null, Number.MAX_SAFE_INTEGER, 0, this.system);
  }

  private system = (s: SystemAst, indent: number): void => {
    const [start, end] = this.src.extent(s);
    const open = this.src.tokenAfter(this.src.span(s.name).end, "{").offset;
    this.hoist(indent, start, open);
    const head = `system ${name(s.name)}`;
    if (s.items.length === 0 && !this.src.has(open + 1, end - 1)) {
      this.put(indent, head + " { }");
      return;
    }
    this.put(indent, head + " {");
    this.body(s.items, open, end - 1, indent + 1, this.item, this.alignItem);
    this.put(indent, "}");
  };

  private alignItem = (it: Item, indent: number): number | null =>
    it.kind === "Component" && this.componentInline(it, indent) !== null ? componentName(it).length : null;

  private item = (it: Item, indent: number, pad: number): void => {
    switch (it.kind) {
      case "Machine":
        return this.machine(it, indent);
      case "Kernel":
        return this.kernel(it, indent);
      case "Component":
        return this.component(it, indent, pad);
      case "Import":
      case "Invariant":
      case "Path":
        return this.leaf(it, indent, itemText(it));
      default:
        return assertNever(it);
    }
  };

  /** A node printed on one line: every comment inside it moves in front of it. */
  private leaf(n: AnyNode, indent: number, text: string): void {
    const [s, e] = this.src.extent(n);
    this.hoist(indent, s, e);
    this.put(indent, text);
  }

  private machine(m: Machine, indent: number): void {
    const [, end] = this.src.extent(m);
    const open = this.src.tokenAfter(this.src.span(m).start, "{").offset;
    const head = "machine";
    const inline = this.inlineBody(indent, head, open, end - 1, m.items.map(machineItemInline));
    this.braced(indent, m, head, open, end - 1, m.items, inline, this.machineItem, this.alignDevice);
  }

  private alignDevice = (it: MachineItem, indent: number): number | null =>
    it.kind === "Device" && it.items !== null && this.deviceInline(it, indent) !== null ? name(it.name).length : null;

  private machineItem = (it: MachineItem, indent: number, pad: number): void => {
    switch (it.kind) {
      case "Device":
        return this.device(it, indent, pad);
      case "Cpus":
      case "MachineMemory":
      case "Iommu":
        return this.leaf(it, indent, machineItemInline(it)!);
      default:
        return assertNever(it);
    }
  };

  private deviceBraces(d: Device): [number, number] {
    const open = this.src.tokenAfter(this.src.span(d.name).end, "{").offset;
    return [open, this.src.extent(d)[1] - 1];
  }

  private deviceInline(d: Device, indent: number): string | null {
    const [open, close] = this.deviceBraces(d);
    return this.inlineBody(indent, `device ${name(d.name)}`, open, close, (d.items ?? []).map(deviceItemText));
  }

  private device(d: Device, indent: number, pad: number): void {
    const head = `device ${name(d.name)}`;
    if (d.items === null) return this.leaf(d, indent, head);
    const [open, close] = this.deviceBraces(d);
    const inline = this.deviceInline(d, indent);
    this.braced(indent, d, padHead(head, pad), open, close, d.items, inline, (it, ind) => this.leaf(it, ind, deviceItemText(it)));
  }

  private kernel(k: Kernel, indent: number): void {
    const head = `kernel ${name(k.personality)}`;
    if (k.options === null) return this.leaf(k, indent, head);
    const open = this.src.tokenAfter(this.src.span(k.personality).end, "{").offset;
    const close = this.src.extent(k)[1] - 1;
    const inline = this.inlineBody(indent, head, open, close, k.options.map(kernelOptionText));
    this.braced(indent, k, head, open, close, k.options, inline, (o, ind) => this.leaf(o, ind, kernelOptionText(o)));
  }

  private componentBraces(c: Component): [number, number] {
    const open = this.src.tokenAfter(this.src.span(c.replicas ?? c.name).end, "{").offset;
    return [open, this.src.extent(c)[1] - 1];
  }

  private componentInline(c: Component, indent: number): string | null {
    if (c.items.length > 1) return null;
    const [open, close] = this.componentBraces(c);
    return this.inlineBody(indent, componentHead(c, 0), open, close, c.items.map(componentItemInline));
  }

  private component(c: Component, indent: number, pad: number): void {
    const [open, close] = this.componentBraces(c);
    const inline = this.componentInline(c, indent);
    const head = componentHead(c, pad);
    this.braced(indent, c, head, open, close, c.items, inline, this.componentItem);
  }

  private componentItem = (it: ComponentItem, indent: number): void => {
    switch (it.kind) {
      case "Caps":
        return this.caps(it, indent);
      case "Thread":
        return this.thread(it, indent);
      case "Sloc":
      case "Region":
      case "UseDevice":
      case "Portal":
      case "Semaphore":
      case "Pager":
      case "Exceptions":
      case "Adversary":
        return this.leaf(it, indent, componentItemInline(it)!);
      default:
        return assertNever(it);
    }
  };

  private caps(c: Caps, indent: number): void {
    const sp = this.src.span(c);
    const open = this.src.tokenAfter(sp.start, "{").offset;
    const inline = this.inlineBody(indent, "caps", open, sp.end - 1, c.entries.map(capEntryText));
    this.braced(indent, c, "caps", open, sp.end - 1, c.entries, inline, (e: CapEntry, ind) => this.leaf(e, ind, capEntryText(e)));
  }

  private thread(t: Thread, indent: number): void {
    this.hoist(indent, this.src.extent(t)[0], this.src.span(t.body).start);
    const attrs = t.attrs.map((a) => ` ${a.attr} ${num(a.value)}`).join("");
    this.put(indent, this.block(`thread ${name(t.name)}${attrs}`, t.body, indent, []));
  }

  // ---- statements ---------------------------------------------------------------------

  private stmt = (s: Stmt, indent: number): void => {
    const src = this.src;
    switch (s.kind) {
      case "Loop":
        this.hoist(indent, src.extent(s)[0], src.span(s.body).start);
        return this.put(indent, this.block("loop", s.body, indent, []));
      case "Repeat":
        this.hoist(indent, src.extent(s)[0], src.span(s.body).start);
        return this.put(indent, this.block(`repeat ${num(s.count)}`, s.body, indent, []));
      case "Choose": {
        this.hoist(indent, src.extent(s)[0], src.span(s.branches[0]!).start);
        let head = "choose";
        let start: Comment[] = [];
        s.branches.forEach((b, i) => {
          const next = s.branches[i + 1];
          // Comments around `or`: one on the line of the branch's `}` ends that branch, one on a line of its own starts the next.
          const joint = this.split(next ? src.take(src.span(b).end, src.span(next).start) : [], b);
          head = this.block(head, b, indent, joint.end, start);
          start = joint.next;
          if (next) head += " or";
        });
        return this.put(indent, head);
      }
      case "If":
        return this.ifStmt(s, indent);
      case "Call":
      case "Recv":
      case "Reply":
      case "Up":
      case "Down":
      case "Read":
      case "Write":
      case "Delegate":
      case "Revoke":
      case "Map":
      case "Unmap":
      case "Assert":
      case "Raise":
        return this.leaf(s, indent, simpleStmtText(s));
      default:
        return assertNever(s);
    }
  };

  private ifStmt(s: IfStmt, indent: number): void {
    const src = this.src;
    this.hoist(indent, src.extent(s)[0], src.span(s.then).start);
    let head = `if ${expr(s.cond)}`;
    let start: Comment[] = [];
    for (let cur: IfStmt | null = s; cur !== null; ) {
      const next: Block | IfStmt | null = cur.else;
      const nextOpen = next === null ? null : src.span(next.kind === "Block" ? next : next.then).start;
      // Comments around `else` and in an `else if` condition: one on the line of the block's `}`
      // ends that block, one on a line of its own starts the next block.
      const joint = this.split(nextOpen === null ? [] : src.take(src.span(cur.then).end, nextOpen), cur.then);
      head = this.block(head, cur.then, indent, joint.end, start);
      start = joint.next;
      if (next === null) break;
      if (next.kind === "Block") {
        head = this.block(head + " else", next, indent, [], start);
        break;
      }
      head += ` else if ${expr(next.cond)}`;
      cur = next;
    }
    this.put(indent, head);
  }
}

/** Pads aligned runs: consecutive inline siblings of one kind with no blank line between them. */
function alignment<T extends AnyNode>(groups: readonly Group<T>[], indent: number, align?: AlignFn<T>): number[] {
  const pads = groups.map(() => 0);
  if (!align) return pads;
  const keys = groups.map((g) => align(g.node, indent));
  let i = 0;
  while (i < groups.length) {
    if (keys[i] === null) {
      i++;
      continue;
    }
    let j = i + 1;
    while (
      j < groups.length &&
      keys[j] !== null &&
      groups[j]!.node.kind === groups[i]!.node.kind &&
      !groups[j]!.blank &&
      !groups[j]!.leading.some((l) => l.blank)
    )
      j++;
    const width = Math.max(...keys.slice(i, j).map((k) => k!));
    for (let t = i; t < j; t++) pads[t] = width - keys[t]!;
    i = j;
  }
  return pads;
}

function padHead(head: string, pad: number): string {
  return pad === 0 ? head : head + " ".repeat(pad);
}

// ---- one-line texts --------------------------------------------------------------------

function assertNever(x: never): never {
  throw new Error(`format: unexpected node ${JSON.stringify(x)}`);
}

function name(n: Name): string {
  return n.text;
}

function num(n: Num): string {
  return n.text;
}

function str(s: Str): string {
  return `"${s.value.replace(/["\\]/g, "\\$&")}"`;
}

function ref(r: Ref): string {
  return r.parts.map(name).join(".");
}

function rights(r: Rights): string {
  return r.words.map(name).join("+");
}

function names(ns: readonly Name[]): string {
  return ns.map(name).join(", ");
}

function labels(ns: readonly Name[]): string {
  return `[${names(ns)}]`;
}

function componentName(c: Component): string {
  return name(c.name) + (c.replicas ? `[${num(c.replicas)}]` : "");
}

function componentHead(c: Component, pad: number): string {
  return `component ${padHead(componentName(c), pad)} : ${c.trust}${c.root ? " root" : ""}`;
}

function machineItemInline(it: MachineItem): string | null {
  switch (it.kind) {
    case "Cpus":
      return `cpus ${num(it.count)}`;
    case "MachineMemory":
      return `memory ${num(it.size)}`;
    case "Iommu":
      return "iommu";
    case "Device":
      return it.items === null ? `device ${name(it.name)}` : null;
    default:
      return assertNever(it);
  }
}

function deviceItemText(it: DeviceItem): string {
  switch (it.kind) {
    case "Irq":
      return `irq ${num(it.line)}`;
    case "Mmio":
      return `mmio ${num(it.size)}`;
    case "Dma":
      return "dma";
    case "Produces":
      return `produces ${labels(it.labels)}`;
    default:
      return assertNever(it);
  }
}

function kernelOptionText(o: KernelOption): string {
  switch (o.kind) {
    case "PreemptibleRevoke":
      return "preemptible revoke";
    case "StrictScheduling":
      return "strict scheduling";
    case "Fault":
      return `fault ${name(o.flag)}`;
    case "Costs":
      return `costs ${str(o.preset)}`;
    default:
      return assertNever(o);
  }
}

function capEntryText(e: CapEntry): string {
  return `${ref(e.target)}: ${rights(e.rights)}`;
}

/** A component item on one line; null for a thread, which never is. */
function componentItemInline(it: ComponentItem): string | null {
  switch (it.kind) {
    case "Sloc":
      return `sloc ${num(it.count)}`;
    case "Region":
      return `memory ${name(it.name)} ${num(it.size)}${it.labels === null ? "" : " " + labels(it.labels)}`;
    case "UseDevice":
      return `device ${name(it.device)}`;
    case "Portal":
      return `portal ${name(it.name)}`;
    case "Semaphore":
      return `semaphore ${name(it.name)}`;
    case "Pager":
      return `pager ${name(it.pager)}`;
    case "Exceptions":
      return `exceptions ${name(it.handler)}`;
    case "Adversary":
      return `adversary steps ${num(it.steps)}`;
    case "Caps":
      return it.entries.length === 0 ? "caps { }" : `caps { ${it.entries.map(capEntryText).join("; ")} }`;
    case "Thread":
      return null;
    default:
      return assertNever(it);
  }
}

function itemText(it: Exclude<Item, Machine | Kernel | Component>): string {
  switch (it.kind) {
    case "Import": {
      const bindings = it.bindings.map((b) => `${name(b.standIn)} = ${name(b.to)}`).join("; ");
      return `import ${str(it.path)}${bindings ? ` { ${bindings} }` : ""}`;
    }
    case "Invariant":
      return invariantText(it);
    case "Path":
      return pathText(it);
    default:
      return assertNever(it);
  }
}

function invariantText(i: Invariant): string {
  return `invariant ${i.name ? name(i.name) + ": " : ""}${property(i.prop)}${i.expect ? ` expect ${i.expect.outcome}` : ""}`;
}

function pathText(p: PathDecl): string {
  const within = p.within ? ` within ${num(p.within)} cycles` : "";
  const expect = p.expect ? ` expect ${p.expect.outcome}` : "";
  return `path ${name(p.name)}: ${event(p.from)} -> ${event(p.to)}${within}${expect}`;
}

function event(e: Event): string {
  const subject = name(e.subject);
  switch (e.verb) {
    case "calls":
    case "receives":
      return `${subject} ${e.verb} ${e.portal ? ref(e.portal) : ""}`;
    case "gets reply":
    case "fires":
    case "delivers":
    case "faults":
    case "resumes":
      return `${subject} ${e.verb}`;
    default:
      return assertNever(e.verb);
  }
}

function property(p: Property): string {
  switch (p.kind) {
    case "Isolated":
      return `isolated(${name(p.a)}, ${name(p.b)})${p.via.length > 0 ? ` except via ${names(p.via)}` : ""}`;
    case "NeverFlows":
      return `never flows(${labels(p.labels)} -> ${names(p.sinks)})`;
    case "TcbSubset":
      return `tcb(${name(p.of)}) <= { ${names(p.bound)} }`;
    case "TcbSloc":
      return `tcb(${name(p.of)}).sloc <= ${num(p.max)}`;
    case "Revocable":
      return `revocable(${ref(p.cap)})`;
    case "Available":
      return `available(${ref(p.portal)})`;
    case "DeadlockFree":
      return "deadlock_free";
    case "Always":
      return `always ${expr(p.cond)}`;
    case "Never":
      return `never ${expr(p.cond)}`;
    default:
      return assertNever(p);
  }
}

type SimpleStmt = Exclude<Stmt, { kind: "Loop" | "Repeat" | "Choose" | "If" }>;

function simpleStmtText(s: SimpleStmt): string {
  switch (s.kind) {
    case "Call": {
      const bind = s.bind ? ` -> ${name(s.bind)}` : "";
      const timeout = s.timeout ? ` timeout ${num(s.timeout)}` : "";
      return `call ${ref(s.portal)}(${args(s.args)})${withText(s.item)}${bind}${timeout}`;
    }
    case "Recv":
      return `recv ${ref(s.portal)}${s.bind ? ` -> ${name(s.bind)}` : ""}`;
    case "Reply":
      return `reply ${expr(s.value)}${withText(s.item)}`;
    case "Up":
      return `up ${ref(s.sem)}`;
    case "Down":
      return `down ${ref(s.sem)}`;
    case "Read":
      return `read ${ref(s.region)} -> ${name(s.bind)}`;
    case "Write":
      return `write ${ref(s.region)} <- ${expr(s.value)}`;
    case "Delegate":
      return `delegate ${ref(s.cap)} -> ${name(s.to)} : ${rights(s.rights)}`;
    case "Revoke":
      return `revoke ${ref(s.cap)}`;
    case "Map":
      return `map ${ref(s.region)}${s.to ? ` -> ${name(s.to)}` : ""}${s.rights ? ` : ${rights(s.rights)}` : ""}`;
    case "Unmap":
      return `unmap ${ref(s.region)}`;
    case "Assert":
      return `assert ${expr(s.cond)}`;
    case "Raise":
      return `raise ${expr(s.value)}${s.bind ? ` -> ${name(s.bind)}` : ""}`;
    default:
      return assertNever(s);
  }
}

/** ` with CAP` or ` with CAP : rights`, or nothing. */
function withText(it: ItemClause | null): string {
  if (!it) return "";
  return ` with ${ref(it.cap)}${it.rights ? ` : ${rights(it.rights)}` : ""}`;
}

// ---- expressions: or (1) < and (2) < not (3) < comparison (4, non-associative) < atom (5)

function args(es: readonly Expr[]): string {
  return es.map((e) => expr(e)).join(", ");
}

function precedence(e: Expr): number {
  switch (e.kind) {
    case "Binary":
      return e.op === "or" ? 1 : e.op === "and" ? 2 : 4;
    case "Not":
      return 3;
    case "RefExpr":
    case "Ok":
    case "Int":
    case "Apply":
      return 5;
    default:
      return assertNever(e);
  }
}

/** Whether `e` is a node inside a chain of one operator (`BinaryExpr.chain`). */
function chained(e: Expr): boolean {
  return e.kind === "Binary" && e.chain === true;
}

/** An expression in canonical form, with only the parentheses its structure needs. */
export function formatExpr(e: Expr): string {
  return expr(e);
}

/** The expression's text, parenthesised when its precedence is below `min`. */
function expr(e: Expr, min = 1): string {
  const text = exprText(e);
  return precedence(e) < min ? `(${text})` : text;
}

function exprText(e: Expr): string {
  switch (e.kind) {
    case "RefExpr":
      return ref(e.ref);
    case "Ok":
      return "ok";
    case "Int":
      return num(e.value);
    case "Apply":
      return `${name(e.fn)}(${args(e.args)})`;
    case "Not":
      return `not ${expr(e.arg, 3)}`;
    case "Binary":
      switch (e.op) {
        // A chain's operand that the parser balanced into the right side needs no parentheses.
        case "or":
          return `${expr(e.left, 1)} or ${expr(e.right, chained(e.right) ? 1 : 2)}`;
        case "and":
          return `${expr(e.left, 2)} and ${expr(e.right, chained(e.right) ? 2 : 3)}`;
        case "==":
        case "!=":
          return `${expr(e.left, 5)} ${e.op} ${expr(e.right, 5)}`;
        default:
          return assertNever(e.op);
      }
    default:
      return assertNever(e);
  }
}
