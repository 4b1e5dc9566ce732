// Symmetry reduction: which replicas it permutes, that its permutations are automorphisms, and that it changes no verdict.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, checkParallel, type CheckResult } from "../../src/checker/check.js";
import { explore, replay } from "../../src/checker/explore.js";
import { fingerprint, StateFingerprinter } from "../../src/checker/fingerprint.js";
import { safetyMonitor } from "../../src/checker/invariants/index.js";
import { sameState, symmetryOf, type Symmetry } from "../../src/checker/symmetry.js";
import { successors, useDeadValues, type System } from "../../src/components/step.js";
import { capKind, Kind, NO_CAP } from "../../src/kernel/cap.js";
import { PD, SLOT, type StateVector } from "../../src/kernel/layout.js";
import { quietCpus } from "../../src/machine/cpu.js";
import { compile } from "../kernel/harness.js";
import { verdicts, workersAgree } from "./agree.js";
import { clients, pool, systemOf } from "./replicas.js";
import { adversaryScenario, poolScenario, replicatedScenario } from "./small-arb.js";

const key = (s: StateVector): string => {
  const fp = new Uint32Array(2);
  fingerprint(s, fp);
  return `${fp[0]}:${fp[1]}`;
};

/** Every permutation of 0..n-1. */
function permutationsOf(n: number): number[][] {
  const out: number[][] = [];
  const perms = (done: number[], rest: number[]): void => {
    if (rest.length === 0) out.push(done);
    rest.forEach((x) => perms([...done, x], rest.filter((y) => y !== x)));
  };
  perms([], Array.from({ length: n }, (_, i) => i));
  return out;
}

/** Every element of the group: one permutation of each family, in every combination. */
function groupOf(sym: Symmetry): number[][][] {
  return sym.families.reduce<number[][][]>((acc, f) => acc.flatMap((images) => permutationsOf(f.length).map((p) => [...images, p])), [[]]);
}

/**
 * The states a search with symmetry reduction keeps (at most `limit`) and the orbits they lie in:
 * each named by the least key of its images under every element of the group.
 */
function orbitsOf(sys: System, limit: number, mode: "bfs" | "dfs" = "bfs"): { states: number; orbits: number } {
  const sym = symmetryOf(sys).symmetry!;
  const group = groupOf(sym).map((images) => sym.permutation(images));
  const image = new Int32Array(sys.init.length);
  const orbits = new Set<string>();
  const e = explore(sys, { maxStates: limit, por: true, symmetry: sym, mode }, {
    state(s) {
      let least = "";
      for (const p of group) {
        sym.apply(p, s, image);
        const k = key(image);
        if (least === "" || k < least) least = k;
      }
      orbits.add(least);
    },
  });
  return { states: e.states, orbits: orbits.size };
}

/**
 * For every state the plain search reaches (at most `limit`) and every generator g: the
 * successors of g(s) are exactly the images under g of the successors of s.
 */
function commutes(sys: System, sym: Symmetry, limit = 20_000): number {
  const gens = sym.generators();
  let states = 0;
  explore(sys, { maxStates: limit }, {
    state(s) {
      states++;
      for (const g of gens) {
        const gs = new Int32Array(s.length);
        sym.apply(g, s, gs);
        const images = successors(sys, s).map((x) => {
          const o = new Int32Array(s.length);
          sym.apply(g, x.state, o);
          return key(o);
        });
        expect(successors(sys, gs).map((x) => key(x.state)).sort()).toEqual(images.sort());
      }
    },
  });
  return states;
}

/** Replicas declared first, with a portal each, on two CPUs: EC 0 and PT 0 are c[0]'s; the trusted component has no thread. */
const FIRST_REPLICAS = `system first {
  machine { cpus 2 }
  component c[2] : untrusted { memory r 4K; portal p; caps { sigma0.b: r }; adversary steps 1 }
  component sigma0 : trusted root { memory a 4K [x]; memory b 4K [y] }
  invariant never flows([x] -> c)
  invariant never flows([y] -> c)
}`;


