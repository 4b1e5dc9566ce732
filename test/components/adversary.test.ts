// Adversary completeness: what an untrusted component can do with what it holds and knows, and nothing without a capability.
import { describe, expect, it } from "vitest";
import { knownLabels, regionValue } from "../../src/components/flow.js";
import { buildSystem, successors, type Successor } from "../../src/components/step.js";
import { explore } from "../../src/checker/explore.js";
import type { StateVector } from "../../src/kernel/layout.js";
import { OK } from "../../src/components/values.js";
import { capKind, capObject, capRights, Kind, NO_CAP } from "../../src/kernel/cap.js";
import { ecGet } from "../../src/kernel/ec.js";
import { memAccess } from "../../src/kernel/events.js";
import { EC, EcState, MEM, PD } from "../../src/kernel/layout.js";
import { capAt, globalSlot, parentOf, slotsOf } from "../../src/kernel/space.js";
import { Status } from "../../src/kernel/status.js";
import { syscall } from "../../src/kernel/syscalls.js";
import { regionLabels } from "../../src/machine/memory.js";
import { tlbEntry } from "../../src/machine/mmu.js";
import { Driver } from "./driver.js";
import { check } from "../../src/checker/check.js";
import { compile } from "../kernel/harness.js";

/**
 * evil is untrusted: it holds a portal of srv, read access to vault's secret, its own
 * buffer, and (optionally) srv's PD. srv answers every call with 7 [t1].
 */
const scenario = (caps: string, extra = ""): string => `system adv {
  component sigma0 : trusted root { }
  component srv : trusted {
    memory tag 4K [t1]
    portal q
    thread serve { write tag <- 7; loop { recv q -> m; read tag -> y; reply y } }
  }
  component vault : trusted { memory sec 4K [secret] }
  component evil : untrusted {
    memory buf 4K [mine]
    ${caps}
    ${extra}
  }
}`;
const FULL = scenario("caps { srv.q: call; vault.sec: r }");
const BARE = scenario("");

