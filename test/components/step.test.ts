// The step function: each statement's effect on the state, driven through `successors`, and every step's record.
import { describe, expect, it } from "vitest";
import { holds } from "../../src/components/flow.js";
import { boundSuccessors, buildSystem, successors, SUCCESSOR_BYTES, type Successor } from "../../src/components/step.js";
import { compileFile } from "../../src/dsl/compile.js";
import { Kind } from "../../src/kernel/cap.js";
import { ecGet } from "../../src/kernel/ec.js";
import { EC, EcState, GLOBAL } from "../../src/kernel/layout.js";
import { pte } from "../../src/machine/mmu.js";
import { regionLabels } from "../../src/machine/memory.js";
import { regionValue } from "../../src/components/flow.js";
import { smCount } from "../../src/kernel/sm.js";
import { Status } from "../../src/kernel/status.js";
import { capsOf, compile } from "../kernel/harness.js";
import { checkStep, Driver, lineOf } from "./driver.js";
import { check, replaySystem } from "../../src/checker/check.js";
import { replay } from "../../src/checker/explore.js";
import { OK } from "../../src/components/values.js";
import { renderText } from "../../src/report/text.js";

const IPC = `system ipc {
  component client : trusted root {
    memory sec 4K [s1]
    caps { srv.q: call }
    thread t {
      read sec -> v
      call srv.q(v, 3) -> x timeout 10
    }
  }
  component srv : trusted {
    memory tag 4K [t1]
    portal q
    thread serve {
      write tag <- 42
      recv q -> m
      read tag -> y
      reply y
    }
  }
}`;

describe("call, recv, reply", () => {
  it("a call blocks, the server receives the message with its labels, and the reply completes the call binding -> x", () => {
    const d = new Driver(IPC);
    d.step("client.t");
    expect(d.v("client.t", "v")).toEqual({ value: 0, labels: d.label("s1") });
    // The server does not wait yet: the call blocks (phase 1).
    const call = d.step("client.t");
    expect(call.step.text).toBe("client.t: call srv.q(v, 3) -> x timeout 10: blocks");
    expect(d.state("client.t")).toBe(EcState.CALL);
    expect(d.get("client.t", EC.PHASE)).toBe(1);
    expect(d.get("client.t", EC.PC)).toBe(1);
    expect(d.threadSteps("client.t")).toEqual([]);
    // While it waits, its timeout may fire at any time.
    expect(d.next().filter((x) => x.step.kind === "timeout").map((x) => x.step.ec)).toEqual([d.ec("client.t")]);

    d.step("srv.serve");
    const recv = d.step("srv.serve");
    // Word 0 is the first argument; the labels are the union of all the arguments'.
    expect(d.v("srv.serve", "m")).toEqual({ value: 0, labels: d.label("s1") });
    expect(recv.step.text).toBe("srv.serve: recv q -> m: m = 0 [s1]");
    expect(d.state("client.t")).toBe(EcState.REPLY);
    expect(d.get("srv.serve", EC.PARTNER)).toBe(d.ec("client.t"));
    d.step("srv.serve");
    expect(d.v("srv.serve", "y")).toEqual({ value: 42, labels: d.label("t1") });
    const reply = d.step("srv.serve");
    expect(reply.step.text).toBe("srv.serve: reply y: sends 42 [t1]");
    expect(d.state("client.t")).toBe(EcState.RUNNABLE);
    expect(d.get("srv.serve", EC.PARTNER)).toBe(-1);
    // The server ran past its last statement.
    expect(d.state("srv.serve")).toBe(EcState.DONE);

    const done = d.step("client.t");
    expect(done.step.text).toBe("client.t: call srv.q(v, 3) -> x timeout 10 completes: x = 42 [t1]");
    expect(d.v("client.t", "x")).toEqual({ value: 42, labels: d.label("t1") });
    expect(d.state("client.t")).toBe(EcState.DONE);
    expect(d.next()).toEqual([]);
  });

  it("a call to a server that already waits goes straight to REPLY; the server's recv completes in its next step", () => {
    const d = new Driver(IPC);
    d.step("srv.serve");
    const blocked = d.step("srv.serve");
    expect(blocked.step.text).toBe("srv.serve: recv q -> m: blocks");
    expect(d.state("srv.serve")).toBe(EcState.RECV);
    d.step("client.t");
    d.step("client.t");
    expect(d.state("client.t")).toBe(EcState.REPLY);
    expect(d.state("srv.serve")).toBe(EcState.RUNNABLE);
    // Not bound yet: the binding is the completion step's.
    expect(d.v("srv.serve", "m")).toEqual({ value: 0, labels: 0 });
    const c = d.step("srv.serve");
    expect(c.step.text).toBe("srv.serve: recv q -> m completes: m = 0 [s1]");
    expect(d.v("srv.serve", "m")).toEqual({ value: 0, labels: d.label("s1") });
  });

  it("a timeout ends the call without binding; the statement completes with TIMEOUT", () => {
    const d = new Driver(IPC);
    d.step("client.t");
    d.step("client.t");
    const t = d.take(/^timeout of client\.t$/);
    expect(t.step.kind).toBe("timeout");
    expect(t.step.cpu).toBe(-1);
    expect(d.state("client.t")).toBe(EcState.RUNNABLE);
    const c = d.step("client.t");
    expect(c.step.text).toBe("client.t: call srv.q(v, 3) -> x timeout 10 completes with TIMEOUT");
    expect(c.step.status).toBe(Status.TIMEOUT);
    expect(d.v("client.t", "x")).toEqual({ value: 0, labels: 0 });
    expect(d.state("client.t")).toBe(EcState.DONE);
  });

  it("recv takes each waiting caller as a separate successor", () => {
    const d = new Driver(`system two {
      component sigma0 : trusted root {
        caps { srv.q: call }
        thread a { call srv.q(1) -> x }
        thread b { call srv.q(2) -> x }
      }
      component srv : trusted { portal q; thread serve { recv q -> m; reply m } }
    }`);
    d.step("sigma0.a");
    d.step("sigma0.b");
    const recvs = d.threadSteps("srv.serve");
    expect(recvs.map((x) => x.step.text)).toEqual(["srv.serve: recv q -> m: m = 1 (from sigma0.a)", "srv.serve: recv q -> m: m = 2 (from sigma0.b)"]);
    const [fromA, fromB] = recvs;
    const L = d.L;
    expect(ecGet(fromA!.state, L, d.ec("srv.serve"), EC.PARTNER)).toBe(d.ec("sigma0.a"));
    expect(ecGet(fromA!.state, L, d.ec("sigma0.b"), EC.STATE)).toBe(EcState.CALL);
    expect(ecGet(fromB!.state, L, d.ec("srv.serve"), EC.PARTNER)).toBe(d.ec("sigma0.b"));
    expect(ecGet(fromB!.state, L, d.ec("sigma0.a"), EC.STATE)).toBe(EcState.CALL);
    // Follow b: its call is answered with its own value.
    d.go(fromB!);
    d.step("srv.serve");
    d.step("sigma0.b");
    expect(d.v("sigma0.b", "x")).toEqual({ value: 2, labels: 0 });
  });

  it("a reply without a caller fails with BAD_CAP and the thread goes on", () => {
    const d = new Driver(`system r { component sigma0 : trusted root { semaphore s; thread t { reply 1; up s } } }`);
    const r = d.step("sigma0.t");
    expect(r.step.text).toBe("sigma0.t: reply 1: BAD_CAP");
    expect(r.step.status).toBe(Status.BAD_CAP);
    expect(d.get("sigma0.t", EC.PC)).toBe(1);
  });
});