describe("which replicas symmetry reduction permutes", () => {
  it("of two families whose replicas of one hold capabilities to every replica's object of the other, both: the held slots move with both", () => {
    // Permuting the workers moves the worker capabilities among each client's slots, and
    // permuting the clients moves those slots to another client (a held slot class). Before
    // 2026-11-24 the whole reduction was off ("permuting replicas changes the initial state").
    const sys = systemOf(pool(3, 2));
    const r = symmetryOf(sys);
    expect(r.symmetry!.describe(sys.model)).toBe("worker (3 replicas), client (2 replicas)");
    expect(r.symmetry!.generators()).toHaveLength(3);
    // The WebAssembly canonicaliser's tables: the held slots (3 workers' portals in each of 2
    // clients), each moving with its client and the worker it names.
    expect(r.symmetry!.diffTables().held.length).toBe(3 * 2 * 5);
    expect(symmetryOf(systemOf(clients(3))).symmetry!.diffTables().held.length).toBe(0);
    // One client is no family: its slots are a slot class of a component in place.
    expect(symmetryOf(systemOf(pool(3, 1))).symmetry!.describe(systemOf(pool(3, 1)).model)).toBe("worker (3 replicas)");
  });

  it("a family whose permutations would change the initial state is left in place, and the others are permuted: the larger group first", () => {
    // The language cannot write such a family today; an initial state is broken by hand: one
    // replica's adversary has taken a step (its PD record).
    const broken = (text: string, comp: string): System => {
      const sys = systemOf(text);
      const c = sys.model.components.find((x) => x.name === comp)!.index;
      sys.init[sys.k.L.base.pd + c * PD.SIZE + PD.ADV] = 1;
      return sys;
    };
    const clientBroken = broken(pool(3, 2), "client[0]");
    expect(symmetryOf(clientBroken).symmetry!.describe(clientBroken.model)).toBe("worker (3 replicas), not client (permuting replicas changes the initial state (client[0]: adv))");
    // A worker broken: the workers stay in place and the two clients are permuted; the workers'
    // portals in the clients' slots are then capabilities to components in place.
    const workerBroken = broken(pool(3, 2), "worker[1]");
    expect(symmetryOf(workerBroken).symmetry!.describe(workerBroken.model)).toBe("client (2 replicas), not worker (permuting replicas changes the initial state (worker[0]: adv))");
    // Both: off, each with its reason.
    const both = broken(pool(3, 2), "worker[1]");
    const c = both.model.components.find((x) => x.name === "client[1]")!.index;
    both.init[both.k.L.base.pd + c * PD.SIZE + PD.ADV] = 1;
    expect(symmetryOf(both).reason).toMatch(/^worker: permuting replicas changes the initial state .*; client: permuting replicas changes the initial state/);
  });

  it("with more than four families, the family each failed check blames is dropped until the rest pass", () => {
    const five = `system five {
  component sigma0 : trusted root { }
  ${["a", "b", "c", "d", "e"].map((n) => `component ${n}[2] : untrusted { memory m 4K; adversary steps 1 }`).join("\n  ")}
}`;
    expect(symmetryOf(systemOf(five)).symmetry!.describe(systemOf(five).model)).toBe("a (2 replicas), b (2 replicas), c (2 replicas), d (2 replicas), e (2 replicas)");
    const sys = systemOf(five);
    const c = sys.model.components.find((x) => x.name === "c[1]")!.index;
    sys.init[sys.k.L.base.pd + c * PD.SIZE + PD.ADV] = 1;
    expect(symmetryOf(sys).symmetry!.describe(sys.model)).toBe("a (2 replicas), b (2 replicas), d (2 replicas), e (2 replicas), not c (permuting replicas changes the initial state (c[0]: adv))");
  });

  it("a replicated component's copies, when nothing tells them apart", () => {
    const sys = systemOf(clients(3));
    const r = symmetryOf(sys);
    expect(r.reason).toBeNull();
    expect(r.symmetry!.describe(sys.model)).toBe("client (3 replicas)");
    expect(r.symmetry!.generators()).toHaveLength(2);
  });

  it("none without replicas, under strict scheduling or preemptible revoke (the kernel orders replicas by index)", () => {
    expect(symmetryOf(systemOf(clients(1).replace("client[1]", "client"))).reason).toBe("no replicated component");
    expect(symmetryOf(systemOf(clients(2, "kernel nova { strict scheduling }"))).reason).toMatch(/strict scheduling/);
    expect(symmetryOf(systemOf(clients(2, "kernel nova { preemptible revoke }"))).reason).toMatch(/preemptible revoke/);
  });

  it("replicas that own the first EC and the first portal (declared before any thread): spare SCs and PTs link to no EC, not to EC 0", () => {
    // Before: the spare SC's and PT's EC word held 0, a replica's EC here, which a permutation
    // moved; symmetry was refused with "permuting replicas changes the initial state".
    const r = symmetryOf(systemOf(FIRST_REPLICAS));
    expect(r.reason).toBeNull();
    expect(r.symmetry!.describe(systemOf(FIRST_REPLICAS).model)).toBe("c (2 replicas)");
  });

  it("a pager keeps replicas with memory in place: a fault's message is the memory object's number, which tells replicas apart", () => {
    // client[0].ram is memory object 0, client[1].ram object 1: whichever client gets past the
    // down faults on its own RAM, and the pager's assert fails for client[1] only.
    const text = `system faults {
  component sigma0 : trusted root { semaphore s; thread go { up s } }
  component pg : trusted { portal pf; thread t { recv pf -> x; assert x == 0 } }
  component client[2] : trusted {
    memory ram 4K
    pager pg
    caps { sigma0.s: down }
    thread m { down sigma0.s; unmap ram; read ram -> y }
  }
}`;
    const r = symmetryOf(systemOf(text));
    expect(r.symmetry).toBeNull();
    expect(r.reason).toMatch(/owns memory whose page faults would tell a pager its number/);
    const m = compile(text);
    for (const symmetry of [true, false]) {
      const c = check(m, { symmetry });
      expect(c.asserts!.verdict, `symmetry ${symmetry}`).toBe("violated");
      expect(c.asserts!.counterexample!.steps).toHaveLength(6);
    }
    // Without a pager the same replicas are permuted.
    expect(symmetryOf(systemOf(text.replace("    pager pg\n", ""))).reason).toBeNull();
  });

  it("a single replica has nothing to permute", () => {
    expect(symmetryOf(systemOf(clients(1))).reason).toMatch(/named on its own/);
  });
});

