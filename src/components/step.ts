// The step function: from a state, every enabled step of every EC (threads, adversaries, kernel continuations, devices), each with its successor.
import { expressionsOf, statementsOf, subexpressions, type ExprModel, type ObjectRef, type SystemModel } from "../dsl/model.js";
import type { NodeId } from "../dsl/source.js";
import { labelMask, regionLabels, taintRegion } from "../machine/memory.js";
import { dmaAllowed, devicePd } from "../machine/iommu.js";
import { quietCpus } from "../machine/cpu.js";
import { pte, tlbEntry } from "../machine/mmu.js";
import { copyCounts, Meter, type Counts } from "../machine/meter.js";
import { StateArena } from "../kernel/arena.js";
import { boot, rightsOf } from "../kernel/boot.js";
import { ALL_RIGHTS, capKind, capObject, capRights, Kind, NO_CAP, Right, type Cap } from "../kernel/cap.js";
import { ecGet, ecSet, ecState, msgWord, setVar, varLabels, varValue } from "../kernel/ec.js";
import { canTimeOut, continueRevoke, deviceIrq, memAccess, raiseException, timeout } from "../kernel/events.js";
import { itemSlot, waitingCallers } from "../kernel/ipc.js";
import { DEFAULT_CONFIG, EC, EcState, GLOBAL, type KernelConfig, type Layout, type StateVector } from "../kernel/layout.js";
import { markParents } from "../kernel/mdb.js";
import { adversaryStepsTaken, countAdversaryStep } from "../kernel/pd.js";
import { ptEc } from "../kernel/pt.js";
import { enter, interleaves, leave, schedulable } from "../kernel/scheduler.js";
import { smCount, SM_MAX } from "../kernel/sm.js";
import { capAt, findObject, globalSlot, slotsOf } from "../kernel/space.js";
import { Status, STATUS_NAMES } from "../kernel/status.js";
import { failed, invokeDecoded, smWaiters, syscall, SYSCALLS, type ArgsOf, type Entry, type Item, type Kernel, type Op, type SyscallArgs } from "../kernel/syscalls.js";
import { evalCond, evalSent, kernelObjects, noteMmioCompares, readable, regionValue, setRegionValue, unsendSeals, type Datum } from "./flow.js";
import { capName, ecName, objectName } from "./names.js";
import { deadVariableTables } from "./liveness.js";
import { compileAll, type Linked, type Program } from "./program.js";
import { OK, showValue } from "./values.js";

/** A booted scenario with its compiled behaviours: everything the step function needs. */
export interface System {
  readonly model: SystemModel;
  readonly k: Kernel;
  readonly programs: readonly Program[];
  readonly arena: StateArena;
  /** The initial state. */
  readonly init: StateVector;
  /**
   * Whether steps record their exact write set (`StepInfo.writes`, a diff of the whole vector)
   * and their primitive counts (`StepInfo.cost`, a copy of the meter) — two allocations per
   * successor. On by default; an exploration that needs neither turns it off, and replays
   * the steps of a trace with it on.
   */
  footprints: boolean;
  /**
   * Whether steps carry their primitive counts (`StepInfo.cost`) even with `footprints` off:
   * one allocation per successor, which path timing (src/timing) needs and nothing else does.
   */
  metered: boolean;
  /**
   * Whether an interrupt nobody can ever observe is not raised (spec/invariants.md §10.3). Off
   * in a fresh system, whose steps are the language's (spec/language.md §9); `check` turns it
   * on unless asked not to (`reductionsFor`), and so do its workers.
   */
  quietIrqs: boolean;
  /**
   * Whether a trusted thread's dead variables are cleared after each of its steps
   * (spec/invariants.md §10.3): off in a fresh system, on in `check`'s, like `quietIrqs`.
   */
  deadVariables: boolean;
  /**
   * Whether the CPUs' current-EC and mode words are kept in their normal form after each step
   * (`quietCpus`, spec/invariants.md §10.3): off in a fresh system and in path timing, which
   * counts context switches; on in `check`'s, like `quietIrqs`, unless a fault flag reads them.
   */
  quietCpus: boolean;
  /**
   * Whether a trusted thread's UTCB message (words and labels) is cleared after each step while
   * nothing will read it before it is written again (`clearDeadMessages`, spec/invariants.md
   * §10.3): off in a fresh system and in path timing; on in `check`'s, like `quietIrqs`.
   */
  deadMessages: boolean;
  /** Per thread, its statements' plans by pc (`Plan`): what each names, resolved at build. */
  readonly plans: readonly (readonly Plan[])[];
  /**
   * Per thread, per pc: 1 where its statement is a local step's (`localStep`: `count`, `repeat`,
   * or a branch on its own variables); null for a thread with none. Decided once per scenario,
   * so that a state with no thread at such a statement is told so without asking the scheduler.
   */
  readonly localPcs: readonly (Uint8Array | null)[];
  /** Per thread, its live variable slots at every pc, or null where its variables are observed. */
  readonly live: readonly (readonly Uint8Array[] | null)[];
  /** Devices whose interrupt semaphore some thread's statement names (up, down, delegate, revoke, item). */
  readonly namedIrqs: ReadonlySet<number>;
  /** The integer constants other than 0 that the scenario's threads use, unlabelled: every adversary knows them (spec/language.md §9.4). */
  readonly constants: readonly Datum[];
  /** The values data from outside may have (`outsideValues`): 0 first, then what conditions tell apart. */
  readonly outside: readonly number[];
  /**
   * The values a device's MMIO window takes from outside (spec/language.md §9.5): [0] in a
   * fresh system, where no step puts any (a window holds 0 until written); `check` widens them
   * (`useMmioValues`) to tell apart the comparisons `outsideCompared` found, and explores again.
   */
  mmio: readonly number[];
  /**
   * The comparisons (`==`, `!=` nodes) of threads' conditions that have been seen comparing data
   * that may have come from an MMIO window — data with a label such a device produces
   * (`mmioLabels`, `noteMmioCompares`) — as the steps are made; null when no device with an MMIO
   * window produces data, so that nothing is watched.
   */
  readonly outsideCompared: Set<number> | null;
  /** The labels of the devices with an MMIO window that produce data: what `outsideCompared` watches for (0 when nothing is watched). */
  readonly mmioLabels: number;
  /**
   * The most successors one call of `successors` makes (`boundSuccessors`): each is a whole
   * state vector, and a state of a large machine can have tens of thousands of steps (an
   * adversary's delegations and revokes of each of its ECs, one per CPU, grow with the square of
   * the CPUs), so past this many the call stops and sets `truncated`. A bound, like the
   * explorer's memory bound: the state was not expanded in full (spec/invariants.md §1).
   */
  maxSuccessors: number;
  /**
   * Which bound `maxSuccessors` is (`boundSuccessors`): "memory" when it is the successor vectors'
   * bytes, "successors" when it is the count a state record can number (src/checker/records.ts, `MAX_SUCCESSORS`).
   */
  successorBound: "memory" | "successors";
  /** Whether the last call of `successors` stopped at `maxSuccessors`. */
  truncated: boolean;
}

/** The successor vectors one call of `successors` may hold in a fresh system: 4 GiB, `check`'s default memory bound. */
export const SUCCESSOR_BYTES = 4 * 2 ** 30;

/**
 * Turns the dead-value reductions (spec/invariants.md §10.3) on or off in `sys`: quiet
 * interrupts, dead variables, dead messages and dead CPU words — the last not under a fault flag
 * that reads the current EC (`irq_priority_inversion`).
 */
export function useDeadValues(sys: System, on: boolean): void {
  sys.quietIrqs = sys.deadVariables = sys.deadMessages = on;
  sys.quietCpus = on && !sys.k.L.faults.has("irq_priority_inversion");
}

/** Sets `sys.maxSuccessors` for successor vectors of at most `bytes` in all (at least one successor), and at most `count` successors. */
export function boundSuccessors(sys: System, bytes: number, count = Infinity): void {
  const byBytes = Math.max(1, Math.floor(bytes / (4 * sys.init.length)));
  sys.maxSuccessors = Math.min(byBytes, count);
  sys.successorBound = count < byBytes ? "successors" : "memory";
}

export function buildSystem(model: SystemModel, config: KernelConfig = DEFAULT_CONFIG): System {
  const { kernel, state } = boot(model, config, new Meter());
  const programs = compileAll(model);
  // A thread with an empty body has nothing to do: it starts done.
  programs.forEach((p, ec) => p.code.length === 0 && ecSet(state, kernel.L, ec, EC.STATE, EcState.DONE));
  const constants = constantsOf(model, kernel.L.counts.mem);
  const mmioLabels = mmioLabelsOf(model);
  const sys: System = { model, k: kernel, programs, plans: plansOf(kernel.L, programs), localPcs: programs.map((p) => localPcsOf(p, mmioLabels !== 0)), arena: new StateArena(kernel.L.words), init: state, footprints: true, metered: false, quietIrqs: false, namedIrqs: namedIrqs(programs), constants, outside: outsideValues(model, constants), mmio: [0], outsideCompared: mmioLabels !== 0 ? new Set() : null, mmioLabels, deadVariables: false, quietCpus: false, deadMessages: false, live: deadVariableTables(model, programs), maxSuccessors: 0, successorBound: "memory", truncated: false };
  boundSuccessors(sys, SUCCESSOR_BYTES);
  return sys;
}

/**
 * The integer constants other than 0 in the scenario's threads' expressions, in order, as
 * unlabelled data. A real untrusted component can put any integer in a message; these are the
 * ones a trusted thread can tell apart from others (an `if` compares with them, a reply or a
 * call sends them), so an adversary that knows them can do whatever any integer would let it.
 *
 * With a pager in the scenario, also the integers a page fault's message holds (kernel.md
 * §10.3): the memory objects' numbers (`mems` of them) and the access bits 1, 2 and 4. They are
 * data a thread can hold and compare like a constant, so data from outside and an adversary's
 * must be able to equal them (spec/language.md §9.4, §9.5).
 */
