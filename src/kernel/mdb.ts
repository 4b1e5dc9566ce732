// The derivation tree (NOVA's mapping database, seL4's CDT): one generic delegate and revoke for every kind of object.
import { capKind, capObject, capRights, cap, Kind, NO_CAP, type Cap } from "./cap.js";
import { ecGet, ecSet, ecState } from "./ec.js";
import { EC, EcState, NO_PARENT, SLOT, type Layout, type StateVector } from "./layout.js";
import { P, type Meter } from "../machine/meter.js";
import { invalidate, pte, setPte } from "../machine/mmu.js";
import { SNAPSHOT_MARK, capAt, childrenOf, clearSlot, globalSlot, parentOf, parentOfAny, setSlot, slotPd, slotsOf } from "./space.js";
import { Status } from "./status.js";

const MARK = SNAPSHOT_MARK;

function parentWord(s: StateVector, L: Layout, g: number): number {
  return s[L.base.slots + g * SLOT.SIZE + SLOT.PARENT]!;
}
function setMark(s: StateVector, L: Layout, g: number, on: boolean): void {
  const i = L.base.slots + g * SLOT.SIZE + SLOT.PARENT;
  s[i] = on ? s[i]! | MARK : s[i]! & ~MARK;
}
function marked(s: StateVector, L: Layout, g: number): boolean {
  return (parentWord(s, L, g) & MARK) !== 0 && parentWord(s, L, g) !== NO_PARENT;
}
/** The parent of a slot (the snapshot mark is stripped by space.ts). */
export const parent = parentOf;

/** Whether slot `g` is a (strict) descendant of slot `anc`. Bounded: a broken tree cannot loop it. */
export function isDescendant(s: StateVector, L: Layout, g: number, anc: number): boolean {
  if (capAt(s, L, g) === NO_CAP) return false;
  let p = parent(s, L, g);
  for (let steps = 0; p !== NO_PARENT && steps < L.counts.slots; steps++) {
    if (p === anc) return true;
    p = parent(s, L, p);
  }
  return false;
}

/**
 * Inserts a child of slot `src` into `dstPd`'s space with `rights` (already checked
 * to be within the source's, or deliberately not, under `delegate_rights_escalation`).
 * A PD that already holds the same capability derived from the same source keeps it
 * (no duplicate node). Returns the child's selector, or -1 if the space is full.
 */
export function insertChild(s: StateVector, L: Layout, src: number, dstPd: number, rights: number): number {
  const at = placeForChild(s, L, src, dstPd, rights);
  if (at >= 0) setSlot(s, L, globalSlot(L, dstPd, at), childCap(s, L, src, rights), src);
  return at;
}

function childCap(s: StateVector, L: Layout, src: number, rights: number): Cap {
  const c = capAt(s, L, src);
  return cap(capKind(c), capObject(c), rights);
}

/**
 * Where `insertChild` would put this child in `dstPd`: the selector of the same child
 * of the same source if the PD holds it already, else the lowest free selector; -1 when
 * the space is full. Decode uses it to refuse a delegation that would not fit.
 */
export function placeForChild(s: StateVector, L: Layout, src: number, dstPd: number, rights: number): number {
  const child = childCap(s, L, src, rights);
  const n = slotsOf(L, dstPd);
  let free = -1;
  for (let i = 0; i < n; i++) {
    const g = globalSlot(L, dstPd, i);
    const here = capAt(s, L, g);
    if (here === child && parent(s, L, g) === src) return i;
    if (here === NO_CAP && free < 0) free = i;
  }
  return free;
}

/**
 * Removes one capability node and what it implied: a memory capability's page-table
 * entry (and its TLB entries on every CPU) goes unless another capability of the same
 * PD still grants those rights. What names the slot is forgotten (forgetSlot).
 */
export function removeNode(s: StateVector, L: Layout, g: number, localCpu: number, meter: Meter): void {
  const c = capAt(s, L, g);
  clearSlot(s, L, g);
  forgetSlot(s, L, g);
  meter.add(P.revokeNode);
  if (capKind(c) === Kind.MEM) refreshMapping(s, L, slotPd(L, g), capObject(c), localCpu, meter);
}

