// Read footprints (src/kernel/footprint.ts): a word a system call does not declare, changed, changes neither its status nor what it writes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSystem, useDeadValues, type System } from "../../src/components/step.js";
import { ReadSet } from "../../src/kernel/footprint.js";
import { EC, EcState, type StateVector } from "../../src/kernel/layout.js";
import { ecGet, ecPd } from "../../src/kernel/ec.js";
import { capKind, Kind, NO_CAP } from "../../src/kernel/cap.js";
import { capAt, globalSlot, slotsOf } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { smWaiters, syscall, syscallReads, type SyscallArgs } from "../../src/kernel/syscalls.js";
import { canTimeOut, deviceIrq, exceptionReads, irqReads, memAccess, memAccessReads, raiseException, timeout, timeoutReads } from "../../src/kernel/events.js";
import { clients } from "../checker/replicas.js";
import { smallScenario } from "../checker/small-arb.js";
import { compileFile } from "../../src/dsl/compile.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { compile } from "./harness.js";
import { rng, statesOf } from "./sampling.js";

/**
 * The system calls whose reads are declared word by word, with random arguments for `ec` in `s`:
 * most selectors name a capability of the kind the call needs (so that calls get past decode,
 * rendezvous and move items), the others any selector around the caller's space.
 */
function callsFor(sys: System, s: StateVector, ec: number, pick: (n: number) => number): SyscallArgs[] {
  const L = sys.k.L;
  const pd = ecPd(s, L, ec);
  const n = slotsOf(L, pd);
  const held = (kind: number | null): number[] => [...Array(n).keys()].filter((i) => capAt(s, L, globalSlot(L, pd, i)) !== NO_CAP && (kind === null || capKind(capAt(s, L, globalSlot(L, pd, i))) === kind));
  const sel = (kind: number | null = null): number => {
    const of = held(kind);
    return of.length > 0 && pick(5) > 0 ? of[pick(of.length)]! : pick(n + 2) - 1;
  };
  const words = (): number[] => Array.from({ length: pick(L.config.msgWords + 2) }, () => pick(5));
  const item = (): { sel: number; rights: number } | undefined => (pick(3) > 0 ? { sel: sel(), rights: pick(16) } : undefined);
  return [
    { op: "call", pt: sel(Kind.PT), words: words(), labels: pick(4), item: item(), timeout: pick(2) === 1 },
    { op: "reply", words: words(), labels: pick(4), item: item() },
    { op: "recv", pt: sel(Kind.PT), choice: pick(3) },
    { op: "delegate", src: sel(), pd: sel(Kind.PD), rights: pick(16) },
    { op: "sm_up", sm: sel(Kind.SM), choice: pick(3) },
    { op: "sm_down", sm: sel(Kind.SM), timeout: pick(2) === 1 },
    { op: "lookup", sel: sel() },
    ...moreCalls(sys, s, ec, held),
  ];
}

/**
 * Revoke and the creation of portals and semaphores, with arguments from a generator of their own
 * (so that the other calls' arguments stay as they were): selectors of capabilities the caller
 * holds, mostly of the kind the call needs.
 */
function moreCalls(sys: System, s: StateVector, ec: number, held: (kind: number | null) => number[]): SyscallArgs[] {
  let h = ec + 1;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s[i]!) | 0;
  const pick = rng(h);
  const n = slotsOf(sys.k.L, ecPd(s, sys.k.L, ec));
  const sel = (kind: number | null): number => {
    const of = held(kind !== null && pick(4) > 0 ? kind : null);
    return of.length > 0 ? of[pick(of.length)]! : pick(n + 2) - 1;
  };
  return [
    { op: "revoke", sel: sel(null) },
    { op: "create_pt", ec: sel(Kind.EC) },
    { op: "create_sm", pd: sel(Kind.PD), count: pick(2) },
  ];
}

/** Calls checked that decode accepted, by op, over the tests of this file (the last test reads them). */
const accepted = new Map<string, number>();
/** Events checked, by kind and outcome ("timeout", "interrupt", "exception", "r hit", "r fault", …). */
const eventsChecked = new Map<string, number>();

/** One kernel entry point to check in a state: what it declares it reads, and running it on a copy (its status; 0 for an event). */
interface Probe {
  readonly name: string;
  declare(s: StateVector, r: ReadSet): void;
  run(s: StateVector): number;
  /** A system call's op, counted in `accepted` where the kernel accepts it. */
  readonly op?: string;
  /** An event's kind, counted in `eventsChecked` with the outcome `run` gives. */
  readonly event?: (status: number) => string;
}

/** Which probes to check: the system calls or the events; `drop` leaves words out of their declarations (to show the check fails then). */
interface Check {
  readonly events?: boolean;
  readonly drop?: (probe: string, i: number) => boolean;
  /** Changes a word read through a guard only to any value, as if the guard were not declared (to show the check fails then). */
  readonly noGuards?: boolean;
}

