// Sampling for the footprint tests: a small seeded index generator, and reachable states spread over a breadth-first search.
import { explore } from "../../src/checker/explore.js";
import type { System } from "../../src/components/step.js";
import type { StateVector } from "../../src/kernel/layout.js";

/** A small deterministic generator of indices below `n` (xorshift; the property's seed drives it). */
export function rng(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** Up to `n` reachable states of `sys`, spread over its first `max` (breadth first, as `check` explores: every state in normal form). */
export function statesOf(sys: System, n: number, max: number): StateVector[] {
  const all: StateVector[] = [];
  explore(sys, { maxStates: max, por: false }, { state: (s) => void all.push(Int32Array.from(s)) });
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}
