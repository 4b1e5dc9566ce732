// never flows([labels] -> sinks): sink components' knowledge, and what sink devices hold (MMIO window, DMA reach).
import { describe, expect, it } from "vitest";
import { knowsSource } from "../../../src/checker/invariants/flows.js";
import { ecSet, varLabels } from "../../../src/kernel/ec.js";
import { EC } from "../../../src/kernel/layout.js";
import { check, verdictOf } from "./run.js";

/** src reads its key and sends it (as written by `send`) to sink's portal; sink's adversary receives once. */
const sending = (send: string, inv = "invariant never flows([secret] -> sink)"): string => `system fl {
  component sigma0 : trusted root { }
  component src : trusted {
    memory key 4K [secret]
    caps { sink.inbox: call }
    thread t { read key -> k; call sink.inbox(${send}) timeout 10 }
  }
  component sink : untrusted { portal inbox; adversary steps 1 }
  ${inv}
}`;

describe("never flows to components", () => {
  it("a message carrying the label reaches the sink's UTCB", () => {
    const { found, r } = check(sending("k"));
    expect(found?.reason).toBe("sink knows [secret]: the message in sink[adversary]'s UTCB carries it");
    expect(found!.state).toBeLessThan(r.states.length);
  });

  it("sealed data carries no label: the flow is declassified", () => {
    expect(check(sending("seal(k, key)")).found).toBeNull();
  });

  it("open gives back what was sealed with the key: trusted code that decrypts for an untrusted caller leaks it", () => {
    // src seals its secret, has an untrusted store keep it, opens what comes back and sends the
    // plaintext to the sink. The store's reply is the sealed value (or anything else it knows);
    // opened with the key, it is the secret again.
    const text = (sent: string, inv = "invariant never flows([secret] -> sink)"): string => `system fl3 {
  component sigma0 : trusted root { }
  component store : untrusted { portal put; adversary steps 2 }
  component sink : untrusted { portal inbox; adversary steps 1 }
  component src : trusted {
    memory data 4K [secret]
    memory key 4K
    memory other 4K
    caps { store.put: call; sink.inbox: call }
    thread t { read data -> d; call store.put(seal(d, key)) -> back; call sink.inbox(${sent}) }
  }
  ${inv}
}`;
    expect(check(text("open(back, key)")).found?.reason).toBe("sink knows [secret]: the message in sink[adversary]'s UTCB carries it");
    // The shortest counterexample: the read, the call, the store receives and replies, the call
    // completes, the second call, the sink receives.
    expect(verdictOf(text("open(back, key)"))).toEqual(["violated", 7, "sink knows [secret]: the message in sink[adversary]'s UTCB carries it"]);
    // Opened with another key, the value is 0 whatever the store sent: nothing sealed with it.
    expect(check(text("open(back, other)")).found).toBeNull();
    // Sealed again with another key, then opened with that one: the plaintext's labels follow.
    expect(check(text("open(seal(back, other), other)")).found?.reason).toBe("sink knows [secret]: the message in sink[adversary]'s UTCB carries it");
  });

  it("a variable of a sink thread, and several labels at once", () => {
    const text = `system fl2 {
  component sigma0 : trusted root { }
  component src : trusted { memory a 4K [la, lb] }
  component sink : trusted { caps { src.a: r } }
  invariant never flows([lb, la] -> sink)
}`;
    // sink maps src.a from boot: it knows both labels already.
    expect(check(text).found).toEqual({ state: 0, reason: "sink knows [la, lb]: it reads src.a, which carries them" });
  });

  it("a replicated sink means its replicas, each named in the reason", () => {
    const text = `system fl3 {
  component sigma0 : trusted root { }
  component src : trusted { memory key 4K [secret] }
  component sink[2] : trusted { caps { src.key: r }; thread t { read src.key -> v } }
  invariant never flows([secret] -> sink)
}`;
    expect(check(text).found).toEqual({ state: 0, reason: "sink[0] knows [secret]: it reads src.key, which carries it" });
  });

  it("a variable carrying the label, with the thread that holds it", () => {
    const text = `system fl4 {
  component sigma0 : trusted root { }
  component src : trusted { memory key 4K [secret]; portal get; thread t { recv get; read key -> k; reply k } }
  component sink : trusted { caps { src.get: call }; thread u { call src.get() -> v } }
  invariant never flows([secret] -> sink)
}`;
    const { sys, r, found } = check(text);
    // The reply lands in the caller's UTCB, before the call completes and binds v.
    expect(found?.reason).toBe("sink knows [secret]: the message in sink.u's UTCB carries it");
    // With the UTCB cleared, the variable is the source.
    const ec = sys.model.threads.findIndex((x) => x.name === "u");
    const s = r.states.find((x) => varLabels(x, sys.k.L, ec, 0) !== 0)!.slice();
    ecSet(s, sys.k.L, ec, EC.MSG_LABELS, 0);
    expect(knowsSource(sys, s, sys.model.threads[ec]!.owner, 1)).toEqual({ labels: 1, where: "sink.u's variable v carries it" });
  });
});

