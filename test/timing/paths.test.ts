// Path timing end to end: round trips, page faults, starvation, budgets, traces and replica correlation, against figures worked out by hand from spec/costs.md.
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/check.js";
import { replay } from "../../src/checker/explore.js";
import { exitOf } from "../../src/cli/commands/check.js";
import { buildSystem, successors, type Successor } from "../../src/components/step.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { dispatchCounts, EventMatcher } from "../../src/timing/events.js";
import { timedGraph } from "../../src/timing/graph.js";
import type { PathCase, PathResult, UnboundedCase } from "../../src/timing/measure.js";
import { timePath } from "../../src/timing/paths.js";
import { COST_MODELS, type CostPreset } from "../../src/timing/presets.js";
import { price } from "../../src/timing/price.js";
import { compile } from "../kernel/harness.js";
import { fixture, measured, nonZero, PRESETS, replaySystem } from "./helpers.js";

/*
 * Prices used below (spec/costs.md, cycles per primitive):
 *
 *   preset               entry exit  ctxSw  asSw flush msgWord capTransfer pageFault irq
 *   l4-486                 62   61     75    20    36      3        40          60    200
 *   mach-486              450  450  4,508   100   180      6       500       1,500  1,100
 *   nova                   27   27    147    35    50      1       100         200    600
 *   sel4                   68   68    152    41    46      0       233         145  1,083
 *   fiasco                 80   80    489   479     0      0       150         300    800
 *   linux-monolithic       88   87  2,000   100    46      1       100       1,000  1,000
 *   linux-monolithic-pti  188  187  2,000   100    46      1       100       1,200  1,200
 *
 * A round trip on a microkernel (a call and its reply between two address spaces, untagged TLB):
 * 2 entries, 2 exits, 2 context switches, 2 address-space switches, 2 flushes, 4 message words.
 */
const ROUND_TRIP: Record<CostPreset, number> = {
  "l4-486": 520, //        2×62 + 2×61 + 2×75 + 2×20 + 2×36 + 4×3 = 124 + 122 + 150 + 40 + 72 + 12
  "mach-486": 11_400, //   2×450 + 2×450 + 2×4,508 + 2×100 + 2×180 + 4×6 = 900 + 900 + 9,016 + 200 + 360 + 24
  nova: 576, //            2×27 + 2×27 + 2×147 + 2×35 + 2×50 + 4×1 = 54 + 54 + 294 + 70 + 100 + 4
  sel4: 750, //            2×68 + 2×68 + 2×152 + 2×41 + 2×46 + 4×0 = 136 + 136 + 304 + 82 + 92
  fiasco: 2_256, //        2×80 + 2×80 + 2×489 + 2×479 + 2×0 + 4×0 = 160 + 160 + 978 + 958
  // The monolithic baseline: the server is kernel code, so the call is one system call: 1 entry,
  // 1 exit, no switch; the 4 message words are the copies to and from user memory.
  "linux-monolithic": 179, //     88 + 87 + 4×1
  "linux-monolithic-pti": 379, // 188 + 187 + 4×1
};

/**
 * The worst round trip: the client calls before the server waits in `recv`, so the call blocks
 * (its own kernel entry and exit, no message copied yet) and the server's `recv` is a system call
 * of its own that then takes the message (another entry and exit). When the server waits first,
 * the call hands the message over in the same system call. The worst case is therefore the best
 * plus one kernel entry and one exit on a microkernel; on the baseline the server's recv runs in
 * the kernel and costs no crossing, so worst = best.
 */
const ROUND_TRIP_WORST: Record<CostPreset, number> = {
  "l4-486": 643, //     520 + 62 + 61
  "mach-486": 12_300, // 11,400 + 450 + 450
  nova: 630, //         576 + 27 + 27
  sel4: 886, //         750 + 68 + 68
  fiasco: 2_416, //     2,256 + 80 + 80
  "linux-monolithic": 179,
  "linux-monolithic-pti": 379,
};