function constantsOf(model: SystemModel, mems: number): Datum[] {
  const out = new Set<number>();
  for (const t of model.threads)
    for (const e of expressionsOf(statementsOf(t.body)).flatMap(subexpressions)) if (e.kind === "int" && e.value !== 0) out.add(e.value);
  if (model.components.some((c) => c.pager !== null)) for (const v of [...Array.from({ length: mems }, (_, m) => m), 1, 2, 4]) if (v !== 0) out.add(v);
  return [...out].sort((a, b) => a - b).map((value) => ({ value, labels: 0 }));
}

/**
 * The values data from outside may have (spec/language.md §9.5), as few as tell every condition's
 * outcomes apart — there is no arithmetic, so data matters only to `==` and `!=`: those of every
 * thread's condition and invariant's predicate (`tellApart`). What a DMA device writes.
 */
function outsideValues(model: SystemModel, constants: readonly Datum[]): number[] {
  const conds = [...model.threads.flatMap((t) => expressionsOf(statementsOf(t.body))), ...model.invariants.flatMap((i) => (i.prop.kind === "always" || i.prop.kind === "never" ? [i.prop.cond] : []))];
  return tellApart(conds.flatMap(subexpressions), constants);
}

/**
 * The values that tell apart the outcomes of the comparisons among `exprs` (spec/language.md §9.5):
 * - 0;
 * - each constant (an integer or `ok`) that a comparison has on one side;
 * - where a comparison has a constant on neither side (two data, which may both come from
 *   outside, or one from outside and one a thread holds): every constant of the scenario's
 *   threads, and `ok`;
 * - and where 0 is compared with, or two data are, one value equal to no constant, so that data
 *   can also differ from all of them.
 */
function tellApart(exprs: readonly ExprModel[], constants: readonly Datum[]): number[] {
  const out = new Set<number>([0]);
  let other = false;
  const constant = (e: ExprModel): number | null => (e.kind === "int" ? e.value : e.kind === "ok" ? OK : null);
  for (const e of exprs) {
    if (e.kind !== "eq" && e.kind !== "ne") continue;
    const sides = [constant(e.left), constant(e.right)];
    for (const c of sides) if (c !== null) out.add(c);
    if (sides.every((c) => c === null)) {
      other = true;
      for (const c of constants) out.add(c.value);
      out.add(OK);
    }
    if (sides.includes(0)) other = true;
  }
  if (other) {
    let fresh = 1;
    while (out.has(fresh)) fresh++;
    out.add(fresh);
  }
  return [...out];
}

/**
 * The values MMIO windows need so far (spec/language.md §9.5): those that tell apart the
 * comparisons of threads' conditions seen comparing data from a window (`outsideCompared`),
 * with the values the windows had already; null when they had them all (or nothing is
 * watched), else the wider list in ascending order (0 first, `ok` last), which `useMmioValues`
 * gives a system to explore again.
 */
export function widerMmioValues(sys: System): number[] | null {
  if (!sys.outsideCompared || sys.outsideCompared.size === 0) return null;
  const compared = sys.model.threads.flatMap((t) => expressionsOf(statementsOf(t.body))).flatMap(subexpressions).filter((e) => sys.outsideCompared!.has(e.node));
  const need = tellApart(compared, sys.constants);
  if (need.every((v) => sys.mmio.includes(v))) return null;
  return [...new Set([...sys.mmio, ...need])].sort((a, b) => a - b);
}

/** The labels of the devices with an MMIO window that produce data (`System.mmioLabels`). */
function mmioLabelsOf(model: SystemModel): number {
  return labelMask(model.machine.devices.filter((d) => d.mmioBytes > 0).flatMap((d) => d.produces));
}

/** Gives `sys`'s MMIO windows the values `values` from outside (0 first; [0] alone: no step puts any). */
export function useMmioValues(sys: System, values: readonly number[]): void {
  if (values[0] !== 0) throw new Error("MMIO values start with 0, what a window holds at boot");
  sys.mmio = values;
}

/**
 * Gives `sys`'s MMIO windows, if a device with one produces data, every value data from outside
 * may have (a DMA device's, `System.outside`): for a single walk — a random simulation,
 * `nizza run` — which cannot explore again to find which values matter (spec/language.md §9.5).
 */
export function useWalkMmioValues(sys: System): void {
  if (sys.outsideCompared) useMmioValues(sys, sys.outside);
}

/** The devices whose interrupt semaphore a statement of some thread names. */
function namedIrqs(programs: readonly Program[]): Set<number> {
  const out = new Set<number>();
  const note = (o: ObjectRef | null | undefined): void => void (o?.kind === "irq" && out.add(o.index));
  for (const p of programs)
    for (const i of p.code) {
      if (i.op === "up" || i.op === "down") note(i.sem);
      else if (i.op === "delegate" || i.op === "revoke") note(i.object);
      else if (i.op === "call" || i.op === "reply") note(i.item?.object);
    }
  return out;
}

export type StepKind = "thread" | "adversary" | "revoke" | "timeout" | "irq" | "dma";

/** One step, in scenario terms, with what the explorer needs for reduction and timing. */
export interface StepInfo {
  readonly kind: StepKind;
  /**
   * What the step did, for path events (src/timing/events.ts): a thread's statement op
   * ("call", "recv", "read", ...; "complete" for the step that completes a blocking
   * statement), an adversary's syscall op (or "read", "write", "dma", "raise"), "revoke"
   * for a revoke's continuation, "timeout", "irq", "dma" (a device's own DMA), "mmio" (data
   * from outside in a device's MMIO window; its kind is "dma", a device's data step).
   */
  readonly op: string;
  /**
   * The kernel object `op` names: the PT of a call or recv, the SM of an up or down, the
   * memory object of a read or write, the device of an interrupt, of its own DMA or of its MMIO
   * window's data; -1 when none.
   */
  readonly obj: number;
  /** The acting EC (-1 for a device). */
  readonly ec: number;
  readonly cpu: number;
  /** The acting component (-1 for a device). */
  readonly component: number;
  /** The statement executed, for a thread step: maps the step back to a source line. */
  readonly node: NodeId | null;
  /**
   * Who acted and what happened: "viaduct.crypto: recv encrypt -> pkt = 7 [lan]". Built
   * on first read (a getter): the explorer makes millions of steps and reads the text of
   * the few on a printed trace. Copying a step with spread or structured clone does not
   * carry it; read `text` instead.
   */
  readonly text: string;
  readonly status: Status;
  /** Primitive counts of the step (indexed by the meter's P); empty when `System.footprints` is off. */
  readonly cost: Counts;
  /** The state-vector words the step changed (exact); empty when `System.footprints` is off. */
  readonly writes: Int32Array;
  /**
   * What the step read: "local" when only the acting EC's own record and its CPU's
   * record (a thread's control flow on its own variables; dispatching the EC reads the
   * CPU's current EC), otherwise "all" (conservative).
   */
  readonly reads: "local" | "all";
  /**
   * Set on the step in which a revoke completes (spec/invariants.md §5, `revocable`): the
   * revoked global slot and the kind and object of its capability. That is the accepted
   * revoke system call itself when it leaves no continuation (always without `preemptible
   * revoke`; with it, when there was nothing to remove), or else the continuation's last
   * step. A revoke that completes in another EC's step (its slot removed by an ancestor's
   * revoke) is not marked.
   */
  readonly revoked?: { readonly slot: number; readonly kind: number; readonly object: number };
}

export interface Successor {
  readonly state: StateVector;
  readonly step: StepInfo;
}

/**
 * Every enabled step from `s`, in a fixed order (so a seeded random walk is reproducible): the
 * first `sys.maxSuccessors` of them, with `sys.truncated` set when there were more. An EC's
 * steps, a timeout and an interrupt add a handful at most, and an adversary's many are counted
 * one by one, so the list passes the bound by a few successors at most.
 */
export function successors(sys: System, s: StateVector, asleep = 0): Successor[] {
  const { k } = sys;
  const L = k.L;
  const out: Successor[] = [];
  const max = sys.maxSuccessors;
  sys.truncated = false;
  const interleave = L.config.scheduling === "interleave";
  for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
    // Interleaving, every EC that can run: `schedulable`'s list, without making one per CPU per state.
    if (interleave) {
      for (let ec = 0; ec < L.counts.ec; ec++) if (interleaves(s, k, cpu, ec) && (ec >= ACTOR_BITS || ((asleep >>> ec) & 1) === 0)) ecSteps(sys, s, ec, out);
    } else {
      // An index loop: for-of goes through the array iterator here (once per state).
      const ecs = schedulable(s, k, cpu);
      for (let j = 0; j < ecs.length; j++) ecSteps(sys, s, ecs[j]!, out);
    }
    if (out.length > max) return full(sys, out);
  }
  for (let ec = 0, a = L.counts.ec; ec < L.counts.ec; ec++, a++) if (canTimeOut(s, k, ec) && (a >= ACTOR_BITS || ((asleep >>> a) & 1) === 0)) timeoutStep(sys, s, ec, out);
  for (let dev = 0; dev < sys.model.machine.devices.length; dev++) irqSteps(sys, s, dev, out);
  for (let dev = 0; dev < sys.model.machine.devices.length; dev++) dmaSteps(sys, s, dev, out);
  if (sys.mmio.length > 1) for (let dev = 0; dev < sys.model.machine.devices.length; dev++) mmioSteps(sys, s, dev, out);
  return out.length > max ? full(sys, out) : out;
}

/**
 * Actors (reads.ts `actorOf`: EC `e` is actor `e`, the timeout of EC `e` actor `ecs + e`) below
 * this have a bit in a sleep set (spec/invariants.md §10.1): `successors` leaves out the steps of
 * the actors whose bits `asleep` sets. Only in "interleave" scheduling (sleep sets are off under
 * "strict").
 */
export const ACTOR_BITS = 31;

/** The steps of actor `actor` (reads.ts `actorOf`) from `s`, in the order `successors` lists them ("interleave" scheduling). */
export function actorSteps(sys: System, s: StateVector, actor: number): Successor[] {
  const { k } = sys;
  const L = k.L;
  const out: Successor[] = [];
  if (L.config.scheduling !== "interleave") throw new Error("actorSteps: only under interleave scheduling");
  if (actor < L.counts.ec) {
    if (interleaves(s, k, ecGet(s, L, actor, EC.CPU), actor)) ecSteps(sys, s, actor, out);
  } else if (actor < 2 * L.counts.ec && canTimeOut(s, k, actor - L.counts.ec)) timeoutStep(sys, s, actor - L.counts.ec, out);
  return out;
}