/**
 * What names a removed capability by its slot goes with it, since the slot may be
 * refilled with another capability: the item a blocked caller sends (ipc.ts packs it
 * as ((slot + 1) << 4) | rights) is dropped rather than sent from the newcomer, and a
 * preemptible revoke of the slot is complete (its descendants went first) rather than
 * going on to revoke the newcomer's children.
 */
function forgetSlot(s: StateVector, L: Layout, g: number): void {
  for (let e = 0; e < L.counts.ec; e++) {
    const item = ecGet(s, L, e, EC.MSG_CAP);
    if (ecState(s, L, e) === EcState.CALL && item !== 0 && (item >>> 4) - 1 === g) ecSet(s, L, e, EC.MSG_CAP, 0);
    if (ecGet(s, L, e, EC.REVOKE) === g) {
      ecSet(s, L, e, EC.REVOKE, -1);
      ecSet(s, L, e, EC.STATUS, Status.SUCCESS);
    }
  }
}

/** Trims a PD's page-table entry for `mem` to the rights its remaining memory capabilities grant. */
export function refreshMapping(s: StateVector, L: Layout, pd: number, mem: number, localCpu: number, meter: Meter): void {
  let granted = 0;
  const n = slotsOf(L, pd);
  for (let i = 0; i < n; i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (capKind(c) === Kind.MEM && capObject(c) === mem) granted |= capRights(c);
  }
  const old = pte(s, L, pd, mem);
  const now = old & granted;
  if (now !== old) {
    setPte(s, L, pd, mem, now);
    invalidate(s, L, pd, mem, localCpu, meter);
  }
}

/**
 * The derivation links of every slot, read once from the state: whether it holds a capability,
 * its parent (the snapshot mark stripped, as `parent` gives it) and how many live children it
 * has. Revoke searches them for leaves instead of rescanning the slots for every candidate.
 */
interface Links {
  readonly live: number[];
  readonly parent: number[];
  readonly children: number[];
}

function linksOf(s: StateVector, L: Layout): Links {
  // Plain arrays: a typed array this size would get a buffer of its own, outside the JS heap
  // (an allocation several times dearer than the whole search).
  const n = L.counts.slots;
  const live: number[] = new Array<number>(n).fill(0);
  const up: number[] = new Array<number>(n).fill(0);
  const children: number[] = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    live[i] = capAt(s, L, i) === NO_CAP ? 0 : 1;
    up[i] = parent(s, L, i);
  }
  for (let i = 0; i < n; i++) {
    const p = up[i]!;
    if (live[i] === 1 && p !== NO_PARENT && p >= 0 && p < n) children[p]!++;
  }
  return { live, parent: up, children };
}

/** `isDescendant` on the links: the same walk, bounded the same way. */
function descends(l: Links, g: number, anc: number): boolean {
  if (l.live[g] === 0) return false;
  const n = l.live.length;
  let p = l.parent[g]!;
  for (let steps = 0; p !== NO_PARENT && steps < n; steps++) {
    if (p === anc) return true;
    p = l.parent[p]!;
  }
  return false;
}

/**
 * One descendant of `root` with no children of its own (removing leaves first keeps the tree
 * connected): the lowest such slot, which fixes the order in which revoke removes them.
 */
function leafIn(l: Links, root: number): number {
  for (let i = 0; i < l.live.length; i++) if (l.children[i] === 0 && descends(l, i, root)) return i;
  return -1;
}

/** The links after `removeNode(g)`, which empties the slot (parent word 0: clearSlot). */
function dropLink(l: Links, g: number): void {
  const p = l.parent[g]!;
  if (p !== NO_PARENT) l.children[p]!--;
  l.live[g] = 0;
  l.parent[g] = 0;
}

function leafDescendant(s: StateVector, L: Layout, root: number): number {
  return leafIn(linksOf(s, L), root);
}

/**
 * Revoke, whole: removes every descendant of slot `g` (not `g` itself), leaves
 * first. With `revoke_nonrecursive`, only the direct children go and their
 * descendants stay behind, orphaned.
 */
