// Test helper: every shipped scenario, and the comparison of its verdicts and TCB sets with every reduction on and off.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { built } from "../built.js";

/** Every shipped scenario: what `nizza check scenarios/` checks (the README's main job). */
export const SHIPPED = ["scenarios", "scenarios/faults", "scenarios/lib"]
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".nizza")).map((f) => join(dir, f)))
  .sort();

/**
 * The largest compared, each in a test file of its own so that vitest runs them beside the rest
 * (on CI's two cores the longest file sets the wall time): replicated_clients (1.9 M states
 * without reductions) in shipped-large.test.ts, lib_viaduct (1.2 M states either way: no
 * reduction applies to it but dead values) in shipped-viaduct.test.ts, lib_secure_gui
 * (11.6 M states with the reductions, 16.1 M without) in shipped-gui.test.ts, and client_pool
 * (288,277 states with them, 4.4 M without) in shipped-pool.test.ts.
 */
export const LARGE = ["scenarios/replicated_clients.nizza", "scenarios/lib_viaduct.nizza", "scenarios/lib_secure_gui.nizza", "scenarios/client_pool.nizza"];

/**
 * `file` explored completely with partial-order, symmetry and dead-value reduction on, and with
 * all off: the same verdicts, TCB sets and path timings. The build explores (test/built.ts: twice
 * as fast as the sources under vitest).
 */
export async function sameWithAndWithoutReductions(file: string): Promise<void> {
  const { check } = await built<typeof import("../../src/checker/check.js")>("src/checker/check.ts");
  const { compileFile } = await built<typeof import("../../src/dsl/compile.js")>("src/dsl/compile.ts");
  const c = compileFile(file);
  expect(c.model).not.toBeNull();
  const on = check(c.model!, { stopEarly: false });
  const off = check(c.model!, { stopEarly: false, por: false, symmetry: false, deadValues: false });
  expect([on.stats.bound, off.stats.bound]).toEqual([null, null]);
  const verdicts = (r: typeof on) => r.invariants.map((i) => [i.text, i.verdict, i.met]);
  expect(verdicts(on)).toEqual(verdicts(off));
  expect(on.invariants.every((i) => i.met)).toBe(true);
  expect(on.tcb).toEqual(off.tcb);
  // Paths: the timing exploration uses partial-order and dead-value reduction (never symmetry);
  // the best and worst cases and the budget verdicts are the same without them.
  const timings = (r: typeof on) =>
    r.paths.map((p) => [p.name, p.verdict, p.observed, ...p.timings.flatMap((t) => [t.preset, t.best?.cycles ?? null, t.worst === null ? null : "unbounded" in t.worst ? "unbounded" : t.worst.cycles])]);
  expect(timings(on)).toEqual(timings(off));
  expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
}
