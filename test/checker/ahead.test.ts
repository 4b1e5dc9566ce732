// Successors fingerprinted ahead: each slot holds what fingerprinting that successor alone gives (canonicalised with symmetry), up to the slots and the room.
import { describe, expect, it } from "vitest";
import { Ahead } from "../../src/checker/ahead.js";
import { explore } from "../../src/checker/explore.js";
import { StateFingerprinter } from "../../src/checker/fingerprint.js";
import { symmetryOf } from "../../src/checker/symmetry.js";
import { WasmCanonicaliser } from "../../src/checker/symmetry-wasm.js";
import { FingerprintTable } from "../../src/checker/visited.js";
import { successors, type Successor } from "../../src/components/step.js";
import { clients, systemOf } from "./replicas.js";

const SLOTS = 4;

/**
 * For the first `limit` states of a search of `clients(n)`: the successors of each, copied into
 * the room, taken ahead; each slot against the same successor fingerprinted (and canonicalised)
 * on its own. Returns how many slots were compared.
 */
function agree(n: number, symmetric: boolean, limit: number): number {
  const sys = systemOf(clients(n, "", false));
  const sym = symmetric ? symmetryOf(sys).symmetry! : null;
  const tables = sym?.diffTables() ?? null;
  const fp = new StateFingerprinter(sys.init, 8, tables ? WasmCanonicaliser.bytes(tables) : 0, SLOTS);
  const canon = tables ? WasmCanonicaliser.attach(tables, fp) : null;
  const one = new StateFingerprinter(sys.init);
  const ofParent = new StateFingerprinter(sys.init);
  const ahead = new Ahead(fp, canon, sym?.members ?? 0);
  const table = new FingerprintTable(1024);
  let compared = 0;
  explore(sys, { maxStates: limit, symmetry: sym }, {
    state(s) {
      const parent = s.slice();
      ofParent.scan(parent);
      canon?.setParent(parent, ofParent.diff, ofParent.length);
      sym?.setParent(parent, ofParent.diff, ofParent.length);
      // The successors in the room, but for the last: past it, `take` stops.
      const xs: Successor[] = successors(sys, parent).map((x, k) => {
        if (k >= 6) return x;
        fp.room[k]!.set(x.state);
        return { ...x, state: fp.room[k]! };
      });
      const taken = ahead.take(xs, table);
      expect(taken).toBe(Math.min(xs.length, SLOTS, 6));
      for (let k = 0; k < taken; k++) {
        const x = xs[k]!.state.slice();
        one.scan(x);
        if (sym) one.length = sym.canonicalDiff(x, one.diff, one.length, sys.init, true);
        one.hash();
        expect([...fp.slotDiff[k]!.subarray(0, fp.slotLength[k])]).toEqual([...one.diff.subarray(0, one.length)]);
        expect([...fp.slotOut.subarray(2 * k, 2 * k + 2)]).toEqual([...one.out]);
        if (sym) expect([...ahead.signatures![k]!]).toEqual([...sym.representativeSignatures(new Int32Array(sym.members))]);
        compared++;
      }
    },
  });
  return compared;
}

describe("Ahead", () => {
  it("fingerprints the first successors into the slots, as each alone would be, up to the slots and the room", () => {
    expect(agree(3, false, 300)).toBeGreaterThan(500);
  });

  it("with symmetry reduction, each slot holds the representative's difference, fingerprint and signatures", () => {
    expect(agree(3, true, 300)).toBeGreaterThan(500);
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
    expect(new Ahead(fp, null, 2).take(xs, new FingerprintTable())).toBe(0);
    expect(new Ahead(fp, null, 0).take(xs, new FingerprintTable())).toBe(Math.min(xs.length, SLOTS));
  });
});
