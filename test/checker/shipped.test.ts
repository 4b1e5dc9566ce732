// Every shipped scenario but the largest gives the same verdicts, TCB sets and path timings with every reduction on and off.
import { describe, expect, it } from "vitest";
import { LARGE, SHIPPED, sameWithAndWithoutReductions } from "./shipped-cases.js";

const files = SHIPPED.filter((f) => !LARGE.includes(f));

describe("shipped scenarios with and without reductions", () => {
  it("covers every shipped scenario: the main job's, the fault-flag pairs and the library", () => {
    expect(files.length + LARGE.length).toBe(SHIPPED.length);
    expect(SHIPPED).toEqual(expect.arrayContaining(LARGE));
    expect(SHIPPED).toContain("scenarios/usina.nizza");
    expect(SHIPPED.filter((f) => f.startsWith("scenarios/faults/")).length).toBe(18);
    expect(SHIPPED.filter((f) => f.startsWith("scenarios/lib/")).length).toBe(8);
  });

  it.each(files)("%s: the same verdicts, TCB sets and path timings with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 600_000);
});
