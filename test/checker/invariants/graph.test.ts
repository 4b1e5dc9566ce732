// Searches on the explored graph: which states cannot reach a target and the lasso from one, following a replica through the permutations symmetry reduction applied.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, type CheckResult } from "../../../src/checker/check.js";
import { explore, replay, type Graph } from "../../../src/checker/explore.js";
import { serverWaits } from "../../../src/checker/invariants/available.js";
import { cannotReach, forward, lasso, levels, pathTo, reversed, type Orbit } from "../../../src/checker/invariants/graph.js";
import { sameState, symmetryOf } from "../../../src/checker/symmetry.js";
import { ecName } from "../../../src/components/names.js";
import { ecGet } from "../../../src/kernel/ec.js";
import { EC, EcState, type StateVector } from "../../../src/kernel/layout.js";
import { compile } from "../../kernel/harness.js";
import { verdicts, workersAgree } from "../agree.js";
import { systemOf } from "../replicas.js";
import { followedScenario, smallScenario } from "../small-arb.js";

/** A graph of `edges` (from, to) with, per edge, the member images of one family of two. */
function graphOf(edges: readonly (readonly [number, number, number, number])[]): Graph {
  return {
    from: Int32Array.from(edges, (e) => e[0]),
    to: Int32Array.from(edges, (e) => e[1]),
    ordinal: Uint16Array.from(edges, (_, i) => i),
    count: edges.length,
    images: Uint8Array.from(edges.flatMap((e) => [e[2], e[3]])),
    stride: 2,
  };
}

