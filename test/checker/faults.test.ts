// Every fault flag is caught by a shipped scenario (DESIGN.md §4, kernel.md §12): for each flag,
// scenarios/faults/FLAG.nizza proves its invariants on the correct kernel, exploring every
// reachable state, and scenarios/faults/FLAG_buggy.nizza — the same scenario with `fault FLAG`
// seeded — has each of them violated, with a counterexample.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { compileFile } from "../../src/dsl/compile.js";
import { renderDiagnostics } from "../../src/dsl/diagnostics.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { FAULT_FLAGS, type FaultFlag } from "../../src/kernel/faults.js";

const DIR = "scenarios/faults";

/**
 * Flags that no honest scenario can catch with the checker as it is. Each needs a reason;
 * a flag that is neither here nor covered by a scenario pair fails the coverage test.
 */
const UNCATCHABLE: Partial<Record<FaultFlag, string>> = {
  // The flag lets a call (or a fault) reach a handler on another CPU with the same portal
  // capability it would use on the handler's CPU. An untrusted component's adversary has an
  // EC on every CPU (language.md §9.4), so it gains no authority: whatever it can do from the
  // wrong CPU it can already do from the right one. Only a trusted thread placed on another
  // CPU than its server behaves differently, and under the correct kernel that thread's call
  // is refused (BAD_CPU) or its fault kills it: a scenario that caught the flag would have to
  // rely on a call that always fails, which no architecture does.
  portal_cross_core: "authority-neutral: adversaries act on every CPU, and trusted threads only make calls that are meant to work",
};

const FLAGS = Object.keys(FAULT_FLAGS) as FaultFlag[];
const CAUGHT = FLAGS.filter((f) => !(f in UNCATCHABLE));

function compiled(file: string): SystemModel {
  const c = compileFile(`${DIR}/${file}`);
  if (!c.model) throw new Error(`${file} does not compile:\n${renderDiagnostics(c.diagnostics, c.sources)}`);
  return c.model;
}

describe("fault-flag coverage", () => {
  it("every flag of FAULT_FLAGS has a scenario pair in scenarios/faults, or a documented reason why none can catch it", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".nizza")).sort();
    const expected = CAUGHT.flatMap((f) => [`${f}.nizza`, `${f}_buggy.nizza`]).sort();
    expect(files).toEqual(expected);
    for (const f of Object.keys(UNCATCHABLE)) expect(FLAGS).toContain(f);
    expect(CAUGHT.length + Object.keys(UNCATCHABLE).length).toBe(FLAGS.length);
  });
});

describe.each(CAUGHT)("fault %s", (flag) => {
  it("is caught: the scenario holds on the correct kernel, explored completely, and is violated with the flag seeded", () => {
    const good = compiled(`${flag}.nizza`);
    const bad = compiled(`${flag}_buggy.nizza`);

    // The pair differs in the seeded flag only: same kernel options otherwise, same claims.
    expect(good.kernel.faults).toEqual([]);
    expect(bad.kernel.faults).toEqual([flag]);
    expect(bad.kernel.preemptibleRevoke).toBe(good.kernel.preemptibleRevoke);
    expect(good.invariants.length).toBeGreaterThan(0);
    expect(good.invariants.every((i) => i.expect === "holds")).toBe(true);
    expect(bad.invariants.every((i) => i.expect === "violated")).toBe(true);

    const ok = check(good);
    expect(ok.stats.bound).toBeNull();
    expect(ok.asserts === null || ok.asserts.verdict === "holds").toBe(true);
    for (const inv of ok.invariants) expect({ text: inv.text, verdict: inv.verdict, met: inv.met }).toEqual({ text: inv.text, verdict: "holds", met: true });

    const ko = check(bad);
    expect(ko.invariants.map((i) => i.text)).toEqual(ok.invariants.map((i) => i.text));
    for (const inv of ko.invariants) {
      expect({ text: inv.text, verdict: inv.verdict, met: inv.met }).toEqual({ text: inv.text, verdict: "violated", met: true });
      expect(inv.counterexample).not.toBeNull();
    }
  });
});