type Datum = { value: number; labels: number };
const key = (d: Datum): string => `${d.value}/${d.labels}`;
const adversary = (d: Driver): number => d.model.threads.length + d.L.boot.adversaryEcs.findIndex((a) => a.component === d.pd("evil"));
/** The adversary steps of a component (evil unless named). */
const advSteps = (d: Driver, comp = "evil"): Successor[] => d.next().filter((x) => x.step.kind === "adversary" && x.step.component === d.pd(comp));
/** The message of a call step: the caller's UTCB after the call (it keeps what it sent). */
const sent = (d: Driver, x: Successor): Datum => d.utcb(adversary(d), x.state);
const calls = (d: Driver): Successor[] => advSteps(d).filter((x) => /: call srv\.q\(/.test(x.step.text) && !x.step.text.includes(" with "));

/** The capabilities a PD holds: global slot and capability word. */
function held(d: Driver, pd: number, s = d.s): { g: number; c: number }[] {
  const out: { g: number; c: number }[] = [];
  for (let i = 0; i < slotsOf(d.L, pd); i++) {
    const g = globalSlot(d.L, pd, i);
    if (capAt(s, d.L, g) !== NO_CAP) out.push({ g, c: capAt(s, d.L, g) });
  }
  return out;
}
/** Whether `pd` holds, in `s`, a child of global slot `g`. */
const holdsChildOf = (d: Driver, pd: number, g: number, s: Int32Array): boolean => held(d, pd, s).some((x) => parentOf(s, d.L, x.g) === g);

/** Runs srv until it waits in recv (its portal then takes calls at once). */
function serverWaits(d: Driver): void {
  d.step("srv.serve");
  d.step("srv.serve");
  expect(d.state("srv.serve")).toBe(EcState.RECV);
}

describe("a portal capability: calls with every datum it knows", () => {
  it("the call steps' messages are exactly what it knows: 0, ok, the scenario's integer constants (7, which srv replies), every region it can read (value and labels), its UTCB", () => {
    const d = new Driver(FULL);
    const known: Datum[] = [
      { value: 0, labels: 0 },
      { value: OK, labels: 0 },
      { value: 7, labels: 0 },
      { value: 0, labels: d.label("mine") },
      { value: 0, labels: d.label("secret") },
    ];
    expect(new Set(calls(d).map((x) => key(sent(d, x))))).toEqual(new Set(known.map(key)));
    // Its knowledge, as the knows predicate sees it.
    expect(knownLabels(d.s, d.L, d.pd("evil"))).toBe(d.labels("mine", "secret"));
  });

  it("what it receives becomes data it can send on: after srv's reply, it calls with 7 [t1]", () => {
    const d = new Driver(FULL);
    serverWaits(d);
    d.go(calls(d).find((x) => sent(d, x).value === 0 && sent(d, x).labels === 0)!);
    expect(ecGet(d.s, d.L, adversary(d), EC.STATE)).toBe(EcState.REPLY);
    // While it waits for the reply, the adversary takes no step (its timeout may fire).
    expect(advSteps(d)).toEqual([]);
    d.step("srv.serve");
    d.step("srv.serve");
    d.step("srv.serve", /reply/);
    expect(d.utcb(adversary(d))).toEqual({ value: 7, labels: d.label("t1") });
    expect(calls(d).map((x) => key(sent(d, x)))).toContain(key({ value: 7, labels: d.label("t1") }));
  });

  it("as a server it receives, then replies with every datum it knows (what it received included)", () => {
    const d = new Driver(`system served {
  component sigma0 : trusted root { }
  component vault : trusted {
    memory sec 4K [secret]
    caps { evil.inbox: call }
    thread t { read sec -> s; call evil.inbox(s) -> r }
  }
  component evil : untrusted { memory buf 4K [mine]; portal inbox }
}`);
    d.step("vault.t");
    d.step("vault.t");
    expect(d.state("vault.t")).toBe(EcState.CALL);
    const recv = advSteps(d).filter((x) => /recv on evil\.inbox/.test(x.step.text));
    expect(recv).toHaveLength(1);
    d.go(recv[0]!);
    expect(d.utcb(adversary(d))).toEqual({ value: 0, labels: d.label("secret") });
    const replies = advSteps(d).filter((x) => /: reply /.test(x.step.text) && !x.step.text.includes(" with "));
    const vault = d.ec("vault.t");
    expect(new Set(replies.map((x) => key(d.utcb(vault, x.state))))).toEqual(
      new Set([{ value: 0, labels: 0 }, { value: OK, labels: 0 }, { value: 0, labels: d.label("mine") }, { value: 0, labels: d.label("secret") }].map(key)),
    );
    // Or it never replies: the caller stays in REPLY as long as the adversary does other things.
    expect(advSteps(d).some((x) => ecGet(x.state, d.L, vault, EC.STATE) === EcState.REPLY)).toBe(true);
  });
});

describe("a memory capability: reading and writing the region", () => {
  it("it reads (knows) a region mapped readable, and writes every datum it knows to a region mapped writable", () => {
    const d = new Driver(FULL);
    const buf = d.region("evil.buf");
    const sec = d.region("vault.sec");
    const writes = advSteps(d).filter((x) => /: write .* to evil\.buf$/.test(x.step.text));
    expect(new Set(writes.map((x) => key({ value: regionValue(x.state, d.L, buf), labels: regionLabels(x.state, d.L, buf) })))).toEqual(
      // A write replaces the value and adds the datum's labels to buf's [mine].
      new Set([0, OK, 7].map((v) => key({ value: v, labels: d.label("mine") })).concat(key({ value: 0, labels: d.labels("mine", "secret") }))),
    );
    // vault.sec is mapped read-only: no step writes it.
    const secWords = [MEM.VALUE, MEM.LABELS].map((f) => d.L.base.mem + sec * MEM.SIZE + f);
    expect(advSteps(d).filter((x) => secWords.some((w) => x.step.writes.includes(w)))).toEqual([]);
  });

  it("with a writable capability it writes the other component's region too", () => {
    const d = new Driver(scenario("caps { vault.sec: rw }"));
    const sec = d.region("vault.sec");
    const writes = advSteps(d).filter((x) => /: write .* to vault\.sec$/.test(x.step.text));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.some((x) => regionLabels(x.state, d.L, sec) === d.labels("secret", "mine"))).toBe(true);
  });
});

