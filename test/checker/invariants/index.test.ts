// The monitor factory: a safety monitor for always, never, never flows, isolated and revocable; null for the rest.
import { describe, expect, it } from "vitest";
import { safetyMonitor } from "../../../src/checker/invariants/index.js";
import { system } from "./run.js";

describe("safetyMonitor", () => {
  it("gives state checks, a transition check for revocable, and null for the invariants judged elsewhere", () => {
    const sys = system(`system all {
  component sigma0 : trusted root { sloc 10 }
  component a : trusted { memory r 4K [l]; portal p; thread t { recv p; reply ok } }
  component b : untrusted { adversary steps 0 }
  invariant isolated(a, b)
  invariant never flows([l] -> b)
  invariant tcb(a) <= { sigma0, a }
  invariant tcb(a).sloc <= 100
  invariant revocable(a.r)
  invariant available(a.p)
  invariant deadlock_free
  invariant always not knows(b, l)
  invariant never maps(b, a.r)
}`);
    const kinds = sys.model.invariants.map((inv) => {
      const m = safetyMonitor(sys, inv);
      return m === null ? null : [m.invariant === inv, m.state ? "state" : "", m.step ? "step" : ""].join(" ");
    });
    expect(kinds).toEqual(["true state ", "true state ", null, null, "true  step", null, null, "true state ", "true state "]);
  });
});
