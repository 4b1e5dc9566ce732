// Path events: which of a path's events (spec/language.md §11) a step makes happen, and to which EC.
import type { System, StepInfo } from "../components/step.js";
import type { EventModel } from "../dsl/model.js";
import { ecGet, ecState } from "../kernel/ec.js";
import { EC, EcState, type StateVector } from "../kernel/layout.js";
import { enter } from "../kernel/scheduler.js";
import { copyCounts, P, type Counts } from "../machine/meter.js";
import { Status } from "../kernel/status.js";

/** One occurrence of an event in a step: the EC it happened to (-1: a device's `fires`). */
export interface Occurrence {
  readonly ec: number;
  /**
   * For the events whose subject is woken (`receives`, `gets reply`, `resumes`, `delivers`):
   * the primitives of dispatching it, when the step did not run it itself — the event has
   * happened once the subject runs (spec/costs.md §Paths). Null when nothing is owed.
   */
  readonly dispatch: Counts | null;
}

/** Statements whose pending IPC is a page fault or an exception, not a call. */
const FAULTING = new Set(["read", "write", "raise"]);

/**
 * An event compiled against a booted system: `match` lists its occurrences in the step
 * `step` from `s` to `n` (both vectors valid only during the call). The step must carry its
 * primitive counts (`System.metered`).
 */
export class EventMatcher {
  /** Per subject component (or device): the PTs of its portals, for `calls` and `receives`. */
  private readonly pts: Map<number, Set<number>>;
  private readonly subjects: Set<number>;
  constructor(
    private readonly sys: System,
    readonly event: EventModel,
  ) {
    const L = sys.k.L;
    this.subjects = new Set(event.subjects);
    this.pts = new Map(event.subjects.map((c, j) => [c, new Set((event.portals[j] ?? []).flatMap((p) => L.boot.portalPts[p] ?? []))]));
  }

  /** Whether the subject is a device (`fires`, `delivers`). */
  get onDevice(): boolean {
    return this.event.verb === "fires" || this.event.verb === "delivers";
  }

  match(s: StateVector, step: StepInfo, n: StateVector): Occurrence[] {
    const L = this.sys.k.L;
    const out: Occurrence[] = [];
    switch (this.event.verb) {
      case "calls":
        // The step in which an EC of the subject issues a call the kernel accepts.
        if (step.op === "call" && step.status === Status.SUCCESS && this.pts.get(step.component)?.has(step.obj)) out.push({ ec: step.ec, dispatch: null });
        break;
      case "faults":
        if (step.ec >= 0 && this.subjects.has(step.component) && (step.op === "raise" || (step.cost[P.pageFault] ?? 0) > 0)) out.push({ ec: step.ec, dispatch: null });
        break;
      case "fires":
        if (step.kind === "irq" && this.subjects.has(step.obj)) out.push({ ec: -1, dispatch: null });
        break;
      case "receives":
        for (let h = 0; h < L.counts.ec; h++) {
          const pd = ecGet(n, L, h, EC.PD);
          if (!this.subjects.has(pd) || ecState(n, L, h) === EcState.FREE) continue;
          const caller = ecGet(n, L, h, EC.PARTNER);
          if (caller < 0 || (ecGet(s, L, h, EC.PARTNER) === caller && ecState(s, L, h) === EcState.RUNNABLE)) continue;
          if (this.pts.get(pd)?.has(this.deliveredOn(s, step, h))) out.push({ ec: h, dispatch: this.dispatchOf(step, n, h) });
        }
        break;
      case "gets reply":
      case "resumes":
        if (step.op !== "reply") break;
        for (let e = 0; e < L.counts.ec; e++) {
          if (!this.subjects.has(ecGet(n, L, e, EC.PD))) continue;
          if (ecState(s, L, e) !== EcState.REPLY || ecState(n, L, e) !== EcState.RUNNABLE || ecGet(n, L, e, EC.STATUS) !== Status.SUCCESS) continue;
          // A thread's pending IPC is a call or a fault by its statement; an adversary EC runs no
          // statements, and a reply ends either kind of wait (spec/language.md §11).
          const prog = this.sys.programs[e];
          if (prog) {
            const faulting = FAULTING.has(prog.code[ecGet(s, L, e, EC.PC)]?.op ?? "");
            if (faulting !== (this.event.verb === "resumes")) continue;
          }
          out.push({ ec: e, dispatch: this.dispatchOf(step, n, e) });
        }
        break;
      case "delivers":
        for (const d of this.event.subjects) {
          const sm = L.boot.deviceIrqSm[d] ?? -1;
          if (sm < 0) continue;
          // A waiter on the interrupt's semaphore woken (by the interrupt), or a down that takes a pending one.
          for (let w = 0; w < L.counts.ec; w++)
            if (ecState(s, L, w) === EcState.SM && ecGet(s, L, w, EC.WAIT) === sm && ecState(n, L, w) === EcState.RUNNABLE && ecGet(n, L, w, EC.STATUS) === Status.SUCCESS)
              out.push({ ec: w, dispatch: this.dispatchOf(step, n, w) });
          // (A down that took the interrupt did not block: the EC runs on, or is done when it was its last statement.)
          if ((step.op === "down" || step.op === "sm_down") && step.obj === sm && step.status === Status.SUCCESS && ecState(n, L, step.ec) !== EcState.SM && ecState(s, L, step.ec) === EcState.RUNNABLE)
            out.push({ ec: step.ec, dispatch: null });
        }
        break;
    }
    return out;
  }

  /** The PT through which `h` got its new partner in this step. */
  private deliveredOn(s: StateVector, step: StepInfo, h: number): number {
    const L = this.sys.k.L;
    if (ecState(s, L, h) === EcState.RECV) return ecGet(s, L, h, EC.WAIT);
    if (step.op === "call" || step.op === "recv") return step.obj;
    // A fault or an exception delivered to an idle handler: the faulting EC's event portal.
    if (step.ec >= 0 && step.op === "raise") return ecGet(s, L, step.ec, EC.EXC_PT);
    if (step.ec >= 0) return ecGet(s, L, step.ec, EC.PAGER_PT);
    return -1;
  }

  /** The primitives of dispatching `ec` after the step (none when the step ran `ec`). */
  private dispatchOf(step: StepInfo, n: StateVector, ec: number): Counts | null {
    return step.ec === ec ? null : dispatchCounts(this.sys, n, ec);
  }
}

/** The primitives of dispatching `ec` in state `s` (context and address-space switch), or null when it costs nothing. */
export function dispatchCounts(sys: System, s: StateVector, ec: number): Counts | null {
  const k = sys.k;
  // Dispatching writes the copy, which is dropped: one scratch vector per system, not a
  // `slice()` per call (a backing store of its own each time).
  let copy = scratch.get(sys);
  if (!copy) scratch.set(sys, (copy = new Int32Array(s.length)));
  copy.set(s);
  k.meter.reset();
  enter(k, copy, ec);
  const raw = k.meter.raw;
  for (let i = 0; i < raw.length; i++) if (raw[i] !== 0) return copyCounts(raw);
  return null;
}

/** `dispatchCounts`' scratch vector, per system. */
const scratch = new WeakMap<System, StateVector>();