describe("the permutations are automorphisms", () => {
  it("of two families, one holding the other's portals (held slot classes): on the first 4,000 reachable states, successors commute with every generator", () => {
    for (const text of [pool(2, 2), pool(2, 3), pool(3, 2, "recv job -> x; reply ok; revoke job")]) {
      const sys = systemOf(text);
      expect(commutes(sys, symmetryOf(sys).symmetry!, 4_000)).toBe(4_000);
    }
  });

  it("of untrusted clients with adversaries: on every reachable state, successors commute with every generator", () => {
    const sys = systemOf(clients(2));
    // Every state: the exploration is complete below the limit.
    expect(commutes(sys, symmetryOf(sys).symmetry!, 100_000)).toBeLessThan(100_000);
  });

  it("of 20 random scenarios with replicated threads (labelled memory, sealed values, semaphores, calls)", () => {
    fc.assert(
      fc.property(replicatedScenario, ({ text }) => {
        const sys = systemOf(text);
        const sym = symmetryOf(sys).symmetry!;
        expect(sym).not.toBeNull();
        commutes(sys, sym, 3_000);
      }),
      { numRuns: 20, seed: 20261121 },
    );
  });

  /**
   * Member i's signature in s is member images[i]'s in p(s), for every permutation p: the
   * explorer carries a queued representative's signatures instead of computing them again,
   * which gives the same representatives only if they are exactly invariant.
   */
  const invariant = (sys: System, sym: Symmetry, limit: number): number => {
    let states = 0;
    const perms = sym.families.map((f) => permutations(f.length));
    const img = new Int32Array(sys.init.length);
    explore(sys, { maxStates: limit }, {
      state(s) {
        states++;
        sym.families.forEach((f, fi) => {
          for (const p of perms[fi]!) {
            const images = sym.families.map((g, gi) => (gi === fi ? p : g.map((_, i) => i)));
            sym.apply(sym.permutation(images), s, img);
            for (let i = 0; i < f.length; i++) expect(sym.signature(img, fi, p[i]!)).toBe(sym.signature(s, fi, i));
          }
        });
      },
    });
    return states;
  };

  it("signatures are invariant: of clients with memory, on every reachable state of two and the first 3,000 of three", () => {
    const two = systemOf(clients(2));
    expect(invariant(two, symmetryOf(two).symmetry!, 100_000)).toBeLessThan(100_000);
    const three = systemOf(clients(3));
    expect(invariant(three, symmetryOf(three).symmetry!, 3_000)).toBe(3_000);
  });

  it("signatures are invariant: of 20 random scenarios with replicated threads (sealed values, items, semaphores)", () => {
    fc.assert(
      fc.property(replicatedScenario, ({ text }) => {
        const sys = systemOf(text);
        invariant(sys, symmetryOf(sys).symmetry!, 3_000);
      }),
      { numRuns: 20, seed: 20261122 },
    );
  }, 120_000);

  /** The representatives a search visits, as sorted fingerprints. */
  const representatives = (text: string, mode: "bfs" | "dfs"): string[] => {
    const sys = systemOf(text);
    const out: string[] = [];
    explore(sys, { mode, symmetry: symmetryOf(sys).symmetry! }, { state: (s) => void out.push(key(s)) });
    return out.sort();
  };

  it("a representative is a function of its state: breadth-first search (from the parent, signatures carried in the queue) and depth-first (from the frame below, kept on its stack) visit the same ones", () => {
    for (const ram of [false, true]) {
      const bfs = representatives(clients(2, "", ram), "bfs");
      expect(bfs.length).toBeGreaterThan(6_000);
      expect(representatives(clients(2, "", ram), "dfs")).toEqual(bfs);
    }
    fc.assert(
      fc.property(replicatedScenario, ({ text }) => {
        expect(representatives(text, "dfs")).toEqual(representatives(text, "bfs"));
      }),
      { numRuns: 20, seed: 20261123 },
    );
  }, 60_000);

  it("a representative is in its state's orbit, and its own representative", () => {
    const sys = systemOf(clients(3));
    const sym = symmetryOf(sys).symmetry!;
    let moved = 0;
    explore(sys, { maxStates: 5_000 }, {
      state(s) {
        const c = sys.arena.copy(sym.canonical(s));
        const again = new Int32Array(s.length);
        sym.apply(sym.permutation(sym.lastImages()), s, again);
        expect(sameState(again, c)).toBe(true);
        if (!sameState(c, s)) moved++;
        expect(sameState(sym.canonical(c), c)).toBe(true);
      },
    });
    expect(moved).toBeGreaterThan(100);
  });
});


