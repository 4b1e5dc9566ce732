// isolated(a, b) [except via M]: shared memory, capabilities to the other's objects, and chains through untrusted relays.
import { describe, expect, it } from "vitest";
import { objectOwner } from "../../../src/checker/invariants/isolated.js";
import { Kind } from "../../../src/kernel/cap.js";
import { check, system, verdictOf } from "./run.js";

const sys = (items: string, inv: string, machine = ""): string => `system iso {
  ${machine}
  component sigma0 : trusted root { }
  ${items}
  ${inv}
}`;

/** Two untrusted components that share `shared.buf`, a with rights `a`, b with `b`. */
const SHARED = (a: string, b: string): string => `component shared : trusted { memory buf 4K }
       component a : untrusted { caps { shared.buf: ${a} }; adversary steps 0 }
       component b : untrusted { caps { shared.buf: ${b} }; adversary steps 0 }`;

describe("isolated: direct links", () => {
  it("a memory object both map", () => {
    const text = sys(SHARED("rw", "r"), "invariant isolated(a, b)");
    expect(check(text).found).toEqual({ state: 0, reason: "a and b both map shared.buf" });
  });

  it("a capability to an object of the other (its PD, a portal)", () => {
    const pd = sys(`component a : untrusted { caps { b: ctrl }; adversary steps 0 } component b : untrusted { adversary steps 0 }`, "invariant isolated(a, b)");
    expect(check(pd).found?.reason).toBe("a holds a capability to b's PD");
    const pt = sys(`component a : untrusted { adversary steps 0 } component b : untrusted { caps { a.p: call }; portal q; adversary steps 0 }`, "invariant isolated(a, b)")
      .replace("component a : untrusted {", "component a : untrusted { portal p;");
    expect(check(pt).found?.reason).toBe("b holds a capability to portal a.p");
  });

  it("memory reached by DMA of an unconfined device", () => {
    const text = sys(
      `component a : untrusted { device nic; adversary steps 0 }
       component b : untrusted { memory ram 4K; adversary steps 0 }`,
      "invariant isolated(a, b)",
      "machine { device nic { dma } }",
    );
    expect(check(text).found?.reason).toBe("a and b share b.ram (a: DMA by nic; b: mapped)");
    expect(check(text.replace("dma }", "dma }; iommu")).found).toBeNull();
  });

  it("a link made at run time is found in the first state that has it", () => {
    const text = sys(
      `component broker : trusted { memory buf 4K; caps { b: ctrl }; thread t { map buf -> b : r } }
       component a : untrusted { caps { broker.buf: r }; adversary steps 0 }
       component b : untrusted { adversary steps 0 }`,
      "invariant isolated(a, b)",
    );
    const { found, r } = check(text);
    expect(found).toEqual({ state: 1, reason: "a and b both map broker.buf" });
    expect(r.edges.find((e) => e.to === 1)!.step.text).toBe("broker.t: map buf -> b : r");
  });
});

describe("isolated: chains", () => {
  const relayed = (relay: string, inv: string): string =>
    sys(
      `component a : untrusted { caps { relay.p: call }; adversary steps 0 }
       component relay : ${relay} { portal p; caps { b.q: call } }
       component b : untrusted { portal q; adversary steps 0 }`,
      inv,
    );

  it("an untrusted relay forwards anything: a chain from a to b", () => {
    const { found } = check(relayed("untrusted", "invariant isolated(a, b)").replace("portal p;", "portal p; adversary steps 0;"));
    expect(found?.reason).toBe("a reaches b through untrusted relay: a holds a capability to portal relay.p; relay holds a capability to portal b.q");
  });

  it("a mediator, or a trusted component, is not a relay", () => {
    expect(check(relayed("untrusted", "invariant isolated(a, b) except via relay").replace("portal p;", "portal p; adversary steps 0;")).found).toBeNull();
    expect(check(relayed("trusted", "invariant isolated(a, b)")).found).toBeNull();
  });

  it("a semaphore one side can up and the other can down links them, whoever owns it", () => {
    const text = sys(
      `component t : trusted { semaphore s }
       component a : untrusted { caps { t.s: up }; adversary steps 0 }
       component b : untrusted { caps { t.s: down }; adversary steps 0 }`,
      "invariant isolated(a, b)",
    );
    expect(check(text).found?.reason).toBe("a can up semaphore t.s, on which b can down");
    expect(check(text.replace("t.s: up", "t.s: down")).found).toBeNull();
    // Both can only up: no signal passes. The other way round: b signals a.
    expect(check(text.replace("t.s: down", "t.s: up")).found).toBeNull();
    expect(check(text.replace("t.s: up", "t.s: X").replace("t.s: down", "t.s: up").replace("t.s: X", "t.s: down")).found?.reason).toBe("b can up semaphore t.s, on which a can down");
  });

  it("replicas: every replica of each side", () => {
    const text = sys(
      `component a[2] : untrusted { memory ram 4K; adversary steps 0 }
       component b : untrusted { caps { a.ram: r }; adversary steps 0 }`,
      "invariant isolated(a, b)",
    );
    expect(check(text).found?.reason).toBe("a[0] and b both map a[0].ram");
  });
});

