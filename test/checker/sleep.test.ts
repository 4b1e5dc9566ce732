// Sleep sets (src/checker/sleep.ts): the same states and verdicts with and without them, fewer transitions, records that replay, and a weakened independence caught.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { check, checkParallel, type CheckResult } from "../../src/checker/check.js";
import { explore, replay } from "../../src/checker/explore.js";
import { LOCAL_STEP, SLEPT } from "../../src/checker/records.js";
import { SleepSets } from "../../src/checker/sleep.js";
import { symmetryOf } from "../../src/checker/symmetry.js";
import { actorReads } from "../../src/components/reads.js";
import { buildSystem, useDeadValues, type System } from "../../src/components/step.js";
import { compileFile } from "../../src/dsl/compile.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { scalable } from "../../bench/scalable.js";
import { compile } from "../kernel/harness.js";
import { built } from "../built.js";
import { LARGE, SHIPPED } from "./shipped-cases.js";
import { smallScenario } from "./small-arb.js";

const verdicts = (r: CheckResult) => r.invariants.map((i) => [i.text, i.verdict, i.counterexample?.steps.length ?? null]);

/**
 * `model` checked with and without sleep sets (symmetry as given): the same states, verdicts,
 * counterexample lengths and TCB sets, and no more transitions. Returns the transitions without
 * and with, and the states. `run` is `check`, or the build's (test/built.ts) for larger spaces.
 */
function sameWithSleepSets(model: SystemModel, symmetry = true, run: typeof check = check): [number, number, number] {
  const off = run(model, { stopEarly: false, symmetry });
  const on = run(model, { stopEarly: false, symmetry, sleep: true });
  expect([on.stats.states, on.stats.bound, on.stats.depth]).toEqual([off.stats.states, off.stats.bound, off.stats.depth]);
  expect(verdicts(on)).toEqual(verdicts(off));
  expect(on.asserts?.verdict).toEqual(off.asserts?.verdict);
  expect(on.tcb).toEqual(off.tcb);
  expect(on.stats.transitions).toBeLessThanOrEqual(off.stats.transitions);
  return [off.stats.transitions, on.stats.transitions, off.stats.states];
}

const systemOf = (model: SystemModel): System => {
  const sys = buildSystem(model);
  sys.footprints = false;
  useDeadValues(sys, true);
  return sys;
};

afterEach(() => {
  SleepSets.reads = actorReads;
});

