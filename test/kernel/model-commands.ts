// fast-check commands for the model-based kernel test: random numbers, resolved against the current state into concrete steps.
import fc from "fast-check";
import { capKind, capObject, capRights, Kind, NO_CAP } from "../../src/kernel/cap.js";
import { ecCpu, ecGet, ecPd } from "../../src/kernel/ec.js";
import type { FaultFlag } from "../../src/kernel/faults.js";
import { waitingCallers, waitingHandler } from "../../src/kernel/ipc.js";
import { EC } from "../../src/kernel/layout.js";
import { parent } from "../../src/kernel/mdb.js";
import { ptAlive, ptEc } from "../../src/kernel/pt.js";
import { capAt, globalSlot, lookupCap, slotsOf } from "../../src/kernel/space.js";
import { smWaiters } from "../../src/kernel/syscalls.js";
import { pte, type Access } from "../../src/machine/mmu.js";
import { Harness, showStep, type InvariantName, type Step, type Violation } from "./model-harness.js";
import { scenario, variantConfig, type Variant } from "./reference.js";

export type RawOp =
  | "delegate"
  | "revoke"
  | "continue_revoke"
  | "map"
  | "unmap"
  | "pte_write"
  | "access"
  | "call"
  | "recv"
  | "reply"
  | "sm_up"
  | "sm_down"
  | "lookup"
  | "create"
  | "assign"
  | "timeout"
  | "irq"
  | "dma";

/** A command before resolution: an operation and five random numbers. */
export interface Raw {
  readonly op: RawOp;
  readonly who: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

/** How often each operation is drawn. */
const WEIGHTS: Record<RawOp, number> = {
  delegate: 6,
  revoke: 3,
  continue_revoke: 5,
  map: 4,
  unmap: 2,
  pte_write: 1,
  access: 5,
  call: 6,
  recv: 6,
  reply: 5,
  sm_up: 1,
  sm_down: 1,
  lookup: 1,
  create: 2,
  assign: 1,
  timeout: 2,
  irq: 1,
  dma: 1,
};

const word = fc.nat({ max: 0xffff });
const rawWeighted: fc.Arbitrary<Raw> = fc.oneof(
  ...(Object.entries(WEIGHTS) as [RawOp, number][]).map(([op, weight]) => ({
    weight,
    arbitrary: fc.record({ who: word, a: word, b: word, c: word, d: word }).map((r) => ({ op, ...r })),
  })),
);

/**
 * A selector of `pd`: usually one that holds a capability (of one of `kinds`, if
 * given), sometimes (x % 8 === 7, or when there is none) any selector, empty ones included.
 */
function pickSel(h: Harness, pd: number, x: number, kinds?: readonly Kind[]): number {
  const n = slotsOf(h.L, pd);
  const held: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = capAt(h.s, h.L, globalSlot(h.L, pd, i));
    if (c !== NO_CAP && (!kinds || kinds.includes(capKind(c)))) held.push(i);
  }
  if (x % 8 === 7 || held.length === 0) return (x >> 3) % n;
  return held[(x >> 3) % held.length]!;
}

/** A portal selector of `pd`, usually one whose handler EC passes `want`, sometimes any selector. */
function pickPortal(h: Harness, pd: number, x: number, want: (handler: number, pt: number) => boolean): number {
  const good: number[] = [];
  for (let i = 0; i < slotsOf(h.L, pd); i++) {
    const c = capAt(h.s, h.L, globalSlot(h.L, pd, i));
    if (capKind(c) === Kind.PT && ptAlive(h.s, h.L, capObject(c)) && want(ptEc(h.s, h.L, capObject(c)), capObject(c))) good.push(i);
  }
  if (x % 4 === 3 || good.length === 0) return pickSel(h, pd, x >> 2, [Kind.PT]);
  return good[(x >> 2) % good.length]!;
}

