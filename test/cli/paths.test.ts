// `nizza paths` and the paths in `nizza check`'s report: the side-by-side table, budgets and exit codes 0, 1, 2 and 3.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { nizza, scratch } from "./cli.js";

const ROUND_TRIP = (budget: string): string => `system rt {
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; thread serve { loop { recv rpc -> x; reply x } } }
  component client : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> r } }
  path rt: client calls server.rpc -> client gets reply${budget}
}
`;
const STARVED = `system starved {
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; thread serve { loop { recv rpc -> x; reply x } } }
  component client : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> r } }
  component hog : untrusted { caps { server.rpc: call }; adversary steps 1; thread flood { loop { call server.rpc(2) -> y } } }
  path rt: client calls server.rpc -> client gets reply within 100000 cycles
}
`;
// The server receives and never replies: the call starts the path, and nothing ends it.
const NO_REPLY = (budget: string): string => `system noreply {
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; thread serve { recv rpc -> x } }
  component client : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> r } }
  path rt: client calls server.rpc -> client gets reply${budget}
}
`;
// The driver calls the server only when its UART's window holds 7 (spec/language.md §9.5).
const MMIO = `system mmio {
  machine { device uart { irq 4; mmio 4K; produces [serial] } }
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; thread serve { recv rpc -> x; reply x } }
  component drv : trusted {
    device uart
    caps { server.rpc: call }
    thread main { read uart.mmio -> v; if v == 7 { call server.rpc(1) -> r } }
  }
  path rt: drv calls server.rpc -> drv gets reply within 100 cycles
}
`;
const NEVER = `system never {
  component sigma0 : trusted root { portal p }
  component client : trusted { caps { sigma0.p: call } }
  path p: client calls sigma0.p -> client gets reply
}
`;

