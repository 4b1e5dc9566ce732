// Checking: verdicts against expectations, shortest counterexamples that replay, lassos, and incomplete verdicts.
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { buildSystem } from "../../src/components/step.js";
import { replay } from "../../src/checker/explore.js";
import { compile } from "../kernel/harness.js";
import { safetyMonitor } from "../../src/checker/invariants/index.js";

const SERVER = (body: string) => `system a {
  component sigma0 : trusted root {
    portal p
    semaphore s
    thread server { ${body} }
    thread client { call p(1) -> y }
  }
  invariant available(sigma0.p)
}`;

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

describe("deadlock_free: a server that took a call and never replies", () => {
  it("its caller waits in REPLY for ever: a deadlock in 2 steps", () => {
    const r = check(compile(`system d { component sigma0 : trusted root { portal p; thread server { recv p -> x }; thread client { call p(1) -> y } } invariant deadlock_free }`));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.length).toBe(2);
    expect(inv.counterexample!.reason).toBe("no step is enabled, and sigma0.client (reply) waits for ever");
  });
});

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
  });
  it("fails when the server can loop for ever without coming back: a lasso", () => {
    const cx = check(compile(SERVER("recv p -> x; loop { }"))).invariants[0]!.counterexample!;
    expect(cx.steps.map((s) => s.text)).toEqual(["sigma0.client: call p(1) -> y: blocks", "sigma0.server: recv p -> x: x = 1", "sigma0.server: loop { } (idles)"]);
    expect(cx.loopsTo).toBe(2);
    expect(cx.reason).toMatch(/loop for ever/);
  });
});

describe("verdicts, expectations and traces", () => {
  const LEAK = `system leak {
  component sigma0 : trusted root {
    memory secret 4K [pin]
    caps { spy.inbox: call }
    thread t { read secret -> x; call spy.inbox(x) timeout 1 }
  }
  component spy : untrusted { portal inbox; adversary steps 1 }
  invariant never flows([pin] -> spy)
  invariant seen: never flows([pin] -> spy) expect violated
  invariant always not holds(spy, sigma0.secret)
}`;
  it("judges each invariant against its expectation", () => {
    const r = check(compile(LEAK));
    expect(r.invariants.map((i) => [i.text, i.verdict, i.met])).toEqual([
      ["never flows([pin] -> spy)", "violated", false],
      ["never flows([pin] -> spy)", "violated", true],
      ["always not holds(spy, sigma0.secret)", "holds", true],
    ]);
    expect(r.stats.bound).toBeNull();
  });

  it("gives a shortest counterexample, and feeding its steps back reproduces the violating state", () => {
    const m = compile(LEAK);
    const r = check(m);
    const cx = r.invariants[0]!.counterexample!;
    // read, call (the message waits in the spy's portal), the spy's adversary receives it.
    expect(cx.steps.map((s) => s.text)).toEqual([
      "sigma0.t: read secret -> x: x = 0 [pin]",
      "sigma0.t: call spy.inbox(x) timeout 1: blocks",
      "spy[adversary]: recv on spy.inbox",
    ]);
    expect(cx.steps[0]!.at).toMatch(/:5:/);
    const sys = buildSystem(m);
    const xs = replay(sys, cx.steps.map((s) => s.ordinal));
    expect(xs.map((x) => x.step.text)).toEqual(cx.steps.map((s) => s.text));
    // The replayed state violates the invariant, and no state before it does.
    const monitor = safetyMonitor(sys, m.invariants[0]!)!;
    expect(monitor.state!(xs.at(-1)!.state)).toBe(cx.reason);
    for (const s of [sys.init, ...xs.slice(0, -1).map((x) => x.state)]) expect(monitor.state!(s)).toBeNull();
  });

  it("a bound reached before a verdict is incomplete, never a pass", () => {
    const r = check(compile(`system u {
  component sigma0 : trusted root { memory page 4K [owned]; thread main { delegate page -> alice : rw; revoke page } }
  component alice : untrusted { }
  invariant always not holds(alice, sigma0.page) or holds(alice, sigma0.page)
}`), { maxStates: 50 });
    expect(r.stats.bound).toBe("states");
    expect(r.invariants[0]).toMatchObject({ verdict: "incomplete", met: false });
    expect(r.tcbPartial).toBe(true);
  });

  it("failed asserts are judged like an invariant", () => {
    const r = check(compile(`system f { component sigma0 : trusted root { semaphore s; thread t { choose { up s } or { }; assert not holds(sigma0, s) } } }`));
    expect(r.asserts).toMatchObject({ verdict: "violated", met: false });
    expect(r.asserts!.counterexample!.steps.length).toBe(2);
  });
});
