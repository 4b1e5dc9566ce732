// Every syscall of the ABI: its effect on the state vector, each status its decode can refuse with, and that a refusal changes only the STATUS word.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePd } from "../../src/machine/iommu.js";
import { access, pte, tlbEntry } from "../../src/machine/mmu.js";
import { cap, capKind, capObject, capRights, Kind, NO_CAP, Right, rightsWithin } from "../../src/kernel/cap.js";
import { ecSet, msgWord } from "../../src/kernel/ec.js";
import { canTimeOut, continueRevoke, inRevoke, memAccess, timeout } from "../../src/kernel/events.js";
import { itemRights, itemSlot, packItem, waitingCallers } from "../../src/kernel/ipc.js";
import { EC, EcState, NO_PARENT, PD, PT, SC, SM, type StateVector } from "../../src/kernel/layout.js";
import { hangsUnderRoot, parent } from "../../src/kernel/mdb.js";
import { pdAlive } from "../../src/kernel/pd.js";
import { ptAlive, ptEc } from "../../src/kernel/pt.js";
import { scGet } from "../../src/kernel/sc.js";
import { SM_MAX, smAlive, smCount } from "../../src/kernel/sm.js";
import { capAt, globalSlot, setSlot, slotsOf } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { entryOf, SYSCALLS, type SyscallArgs } from "../../src/kernel/syscalls.js";
import { bootText, capsOf, diff, expectFailure, fillSpace, type Rig } from "./harness.js";

/**
 * The base scenario: a root with a thread (it holds an original of everything), a
 * server on CPU 0 with a second thread on CPU 1, clients on both CPUs, a remote
 * server whose only thread runs on CPU 1, and a portal nobody serves.
 */
const BASE = `system base {
  machine { cpus 2; device nic { irq 5; mmio 4K; dma }; device disk { irq 6 }; iommu }
  kernel nova
  component sigma0 : trusted root { thread main { } }
  component server : trusted {
    memory buf 4K [sec]
    portal rpc
    semaphore sem
    thread srv { loop { recv rpc -> x; reply x } }
    thread aux cpu 1 { }
  }
  component client : trusted {
    memory mine 4K
    caps { server.rpc: call; server.sem: up+down; other: ctrl; remote.svc: call; idle.nobody: call }
    thread c0 { }
    thread c1 { }
    thread c2 cpu 1 { }
  }
  component pinger : trusted { caps { server.sem: up } thread t { } }
  component other : trusted { memory page 4K; device nic; thread t { } }
  component remote : trusted { portal svc; thread t cpu 1 { recv svc -> x; reply x } }
  component idle : trusted { portal nobody }
}`;

const base = (config = {}): Rig => bootText(BASE, config);
const S = Status;

/** Named ECs and selectors of the base scenario. */
function names(r: Rig) {
  return {
    main: r.ec("sigma0.main"),
    srv: r.ec("server.srv"),
    aux: r.ec("server.aux"),
    c0: r.ec("client.c0"),
    c1: r.ec("client.c1"),
    c2: r.ec("client.c2"),
    ping: r.ec("pinger.t"),
    oth: r.ec("other.t"),
    rem: r.ec("remote.t"),
    /** client's selector for server.rpc */
    rpc: r.sel("client", Kind.PT, r.pt("server.rpc")),
    /** server's own selector for rpc */
    srvRpc: r.sel("server", Kind.PT, r.pt("server.rpc")),
    mine: r.sel("client", Kind.MEM, r.region("client.mine")),
    buf: r.sel("server", Kind.MEM, r.region("server.buf")),
    /** client's PD capability to `other` (ctrl) */
    toOther: r.sel("client", Kind.PD, r.pd("other")),
    /** root's selectors */
    rootPd: (c: string) => r.sel("sigma0", Kind.PD, r.pd(c)),
    rootMem: (path: string) => r.sel("sigma0", Kind.MEM, r.region(path)),
  };
}

/** The rights-masked capability at a selector, decoded. */
function capInfo(r: Rig, pd: string | number, sel: number) {
  const c = r.cap(pd, sel);
  return { kind: capKind(c), object: capObject(c), rights: capRights(c) };
}

const rootPdIndex = (r: Rig): number => r.model.components.findIndex((c) => c.root);

describe("the dispatch table", () => {
  it("has exactly the syscalls of the ABI", () => {
    expect(Object.keys(SYSCALLS).sort()).toEqual(
      [
        "call", "reply", "recv", "delegate", "revoke", "create_pd", "create_ec", "create_sc", "create_pt", "create_sm",
        "sm_up", "sm_down", "lookup", "assign_dev", "assign_irq", "map", "unmap", "pte_write",
      ].sort(),
    );
  });
  it("dispatches each op to its entry of the table, and nothing else", () => {
    for (const op of Object.keys(SYSCALLS)) expect(entryOf(op)).toBe(SYSCALLS[op as keyof typeof SYSCALLS]);
    for (const op of ["frobnicate", "toString", "constructor", "__proto__", "hasOwnProperty", ""]) expect(entryOf(op)).toBeUndefined();
  });
  it("refuses an unknown syscall with BAD_SYS and changes only the STATUS word", () => {
    const r = base();
    const { c0 } = names(r);
    expectFailure(r, c0, { op: "frobnicate" } as unknown as SyscallArgs, S.BAD_SYS);
    expectFailure(r, c0, { op: "toString" } as unknown as SyscallArgs, S.BAD_SYS);
  });
  it("counts kernel entry and exit for every syscall, failed or not", () => {
    const r = base();
    const { c0 } = names(r);
    r.sys(c0, { op: "lookup", sel: 9999 });
    r.sys(c0, { op: "lookup", sel: 0 });
    expect(r.k.meter.counts.kernelEntry).toBe(2);
    expect(r.k.meter.counts.kernelExit).toBe(2);
  });
  it("a success overwrites an earlier failure status", () => {
    const r = base();
    const { c0 } = names(r);
    r.sys(c0, { op: "lookup", sel: 9999 });
    expect(r.get(c0, EC.STATUS)).toBe(S.BAD_CAP);
    expect(r.sys(c0, { op: "lookup", sel: 0 })).toBe(S.SUCCESS);
    expect(r.get(c0, EC.STATUS)).toBe(S.SUCCESS);
  });
});

