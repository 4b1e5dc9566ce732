// AST utilities: structural equality modulo node ids, and a generic child walk.
import type { AnyNode } from "./ast.js";

/** A deep copy without `id` fields: two ASTs are the same scenario iff these are deep-equal. */
export function stripIds(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripIds);
  if (x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (k !== "id") out[k] = stripIds(v);
  return out;
}

export function sameModuloIds(a: unknown, b: unknown): boolean {
  return JSON.stringify(stripIds(a)) === JSON.stringify(stripIds(b));
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