/** The handler ECs of live portals. */
function handlers(h: Harness): Set<number> {
  const out = new Set<number>();
  for (let pt = 0; pt < h.L.counts.pt; pt++) if (ptAlive(h.s, h.L, pt)) out.add(ptEc(h.s, h.L, pt));
  return out;
}

function hasChild(h: Harness, g: number): boolean {
  if (capAt(h.s, h.L, g) === NO_CAP) return false;
  for (let i = 0; i < h.L.counts.slots; i++) if (capAt(h.s, h.L, i) !== NO_CAP && parent(h.s, h.L, i) === g) return true;
  return false;
}

/** Rights: three times in four a subset of `of`, else any four bits. */
function pickRights(of: number, x: number): number {
  return x % 4 === 0 ? (x >> 2) % 16 : of & (x >> 2);
}

/** Resolves a raw command to a concrete step, or null when it cannot run now (nobody can act). */
export function resolve(h: Harness, r: Raw): Step | null {
  const { L, s } = h;
  if (r.op === "irq") {
    const devs = L.boot.deviceIrqSm.flatMap((sm, d) => (sm >= 0 ? [d] : []));
    if (!devs.length) return null;
    const dev = devs[r.a % devs.length]!;
    const n = smWaiters(s, L, L.boot.deviceIrqSm[dev]!).length;
    return { ec: null, op: "irq", args: { dev, choice: r.b % Math.max(1, n) } };
  }
  if (r.op === "dma") {
    if (!L.counts.dev) return null;
    return { ec: null, op: "dma", args: { dev: r.a % L.counts.dev, mem: r.b % L.counts.mem, write: r.c % 2 === 1 } };
  }
  if (r.op === "timeout") {
    const ecs = h.timeouts();
    return ecs.length ? { ec: ecs[r.who % ecs.length]!, op: "timeout", args: {} } : null;
  }
  if (r.op === "continue_revoke") {
    const ecs = h.revokers();
    return ecs.length ? { ec: ecs[r.who % ecs.length]!, op: "continue_revoke", args: {} } : null;
  }
  const all = h.actors();
  if (!all.length) return null;
  // A reply mostly comes from a server holding a reply capability, a recv from a portal's handler.
  const fit =
    r.op === "reply" ? all.filter((e) => ecGet(s, L, e, EC.PARTNER) >= 0) : r.op === "recv" ? all.filter((e) => handlers(h).has(e)) : [];
  const ecs = fit.length && r.who % 4 !== 3 ? fit : all;
  const ec = ecs[(r.who >> 2) % ecs.length]!;
  const me = ecPd(s, L, ec);
  const rightsAt = (sel: number): number => capRights(lookupCap(s, L, me, sel));
  const memCaps = (): number[] => {
    const out: number[] = [];
    for (let i = 0; i < slotsOf(L, me); i++) {
      const c = capAt(s, L, globalSlot(L, me, i));
      if (capKind(c) === Kind.MEM) out.push(capObject(c));
    }
    return out;
  };
  switch (r.op) {
    case "delegate": {
      const src = pickSel(h, me, r.a);
      return { ec, op: "delegate", args: { src, pd: pickSel(h, me, r.b, [Kind.PD]), rights: pickRights(rightsAt(src), r.c) } };
    }
    case "revoke": {
      // Half the time a capability something was derived from.
      const parents: number[] = [];
      for (let i = 0; i < slotsOf(L, me); i++) if (hasChild(h, globalSlot(L, me, i))) parents.push(i);
      const sel = r.a % 2 === 0 && parents.length ? parents[(r.a >> 1) % parents.length]! : pickSel(h, me, r.a >> 1);
      return { ec, op: "revoke", args: { sel } };
    }
    case "map": {
      const held = memCaps();
      const mem = r.a % 4 !== 0 && held.length ? held[(r.a >> 2) % held.length]! : (r.a >> 2) % L.counts.mem;
      let of = 0;
      for (let i = 0; i < slotsOf(L, me); i++) {
        const c = capAt(s, L, globalSlot(L, me, i));
        if (capKind(c) === Kind.MEM && capObject(c) === mem) of |= capRights(c);
      }
      return { ec, op: "map", args: { mem, pd: pickSel(h, me, r.b, [Kind.PD]), rights: pickRights(of, r.c) % 8 } };
    }
    case "unmap":
      return { ec, op: "unmap", args: { mem: r.a % L.counts.mem } };
    case "pte_write":
      return { ec, op: "pte_write", args: { mem: r.a % L.counts.mem, rights: r.c % 8 } };
    case "access": {
      // Mostly memory the PD maps, so that TLBs fill; sometimes anything (a page fault).
      const mapped: number[] = [];
      for (let m = 0; m < L.counts.mem; m++) if (pte(s, L, me, m)) mapped.push(m);
      const mem = r.a % 4 !== 0 && mapped.length ? mapped[(r.a >> 2) % mapped.length]! : (r.a >> 2) % L.counts.mem;
      const kind: Access = (["r", "w", "r", "x"] as const)[r.b % 4]!;
      return { ec, op: "access", args: { mem, kind } };
    }
    case "call": {
      // Mostly a portal served on this CPU by another EC (else the call is refused), half of those
      // with the handler waiting in recv (a rendezvous).
      const here = (handler: number): boolean => handler !== ec && ecCpu(s, L, handler) === ecCpu(s, L, ec);
      const waiting = (handler: number, pt: number): boolean => here(handler) && waitingHandler(s, L, pt, handler);
      const pt = pickPortal(h, me, r.a >> 1, r.a % 2 === 0 ? waiting : here);
      const sel = pickSel(h, me, r.b);
      const item = r.d % 2 === 1 ? { sel, rights: pickRights(rightsAt(sel), r.c) } : undefined;
      return { ec, op: "call", args: { pt, ...(item ? { item } : {}), timeout: r.d % 4 >= 2 } };
    }
    case "recv": {
      // Mostly a portal this EC is the handler of (only it may receive there).
      const pt = pickPortal(h, me, r.a, (handler) => handler === ec);
      const c = lookupCap(s, L, me, pt);
      const n = capKind(c) === Kind.PT ? waitingCallers(s, L, capObject(c)).length : 0;
      return { ec, op: "recv", args: { pt, choice: r.b % Math.max(1, n) } };
    }
    case "reply": {
      const sel = pickSel(h, me, r.b);
      const item = r.d % 2 === 1 ? { sel, rights: pickRights(rightsAt(sel), r.c) } : undefined;
      return { ec, op: "reply", args: item ? { item } : {} };
    }
    case "sm_up": {
      const sm = pickSel(h, me, r.a, [Kind.SM]);
      const c = lookupCap(s, L, me, sm);
      const n = capKind(c) === Kind.SM ? smWaiters(s, L, capObject(c)).length : 0;
      return { ec, op: "sm_up", args: { sm, choice: r.b % Math.max(1, n) } };
    }
    case "sm_down":
      return { ec, op: "sm_down", args: { sm: pickSel(h, me, r.a, [Kind.SM]), timeout: r.c % 2 === 1 } };
    case "lookup":
      return { ec, op: "lookup", args: { sel: pickSel(h, me, r.a) } };
    case "create": {
      const pd = pickSel(h, me, r.b, [Kind.PD]);
      const onEc = pickSel(h, me, r.b, [Kind.EC]);
      switch (r.a % 5) {
        case 0:
          return { ec, op: "create_pd", args: { pd } };
        case 1:
          return { ec, op: "create_ec", args: { pd, cpu: r.c % 2 } };
        case 2:
          return { ec, op: "create_sc", args: { ec: onEc, prio: [10, 100, 128, 200][r.c % 4]! } };
        case 3:
          return { ec, op: "create_pt", args: { ec: onEc } };
        default:
          return { ec, op: "create_sm", args: { pd, count: r.c % 3 } };
      }
    }
    case "assign":
      return r.a % 2 === 0
        ? { ec, op: "assign_irq", args: { sm: pickSel(h, me, r.b, [Kind.SM]), cpu: r.c % 2 } }
        : { ec, op: "assign_dev", args: { dev: pickSel(h, me, r.b, [Kind.DEV]), pd: pickSel(h, me, r.c, [Kind.PD]) } };
  }
}

