// Monitors: how an invariant watches an exploration — on every reachable state, on every transition, and at the end.
import type { StepInfo, System } from "../components/step.js";
import type { InvariantModel } from "../dsl/model.js";
import type { StateVector } from "../kernel/layout.js";
import type { Projection } from "./invariants/projection.js";

/**
 * A safety invariant, checked on every reachable state and transition. A failure is a
 * sentence saying why, in scenario terms ("linux_black knows [lan]: it reads
 * linux_black.ram, which carries it"); null means the invariant holds there. The explorer
 * keeps the first failure it meets in breadth-first order, which is at the least depth:
 * its trace is a shortest counterexample.
 */
export interface SafetyMonitor {
  readonly invariant: InvariantModel;
  /** Checked on every reachable state, the initial state included. */
  state?(s: StateVector): string | null;
  /**
   * The words `state` reads, when they are fewer than all: a state whose projection was
   * judged before is not judged again (invariants/projection.ts).
   */
  readonly reads?: Projection;
  /** Checked on every transition `from --step--> to` (also when `to` was seen before). */
  step?(from: StateVector, step: StepInfo, to: StateVector): string | null;
  /**
   * Whether `step` judges the transition `from --step--> to` at all (may fail there), for a
   * monitor with `step`: sleep sets (spec/invariants.md §10.1) leave out transitions whose step
   * was taken from another state, and only those it does not judge. Without it, every transition.
   */
  judges?(from: StateVector, step: StepInfo, to: StateVector): boolean;
}

/** Builds the monitor of one invariant; null for the invariants that are not safety properties. */
export type SafetyMonitorFactory = (sys: System, inv: InvariantModel) => SafetyMonitor | null;