describe("call", () => {
  it("meets a handler waiting in recv: words, labels and the reply capability move", () => {
    const r = base();
    const n = names(r);
    expect(r.sys(n.srv, { op: "recv", pt: n.srvRpc })).toBe(S.SUCCESS);
    expect(r.sys(n.c0, { op: "call", pt: n.rpc, words: [7, 9], labels: 0b10 })).toBe(S.SUCCESS);
    expect(r.get(n.srv, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.get(n.srv, EC.STATUS)).toBe(S.SUCCESS);
    expect([msgWord(r.s, r.L, n.srv, 0), msgWord(r.s, r.L, n.srv, 1)]).toEqual([7, 9]);
    expect(r.get(n.srv, EC.MSG_LABELS)).toBe(0b10);
    expect(r.get(n.srv, EC.PARTNER)).toBe(n.c0);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.REPLY);
    expect(r.get(n.c0, EC.SERVER)).toBe(n.srv);
    expect(r.get(n.c0, EC.WAIT)).toBe(-1);
    expect(r.k.meter.counts.msgWord).toBe(r.L.config.msgWords);
  });
  it("blocks on the portal when the handler is not waiting, remembering a timeout", () => {
    const r = base();
    const n = names(r);
    expect(r.sys(n.c0, { op: "call", pt: n.rpc, words: [1] })).toBe(S.SUCCESS);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.CALL);
    expect(r.get(n.c0, EC.WAIT)).toBe(r.pt("server.rpc"));
    expect(r.get(n.c0, EC.FLAGS)).toBe(0);
    expect(r.sys(n.c1, { op: "call", pt: n.rpc, words: [2], timeout: true })).toBe(S.SUCCESS);
    expect(r.get(n.c1, EC.FLAGS)).toBe(1);
    // The handler is untouched until it receives.
    expect(r.get(n.srv, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.get(n.srv, EC.PARTNER)).toBe(-1);
  });
  it("a complete round trip: call, recv, reply", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "call", pt: n.rpc, words: [5, 6], labels: 1 });
    expect(r.sys(n.srv, { op: "recv", pt: n.srvRpc })).toBe(S.SUCCESS);
    expect(msgWord(r.s, r.L, n.srv, 0)).toBe(5);
    expect(r.sys(n.srv, { op: "reply", words: [42] })).toBe(S.SUCCESS);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.get(n.c0, EC.STATUS)).toBe(S.SUCCESS);
    expect([msgWord(r.s, r.L, n.c0, 0), msgWord(r.s, r.L, n.c0, 1)]).toEqual([42, 0]);
    expect(r.get(n.c0, EC.MSG_LABELS)).toBe(0);
    expect(r.get(n.srv, EC.PARTNER)).toBe(-1);
    expect(r.get(n.c0, EC.SERVER)).toBe(-1);
  });

  it("BAD_CAP: an empty selector, a capability that is not a portal, a portal without the call right", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.c0, { op: "call", pt: 9999 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "call", pt: -1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "call", pt: n.mine }, S.BAD_CAP);
    // Root delegates the portal without rights into pinger.
    expect(r.sys(n.main, { op: "delegate", src: r.sel("sigma0", Kind.PT, r.pt("server.rpc")), pd: n.rootPd("pinger"), rights: 0 })).toBe(S.SUCCESS);
    const weak = msgWord(r.s, r.L, n.main, 0);
    expect(capInfo(r, "pinger", weak)).toEqual({ kind: Kind.PT, object: r.pt("server.rpc"), rights: 0 });
    expectFailure(r, n.ping, { op: "call", pt: weak }, S.BAD_CAP);
  });
  it("BAD_CAP: a portal nobody serves, a dead handler, a dead portal", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.c0, { op: "call", pt: r.sel("client", Kind.PT, r.pt("idle.nobody")) }, S.BAD_CAP);
    ecSet(r.s, r.L, n.srv, EC.STATE, EcState.DEAD);
    expectFailure(r, n.c0, { op: "call", pt: n.rpc }, S.BAD_CAP);
    ecSet(r.s, r.L, n.srv, EC.STATE, EcState.RUNNABLE);
    r.s[r.L.base.pt + r.pt("server.rpc") * PT.SIZE + PT.ALIVE] = 0;
    expectFailure(r, n.c0, { op: "call", pt: n.rpc }, S.BAD_CAP);
  });
  it("BAD_CPU: a portal whose handler runs on another CPU; portal_cross_core lets it through", () => {
    const r = base();
    const n = names(r);
    const svc = r.sel("client", Kind.PT, r.pt("remote.svc"));
    expectFailure(r, n.c0, { op: "call", pt: svc }, S.BAD_CPU);
    // From CPU 1 the same portal works.
    expect(r.sys(n.c2, { op: "call", pt: svc })).toBe(S.SUCCESS);
    expect(r.get(n.c2, EC.STATE)).toBe(EcState.CALL);
    // And in reverse: server.rpc is handled on CPU 0.
    expectFailure(r, n.c2, { op: "call", pt: n.rpc }, S.BAD_CPU);

    const bad = bootText(BASE.replace("kernel nova", "kernel nova { fault portal_cross_core }"));
    const m = names(bad);
    expect(bad.sys(m.c0, { op: "call", pt: bad.sel("client", Kind.PT, bad.pt("remote.svc")) })).toBe(S.SUCCESS);
  });
  it("BAD_PAR: calling one's own portal, too many words, an item with more rights than held", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.srv, { op: "call", pt: n.srvRpc }, S.BAD_PAR);
    expectFailure(r, n.c0, { op: "call", pt: n.rpc, words: [1, 2, 3] }, S.BAD_PAR);
    const upOnly = r.sel("pinger", Kind.SM, r.sem("server.sem"));
    // pinger holds server.sem with `up` only; it has no portal, so give it one to call with.
    r.sys(n.main, { op: "delegate", src: r.sel("sigma0", Kind.PT, r.pt("server.rpc")), pd: n.rootPd("pinger"), rights: Right.CALL });
    const pingRpc = msgWord(r.s, r.L, n.main, 0);
    expectFailure(r, n.ping, { op: "call", pt: pingRpc, item: { sel: upOnly, rights: Right.UP | Right.DOWN } }, S.BAD_PAR);
    expectFailure(r, n.c0, { op: "call", pt: n.rpc, item: { sel: n.mine, rights: 8 } }, S.BAD_PAR);
  });
  it("BAD_CAP: an item naming an empty selector", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.c0, { op: "call", pt: n.rpc, item: { sel: 9999, rights: 1 } }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "call", pt: n.rpc, item: { sel: slotsOf(r.L, r.pd("client")) - 1, rights: 1 } }, S.BAD_CAP);
  });

  it("with a capability item: delegated into the callee's space with the rights asked, the edge recorded", () => {
    const r = base();
    const n = names(r);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    expect(capInfo(r, "client", n.mine).rights).toBe(Right.R | Right.W | Right.X);
    expect(r.sys(n.c0, { op: "call", pt: n.rpc, words: [1], item: { sel: n.mine, rights: Right.R } })).toBe(S.SUCCESS);
    const got = r.get(n.srv, EC.MSG_CAP);
    expect(got).not.toBe(0);
    // The received item names its global slot: the selector is its offset in the receiver's space.
    const sel = -r.slot("server", 0) + itemSlot(got);
    expect(itemRights(got)).toBe(Right.R);
    expect(capInfo(r, "server", sel)).toEqual({ kind: Kind.MEM, object: r.region("client.mine"), rights: Right.R });
    expect(parent(r.s, r.L, r.slot("server", sel))).toBe(r.slot("client", n.mine));
    expect(r.get(n.c0, EC.MSG_CAP)).toBe(0);
    expect(r.k.meter.counts.capTransfer).toBe(1);
    // A memory item maps into the receiver with the rights sent (NOVA's memory delegation).
    expect(pte(r.s, r.L, r.pd("server"), r.region("client.mine"))).toBe(Right.R);
    // c0 waits for the reply; its sibling c1 revokes the client's capability, taking the server's copy
    // and with it the server's mapping.
    expect(r.sys(n.c1, { op: "revoke", sel: n.mine })).toBe(S.SUCCESS);
    expect(r.cap("server", sel)).toBe(NO_CAP);
    expect(pte(r.s, r.L, r.pd("server"), r.region("client.mine"))).toBe(0);
  });
  it("an item waits in the caller's UTCB until the handler receives; lost if revoked meanwhile", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "call", pt: n.rpc, item: { sel: n.mine, rights: Right.R | Right.W } });
    expect(r.get(n.c0, EC.MSG_CAP)).toBe(packItem(r.slot("client", n.mine) + 1, Right.R | Right.W));
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    // The received item names its global slot: the selector is its offset in the receiver's space.
    const sel = -r.slot("server", 0) + itemSlot(r.get(n.srv, EC.MSG_CAP));
    expect(capInfo(r, "server", sel).rights).toBe(Right.R | Right.W);

    const q = base();
    const m = names(q);
    q.sys(m.c0, { op: "call", pt: m.rpc, item: { sel: m.mine, rights: Right.R } });
    // Root revokes its original of client.mine: the client's copy goes.
    expect(q.sys(m.main, { op: "revoke", sel: m.rootMem("client.mine") })).toBe(S.SUCCESS);
    expect(q.cap("client", m.mine)).toBe(NO_CAP);
    q.sys(m.srv, { op: "recv", pt: m.srvRpc });
    expect(q.get(m.srv, EC.MSG_CAP)).toBe(0);
    expect(capsOf(q.s, q.L, q.pd("server"), Kind.MEM, q.region("client.mine"))).toEqual([]);
  });
  it("delegate_rights_escalation: an item may carry rights its sender lacks", () => {
    const r = bootText(BASE.replace("kernel nova", "kernel nova { fault delegate_rights_escalation }"));
    const n = names(r);
    r.sys(n.main, { op: "delegate", src: r.sel("sigma0", Kind.PT, r.pt("server.rpc")), pd: n.rootPd("pinger"), rights: Right.CALL });
    const pingRpc = msgWord(r.s, r.L, n.main, 0);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    const upOnly = r.sel("pinger", Kind.SM, r.sem("server.sem"));
    expect(r.sys(n.ping, { op: "call", pt: pingRpc, item: { sel: upOnly, rights: 15 } })).toBe(S.SUCCESS);
    // The received item names its global slot: the selector is its offset in the receiver's space.
    const sel = -r.slot("server", 0) + itemSlot(r.get(n.srv, EC.MSG_CAP));
    // Masked to what a semaphore can carry, but more than pinger held.
    expect(capInfo(r, "server", sel)).toEqual({ kind: Kind.SM, object: r.sem("server.sem"), rights: Right.UP | Right.DOWN });
  });
});

describe("call timeouts", () => {
  it("a caller still waiting for the handler times out with TIMEOUT; the handler then finds nobody", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "call", pt: n.rpc, timeout: true });
    expect(canTimeOut(r.s, r.k, n.c0)).toBe(true);
    timeout(r.k, r.s, n.c0);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.get(n.c0, EC.STATUS)).toBe(S.TIMEOUT);
    expect(r.get(n.c0, EC.WAIT)).toBe(-1);
    expect(canTimeOut(r.s, r.k, n.c0)).toBe(false);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    expect(r.get(n.srv, EC.STATE)).toBe(EcState.RECV);
  });
  it("without a timeout there is none to fire", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "call", pt: n.rpc });
    expect(canTimeOut(r.s, r.k, n.c0)).toBe(false);
    expect(() => timeout(r.k, r.s, n.c0)).toThrow(/cannot time out/);
    expect(canTimeOut(r.s, r.k, n.srv)).toBe(false);
  });
  it("a received caller in REPLY times out: the server's reply capability dies and its reply fails BAD_CAP", () => {
    const r = base();
    const n = names(r);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    r.sys(n.c0, { op: "call", pt: n.rpc, timeout: true });
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.REPLY);
    expect(canTimeOut(r.s, r.k, n.c0)).toBe(true);
    timeout(r.k, r.s, n.c0);
    expect(r.get(n.c0, EC.STATUS)).toBe(S.TIMEOUT);
    expect(r.get(n.c0, EC.SERVER)).toBe(-1);
    expect(r.get(n.srv, EC.PARTNER)).toBe(-1);
    expectFailure(r, n.srv, { op: "reply", words: [1] }, S.BAD_CAP);
    // The server is free to receive the next call.
    expect(r.sys(n.srv, { op: "recv", pt: n.srvRpc })).toBe(S.SUCCESS);
  });
  it("a timed-out caller that calls again is not reached by the old server's reply", () => {
    const r = base();
    const n = names(r);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    r.sys(n.c0, { op: "call", pt: n.rpc, timeout: true });
    timeout(r.k, r.s, n.c0);
    r.sys(n.c2, { op: "call", pt: r.sel("client", Kind.PT, r.pt("remote.svc")) });
    // c0 calls again and waits; srv's old reply capability is gone.
    r.sys(n.c0, { op: "call", pt: n.rpc });
    expectFailure(r, n.srv, { op: "reply" }, S.BAD_CAP);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.CALL);
  });
});