describe("memory", () => {
  const MEM = `system mem {
  component sigma0 : trusted root {
    memory r 4K [a]
    memory w 4K [b]
    thread t {
      read r -> x
      write w <- x
      write w <- 5
      read w -> y
    }
  }
}`;
  it("read binds the region's value and labels; write replaces the value and adds the labels", () => {
    const d = new Driver(MEM);
    const w = d.region("sigma0.w");
    const r1 = d.step("sigma0.t");
    expect(r1.step.text).toBe("sigma0.t: read r -> x: x = 0 [a]");
    expect(d.v("sigma0.t", "x")).toEqual({ value: 0, labels: d.label("a") });
    d.step("sigma0.t");
    expect(regionLabels(d.s, d.L, w)).toBe(d.labels("a", "b"));
    const w2 = d.step("sigma0.t");
    expect(w2.step.text).toBe("sigma0.t: write w <- 5: writes 5");
    expect(regionValue(d.s, d.L, w)).toBe(5);
    // Labels only grow.
    expect(regionLabels(d.s, d.L, w)).toBe(d.labels("a", "b"));
    d.step("sigma0.t");
    expect(d.v("sigma0.t", "y")).toEqual({ value: 5, labels: d.labels("a", "b") });
    expect(d.state("sigma0.t")).toBe(EcState.DONE);
  });

  it("thread steps map to the line of their statement", () => {
    const d = new Driver(MEM);
    const steps = d.runThread("sigma0.t");
    expect(steps.map((x) => d.line(x.step.node!))).toEqual(["read r -> x", "write w <- x", "write w <- 5", "read w -> y"].map((t) => lineOf(MEM, t)));
    expect(steps.map((x) => d.model.sources.where(x.step.node!))).toEqual(["test.nizza:6:7", "test.nizza:7:7", "test.nizza:8:7", "test.nizza:9:7"]);
  });

  const PF = `system pf {
  component sigma0 : trusted root {
    memory page 4K [owned]
    portal pf
    thread pager { recv pf -> f; map page -> app : r; reply ok }
  }
  component app : trusted { pager sigma0; thread t { read sigma0.page -> x } }
}`;
  it("a read of an unmapped region faults to the pager; the thread retries after the pager's reply", () => {
    const d = new Driver(PF);
    const page = d.region("sigma0.page");
    const fault = d.step("app.t");
    expect(fault.step.text).toBe("app.t: read sigma0.page -> x: page fault (sent to the pager)");
    // The fault is a call to the pager's portal with [page, 1 (read)]; the statement is not done.
    expect(d.state("app.t")).toBe(EcState.CALL);
    expect(d.get("app.t", EC.PC)).toBe(0);
    expect(d.get("app.t", EC.PHASE)).toBe(0);
    expect(d.utcb(d.ec("app.t"))).toEqual({ value: page, labels: 0 });
    d.step("sigma0.pager");
    expect(d.v("sigma0.pager", "f")).toEqual({ value: page, labels: 0 });
    d.step("sigma0.pager");
    expect(pte(d.s, d.L, d.pd("app"), page)).toBe(1);
    d.step("sigma0.pager");
    expect(d.state("app.t")).toBe(EcState.RUNNABLE);
    const retry = d.step("app.t");
    expect(retry.step.text).toBe("app.t: read sigma0.page -> x: x = 0 [owned]");
    expect(d.v("app.t", "x")).toEqual({ value: 0, labels: d.label("owned") });
    expect(d.state("app.t")).toBe(EcState.DONE);
  });

  it("a fault with no pager kills the thread", () => {
    const d = new Driver(`system nopager {
      component sigma0 : trusted root { memory page 4K }
      component app : trusted { thread t { read sigma0.page -> x } }
    }`);
    const x = d.step("app.t");
    expect(x.step.text).toBe("app.t: read sigma0.page -> x: page fault (the fault has nowhere to go: the thread dies)");
    expect(d.state("app.t")).toBe(EcState.DEAD);
    expect(d.next()).toEqual([]);
  });
});

