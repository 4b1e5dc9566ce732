// Successors fingerprinted ahead: each slot holds what fingerprinting that successor alone gives (canonicalised with symmetry), up to the slots and the room; and so does every successor fingerprinted one by one.
import { describe, expect, it } from "vitest";
import { Ahead } from "../../src/checker/ahead.js";
import { explore } from "../../src/checker/explore.js";
import { StateFingerprinter } from "../../src/checker/fingerprint.js";
import { symmetryOf } from "../../src/checker/symmetry.js";
import { WasmCanonicaliser } from "../../src/checker/symmetry-wasm.js";
import { FingerprintTable } from "../../src/checker/visited.js";
import { successors, type Successor } from "../../src/components/step.js";
import { clients, systemOf } from "./replicas.js";
import { wasmRuns } from "./wasm-runs.js";

const SLOTS = 4;

/**
 * For the first `limit` states of a search of `clients(n)`: the successors of each, copied into
 * the room, taken ahead; each slot, and each successor past them fingerprinted by `one`, against
 * the same successor fingerprinted (and canonicalised) on its own. Without `wasm`, symmetry
 * reduction canonicalises in JavaScript and nothing is taken ahead. Returns how many successors
 * were compared, in slots and one by one.
 */
function agree(n: number, symmetric: boolean, limit: number, wasm = true): { slots: number; single: number } {
  const sys = systemOf(clients(n, "", false));
  const sym = symmetric ? symmetryOf(sys).symmetry! : null;
  const tables = sym?.diffTables() ?? null;
  const fp = new StateFingerprinter(sys.init, 8, tables ? WasmCanonicaliser.bytes(tables, SLOTS) : 0, SLOTS);
  const canon = tables && wasm ? WasmCanonicaliser.attach(tables, fp) : null;
  const one = new StateFingerprinter(sys.init);
  const ofParent = new StateFingerprinter(sys.init);
  const ahead = new Ahead(fp, canon, sym);
  const table = new FingerprintTable(1024);
  const compared = { slots: 0, single: 0 };
  explore(sys, { maxStates: limit, symmetry: sym }, {
    state(s) {
      const parent = s.slice();
      ofParent.scan(parent);
      const sigs = sym ? sym.signaturesOf(parent, new Int32Array(sym.members)) : null;
      ahead.setParent(parent, ofParent.diff.slice(), ofParent.length, sigs);
      // A reference canonicaliser of its own, from the same parent.
      const ref = sym ? symmetryOf(sys).symmetry! : null;
      ref?.setParent(parent, ofParent.diff.slice(), ofParent.length);
      // The successors in the room, but for the last: past it, `take` stops.
      const xs: Successor[] = successors(sys, parent).map((x, k) => {
        if (k >= 6) return x;
        fp.room[k]!.set(x.state);
        return { ...x, state: fp.room[k]! };
      });
      const taken = ahead.take(xs, table);
      expect(taken).toBe(canon || !sym ? Math.min(xs.length, SLOTS, 6) : 0);
      for (let k = 0; k < xs.length; k++) {
        const x = xs[k]!.state.slice();
        one.scan(x);
        if (ref) one.length = ref.canonicalDiff(x, one.diff, one.length, sys.init, true);
        one.hash();
        if (k < taken) {
          expect([...fp.slotDiff[k]!.subarray(0, fp.slotLength[k])]).toEqual([...one.diff.subarray(0, one.length)]);
          expect([...fp.slotOut.subarray(2 * k, 2 * k + 2)]).toEqual([...one.out]);
        }
        ahead.one(xs[k]!.state, k < taken ? k : -1);
        expect([...ahead.diff.subarray(0, ahead.length)]).toEqual([...one.diff.subarray(0, one.length)]);
        expect([ahead.hi, ahead.lo]).toEqual([...one.out]);
        expect(ahead.signatures() && [...ahead.signatures()!]).toEqual(ref && [...ref.representativeSignatures(new Int32Array(ref.members))]);
        if (k < taken) compared.slots++;
        else compared.single++;
      }
    },
  });
  return compared;
}

// The slots and the room are the fingerprinter's WebAssembly memory: without it there are none.
describe.skipIf(!wasmRuns)("Ahead", () => {
  it("fingerprints the first successors into the slots, as each alone would be, up to the slots and the room; the rest one by one", () => {
    const c = agree(3, false, 300);
    expect(c.slots).toBeGreaterThan(500);
    expect(c.single).toBeGreaterThan(0);
  });

  it("with symmetry reduction, each slot holds the representative's difference, fingerprint and signatures; so does `one` past them", () => {
    const c = agree(3, true, 300);
    expect(c.slots).toBeGreaterThan(500);
    expect(c.single).toBeGreaterThan(0);
  });

  it("with symmetry reduction but no canonicaliser: nothing ahead, each successor canonicalised in JavaScript", () => {
    const c = agree(3, true, 300, false);
    expect(c.slots).toBe(0);
    expect(c.single).toBeGreaterThan(500);
  });

  it("takes nothing with symmetry reduction but no canonicaliser (successors are then canonicalised one by one)", () => {
    const sys = systemOf(clients(2, "", false));
    const fp = new StateFingerprinter(sys.init, 8, 0, SLOTS);
    const xs = successors(sys, sys.init)
      .slice(0, 8)
      .map((x, k) => {
        fp.room[k]!.set(x.state);
        return { ...x, state: fp.room[k]! };
      });
    expect(xs.length).toBeGreaterThan(0);
    expect(new Ahead(fp, null, symmetryOf(sys).symmetry!).take(xs, new FingerprintTable())).toBe(0);
    expect(new Ahead(fp, null, null).take(xs, new FingerprintTable())).toBe(Math.min(xs.length, SLOTS));
  });
});