describe("reply", () => {
  it("BAD_CAP: nothing to reply to", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.srv, { op: "reply", words: [1] }, S.BAD_CAP);
  });
  it("BAD_CAP: the partner is not waiting for a reply, or waits for another server", () => {
    const r = base();
    const n = names(r);
    ecSet(r.s, r.L, n.srv, EC.PARTNER, n.c0); // a reply capability to a runnable EC
    expectFailure(r, n.srv, { op: "reply" }, S.BAD_CAP);
    // c2 waits in REPLY for remote; srv holding a capability naming c2 cannot reply to it.
    r.sys(n.rem, { op: "recv", pt: r.sel("remote", Kind.PT, r.pt("remote.svc")) });
    r.sys(n.c2, { op: "call", pt: r.sel("client", Kind.PT, r.pt("remote.svc")) });
    expect(r.get(n.c2, EC.STATE)).toBe(EcState.REPLY);
    ecSet(r.s, r.L, n.srv, EC.PARTNER, n.c2);
    expectFailure(r, n.srv, { op: "reply" }, S.BAD_CAP);
  });
  it("BAD_PAR: too many words, an item with more rights than held; BAD_CAP: an empty item", () => {
    const r = base();
    const n = names(r);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    r.sys(n.c0, { op: "call", pt: n.rpc });
    expectFailure(r, n.srv, { op: "reply", words: [1, 2, 3] }, S.BAD_PAR);
    expectFailure(r, n.srv, { op: "reply", item: { sel: n.srvRpc, rights: 2 } }, S.BAD_PAR);
    expectFailure(r, n.srv, { op: "reply", item: { sel: 9999, rights: 1 } }, S.BAD_CAP);
    expect(r.sys(n.srv, { op: "reply" })).toBe(S.SUCCESS);
  });
  it("with a capability item: the caller receives it", () => {
    const r = base();
    const n = names(r);
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    r.sys(n.c0, { op: "call", pt: n.rpc });
    expect(r.sys(n.srv, { op: "reply", words: [3], labels: 1, item: { sel: n.buf, rights: Right.R } })).toBe(S.SUCCESS);
    const got = r.get(n.c0, EC.MSG_CAP);
    // The received item names its global slot: the selector is its offset in the receiver's space.
    const sel = -r.slot("client", 0) + itemSlot(got);
    expect(capInfo(r, "client", sel)).toEqual({ kind: Kind.MEM, object: r.region("server.buf"), rights: Right.R });
    expect(parent(r.s, r.L, r.slot("client", sel))).toBe(r.slot("server", n.buf));
    expect(r.get(n.c0, EC.MSG_LABELS)).toBe(1);
  });
  it("a server that calls on before replying keeps its reply capability (nested IPC, as viaduct does)", () => {
    const q = bootText(`system nest {
      component sigma0 : trusted root { }
      component a : trusted { caps { b.p: call } thread t { call b.p(1) -> x } }
      component b : trusted { portal p; caps { c.q: call } thread t { loop { recv p -> x; call c.q(x) -> y timeout 5; reply y } } }
      component c : trusted { portal q; thread t { loop { recv q -> x; reply x } } }
    }`);
    const [a, b, c] = [q.ec("a.t"), q.ec("b.t"), q.ec("c.t")];
    q.sys(b, { op: "recv", pt: q.sel("b", Kind.PT, q.pt("b.p")) });
    q.sys(c, { op: "recv", pt: q.sel("c", Kind.PT, q.pt("c.q")) });
    q.sys(a, { op: "call", pt: q.sel("a", Kind.PT, q.pt("b.p")), words: [5] });
    expect(q.sys(b, { op: "call", pt: q.sel("b", Kind.PT, q.pt("c.q")), words: [6], timeout: true })).toBe(S.SUCCESS);
    expect(q.get(b, EC.PARTNER)).toBe(a);
    expect(q.get(b, EC.SERVER)).toBe(c);
    expect(q.get(c, EC.PARTNER)).toBe(b);
    expect(q.sys(c, { op: "reply", words: [7] })).toBe(S.SUCCESS);
    expect(q.get(b, EC.PARTNER)).toBe(a);
    expect(q.sys(b, { op: "reply", words: [8] })).toBe(S.SUCCESS);
    expect(q.get(a, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(msgWord(q.s, q.L, a, 0)).toBe(8);
    // The inner call timing out leaves the outer reply capability intact too.
    q.sys(b, { op: "recv", pt: q.sel("b", Kind.PT, q.pt("b.p")) });
    q.sys(a, { op: "call", pt: q.sel("a", Kind.PT, q.pt("b.p")) });
    q.sys(b, { op: "call", pt: q.sel("b", Kind.PT, q.pt("c.q")), timeout: true });
    timeout(q.k, q.s, b);
    expect(q.get(b, EC.STATUS)).toBe(S.TIMEOUT);
    expect(q.get(b, EC.PARTNER)).toBe(a);
    expect(q.sys(b, { op: "reply" })).toBe(S.SUCCESS);
    expect(q.get(a, EC.STATE)).toBe(EcState.RUNNABLE);
  });
  it("reply_cap_leak: the reply capability survives the reply and reaches the old caller's next wait", () => {
    const text = (faults: string) => `system leak {
      kernel nova { ${faults} }
      component sigma0 : trusted root { }
      component a : trusted { caps { s1.p: call; s2.q: call } thread t { } }
      component s1 : trusted { portal p; thread t { recv p -> x; reply x } }
      component s2 : trusted { portal q; thread t { recv q -> x; reply x } }
    }`;
    const run = (faults: string) => {
      const r = bootText(text(faults));
      const [a, s1, s2] = [r.ec("a.t"), r.ec("s1.t"), r.ec("s2.t")];
      r.sys(s1, { op: "recv", pt: r.sel("s1", Kind.PT, r.pt("s1.p")) });
      r.sys(a, { op: "call", pt: r.sel("a", Kind.PT, r.pt("s1.p")) });
      expect(r.sys(s1, { op: "reply", words: [1] })).toBe(S.SUCCESS);
      // a now waits in REPLY for s2.
      r.sys(s2, { op: "recv", pt: r.sel("s2", Kind.PT, r.pt("s2.q")) });
      r.sys(a, { op: "call", pt: r.sel("a", Kind.PT, r.pt("s2.q")) });
      expect(r.get(a, EC.SERVER)).toBe(s2);
      return { r, a, s1, s2 };
    };
    const ok = run("");
    expect(ok.r.get(ok.s1, EC.PARTNER)).toBe(-1);
    expectFailure(ok.r, ok.s1, { op: "reply", words: [66] }, S.BAD_CAP);

    const bad = run("fault reply_cap_leak");
    expect(bad.r.get(bad.s1, EC.PARTNER)).toBe(bad.a);
    expect(bad.r.sys(bad.s1, { op: "reply", words: [66] })).toBe(S.SUCCESS);
    expect(bad.r.get(bad.a, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(msgWord(bad.r.s, bad.r.L, bad.a, 0)).toBe(66);
    // s2's reply capability died with it.
    expect(bad.r.get(bad.s2, EC.PARTNER)).toBe(-1);
    expect(bad.r.sys(bad.s2, { op: "reply" })).toBe(S.BAD_CAP);
  });
});

describe("recv", () => {
  it("blocks on the portal when nobody calls", () => {
    const r = base();
    const n = names(r);
    expect(r.sys(n.srv, { op: "recv", pt: n.srvRpc })).toBe(S.SUCCESS);
    expect(r.get(n.srv, EC.STATE)).toBe(EcState.RECV);
    expect(r.get(n.srv, EC.WAIT)).toBe(r.pt("server.rpc"));
  });
  it("chooses among several waiting callers, in EC order", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "call", pt: n.rpc, words: [10] });
    r.sys(n.c1, { op: "call", pt: n.rpc, words: [11], timeout: true });
    expectFailure(r, n.srv, { op: "recv", pt: n.srvRpc, choice: 2 }, S.BAD_PAR);
    expectFailure(r, n.srv, { op: "recv", pt: n.srvRpc, choice: -1 }, S.BAD_PAR);
    expect(r.sys(n.srv, { op: "recv", pt: n.srvRpc, choice: 1 })).toBe(S.SUCCESS);
    expect(msgWord(r.s, r.L, n.srv, 0)).toBe(11);
    expect(r.get(n.srv, EC.PARTNER)).toBe(n.c1);
    expect(r.get(n.c1, EC.STATE)).toBe(EcState.REPLY);
    // The caller's timeout carries over into its wait for the reply.
    expect(r.get(n.c1, EC.FLAGS)).toBe(1);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.CALL);
    r.sys(n.srv, { op: "reply" });
    expect(r.sys(n.srv, { op: "recv", pt: n.srvRpc })).toBe(S.SUCCESS);
    expect(msgWord(r.s, r.L, n.srv, 0)).toBe(10);
    expect(r.get(n.srv, EC.PARTNER)).toBe(n.c0);
  });
  it("BAD_CAP: an empty selector, not a portal, a portal bound to another EC, a dead portal", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.srv, { op: "recv", pt: 9999 }, S.BAD_CAP);
    expectFailure(r, n.srv, { op: "recv", pt: n.buf }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "recv", pt: n.rpc }, S.BAD_CAP);
    expectFailure(r, n.aux, { op: "recv", pt: n.srvRpc }, S.BAD_CAP);
    r.s[r.L.base.pt + r.pt("server.rpc") * PT.SIZE + PT.ALIVE] = 0;
    expectFailure(r, n.srv, { op: "recv", pt: n.srvRpc }, S.BAD_CAP);
  });
  it("BAD_PAR: a server must reply before it receives again", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "call", pt: n.rpc });
    r.sys(n.srv, { op: "recv", pt: n.srvRpc });
    expectFailure(r, n.srv, { op: "recv", pt: n.srvRpc }, S.BAD_PAR);
  });
});