describe("nizza paths", () => {
  const dir = scratch({
    "rt.nizza": ROUND_TRIP(" within 1000 cycles"),
    "tight.nizza": ROUND_TRIP(" within 500 cycles"),
    "free.nizza": ROUND_TRIP(""),
    "starved.nizza": STARVED,
    "never.nizza": NEVER,
    "noreply.nizza": NO_REPLY(" within 1000 cycles"),
    "noreply-free.nizza": NO_REPLY(""),
    "mmio.nizza": MMIO,
    "broken.nizza": "system x {",
  });

  it("prints every preset side by side with the breakdown, and exits 0 when the budget holds under the first", () => {
    const r = nizza(["paths", join(dir, "rt.nizza"), "--costs", "nova,sel4,l4-486,monolithic"]);
    expect(r.code).toBe(0);
    // Best cases: the hand-computed round trips of test/timing/price.test.ts, and the baseline's system call.
    expect(r.out).toMatch(/nova\s+576\s+630\s+within/);
    expect(r.out).toMatch(/sel4\s+750\s+\S+\s+within/);
    expect(r.out).toMatch(/l4-486\s+520\s+\S+\s+within/);
    expect(r.out).toMatch(/linux-monolithic\s+179\s+179\s+within/);
    expect(r.out).toContain("2 kernelEntry, 2 kernelExit, 2 contextSwitch, 2 asSwitch, 2 tlbFlush, 4 msgWord");
    expect(r.out).toContain("1 kernelEntry, 1 kernelExit, 4 msgWord");
    expect(r.out).toMatch(/10 states, 10 transitions, [\d.]+ s; every reachable state explored/);
  });

  it("uses the scenario's own preset when --costs is not given, and exits 1 when the worst case is over the budget", () => {
    const r = nizza(["paths", join(dir, "tight.nizza")]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nova\s+576\s+630\s+over/);
  });

  it("measures a path without a budget and does not judge it", () => {
    const r = nizza(["paths", join(dir, "free.nizza"), "--costs", "fiasco"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fiasco\s+2,256\s+2,416\s*$/m);
  });

  it("says so when the start event never happens", () => {
    const r = nizza(["paths", join(dir, "never.nizza")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("never happens: no state explored has the start event");
  });

  it("a start that no end ever follows: a budget fails (its end never comes within it), a path without one says so; check agrees", () => {
    const r = nizza(["paths", join(dir, "noreply.nizza")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("never ends: the start event happens, but the end event never follows it (every start waits for ever or times out) (over budget)");
    const free = nizza(["paths", join(dir, "noreply-free.nizza")]);
    expect(free.code).toBe(0);
    expect(free.out).toContain("never ends: the start event happens, but the end event never follows it");
    const c = nizza(["check", join(dir, "noreply.nizza")]);
    expect(c.code).toBe(1);
    expect(c.out).toContain("✗ path rt: client calls server.rpc -> client gets reply  never ends: the start event happens, but the end event never follows it (every start waits for ever or times out), budget 1,000");
    expect(nizza(["check", join(dir, "noreply-free.nizza")]).code).toBe(0);
  });

  it("a start whose end a bound cut off is not said to never end: no end in the states explored, incomplete", () => {
    // Before, `--max-depth 2` printed "never ends" for a round trip that takes 576 cycles.
    for (const cmd of ["paths", "check"]) {
      const r = nizza([cmd, join(dir, "rt.nizza"), "--max-depth", "2"]);
      expect(r.code, cmd).toBe(3);
      expect(r.out, cmd).toContain("no end yet: the start event happens, but no end event follows it in the states explored (a bound stopped the exploration)");
      expect(r.out, cmd).not.toContain("never ends");
    }
  });

  it("explores again with the values that tell apart what threads compare of an MMIO window's data, as check does", () => {
    // Before, it explored with the window at 0 only: "never happens", exit 0, where check exits 1.
    const r = nizza(["paths", join(dir, "mmio.nizza")]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nova\s+576\s+2,430\s+over/);
    expect(r.out).toContain("MMIO windows took data from outside 0, 7");
    const c = nizza(["check", join(dir, "mmio.nizza")]);
    expect(c.code).toBe(1);
    expect(c.out).toContain("best 576 cycles, worst 2,430 cycles (nova), budget 100");
  });

  it("says that a scenario with no path has nothing to time, without figures of an exploration it did not make", () => {
    const d = scratch({ "none.nizza": "system b {\n  component q : trusted root { }\n}\n" });
    const r = nizza(["paths", "none.nizza"], d);
    expect(r.code).toBe(0);
    expect(r.out).toBe("none.nizza: system b\n  (no paths: nothing to time, nothing explored)\n");
  });

  it("exits 3 with the figures of the states explored when a bound cuts the exploration short", () => {
    const r = nizza(["paths", join(dir, "starved.nizza"), "--max-states", "50"]);
    expect(r.code).toBe(3);
    expect(r.out).toContain("incomplete: the state bound was reached, so these are the figures of the states explored");
  });

  it("refuses an unknown preset and a bad bound with exit 2, naming the presets", () => {
    const r = nizza(["paths", join(dir, "rt.nizza"), "--costs", "nova,pentium"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--costs: unknown cost preset 'pentium'");
    expect(r.err).toContain("linux-monolithic-pti");
    expect(nizza(["paths", join(dir, "rt.nizza"), "--max-states", "x"]).code).toBe(2);
  });

  it("reports a scenario error at its source position with exit 2", () => {
    const r = nizza(["paths", join(dir, "broken.nizza")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.nizza:1:\d+: error\[E\d{4}\]/);
  });
});

describe("paths in nizza check", () => {
  const dir = scratch({ "rt.nizza": ROUND_TRIP(" within 1000 cycles"), "tight.nizza": ROUND_TRIP(" within 500 cycles"), "starved.nizza": STARVED });

  it("prints each path's best and worst case with its budget, and exits 0 when every budget holds", () => {
    const r = nizza(["check", join(dir, "rt.nizza")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("✓ path rt: client calls server.rpc -> client gets reply  best 576 cycles, worst 630 cycles (nova), budget 1,000");
  });

  it("exits 1 on a budget exceeded and prints the worst case's trace with the cycles each step adds", () => {
    const r = nizza(["check", join(dir, "tight.nizza")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("✗ path rt:");
    expect(r.out).toContain("worst case of path rt: client calls server.rpc -> client gets reply");
    expect(r.out).toContain("-- the path starts --");
    expect(r.out).toMatch(/\+\d+ cycles/);
    expect(r.out).toContain("why: the worst case takes 630 cycles under nova, over the budget of 500");
  });

  it("fails an unbounded worst case whatever the budget, with the loop that starves the path", () => {
    const r = nizza(["check", join(dir, "starved.nizza")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("worst unbounded (nova), budget 100,000");
    expect(r.out).toContain("-- from here this loop can repeat for ever --");
    expect(r.out).toContain("why: the worst case is unbounded");
  });
});