describe("never flows: what a sink can read", () => {
  /** owner maps buf into spy (r), revokes it, and only then writes its secret into buf; spy's adversary (cpu 1) may read buf before the revoke. */
  const late = (kernel: string): string => `system fr {
  machine { cpus 2 }
  ${kernel}
  component sigma0 : trusted root { }
  component owner : trusted {
    memory buf 4K
    memory key 4K [secret]
    caps { spy: ctrl }
    thread main { map buf -> spy : r; revoke buf; read key -> k; write buf <- k }
  }
  component spy : untrusted { adversary steps 2 }
  invariant never flows([secret] -> spy)
}`;
  it("a TLB entry the revoke did not shoot down (stale_tlb) lets the sink read what is written later", () => {
    expect(check(late("")).found).toBeNull();
    expect(check(late("kernel nova { fault stale_tlb }")).found?.reason).toMatch(/a TLB entry on cpu\d still lets it read owner\.buf, which carries it$/);
  });

  it("a component knows what its own DMA device can read", () => {
    const text = `system dd {
  machine { device nic { mmio 4K; dma } }
  component sigma0 : trusted root { }
  component vault : trusted { memory key 4K [secret] }
  component drv : untrusted { device nic; adversary steps 0 }
  invariant never flows([secret] -> drv)
}`;
    expect(check(text).found).toEqual({ state: 0, reason: "drv knows [secret]: its device nic can DMA-read vault.key, which carries it" });
    expect(check(text.replace("dma }", "dma }; iommu")).found).toBeNull();
  });
});

describe("devices as sources", () => {
  // A trusted driver reads its DMA ring and hands what it finds to an untrusted sink.
  const driver = (device: string, sink = "sink"): string => `system dmasrc {
  machine { device nic { ${device} }; iommu }
  component sigma0 : trusted root { memory other 4K [packet] }
  component drv : trusted {
    memory ring 4K
    device nic
    caps { sink.inbox: call }
    thread t { read ring -> p; call sink.inbox(p) timeout 10 }
  }
  component sink : untrusted { portal inbox; adversary steps 1 }
  invariant never flows([packet] -> ${sink})
}`;

  it("a DMA device writes what it produces into memory its IOMMU lets it reach, whatever its driver does", () => {
    // The card writes the ring by DMA (the IOMMU translates through drv's page table, which maps
    // its own ring from boot), drv reads it and calls the sink, the sink receives: 4 steps.
    expect(verdictOf(driver("dma; produces [packet]"))).toEqual(["violated", 4, "sink knows [packet]: the message in sink[adversary]'s UTCB carries it"]);
    const { sys, r } = check(driver("dma; produces [packet]"));
    const dma = r.edges.map((e) => e.step).filter((st) => st.kind === "dma");
    expect(dma.length).toBeGreaterThan(0);
    expect(dma[0]!.text).toBe("device nic writes data from outside, 0 [packet], to drv.ring by DMA");
    expect(dma.every((st) => st.ec === -1 && st.obj === 0)).toBe(true);
    expect(sys.model.machine.devices[0]!.name).toBe("nic");
  });

  it("no DMA step for a device that produces nothing, or that has no DMA", () => {
    expect(check(driver("dma")).found).toBeNull();
    expect(check(driver("mmio 4K; produces [packet]")).r.edges.some((e) => e.step.kind === "dma")).toBe(false);
  });
});

describe("never flows to devices", () => {
  const machine = (m: string, inv: string): string => `system dev {
  machine { ${m} }
  component sigma0 : trusted root { }
  component vault : trusted { memory key 4K [secret] }
  component drv : trusted { memory buf 4K; device nic }
  ${inv}
}`;

  it("a DMA device without an IOMMU holds everything in memory", () => {
    const { found } = check(machine("device nic { mmio 4K; dma }", "invariant never flows([secret] -> nic)"));
    expect(found).toEqual({ state: 0, reason: "nic holds [secret]: it can DMA-read vault.key, which carries it" });
  });

  it("with an IOMMU it holds only what its driver maps", () => {
    expect(check(machine("device nic { mmio 4K; dma }; iommu", "invariant never flows([secret] -> nic)")).found).toBeNull();
  });

  it("a device holds what its MMIO window carries (at boot, what it produces)", () => {
    const { found } = check(machine("device nic { mmio 4K; produces [lan] }", "invariant never flows([lan] -> nic)"));
    expect(found?.reason).toBe("nic holds [lan]: its MMIO window mmio(nic) carries it");
  });
});
