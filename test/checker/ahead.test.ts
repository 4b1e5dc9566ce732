// Successors fingerprinted ahead: each slot holds what fingerprinting that successor alone gives (canonicalised with symmetry), up to the slots and the room; and so does every successor fingerprinted one by one.
import { describe, expect, it } from "vitest";
import { Ahead } from "../../src/checker/ahead.js";
import { explore } from "../../src/checker/explore.js";
import { StateFingerprinter } from "../../src/checker/fingerprint.js";
import { symmetryOf } from "../../src/checker/symmetry.js";
import { WasmCanonicaliser } from "../../src/checker/symmetry-wasm.js";
import { FingerprintTable } from "../../src/checker/visited.js";
import { successors, type Successor } from "../../src/components/step.js";
import type { StateVector } from "../../src/kernel/layout.js";
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
function agree(n: number, symmetric: boolean, limit: number, wasm = true): { slots: number; single: number; shared: number } {
  // Two adversary steps, so that a client holds capabilities with no descendant to revoke.
  const sys = systemOf(clients(n, "", true, 2));
  const sym = symmetric ? symmetryOf(sys).symmetry! : null;
  const tables = sym?.diffTables() ?? null;
  const fp = new StateFingerprinter(sys.init, 8, tables ? WasmCanonicaliser.bytes(tables, SLOTS) : 0, SLOTS);
  const canon = tables && wasm ? WasmCanonicaliser.attach(tables, fp) : null;
  const one = new StateFingerprinter(sys.init);
  const ofParent = new StateFingerprinter(sys.init);
  const ahead = new Ahead(fp, canon, sym);
  const table = new FingerprintTable(1024);
  const compared = { slots: 0, single: 0, shared: 0 };
  explore(sys, { maxStates: limit, symmetry: sym }, {
    state(s) {
      const parent = s.slice();
      ofParent.scan(parent);
      const sigs = sym ? sym.signaturesOf(parent, new Int32Array(sym.members)) : null;
      ahead.setParent(parent, ofParent.diff.slice(), ofParent.length, sigs);
      // A reference canonicaliser of its own, from the same parent.
      const ref = sym ? symmetryOf(sys).symmetry! : null;
      ref?.setParent(parent, ofParent.diff.slice(), ofParent.length);
      // The successors in the room, but for the last: past it, `take` stops. Steps that share a
      // vector (the adversaries' revokes that remove nothing, step.ts) share its room vector.
      // Those that share first, so that some share a slot (their order is the caller's affair).
      const all = successors(sys, parent);
      const sharers = (v: StateVector): number => all.filter((y) => y.state === v).length;
      all.sort((a, b) => sharers(b.state) - sharers(a.state));
      const roomOf = new Map<StateVector, number>();
      const xs: Successor[] = all.map((x) => {
        const r = roomOf.get(x.state) ?? (roomOf.size < 6 ? roomOf.size : -1);
        if (r < 0) return x;
        if (!roomOf.has(x.state)) fp.room[r]!.set(x.state);
        roomOf.set(x.state, r);
        return { ...x, state: fp.room[r]! };
      });
      ahead.take(xs, table);
      // The successors are covered from the first on, one slot per vector, until the slots are
      // used up, or one is not in the room, or there are no more; none without a canonicaliser.
      let covered = 0;
      while (covered < xs.length && ahead.slotOf(covered) >= 0) covered++;
      for (let k = covered; k < xs.length; k++) expect(ahead.slotOf(k)).toBe(-1);
      const used = new Set(xs.slice(0, covered).map((x) => x.state)).size;
      expect(new Set(xs.slice(0, covered).map((_, k) => ahead.slotOf(k))).size).toBe(used);
      if (!canon && sym) expect(covered).toBe(0);
      else if (covered < xs.length) expect(used === SLOTS || !fp.inRoom(xs[covered]!.state)).toBe(true);
      for (let k = 0; k < xs.length; k++) {
        const slot = ahead.slotOf(k);
        if (slot >= 0) for (let j = 0; j < k; j++) expect(ahead.slotOf(j) === slot).toBe(xs[j]!.state === xs[k]!.state);
        const x = xs[k]!.state.slice();
        one.scan(x);
        if (ref) one.length = ref.canonicalDiff(x, one.diff, one.length, sys.init, true);
        one.hash();
        if (slot >= 0) {
          expect([...fp.slotDiff[slot]!.subarray(0, fp.slotLength[slot])]).toEqual([...one.diff.subarray(0, one.length)]);
          expect([...fp.slotOut.subarray(2 * slot, 2 * slot + 2)]).toEqual([...one.out]);
        }
        ahead.one(xs[k]!.state, slot);
        expect([...ahead.diff.subarray(0, ahead.length)]).toEqual([...one.diff.subarray(0, one.length)]);
        expect([ahead.hi, ahead.lo]).toEqual([...one.out]);
        expect(ahead.signatures() && [...ahead.signatures()!]).toEqual(ref && [...ref.representativeSignatures(new Int32Array(ref.members))]);
        // The member images of the representative's permutation, which the explored graph keeps when the symmetry follows replicas.
        if (ref) expect([...ahead.images()]).toEqual([...ref.lastImagesInto(new Int32Array(ref.members))]);
        if (slot >= 0) compared.slots++;
        else compared.single++;
        if (slot >= 0 && xs.some((_, j) => j < k && ahead.slotOf(j) === slot)) compared.shared++;
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
    // Steps that share a vector share its slot.
    expect(c.shared).toBeGreaterThan(0);
  });

  it("with symmetry reduction, each slot holds the representative's difference, fingerprint, signatures and member images; so does `one` past them", () => {
    const c = agree(3, true, 300);
    expect(c.slots).toBeGreaterThan(500);
    expect(c.single).toBeGreaterThan(0);
    expect(c.shared).toBeGreaterThan(0);
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
    const none = new Ahead(fp, null, symmetryOf(sys).symmetry!);
    none.take(xs, new FingerprintTable());
    expect(xs.map((_, k) => none.slotOf(k))).toEqual(xs.map(() => -1));
    const plain = new Ahead(fp, null, null);
    plain.take(xs, new FingerprintTable());
    expect(xs.map((_, k) => plain.slotOf(k))).toEqual(xs.map((_, k) => (k < SLOTS ? k : -1)));
  });
});