/**
 * A page fault served by the pager: the fault is delivered as IPC to the pager (as a call), the
 * pager's reply maps the page (one capability transfer) and resumes the thread. The round trip's
 * counts plus 1 pageFault and 1 capTransfer.
 */
const PAGE_FAULT: Record<CostPreset, number> = {
  "l4-486": 620, //     520 + 60 + 40
  "mach-486": 13_400, // 11,400 + 1,500 + 500
  nova: 876, //         576 + 200 + 100
  sel4: 1_128, //       750 + 145 + 233
  fiasco: 2_706, //     2,256 + 300 + 150
  "linux-monolithic": 1_279, //     179 + 1,000 + 100
  "linux-monolithic-pti": 1_679, // 379 + 1,200 + 100
};

const MONOLITHIC = new Set<CostPreset>(["linux-monolithic", "linux-monolithic-pti"]);

/** The one timing of path `name` under `preset`. */
function timing(r: readonly PathResult[], name: string, preset: CostPreset) {
  const t = r.find((p) => p.name === name)!.timings.find((x) => x.preset === preset);
  if (!t) throw new Error(`no timing of ${name} under ${preset}`);
  return t;
}

function bounded(c: PathCase | UnboundedCase | null): PathCase {
  if (!c || "unbounded" in c) throw new Error(`expected a bounded case, got ${c ? "an unbounded one" : "none"}`);
  return c;
}

const rt = measured("round_trip", PRESETS);

describe("a client → server → client round trip", () => {
  it.each(PRESETS)("costs the hand-computed best case under %s", (preset) => {
    const best = bounded(timing(rt.paths, "rt", preset).best);
    expect(best.cycles).toBe(ROUND_TRIP[preset]);
  });

  it.each(PRESETS)("breaks down into 4 entries/exits and 2 switches (microkernel) or 1 + 1 and none (baseline) under %s", (preset) => {
    const best = bounded(timing(rt.paths, "rt", preset).best);
    if (MONOLITHIC.has(preset)) {
      expect(nonZero(best.counts)).toEqual({ kernelEntry: 1, kernelExit: 1, msgWord: 4 });
    } else {
      expect(nonZero(best.counts)).toEqual({ kernelEntry: 2, kernelExit: 2, contextSwitch: 2, asSwitch: 2, tlbFlush: 2, msgWord: 4 });
    }
    // The breakdown prices to the figure.
    expect(price(COST_MODELS[preset], Object.values(best.counts))).toBe(best.cycles);
  });

  it.each(PRESETS)("has a worst case that adds the server's separate recv system call under %s", (preset) => {
    const t = timing(rt.paths, "rt", preset);
    const worst = bounded(t.worst);
    expect(worst.cycles).toBe(ROUND_TRIP_WORST[preset]);
    if (!MONOLITHIC.has(preset)) {
      expect(nonZero(worst.counts)).toEqual({ kernelEntry: 3, kernelExit: 3, contextSwitch: 2, asSwitch: 2, tlbFlush: 2, msgWord: 4 });
      // The worst case's trace: the client's call blocks, then the server's recv takes the message.
      const measured = worst.trace.steps.filter((s) => s.cycles !== null).map((s) => s.text);
      expect(measured).toEqual(["client.main: call server.rpc(1) -> r: blocks", "server.serve: recv rpc -> x: x = 1", "server.serve: reply x: sends 1"]);
    }
  });

  it("prices every preset on one complete exploration", () => {
    expect(rt.bound).toBeNull();
    expect(rt.paths.map((p) => p.timings.map((t) => t.preset))).toEqual([PRESETS, PRESETS, PRESETS]);
  });

  it("times a call to its delivery: the call hands the message to a waiting server in one step", () => {
    // client calls → server receives, l4-486. Best: the server waits; the call step (62 + 61 +
    // 2×3 = 129 once the client's own dispatch is left out) delivers, and the server's dispatch
    // (75 + 20 + 36 = 131) is owed: 260 = one one-way IPC. Worst: the call blocks (123), the
    // server's recv takes it (62 + 61 + 75 + 20 + 36 + 2×3 = 260): 383.
    const t = timing(rt.paths, "arrive", "l4-486");
    expect(bounded(t.best).cycles).toBe(260);
    expect(bounded(t.worst).cycles).toBe(383);
    // The baseline: the call is the system call (88 + 87 + 2×1 = 177); the service needs no switch.
    const m = timing(rt.paths, "arrive", "linux-monolithic");
    expect([bounded(m.best).cycles, bounded(m.worst).cycles]).toEqual([177, 177]);
  });
});

