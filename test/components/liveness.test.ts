// The dead-value reductions: live variables of compiled threads, quiet interrupts, and that neither changes a verdict.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, type CheckResult } from "../../src/checker/check.js";
import { explore, replay } from "../../src/checker/explore.js";
import { deadVariableTables, liveSlots } from "../../src/components/liveness.js";
import { buildSystem, successors, useDeadValues, useMmioValues } from "../../src/components/step.js";
import { compileAll } from "../../src/components/program.js";
import { ecState, msgWord } from "../../src/kernel/ec.js";
import { EcState } from "../../src/kernel/layout.js";
import { compile } from "../kernel/harness.js";
import { smallScenario } from "../checker/small-arb.js";

const verdicts = (r: CheckResult) => r.invariants.map((i) => [i.text, i.verdict]);

/**
 * Every counterexample found with the reductions is a run of the system without them: its
 * ordinals replay on a fresh system (no value cleared, every interrupt raised) with the same
 * texts, so every value a step printed is the value the real run has there.
 */
function replaysPlain(m: ReturnType<typeof compile>, r: CheckResult): void {
  const sys = buildSystem(m);
  // With the values the check's last exploration gave MMIO windows (language.md §9.5).
  useMmioValues(sys, r.stats.mmio?.values ?? [0]);
  for (const i of r.invariants) {
    const cx = i.counterexample;
    if (cx) expect(replay(sys, cx.steps.map((x) => x.ordinal)).map((x) => x.step.text)).toEqual(cx.steps.map((x) => x.text));
  }
}

/** The live variable names at each pc of the first thread of `text`. */
function liveNames(text: string): string[][] {
  const m = compile(text);
  const p = compileAll(m)[0]!;
  const vars = m.threads[0]!.vars;
  return liveSlots(p).map((row) => [...row].flatMap((x, v) => (x && v < vars.length ? [vars[v]!] : [])));
}

const one = (body: string, extra = ""): string => `system s {
  component a : trusted root {
    memory m 4K
    portal p
    semaphore s
    thread t { ${body} }
  }
  ${extra}
}
`;

describe("live variables", () => {
  it("a read value is live until its last use; a received one also before its recv, which may fail and keep it", () => {
    // pc 0: read -> x; 1: write m <- x; 2: read m -> y; 3: reply y; 4: end.
    expect(liveNames(one("read m -> x; write m <- x; read m -> y; reply y"))).toEqual([[], ["x"], [], ["y"], []]);
    // A recv refused (BAD_PAR while the thread holds a reply capability) leaves x as it was.
    expect(liveNames(one("recv p -> x; write m <- x; read m -> y; reply y"))).toEqual([["x"], ["x"], [], ["y"], []]);
  });

  it("in a loop, a value read at the top is dead at the bottom when the next round writes it first", () => {
    // pc 0: read -> x; 1: reply x; then back to 0.
    expect(liveNames(one("loop { read m -> x; reply x }"))).toEqual([[], ["x"], []]);
    // With recv, x stays live around the loop: a refused recv would reply the old x.
    expect(liveNames(one("loop { recv p -> x; reply x }"))).toEqual([["x"], ["x"], []]);
    // x is read after the loop's first statement in the next round: live around the back edge.
    expect(liveNames(one("read m -> x; loop { reply x; up s }"))).toEqual([[], ["x"], ["x"], []]);
  });

  it("a branch keeps alive what either arm reads; a condition reads its variables", () => {
    // 0: read -> x; 1: read -> y; 2: if x == 1; 3: write m <- y; 4: up s; 5: end.
    expect(liveNames(one("read m -> x; read m -> y; if x == 1 { write m <- y } else { up s }"))).toEqual([[], ["x"], ["x", "y"], ["y"], [], []]);
  });

  it("a repeat counter is live from its start through the body", () => {
    const m = compile(one("repeat 2 { up s }"));
    const p = compileAll(m)[0]!;
    const counter = m.threads[0]!.vars.length;
    // 0: count; 1: repeat test; 2: up s; 3: end.
    expect(liveSlots(p).map((row) => row[counter])).toEqual([0, 1, 1, 0]);
  });

  it("are not cleared for untrusted components, never-flows sinks and components a knows asks about", () => {
    const text = `system s {
  component a : trusted root { memory m 4K [l]; thread t { read m -> x } }
  component b : trusted { caps { a.m: r } thread t { read a.m -> x } }
  component c : trusted { caps { a.m: r } thread t { read a.m -> x } }
  component d : trusted { caps { a.m: r } thread t { read a.m -> x; assert not knows(a, l) } }
  component e : untrusted { caps { a.m: r } thread t { read a.m -> x } }
  invariant never flows([l] -> b)
}
`;
    const m = compile(text);
    const tables = deadVariableTables(m, compileAll(m));
    expect(tables.map((t) => t !== null)).toEqual([false, false, true, true, false]);
  });
});

