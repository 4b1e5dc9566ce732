// The cost presets: every preset prices every primitive, with a source, and reproduces its published headline.
import { describe, expect, it } from "vitest";
import { PRIMITIVES } from "../../src/machine/meter.js";
import { PERSONALITIES } from "../../src/kernel/personality.js";
import { COST_MODELS, COST_PRESETS, DEFAULT_PRESET, costModel, isCostPreset, type CostModel } from "../../src/timing/presets.js";
import { headlineCycles, nullSyscall, oneWayIpc } from "../../src/timing/price.js";

/** Every preset and every variant of one. */
const ALL: [string, CostModel][] = Object.values(COST_MODELS).flatMap((m) => [
  [m.name, m] as [string, CostModel],
  ...Object.entries(m.variants).map(([v, vm]) => [`${m.name}/${v}`, vm] as [string, CostModel]),
]);

describe("the preset table", () => {
  it("has a cost model for exactly the names the front end accepts", () => {
    expect(Object.keys(COST_MODELS).sort()).toEqual(Object.keys(COST_PRESETS).sort());
    for (const [name, m] of Object.entries(COST_MODELS)) {
      expect(isCostPreset(name)).toBe(true);
      expect(m.name).toBe(name);
      expect(m.title).toBe(COST_PRESETS[m.name]);
      expect(m.variant).toBeUndefined();
    }
  });

  it("gives every personality a default preset that exists", () => {
    for (const p of Object.keys(PERSONALITIES) as (keyof typeof PERSONALITIES)[]) expect(isCostPreset(DEFAULT_PRESET[p])).toBe(true);
  });

  it("finds variants by name and refuses unknown ones", () => {
    expect(costModel("linux-monolithic")).toBe(COST_MODELS["linux-monolithic"]);
    expect(costModel("linux-monolithic", "pti").variant).toBe("pti");
    expect(() => costModel("nova", "pti")).toThrow(/no variant "pti"/);
  });
});

describe.each(ALL)("%s", (_, m) => {
  it("prices every primitive, with a basis, a source and a note", () => {
    expect(Object.keys(m.costs).sort()).toEqual([...PRIMITIVES].sort());
    PRIMITIVES.forEach((p, i) => {
      const cost = m.costs[p];
      expect(Number.isFinite(cost.cycles) && cost.cycles >= 0, p).toBe(true);
      expect(["published", "derived", "estimated"]).toContain(cost.basis);
      expect(cost.source.trim(), p).not.toBe("");
      expect(cost.note.trim(), p).not.toBe("");
      expect(m.vector[i], p).toBe(cost.cycles);
    });
    expect(m.vector.length).toBe(PRIMITIVES.length);
  });

  it("prices a TLB hit at nothing", () => {
    expect(m.costs.tlbHit.cycles).toBe(0);
  });

  it("names its machine, clock and headline source", () => {
    expect(m.machine.trim()).not.toBe("");
    expect(m.clockMHz).toBeGreaterThan(0);
    expect(m.headline.source.trim()).not.toBe("");
    expect(m.headline.published.trim()).not.toBe("");
  });

  it("reproduces its published headline within the published figure's rounding", () => {
    expect(Math.abs(headlineCycles(m) - m.headline.cycles)).toBeLessThanOrEqual(m.headline.tolerance);
  });
});

describe("the headlines, in the units the sources print", () => {
  // Each line: the composition (spec/costs.md), then the published figure it must meet.
  it("l4-486: 62 + 61 + 75 + 20 + 36 + 2 × 3 = 260 cycles = 5.2 µs at 50 MHz (Liedtke, SOSP 1993)", () => {
    const m = COST_MODELS["l4-486"];
    expect(oneWayIpc(m)).toBe(260);
    expect(oneWayIpc(m) / m.clockMHz).toBeCloseTo(5.2, 2);
  });

  it("mach-486: 450 + 450 + 4,508 + 100 + 180 + 2 × 6 = 5,700 cycles = 114 µs at 50 MHz (Liedtke, SOSP 1993)", () => {
    const m = COST_MODELS["mach-486"];
    expect(oneWayIpc(m)).toBe(5700);
    expect(oneWayIpc(m) / m.clockMHz).toBeCloseTo(114, 2);
  });

  it("nova: 27 + 27 + 147 + 35 + 50 + 2 × 1 = 288 cycles = 108 ns at 2,667 MHz (EuroSys 2010)", () => {
    const m = COST_MODELS.nova;
    expect(oneWayIpc(m)).toBe(288);
    expect(Math.round((oneWayIpc(m) / m.clockMHz) * 1000)).toBe(108);
  });

  it("sel4: 68 + 68 + 152 + 41 + 46 + 0 words = 375 cycles, the IPC call of the 2024-05-23 page", () => {
    expect(oneWayIpc(COST_MODELS.sel4, { msgWords: 0 })).toBe(375);
    expect(oneWayIpc(COST_MODELS.sel4)).toBe(375); // the two default words travel in registers
  });

  it("fiasco: 80 + 80 + 489 + 479 + 0 + 0 words = 1,128 core cycles (L4Re, Xeon Platinum 8352S)", () => {
    expect(oneWayIpc(COST_MODELS.fiasco)).toBe(1128);
  });

  it("linux-monolithic: a no-op system call is 88 + 87 = 175 cycles, 375 with page-table isolation (88 + 100 + 87 + 100)", () => {
    expect(nullSyscall(COST_MODELS["linux-monolithic"])).toBe(175);
    expect(nullSyscall(costModel("linux-monolithic", "pti"))).toBe(375);
    // The measured figure the 175 comes from: 210.45 TSC cycles × 0.83 (the benchmark's erratum).
    expect(Math.round(210.45 * 0.83)).toBe(175);
  });
});
