// The judge: merging workers' findings keeps the failure one thread would have met first.
import { describe, expect, it } from "vitest";
import { Judge, type Failure } from "../../src/checker/judge.js";
import { buildSystem } from "../../src/components/step.js";
import { compile } from "../kernel/harness.js";
import { clients } from "./replicas.js";

/** The failure `merge` keeps of `failures`, merged in the given order into a fresh judge. */
function kept(...failures: Failure[]): Failure | null {
  const sys = buildSystem(compile(clients(2)));
  const judge = new Judge(sys);
  for (const x of failures) {
    const f = new Judge(sys, true).takeFindings();
    judge.merge({ ...f, failures: [x] });
  }
  return judge.takeFindings().failures[0]!;
}

describe("Judge.merge", () => {
  it("of two failures on transitions keeps the one whose source comes first, then its step: not the lower target", () => {
    // The later source's step leads back to an old state (3); one thread expands state 5 first.
    const late: Failure = { state: 3, via: { from: 10, ordinal: 0 }, reason: "late" };
    const early: Failure = { state: 20, via: { from: 5, ordinal: 1 }, reason: "early" };
    expect(kept(late, early)?.reason).toBe("early");
    expect(kept(early, late)?.reason).toBe("early");
    const sibling: Failure = { state: 2, via: { from: 5, ordinal: 0 }, reason: "sibling" };
    expect(kept(early, sibling)?.reason).toBe("sibling");
    expect(kept(sibling, early)?.reason).toBe("sibling");
  });

  it("of two failures in states keeps the lower state", () => {
    const a: Failure = { state: 7, via: null, reason: "a" };
    const b: Failure = { state: 4, via: null, reason: "b" };
    expect(kept(a, b)?.reason).toBe("b");
    expect(kept(b, a)?.reason).toBe("b");
  });
});
