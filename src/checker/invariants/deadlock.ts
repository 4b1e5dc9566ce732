// deadlock_free: no reachable state from which an execution context waits for ever — a dead state as it is met, or a wait no run ends while other steps go on, on the explored graph.
import type { System } from "../../components/step.js";
import { ecName } from "../../components/names.js";
import { ecGet } from "../../kernel/ec.js";
import { EC, EcState, EC_STATE_NAMES, type StateVector } from "../../kernel/layout.js";
import type { Graph } from "../explore.js";
import type { Symmetry } from "../symmetry.js";
import { cannotReach, firstByRank, orbitsOf, placeIn, type Levels, type Reversed } from "./graph.js";

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
 * The first state, in the breadth-first order of one thread (`levels`), from which some EC waits
 * for ever (spec/invariants.md §8), with every EC doomed there and the state it waits in; null if
 * none. Other steps may go on there, or none (a dead state, which the judge also met). `blocked`: per EC, a byte per state, its EC state + 1 where it waits in CALL, REPLY or SM
 * without a timeout (the judge's record). The states from which such an EC cannot reach a state
 * where it does not so wait are found backwards over the complete explored graph; under symmetry
 * reduction each EC is followed through the permutations the graph keeps (graph.ts `Orbit`), so
 * the ECs named are the representative's.
 */
export function endlessWait(sys: System, graph: Graph, back: Reversed, lv: Levels, blocked: ReadonlyMap<number, Uint8Array>, sym: Symmetry | null): { state: number; waiters: { ec: number; wait: number }[] } | null {
  let first = -1;
  let waiters: { ec: number; wait: number }[] = [];
  for (const orbit of orbitsOf(sym, graph, sys.k.L.counts.ec, (ec) => placeIn(sym, (m) => m.ec, ec))) {
    if (!orbit.items.some((ec) => blocked.has(ec))) continue;
    const targets = orbit.items.map((ec) => {
      const waits = blocked.get(ec);
      const target = new Uint8Array(back.states).fill(1);
      if (waits) for (let i = 0; i < back.states && i < waits.length; i++) if (waits[i]) target[i] = 0;
      return target;
    });
    cannotReach(graph, back, orbit, targets).forEach((stuck, k) => {
      const i = firstByRank(lv, stuck);
      if (i < 0 || (first >= 0 && lv.rank[i]! > lv.rank[first]!)) return;
      const ec = orbit.items[k]!;
      const w = { ec, wait: blocked.get(ec)![i]! - 1 };
      if (i === first) waiters.push(w);
      else [first, waiters] = [i, [w]];
    });
  }
  if (first < 0) return null;
  return { state: first, waiters: waiters.sort((a, b) => a.ec - b.ec) };
}

/** Why a state found by `endlessWait` is a deadlock, naming the ECs that wait for ever (`ecOf` maps them to the run's, under symmetry reduction). */
export function endlessWaitReason(sys: System, waiters: readonly { ec: number; wait: number }[], ecOf: (ec: number) => number): string {
  const who = waiters.map((w) => ({ ec: ecOf(w.ec), wait: w.wait })).sort((a, b) => a.ec - b.ec).map((w) => `${ecName(sys.model, sys.k.L, w.ec)} (${EC_STATE_NAMES[w.wait]})`);
  const them = who.length === 1 ? "it" : "them";
  return `from here on ${who.join(", ")} ${who.length === 1 ? "waits" : "wait"} for ever: no run from this state wakes ${them}, though other steps are still enabled`;
}
