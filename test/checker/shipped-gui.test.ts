// The largest shipped scenario (lib_secure_gui) gives the same verdicts and TCB sets with every reduction on and off.
import { describe, it } from "vitest";
import { LARGE, sameWithAndWithoutReductions } from "./shipped-cases.js";

describe("the largest shipped scenario with and without reductions", () => {
  // lib_secure_gui: 11.6 M states with the reductions, 16.1 M without (since the adversary
  // knows the scenario's constants, 2026-11-23); 196 s in CI for both on
  // one thread from the build (test/built.ts). A file of its own, started first
  // (vitest.config.ts), so that the other suites run beside it on the second core.
  it.each(LARGE.slice(2, 3))("%s: the same verdicts and TCB sets with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 1_800_000);
});