describe("dead variables", () => {
  it("are kept by a fresh system, whose steps are the language's; check clears them", () => {
    expect(buildSystem(compile(one("read m -> x"))).deadVariables).toBe(false);
  });

  it("a trusted thread's value is cleared once dead, and the states that differed only in it are one", () => {
    const text = one("choose { write m <- 1 } or { write m <- 2 }; read m -> x; up s; loop { }");
    const sys = buildSystem(compile(text));
    sys.deadVariables = true;
    const reached = (dead: boolean): number => check(compile(text), { deadValues: dead, stopEarly: false }).stats.states;
    // With x dead after `read m -> x` (nothing reads it), the two branches still differ in m: the
    // saving is in a value the thread alone held.
    expect(reached(true)).toBeLessThanOrEqual(reached(false));
    let s = sys.init;
    s = successors(sys, s)[0]!.state; // choose branch 1
    s = successors(sys, s)[0]!.state; // write m <- 1
    const after = successors(sys, s)[0]!; // read m -> x: x is dead at once
    expect(after.step.text).toMatch(/read m -> x/);
    sys.deadVariables = false;
    const kept = successors(sys, s)[0]!;
    expect(kept.state.some((w, i) => w !== after.state[i])).toBe(true);
  });

  it("a value held across a call stays", () => {
    const text = `system s {
  component a : trusted root { memory m 4K; portal p; thread t { loop { recv p -> x; reply x } } }
  component b : trusted { caps { a.p: call } thread t { call a.p(7) -> y; assert y == 7 } }
}
`;
    const r = check(compile(text), { stopEarly: false });
    expect(r.asserts?.verdict ?? "holds").toBe("holds");
  });
});

/**
 * A random walk of the reduced system (values cleared, quiet interrupts not raised, CPU words in
 * normal form) is a run of the plain one: replayed there, every step says the same, values sent
 * and written included.
 */
function walksPlain(m: ReturnType<typeof compile>, seed: number): void {
  const reduced = buildSystem(m);
  useDeadValues(reduced, true);
  let s = reduced.init;
  const path: number[] = [];
  const texts: string[] = [];
  for (let i = 0; i < 40; i++) {
    const xs = successors(reduced, s);
    if (xs.length === 0) break;
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const k = seed % xs.length;
    path.push(k);
    texts.push(xs[k]!.step.text);
    s = xs[k]!.state;
  }
  expect(replay(buildSystem(m), path).map((x) => x.step.text)).toEqual(texts);
}

/** `m` checked with the dead-value reductions on and off: the same verdicts and TCB sets, no more states, runs that replay. */
function sameOnAndOff(m: ReturnType<typeof compile>, seed: number): { on: CheckResult; off: CheckResult } {
  walksPlain(m, seed);
  const on = check(m, { stopEarly: false });
  const off = check(m, { stopEarly: false, deadValues: false });
  expect(verdicts(on)).toEqual(verdicts(off));
  expect(on.tcb).toEqual(off.tcb);
  expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
  replaysPlain(m, on);
  return { on, off };
}

