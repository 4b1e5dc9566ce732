// Kernel events that are not syscalls: page faults to the pager, exceptions, device interrupts, and preemptible revoke racing with delegation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pte } from "../../src/machine/mmu.js";
import { Kind, NO_CAP, Right } from "../../src/kernel/cap.js";
import { ecSet, msgWord } from "../../src/kernel/ec.js";
import { continueRevoke, deviceIrq, inRevoke, memAccess, raiseException } from "../../src/kernel/events.js";
import { EC, EcState, NO_PARENT, PT, SC } from "../../src/kernel/layout.js";
import { parent } from "../../src/kernel/mdb.js";
import { enter } from "../../src/kernel/scheduler.js";
import { scGet, scOf } from "../../src/kernel/sc.js";
import { SM_MAX, smCount } from "../../src/kernel/sm.js";
import { capAt } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { bootText, capsOf, type Rig } from "./harness.js";

const S = Status;

describe("page faults", () => {
  const PF = `system pf {
    machine { cpus 2 }
    component sigma0 : trusted root { }
    component pager : trusted { portal faults; portal other_pt; thread serve { loop { recv faults -> x; reply ok } } }
    component app : trusted { memory heap 4K; pager pager; thread main { } }
    component other : trusted { memory far 4K }
  }`;

  it("a mapped access goes through the MMU without a fault", () => {
    const r = bootText(PF);
    const app = r.ec("app.main");
    expect(memAccess(r.k, r.s, app, r.region("app.heap"), "w")).toBe(true);
    expect(r.k.meter.counts.pageFault).toBe(0);
    expect(r.get(app, EC.STATE)).toBe(EcState.RUNNABLE);
  });
  it("become IPC to the pager's first portal, with words [memory object, access bit], met by a waiting pager", () => {
    const r = bootText(PF);
    const app = r.ec("app.main");
    const serve = r.ec("pager.serve");
    const pt = r.pt("pager.faults");
    expect(r.get(app, EC.PAGER_PT)).toBe(pt);
    expect(r.sys(serve, { op: "recv", pt: r.sel("pager", Kind.PT, pt) })).toBe(S.SUCCESS);
    const far = r.region("other.far");
    expect(memAccess(r.k, r.s, app, far, "w")).toBe(false);
    expect(r.k.meter.counts.pageFault).toBe(1);
    expect(r.get(serve, EC.STATE)).toBe(EcState.RUNNABLE);
    expect([msgWord(r.s, r.L, serve, 0), msgWord(r.s, r.L, serve, 1)]).toEqual([far, 2]);
    expect(r.get(serve, EC.PARTNER)).toBe(app);
    expect(r.get(app, EC.STATE)).toBe(EcState.REPLY);
    expect(r.get(app, EC.SERVER)).toBe(serve);
    // The fault IPC has no timeout and carries no labels or capability.
    expect(r.get(app, EC.FLAGS)).toBe(0);
    expect(r.get(serve, EC.MSG_LABELS)).toBe(0);
    expect(r.get(serve, EC.MSG_CAP)).toBe(0);
    // The pager resolves it (root maps the page) and replies: the faulting EC resumes and retries.
    expect(r.sys(serve, { op: "reply" })).toBe(S.SUCCESS);
    expect([r.get(app, EC.STATE), r.get(app, EC.STATUS)]).toEqual([EcState.RUNNABLE, S.SUCCESS]);
  });
  it("wait on the pager's portal when it is not receiving; the access bit says read, write or execute", () => {
    for (const [kind, bit] of [["r", 1], ["w", 2], ["x", 4]] as const) {
      const r = bootText(PF);
      const app = r.ec("app.main");
      const serve = r.ec("pager.serve");
      const far = r.region("other.far");
      expect(memAccess(r.k, r.s, app, far, kind)).toBe(false);
      expect([r.get(app, EC.STATE), r.get(app, EC.WAIT)]).toEqual([EcState.CALL, r.pt("pager.faults")]);
      expect(r.sys(serve, { op: "recv", pt: r.sel("pager", Kind.PT, r.pt("pager.faults")) })).toBe(S.SUCCESS);
      expect([msgWord(r.s, r.L, serve, 0), msgWord(r.s, r.L, serve, 1)]).toEqual([far, bit]);
      expect(r.get(serve, EC.PARTNER)).toBe(app);
    }
  });
  it("an access with too few rights faults as well (a read-only mapping written)", () => {
    const r = bootText(PF.replace("memory heap 4K;", "memory heap 4K; caps { other.far: r }"));
    const app = r.ec("app.main");
    const far = r.region("other.far");
    expect(pte(r.s, r.L, r.pd("app"), far)).toBe(Right.R);
    expect(memAccess(r.k, r.s, app, far, "r")).toBe(true);
    expect(memAccess(r.k, r.s, app, far, "w")).toBe(false);
    expect(r.get(app, EC.STATE)).toBe(EcState.CALL);
  });
  it("go to the faulting CPU's portal of an untrusted pager (it serves on every CPU)", () => {
    const r = bootText(`system pf2 {
      machine { cpus 2 }
      component sigma0 : trusted root { }
      component pager : untrusted { portal faults }
      component app : trusted { pager pager; thread t0 { } thread t1 cpu 1 { } }
      component other : trusted { memory far 4K }
    }`);
    const [t0, t1] = [r.ec("app.t0"), r.ec("app.t1")];
    expect(r.get(t0, EC.PAGER_PT)).toBe(r.pt("pager.faults", 0));
    expect(r.get(t1, EC.PAGER_PT)).toBe(r.pt("pager.faults", 1));
    expect(r.pt("pager.faults", 0)).not.toBe(r.pt("pager.faults", 1));
    const adv1 = r.adv("pager", 1);
    r.sys(adv1, { op: "recv", pt: r.sel("pager", Kind.PT, r.pt("pager.faults", 1)) });
    memAccess(r.k, r.s, t1, r.region("other.far"), "r");
    expect(r.get(adv1, EC.PARTNER)).toBe(t1);
  });
  it("without a pager the faulting EC dies, and the caller whose reply capability it held is aborted", () => {
    const r = bootText(`system nopager {
      component sigma0 : trusted root { }
      component srv : trusted { portal p; thread t { loop { recv p -> x; reply x } } }
      component cli : trusted { caps { srv.p: call } thread t { call srv.p(1) -> y } }
      component other : trusted { memory far 4K }
    }`);
    const [srv, cli] = [r.ec("srv.t"), r.ec("cli.t")];
    expect(r.get(srv, EC.PAGER_PT)).toBe(-1);
    r.sys(srv, { op: "recv", pt: r.sel("srv", Kind.PT, r.pt("srv.p")) });
    r.sys(cli, { op: "call", pt: r.sel("cli", Kind.PT, r.pt("srv.p")) });
    expect(r.get(cli, EC.STATE)).toBe(EcState.REPLY);
    expect(memAccess(r.k, r.s, srv, r.region("other.far"), "r")).toBe(false);
    expect(r.get(srv, EC.STATE)).toBe(EcState.DEAD);
    expect(r.get(srv, EC.PARTNER)).toBe(-1);
    expect([r.get(cli, EC.STATE), r.get(cli, EC.STATUS), r.get(cli, EC.SERVER)]).toEqual([EcState.RUNNABLE, S.ABORTED, -1]);
    // The dead server's portal is refused from now on.
    expect(r.sys(cli, { op: "call", pt: r.sel("cli", Kind.PT, r.pt("srv.p")) })).toBe(S.BAD_CAP);
  });
  it("a pager whose portal or handler is dead counts as none", () => {
    const r = bootText(PF);
    const app = r.ec("app.main");
    r.s[r.L.base.pt + r.pt("pager.faults") * PT.SIZE + PT.ALIVE] = 0;
    memAccess(r.k, r.s, app, r.region("other.far"), "r");
    expect(r.get(app, EC.STATE)).toBe(EcState.DEAD);

    const q = bootText(PF);
    const [qapp, serve] = [q.ec("app.main"), q.ec("pager.serve")];
    // The pager's thread faults itself (it has no pager) and dies.
    memAccess(q.k, q.s, serve, q.region("other.far"), "r");
    expect(q.get(serve, EC.STATE)).toBe(EcState.DEAD);
    memAccess(q.k, q.s, qapp, q.region("other.far"), "r");
    expect(q.get(qapp, EC.STATE)).toBe(EcState.DEAD);
  });
});

