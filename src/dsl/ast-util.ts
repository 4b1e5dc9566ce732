// AST utilities: structural equality modulo node ids, a generic child walk, and the names that name components.
import type { AnyNode, Expr, Name, Ref, SystemAst } from "./ast.js";
import { builtin } from "./builtins.js";

/**
 * A deep copy without `id` fields: two ASTs are the same scenario iff these are deep-equal.
 * `rename` gives a name node the name an import binding gave it (load.ts `renames`), if any.
 */
export function stripIds(x: unknown, rename?: (id: number) => string | undefined): unknown {
  if (Array.isArray(x)) return x.map((y) => stripIds(y, rename));
  if (x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  const renamed = rename && isNode(x) && x.kind === "Name" ? rename(x.id) : undefined;
  for (const [k, v] of Object.entries(x)) if (k !== "id") out[k] = k === "text" && renamed !== undefined ? renamed : stripIds(v, rename);
  return out;
}

/** Whether two ASTs are the same modulo node ids (and, with `rename`, with the names import bindings gave their name nodes). */
export function sameModuloIds(a: unknown, b: unknown, rename?: (id: number) => string | undefined): boolean {
  return JSON.stringify(stripIds(a, rename)) === JSON.stringify(stripIds(b, rename));
}

function isNode(x: unknown): x is AnyNode {
  return typeof x === "object" && x !== null && "kind" in x && "id" in x;
}

/** Calls `f` on every node under `root` (root included), parents before children. */
export function walk(root: unknown, f: (n: AnyNode) => void): void {
  if (Array.isArray(root)) {
    for (const x of root) walk(x, f);
    return;
  }
  if (!isNode(root)) return;
  f(root);
  for (const [k, v] of Object.entries(root)) if (k !== "kind" && k !== "id") walk(v, f);
}

/**
 * Calls `f` with every name node of `ast` that may name a component: what an import binding
 * renames (spec/language.md §3, "only component names are bound ... never an object or variable
 * of the same name"). That is a component's own name; the first part of `c.x`; a reference of one
 * part that the enclosing component declares no object of (resolve.ts `lookupObject` looks for
 * the object first); and the places that take a component (`-> C`, `pager`, `exceptions`, caps,
 * component arguments of builtins, invariants' components, sinks, path subjects). Never an
 * object's or thread's declaration, a variable, a label, a right or a function's name.
 */
export function componentMentions(ast: SystemAst, f: (n: Name) => void): void {
  const NONE: ReadonlySet<string> = new Set();
  const ref = (r: Ref, locals: ReadonlySet<string>): void => {
    const first = r.parts[0]!;
    if (r.parts.length > 1 || !locals.has(first.text)) f(first);
  };
  const expr = (e: Expr, locals: ReadonlySet<string>): void => {
    switch (e.kind) {
      case "Not":
        return expr(e.arg, locals);
      case "Binary":
        expr(e.left, locals);
        return expr(e.right, locals);
      case "Apply": {
        const params = builtin(e.fn.text)?.params;
        e.args.forEach((a, i) => {
          const kind = params?.[i] ?? "data";
          if (kind === "label") return;
          if (kind === "data") return expr(a, locals);
          // A component argument names a component even where an object has its name (resolve.ts `resolveName`).
          if (a.kind === "RefExpr") ref(a.ref, kind === "component" ? NONE : locals);
          else expr(a, locals);
        });
        return;
      }
      default:
        // A value: a variable, a number, `ok`.
        return;
    }
  };
  for (const item of ast.items) {
    switch (item.kind) {
      case "Import":
        for (const b of item.bindings) f(b.to);
        break;
      case "Component": {
        f(item.name);
        const locals = new Set<string>();
        for (const it of item.items) if (it.kind === "Region" || it.kind === "Portal" || it.kind === "Semaphore" || it.kind === "Thread") locals.add(it.name.text);
        for (const it of item.items) {
          if (it.kind === "Pager") f(it.pager);
          else if (it.kind === "Exceptions") f(it.handler);
          else if (it.kind === "Caps") for (const e of it.entries) ref(e.target, NONE);
          else if (it.kind === "Thread")
            // The statements, at any depth; their expressions through `expr` only (a reference
            // in a value is a variable).
            walk(it.body, (n) => {
              switch (n.kind) {
                case "Call":
                  ref(n.portal, locals);
                  if (n.item) ref(n.item.cap, locals);
                  return n.args.forEach((a) => expr(a, locals));
                case "Recv":
                  return ref(n.portal, locals);
                case "Reply":
                  if (n.item) ref(n.item.cap, locals);
                  return expr(n.value, locals);
                case "Up":
                case "Down":
                  return ref(n.sem, locals);
                case "Read":
                case "Unmap":
                  return ref(n.region, locals);
                case "Write":
                  ref(n.region, locals);
                  return expr(n.value, locals);
                case "Delegate":
                  ref(n.cap, locals);
                  return f(n.to);
                case "Revoke":
                  return ref(n.cap, locals);
                case "Map":
                  ref(n.region, locals);
                  if (n.to) f(n.to);
                  return;
                case "If":
                case "Assert":
                  return expr(n.cond, locals);
                case "Raise":
                  return expr(n.value, locals);
                default:
                  return;
              }
            });
        }
        break;
      }
      case "Invariant": {
        const p = item.prop;
        if (p.kind === "Isolated") [p.a, p.b, ...p.via].forEach(f);
        else if (p.kind === "NeverFlows") p.sinks.forEach(f);
        else if (p.kind === "TcbSubset") [p.of, ...p.bound].forEach(f);
        else if (p.kind === "TcbSloc") f(p.of);
        else if (p.kind === "Revocable") ref(p.cap, NONE);
        else if (p.kind === "Available") ref(p.portal, NONE);
        else if (p.kind === "Always" || p.kind === "Never") expr(p.cond, NONE);
        break;
      }
      case "Path":
        for (const ev of [item.from, item.to]) {
          f(ev.subject);
          // A bare portal in an event is the subject's own (resolve.ts: looked up in its component).
          if (ev.portal && ev.portal.parts.length > 1) f(ev.portal.parts[0]!);
        }
        break;
      default:
        break;
    }
  }
}
