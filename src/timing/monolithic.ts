// The monolithic baseline: a step's primitives when the scenario's services are kernel code reached by a system call.
import type { System } from "../components/step.js";
import { ecGet } from "../kernel/ec.js";
import { CPU, EC, type StateVector } from "../kernel/layout.js";
import { copyCounts, P, type Counts } from "../machine/meter.js";

/**
 * Which components are kernel code under the baseline (spec/costs.md §The monolithic
 * baseline): the trusted components that serve a portal. Everything else — untrusted
 * components, and trusted ones that serve nothing — are user processes.
 */
export function servicesOf(sys: System): Uint8Array {
  const out = new Uint8Array(sys.model.components.length);
  for (const p of sys.model.portals) if (sys.model.components[p.owner]?.trusted) out[p.owner] = 1;
  return out;
}

/** Primitives that only crossing into or out of the kernel, or between address spaces, costs. */
const CROSSING = [P.kernelEntry, P.kernelExit, P.contextSwitch, P.asSwitch, P.tlbFlush];
const SWITCH = [P.contextSwitch, P.asSwitch, P.tlbFlush];

/**
 * `counts` (a step of `actor`, or dispatching `actor`; `s` the state before it) under the
 * baseline:
 * - a service's steps run inside the kernel, in the system call that reached them: no
 *   kernel entry or exit and no switch; their other work stays — the message words copied
 *   between the process and the kernel (copy_from_user, copy_to_user), capability transfers,
 *   page faults, shootdowns, revoked nodes, TLB refills;
 * - a process's step keeps its kernel entry and exit (a call to a service is one system
 *   call: both are counted on it, and the service's reply costs nothing more) and its message
 *   words, but switching to it is free when the CPU was running a service — returning from
 *   the system call, not a process switch;
 * - device and timer steps (`actor` < 0) are unchanged.
 */
export function monolithicCounts(sys: System, services: Uint8Array, s: StateVector, actor: number, counts: Counts): Counts {
  if (actor < 0) return counts;
  const L = sys.k.L;
  const out = copyCounts(counts);
  const pd = ecGet(s, L, actor, EC.PD);
  if (services[pd]) {
    for (const p of CROSSING) out[p] = 0;
    return out;
  }
  const cur = s[L.base.cpu + ecGet(s, L, actor, EC.CPU) * CPU.SIZE + CPU.CUR]!;
  if (cur >= 0 && services[ecGet(s, L, cur, EC.PD)]) for (const p of SWITCH) out[p] = 0;
  return out;
}
