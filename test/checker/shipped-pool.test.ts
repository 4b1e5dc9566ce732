// The shipped scenario with two replicated families (client_pool) gives the same verdicts and TCB sets with every reduction on and off.
import { describe, it } from "vitest";
import { LARGE, sameWithAndWithoutReductions } from "./shipped-cases.js";

describe("the shipped scenario with two families with and without reductions", () => {
  // client_pool: both families permuted, the clients' worker capabilities with them (288,277
  // states); 4.4 M states without the reductions, about half a minute on one thread.
  it.each(LARGE.slice(3, 4))("%s: the same verdicts and TCB sets with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 900_000);
});