describe("delegate", () => {
  it("copies a capability into another space with fewer rights, recording the parent", () => {
    const r = base();
    const n = names(r);
    const src = n.rootMem("other.page");
    expect(r.sys(n.main, { op: "delegate", src, pd: n.rootPd("client"), rights: Right.R })).toBe(S.SUCCESS);
    const sel = msgWord(r.s, r.L, n.main, 0);
    expect(capInfo(r, "client", sel)).toEqual({ kind: Kind.MEM, object: r.region("other.page"), rights: Right.R });
    expect(parent(r.s, r.L, r.slot("client", sel))).toBe(r.slot("sigma0", src));
    expect(r.k.meter.counts.capTransfer).toBe(1);
    // Delegation gives a capability, not a mapping.
    expect(pte(r.s, r.L, r.pd("client"), r.region("other.page"))).toBe(0);
    // The same delegation again reuses the node.
    r.sys(n.main, { op: "delegate", src, pd: n.rootPd("client"), rights: Right.R });
    expect(msgWord(r.s, r.L, n.main, 0)).toBe(sel);
    expect(capsOf(r.s, r.L, r.pd("client"), Kind.MEM, r.region("other.page"))).toHaveLength(1);
    // A non-root PD delegates through a PD capability it holds.
    expect(r.sys(n.c0, { op: "delegate", src: n.mine, pd: n.toOther, rights: Right.R | Right.W })).toBe(S.SUCCESS);
    const o = msgWord(r.s, r.L, n.c0, 0);
    expect(capInfo(r, "other", o)).toEqual({ kind: Kind.MEM, object: r.region("client.mine"), rights: Right.R | Right.W });
    expect(parent(r.s, r.L, r.slot("other", o))).toBe(r.slot("client", n.mine));
  });
  it("BAD_CAP: an empty source, a target that is not a PD, a PD capability without ctrl, a dead PD", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.c0, { op: "delegate", src: 9999, pd: n.toOther, rights: 1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "delegate", src: n.mine, pd: n.rpc, rights: 1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "delegate", src: n.mine, pd: 9999, rights: 1 }, S.BAD_CAP);
    r.sys(n.main, { op: "delegate", src: n.rootPd("server"), pd: n.rootPd("pinger"), rights: 0 });
    const weak = msgWord(r.s, r.L, n.main, 0);
    r.sys(n.main, { op: "delegate", src: n.rootMem("other.page"), pd: n.rootPd("pinger"), rights: Right.R });
    const page = msgWord(r.s, r.L, n.main, 0);
    expectFailure(r, n.ping, { op: "delegate", src: page, pd: weak, rights: Right.R }, S.BAD_CAP);
    r.s[r.L.base.pd + r.pd("other") * PD.SIZE + PD.ALIVE] = 0;
    expectFailure(r, n.c0, { op: "delegate", src: n.mine, pd: n.toOther, rights: 1 }, S.BAD_CAP);
  });
  it("BAD_PAR: more rights than the source has, or a full target space", () => {
    const r = base();
    const n = names(r);
    const upOnly = r.sel("pinger", Kind.SM, r.sem("server.sem"));
    r.sys(n.main, { op: "delegate", src: n.rootPd("other"), pd: n.rootPd("pinger"), rights: Right.CTRL });
    const toOther = msgWord(r.s, r.L, n.main, 0);
    expectFailure(r, n.ping, { op: "delegate", src: upOnly, pd: toOther, rights: Right.UP | Right.DOWN }, S.BAD_PAR);
    expect(r.sys(n.ping, { op: "delegate", src: upOnly, pd: toOther, rights: Right.UP })).toBe(S.SUCCESS);
    fillSpace(r, r.pd("other"));
    // Already held: still fine (the node is reused).
    expect(r.sys(n.ping, { op: "delegate", src: upOnly, pd: toOther, rights: Right.UP })).toBe(S.SUCCESS);
    expectFailure(r, n.c0, { op: "delegate", src: n.mine, pd: n.toOther, rights: Right.R }, S.BAD_PAR);
  });
  it("delegate_rights_escalation: the child may have more rights than its parent", () => {
    const r = bootText(BASE.replace("kernel nova", "kernel nova { fault delegate_rights_escalation }"));
    const n = names(r);
    r.sys(n.main, { op: "delegate", src: n.rootPd("other"), pd: n.rootPd("pinger"), rights: Right.CTRL });
    const toOther = msgWord(r.s, r.L, n.main, 0);
    const upOnly = r.sel("pinger", Kind.SM, r.sem("server.sem"));
    expect(r.sys(r.ec("pinger.t"), { op: "delegate", src: upOnly, pd: toOther, rights: 15 })).toBe(S.SUCCESS);
    const sel = msgWord(r.s, r.L, n.ping, 0);
    expect(capInfo(r, "other", sel).rights).toBe(Right.UP | Right.DOWN);
  });
});

describe("revoke", () => {
  it("removes every descendant, recursively, with their mappings and TLB entries, keeping the revoked node", () => {
    const r = base();
    const n = names(r);
    const page = r.region("other.page");
    const orig = n.rootMem("other.page");
    // Root maps the page into client; client delegates it on to server.
    expect(r.sys(n.main, { op: "map", mem: page, pd: n.rootPd("client"), rights: Right.R | Right.W })).toBe(S.SUCCESS);
    const csel = r.sel("client", Kind.MEM, page);
    r.sys(n.c0, { op: "delegate", src: csel, pd: r.sel("client", Kind.PD, r.pd("other")), rights: Right.R });
    // Fill TLBs: other on CPU 0, client on CPU 1.
    expect(memAccess(r.k, r.s, n.oth, page, "r")).toBe(true);
    expect(memAccess(r.k, r.s, n.c2, page, "w")).toBe(true);
    expect(tlbEntry(r.s, r.L, 1, r.pd("client"), page)).not.toBe(0);
    const descendants = countDescendants(r, r.slot("sigma0", orig));
    expect(descendants).toBe(3); // other's own, client's, and client → other
    r.k.meter.reset();
    expect(r.sys(n.main, { op: "revoke", sel: orig })).toBe(S.SUCCESS);
    expect(countDescendants(r, r.slot("sigma0", orig))).toBe(0);
    expect(r.k.meter.counts.revokeNode).toBe(3);
    expect(capInfo(r, "sigma0", orig)).toEqual({ kind: Kind.MEM, object: page, rights: 7 });
    for (const c of ["other", "client", "server"]) {
      expect(capsOf(r.s, r.L, r.pd(c), Kind.MEM, page)).toEqual([]);
      expect(pte(r.s, r.L, r.pd(c), page)).toBe(0);
      for (let cpu = 0; cpu < 2; cpu++) expect(tlbEntry(r.s, r.L, cpu, r.pd(c), page)).toBe(0);
    }
    expect(memAccess(r.k, r.s, n.c2, page, "r")).toBe(false);
  });
  it("a mid-level revoke keeps the revoker's own capability and mapping", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "map", mem: r.region("client.mine"), pd: n.toOther, rights: Right.R });
    const page = r.region("client.mine");
    expect(pte(r.s, r.L, r.pd("other"), page)).toBe(Right.R);
    expect(r.sys(n.c0, { op: "revoke", sel: n.mine })).toBe(S.SUCCESS);
    expect(pte(r.s, r.L, r.pd("other"), page)).toBe(0);
    expect(pte(r.s, r.L, r.pd("client"), page)).toBe(7);
    expect(capInfo(r, "client", n.mine).rights).toBe(7);
  });
  it("BAD_CAP: an empty selector", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.c0, { op: "revoke", sel: 9999 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "revoke", sel: slotsOf(r.L, r.pd("client")) - 1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "revoke", sel: 1.5 }, S.BAD_CAP);
  });
  it("revoke_nonrecursive: grandchildren survive", () => {
    const r = bootText(BASE.replace("kernel nova", "kernel nova { fault revoke_nonrecursive }"));
    const n = names(r);
    r.sys(n.c0, { op: "delegate", src: n.mine, pd: n.toOther, rights: Right.R });
    const orig = n.rootMem("client.mine");
    r.sys(n.main, { op: "revoke", sel: orig });
    expect(r.cap("client", n.mine)).toBe(NO_CAP);
    expect(capsOf(r.s, r.L, r.pd("other"), Kind.MEM, r.region("client.mine"))).toHaveLength(1);
  });
});

describe("preemptible revoke", () => {
  const PRE = BASE.replace("kernel nova", "kernel nova { preemptible revoke }");
  it("the syscall only starts it; continueRevoke removes one node per step, then completes", () => {
    const r = bootText(PRE);
    const n = names(r);
    r.sys(n.c0, { op: "delegate", src: n.mine, pd: n.toOther, rights: Right.R });
    const orig = n.rootMem("client.mine");
    const g = r.slot("sigma0", orig);
    expect(countDescendants(r, g)).toBe(2);
    const before = r.s.slice();
    expect(r.sys(n.main, { op: "revoke", sel: orig })).toBe(S.SUCCESS);
    expect(r.get(n.main, EC.REVOKE)).toBe(g);
    expect(inRevoke(r.s, r.k, n.main)).toBe(true);
    // Nothing removed yet: only the REVOKE word (and STATUS, already SUCCESS) changed.
    expect(diff(before, r.s)).toEqual([r.L.base.ec + n.main * r.L.ecSize + EC.REVOKE]);
    let steps = 0;
    while (inRevoke(r.s, r.k, n.main)) {
      continueRevoke(r.k, r.s, n.main);
      steps++;
      if (inRevoke(r.s, r.k, n.main)) expect(countDescendants(r, g)).toBe(2 - steps);
    }
    expect(steps).toBe(3);
    expect(countDescendants(r, g)).toBe(0);
    expect(r.get(n.main, EC.STATUS)).toBe(S.SUCCESS);
    expect(r.k.meter.counts.revokeNode).toBe(2);
    expect(() => continueRevoke(r.k, r.s, n.main)).toThrow(/not revoking/);
  });
  it("with nothing to remove it completes in the system call itself: there is no preemption point", () => {
    const r = bootText(PRE);
    const n = names(r);
    const before = r.s.slice();
    expect(r.sys(n.c0, { op: "revoke", sel: n.mine })).toBe(S.SUCCESS);
    expect(inRevoke(r.s, r.k, n.c0)).toBe(false);
    expect(r.get(n.c0, EC.REVOKE)).toBe(-1);
    expect(diff(before, r.s).filter((w) => w >= r.L.base.slots && w < r.L.base.pte)).toEqual([]);
    expect(() => continueRevoke(r.k, r.s, n.c0)).toThrow(/not revoking/);
  });
});