describe("capabilities and page tables", () => {
  it("delegate, map, unmap and revoke change capability spaces and page tables", () => {
    const d = new Driver(`system caps {
      component sigma0 : trusted root {
        memory page 4K [owned]
        thread t { delegate page -> app : r; map page -> app : rw; unmap page; map page; revoke page }
      }
      component app : trusted { }
    }`);
    const page = d.region("sigma0.page");
    const app = d.pd("app");
    const root = d.pd("sigma0");
    const ref = { kind: "region" as const, index: page };
    expect(holds(d.s, d.L, app, ref)).toBe(false);
    expect(pte(d.s, d.L, root, page)).toBe(7);

    d.step("sigma0.t");
    expect(capsOf(d.s, d.L, app, Kind.MEM, page).map((c) => c.rights)).toEqual([1]);
    // Delegated memory is not mapped.
    expect(pte(d.s, d.L, app, page)).toBe(0);

    d.step("sigma0.t");
    expect(capsOf(d.s, d.L, app, Kind.MEM, page).map((c) => c.rights)).toEqual([1, 3]);
    expect(pte(d.s, d.L, app, page)).toBe(3);

    // unmap clears the component's own entry only.
    d.step("sigma0.t");
    expect(pte(d.s, d.L, root, page)).toBe(0);
    expect(pte(d.s, d.L, app, page)).toBe(3);

    // map without rights: the rights the component holds (root's original: rwx).
    d.step("sigma0.t");
    expect(pte(d.s, d.L, root, page)).toBe(7);

    // revoke: every derived capability goes, with the mappings it backed; root keeps its own.
    d.step("sigma0.t");
    expect(holds(d.s, d.L, app, ref)).toBe(false);
    expect(pte(d.s, d.L, app, page)).toBe(0);
    expect(pte(d.s, d.L, root, page)).toBe(7);
    expect(holds(d.s, d.L, root, ref)).toBe(true);
    expect(d.state("sigma0.t")).toBe(EcState.DONE);
  });

  it("a delegation the component has no capability for is refused (BAD_CAP) and changes no capability", () => {
    const d = new Driver(`system nocap {
      component sigma0 : trusted root { memory page 4K }
      component app : trusted { memory mine 4K; thread t { delegate sigma0.page -> app : r; delegate mine -> sigma0 : r } }
    }`);
    const a = d.step("app.t");
    expect(a.step.status).toBe(Status.BAD_CAP);
    // app holds no PD capability to sigma0 either.
    const b = d.step("app.t");
    expect(b.step.status).toBe(Status.BAD_CAP);
    expect(holds(d.s, d.L, d.pd("sigma0"), { kind: "region", index: d.region("app.mine") })).toBe(true); // root's original only
    expect(capsOf(d.s, d.L, d.pd("sigma0"), Kind.MEM, d.region("app.mine"))).toHaveLength(1);
  });
});