/** A device whose interrupt a bounded adversary may take, or a trusted driver waits for, or nobody. */
const irqScenario = fc
  .record({
    holder: fc.constantFrom("adversary", "driver", "nobody"),
    steps: fc.constantFrom(0, 1),
    invariant: fc.constantFrom("invariant deadlock_free", "invariant never flows([pkt] -> u)", "invariant never holds(u, d.buf)", "invariant available(d.p)"),
    serve: fc.boolean(),
  })
  .map(({ holder, steps, invariant, serve }) => {
    const driver = holder === "driver" ? "device nic\n    thread irq { loop { down nic.irq; read nic.mmio -> v; write buf <- v } }" : "";
    const adversary = holder === "adversary" ? "device nic\n    " : "";
    return {
      text: `system q {
  machine { device nic { irq 5; mmio 4K; produces [pkt] } }
  component d : trusted root {
    memory buf 4K
    portal p
    ${driver}
    ${serve ? "thread t { loop { recv p -> x; reply ok } }" : "thread t { recv p -> x; reply x }"}
  }
  component u : untrusted {
    ${adversary}caps { d.p: call }
    adversary steps ${steps}
  }
  ${invariant}
}
`,
    };
  });

describe("dead messages", () => {
  // The server replies 1 or 2; the client's call binds nothing. Both runs end with both threads
  // done, in states that differ only in the message each UTCB kept (1 or 2): one state with the
  // reduction, two without — unless an invariant asks what c knows.
  const text = (extra = ""): string => `system m {
  component s : trusted root { memory k 4K [secret]; portal p; thread srv { recv p -> x; choose { reply 1 } or { reply 2 } } }
  component c : trusted { caps { s.p: call } thread t { call s.p(0) } }
  ${extra}
}
`;
  const ends = (dead: boolean, extra = ""): number[][] => {
    const sys = buildSystem(compile(text(extra)));
    useDeadValues(sys, dead);
    const L = sys.k.L;
    const out: number[][] = [];
    explore(sys, { por: false }, {
      state: (st) => {
        if ([0, 1].every((e) => ecState(st, L, e) === EcState.DONE)) out.push([0, 1].map((e) => msgWord(st, L, e, 0)));
      },
    });
    return out.sort();
  };
  it("a trusted thread's message is cleared once nothing will read it: the runs that differed only in it end in one state", () => {
    expect(ends(false)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(ends(true)).toEqual([[0, 0]]);
  });
  it("is kept for a component whose knowledge an invariant asks about, and while a wait's completion will read it", () => {
    expect(ends(true, "invariant never knows(c, secret)")).toEqual([
      [0, 1],
      [0, 2],
    ]);
    const r = check(compile(text().replace("thread t { call s.p(0) }", "thread t { call s.p(0) -> y; assert y == 1 or y == 2 }")), { stopEarly: false });
    expect(r.asserts?.verdict ?? "holds").toBe("holds");
  });
});

describe("the dead-value reductions change no verdict", () => {
  it("200 random small scenarios: the same verdicts and TCB sets with them on and off, never more states, traces and random walks that replay", () => {
    fc.assert(
      fc.property(smallScenario, fc.integer({ min: 1, max: 2 ** 30 }), ({ text }, seed) => void sameOnAndOff(compile(text), seed)),
      { numRuns: 200, seed: 20261121 },
    );
  });

  it("interrupts: 40 random scenarios with a device, a bounded adversary or a driver, the same verdicts and TCB sets", () => {
    let pruned = 0;
    fc.assert(
      fc.property(irqScenario, fc.integer({ min: 1, max: 2 ** 30 }), ({ text }, seed) => {
        const { on, off } = sameOnAndOff(compile(text), seed);
        if (on.stats.states < off.stats.states) pruned++;
      }),
      { numRuns: 40, seed: 20261121 },
    );
    // The property is not vacuous: the reduction removed states in some of them.
    expect(pruned).toBeGreaterThan(5);
  });
});
