// The second largest compared shipped scenario (lib_viaduct) gives the same verdicts, TCB sets and path timings with every reduction on and off.
import { describe, it } from "vitest";
import { LARGE, sameWithAndWithoutReductions } from "./shipped-cases.js";

describe("the second largest shipped scenario with and without reductions", () => {
  // lib_viaduct: 1.2 M states with the reductions and without, about a minute each on one thread.
  it.each(LARGE.slice(1, 2))("%s: the same verdicts, TCB sets and path timings with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 900_000);
});