/** `successors` past the bound (`out` holds more than `maxSuccessors`): the first `maxSuccessors`, and `truncated` set. */
function full(sys: System, out: Successor[]): Successor[] {
  sys.truncated = true;
  out.length = sys.maxSuccessors;
  return out;
}

/** The steps of `ec`, which the scheduler lets run: a revoke's continuation, a thread's statement or an adversary's syscalls. */
function ecSteps(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  if (ecGet(s, sys.k.L, ec, EC.REVOKE) >= 0) revokeStep(sys, s, ec, out);
  else if (ec < sys.programs.length) threadSteps(sys, s, ec, out);
  else if (adversaryActs(sys, s, ec)) adversarySteps(sys, s, ec, out);
}

/**
 * Whether no EC can ever take `sm`, device `dev`'s interrupt semaphore, from `s` on: its count
 * is then dead — no later step reads it — and raising the interrupt changes nothing else
 * (there is no waiter to wake), so the step is not explored (spec/invariants.md §10.3).
 *
 * Only a `down` reads the count. A thread can name the semaphore only statically (its
 * statements name boot-time objects), so no thread may name it; and an adversary acts with
 * the capabilities it holds, so every holder of a capability to it — in a slot, or in flight
 * as a message item — must be a trusted component or an adversary that has used up its
 * `adversary steps`. Capabilities spread only through steps of such ECs, so this stays true.
 */
function unobservable(sys: System, s: StateVector, dev: number, sm: number): boolean {
  if (sys.namedIrqs.has(dev)) return false;
  const L = sys.k.L;
  const isSm = (c: Cap): boolean => c !== NO_CAP && capKind(c) === Kind.SM && capObject(c) === sm;
  for (let pd = 0; pd < L.counts.pd; pd++) {
    let holds = false;
    for (let i = 0; i < slotsOf(L, pd) && !holds; i++) holds = isSm(capAt(s, L, globalSlot(L, pd, i)));
    if (!holds) continue;
    const c = sys.model.components[pd];
    if (c === undefined) return false; // a PD of no component: assume the worst
    if (c.trusted) continue;
    if (c.adversarySteps === null || adversaryStepsTaken(s, L, pd) < c.adversarySteps) return false;
  }
  for (let ec = 0; ec < L.counts.ec; ec++) {
    const item = ecGet(s, L, ec, EC.MSG_CAP);
    if (item !== 0 && isSm(capAt(s, L, itemSlot(item)))) return false;
  }
  return true;
}

// ---- helpers -------------------------------------------------------------------------

/**
 * Copies the state and dispatches `ec` (unless `dispatch` is false: a statement that does
 * not enter the kernel, spec/language.md §9.2); `done` records the successor. The meter
 * counts the step's primitives from here, if anyone reads them (`footprints`, `metered`).
 */
function begin(sys: System, s: StateVector, ec: number, dispatch = true): StateVector {
  const n = sys.arena.copy(s);
  if (sys.footprints || sys.metered) sys.k.meter.reset();
  if (ec >= 0 && dispatch) enter(sys.k, n, ec);
  return n;
}

/** Scratch for `parentMarks`, grown to the largest slot table seen. */
let parentScratch = new Uint8Array(0);

/** `markParents` of `s` into a scratch array, valid until the next call: 1 for each slot with a descendant. */
function parentMarks(s: StateVector, L: Layout): Uint8Array {
  if (parentScratch.length < L.counts.slots) parentScratch = new Uint8Array(L.counts.slots);
  markParents(s, L, parentScratch);
  return parentScratch;
}

/** A state with an EC dispatched (`entered`), and what entering counted on the meter (empty when nobody reads it). */
interface Entered {
  readonly state: StateVector;
  readonly cost: Counts;
}

/**
 * `s` with `ec` dispatched (`enter`), for an EC with many steps from `s` (an adversary's): each
 * of them starts from a copy of it (`beginEntered`), which is what `begin` would make — a copy
 * of `s` with `ec` entered — without entering again for every step. `beginEntered` puts what
 * entering counted back on the meter.
 */
function entered(sys: System, s: StateVector, ec: number): Entered {
  const metered = sys.footprints || sys.metered;
  if (metered) sys.k.meter.reset();
  const state = sys.arena.copy(s);
  enter(sys.k, state, ec);
  return { state, cost: metered ? copyCounts(sys.k.meter.raw) : NO_COST };
}

/** `begin` of the EC `e` was made for, from the state `e` was made from. */
function beginEntered(sys: System, e: Entered): StateVector {
  const n = sys.arena.copy(e.state);
  if (sys.footprints || sys.metered) {
    const raw = sys.k.meter.raw;
    for (let i = 0; i < raw.length; i++) raw[i] = e.cost[i]!;
  }
  return n;
}

const NO_WRITES = new Int32Array(0);
const NO_COST: Counts = new Int32Array(0);

/**
 * Builds a step's text: what it did (the text of an EC's step then starts with the EC's name,
 * which `Step` adds). Formatting (values, labels, source text, object names) cost the
 * explorer about 8 % of its time for texts it never reads, so a step keeps this closure
 * and calls it when `text` is first read. A closure captures numbers, model objects and
 * strings computed while the step ran — never a state vector, whose words the caller may
 * reuse once `successors` returns (the explorer's frontier, a worker's batch).
 */
type Describe = () => string;

/**
 * A successor and its step's record in one object (`step` is the object itself): the
 * explorer makes one per transition, most of them for states it has seen, so a successor
 * costs one allocation, not two. `StepInfo`'s text is built on first read.
 */
class Step implements StepInfo, Successor {
  #describe: Describe | null;
  #text = "";
  /** For the acting EC's name, which the text of an EC's step starts with. */
  readonly #sys: System;
  constructor(
    sys: System,
    readonly state: StateVector,
    readonly kind: StepKind,
    readonly op: string,
    readonly obj: number,
    readonly ec: number,
    readonly cpu: number,
    readonly component: number,
    readonly node: NodeId | null,
    describe: Describe,
    readonly status: Status,
    readonly cost: Counts,
    readonly writes: Int32Array,
    readonly reads: "local" | "all",
    readonly revoked: StepInfo["revoked"],
  ) {
    this.#sys = sys;
    this.#describe = describe;
  }

  get step(): StepInfo {
    return this;
  }

