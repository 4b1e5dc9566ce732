// deadlock_free: no reachable state from which an execution context waits for ever — a dead state as it is met, or a wait no run ends while other steps go on, on the explored graph.
import type { System } from "../../components/step.js";
import { ecName } from "../../components/names.js";
import { ecGet } from "../../kernel/ec.js";
import { EC, EcState, EC_STATE_NAMES, type StateVector } from "../../kernel/layout.js";
import { cannotReach, type Reversed } from "./available.js";

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

/**
 * The first state, in exploration order, from which some EC waits for ever while other steps go
 * on (spec/invariants.md §8), with the reason naming every EC doomed there; null if none.
 * `blocked`: per EC, a byte per state, its EC state + 1 where it waits in CALL, REPLY or SM
 * without a timeout (the judge's record). The states from which such an EC cannot reach a state
 * where it does not so wait are found backwards over the complete explored graph.
 */
export function endlessWait(sys: System, back: Reversed, blocked: ReadonlyMap<number, Uint8Array>): { state: number; reason: string } | null {
  let first = -1;
  let who: string[] = [];
  for (const [ec, waits] of [...blocked].sort((a, b) => a[0] - b[0])) {
    const target = new Uint8Array(back.states).fill(1);
    for (let i = 0; i < back.states && i < waits.length; i++) if (waits[i]) target[i] = 0;
    const i = cannotReach(back, target).indexOf(1);
    if (i < 0 || (first >= 0 && i > first)) continue;
    const w = `${ecName(sys.model, sys.k.L, ec)} (${EC_STATE_NAMES[waits[i]! - 1]})`;
    if (i === first) who.push(w);
    else [first, who] = [i, [w]];
  }
  if (first < 0) return null;
  const them = who.length === 1 ? "it" : "them";
  return { state: first, reason: `from here on ${who.join(", ")} ${who.length === 1 ? "waits" : "wait"} for ever: no run from this state wakes ${them}, though other steps are still enabled` };
}
