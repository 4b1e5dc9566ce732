// Without WebAssembly (NIZZA_WASM=off) the explorer runs its JavaScript paths: the same states, transitions, verdicts and counterexample lengths as with it, on one thread and on two workers.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { check, checkParallel, type CheckResult } from "../../src/checker/check.js";
import { explore } from "../../src/checker/explore.js";
import { StateFingerprinter } from "../../src/checker/fingerprint.js";
import { symmetryOf } from "../../src/checker/symmetry.js";
import { WasmCanonicaliser } from "../../src/checker/symmetry-wasm.js";
import { newMemory } from "../../src/checker/wasm.js";
import { buildSystem } from "../../src/components/step.js";
import { compileFile } from "../../src/dsl/compile.js";
import { compile } from "../kernel/harness.js";
import { replicatedScenario, smallScenario } from "./small-arb.js";
import { wasmRuns } from "./wasm-runs.js";

/** The environment's NIZZA_WASM as the run was started (this file compares it set to "off" with it unset). */
const started = process.env.NIZZA_WASM;

/** Puts NIZZA_WASM back as the run was started. */
function restore(): void {
  if (started === undefined) delete process.env.NIZZA_WASM;
  else process.env.NIZZA_WASM = started;
}

/** Runs `f` with NIZZA_WASM=off, and restores the environment after. */
async function withoutWasm<T>(f: () => T | Promise<T>): Promise<T> {
  process.env.NIZZA_WASM = "off";
  try {
    return await f();
  } finally {
    restore();
  }
}

afterEach(restore);

/** What must not depend on WebAssembly: the search's size and shape, every verdict and counterexample length, the TCB sets. */
const outcome = (r: CheckResult) => ({
  stats: [r.stats.states, r.stats.transitions, r.stats.depth, r.stats.bound],
  invariants: r.invariants.map((i) => [i.text, i.verdict, i.met, i.counterexample?.steps.length ?? null]),
  tcb: r.tcb,
});

// With the WebAssembly off already (the run was started with NIZZA_WASM=off), both sides would be JavaScript.
describe.skipIf(!wasmRuns)("NIZZA_WASM=off", () => {
  it("leaves the fingerprinter without a WebAssembly memory and the canonicaliser unattached", async () => {
    const m = compile(`system r {
  component server : trusted root { portal p; thread s { loop { recv p -> x; reply x } } }
  component c[2] : untrusted { caps { server.p: call }; adversary steps 1 }
}`);
    const sys = buildSystem(m);
    const tables = symmetryOf(sys).symmetry!.diffTables();
    // With it (this runtime has WebAssembly SIMD), both run there: the comparison below compares two paths.
    const on = new StateFingerprinter(sys.init, 4, WasmCanonicaliser.bytes(tables));
    expect(on.memory).not.toBeNull();
    expect(WasmCanonicaliser.attach(tables, on)).not.toBeNull();
    await withoutWasm(() => {
      expect(newMemory(1024)).toBeNull();
      const off = new StateFingerprinter(sys.init, 4, WasmCanonicaliser.bytes(tables));
      expect([off.memory, off.room.length]).toEqual([null, 0]);
      expect(WasmCanonicaliser.attach(tables, off)).toBeNull();
    });
    expect(newMemory(1024)).not.toBeNull();
  });

  it("a fingerprinter gives a vector outside its room (copied into its scratch vector) the difference and fingerprint JavaScript gives it", async () => {
    const sys = buildSystem(compileFile("scenarios/revoke_race.nizza").model!);
    const on = new StateFingerprinter(sys.init, 2);
    const off = await withoutWasm(() => new StateFingerprinter(sys.init, 2));
    expect(off.memory).toBeNull();
    const seen = new Set<string>();
    explore(sys, { maxStates: 2_000 }, {
      state(s) {
        const v = s.slice(); // outside any room
        on.room[0]!.set(v); // and a room vector, which the scratch copy must leave alone
        on.take(v);
        off.take(v);
        expect([...on.diff.subarray(0, on.length)]).toEqual([...off.diff.subarray(0, off.length)]);
        expect([...on.out]).toEqual([...off.out]);
        on.scan(v);
        expect(on.length).toBe(off.length);
        expect([...on.room[0]!]).toEqual([...v]);
        seen.add(`${on.out[0]}:${on.out[1]}`);
      },
    });
    expect(seen.size).toBe(2_000);
  });

  it("shipped scenarios: the same outcome on one thread, with the reductions on and off", async () => {
    for (const file of ["scenarios/revoke_race.nizza", "scenarios/revoke_race_buggy.nizza", "scenarios/starvation.nizza", "scenarios/lib_wrapper.nizza", "scenarios/lib_nameserver.nizza"]) {
      const c = compileFile(file);
      expect(c.model, file).not.toBeNull();
      for (const reductions of [{}, { por: false, symmetry: false, deadValues: false }]) {
        const options = { stopEarly: false, ...reductions };
        const on = check(c.model!, options);
        const off = await withoutWasm(() => check(c.model!, options));
        expect(outcome(off), file).toEqual(outcome(on));
      }
    }
  }, 60_000);

  it("40 random scenarios with replicas (symmetry's canonicaliser in JavaScript) and 40 without: the same outcome, breadth first and depth first", async () => {
    // Breadth first and depth first (whose successors live on its stack, outside the room).
    const same = async (text: string): Promise<void> => {
      const m = compile(text);
      for (const mode of ["bfs", "dfs"] as const) {
        const on = check(m, { stopEarly: false, mode });
        const off = await withoutWasm(() => check(m, { stopEarly: false, mode }));
        expect(outcome(off), mode).toEqual(outcome(on));
      }
    };
    await fc.assert(
      fc.asyncProperty(replicatedScenario, async ({ text }) => same(text)),
      { numRuns: 40, seed: 20261122 },
    );
    await fc.assert(
      fc.asyncProperty(smallScenario, async ({ text }) => same(text)),
      { numRuns: 40, seed: 20261122 },
    );
  }, 60_000);

  it("two workers without WebAssembly find what one thread finds with it", async () => {
    const file = "scenarios/revoke_race.nizza";
    const c = compileFile(file);
    const one = check(c.model!, { stopEarly: false });
    const source = { name: file, text: readFileSync(file, "utf8") };
    // The workers are kept between explorations (parallel.ts): started here with WebAssembly, they
    // must follow the environment when it changes.
    const withIt = await checkParallel(c.model!, source, { workers: 2, stopEarly: false, probeStates: 0 });
    expect(outcome(withIt)).toEqual(outcome(one));
    const two = await withoutWasm(() => checkParallel(c.model!, source, { workers: 2, stopEarly: false, probeStates: 0 }));
    expect(outcome(two)).toEqual(outcome(one));
    // And with replicas, where the workers canonicalise with `Symmetry.canonicalDiff`.
    await fc.assert(
      fc.asyncProperty(replicatedScenario, async ({ text }) => {
        const m = compile(text);
        const with1 = check(m, { stopEarly: false });
        const without2 = await withoutWasm(() => checkParallel(m, { name: "r.nizza", text }, { workers: 2, stopEarly: false, probeStates: 0 }));
        expect(outcome(without2)).toEqual(outcome(with1));
      }),
      { numRuns: 8, seed: 20261122 },
    );
  }, 120_000);
});
