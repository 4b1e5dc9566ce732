// The CPUs: dispatch (context and address-space switch) and the normal form of their words that `check` keeps.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { buildSystem, useDeadValues } from "../../src/components/step.js";
import { cpuMode, currentEc, Mode, quietCpus } from "../../src/machine/cpu.js";
import { Meter } from "../../src/machine/meter.js";
import { access, invalidate, setPte } from "../../src/machine/mmu.js";
import { Right } from "../../src/kernel/cap.js";
import { EC } from "../../src/kernel/layout.js";
import { enter } from "../../src/kernel/scheduler.js";
import { bootText, compile, type Rig } from "../kernel/harness.js";
import { TWO_CPUS } from "./two-cpus.js";

const cur = (r: Rig, cpu: number): number => currentEc(r.s, r.L, cpu);
const ecCpu = (r: Rig, e: number): number => r.s[r.L.base.ec + e * r.L.ecSize + EC.CPU]!;
const ecPd = (r: Rig, e: number): number => r.s[r.L.base.ec + e * r.L.ecSize + EC.PD]!;

describe("the CPU words' normal form (spec/invariants.md §10.3, dead CPU words)", () => {
  it("keeps no current EC on a CPU whose TLB is empty, and the first EC of the current PD where it holds entries", () => {
    // PD a has three ECs, two on cpu 0: "the first EC of the current EC's PD" is not always the current EC.
    const r = bootText(TWO_CPUS);
    const [t0, t2, b0] = [r.ec("a.t0"), r.ec("a.t2"), r.ec("b.t0")];
    expect(t0).toBeLessThan(t2);
    enter(r.k, r.s, t2);
    quietCpus(r.s, r.L);
    expect(cur(r, 0)).toBe(-1); // nothing in the TLB: the next dispatch flushes nothing either way
    enter(r.k, r.s, t2);
    expect(access(r.s, r.L, 0, r.pd("a"), r.region("a.m0"), "r", new Meter())).toBe(true);
    quietCpus(r.s, r.L);
    expect(cur(r, 0)).toBe(t0); // a's entry stays while a runs: its first EC stands for t2
    enter(r.k, r.s, b0);
    expect(access(r.s, r.L, 0, r.pd("b"), r.region("b.n0"), "r", new Meter())).toBe(true);
    quietCpus(r.s, r.L);
    expect(cur(r, 0)).toBe(b0);
  });
  it("keeps no current EC with a tagged TLB, and leaves every CPU in user mode", () => {
    const r = bootText(TWO_CPUS, { taggedTlb: true });
    enter(r.k, r.s, r.ec("a.t2"));
    access(r.s, r.L, 0, r.pd("a"), r.region("a.m0"), "r", new Meter());
    r.s[r.L.base.ec + r.ec("a.t2") * r.L.ecSize + EC.REVOKE] = 0; // inside a preemptible revoke: kernel mode
    enter(r.k, r.s, r.ec("a.t2"));
    expect(cpuMode(r.s, r.L, 0)).toBe(Mode.KERNEL);
    quietCpus(r.s, r.L);
    expect([cur(r, 0), cpuMode(r.s, r.L, 0)]).toEqual([-1, Mode.USER]);
  });

  // Model-based: the machine run on the real words and on their normal form, the normal form
  // taken after every operation, stays in step — the normal form of the real state is the
  // normalised one, word for word. Every operation that reads a CPU's current EC (dispatch, and
  // through the TLB the access path and shootdowns) is among the operations.
  const op = fc.oneof(
    fc.record({ kind: fc.constant("enter" as const), ec: fc.nat(3) }),
    fc.record({ kind: fc.constant("access" as const), ec: fc.nat(3), mem: fc.nat(2), write: fc.boolean() }),
    fc.record({ kind: fc.constant("unmap" as const), pd: fc.nat(2), mem: fc.nat(2), cpu: fc.nat(1) }),
    fc.record({ kind: fc.constant("map" as const), pd: fc.nat(2), mem: fc.nat(2) }),
  );
  for (const taggedTlb of [false, true])
    it(`commutes with dispatch, the access path and shootdowns (${taggedTlb ? "tagged" : "untagged"} TLB)`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          const real = bootText(TWO_CPUS, { taggedTlb });
          const normal = bootText(TWO_CPUS, { taggedTlb });
          const ecs = [real.ec("a.t0"), real.ec("a.t1"), real.ec("a.t2"), real.ec("b.t0")];
          const mems = [real.region("a.m0"), real.region("a.m1"), real.region("b.n0")];
          for (const o of ops)
            for (const r of [real, normal]) {
              if (o.kind === "enter") enter(r.k, r.s, ecs[o.ec]!);
              else if (o.kind === "access") {
                const e = ecs[o.ec]!;
                enter(r.k, r.s, e);
                access(r.s, r.L, ecCpu(r, e), ecPd(r, e), mems[o.mem]!, o.write ? "w" : "r", new Meter());
              } else if (o.kind === "unmap") invalidate(r.s, r.L, o.pd, mems[o.mem]!, o.cpu, new Meter());
              else setPte(r.s, r.L, o.pd, mems[o.mem]!, Right.R | Right.W);
              if (r === normal) quietCpus(r.s, r.L);
            }
          const expected = real.s.slice();
          quietCpus(expected, real.L);
          expect(Array.from(normal.s)).toEqual(Array.from(expected));
        }),
        { numRuns: 300 },
      );
    });
});

describe("dead CPU words in check", () => {
  // Two trusted threads in two PDs, one system call each (an up on a semaphore of their own),
  // nothing touching memory, so no TLB ever holds an entry. By hand, without the normal form:
  // the initial state; a's up done, cpu0 running a; b's up done, running b; both done, running
  // b (a first) or running a (b first): 5 states, 4 transitions. With it the two last are one
  // state: 4 states, 4 transitions.
  const SMS = `system ups {
  component sigma0 : trusted root { }
  component a : trusted { semaphore s thread t { up s } }
  component b : trusted { semaphore s thread t { up s } }
}`;
  it("merges states that differ only in the current EC (5 states by hand without, 4 with)", () => {
    const m = compile(SMS);
    const on = check(m);
    const off = check(m, { deadValues: false });
    expect([off.stats.states, off.stats.transitions]).toEqual([5, 4]);
    expect([on.stats.states, on.stats.transitions]).toEqual([4, 4]);
  });
  it("is off under irq_priority_inversion, whose interrupt reads the interrupted EC", () => {
    const sys = buildSystem(compile(SMS.replace("system ups {", "system ups {\n  kernel nova { fault irq_priority_inversion }")));
    useDeadValues(sys, true);
    expect([sys.quietIrqs, sys.deadVariables, sys.quietCpus]).toEqual([true, true, false]);
    const plain = buildSystem(compile(SMS));
    useDeadValues(plain, true);
    expect(plain.quietCpus).toBe(true);
    useDeadValues(plain, false);
    expect([plain.quietIrqs, plain.deadVariables, plain.quietCpus]).toEqual([false, false, false]);
  });
});
