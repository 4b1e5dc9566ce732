// Information flow: labels through read, write, messages, replies and devices; seal and open; the predicates holds, maps and knows.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExprModel } from "../../src/dsl/model.js";
import { evalCond, evalData, knownLabels, readable, regionValue } from "../../src/components/flow.js";
import { OK, open, seal, showValue } from "../../src/components/values.js";
import { ecSet, setVar } from "../../src/kernel/ec.js";
import { EC, MEM } from "../../src/kernel/layout.js";
import { Meter } from "../../src/machine/meter.js";
import { regionLabels } from "../../src/machine/memory.js";
import { access, pte, setPte, tlbEntry } from "../../src/machine/mmu.js";
import { cap, Kind } from "../../src/kernel/cap.js";
import { freeSelector, globalSlot, setSlot } from "../../src/kernel/space.js";
import { Driver } from "./driver.js";

describe("labels follow the data", () => {
  const FLOW = `system flow {
  component sigma0 : trusted root {
    memory a 4K [la]
    memory b 4K [lb]
    memory out 4K
    caps { srv.q: call }
    thread t { read a -> x; read b -> y; call srv.q(x, y, 1) -> z; write out <- z }
  }
  component srv : trusted {
    memory c 4K [lc]
    portal q
    thread serve { recv q -> m; read c -> k; reply k }
  }
}`;
  it("read, call (the union of the arguments' labels), reply (the reply value's labels), write", () => {
    const d = new Driver(FLOW);
    d.step("sigma0.t");
    d.step("sigma0.t");
    expect(d.v("sigma0.t", "x").labels).toBe(d.label("la"));
    expect(d.v("sigma0.t", "y").labels).toBe(d.label("lb"));
    d.step("sigma0.t");
    // The message in the caller's UTCB carries every argument's labels.
    expect(d.utcb(d.ec("sigma0.t")).labels).toBe(d.labels("la", "lb"));
    d.step("srv.serve");
    expect(d.v("srv.serve", "m").labels).toBe(d.labels("la", "lb"));
    d.step("srv.serve");
    d.step("srv.serve");
    d.step("sigma0.t");
    // The reply carries the labels of what was replied, not of the request.
    expect(d.v("sigma0.t", "z").labels).toBe(d.label("lc"));
    d.step("sigma0.t");
    expect(regionLabels(d.s, d.L, d.region("sigma0.out"))).toBe(d.label("lc"));
    // srv learnt la and lb from the message; the client lc from the reply.
    expect(knownLabels(d.s, d.L, d.pd("srv")) & d.labels("la", "lb")).toBe(d.labels("la", "lb"));
    expect(knownLabels(d.s, d.L, d.pd("sigma0")) & d.label("lc")).toBe(d.label("lc"));
  });

  const DEV = (iommu: boolean): string => `system dev {
  machine { device nic { irq 5; mmio 4K; dma; produces [lan] }${iommu ? "; iommu" : ""} }
  component sigma0 : trusted root { memory key 4K [secret] }
  component drv : untrusted { memory ram 4K; device nic }
}`;
  it("a device's MMIO window starts with the labels it produces", () => {
    const d = new Driver(DEV(true));
    const mmio = d.L.boot.deviceMmio[0]!;
    expect(regionLabels(d.s, d.L, mmio)).toBe(d.label("lan"));
    expect(regionValue(d.s, d.L, mmio)).toBe(0);
    // The driver maps it, so it knows lan from the start.
    expect(knownLabels(d.s, d.L, d.pd("drv")) & d.label("lan")).toBe(d.label("lan"));
  });

  it("DMA by an untrusted driver adds the device's produces labels to what it writes; the IOMMU confines it", () => {
    for (const iommu of [true, false]) {
      const d = new Driver(DEV(iommu));
      const dma = d.next().filter((x) => /: DMA by nic writes /.test(x.step.text));
      const targets = new Set(dma.map((x) => x.step.text.replace(/.* to /, "")));
      expect([...targets].sort()).toEqual(iommu ? ["drv.ram", "mmio(nic)"] : ["drv.ram", "mmio(nic)", "sigma0.key"]);
      const ram = d.region("drv.ram");
      for (const x of dma.filter((y) => y.step.text.endsWith(" to drv.ram"))) expect(regionLabels(x.state, d.L, ram) & d.label("lan")).toBe(d.label("lan"));
      if (!iommu) {
        const key = d.region("sigma0.key");
        const plain = dma.find((x) => x.step.text.endsWith("writes 0 to sigma0.key"))!;
        expect(regionLabels(plain.state, d.L, key)).toBe(d.labels("secret", "lan"));
      }
    }
  });

  it("without an IOMMU the driver's knowledge includes what its device can read by DMA", () => {
    // The code counts DMA-readable memory in knows (flow.ts knownLabels).
    const secret = (iommu: boolean): number => {
      const d = new Driver(DEV(iommu));
      return knownLabels(d.s, d.L, d.pd("drv")) & d.label("secret");
    };
    expect(secret(true)).toBe(0);
    expect(secret(false)).not.toBe(0);
  });
});

