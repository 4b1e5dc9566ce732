// Every shipped scenario the main job checks gives the same verdicts and TCB sets with both reductions on and off.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { compileFile } from "../../src/dsl/compile.js";

/**
 * Shipped scenarios too large to explore completely (unbounded adversaries: README, "What the
 * main job checks"); the reductions cannot be compared on a complete search of them.
 */
const TOO_LARGE = new Set(["usina.nizza", "revoke_race.nizza", "revoke_race_buggy.nizza", "lib_l4linux.nizza", "lib_viaduct.nizza", "lib_secure_gui.nizza"]);

const files = [
  ...readdirSync("scenarios").filter((f) => f.endsWith(".nizza") && !TOO_LARGE.has(f)).map((f) => join("scenarios", f)),
  ...readdirSync("scenarios/faults").filter((f) => f.endsWith(".nizza")).map((f) => join("scenarios/faults", f)),
].sort();

describe("shipped scenarios with and without reductions", () => {
  it("covers the library demonstrations, the fault-flag pairs and the replicated clients", () => {
    expect(files).toContain("scenarios/replicated_clients.nizza");
    expect(files.filter((f) => f.startsWith("scenarios/faults/")).length).toBe(18);
  });

  it.each(files)("%s: the same verdicts and TCB sets with partial-order and symmetry reduction on and off", (file) => {
    const c = compileFile(file);
    expect(c.model).not.toBeNull();
    const on = check(c.model!, { stopEarly: false });
    const off = check(c.model!, { stopEarly: false, por: false, symmetry: false });
    expect([on.stats.bound, off.stats.bound]).toEqual([null, null]);
    const verdicts = (r: typeof on) => r.invariants.map((i) => [i.text, i.verdict, i.met]);
    expect(verdicts(on)).toEqual(verdicts(off));
    expect(on.invariants.every((i) => i.met)).toBe(true);
    expect(on.tcb).toEqual(off.tcb);
    expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
    // replicated_clients without reductions: 1.9 M states on one thread, about three minutes.
  }, 600_000);
});