/** What one run drives: the harness, which invariants fail it (null: all), and the first failure. */
export interface World {
  readonly h: Harness;
  readonly only: ReadonlySet<InvariantName> | null;
  failure: string | null;
}

/**
 * One random command. A violation is recorded in the world rather than thrown, and
 * stops the run (later commands do not apply): the property then fails. Throwing
 * would cost a stack trace per failing attempt, and shrinking makes thousands.
 */
export class KernelCommand implements fc.Command<World, World> {
  constructor(readonly raw: Raw) {}
  check(w: Readonly<World>): boolean {
    return w.failure === null && resolve(w.h, this.raw) !== null;
  }
  run(w: World): void {
    const st = resolve(w.h, this.raw)!;
    const at = w.h.steps;
    const bad = relevant(w.h.apply(st), w.only);
    if (bad.length) w.failure = `step ${at}: ${showStep(st)}\n  ${bad.map((x) => `${x.invariant}: ${x.message}`).join("\n  ")}`;
  }
  toString(): string {
    return `${this.raw.op}(${this.raw.who},${this.raw.a},${this.raw.b},${this.raw.c},${this.raw.d})`;
  }
}

export function relevant(v: readonly Violation[], only: ReadonlySet<InvariantName> | null): Violation[] {
  return only ? v.filter((x) => only.has(x.invariant)) : [...v];
}