describe("seal and open", () => {
  it("values: open(seal(x, k), k) = x; a wrong key or an unsealed value opens to 0; nested seals flatten", () => {
    const plain = fc.oneof(fc.integer({ min: 0, max: (1 << 20) - 1 }), fc.constant(OK));
    const key = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(plain, key, key, (x, k, j) => {
        expect(open(seal(x, k), k)).toBe(x);
        if (j !== k) expect(open(seal(x, k), j)).toBe(0);
        expect(open(x, k)).toBe(0);
        expect(seal(seal(x, j), k)).toBe(seal(x, k));
        expect(seal(x, k)).not.toBe(x);
      }),
    );
    expect(showValue(seal(7, 1))).toBe("seal(7, #1)");
    expect(showValue(OK)).toBe("ok");
  });

  it("in a trusted thread: seal gives an unlabelled result, open gives back the labels sealed with its key, and the value round-trips", () => {
    const d = new Driver(`system crypto {
      component sigma0 : trusted root {
        memory sec 4K [secret]
        memory key 4K [k]
        memory other 4K
        memory o1 4K
        memory o2 4K
        memory o3 4K
        thread t {
          write sec <- 9
          read sec -> x
          write o1 <- seal(x, key)
          write o2 <- open(seal(x, key), key)
          write o3 <- open(seal(x, key), other)
        }
      }
    }`);
    d.runThread("sigma0.t");
    const val = (r: string): { value: number; labels: number } => ({ value: regionValue(d.s, d.L, d.region(r)), labels: regionLabels(d.s, d.L, d.region(r)) });
    expect(d.v("sigma0.t", "x")).toEqual({ value: 9, labels: d.label("secret") });
    expect(val("sigma0.o1")).toEqual({ value: seal(9, d.region("sigma0.key")), labels: 0 });
    // The key's own labels ([k]) play no part; what was sealed with it ([secret]) comes back.
    expect(val("sigma0.o2")).toEqual({ value: 9, labels: d.label("secret") });
    // Opened with another key: 0, and nothing was sealed with that one.
    expect(val("sigma0.o3")).toEqual({ value: 0, labels: 0 });
    expect(d.trail[2]!.step.text).toBe(`sigma0.t: write o1 <- seal(x, key): writes seal(9, #${d.region("sigma0.key")})`);
  });

  // Found by the fourth review: the seals of a refused call or reply, or of an exception that
  // kills its thread, were kept, so that opening an unlabelled value sealed later with the same
  // key gave the labels of a plaintext that was never sent.
  it("a statement that sends nothing seals nothing: a refused call, a refused reply, a raise with no handler", () => {
    for (const stmt of ["call other.p(seal(x, key))", "reply seal(x, key)", "raise seal(x, key)"]) {
      const d = new Driver(`system refused {
      component sigma0 : trusted root {
        memory sec 4K [secret]
        memory key 4K
        memory o 4K
        thread t { read sec -> x; ${stmt}; write o <- open(seal(0, key), key) }
      }
      component other : trusted { portal p }
    }`);
      expect(d.L.keepsSealed).toBe(true);
      d.runThread("sigma0.t");
      const last = d.trail.at(-1)!.step.text;
      if (stmt.startsWith("raise")) expect(last).toMatch(/no usable exception handler: the thread dies/);
      else {
        expect(last).toMatch(/write o <- open\(seal\(0, key\), key\): writes 0$/);
        expect(d.trail[1]!.step.text).toMatch(/BAD_CAP/);
        expect(regionLabels(d.s, d.L, d.region("sigma0.o"))).toBe(0);
      }
      expect(d.s.slice(d.L.base.sealed, d.L.base.sealed + d.L.counts.mem).every((w) => w === 0)).toBe(true);
    }
  });

  it("evalData on a labelled variable: seal drops the labels, a variable keeps them", () => {
    const d = new Driver(`system e { component sigma0 : trusted root { memory key 4K; thread t { call sigma0.p(x); recv p -> x } portal p } }`);
    const ec = d.ec("sigma0.t");
    const s = d.s.slice();
    setVar(s, d.L, ec, 0, 5, 0b101);
    const v: ExprModel = { kind: "var", node: 0, slot: 0 };
    expect(evalData(s, d.L, ec, v)).toEqual({ value: 5, labels: 0b101 });
    expect(evalData(s, d.L, ec, { kind: "seal", node: 0, data: v, key: 3 })).toEqual({ value: seal(5, 3), labels: 0 });
    expect(evalData(s, d.L, ec, { kind: "open", node: 0, data: { kind: "seal", node: 0, data: v, key: 3 }, key: 3 })).toEqual({ value: 5, labels: 0 });
    expect(evalData(s, d.L, ec, { kind: "ok", node: 0 })).toEqual({ value: OK, labels: 0 });
    expect(evalData(s, d.L, ec, { kind: "int", node: 0, value: 42 })).toEqual({ value: 42, labels: 0 });
    // == compares values only.
    expect(evalCond(s, d.L, ec, { kind: "eq", node: 0, left: v, right: { kind: "int", node: 0, value: 5 } })).toBe(true);
    expect(evalCond(s, d.L, ec, { kind: "ne", node: 0, left: v, right: { kind: "int", node: 0, value: 5 } })).toBe(false);
    expect(() => evalData(s, d.L, null, v)).toThrow(/outside a thread/);
  });
});

