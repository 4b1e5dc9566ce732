// The timed state graph: every explored edge with its primitive counts and the path events it makes happen.
import { explore, type Exploration, type ExploreHooks, type ExploreOptions } from "../checker/explore.js";
import { buildSystem, useMmioValues, type System } from "../components/step.js";
import type { PathModel, SystemModel } from "../dsl/model.js";
import type { Counts } from "../machine/meter.js";
import { Status } from "../kernel/status.js";
import { dispatchCounts, EventMatcher } from "./events.js";
import { monolithicCounts, servicesOf } from "./monolithic.js";

/** Count vectors interned: most edges share one of a few dozen. */
export class CountTable {
  readonly vectors: Counts[] = [];
  /** A hash of a vector's counts → the ids of the vectors with that hash. */
  private readonly ids = new Map<number, number[]>();
  id(v: Counts): number {
    let h = 0;
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ (v[i]! | 0), 0x01000193) ^ i;
    const same = this.ids.get(h);
    if (same)
      outer: for (const id of same) {
        const w = this.vectors[id]!;
        if (w.length !== v.length) continue;
        for (let i = 0; i < v.length; i++) if (w[i] !== v[i]) continue outer;
        return id;
      }
    const id = this.vectors.length;
    this.vectors.push(v);
    if (same) same.push(id);
    else this.ids.set(h, [id]);
    return id;
  }
}

/** A growable Int32 column, one entry per edge. */
class Column {
  data = new Int32Array(1024);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const d = new Int32Array(Math.max(i + 1, this.data.length * 2));
      d.set(this.data);
      this.data = d;
    }
    this.data[i] = v;
  }
  trim(n: number): Int32Array {
    return this.data.slice(0, n);
  }
}

/**
 * One event side of a path on every edge: `ec[e]` is NONE when the event does not happen in
 * edge e, -1 for a device event, else the EC it happened to; `dispatch[e]` interned counts
 * (-1: none), in the microkernel's and the baseline's terms. On the end side they are owed for
 * dispatching the woken subject, and added; on the start side they are what the step spent
 * dispatching its actor before the event happened (whoever the event's subject), and not
 * counted (spec/costs.md §Paths).
 */
export interface EventColumn {
  readonly ec: Int32Array;
  readonly dispatch: Int32Array;
  readonly dispatchMono: Int32Array;
}
export const NONE = -2;

/** The timing exploration's options: the explorer's, dead-value clearing, and a progress hook (ExploreHooks.progress). */
export type TimingOptions = ExploreOptions & {
  readonly deadValues?: boolean;
  readonly progress?: ExploreHooks["progress"];
  /** The values MMIO windows take from outside (`System.mmio`): the check's, so that paths are timed on the system it explored; default [0]. */
  readonly mmio?: readonly number[];
};

export interface TimedGraph {
  readonly sys: System;
  readonly exploration: Exploration;
  readonly counts: CountTable;
  /** Per edge (the exploration's graph order): its counts' id, under the microkernel and under the baseline. */
  readonly cost: Int32Array;
  readonly costMono: Int32Array;
  /** Per path (model order): its start and end event on every edge. */
  readonly events: readonly { readonly from: EventColumn; readonly to: EventColumn }[];
  /**
   * Per edge: the EC whose blocking operation times out or is aborted in it (its timeout, or its
   * completion with TIMEOUT or ABORTED), or NONE. A measurement of that EC's call ends there
   * without an end event: it is dropped (spec/costs.md §Paths, "a call that times out measures nothing").
   */
  readonly gaveUp: Int32Array;
}

/**
 * Explores `model` once for path timing: breadth-first, without symmetry reduction (a path's
 * events name ECs, which a permutation of replicas moves), with partial-order reduction of
 * local steps (they cost nothing and make no event) and dead-variable clearing, but every
 * interrupt is raised: one that nothing can observe still costs its delivery (spec/costs.md §Paths).
 */
export function timedGraph(model: SystemModel, paths: readonly PathModel[], options: TimingOptions = {}): TimedGraph {
  const sys = buildSystem(model);
  sys.footprints = false;
  sys.metered = true;
  if (options.mmio) useMmioValues(sys, options.mmio);
  // Dead variables only merge states that differ in values nothing reads. Quiet interrupts are
  // not for timing: an interrupt no one can take changes nothing an invariant sees, but its
  // delivery costs cycles on the CPU it interrupts, in the middle of a path.
  sys.deadVariables = options.deadValues !== false;
  sys.quietIrqs = false;
  const counts = new CountTable();
  const services = servicesOf(sys);
  const cost = new Column();
  const costMono = new Column();
  const gaveUp = new Column();
  const matchers = paths.map((p) => ({ from: new EventMatcher(sys, p.from), to: new EventMatcher(sys, p.to) }));
  const cols = paths.map(() => ({ from: [new Column(), new Column(), new Column()], to: [new Column(), new Column(), new Column()] }));
  let e = 0;
  const exploration = explore(
    sys,
    { ...options, symmetry: null, por: options.por ?? true, graph: true },
    {
      progress: options.progress,
      edge: (s, _from, x, _ordinal, _to) => {
        cost.set(e, counts.id(x.step.cost));
        costMono.set(e, counts.id(monolithicCounts(sys, services, s, x.step.ec >= 0 && x.step.kind !== "timeout" ? x.step.ec : -1, x.step.cost)));
        // Every edge, every path, both sides: plain loops, no arrays made or destructured per edge.
        const step = x.step;
        gaveUp.set(e, step.ec >= 0 && (step.kind === "timeout" || step.status === Status.TIMEOUT || step.status === Status.ABORTED) ? step.ec : NONE);
        // The start side: the dispatch of the step's actor at the start of its step (from the state
        // before it), which comes before the event whatever its subject; devices and timers dispatch nothing.
        const actor = step.kind === "irq" || step.kind === "dma" || step.kind === "timeout" ? -1 : step.ec;
        for (let p = 0; p < matchers.length; p++) {
          for (let side = 0; side < 2; side++) {
            const to = side === 1;
            // The columns: the event's EC, its dispatch's counts, and those under the baseline.
            const c = to ? cols[p]!.to : cols[p]!.from;
            // One occurrence per step at most in practice; the first is kept (one step wakes one EC).
            const o = (to ? matchers[p]!.to : matchers[p]!.from).match(s, step, x.state)[0];
            c[0]!.set(e, o ? o.ec : NONE);
            const owed = to ? o?.dispatch ?? null : o && actor >= 0 ? dispatchCounts(sys, s, actor) : null;
            c[1]!.set(e, owed ? counts.id(owed) : -1);
            c[2]!.set(e, owed ? counts.id(to ? monolithicCounts(sys, services, x.state, o?.ec ?? -1, owed) : monolithicCounts(sys, services, s, actor, owed)) : -1);
          }
        }
        e++;
      },
    },
  );
  const n = exploration.graph?.count ?? 0;
  if (n !== e) throw new Error(`timed graph: ${e} edges seen, ${n} in the graph`);
  const column = (c: Column[]): EventColumn => ({ ec: c[0]!.trim(n), dispatch: c[1]!.trim(n), dispatchMono: c[2]!.trim(n) });
  return {
    sys,
    exploration,
    counts,
    cost: cost.trim(n),
    costMono: costMono.trim(n),
    events: cols.map((c) => ({ from: column(c.from), to: column(c.to) })),
    gaveUp: gaveUp.trim(n),
  };
}
