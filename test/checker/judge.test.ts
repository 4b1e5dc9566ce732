// The judge: merging the parallel explorer's findings keeps the failure one thread would have met first.
import { describe, expect, it } from "vitest";
import { Judge, type Failure, type LevelView } from "../../src/checker/judge.js";
import { safetyMonitor } from "../../src/checker/invariants/index.js";
import { explore } from "../../src/checker/explore.js";
import { buildSystem } from "../../src/components/step.js";
import type { StateVector } from "../../src/kernel/layout.js";
import { compile } from "../kernel/harness.js";

const LEAK = `system leak {
  component sigma0 : trusted root {
    memory secret 4K [pin]
    semaphore s
    thread t { up s; delegate secret -> spy : r; up s }
  }
  component spy : untrusted { caps { sigma0.s: up }; adversary steps 1 }
  invariant never holds(spy, sigma0.secret)
}`;
const sys = buildSystem(compile(LEAK));

/** A worker's findings with the one failure `x`. */
const findings = (x: Failure) => ({ ...new Judge(sys, true).takeFindings(), failures: [x] });

/** The failure a fresh judge keeps of `failures`, met in one level and merged in the given order. */
function kept(...failures: Failure[]): Failure | null {
  const judge = new Judge(sys);
  judge.beginLevel();
  for (const x of failures) judge.merge(findings(x));
  return judge.failures[0]!;
}

/** Reachable states of LEAK where the invariant holds and where it fails. */
function states(): { holds: StateVector[]; fails: StateVector[] } {
  const m = safetyMonitor(sys, sys.model.invariants[0]!)!;
  const holds: StateVector[] = [];
  const fails: StateVector[] = [];
  explore(sys, {}, { state: (s) => (m.state!(s) ? fails : holds).push(s.slice()) });
  return { holds, fails };
}

/** A level of `list`'s states, in that order, numbered from 100, keyed by `keys`. */
function level(list: StateVector[], keys: number[]): LevelView {
  return { count: list.length, first: 100, index: (i) => 100 + i, key: (i) => keys[i]!, state: (i) => list[i]! };
}

describe("Judge.merge and settleLevel", () => {
  it("of two failures met on transitions of a level keeps the one whose source comes first in the level (its position), then its step: not the lower index", () => {
    const late: Failure = { state: 3, via: { from: 10, ordinal: 0 }, reason: "late", at: 7 };
    const early: Failure = { state: 20, via: { from: 50, ordinal: 1 }, reason: "early", at: 5 };
    expect(kept(late, early)?.reason).toBe("early");
    expect(kept(early, late)?.reason).toBe("early");
    const sibling: Failure = { state: 2, via: { from: 50, ordinal: 0 }, reason: "sibling", at: 5 };
    expect(kept(early, sibling)?.reason).toBe("sibling");
    expect(kept(sibling, early)?.reason).toBe("sibling");
    // A dead state is met before any step from it.
    const dead: Failure = { state: 50, via: null, reason: "dead", at: 5 };
    expect(kept(sibling, dead)?.reason).toBe("dead");
  });

  it("a failure known before the level stays, whatever the level's threads meet", () => {
    const judge = new Judge(sys);
    judge.beginLevel();
    judge.merge(findings({ state: 9, via: null, reason: "earlier" }));
    const { fails } = states();
    judge.settleLevel(level([fails[0]!], [65536]));
    expect(judge.failures[0]?.state).toBe(100);
    judge.merge(findings({ state: 1, via: { from: 0, ordinal: 0 }, reason: "later", at: 1 }));
    judge.settleLevel(level([], []));
    expect(judge.failures[0]?.state).toBe(100);
  });

  it("of the states of the level, settling keeps the first one thread meets that fails, not the one a thread reported", () => {
    const { holds, fails } = states();
    expect(fails.length).toBeGreaterThanOrEqual(2);
    const list = [holds[0]!, fails[0]!, fails[1]!];
    const keys = [1 * 65536, 2 * 65536, 3 * 65536];
    // A thread reported the third state; one thread meets the second first.
    const judge = new Judge(sys);
    judge.beginLevel();
    judge.merge(findings({ state: 102, via: null, reason: "reported" }));
    judge.settleLevel(level(list, keys));
    expect(judge.failures[0]).toMatchObject({ state: 101, via: null });
    expect(judge.failures[0]!.reason).toMatch(/spy/);
    // A failure on a step from the first position comes before the second state; one on the
    // second position's step 5, after it (the state was reached by its step 0).
    for (const [at, ordinal, want] of [[1, 3, 7], [2, 5, 101]] as const) {
      const j = new Judge(sys);
      j.beginLevel();
      j.merge(findings({ state: 102, via: null, reason: "reported" }));
      j.merge(findings({ state: 7, via: { from: 1, ordinal }, reason: "step", at }));
      j.settleLevel(level(list, keys));
      expect(j.failures[0]!.state).toBe(want);
    }
  });

  it("a state failure a thread reported that the level does not hold is a bug, and says so", () => {
    const { holds } = states();
    const judge = new Judge(sys);
    judge.beginLevel();
    judge.merge(findings({ state: 100, via: null, reason: "reported" }));
    expect(() => judge.settleLevel(level([holds[0]!], [65536]))).toThrow(/not met again/);
  });
});
