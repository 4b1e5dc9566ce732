// revocable(c.r): at every completed revoke of a capability to r, nothing derived from it is left — capabilities, mappings, TLB entries.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { safetyMonitor } from "../../../src/checker/invariants/index.js";
import { successors, type Successor } from "../../../src/components/step.js";
import { EC } from "../../../src/kernel/layout.js";
import { Driver } from "../../components/driver.js";
import { completions } from "../../../src/checker/invariants/revocable.js";
import { Kind } from "../../../src/kernel/cap.js";
import { reach } from "../../components/reach.js";
import { check, system, verdictOf } from "./run.js";

/**
 * owner delegates page to alice and revokes it; alice's thread passes it on to bob
 * (it may run before or after either step of owner's). `kernel` is the kernel line.
 */
const chain = (kernel: string): string => `system rv {
  ${kernel}
  component owner : trusted root {
    memory page 4K [owned]
    thread main { delegate page -> alice : rw; revoke page }
  }
  component alice : trusted { caps { bob: ctrl }; thread fwd { delegate owner.page -> bob : r } }
  component bob : trusted { }
  invariant revocable(owner.page)
}`;

describe("revocable: capabilities", () => {
  it("holds with a recursive revoke, atomic or preemptible", () => {
    expect(check(chain("kernel nova")).found).toBeNull();
    expect(check(chain("kernel nova { preemptible revoke }")).found).toBeNull();
  });

  it("revoke_nonrecursive leaves bob's grandchild behind, cut loose from the tree", () => {
    const reason = "after owner.main's revoke of owner.page completed, bob still holds a capability to it whose derivation was cut (no revoke reaches it)";
    expect(check(chain("kernel nova { fault revoke_nonrecursive }")).found?.reason).toBe(reason);
    expect(check(chain("kernel nova { preemptible revoke; fault revoke_nonrecursive }")).found?.reason).toBe(reason);
  });

  it("revoke_race misses a child delegated after the snapshot", () => {
    const { found } = check(chain("kernel nova { preemptible revoke; fault revoke_race }"));
    // The snapshot held alice's child only; removing it orphaned bob's (kernel.md §6.4).
    expect(found?.reason).toBe("after owner.main's revoke of owner.page completed, bob still holds a capability to it whose derivation was cut (no revoke reaches it)");
  });

  it("revoke_race misses a child delegated from the revoked capability itself after the snapshot: it is left derived from it", () => {
    const text = (faults: string): string => `system rr {
  machine { cpus 2 }
  kernel nova { preemptible revoke${faults} }
  component owner : trusted root {
    memory page 4K [owned]
    caps { alice: ctrl; carol: ctrl }
    thread main { delegate page -> alice : rw; revoke page }
    thread late cpu 1 { delegate page -> carol : r }
  }
  component alice : trusted { }
  component carol : trusted { }
  invariant revocable(owner.page)
}`;
    expect(check(text("")).found).toBeNull();
    expect(verdictOf(text("; fault revoke_race"))).toEqual([
      "violated",
      5,
      "after owner.main's revoke of owner.page completed, carol still holds a capability to it derived from the revoked one",
    ]);
  });

  it("only revokes of r count", () => {
    const text = chain("kernel nova { fault revoke_nonrecursive }").replace("memory page 4K [owned]", "memory page 4K [owned]\n    memory other 4K").replace("revocable(owner.page)", "revocable(owner.other)");
    expect(check(text).found).toBeNull();
  });
});

/**
 * owner delegates page to alice (rw); alice, on cpu 1, maps it and reads it (filling
 * cpu 1's TLB); owner revokes on cpu 0.
 */
const mapped = (faults: string): string => `system tl {
  machine { cpus 2 }
  kernel nova { ${faults} }
  component owner : trusted root {
    memory page 4K
    thread main { delegate page -> alice : rw; revoke page }
  }
  component alice : trusted { thread use cpu 1 { map owner.page; read owner.page -> x } }
  invariant revocable(owner.page)
}`;

