// Pricing a step's counts, the canonical IPC composition, and the ratios the literature reports.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Meter, P, PRIMITIVES } from "../../src/machine/meter.js";
import { COST_MODELS, costModel, type CostModel } from "../../src/timing/presets.js";
import { breakdown, countsOf, ipcCounts, nullSyscall, oneWayIpc, price } from "../../src/timing/price.js";

/** A call and its reply between two address spaces: twice the one-way IPC (spec/costs.md §Conventions). */
function roundTrip(m: CostModel): number {
  const tagged = m.taggedTlb;
  return price(
    m,
    countsOf({ kernelEntry: 2, kernelExit: 2, contextSwitch: 2, asSwitch: 2, tlbFlush: tagged ? 0 : 2, msgWord: 4 }),
  );
}

describe("price", () => {
  it("is the sum over primitives of count × cycles, from a Meter's counts", () => {
    const m = COST_MODELS.nova;
    const meter = new Meter();
    meter.add(P.kernelEntry);
    meter.add(P.kernelExit);
    meter.add(P.msgWord, 2);
    meter.add(P.tlbRefill, 3);
    // 27 + 27 + 2 × 1 + 3 × 30
    expect(price(m, meter.raw)).toBe(146);
    meter.reset();
    expect(price(m, meter.raw)).toBe(0);
  });

  it("agrees with its breakdown, for any counts", () => {
    const counts = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: PRIMITIVES.length, maxLength: PRIMITIVES.length });
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(COST_MODELS)), counts, (m, cs) => {
        const b = breakdown(m, cs);
        let sum = 0;
        PRIMITIVES.forEach((p, i) => {
          expect(b[p].count).toBe(cs[i]);
          expect(b[p].cycles).toBe(cs[i]! * m.costs[p].cycles);
          sum += b[p].cycles;
        });
        expect(price(m, cs)).toBe(sum);
      }),
    );
  });

  it("reads a shorter vector as zeros beyond its end", () => {
    expect(price(COST_MODELS["l4-486"], [1, 1])).toBe(123);
    expect(breakdown(COST_MODELS["l4-486"], [1]).kernelExit).toEqual({ count: 0, cycles: 0 });
  });
});

describe("the one-way IPC composition", () => {
  it("counts entry, exit, context switch, address-space switch, the flush unless tagged, and 2 words", () => {
    const m = COST_MODELS["l4-486"];
    expect([...ipcCounts(m)]).toEqual([...countsOf({ kernelEntry: 1, kernelExit: 1, contextSwitch: 1, asSwitch: 1, tlbFlush: 1, msgWord: 2 })]);
    expect(ipcCounts(m, { taggedTlb: true })[P.tlbFlush]).toBe(0);
    expect(ipcCounts(COST_MODELS["linux-monolithic"])[P.tlbFlush]).toBe(0); // PCID: tagged
    expect(ipcCounts(m, { capTransfer: true, msgWords: 5 })[P.capTransfer]).toBe(1);
    expect(ipcCounts(m, { msgWords: 5 })[P.msgWord]).toBe(5);
  });

  it("prices the address-space switch with and without a tagged TLB", () => {
    // l4-486: 260 − tlbFlush 36 = 224; nova: 288 − 50 = 238; sel4: 375 − 46 = 329.
    expect(oneWayIpc(COST_MODELS["l4-486"], { taggedTlb: true })).toBe(224);
    expect(oneWayIpc(COST_MODELS.nova, { taggedTlb: true })).toBe(238);
    expect(oneWayIpc(COST_MODELS.sel4, { taggedTlb: true })).toBe(329);
  });

  it("adds a capability transfer when one moves", () => {
    // sel4: 375 + 233
    expect(oneWayIpc(COST_MODELS.sel4, { capTransfer: true })).toBe(608);
  });
});

