// Step read footprints (src/components/reads.ts): a word an actor's steps do not declare, changed, changes neither which steps it has nor what they write.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actorOf, actorReads, normalFormReads } from "../../src/components/reads.js";
import { actorSteps, buildSystem, normalise, useDeadValues, type System } from "../../src/components/step.js";
import { compileFile } from "../../src/dsl/compile.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { ReadSet } from "../../src/kernel/footprint.js";
import { EC, type StateVector } from "../../src/kernel/layout.js";
import { scalable } from "../../bench/scalable.js";
import { clients } from "../checker/replicas.js";
import { smallScenario } from "../checker/small-arb.js";
import { compile } from "../kernel/harness.js";
import { rng, statesOf } from "../kernel/sampling.js";

/** The steps of `actor` from a copy of `s`: each successor vector copied (the arena reuses them). */
function stepsOf(sys: System, s: StateVector, actor: number): { state: Int32Array; text: string }[] {
  return actorSteps(sys, Int32Array.from(s), actor).map((x) => ({ state: Int32Array.from(x.state), text: x.step.text }));
}

/** Kinds of steps checked (thread statements by op, "adversary", "timeout"), over this file's tests (the last test reads them). */
const covered = new Map<string, number>();

interface Check {
  /** Leaves words out of the declaration (to show the check fails then). */
  readonly drop?: (actor: number, i: number) => boolean;
  /** Leaves out the normal forms' reads. */
  readonly noNormalForms?: boolean;
}

/**
 * For each state and each actor with steps there: every word neither `actorReads` nor the normal
 * forms of what its steps wrote declare is changed in turn (to its value in another state, ± 1, 0
 * and -1; skipped when the changed state is not in normal form, as no reachable state is), and the
 * actor must have as many steps, each writing the same words with the same values and leaving
 * every other word as it is — the changed one included. Returns the actors checked.
 */
function checkUndeclared(sys: System, states: readonly StateVector[], seed: number, check: Check = {}): number {
  const L = sys.k.L;
  const pick = rng(seed);
  const r = new ReadSet(L);
  let checked = 0;
  for (const s of states) {
    for (let actor = 0; actor < 2 * L.counts.ec; actor++) {
      const base = stepsOf(sys, s, actor);
      if (base.length === 0) continue;
      actorReads(sys, s, actor, r.clear());
      const writes = base.map((x) => {
        const w: number[] = [];
        for (let i = 0; i < L.words; i++) if (x.state[i] !== s[i]) w.push(i);
        return w;
      });
      if (!check.noNormalForms) for (const w of writes) for (const i of w) normalFormReads(L, i, r);
      if (r.everything) continue;
      checked++;
      if (!check.drop && !check.noNormalForms) {
        const kind = actor >= L.counts.ec ? "timeout" : actor < sys.programs.length ? (base[0]!.text.split(": ")[1] ?? "").split(" ")[0]! : "adversary";
        covered.set(kind, (covered.get(kind) ?? 0) + 1);
      }
      const declared = (i: number): boolean => r.has(i) && !check.drop?.(actor, i);
      for (let w = 0; w < L.words; w++) {
        if (declared(w)) continue;
        const other = states[pick(states.length)]![w]!;
        for (const v of new Set([other, s[w]! + 1, s[w]! - 1, 0, -1])) {
          // A word read through a guard only (ReadSet.guard) keeps its answer.
          if (v === s[w] || !r.sameGuards(w, s[w]!, v)) continue;
          const changed = Int32Array.from(s);
          changed[w] = v;
          if (!isNormal(sys, changed)) continue;
          const where = `actor ${actor} (${base[0]!.text}), word ${w} (undeclared) changed from ${s[w]} to ${v}`;
          let steps: { state: Int32Array; text: string }[];
          try {
            steps = stepsOf(sys, changed, actor);
          } catch (e) {
            throw new Error(`${where}: threw ${String(e)}`);
          }
          expect(steps.length, `${where}: steps`).toBe(base.length);
          steps.forEach((x, j) => {
            const wrote = new Set(writes[j]!);
            for (let i = 0; i < L.words; i++) {
              const want = wrote.has(i) ? base[j]!.state[i]! : changed[i]!;
              if (x.state[i] !== want) expect(x.state[i], `${where}: step ${j} (${base[j]!.text}), word ${i}`).toBe(want);
            }
          });
        }
      }
    }
  }
  return checked;
}

