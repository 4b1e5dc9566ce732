// The canonicaliser in WebAssembly gives what `Symmetry.canonicalDiff(…, fromParent)` gives, on every transition, with the successor's difference given or found in the same call, into the fingerprinter's difference or its slots.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { check } from "../../src/checker/check.js";
import { explore } from "../../src/checker/explore.js";
import { StateFingerprinter } from "../../src/checker/fingerprint.js";
import { symmetryOf, type Symmetry } from "../../src/checker/symmetry.js";
import { WasmCanonicaliser } from "../../src/checker/symmetry-wasm.js";
import { successors, type System } from "../../src/components/step.js";
import { NO_CAP } from "../../src/kernel/cap.js";
import { SLOT } from "../../src/kernel/layout.js";
import { scalable } from "../../bench/scalable.js";
import { clients, pool, systemOf } from "./replicas.js";
import { poolScenario, replicatedScenario } from "./small-arb.js";
import { wasmRuns } from "./wasm-runs.js";

/**
 * For the first `limit` states of a search and each successor of each: the WebAssembly
 * canonicaliser's representative difference and signatures equal the reference's. Returns the
 * transitions compared, and how many of them were permuted.
 */
function agree(sys: System, sym: Symmetry, limit: number, perturb = false): { transitions: number; permuted: number } {
  const tables = sym.diffTables();
  // `canonicalDiff` is given successors outside the fingerprinter's room (each is copied into the
  // canonicaliser's scratch first); `scanCanonical` the same successors copied into the room.
  const wfp = new StateFingerprinter(sys.init, 1, WasmCanonicaliser.bytes(tables, 2), 2);
  const room = wfp.room[0]!;
  const canon = WasmCanonicaliser.attach(tables, wfp);
  expect(canon).not.toBeNull();
  const pd = new StateFingerprinter(sys.init);
  const xf = new StateFingerprinter(sys.init);
  const members = new Int32Array(sym.members);
  let transitions = 0;
  let permuted = 0;
  explore(sys, { maxStates: limit, symmetry: sym }, {
    state(s) {
      const parent = s.slice();
      pd.scan(parent);
      sym.setParent(parent, pd.diff, pd.length);
      // Half the parents with their signatures given (as the explorer does), half computed.
      canon!.setParent(parent, pd.diff, pd.length, transitions % 2 === 0 ? sym.signaturesOf(parent, members) : null);
      const xs = successors(sys, parent).map((x) => x.state);
      // Each successor also with one capability cleared and its slot's parent word left as it
      // was: the parent word is then read again only as the capability word's dependant.
      const L = sys.k.L;
      if (perturb)
        for (const x of xs.slice()) {
          for (let g = 0; g < L.counts.slots; g++) {
            const c = L.base.slots + g * SLOT.SIZE + SLOT.CAP;
            if (x[c] === NO_CAP || x[c + SLOT.PARENT - SLOT.CAP]! < 0) continue;
            const y = x.slice();
            y[c] = NO_CAP;
            xs.push(y);
          }
        }
      for (const state of xs) {
        const x = { state };
        xf.scan(x.state);
        const n = xf.length;
        const want = [...xf.diff.subarray(0, sym.canonicalDiff(x.state, xf.diff, n, sys.init, true))];
        const wantSigs = [...sym.representativeSignatures(new Int32Array(sym.members))];
        wfp.scan(x.state);
        expect(wfp.length).toBe(n);
        const got = [...wfp.diff.subarray(0, canon!.canonicalDiff(x.state, n))];
        expect(got).toEqual(want);
        expect([...canon!.representativeSignatures()]).toEqual(wantSigs);
        // scanCanonical: of the successor in the room, and outside it (copied to the scratch).
        room.set(x.state);
        for (const v of [room, x.state]) {
          wfp.diff.fill(-7);
          expect([...wfp.diff.subarray(0, canon!.scanCanonical(v))]).toEqual(want);
          expect([...canon!.representativeSignatures()]).toEqual(wantSigs);
        }
        // canonicalSlots: into both slots of the fingerprinter (the explorer's successors ahead),
        // with the representative's fingerprint and signatures.
        xf.diff.set(want);
        xf.length = want.length;
        xf.hash();
        wfp.slotLength.fill(-1);
        canon!.slotAddresses.fill(room.byteOffset);
        canon!.canonicalSlots(2);
        for (const k of [0, 1]) {
          expect([...wfp.slotDiff[k]!.subarray(0, wfp.slotLength[k])]).toEqual(want);
          expect([wfp.slotOut[2 * k], wfp.slotOut[2 * k + 1]]).toEqual([...xf.out]);
          expect([...canon!.slotSignatures[k]!]).toEqual(wantSigs);
        }
        transitions++;
        if (sym.lastImages().some((img) => img.some((j, i) => j !== i))) permuted++;
      }
    },
  });
  return { transitions, permuted };
}

