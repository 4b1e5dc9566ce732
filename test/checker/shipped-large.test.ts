// The two largest shipped scenarios give the same verdicts and TCB sets with every reduction on and off.
import { describe, it } from "vitest";
import { LARGE, sameWithAndWithoutReductions } from "./shipped-cases.js";

describe("the largest shipped scenarios with and without reductions", () => {
  // lib_secure_gui: about 6 M states with the reductions and more without; replicated_clients:
  // 1.9 M without. Several minutes on one thread of the 2-core reference machine.
  it.each(LARGE)("%s: the same verdicts and TCB sets with partial-order, symmetry and dead-value reduction on and off", (file) => sameWithAndWithoutReductions(file), 900_000);
});
