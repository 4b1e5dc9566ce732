// Capability spaces: each PD's numbered selectors, each holding a capability and its derivation-tree parent.
import { NO_CAP, type Cap } from "./cap.js";
import { NO_PARENT, SLOT, type Layout, type StateVector } from "./layout.js";

/** A selector is a slot number inside one PD's space; a global slot numbers all slots of all PDs. */
export function globalSlot(L: Layout, pd: number, sel: number): number {
  return L.slotBase[pd]! + sel;
}
export function slotsOf(L: Layout, pd: number): number {
  return L.boot.slots[pd]!;
}
/** The PD whose space holds a global slot. */
export function slotPd(L: Layout, g: number): number {
  let lo = 0;
  let hi = L.slotBase.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (L.slotBase[mid]! <= g) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function capAt(s: StateVector, L: Layout, g: number): Cap {
  return s[L.base.slots + g * SLOT.SIZE + SLOT.CAP]!;
}
/**
 * The parent word carries one flag beside the parent's slot: the mark a `revoke_race`
 * revoke sets on its snapshot (mdb.ts). Readers of the tree see the parent only.
 */
export const SNAPSHOT_MARK = 1 << 30;

/** The parent of a slot (-1 for an original of root). */
export function parentOf(s: StateVector, L: Layout, g: number): number {
  const p = s[L.base.slots + g * SLOT.SIZE + SLOT.PARENT]!;
  return p === NO_PARENT ? NO_PARENT : p & ~SNAPSHOT_MARK;
}
/**
 * The live slots whose parent is `g`, in slot order: one pass over the slot table, reading it
 * directly (revoke asks this for every node it takes back).
 */
export function childrenOf(s: StateVector, L: Layout, g: number): number[] {
  const out: number[] = [];
  const base = L.base.slots;
  for (let i = 0, n = L.counts.slots; i < n; i++) {
    const at = base + i * SLOT.SIZE;
    if (s[at + SLOT.CAP] === NO_CAP) continue;
    const p = s[at + SLOT.PARENT]!;
    if (p !== NO_PARENT && (p & ~SNAPSHOT_MARK) === g) out.push(i);
  }
  return out;
}

/** Whether some live slot's parent is one of `gs`. */
export function parentOfAny(s: StateVector, L: Layout, gs: readonly number[]): boolean {
  const base = L.base.slots;
  // One slot (a capability lent once) is the common case: compared directly, not by `includes`.
  const only = gs.length === 1 ? gs[0]! : -2;
  for (let i = 0, n = L.counts.slots; i < n; i++) {
    const at = base + i * SLOT.SIZE;
    if (s[at + SLOT.CAP] === NO_CAP) continue;
    const p = s[at + SLOT.PARENT]!;
    if (p === NO_PARENT) continue;
    const up = p & ~SNAPSHOT_MARK;
    if (only >= 0 ? up === only : gs.includes(up)) return true;
  }
  return false;
}

export function setSlot(s: StateVector, L: Layout, g: number, c: Cap, parent: number): void {
  s[L.base.slots + g * SLOT.SIZE + SLOT.CAP] = c;
  s[L.base.slots + g * SLOT.SIZE + SLOT.PARENT] = parent;
}
export function clearSlot(s: StateVector, L: Layout, g: number): void {
  setSlot(s, L, g, NO_CAP, 0);
}

/** The capability behind a selector of `pd`, or NO_CAP for an empty or out-of-range selector. */
export function lookupCap(s: StateVector, L: Layout, pd: number, sel: number): Cap {
  if (!Number.isInteger(sel) || sel < 0 || sel >= slotsOf(L, pd)) return NO_CAP;
  return capAt(s, L, globalSlot(L, pd, sel));
}

/** The lowest free selector of `pd`, or -1 when its space is full. */
export function freeSelector(s: StateVector, L: Layout, pd: number): number {
  const n = slotsOf(L, pd);
  for (let i = 0; i < n; i++) if (capAt(s, L, globalSlot(L, pd, i)) === NO_CAP) return i;
  return -1;
}

/** The first selector of `pd` holding a capability of `kind` to `object` with at least `rights`, or -1. */
export function findObject(s: StateVector, L: Layout, pd: number, kind: number, object: number, rights = 0): number {
  const n = slotsOf(L, pd);
  for (let i = 0; i < n; i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if ((c & 7) === kind && c >>> 8 === object && (((c >>> 3) & 15) & rights) === rights) return i;
  }
  return -1;
}

/** The selector of `pd` that holds exactly `c`, or -1. */
export function findCap(s: StateVector, L: Layout, pd: number, c: Cap): number {
  const n = slotsOf(L, pd);
  for (let i = 0; i < n; i++) if (capAt(s, L, globalSlot(L, pd, i)) === c) return i;
  return -1;
}
