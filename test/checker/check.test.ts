// Checking: verdicts against expectations, shortest counterexamples that replay, asserts and incomplete verdicts.
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { buildSystem } from "../../src/components/step.js";
import { replay } from "../../src/checker/explore.js";
import { compile } from "../kernel/harness.js";
import { safetyMonitor } from "../../src/checker/invariants/index.js";

describe("verdicts, expectations and traces", () => {
  const LEAK = `system leak {
  component sigma0 : trusted root {
    memory secret 4K [pin]
    caps { spy.inbox: call }
    thread t { read secret -> x; call spy.inbox(x) timeout 1 }
  }
  component spy : untrusted { portal inbox; adversary steps 1 }
  invariant never flows([pin] -> spy)
  invariant seen: never flows([pin] -> spy) expect violated
  invariant always not holds(spy, sigma0.secret)
}`;
  it("judges each invariant against its expectation", () => {
    const r = check(compile(LEAK));
    expect(r.invariants.map((i) => [i.text, i.verdict, i.met])).toEqual([
      ["never flows([pin] -> spy)", "violated", false],
      ["never flows([pin] -> spy)", "violated", true],
      ["always not holds(spy, sigma0.secret)", "holds", true],
    ]);
    expect(r.stats.bound).toBeNull();
  });

  it("gives a shortest counterexample, and feeding its steps back reproduces the violating state", () => {
    const m = compile(LEAK);
    const r = check(m);
    const cx = r.invariants[0]!.counterexample!;
    // read, call (the message waits in the spy's portal), the spy's adversary receives it.
    expect(cx.steps.map((s) => s.text)).toEqual([
      "sigma0.t: read secret -> x: x = 0 [pin]",
      "sigma0.t: call spy.inbox(x) timeout 1: blocks",
      "spy[adversary]: recv on spy.inbox",
    ]);
    expect(cx.steps[0]!.at).toMatch(/:5:/);
    const sys = buildSystem(m);
    const xs = replay(sys, cx.steps.map((s) => s.ordinal));
    expect(xs.map((x) => x.step.text)).toEqual(cx.steps.map((s) => s.text));
    // The replayed state violates the invariant, and no state before it does.
    const monitor = safetyMonitor(sys, m.invariants[0]!)!;
    expect(monitor.state!(xs.at(-1)!.state)).toBe(cx.reason);
    for (const s of [sys.init, ...xs.slice(0, -1).map((x) => x.state)]) expect(monitor.state!(s)).toBeNull();
  });

  it("a bound reached before a verdict is incomplete, never a pass", () => {
    const r = check(compile(`system u {
  component sigma0 : trusted root { memory page 4K [owned]; thread main { delegate page -> alice : rw; revoke page } }
  component alice : untrusted { }
  invariant always not holds(alice, sigma0.page) or holds(alice, sigma0.page)
}`), { maxStates: 50 });
    expect(r.stats.bound).toBe("states");
    expect(r.invariants[0]).toMatchObject({ verdict: "incomplete", met: false });
    expect(r.tcbPartial).toBe(true);
  });

  it("failed asserts are judged like an invariant", () => {
    const r = check(compile(`system f { component sigma0 : trusted root { semaphore s; thread t { choose { up s } or { }; assert not holds(sigma0, s) } } }`));
    expect(r.asserts).toMatchObject({ verdict: "violated", met: false });
    expect(r.asserts!.counterexample!.steps.length).toBe(2);
  });
});

describe("a page fault's number is data like a constant (kernel.md §10.3)", () => {
  // drv.ring, a and b are memory objects 0, 1 and 2: the fault on b tells the pager y = 2, an
  // integer no thread writes (and not the 1 data from outside takes as a value equal to no
  // constant). An adversary, and data from outside, must be able to equal it.
  const PAGER = `  component pg : trusted {
    portal pf
    portal req
    caps { drv.ring: r }
    thread t { recv pf -> y; reply ok; REST }
  }
  component drv : trusted {
    memory ring 4K
    memory a 4K
    memory b 4K
    pager pg
    DEVICE
    thread m { unmap b; read b -> z }
  }`;
  const scenario = (rest: string, device: string, extra = "", machine = ""): string =>
    `system fault_data {\n${machine}  component sigma0 : trusted root { }\n${PAGER.replace("REST", rest).replace("DEVICE", device)}\n${extra}}\n`;

  it.each([
    ["an adversary's call", scenario("recv req -> x; assert x != y; reply ok", "", "  component adv : untrusted { caps { pg.req: call } adversary steps 1 }\n")],
    ["a device's DMA", scenario("read drv.ring -> x; assert x != y", "device nic", "", "  machine { device nic { dma; produces [lan] }; iommu }\n")],
  ])("%s can send the faulting memory object's number: the pager's assert fails", (_, text) => {
    const r = check(compile(text));
    expect(r.asserts!.verdict).toBe("violated");
  });
});

describe("predicates on a replicated component's objects in threads (language.md §6.6)", () => {
  it("maps(C, group.region) compiles, as holds does, and is true when some replica's region is mapped", () => {
    const text = `system r2 {
  component sigma0 : trusted root { thread t { if maps(sigma0, worker.key) { } else { } } }
  component worker[3] : trusted { memory key 4K; caps { sigma0: ctrl } thread w { map key -> sigma0 } }
  component obs : trusted { thread o { assert not maps(sigma0, worker.key) } }
}`;
    const r = check(compile(text));
    expect(r.asserts!.verdict).toBe("violated");
    expect(r.asserts!.counterexample!.steps).toHaveLength(2);
  });
});
