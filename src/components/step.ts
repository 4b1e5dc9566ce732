// The step function: from a state, every enabled step of every EC (threads, adversaries, kernel continuations, devices), each with its successor.
import type { ExprModel, ItemModel, ObjectRef, SystemModel } from "../dsl/model.js";
import type { NodeId } from "../dsl/source.js";
import { labelMask, regionLabels, taintRegion } from "../machine/memory.js";
import { dmaAllowed, devicePd } from "../machine/iommu.js";
import { pte, tlbEntry } from "../machine/mmu.js";
import { Meter } from "../machine/meter.js";
import { StateArena } from "../kernel/arena.js";
import { boot, rightsOf } from "../kernel/boot.js";
import { ALL_RIGHTS, capKind, capObject, capRights, Kind, NO_CAP, Right, type Cap } from "../kernel/cap.js";
import { ecGet, ecSet, ecState, msgWord, setVar, varLabels, varValue } from "../kernel/ec.js";
import { canTimeOut, continueRevoke, deviceIrq, memAccess, raiseException, timeout } from "../kernel/events.js";
import { itemSlot, waitingCallers } from "../kernel/ipc.js";
import { DEFAULT_CONFIG, EC, EcState, GLOBAL, type KernelConfig, type Layout, type StateVector } from "../kernel/layout.js";
import { adversaryStepsTaken, countAdversaryStep } from "../kernel/pd.js";
import { ptEc } from "../kernel/pt.js";
import { enter, leave, schedulable } from "../kernel/scheduler.js";
import { smCount, SM_MAX } from "../kernel/sm.js";
import { capAt, findObject, globalSlot, slotsOf } from "../kernel/space.js";
import { Status, STATUS_NAMES } from "../kernel/status.js";
import { decodeSyscall, invokeDecoded, smWaiters, syscall, type Item, type Kernel, type SyscallArgs } from "../kernel/syscalls.js";
import { ecsOf, evalCond, evalData, kernelObjects, readable, regionValue, setRegionValue, type Datum } from "./flow.js";
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
  /** Per thread, its live variable slots at every pc, or null where its variables are observed. */
  readonly live: readonly (readonly Uint8Array[] | null)[];
  /** Devices whose interrupt semaphore some thread's statement names (up, down, delegate, revoke, item). */
  readonly namedIrqs: ReadonlySet<number>;
}