describe("a start event in another EC's step", () => {
  // server receives rpc -> client gets reply, l4-486. The caller first: the server's own recv
  // step starts it (62 + 61 + 2×3 = 129, its own dispatch 131 left out), then the reply (129 +
  // the client's dispatch 131 = 260): 389.
  it("is measured from the server's own recv when the caller came first", () => {
    expect(bounded(timing(rt.paths, "serve", "l4-486").best).cycles).toBe(389);
  });

  // The start edge does not count the dispatch of its actor, whoever the event's subject
  // (spec/costs.md §Paths): with the server waiting first, `server receives rpc` happens in the
  // client's call step, whose switch to the client (75 + 20 + 36 = 131) came before anything was
  // received. 129 (the call less the client's dispatch) + 131 (the server switched in, completing
  // its recv) + 260 (the reply, with the client's dispatch owed) = 520.
  it("leaves out the start step's actor's dispatch when the subject is another EC", () => {
    expect(bounded(timing(rt.paths, "serve", "l4-486").worst).cycles).toBe(520);
  });
});

describe("an interrupt delivered to its driver", () => {
  const irq = measured("interrupt", ["l4-486", "nova"]);

  it("costs the interrupt alone when the driver waits and is still current", () => {
    // The interrupt's own price (it includes its kernel entry and exit): l4-486 200, nova 600.
    expect(bounded(timing(irq.paths, "irq", "l4-486").best).cycles).toBe(200);
    expect(bounded(timing(irq.paths, "irq", "nova").best).cycles).toBe(600);
  });

  it("has another thread and the driver's own down in its worst case", () => {
    // The interrupt is pending; app.main runs (its up: 62 + 61 + 75 + 20 + 36 = 254 on l4-486),
    // then the driver's down takes the interrupt (the same 254: entry, exit, switch in):
    // 200 + 254 + 254 = 708. nova: 600 + 2 × (27 + 27 + 147 + 35 + 50) = 600 + 2 × 286 = 1,172.
    const l4 = bounded(timing(irq.paths, "irq", "l4-486").worst);
    expect(l4.cycles).toBe(708);
    expect(l4.trace.steps.filter((s) => s.cycles !== null).map((s) => s.text)).toEqual(["device nic raises IRQ 10", "app.main: up s", "driver.isr: down nic.irq"]);
    expect(bounded(timing(irq.paths, "irq", "nova").worst).cycles).toBe(1172);
  });
});