describe("loads through the MMU", () => {
  const STALE = (faults: string): string => `system stale {
  machine { cpus 2 }
  kernel nova { ${faults} }
  component owner : trusted root {
    memory page 4K
    memory sec 4K [secret]
    thread main { map page -> spy : r; revoke page; read sec -> x; write page <- x }
  }
  component spy : untrusted { }
}`;
  it("a read-only mapping: the adversary loads it into its CPU's TLB (only when the TLB does not hold it yet)", () => {
    const d = new Driver(STALE(""));
    const page = d.region("owner.page");
    const loads = (): Successor[] => advSteps(d, "spy").filter((x) => /: read owner\.page$/.test(x.step.text));
    expect(loads()).toEqual([]);
    d.step("owner.main");
    expect(loads().map((x) => x.step.cpu)).toEqual([0, 1]);
    d.go(loads().find((x) => x.step.cpu === 1)!);
    expect(tlbEntry(d.s, d.L, 1, d.pd("spy"), page)).toBe(1);
    // Loading again on CPU 1 would change nothing: no such step.
    expect(loads().map((x) => x.step.cpu)).toEqual([0]);
  });

  it("under stale_tlb the entry outlives the revoke, and the spy learns what the owner writes there later", () => {
    for (const stale of [false, true]) {
      const d = new Driver(STALE(stale ? "fault stale_tlb" : ""));
      d.step("owner.main");
      d.go(advSteps(d, "spy").find((x) => x.step.cpu === 1 && /: read owner\.page$/.test(x.step.text))!);
      d.runThread("owner.main");
      expect(d.state("owner.main")).toBe(EcState.DONE);
      expect(regionLabels(d.s, d.L, d.region("owner.page"))).toBe(d.label("secret"));
      expect(knownLabels(d.s, d.L, d.pd("spy")) & d.label("secret")).toBe(stale ? d.label("secret") : 0);
    }
  });
});

describe("a portal into another PD: delegating any capability it holds there", () => {
  it("for every capability it holds, some call carries it into the server's PD (with the rights it holds)", () => {
    const d = new Driver(FULL);
    serverWaits(d);
    const srv = d.pd("srv");
    const mine = held(d, d.pd("evil"));
    expect(mine.length).toBeGreaterThanOrEqual(5);
    const withItem = advSteps(d).filter((x) => /: call srv\.q\(.*\) with /.test(x.step.text));
    for (const { g, c } of mine) {
      const carried = withItem.filter((x) => holdsChildOf(d, srv, g, x.state));
      expect(carried.length, `capability ${c} of evil reaches srv`).toBeGreaterThan(0);
      for (const x of carried) {
        const child = held(d, srv, x.state).find((y) => parentOf(x.state, d.L, y.g) === g)!;
        expect([capKind(child.c), capObject(child.c), capRights(child.c)]).toEqual([capKind(c), capObject(c), capRights(c)]);
      }
    }
  });

  it("with a PD capability it delegates directly, with the rights it holds", () => {
    const d = new Driver(scenario("caps { srv: ctrl; vault.sec: r }"));
    const srv = d.pd("srv");
    const sec = held(d, d.pd("evil")).find((x) => capKind(x.c) === Kind.MEM && capObject(x.c) === d.region("vault.sec"))!;
    const x = d.take(/: delegate vault\.sec -> srv$/);
    expect(holdsChildOf(d, srv, sec.g, x.state)).toBe(true);
    expect(capRights(held(d, srv).find((y) => parentOf(d.s, d.L, y.g) === sec.g)!.c)).toBe(1);
  });
});

