// Test helper: every reachable state of a small scenario, by plain breadth-first search (the explorer's job, done naively).
import { successors, type StepInfo, type System } from "../../src/components/step.js";
import type { StateVector } from "../../src/kernel/layout.js";

export interface Edge {
  readonly from: number;
  readonly to: number;
  readonly step: StepInfo;
}

export interface Reach {
  readonly states: StateVector[];
  readonly edges: Edge[];
}

/** All states reachable from `sys.init`; throws when there are more than `limit` (the test is then too big). */
export function reach(sys: System, limit = 200_000): Reach {
  const key = (s: StateVector): string => Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("base64");
  const index = new Map<string, number>([[key(sys.init), 0]]);
  const states: StateVector[] = [sys.init];
  const edges: Edge[] = [];
  for (let i = 0; i < states.length; i++) {
    for (const x of successors(sys, states[i]!)) {
      const k = key(x.state);
      let to = index.get(k);
      if (to === undefined) {
        to = states.length;
        if (to >= limit) throw new Error(`more than ${limit} states`);
        index.set(k, to);
        states.push(x.state);
      }
      edges.push({ from: i, to, step: x.step });
    }
  }
  return { states, edges };
}