/** The system calls of each runnable EC, with random arguments (`callsFor`). */
function callProbes(sys: System, s: StateVector, pick: (n: number) => number): Probe[] {
  const L = sys.k.L;
  const out: Probe[] = [];
  for (let ec = 0; ec < L.counts.ec; ec++) {
    if (ecGet(s, L, ec, EC.STATE) !== EcState.RUNNABLE || ecGet(s, L, ec, EC.REVOKE) >= 0) continue;
    for (const a of callsFor(sys, s, ec, pick))
      out.push({
        name: `${a.op} ${JSON.stringify(a)} by EC ${ec}`,
        declare: (x, r) => syscallReads(sys.k, x, ec, a, r),
        run: (x) => syscall(sys.k, x, ec, a),
        op: a.op,
      });
  }
  return out;
}

/** The kernel's events in `s`: each timeout that can fire, each interrupt with each waiter, each runnable EC's read and write of each memory object, and its exception. */
function eventProbes(sys: System, s: StateVector): Probe[] {
  const k = sys.k;
  const L = k.L;
  const out: Probe[] = [];
  for (let ec = 0; ec < L.counts.ec; ec++) {
    if (canTimeOut(s, k, ec)) out.push({ name: `timeout of EC ${ec}`, declare: (x, r) => timeoutReads(k, x, ec, r), run: (x) => (timeout(k, x, ec), 0), event: () => "timeout" });
    if (ecGet(s, L, ec, EC.STATE) !== EcState.RUNNABLE || ecGet(s, L, ec, EC.REVOKE) >= 0) continue;
    for (let mem = 0; mem < L.counts.mem; mem++)
      for (const kind of ["r", "w"] as const) out.push({ name: `${kind} of memory ${mem} by EC ${ec}`, declare: (x, r) => memAccessReads(k, x, ec, mem, kind, r), run: (x) => (memAccess(k, x, ec, mem, kind) ? 1 : 0), event: (hit) => `${kind} ${hit ? "hit" : "fault"}` });
    out.push({ name: `exception of EC ${ec}`, declare: (x, r) => exceptionReads(k, x, ec, r), run: (x) => (raiseException(k, x, ec, 7), 0), event: () => "exception" });
  }
  for (let dev = 0; dev < L.counts.dev; dev++) {
    const sm = L.boot.deviceIrqSm[dev]!;
    if (sm < 0) continue;
    const waiters = Math.max(1, smWaiters(s, L, sm).length);
    for (let choice = 0; choice < waiters; choice++) out.push({ name: `interrupt of device ${dev} (waiter ${choice})`, declare: (x, r) => irqReads(k, x, dev, r), run: (x) => (deviceIrq(k, x, dev, choice), 0), event: () => "interrupt" });
  }
  return out;
}

/**
 * For each state and each of its probes: every word the probe does not declare is changed in
 * turn (to a value the word has in another state, and to its value ± 1, 0 and -1), and the
 * probe must give the same status and write the same (the changed word itself may keep its new
 * value or get what the probe writes there). Returns the probes checked.
 */
function checkUndeclared(sys: System, states: readonly StateVector[], seed: number, check: Check = {}): number {
  const L = sys.k.L;
  const pick = rng(seed);
  // The other states' values come from a generator of their own: the arguments `pick` draws do
  // not depend on how many words the probes before left undeclared.
  const pickOther = rng(seed ^ 0x5bd1e995);
  const r = new ReadSet(L);
  const all = new ReadSet(L);
  let checked = 0;
  for (const s of states) {
    for (const probe of check.events ? eventProbes(sys, s) : callProbes(sys, s, pick)) {
      r.clear();
      probe.declare(s, all.clear());
      if (all.everything) continue;
      for (let i = 0; i < L.words; i++) if (all.has(i) && !check.drop?.(probe.name, i)) r.word(i);
      const after = Int32Array.from(s);
      const status = probe.run(after);
      checked++;
      if (!check.drop && probe.op && status === Status.SUCCESS) accepted.set(probe.op, (accepted.get(probe.op) ?? 0) + 1);
      const event = check.drop ? undefined : probe.event?.(status);
      if (event) eventsChecked.set(event, (eventsChecked.get(event) ?? 0) + 1);
      for (let w = 0; w < L.words; w++) {
        if (r.has(w)) continue;
        const other = states[pickOther(states.length)]![w]!;
        for (const v of new Set([other, s[w]! + 1, s[w]! - 1, 0, -1])) {
          // A word read through a guard only (ReadSet.guard) keeps its answer.
          if (v === s[w] || (!check.noGuards && !all.sameGuards(w, s[w]!, v))) continue;
          const changed = Int32Array.from(s);
          changed[w] = v;
          let st: number;
          try {
            st = probe.run(changed);
          } catch (e) {
            throw new Error(`${probe.name} threw with word ${w} (undeclared) changed from ${s[w]} to ${v}: ${String(e)}`);
          }
          const where = `${probe.name}, word ${w} (undeclared) changed from ${s[w]} to ${v}`;
          expect(st, where).toBe(status);
          for (let i = 0; i < L.words; i++) {
            if (i === w) expect([v, after[w]], where).toContain(changed[w]);
            else if (changed[i] !== after[i]) expect(changed[i], `${where}: word ${i}`).toBe(after[i]);
          }
        }
      }
    }
  }
  return checked;
}