  /**
   * Another step of the same EC from the same state that leads to this very state vector (shared,
   * not copied): its op, object, text and revoke record are its own, the rest is this step's.
   * Only for steps that record no writes or costs (`System.footprints`, `metered` off).
   */
  alike(op: string, obj: number, describe: Describe, revoked: StepInfo["revoked"]): Step {
    return new Step(this.#sys, this.state, this.kind, op, obj, this.ec, this.cpu, this.component, this.node, describe, this.status, NO_COST, NO_WRITES, this.reads, revoked);
  }

  get text(): string {
    if (this.#describe) {
      const what = this.#describe();
      // An EC's step names it first ("viaduct.crypto: recv encrypt -> pkt = 7 [lan]"): here,
      // once, not in each kind's closures.
      const k = this.kind;
      this.#text = k === "thread" || k === "adversary" || k === "revoke" ? `${ecName(this.#sys.model, this.#sys.k.L, this.ec)}: ${what}` : what;
      this.#describe = null;
    }
    return this.#text;
  }

  /** The plain record, as JSON.stringify showed it before the text became a getter (not an own property). */
  toJSON(): StepInfo {
    const { kind, op, obj, ec, cpu, component, node, text, status, cost, writes, reads, revoked } = this;
    return { kind, op, obj, ec, cpu, component, node, text, status, cost, writes, reads, ...(revoked && { revoked }) };
  }
}

/**
 * Records the successor `n` of `s` made by `ec` (-1: a device or timer), with its step record:
 * `stepEc` is the step's EC (a timeout's names the EC it times out). Positional arguments, not
 * an object: this runs for every successor.
 */
function done(sys: System, s: StateVector, n: StateVector, ec: number, kind: StepKind, op: string, obj: number, stepEc: number, node: NodeId | null, describe: Describe, status: Status, reads: "local" | "all", revoked: StepInfo["revoked"], out: Successor[]): void {
  const L = sys.k.L;
  // A thread past the end of its body is DONE, but only once no revoke of its own is in
  // progress: a preemptible revoke as its last statement must still run its continuations
  // (which need the EC runnable), and it may end in another EC's step (forgetSlot).
  for (let t = 0; t < sys.programs.length; t++)
    if (ecState(n, L, t) === EcState.RUNNABLE && ecGet(n, L, t, EC.REVOKE) < 0 && ecGet(n, L, t, EC.PC) >= sys.programs[t]!.code.length) ecSet(n, L, t, EC.STATE, EcState.DONE);
  if (ec >= 0) leave(sys.k, n, ec);
  if (sys.deadVariables && ec >= 0 && ec < sys.programs.length) clearDead(sys, n, ec);
  if (sys.quietCpus) quietCpus(n, L);
  if (sys.deadMessages) clearDeadMessages(sys, n);
  let writes = NO_WRITES;
  let cost = NO_COST;
  if (sys.footprints) {
    let count = 0;
    for (let i = 0; i < n.length; i++) if (n[i] !== s[i]) count++;
    writes = new Int32Array(count);
    for (let i = 0, j = 0; i < n.length; i++) if (n[i] !== s[i]) writes[j++] = i;
    cost = copyCounts(sys.k.meter.raw);
  } else if (sys.metered) cost = copyCounts(sys.k.meter.raw);
  const cpu = ec >= 0 ? ecGet(n, L, ec, EC.CPU) : -1;
  const component = ec >= 0 ? ecGet(n, L, ec, EC.PD) : -1;
  out.push(new Step(sys, n, kind, op, obj, stepEc, cpu, component, node, describe, status, cost, writes, reads, revoked));
}

/**
 * The normal forms `done` ends every step with, applied to every thread: finished threads are
 * DONE, and with the dead-value reductions on, dead variables and messages are cleared and the
 * CPUs' words are quiet (spec/invariants.md §10.3). Every state a step makes is in this form.
 */
export function normalise(sys: System, n: StateVector): void {
  const L = sys.k.L;
  for (let t = 0; t < sys.programs.length; t++) {
    if (ecState(n, L, t) === EcState.RUNNABLE && ecGet(n, L, t, EC.REVOKE) < 0 && ecGet(n, L, t, EC.PC) >= sys.programs[t]!.code.length) ecSet(n, L, t, EC.STATE, EcState.DONE);
    if (sys.deadVariables) clearDead(sys, n, t);
  }
  if (sys.quietCpus) quietCpus(n, L);
  if (sys.deadMessages) clearDeadMessages(sys, n);
}

/**
 * The dead-variable reduction (spec/invariants.md §10.3): a variable of `ec`'s thread that no
 * path from its pc reads before writing it is set to 0 with no labels, so that states that
 * differ only in values nothing will read are one state.
 */
function clearDead(sys: System, n: StateVector, ec: number): void {
  const live = sys.live[ec];
  if (!live) return;
  const L = sys.k.L;
  const row = live[Math.min(ecGet(n, L, ec, EC.PC), live.length - 1)]!;
  for (let v = 0; v < row.length; v++) if (row[v] === 0 && (varValue(n, L, ec, v) !== 0 || varLabels(n, L, ec, v) !== 0)) setVar(n, L, ec, v, 0, 0);
}

/**
 * The dead-message reduction (spec/invariants.md §10.3): the UTCB message words and labels of
 * every thread whose variables the dead-variable reduction may clear (`System.live`: trusted, and
 * no invariant or `knows` observes its component) are set to 0 while the thread is between
 * statements (runnable, not inside a blocking statement or a revoke), done or dead. Only the
 * thread's own steps read its message then — a statement that completes a wait reads it first
 * (`EC.PHASE` 1), and every send (`call`, `reply`, a fault or an exception) loads the UTCB before
 * the kernel moves it — and they write it before they read it. The capability item stays.
 */
function clearDeadMessages(sys: System, n: StateVector): void {
  const L = sys.k.L;
  for (let e = 0; e < sys.programs.length; e++) {
    if (!sys.live[e]) continue;
    const b = L.base.ec + e * L.ecSize;
    const st = n[b + EC.STATE]!;
    if (st === EcState.RUNNABLE ? n[b + EC.PHASE] !== 0 || n[b + EC.REVOKE] >= 0 : st !== EcState.DONE && st !== EcState.DEAD) continue;
    for (let w = 0; w < L.config.msgWords; w++) n[b + EC.MSG + w] = 0;
    n[b + EC.MSG_LABELS] = 0;
  }
}

/** The timeout of `ec`'s blocked call or down fires (a step of the environment: no EC dispatched). */
function timeoutStep(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  const n = begin(sys, s, -1);
  timeout(sys.k, n, ec);
  const { model, k } = sys;
  done(sys, s, n, -1, "timeout", "timeout", ec, ec, null, () => `timeout of ${ecName(model, k.L, ec)}`, Status.SUCCESS, "all", undefined, out);
}

/** Device `dev` raises its interrupt, if it has a line that can change anything: one step per waiter it may wake. */
function irqSteps(sys: System, s: StateVector, dev: number, out: Successor[]): void {
  const { model, k } = sys;
  const L = k.L;
  const d = model.machine.devices[dev]!;
  const sm = L.boot.deviceIrqSm[dev]!;
  if (sm < 0) return;
  const waiters = smWaiters(s, L, sm);
  if (waiters.length === 0 && smCount(s, L, sm) >= SM_MAX) return;
  if (waiters.length === 0 && sys.quietIrqs && unobservable(sys, s, dev, sm)) return;
  // The interrupt wakes one waiter: each is a separate outcome.
  (waiters.length ? waiters : [-1]).forEach((w, choice) => {
    const n = begin(sys, s, -1);
    deviceIrq(k, n, dev, choice);
    done(sys, s, n, -1, "irq", "irq", dev, -1, null, () => `device ${d.name} raises IRQ ${d.irq}${w >= 0 ? ` (wakes ${ecName(model, L, w)})` : ""}`, Status.SUCCESS, "all", undefined, out);
  });
}

/**
 * Device `dev` DMA-writes what arrives from outside (language.md §9.5): into each memory object
 * it may DMA-write, a step per value data from outside may have (`System.outside`) that stores it
 * carrying the device's `produces` labels — where that changes the state. Only a DMA device that
 * produces labels has such steps.
 */
function dmaSteps(sys: System, s: StateVector, dev: number, out: Successor[]): void {
  const { model, k } = sys;
  const L = k.L;
  const d = model.machine.devices[dev]!;
  if (!d.dma || d.produces.length === 0) return;
  for (let m = 0; m < L.counts.mem; m++) {
    if (!dmaAllowed(s, L, dev, m, true)) continue;
    fromOutside(sys, s, dev, m, sys.outside, "dma", (what) => `device ${d.name} writes data from outside, ${what}, to ${objectName(model, L, Kind.MEM, m)} by DMA`, out);
  }
}

/**
 * A device's data from outside in its MMIO window (spec/language.md §9.5): for each of the
 * values `System.mmio` lists, a step in which the window gets it with the device's `produces`
 * labels, enabled when that changes the state. None while the list is [0]:
 * then a window holds 0 until a thread, an adversary or DMA writes it.
 */
function mmioSteps(sys: System, s: StateVector, dev: number, out: Successor[]): void {
  const d = sys.model.machine.devices[dev]!;
  const m = sys.k.L.boot.deviceMmio[dev]!;
  if (m < 0 || d.produces.length === 0) return;
  fromOutside(sys, s, dev, m, sys.mmio, "mmio", (what) => `device ${d.name} puts data from outside, ${what}, in its MMIO window`, out);
}

/**
 * The steps in which device `dev` puts each of `values` in memory object `m` (its DMA, op "dma",
 * or its MMIO window, op "mmio"), carrying its `produces` labels: one per value where that
 * changes the state. `text` says it, given the datum.
 */
function fromOutside(sys: System, s: StateVector, dev: number, m: number, values: readonly number[], op: "dma" | "mmio", text: (datum: string) => string, out: Successor[]): void {
  const L = sys.k.L;
  const labels = labelMask(sys.model.machine.devices[dev]!.produces);
  const had = regionValue(s, L, m);
  const labelled = (regionLabels(s, L, m) & labels) === labels;
  for (const value of values) {
    if (value === had && labelled) continue;
    const n = begin(sys, s, -1);
    setRegionValue(n, L, m, value);
    taintRegion(n, L, m, labels);
    done(sys, s, n, -1, "dma", op, dev, -1, null, () => text(fmt({ value, labels }, sys.model)), Status.SUCCESS, "all", undefined, out);
  }
}

function revokeStep(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  const n = begin(sys, s, ec);
  continueRevoke(sys.k, n, ec);
  const finished = ecGet(n, sys.k.L, ec, EC.REVOKE) < 0;
  const revoked = finished ? revokedSlot(s, sys.k.L, ecGet(s, sys.k.L, ec, EC.REVOKE)) : undefined;
  done(sys, s, n, ec, "revoke", "revoke", -1, ec, null, () => `revoke continues${finished ? " and completes" : " (preemption point)"}`, Status.SUCCESS, "all", revoked, out);
}

/**
 * The `revoked` record of an accepted revoke system call of `ec` on global slot `g`, from `s`
 * to `n`, if the revoke completed in the call itself: always without `preemptible revoke`, and
 * with it when there was nothing to remove, so that no continuation was left (`EC.REVOKE`
 * still −1; kernel.md §6.4, spec/invariants.md §5, completions 1). A revoke that left a
 * continuation completes in a later `revoke continues and completes` step.
 */
function completedNow(s: StateVector, n: StateVector, L: Layout, ec: number, g: number): StepInfo["revoked"] {
  return ecGet(n, L, ec, EC.REVOKE) < 0 ? revokedSlot(s, L, g) : undefined;
}

/** The `revoked` record of a step: global slot `g` and its capability in `s` (before the step). */
function revokedSlot(s: StateVector, L: Layout, g: number): StepInfo["revoked"] {
  const c = capAt(s, L, g);
  return { slot: g, kind: capKind(c), object: capObject(c) };
}

const fmt = (d: Datum, model: SystemModel): string => {
  const labels = model.labels.filter((_, i) => d.labels & (1 << i));
  return `${showValue(d.value)}${labels.length ? ` [${labels.join(", ")}]` : ""}`;
};

// ---- threads ---------------------------------------------------------------------------

/** Moves a thread on to `next` (past the end of its body, `done` makes it DONE). */
function advance(sys: System, n: StateVector, ec: number, next: number): void {
  const L = sys.k.L;
  ecSet(n, L, ec, EC.PC, next);
  ecSet(n, L, ec, EC.PHASE, 0);
}

/** Whether a condition reads only the thread's own variables (no `holds`, `maps` or `knows`). */
export function localCondition(e: ExprModel): boolean {
  switch (e.kind) {
    case "holds":
    case "maps":
    case "knows":
      return false;
    case "not":
      return localCondition(e.arg);
    case "and":
    case "or":
    case "eq":
    case "ne":
      return localCondition(e.left) && localCondition(e.right);
    case "seal":
    case "open":
      return localCondition(e.data);
    default:
      return true;
  }
}

/**
 * Partial-order reduction's persistent set (spec/invariants.md §10.1): the first thread, in
 * the order `successors` lists them, whose next statement is a *local* step — `if` on its own
 * variables, a `repeat` counter — that leaves the thread runnable. Such a step has exactly one
 * successor, reads and writes only its thread's pc and repeat counters (it does not dispatch),
 * is independent of every other step (none reads or writes those words, and none can disable
 * it: only a thread's own fault kills it), and no invariant observes it. Returns that step, or
 * null when there is none (or under strict scheduling, where another EC waking can preempt it).
 */
export function localStep(sys: System, s: StateVector): Successor | null {
  const { k } = sys;
  const L = k.L;
  if (L.config.scheduling === "strict") return null;
  // In the order `successors` lists ECs (by CPU, then by index: `schedulable` in interleave
  // mode), threads only; the scheduler is asked only of a thread at a local statement.
  for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
    for (let ec = 0; ec < sys.programs.length; ec++) {
      const local = sys.localPcs[ec];
      if (!local || local[ecGet(s, L, ec, EC.PC)] !== 1 || ecGet(s, L, ec, EC.REVOKE) >= 0 || !interleaves(s, k, cpu, ec)) continue;
      const out: Successor[] = [];
      threadSteps(sys, s, ec, out);
      const x = out[0]!;
      // A step that ends the thread changes its state word, which others read (deadlock): not local.
      if (out.length === 1 && ecState(x.state, L, ec) === EcState.RUNNABLE) return x;
    }
  }
  return null;
}

