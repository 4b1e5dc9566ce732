// Partial-order reduction: which steps it explores alone, and that it changes no verdict.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, checkParallel } from "../../src/checker/check.js";
import { replay } from "../../src/checker/explore.js";
import { explore } from "../../src/checker/explore.js";
import { buildSystem, localCondition, localStep, successors, useMmioValues, type Successor, type System } from "../../src/components/step.js";
import { ecGet, ecState } from "../../src/kernel/ec.js";
import { EC, EcState, type StateVector } from "../../src/kernel/layout.js";
import { schedulable } from "../../src/kernel/scheduler.js";
import { compile } from "../kernel/harness.js";
import { verdicts, workersAgree } from "./agree.js";
import { smallScenario } from "./small-arb.js";


const oneThread = (body: string, extra = ""): string => `system s {
  ${extra}
  component a : trusted root {
    memory m 4K
    semaphore s
    thread t { ${body} }
  }
  component b : trusted { caps { a.s: up } thread u { up a.s; up a.s } }
  invariant deadlock_free
}
`;

describe("the local step", () => {
  it("is an if on the thread's variables or a repeat counter, and the only step explored from its state", () => {
    for (const body of ["read m -> x; if x == 0 { up s } else { down s }", "repeat 2 { up s }"]) {
      const sys = buildSystem(compile(oneThread(body)));
      let s = sys.init;
      // Run a's first statement when it is a read, so that the if is next.
      if (body.startsWith("read")) s = successors(sys, s).find((x) => x.step.text.startsWith("a.t"))!.state;
      const x = localStep(sys, s);
      expect(x).not.toBeNull();
      expect(x!.step.ec).toBe(0);
      // It is one of the state's successors, and it does not dispatch: the CPU's current EC stays.
      expect(successors(sys, s).some((y) => y.state.every((w, i) => w === x!.state[i]))).toBe(true);
      expect(x!.step.text).toMatch(/^a\.t: (if|repeat)/);
    }
  });

  it("is none for a choice, a condition on capabilities, a system call, or under strict scheduling", () => {
    for (const body of ["choose { up s } or { down s }", "if holds(b, a.m) { up s }", "up s"]) {
      const sys = buildSystem(compile(oneThread(body)));
      expect(localStep(sys, sys.init)).toBeNull();
    }
    const strict = buildSystem(compile(oneThread("repeat 2 { up s }", "kernel nova { strict scheduling }")));
    expect(localStep(strict, strict.init)).toBeNull();
  });

  it("a step that would end its thread is not local (the thread's state word changes)", () => {
    const sys = buildSystem(compile(oneThread("if 1 == 1 { }")));
    expect(localStep(sys, sys.init)).toBeNull();
  });
});

/**
 * `localStep` by its definition (spec/invariants.md §10.1), written the plain way: the ECs in
 * the order `successors` lists them (the scheduler's list per CPU), the first thread whose next
 * statement is a `count`, a `repeat` or a branch on its own variables, with one successor that
 * leaves it runnable.
 */
function localStepByDefinition(sys: System, s: StateVector): Successor | null {
  const L = sys.k.L;
  if (L.config.scheduling === "strict") return null;
  for (let cpu = 0; cpu < L.counts.cpu; cpu++)
    for (const ec of schedulable(s, sys.k, cpu)) {
      if (ec >= sys.programs.length || ecGet(s, L, ec, EC.REVOKE) >= 0) continue;
      const i = sys.programs[ec]!.code[ecGet(s, L, ec, EC.PC)];
      if (!i || !(i.op === "count" || i.op === "repeat" || (i.op === "branch" && localCondition(i.cond)))) continue;
      const own = successors(sys, s).filter((x) => x.step.ec === ec && x.step.kind === "thread");
      if (own.length === 1 && ecState(own[0]!.state, L, ec) === EcState.RUNNABLE) return own[0]!;
    }
  return null;
}