describe("exceptions", () => {
  const EXC = `system exc {
    component sigma0 : trusted root { }
    component handler : trusted { portal exc; thread h { loop { recv exc -> x; reply ok } } }
    component guest : trusted { thread t { } }
  }`;
  it("without a handler the EC dies", () => {
    const r = bootText(EXC);
    const t = r.ec("guest.t");
    expect(r.get(t, EC.EXC_PT)).toBe(-1);
    raiseException(r.k, r.s, t, 13);
    expect(r.get(t, EC.STATE)).toBe(EcState.DEAD);
  });
  it("with a handler they become IPC to it with the code as the first word", () => {
    const r = bootText(EXC);
    const [t, h] = [r.ec("guest.t"), r.ec("handler.h")];
    ecSet(r.s, r.L, t, EC.EXC_PT, r.pt("handler.exc"));
    r.sys(h, { op: "recv", pt: r.sel("handler", Kind.PT, r.pt("handler.exc")) });
    raiseException(r.k, r.s, t, 13);
    expect(r.get(t, EC.STATE)).toBe(EcState.REPLY);
    expect(msgWord(r.s, r.L, h, 0)).toBe(13);
    expect(r.get(h, EC.PARTNER)).toBe(t);
    r.sys(h, { op: "reply" });
    expect(r.get(t, EC.STATE)).toBe(EcState.RUNNABLE);
  });
});

