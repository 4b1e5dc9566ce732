// The safety monitors of the invariants (spec/invariants.md): one factory over every property kind.
import type { InvariantModel } from "../../dsl/model.js";
import type { System } from "../../components/step.js";
import type { SafetyMonitor, SafetyMonitorFactory } from "../monitor.js";
import { alwaysMonitor } from "./always.js";
import { neverFlowsMonitor } from "./flows.js";
import { isolatedMonitor } from "./isolated.js";
import { revocableMonitor } from "./revocable.js";

export { assertMonitor, failedAssert, type AssertMonitor } from "./assert.js";
export { TcbAccumulator, type TcbFailure, type TcbSet } from "./tcb.js";

/**
 * The monitor of a safety invariant: `always`, `never`, `never flows`, `isolated` and
 * `revocable`. Null for the others: the TCB bounds are judged at the end on a
 * TcbAccumulator, `available` and `deadlock_free` on the explored graph.
 */
export const safetyMonitor: SafetyMonitorFactory = (sys: System, inv: InvariantModel): SafetyMonitor | null => {
  switch (inv.prop.kind) {
    case "always":
    case "never":
      return alwaysMonitor(sys, inv);
    case "never_flows":
      return neverFlowsMonitor(sys, inv);
    case "isolated":
      return isolatedMonitor(sys, inv);
    case "revocable":
      return revocableMonitor(sys, inv);
    case "tcb_subset":
    case "tcb_sloc":
    case "available":
    case "deadlock_free":
      return null;
  }
};
