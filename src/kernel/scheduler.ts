// The scheduler: per-CPU priority queues, round robin within a priority, SC budgets; or every runnable EC (all interleavings).
import { dispatch, Mode, setCpuMode } from "../machine/cpu.js";
import { ecCpu, ecGet, ecState } from "./ec.js";
import { EC, EcState, SC, type StateVector } from "./layout.js";
import { scGet, scOf, scSet } from "./sc.js";
import type { Kernel } from "./syscalls.js";

/** Rank of an SC whose EC is not runnable: behind every runnable peer when it wakes. */
const BACK = 1 << 20;

/** The SC of each EC (index by EC), -1 for an EC without one. */
function scByEc(s: StateVector, k: Kernel): Int32Array {
  const L = k.L;
  const out = new Int32Array(L.counts.ec).fill(-1);
  for (let c = 0; c < L.counts.sc; c++) if (scGet(s, L, c, SC.ALIVE)) out[scGet(s, L, c, SC.EC)] = c;
  return out;
}

/**
 * Whether an EC can take a step: runnable with an SC of its own, continuing a revoke,
 * or handling a call without an SC (NOVA's local EC: it runs on its caller's time).
 */
export function canRun(s: StateVector, k: Kernel, ec: number, sc: number): boolean {
  if (ecState(s, k.L, ec) !== EcState.RUNNABLE) return false;
  return sc >= 0 || runsWithoutSc(s, k, ec);
}

/** The SC-less half of `canRun`: the EC continues a revoke or handles a call. */
function runsWithoutSc(s: StateVector, k: Kernel, ec: number): boolean {
  return ecGet(s, k.L, ec, EC.REVOKE) >= 0 || ecGet(s, k.L, ec, EC.PARTNER) >= 0;
}

/** The SC an EC runs on: its own, or (a local EC handling a call) its caller's, transitively; -1 if none. */
function effectiveSc(s: StateVector, k: Kernel, scs: Int32Array, ec: number): number {
  let e = ec;
  for (let hops = 0; hops < k.L.counts.ec && e >= 0; hops++) {
    if (scs[e]! >= 0) return scs[e]!;
    e = ecGet(s, k.L, e, EC.PARTNER);
  }
  return -1;
}

/**
 * Whether `ec` may take the next step on `cpu` in "interleave" mode: whether `schedulable` lists
 * it, asked of one EC (the explorer asks for every EC of every state it expands, and needs no
 * list). No SC table: `canRun`, with the SC looked up (a search of the SCs) only for a runnable
 * EC that is not revoking or serving.
 */
export function interleaves(s: StateVector, k: Kernel, cpu: number, ec: number): boolean {
  const L = k.L;
  return ecCpu(s, L, ec) === cpu && ecState(s, L, ec) === EcState.RUNNABLE && (runsWithoutSc(s, k, ec) || scOf(s, L, ec) >= 0);
}

/**
 * The ECs that may take the next step on `cpu`. In "interleave" mode every one
 * that can run (the explorer tries them all); in "strict" mode the one the real
 * kernel picks: highest priority, then first in round-robin order.
 */
export function schedulable(s: StateVector, k: Kernel, cpu: number): number[] {
  const L = k.L;
  const all: number[] = [];
  if (L.config.scheduling === "interleave") {
    for (let e = 0; e < L.counts.ec; e++) if (interleaves(s, k, cpu, e)) all.push(e);
    return all;
  }
  const scs = scByEc(s, k);
  for (let e = 0; e < L.counts.ec; e++) if (ecCpu(s, L, e) === cpu && canRun(s, k, e, scs[e]!)) all.push(e);
  if (all.length <= 1) return all;
  let best = all[0]!;
  const key = (e: number): [number, number] => {
    const sc = effectiveSc(s, k, scs, e);
    return sc < 0 ? [-1, BACK] : [scGet(s, L, sc, SC.PRIO), scGet(s, L, sc, SC.RANK)];
  };
  for (const e of all) {
    const [p, r] = key(e);
    const [bp, br] = key(best);
    if (p > bp || (p === bp && r < br)) best = e;
  }
  return [best];
}

/**
 * Before `ec` runs a step: it becomes its CPU's current EC (context and address-space
 * switch), and the CPU is in kernel mode while the EC continues a preemptible revoke.
 */
export function enter(k: Kernel, s: StateVector, ec: number): void {
  const cpu = ecCpu(s, k.L, ec);
  dispatch(s, k.L, cpu, ec, k.meter);
  setCpuMode(s, k.L, cpu, ecGet(s, k.L, ec, EC.REVOKE) >= 0 ? Mode.KERNEL : Mode.USER);
}

/**
 * After `ec` ran a step, in strict mode: its SC's budget shrinks; an exhausted
 * budget is refilled and the SC goes behind its peers of equal priority. Ranks
 * are then renumbered 0..n-1 per CPU and priority, so the state stays finite.
 */
export function leave(k: Kernel, s: StateVector, ec: number): void {
  const L = k.L;
  if (L.config.scheduling !== "strict") return;
  const scs = scByEc(s, k);
  const sc = scs[ec]!;
  if (sc >= 0) {
    const left = scGet(s, L, sc, SC.BUDGET) - 1;
    if (left <= 0) {
      scSet(s, L, sc, SC.BUDGET, L.config.budget);
      scSet(s, L, sc, SC.RANK, BACK - 1);
    } else scSet(s, L, sc, SC.BUDGET, left);
  }
  // Renumber: runnable SCs keep their order within (cpu, prio); others go to the back.
  const groups = new Map<number, number[]>();
  for (let e = 0; e < L.counts.ec; e++) {
    const c = scs[e]!;
    if (c < 0) continue;
    if (!canRun(s, k, e, c)) {
      scSet(s, L, c, SC.RANK, BACK);
      continue;
    }
    const g = ecCpu(s, L, e) * 256 + scGet(s, L, c, SC.PRIO);
    const list = groups.get(g) ?? [];
    list.push(c);
    groups.set(g, list);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => scGet(s, L, a, SC.RANK) - scGet(s, L, b, SC.RANK) || a - b);
    list.forEach((c, i) => scSet(s, L, c, SC.RANK, i));
  }
}