describe("a page fault served by the pager", () => {
  const pf = measured("page_fault", PRESETS);

  it.each(PRESETS)("costs the hand-computed best case under %s", (preset) => {
    const best = bounded(timing(pf.paths, "fault", preset).best);
    expect(best.cycles).toBe(PAGE_FAULT[preset]);
    if (MONOLITHIC.has(preset)) expect(nonZero(best.counts)).toEqual({ kernelEntry: 1, kernelExit: 1, msgWord: 4, capTransfer: 1, pageFault: 1 });
    else expect(nonZero(best.counts)).toEqual({ kernelEntry: 2, kernelExit: 2, contextSwitch: 2, asSwitch: 2, tlbFlush: 2, msgWord: 4, capTransfer: 1, pageFault: 1 });
  });

  it("measures fault → pager → map → resume, ending at the reply that resumes the thread", () => {
    const best = bounded(timing(pf.paths, "fault", "l4-486").best);
    const measured = best.trace.steps.filter((s) => s.cycles !== null);
    expect(measured.map((s) => s.text)).toEqual([
      "app.main: write sigma0.pool <- 1: page fault (sent to the pager)",
      "sigma0.pager: recv pf -> f completes: f = 0",
      "sigma0.pager: reply ok with pool : rw: sends ok",
    ]);
    // Fault step: 62 + 61 + 2×3 + 60 = 189 (the app's own dispatch left out); the pager's switch
    // in: 75 + 20 + 36 = 131; the reply: 62 + 61 + 2×3 + 40 = 169, plus the switch back to the
    // app, owed: 131 → 300.
    expect(measured.map((s) => s.cycles)).toEqual([189, 131, 300]);
  });

  it("reaches the pager's receive, and is no reply to a call", () => {
    // app faults → sigma0 receives pf, l4-486: 189 + the pager's dispatch 131 = 320 when it waits;
    // 62 + 61 + 60 = 183 for the fault, then the pager's recv 62 + 61 + 131 + 2×3 = 260: 443.
    const t = timing(pf.paths, "served", "l4-486");
    expect([bounded(t.best).cycles, bounded(t.worst).cycles]).toEqual([320, 443]);
    // A resumed fault is not a `gets reply`: that path never ends.
    const wrong = pf.paths.find((p) => p.name === "not_a_reply")!;
    expect(wrong.observed).toBe(true);
    expect(wrong.timings.every((x) => x.best === null && x.worst === null)).toBe(true);
  });

  it("times an exception like a fault: raise → handler → reply → resume", () => {
    // No pageFault and no capTransfer: the round trip's 520 on l4-486 (worst 643, as above).
    const ex = measured("exception", ["l4-486"]);
    const t = timing(ex.paths, "exc", "l4-486");
    expect([bounded(t.best).cycles, bounded(t.worst).cycles]).toEqual([520, 643]);
    expect(ex.paths.find((p) => p.name === "not_a_reply")!.timings[0]!.best).toBeNull();
  });
});

describe("an untrusted caller that can loop", () => {
  const busy = measured("busy", ["l4-486", "linux-monolithic"]);

  it("makes the worst case unbounded, with the loop in its trace", () => {
    const path = busy.paths[0]!;
    for (const t of path.timings) {
      const worst = t.worst!;
      expect("unbounded" in worst).toBe(true);
      const { steps, loopsTo } = worst.trace;
      expect(loopsTo).not.toBeNull();
      // The loop is the hog's calls and the server's recv and reply, every one of them measured.
      const loop = steps.slice(loopsTo!);
      expect(loop.length).toBeGreaterThan(0);
      for (const s of loop) expect(s.text).toMatch(/^(mal\.hog: call server\.rpc\(2\) -> y|server\.serve: (recv rpc -> x|reply x))/);
      expect(loop.some((s) => s.text.startsWith("mal.hog: call"))).toBe(true);
      expect(loop.some((s) => s.text.startsWith("server.serve: recv"))).toBe(true);
      expect(loop.some((s) => s.text.startsWith("server.serve: reply"))).toBe(true);
      expect(loop.every((s) => s.cycles !== null)).toBe(true);
      // The loop costs cycles (otherwise it could repeat for free and bound nothing).
      expect(loop.reduce((a, s) => a + s.cycles!, 0)).toBeGreaterThan(0);
      // The measurement starts at the client's call, before the loop.
      const first = steps.findIndex((s) => s.cycles !== null);
      expect(steps[first]!.text).toMatch(/^client\.main: call server\.rpc\(1\)/);
      expect(first).toBeLessThan(loopsTo!);
    }
    // The best case is still the plain round trip.
    expect(bounded(path.timings[0]!.best).cycles).toBe(ROUND_TRIP["l4-486"]);
  });

  it("fails its budget whatever the budget", () => {
    expect(busy.paths[0]!.verdict).toBe("violated");
    expect(busy.paths[0]!.reason).toMatch(/unbounded/);
  });

  it("is bounded again when the caller is an adversary limited to 2 steps", () => {
    const r = measured("busy_bounded", ["nova", "l4-486"]);
    const path = r.paths[0]!;
    for (const t of path.timings) {
      const worst = bounded(t.worst);
      expect(Number.isFinite(worst.cycles)).toBe(true);
      expect(worst.trace.loopsTo).toBeNull();
      // The adversary's calls can come between: more than the plain round trip's worst.
      expect(worst.cycles).toBeGreaterThan(ROUND_TRIP_WORST[t.preset]);
      expect(price(COST_MODELS[t.preset], Object.values(worst.counts))).toBe(worst.cycles);
    }
    // Within the 2,000-cycle budget under the scenario's preset (nova).
    expect(bounded(path.timings[0]!.worst).cycles).toBeLessThanOrEqual(2000);
    expect(path.verdict).toBe("holds");
  });

  it("bounds it at the round trip's worst plus two adversary calls served first", () => {
    // nova. The client's call blocks (27 + 27 = 54), the adversary calls twice, each blocking
    // (27 + 27 + 147 + 35 + 50 = 286), each received by the server with a capability item
    // (286 + 2×1 + 100 = 388) and replied to (27 + 27 + 2×1 = 56); the server, already running,
    // then receives the client's call (56) and replies (56 + the client's dispatch 232 = 288):
    // 54 + 2 × (286 + 388 + 56) + 56 + 288 = 1,858. That is 630 − 232 + 2 × 730: the round trip's
    // worst with two served adversary calls in it, less the switch to the server, which now runs.
    const r = measured("busy_bounded", ["nova", "l4-486"]);
    expect(bounded(r.paths[0]!.timings[0]!.worst).cycles).toBe(1858);
  });
});