/**
 * A program's `System.localPcs` row: 1 at each local statement, or null when it has none. With
 * MMIO comparisons watched (`watched`), a branch that seals or opens is not local: whether it
 * notes a comparison reads its keys' sealed labels, which other threads change (flow.ts
 * `noteMmioCompares`).
 */
function localPcsOf(p: Program, watched: boolean): Uint8Array | null {
  const row = new Uint8Array(p.code.length);
  p.code.forEach((i, pc) => {
    if (i.op === "count" || i.op === "repeat" || (i.op === "branch" && localCondition(i.cond) && !(watched && sealsOrOpens(i.cond)))) row[pc] = 1;
  });
  return row.includes(1) ? row : null;
}

/** Whether a condition has a `seal` or an `open`. */
function sealsOrOpens(e: ExprModel): boolean {
  return subexpressions(e).some((x) => x.kind === "seal" || x.kind === "open");
}

/**
 * A thread's statement with what it names resolved once per scenario (`buildSystem`): the boot-time
 * objects a statement names never change, so a step of it looks up only what the state decides
 * (which capability slot holds them, with which rights). Every plan has every field, so the step
 * function reads them from one object shape.
 */
export interface Plan {
  readonly i: Linked;
  /**
   * The kernel objects the statement names, and their kind: a call's or recv's portal (its PTs), an
   * up's or down's semaphore, the region of a read, write, map or unmap, a delegate's or revoke's
   * object; none (kind -1) for the rest.
   */
  readonly kind: number;
  readonly objects: readonly number[];
  /** A delegate's rights, a map's written rights; -1 for a map without them (it maps the widest held). */
  readonly rights: number;
  /** A call's or reply's `with` item: its objects (null: no item), their kind and the rights written (-1: the widest held). */
  readonly itemKind: number;
  readonly itemObjects: readonly number[] | null;
  readonly itemRights: number;
}

/** Every thread's plans, by EC (threads are ECs 0..threads - 1) and pc. */
function plansOf(L: Layout, programs: readonly Program[]): Plan[][] {
  return programs.map((p) => p.code.map((i) => planOf(L, i)));
}

function planOf(L: Layout, i: Linked): Plan {
  const named = ((): ObjectRef | null => {
    switch (i.op) {
      case "up":
      case "down":
        return i.sem;
      case "read":
      case "write":
      case "map":
      case "unmap":
        return i.region;
      case "delegate":
      case "revoke":
        return i.object;
      default:
        return null;
    }
  })();
  const { kind, objects } = i.op === "call" || i.op === "recv" ? { kind: Kind.PT, objects: L.boot.portalPts[i.portal]! } : named ? kernelObjects(L, named) : { kind: -1, objects: [] };
  const rights = i.op === "delegate" ? rightsOf(i.rights) : i.op === "map" && i.rights ? rightsOf(i.rights) : -1;
  const item = i.op === "call" || i.op === "reply" ? i.item : null;
  const ik = item ? kernelObjects(L, item.object) : null;
  return { i, kind, objects, rights, itemKind: ik?.kind ?? -1, itemObjects: ik?.objects ?? null, itemRights: item?.rights ? rightsOf(item.rights) : -1 };
}

/** A statement's source text (for step texts: read when a text is). */
function stmtText(sys: System, i: Linked): string {
  return sys.model.sources.text(i.node);
}

/** How a statement's system call ended in its step. */
const enum End {
  /** Refused: the statement is over, with the status. */
  FAILED,
  /** Done in this step: the thread goes on. */
  COMPLETED,
  /** The thread waits in the kernel; a later step completes the statement (`EC.PHASE` 1). */
  BLOCKED,
}

/**
 * After a statement's system call returned `st` on `n`: a failure ends the statement, success
 * either completes it — binding the received message word to `bind` (-1: none) — or leaves the
 * thread waiting in it.
 */
function settle(sys: System, n: StateVector, ec: number, i: Linked, st: Status, bind: number): End {
  const L = sys.k.L;
  if (st !== Status.SUCCESS) {
    advance(sys, n, ec, i.next);
    return End.FAILED;
  }
  if (ecState(n, L, ec) !== EcState.RUNNABLE) {
    ecSet(n, L, ec, EC.PHASE, 1);
    return End.BLOCKED;
  }
  if (bind >= 0) setVar(n, L, ec, bind, msgWord(n, L, ec, 0), ecGet(n, L, ec, EC.MSG_LABELS));
  advance(sys, n, ec, i.next);
  return End.COMPLETED;
}

/** What a completed system call statement adds to its text: nothing, the datum bound to a variable, or the datum sent. */
const enum Shows {
  NOTHING,
  BOUND,
  SENT,
}

/**
 * The text of a system call statement's step: how it ended and, completed, what it `shows` of
 * the datum (`value`, `labels`); `note` and `about` add "(from X)" or "(wakes X)" (-1: nothing).
 */
function syscallText(sys: System, ec: number, i: Linked, st: Status, end: End, shows: Shows, value: number, labels: number, note: string, about: number): string {
  const { model, k } = sys;
  const stmt = stmtText(sys, i);
  let text: string;
  if (end === End.FAILED) text = `${stmt}: ${STATUS_NAMES[st]}`;
  else if (end === End.BLOCKED) text = `${stmt}: blocks`;
  else if (shows === Shows.BOUND) text = `${stmt}: ${model.threads[ec]!.vars[(i as { bind: number }).bind]} = ${fmt({ value, labels }, model)}`;
  else if (shows === Shows.SENT) text = `${stmt}: sends ${fmt({ value, labels }, model)}`;
  else text = stmt;
  return about >= 0 ? `${text} (${note} ${ecName(model, k.L, about)})` : text;
}

/**
 * A `with CAP [: rights]` item: the first capability to the object with those rights (without
 * rights written: the widest one held, passed on whole). None held: a selector that names
 * nothing, which the kernel refuses with BAD_CAP.
 */
export function itemArg(s: StateVector, L: Layout, pd: number, p: Plan): Item | undefined {
  const objects = p.itemObjects;
  if (objects === null) return undefined;
  const wanted = p.itemRights;
  for (let j = 0; j < objects.length; j++) {
    const o = objects[j]!;
    const rights = wanted >= 0 ? wanted : widestRights(s, L, pd, p.itemKind, o);
    const at = findObject(s, L, pd, p.itemKind, o, rights);
    if (at >= 0) return { sel: at, rights };
  }
  return { sel: -1, rights: wanted >= 0 ? wanted : 0 };
}

/** The selector of `pd`'s first capability to one of the plan's objects with `rights`, or -1. */
export function firstHeld(s: StateVector, L: Layout, pd: number, p: Plan, rights: number): number {
  for (let j = 0; j < p.objects.length; j++) {
    const at = findObject(s, L, pd, p.kind, p.objects[j]!, rights);
    if (at >= 0) return at;
  }
  return -1;
}

/**
 * The steps of thread `ec`'s statement at its pc. Each case copies the state, acts on the copy and
 * records it with `done`: no object per statement and no closure but the step's text.
 */
