// deadlock_free: no reachable state from which an execution context waits for ever — a dead state here; a wait no run ends while other steps go on is found on the explored graph (check.ts).
import type { System } from "../../components/step.js";
import { ecName } from "../../components/names.js";
import { ecGet } from "../../kernel/ec.js";
import { EC, EcState, EC_STATE_NAMES, type StateVector } from "../../kernel/layout.js";

/**
 * The reason a state with no enabled step is a deadlock (spec/invariants.md §deadlock_free),
 * or null when it is an end: every EC is done, dead, free, or a server idle in RECV.
 * An EC blocked in CALL, REPLY or on a semaphore (SM) waits for another EC that will never act.
 */
export function deadlockReason(sys: System, s: StateVector): string | null {
  const L = sys.k.L;
  const stuck: string[] = [];
  for (let ec = 0; ec < L.counts.ec; ec++) {
    const st = ecGet(s, L, ec, EC.STATE);
    if (st === EcState.CALL || st === EcState.REPLY || st === EcState.SM) stuck.push(`${ecName(sys.model, L, ec)} (${EC_STATE_NAMES[st]})`);
  }
  if (stuck.length === 0) return null;
  return `no step is enabled, and ${stuck.join(", ")} ${stuck.length === 1 ? "waits" : "wait"} for ever`;
}
