// Test helper: one thread and two workers explore random scenarios alike (states, transitions, verdicts, TCB sets).
import fc from "fast-check";
import { expect } from "vitest";
import { check, checkParallel, type CheckResult } from "../../src/checker/check.js";
import { compile } from "../kernel/harness.js";
import type { SmallScenario } from "./small-arb.js";

export const verdicts = (r: CheckResult) => r.invariants.map((i) => [i.text, i.verdict]);

/** `numRuns` scenarios of `arb`, each checked (reductions on, as by default) by one thread and by two workers, from the start and after a probe. */
export async function workersAgree(arb: fc.Arbitrary<SmallScenario>, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async ({ text }) => {
      const m = compile(text);
      const one = check(m, { stopEarly: false });
      // The workers from the initial state, and going on from a search on this thread paused a
      // third of the way (most often in the middle of a level).
      for (const probeStates of [0, Math.max(2, Math.floor(one.stats.states / 3))]) {
        const two = await checkParallel(m, { name: "test.nizza", text }, { workers: 2, stopEarly: false, probeStates });
        expect([two.stats.states, two.stats.transitions]).toEqual([one.stats.states, one.stats.transitions]);
        expect(verdicts(two)).toEqual(verdicts(one));
        expect(two.tcb).toEqual(one.tcb);
      }
    }),
    { numRuns, seed: 20261121 },
  );
}
