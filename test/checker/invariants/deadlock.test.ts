// deadlock_free: no reachable state where no step is enabled and an EC waits for ever; the counterexample ends in the dead state.
import { describe, expect, it } from "vitest";
import { check } from "../../../src/checker/check.js";
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

describe("deadlock_free: a server that took a call and never replies", () => {
  it("its caller waits in REPLY for ever: a deadlock in 2 steps", () => {
    const r = check(compile(`system d { component sigma0 : trusted root { portal p; thread server { recv p -> x }; thread client { call p(1) -> y } } invariant deadlock_free }`));
    const inv = r.invariants[0]!;
    expect(inv.verdict).toBe("violated");
    expect(inv.counterexample!.steps.length).toBe(2);
    expect(inv.counterexample!.reason).toBe("no step is enabled, and sigma0.client (reply) waits for ever");
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