function threadSteps(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  const { k, model } = sys;
  const L = k.L;
  const p = sys.plans[ec]![ecGet(s, L, ec, EC.PC)];
  if (!p) return;
  const i = p.i;
  const node = i.node;
  // Statements that run in the thread without entering the kernel: no dispatch (begin's
  // `false`), no kernel cost (spec/language.md §9.2).
  switch (i.op) {
    case "choose":
      for (let b = 0; b < i.targets.length; b++) {
        const n = begin(sys, s, ec, false);
        advance(sys, n, ec, i.targets[b]!);
        done(sys, s, n, ec, "thread", "choose", -1, ec, node, () => `choose, branch ${b + 1} of ${i.targets.length}`, Status.SUCCESS, "local", undefined, out);
      }
      return;
    case "branch": {
      const n = begin(sys, s, ec, false);
      if (sys.outsideCompared) noteMmioCompares(n, L, ec, i.cond, sys.mmioLabels, sys.outsideCompared);
      const c = evalCond(n, L, ec, i.cond);
      advance(sys, n, ec, c ? i.next : i.otherwise);
      done(sys, s, n, ec, "thread", "branch", -1, ec, node, () => `${stmtText(sys, i).replace(/\s*\{.*$/, "")}: ${c ? "true" : "false"}`, Status.SUCCESS, "all", undefined, out);
      return;
    }
    case "count": {
      const n = begin(sys, s, ec, false);
      setVar(n, L, ec, i.slot, i.count, 0);
      advance(sys, n, ec, i.next);
      done(sys, s, n, ec, "thread", "count", -1, ec, node, () => `repeat ${i.count}: starts`, Status.SUCCESS, "local", undefined, out);
      return;
    }
    case "repeat": {
      const n = begin(sys, s, ec, false);
      const left = varValue(n, L, ec, i.slot);
      if (left === 0) advance(sys, n, ec, i.exit);
      else {
        setVar(n, L, ec, i.slot, left - 1, 0);
        advance(sys, n, ec, i.next);
      }
      done(sys, s, n, ec, "thread", "repeat", -1, ec, node, () => (left === 0 ? "repeat: done" : `repeat: ${left} to go`), Status.SUCCESS, "local", undefined, out);
      return;
    }
    case "spin":
      done(sys, s, begin(sys, s, ec, false), ec, "thread", "spin", -1, ec, node, () => "loop { } (idles)", Status.SUCCESS, "local", undefined, out);
      return;
    case "assert": {
      const n = begin(sys, s, ec, false);
      if (sys.outsideCompared) noteMmioCompares(n, L, ec, i.cond, sys.mmioLabels, sys.outsideCompared);
      const holds = evalCond(n, L, ec, i.cond);
      if (holds) advance(sys, n, ec, i.next);
      else {
        if (n[L.base.global + GLOBAL.ASSERT] === 0) n[L.base.global + GLOBAL.ASSERT] = i.node + 1;
        ecSet(n, L, ec, EC.STATE, EcState.DONE);
      }
      done(sys, s, n, ec, "thread", "assert", -1, ec, node, () => `${stmtText(sys, i)}: ${holds ? "holds" : "FAILS"}`, Status.SUCCESS, "all", undefined, out);
      return;
    }
    default:
      break;
  }
  // Statements that are system calls or memory accesses.
  if (ecGet(s, L, ec, EC.PHASE) === 1) {
    // The EC woke up inside a blocking statement: complete it.
    const n = begin(sys, s, ec);
    const status = ecGet(n, L, ec, EC.STATUS) as Status;
    const bind = (i.op === "call" || i.op === "recv" || i.op === "raise") && status === Status.SUCCESS ? (i.bind ?? -1) : -1;
    const value = msgWord(n, L, ec, 0);
    const labels = ecGet(n, L, ec, EC.MSG_LABELS);
    if (bind >= 0) setVar(n, L, ec, bind, value, labels);
    advance(sys, n, ec, i.next);
    const describe = (): string => {
      const stmt = stmtText(sys, i);
      if (bind >= 0) return `${stmt} completes: ${model.threads[ec]!.vars[bind]} = ${fmt({ value, labels }, model)}`;
      return `${stmt} completes${status !== Status.SUCCESS ? ` with ${STATUS_NAMES[status]}` : ""}`;
    };
    done(sys, s, n, ec, "thread", "complete", -1, ec, node, describe, status, "all", undefined, out);
    return;
  }
  const pd = ecGet(s, L, ec, EC.PD);
  switch (i.op) {
    case "call": {
      const pts = p.objects;
      const pt = pts.length > 1 ? pts[ecGet(s, L, ec, EC.CPU)]! : pts[0]!;
      const n = begin(sys, s, ec);
      const words: number[] = [];
      let labels = 0;
      for (let a = 0; a < i.args.length; a++) {
        const d = evalSent(n, L, ec, i.args[a]!);
        if (a < L.config.msgWords) words.push(d.value);
        labels |= d.labels;
      }
      const st = syscall(k, n, ec, { op: "call", pt: findObject(s, L, pd, Kind.PT, pt, Right.CALL), words, labels, item: itemArg(s, L, pd, p), timeout: i.timeout });
      if (st !== Status.SUCCESS) unsendSeals(n, s, L);
      const bind = i.bind ?? -1;
      const end = settle(sys, n, ec, i, st, bind);
      const value = msgWord(n, L, ec, 0);
      const got = ecGet(n, L, ec, EC.MSG_LABELS);
      done(sys, s, n, ec, "thread", "call", pt, ec, node, () => syscallText(sys, ec, i, st, end, bind >= 0 ? Shows.BOUND : Shows.NOTHING, value, got, "", -1), st, "all", undefined, out);
      return;
    }
    case "recv": {
      const pts = p.objects;
      let pt = pts[0]!;
      for (let j = 0; j < pts.length; j++)
        if (L.boot.ptEc[pts[j]!] === ec) {
          pt = pts[j]!;
          break;
        }
      const callers = waitingCallers(s, L, pt);
      const sel = findObject(s, L, pd, Kind.PT, pt);
      const bind = i.bind ?? -1;
      const choices = Math.max(1, callers.length);
      for (let choice = 0; choice < choices; choice++) {
        const n = begin(sys, s, ec);
        const st = syscall(k, n, ec, { op: "recv", pt: sel, choice });
        const end = settle(sys, n, ec, i, st, bind);
        const value = msgWord(n, L, ec, 0);
        const labels = ecGet(n, L, ec, EC.MSG_LABELS);
        const from = callers.length > 1 ? callers[choice]! : -1;
        done(sys, s, n, ec, "thread", "recv", pt, ec, node, () => syscallText(sys, ec, i, st, end, bind >= 0 ? Shows.BOUND : Shows.NOTHING, value, labels, "from", from), st, "all", undefined, out);
      }
      return;
    }
    case "reply": {
      const n = begin(sys, s, ec);
      const d = evalSent(n, L, ec, i.value);
      const st = syscall(k, n, ec, { op: "reply", words: [d.value], labels: d.labels, item: itemArg(s, L, pd, p) });
      if (st !== Status.SUCCESS) unsendSeals(n, s, L);
      const end = settle(sys, n, ec, i, st, -1);
      done(sys, s, n, ec, "thread", "reply", -1, ec, node, () => syscallText(sys, ec, i, st, end, Shows.SENT, d.value, d.labels, "", -1), st, "all", undefined, out);
      return;
    }
    case "up": {
      // An up wakes one waiter: each is a separate outcome.
      const sm = p.objects[0]!;
      const waiters = smWaiters(s, L, sm);
      const sel = findObject(s, L, pd, Kind.SM, sm, Right.UP);
      const choices = Math.max(1, waiters.length);
      for (let choice = 0; choice < choices; choice++) {
        const n = begin(sys, s, ec);
        const st = syscall(k, n, ec, { op: "sm_up", sm: sel, choice });
        const end = settle(sys, n, ec, i, st, -1);
        const w = waiters.length ? waiters[choice]! : -1;
        done(sys, s, n, ec, "thread", "up", sm, ec, node, () => syscallText(sys, ec, i, st, end, Shows.NOTHING, 0, 0, "wakes", w), st, "all", undefined, out);
      }
      return;
    }
    case "down": {
      const sm = p.objects[0]!;
      const n = begin(sys, s, ec);
      const st = syscall(k, n, ec, { op: "sm_down", sm: findObject(s, L, pd, Kind.SM, sm, Right.DOWN) });
      const end = settle(sys, n, ec, i, st, -1);
      done(sys, s, n, ec, "thread", "down", sm, ec, node, () => syscallText(sys, ec, i, st, end, Shows.NOTHING, 0, 0, "", -1), st, "all", undefined, out);
      return;
    }
    case "read":
    case "write": {
      const mem = p.objects[0]!;
      const n = begin(sys, s, ec);
      if (!memAccess(k, n, ec, mem, i.op === "read" ? "r" : "w")) {
        // A memory access that faulted: where the fault went is decided now, from the successor.
        const dies = ecState(n, L, ec) === EcState.DEAD;
        done(sys, s, n, ec, "thread", i.op, mem, ec, node, () => `${stmtText(sys, i)}: page fault (${dies ? "the fault has nowhere to go: the thread dies" : "sent to the pager"})`, Status.SUCCESS, "all", undefined, out);
        return;
      }
      let describe: Describe;
      if (i.op === "read") {
        const r = { value: regionValue(n, L, mem), labels: regionLabels(n, L, mem) };
        setVar(n, L, ec, i.bind, r.value, r.labels);
        describe = () => `${stmtText(sys, i)}: ${model.threads[ec]!.vars[i.bind]} = ${fmt(r, model)}`;
      } else {
        const w = evalSent(n, L, ec, i.value);
        setRegionValue(n, L, mem, w.value);
        taintRegion(n, L, mem, w.labels);
        describe = () => `${stmtText(sys, i)}: writes ${fmt(w, model)}`;
      }
      advance(sys, n, ec, i.next);
      done(sys, s, n, ec, "thread", i.op, mem, ec, node, describe, Status.SUCCESS, "all", undefined, out);
      return;
    }
    case "delegate": {
      const src = firstHeld(s, L, pd, p, p.rights);
      const n = begin(sys, s, ec);
      const st = syscall(k, n, ec, { op: "delegate", src, pd: findObject(s, L, pd, Kind.PD, i.to, Right.CTRL), rights: p.rights });
      const end = settle(sys, n, ec, i, st, -1);
      done(sys, s, n, ec, "thread", "delegate", -1, ec, node, () => syscallText(sys, ec, i, st, end, Shows.NOTHING, 0, 0, "", -1), st, "all", undefined, out);
      return;
    }
    case "revoke": {
      const src = firstHeld(s, L, pd, p, 0);
      const n = begin(sys, s, ec);
      const st = syscall(k, n, ec, { op: "revoke", sel: src });
      const end = settle(sys, n, ec, i, st, -1);
      const revoked = st === Status.SUCCESS ? completedNow(s, n, L, ec, globalSlot(L, pd, src)) : undefined;
      done(sys, s, n, ec, "thread", "revoke", -1, ec, node, () => syscallText(sys, ec, i, st, end, Shows.NOTHING, 0, 0, "", -1), st, "all", revoked, out);
      return;
    }
    case "map": {
      const mem = p.objects[0]!;
      const rights = p.rights >= 0 ? p.rights : widestRights(s, L, pd, Kind.MEM, mem);
      const n = begin(sys, s, ec);
      const st = syscall(k, n, ec, { op: "map", mem, pd: findObject(s, L, pd, Kind.PD, i.to, Right.CTRL), rights });
      const end = settle(sys, n, ec, i, st, -1);
      done(sys, s, n, ec, "thread", "map", -1, ec, node, () => syscallText(sys, ec, i, st, end, Shows.NOTHING, 0, 0, "", -1), st, "all", undefined, out);
      return;
    }
    case "unmap": {
      const n = begin(sys, s, ec);
      const st = syscall(k, n, ec, { op: "unmap", mem: p.objects[0]! });
      const end = settle(sys, n, ec, i, st, -1);
      done(sys, s, n, ec, "thread", "unmap", -1, ec, node, () => syscallText(sys, ec, i, st, end, Shows.NOTHING, 0, 0, "", -1), st, "all", undefined, out);
      return;
    }
    case "raise": {
      // Not a system call: the exception enters the kernel, which sends it to the handler's portal.
      const n = begin(sys, s, ec);
      const d = evalSent(n, L, ec, i.value);
      raiseException(k, n, ec, d.value, d.labels);
      const dies = ecState(n, L, ec) === EcState.DEAD;
      if (dies) unsendSeals(n, s, L);
      else ecSet(n, L, ec, EC.PHASE, 1);
      done(sys, s, n, ec, "thread", "raise", -1, ec, node, () => `${stmtText(sys, i)}: ${dies ? "exception (no usable exception handler: the thread dies)" : "exception sent to the handler"}`, Status.SUCCESS, "all", undefined, out);
      return;
    }
  }
}

