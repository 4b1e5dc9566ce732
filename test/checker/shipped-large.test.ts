// The largest compared shipped scenario gives the same verdicts and TCB sets with every reduction on and off.
import { describe, it } from "vitest";
import { LARGE, sameWithAndWithoutReductions } from "./shipped-cases.js";

describe("the largest shipped scenarios with and without reductions", () => {
  // replicated_clients: 1.9 M states without the reductions, about three minutes on one thread.
  it.each(LARGE.slice(0, 1))("%s: the same verdicts and TCB sets with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 900_000);
});
