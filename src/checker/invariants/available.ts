// available(c.p): from every reachable state, a state is reachable in which p's server waits for requests again (each replica's p, when c is replicated).
import type { System } from "../../components/step.js";
import { ecGet } from "../../kernel/ec.js";
import { EC, EcState, type StateVector } from "../../kernel/layout.js";

/**
 * Whether an EC waits in RECV on one of portal `p`'s PTs (one per CPU for an untrusted
 * component's portal) in `s` (spec/invariants.md §7). An invariant on a replicated
 * component's portal asks this of each replica's portal apart.
 */
export function serverWaits(sys: System, p: number, s: StateVector): boolean {
  const L = sys.k.L;
  for (const pt of L.boot.portalPts[p]!) {
    for (let ec = 0; ec < L.counts.ec; ec++)
      if (ecGet(s, L, ec, EC.STATE) === EcState.RECV && ecGet(s, L, ec, EC.WAIT) === pt) return true;
  }
  return false;
}

