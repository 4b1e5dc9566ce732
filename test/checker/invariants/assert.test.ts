// Failed asserts: the implicit check of every scenario (the global ASSERT word).
import { describe, expect, it } from "vitest";
import { assertMonitor, failedAssert } from "../../../src/checker/invariants/assert.js";
import { check } from "../../../src/checker/check.js";
import { compileText } from "../../../src/dsl/compile.js";
import { reach } from "../../components/reach.js";
import { firstFailure, system } from "./run.js";

const scenario = (cond: string): string => `system a {
  component sigma0 : trusted root { }
  component vault : trusted {
    memory log 4K [audit]
    thread t {
      write log <- 7
      read log -> x
      assert ${cond}
    }
  }
}`;

describe("failed asserts", () => {
  it("a failed assert is reported with its thread, text and line", () => {
    const sys = system(scenario("x == 0"));
    const r = reach(sys);
    const f = firstFailure(assertMonitor(sys), r);
    expect(f?.reason).toBe("vault.t: assert x == 0 fails (test.nizza:8)");
    expect(failedAssert(sys, r.states[f!.state]!)).not.toBeNull();
    expect(failedAssert(sys, sys.init)).toBeNull();
  });

  it("an assert that holds on every path is not reported", () => {
    const sys = system(scenario("x == 7"));
    expect(firstFailure(assertMonitor(sys), reach(sys))).toBeNull();
  });

  it("the failure is found in the first state that records it (shortest path)", () => {
    const sys = system(scenario("not knows(vault, audit)"));
    const r = reach(sys);
    const f = firstFailure(assertMonitor(sys), r)!;
    expect(f.reason).toBe("vault.t: assert not knows(vault, audit) fails (test.nizza:8)");
    // write, read, assert: the third state after the initial one.
    expect(f.state).toBe(3);
  });

  it("names the replica whose assert failed, not the last replica to share the statement (under symmetry reduction too)", () => {
    const c = compileText(
      "rep.nizza",
      `system rep {
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; thread serve { loop { recv rpc -> x; reply 2 } } }
  component client[2] : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> r; assert r == 1 } }
}`,
    );
    const r = check(c.model!);
    const cx = r.asserts!.counterexample!;
    const actor = cx.steps[cx.steps.length - 1]!.actor;
    expect(cx.steps[cx.steps.length - 1]!.text).toMatch(/assert r == 1: FAILS/);
    expect(cx.reason.startsWith(`${actor}.main: assert r == 1 fails`)).toBe(true);
  });
});

describe("a failed assert of a replica", () => {
  it("names the replica whose thread failed, the first EC of the scenario too", () => {
    // c[0].t is EC 0: the reason must not fall back to the statement's owner, which is every replica.
    const c = compileText("s1.nizza", `system s1 {
  component sigma0 : trusted root { }
  component c[2] : trusted { thread t { assert 1 == 2 } }
}`);
    const r = check(c.model!);
    expect(r.asserts?.verdict).toBe("violated");
    expect(r.asserts!.counterexample!.steps.map((x) => x.text)).toEqual(["c[0].t: assert 1 == 2: FAILS"]);
    expect(r.asserts!.counterexample!.reason).toBe("c[0].t: assert 1 == 2 fails (s1.nizza:3)");
  });
});