export function revokeAll(s: StateVector, L: Layout, g: number, localCpu: number, meter: Meter): void {
  if (L.faults.has("revoke_nonrecursive")) {
    // FAULT revoke_nonrecursive: direct children only.
    // (removeNode empties only the child's own slot: the children found first are every one.)
    for (const child of childrenOf(s, L, g)) removeNode(s, L, child, localCpu, meter);
    return;
  }
  // The common cases take one or two scans of the slots, not a walk of every slot's ancestry:
  // no child (an adversary revoking what it holds), or children that have none of their own
  // (a server taking back what it lent). Those children are then every descendant and every
  // one a leaf, so the lowest-leaf-first order below is their slot order.
  const kids = childrenOf(s, L, g);
  if (kids.length === 0) return;
  if (!parentOfAny(s, L, kids)) {
    for (const kid of kids) removeNode(s, L, kid, localCpu, meter);
    return;
  }
  // removeNode changes no slot but the one it empties: the links are kept up to date, not reread.
  const l = linksOf(s, L);
  for (let leaf = leafIn(l, g); leaf >= 0; leaf = leafIn(l, g)) {
    removeNode(s, L, leaf, localCpu, meter);
    dropLink(l, leaf);
  }
}

/**
 * Sets `into[g]` to 1 for every slot `g` that has a descendant (`hasDescendant`) and to 0 for the
 * others, in one pass over the slot table: for a caller that asks of many slots.
 */
export function markParents(s: StateVector, L: Layout, into: Uint8Array): void {
  into.fill(0, 0, L.counts.slots);
  const base = L.base.slots;
  for (let i = 0, n = L.counts.slots; i < n; i++) {
    const at = base + i * SLOT.SIZE;
    if (s[at + SLOT.CAP] === NO_CAP) continue;
    const p = s[at + SLOT.PARENT]!;
    if (p !== NO_PARENT) into[p & ~SNAPSHOT_MARK] = 1;
  }
}

/** Whether slot `g` has a descendant: a live slot whose parent is `g` (its children are its first descendants). */
export function hasDescendant(s: StateVector, L: Layout, g: number): boolean {
  return childrenOf(s, L, g).length > 0;
}

/**
 * Starts a preemptible revoke of slot `g` (seL4's cteRevoke pattern): the work is
 * then done by `revokeStep`, one node per step, with a preemption point between
 * steps at which other CPUs run. Under `revoke_race` the revoke works from a
 * snapshot of the descendants taken here, and misses what is delegated later.
 */
export function revokeBegin(s: StateVector, L: Layout, g: number): void {
  if (!L.faults.has("revoke_race")) return;
  // FAULT revoke_race: snapshot the descendants now.
  for (let i = 0; i < L.counts.slots; i++) if (isDescendant(s, L, i, g)) setMark(s, L, i, true);
}

/**
 * One atomic step of a preemptible revoke of `g`. Returns true when the revoke is
 * complete (nothing left to remove), false at a preemption point.
 */
export function revokeStep(s: StateVector, L: Layout, g: number, localCpu: number, meter: Meter): boolean {
  if (L.faults.has("revoke_nonrecursive")) {
    // FAULT revoke_nonrecursive: one direct child per step, grandchildren stay.
    const first = childrenOf(s, L, g)[0];
    if (first === undefined) return true;
    removeNode(s, L, first, localCpu, meter);
    return false;
  }
  if (L.faults.has("revoke_race")) {
    // FAULT revoke_race: remove a snapshot node, children before parents; unmarked nodes are never looked for.
    let victim = -1;
    for (let i = 0; i < L.counts.slots && victim < 0; i++) {
      if (!marked(s, L, i) || capAt(s, L, i) === NO_CAP) continue;
      let markedChild = false;
      for (let j = 0; j < L.counts.slots && !markedChild; j++) markedChild = marked(s, L, j) && capAt(s, L, j) !== NO_CAP && parent(s, L, j) === i;
      if (!markedChild) victim = i;
    }
    if (victim < 0) return true;
    removeNode(s, L, victim, localCpu, meter);
    return false;
  }
  const leaf = leafDescendant(s, L, g);
  if (leaf < 0) return true;
  removeNode(s, L, leaf, localCpu, meter);
  return false;
}

/** Every capability hangs under an original of root: the chain of parents ends at a root slot. */
export function hangsUnderRoot(s: StateVector, L: Layout, g: number, rootPd: number): boolean {
  let p = g;
  for (let steps = 0; steps <= L.counts.slots; steps++) {
    if (capAt(s, L, p) === NO_CAP) return false;
    const up = parent(s, L, p);
    if (up === NO_PARENT) return slotPd(L, p) === rootPd;
    p = up;
  }
  return false;
}
