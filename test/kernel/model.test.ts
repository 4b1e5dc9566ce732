// Model-based test of the kernel: random syscall sequences from several PDs on two CPUs against a deliberately simple reference.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FAULT_FLAGS, type FaultFlag } from "../../src/kernel/faults.js";
import { concretize, ecNames, kernelProperty, minimize, replay, type Fixture } from "./model-commands.js";
import type { InvariantName } from "./model-harness.js";
import { VARIANTS, type Variant } from "./reference.js";

/**
 * Every run is reproducible: fast-check's seed is fixed here. To look at other
 * sequences, change it; a failure prints the seed and path to replay it.
 */
const SEED = 20_250_611;
/** Runs per variant of the main property, and at most per fault flag. */
const MAIN_RUNS = 200;
const FLAG_RUNS = 3000;
const MAX_COMMANDS = 60;

/** `UPDATE_KERNEL_FIXTURES=1` re-finds each flag's counterexample and rewrites test/fixtures/kernel/FLAG.json. */
const UPDATE = process.env["UPDATE_KERNEL_FIXTURES"] === "1";
const FIXTURES = fileURLToPath(new URL("../fixtures/kernel", import.meta.url));

/**
 * Each flag, the variant of the scenario it is run on, and the invariants that
 * must catch it (each holds on the unflagged kernel: the main property checks all).
 */
const FLAG_SETUP: Record<FaultFlag, { readonly variant: Variant; readonly only: readonly InvariantName[] }> = {
  revoke_nonrecursive: { variant: "atomic", only: ["revoke", "root"] },
  revoke_race: { variant: "main", only: ["revoke", "root"] },
  delegate_rights_escalation: { variant: "main", only: ["rights"] },
  map_unowned: { variant: "main", only: ["pte"] },
  pagetable_writable: { variant: "main", only: ["pte", "access"] },
  stale_tlb: { variant: "main", only: ["tlb", "access"] },
  dma_no_iommu: { variant: "main", only: ["dma"] },
  portal_cross_core: { variant: "main", only: ["call_cpu"] },
  reply_cap_leak: { variant: "main", only: ["reply"] },
  irq_priority_inversion: { variant: "strict", only: ["priority"] },
};
const FLAGS = Object.keys(FAULT_FLAGS) as FaultFlag[];

describe("kernel against the reference model", () => {
  for (const v of VARIANTS)
    it(`${v}: after every command, every invariant holds and the kernel refines the reference`, () => {
      fc.assert(kernelProperty(v, undefined, null, MAX_COMMANDS), { seed: SEED, numRuns: MAIN_RUNS, includeErrorInReport: true });
    });
});

describe("every fault flag is caught by the same property", () => {
  for (const flag of FLAGS) {
    const { variant, only } = FLAG_SETUP[flag];
    it(`${flag} (${variant}): a counterexample violating ${only.join(" or ")}`, () => {
      // The first failing sequence is enough: minimize() shortens it on the concrete steps,
      // far faster than fast-check's shrinking of the random numbers behind them.
      const result = fc.check(kernelProperty(variant, flag, new Set(only), MAX_COMMANDS), { seed: SEED, numRuns: FLAG_RUNS, endOnFailure: true });
      expect(result.failed).toBe(true);
      const first = concretize(variant, flag, new Set(only), result.counterexample![0]);
      const found = minimize(variant, flag, new Set(only), first.steps);
      expect(found.violation).not.toBeNull();
      expect(only).toContain(found.violation!.invariant);
      if (!UPDATE) return;
      const fixture: Fixture = {
        flag,
        variant,
        about: FAULT_FLAGS[flag],
        invariant: found.violation!.invariant,
        failsAt: found.failsAt,
        message: found.violation!.message,
        found: { seed: SEED, runs: result.numRuns, steps: first.steps.length },
        ecs: ecNames(variant),
        steps: found.steps,
      };
      mkdirSync(FIXTURES, { recursive: true });
      writeFileSync(join(FIXTURES, `${flag}.json`), fixtureJson(fixture));
    });
  }
});

/** A fixture as JSON: one line per step, so that a diff shows which steps changed. */
function fixtureJson(fx: Fixture): string {
  const { steps, ecs, ...head } = fx;
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, "");
  return `${top},\n  "ecs": ${JSON.stringify(ecs)},\n  "steps": [\n${steps.map((st) => `    ${JSON.stringify(st)}`).join(",\n")}\n  ]\n}\n`;
}

describe("regression examples (test/fixtures/kernel/FLAG.json)", () => {
  const stale = "(if the kernel changed on purpose, UPDATE_KERNEL_FIXTURES=1 re-finds and rewrites the fixtures)";
  for (const flag of FLAGS) {
    it(`${flag}: fails at the recorded step with the flag, never without it`, () => {
      const fx = JSON.parse(readFileSync(join(FIXTURES, `${flag}.json`), "utf8")) as Fixture;
      expect(fx.flag).toBe(flag);
      expect(fx.variant).toBe(FLAG_SETUP[flag].variant);
      const only = new Set(FLAG_SETUP[flag].only);
      // With the flag: every step runs, and the first violation is the recorded one, at the recorded step.
      const flagged = replay(fx.variant, flag, fx.steps, only);
      expect(flagged.atBoot).toEqual([]);
      expect(flagged.perStep, `a step no longer applies ${stale}`).not.toContain("skipped");
      const first = flagged.perStep.findIndex((v) => v !== "skipped" && v.length > 0);
      expect(first, `the first violation moved ${stale}`).toBe(fx.failsAt);
      const at = flagged.perStep[first] as { invariant: InvariantName }[];
      expect(at.map((v) => v.invariant)).toContain(fx.invariant);
      // Without it (the same scenario minus `fault`): no invariant is violated at any step (steps that cannot run are skipped).
      const clean = replay(fx.variant, undefined, fx.steps, null);
      expect(clean.atBoot).toEqual([]);
      expect(clean.perStep.filter((v) => v !== "skipped" && v.length > 0)).toEqual([]);
    });
  }
});
