// AST utilities: structural equality modulo node ids, and a generic child walk.
import type { AnyNode } from "./ast.js";

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