describe("create_pd, create_ec, create_sc, create_pt, create_sm", () => {
  it("create new objects from the spare pool, with a capability under the authorising one", () => {
    const r = base({ spareSlots: 6 });
    const n = names(r);
    const root = rootPdIndex(r);
    const own = n.rootPd("sigma0");
    const newPd = r.model.components.length;
    expect(pdAlive(r.s, r.L, newPd)).toBe(false);
    expect(r.sys(n.main, { op: "create_pd", pd: own })).toBe(S.SUCCESS);
    const pdSel = msgWord(r.s, r.L, n.main, 0);
    expect(pdAlive(r.s, r.L, newPd)).toBe(true);
    expect(capInfo(r, "sigma0", pdSel)).toEqual({ kind: Kind.PD, object: newPd, rights: Right.CTRL });
    expect(parent(r.s, r.L, r.slot("sigma0", pdSel))).toBe(r.slot("sigma0", own));

    const newEc = r.L.counts.ec - 1;
    expect(r.get(newEc, EC.STATE)).toBe(EcState.FREE);
    expect(r.sys(n.main, { op: "create_ec", pd: pdSel, cpu: 1 })).toBe(S.SUCCESS);
    const ecSel = msgWord(r.s, r.L, n.main, 0);
    expect(capInfo(r, "sigma0", ecSel)).toEqual({ kind: Kind.EC, object: newEc, rights: Right.CTRL });
    expect([r.get(newEc, EC.STATE), r.get(newEc, EC.PD), r.get(newEc, EC.CPU)]).toEqual([EcState.RUNNABLE, newPd, 1]);
    expect([r.get(newEc, EC.PARTNER), r.get(newEc, EC.SERVER), r.get(newEc, EC.WAIT), r.get(newEc, EC.REVOKE)]).toEqual([-1, -1, -1, -1]);
    expect(parent(r.s, r.L, r.slot("sigma0", ecSel))).toBe(r.slot("sigma0", pdSel));

    const newSc = r.L.counts.sc - 1;
    // 255, the highest priority, is one (kernel.md §8.8: 0–255).
    expect(r.sys(n.main, { op: "create_sc", ec: ecSel, prio: 255 })).toBe(S.SUCCESS);
    const scSel = msgWord(r.s, r.L, n.main, 0);
    expect(capInfo(r, "sigma0", scSel)).toEqual({ kind: Kind.SC, object: newSc, rights: Right.CTRL });
    expect([scGet(r.s, r.L, newSc, SC.ALIVE), scGet(r.s, r.L, newSc, SC.EC), scGet(r.s, r.L, newSc, SC.PRIO)]).toEqual([1, newEc, 255]);

    const newPt = r.L.counts.pt - 1;
    expect(ptAlive(r.s, r.L, newPt)).toBe(false);
    expect(r.sys(n.main, { op: "create_pt", ec: ecSel })).toBe(S.SUCCESS);
    const ptSel = msgWord(r.s, r.L, n.main, 0);
    expect(capInfo(r, "sigma0", ptSel)).toEqual({ kind: Kind.PT, object: newPt, rights: Right.CALL });
    expect([ptAlive(r.s, r.L, newPt), ptEc(r.s, r.L, newPt)]).toEqual([true, newEc]);

    const newSm = r.L.counts.sm - 1;
    expect(r.sys(n.main, { op: "create_sm", pd: own, count: 2 })).toBe(S.SUCCESS);
    const smSel = msgWord(r.s, r.L, n.main, 0);
    expect(capInfo(r, "sigma0", smSel)).toEqual({ kind: Kind.SM, object: newSm, rights: Right.UP | Right.DOWN });
    expect([smAlive(r.s, r.L, newSm), smCount(r.s, r.L, newSm)]).toEqual([true, 2]);

    for (const sel of [pdSel, ecSel, scSel, ptSel, smSel]) expect(hangsUnderRoot(r.s, r.L, r.slot("sigma0", sel), root)).toBe(true);
    // The new portal's EC runs on CPU 1, so root (CPU 0) cannot call it.
    expect(r.sys(n.main, { op: "call", pt: ptSel })).toBe(S.BAD_CPU); // the new EC runs on CPU 1
  });
  it("a non-root PD creates through a PD capability with ctrl", () => {
    const r = base();
    const n = names(r);
    expect(r.sys(n.c0, { op: "create_ec", pd: n.toOther, cpu: 0 })).toBe(S.SUCCESS);
    const e = r.L.counts.ec - 1;
    expect(r.get(e, EC.PD)).toBe(r.pd("other"));
  });
  it("BAD_CAP: no PD capability with ctrl (create_pd, create_ec, create_sm); no EC capability (create_sc, create_pt)", () => {
    const r = base();
    const n = names(r);
    for (const op of ["create_pd", "create_sm"] as const) {
      expectFailure(r, n.c0, { op, pd: 9999, count: 0 }, S.BAD_CAP);
      expectFailure(r, n.c0, { op, pd: n.mine, count: 0 }, S.BAD_CAP);
    }
    expectFailure(r, n.c0, { op: "create_ec", pd: n.mine, cpu: 0 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "create_sc", ec: n.mine, prio: 1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "create_pt", ec: n.rpc }, S.BAD_CAP);
    // A PD capability without ctrl.
    r.sys(n.main, { op: "delegate", src: n.rootPd("other"), pd: n.rootPd("pinger"), rights: 0 });
    const weak = msgWord(r.s, r.L, n.main, 0);
    expectFailure(r, n.ping, { op: "create_pd", pd: weak }, S.BAD_CAP);
    expectFailure(r, n.ping, { op: "create_ec", pd: weak, cpu: 0 }, S.BAD_CAP);
    expectFailure(r, n.ping, { op: "create_sm", pd: weak, count: 0 }, S.BAD_CAP);
    // create_ec in a dead PD.
    r.s[r.L.base.pd + r.pd("other") * PD.SIZE + PD.ALIVE] = 0;
    expectFailure(r, n.c0, { op: "create_ec", pd: n.toOther, cpu: 0 }, S.BAD_CAP);
  });
  it("BAD_CAP: create_sc and create_pt on a free EC", () => {
    const r = base();
    const n = names(r);
    const free = r.L.counts.ec - 1;
    // Test setup: root's last (free) selector is given a capability naming the spare, free EC.
    const fsel = slotsOf(r.L, r.pd("sigma0")) - 1;
    setSlot(r.s, r.L, r.slot("sigma0", fsel), cap(Kind.EC, free, Right.CTRL), NO_PARENT);
    expectFailure(r, n.main, { op: "create_sc", ec: fsel, prio: 1 }, S.BAD_CAP);
    expectFailure(r, n.main, { op: "create_pt", ec: fsel }, S.BAD_CAP);
  });
  it("BAD_CPU: create_ec on a CPU the machine does not have", () => {
    const r = base();
    const n = names(r);
    for (const cpu of [2, -1, 0.5, NaN]) expectFailure(r, n.main, { op: "create_ec", pd: n.rootPd("client"), cpu }, S.BAD_CPU);
  });
  it("BAD_PAR: create_sc priority out of 0..255, create_sm count out of 0..SM_MAX", () => {
    const r = base();
    const n = names(r);
    const ecSel = r.sel("sigma0", Kind.EC, n.c0);
    for (const prio of [-1, 256, 1.5]) expectFailure(r, n.main, { op: "create_sc", ec: ecSel, prio }, S.BAD_PAR);
    for (const count of [-1, SM_MAX + 1, 0.5]) expectFailure(r, n.main, { op: "create_sm", pd: n.rootPd("sigma0"), count }, S.BAD_PAR);
    expect(r.sys(n.main, { op: "create_sm", pd: n.rootPd("sigma0"), count: SM_MAX })).toBe(S.SUCCESS);
  });
  it("BAD_PAR: the creator's capability space is full", () => {
    const r = base({ spareSlots: 0 });
    const n = names(r);
    const own = n.rootPd("sigma0");
    const ecSel = r.sel("sigma0", Kind.EC, n.c0);
    expectFailure(r, n.main, { op: "create_pd", pd: own }, S.BAD_PAR);
    expectFailure(r, n.main, { op: "create_ec", pd: own, cpu: 0 }, S.BAD_PAR);
    expectFailure(r, n.main, { op: "create_sc", ec: ecSel, prio: 1 }, S.BAD_PAR);
    expectFailure(r, n.main, { op: "create_pt", ec: ecSel }, S.BAD_PAR);
    expectFailure(r, n.main, { op: "create_sm", pd: own, count: 0 }, S.BAD_PAR);
  });
  it("BAD_MEM: the spare pool is used up", () => {
    // Two spare ECs but one spare SC, so that create_sc runs out while an EC still lacks one.
    const r = base({ spareSlots: 12, spare: { pd: 1, ec: 2, sc: 1, pt: 1, sm: 1 } });
    const n = names(r);
    const own = n.rootPd("sigma0");
    const ecSel = r.sel("sigma0", Kind.EC, n.c0);
    expect(r.sys(n.main, { op: "create_pd", pd: own })).toBe(S.SUCCESS);
    expectFailure(r, n.main, { op: "create_pd", pd: own }, S.BAD_MEM);
    expect(r.sys(n.main, { op: "create_ec", pd: own, cpu: 0 })).toBe(S.SUCCESS);
    const first = msgWord(r.s, r.L, n.main, 0);
    expect(r.sys(n.main, { op: "create_ec", pd: own, cpu: 0 })).toBe(S.SUCCESS);
    const second = msgWord(r.s, r.L, n.main, 0);
    expectFailure(r, n.main, { op: "create_ec", pd: own, cpu: 0 }, S.BAD_MEM);
    // One SC per EC: an EC that has one is refused (BAD_PAR) before the pool is looked at.
    expectFailure(r, n.main, { op: "create_sc", ec: ecSel, prio: 1 }, S.BAD_PAR);
    expect(r.sys(n.main, { op: "create_sc", ec: first, prio: 1 })).toBe(S.SUCCESS);
    expectFailure(r, n.main, { op: "create_sc", ec: second, prio: 1 }, S.BAD_MEM);
    expect(r.sys(n.main, { op: "create_pt", ec: ecSel })).toBe(S.SUCCESS);
    expectFailure(r, n.main, { op: "create_pt", ec: ecSel }, S.BAD_MEM);
    expect(r.sys(n.main, { op: "create_sm", pd: own, count: 0 })).toBe(S.SUCCESS);
    expectFailure(r, n.main, { op: "create_sm", pd: own, count: 0 }, S.BAD_MEM);
  });
});

