// Rights: what a capability to each kind of object may allow, and how they are written.
import type { ObjectKind } from "./resolve.js";

export type CapKind = ObjectKind | "component";

/** Memory rights are letters written together (`rw`); the others are words joined by `+` (`up+down`). */
export const RIGHTS: Record<CapKind, readonly string[]> = {
  region: ["r", "w", "x"],
  portal: ["call"],
  semaphore: ["up", "down"],
  thread: ["ctrl"],
  component: ["ctrl"],
};

/**
 * The rights a list of words grants for an object kind, in canonical order,
 * or an error message. For regions every word is a string of letters r, w, x.
 */
export function parseRights(kind: CapKind, words: readonly string[]): { rights: string[] } | { error: string } {
  const allowed = RIGHTS[kind];
  const got = new Set<string>();
  for (const w of words) {
    const parts = kind === "region" ? [...w] : [w];
    for (const p of parts) {
      if (!allowed.includes(p)) {
        const what = kind === "component" ? "a component (its PD)" : `a ${kind}`;
        const how = kind === "region" ? "the letters r, w and x, as in 'rw'" : allowed.map((a) => `'${a}'`).join(", ");
        return { error: `'${w}' is not a right of ${what}; its rights are ${how}` };
      }
      if (got.has(p)) return { error: `right '${p}' is given twice` };
      got.add(p);
    }
  }
  return { rights: allowed.filter((a) => got.has(a)) };
}
