// The explorer: state counts worked out by hand, BFS and DFS agreeing, bounds reported as such, and traces that replay.
import { describe, expect, it } from "vitest";
import { boundSuccessors, buildSystem, successors } from "../../src/components/step.js";
import { check, checkParallel } from "../../src/checker/check.js";
import { MAX_SUCCESSORS, StateRecords } from "../../src/checker/records.js";
import { FingerprintTable } from "../../src/checker/visited.js";
import { explore, replay, simulate } from "../../src/checker/explore.js";
import { compile } from "../kernel/harness.js";
import { reach } from "../components/reach.js";

const sys = (text: string) => buildSystem(compile(text));

describe("state counts worked out by hand (no reduction)", () => {
  it("one thread, two ups: 3 states, 2 transitions", () => {
    // S0: t at `up s` (count 0, no EC current) -> S1: t at the second `up` (count 1, t current)
    // -> S2: t DONE (count 2). Each state has exactly one enabled step until S2, which has none.
    const e = explore(sys(`system a { component sigma0 : trusted root { semaphore s; thread t { up s; up s } } }`));
    expect([e.states, e.transitions, e.depth, e.bound]).toEqual([3, 2, 2, null]);
  });

  it("three threads, one up each: 13 states, 15 transitions", () => {
    // A state is the set D of threads that have done their `up` (the count is |D|) and, once D
    // is not empty, which thread ran last (the CPU's current EC, part of the state): 1 state
    // for D = {}, then sum over |D| = 1..3 of C(3,|D|) * |D| = 3 + 6 + 3: 13 states.
    // Transitions: 3 from the initial state, 2 from each of the 3 states with |D| = 1, and 1
    // from each of the 6 states with |D| = 2: 3 + 6 + 6 = 15.
    const e = explore(sys(`system d { component sigma0 : trusted root { semaphore s; thread t1 { up s } thread t2 { up s } thread t3 { up s } } }`));
    expect([e.states, e.transitions, e.depth, e.bound]).toEqual([13, 15, 3, null]);
  });
});

const SCENARIOS = [
  `system c { component sigma0 : trusted root { semaphore s; thread t1 { choose { up s } or { up s; up s } } thread t2 { down s } } }`,
  `system r { component sigma0 : trusted root { portal p; thread server { loop { recv p -> x; reply x } } thread client { call p(1) -> y; call p(y) timeout 3 } } }`,
  `system u {
    component sigma0 : trusted root { memory page 4K [owned]; thread main { delegate page -> alice : rw; revoke page } }
    component alice : untrusted { adversary steps 2 }
  }`,
];

describe("breadth-first and depth-first search", () => {
  it.each(SCENARIOS.map((t, i) => [i, t] as const))("find the same states and transitions as a plain search (scenario %i)", (_, text) => {
    const s = sys(text);
    const naive = reach(s);
    const b = explore(s, { graph: true });
    const d = explore(s, { mode: "dfs", graph: true });
    expect(b.bound).toBeNull();
    expect(d.bound).toBeNull();
    expect(b.states).toBe(naive.states.length);
    expect(d.states).toBe(naive.states.length);
    expect(b.transitions).toBe(naive.edges.length);
    expect(d.transitions).toBe(naive.edges.length);
    expect(b.graph!.count).toBe(b.transitions);
    expect(b.collisionProbability).toBeLessThan(1e-12);
  });

  it("every recorded state replays from the initial state to the same vector", () => {
    const s = sys(SCENARIOS[2]!);
    const seen: Int32Array[] = [];
    const e = explore(s, {}, { state: (v, i) => void (seen[i] = v.slice()) });
    for (let i = 0; i < e.states; i++) {
      const path = e.records.pathTo(i);
      const xs = replay(s, path);
      expect(Array.from(xs.length ? xs[xs.length - 1]!.state : s.init)).toEqual(Array.from(seen[i]!));
    }
  });
});