describe("control flow", () => {
  it("choose yields one successor per branch, each changing only the program counter", () => {
    const d = new Driver(`system ch {
      component sigma0 : trusted root { semaphore s; thread t { up s; choose { up s } or { down s } or { } ; up s } }
    }`);
    d.step("sigma0.t");
    const xs = d.threadSteps("sigma0.t");
    expect(xs.map((x) => x.step.text)).toEqual(["sigma0.t: choose, branch 1 of 3", "sigma0.t: choose, branch 2 of 3", "sigma0.t: choose, branch 3 of 3"]);
    expect(xs.map((x) => ecGet(x.state, d.L, d.ec("sigma0.t"), EC.PC))).toEqual([2, 3, 4]);
    const pcWord = d.L.base.ec + d.ec("sigma0.t") * d.L.ecSize + EC.PC;
    for (const x of xs) {
      expect(Array.from(x.step.writes)).toEqual([pcWord]);
      expect(x.step.reads).toBe("local");
    }
  });

  it("repeat N runs its body exactly N times (nested: N × M), with N + 2 steps of its own", () => {
    const d = new Driver(`system rep {
      component sigma0 : trusted root {
        semaphore s
        thread t {
          repeat 2 {
            repeat 3 { up s }
            down s
          }
        }
      }
    }`);
    const steps = d.runThread("sigma0.t");
    const text = (x: (typeof steps)[number]): string => d.model.sources.text(x.step.node!);
    expect(steps.filter((x) => text(x) === "up s")).toHaveLength(6);
    expect(steps.filter((x) => text(x) === "down s")).toHaveLength(2);
    expect(steps.filter((x) => text(x).startsWith("repeat 2"))).toHaveLength(4);
    expect(steps.filter((x) => text(x).startsWith("repeat 3"))).toHaveLength(10);
    expect(steps).toHaveLength(22);
    expect(steps.slice(0, 3).map((x) => x.step.text)).toEqual(["sigma0.t: repeat 2: starts", "sigma0.t: repeat: 2 to go", "sigma0.t: repeat 3: starts"]);
    expect(steps.at(-1)!.step.text).toBe("sigma0.t: repeat: done");
    // Counter steps read only the thread's own record.
    for (const x of steps) expect(x.step.reads).toBe(text(x).startsWith("repeat") ? "local" : "all");
    expect(d.state("sigma0.t")).toBe(EcState.DONE);
    expect(smCount(d.s, d.L, 0)).toBe(2);
  });

  it("if takes the branch its condition selects, through an else-if chain", () => {
    const d = new Driver(`system branches {
      component sigma0 : trusted root {
        memory r 4K
        semaphore a
        semaphore b
        semaphore c
        thread t {
          write r <- 5; read r -> v
          if v == 1 { up a } else if v == 5 { up b } else { up c }
        }
      }
    }`);
    const steps = d.runThread("sigma0.t");
    expect(steps.map((x) => x.step.text)).toEqual([
      "sigma0.t: write r <- 5: writes 5",
      "sigma0.t: read r -> v: v = 5",
      "sigma0.t: if v == 1: false",
      "sigma0.t: if v == 5: true",
      "sigma0.t: up b",
    ]);
    expect([0, 1, 2].map((sm) => smCount(d.s, d.L, sm))).toEqual([0, 1, 0]);
  });

  it("an empty loop idles: a step that changes nothing of the thread, for ever", () => {
    const d = new Driver(`system idle { component sigma0 : trusted root { semaphore s; thread t { up s; loop { } } } }`);
    d.step("sigma0.t");
    for (let i = 0; i < 3; i++) {
      const x = d.step("sigma0.t");
      expect(x.step.text).toBe("sigma0.t: loop { } (idles)");
      expect(x.step.writes).toHaveLength(0);
      expect(x.step.reads).toBe("local");
    }
    expect(d.state("sigma0.t")).toBe(EcState.RUNNABLE);
  });

  it("a failed assert records its node id + 1 in the global ASSERT word (the first failure only) and stops the thread", () => {
    const d = new Driver(`system asserts {
      component sigma0 : trusted root {
        memory page 4K
        semaphore s
        thread t { assert not holds(app, page); delegate page -> app : r; assert not holds(app, page); up s }
        thread u { assert maps(app, page); up s }
      }
      component app : trusted { }
    }`);
    const ASSERT = d.L.base.global + GLOBAL.ASSERT;
    expect(d.s[ASSERT]).toBe(0);
    expect(d.step("sigma0.t").step.text).toBe("sigma0.t: assert not holds(app, page): holds");
    const u = d.step("sigma0.u");
    expect(u.step.text).toBe("sigma0.u: assert maps(app, page): FAILS");
    expect(d.s[ASSERT]).toBe(u.step.node! + 1);
    expect(d.state("sigma0.u")).toBe(EcState.DONE);
    expect(d.threadSteps("sigma0.u")).toEqual([]);
    d.step("sigma0.t");
    const t = d.step("sigma0.t");
    expect(t.step.text).toBe("sigma0.t: assert not holds(app, page): FAILS");
    // The first failure stays recorded.
    expect(d.s[ASSERT]).toBe(u.step.node! + 1);
    expect(d.state("sigma0.t")).toBe(EcState.DONE);
    expect(d.get("sigma0.t", EC.PC)).toBe(2);
    expect(d.next()).toEqual([]);
  });

  it("a thread past its end is DONE and has no steps; a thread with an empty body has none from the start", () => {
    const d = new Driver(`system end { component sigma0 : trusted root { semaphore s; thread t { up s } thread idle { } } }`);
    expect(d.threadSteps("sigma0.idle")).toEqual([]);
    d.step("sigma0.t");
    expect(d.state("sigma0.t")).toBe(EcState.DONE);
    expect(d.get("sigma0.t", EC.PC)).toBe(1);
    expect(d.next()).toEqual([]);
  });
});