describe("the literature's ratio: Mach over L3 on the i486", () => {
  it("is near 20, and within 10 % of Liedtke's measured factor of 22", () => {
    // Reference: 22. Liedtke, "Improving IPC by Kernel Design", SOSP 1993, abstract: "compared
    // to Mach, they range from a factor of 22 (8-byte messages) to 3 (4-Kbyte messages)".
    // That is the measured factor for exactly nizza's default 2-word (8-byte) message. The
    // "twentyfold" of the same abstract compares the *typical* 100 µs of first-generation
    // kernels with L3's rounded 5 µs, not a measurement of Mach; the issue's "near 20" is that
    // figure. The presets give 5,700 / 260 = 114 µs / 5.2 µs = 21.9: 0.4 % from 22, and 9.6 %
    // from 20, inside the 20 ± 10 %.
    const ratio = oneWayIpc(COST_MODELS["mach-486"]) / oneWayIpc(COST_MODELS["l4-486"]);
    expect(ratio).toBeCloseTo(5700 / 260, 10);
    expect(Math.abs(ratio / 22 - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(ratio / 20 - 1)).toBeLessThanOrEqual(0.1);
  });
});

describe("round trips (a call and its reply), by hand", () => {
  // 2 kernelEntry + 2 kernelExit + 2 contextSwitch + 2 asSwitch (+ 2 tlbFlush if untagged) + 4 msgWord.
  it("l4-486: 2×62 + 2×61 + 2×75 + 2×20 + 2×36 + 4×3 = 124 + 122 + 150 + 40 + 72 + 12 = 520 (10.4 µs; Liedtke 1995: a 10 µs RPC)", () => {
    expect(roundTrip(COST_MODELS["l4-486"])).toBe(520);
  });

  it("mach-486: 2×450 + 2×450 + 2×4,508 + 2×100 + 2×180 + 4×6 = 900 + 900 + 9,016 + 200 + 360 + 24 = 11,400 (228 µs)", () => {
    expect(roundTrip(COST_MODELS["mach-486"])).toBe(11400);
  });

  it("nova: 2×27 + 2×27 + 2×147 + 2×35 + 2×50 + 4×1 = 54 + 54 + 294 + 70 + 100 + 4 = 576", () => {
    expect(roundTrip(COST_MODELS.nova)).toBe(576);
  });

  it("sel4: 2×68 + 2×68 + 2×152 + 2×41 + 2×46 + 4×0 = 136 + 136 + 304 + 82 + 92 + 0 = 750 (published call + reply: 375 + 382 = 757)", () => {
    const rt = roundTrip(COST_MODELS.sel4);
    expect(rt).toBe(750);
    expect(Math.abs(rt / 757 - 1)).toBeLessThan(0.01);
  });

  it("fiasco: 2×80 + 2×80 + 2×489 + 2×479 + 2×0 + 4×0 = 160 + 160 + 978 + 958 + 0 + 0 = 2,256", () => {
    expect(roundTrip(COST_MODELS.fiasco)).toBe(2256);
  });

  it("linux-monolithic, between two processes (tagged, no flush): 2×88 + 2×87 + 2×2,000 + 2×100 + 4×1 = 176 + 174 + 4,000 + 200 + 4 = 4,554", () => {
    expect(roundTrip(COST_MODELS["linux-monolithic"])).toBe(4554);
  });

  it("linux-monolithic with PTI, between two processes: 2×188 + 2×187 + 2×2,000 + 2×100 + 4×1 = 376 + 374 + 4,000 + 200 + 4 = 4,954", () => {
    expect(roundTrip(costModel("linux-monolithic", "pti"))).toBe(4954);
  });

  it("the monolithic baseline's service call is one entry and one exit: 88 + 87 = 175, with PTI 188 + 187 = 375", () => {
    expect(nullSyscall(COST_MODELS["linux-monolithic"])).toBe(175);
    expect(nullSyscall(costModel("linux-monolithic", "pti"))).toBe(375);
  });
});
