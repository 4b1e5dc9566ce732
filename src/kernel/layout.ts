// The state vector's layout: where each CPU, kernel object, capability slot and page table lives in the Int32Array.
import { keysOf } from "../dsl/keys.js";
import type { SystemModel } from "../dsl/model.js";
import { MAX_OBJECTS } from "./cap.js";
import { FAULT_FLAGS, type FaultFlag } from "./faults.js";

/**
 * The complete dynamic state of machine, kernel and threads is one Int32Array
 * (DESIGN.md §7). Copying a state is copying the array; nothing mutable lives
 * elsewhere. This file computes, from a SystemModel, where everything is.
 */
export type StateVector = Int32Array;

/** How the explorer wants the scheduler to behave (DESIGN.md §7, issue 3 item 5). */
export type SchedulingMode = "interleave" | "strict";

export interface KernelConfig {
  /** Objects of each kind that can be created at run time beyond those the scenario boots. */
  readonly spare: { readonly pd: number; readonly ec: number; readonly sc: number; readonly pt: number; readonly sm: number };
  /** Free capability slots in every protection domain beyond what boot fills. */
  readonly spareSlots: number;
  /** Message words in a UTCB. */
  readonly msgWords: number;
  /** Whether TLB entries are tagged with their address space (no flush on an address-space switch). */
  readonly taggedTlb: boolean;
  readonly scheduling: SchedulingMode;
  /** An SC's budget, in steps, before round robin moves it behind its peers (strict scheduling). */
  readonly budget: number;
}

export const DEFAULT_CONFIG: KernelConfig = {
  spare: { pd: 1, ec: 1, sc: 1, pt: 1, sm: 1 },
  spareSlots: 2,
  msgWords: 2,
  taggedTlb: false,
  scheduling: "interleave",
  budget: 4,
};

// ---- record layouts (word offsets inside one object's record) ------------------------

export const CPU = { CUR: 0, MODE: 1, SIZE: 2 } as const;
/** ADV: adversary steps the component has taken (counted only under `adversary steps N`). */
export const PD = { ALIVE: 0, ADV: 1, SIZE: 2 } as const;
/** The global words before the tables: ASSERT holds the node id + 1 of the first failed assert (0: none). */
export const GLOBAL = { ASSERT: 0, SIZE: 1 } as const;
export const EC = {
  /** EcState; FREE for an unused spare. */
  STATE: 0,
  PD: 1,
  CPU: 2,
  /** The PT (calling, receiving) or SM (down) the EC is blocked on; -1 when none. */
  WAIT: 3,
  /** A server's reply capability: the caller it must reply to; -1 when none. */
  PARTNER: 4,
  /** Bit 0: the blocking operation has a timeout. */
  FLAGS: 5,
  /** The status of the EC's last syscall. */
  STATUS: 6,
  /** The behaviour's program counter (src/components). */
  PC: 7,
  /** A preemptible revoke in progress: the global slot being revoked, or -1. */
  REVOKE: 8,
  /**
   * A caller in REPLY: the server it waits for; -1 when none. Kept apart from PARTNER
   * so that a server that calls on before replying (nested IPC) keeps its reply capability.
   */
  SERVER: 9,
  /** The portal page faults are sent to, or -1. */
  PAGER_PT: 10,
  /** The portal exceptions are sent to, or -1. */
  EXC_PT: 11,
  /** The label set of the message in the UTCB. */
  MSG_LABELS: 12,
  /** A capability in the UTCB: received, or to be transferred (NO_CAP when none). */
  MSG_CAP: 13,
  /** A behaviour's statement in progress: 0 to issue it, 1 to complete it after the EC wakes (src/components). */
  PHASE: 14,
  /** The message words start here. */
  MSG: 15,
} as const;
/** DONE: a thread that ran off the end of its body (or failed an assert); it never runs again. */
export const EcState = { FREE: 0, RUNNABLE: 1, RECV: 2, CALL: 3, REPLY: 4, SM: 5, DEAD: 6, DONE: 7 } as const;
export type EcState = (typeof EcState)[keyof typeof EcState];
export const EC_STATE_NAMES = ["free", "runnable", "recv", "call", "reply", "sm", "dead", "done"] as const;
export const EC_TIMEOUT = 1;

export const SC = { ALIVE: 0, EC: 1, PRIO: 2, BUDGET: 3, RANK: 4, SIZE: 5 } as const;
export const PT = { ALIVE: 0, EC: 1, SIZE: 2 } as const;
/** CPU: for an IRQ semaphore, the CPU the interrupt is routed to (assign_irq). */
export const SM = { ALIVE: 0, COUNT: 1, CPU: 2, SIZE: 3 } as const;
/** VALUE: the data word last written to the memory object (behaviours read it back). */
export const MEM = { LABELS: 0, VALUE: 1, SIZE: 2 } as const;
export const DEV = { PD: 0, SIZE: 1 } as const;
/** A capability slot: the capability word and the global slot index of its parent (-1: an original of root). */
export const SLOT = { CAP: 0, PARENT: 1, SIZE: 2 } as const;
export const NO_PARENT = -1;