describe("revocable: mappings and TLB entries", () => {
  it("the mapping and the TLB entry go with the capability", () => {
    expect(check(mapped("")).found).toBeNull();
  });

  it("stale_tlb: the TLB entry on the other CPU survives the revoke", () => {
    expect(check(mapped("fault stale_tlb")).found?.reason).toBe("after owner.main's revoke of owner.page completed, a TLB entry on cpu1 still gives alice rw access to it");
  });

  it("a mapping no capability backs (map_unowned) survives every revoke", () => {
    const text = `system mu {
  kernel nova { fault map_unowned }
  component owner : trusted root { memory page 4K; thread main { revoke page } }
  component eve : trusted { thread t { map owner.page : r } }
  invariant revocable(owner.page)
}`;
    expect(check(text).found?.reason).toBe("after owner.main's revoke of owner.page completed, eve's page table still maps it r with no capability left to back that");
  });

  // A revoke of a capability with no descendant is complete in the system call itself
  // (kernel.md §6.4), preemptible or not: it leaves no continuation whose end could mark it.
  // Once, with preemptible revoke, such a revoke was never judged, and both scenarios held.
  const unbacked = (kernel: string, revoker: string): string => `system mu {
  kernel nova { ${kernel} }
  component sigma0 : trusted root { }
  component owner : trusted { memory page 4K [owned]; ${revoker === "thread" ? "thread main { revoke page }" : ""} }
  ${revoker === "adversary" ? "component holder : untrusted { caps { owner.page: r } adversary steps 1 }" : ""}
  component spy : untrusted { adversary steps 1 }
  invariant revocable(owner.page)
}`;
  it.each([
    ["a thread's", "thread", "owner.main"],
    ["an adversary's", "adversary", "holder[adversary]"],
  ])("%s revoke with nothing to remove completes in its own step, preemptible or not: the mapping no capability backs is found after it", (_, revoker, who) => {
    for (const kernel of ["fault map_unowned", "preemptible revoke; fault map_unowned"]) {
      const [verdict, length, reason] = verdictOf(unbacked(kernel, revoker));
      expect([kernel, verdict, length]).toEqual([kernel, "violated", 2]);
      expect(reason).toBe(`after ${who}'s revoke of owner.page completed, spy's page table still maps it rw with no capability left to back that`);
    }
  });
});

describe("revoke completions on the step record", () => {
  it("a thread's atomic revoke, a continuation's end, and an adversary's revoke carry `revoked`", () => {
    const s = system(chain("kernel nova"));
    const revokes = reach(s).edges.filter((e) => e.step.revoked);
    expect(revokes.length).toBeGreaterThan(0);
    for (const e of revokes) {
      expect(e.step.text).toBe("owner.main: revoke page");
      expect(e.step.revoked).toMatchObject({ kind: Kind.MEM, object: 0 });
    }
    const p = system(chain("kernel nova { preemptible revoke }"));
    const ends = reach(p).edges.filter((e) => e.step.revoked);
    expect(new Set(ends.map((e) => e.step.text))).toEqual(new Set(["owner.main: revoke continues and completes"]));
    const adv = system(`system ad {
  component sigma0 : trusted root { }
  component eve : untrusted { memory ram 4K; adversary steps 1 }
}`);
    const steps = successors(adv, adv.init).filter((x) => x.step.revoked);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((x) => /^eve\[adversary\]: revoke /.test(x.step.text))).toBe(true);
  });

  it("a preemptible revoke that ends because an ancestor's revoke removed its slot is a completion too", () => {
    const text = `system fs {
  machine { cpus 2 }
  kernel nova { preemptible revoke }
  component owner : trusted root { memory page 4K; thread main { delegate page -> alice : rw; revoke page } }
  component alice : trusted { caps { bob: ctrl }; thread fwd cpu 1 { delegate owner.page -> bob : r; revoke owner.page } }
  component bob : trusted { }
  invariant revocable(owner.page)
}`;
    const { sys, r, found } = check(text);
    expect(found).toBeNull();
    const L = sys.k.L;
    const alice = sys.model.threads.findIndex((x) => x.name === "fwd");
    const cut = r.edges.filter((e) => completions(L, r.states[e.from]!, e.step, r.states[e.to]!).some((c) => c.ec === alice && e.step.ec !== alice));
    expect(cut.length).toBeGreaterThan(0);
    for (const e of cut) expect(e.step.text).toMatch(/^owner\.main: revoke continues/);
  });

  it("an adversary's revoke of a capability to r is judged too", () => {
    // alice passes the page on to bob and revokes it again herself; with the bug, carol keeps bob's child.
    const text = `system ar {
  kernel nova { fault revoke_nonrecursive }
  component owner : trusted root { memory page 4K; caps { alice: ctrl; bob: ctrl; carol: ctrl }; thread main { delegate page -> alice : rw } }
  component alice : untrusted { caps { bob: ctrl }; adversary steps 2 }
  component bob : trusted { caps { carol: ctrl }; thread t { delegate owner.page -> carol : r } }
  component carol : trusted { }
  invariant revocable(owner.page)
}`;
    expect(check(text).found?.reason).toMatch(/^after alice\[adversary\]'s revoke of owner\.page completed, carol still holds a capability to it whose derivation was cut/);
  });
});