/** The rights of the widest single capability `pd` holds on an object (a map needs one capability with all it maps). */
export function widestRights(s: StateVector, L: Layout, pd: number, kind: number, object: number): number {
  let best = 0;
  const bits = (r: number): number => (r & 1) + ((r >> 1) & 1) + ((r >> 2) & 1) + ((r >> 3) & 1);
  for (let i = 0; i < slotsOf(L, pd); i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (capKind(c) === kind && capObject(c) === object && bits(capRights(c)) > bits(best)) best = capRights(c);
  }
  return best;
}

// ---- the adversary ------------------------------------------------------------------------

/**
 * Adversary ECs, and ECs created in an untrusted component's PD, act as the adversary, until
 * their component has used up its `adversary steps`. Asked before `adversarySteps` is called:
 * that function's closures cost an allocation on entry, which an exhausted adversary (most
 * states of a bounded one) need not pay.
 */
export function adversaryActs(sys: System, s: StateVector, ec: number): boolean {
  const L = sys.k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  const c = sys.model.components[pd];
  if (c === undefined || c.trusted) return false;
  const bound = c.adversarySteps;
  return bound === null || adversaryStepsTaken(s, L, pd) < bound;
}

/**
 * The data an untrusted component can send (DESIGN.md §5: any datum it knows): the
 * unlabelled constants (0, ok and the scenario's integer constants), what its EC holds in its UTCB (what it last received), and
 * the content of every memory object it can read — through its page table, a TLB
 * entry, or DMA by a device it drives.
 */
function adversaryData(s: StateVector, L: Layout, ec: number, constants: readonly Datum[]): Datum[] {
  const pd = ecGet(s, L, ec, EC.PD);
  const out: Datum[] = [UNLABELLED_ZERO, UNLABELLED_OK, ...constants];
  // What any EC of the component holds (`ecsOf`, without its list): UTCB messages, and its threads' variables.
  for (let e = 0; e < L.counts.ec; e++) {
    if (ecState(s, L, e) === EcState.FREE || ecGet(s, L, e, EC.PD) !== pd) continue;
    addDatum(out, msgWord(s, L, e, 0), ecGet(s, L, e, EC.MSG_LABELS));
    for (let v = 0; e < L.model.threads.length && v < L.model.threads[e]!.vars.length; v++) addDatum(out, varValue(s, L, e, v), varLabels(s, L, e, v));
  }
  for (let m = 0; m < L.counts.mem; m++) if (readable(s, L, pd, m) || dmaReads(s, L, pd, m)) addDatum(out, regionValue(s, L, m), regionLabels(s, L, m));
  return out;
}

/** The data every adversary knows, shared: a datum is never changed. */
const UNLABELLED_ZERO: Datum = { value: 0, labels: 0 };
const UNLABELLED_OK: Datum = { value: OK, labels: 0 };

/** Adds a datum to `out` unless it is there: a record only for a new one (most are known already). */
function addDatum(out: Datum[], value: number, labels: number): void {
  for (let i = 0; i < out.length; i++) if (out[i]!.value === value && out[i]!.labels === labels) return;
  out.push({ value, labels });
}

/** Whether a device that `pd` drives can read memory object `m` by DMA. */
function dmaReads(s: StateVector, L: Layout, pd: number, m: number): boolean {
  for (let d = 0; d < L.model.machine.devices.length; d++) if (devicePd(s, L, d) === pd && dmaAllowed(s, L, d, m, false)) return true;
  return false;
}

/**
 * Every syscall the adversary can make with the capabilities it holds and the data
 * it knows. The kernel decides: a refused syscall changes nothing an invariant can
 * observe (only the EC's status word), so it is not kept as a step. Only for an EC
 * that `adversaryActs`.
 */
function adversarySteps(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  const { k, model } = sys;
  const L = k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  const comp = model.components[pd]!;
  const bound = comp.adversarySteps; // not used up (adversaryActs)
  const caps: Held[] = [];
  const pts: Held[] = [];
  const pds: Held[] = [];
  for (let i = 0; i < slotsOf(L, pd); i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (c === NO_CAP) continue;
    const x = { sel: i, c };
    caps.push(x);
    if (capKind(c) === Kind.PT) pts.push(x);
    else if (capKind(c) === Kind.PD) pds.push(x);
  }
  const data = adversaryData(s, L, ec, sys.constants);
  const from = entered(sys, s, ec);
  // Steps may share a successor's vector only when they record no writes or costs of their own.
  const sharing = !sys.footprints && !sys.metered;
  /**
   * One syscall attempt. Most are refused, so the kernel's decode decides first, on `s`
   * itself: decode writes nothing (not even the meter), and it reads capability slots,
   * kernel objects and EC records only — never the CPU records or TLBs, the only words
   * `enter` (in `begin`) changes — so it decides on `s` exactly as on the dispatched copy
   * (test/components/decode.test.ts checks both), and what it worked out holds on the copy.
   * Only an accepted syscall costs a copy and a text (built from the arguments, `attemptText`;
   * `woken` is the EC an `sm_up` wakes).
   */
  const act = <O extends Op, D>(entry: Entry<O, D>, a: ArgsOf<O>, woken = -1): void => {
    const d = entry.decode(k, s, ec, a);
    if (failed(d)) return;
    // One past the bound shows there are more; no more copies after it (`successors` stops).
    if (out.length > sys.maxSuccessors) return;
    const n = beginEntered(sys, from);
    invokeDecoded(k, n, ec, entry, d);
    if (bound !== null) countAdversaryStep(n, L, pd);
    // The op from the entry, not from `a`: the arguments have one shape per op, and a load
    // from objects of that many shapes is megamorphic.
    const op = entry.op;
    const revoked = op === "revoke" ? completedNow(s, n, L, ec, globalSlot(L, pd, (a as ArgsOf<"revoke">).sel)) : undefined;
    done(sys, s, n, ec, "adversary", op, attemptObject(s, L, pd, op, a), ec, comp.node, () => attemptText(model, L, caps, a, woken), Status.SUCCESS, "all", revoked, out);
  };
  // Capabilities are passed on with the rights held, and with every right of their kind,
  // which the kernel refuses unless it has the delegate_rights_escalation bug: without it,
  // those attempts are not made (decode would refuse every one).
  const escalate = L.faults.has("delegate_rights_escalation");
  const items: (Item | undefined)[] = [undefined];
  for (const x of caps) {
    items.push({ sel: x.sel, rights: capRights(x.c) });
    if (escalate && capRights(x.c) !== ALL_RIGHTS[capKind(x.c)]) items.push({ sel: x.sel, rights: ALL_RIGHTS[capKind(x.c)] });
  }
  // IPC: as a server, reply to the caller it holds, or receive on a portal bound to it;
  // as a client, call any portal it holds (with a timeout, which it may let expire or not).
  if (ecGet(s, L, ec, EC.PARTNER) >= 0)
    for (const d of data) for (const it of items) act(SYSCALLS.reply, { op: "reply", words: [d.value], labels: d.labels, item: it });
  // recv on every portal bound to this EC (those of its component, and those it created);
  // the kernel refuses it while the EC still holds a reply capability.
  for (const p of pts) {
    if (ptEc(s, L, capObject(p.c)) !== ec) continue;
    const callers = waitingCallers(s, L, capObject(p.c)).length;
    for (let choice = 0; choice < Math.max(1, callers); choice++) act(SYSCALLS.recv, { op: "recv", pt: p.sel, choice });
  }
  for (const p of pts) for (const d of data) for (const it of items) act(SYSCALLS.call, { op: "call", pt: p.sel, words: [d.value], labels: d.labels, item: it, timeout: true });
  // The derivation tree: delegate anything it holds to any PD it holds, with all its rights; revoke anything.
  for (const x of caps)
    for (const t of pds) {
      if (t.sel === x.sel) continue;
      act(SYSCALLS.delegate, { op: "delegate", src: x.sel, pd: t.sel, rights: capRights(x.c) });
      if (escalate && capRights(x.c) !== ALL_RIGHTS[capKind(x.c)]) act(SYSCALLS.delegate, { op: "delegate", src: x.sel, pd: t.sel, rights: ALL_RIGHTS[capKind(x.c)] });
    }
  // A revoke of a capability with no descendant removes nothing: the kernel writes only the
  // caller's status (kernel.md §6.3, §6.4), so every such revoke leads to one state. The first is
  // computed and the others share its vector, each with its own step record (the explorer
  // fingerprints a shared vector once: ahead.ts). Not when steps record their writes or costs.
  let leafRevoke: Step | null = null;
  const parents = sharing && caps.length > 1 ? parentMarks(s, L) : null;
  for (const x of caps) {
    const a: ArgsOf<"revoke"> = { op: "revoke", sel: x.sel };
    const g = globalSlot(L, pd, x.sel);
    const leaf = parents !== null && parents[g] === 0;
    if (leaf && leafRevoke !== null) {
      if (failed(SYSCALLS.revoke.decode(k, s, ec, a)) || out.length > sys.maxSuccessors) continue;
      out.push(leafRevoke.alike("revoke", attemptObject(s, L, pd, "revoke", a), () => attemptText(model, L, caps, a, -1), revokedSlot(s, L, g)));
      continue;
    }
    const before = out.length;
    act(SYSCALLS.revoke, a);
    if (leaf && out.length > before) leafRevoke = out[out.length - 1] as Step;
  }
  // Memory: map what it holds (into itself or another PD it holds), unmap, write what it knows,
  // and touch memory it has not mapped (a page fault to its pager).
  for (const x of caps) if (capKind(x.c) === Kind.MEM) for (const t of pds) act(SYSCALLS.map, { op: "map", mem: capObject(x.c), pd: t.sel, rights: capRights(x.c) });
  // ... and memory it holds no capability to, `rw`: the kernel refuses it unless it does not
  // check ownership (map_unowned), so only then is it tried.
  if (L.faults.has("map_unowned"))
    for (let m = 0; m < L.counts.mem; m++) {
      if (holdsMem(caps, m)) continue;
      for (const t of pds) act(SYSCALLS.map, { op: "map", mem: m, pd: t.sel, rights: Right.R | Right.W });
    }
  for (let m = 0; m < L.counts.mem; m++) {
    if (pte(s, L, pd, m) !== 0) act(SYSCALLS.unmap, { op: "unmap", mem: m });
  }
  for (let m = 0; m < L.counts.mem; m++) for (const d of data) memoryWrite(sys, s, from, ec, m, d, out, bound);
  // Loads through the MMU: what it can read it knows already (adversaryData), but a load
  // caches the entry in its CPU's TLB — as a store does, and also for a read-only
  // mapping — and under stale_tlb that entry outlives the mapping.
  for (let m = 0; m < L.counts.mem; m++) {
    if ((pte(s, L, pd, m) & Right.R) === 0) continue;
    const n = beginEntered(sys, from);
    if (tlbEntry(n, L, ecGet(n, L, ec, EC.CPU), pd, m) & Right.R) continue; // a TLB hit changes nothing
    memAccess(k, n, ec, m, "r");
    if (bound !== null) countAdversaryStep(n, L, pd);
    done(sys, s, n, ec, "adversary", "read", m, ec, comp.node, () => `read ${objectName(model, L, Kind.MEM, m)}`, Status.SUCCESS, "all", undefined, out);
  }
  // DMA by the devices it drives.
  L.model.machine.devices.forEach((dev, di) => {
    if (devicePd(s, L, di) !== pd || !dev.dma) return;
    for (let m = 0; m < L.counts.mem; m++) {
      if (!dmaAllowed(s, L, di, m, true)) continue;
      for (const d of data) {
        const n = beginEntered(sys, from);
        setRegionValue(n, L, m, d.value);
        taintRegion(n, L, m, d.labels | labelMask(dev.produces));
        if (bound !== null) countAdversaryStep(n, L, pd);
        done(sys, s, n, ec, "adversary", "dma", m, ec, comp.node, () => `DMA by ${dev.name} writes ${fmt(d, model)} to ${objectName(model, L, Kind.MEM, m)}`, Status.SUCCESS, "all", undefined, out);
      }
    }
  });
  // Its own page table, if the kernel lets it write there (pagetable_writable; else decode refuses every one).
  if (L.faults.has("pagetable_writable")) for (let m = 0; m < L.counts.mem; m++) act(SYSCALLS.pte_write, { op: "pte_write", mem: m, rights: Right.R | Right.W });
  // Devices and interrupts it holds.
  for (const x of caps) if (capKind(x.c) === Kind.DEV) for (const t of pds) act(SYSCALLS.assign_dev, { op: "assign_dev", dev: x.sel, pd: t.sel });
  for (const x of caps)
    if (capKind(x.c) === Kind.SM && L.boot.deviceIrqSm.includes(capObject(x.c)))
      for (let cpu = 0; cpu < L.counts.cpu; cpu++) act(SYSCALLS.assign_irq, { op: "assign_irq", sm: x.sel, cpu });
  // Semaphores, and new portals and semaphores of its own.
  for (const x of caps) {
    if (capKind(x.c) !== Kind.SM) continue;
    const waiters = smWaiters(s, L, capObject(x.c));
    if (waiters.length === 0) act(SYSCALLS.sm_up, { op: "sm_up", sm: x.sel, choice: 0 });
    else for (let choice = 0; choice < waiters.length; choice++) act(SYSCALLS.sm_up, { op: "sm_up", sm: x.sel, choice }, waiters[choice]!);
    act(SYSCALLS.sm_down, { op: "sm_down", sm: x.sel, timeout: true });
  }
  const ownEc = findObject(s, L, pd, Kind.EC, ec);
  if (ownEc >= 0) act(SYSCALLS.create_pt, { op: "create_pt", ec: ownEc });
  const ownPd = findObject(s, L, pd, Kind.PD, pd);
  if (ownPd >= 0) act(SYSCALLS.create_sm, { op: "create_sm", pd: ownPd, count: 0 });
  // Exceptions (an L4Linux process's system calls), when its component has a handler: with
  // each datum. One that would only kill its own EC (no usable handler) is not a step.
  if (ecGet(s, L, ec, EC.EXC_PT) >= 0)
    for (const d of data) {
      const n = beginEntered(sys, from);
      raiseException(k, n, ec, d.value, d.labels);
      if (ecState(n, L, ec) === EcState.DEAD) continue;
      if (bound !== null) countAdversaryStep(n, L, pd);
      done(sys, s, n, ec, "adversary", "raise", -1, ec, comp.node, () => `raise ${fmt(d, model)}`, Status.SUCCESS, "all", undefined, out);
    }
}