/** What boot creates for each model object, by kernel object index. */
export interface BootPlan {
  /** PD of each component (component index = PD index). */
  readonly components: number;
  /** The EC of each model thread (thread index = EC index). */
  readonly threadEcs: number;
  /** Adversary ECs: one per untrusted component per CPU, after the thread ECs. */
  readonly adversaryEcs: readonly { readonly component: number; readonly cpu: number }[];
  /** For each model portal, its PT objects (one, or one per CPU for an untrusted component). */
  readonly portalPts: readonly (readonly number[])[];
  /** The handler EC of each PT. */
  readonly ptEc: readonly number[];
  /** The IRQ semaphore of each device, or -1. */
  readonly deviceIrqSm: readonly number[];
  /** The MMIO memory object of each device, or -1. */
  readonly deviceMmio: readonly number[];
  /** Capability slots of each PD. */
  readonly slots: readonly number[];
}

/** The tables of records in the vector, in order. */
export type Table = "cpu" | "pd" | "ec" | "sc" | "pt" | "sm" | "mem" | "dev" | "slots";

export interface Layout {
  readonly model: SystemModel;
  readonly config: KernelConfig;
  readonly faults: ReadonlySet<FaultFlag>;
  readonly boot: BootPlan;
  /** How many records each table has. */
  readonly counts: Readonly<Record<Table, number>>;
  readonly ecSize: number;
  /** Variable slots per EC (value, labels pairs) after the message words. */
  readonly vars: number;
  /** Where each table starts, and the page tables and TLBs after them. */
  readonly base: Readonly<Record<Table | "global" | "pte" | "tlb" | "sealed", number>>;
  /** First global slot of each PD. */
  readonly slotBase: readonly number[];
  /** Words per page table (4 bits per memory object). */
  readonly pteWords: number;
  /**
   * Whether the state keeps, per memory object, the labels of everything sealed with it as a
   * key: the `sealed` section, word `base.sealed + m` for memory object m, there when some
   * thread opens sealed values (language.md §9.1, kernel.md §3.2).
   */
  readonly keepsSealed: boolean;
  /** Total words. */
  readonly words: number;
}