describe("budgets", () => {
  /** The round trip (nova, its default preset: best 576, worst 630) with budget N. */
  const withBudget = (n: number): SystemModel => fixture("round_trip", (t) => t.replace("within 2000 cycles", `within ${n} cycles`));
  const rtOf = (n: number) => {
    const r = check(withBudget(n));
    return { r, path: r.paths.find((p) => p.name === "rt")! };
  };

  it("fails below the best case, and exitOf gives 1", () => {
    const { r, path } = rtOf(500);
    expect(path.timings[0]!.preset).toBe("nova");
    expect(path.verdict).toBe("violated");
    expect(path.reason).toMatch(/630 cycles under nova, over the budget of 500/);
    expect(exitOf(r)).toBe(1);
  });

  it("fails between the best and the worst case: the worst is judged", () => {
    const { r, path } = rtOf(600);
    expect(path.verdict).toBe("violated");
    expect(exitOf(r)).toBe(1);
  });

  it("holds at and above the worst case, and exitOf gives 0", () => {
    for (const n of [630, 700]) {
      const { r, path } = rtOf(n);
      expect(path.verdict).toBe("holds");
      expect(exitOf(r)).toBe(0);
    }
  });

  it("fails an unbounded worst case even with a huge budget", () => {
    const r = check(fixture("busy", (t) => t.replace("within 2000 cycles", "within 1000000000 cycles")));
    expect(r.paths[0]!.verdict).toBe("violated");
    expect(exitOf(r)).toBe(1);
  });

  it("is incomplete, not held, when the exploration was cut short (exit 3)", () => {
    const r = check(withBudget(700), { maxStates: 3 });
    const path = r.paths.find((p) => p.name === "rt")!;
    expect(r.pathStats?.bound).not.toBeNull();
    expect(path.verdict).toBe("incomplete");
    expect(exitOf(r)).toBe(3);
  });

  it("holds vacuously when the start event never happens", () => {
    const r = check(fixture("round_trip", (t) => t.replace(/\}\s*$/, "  path never: sigma0 faults -> sigma0 resumes within 0 cycles\n}\n")));
    const path = r.paths.find((p) => p.name === "never")!;
    expect(path.observed).toBe(false);
    expect(path.verdict).toBe("holds");
    expect(exitOf(r)).toBe(0);
  });
});