/**
 * A complete check with symmetry reduction (`on`, the other reductions as they are) against one
 * without any (`off`): the same verdicts and TCB sets, never more states, counterexamples never
 * shorter (the quotient keeps path lengths; partial-order reduction may add local steps,
 * por.test.ts) that replay without the reduction.
 */
function agreesReduced(text: string, on: CheckResult, off: CheckResult): void {
  expect(on.stats.reductions.symmetry).toHaveProperty("used");
  expect([on.stats.bound, off.stats.bound]).toEqual([null, null]);
  expect(verdicts(on)).toEqual(verdicts(off));
  expect(on.tcb).toEqual(off.tcb);
  expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
  on.invariants.forEach((inv, k) => {
    if (inv.counterexample && !inv.text.startsWith("available")) expect(inv.counterexample.steps.length).toBeGreaterThanOrEqual(off.invariants[k]!.counterexample!.steps.length);
  });
  replaysPlain(text, on);
}

/** A counterexample of a check with symmetry replays, without it, to a state where the invariant fails. */
function replaysPlain(text: string, r: CheckResult): void {
  const sys = systemOf(text);
  r.invariants.forEach((inv, k) => {
    const cx = inv.counterexample;
    if (!cx) return;
    const xs = replay(sys, cx.steps.map((s) => s.ordinal));
    const at = (i: number): StateVector => (i === 0 ? sys.init : xs[i - 1]!.state);
    expect(xs.map((x) => x.step.text)).toEqual(cx.steps.map((s) => s.text));
    // The check's states keep the CPUs' words in their normal form (invariants.md §10.3): the
    // run without it closes the loop up to them.
    const normal = (s: StateVector): StateVector => {
      const t = s.slice();
      quietCpus(t, sys.k.L);
      return t;
    };
    if (cx.loopsTo !== null) expect(sameState(normal(at(cx.loopsTo)), normal(at(xs.length)))).toBe(true);
    const m = safetyMonitor(sys, sys.model.invariants[k]!);
    if (m?.state && !m.step) expect(m.state(at(xs.length))).toBe(cx.reason);
  });
}

/** The representative `canonical` is specified to give: members sorted by `signature`, ties by index, then `apply`. */
function referenceCanonical(sym: Symmetry, s: StateVector): StateVector {
  const images = sym.families.map((f, fi) => {
    const sig = f.map((_, i) => sym.signature(s, fi, i));
    const order = f.map((_, i) => i).sort((a, b) => sig[a]! - sig[b]! || a - b);
    const img = new Array<number>(f.length);
    order.forEach((m, j) => (img[m] = j));
    return img;
  });
  const out = new Int32Array(s.length);
  sym.apply(sym.permutation(images), s, out);
  return out;
}