describe("the shipped revoke_race scenarios, along the shortest counterexample", () => {
  /** owner delegates page to alice; alice's adversary delegates it into her own PD; owner revokes (two continuations). */
  function walk(file: string): (string | null)[] {
    const d = new Driver(readFileSync(file, "utf8"), {}, file);
    const m = safetyMonitor(d.sys, d.model.invariants.find((i) => i.prop.kind === "revocable")!)!;
    const verdicts: (string | null)[] = [];
    const go = (x: Successor): void => {
      const from = d.s;
      d.go(x);
      verdicts.push(m.step!(from, x.step, x.state));
    };
    go(d.step("owner.main"));
    go(d.next().find((x) => x.step.text === "alice[adversary@cpu0]: delegate owner.page -> alice")!);
    go(d.step("owner.main"));
    for (let i = 0; i < 5 && d.get("owner.main", EC.REVOKE) >= 0; i++) go(d.next().find((x) => x.step.kind === "revoke")!);
    expect(d.get("owner.main", EC.REVOKE)).toBe(-1);
    return verdicts;
  }

  it("revoke_race_buggy (revoke_nonrecursive) violates revocable(owner.page)", () => {
    const v = walk("scenarios/revoke_race_buggy.nizza");
    expect(v.slice(0, -1).every((x) => x === null)).toBe(true);
    expect(v.at(-1)).toBe("after owner.main's revoke of owner.page completed, alice still holds a capability to it whose derivation was cut (no revoke reaches it)");
  });

  it("revoke_race satisfies it on the same path", () => {
    expect(walk("scenarios/revoke_race.nizza").every((x) => x === null)).toBe(true);
  });
});

describe("revocable: what is left on any CPU, and rights beyond those still backed", () => {
  it("a stale TLB entry on the first CPU", () => {
    const text = `system r3 {
  machine { cpus 2 }
  kernel nova { fault stale_tlb }
  component owner : trusted root { memory page 4K; thread main cpu 1 { delegate page -> alice : rw; revoke page } }
  component alice : trusted { thread use cpu 0 { map owner.page; read owner.page -> x } }
  invariant revocable(owner.page)
}`;
    expect(verdictOf(text)).toEqual(["violated", 4, "after owner.main's revoke of owner.page completed, a TLB entry on cpu0 still gives alice rw access to it"]);
  });

  it("a mapping with more rights than the capabilities its PD still holds", () => {
    // eve holds page read-only and maps it rw (the map_unowned fault lets it). When alice's
    // revoke of page completes, eve's read capability backs the mapping's r, not its w.
    const text = `system r7 {
  kernel nova { fault map_unowned }
  component owner : trusted root {
    memory page 4K
    semaphore given
    semaphore mapped
    thread main { delegate page -> alice : rw; delegate page -> eve : r; up given }
  }
  component alice : trusted { caps { owner.mapped: down }; thread t { down owner.mapped; revoke owner.page } }
  component eve : trusted { caps { owner.given: down; owner.mapped: up }; thread u { down owner.given; map owner.page : rw; up owner.mapped } }
  invariant revocable(owner.page)
}`;
    expect(verdictOf(text)).toEqual(["violated", 8, "after alice.t's revoke of owner.page completed, eve's page table still maps it w with no capability left to back that"]);
  });
});