describe("preemptible revoke", () => {
  const PR = (tail: string): string => `system pr {
    kernel nova { preemptible revoke }
    component sigma0 : trusted root {
      memory page 4K [owned]
      semaphore s
      thread t { delegate page -> a : rw; delegate page -> b : r; revoke page${tail} }
      thread other { loop { up s } }
    }
    component a : trusted { }
    component b : trusted { }
  }`;
  const page = (d: Driver) => ({ kind: "region" as const, index: d.region("sigma0.page") });

  it("the revoke statement starts the revoke; continuation steps remove one descendant each, and other ECs may step in between", () => {
    const d = new Driver(PR("; up s"));
    d.step("sigma0.t");
    d.step("sigma0.t");
    const r = d.step("sigma0.t");
    expect(r.step.text).toBe("sigma0.t: revoke page");
    // The thread's pc is past the statement, but it is inside the revoke.
    expect(d.get("sigma0.t", EC.PC)).toBe(3);
    expect(d.get("sigma0.t", EC.REVOKE)).toBeGreaterThanOrEqual(0);
    expect(holds(d.s, d.L, d.pd("a"), page(d)) && holds(d.s, d.L, d.pd("b"), page(d))).toBe(true);
    const texts: string[] = [];
    for (;;) {
      const xs = d.next().filter((x) => x.step.ec === d.ec("sigma0.t"));
      expect(xs).toHaveLength(1);
      if (xs[0]!.step.kind !== "revoke") break;
      expect(xs[0]!.step.node).toBeNull();
      // Another thread may run between two continuations.
      expect(d.next().some((x) => x.step.ec === d.ec("sigma0.other"))).toBe(true);
      texts.push(d.go(xs[0]!).step.text);
    }
    expect(texts).toEqual(["sigma0.t: revoke continues (preemption point)", "sigma0.t: revoke continues (preemption point)", "sigma0.t: revoke continues and completes"]);
    expect(holds(d.s, d.L, d.pd("a"), page(d)) || holds(d.s, d.L, d.pd("b"), page(d))).toBe(false);
    expect(d.get("sigma0.t", EC.REVOKE)).toBe(-1);
    expect(d.step("sigma0.t").step.text).toBe("sigma0.t: up s");
  });

  it("a revoke that is the thread's last statement still runs to completion; the thread is DONE only then", () => {
    const d = new Driver(PR(""));
    d.step("sigma0.t");
    d.step("sigma0.t");
    d.step("sigma0.t");
    expect(d.state("sigma0.t")).toBe(EcState.RUNNABLE);
    const kinds: string[] = [];
    for (let xs = d.next().filter((x) => x.step.ec === d.ec("sigma0.t")); xs.length; xs = d.next().filter((x) => x.step.ec === d.ec("sigma0.t"))) {
      expect(xs).toHaveLength(1);
      kinds.push(d.go(xs[0]!).step.kind);
    }
    expect(kinds).toEqual(["revoke", "revoke", "revoke"]);
    expect(holds(d.s, d.L, d.pd("a"), page(d)) || holds(d.s, d.L, d.pd("b"), page(d))).toBe(false);
    expect(d.state("sigma0.t")).toBe(EcState.DONE);
  });

  it("a last-statement revoke that another EC's revoke ends (by removing the slot it revokes) also leaves the thread DONE", () => {
    const d = new Driver(`system nested {
      kernel nova { preemptible revoke }
      component sigma0 : trusted root {
        memory page 4K
        semaphore s
        thread t { delegate page -> mid : rw; revoke page; up s }
      }
      component mid : trusted { caps { leaf: ctrl } thread m { delegate sigma0.page -> leaf : r; revoke sigma0.page } }
      component leaf : trusted { }
    }`);
    d.step("sigma0.t");
    d.step("mid.m");
    d.step("mid.m");
    expect(d.get("mid.m", EC.REVOKE)).toBeGreaterThanOrEqual(0);
    d.step("sigma0.t");
    // Only root's continuations: they remove leaf's copy, then mid's (the slot mid is revoking).
    const rootRevokes = (): Successor[] => d.next().filter((x) => x.step.kind === "revoke" && x.step.ec === d.ec("sigma0.t"));
    d.go(rootRevokes()[0]!);
    expect(d.state("mid.m")).toBe(EcState.RUNNABLE);
    d.go(rootRevokes()[0]!);
    expect(d.get("mid.m", EC.REVOKE)).toBe(-1);
    expect(d.state("mid.m")).toBe(EcState.DONE);
    expect(d.next().filter((x) => x.step.ec === d.ec("mid.m"))).toEqual([]);
  });

  it("the shipped revoke_race scenarios: the revoke (the owner's last statement) completes; only the buggy kernel leaves bob's copy", () => {
    const outcome = (file: string): { alice: boolean; bob: boolean; owner: number; continuations: number } => {
      const c = compileFile(file);
      const sys = buildSystem(c.model!);
      const L = sys.k.L;
      let s = sys.init;
      const pick = (re: RegExp): void => {
        const xs = successors(sys, s).filter((x) => re.test(x.step.text));
        expect(xs.map((x) => x.step.text)).toHaveLength(1);
        for (const x of xs) checkStep(sys, s, x);
        s = xs[0]!.state;
      };
      pick(/^owner\.main: delegate page -> alice : rw$/);
      pick(/^bob\[adversary@cpu0\]: recv on bob\.inbox@cpu0$/);
      // alice passes the page on to bob with her call: bob's copy is a grandchild of owner's.
      pick(/^alice\[adversary@cpu0\]: call bob\.inbox@cpu0\(0\) with owner\.page$/);
      pick(/^owner\.main: revoke page$/);
      let continuations = 0;
      for (let xs = successors(sys, s).filter((x) => x.step.kind === "revoke"); xs.length; xs = successors(sys, s).filter((x) => x.step.kind === "revoke")) {
        s = xs[0]!.state;
        continuations++;
      }
      const page = { kind: "region" as const, index: c.model!.regions.find((r) => r.name === "page")!.index };
      const pd = (n: string): number => c.model!.components.findIndex((x) => x.name === n);
      return { alice: holds(s, L, pd("alice"), page), bob: holds(s, L, pd("bob"), page), owner: ecGet(s, L, 0, EC.STATE), continuations };
    };
    expect(outcome("scenarios/revoke_race.nizza")).toEqual({ alice: false, bob: false, owner: EcState.DONE, continuations: 3 });
    // revoke_nonrecursive: only the direct child goes; bob's copy is orphaned.
    expect(outcome("scenarios/revoke_race_buggy.nizza")).toEqual({ alice: false, bob: true, owner: EcState.DONE, continuations: 2 });
  });

  it("without preemptible revoke, revoke is one step", () => {
    const d = new Driver(PR("; up s").replace("kernel nova { preemptible revoke }", ""));
    d.runThread("sigma0.t");
    expect(d.trail.map((x) => x.step.kind)).toEqual(["thread", "thread", "thread", "thread"]);
    expect(holds(d.s, d.L, d.pd("a"), page(d))).toBe(false);
  });
});

