// The scheduler: every runnable EC (interleave) or the real kernel's pick (strict: priority, round robin, budgets).
import { describe, expect, it } from "vitest";
import { cpuMode, Mode } from "../../src/machine/cpu.js";
import { Kind } from "../../src/kernel/cap.js";
import { continueRevoke } from "../../src/kernel/events.js";
import { EC, SC } from "../../src/kernel/layout.js";
import { msgWord } from "../../src/kernel/ec.js";
import { enter, leave, schedulable } from "../../src/kernel/scheduler.js";
import { scGet } from "../../src/kernel/sc.js";
import { capAt } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { bootText } from "./harness.js";

const S = Status;
const TEXT = `system sched {
  machine { cpus 2 }
  kernel nova { preemptible revoke }
  component sigma0 : trusted root { memory page 4K; thread main prio 10 { } }
  component a : trusted { portal p; thread hi prio 200 { } thread lo1 prio 50 { } thread lo2 prio 50 { } thread other cpu 1 { } }
}`;

describe("interleave mode", () => {
  it("offers every runnable EC of a CPU, whatever its priority", () => {
    const r = bootText(TEXT);
    const on0 = schedulable(r.s, r.k, 0);
    expect(on0.sort()).toEqual([r.ec("sigma0.main"), r.ec("a.hi"), r.ec("a.lo1"), r.ec("a.lo2")].sort());
    expect(schedulable(r.s, r.k, 1)).toEqual([r.ec("a.other")]);
  });
  it("leaves ranks and budgets alone, so they add no states", () => {
    const r = bootText(TEXT);
    const before = r.s.slice();
    leave(r.k, r.s, r.ec("a.hi"));
    expect(r.s).toEqual(before);
  });
});

describe("strict mode", () => {
  it("picks the highest priority; blocked ECs are passed over", () => {
    const r = bootText(TEXT, { scheduling: "strict" });
    expect(schedulable(r.s, r.k, 0)).toEqual([r.ec("a.hi")]);
    // hi blocks in recv: the next priority level runs.
    expect(r.sys(r.ec("a.hi"), { op: "recv", pt: r.sel("a", Kind.PT, r.pt("a.p")) })).toBe(S.SUCCESS);
    leave(r.k, r.s, r.ec("a.hi"));
    expect(schedulable(r.s, r.k, 0)).toEqual([r.ec("a.lo1")]);
  });
  it("round robin within a priority: an exhausted budget goes behind its peer and is refilled", () => {
    const r = bootText(TEXT, { scheduling: "strict", budget: 2 });
    r.sys(r.ec("a.hi"), { op: "recv", pt: r.sel("a", Kind.PT, r.pt("a.p")) });
    leave(r.k, r.s, r.ec("a.hi"));
    const lo1 = r.ec("a.lo1");
    const lo2 = r.ec("a.lo2");
    const picks: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [e] = schedulable(r.s, r.k, 0);
      picks.push(e!);
      enter(r.k, r.s, e!);
      leave(r.k, r.s, e!);
    }
    expect(picks).toEqual([lo1, lo1, lo2, lo2, lo1, lo1]);
    expect(scGet(r.s, r.L, lo1, SC.BUDGET)).toBe(2);
  });
  it("keeps the state finite: ranks are renumbered 0..n-1", () => {
    const r = bootText(TEXT, { scheduling: "strict", budget: 1 });
    for (let i = 0; i < 50; i++) {
      const [e] = schedulable(r.s, r.k, 0);
      leave(r.k, r.s, e!);
    }
    for (let sc = 0; sc < r.L.counts.sc; sc++) {
      const rank = scGet(r.s, r.L, sc, SC.RANK);
      expect(rank === 1 << 20 || rank < 4).toBe(true);
    }
  });
});

describe("local ECs and kernel mode", () => {
  it("an EC without an SC runs only while it handles a call, on its caller's time and priority", () => {
    const r = bootText(TEXT, { scheduling: "strict" });
    const main = r.ec("sigma0.main");
    const hi = r.ec("a.hi");
    // sigma0 creates an EC without an SC in its own PD and a portal bound to it.
    const pd = r.sel("sigma0", Kind.PD, r.pd("sigma0"));
    expect(r.sys(main, { op: "create_ec", pd, cpu: 0 })).toBe(S.SUCCESS);
    const ecSel = msgWord(r.s, r.L, main, 0);
    const local = capAt(r.s, r.L, r.slot("sigma0", ecSel)) >>> 8;
    expect(r.sys(main, { op: "create_pt", ec: ecSel })).toBe(S.SUCCESS);
    const ptSel = msgWord(r.s, r.L, main, 0);
    // Idle, it never runs; it is ready for calls on its portal.
    expect(schedulable(r.s, r.k, 0)).not.toContain(local);
    expect(r.sys(main, { op: "delegate", src: ptSel, pd: r.sel("sigma0", Kind.PD, r.pd("a")), rights: 1 })).toBe(S.SUCCESS);
    const aSel = msgWord(r.s, r.L, main, 0);
    expect(r.sys(hi, { op: "call", pt: aSel })).toBe(S.SUCCESS);
    expect(r.get(local, EC.PARTNER)).toBe(hi);
    // It runs at hi's priority (200): above everything else on CPU 0.
    expect(schedulable(r.s, r.k, 0)).toEqual([local]);
    // Its reply ends the call; idle again, it runs no more and takes the next call.
    expect(r.sys(local, { op: "reply" })).toBe(S.SUCCESS);
    expect(schedulable(r.s, r.k, 0)).not.toContain(local);
    expect(r.sys(hi, { op: "call", pt: aSel })).toBe(S.SUCCESS);
    expect(r.get(local, EC.PARTNER)).toBe(hi);
  });
  it("a CPU is in kernel mode while its EC continues a preemptible revoke", () => {
    const r = bootText(TEXT);
    const main = r.ec("sigma0.main");
    const page = r.sel("sigma0", Kind.MEM, r.region("sigma0.page"));
    r.sys(main, { op: "delegate", src: page, pd: r.sel("sigma0", Kind.PD, r.pd("a")), rights: 3 });
    expect(r.sys(main, { op: "revoke", sel: page })).toBe(S.SUCCESS);
    enter(r.k, r.s, main);
    expect(cpuMode(r.s, r.L, 0)).toBe(Mode.KERNEL);
    continueRevoke(r.k, r.s, main);
    continueRevoke(r.k, r.s, main);
    enter(r.k, r.s, main);
    expect(cpuMode(r.s, r.L, 0)).toBe(Mode.USER);
  });
});