describe("device interrupts", () => {
  const IRQ = `system irq {
    machine { device nic { irq 9; mmio 4K; dma }; device gpio }
    component sigma0 : trusted root { }
    component driver : trusted { device nic; thread isr prio 10 { } }
    component busy : trusted { thread spin prio 200 { } }
  }`;
  const irqSel = (r: Rig) => r.sel("driver", Kind.SM, r.L.boot.deviceIrqSm[r.device("nic")]!);

  it("the driver holds a down-only capability to its device's IRQ semaphore", () => {
    const r = bootText(IRQ);
    expect(capsOf(r.s, r.L, r.pd("driver"), Kind.SM, r.L.boot.deviceIrqSm[r.device("nic")]!)).toEqual([{ sel: irqSel(r), rights: Right.DOWN }]);
  });
  it("an interrupt ups the IRQ semaphore and wakes a waiting driver", () => {
    const r = bootText(IRQ);
    const isr = r.ec("driver.isr");
    expect(r.sys(isr, { op: "sm_down", sm: irqSel(r) })).toBe(S.SUCCESS);
    expect(r.get(isr, EC.STATE)).toBe(EcState.SM);
    deviceIrq(r.k, r.s, r.device("nic"));
    expect([r.get(isr, EC.STATE), r.get(isr, EC.STATUS)]).toEqual([EcState.RUNNABLE, S.SUCCESS]);
    expect(r.k.meter.counts.irq).toBe(1);
    expect(smCount(r.s, r.L, r.L.boot.deviceIrqSm[r.device("nic")]!)).toBe(0);
  });
  it("with no waiter it is counted (saturating), and the next down takes it without blocking", () => {
    const r = bootText(IRQ);
    const isr = r.ec("driver.isr");
    const sm = r.L.boot.deviceIrqSm[r.device("nic")]!;
    for (let i = 0; i < 5; i++) deviceIrq(r.k, r.s, r.device("nic"));
    expect(smCount(r.s, r.L, sm)).toBe(SM_MAX);
    r.sys(isr, { op: "sm_down", sm: irqSel(r) });
    expect(r.get(isr, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(smCount(r.s, r.L, sm)).toBe(SM_MAX - 1);
  });
  it("a device without an IRQ line cannot raise one", () => {
    const r = bootText(IRQ);
    expect(() => deviceIrq(r.k, r.s, r.device("gpio"))).toThrow(/no IRQ line/);
  });
  it("the woken driver keeps its own priority; irq_priority_inversion gives it the interrupted EC's", () => {
    for (const [faults, expected] of [["", 10], ["fault irq_priority_inversion", 200]] as const) {
      const r = bootText(IRQ.replace("machine {", `kernel nova { ${faults} } machine {`));
      const [isr, spin] = [r.ec("driver.isr"), r.ec("busy.spin")];
      r.sys(isr, { op: "sm_down", sm: irqSel(r) });
      enter(r.k, r.s, spin); // spin is running on CPU 0 when the interrupt comes
      deviceIrq(r.k, r.s, r.device("nic"));
      expect(r.get(isr, EC.STATE)).toBe(EcState.RUNNABLE);
      expect(scGet(r.s, r.L, scOf(r.s, r.L, isr), SC.PRIO)).toBe(expected);
    }
  });
});

describe("preemptible revoke racing with delegation", () => {
  // owner (root, CPU 0) revokes; alice, bob and carol are adversaries with an EC on each CPU
  // and can delegate to each other (they hold each other's PD with ctrl).
  const RACE = (faults = "") => `system race {
    machine { cpus 2 }
    kernel nova { preemptible revoke ${faults} }
    component owner : trusted root { memory page 4K [owned]; thread main { } }
    component alice : untrusted { caps { bob: ctrl; carol: ctrl } }
    component bob : untrusted { caps { alice: ctrl; carol: ctrl } }
    component carol : untrusted { caps { alice: ctrl; bob: ctrl } }
  }`;

  /** owner gives alice rw (mapped); alice maps r to bob; bob delegates r to carol. */
  function setup(faults = "") {
    const r = bootText(RACE(faults));
    const main = r.ec("owner.main");
    const page = r.region("owner.page");
    const orig = r.sel("owner", Kind.MEM, page);
    expect(r.sys(main, { op: "map", mem: page, pd: r.sel("owner", Kind.PD, r.pd("alice")), rights: Right.R | Right.W })).toBe(S.SUCCESS);
    const [a1, b1] = [r.adv("alice", 1), r.adv("bob", 1)];
    expect(r.sys(a1, { op: "map", mem: page, pd: r.sel("alice", Kind.PD, r.pd("bob")), rights: Right.R })).toBe(S.SUCCESS);
    expect(r.sys(b1, { op: "delegate", src: r.sel("bob", Kind.MEM, page), pd: r.sel("bob", Kind.PD, r.pd("carol")), rights: Right.R })).toBe(S.SUCCESS);
    return { r, main, page, orig, g: r.slot("owner", orig) };
  }
  /** Holders of page other than owner's original, and PDs that map it. */
  function leftovers(r: Rig, page: number): string[] {
    const out: string[] = [];
    for (const c of ["alice", "bob", "carol"]) {
      if (capsOf(r.s, r.L, r.pd(c), Kind.MEM, page).length) out.push(`${c} holds`);
      if (pte(r.s, r.L, r.pd(c), page)) out.push(`${c} maps`);
    }
    return out;
  }

  it("completes over several steps and removes every descendant, even one delegated between steps", () => {
    const { r, main, page, orig } = setup();
    expect(leftovers(r, page)).toEqual(["alice holds", "alice maps", "bob holds", "bob maps", "carol holds"]);
    expect(r.sys(main, { op: "revoke", sel: orig })).toBe(S.SUCCESS);
    // Step 1 removes a leaf (carol's copy).
    continueRevoke(r.k, r.s, main);
    expect(capsOf(r.s, r.L, r.pd("carol"), Kind.MEM, page)).toEqual([]);
    // Between steps, alice (CPU 1) delegates from her copy to carol again.
    const a1 = r.adv("alice", 1);
    expect(r.sys(a1, { op: "delegate", src: r.sel("alice", Kind.MEM, page), pd: r.sel("alice", Kind.PD, r.pd("carol")), rights: Right.R })).toBe(S.SUCCESS);
    expect(capsOf(r.s, r.L, r.pd("carol"), Kind.MEM, page)).toHaveLength(1);
    let steps = 1;
    while (inRevoke(r.s, r.k, main)) {
      continueRevoke(r.k, r.s, main);
      steps++;
    }
    // 4 nodes removed (carol, bob, carol again, alice), then the step that finds nothing left.
    expect(steps).toBe(5);
    expect(r.k.meter.counts.revokeNode).toBe(4);
    expect(leftovers(r, page)).toEqual([]);
    expect(capAt(r.s, r.L, r.slot("owner", orig))).not.toBe(NO_CAP);
  });
  it("revoke_race misses the capability delegated between steps (the seeded bug)", () => {
    const { r, main, page, orig } = setup("; fault revoke_race");
    r.sys(main, { op: "revoke", sel: orig });
    continueRevoke(r.k, r.s, main);
    const a1 = r.adv("alice", 1);
    r.sys(a1, { op: "delegate", src: r.sel("alice", Kind.MEM, page), pd: r.sel("alice", Kind.PD, r.pd("carol")), rights: Right.R });
    while (inRevoke(r.s, r.k, main)) continueRevoke(r.k, r.s, main);
    expect(leftovers(r, page)).toEqual(["carol holds"]);
    // The survivor's parent is gone: it is orphaned.
    const sel = r.sel("carol", Kind.MEM, page);
    expect(capAt(r.s, r.L, parent(r.s, r.L, r.slot("carol", sel)))).toBe(NO_CAP);
  });
  it("revoke_nonrecursive leaves grandchildren", () => {
    const { r, main, page, orig } = setup("; fault revoke_nonrecursive");
    r.sys(main, { op: "revoke", sel: orig });
    let steps = 0;
    while (inRevoke(r.s, r.k, main)) {
      continueRevoke(r.k, r.s, main);
      steps++;
    }
    expect(steps).toBe(2); // alice's copy, then done
    expect(leftovers(r, page)).toEqual(["bob holds", "bob maps", "carol holds"]);
  });

  it("property: any interleaving of revoke steps with delegations and maps from descendants ends with none left", () => {
    type Move = { revokeStep: true } | { revokeStep: false; who: number; cpu: number; to: number; map: boolean; rights: number };
    const move: fc.Arbitrary<Move> = fc.oneof(
      fc.constant({ revokeStep: true as const }),
      fc.record({ revokeStep: fc.constant(false as const), who: fc.nat(2), cpu: fc.nat(1), to: fc.nat(1), map: fc.boolean(), rights: fc.nat(3) }),
    );
    const names = ["alice", "bob", "carol"];
    let addedTotal = 0;
    fc.assert(
      fc.property(fc.array(move, { maxLength: 30 }), (moves) => {
        const { r, main, page, orig, g } = setup();
        const before = countUnder(r, g);
        r.sys(main, { op: "revoke", sel: orig });
        let steps = 0;
        let added = 0;
        for (const m of moves) {
          if (!inRevoke(r.s, r.k, main)) break;
          if (m.revokeStep) {
            continueRevoke(r.k, r.s, main);
            steps++;
            continue;
          }
          const who = names[m.who]!;
          const to = names.filter((n) => n !== who)[m.to]!;
          const src = r.sel(who, Kind.MEM, page);
          if (src < 0) continue;
          const nodes = countUnder(r, g);
          const ec = r.adv(who, m.cpu);
          const pd = r.sel(who, Kind.PD, r.pd(to));
          if (m.map) r.sys(ec, { op: "map", mem: page, pd, rights: m.rights & Right.R });
          else r.sys(ec, { op: "delegate", src, pd, rights: m.rights & Right.R });
          added += countUnder(r, g) - nodes;
        }
        while (inRevoke(r.s, r.k, main)) {
          continueRevoke(r.k, r.s, main);
          steps++;
        }
        expect(leftovers(r, page)).toEqual([]);
        expect(countUnder(r, g)).toBe(0);
        // One step per node removed, plus the final one that finds nothing.
        expect(steps).toBe(before + added + 1);
        expect(r.k.meter.counts.revokeNode).toBe(before + added);
        addedTotal += added;
      }),
      { numRuns: 150 },
    );
    // Not vacuous: descendants were added while revokes were under way.
    expect(addedTotal).toBeGreaterThan(50);
  });
});

/** Non-empty strict descendants of global slot g. */
function countUnder(r: Rig, g: number): number {
  let n = 0;
  for (let i = 0; i < r.L.counts.slots; i++) {
    if (capAt(r.s, r.L, i) === NO_CAP) continue;
    for (let p = parent(r.s, r.L, i), k = 0; p !== NO_PARENT && k <= r.L.counts.slots; p = parent(r.s, r.L, p), k++)
      if (p === g) {
        n++;
        break;
      }
  }
  return n;
}

describe("event portals across CPUs and create_ec's event portals", () => {
  const X = `system x {
    machine { cpus 2 }
    component sigma0 : trusted root { }
    component pager : trusted { portal faults; thread serve { loop { recv faults -> x; reply ok } } }
    component app : trusted { memory heap 4K; pager pager; thread main cpu 1 { } }
    component other : trusted { memory far 4K }
  }`;
  it("a page fault whose pager portal is on another CPU kills the faulting EC (NOVA's send_msg)", () => {
    const r = bootText(X);
    const app = r.ec("app.main");
    expect(memAccess(r.k, r.s, app, r.region("other.far"), "r")).toBe(false);
    expect(r.get(app, EC.STATE)).toBe(EcState.DEAD);
  });
  it("with portal_cross_core the fault crosses the CPUs as a call would", () => {
    const r = bootText(X.replace("machine { cpus 2 }", "machine { cpus 2 }\n    kernel nova { fault portal_cross_core }"));
    const app = r.ec("app.main");
    expect(memAccess(r.k, r.s, app, r.region("other.far"), "r")).toBe(false);
    expect(r.get(app, EC.STATE)).toBe(EcState.CALL);
  });
  it("create_ec sets the new EC's pager and exception portals; a selector that is not a portal is BAD_CAP", () => {
    const r = bootText(X);
    // The pager's EC holds its own PD (authority to create in it) and its portal.
    const main = r.ec("pager.serve");
    const pd = r.sel("pager", Kind.PD, r.pd("pager"));
    const pt = r.sel("pager", Kind.PT, r.pt("pager.faults"));
    expect(r.sys(main, { op: "create_ec", pd, cpu: 0, pager: pt, exc: pt })).toBe(S.SUCCESS);
    const sel = msgWord(r.s, r.L, main, 0);
    const fresh = capAt(r.s, r.L, r.L.slotBase[r.pd("pager")]! + sel) >>> 8;
    expect(r.get(fresh, EC.PAGER_PT)).toBe(r.pt("pager.faults"));
    expect(r.get(fresh, EC.EXC_PT)).toBe(r.pt("pager.faults"));
    expect(r.sys(main, { op: "create_ec", pd, cpu: 0, exc: pd })).toBe(S.BAD_CAP);
  });
  it("an exception of an EC with an exception portal becomes IPC to it", () => {
    const r = bootText(X);
    const serve = r.ec("pager.serve");
    const pd = r.sel("pager", Kind.PD, r.pd("pager"));
    const pt = r.sel("pager", Kind.PT, r.pt("pager.faults"));
    expect(r.sys(serve, { op: "create_ec", pd, cpu: 0, exc: pt })).toBe(S.SUCCESS);
    const fresh = capAt(r.s, r.L, r.L.slotBase[r.pd("pager")]! + msgWord(r.s, r.L, serve, 0)) >>> 8;
    expect(r.sys(serve, { op: "recv", pt })).toBe(S.SUCCESS);
    raiseException(r.k, r.s, fresh, 13);
    expect(r.get(fresh, EC.STATE)).toBe(EcState.REPLY);
    expect(msgWord(r.s, r.L, serve, 0)).toBe(13);
  });
});