describe("every step's record", () => {
  it("on a random walk through usina: writes are the exact diff, reads and node follow the rules", async () => {
    const { readFileSync } = await import("node:fs");
    // With unbounded adversaries (the shipped file bounds them), so that the walk meets every kind of step.
    const d = new Driver(readFileSync("scenarios/usina.nizza", "utf8").replace(/adversary steps \d+/g, ""));
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const kinds = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const xs = d.next(); // checkStep runs on every successor
      if (!xs.length) break;
      for (const x of xs) kinds.add(x.step.kind);
      d.go(xs[Math.floor(rand() * xs.length)]!);
    }
    // "dma": nic_red writes what arrives from outside, with its [lan], by itself.
    expect([...kinds].sort()).toEqual(["adversary", "dma", "irq", "thread", "timeout"]);
  });

  it("successors does not change the state it is given, and is deterministic", () => {
    const d = new Driver(IPC);
    const before = d.s.slice();
    const a = successors(d.sys, d.s);
    const b = successors(d.sys, d.s);
    expect(d.s).toEqual(before);
    expect(a.map((x) => x.step.text)).toEqual(b.map((x) => x.step.text));
    a.forEach((x, i) => expect(x.state).toEqual(b[i]!.state));
    for (const x of a) checkStep(d.sys, d.s, x);
  });

  it("successors stops past System.maxSuccessors: the first that many, in order, and truncated set exactly when there were more", () => {
    // Two untrusted replicas on two CPUs: an adversary EC per CPU, each with tens of attempts.
    const sys = buildSystem(compile(`system b {
  machine { cpus 2 }
  component server : trusted root { memory a 4K [x]; portal p; thread t { loop { recv p -> x; reply x } } }
  component c[2] : untrusted { memory r 4K; caps { server.p: call }; adversary steps 1 }
}`));
    expect(sys.maxSuccessors).toBe(Math.floor(SUCCESSOR_BYTES / (4 * sys.init.length)));
    const all = successors(sys, sys.init).map((x) => x.step.text);
    expect(sys.truncated).toBe(false);
    expect(all.length).toBeGreaterThan(20);
    for (const max of [1, 2, 7, all.length - 1, all.length, all.length + 1]) {
      sys.maxSuccessors = max;
      const some = successors(sys, sys.init);
      expect(some.map((x) => x.step.text)).toEqual(all.slice(0, max));
      expect(sys.truncated).toBe(max < all.length);
    }
    // And it stops copying, which is what the bound is for: a handful of copies (one successor
    // past the bound, a dispatched copy per adversary EC still met on the CPU) where the whole
    // list takes over 50.
    const copy = sys.arena.copy.bind(sys.arena);
    let copies = 0;
    sys.arena.copy = (v) => (copies++, copy(v));
    const copiesWith = (max: number): number => {
      sys.maxSuccessors = max;
      copies = 0;
      successors(sys, sys.init);
      return copies;
    };
    expect(copiesWith(Infinity)).toBeGreaterThan(50);
    expect(copiesWith(1)).toBeLessThanOrEqual(12);
    sys.arena.copy = copy;
    // By bytes: whole state vectors, at least one.
    boundSuccessors(sys, 4 * sys.init.length * 3 + 5);
    expect(sys.maxSuccessors).toBe(3);
    boundSuccessors(sys, 1);
    expect(sys.maxSuccessors).toBe(1);
  });
});