/** Every permutation of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]));
}

/**
 * On every state a search reaches (at most `maxStates`): every permutation compiled
 * (`applyImages`) against the reference `apply`, and `canonical` and `canonicalDiff` (from
 * scratch and from the parent) against the specified representative. Returns the states seen.
 */
function compiledAgreesOnEveryState(text: string, maxStates: number): number {
  const sys = systemOf(text);
  const sym = symmetryOf(sys).symmetry!;
  const group = groupOf(sym);
  const fast = new Int32Array(sys.init.length);
  const slow = new Int32Array(sys.init.length);
  // Fingerprinters are made once: each has a WebAssembly memory of its own.
  const f = new StateFingerprinter(sys.init);
  const g = new StateFingerprinter(sys.init);
  const pd = new StateFingerprinter(sys.init);
  const xf = new StateFingerprinter(sys.init);
  let states = 0;
  explore(sys, { maxStates }, {
    state(s) {
      states++;
      for (const images of group) {
        sym.applyImages(images, s, fast);
        sym.apply(sym.permutation(images), s, slow);
        expect(sameState(fast, slow)).toBe(true);
      }
      const want = referenceCanonical(sym, s);
      expect(sameState(sym.canonical(s), want)).toBe(true);
      f.scan(s);
      f.length = sym.canonicalDiff(s, f.diff, f.length, sys.init);
      expect(sameState(f.state(new Int32Array(s.length)), want)).toBe(true);
      g.scan(want);
      expect([...f.diff.subarray(0, f.length)]).toEqual([...g.diff.subarray(0, g.length)]);
      // From the parent: each successor's signatures resumed from those of `s`.
      const parent = s.slice();
      pd.scan(parent);
      sym.setParent(parent, pd.diff, pd.length);
      for (const x of successors(sys, parent)) {
        xf.scan(x.state);
        xf.length = sym.canonicalDiff(x.state, xf.diff, xf.length, sys.init, true);
        const rep = xf.state(new Int32Array(s.length));
        expect(sameState(rep, referenceCanonical(sym, x.state))).toBe(true);
        // The signatures the explorer queues with the representative are its own.
        expect([...sym.representativeSignatures(new Int32Array(sym.members))]).toEqual([...sym.signaturesOf(rep, new Int32Array(sym.members))]);
      }
    },
  });
  return states;
}

/** Replicas whose own objects end up in words the clients above never fill: each case failed when its word's operation was made a plain copy. */
const REPLICA_ROLES: Record<string, string> = {
  // EC.WAIT: a replica's thread blocked on the replica's own semaphore.
  "replicas that wait on their own semaphore": `system os {
  component sigma0 : trusted root { memory m 4K; thread t { read m -> x } }
  component c[2] : trusted { semaphore s; thread a { down s } thread b { up s } }
}`,
  // EC.SERVER: a caller waiting for a replica's reply.
  "replicas that serve a portal": `system srv {
  component sigma0 : trusted root { memory m 4K; thread t { read m -> x } }
  component client : untrusted { caps { worker.job: call } adversary steps 2 }
  component worker[2] : trusted { portal job; thread serve { recv job -> x; reply ok } }
}`,
  // MEM.VALUE: a value sealed with the replica's own key, in the replica's own memory.
  "replicas that seal into their own memory": `system sm {
  component sigma0 : trusted root { memory m 4K; thread t { read m -> x } }
  component c[2] : trusted { memory own 4K; memory key 4K; thread t { write own <- seal(1, key); read own -> x } }
}`,
};

describe("the canonicaliser's compiled forms agree with the reference ones", () => {
  for (const ram of [false, true]) {
    it(`${ram ? "replicas with memory (the permutations move memory objects)" : "replicas without memory"}: every permutation compiled, canonical and canonicalDiff, on every reachable state`, () => {
      expect(compiledAgreesOnEveryState(clients(3, "", ram), 1_500)).toBe(1_500);
    }, 120_000);
  }
  it("replicas holding a slot class of another family's: the same on the first 1,000 states", () => {
    expect(compiledAgreesOnEveryState(pool(2, 2), 1_000)).toBe(1_000);
  }, 60_000);
  for (const [name, text] of Object.entries(REPLICA_ROLES)) {
    it(`${name}: the same on every reachable state`, () => {
      expect(compiledAgreesOnEveryState(text, 1_500)).toBeGreaterThan(30);
    }, 60_000);
  }
});