/** `agree` on the first `limit` states of `runs` random scenarios that have a symmetry: the transitions compared. */
function randomAgree(arb: fc.Arbitrary<{ readonly text: string }>, runs: number, seed: number, limit: number): number {
  let compared = 0;
  fc.assert(
    fc.property(arb, ({ text }) => {
      const sys = systemOf(text);
      const sym = symmetryOf(sys).symmetry;
      if (sym) compared += agree(sys, sym, limit).transitions;
    }),
    { numRuns: runs, seed },
  );
  return compared;
}

describe.skipIf(!wasmRuns)("the WebAssembly canonicaliser agrees with canonicalDiff", () => {
  it("the scalable scenario with 3 and 4 clients: every transition of the first 3,000 representatives", () => {
    for (const n of [3, 4]) {
      const sys = systemOf(scalable(n));
      const { transitions, permuted } = agree(sys, symmetryOf(sys).symmetry!, 3_000);
      expect(transitions).toBeGreaterThan(6_000);
      expect(permuted).toBeGreaterThan(transitions / 3);
    }
  }, 300_000);

  it("replicas with memory of their own (permutations that move memory objects, rebuilt whole)", () => {
    const sys = systemOf(clients(3, "", true, 2));
    const { transitions, permuted } = agree(sys, symmetryOf(sys).symmetry!, 3_000);
    expect(transitions).toBeGreaterThan(6_000);
    expect(permuted).toBeGreaterThan(transitions / 3);
  }, 300_000);

  it("states where a word changes only as another's operand (a capability cleared, its parent word left)", () => {
    const sys = systemOf(scalable(3));
    const { transitions, permuted } = agree(sys, symmetryOf(sys).symmetry!, 100, true);
    expect(transitions).toBeGreaterThan(3_000);
    expect(permuted).toBeGreaterThan(transitions / 3);
  }, 300_000);

  it("replicas that seal and open with keys of their own: the sealed labels move with the keys", () => {
    // A review's scenario (2026-11-23): each memory object's sealed-labels word must move with
    // it as its record does; the WebAssembly step once left them in place, so a replica's
    // open found the other's labels and never flows failed with symmetry only.
    const sys = systemOf(`system sym_seal4 {
  component sigma0 : trusted root { }
  component w[2] : trusted {
    memory key 4K
    memory sec 4K [s]
    memory box 4K
    caps { out.o: w }
    thread t {
      read sec -> v
      choose { write box <- seal(v, key) }
      or { write box <- seal(1, key); read box -> y; write out.o <- open(y, key) }
    }
  }
  component out : trusted { memory o 4K }
  invariant never flows([s] -> out)
}`);
    const { transitions, permuted } = agree(sys, symmetryOf(sys).symmetry!, 1_000);
    expect(transitions).toBeGreaterThan(50);
    expect(permuted).toBeGreaterThan(0);
    const plain = check(sys.model, { symmetry: false });
    const reduced = check(sys.model);
    expect(reduced.stats.reductions.symmetry).toHaveProperty("used");
    expect(reduced.invariants.map((i) => i.verdict)).toEqual(["holds"]);
    expect(plain.invariants.map((i) => i.verdict)).toEqual(["holds"]);
  });

  it("two families, one's replicas holding every replica's portal of the other (held slot classes): each held slot moves with its holder and the replica it names", () => {
    for (const [text, limit, perturb] of [
      [pool(3, 2), 400, false],
      [pool(2, 3), 400, false],
      [pool(3, 2), 15, true],
      [readFileSync("scenarios/client_pool.nizza", "utf8"), 200, false],
    ] as const) {
      const sys = systemOf(text);
      const sym = symmetryOf(sys).symmetry!;
      expect(sym.families).toHaveLength(2);
      expect(sym.diffTables().held.length).toBeGreaterThan(0);
      const { transitions, permuted } = agree(sys, sym, limit, perturb);
      expect(transitions).toBeGreaterThan(limit);
      expect(permuted).toBeGreaterThan(transitions / 10);
    }
  }, 300_000);

  it("30 random scenarios of two families with held slot classes", () => {
    expect(randomAgree(poolScenario, 30, 20261124, 80)).toBeGreaterThan(1_000);
  }, 300_000);

  it("60 random scenarios with replicas", () => {
    expect(randomAgree(replicatedScenario, 60, 5, 400)).toBeGreaterThan(1_000);
  }, 300_000);

  it("refuses a fingerprinter whose extra bytes leave no room for its slots' signatures and addresses", () => {
    const sys = systemOf(scalable(3));
    const tables = symmetryOf(sys).symmetry!.diffTables();
    expect(WasmCanonicaliser.bytes(tables, 16)).toBeGreaterThan(WasmCanonicaliser.bytes(tables));
    expect(() => WasmCanonicaliser.attach(tables, new StateFingerprinter(sys.init, 1, WasmCanonicaliser.bytes(tables), 16))).toThrow(/extra bytes/);
    expect(WasmCanonicaliser.attach(tables, new StateFingerprinter(sys.init, 1, WasmCanonicaliser.bytes(tables, 16), 16))).not.toBeNull();
  });
});