describe("sm_up, sm_down", () => {
  const smWord = (r: Rig) => r.L.base.sm + r.sem("server.sem") * SM.SIZE + SM.COUNT;
  it("count up and down; a down at zero blocks, an up wakes the waiter instead of counting", () => {
    const r = base();
    const n = names(r);
    const sem = r.sel("client", Kind.SM, r.sem("server.sem"));
    expect(r.sys(n.c0, { op: "sm_up", sm: sem })).toBe(S.SUCCESS);
    expect(r.s[smWord(r)]).toBe(1);
    expect(r.sys(n.c0, { op: "sm_down", sm: sem })).toBe(S.SUCCESS);
    expect(r.s[smWord(r)]).toBe(0);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.sys(n.c0, { op: "sm_down", sm: sem })).toBe(S.SUCCESS);
    expect([r.get(n.c0, EC.STATE), r.get(n.c0, EC.WAIT), r.get(n.c0, EC.FLAGS)]).toEqual([EcState.SM, r.sem("server.sem"), 0]);
    expect(r.sys(n.ping, { op: "sm_up", sm: r.sel("pinger", Kind.SM, r.sem("server.sem")) })).toBe(S.SUCCESS);
    expect([r.get(n.c0, EC.STATE), r.get(n.c0, EC.STATUS)]).toEqual([EcState.RUNNABLE, S.SUCCESS]);
    expect(r.s[smWord(r)]).toBe(0);
  });
  it("across CPUs: an up on CPU 1 wakes a waiter on CPU 0", () => {
    const r = base();
    const n = names(r);
    const sem = r.sel("server", Kind.SM, r.sem("server.sem"));
    expect(r.get(n.aux, EC.CPU)).toBe(1);
    r.sys(n.srv, { op: "sm_down", sm: sem });
    expect(r.get(n.srv, EC.STATE)).toBe(EcState.SM);
    expect(r.sys(n.aux, { op: "sm_up", sm: sem })).toBe(S.SUCCESS);
    expect(r.get(n.srv, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.get(n.srv, EC.STATUS)).toBe(S.SUCCESS);
  });
  it("an up chooses among several waiters", () => {
    const r = base();
    const n = names(r);
    const csem = r.sel("client", Kind.SM, r.sem("server.sem"));
    r.sys(n.c0, { op: "sm_down", sm: csem });
    r.sys(n.c2, { op: "sm_down", sm: csem });
    const up = { op: "sm_up", sm: r.sel("pinger", Kind.SM, r.sem("server.sem")) } as const;
    expectFailure(r, n.ping, { ...up, choice: 2 }, S.BAD_PAR);
    expectFailure(r, n.ping, { ...up, choice: -1 }, S.BAD_PAR);
    expect(r.sys(n.ping, { ...up, choice: 1 })).toBe(S.SUCCESS);
    expect(r.get(n.c2, EC.STATE)).toBe(EcState.RUNNABLE);
    expect(r.get(n.c0, EC.STATE)).toBe(EcState.SM);
  });
  it("the counter saturates at SM_MAX", () => {
    const r = base();
    const n = names(r);
    const sem = r.sel("pinger", Kind.SM, r.sem("server.sem"));
    for (let i = 0; i < SM_MAX + 3; i++) expect(r.sys(n.ping, { op: "sm_up", sm: sem })).toBe(S.SUCCESS);
    expect(r.s[smWord(r)]).toBe(SM_MAX);
  });
  it("a down with a timeout can time out", () => {
    const r = base();
    const n = names(r);
    r.sys(n.c0, { op: "sm_down", sm: r.sel("client", Kind.SM, r.sem("server.sem")), timeout: true });
    expect(canTimeOut(r.s, r.k, n.c0)).toBe(true);
    timeout(r.k, r.s, n.c0);
    expect([r.get(n.c0, EC.STATE), r.get(n.c0, EC.STATUS), r.get(n.c0, EC.WAIT)]).toEqual([EcState.RUNNABLE, S.TIMEOUT, -1]);
  });
  it("BAD_CAP: an empty selector, not a semaphore, no up or down right, a dead semaphore", () => {
    const r = base();
    const n = names(r);
    const upOnly = r.sel("pinger", Kind.SM, r.sem("server.sem"));
    for (const op of ["sm_up", "sm_down"] as const) {
      expectFailure(r, n.c0, { op, sm: 9999 }, S.BAD_CAP);
      expectFailure(r, n.c0, { op, sm: n.mine }, S.BAD_CAP);
    }
    expectFailure(r, n.ping, { op: "sm_down", sm: upOnly }, S.BAD_CAP);
    // other's IRQ semaphore of nic: down only.
    const irq = r.sel("other", Kind.SM, r.L.boot.deviceIrqSm[r.device("nic")]!);
    expect(capRights(r.cap("other", irq))).toBe(Right.DOWN);
    expectFailure(r, n.oth, { op: "sm_up", sm: irq }, S.BAD_CAP);
    r.s[r.L.base.sm + r.sem("server.sem") * SM.SIZE + SM.ALIVE] = 0;
    expectFailure(r, n.ping, { op: "sm_up", sm: upOnly }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "sm_down", sm: r.sel("client", Kind.SM, r.sem("server.sem")) }, S.BAD_CAP);
  });
});

describe("lookup", () => {
  it("reports a capability's kind, object and rights in the message words", () => {
    const r = base();
    const n = names(r);
    expect(r.sys(n.c0, { op: "lookup", sel: n.mine })).toBe(S.SUCCESS);
    expect(msgWord(r.s, r.L, n.c0, 0)).toBe(Kind.MEM);
    expect(msgWord(r.s, r.L, n.c0, 1)).toBe((r.region("client.mine") << 4) | 7);
    r.sys(n.c0, { op: "lookup", sel: n.rpc });
    expect([msgWord(r.s, r.L, n.c0, 0), msgWord(r.s, r.L, n.c0, 1)]).toEqual([Kind.PT, (r.pt("server.rpc") << 4) | Right.CALL]);
  });
  it("BAD_CAP: an empty or out-of-range selector", () => {
    const r = base();
    const n = names(r);
    for (const sel of [9999, -1, slotsOf(r.L, r.pd("client")) - 1, 0.5]) expectFailure(r, n.c0, { op: "lookup", sel }, S.BAD_CAP);
  });
});

describe("assign_dev, assign_irq", () => {
  it("assign_dev assigns an unassigned device; reassigning to the same PD is fine", () => {
    const r = base();
    const n = names(r);
    const disk = r.device("disk");
    expect(devicePd(r.s, r.L, disk)).toBe(-1);
    const dsel = r.sel("sigma0", Kind.DEV, disk);
    expect(r.sys(n.main, { op: "assign_dev", dev: dsel, pd: n.rootPd("client") })).toBe(S.SUCCESS);
    expect(devicePd(r.s, r.L, disk)).toBe(r.pd("client"));
    expect(r.sys(n.main, { op: "assign_dev", dev: dsel, pd: n.rootPd("client") })).toBe(S.SUCCESS);
    const nic = r.sel("sigma0", Kind.DEV, r.device("nic"));
    expect(r.sys(n.main, { op: "assign_dev", dev: nic, pd: n.rootPd("other") })).toBe(S.SUCCESS);
  });
  it("BAD_DEV: not a device capability, or a device assigned to another PD", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.main, { op: "assign_dev", dev: 9999, pd: n.rootPd("client") }, S.BAD_DEV);
    expectFailure(r, n.main, { op: "assign_dev", dev: n.rootPd("client"), pd: n.rootPd("client") }, S.BAD_DEV);
    const nic = r.sel("sigma0", Kind.DEV, r.device("nic"));
    expectFailure(r, n.main, { op: "assign_dev", dev: nic, pd: n.rootPd("client") }, S.BAD_DEV);
  });
  it("BAD_CAP: the target is not a PD capability with ctrl, or the PD is dead", () => {
    const r = base();
    const n = names(r);
    const dsel = r.sel("sigma0", Kind.DEV, r.device("disk"));
    expectFailure(r, n.main, { op: "assign_dev", dev: dsel, pd: 9999 }, S.BAD_CAP);
    expectFailure(r, n.main, { op: "assign_dev", dev: dsel, pd: dsel }, S.BAD_CAP);
    r.s[r.L.base.pd + r.pd("client") * PD.SIZE + PD.ALIVE] = 0;
    expectFailure(r, n.main, { op: "assign_dev", dev: dsel, pd: n.rootPd("client") }, S.BAD_CAP);
  });
  it("assign_irq routes a device's interrupt semaphore to a CPU", () => {
    const r = base();
    const n = names(r);
    const irq = r.L.boot.deviceIrqSm[r.device("nic")]!;
    const sel = r.sel("sigma0", Kind.SM, irq);
    expect(r.sys(n.main, { op: "assign_irq", sm: sel, cpu: 1 })).toBe(S.SUCCESS);
    expect(r.s[r.L.base.sm + irq * SM.SIZE + SM.CPU]).toBe(1);
    // The driver's down-only capability suffices.
    expect(r.sys(n.oth, { op: "assign_irq", sm: r.sel("other", Kind.SM, irq), cpu: 0 })).toBe(S.SUCCESS);
    expect(r.s[r.L.base.sm + irq * SM.SIZE + SM.CPU]).toBe(0);
  });
  it("BAD_CAP: not an interrupt semaphore; BAD_CPU: no such CPU", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.main, { op: "assign_irq", sm: r.sel("sigma0", Kind.SM, r.sem("server.sem")), cpu: 0 }, S.BAD_CAP);
    expectFailure(r, n.main, { op: "assign_irq", sm: 9999, cpu: 0 }, S.BAD_CAP);
    expectFailure(r, n.main, { op: "assign_irq", sm: n.rootPd("client"), cpu: 0 }, S.BAD_CAP);
    const sel = r.sel("sigma0", Kind.SM, r.L.boot.deviceIrqSm[r.device("nic")]!);
    for (const cpu of [2, -1, 1.5]) expectFailure(r, n.main, { op: "assign_irq", sm: sel, cpu }, S.BAD_CPU);
  });
  it("BAD_CAP: an interrupt semaphore capability without the down right cannot route the interrupt", () => {
    const r = base();
    const n = names(r);
    const irq = r.L.boot.deviceIrqSm[r.device("nic")]!;
    const root = r.sel("sigma0", Kind.SM, irq);
    // Root delegates an up-only copy to the client, which then tries to reroute the interrupt.
    expect(r.sys(n.main, { op: "delegate", src: root, pd: n.rootPd("client"), rights: Right.UP })).toBe(S.SUCCESS);
    expectFailure(r, n.c0, { op: "assign_irq", sm: r.sel("client", Kind.SM, irq), cpu: 0 }, S.BAD_CAP);
  });
});