describe("without a capability it can do none of these", () => {
  it("no call, no knowledge of the secret, no write to it, no capability into srv", () => {
    const d = new Driver(BARE);
    const steps = advSteps(d);
    expect(steps.length).toBeGreaterThan(0); // it still acts on what it has
    expect(steps.filter((x) => /: (call|recv|reply|delegate .* -> srv)/.test(x.step.text))).toEqual([]);
    expect(knownLabels(d.s, d.L, d.pd("evil")) & d.label("secret")).toBe(0);
    const sec = d.region("vault.sec");
    expect(steps.filter((x) => /vault\.sec/.test(x.step.text))).toEqual([]);
    for (const x of steps) {
      expect(regionLabels(x.state, d.L, sec)).toBe(d.label("secret"));
      for (const { g } of held(d, d.pd("evil"))) expect(holdsChildOf(d, d.pd("srv"), g, x.state)).toBe(false);
      expect(knownLabels(x.state, d.L, d.pd("evil")) & d.label("secret")).toBe(0);
    }
  });

  it("the kernel refuses: a call through any selector, and an access to the secret", () => {
    const d = new Driver(BARE);
    const ec = adversary(d);
    const pd = d.pd("evil");
    for (let sel = -1; sel <= slotsOf(d.L, pd); sel++) {
      const n = d.s.slice();
      expect(syscall(d.sys.k, n, ec, { op: "call", pt: sel, words: [0], timeout: true })).not.toBe(Status.SUCCESS);
      // A delegation through any pair of selectors lands, if anywhere, in its own PD: it names no other.
      for (let to = -1; to <= slotsOf(d.L, pd); to++) {
        const m = d.s.slice();
        if (syscall(d.sys.k, m, ec, { op: "delegate", src: sel, pd: to, rights: 1 }) !== Status.SUCCESS) continue;
        expect(capObject(capAt(m, d.L, globalSlot(d.L, pd, to)))).toBe(pd);
        expect(holdsChildOf(d, d.pd("srv"), globalSlot(d.L, pd, sel), m)).toBe(false);
      }
    }
    const n = d.s.slice();
    expect(memAccess(d.sys.k, n, ec, d.region("vault.sec"), "r")).toBe(false);
    // No pager: the faulting EC dies; it never read the secret.
    expect(ecGet(n, d.L, ec, EC.STATE)).toBe(EcState.DEAD);
  });

  it("every adversary step is a syscall the kernel accepted", () => {
    const d = new Driver(FULL);
    serverWaits(d);
    for (const x of advSteps(d)) expect(x.step.status).toBe(Status.SUCCESS);
  });

  it("a call the kernel refuses (the portal's handler is on another CPU) is not a step", () => {
    const d = new Driver(scenario("caps { srv.q: call }").replace("system adv {", "system adv {\n  machine { cpus 2 }"));
    const onCpu = (cpu: number) => advSteps(d).filter((x) => x.step.cpu === cpu && /: call srv\.q/.test(x.step.text));
    expect(onCpu(0).length).toBeGreaterThan(0);
    expect(onCpu(1)).toEqual([]);
  });
});