export function buildSystem(model: SystemModel, config: KernelConfig = DEFAULT_CONFIG): System {
  const { kernel, state } = boot(model, config, new Meter());
  const programs = compileAll(model);
  // A thread with an empty body has nothing to do: it starts done.
  programs.forEach((p, ec) => p.code.length === 0 && ecSet(state, kernel.L, ec, EC.STATE, EcState.DONE));
  return { model, k: kernel, programs, arena: new StateArena(kernel.L.words), init: state, footprints: true, metered: false, quietIrqs: false, namedIrqs: namedIrqs(programs), deadVariables: false, live: deadVariableTables(model, programs) };
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

export type StepKind = "thread" | "adversary" | "revoke" | "timeout" | "irq";

/** One step, in scenario terms, with what the explorer needs for reduction and timing. */
export interface StepInfo {
  readonly kind: StepKind;
  /**
   * What the step did, for path events (src/timing/events.ts): a thread's statement op
   * ("call", "recv", "read", ...; "complete" for the step that completes a blocking
   * statement), an adversary's syscall op (or "read", "write", "dma", "raise"), "revoke"
   * for a revoke's continuation, "timeout", "irq".
   */
  readonly op: string;
  /**
   * The kernel object `op` names: the PT of a call or recv, the SM of an up or down, the
   * memory object of a read or write, the device of an interrupt; -1 when none.
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
  readonly cost: Float64Array;
  /** The state-vector words the step changed (exact); empty when `System.footprints` is off. */
  readonly writes: Int32Array;
  /**
   * What the step read: "local" when only the acting EC's own record and its CPU's
   * record (a thread's control flow on its own variables; dispatching the EC reads the
   * CPU's current EC), otherwise "all" (conservative).
   */
  readonly reads: "local" | "all";
  /**
   * Set on the step in which a revoke completes (spec/invariants.md, `revocable`): the
   * revoked global slot and the kind and object of its capability. A revoke that
   * completes in another EC's step (its slot removed by an ancestor's revoke) is not marked.
   */
  readonly revoked?: { readonly slot: number; readonly kind: number; readonly object: number };
}

export interface Successor {
  readonly state: StateVector;
  readonly step: StepInfo;
}

/** Every enabled step from `s`, in a fixed order (so a seeded random walk is reproducible). */
export function successors(sys: System, s: StateVector): Successor[] {
  const { k } = sys;
  const L = k.L;
  const out: Successor[] = [];
  for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
    // An index loop: for-of goes through the array iterator here (once per state).
    const ecs = schedulable(s, k, cpu);
    for (let j = 0; j < ecs.length; j++) {
      const ec = ecs[j]!;
      if (ecGet(s, L, ec, EC.REVOKE) >= 0) revokeStep(sys, s, ec, out);
      else if (ec < sys.programs.length) threadSteps(sys, s, ec, out);
      else if (adversaryActs(sys, s, ec)) adversarySteps(sys, s, ec, out);
    }
  }
  for (let ec = 0; ec < L.counts.ec; ec++) if (canTimeOut(s, k, ec)) timeoutStep(sys, s, ec, out);
  for (let dev = 0; dev < sys.model.machine.devices.length; dev++) irqSteps(sys, s, dev, out);
  return out;
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

interface Ctx {
  readonly sys: System;
  readonly s: StateVector;
  readonly ec: number;
  readonly out: Successor[];
}

/**
 * Copies the state and dispatches `ec` (unless `dispatch` is false: a statement that does
 * not enter the kernel, spec/language.md §9.2); `done` records the successor.
 */
function begin(sys: System, s: StateVector, ec: number, dispatch = true): StateVector {
  const n = sys.arena.copy(s);
  sys.k.meter.reset();
  if (ec >= 0 && dispatch) enter(sys.k, n, ec);
  return n;
}

const NO_WRITES = new Int32Array(0);
const NO_COST = new Float64Array(0);

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
    readonly cost: Float64Array,
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
  let writes = NO_WRITES;
  let cost = NO_COST;
  if (sys.footprints) {
    let count = 0;
    for (let i = 0; i < n.length; i++) if (n[i] !== s[i]) count++;
    writes = new Int32Array(count);
    for (let i = 0, j = 0; i < n.length; i++) if (n[i] !== s[i]) writes[j++] = i;
    cost = sys.k.meter.raw.slice();
  } else if (sys.metered) cost = sys.k.meter.raw.slice();
  const cpu = ec >= 0 ? ecGet(n, L, ec, EC.CPU) : -1;
  const component = ec >= 0 ? ecGet(n, L, ec, EC.PD) : -1;
  out.push(new Step(sys, n, kind, op, obj, stepEc, cpu, component, node, describe, status, cost, writes, reads, revoked));
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

function revokeStep(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  const n = begin(sys, s, ec);
  continueRevoke(sys.k, n, ec);
  const finished = ecGet(n, sys.k.L, ec, EC.REVOKE) < 0;
  const revoked = finished ? revokedSlot(s, sys.k.L, ecGet(s, sys.k.L, ec, EC.REVOKE)) : undefined;
  done(sys, s, n, ec, "revoke", "revoke", -1, ec, null, () => `revoke continues${finished ? " and completes" : " (preemption point)"}`, Status.SUCCESS, "all", revoked, out);
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

/** Statements that run in the thread without entering the kernel: no dispatch, no kernel cost. */
function isLocalOp(op: string): boolean {
  // A switch, not a Set: it compiles to a few pointer compares (a thread's every step asks).
  switch (op) {
    case "choose":
    case "branch":
    case "count":
    case "repeat":
    case "spin":
    case "assert":
      return true;
    default:
      return false;
  }
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
  for (let cpu = 0; cpu < L.counts.cpu; cpu++) {
    for (const ec of schedulable(s, k, cpu)) {
      if (ec >= sys.programs.length || ecGet(s, L, ec, EC.REVOKE) >= 0) continue;
      const prog = sys.programs[ec]!;
      const i = prog.code[ecGet(s, L, ec, EC.PC)];
      if (!i || !(i.op === "count" || i.op === "repeat" || (i.op === "branch" && localCondition(i.cond)))) continue;
      const out: Successor[] = [];
      threadSteps(sys, s, ec, out);
      const x = out[0]!;
      // A step that ends the thread changes its state word, which others read (deadlock): not local.
      if (out.length === 1 && ecState(x.state, L, ec) === EcState.RUNNABLE) return x;
    }
  }
  return null;
}

/** What a thread statement's step did to its copy of the state: how to describe it, its status, a completed revoke. */
interface Outcome {
  readonly text: Describe;
  readonly status?: Status;
  readonly revoked?: StepInfo["revoked"];
}

/**
 * One thread's statement being stepped from `s`: what every step of it shares, and the helpers
 * the statements use, as methods. One object per `threadSteps` call, instead of a closure per
 * helper (the explorer steps a thread for most of the states it expands).
 */
class ThreadStep {
  readonly L: Layout;
  readonly pd: number;
  /** Statements that do not enter the kernel do not dispatch their thread (spec/language.md §9.2). */
  readonly dispatch: boolean;
  /** The step's op and object (StepInfo): set before `step` runs. */
  op: string;
  obj = -1;

  constructor(
    readonly sys: System,
    readonly s: StateVector,
    readonly ec: number,
    readonly i: Linked,
    readonly out: Successor[],
  ) {
    this.L = sys.k.L;
    this.pd = ecGet(s, this.L, ec, EC.PD);
    this.dispatch = !isLocalOp(i.op);
    this.op = i.op;
  }

  /** A step of this thread: `act` changes the copy and returns how to describe what it did. */
  step(act: (n: StateVector) => Outcome, reads: "local" | "all" = "all"): void {
    const { sys, s, ec, i } = this;
    const n = begin(sys, s, ec, this.dispatch);
    const r = act(n);
    done(sys, s, n, ec, "thread", this.op, this.obj, ec, i.node, r.text, r.status ?? Status.SUCCESS, reads, r.revoked, this.out);
  }

  /** The statement's source text (for step texts: called when a text is read). */
  stmt(): string {
    return this.sys.model.sources.text(this.i.node);
  }

  /** The selector of the first capability of the thread's PD to an object with `rights`, or -1. */
  sel(kind: number, object: number, rights = 0): number {
    return findObject(this.s, this.L, this.pd, kind, object, rights);
  }

  pdSel(target: number): number {
    return findObject(this.s, this.L, this.pd, Kind.PD, target, Right.CTRL);
  }

  /** Runs a syscall; a failure ends the statement, success either completes it or leaves it waiting. */
  sys1(n: StateVector, a: SyscallArgs, complete: (n: StateVector) => Describe): { text: Describe; status: Status } {
    const { sys, ec, i, L } = this;
    const st = syscall(sys.k, n, ec, a);
    if (st !== Status.SUCCESS) {
      advance(sys, n, ec, i.next);
      return { text: () => `${this.stmt()}: ${STATUS_NAMES[st]}`, status: st };
    }
    if (ecState(n, L, ec) === EcState.RUNNABLE) {
      const t = complete(n);
      advance(sys, n, ec, i.next);
      return { text: t, status: st };
    }
    ecSet(n, L, ec, EC.PHASE, 1);
    return { text: () => `${this.stmt()}: blocks`, status: st };
  }

  /**
   * A `with CAP [: rights]` item: the first capability to the object with those rights
   * (without rights written: the widest one held, passed on whole). None held: a selector
   * that names nothing, which the kernel refuses with BAD_CAP.
   */
  itemArg(it: ItemModel | null): Item | undefined {
    if (!it) return undefined;
    const { kind, objects } = kernelObjects(this.L, it.object);
    const wanted = it.rights ? rightsOf(it.rights) : null;
    for (const o of objects) {
      const rights = wanted ?? widestRights(this.s, this.L, this.pd, kind, o);
      const at = this.sel(kind, o, rights);
      if (at >= 0) return { sel: at, rights };
    }
    return { sel: -1, rights: wanted ?? 0 };
  }

  /** A memory access that faulted: where the fault went is decided now, from the successor. */
  faulted(n: StateVector): Outcome {
    const dies = ecState(n, this.L, this.ec) === EcState.DEAD;
    return { text: () => `${this.stmt()}: page fault (${dies ? "the fault has nowhere to go: the thread dies" : "sent to the pager"})` };
  }

  /** Binds the received message word to `bind` (now), and describes that (later). */
  bindMsg(n: StateVector, bind: number | null): Describe {
    if (bind === null) return () => this.stmt();
    const { L, ec } = this;
    const model = this.sys.model;
    const d = { value: msgWord(n, L, ec, 0), labels: ecGet(n, L, ec, EC.MSG_LABELS) };
    setVar(n, L, ec, bind, d.value, d.labels);
    return () => `${this.stmt()}: ${model.threads[ec]!.vars[bind]} = ${fmt(d, model)}`;
  }
}

/** The kernel object a semaphore or region reference names (a device's IRQ SM or MMIO window included). */
function kobj(L: Layout, o: ObjectRef): number {
  return kernelObjects(L, o).objects[0]!;
}

function threadSteps(sys: System, s: StateVector, ec: number, out: Successor[]): void {
  const { k, model } = sys;
  const L = k.L;
  const prog = sys.programs[ec]!;
  const pc = ecGet(s, L, ec, EC.PC);
  const i = prog.code[pc];
  if (!i) return;
  const t = new ThreadStep(sys, s, ec, i, out);
  const stmt = (): string => t.stmt();
  switch (i.op) {
    case "choose":
      i.targets.forEach((target, b) =>
        t.step((n) => {
          advance(sys, n, ec, target);
          return { text: () => `choose, branch ${b + 1} of ${i.targets.length}` };
        }, "local"),
      );
      return;
    case "branch":
      t.step((n) => {
        const c = evalCond(n, L, ec, i.cond);
        advance(sys, n, ec, c ? i.next : i.otherwise);
        return { text: () => `${stmt().replace(/\s*\{.*$/, "")}: ${c ? "true" : "false"}` };
      });
      return;
    case "count":
      t.step((n) => {
        setVar(n, L, ec, i.slot, i.count, 0);
        advance(sys, n, ec, i.next);
        return { text: () => `repeat ${i.count}: starts` };
      }, "local");
      return;
    case "repeat":
      t.step((n) => {
        const left = varValue(n, L, ec, i.slot);
        if (left === 0) {
          advance(sys, n, ec, i.exit);
          return { text: () => "repeat: done" };
        }
        setVar(n, L, ec, i.slot, left - 1, 0);
        advance(sys, n, ec, i.next);
        return { text: () => `repeat: ${left} to go` };
      }, "local");
      return;
    case "spin":
      t.step(() => ({ text: () => "loop { } (idles)" }), "local");
      return;
    case "assert":
      t.step((n) => {
        if (evalCond(n, L, ec, i.cond)) {
          advance(sys, n, ec, i.next);
          return { text: () => `${stmt()}: holds` };
        }
        if (n[L.base.global + GLOBAL.ASSERT] === 0) n[L.base.global + GLOBAL.ASSERT] = i.node + 1;
        ecSet(n, L, ec, EC.STATE, EcState.DONE);
        return { text: () => `${stmt()}: FAILS` };
      });
      return;
    default:
      break;
  }
  // Statements that are syscalls or memory accesses.
  const phase = ecGet(s, L, ec, EC.PHASE);
  if (phase === 1) {
    // The EC woke up inside a blocking statement: complete it.
    t.op = "complete";
    t.step((n) => {
      const status = ecGet(n, L, ec, EC.STATUS) as Status;
      let text: Describe = () => `${stmt()} completes${status !== Status.SUCCESS ? ` with ${STATUS_NAMES[status]}` : ""}`;
      if ((i.op === "call" || i.op === "recv" || i.op === "raise") && i.bind !== null && status === Status.SUCCESS) {
        const d = { value: msgWord(n, L, ec, 0), labels: ecGet(n, L, ec, EC.MSG_LABELS) };
        const bind = i.bind;
        setVar(n, L, ec, bind, d.value, d.labels);
        text = () => `${stmt()} completes: ${model.threads[ec]!.vars[bind]} = ${fmt(d, model)}`;
      }
      advance(sys, n, ec, i.next);
      return { text, status };
    });
    return;
  }
  switch (i.op) {
    case "call": {
      const pts = L.boot.portalPts[i.portal]!;
      const pt = pts.length > 1 ? pts[ecGet(s, L, ec, EC.CPU)]! : pts[0]!;
      t.obj = pt;
      t.step((n) => {
        const args = i.args.map((a) => evalData(n, L, ec, a));
        const words = args.slice(0, L.config.msgWords).map((d) => d.value);
        const labels = args.reduce((m, d) => m | d.labels, 0);
        return t.sys1(n, { op: "call", pt: t.sel(Kind.PT, pt, Right.CALL), words, labels, item: t.itemArg(i.item), timeout: i.timeout }, (m) => t.bindMsg(m, i.bind));
      });
      return;
    }
    case "recv": {
      const pts = L.boot.portalPts[i.portal]!;
      const pt = pts.find((p) => L.boot.ptEc[p] === ec) ?? pts[0]!;
      const callers = waitingCallers(s, L, pt);
      t.obj = pt;
      const choices = callers.length === 0 ? [0] : callers.map((_, c) => c);
      for (const choice of choices)
        t.step((n) => {
          const r = t.sys1(n, { op: "recv", pt: t.sel(Kind.PT, pt), choice }, (m) => t.bindMsg(m, i.bind));
          const text = r.text;
          return callers.length > 1 ? { text: () => `${text()} (from ${ecName(model, L, callers[choice]!)})`, status: r.status } : r;
        });
      return;
    }
    case "reply":
      t.step((n) => {
        const d = evalData(n, L, ec, i.value);
        return t.sys1(n, { op: "reply", words: [d.value], labels: d.labels, item: t.itemArg(i.item) }, () => () => `${stmt()}: sends ${fmt(d, model)}`);
      });
      return;
    case "up": {
      // An up wakes one waiter: each is a separate outcome.
      const sm = kobj(L, i.sem);
      const waiters = smWaiters(s, L, sm);
      t.obj = sm;
      (waiters.length ? waiters : [-1]).forEach((w, choice) =>
        t.step((n) => {
          const r = t.sys1(n, { op: "sm_up", sm: t.sel(Kind.SM, sm, Right.UP), choice }, () => stmt);
          const text = r.text;
          return w >= 0 ? { text: () => `${text()} (wakes ${ecName(model, L, w)})`, status: r.status } : r;
        }),
      );
      return;
    }
    case "down":
      t.obj = kobj(L, i.sem);
      t.step((n) => t.sys1(n, { op: "sm_down", sm: t.sel(Kind.SM, t.obj, Right.DOWN) }, () => stmt));
      return;
    case "read": {
      const mem = kobj(L, i.region);
      t.obj = mem;
      t.step((n) => {
        if (!memAccess(k, n, ec, mem, "r")) return t.faulted(n);
        const d = { value: regionValue(n, L, mem), labels: regionLabels(n, L, mem) };
        setVar(n, L, ec, i.bind, d.value, d.labels);
        advance(sys, n, ec, i.next);
        return { text: () => `${stmt()}: ${model.threads[ec]!.vars[i.bind]} = ${fmt(d, model)}` };
      });
      return;
    }
    case "write": {
      const mem = kobj(L, i.region);
      t.obj = mem;
      t.step((n) => {
        if (!memAccess(k, n, ec, mem, "w")) return t.faulted(n);
        const d = evalData(n, L, ec, i.value);
        setRegionValue(n, L, mem, d.value);
        taintRegion(n, L, mem, d.labels);
        advance(sys, n, ec, i.next);
        return { text: () => `${stmt()}: writes ${fmt(d, model)}` };
      });
      return;
    }
    case "delegate": {
      const { kind, objects } = kernelObjects(L, i.object);
      const rights = rightsOf(i.rights);
      const src = objects.map((o) => t.sel(kind, o, rights)).find((x) => x >= 0) ?? -1;
      t.step((n) => t.sys1(n, { op: "delegate", src, pd: t.pdSel(i.to), rights }, () => stmt));
      return;
    }
    case "revoke": {
      const { kind, objects } = kernelObjects(L, i.object);
      const src = objects.map((o) => t.sel(kind, o)).find((x) => x >= 0) ?? -1;
      t.step((n) => {
        const r = t.sys1(n, { op: "revoke", sel: src }, () => stmt);
        // Without preemptible revoke the revoke completes in this step.
        // (An object literal, not a spread of `r`: V8 copies a spread through a slow generic path.)
        return r.status === Status.SUCCESS && !model.kernel.preemptibleRevoke ? { text: r.text, status: r.status, revoked: revokedSlot(s, L, globalSlot(L, t.pd, src)) } : r;
      });
      return;
    }
    case "map": {
      const mem = kobj(L, i.region);
      const held = widestRights(s, L, t.pd, Kind.MEM, mem);
      const rights = i.rights ? rightsOf(i.rights) : held;
      t.step((n) => t.sys1(n, { op: "map", mem, pd: t.pdSel(i.to), rights }, () => stmt));
      return;
    }
    case "raise":
      // Not a system call: the exception enters the kernel, which sends it to the handler's portal.
      t.step((n) => {
        const d = evalData(n, L, ec, i.value);
        raiseException(k, n, ec, d.value, d.labels);
        if (ecState(n, L, ec) === EcState.DEAD) return { text: () => `${stmt()}: exception (no usable exception handler: the thread dies)` };
        ecSet(n, L, ec, EC.PHASE, 1);
        return { text: () => `${stmt()}: exception sent to the handler` };
      });
      return;
    case "unmap":
      t.step((n) => t.sys1(n, { op: "unmap", mem: kobj(L, i.region) }, () => stmt));
      return;
  }
}

/** The rights of the widest single capability `pd` holds on an object (a map needs one capability with all it maps). */
function widestRights(s: StateVector, L: Layout, pd: number, kind: number, object: number): number {
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
function adversaryActs(sys: System, s: StateVector, ec: number): boolean {
  const L = sys.k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  const c = sys.model.components[pd];
  if (c === undefined || c.trusted) return false;
  const bound = c.adversarySteps;
  return bound === null || adversaryStepsTaken(s, L, pd) < bound;
}

/**
 * The data an untrusted component can send (DESIGN.md §5: any datum it knows): the
 * unlabelled constants, what its EC holds in its UTCB (what it last received), and
 * the content of every memory object it can read — through its page table, a TLB
 * entry, or DMA by a device it drives.
 */
function adversaryData(s: StateVector, L: Layout, ec: number): Datum[] {
  const pd = ecGet(s, L, ec, EC.PD);
  const out: Datum[] = [
    { value: 0, labels: 0 },
    { value: OK, labels: 0 },
  ];
  const add = (d: Datum): void => {
    if (!out.some((x) => x.value === d.value && x.labels === d.labels)) out.push(d);
  };
  // What any EC of the component holds: UTCB messages, and its threads' variables.
  for (const e of ecsOf(s, L, pd)) {
    add({ value: msgWord(s, L, e, 0), labels: ecGet(s, L, e, EC.MSG_LABELS) });
    for (let v = 0; e < L.model.threads.length && v < L.model.threads[e]!.vars.length; v++) add({ value: varValue(s, L, e, v), labels: varLabels(s, L, e, v) });
  }
  const drives = L.model.machine.devices.map((_, d) => d).filter((d) => devicePd(s, L, d) === pd);
  for (let m = 0; m < L.counts.mem; m++)
    if (readable(s, L, pd, m) || drives.some((d) => dmaAllowed(s, L, d, m, false))) add({ value: regionValue(s, L, m), labels: regionLabels(s, L, m) });
  return out;
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
  const data = adversaryData(s, L, ec);
  /**
   * One syscall attempt. Most are refused, so the kernel's decode decides first, on `s`
   * itself: decode writes nothing (not even the meter), and it reads capability slots,
   * kernel objects and EC records only — never the CPU records or TLBs, the only words
   * `enter` (in `begin`) changes — so it decides on `s` exactly as on the dispatched copy
   * (test/components/decode.test.ts checks both), and what it worked out holds on the copy.
   * Only an accepted syscall costs a copy and a text (built from the arguments, `attemptText`;
   * `woken` is the EC an `sm_up` wakes).
   */
  const act = (a: SyscallArgs, woken = -1): void => {
    const x = decodeSyscall(k, s, ec, a);
    if (typeof x === "number") return;
    const n = begin(sys, s, ec);
    invokeDecoded(k, n, ec, x);
    if (bound !== null) countAdversaryStep(n, L, pd);
    const revoked = a.op === "revoke" && !model.kernel.preemptibleRevoke ? revokedSlot(s, L, globalSlot(L, pd, a.sel)) : undefined;
    done(sys, s, n, ec, "adversary", a.op, attemptObject(s, L, pd, a), ec, comp.node, () => attemptText(model, L, caps, a, woken), Status.SUCCESS, "all", revoked, out);
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
    for (const d of data) for (const it of items) act({ op: "reply", words: [d.value], labels: d.labels, item: it });
  // recv on every portal bound to this EC (those of its component, and those it created);
  // the kernel refuses it while the EC still holds a reply capability.
  for (const p of pts) {
    if (ptEc(s, L, capObject(p.c)) !== ec) continue;
    const callers = waitingCallers(s, L, capObject(p.c)).length;
    for (let choice = 0; choice < Math.max(1, callers); choice++) act({ op: "recv", pt: p.sel, choice });
  }
  for (const p of pts) for (const d of data) for (const it of items) act({ op: "call", pt: p.sel, words: [d.value], labels: d.labels, item: it, timeout: true });
  // The derivation tree: delegate anything it holds to any PD it holds, with all its rights; revoke anything.
  for (const x of caps)
    for (const t of pds) {
      if (t.sel === x.sel) continue;
      act({ op: "delegate", src: x.sel, pd: t.sel, rights: capRights(x.c) });
      if (escalate && capRights(x.c) !== ALL_RIGHTS[capKind(x.c)]) act({ op: "delegate", src: x.sel, pd: t.sel, rights: ALL_RIGHTS[capKind(x.c)] });
    }
  for (const x of caps) act({ op: "revoke", sel: x.sel });
  // Memory: map what it holds (into itself or another PD it holds), unmap, write what it knows,
  // and touch memory it holds but has not mapped (a page fault to its pager).
  for (const x of caps) if (capKind(x.c) === Kind.MEM) for (const t of pds) act({ op: "map", mem: capObject(x.c), pd: t.sel, rights: capRights(x.c) });
  // ... and memory it holds no capability to, `rw`: the kernel refuses it unless it does not
  // check ownership (map_unowned), so only then is it tried.
  if (L.faults.has("map_unowned"))
    for (let m = 0; m < L.counts.mem; m++) {
      if (holdsMem(caps, m)) continue;
      for (const t of pds) act({ op: "map", mem: m, pd: t.sel, rights: Right.R | Right.W });
    }
  for (let m = 0; m < L.counts.mem; m++) {
    if (pte(s, L, pd, m) !== 0) act({ op: "unmap", mem: m });
  }
  for (let m = 0; m < L.counts.mem; m++) {
    const mine = holdsMem(caps, m);
    for (const d of data) memoryWrite(sys, s, ec, m, d, out, bound, mine);
  }
  // Loads through the MMU: what it can read it knows already (adversaryData), but a load
  // caches the entry in its CPU's TLB — as a store does, and also for a read-only
  // mapping — and under stale_tlb that entry outlives the mapping.
  for (let m = 0; m < L.counts.mem; m++) {
    if ((pte(s, L, pd, m) & Right.R) === 0) continue;
    const n = begin(sys, s, ec);
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
        const n = begin(sys, s, ec);
        setRegionValue(n, L, m, d.value);
        taintRegion(n, L, m, d.labels | labelMask(dev.produces));
        if (bound !== null) countAdversaryStep(n, L, pd);
        done(sys, s, n, ec, "adversary", "dma", m, ec, comp.node, () => `DMA by ${dev.name} writes ${fmt(d, model)} to ${objectName(model, L, Kind.MEM, m)}`, Status.SUCCESS, "all", undefined, out);
      }
    }
  });
  // Its own page table, if the kernel lets it write there (pagetable_writable; else decode refuses every one).
  if (L.faults.has("pagetable_writable")) for (let m = 0; m < L.counts.mem; m++) act({ op: "pte_write", mem: m, rights: Right.R | Right.W });
  // Devices and interrupts it holds.
  for (const x of caps) if (capKind(x.c) === Kind.DEV) for (const t of pds) act({ op: "assign_dev", dev: x.sel, pd: t.sel });
  for (const x of caps)
    if (capKind(x.c) === Kind.SM && L.boot.deviceIrqSm.includes(capObject(x.c)))
      for (let cpu = 0; cpu < L.counts.cpu; cpu++) act({ op: "assign_irq", sm: x.sel, cpu });
  // Semaphores, and new portals and semaphores of its own.
  for (const x of caps) {
    if (capKind(x.c) !== Kind.SM) continue;
    const waiters = smWaiters(s, L, capObject(x.c));
    if (waiters.length === 0) act({ op: "sm_up", sm: x.sel, choice: 0 });
    else for (let choice = 0; choice < waiters.length; choice++) act({ op: "sm_up", sm: x.sel, choice }, waiters[choice]!);
    act({ op: "sm_down", sm: x.sel, timeout: true });
  }
  const ownEc = findObject(s, L, pd, Kind.EC, ec);
  if (ownEc >= 0) act({ op: "create_pt", ec: ownEc });
  const ownPd = findObject(s, L, pd, Kind.PD, pd);
  if (ownPd >= 0) act({ op: "create_sm", pd: ownPd, count: 0 });
  // Exceptions (an L4Linux process's system calls), when its component has a handler: with
  // each datum. One that would only kill its own EC (no usable handler) is not a step.
  if (ecGet(s, L, ec, EC.EXC_PT) >= 0)
    for (const d of data) {
      const n = begin(sys, s, ec);
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
function attemptObject(s: StateVector, L: Layout, pd: number, a: SyscallArgs): number {
  switch (a.op) {
    case "call":
    case "recv":
      return capObject(capAt(s, L, globalSlot(L, pd, a.pt)));
    case "sm_up":
    case "sm_down":
      return capObject(capAt(s, L, globalSlot(L, pd, a.sm)));
    case "map":
    case "unmap":
    case "pte_write":
      return a.mem;
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
 * write, or — to provoke a page fault — into memory it holds but has not mapped, when it
 * has a pager to send the fault to (without one the fault would only kill its own EC).
 */
function memoryWrite(sys: System, s: StateVector, ec: number, m: number, d: Datum, out: Successor[], bound: number | null, mine: boolean): void {
  const L = sys.k.L;
  const pd = ecGet(s, L, ec, EC.PD);
  const writable = (pte(s, L, pd, m) & Right.W) !== 0 || (tlbEntry(s, L, ecGet(s, L, ec, EC.CPU), pd, m) & Right.W) !== 0;
  if (!writable && !(mine && pte(s, L, pd, m) === 0 && ecGet(s, L, ec, EC.PAGER_PT) >= 0 && d.value === 0 && d.labels === 0)) return;
  const n = begin(sys, s, ec);
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