describe("object owners", () => {
  it("PDs, ECs, SCs, PTs, semaphores, regions, devices", () => {
    const s = system(
      sys(
        `component a : untrusted { memory ram 4K; portal p; semaphore m; device nic; thread t { } }
         component b : trusted { thread u { } }`,
        "",
        "machine { device nic { irq 3; mmio 4K } }",
      ),
    );
    const L = s.k.L;
    const own = (kind: number, o: number): number => objectOwner(s, s.init, kind, o);
    expect(own(Kind.PD, 1)).toBe(1);
    expect(own(Kind.EC, 1)).toBe(2); // threads t (a), u (b): EC 1 is b's
    expect(own(Kind.SC, 2)).toBe(1); // EC 2: a's adversary
    expect(own(Kind.PT, L.boot.portalPts[0]![0]!)).toBe(1);
    expect(own(Kind.SM, 0)).toBe(1);
    expect(own(Kind.SM, L.boot.deviceIrqSm[0]!)).toBe(1);
    expect(own(Kind.MEM, L.boot.deviceMmio[0]!)).toBe(1);
    expect(own(Kind.DEV, 0)).toBe(1);
    expect(own(Kind.EC, L.counts.ec - 1)).toBe(-1); // a free spare
  });
});

describe("isolated: links by any right, in any slot, through any CPU's TLB", () => {
  it("memory one may only write and the other only read", () => {
    const text = sys(SHARED("w", "r"), "invariant isolated(a, b)");
    expect(verdictOf(text)).toEqual(["violated", 0, "a and b both map shared.buf"]);
  });

  it("memory one may only execute and the other write: code one writes, the other runs", () => {
    // A page-table entry that is not 0 is an access (spec §4); an execute-only one was once missed.
    expect(verdictOf(sys(SHARED("x", "rw"), "invariant isolated(a, b)"))).toEqual(["violated", 0, "a and b both map shared.buf"]);
    expect(verdictOf(sys(SHARED("x", "x"), "invariant isolated(a, b)"))).toEqual(["violated", 0, "a and b both map shared.buf"]);
  });

  it("a capability delegated into the PD's last slot", () => {
    // b has no capabilities of its own: the semaphore fills its first slot, the portal its last.
    const text = `system i3 {
  component sigma0 : trusted root { semaphore s; thread main { delegate s -> b : up; delegate a.p -> b : call } }
  component a : untrusted { portal p; adversary steps 0 }
  component b : trusted { }
  invariant isolated(a, b)
}`;
    expect(verdictOf(text)).toEqual(["violated", 2, "b holds a capability to portal a.p"]);
  });

  it("a stale TLB entry on the first CPU", () => {
    const text = `system i4 {
  machine { cpus 2 }
  kernel nova { fault stale_tlb }
  component owner : trusted root { memory page 4K; thread main cpu 1 { delegate page -> a : rw; revoke page; delegate page -> b : r } }
  component a : trusted { thread t cpu 0 { map owner.page; read owner.page -> x } }
  component b : trusted { thread u cpu 1 { map owner.page } }
  invariant isolated(a, b)
}`;
    expect(verdictOf(text)).toEqual(["violated", 6, "a and b share owner.page (a: TLB entry on cpu0; b: mapped)"]);
  });
});
