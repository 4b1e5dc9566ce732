// Test helper for the invariant suites: build a small scenario, explore it naively (reach), and run monitors in breadth-first order.
import { buildSystem, type System } from "../../../src/components/step.js";
import type { InvariantModel } from "../../../src/dsl/model.js";
import type { SafetyMonitor } from "../../../src/checker/monitor.js";
import { safetyMonitor } from "../../../src/checker/invariants/index.js";
import { check as checkScenario } from "../../../src/checker/check.js";
import { compile } from "../../kernel/harness.js";
import { reach, type Reach } from "../../components/reach.js";

export interface Found {
  /** The state the failure is in (for a transition check, the target). */
  readonly state: number;
  readonly reason: string;
}

/** Compiles and builds a scenario. */
export function system(text: string): System {
  return buildSystem(compile(text));
}

/** The invariant named `name` (or the only one). */
export function invariant(sys: System, name?: string): InvariantModel {
  const invs = sys.model.invariants.filter((i) => name === undefined || i.name === name);
  if (invs.length !== 1) throw new Error(`${invs.length} invariants match ${name ?? "(any)"}`);
  return invs[0]!;
}

/**
 * The first failure of a monitor in breadth-first order: states in the order reach()
 * found them, and each state's outgoing transitions after it (as the explorer meets them).
 */
export function firstFailure(m: SafetyMonitor | { state(s: Int32Array): string | null }, r: Reach): Found | null {
  const out = new Map<number, typeof r.edges>();
  for (const e of r.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  for (let i = 0; i < r.states.length; i++) {
    const why = m.state?.(r.states[i]!);
    if (why) return { state: i, reason: why };
    if ("step" in m && m.step)
      for (const e of out.get(i) ?? []) {
        const w = m.step(r.states[e.from]!, e.step, r.states[e.to]!);
        if (w) return { state: e.to, reason: w };
      }
  }
  return null;
}

/** Explores a scenario and returns the first failure of its (only, or named) invariant. */
export function check(text: string, name?: string): { sys: System; r: Reach; found: Found | null } {
  const sys = system(text);
  const m = safetyMonitor(sys, invariant(sys, name));
  if (!m) throw new Error("not a safety invariant");
  const r = reach(sys);
  return { sys, r, found: firstFailure(m, r) };
}

/** The whole check's verdict on a scenario's only invariant, with its counterexample's length and reason. */
export function verdictOf(text: string): [string, number | null, string | null] {
  const inv = checkScenario(compile(text)).invariants[0]!;
  return [inv.verdict, inv.counterexample?.steps.length ?? null, inv.counterexample?.reason ?? null];
}
