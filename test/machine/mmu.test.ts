// The MMU (TLB hit, refill, fault; flush on address-space switch; shootdown) and the IOMMU's confinement of DMA.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currentEc, dispatch } from "../../src/machine/cpu.js";
import { assignDevice, dmaAllowed } from "../../src/machine/iommu.js";
import { Meter } from "../../src/machine/meter.js";
import { access, flushTlb, invalidate, pte, setPte, tlbEntry, unmapPage } from "../../src/machine/mmu.js";
import { Kind, Right } from "../../src/kernel/cap.js";
import { enter } from "../../src/kernel/scheduler.js";
import { Status } from "../../src/kernel/status.js";
import { bootText, diff } from "../kernel/harness.js";
import { TWO_CPUS } from "./two-cpus.js";


describe("the access path", () => {
  it("walks the table on a miss and refills the TLB, then hits", () => {
    const r = bootText(TWO_CPUS);
    const [a, m0] = [r.pd("a"), r.region("a.m0")];
    const meter = new Meter();
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(0);
    expect(access(r.s, r.L, 0, a, m0, "r", meter)).toBe(true);
    expect(meter.counts.tlbRefill).toBe(1);
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(7); // the whole entry is cached
    expect(access(r.s, r.L, 0, a, m0, "w", meter)).toBe(true);
    expect(access(r.s, r.L, 0, a, m0, "x", meter)).toBe(true);
    expect([meter.counts.tlbHit, meter.counts.tlbRefill, meter.counts.pageFault]).toEqual([2, 1, 0]);
    // The other CPU's TLB is separate.
    expect(tlbEntry(r.s, r.L, 1, a, m0)).toBe(0);
  });
  it("faults on an unmapped object or a missing right, without touching the TLB", () => {
    const r = bootText(TWO_CPUS);
    const a = r.pd("a");
    const meter = new Meter();
    const before = r.s.slice();
    expect(access(r.s, r.L, 0, a, r.region("b.n0"), "w", meter)).toBe(false); // mapped r only
    expect(access(r.s, r.L, 0, r.pd("b"), r.region("a.m0"), "r", meter)).toBe(false); // not mapped
    expect(meter.counts.pageFault).toBe(2);
    expect(diff(before, r.s)).toEqual([]);
    expect(access(r.s, r.L, 0, a, r.region("b.n0"), "r", meter)).toBe(true);
  });
  it("a cached entry with too few rights is refilled from the table", () => {
    const r = bootText(TWO_CPUS);
    const [a, m0] = [r.pd("a"), r.region("a.m0")];
    const meter = new Meter();
    setPte(r.s, r.L, a, m0, Right.R);
    access(r.s, r.L, 0, a, m0, "r", meter);
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(Right.R);
    setPte(r.s, r.L, a, m0, Right.R | Right.W);
    expect(access(r.s, r.L, 0, a, m0, "w", meter)).toBe(true);
    expect(meter.counts.tlbRefill).toBe(2);
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(Right.R | Right.W);
  });
  it("page-table entries and TLB entries of neighbouring objects are independent (4 bits each)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.nat(11), fc.nat(15)), { maxLength: 30 }), (writes) => {
        const r = bootText(`system many { component sigma0 : trusted root { } component a : trusted { ${Array.from({ length: 10 }, (_, i) => `memory m${i} 4K`).join("; ")} } }`);
        const mems = r.L.counts.mem;
        const want = new Map<string, number>();
        for (let pd = 0; pd < r.L.counts.pd; pd++) for (let m = 0; m < mems; m++) want.set(`${pd}:${m}`, pte(r.s, r.L, pd, m));
        for (const [pd, m0, rights] of writes) {
          const m = m0 % mems;
          setPte(r.s, r.L, pd, m, rights);
          want.set(`${pd}:${m}`, rights);
        }
        for (let pd = 0; pd < r.L.counts.pd; pd++) for (let m = 0; m < mems; m++) expect(pte(r.s, r.L, pd, m)).toBe(want.get(`${pd}:${m}`));
      }),
      { numRuns: 50 },
    );
  });
});