describe("bounds are reported, never taken for a complete search", () => {
  const big = SCENARIOS[2]!;
  it("a state bound", () => {
    const e = explore(sys(big), { maxStates: 10 });
    expect(e.bound).toBe("states");
    expect(e.states).toBe(10);
  });
  it("a state bound counts no transition it did not take, breadth first and depth first", () => {
    // Before, the step met with the table full was counted: `--max-states 1` said 1 transition.
    for (const mode of ["bfs", "dfs"] as const) {
      const e = explore(sys(big), { mode, maxStates: 1 });
      expect([e.states, e.transitions, e.bound], mode).toEqual([1, 0, "states"]);
    }
  });
  it("a state bound equal to the number of states completes, one less is reported, breadth first and depth first, with and without reductions", () => {
    // Before, the search stopped at the next step once the table held the bound, though every
    // step left led to a known state: `--max-states` equal to the true count reported the bound.
    // Repeat counters are local steps: partial-order reduction takes them alone.
    const local = `system l { component sigma0 : trusted root { semaphore s; thread t1 { repeat 2 { up s } } thread t2 { repeat 2 { up s } } } }`;
    for (const text of [big, SCENARIOS[1]!, local])
      for (const mode of ["bfs", "dfs"] as const)
        for (const por of [false, true]) {
          const s = sys(text);
          const all = explore(s, { mode, por });
          expect(all.bound).toBeNull();
          const exact = explore(s, { mode, por, maxStates: all.states });
          expect([exact.bound, exact.states, exact.transitions], `${mode} por=${por}`).toEqual([null, all.states, all.transitions]);
          expect(explore(s, { mode, por, maxStates: all.states - 1 }).bound, `${mode} por=${por}`).toBe("states");
        }
  });
  it("a depth bound: breadth-first and depth-first report the bound as the depth reached", () => {
    for (const d of [1, 2, 3]) {
      const e = explore(sys(big), { maxDepth: d });
      expect(e.bound).toBe("depth");
      expect(e.depth).toBe(d);
      const f = explore(sys(big), { maxDepth: d, mode: "dfs" });
      expect(f.bound).toBe("depth");
      // Depth first once reported one less: the states found at the bound were not counted.
      expect(f.depth).toBe(d);
    }
  });
  it("a depth bound the search never reaches is no bound", () => {
    expect(explore(sys(SCENARIOS[0]!), { maxDepth: 100 }).bound).toBeNull();
  });
  it("a hook that says every verdict is known stops the search", () => {
    const e = explore(sys(big), {}, { done: () => true });
    expect(e.bound).toBe("stopped");
  });
});

describe("a state whose successors alone pass the memory bound", () => {
  // Two untrusted replicas on two CPUs: the initial state has over 20 successors, each a whole vector.
  const WIDE = `system w {
  machine { cpus 2 }
  component server : trusted root { memory a 4K [x]; portal p; thread t { loop { recv p -> x; reply x } } }
  component c[2] : untrusted { memory r 4K; caps { server.p: call }; adversary steps 1 }
}`;

  it("is not expanded, and the search ends incomplete with the memory bound: breadth first, depth first, simulated", () => {
    const s = sys(WIDE);
    const bytes = 4 * s.init.length;
    const full = explore(s, { maxStates: 50 });
    expect(full.transitions).toBeGreaterThan(20);
    // Room for 10 successors of the initial state's 20 and more: it is not expanded (the visited
    // set alone passes so small a bound too, but that is checked after a state's successors are in).
    for (const mode of ["bfs", "dfs"] as const) {
      const e = explore(s, { mode, maxMemoryBytes: 10 * bytes });
      expect([e.states, e.transitions, e.bound], mode).toEqual([1, 0, "memory"]);
    }
    const walks = simulate(s, { walks: 3, seed: 1, maxDepth: 5, maxMemoryBytes: 10 * bytes });
    expect([walks.memory, walks.steps]).toEqual([true, 0]);
    // With room for them all, the same searches go on.
    expect(explore(s, { maxStates: 50, maxMemoryBytes: 10 * bytes * 100 }).bound).toBe("states");
    expect(simulate(s, { walks: 3, seed: 1, maxDepth: 5 }).memory).toBe(false);
  });

  it("depth first, the stack's successors count too: each frame holds its state's until it is popped", () => {
    const s = sys(WIDE);
    const bytes = 4 * s.init.length;
    // The visited set and the records as a search starts (their first sizes), and room for 60
    // vectors besides: one state's 20-odd successors fit, a stack of three such frames does not.
    const start = new FingerprintTable(1 << 16).bytes + new StateRecords(1 << 16).bytes;
    const e = explore(s, { mode: "dfs", maxStates: 5_000, maxMemoryBytes: start + 60 * bytes });
    expect(e.bound).toBe("memory");
    expect(e.states).toBeLessThan(10);
    // With room for a deeper stack, the same search goes on to its state bound.
    expect(explore(s, { mode: "dfs", maxStates: 100, maxMemoryBytes: start + 6_000 * bytes }).bound).toBe("states");
  });
});