describe("traces", () => {
  const cases = [
    { name: "round_trip", presets: PRESETS },
    { name: "page_fault", presets: PRESETS },
    { name: "busy", presets: ["l4-486", "linux-monolithic"] as CostPreset[] },
    { name: "replicas", presets: ["l4-486", "nova", "linux-monolithic"] as CostPreset[] },
    { name: "interrupt", presets: ["l4-486", "nova"] as CostPreset[] },
  ];

  it.each(cases)("replay to the same steps, and add up to the case's cycles ($name)", ({ name, presets }) => {
    const model = fixture(name);
    const r = measured(name, presets);
    // A system set up as the timing exploration's (its reductions decide the successors' order).
    const sys = replaySystem(model);
    let traces = 0;
    for (const p of r.paths)
      for (const t of p.timings)
        for (const c of [t.best, t.worst]) {
          if (!c) continue;
          traces++;
          const steps = c.trace.steps;
          const again = replay(sys, steps.map((s) => s.ordinal));
          expect(again.map((x) => x.step.text)).toEqual(steps.map((s) => s.text));
          // Steps before the start carry no cycles; from the start on, every one does.
          const first = steps.findIndex((s) => s.cycles !== null);
          expect(first).toBeGreaterThanOrEqual(0);
          expect(steps.slice(first).every((s) => s.cycles !== null)).toBe(true);
          if (!("unbounded" in c)) expect(steps.reduce((a, s) => a + (s.cycles ?? 0), 0)).toBe(c.cycles);
        }
    expect(traces).toBeGreaterThan(0);
  });
});

describe("a replicated client", () => {
  const model = fixture("replicas");
  const r = measured("replicas", ["l4-486", "nova", "linux-monolithic"]);

  it("pairs each replica's call with its own reply: the best case is one replica's round trip", () => {
    for (const t of r.paths[0]!.timings) expect(bounded(t.best).cycles).toBe(ROUND_TRIP[t.preset]);
  });

  it("never starts and ends a measurement on different replicas", () => {
    const g = timedGraph(model, model.paths);
    const { from, to } = g.events[0]!;
    for (const preset of ["l4-486", "linux-monolithic"] as CostPreset[]) {
      const t = timePath(g, 0, { model: COST_MODELS[preset], monolithic: preset === "linux-monolithic" });
      for (const m of [t.best, t.worst]) {
        if (!m || "unbounded" in m) throw new Error("expected bounded cases");
        expect(to.ec[m.edges[m.edges.length - 1]!]).toBe(from.ec[m.edges[0]!]);
      }
    }
  });

  it("is dearer than a mismatched pairing would be", () => {
    // client[1]'s call is received; client[0] calls while the server is busy; the server replies
    // to client[1]. Were that reply the end of client[0]'s call, it would measure 514 on l4-486:
    // client[0]'s blocked call 62 + 61 = 123, the reply 62 + 61 + 2×3 = 129 plus the switch to
    // the server 131, plus client[1]'s dispatch 131 — less than the 520 of a real round trip.
    const sys = buildSystem(model);
    sys.metered = true;
    let s = sys.init;
    const walked: { s: typeof s; x: Successor }[] = [];
    for (const prefix of ["client[1].main: call", "server.serve: recv", "client[0].main: call", "server.serve: reply"]) {
      const xs = successors(sys, s).filter((x) => x.step.text.startsWith(prefix));
      expect(xs.length).toBe(1);
      walked.push({ s, x: xs[0]! });
      s = xs[0]!.state;
    }
    const M = COST_MODELS["l4-486"];
    const [, , call, reply] = walked;
    const end = new EventMatcher(sys, model.paths[0]!.to).match(reply!.s, reply!.x.step, reply!.x.state);
    expect(end.length).toBe(1);
    expect(end[0]!.ec).not.toBe(call!.x.step.ec);
    const mismatched = price(M, call!.x.step.cost) - price(M, dispatchCounts(sys, call!.s, call!.x.step.ec) ?? []) + price(M, reply!.x.step.cost) + price(M, end[0]!.dispatch ?? []);
    expect(mismatched).toBe(514);
    expect(bounded(r.paths[0]!.timings[0]!.best).cycles).toBe(520);
  });

  it("has the other replica's whole round trip inside its worst case", () => {
    // l4-486: client[0]'s call blocks (123); client[1]'s call blocks (123 + the switch from
    // client[0], 131 = 254); the server receives client[1] (123 + 131 + 2×3 = 260) and replies
    // (123 + 6 = 129); client[1] completes (its switch, 131); the server receives client[0]
    // (260) and replies (129 + client[0]'s dispatch 131 = 260). 123 + 254 + 260 + 129 + 131 +
    // 260 + 260 = 1,417.
    const worst = bounded(r.paths[0]!.timings[0]!.worst);
    expect(worst.cycles).toBe(1417);
  });
});