describe("map, unmap, pte_write", () => {
  it("map into another PD delegates the memory capability there and writes its page-table entry", () => {
    const r = base();
    const n = names(r);
    const page = r.region("other.page");
    expect(r.sys(n.main, { op: "map", mem: page, pd: n.rootPd("client"), rights: Right.R | Right.W })).toBe(S.SUCCESS);
    const sel = r.sel("client", Kind.MEM, page);
    expect(capInfo(r, "client", sel).rights).toBe(Right.R | Right.W);
    expect(parent(r.s, r.L, r.slot("client", sel))).toBe(r.slot("sigma0", n.rootMem("other.page")));
    expect(pte(r.s, r.L, r.pd("client"), page)).toBe(Right.R | Right.W);
    expect(memAccess(r.k, r.s, n.c0, page, "w")).toBe(true);
    expect(memAccess(r.k, r.s, n.c0, page, "x")).toBe(false);
    // A second map adds rights to the entry.
    r.sys(n.main, { op: "map", mem: page, pd: n.rootPd("client"), rights: Right.X });
    expect(pte(r.s, r.L, r.pd("client"), page)).toBe(7);
    // A non-root mapper: client maps its own region into other.
    expect(r.sys(n.c0, { op: "map", mem: r.region("client.mine"), pd: n.toOther, rights: Right.R })).toBe(S.SUCCESS);
    const o = r.sel("other", Kind.MEM, r.region("client.mine"));
    expect(parent(r.s, r.L, r.slot("other", o))).toBe(r.slot("client", n.mine));
    expect(pte(r.s, r.L, r.pd("other"), r.region("client.mine"))).toBe(Right.R);
  });
  it("map into one's own PD only writes the entry", () => {
    const r = base();
    const n = names(r);
    const mine = r.region("client.mine");
    r.sys(n.c0, { op: "unmap", mem: mine });
    expect(pte(r.s, r.L, r.pd("client"), mine)).toBe(0);
    const before = capsOf(r.s, r.L, r.pd("client"), Kind.MEM, mine);
    expect(r.sys(n.c0, { op: "map", mem: mine, pd: r.sel("client", Kind.PD, r.pd("client")), rights: Right.R })).toBe(S.SUCCESS);
    expect(pte(r.s, r.L, r.pd("client"), mine)).toBe(Right.R);
    expect(capsOf(r.s, r.L, r.pd("client"), Kind.MEM, mine)).toEqual(before);
  });
  it("BAD_PAR: no such memory object, or a full target space", () => {
    const r = base();
    const n = names(r);
    for (const mem of [-1, r.L.counts.mem, 0.5]) expectFailure(r, n.c0, { op: "map", mem, pd: n.toOther, rights: 1 }, S.BAD_PAR);
    fillSpace(r, r.pd("other"));
    expectFailure(r, n.c0, { op: "map", mem: r.region("client.mine"), pd: n.toOther, rights: 1 }, S.BAD_PAR);
  });
  it("BAD_CAP: the target is no PD with ctrl or is dead; the mapper lacks the memory or the rights", () => {
    const r = base();
    const n = names(r);
    const mine = r.region("client.mine");
    expectFailure(r, n.c0, { op: "map", mem: mine, pd: 9999, rights: 1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "map", mem: mine, pd: n.mine, rights: 1 }, S.BAD_CAP);
    expectFailure(r, n.c0, { op: "map", mem: r.region("other.page"), pd: n.toOther, rights: 1 }, S.BAD_CAP);
    r.sys(n.main, { op: "delegate", src: n.rootMem("other.page"), pd: n.rootPd("client"), rights: Right.R });
    expectFailure(r, n.c0, { op: "map", mem: r.region("other.page"), pd: r.sel("client", Kind.PD, r.pd("client")), rights: Right.W }, S.BAD_CAP);
    expect(r.sys(n.c0, { op: "map", mem: r.region("other.page"), pd: r.sel("client", Kind.PD, r.pd("client")), rights: Right.R })).toBe(S.SUCCESS);
    r.s[r.L.base.pd + r.pd("other") * PD.SIZE + PD.ALIVE] = 0;
    expectFailure(r, n.c0, { op: "map", mem: mine, pd: n.toOther, rights: 1 }, S.BAD_CAP);
  });
  it("map_unowned: a PD maps memory it holds no capability for", () => {
    const r = bootText(BASE.replace("kernel nova", "kernel nova { fault map_unowned }"));
    const n = names(r);
    const buf = r.region("server.buf");
    expect(r.sys(n.c0, { op: "map", mem: buf, pd: n.toOther, rights: Right.R })).toBe(S.SUCCESS);
    expect(pte(r.s, r.L, r.pd("other"), buf)).toBe(Right.R);
    expect(capsOf(r.s, r.L, r.pd("other"), Kind.MEM, buf)).toEqual([]);
  });
  it("unmap clears the entry and shoots the TLB entries down on every CPU", () => {
    const r = base();
    const n = names(r);
    const buf = r.region("server.buf");
    const sv = r.pd("server");
    expect(memAccess(r.k, r.s, n.srv, buf, "r")).toBe(true); // CPU 0
    expect(memAccess(r.k, r.s, n.aux, buf, "w")).toBe(true); // CPU 1
    expect([tlbEntry(r.s, r.L, 0, sv, buf), tlbEntry(r.s, r.L, 1, sv, buf)]).toEqual([7, 7]);
    r.k.meter.reset();
    expect(r.sys(n.srv, { op: "unmap", mem: buf })).toBe(S.SUCCESS);
    expect(pte(r.s, r.L, sv, buf)).toBe(0);
    expect([tlbEntry(r.s, r.L, 0, sv, buf), tlbEntry(r.s, r.L, 1, sv, buf)]).toEqual([0, 0]);
    expect(r.k.meter.counts.shootdown).toBe(1);
    expect(access(r.s, r.L, 1, sv, buf, "r", r.k.meter)).toBe(false);
    // The capability stays: the server may map it again.
    expect(capInfo(r, "server", n.buf).rights).toBe(7);
  });
  it("stale_tlb: unmap leaves the other CPUs' entries, and they still grant access", () => {
    const r = bootText(BASE.replace("kernel nova", "kernel nova { fault stale_tlb }"));
    const n = names(r);
    const buf = r.region("server.buf");
    const sv = r.pd("server");
    memAccess(r.k, r.s, n.srv, buf, "r");
    memAccess(r.k, r.s, n.aux, buf, "w");
    r.k.meter.reset();
    r.sys(n.srv, { op: "unmap", mem: buf });
    expect([tlbEntry(r.s, r.L, 0, sv, buf), tlbEntry(r.s, r.L, 1, sv, buf)]).toEqual([0, 7]);
    expect(r.k.meter.counts.shootdown).toBe(0);
    expect(memAccess(r.k, r.s, n.aux, buf, "w")).toBe(true);
    expect(memAccess(r.k, r.s, n.srv, buf, "r")).toBe(false);
  });
  it("unmap BAD_PAR: no such memory object", () => {
    const r = base();
    const n = names(r);
    for (const mem of [-1, r.L.counts.mem, 1.5]) expectFailure(r, n.c0, { op: "unmap", mem }, S.BAD_PAR);
  });
  it("pte_write: BAD_CAP on a correct kernel", () => {
    const r = base();
    const n = names(r);
    expectFailure(r, n.c0, { op: "pte_write", mem: r.region("server.buf"), rights: 7 }, S.BAD_CAP);
  });
  it("pagetable_writable: a PD writes its own page table and reaches memory it holds no capability for; BAD_PAR out of range", () => {
    const r = bootText(BASE.replace("kernel nova", "kernel nova { fault pagetable_writable }"));
    const n = names(r);
    const buf = r.region("server.buf");
    expect(memAccess(r.k, r.s, n.c1, buf, "r")).toBe(false);
    const r2 = bootText(BASE.replace("kernel nova", "kernel nova { fault pagetable_writable }"));
    const m = names(r2);
    expect(r2.sys(m.c0, { op: "pte_write", mem: buf, rights: Right.R | Right.W })).toBe(S.SUCCESS);
    expect(pte(r2.s, r2.L, r2.pd("client"), buf)).toBe(Right.R | Right.W);
    expect(memAccess(r2.k, r2.s, m.c0, buf, "w")).toBe(true);
    for (const mem of [-1, r2.L.counts.mem]) expectFailure(r2, m.c0, { op: "pte_write", mem, rights: 1 }, S.BAD_PAR);
  });
});

/** Strict descendants of global slot g. */
function countDescendants(r: Rig, g: number): number {
  let n = 0;
  for (let i = 0; i < r.L.counts.slots; i++) {
    if (capAt(r.s, r.L, i) === NO_CAP) continue;
    let p = parent(r.s, r.L, i);
    for (let k = 0; p !== NO_PARENT && k < r.L.counts.slots; k++) {
      if (p === g) {
        n++;
        break;
      }
      p = parent(r.s, r.L, p);
    }
  }
  return n;
}

// ---- properties ---------------------------------------------------------------------------

/** Four components that can all delegate to each other, each with memory, a portal and a semaphore. */
const WEB = `system web {
  machine { cpus 2 }
  component sigma0 : trusted root { thread main { } }
  component a : trusted { memory ma 4K; portal pa; semaphore sa; caps { b: ctrl; c: ctrl; b.pb: call } thread t { recv pa -> x; reply x } }
  component b : trusted { memory mb 4K; portal pb; semaphore sb; caps { a: ctrl; c: ctrl; c.pc: call } thread t { recv pb -> x; reply x } }
  component c : untrusted { memory mc 4K; portal pc; semaphore sc; caps { a: ctrl; b: ctrl; a.pa: call } }
}`;