/** Whether `s` is in the normal form every step leaves (a changed word may make it not: a program counter out of its program, say). */
function isNormal(sys: System, s: StateVector): boolean {
  const L = sys.k.L;
  for (let e = 0; e < sys.programs.length; e++) {
    const pc = s[L.base.ec + e * L.ecSize + EC.PC]!;
    if (pc < 0 || pc > sys.programs[e]!.code.length) return false;
  }
  const n = Int32Array.from(s);
  normalise(sys, n);
  return n.every((x, i) => x === s[i]);
}

const systemOf = (text: string | SystemModel, dead: boolean): System => {
  const sys = buildSystem(typeof text === "string" ? compile(text) : text);
  sys.footprints = false;
  useDeadValues(sys, dead);
  return sys;
};

describe("step read footprints", () => {
  it("random small scenarios: an actor's steps read nothing it does not declare", () => {
    let checked = 0;
    fc.assert(
      fc.property(smallScenario, fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), ({ text }, seed, dead) => {
        const sys = systemOf(text, dead);
        checked += checkUndeclared(sys, statesOf(sys, 3, 3000), seed);
      }),
      { numRuns: 15, seed: 20261124 },
    );
    expect(checked).toBeGreaterThan(40);
  }, 120_000);

  it("replicated adversaries, the bench scenario and shipped scenarios: an actor's steps read nothing it does not declare", () => {
    const shipped = ["faults/reply_cap_leak_buggy", "revoke_race", "lib_nameserver", "lib_pager", "lib_secure_gui", "lib_viaduct"].map((f) => compileFile(`scenarios/${f}.nizza`).model!);
    const texts: (string | SystemModel)[] = [clients(2), clients(2, "", true, 2), scalable(2), ...shipped];
    let checked = 0;
    texts.forEach((text, i) => {
      const sys = systemOf(text, true);
      checked += checkUndeclared(sys, statesOf(sys, 4, 20_000), 1000 + i);
    });
    expect(checked).toBeGreaterThan(60);
  }, 120_000);

  it("a declaration that leaves out a word read is caught: a call without its handler's state, an adversary without its step count, the normal forms' reads", () => {
    // The server's first states, where the clients (adversaries with one step each) still act.
    const sys = systemOf(scalable(2), true);
    const L = sys.k.L;
    const states = statesOf(sys, 40, 60);
    // The server's EC is 0; clients are adversaries with a step bound.
    const handlerState = (actor: number, i: number): boolean => actor !== 0 && actor < L.counts.ec && i === L.base.ec + EC.STATE;
    const stepCount = (actor: number, i: number): boolean => actor !== 0 && actor < L.counts.ec && i >= L.base.pd && i < L.base.ec;
    for (const [name, drop] of [["handler state", handlerState], ["step count", stepCount]] as const) expect(() => checkUndeclared(sys, states, 7, { drop }), name).toThrow(/undeclared/);
    const threads = systemOf(scalable(1).replace("adversary steps 1", "thread t { call server.rpc(1) -> y }"), true);
    expect(() => checkUndeclared(threads, statesOf(threads, 40, 2000), 7, { noNormalForms: true }), "normal forms").toThrow(/undeclared/);
  });

  it("each kind of step was checked", () => {
    for (const kind of ["adversary", "timeout", "recv", "reply", "call", "revoke"]) expect(covered.get(kind) ?? 0, kind).toBeGreaterThan(2);
  });
});
