// deadlock_free: no reachable state where no step is enabled and an EC waits for ever; the counterexample ends in the dead state.
import { describe, expect, it } from "vitest";
import { check, checkParallel } from "../../../src/checker/check.js";
import { compile } from "../../kernel/harness.js";

describe("deadlock_free", () => {
  it("holds when every blocked EC can be woken", () => {
    const r = check(compile(`system d { component sigma0 : trusted root { semaphore s; thread t { up s; down s } } invariant deadlock_free }`));
    expect(r.invariants[0]).toMatchObject({ verdict: "holds", met: true });
  });
  it("fails in the state where a thread waits for an up that never comes: 1 step", () => {
    const r = check(compile(`system d { component sigma0 : trusted root { semaphore s; thread t { down s } } invariant deadlock_free }`));
    const inv = r.invariants[0]!;
    expect(inv).toMatchObject({ verdict: "violated", met: false });
    expect(inv.counterexample!.steps.map((s) => s.text)).toEqual(["sigma0.t: down s: blocks"]);
    expect(inv.counterexample!.reason).toBe("no step is enabled, and sigma0.t (sm) waits for ever");
  });
});

describe("deadlock_free: the dead state printed is the nearest, whatever order the search met them in", () => {
  // Two dead states: down s at once (2 steps: the choice, the down), or after two writes (4).
  // A depth-first search may meet the far one first; the counterexample is the near one, on
  // its shortest path, as breadth first, with either branch written first.
  for (const [near, far] of [["down s", "write buf <- 1; write buf <- 2; down s"], ["write buf <- 1; write buf <- 2; down s", "down s"]] as const) {
    it(`choose { ${near} } or { ${far} }`, () => {
      const m = compile(`system d { component sigma0 : trusted root { semaphore s; memory buf 4K; thread t { choose { ${near} } or { ${far} } } } invariant deadlock_free }`);
      const texts = (mode: "bfs" | "dfs") => {
        const cx = check(m, { mode, por: false }).invariants[0]!.counterexample!;
        return { steps: cx.steps.map((st) => st.text), reason: cx.reason };
      };
      const bfs = texts("bfs");
      expect(bfs.steps).toHaveLength(2);
      expect(bfs.reason).toBe("no step is enabled, and sigma0.t (sm) waits for ever");
      expect(texts("dfs")).toEqual(bfs);
    });
  }
});

describe("deadlock_free: a server that took a call and never replies", () => {
  it("its caller waits for ever from the call on: a deadlock in 1 step, though the server can still take the call", () => {
    const r = check(compile(`system d { component sigma0 : trusted root { portal p; thread server { recv p -> x }; thread client { call p(1) -> y } } invariant deadlock_free }`));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.map((s) => s.text)).toEqual(["sigma0.client: call p(1) -> y: blocks"]);
    expect(inv.counterexample!.reason).toBe("from here on sigma0.client (call) waits for ever: no run from this state wakes it, though other steps are still enabled");
  });
});

describe("deadlock_free: a call nobody will take", () => {
  it("a caller blocked in CALL on a portal whose server is done waits for ever: 1 step", () => {
    const r = check(compile(`system d { component sigma0 : trusted root { portal p; thread server { }; thread client { call p(1) -> y } } invariant deadlock_free }`));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.map((s) => s.text)).toEqual(["sigma0.client: call p(1) -> y: blocks"]);
    expect(inv.counterexample!.reason).toBe("no step is enabled, and sigma0.client (call) waits for ever");
  });
});