describe("address-space switches", () => {
  it("an untagged TLB is flushed when the CPU switches to an EC of another PD", () => {
    const r = bootText(TWO_CPUS);
    const [at0, at2, bt0] = [r.ec("a.t0"), r.ec("a.t2"), r.ec("b.t0")];
    const [a, m0] = [r.pd("a"), r.region("a.m0")];
    enter(r.k, r.s, at0);
    expect(currentEc(r.s, r.L, 0)).toBe(at0);
    access(r.s, r.L, 0, a, m0, "r", r.k.meter);
    r.k.meter.reset();
    // Same PD: a context switch, no address-space switch, the TLB stays.
    enter(r.k, r.s, at2);
    expect([r.k.meter.counts.contextSwitch, r.k.meter.counts.asSwitch, r.k.meter.counts.tlbFlush]).toEqual([1, 0, 0]);
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(7);
    // Same EC again: nothing at all.
    enter(r.k, r.s, at2);
    expect(r.k.meter.counts.contextSwitch).toBe(1);
    // Another PD: flushed.
    enter(r.k, r.s, bt0);
    expect([r.k.meter.counts.contextSwitch, r.k.meter.counts.asSwitch, r.k.meter.counts.tlbFlush]).toEqual([2, 1, 1]);
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(0);
  });
  it("a flush is per CPU", () => {
    const r = bootText(TWO_CPUS);
    const [a, m0] = [r.pd("a"), r.region("a.m0")];
    access(r.s, r.L, 0, a, m0, "r", r.k.meter);
    access(r.s, r.L, 1, a, m0, "r", r.k.meter);
    dispatch(r.s, r.L, 0, r.ec("b.t0"), r.k.meter);
    expect([tlbEntry(r.s, r.L, 0, a, m0), tlbEntry(r.s, r.L, 1, a, m0)]).toEqual([0, 7]);
  });
  it("a tagged TLB keeps its entries across address-space switches", () => {
    const r = bootText(TWO_CPUS, { taggedTlb: true });
    const [a, m0] = [r.pd("a"), r.region("a.m0")];
    enter(r.k, r.s, r.ec("a.t0"));
    access(r.s, r.L, 0, a, m0, "r", r.k.meter);
    r.k.meter.reset();
    enter(r.k, r.s, r.ec("b.t0"));
    expect([r.k.meter.counts.asSwitch, r.k.meter.counts.tlbFlush]).toEqual([1, 0]);
    enter(r.k, r.s, r.ec("a.t0"));
    expect(tlbEntry(r.s, r.L, 0, a, m0)).toBe(7);
    const meter = new Meter();
    expect(access(r.s, r.L, 0, a, m0, "r", meter)).toBe(true);
    expect(meter.counts.tlbHit).toBe(1);
  });
  it("flushTlb clears one CPU's entries of every PD", () => {
    const r = bootText(TWO_CPUS);
    access(r.s, r.L, 1, r.pd("a"), r.region("a.m1"), "r", r.k.meter);
    access(r.s, r.L, 1, r.pd("b"), r.region("b.n0"), "r", r.k.meter);
    flushTlb(r.s, r.L, 1, r.k.meter);
    expect(tlbEntry(r.s, r.L, 1, r.pd("a"), r.region("a.m1"))).toBe(0);
    expect(tlbEntry(r.s, r.L, 1, r.pd("b"), r.region("b.n0"))).toBe(0);
  });
});

describe("TLB shootdown", () => {
  it("invalidate clears the entry on every CPU, counting a shootdown per remote CPU that had it", () => {
    const r = bootText(TWO_CPUS.replace("cpus 2", "cpus 3"));
    const [a, m0, m1] = [r.pd("a"), r.region("a.m0"), r.region("a.m1")];
    for (const cpu of [0, 1, 2]) access(r.s, r.L, cpu, a, m0, "r", r.k.meter);
    access(r.s, r.L, 1, a, m1, "r", r.k.meter);
    const meter = new Meter();
    invalidate(r.s, r.L, a, m0, 0, meter);
    expect([0, 1, 2].map((c) => tlbEntry(r.s, r.L, c, a, m0))).toEqual([0, 0, 0]);
    expect(meter.counts.shootdown).toBe(2);
    // Other objects' entries stay.
    expect(tlbEntry(r.s, r.L, 1, a, m1)).toBe(7);
  });
  it("stale_tlb: only the local CPU's entry goes, and the others still translate", () => {
    const r = bootText(TWO_CPUS.replace("machine { cpus 2 }", "machine { cpus 2 } kernel nova { fault stale_tlb }"));
    const [a, m0] = [r.pd("a"), r.region("a.m0")];
    access(r.s, r.L, 0, a, m0, "w", r.k.meter);
    access(r.s, r.L, 1, a, m0, "w", r.k.meter);
    const meter = new Meter();
    unmapPage(r.s, r.L, a, m0, 0, meter);
    expect(pte(r.s, r.L, a, m0)).toBe(0);
    expect([tlbEntry(r.s, r.L, 0, a, m0), tlbEntry(r.s, r.L, 1, a, m0)]).toEqual([0, 7]);
    expect(meter.counts.shootdown).toBe(0);
    expect(access(r.s, r.L, 1, a, m0, "w", meter)).toBe(true);
    expect(access(r.s, r.L, 0, a, m0, "w", meter)).toBe(false);
    // An address-space switch on CPU 1 ends the stale entry (untagged TLB).
    dispatch(r.s, r.L, 1, r.ec("a.t1"), meter);
    dispatch(r.s, r.L, 1, r.ec("b.t0"), meter);
    expect(tlbEntry(r.s, r.L, 1, a, m0)).toBe(0);
  });
  it("revoke shoots down remote entries of the revoked mapping; with stale_tlb one survives", () => {
    for (const [faults, left] of [["", 0], ["fault stale_tlb", Right.R]] as const) {
      const r = bootText(TWO_CPUS.replace("component sigma0 : trusted root { }", "component sigma0 : trusted root { thread main { } }").replace("machine { cpus 2 }", `machine { cpus 2 } kernel nova { ${faults} }`));
      const [a, n0] = [r.pd("a"), r.region("b.n0")];
      access(r.s, r.L, 1, a, n0, "r", r.k.meter);
      expect(tlbEntry(r.s, r.L, 1, a, n0)).toBe(Right.R);
      // Root, on CPU 0, revokes its original of b.n0: a's copy (from its caps entry) and its mapping go.
      expect(r.sys(r.ec("sigma0.main"), { op: "revoke", sel: r.sel("sigma0", Kind.MEM, n0) })).toBe(Status.SUCCESS);
      expect(r.sel("a", Kind.MEM, n0)).toBe(-1);
      expect(pte(r.s, r.L, a, n0)).toBe(0);
      expect(tlbEntry(r.s, r.L, 1, a, n0)).toBe(left);
      expect(access(r.s, r.L, 1, a, n0, "r", r.k.meter)).toBe(left !== 0);
    }
  });
});