/** Computes the layout of a scenario's state vector. */
export function layoutOf(model: SystemModel, config: KernelConfig = DEFAULT_CONFIG): Layout {
  const cpus = model.machine.cpus;
  const comps = model.components;
  // ECs: threads, then an adversary EC per untrusted component per CPU.
  const adversaryEcs = comps.filter((c) => !c.trusted).flatMap((c) => Array.from({ length: cpus }, (_, cpu) => ({ component: c.index, cpu })));
  const staticEcs = model.threads.length + adversaryEcs.length;
  const advEc = (component: number, cpu: number): number =>
    model.threads.length + adversaryEcs.findIndex((a) => a.component === component && a.cpu === cpu);
  // PTs: a portal is bound to the first thread of its component that receives on it;
  // failing that, a trusted component's portal goes to its first thread, and an untrusted
  // component's is served by its adversary on every CPU (one PT per CPU).
  const portalPts: number[][] = [];
  const ptEc: number[] = [];
  for (const p of model.portals) {
    const owner = comps[p.owner]!;
    const receiving = owner.threads.find((t) => receivesOn(model.threads[t]!.body, p.index));
    if (owner.trusted || receiving !== undefined) {
      const receiver = receiving ?? owner.threads[0];
      portalPts.push([ptEc.length]);
      ptEc.push(receiver ?? -1);
    } else {
      const pts: number[] = [];
      for (let cpu = 0; cpu < cpus; cpu++) {
        pts.push(ptEc.length);
        ptEc.push(advEc(owner.index, cpu));
      }
      portalPts.push(pts);
    }
  }
  const devices = model.machine.devices;
  let sm = model.semaphores.length;
  const deviceIrqSm = devices.map((d) => (d.irq === null ? -1 : sm++));
  let mem = model.regions.length;
  const deviceMmio = devices.map((d) => (d.mmioBytes > 0 ? mem++ : -1));

  const counts = {
    cpu: cpus,
    pd: comps.length + config.spare.pd,
    ec: staticEcs + config.spare.ec,
    sc: staticEcs + config.spare.sc,
    pt: ptEc.length + config.spare.pt,
    sm: sm + config.spare.sm,
    mem,
    dev: devices.length,
    slots: 0,
  };
  // Capability slots: root holds an original of every boot object; every other
  // component holds what it owns, its devices' IRQ and MMIO, and its caps entries.
  const staticObjects = comps.length + staticEcs * 2 + ptEc.length + sm + mem + devices.length;
  const slots = comps.map((c) => {
    if (c.root) return staticObjects + config.spareSlots;
    const ecs = c.threads.length + (c.trusted ? 0 : cpus);
    const pts = c.portals.reduce((n, p) => n + portalPts[p]!.length, 0);
    const devs = c.devices.reduce((n, d) => n + 1 + (deviceIrqSm[d]! >= 0 ? 1 : 0) + (deviceMmio[d]! >= 0 ? 1 : 0), 0);
    const granted = model.caps
      .filter((k) => k.holder === c.index)
      .reduce((n, k) => n + (k.object.kind === "portal" ? portalPts[k.object.index]!.length : k.object.kind === "thread" ? 2 : 1), 0);
    const clients = comps.filter((x) => x.pager === c.index).length + comps.filter((x) => x.exceptions === c.index).length;
    return 1 + ecs * 2 + pts + c.semaphores.length + c.regions.length + devs + granted + clients + config.spareSlots;
  });
  for (let i = 0; i < config.spare.pd; i++) slots.push(config.spareSlots);
  const slotBase: number[] = [];
  let total = 0;
  for (const n of slots) {
    slotBase.push(total);
    total += n;
  }
  counts.slots = total;

  // A thread's slots: its variables, then one hidden counter per `repeat` statement.
  const maxVars = Math.max(0, ...model.threads.map((t) => t.vars.length + countRepeats(t.body)));
  const ecSize = EC.MSG + config.msgWords + 2 * maxVars;
  const pteWords = Math.max(1, Math.ceil(mem / 8));
  let at = 0;
  const take = (n: number): number => {
    const b = at;
    at += n;
    return b;
  };
  // When some thread opens sealed values, every memory object gets a word for the labels sealed
  // with it as a key: a value sealed with one key and sealed again with another opens with the
  // second to the first's plaintext (language.md §9.1), and a dense section moves with the memory
  // objects under a permutation of replicas as their records do (symmetry.ts). Without an
  // `open`, there is none.
  const opens = model.threads.some((t) => keysOf(t.body, "open").size > 0);
  const base = {
    global: take(GLOBAL.SIZE),
    cpu: take(cpus * CPU.SIZE),
    pd: take(counts.pd * PD.SIZE),
    ec: take(counts.ec * ecSize),
    sc: take(counts.sc * SC.SIZE),
    pt: take(counts.pt * PT.SIZE),
    sm: take(counts.sm * SM.SIZE),
    mem: take(counts.mem * MEM.SIZE),
    sealed: take(opens ? mem : 0),
    dev: take(counts.dev * DEV.SIZE),
    slots: take(total * SLOT.SIZE),
    pte: take(counts.pd * pteWords),
    tlb: take(cpus * counts.pd * pteWords),
  };
  for (const [kind, n] of Object.entries(counts))
    if (n >= MAX_OBJECTS) throw new Error(`${n} ${kind} objects: a capability word names at most ${MAX_OBJECTS}`);
  const faults = new Set(model.kernel.faults.filter((f): f is FaultFlag => Object.hasOwn(FAULT_FLAGS, f)));
  return {
    model,
    config,
    faults,
    boot: {
      components: comps.length,
      threadEcs: model.threads.length,
      adversaryEcs,
      portalPts,
      ptEc,
      deviceIrqSm,
      deviceMmio,
      slots,
    },
    counts,
    ecSize,
    vars: maxVars,
    base,
    slotBase,
    pteWords,
    keepsSealed: opens,
    words: at,
  };
}

/** The number of `repeat` statements in a body, nested ones included: each needs a counter slot. */
export function countRepeats(body: SystemModel["threads"][number]["body"]): number {
  let n = 0;
  for (const s of body) {
    if (s.kind === "repeat") n += 1 + countRepeats(s.body);
    else if (s.kind === "loop") n += countRepeats(s.body);
    else if (s.kind === "choose") for (const b of s.branches) n += countRepeats(b);
    else if (s.kind === "if") n += countRepeats(s.then) + countRepeats(s.else);
  }
  return n;
}

function receivesOn(body: SystemModel["threads"][number]["body"], portal: number): boolean {
  for (const s of body) {
    if (s.kind === "recv" && s.portal === portal) return true;
    if ((s.kind === "loop" || s.kind === "repeat") && receivesOn(s.body, portal)) return true;
    if (s.kind === "choose" && s.branches.some((b) => receivesOn(b, portal))) return true;
    if (s.kind === "if" && (receivesOn(s.then, portal) || receivesOn(s.else, portal))) return true;
  }
  return false;
}

/** A fresh, all-zero state vector for a layout. */
export function emptyState(L: Layout): StateVector {
  return new Int32Array(L.words);
}
