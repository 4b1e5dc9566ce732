// Kernel objects and state words named in scenario terms: what messages show instead of indices.
import { describe, expect, it } from "vitest";
import { wordName } from "../../src/components/names.js";
import { buildSystem } from "../../src/components/step.js";
import { CPU, EC, PD, SC, SLOT } from "../../src/kernel/layout.js";
import { compile } from "../kernel/harness.js";

describe("wordName", () => {
  it("names every table's words by their object and field, the page tables and TLBs by PD and CPU", () => {
    const model = compile(`system n {
  machine { cpus 2 }
  component server : trusted root { memory a 4K; portal p; thread t { loop { recv p -> x; reply x } } }
  component c[2] : untrusted { caps { server.p: call }; adversary steps 1 }
}`);
    const L = buildSystem(model).k.L;
    const b = L.base;
    expect(wordName(model, L, 0)).toBe("the first failed assert");
    expect(wordName(model, L, b.cpu + CPU.SIZE + CPU.CUR)).toBe("cpu 1: cur");
    expect(wordName(model, L, b.pd + 2 * PD.SIZE + PD.ADV)).toBe("c[1]: adv");
    expect(wordName(model, L, b.ec + EC.WAIT)).toBe("server.t: wait");
    // ECs: the thread, then each replica's adversary EC per CPU.
    expect(wordName(model, L, b.ec + 2 * L.ecSize + EC.STATE)).toBe("c[0][adversary@cpu1]: state");
    expect(wordName(model, L, b.ec + EC.MSG + 1)).toBe("server.t: message word 1");
    expect(wordName(model, L, b.ec + EC.MSG + L.config.msgWords)).toBe("server.t: variable slot 0");
    expect(wordName(model, L, b.sc + 1 * SC.SIZE + SC.PRIO)).toBe("sc:c[0][adversary@cpu0]: prio");
    expect(wordName(model, L, b.slots + (L.slotBase[1]! + 2) * SLOT.SIZE + SLOT.PARENT)).toBe("c[0]'s capability slot 2: parent");
    expect(wordName(model, L, b.pte + 2 * L.pteWords)).toBe("the page table of c[1]");
    expect(wordName(model, L, b.tlb + (1 * L.counts.pd + 2) * L.pteWords)).toBe("the TLB of cpu 1 for c[1]");
  });
});
