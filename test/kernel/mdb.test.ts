// The derivation tree's revoke: the linked search and its fast paths against the plain definition, word for word.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_CAP } from "../../src/kernel/cap.js";
import type { Layout, StateVector } from "../../src/kernel/layout.js";
import { hasDescendant, isDescendant, parent, removeNode, revokeAll, revokeStep } from "../../src/kernel/mdb.js";
import { capAt, slotsOf } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { syscall } from "../../src/kernel/syscalls.js";
import { Meter } from "../../src/machine/meter.js";
import { bootText } from "./harness.js";

/**
 * Three untrusted components that hold capabilities to each other's PDs and to memory, so that
 * their adversary ECs can build derivation trees of any shape by delegating, and map what they
 * get: revoke then also trims page tables and TLBs as it removes nodes.
 */
const SCENARIO = `system trees {
  machine { cpus 2 }
  component sigma0 : trusted root { }
  component a : untrusted {
    memory ma 4K
    caps { b: ctrl; c: ctrl; b.mb: r+w }
  }
  component b : untrusted {
    memory mb 4K
    caps { a: ctrl; c: ctrl; a.ma: r+w }
  }
  component c : untrusted {
    caps { a: ctrl; b: ctrl; a.ma: r }
  }
}`;

/**
 * The plain definition (spec/kernel.md, revoke): the lowest slot that descends from `root` and
 * has no live child, found by rescanning every slot for every candidate — what mdb.ts did
 * before its search kept the links.
 */
function plainLeaf(s: StateVector, L: Layout, root: number): number {
  const hasChild = (g: number): boolean => {
    for (let i = 0; i < L.counts.slots; i++) if (capAt(s, L, i) !== NO_CAP && parent(s, L, i) === g) return true;
    return false;
  };
  for (let i = 0; i < L.counts.slots; i++) if (isDescendant(s, L, i, root) && !hasChild(i)) return i;
  return -1;
}

function plainRevokeAll(s: StateVector, L: Layout, g: number, cpu: number, meter: Meter): void {
  for (let leaf = plainLeaf(s, L, g); leaf >= 0; leaf = plainLeaf(s, L, g)) removeNode(s, L, leaf, cpu, meter);
}

/** One step of an adversary: delegate a capability it holds to a PD it holds, or map memory it holds. */
interface Action {
  readonly who: number;
  readonly map: boolean;
  readonly src: number;
  readonly to: number;
  readonly rights: number;
}
const action: fc.Arbitrary<Action> = fc.record({ who: fc.integer({ min: 0, max: 2 }), map: fc.boolean(), src: fc.nat(30), to: fc.nat(30), rights: fc.integer({ min: 1, max: 15 }) });

describe("revoke", () => {
  const r = bootText(SCENARIO);
  const { L, k } = r;
  const names = ["a", "b", "c"];
  const ecs = names.map((c) => r.adv(c, 0));

  /** The boot state after `steps`, with the number of delegations the kernel accepted. */
  const build = (steps: readonly Action[]): { s: StateVector; accepted: number } => {
    const s = r.s.slice();
    let accepted = 0;
    for (const d of steps) {
      const ec = ecs[d.who]!;
      const n = slotsOf(L, r.pd(names[d.who]!));
      const st = d.map
        ? syscall(k, s, ec, { op: "map", mem: d.src % L.counts.mem, pd: d.to % n, rights: d.rights & 7 })
        : syscall(k, s, ec, { op: "delegate", src: d.src % n, pd: d.to % n, rights: d.rights });
      if (st === Status.SUCCESS && !d.map) accepted++;
    }
    return { s, accepted };
  };

  it("removes what the plain definition removes, in its order: the same words and the same primitive counts", () => {
    let deep = 0;
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), fc.nat(), fc.integer({ min: 0, max: 1 }), (steps, pick, cpu) => {
        const { s } = build(steps);
        // Revoke at a slot that has descendants when there is one (else at any slot).
        const withKids = Array.from({ length: L.counts.slots }, (_, g) => g).filter((g) => hasDescendant(s, L, g));
        const g = withKids.length ? withKids[pick % withKids.length]! : pick % L.counts.slots;
        if (withKids.some((x) => Array.from({ length: L.counts.slots }, (_, i) => i).some((i) => isDescendant(s, L, i, x) && hasDescendant(s, L, i)))) deep++;
        const fast = s.slice();
        const plain = s.slice();
        const m1 = new Meter();
        const m2 = new Meter();
        revokeAll(fast, L, g, cpu, m1);
        plainRevokeAll(plain, L, g, cpu, m2);
        expect(Array.from(fast)).toEqual(Array.from(plain));
        expect(Array.from(m1.raw)).toEqual(Array.from(m2.raw));
      }),
      { numRuns: 400 },
    );
    // The property must have met trees with grandchildren (the general search), not only the fast paths.
    expect(deep).toBeGreaterThan(20);
  });

  it("a preemptible revoke removes one node per step in the plain definition's order", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), fc.nat(), (steps, pick) => {
        const { s } = build(steps);
        const withKids = Array.from({ length: L.counts.slots }, (_, g) => g).filter((g) => hasDescendant(s, L, g));
        if (withKids.length === 0) return;
        const g = withKids[pick % withKids.length]!;
        const fast = s.slice();
        const plain = s.slice();
        const meter = new Meter();
        for (let step = 0; step <= L.counts.slots; step++) {
          const finished = revokeStep(fast, L, g, 0, meter);
          const leaf = plainLeaf(plain, L, g);
          if (leaf >= 0) removeNode(plain, L, leaf, 0, meter);
          expect(finished).toBe(leaf < 0);
          expect(Array.from(fast)).toEqual(Array.from(plain));
          if (finished) return;
        }
        throw new Error("a revoke did not finish within one step per slot");
      }),
      { numRuns: 200 },
    );
  });
});