describe("adversary steps N", () => {
  const BOUNDED = scenario("caps { srv.q: call; vault.sec: r }", "adversary steps 2");

  it("after N adversary steps the component takes no more; its count is in the state", () => {
    const d = new Driver(BOUNDED);
    for (let i = 0; i < 2; i++) {
      const xs = advSteps(d).filter((x) => /: write /.test(x.step.text));
      d.go(xs[0]!);
      expect(d.s[d.L.base.pd + d.pd("evil") * PD.SIZE + PD.ADV]).toBe(i + 1);
    }
    expect(advSteps(d)).toEqual([]);
    // The rest of the system goes on.
    expect(d.threadSteps("srv.serve")).toHaveLength(1);
  });

  it("on random paths, no path has more than N adversary steps of the component", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const d = new Driver(BOUNDED);
      let r = seed;
      const rand = (): number => ((r = (r * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
      let count = 0;
      for (let i = 0; i < 25; i++) {
        const xs = d.next();
        if (!xs.length) break;
        // Prefer the adversary, so that the bound is reached.
        const adv = xs.filter((x) => x.step.kind === "adversary");
        const pick = adv.length && rand() < 0.7 ? adv[Math.floor(rand() * adv.length)]! : xs[Math.floor(rand() * xs.length)]!;
        if (pick.step.kind === "adversary") count++;
        d.go(pick);
        expect(count).toBeLessThanOrEqual(2);
      }
      expect(count).toBe(2);
    }
  });

  it("without a bound nothing is counted", () => {
    const d = new Driver(FULL);
    d.go(advSteps(d).find((x) => /: write /.test(x.step.text))!);
    expect(d.s[d.L.base.pd + d.pd("evil") * PD.SIZE + PD.ADV]).toBe(0);
  });
});

describe("the adversary exploits map_unowned", () => {
  const TEXT = (fault: string) => `system mu {
  kernel nova { ${fault} }
  component sigma0 : trusted root { }
  component vault : trusted { memory key 4K [secret] }
  component guest : untrusted { adversary steps 1 }
}`;
  it("maps memory it holds no capability to only when the kernel does not check ownership", () => {
    const mapsKey = (fault: string): boolean => {
      const d = new Driver(TEXT(fault));
      return d.next().some((x) => x.step.text === "guest[adversary]: map vault.key -> guest (without a capability to it)");
    };
    expect(mapsKey("")).toBe(false);
    expect(mapsKey("fault map_unowned")).toBe(true);
  });
});

describe("a pager: touching memory it has not mapped", () => {
  // A demand pager hands its pool to whoever faults on it. The untrusted app holds no memory
  // capability, but a real client can touch any address: its adversary does, and is given the
  // pool. (Once it touched only memory it held a capability to, and both invariants held.)
  const text = `system pt {
  component sigma0 : trusted root { }
  component pager : trusted {
    memory pool 4K [pooled]
    portal fault
    thread serve { loop { recv fault -> region; reply ok with pool : rw } }
  }
  component app : untrusted { pager pager; adversary steps 2 }
  invariant never maps(app, pager.pool)
  invariant never flows([pooled] -> app)
}`;
  it("faults on memory it holds no capability to, and its pager maps it", () => {
    const r = check(compile(text));
    expect(r.invariants.map((i) => i.verdict)).toEqual(["violated", "violated"]);
    expect(r.invariants[0]!.counterexample!.steps.map((x) => x.text)).toContain("app[adversary]: touch pager.pool: page fault");
  });
  it("without a pager it touches nothing it has not mapped (the fault would only kill its own EC)", () => {
    const r = check(compile(text.replace("pager pager; ", "")));
    expect(r.invariants.map((i) => i.verdict)).toEqual(["holds", "holds"]);
  });
});

describe("revokes of capabilities with no descendant share one successor vector", () => {
  // With footprints on, every step computes its own successor; with them off, an adversary's
  // revokes of capabilities with no descendant (which remove nothing) share the first one's
  // vector. Both must list the same steps leading to the same states, with the same records.
  const delegating = `system lend {
  component sigma0 : trusted root { }
  component srv : trusted {
    memory buf 4K [data]
    portal q
    thread serve { loop { recv q -> x; reply ok with buf : r; revoke buf } }
  }
  component evil[2] : untrusted {
    memory own 4K
    caps { srv.q: call; sigma0: ctrl }
    adversary steps 2
  }
}`;
  const cases: [string, string][] = [
    ["a server lending and revoking, two adversaries that delegate", delegating],
    ["preemptible revoke", delegating.replace("component sigma0", "kernel nova { preemptible revoke }\n  component sigma0")],
    ["revoke_nonrecursive", delegating.replace("component sigma0", "kernel nova { preemptible revoke; fault revoke_nonrecursive }\n  component sigma0")],
    ["the adversary scenario above", FULL],
  ];
  it.each(cases)("%s", (_, text) => {
    const model = compile(text);
    const plain = buildSystem(model);
    const shared = buildSystem(model);
    shared.footprints = false;
    // The first states breadth-first (the adversary scenario above has more than a test needs).
    const states: StateVector[] = [];
    explore(plain, { maxStates: 2_000, por: false }, { state: (s) => void states.push(Int32Array.from(s)) });
    let sharedSteps = 0;
    const record = (x: Successor): string => {
      const { kind, op, obj, ec, cpu, component, node, status, revoked, text } = x.step;
      return JSON.stringify([text, kind, op, obj, ec, cpu, component, node, status, revoked, Array.from(x.state)]);
    };
    for (const s of states) {
      const a = successors(plain, s);
      const b = successors(shared, s);
      // One comparison per state (an expect per successor made the test take a minute).
      const differ = b.length !== a.length || b.some((x, i) => record(x) !== record(a[i]!));
      if (differ) expect(b.map(record)).toEqual(a.map(record));
      sharedSteps += b.length - new Set(b.map((x) => x.state)).size;
      // No two steps share a vector with footprints on.
      if (new Set(a.map((x) => x.state)).size !== a.length) expect.fail("steps share a vector with footprints on");
    }
    expect(sharedSteps).toBeGreaterThan(0);
  });
});