describe("a state with more successors than a state record can number", () => {
  // An adversary on four CPUs that may call any of 24 portals with any of 101 integers (the
  // constants a thread compares with, and 0): 83,501 steps at the initial state, past the 32,768
  // ordinals an exhaustive search records (MAX_SUCCESSORS: the upper half of a record's 16 bits
  // names steps of states expanded with a sleep set).
  const portals = Array.from({ length: 24 }, (_, i) => `p${i}`);
  const ifs = Array.from({ length: 100 }, (_, i) => `if x == ${i + 1} { }`).join(" ");
  const MANY = `system many {
  machine { cpus 4 }
  component sigma0 : trusted root { }
  component srv : trusted {
    ${portals.map((p) => `portal ${p}`).join("; ")}
    memory m 4K
    thread t { read m -> x ${ifs} }
  }
  component adv : untrusted {
    caps { ${portals.map((p) => `srv.${p}: call`).join("; ")} }
    adversary steps 1
  }
  invariant never holds(adv, srv.m)
}`;

  it("is not expanded: the search ends incomplete with the bound \"successors\", not a crash (breadth first, depth first, two workers)", async () => {
    const s = sys(MANY);
    expect(successors(s, s.init).length).toBeGreaterThan(MAX_SUCCESSORS);
    for (const mode of ["bfs", "dfs"] as const) {
      const e = explore(s, { mode });
      expect([e.states, e.transitions, e.bound], mode).toEqual([1, 0, "successors"]);
    }
    const m = compile(MANY);
    const one = check(m);
    expect([one.stats.bound, one.invariants[0]!.verdict]).toEqual(["successors", "incomplete"]);
    // Two workers from the initial state: a worker meets the state and the search says why it stopped.
    const two = await checkParallel(m, { name: "many.nizza", text: MANY }, { workers: 2, probeStates: 0 });
    expect([two.stats.bound, two.invariants[0]!.verdict]).toEqual(["successors", "incomplete"]);
    // A random walk records no ordinal: it chooses among all of them.
    expect(simulate(s, { walks: 2, seed: 1, maxDepth: 2 }).memory).toBe(false);
  }, 60_000);

  it("a bound of the memory is told from a bound of the count", () => {
    const s = sys(MANY);
    boundSuccessors(s, 1000 * 4 * s.init.length, MAX_SUCCESSORS);
    expect([s.maxSuccessors, s.successorBound]).toEqual([1000, "memory"]);
    boundSuccessors(s, 2 ** 32, MAX_SUCCESSORS);
    expect([s.maxSuccessors, s.successorBound]).toEqual([MAX_SUCCESSORS, "successors"]);
  });
});
