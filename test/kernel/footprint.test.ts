// Read footprints (src/kernel/footprint.ts): a word a system call does not declare, changed, changes neither its status nor what it writes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explore } from "../../src/checker/explore.js";
import { buildSystem, useDeadValues, type System } from "../../src/components/step.js";
import { ReadSet } from "../../src/kernel/footprint.js";
import { EcState, type StateVector } from "../../src/kernel/layout.js";
import { ecGet, ecPd } from "../../src/kernel/ec.js";
import { EC } from "../../src/kernel/layout.js";
import { capKind, Kind, NO_CAP } from "../../src/kernel/cap.js";
import { capAt, globalSlot, slotsOf } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { syscall, syscallReads, type SyscallArgs } from "../../src/kernel/syscalls.js";
import { clients } from "../checker/replicas.js";
import { smallScenario } from "../checker/small-arb.js";
import { compileFile } from "../../src/dsl/compile.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { compile } from "./harness.js";

/** A small deterministic generator (the property's seed drives it). */
function rng(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** Up to `n` reachable states of `sys`, spread over its first `max` (breadth first). */
function statesOf(sys: System, n: number, max: number): StateVector[] {
  const all: StateVector[] = [];
  explore(sys, { maxStates: max, por: false }, { state: (s) => void all.push(Int32Array.from(s)) });
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

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
  ];
}

/**
 * For each state, each runnable EC and each call: every word the call does not declare is
 * changed in turn (to a value the word has in another state, and to its value ± 1, 0 and -1),
 * and the call must give the same status and write the same (the changed word itself may keep
 * its new value or get what the call writes there). Returns the calls checked.
 */
/** Calls checked that decode accepted, by op, over the tests of this file (the last test reads them). */
const accepted = new Map<string, number>();

type Declare = (sys: System, s: StateVector, ec: number, a: SyscallArgs, r: ReadSet) => void;
const declared: Declare = (sys, s, ec, a, r) => syscallReads(sys.k, s, ec, a, r);

function checkUndeclared(sys: System, states: readonly StateVector[], seed: number, declare: Declare = declared): number {
  const k = sys.k;
  const L = k.L;
  const pick = rng(seed);
  const r = new ReadSet(L);
  let checked = 0;
  for (const s of states) {
    for (let ec = 0; ec < L.counts.ec; ec++) {
      if (ecGet(s, L, ec, EC.STATE) !== EcState.RUNNABLE || ecGet(s, L, ec, EC.REVOKE) >= 0) continue;
      for (const a of callsFor(sys, s, ec, pick)) {
        r.clear();
        declare(sys, s, ec, a, r);
        if (r.everything) continue;
        const after = Int32Array.from(s);
        const status = syscall(k, after, ec, a);
        checked++;
        if (status === Status.SUCCESS && declare === declared) accepted.set(a.op, (accepted.get(a.op) ?? 0) + 1);
        for (let w = 0; w < L.words; w++) {
          if (r.has(w)) continue;
          const other = states[pick(states.length)]![w]!;
          for (const v of new Set([other, s[w]! + 1, s[w]! - 1, 0, -1])) {
            if (v === s[w]) continue;
            const changed = Int32Array.from(s);
            changed[w] = v;
            let st: number;
            try {
              st = syscall(k, changed, ec, a);
            } catch (e) {
              throw new Error(`${a.op} by EC ${ec} threw with word ${w} (undeclared) changed from ${s[w]} to ${v}: ${String(e)}`);
            }
            const where = `${a.op} ${JSON.stringify(a)} by EC ${ec}, word ${w} (undeclared) changed from ${s[w]} to ${v}`;
            expect(st, where).toBe(status);
            for (let i = 0; i < L.words; i++) {
              if (i === w) expect([v, after[w]], where).toContain(changed[w]);
              else if (changed[i] !== after[i]) expect(changed[i], `${where}: word ${i}`).toBe(after[i]);
            }
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

  it("a declaration that leaves out a word the call reads is caught (recv without the caller's message, call without the handler's state)", () => {
    const sys = systemOf(clients(2, "", false));
    const states = statesOf(sys, 60, 2000);
    const L = sys.k.L;
    const without =
      (op: string, drop: (s: StateVector, i: number) => boolean): Declare =>
      (sys, s, ec, a, r) => {
        const all = new ReadSet(L);
        syscallReads(sys.k, s, ec, a, all);
        if (all.everything) return r.all();
        for (let i = 0; i < L.words; i++) if (all.has(i) && !(a.op === op && drop(s, i))) r.word(i);
      };
    const field = (i: number): number => (i - L.base.ec) % L.ecSize;
    const inEcs = (i: number): boolean => i >= L.base.ec && i < L.base.ec + L.counts.ec * L.ecSize;
    // The server's EC is 0: every other EC's message words.
    const message = without("recv", (_, i) => inEcs(i) && i >= L.base.ec + L.ecSize && field(i) >= EC.MSG_LABELS && field(i) !== EC.PHASE);
    const handlerState = without("call", (_, i) => i === L.base.ec + EC.STATE);
    for (const [name, d] of [["recv", message], ["call", handlerState]] as const)
      expect(() => [1, 2, 3, 4, 5, 6, 7, 8].forEach((seed) => checkUndeclared(sys, states, seed, d)), name).toThrow(/undeclared/);
  });

  it("each declared call was checked where the kernel accepts it, not only where decode refuses it", () => {
    for (const op of ["call", "reply", "recv", "delegate", "sm_up", "sm_down", "lookup"]) expect(accepted.get(op) ?? 0, op).toBeGreaterThan(2);
  });
});