export const commandsArb = (maxCommands: number): fc.Arbitrary<Iterable<fc.Command<World, World>>> =>
  fc.commands([rawWeighted.map((r) => new KernelCommand(r))], { maxCommands, size: "max" });

/** The property: random command sequences on a fresh kernel of the scenario, checked after every step. */
export function kernelProperty(v: Variant, fault: FaultFlag | undefined, only: ReadonlySet<InvariantName> | null, maxCommands: number) {
  const model = scenario(v, fault);
  const config = variantConfig(v);
  return fc.property(commandsArb(maxCommands), (cmds) => {
    const h = new Harness(model, config);
    const boot = relevant(h.atBoot, only);
    const w: World = { h, only, failure: boot.length ? `at boot: ${boot.map((x) => `${x.invariant}: ${x.message}`).join("; ")}` : null };
    fc.modelRun(() => ({ model: w, real: w }), cmds);
    // The main property reports what failed; a flag's run, expected to fail, just says so.
    if (w.failure !== null && only === null)
      throw new Error(`${w.failure}\nthe steps that ran (replay() takes them):\n${h.log.map((st) => `  ${JSON.stringify(st)}`).join(",\n")}`);
    return w.failure === null;
  });
}

/** A recorded command sequence: what test/fixtures/kernel/FLAG.json holds. */
export interface Fixture {
  readonly flag: FaultFlag;
  readonly variant: Variant;
  readonly about: string;
  /** The invariant the flagged kernel violates, and at which step (0-based). */
  readonly invariant: InvariantName;
  readonly failsAt: number;
  readonly message: string;
  /** How it was found: fast-check's seed, the run that failed first, and that run's length in steps before minimize(). */
  readonly found: { readonly seed: number; readonly runs: number; readonly steps: number };
  /** Who each EC of the scenario is, for reading the steps. */
  readonly ecs: readonly string[];
  readonly steps: readonly Step[];
}