const systemOf = (text: string | SystemModel, dead = false): System => {
  const sys = buildSystem(typeof text === "string" ? compile(text) : text);
  sys.footprints = false;
  useDeadValues(sys, dead);
  return sys;
};

describe("read footprints", () => {
  it("random small scenarios: a call reads nothing it does not declare", () => {
    let checked = 0;
    fc.assert(
      fc.property(smallScenario, fc.integer({ min: 1, max: 2 ** 30 }), ({ text }, seed) => {
        const sys = systemOf(text);
        checked += checkUndeclared(sys, statesOf(sys, 3, 3000), seed);
      }),
      { numRuns: 15, seed: 20261124 },
    );
    expect(checked).toBeGreaterThan(300);
  }, 120_000);

  it("replicated adversaries and shipped scenarios: a call reads nothing it does not declare", () => {
    const shipped = ["faults/reply_cap_leak_buggy", "faults/delegate_rights_escalation_buggy", "revoke_race", "lib_nameserver", "lib_pager"].map((f) => compileFile(`scenarios/${f}.nizza`).model!);
    const texts: (string | SystemModel)[] = [clients(2), clients(2, "", false, 2), ...shipped];
    let checked = 0;
    texts.forEach((text, i) => {
      const sys = systemOf(text, true);
      checked += checkUndeclared(sys, statesOf(sys, 4, 20_000), 1000 + i);
    });
    expect(checked).toBeGreaterThan(200);
  }, 120_000);

  it("kernel events (timeouts, interrupts, memory accesses and their page faults, exceptions) read nothing they do not declare", () => {
    const shipped = ["faults/irq_priority_inversion", "faults/reply_cap_leak_buggy", "faults/stale_tlb", "lib_pager", "lib_nic_driver", "uart_console", "lib_l4linux"].map((f) => compileFile(`scenarios/${f}.nizza`).model!);
    const texts: (string | SystemModel)[] = [clients(2), clients(2, "", true, 2), ...shipped];
    let checked = 0;
    texts.forEach((text, i) => {
      const sys = systemOf(text, true);
      checked += checkUndeclared(sys, statesOf(sys, 4, 20_000), 2000 + i, { events: true });
    });
    fc.assert(
      fc.property(smallScenario, fc.integer({ min: 1, max: 2 ** 30 }), ({ text }, seed) => {
        const sys = systemOf(text);
        checked += checkUndeclared(sys, statesOf(sys, 3, 3000), seed, { events: true });
      }),
      { numRuns: 10, seed: 20261125 },
    );
    expect(checked).toBeGreaterThan(300);
    for (const kind of ["timeout", "interrupt", "exception", "r hit", "r fault", "w hit", "w fault"]) expect(eventsChecked.get(kind) ?? 0, kind).toBeGreaterThan(4);
  }, 120_000);

  it("a declaration that leaves out a word read is caught: recv without the caller's message, call without the handler's state, a read without the page-table entry, the calls without their guards", () => {
    const sys = systemOf(clients(2, "", true));
    const states = statesOf(sys, 60, 2000);
    const L = sys.k.L;
    const field = (i: number): number => (i - L.base.ec) % L.ecSize;
    // The server's EC is 0: every other EC's message words.
    const message = (probe: string, i: number): boolean => probe.startsWith("recv ") && i >= L.base.ec + L.ecSize && i < L.base.ec + L.counts.ec * L.ecSize && field(i) >= EC.MSG_LABELS && field(i) !== EC.PHASE;
    const handlerState = (probe: string, i: number): boolean => probe.startsWith("call ") && i === L.base.ec + EC.STATE;
    const pageTable = (probe: string, i: number): boolean => probe.startsWith("r of memory") && i >= L.base.pte && i < L.base.tlb;
    for (const [name, drop, events] of [["recv", message, false], ["call", handlerState, false], ["read", pageTable, true]] as const)
      expect(() => [1, 2, 3, 4, 5, 6, 7, 8].forEach((seed) => checkUndeclared(sys, states, seed, { drop, events })), name).toThrow(/undeclared/);
    // The guards (recv's: which ECs are in CALL; a leaf revoke's: which slots are children of the capability) left out.
    expect(() => [1, 2, 3, 4, 5, 6, 7, 8].forEach((seed) => checkUndeclared(sys, states, seed, { noGuards: true })), "guards").toThrow(/undeclared/);
  });

  it("each declared call was checked where the kernel accepts it, not only where decode refuses it", () => {
    for (const op of ["call", "reply", "recv", "delegate", "sm_up", "sm_down", "lookup", "revoke", "create_pt", "create_sm"]) expect(accepted.get(op) ?? 0, op).toBeGreaterThan(2);
  });
});
