// The explorer's progress hook and interrupt flag: reports every PROGRESS_EVERY states, and the flag stops every kind of search as incomplete.
import { describe, expect, it } from "vitest";
import { buildSystem } from "../../src/components/step.js";
import { check, checkParallel } from "../../src/checker/check.js";
import { explore, PROGRESS_EVERY, type Exploration, type Progress, type SearchMode } from "../../src/checker/explore.js";
import { Judge } from "../../src/checker/judge.js";
import { exploreParallel } from "../../src/checker/parallel.js";
import { compile } from "../kernel/harness.js";

/** Three threads counting up a semaphore `rounds` times each, and a timed round trip: about 10,000 states for 4 rounds. */
const counting = (rounds: number): string => `system counting {
  component server : trusted root {
    portal rpc
    semaphore s
    thread serve { loop { recv rpc -> x; reply x } }
    thread a { repeat ${rounds} { up s } }
    thread b { repeat ${rounds} { up s } }
    thread c { repeat ${rounds} { up s } }
  }
  component client : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> r } }
  invariant deadlock_free
  path round_trip: client calls server.rpc -> client gets reply
}`;
const SMALL = counting(4);
const model = compile(SMALL);
const flag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
/** Each search of SMALL to the end, with the progress reports it made (the searches take a while: made once). */
const fullRuns = new Map<SearchMode, { e: Exploration; seen: Progress[] }>();
const full = (mode: SearchMode): { e: Exploration; seen: Progress[] } => {
  let r = fullRuns.get(mode);
  if (!r) {
    const seen: Progress[] = [];
    fullRuns.set(mode, (r = { e: explore(buildSystem(model), { mode }, { progress: (p) => seen.push(p) }), seen }));
  }
  return r;
};

describe("the progress hook", () => {
  it.each<SearchMode>(["bfs", "dfs"])("is called at the start and every PROGRESS_EVERY turns of the search after, with the exploration's size (%s)", (mode) => {
    const { e, seen } = full(mode);
    expect(e.bound).toBeNull();
    expect(e.states).toBeGreaterThan(2 * PROGRESS_EVERY);
    // Breadth-first turns once per state it expands (all of them); depth-first once per transition and once per state it backs out of.
    const turns = mode === "bfs" ? e.states : e.transitions + e.states;
    expect(seen.length).toBe(Math.floor((turns - 1) / PROGRESS_EVERY) + 1);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]).toMatchObject({ states: 1, transitions: 0, depth: 0, frontier: 1 });
    for (const [i, p] of seen.entries()) {
      expect(p.bytes).toBeGreaterThan(0);
      expect(p.states).toBeLessThanOrEqual(e.states);
      expect(p.depth).toBeLessThanOrEqual(e.depth);
      if (i > 0) expect(p.states).toBeGreaterThanOrEqual(seen[i - 1]!.states);
    }
  });
});

describe("the interrupt flag", () => {
  it.each<SearchMode>(["bfs", "dfs"])("stops a %s search where it is, as bound 'interrupted'", (mode) => {
    const stop = flag();
    let calls = 0;
    const e = explore(buildSystem(model), { mode, interrupt: stop }, { progress: () => void (++calls === 2 && Atomics.store(stop, 0, 1)) });
    expect(e.bound).toBe("interrupted");
    expect(calls).toBe(2);
    expect(mode === "bfs" ? e.states : e.transitions + e.states).toBeGreaterThanOrEqual(PROGRESS_EVERY);
    expect(e.states).toBeLessThan(full(mode).e.states);
  });

  it("set before the search starts, leaves the initial state alone", () => {
    const stop = flag();
    Atomics.store(stop, 0, 1);
    for (const mode of ["bfs", "dfs"] as const) expect(explore(buildSystem(model), { mode, interrupt: stop })).toMatchObject({ states: 1, bound: "interrupted" });
  });

  it("leaves a check's verdicts incomplete and its path figures those of the states explored", () => {
    const stop = flag();
    const r = check(model, { interrupt: stop, progress: (p, phase) => void (phase === "states" && p.states > 1 && Atomics.store(stop, 0, 1)) });
    expect(r.stats.bound).toBe("interrupted");
    expect(r.invariants.map((i) => i.verdict)).toEqual(["incomplete"]);
    expect(r.tcbPartial).toBe(true);
    // The flag stays set: the timing exploration stops at once.
    expect(r.pathStats).toMatchObject({ bound: "interrupted", states: 1 });
    expect(r.paths[0]!.verdict).toBe("incomplete");
  });

  it("stops a random simulation before its next walk", () => {
    const stop = flag();
    let walks = 0;
    const r = check(model, { interrupt: stop, simulate: { walks: 1000, seed: 1, maxDepth: 20 }, progress: () => void (++walks === 2 && Atomics.store(stop, 0, 1)) });
    expect(r.stats.bound).toBe("interrupted");
    expect(r.invariants[0]!.verdict).toBe("incomplete");
    expect(r.stats.transitions).toBeLessThan(1000 * 20);
  });

  it("stops the parallel explorer between levels", async () => {
    const sys = buildSystem(model);
    const stop = flag();
    const levels: Progress[] = [];
    const e = await exploreParallel(sys, { name: "test.nizza", text: SMALL }, new Judge(sys), 2, { interrupt: stop }, { progress: (p) => void (levels.push(p), p.depth === 5 && Atomics.store(stop, 0, 1)) });
    expect(e.bound).toBe("interrupted");
    expect(e.depth).toBe(5);
    expect(e.states).toBe(levels.at(-1)!.states);
  });

  it("stops the parallel explorer while its workers run (between levels, or a worker in the middle of its slice)", async () => {
    // 4 threads of 40 rounds: millions of states, far more than are explored before the flag is set.
    const text = counting(40).replace("thread c {", "thread d { repeat 40 { up s } }\n    thread c {");
    const sys = buildSystem(compile(text));
    const stop = flag();
    const t0 = performance.now();
    setTimeout(() => Atomics.store(stop, 0, 1), 1500);
    const e = await exploreParallel(sys, { name: "test.nizza", text }, new Judge(sys), 2, { interrupt: stop });
    expect(e.bound).toBe("interrupted");
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 20_000);

  it("after the one-thread probe of checkParallel, keeps what the probe explored", async () => {
    const stop = flag();
    let calls = 0;
    // The probe reports once (at its first state); the second report is the parallel search's first: interrupt it there.
    const r = await checkParallel(model, { name: "test.nizza", text: SMALL }, { workers: 2, probeStates: 2000, interrupt: stop, progress: (_p, phase) => void (phase === "states" && ++calls === 2 && Atomics.store(stop, 0, 1)) });
    expect(r.stats.bound).toBe("interrupted");
    expect(r.stats.states).toBeGreaterThanOrEqual(2000);
    expect(r.invariants[0]!.verdict).toBe("incomplete");
  });
});