/** Names of the scenario's ECs by index: `component.thread@cpu`, `component adversary@cpu`, or `spare`. */
export function ecNames(v: Variant): string[] {
  const h = new Harness(scenario(v), variantConfig(v));
  const m = h.model;
  return Array.from({ length: h.L.counts.ec }, (_, e) => {
    const t = m.threads[e];
    if (t) return `${m.components[t.owner]!.name}.${t.name}@cpu${t.cpu}`;
    const a = h.L.boot.adversaryEcs[e - m.threads.length];
    return a ? `${m.components[a.component]!.name} adversary@cpu${a.cpu}` : "spare";
  });
}

/**
 * Replays fast-check's (shrunk) commands on a fresh harness, resolving each as the
 * property did, up to the first relevant violation: the concrete steps and where it failed.
 */
export function concretize(
  v: Variant,
  fault: FaultFlag,
  only: ReadonlySet<InvariantName>,
  cmds: Iterable<fc.Command<World, World>>,
): { steps: Step[]; failsAt: number; violation: Violation | null } {
  const h = new Harness(scenario(v, fault), variantConfig(v));
  const steps: Step[] = [];
  for (const c of cmds) {
    // fast-check hands back its wrappers around our commands.
    const cmd = ("cmd" in c ? c.cmd : c) as KernelCommand;
    const st = resolve(h, cmd.raw);
    if (!st) continue;
    steps.push(st);
    const bad = relevant(h.apply(st), only);
    if (bad.length) return { steps, failsAt: steps.length - 1, violation: bad[0]! };
  }
  return { steps, failsAt: -1, violation: null };
}

/**
 * Shortens a failing sequence of concrete steps: drop single steps (last to first),
 * then pairs, for as long as what is left still fails. A candidate is replayed
 * skipping the steps that cannot run any more (their EC blocked, say), and only the
 * steps that ran, up to the first relevant violation, are kept. fast-check shrinks
 * the random numbers, which resolve differently once earlier steps are gone; this
 * works on what ran.
 */
export function minimize(
  v: Variant,
  fault: FaultFlag,
  only: ReadonlySet<InvariantName>,
  steps: readonly Step[],
): { steps: Step[]; failsAt: number; violation: Violation | null } {
  const model = scenario(v, fault);
  const config = variantConfig(v);
  const failing = (cand: readonly Step[]): { ran: Step[]; violation: Violation } | null => {
    const h = new Harness(model, config);
    const ran: Step[] = [];
    for (const st of cand) {
      if (!h.canApply(st)) continue;
      ran.push(st);
      const bad = relevant(h.apply(st), only);
      if (bad.length) return { ran, violation: bad[0]! };
    }
    return null;
  };
  const first = failing(steps);
  if (!first) return { steps: [...steps], failsAt: -1, violation: null };
  let cur = first.ran;
  let violation = first.violation;
  /** Drops the steps at `drop` if what is left still fails. */
  const attempt = (drop: readonly number[]): boolean => {
    const f = failing(cur.filter((_, i) => !drop.includes(i)));
    if (!f) return false;
    cur = f.ran;
    violation = f.violation;
    return true;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = cur.length - 1; i >= 0; i--) if (i < cur.length && attempt([i])) changed = true;
    // Pairs, for steps that only go together (a call and its timeout); short sequences only.
    if (changed || cur.length > 16) continue;
    for (let i = cur.length - 1; i >= 1 && !changed; i--) for (let j = i - 1; j >= 0 && !changed; j--) changed = attempt([j, i]);
  }
  return { steps: cur, failsAt: cur.length - 1, violation };
}

/** Replays concrete steps, skipping those that cannot run; returns each step's violations (relevant ones only). */
export function replay(
  v: Variant,
  fault: FaultFlag | undefined,
  steps: readonly Step[],
  only: ReadonlySet<InvariantName> | null,
): { atBoot: Violation[]; perStep: (Violation[] | "skipped")[] } {
  const h = new Harness(scenario(v, fault), variantConfig(v));
  const perStep = steps.map((st) => (h.canApply(st) ? relevant(h.apply(st), only) : ("skipped" as const)));
  return { atBoot: relevant(h.atBoot, only), perStep };
}