describe("deadlock_free: an EC no run can wake, while other steps go on", () => {
  // a and b each wait for the other's up before giving their own: a circular wait. A third
  // thread idles for ever, so no state is without an enabled step.
  const circular = (idle: string): string => `system dl {
  component sigma0 : trusted root { }
  component a : trusted { semaphore go; caps { b.go: up } thread t { down go; up b.go } }
  component b : trusted { semaphore go; caps { a.go: up } thread t { down go; up a.go } }
  ${idle}
  invariant deadlock_free
}`;

  it("a circular wait beside a thread that idles for ever: violated in 1 step, where the first waiter blocks", () => {
    const r = check(compile(circular("component idle : trusted { thread spin { loop { } } }")));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.map((s) => s.text)).toEqual(["a.t: down go: blocks"]);
    expect(inv.counterexample!.reason).toBe("from here on a.t (sm) waits for ever: no run from this state wakes it, though other steps are still enabled");
    // The whole space was explored: a dead state met first could have been a longer counterexample.
    expect(r.stats.bound).toBeNull();
  });

  it("the same with an unbounded adversary beside it, whose own dead ends come later: the first state that dooms a waiter wins", () => {
    const inv = check(compile(circular("component x : untrusted { semaphore s }"))).invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.length).toBe(1);
  });

  it("holds when the waits are broken: b gives first", () => {
    const text = circular("component idle : trusted { thread spin { loop { } } }").replace("thread t { down go; up a.go }", "thread t { up a.go; down go }");
    expect(check(compile(text)).invariants[0]!.verdict).toBe("holds");
  });

  it("a wait with a timeout is never for ever, and an interrupt can always come", () => {
    const text = `system dl {
  machine { device nic { irq 5 } }
  component sigma0 : trusted root { }
  component a : trusted { portal p; device nic; thread t { call a.p(1) timeout 10; down nic.irq } }
  component idle : trusted { thread spin { loop { } } }
  invariant deadlock_free
}`;
    expect(check(compile(text)).invariants[0]!.verdict).toBe("holds");
  });

  it("with two workers and without reductions, the same verdict and counterexample length", async () => {
    const text = circular("component idle : trusted { thread spin { loop { } } }");
    const m = compile(text);
    const plain = check(m, { por: false, symmetry: false, deadValues: false }).invariants[0]!;
    const two = (await checkParallel(m, { name: "dl.nizza", text }, { workers: 2, probeStates: 0 })).invariants[0]!;
    expect([plain.verdict, plain.counterexample!.steps.length]).toEqual(["violated", 1]);
    expect([two.verdict, two.counterexample!.steps.length, two.counterexample!.reason]).toEqual(["violated", 1, plain.counterexample!.reason]);
  });

  it("replicated waiters: each replica's wait is judged, followed through symmetry reduction's permutations", () => {
    const text = `system dl {
  component sigma0 : trusted root { }
  component w[2] : trusted { semaphore go; thread t { down go } }
  component idle : trusted { thread spin { loop { } } }
  invariant deadlock_free
}`;
    const r = check(compile(text));
    expect(r.stats.reductions.symmetry).toEqual({ used: "w (2 replicas)" });
    expect(r.invariants[0]!.counterexample!.reason).toBe("from here on w[0].t (sm) waits for ever: no run from this state wakes it, though other steps are still enabled");
  });

  // Found by the fourth review: an adversary's page fault and exception are fault IPC, which has
  // no timeout. With the family permuted and its ECs not followed through the permutations, the
  // first doomed state (1 step) was missed and a later one (2 steps) reported.
  for (const [how, item, handler, step] of [
    ["page-faults to a pager", "pager pager", "component pager : trusted { memory pool 4K; portal pf; thread t { recv pf -> x } }", "client[0][adversary]: touch pager.pool: page fault"],
    ["raises to an exception handler", "exceptions h", "component h : trusted { portal exc; thread t { recv exc -> x } }", "client[0][adversary]: raise 0"],
  ] as const)
    it(`a replicated adversary that ${how} which takes it and never replies: caught in 1 step, with and without symmetry reduction`, () => {
      const m = compile(`system k {
  component sigma0 : trusted root { }
  ${handler}
  component idler : trusted { thread t { loop { } } }
  component client[2] : untrusted { ${item}; adversary steps 1 }
  invariant deadlock_free
}`);
      const r = check(m);
      expect(r.stats.reductions.symmetry).toEqual({ used: "client (2 replicas)" });
      const cx = r.invariants[0]!.counterexample!;
      expect(cx.steps.map((x) => x.text)).toEqual([expect.stringContaining(step)]);
      expect(cx.reason).toBe("from here on client[0][adversary] (call) waits for ever: no run from this state wakes it, though other steps are still enabled");
      expect(check(m, { symmetry: false }).invariants[0]!.counterexample!.steps.length).toBe(1);
    });
});