describe("pairing a start with its end", () => {
  const check1 = (text: string) => check(compile(text), { stopEarly: false }).paths[0]!;

  it("drops a measurement whose call timed out: a later reply to another call does not end it", () => {
    // The server never serves; the client's call times out and it calls `other`. Before, the
    // reply from `other` ended the timed-out call's measurement: best 630, budget held.
    const text = `system to_other {
  kernel nova { costs "nova"; strict scheduling }
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; semaphore never; thread serve { down never; recv rpc -> x; reply x } }
  component other : trusted { portal p; thread serve { loop { recv p -> x; reply x } } }
  component client : trusted {
    caps { server.rpc: call; other.p: call }
    thread main { call server.rpc(1) -> r timeout 5; call other.p(2) -> q }
  }
  path rt: client calls server.rpc -> client gets reply within 1000 cycles
}
`;
    const p = check1(text);
    expect(p.observed).toBe(true);
    expect(p.timings[0]!.best).toBeNull();
    expect(p.verdict).toBe("violated");
  });

  it("ends a callback another thread of the calling component receives (the replica pairs them, not the EC)", () => {
    // The server calls back into the client, whose handler thread receives. Before, the end had to
    // happen to the calling EC: the path was said never to end.
    const text = `system cb {
  kernel nova { costs "nova"; strict scheduling }
  component sigma0 : trusted root { }
  component server : trusted { portal rpc; caps { client.cb: call }; thread serve { recv rpc -> x; call client.cb(x) -> y; reply y } }
  component client : trusted {
    portal cb
    caps { server.rpc: call }
    thread main { call server.rpc(1) -> r }
    thread handler { recv cb -> z; reply z }
  }
  path callback: client calls server.rpc -> client receives cb within 5000 cycles
}
`;
    const p = check1(text);
    expect(p.verdict).toBe("holds");
    expect(bounded(p.timings[0]!.best).cycles).toBeGreaterThan(0);
  });
});

describe("an edge with both events, the end first", () => {
  it("ends the measurement under way and starts the next: it is no measurement by itself", () => {
    // In the step where the NIC fires and its waiting driver is delivered the interrupt, the fire
    // comes first. Before, that step counted as 'delivery, then the next fire' on its own: best
    // 600 cycles, the price of the interrupt alone, less than any delivery-to-fire measurement.
    const text = `system rev_irq {
  machine { device nic { irq 10 } }
  kernel nova { costs "nova"; strict scheduling }
  component sigma0 : trusted root { }
  component driver : trusted { device nic; thread irq { repeat 2 { down nic.irq } } }
  path d2f: nic delivers -> nic fires
  path f2d: nic fires -> nic delivers
}
`;
    const r = check(compile(text), { stopEarly: false });
    const [d2f, f2d] = r.paths;
    // Fire then delivery in one step is a measurement of its own: the interrupt's price.
    expect(bounded(f2d!.timings[0]!.best).cycles).toBe(600);
    // Delivery to the next fire takes at least that next fire's step, and the driver's next down first.
    const best = bounded(d2f!.timings[0]!.best);
    expect(best.cycles).toBeGreaterThan(600);
    expect(best.trace.steps.length).toBeGreaterThan(1);
  });
});