describe("sleep sets", () => {
  it("the shipped scenarios (but the largest): the same states, verdicts, counterexample lengths and TCB sets, with symmetry reduction and (up to 100,000 states) without", async () => {
    const built_ = await built<typeof import("../../src/checker/check.js")>("src/checker/check.ts");
    const compiled = await built<typeof import("../../src/dsl/compile.js")>("src/dsl/compile.ts");
    let fewer = 0;
    for (const file of SHIPPED.filter((f) => !LARGE.includes(f))) {
      const model = compiled.compileFile(file).model!;
      const [off, on, states] = sameWithSleepSets(model, true, built_.check);
      if (on < off) fewer++;
      if (states > 100_000) continue;
      const [offAll, onAll] = sameWithSleepSets(model, false, built_.check);
      if (onAll < offAll) fewer++;
    }
    expect(fewer).toBeGreaterThan(10);
  }, 240_000);

  it("200 random small scenarios: the same states, verdicts, counterexample lengths and TCB sets", () => {
    let fewer = 0;
    fc.assert(
      fc.property(smallScenario, fc.boolean(), ({ text }, symmetry) => {
        const [off, on] = sameWithSleepSets(compile(text), symmetry);
        if (on < off) fewer++;
      }),
      { numRuns: 200, seed: 20261124 },
    );
    expect(fewer).toBeGreaterThan(20);
  }, 240_000);

  it("N clients of a server: the same states, and fewer transitions (a fifth fewer at N = 3 without symmetry reduction)", () => {
    for (const n of [1, 2, 3]) {
      const model = compile(scalable(n));
      const [off, on] = sameWithSleepSets(model, false);
      if (n > 1) expect(on).toBeLessThan(off);
      if (n === 3) expect(on).toBeLessThan(0.85 * off);
      sameWithSleepSets(model, true);
    }
  });

  it("a state recorded from a state with a sleep set (by its actor, SLEPT) replays to itself; counterexamples replay", () => {
    for (const [model, symmetric] of [
      [compile(scalable(3)), false],
      [compile(scalable(3)), true],
      [compileFile("scenarios/lib/viaduct.nizza").model!, false],
    ] as const) {
      const sys = systemOf(model);
      const symmetry = symmetric ? symmetryOf(sys).symmetry : null;
      if (symmetric) expect(symmetry).not.toBeNull();
      const states: Int32Array[] = [];
      const ex = explore(sys, { por: true, symmetry, sleep: true }, { state: (s) => void states.push(Int32Array.from(s)) });
      expect(ex.bound).toBeNull();
      const slept = [...states.keys()].filter((i) => i > 0 && ex.records.step(i) >= SLEPT && ex.records.step(i) !== LOCAL_STEP);
      expect(slept.length).toBeGreaterThan(100);
      for (const i of slept.filter((_, k) => k % Math.ceil(slept.length / 200) === 0)) {
        const path = ex.records.pathTo(i);
        const steps = replay(sys, path, symmetry);
        const last = steps[steps.length - 1]!.state;
        expect(Int32Array.from(symmetry ? symmetry.canonical(last) : last)).toEqual(states[i]);
      }
    }
    // A counterexample found with sleep sets is as long as without, and its trace replays (check builds it by replaying).
    const buggy = compileFile("scenarios/faults/revoke_race_buggy.nizza").model!;
    const on = check(buggy, { sleep: true });
    const off = check(buggy, {});
    expect(verdicts(on)).toEqual(verdicts(off));
    expect(on.invariants.some((i) => i.verdict === "violated")).toBe(true);
  });

  it("with two workers: the probe keeps sleep sets and the workers, which take over from its queue, take every step; the same states, verdicts, counterexample lengths and TCB sets, and the report says so", async () => {
    const buggy = "scenarios/faults/revoke_race_buggy.nizza";
    for (const [name, text, model] of [
      ["scalable.nizza", scalable(2), compile(scalable(2))],
      [buggy, readFileSync(buggy, "utf8"), compileFile(buggy).model!],
    ] as const) {
      const one = check(model, { stopEarly: false });
      for (const probeStates of [1_000, 2_000]) {
        const two = await checkParallel(model, { name, text }, { workers: 2, stopEarly: false, sleep: true, probeStates, chunkStates: 64 });
        expect([two.stats.states, two.stats.bound]).toEqual([one.stats.states, one.stats.bound]);
        // A counterexample may take another path of the same length (the first arrival at a state may have been asleep).
        expect(verdicts(two)).toEqual(verdicts(one));
        expect(two.tcb).toEqual(one.tcb);
        const por = (two.stats.reductions.por as { used: string }).used;
        // The probe's sleep sets pruned transitions before the workers took over.
        if (name === "scalable.nizza") expect(two.stats.transitions).toBeLessThan(one.stats.transitions);
        if (name === "scalable.nizza") expect(por).toContain("; sleep sets of independent steps on one thread (the worker threads, past the first 50,000 states, take every step)");
      }
    }
  });

  it("guarded reads (which ECs are blocked, which slots are children) put more steps to sleep than the same words read whole, with the same states", () => {
    for (const file of ["scenarios/lib/nameserver.nizza", "scenarios/lib/viaduct.nizza"]) {
      const model = compileFile(file).model!;
      const guarded = check(model, { stopEarly: false, symmetry: false, sleep: true }).stats;
      SleepSets.reads = (sys, s, actor, r) => {
        actorReads(sys, s, actor, r);
        if (r.everything) return;
        const whole = [...r.list.slice(0, r.size), ...Array.from({ length: r.guardCount }, (_, k) => r.guards[4 * k]!)];
        r.clear();
        for (const w of whole) r.word(w);
      };
      const whole = check(model, { stopEarly: false, symmetry: false, sleep: true }).stats;
      SleepSets.reads = actorReads;
      expect(guarded.states, file).toBe(whole.states);
      expect(guarded.transitions, file).toBeLessThan(0.95 * whole.transitions);
    }
  });

  it("a weakened independence is caught: with reads that leave out other ECs' records, the search misses states", () => {
    const model = compileFile("scenarios/lib/nameserver.nizza").model!;
    const full = check(model, { stopEarly: false, symmetry: false }).stats.states;
    SleepSets.reads = (sys, s, actor, r) => {
      actorReads(sys, s, actor, r);
      if (r.everything) return;
      const L = sys.k.L;
      const other = (w: number): boolean => w >= L.base.ec && w < L.base.ec + L.counts.ec * L.ecSize && Math.floor((w - L.base.ec) / L.ecSize) !== actor;
      const weak = r.list.slice(0, r.size).filter((w) => !other(w));
      r.clear();
      for (const w of weak) r.word(w);
    };
    const weakened = check(model, { stopEarly: false, symmetry: false, sleep: true }).stats.states;
    expect(weakened).toBeLessThan(full);
  });
});