describe("data from outside (language.md §9.5)", () => {
  // A trusted driver reads what its card wrote into its ring by DMA and tells packets apart.
  const driver = (body: string, extra = ""): string => `system outside {
  machine { device nic { irq 10; dma; produces [packet] } }
  component sigma0 : trusted root { }
  component drv : trusted { memory ring 4K; memory ring2 4K; device nic; thread t { ${body} } }
  component other : trusted { memory buf 4K; thread t { write buf <- 5 } }
  ${extra}
}`;
  const outside = (text: string): number[] => [...buildSystem(compile(text)).outside].sort((a, b) => a - b);

  it("has the values conditions tell apart: 0, each constant compared with, and one value none equals where 0 is", () => {
    expect(outside(driver("read ring -> p"))).toEqual([0]);
    expect(outside(driver("read ring -> p; if p == 7 { read ring -> p }"))).toEqual([0, 7]);
    expect(outside(driver("read ring -> p; assert p != 0"))).toEqual([0, 1]);
    expect(outside(driver("read ring -> p; if p == ok { read ring -> p }"))).toEqual([0, OK]);
    // Two data compared: every constant of the threads (5 is only sent), ok, and a value equal to none.
    expect(outside(driver("read ring -> p; read ring2 -> q; assert p == q"))).toEqual([0, 1, 5, OK]);
  });

  // Data from outside used to be 0 only (a documented limit), so a driver's branch on a packet's
  // value was explored only for 0, and both asserts were said to hold.
  it("a driver's branch on a packet's value is explored for every value it tells apart", () => {
    const r = check(compile(driver("read ring -> p; assert p != 7")));
    expect(r.asserts?.verdict).toBe("violated");
    expect(r.asserts!.counterexample!.steps.map((x) => x.text)).toEqual([
      "device nic writes data from outside, 7 [packet], to drv.ring by DMA",
      "drv.t: read ring -> p: p = 7 [packet]",
      "drv.t: assert p != 7: FAILS",
    ]);
    const two = check(compile(driver("read ring -> p; read ring2 -> q; assert p == q")));
    expect(two.asserts?.verdict).toBe("violated");
  });
});