describe("predicates on states", () => {
  const PRED = (faults: string): string => `system pred {
  machine { cpus 2 }
  kernel nova { ${faults} }
  component owner : trusted root {
    memory page 4K [owned]
    thread main { map page -> spy : rw; revoke page }
  }
  component spy : untrusted { }
  component other : trusted { memory m 4K [elsewhere]; thread t { read m -> v } }
  invariant h: always holds(spy, owner.page)
  invariant m: always maps(spy, owner.page)
  invariant k: always knows(spy, owned)
  invariant e: always knows(spy, elsewhere)
}`;
  const cond = (d: Driver, name: string): ExprModel => {
    const inv = d.model.invariants.find((i) => i.name === name)!;
    if (inv.prop.kind !== "always") throw new Error("not an always");
    return inv.prop.cond;
  };
  const preds = (d: Driver, s = d.s): Record<string, boolean> => Object.fromEntries(["h", "m", "k", "e"].map((n) => [n, evalCond(s, d.L, null, cond(d, n))]));

  it("holds and maps follow capabilities and page tables; knows follows readable memory", () => {
    const d = new Driver(PRED(""));
    expect(preds(d)).toEqual({ h: false, m: false, k: false, e: false });
    d.step("owner.main");
    expect(preds(d)).toEqual({ h: true, m: true, k: true, e: false });
    d.step("owner.main");
    expect(preds(d)).toEqual({ h: false, m: false, k: false, e: false });
  });

  it("knows through a stale TLB entry: with stale_tlb the spy still knows after the revoke, though it neither holds nor maps", () => {
    for (const stale of [false, true]) {
      const d = new Driver(PRED(stale ? "fault stale_tlb" : ""));
      const page = d.region("owner.page");
      d.step("owner.main");
      // The spy's adversary on CPU 1 stores to the page: its TLB there caches the entry.
      const store = d.next().filter((x) => x.step.kind === "adversary" && x.step.cpu === 1 && x.step.text.endsWith("write 0 to owner.page"));
      expect(store).toHaveLength(1);
      d.go(store[0]!);
      expect(tlbEntry(d.s, d.L, 1, d.pd("spy"), page)).toBe(3);
      d.step("owner.main");
      expect(pte(d.s, d.L, d.pd("spy"), page)).toBe(0);
      expect(preds(d)).toEqual({ h: false, m: false, k: stale, e: false });
      expect(readable(d.s, d.L, d.pd("spy"), page)).toBe(stale);
    }
  });

  it("knows through a variable or a UTCB message of any of the component's ECs", () => {
    const d = new Driver(PRED(""));
    const other = d.ec("other.t");
    const elsewhere = d.label("elsewhere");
    const knowsOther = (s: Int32Array): boolean => (knownLabels(s, d.L, d.pd("other")) & d.label("owned")) !== 0;
    expect(knowsOther(d.s)).toBe(false);
    const a = d.s.slice();
    setVar(a, d.L, other, 0, 1, d.label("owned"));
    expect(knowsOther(a)).toBe(true);
    const b = d.s.slice();
    ecSet(b, d.L, other, EC.MSG_LABELS, d.label("owned"));
    expect(knowsOther(b)).toBe(true);
    // The spy's adversary EC's UTCB counts for the spy.
    const c = d.s.slice();
    ecSet(c, d.L, d.model.threads.length, EC.MSG_LABELS, elsewhere);
    expect(preds(d, c).e).toBe(true);
  });

  it("a readable page-table entry or a readable TLB entry counts; a write-only one does not", () => {
    const d = new Driver(PRED(""));
    const spy = d.pd("spy");
    const m = d.region("other.m");
    const s = d.s.slice();
    setPte(s, d.L, spy, m, 2);
    expect(preds(d, s).e).toBe(false);
    setPte(s, d.L, spy, m, 1);
    expect(preds(d, s).e).toBe(true);
    // A TLB entry filled by an access, then the page-table entry cleared: the TLB still counts.
    expect(access(s, d.L, 1, spy, m, "r", new Meter())).toBe(true);
    setPte(s, d.L, spy, m, 0);
    expect(preds(d, s).e).toBe(true);
    // Labels are taken from the memory object's label word.
    const t = d.s.slice();
    setPte(t, d.L, spy, m, 1);
    t[d.L.base.mem + m * MEM.SIZE + MEM.LABELS] = 0;
    expect(preds(d, t).e).toBe(false);
  });

  it("predicates over a replicated component hold when they hold of some replica", () => {
    const d = new Driver(`system rep {
      component sigma0 : trusted root { memory page 4K [p] }
      component client[2] : untrusted { }
      invariant h: always holds(client, sigma0.page)
      invariant k: always knows(client, p)
    }`);
    const c = (i: number): ExprModel => {
      const prop = d.model.invariants[i]!.prop;
      if (prop.kind !== "always") throw new Error("not an always");
      return prop.cond;
    };
    const page = d.region("sigma0.page");
    expect([evalCond(d.s, d.L, null, c(0)), evalCond(d.s, d.L, null, c(1))]).toEqual([false, false]);
    // Give the second replica a read capability and mapping: both predicates now hold.
    const s = d.s.slice();
    const second = d.pd("client[1]");
    setSlot(s, d.L, globalSlot(d.L, second, freeSelector(s, d.L, second)), cap(Kind.MEM, page, 1), 0);
    setPte(s, d.L, second, page, 1);
    expect([evalCond(s, d.L, null, c(0)), evalCond(s, d.L, null, c(1))]).toEqual([true, true]);
  });
});