type Step =
  | { kind: "delegate"; who: number; src: number; to: number; rights: number }
  | { kind: "revoke"; who: number; sel: number }
  | { kind: "map"; who: number; mem: number; to: number; rights: number }
  | { kind: "unmap"; who: number; mem: number }
  | { kind: "ipc"; who: number; pt: number; item: number | null; rights: number }
  | { kind: "recv"; who: number; pt: number; block: boolean }
  | { kind: "reply"; who: number; item: number | null; rights: number }
  | { kind: "timeout"; who: number };

/** Rights: mostly small sets (likely held), sometimes any bits. */
const rightsArb = fc.oneof(fc.nat(3), fc.nat(15));
const stepArb = (ecs: number, slots: number, mems: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("delegate" as const), who: fc.nat(ecs - 1), src: fc.nat(slots - 1), to: fc.nat(slots - 1), rights: rightsArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), who: fc.nat(ecs - 1), sel: fc.nat(slots - 1) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("map" as const), who: fc.nat(ecs - 1), mem: fc.nat(mems - 1), to: fc.nat(slots - 1), rights: fc.nat(7) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("unmap" as const), who: fc.nat(ecs - 1), mem: fc.nat(mems - 1) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("ipc" as const), who: fc.nat(ecs - 1), pt: fc.nat(slots - 1), item: fc.option(fc.nat(slots - 1)), rights: rightsArb }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("recv" as const), who: fc.nat(ecs - 1), pt: fc.nat(slots - 1), block: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("reply" as const), who: fc.nat(ecs - 1), item: fc.option(fc.nat(slots - 1)), rights: rightsArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("timeout" as const), who: fc.nat(ecs - 1) }) },
  );

/**
 * Applies a step if its EC is runnable (only runnable ECs make syscalls); returns the
 * EC that ran it and the status, or null when skipped. Unless `raw`, a selector number n picks the n-th (mod)
 * selector of the caller's space that holds a capability of the kind the argument
 * wants, so that most steps get past decode.
 */
function apply(r: Rig, st: Step, raw = false): { ec: number; status: Status } | null {
  let ec = st.who;
  if (st.kind === "reply" && !raw) {
    // Mostly an EC that has someone to reply to.
    const servers: number[] = [];
    for (let e = 0; e < r.L.counts.ec; e++) if (r.get(e, EC.PARTNER) >= 0) servers.push(e);
    if (servers.length) ec = servers[st.who % servers.length]!;
  }
  if (st.kind === "timeout") {
    if (!canTimeOut(r.s, r.k, ec)) return null;
    timeout(r.k, r.s, ec);
    return { ec, status: S.SUCCESS };
  }
  if (r.get(ec, EC.STATE) !== EcState.RUNNABLE) return null;
  const status = syscallOf(r, st, ec, raw);
  return status === null ? null : { ec, status };
}

function syscallOf(r: Rig, st: Exclude<Step, { kind: "timeout" }>, ec: number, raw: boolean): Status | null {
  const pd = r.get(ec, EC.PD);
  const pick = (n: number, kind?: number, ok: (c: number) => boolean = () => true): number => {
    if (raw) return n;
    const sels: number[] = [];
    for (let i = 0; i < slotsOf(r.L, pd); i++) {
      const c = r.cap(pd, i);
      if (c !== NO_CAP && (kind === undefined || capKind(c) === kind) && ok(c)) sels.push(i);
    }
    return sels.length ? sels[n % sels.length]! : n;
  };
  /** A portal served on this CPU by another EC, or one bound to this EC. */
  const callable = (c: number): boolean => {
    const h = ptEc(r.s, r.L, capObject(c));
    return h >= 0 && h !== ec && r.get(h, EC.CPU) === r.get(ec, EC.CPU);
  };
  const mine = (c: number): boolean => ptEc(r.s, r.L, capObject(c)) === ec;
  switch (st.kind) {
    case "delegate":
      return r.sys(ec, { op: "delegate", src: pick(st.src), pd: pick(st.to, Kind.PD), rights: st.rights });
    case "revoke":
      return r.sys(ec, { op: "revoke", sel: pick(st.sel) });
    case "map":
      return r.sys(ec, { op: "map", mem: st.mem, pd: pick(st.to, Kind.PD), rights: st.rights });
    case "unmap":
      return r.sys(ec, { op: "unmap", mem: st.mem });
    case "ipc":
      return r.sys(ec, { op: "call", pt: pick(st.pt, Kind.PT, callable), item: st.item === null ? undefined : { sel: pick(st.item), rights: st.rights }, timeout: true });
    case "recv": {
      // Without callers a recv blocks for good (nothing here calls later), so only some steps may block.
      const pt = pick(st.pt, Kind.PT, mine);
      const c = r.cap(pd, pt);
      if (!st.block && c !== NO_CAP && capKind(c) === Kind.PT && waitingCallers(r.s, r.L, capObject(c)).length === 0) return null;
      return r.sys(ec, { op: "recv", pt });
    }
    case "reply":
      return r.sys(ec, { op: "reply", item: st.item === null ? undefined : { sel: pick(st.item), rights: st.rights } });
  }
}

/** The derivation tree's rules: a child names its parent's object with no more rights; everything hangs under root. */
function treeViolations(s: StateVector, r: Rig): string[] {
  const L = r.L;
  const root = rootPdIndex(r);
  const out: string[] = [];
  for (let g = 0; g < L.counts.slots; g++) {
    const c = capAt(s, L, g);
    if (c === NO_CAP) continue;
    const p = parent(s, L, g);
    if (!hangsUnderRoot(s, L, g, root)) out.push(`slot ${g} does not hang under root`);
    if (p === NO_PARENT) continue;
    const pc = capAt(s, L, p);
    if (capKind(pc) !== capKind(c) || capObject(pc) !== capObject(c)) out.push(`slot ${g} names another object than its parent ${p}`);
    if (!rightsWithin(capRights(c), capRights(pc))) out.push(`slot ${g} has rights ${capRights(c)} beyond its parent's ${capRights(pc)}`);
  }
  // Every page-table entry is backed by a memory capability of its PD with at least those rights.
  for (let pd = 0; pd < L.counts.pd; pd++)
    for (let m = 0; m < L.counts.mem; m++) {
      const e = pte(s, L, pd, m);
      if (e === 0) continue;
      let granted = 0;
      for (let i = 0; i < slotsOf(L, pd); i++) {
        const c = capAt(s, L, globalSlot(L, pd, i));
        if (capKind(c) === Kind.MEM && capObject(c) === m) granted |= capRights(c);
      }
      if (!rightsWithin(e, granted)) out.push(`PD ${pd} maps memory ${m} with ${e} but holds ${granted}`);
    }
  return out;
}

describe("properties of random syscall sequences", () => {
  const ecsOf = (r: Rig): number => r.model.threads.length + r.L.boot.adversaryEcs.length;
  const maxSlots = (r: Rig): number => Math.max(...r.L.boot.slots);

  it("delegation, revocation, mapping and capability transfer never raise rights, orphan a node or leave an unbacked mapping", () => {
    const probe = bootText(WEB);
    const succeeded = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(stepArb(ecsOf(probe), maxSlots(probe), probe.L.counts.mem), { maxLength: 40, size: "max" }), (steps) => {
        const r = bootText(WEB);
        for (const st of steps) {
          if (apply(r, st)?.status === S.SUCCESS) succeeded.set(st.kind, (succeeded.get(st.kind) ?? 0) + 1);
          const v = treeViolations(r.s, r);
          if (v.length) throw new Error(`${JSON.stringify(st)}: ${v.join("; ")}`);
        }
      }),
      { numRuns: 100 },
    );
    // Not vacuous: every kind of step succeeded many times.
    for (const kind of ["delegate", "revoke", "map", "unmap", "ipc", "recv", "reply"]) expect(succeeded.get(kind) ?? 0, kind).toBeGreaterThan(2);
  });
  it("delegate_rights_escalation breaks the rights rule (the property catches the seeded bug)", () => {
    const r = bootText(WEB.replace("machine { cpus 2 }", "machine { cpus 2 } kernel nova { fault delegate_rights_escalation }"));
    // Root gives b an up-only capability to a.sa; b delegates it to c with up and down.
    r.sys(r.ec("sigma0.main"), { op: "delegate", src: r.sel("sigma0", Kind.SM, r.sem("a.sa")), pd: r.sel("sigma0", Kind.PD, r.pd("b")), rights: Right.UP });
    const bsel = msgWord(r.s, r.L, r.ec("sigma0.main"), 0);
    r.sys(r.ec("b.t"), { op: "delegate", src: bsel, pd: r.sel("b", Kind.PD, r.pd("c")), rights: Right.UP | Right.DOWN });
    expect(treeViolations(r.s, r).some((v) => v.includes("beyond its parent"))).toBe(true);
  });
  it("a refused syscall never changes more than the caller's STATUS word", () => {
    const probe = bootText(WEB);
    let refused = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(stepArb(ecsOf(probe), maxSlots(probe), probe.L.counts.mem), fc.boolean()), { maxLength: 25, size: "max" }), (steps) => {
        const r = bootText(WEB);
        for (const [st, raw] of steps) {
          if (st.kind === "timeout") continue;
          const before = r.s.slice();
          const done = apply(r, st, raw);
          if (done && done.status !== S.SUCCESS) {
            refused++;
            expect(r.get(done.ec, EC.STATUS)).toBe(done.status);
            const changed = diff(before, r.s).filter((i) => i !== r.L.base.ec + done.ec * r.L.ecSize + EC.STATUS);
            if (changed.length) throw new Error(`${JSON.stringify(st)} failed with ${done.status} but changed words ${changed.join(",")}`);
          }
        }
      }),
      { numRuns: 100 },
    );
    expect(refused).toBeGreaterThan(200);
  });
});