describe("IOMMU", () => {
  const DMA = (machine: string, faults = "") => `system dma {
    machine { ${machine} }
    kernel nova { ${faults} }
    component sigma0 : trusted root { thread main { } }
    component drv : trusted { memory ring 4K; device nic; caps { other.ro: r } thread t { } }
    component other : trusted { memory secret 4K [s]; memory ro 4K }
  }`;
  const NIC = "device nic { irq 4; mmio 4K; dma }; device plain { irq 5 }";

  it("confines DMA to what the device's PD maps, with the matching right", () => {
    const r = bootText(DMA(`${NIC}; iommu`));
    const nic = r.device("nic");
    expect(dmaAllowed(r.s, r.L, nic, r.region("drv.ring"), true)).toBe(true);
    expect(dmaAllowed(r.s, r.L, nic, r.region("drv.ring"), false)).toBe(true);
    expect(dmaAllowed(r.s, r.L, nic, r.region("other.secret"), false)).toBe(false);
    expect(dmaAllowed(r.s, r.L, nic, r.region("other.secret"), true)).toBe(false);
    expect(dmaAllowed(r.s, r.L, nic, r.region("other.ro"), false)).toBe(true);
    expect(dmaAllowed(r.s, r.L, nic, r.region("other.ro"), true)).toBe(false);
    // The device's own MMIO window is mapped rw into the driver.
    expect(dmaAllowed(r.s, r.L, nic, r.L.boot.deviceMmio[nic]!, true)).toBe(true);
  });
  it("follows the mapping: unmapped memory is refused, newly mapped memory allowed", () => {
    const r = bootText(DMA(`${NIC}; iommu`));
    const nic = r.device("nic");
    const ring = r.region("drv.ring");
    r.sys(r.ec("drv.t"), { op: "unmap", mem: ring });
    expect(dmaAllowed(r.s, r.L, nic, ring, true)).toBe(false);
    const main = r.ec("sigma0.main");
    expect(r.sys(main, { op: "map", mem: r.region("other.secret"), pd: r.sel("sigma0", Kind.PD, r.pd("drv")), rights: Right.W })).toBe(Status.SUCCESS);
    expect(dmaAllowed(r.s, r.L, nic, r.region("other.secret"), true)).toBe(true);
    expect(dmaAllowed(r.s, r.L, nic, r.region("other.secret"), false)).toBe(false);
  });
  it("an unassigned DMA device reaches nothing; a device without DMA never does", () => {
    const r = bootText(DMA(`${NIC}; device spare { dma }; iommu`));
    expect(dmaAllowed(r.s, r.L, r.device("spare"), r.region("drv.ring"), false)).toBe(false);
    assignDevice(r.s, r.L, r.device("spare"), r.pd("other"));
    expect(dmaAllowed(r.s, r.L, r.device("spare"), r.region("other.secret"), false)).toBe(true);
    const q = bootText(DMA(NIC));
    expect(dmaAllowed(q.s, q.L, q.device("plain"), q.region("other.secret"), false)).toBe(false);
  });
  it("without an IOMMU a DMA device reaches all of physical memory", () => {
    const r = bootText(DMA(NIC));
    const nic = r.device("nic");
    for (let m = 0; m < r.L.counts.mem; m++) {
      expect(dmaAllowed(r.s, r.L, nic, m, true)).toBe(true);
      expect(dmaAllowed(r.s, r.L, nic, m, false)).toBe(true);
    }
  });
  it("dma_no_iommu: the IOMMU is there but does not confine", () => {
    const r = bootText(DMA(`${NIC}; iommu`, "fault dma_no_iommu"));
    expect(dmaAllowed(r.s, r.L, r.device("nic"), r.region("other.secret"), true)).toBe(true);
  });
});
