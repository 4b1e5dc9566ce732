// revocable(c.r): once a revoke of a capability to r completes, nothing derived from it remains — no capability, no mapping, no TLB entry.
import type { InvariantModel } from "../../dsl/model.js";
import type { StepInfo, System } from "../../components/step.js";
import { kernelObjects } from "../../components/flow.js";
import { ecName, objectName } from "../../components/names.js";
import { capKind, capObject, capRights, Kind, NO_CAP } from "../../kernel/cap.js";
import { EC, NO_PARENT, type Layout, type StateVector } from "../../kernel/layout.js";
import { hangsUnderRoot } from "../../kernel/mdb.js";
import { capAt, parentOf, slotPd } from "../../kernel/space.js";
import { pte, tlbEntry } from "../../machine/mmu.js";
import type { SafetyMonitor } from "../monitor.js";

/** A revoke that completed on a transition: the revoked global slot, its capability's kind and object, and the revoking EC. */
export interface Completion {
  readonly slot: number;
  readonly kind: number;
  readonly object: number;
  readonly ec: number;
}

/**
 * The revokes that complete on `from --step--> to` (spec/invariants.md §5): the one
 * the step records (`StepInfo.revoked`: a revoke system call that left no continuation —
 * every one without `preemptible revoke`, and one with nothing to remove with it — or the
 * last continuation of a preemptible one), and every preemptible revoke
 * that ends because its slot was removed by another revoke (kernel.md §6.2, forgetSlot):
 * an EC whose REVOKE field was a slot before the step and is -1 after it.
 */
export function completions(L: Layout, from: StateVector, step: StepInfo, to: StateVector): readonly Completion[] {
  // Asked on every transition, and almost always empty: nothing is allocated then.
  let out: Completion[] | null = null;
  const r = step.revoked;
  // Field by field: an object spread here took 6 % of a check of the bench scenario.
  if (r) out = [{ slot: r.slot, kind: r.kind, object: r.object, ec: step.ec }];
  for (let e = 0, at = L.base.ec + EC.REVOKE; e < L.counts.ec; e++, at += L.ecSize) {
    const g = from[at]!;
    if (g < 0 || to[at]! >= 0 || out?.some((c) => c.slot === g)) continue;
    const c = capAt(from, L, g);
    (out ??= []).push({ slot: g, kind: capKind(c), object: capObject(c), ec: e });
  }
  return out ?? NO_COMPLETIONS;
}

const NO_COMPLETIONS: readonly Completion[] = Object.freeze([]);

/**
 * How a capability to the revoked object stands after the revoke of slot `g`:
 * "derived" when `g` is among its ancestors, "orphan" when its chain of parents breaks
 * (an empty slot, or a capability to another object that does not itself hang under
 * root's originals) before reaching an original, otherwise "rooted".
 */
export function standing(s: StateVector, L: Layout, x: number, g: number, root: number): "derived" | "orphan" | "rooted" {
  const c = capAt(s, L, x);
  let p = parentOf(s, L, x);
  for (let steps = 0; steps <= L.counts.slots; steps++) {
    if (p === NO_PARENT) return "rooted";
    if (p === g) return "derived";
    const pc = capAt(s, L, p);
    if (pc === NO_CAP) return "orphan";
    // A capability made by create_* hangs under the capability that authorised it.
    if (capKind(pc) !== capKind(c) || capObject(pc) !== capObject(c)) return hangsUnderRoot(s, L, p, root) ? "rooted" : "orphan";
    p = parentOf(s, L, p);
  }
  return "orphan";
}

const rightsText = (r: number): string => `${r & 1 ? "r" : ""}${r & 2 ? "w" : ""}${r & 4 ? "x" : ""}`;

/**
 * What is left of revoked slot `g` in `s` (the state after the completion), as a reason,
 * or null when nothing is: a capability to the object derived from `g` or orphaned, and,
 * for memory, a page-table or TLB entry with rights beyond those of the capabilities
 * its PD still holds that are neither.
 */
export function leftover(sys: System, s: StateVector, c: Completion): string | null {
  const L = sys.k.L;
  const model = sys.model;
  const root = model.components.findIndex((x) => x.root);
  const pdName = (pd: number): string => model.components[pd]?.name ?? `pd#${pd}`;
  // Named only for a reason: a revoke that leaves nothing (the common case) formats nothing.
  const head = (): string => `after ${ecName(model, L, c.ec)}'s revoke of ${objectName(model, L, c.kind, c.object)} completed`;
  const backed = new Int32Array(L.counts.pd);
  for (let x = 0; x < L.counts.slots; x++) {
    const k = capAt(s, L, x);
    if (k === NO_CAP || capKind(k) !== c.kind || capObject(k) !== c.object) continue;
    const st = x === c.slot ? "rooted" : standing(s, L, x, c.slot, root);
    if (st === "derived") return `${head()}, ${pdName(slotPd(L, x))} still holds a capability to it derived from the revoked one`;
    if (st === "orphan") return `${head()}, ${pdName(slotPd(L, x))} still holds a capability to it whose derivation was cut (no revoke reaches it)`;
    backed[slotPd(L, x)]! |= capRights(k);
  }
  if (c.kind !== Kind.MEM) return null;
  for (let pd = 0; pd < L.counts.pd; pd++) {
    const extra = pte(s, L, pd, c.object) & ~backed[pd]!;
    if (extra) return `${head()}, ${pdName(pd)}'s page table still maps it ${rightsText(extra)} with no capability left to back that`;
    for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
      const stale = tlbEntry(s, L, cpu, pd, c.object) & ~backed[pd]!;
      if (stale) return `${head()}, a TLB entry on cpu${cpu} still gives ${pdName(pd)} ${rightsText(stale)} access to it`;
    }
  }
  return null;
}

/** The monitor of `revocable(c.r)` (spec/invariants.md §5): a transition check at every completed revoke of a capability to r. */
export function revocableMonitor(sys: System, inv: InvariantModel): SafetyMonitor {
  const p = inv.prop;
  if (p.kind !== "revocable") throw new Error(`not a revocable invariant: ${p.kind}`);
  const L = sys.k.L;
  const targets = p.objects.flatMap((o) => {
    const { kind, objects } = kernelObjects(L, o);
    return objects.map((object) => ({ kind, object }));
  });
  const judged = (c: Completion): boolean => targets.some((t) => t.kind === c.kind && t.object === c.object);
  return {
    invariant: inv,
    judges: (from, step, to) => completions(L, from, step, to).some(judged),
    step(from, step, to) {
      for (const c of completions(L, from, step, to)) {
        if (!judged(c)) continue;
        const why = leftover(sys, to, c);
        if (why) return why;
      }
      return null;
    },
  };
}