describe("data from outside in an MMIO window (language.md §9.5)", () => {
  // A trusted driver reads its UART's register and acts on what it reads; `out` is what it sends on.
  const uart = (body: string, extra = "", produces = "produces [serial]"): string => `system mmio {
  machine { device uart { irq 4; mmio 4K; ${produces} } }
  component sigma0 : trusted root { }
  component drv : trusted { memory out 4K; device uart; thread t { ${body} } }
  ${extra}
}`;

  it("starts with no step that puts data in a window: windows hold 0 until written, and nothing is watched without `produces`", () => {
    const sys = buildSystem(compile(uart("read uart.mmio -> c")));
    expect(sys.mmio).toEqual([0]);
    expect(sys.outsideCompared).not.toBeNull();
    expect(successors(sys, sys.init).map((x) => x.step.op)).not.toContain("mmio");
    expect(buildSystem(compile(uart("read uart.mmio -> c", "", ""))).outsideCompared).toBeNull();
  });

  // MMIO windows used to hold 0 only (a documented limit, invariants.md §9), so this assert was
  // said to hold: the first exploration sees `c == 7` compare the window's data, and the check
  // explores again with 7 in the window.
  it("a driver's branch on a register's value is explored for every value it tells apart", () => {
    const phases = new Set<string>();
    const r = check(compile(uart("read uart.mmio -> c; assert c != 7")), { progress: (_p, phase) => void phases.add(phase) });
    expect([...phases]).toEqual(["states", "again"]);
    expect(r.asserts?.verdict).toBe("violated");
    expect(r.stats.mmio).toEqual({ values: [0, 7], explorations: 2 });
    expect(renderText("mmio.nizza", r, { color: false })).toContain("  MMIO windows took data from outside 0, 7 (values that tell apart what threads compared of it; 2 explorations)\n");
    expect(r.asserts!.counterexample!.steps.map((x) => x.text)).toEqual([
      "device uart puts data from outside, 7 [serial], in its MMIO window",
      "drv.t: read uart.mmio -> c: c = 7 [serial]",
      "drv.t: assert c != 7: FAILS",
    ]);
  });

  it("a violation the first exploration found stays one when a bound cuts the wider exploration short, with a trace that replays in the wider system", () => {
    // The window at 0 fails the assert at once; the exploration with 0 and 7 meets the state
    // bound first (an adversary's moves fill it). Before, the assert was said to be incomplete.
    const text = uart("read uart.mmio -> c; if c == 7 { write out <- c } else { write out <- 1 }; read out -> d; assert d == 2", "component noise : untrusted { memory junk 4K; adversary steps 2 }");
    const m = compile(text);
    const r = check(m, { maxStates: 500 });
    expect(r.stats.bound).toBe("states");
    expect(r.stats.mmio).toEqual({ values: [0, 7], explorations: 2 });
    expect(r.asserts?.verdict).toBe("violated");
    const steps = r.asserts!.counterexample!.steps;
    expect(steps.map((x) => x.text)).toEqual([
      "drv.t: read uart.mmio -> c: c = 0 [serial]",
      "drv.t: if c == 7: false",
      "drv.t: write out <- 1: writes 1",
      "drv.t: read out -> d: d = 1",
      "drv.t: assert d == 2: FAILS",
    ]);
    // The ordinals are the wider system's: replayed there, the last state fails the assert.
    const sys = replaySystem(m, r);
    expect(sys.mmio).toEqual([0, 7]);
    const xs = replay(sys, steps.map((x) => x.ordinal));
    expect(xs.map((x) => x.step.text)).toEqual(steps.map((x) => x.text));
    // Unbounded, the wider exploration finds it itself.
    expect(check(m).asserts?.verdict).toBe("violated");
  });

  it("an endless wait the first exploration found is not carried over when a bound cuts the wider one short: the wider system may wake the waiter", () => {
    // With the window at 0 the poller never ups s, so the waiter waits for ever; with 0 and 7 it
    // may. Before, a bound on the second exploration made deadlock_free 'violated' (exit 1) with
    // a trace whose reason is false, while unbounded it holds.
    const text = `system mmio3 {
  machine { device uart { mmio 4K; produces [serial] } }
  component sigma0 : trusted root { }
  component drv : trusted {
    device uart
    semaphore s
    thread poll { loop { read uart.mmio -> c; if c == 7 { up s } } }
    thread waiter { down s }
  }
  invariant deadlock_free
  invariant always not holds(sigma0, drv.s) expect violated
}`;
    const m = compile(text);
    const all = check(m);
    expect(all.invariants[0]!.verdict).toBe("holds");
    expect(all.stats.mmio?.explorations).toBe(2);
    for (const bound of [{ maxStates: 30 }, { maxDepth: 8 }]) {
      const r = check(m, bound);
      expect(r.stats.bound).not.toBeNull();
      expect(r.invariants[0]!.verdict, JSON.stringify(bound)).toBe("incomplete");
      expect(r.invariants[1]!.verdict).toBe("violated");
    }
  });

  it("notes a comparison of sealed window data in a condition, and such a branch is no local step", () => {
    // A seal in a condition adds nothing to its key's sealed labels, so `seal(m, key)` looked
    // like no window data: the window never took 5 and the assert was said to hold.
    const sealed = uart("read uart.mmio -> m; if seal(m, key) == seal(5, key) { assert 1 == 0 }; if open(m, key) == 7 { }").replace("memory out 4K;", "memory out 4K; memory key 4K;");
    for (const por of [true, false]) expect(check(compile(sealed), { por }).asserts?.verdict, `por ${por}`).toBe("violated");
    // Whether a branch notes a comparison reads the keys' sealed labels, which another thread's
    // write of sealed window data changes: with partial-order reduction the branch was taken alone
    // before that write, never noted, and the verdict differed from --no-por's.
    const text = `system por_mmio {
  machine { device uart { mmio 4K; produces [serial] } }
  component sigma0 : trusted root { }
  component t : trusted {
    memory key 4K
    memory buf 4K
    semaphore s
    device uart
    thread c { up s; if seal(1, key) == seal(2, key) or open(0, key) == 3 { } loop { } }
    thread a { down s; read uart.mmio -> z; write buf <- seal(z, key) }
  }
}`;
    const sys = buildSystem(compile(text));
    expect(sys.localPcs[0]).toBeNull();
    const on = check(compile(text));
    const off = check(compile(text), { por: false });
    expect([on.stats.states, on.stats.mmio]).toEqual([off.stats.states, off.stats.mmio]);
  });

  it("explores once when no thread compares what came from a window", () => {
    // `f == 1` compares what the driver wrote itself; the register's value is only passed on.
    const r = check(compile(uart("read uart.mmio -> c; write out <- c; write flag <- 1; read flag -> f; assert f == 1").replace("memory out 4K;", "memory out 4K; memory flag 4K;")));
    expect(r.asserts?.verdict).toBe("holds");
    expect(r.stats.mmio).toEqual({ values: [0], explorations: 1 });
  });

  it("follows the data through a message, an adversary and another message to the comparison", () => {
    // The register's value goes to an untrusted component's adversary, which can call the
    // checker's portal with it; the checker passes on to `sink` only what equals 3. The adversary
    // knows 3 itself, but not with the label [serial]: only a register holding 3 makes it flow.
    const text = `system mmio {
  machine { device uart { irq 4; mmio 4K; produces [serial] } }
  component sigma0 : trusted root { }
  component drv : trusted { device uart; caps { app.input: call }; thread t { read uart.mmio -> c; call app.input(c) timeout 10 } }
  component app : untrusted { portal input; caps { checker.rpc: call }; adversary steps 2 }
  component checker : trusted { portal rpc; caps { sink.put: call }; thread s { recv rpc -> x; if x == 3 { call sink.put(x) timeout 10 } } }
  component sink : trusted { portal put; thread s { recv put -> y } }
  invariant never flows([serial] -> sink)
}`;
    const r = check(compile(text));
    expect(r.stats.mmio).toEqual({ values: [0, 3], explorations: 2 });
    expect(r.invariants[0]!.verdict).toBe("violated");
    expect(r.invariants[0]!.counterexample!.steps.some((x) => x.text.includes("puts data from outside, 3 [serial]"))).toBe(true);
  });

  it("a sealed value counts as the window's data when its key's labels are not kept", () => {
    const r = check(compile(uart("read uart.mmio -> c; write out <- seal(c, out); read out -> s; assert s != seal(5, out)")));
    expect(r.stats.mmio?.explorations).toBe(2);
  });
});