describe("symmetry reduction changes no verdict", () => {
  it("200 random scenarios with replicas: the same verdicts and TCB sets with both reductions on and both off, never more states, and counterexamples that replay", () => {
    let plain = 0;
    let reduced = 0;
    fc.assert(
      fc.property(replicatedScenario, ({ text }) => {
        const m = compile(text);
        const off = check(m, { stopEarly: false, symmetry: false, por: false });
        const on = check(m, { stopEarly: false });
        expect(off.stats.reductions).toMatchObject({ symmetry: { off: "switched off" }, por: { off: "switched off" } });
        agreesReduced(text, on, off);
        plain += off.stats.states;
        reduced += on.stats.states;
      }),
      { numRuns: 200, seed: 20261121 },
    );
    // Two or three interchangeable replicas: the reduction is real (about 3x over these).
    expect(plain / reduced).toBeGreaterThan(2);
  }, 120_000);

  it("untrusted clients: revocable holds with it on and off, in about half the states for two clients", () => {
    const m = compile(clients(2, "", false));
    // Symmetry alone: the dead-value reductions off in both.
    const off = check(m, { stopEarly: false, symmetry: false, deadValues: false });
    const on = check(m, { stopEarly: false, deadValues: false });
    expect(verdicts(on)).toEqual([["revocable(server.buf)", "holds"]]);
    expect(verdicts(off)).toEqual(verdicts(on));
    expect(on.tcb).toEqual(off.tcb);
    // 13,563 states without: 27 that swapping the clients leaves as they are, and 6,768 pairs
    // that it exchanges. So 6,795 orbits, and 6,795 states with it: one per orbit.
    expect([off.stats.states, on.stats.states]).toEqual([13_563, 6_795]);
  }, 60_000);

  it("replicas whose adversaries have taken different numbers of steps never tie: one representative per orbit", () => {
    // Three clients without memory, the dead values on (as `check` runs): a client that revokes
    // a capability with nothing derived from it changes only its PD's step count, so the
    // signature must read the PD's record or the three such revokes at the initial state give
    // three representatives of one orbit (2,934 orbits for these 3,000 states without it).
    const sys = systemOf(clients(3, "", false));
    useDeadValues(sys, true);
    expect(orbitsOf(sys, 3_000)).toEqual({ states: 3_000, orbits: 3_000 });
  }, 60_000);

  it("replicas that differ only in which of them an EC outside the family waits on, or carries a capability of, never tie", () => {
    // An adversary outside the family calls either server's portal (with or without one of its
    // capabilities as the item) while the servers wait on their semaphores: its wait and its
    // item name a replica, and the signature reads both (130 representatives of 102 orbits
    // without the wait, 106 without the item).
    const sys = systemOf(`system waits {
  component sigma0 : trusted root { }
  component srv[2] : trusted {
    portal p
    semaphore s
    thread t { down s; recv p -> x; reply ok }
  }
  component cl : untrusted {
    caps { srv.p: call }
    adversary steps 1
  }
}`);
    useDeadValues(sys, true);
    expect(orbitsOf(sys, 10_000)).toEqual({ states: 102, orbits: 102 });
  }, 60_000);

  it("replicas that differ only in whose key seals a value held outside the family never tie", () => {
    // Each replica calls the server with a value sealed with its own key, and the server replies
    // it: which replica's sealed value the server holds tells them apart (59 representatives of
    // 55 orbits when the signature does not read the values outside the family).
    const sys = systemOf(`system sealed {
  component c0 : trusted root {
    portal p
    thread t { recv p -> x; reply x }
  }
  component c[2] : trusted {
    memory key 4K
    caps { c0.p: call }
    thread t { call c0.p(seal(1, key)) timeout 1 }
  }
}`);
    useDeadValues(sys, true);
    expect(orbitsOf(sys, 10_000)).toEqual({ states: 55, orbits: 55 });
  }, 60_000);

  it("random scenarios with replicas: one representative per orbit, dead values on and off", () => {
    // What tells replicas apart is read by their signatures, so no two representatives share an
    // orbit. (Ties are still allowed where no entry reads the difference, spec/invariants.md
    // §10.2: another component's page-table entries on a replica's memory, a device assigned at
    // run time. These generators make neither.)
    for (const [arb, seed] of [[replicatedScenario, 20261124], [adversaryScenario, 20261125]] as const) {
      fc.assert(
        fc.property(arb, ({ text }) => {
          for (const dead of [true, false]) {
            const sys = systemOf(text);
            useDeadValues(sys, dead);
            const { states, orbits } = orbitsOf(sys, 3_000);
            expect(orbits, text).toBe(states);
          }
        }),
        { numRuns: 40, seed },
      );
    }
  }, 120_000);

  describe("two families", () => {
    // Each family's replicas call the server: the server's partner names a replica of one family
    // or the other, so a member's view of the other family's objects must not depend on which of
    // its replicas holds them.
    const TWO = `system twofam {
  component c0 : trusted root { portal p; thread t { recv p -> x; reply x } }
  component c[2] : trusted { caps { c0.p: call } thread t { call c0.p(1) timeout 1 } }
  component d[2] : trusted { caps { c0.p: call } thread t { call c0.p(2) timeout 1 } }
}`;

    it("signatures are invariant under every element of the group, not only each family's permutations", () => {
      const sys = systemOf(TWO);
      const sym = symmetryOf(sys).symmetry!;
      expect(sym.families.map((f) => f.length)).toEqual([2, 2]);
      const group = groupOf(sym);
      const image = new Int32Array(sys.init.length);
      let checked = 0;
      explore(sys, {}, {
        state(s) {
          for (const images of group) {
            sym.apply(sym.permutation(images), s, image);
            // Member i is where member images[f][i] was: its signature in the image is theirs in s.
            sym.families.forEach((f, fi) => f.forEach((_, i) => expect(sym.signature(image, fi, i)).toBe(sym.signature(s, fi, images[fi]![i]!))));
            checked++;
          }
        },
      });
      expect(checked).toBeGreaterThan(2_000);
    }, 60_000);

    it("with a held slot class (clients holding every worker's portal): signatures invariant under every element of the group, on the first 3,000 states", () => {
      for (const text of [pool(2, 2), pool(3, 2)]) {
        const sys = systemOf(text);
        const sym = symmetryOf(sys).symmetry!;
        expect(sym.families).toHaveLength(2);
        const group = groupOf(sym);
        const image = new Int32Array(sys.init.length);
        explore(sys, { maxStates: 3_000 }, {
          state(s) {
            for (const images of group) {
              sym.apply(sym.permutation(images), s, image);
              // Member i's objects become member images[f][i]'s: so does its signature.
              sym.families.forEach((f, fi) => f.forEach((_, i) => expect(sym.signature(image, fi, images[fi]![i]!)).toBe(sym.signature(s, fi, i))));
            }
          },
        });
      }
    }, 60_000);

    it("with a held slot class whose slots differ: signatures invariant under every element of the group", () => {
      // No step of today's language changes a held slot (its capability comes from the root, which
      // runs nothing here): so each of client[0]'s slots with a worker's portal is emptied by hand,
      // and then the signatures must not depend on which of those slots it was.
      const sys = systemOf(pool(3, 2));
      const sym = symmetryOf(sys).symmetry!;
      const L = sys.k.L;
      const c0 = sys.model.components.find((c) => c.name === "client[0]")!.index;
      const image = new Int32Array(sys.init.length);
      let emptied = 0;
      for (let k = 0; k < L.boot.slots[c0]!; k++) {
        const s = sys.init.slice();
        const at = L.base.slots + (L.slotBase[c0]! + k) * SLOT.SIZE;
        if (capKind(s[at]!) !== Kind.PT) continue;
        s[at] = NO_CAP;
        s[at + SLOT.PARENT] = 0;
        emptied++;
        for (const images of groupOf(sym)) {
          sym.apply(sym.permutation(images), s, image);
          sym.families.forEach((f, fi) => f.forEach((_, i) => expect(sym.signature(image, fi, images[fi]![i]!)).toBe(sym.signature(s, fi, i))));
        }
      }
      expect(emptied).toBe(3);
    });

    it("one representative per orbit, breadth first and depth first alike (927 and 911 representatives of 827 orbits before)", () => {
      const sys = systemOf(TWO);
      useDeadValues(sys, true);
      expect(orbitsOf(sys, 10_000)).toEqual({ states: 827, orbits: 827 });
      expect(orbitsOf(sys, 10_000, "dfs")).toEqual({ states: 827, orbits: 827 });
    }, 60_000);

    it("one thread and two workers find the same representatives (the workers' counts varied from run to run)", async () => {
      const text = `system mixed {
  component sigma0 : trusted root { }
  component c0 : trusted {
    memory buf 4K [data]
    portal p
    semaphore s
    thread t { revoke s; recv p -> x; read buf -> x }
  }
  component c[2] : trusted {
    memory own 4K [mine]
    caps { c0.s: up+down; c0.buf: rw }
    thread t { write own <- x; read own -> x }
  }
  component d[2] : untrusted { caps { c0.p: call } adversary steps 1 }
  invariant revocable(c0.buf)
}`;
      const m = compile(text);
      const one = check(m, { stopEarly: false, deadValues: false });
      for (let run = 0; run < 3; run++) {
        const two = await checkParallel(m, { name: "mixed.nizza", text }, { workers: 2, stopEarly: false, deadValues: false, probeStates: 0 });
        expect([two.stats.states, two.stats.transitions]).toEqual([one.stats.states, one.stats.transitions]);
      }
      expect(check(m, { stopEarly: false, deadValues: false, mode: "dfs" }).stats.states).toBe(one.stats.states);
    }, 120_000);
  });

  it("replicas that own the first EC and the first portal: the verdicts, TCB sets and replayable counterexamples of no reduction", () => {
    const m = compile(FIRST_REPLICAS);
    const on = check(m, { stopEarly: false });
    const off = check(m, { stopEarly: false, symmetry: false, por: false, deadValues: false });
    expect(verdicts(on)).toEqual([
      ["never flows([x] -> c)", "holds"],
      ["never flows([y] -> c)", "violated"],
    ]);
    agreesReduced(FIRST_REPLICAS, on, off);
    expect(on.stats.states).toBeLessThan(off.stats.states / 1.8);
  }, 60_000);

  it("a violation found among representatives is reported of the real run, naming the replica it happened to", () => {
    const text = clients(2).replace("invariant revocable(server.buf)", "invariant never holds(client, server.buf)");
    const r = check(compile(text));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    replaysPlain(text, r);
    // The quotient keeps path lengths: as short as without the reduction.
    const off = check(compile(text), { symmetry: false });
    expect(inv.counterexample!.steps.length).toBe(off.invariants[0]!.counterexample!.steps.length);
  });

  it("30 random scenarios with two families, one holding the other's portals: the verdicts, TCB sets and replayable counterexamples of no reduction", () => {
    let compared = 0;
    fc.assert(
      fc.property(poolScenario, ({ text }) => {
        const m = compile(text);
        const off = check(m, { stopEarly: false, symmetry: false, por: false, maxStates: 60_000 });
        if (off.stats.bound !== null) return;
        const on = check(m, { stopEarly: false });
        agreesReduced(text, on, off);
        agreesReduced(text, check(m, { stopEarly: false, mode: "dfs" }), off);
        compared++;
      }),
      { numRuns: 30, seed: 20261124 },
    );
    expect(compared).toBeGreaterThanOrEqual(15);
  }, 120_000);

  it("8 random scenarios with two families, one holding the other's portals: two workers find the states and verdicts of one thread", async () => {
    await workersAgree(poolScenario, 8);
  }, 120_000);

  it("10 random scenarios: two workers find the states and verdicts of one thread", async () => {
    await workersAgree(replicatedScenario, 10);
  }, 120_000);

  it("80 random scenarios with adversary replicas: every reduction on gives the verdicts, TCB sets and replayable counterexamples of none", () => {
    // Spaces above the bound (without reductions) are skipped: too slow for a unit test. The
    // seed gives 43 of 80 under it; a change to the arbitrary that skipped most fails below.
    // Unlike the replicated threads above, adversaries pass capabilities in messages: a
    // permutation that left a message's item unmapped passes the test above and fails this one.
    const bound = 20_000;
    let checked = 0;
    let plain = 0;
    let reduced = 0;
    fc.assert(
      fc.property(adversaryScenario, ({ text }) => {
        const m = compile(text);
        const off = check(m, { stopEarly: false, symmetry: false, por: false, deadValues: false, maxStates: bound });
        if (off.stats.bound !== null) return;
        checked++;
        const on = check(m, { stopEarly: false });
        agreesReduced(text, on, off);
        plain += off.stats.states;
        reduced += on.stats.states;
      }),
      { numRuns: 80, seed: 20261122 },
    );
    expect(checked).toBeGreaterThanOrEqual(30);
    expect(plain / reduced).toBeGreaterThan(1.5);
  }, 120_000);
});
