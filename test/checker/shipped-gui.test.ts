// The largest shipped scenario (lib_secure_gui) gives the same verdicts and TCB sets with every reduction on and off: run on request (NIZZA_LARGE_TESTS=1), not in CI.
import { describe, it } from "vitest";
import { LARGE, sameWithAndWithoutReductions } from "./shipped-cases.js";

/**
 * lib_secure_gui: 6.0 M states with the reductions, 8.4 M without. About three minutes for
 * both on an idle core, but over seven in CI beside the other suites, which took CI past its
 * 15-minute budget: so it runs only when asked, `NIZZA_LARGE_TESTS=1 npx vitest run
 * test/checker/shipped-gui.test.ts` (the closing note of issue 5 records its last run).
 */
describe.runIf(process.env.NIZZA_LARGE_TESTS === "1")("the largest shipped scenario with and without reductions (NIZZA_LARGE_TESTS=1)", () => {
  it.each(LARGE.slice(2, 3))("%s: the same verdicts and TCB sets with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 1_800_000);
});