/** A capability the adversary holds: its selector and the capability. */
interface Held {
  readonly sel: number;
  readonly c: Cap;
}

function holdsMem(caps: readonly Held[], m: number): boolean {
  for (const x of caps) if (capKind(x.c) === Kind.MEM && capObject(x.c) === m) return true;
  return false;
}

/** The kernel object an adversary's system call names (StepInfo.obj): a PT, an SM or a memory object; -1 otherwise. */
function attemptObject(s: StateVector, L: Layout, pd: number, op: Op, a: SyscallArgs): number {
  switch (op) {
    case "call":
    case "recv":
      return capObject(capAt(s, L, globalSlot(L, pd, (a as ArgsOf<"call" | "recv">).pt)));
    case "sm_up":
    case "sm_down":
      return capObject(capAt(s, L, globalSlot(L, pd, (a as ArgsOf<"sm_up" | "sm_down">).sm)));
    case "map":
    case "unmap":
    case "pte_write":
      return (a as ArgsOf<"map" | "unmap" | "pte_write">).mem;
    default:
      return -1;
  }
}

/**
 * What an adversary's accepted system call did, in scenario terms, from its arguments and
 * the capabilities it held (`caps`, by selector); `woken` is the EC an `sm_up` woke (-1: none).
 */
function attemptText(model: SystemModel, L: Layout, caps: readonly Held[], a: SyscallArgs, woken: number): string {
  const at = (sel: number): string => capName(model, L, caps.find((x) => x.sel === sel)!.c);
  const item = (it: Item | undefined): string => (it ? ` with ${at(it.sel)}` : "");
  const datum = (words: readonly number[] | undefined, labels: number | undefined): string => fmt({ value: words?.[0] ?? 0, labels: labels ?? 0 }, model);
  const mem = (m: number): string => objectName(model, L, Kind.MEM, m);
  switch (a.op) {
    case "reply":
      return `reply ${datum(a.words, a.labels)}${item(a.item)}`;
    case "recv":
      return `recv on ${at(a.pt)}`;
    case "call":
      return `call ${at(a.pt)}(${datum(a.words, a.labels)})${item(a.item)}`;
    case "delegate":
      return `delegate ${at(a.src)} -> ${at(a.pd)}`;
    case "revoke":
      return `revoke ${at(a.sel)}`;
    case "map": {
      const held = caps.find((x) => capKind(x.c) === Kind.MEM && capObject(x.c) === a.mem && capRights(x.c) === a.rights);
      return held ? `map ${capName(model, L, held.c)} -> ${at(a.pd)}` : `map ${mem(a.mem)} -> ${at(a.pd)} (without a capability to it)`;
    }
    case "unmap":
      return `unmap ${mem(a.mem)}`;
    case "pte_write":
      return `write its page table: map ${mem(a.mem)} rw`;
    case "assign_dev":
      return `assign ${at(a.dev)} to ${at(a.pd)}`;
    case "assign_irq":
      return `route ${at(a.sm)} to cpu${a.cpu}`;
    case "sm_up":
      return `up ${at(a.sm)}${woken >= 0 ? ` (wakes ${ecName(model, L, woken)})` : ""}`;
    case "sm_down":
      return `down ${at(a.sm)}`;
    case "create_pt":
      return "create a portal bound to itself";
    case "create_sm":
      return "create a semaphore";
    default:
      return a.op;
  }
}

/**
 * A store by the adversary through the MMU: where its page table or a TLB entry lets it
 * write, or — to provoke a page fault — into any memory it has not mapped, whether it holds
 * a capability to it or not (a real client can touch any address), when it has a pager to
 * send the fault to (without one the fault would only kill its own EC).
 */
function memoryWrite(sys: System, s: StateVector, from: Entered, ec: number, m: number, d: Datum, out: Successor[], bound: number | null): void {
  const L = sys.k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  const writable = (pte(s, L, pd, m) & Right.W) !== 0 || (tlbEntry(s, L, ecGet(s, L, ec, EC.CPU), pd, m) & Right.W) !== 0;
  if (!writable && !(pte(s, L, pd, m) === 0 && ecGet(s, L, ec, EC.PAGER_PT) >= 0 && d.value === 0 && d.labels === 0)) return;
  const n = beginEntered(sys, from);
  const ok = memAccess(sys.k, n, ec, m, "w");
  if (ok) {
    setRegionValue(n, L, m, d.value);
    taintRegion(n, L, m, d.labels);
  }
  if (bound !== null) countAdversaryStep(n, L, pd);
  const model = sys.model;
  const describe = (): string => {
    const where = objectName(model, L, Kind.MEM, m);
    return ok ? `write ${fmt(d, model)} to ${where}` : `touch ${where}: page fault`;
  };
  done(sys, s, n, ec, "adversary", "write", m, ec, model.components[pd]!.node, describe, Status.SUCCESS, "all", undefined, out);
}

