// available(c.portal): from every reachable state, a state where the portal's server waits on it again is reachable; counterexamples are a dead end or a lasso.
import { describe, expect, it } from "vitest";
import { check } from "../../../src/checker/check.js";
import { compile } from "../../kernel/harness.js";

const SERVER = (body: string) => `system a {
  component sigma0 : trusted root {
    portal p
    semaphore s
    thread server { ${body} }
    thread client { call p(1) -> y }
  }
  invariant available(sigma0.p)
}`;

describe("available", () => {
  it("counts only a server waiting on that portal, not one waiting on another", () => {
    // serve takes one request on p and blocks for ever; other loops on q, in RECV most of the time.
    const r = check(compile(`system a1 {
  component sigma0 : trusted root { }
  component srv : trusted {
    portal p
    portal q
    semaphore s
    thread serve { recv p -> x; down s }
    thread other { loop { recv q -> y; reply y } }
  }
  component cli : trusted { caps { srv.p: call }; thread main { call srv.p(1) -> r } }
  invariant available(srv.p)
}`));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.length).toBe(4);
    expect(inv.counterexample!.reason).toBe("from here on srv.p's server never waits for requests again: the system stops without it");
  });

  it("holds for a server that always comes back to its portal", () => {
    expect(check(compile(SERVER("loop { recv p -> x; reply x }"))).invariants[0]).toMatchObject({ verdict: "holds" });
  });
  it("fails when the server can block for ever: the shortest path to the stuck state, then to the dead end (3 steps)", () => {
    const cx = check(compile(SERVER("loop { recv p -> x; down s; reply x }"))).invariants[0]!.counterexample!;
    expect(cx.steps.map((s) => s.text)).toEqual(["sigma0.client: call p(1) -> y: blocks", "sigma0.server: recv p -> x: x = 1", "sigma0.server: down s: blocks"]);
    expect(cx.loopsTo).toBeNull();
    // Stuck once the client's call is pending: the server takes it at once, so it never waits
    // in RECV again; the rest is the walk to the dead end.
    expect(cx.stuckFrom).toBe(1);
  });
  it("fails when the server can loop for ever without coming back: a lasso", () => {
    const cx = check(compile(SERVER("recv p -> x; loop { }"))).invariants[0]!.counterexample!;
    expect(cx.steps.map((s) => s.text)).toEqual(["sigma0.client: call p(1) -> y: blocks", "sigma0.server: recv p -> x: x = 1", "sigma0.server: loop { } (idles)"]);
    expect(cx.loopsTo).toBe(2);
    // Stuck once the client's call is pending (the server takes it without waiting); the idle
    // loop runs among stuck states.
    expect(cx.stuckFrom).toBe(1);
    expect(cx.reason).toMatch(/loop for ever/);
  });
});

describe("available: a replicated component's portal, replica by replica", () => {
  // Each worker serves its portal once; the client's adversary calls one of them (one step).
  const WORKERS = (body: string): string => `system ar {
  component sigma0 : trusted root { }
  component worker[2] : trusted { portal job; thread t { ${body} } }
  component client : untrusted { caps { worker.job: call }; adversary steps 1 }
  invariant available(worker.job)
}`;
  it("fails when a client can wedge one replica, though the other still waits (it once held)", () => {
    for (const symmetry of [true, false]) {
      const r = check(compile(WORKERS("recv job -> x; reply x")), { symmetry });
      const inv = r.invariants[0]!;
      expect(inv.verdict).toBe("violated");
      // The replica's recv blocks, the client calls it, the recv completes, the replica replies
      // and is done: stuck from there; then the other replica's recv blocks and nothing runs.
      expect(inv.counterexample!.steps.length).toBe(5);
      // Stuck once the client has called the replica, which takes it, replies and is done.
      expect(inv.counterexample!.stuckFrom).toBe(2);
      expect(inv.counterexample!.reason).toMatch(/^from here on worker\[[01]\]\.job's server never waits for requests again: the system stops without it$/);
      // Under symmetry reduction each replica's portal is followed through the permutations (spec §10.2).
      expect(r.stats.reductions.symmetry).toEqual(symmetry ? { used: "worker (2 replicas)" } : { off: "switched off" });
    }
  });
  it("holds when every replica comes back to its portal", () => {
    expect(check(compile(WORKERS("loop { recv job -> x; reply x }"))).invariants[0]!.verdict).toBe("holds");
  });
});