describe("following a member along the graph", () => {
  // State 0 -> 1 swaps the members, 1 -> 1 keeps them. Member 0's target holds in state 1 only;
  // member 1's nowhere. Followed: member 0 at state 0 becomes member 1 at state 1, which never
  // reaches its target; member 1 at state 0 becomes member 0 at state 1, where its target holds.
  const g = graphOf([
    [0, 1, 1, 0],
    [1, 1, 0, 1],
  ]);
  const targets = [Uint8Array.of(0, 1), Uint8Array.of(0, 0)];
  const moved: Orbit = { items: [0, 1], family: 0, base: 0 };
  const fixed: Orbit = { items: [0, 1], family: -1, base: -1 };

  it("follows the member through each edge's images", () => {
    expect(cannotReach(g, reversed(g, 2), moved, targets).map((m) => [...m])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
  it("follows images, not their inverse: a cycle of three members", () => {
    // State 0 -> 1 takes member 0 to 1, 1 to 2 and 2 to 0; only member 1's target holds, in state 1.
    const cycle: Graph = { from: Int32Array.of(0), to: Int32Array.of(1), ordinal: Uint16Array.of(0), count: 1, images: Uint8Array.of(1, 2, 0), stride: 3 };
    const three: Orbit = { items: [0, 1, 2], family: 0, base: 0 };
    const stuck = cannotReach(cycle, reversed(cycle, 2), three, [Uint8Array.of(0, 0), Uint8Array.of(0, 1), Uint8Array.of(0, 0)]);
    expect(stuck.map((m) => m[0])).toEqual([0, 1, 1]);
    // The lasso walks on to a member only where that member is stuck: from member 0 of state 0
    // to member 1 of state 1 (stuck there, with no step), not to member 2.
    expect(lasso(cycle, forward(cycle, 2), three, [Uint8Array.of(1, 0), Uint8Array.of(0, 1), Uint8Array.of(0, 0)], 0, 0)).toEqual({ edges: [0], path: [0, 1], loopsTo: -1 });
  });
  it("keeps each member where it is when the orbit does not move", () => {
    expect(cannotReach(g, reversed(g, 2), fixed, targets).map((m) => [...m])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });
  it("closes a lasso only where the same state comes back with the same member", () => {
    // Swapping at every step: member 0 at state 0, member 1 at state 0, then member 0 again.
    const swap = graphOf([[0, 0, 1, 0]]);
    const stuck = [Uint8Array.of(1), Uint8Array.of(1)];
    expect(lasso(swap, forward(swap, 1), moved, stuck, 0, 0)).toEqual({ edges: [0, 0], path: [0, 0, 0], loopsTo: 0 });
    expect(lasso(swap, forward(swap, 1), fixed, stuck, 0, 0)).toEqual({ edges: [0], path: [0, 0], loopsTo: 0 });
  });
});

/** A random graph of up to 8 states, edges numbered by ordinal per source, with per edge the images of a family of two (identity or swap). */
const randomGraph = fc
  .integer({ min: 1, max: 8 })
  .chain((states) =>
    fc.record({
      states: fc.constant(states),
      edges: fc.array(fc.tuple(fc.nat(states - 1), fc.nat(states - 1), fc.boolean()), { maxLength: 3 * states }),
      order: fc.array(fc.nat(), { minLength: 3 * states, maxLength: 3 * states }),
    }),
  )
  .map(({ states, edges, order }) => {
    const seen = new Map<number, number>();
    const rows = edges.map(([a, b, swap]) => {
      const k = seen.get(a) ?? 0;
      seen.set(a, k + 1);
      return { from: a, to: b, ordinal: k, images: swap ? [1, 0] : [0, 1] };
    });
    return { states, rows, order };
  });

type Row = { from: number; to: number; ordinal: number; images: number[] };
const asGraph = (rows: readonly Row[]): Graph => ({
  from: Int32Array.from(rows, (r) => r.from),
  to: Int32Array.from(rows, (r) => r.to),
  ordinal: Uint16Array.from(rows, (r) => r.ordinal),
  count: rows.length,
  images: Uint8Array.from(rows.flatMap((r) => r.images)),
  stride: 2,
});
/** `rows` in another order, by sorting on `keys` (an edge keeps its ordinal). */
const shuffled = (rows: readonly Row[], keys: readonly number[]): Row[] => rows.map((r, i) => ({ r, k: keys[i] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.r);

/** The counterexamples of the invariants judged on the explored graph (available, deadlock_free): steps, knot, stuck point, reason. */
const onGraph = (r: CheckResult) =>
  r.invariants.filter((i) => /^(available|deadlock_free)/.test(i.text)).map((i) => i.counterexample && [i.counterexample.steps.map((st) => st.text), i.counterexample.loopsTo, i.counterexample.stuckFrom, i.counterexample.reason]);

/** The shortest lasso's length from pair (from, member), by brute force: the nearest pair with no step, or any pair's distance plus its shortest cycle. */
function shortestLasso(rows: readonly Row[], images: boolean, from: number, member: number): number {
  const next = (v: number, i: number): [number, number][] => rows.filter((r) => r.from === v).map((r) => [r.to, images ? r.images[i]! : i]);
  const key = (v: number, i: number): string => `${v}:${i}`;
  const bfs = (v0: number, i0: number, start: boolean): Map<string, number> => {
    const d = new Map<string, number>();
    const queue: [number, number][] = [];
    if (start) (d.set(key(v0, i0), 0), queue.push([v0, i0]));
    else for (const [w, j] of next(v0, i0)) if (!d.has(key(w, j))) (d.set(key(w, j), 1), queue.push([w, j]));
    for (let h = 0; h < queue.length; h++) {
      const [v, i] = queue[h]!;
      for (const [w, j] of next(v, i)) if (!d.has(key(w, j))) (d.set(key(w, j), d.get(key(v, i))! + 1), queue.push([w, j]));
    }
    return d;
  };
  let best = Infinity;
  for (const [k, d] of bfs(from, member, true)) {
    const [v, i] = k.split(":").map(Number) as [number, number];
    if (next(v, i).length === 0) best = Math.min(best, d);
    const cycle = bfs(v, i, false).get(k);
    if (cycle !== undefined) best = Math.min(best, d + cycle);
  }
  return best;
}

describe("the breadth-first order and the lasso on the explored graph", () => {
  it("levels numbers the states as a breadth-first exploration on one thread does, and pathTo gives its recorded paths", () => {
    let states = 0;
    for (const { text } of fc.sample(smallScenario, { numRuns: 12, seed: 20261124 })) {
      const sys = systemOf(text);
      for (const por of [false, true]) {
        const ex = explore(sys, { por, graph: true, maxStates: 20_000 });
        const g = ex.graph!;
        const lv = levels(g, forward(g, ex.states));
        for (let v = 0; v < ex.states; v++) {
          expect(lv.rank[v]).toBe(v);
          expect(pathTo(g, lv, v)).toEqual(ex.records.pathTo(v));
        }
        states += ex.states;
      }
    }
    expect(states).toBeGreaterThan(1000);
  });

  it("levels, pathTo and lasso give the same whatever order the edges were recorded in (property)", () => {
    fc.assert(
      fc.property(randomGraph, ({ states, rows, order }) => {
        const a = asGraph(rows);
        const b = asGraph(shuffled(rows, order));
        const la = levels(a, forward(a, states));
        const lb = levels(b, forward(b, states));
        expect([...lb.rank]).toEqual([...la.rank]);
        for (let v = 0; v < states; v++) if (la.rank[v]! >= 0) expect(pathTo(b, lb, v)).toEqual(pathTo(a, la, v));
        const moved: Orbit = { items: [0, 1], family: 0, base: 0 };
        const stuck = [new Uint8Array(states).fill(1), new Uint8Array(states).fill(1)];
        const ordinals = (g: Graph) => {
          const l = lasso(g, forward(g, states), moved, stuck, 0, 0);
          return { ordinals: l.edges.map((e) => g.ordinal[e]), path: l.path, loopsTo: l.loopsTo };
        };
        expect(ordinals(b)).toEqual(ordinals(a));
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });

  it("lasso is a shortest one, ends where it says, and follows the member (property, against brute force)", () => {
    fc.assert(
      fc.property(randomGraph, fc.boolean(), ({ states, rows }, follow) => {
        const g = asGraph(rows);
        const orbit: Orbit = follow ? { items: [0, 1], family: 0, base: 0 } : { items: [0, 1], family: -1, base: -1 };
        const stuck = [new Uint8Array(states).fill(1), new Uint8Array(states).fill(1)];
        const l = lasso(g, forward(g, states), orbit, stuck, 0, 0);
        expect(l.edges.length).toBe(shortestLasso(rows, follow, 0, 0));
        // The walk: each edge leaves the state the path is in, with the member followed.
        let i = 0;
        const members = [0];
        l.edges.forEach((e, k) => {
          expect(g.from[e]).toBe(l.path[k]);
          expect(g.to[e]).toBe(l.path[k + 1]);
          i = follow ? g.images![e * 2 + i]! : i;
          members.push(i);
        });
        const last = l.path[l.path.length - 1]!;
        if (l.loopsTo < 0) expect(rows.some((r) => r.from === last)).toBe(false);
        else expect([l.path[l.loopsTo], members[l.loopsTo]]).toEqual([last, members[members.length - 1]]);
      }),
      { numRuns: 400, seed: 20261124 },
    );
  });

  it("depth first, the counterexamples judged on the graph are the breadth-first search's, dead states' too (random scenarios, no reduction)", () => {
    let compared = 0;
    fc.assert(
      fc.property(smallScenario, ({ text }) => {
        if (!/available|deadlock_free/.test(text)) return;
        const m = compile(text);
        const bfs = check(m, { por: false, symmetry: false, maxStates: 20_000 });
        if (bfs.stats.bound) return;
        const found = onGraph(bfs);
        expect(onGraph(check(m, { por: false, symmetry: false, mode: "dfs", maxStates: 20_000 }))).toEqual(found);
        if (found.some((c) => c !== null)) compared++;
      }),
      { numRuns: 150, seed: 20261124 },
    );
    expect(compared).toBeGreaterThan(20);
  }, 120_000);

  it("takes the nearest dead end or cycle, not the first edge's way", () => {
    // 0 -> 1 -> 2 -> 3 (no step) by the first successors; 0 -> 4 (no step) by the second.
    const dead = graphOf([[0, 1, 0, 1], [1, 2, 0, 1], [2, 3, 0, 1], [0, 4, 0, 1]]);
    const fixed: Orbit = { items: [0, 1], family: -1, base: -1 };
    const all = (n: number) => [new Uint8Array(n).fill(1), new Uint8Array(n).fill(1)];
    expect(lasso(dead, forward(dead, 5), fixed, all(5), 0, 0)).toEqual({ edges: [3], path: [0, 4], loopsTo: -1 });
    // 0 -> 1 <-> 2 (a cycle of two, 3 steps in all) first; 0 -> 3 -> 3 (a cycle of one, 2 steps) second.
    const loops = graphOf([[0, 1, 0, 1], [1, 2, 0, 1], [2, 1, 0, 1], [0, 3, 0, 1], [3, 3, 0, 1]]);
    expect(lasso(loops, forward(loops, 4), fixed, all(4), 0, 0)).toEqual({ edges: [3, 4], path: [0, 3, 3], loopsTo: 1 });
  });
});

describe("the explored graph keeps each edge's member images when an invariant follows replicas", () => {
  it.each(["bfs", "dfs"] as const)("the images take each edge's successor to its representative (%s)", (mode) => {
    const text = `system f {
  component c0 : trusted root { memory buf 4K; portal p; thread t { loop { recv p -> x; reply x } } }
  component c[3] : trusted { memory own 4K; portal q; caps { c0.p: call } thread t { call c0.p(1) -> x; recv q -> x } }
  component a : untrusted { caps { c.q: call }; adversary steps 1 }
  invariant available(c.q)
}`;
    const sys = systemOf(text);
    const sym = symmetryOf(sys).symmetry!;
    expect(sym.follows).toBe(true);
    const reps: StateVector[] = [];
    const raw: StateVector[] = [];
    const ex = explore(sys, { mode, symmetry: sym, graph: true }, { state: (s, i) => void (reps[i] = s.slice()), edge: (_s, _f, x) => void raw.push(x.state.slice()) });
    const g = ex.graph!;
    expect(g.count).toBe(raw.length);
    let moved = 0;
    const out = new Int32Array(sys.init.length);
    for (let e = 0; e < g.count; e++) {
      const images = [[...g.images!.subarray(e * g.stride, e * g.stride + 3)]];
      sym.apply(sym.permutation(images), raw[e]!, out);
      expect(sameState(out, reps[g.to[e]!]!)).toBe(true);
      if (images[0]!.some((j, i) => j !== i)) moved++;
    }
    expect(moved).toBeGreaterThan(10);
  });
});

/**
 * What a counterexample found on the graph claims, checked on the real run without any
 * reduction: from the state where it says the trouble starts (the end of the prefix), no
 * reachable state has the named portal's server waiting, or every reachable state has each
 * named EC blocked. The names are the real run's replicas, not the representatives'.
 */
function claimHolds(text: string, r: CheckResult): number {
  let checked = 0;
  const model = compile(text);
  r.invariants.forEach((inv) => {
    const cx = inv.counterexample;
    if (!cx || !/^from here on/.test(cx.reason)) return;
    const sys = systemOf(text);
    const ordinals = cx.steps.map((s) => s.ordinal).slice(0, cx.stuckFrom ?? cx.steps.length);
    const xs = replay(sys, ordinals);
    const from = ordinals.length === 0 ? sys.init : xs[xs.length - 1]!.state.slice();
    const inner = systemOf(text);
    (inner as { init: StateVector }).init = from;
    const L = inner.k.L;
    let test: (s: StateVector) => boolean;
    if (inv.text.startsWith("available")) {
      const name = /^from here on (\S+)'s server/.exec(cx.reason)![1];
      const p = model.portals.findIndex((x) => `${model.components[x.owner]!.name}.${x.name}` === name);
      expect(p).toBeGreaterThanOrEqual(0);
      test = (s) => !serverWaits(inner, p, s);
    } else {
      const ecs = [...cx.reason.matchAll(/(\S+) \((call|reply|sm)\)/g)].map((m) => Array.from({ length: L.counts.ec }, (_, e) => e).find((e) => ecName(model, L, e) === m[1])!);
      expect(ecs.length).toBeGreaterThan(0);
      test = (s) => ecs.every((e) => { const st = ecGet(s, L, e, EC.STATE); return st === EcState.CALL || st === EcState.REPLY || st === EcState.SM; });
    }
    let bad = 0;
    const ex = explore(inner, { maxStates: 200_000 }, { state: (s) => void (test(s) || bad++) });
    expect(ex.bound).toBeNull();
    expect(bad).toBe(0);
    checked++;
  });
  return checked;
}

describe("available and deadlock_free on replicas under symmetry reduction", () => {
  it("give the verdicts and prefixes the search without it gives, naming a replica whose trouble the real run shows (breadth and depth first)", () => {
    let claims = 0;
    let compared = 0;
    fc.assert(
      fc.property(followedScenario, ({ text }) => {
        const m = compile(text);
        const off = check(m, { por: false, symmetry: false, maxStates: 60_000 });
        // Too large to compare in a unit test.
        if (off.stats.bound) return;
        const on = check(m, { por: false, maxStates: 60_000 });
        expect(on.stats.reductions.symmetry).toHaveProperty("used");
        expect(on.stats.bound).toBeNull();
        expect(verdicts(on)).toEqual(verdicts(off));
        // The quotient keeps path lengths: the first state from which a replica is doomed is as deep.
        const prefix = (r: CheckResult) => r.invariants.map((i) => i.counterexample?.stuckFrom ?? i.counterexample?.steps.length ?? null);
        expect(prefix(on)).toEqual(prefix(off));
        claims += claimHolds(text, on);
        // Depth first: other counterexamples, the same verdicts, and replicas named as truly.
        const dfs = check(m, { por: false, mode: "dfs", maxStates: 60_000 });
        expect(verdicts(dfs)).toEqual(verdicts(off));
        claims += claimHolds(text, dfs);
        // On the same graph (no reduction), the counterexamples judged on it are the
        // breadth-first search's, step for step: picked and printed in one thread's order.
        expect(onGraph(check(m, { por: false, symmetry: false, mode: "dfs", maxStates: 60_000 }))).toEqual(onGraph(off));
        // And with every reduction on, as `check` runs by default (partial-order reduction may lengthen a trace).
        expect(verdicts(check(m, { maxStates: 60_000 }))).toEqual(verdicts(off));
        compared++;
      }),
      { numRuns: 60, seed: 20261124 },
    );
    expect(compared).toBeGreaterThan(30);
    expect(claims).toBeGreaterThan(10);
  }, 300_000);

  it("one thread and two workers agree", async () => {
    await workersAgree(followedScenario.filter(({ text }) => check(compile(text), { symmetry: false, maxStates: 20_000 }).stats.bound === null), 12);
  }, 300_000);
});