describe("localStep against its definition", () => {
  it("picks the same step, or none, in every reachable state of random scenarios with loops and branches", () => {
    // Loops and local branches in several threads, so that states have zero, one or more threads at a local statement.
    let found = 0;
    let none = 0;
    const body = fc.constantFrom("repeat 2 { up s }", "read m -> x; if x == 0 { up s } else { down s }", "read m -> x; if x != 1 { down s }", "loop { down s; read m -> x; if x == 0 { up s } }", "up s; down s");
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 3 }), (bodies) => {
        const threads = bodies.map((b, i) => `thread t${i} { ${b} }`).join("\n    ");
        const sys = buildSystem(compile(`system s {
  component a : trusted root {
    memory m 4K
    semaphore s
    ${threads}
  }
  component b : trusted { caps { a.s: up; a.m: rw } thread u { up a.s; write a.m <- 1 } }
}
`));
        explore(sys, { maxStates: 2_000, por: false }, {
          state: (s) => {
            const copy = Int32Array.from(s);
            const got = localStep(sys, copy);
            const want = localStepByDefinition(sys, copy);
            expect(got === null).toBe(want === null);
            if (!want) none++;
            if (got && want) {
              found++;
              expect([got.step.ec, got.step.text]).toEqual([want.step.ec, want.step.text]);
              expect(Array.from(got.state)).toEqual(Array.from(want.state));
            }
          },
        });
      }),
      { numRuns: 60, seed: 20261123 },
    );
    // Both answers were met, many times each.
    expect(found).toBeGreaterThan(100);
    expect(none).toBeGreaterThan(100);
  });
});

describe("the cycle proviso", () => {
  // Once a has signalled, its thread idles in a loop of local steps for ever, and b can go on.
  // Were every state whose local step leads back to a known state still reduced to that step,
  // a's loop would be all the search ever took from there (the ignoring problem): b's failing
  // assert would never be reached, and the check would say "holds" (spec/invariants.md §10.1).
  const IDLER = `system ignoring {
  component a : trusted root {
    memory m 4K
    semaphore s
    thread t { read m -> x; up s; loop { if x == 1 { } else { } } }
  }
  component b : trusted {
    caps { a.s: down }
    thread u { down a.s; assert holds(a, a.m) and not holds(a, a.m) }
  }
}
`;
  const failsIn = (r: Awaited<ReturnType<typeof checkParallel>>): [string, number | null] => [r.asserts!.verdict, r.asserts!.counterexample?.steps.length ?? null];

  it("a thread idling in a loop of local steps hides no other thread's steps: breadth-first, depth-first and with two workers", async () => {
    const m = compile(IDLER);
    // a reads and signals, b takes the semaphore and fails its assert: four steps.
    expect(failsIn(check(m))).toEqual(["violated", 4]);
    expect(failsIn(check(m, { mode: "dfs" }))[0]).toBe("violated");
    expect(failsIn(await checkParallel(m, { name: "test.nizza", text: IDLER }, { workers: 2, probeStates: 0 }))).toEqual(["violated", 4]);
    expect(check(m).stats.reductions.por).toHaveProperty("used");
  }, 60_000);
});

describe("partial-order reduction changes no verdict", () => {
  it("200 random small scenarios: the same verdicts and TCB sets with it on and off, never more states, counterexamples that replay", () => {
    let plain = 0;
    let reduced = 0;
    fc.assert(
      fc.property(smallScenario, ({ text }) => {
        const m = compile(text);
        const off = check(m, { stopEarly: false, por: false });
        const on = check(m, { stopEarly: false });
        expect(on.stats.reductions.por).toHaveProperty("used");
        expect([on.stats.bound, off.stats.bound]).toEqual([null, null]);
        expect(verdicts(on)).toEqual(verdicts(off));
        expect(on.tcb).toEqual(off.tcb);
        expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
        // The counterexamples are runs of the system the check explored last (language.md §9.5).
        const sys = buildSystem(m);
        useMmioValues(sys, on.stats.mmio?.values ?? [0]);
        on.invariants.forEach((inv, k) => {
          const cx = inv.counterexample;
          if (!cx) return;
          // A forced local step can make it longer than the shortest; never shorter. (An
          // `available` counterexample is a walk to a stuck state, not a shortest one.)
          if (!inv.text.startsWith("available")) expect(cx.steps.length).toBeGreaterThanOrEqual(off.invariants[k]!.counterexample!.steps.length);
          expect(replay(sys, cx.steps.map((x) => x.ordinal)).map((x) => x.step.text)).toEqual(cx.steps.map((x) => x.text));
        });
        plain += off.stats.states;
        reduced += on.stats.states;
      }),
      { numRuns: 200, seed: 20261121 },
    );
    expect(reduced).toBeLessThan(plain);
  }, 120_000);

  it("20 random small scenarios: two workers find the states and verdicts of one thread (the cycle proviso goes by levels)", async () => {
    await workersAgree(smallScenario, 20);
  }, 120_000);

  it("depth-first, with it on, the verdicts of breadth-first", () => {
    fc.assert(
      fc.property(smallScenario, ({ text }) => {
        const m = compile(text);
        expect(verdicts(check(m, { mode: "dfs", stopEarly: false }))).toEqual(verdicts(check(m, { stopEarly: false })));
      }),
      { numRuns: 100, seed: 20261122 },
    );
  });
});
