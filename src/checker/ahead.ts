// Successors fingerprinted for the exhaustive searches: in the breadth-first ones, a state's first ones ahead (and canonicalised) into the fingerprinter's slots before any is inserted, so that the visited set's cache misses overlap; the rest one by one.
import type { Successor } from "../components/step.js";
import type { StateVector } from "../kernel/layout.js";
import type { StateFingerprinter } from "./fingerprint.js";
import type { Symmetry } from "./symmetry.js";
import type { WasmCanonicaliser } from "./symmetry-wasm.js";
import type { FingerprintTable } from "./visited.js";

/** The most successors one `take` covers (room for its slots, each shared by a few steps at most, is far less). */
const MAX_COVERED = 1 << 12;

/** Where the reads of `FingerprintTable.touch` go (a read whose value is never used may be dropped). */
let touched = 0;

/**
 * A probe into a visited set of tens of MB misses the cache. Inserting a state's successors one
 * after another waits for each miss in turn; fingerprinting them first and reading each one's
 * home slot lets the misses overlap (docs/performance-history.md, twelfth pass). The
 * breadth-first explorer and the parallel workers fingerprint a state's first successors here
 * (`take`), then ask `one` for each successor in turn: the fingerprint (`hi`, `lo`) and
 * difference (`diff`, `length`) of its representative (the successor itself without symmetry
 * reduction), from its slot or worked out then, and `signatures` gives that representative's
 * signatures to queue. The depth-first search takes nothing ahead: it asks `one` of each
 * successor, with no slot.
 *
 * The parent is set here too (`setParent`, `setParentRecord`): with symmetry reduction a
 * successor is canonicalised from its parent, in WebAssembly when the canonicaliser runs
 * (`WasmCanonicaliser`), otherwise by `Symmetry.canonicalDiff` in JavaScript (spec/invariants.md
 * §10.2), which takes no successor ahead.
 */
export class Ahead {
  /** With the canonicaliser: the signatures of the representative in each slot. */
  private readonly slotSignatures: readonly Int32Array[] | null;
  /** Symmetry reduction without the canonicaliser: successors are canonicalised one by one, none ahead. */
  private readonly none: boolean;
  /** Without the canonicaliser: the last representative's signatures (`Symmetry.representativeSignatures`). */
  private readonly sigs: Int32Array | null;
  /** Without the canonicaliser: the last representative's member images (`images`). */
  private readonly flat: Int32Array | null;
  /** After `one`: the representative's difference from the initial state, `diff[0..length)`. */
  diff: Int32Array;
  length = 0;
  /** After `one`: its fingerprint, high and low half. */
  hi = 0;
  lo = 0;
  private slot = -1;
  /** Per successor of the last `take`, its slot; `covered` successors have one. */
  private readonly slots = new Int32Array(MAX_COVERED);
  private covered = 0;
  /** During `take`: the vector in each slot (then cleared, so that no state is kept alive). */
  private readonly slotStates: (StateVector | null)[];
  /** The vector the last `one` without a slot worked out, while its results stand (null after a slot's). */
  private lastState: StateVector | null = null;

  constructor(
    private readonly fp: StateFingerprinter,
    /** The canonicaliser with symmetry reduction, null without it. */
    private readonly canon: WasmCanonicaliser | null,
    /** Symmetry reduction, null without it. */
    private readonly sym: Symmetry | null,
  ) {
    const members = sym?.members ?? 0;
    this.slotSignatures = canon ? canon.slotSignatures : null;
    this.none = sym !== null && canon === null;
    this.sigs = this.none ? new Int32Array(members) : null;
    this.flat = this.none ? new Int32Array(members) : null;
    this.diff = fp.diff;
    this.slotStates = new Array<StateVector | null>(fp.slotDiff.length).fill(null);
  }

  /** The state being expanded is `s`, with difference `d[0..n)` from the initial state and, with symmetry reduction, signatures `sigs`. */
  setParent(s: StateVector, d: Int32Array, n: number, sigs: Int32Array | null): void {
    this.lastState = null;
    if (this.canon) this.canon.setParent(s, d, n, sigs);
    else this.sym?.setParent(s, d, n, sigs);
  }

  /** `setParent` from the record at `packed[o]` (packed.ts: its pair count, pairs, then signatures). */
  setParentRecord(s: StateVector, packed: Int32Array, o: number): void {
    this.lastState = null;
    if (this.canon) this.canon.setParentRecord(s, packed, o);
    else if (this.sym) {
      const n = 2 * packed[o]!;
      this.sym.setParent(s, packed.subarray(o + 1, o + 1 + n), n, packed.subarray(o + 1 + n, o + 1 + n + this.sym.members));
    }
  }

  /**
   * Fingerprints the first successors of `xs` into the slots: those in the fingerprinter's room,
   * at most as many distinct vectors as it has slots, canonicalised when there is a
   * canonicaliser. Steps that lead to one shared vector (an adversary's revokes that remove
   * nothing: step.ts) share its slot. Then reads each slot's home slot in `table`. `slotOf` then
   * gives each successor's slot; with symmetry reduction but no canonicaliser, none has one.
   */
  take(xs: readonly Successor[], table: FingerprintTable): void {
    const { fp, canon } = this;
    this.lastState = null;
    if (this.none) {
      this.covered = 0;
      return;
    }
    const room = fp.slotDiff.length;
    const slotOf = this.slots;
    const taken = this.slotStates;
    let used = 0;
    let k = 0;
    for (; k < xs.length && k < MAX_COVERED; k++) {
      const v = xs[k]!.state;
      let same = used - 1;
      while (same >= 0 && taken[same] !== v) same--;
      if (same >= 0) {
        slotOf[k] = same;
        continue;
      }
      if (used === room || !fp.inRoom(v)) break;
      if (canon) canon.slotAddresses[used] = v.byteOffset;
      else fp.takeInto(v, used);
      taken[used] = v;
      slotOf[k] = used++;
    }
    // A loop, not `fill`: on an array of objects `fill` is a call into the runtime, per state.
    for (let j = 0; j < used; j++) taken[j] = null;
    if (canon) canon.canonicalSlots(used);
    const out = fp.slotOut;
    let t = 0;
    for (let j = 0; j < used; j++) t += table.touch(out[2 * j]!);
    touched ^= t;
    this.covered = k;
  }

  /** The slot of successor `i` of the last `take`, or -1 when it was not taken ahead. */
  slotOf(i: number): number {
    return i < this.covered ? this.slots[i]! : -1;
  }

  /**
   * The successor `x` of the parent, fingerprinted ahead into slot `slot` (`take`) or, with -1,
   * now: leaves its representative's difference in `diff[0..length)` and fingerprint in `hi`, `lo`.
   * A vector asked for twice in a row (steps sharing it) is worked out once.
   */
  one(x: StateVector, slot: number): void {
    const fp = this.fp;
    this.slot = slot;
    if (slot >= 0) {
      this.lastState = null;
      this.diff = fp.slotDiff[slot]!;
      this.length = fp.slotLength[slot]!;
      this.hi = fp.slotOut[2 * slot]!;
      this.lo = fp.slotOut[2 * slot + 1]!;
      return;
    }
    if (x === this.lastState) return;
    if (this.canon) {
      fp.length = this.canon.scanCanonical(x);
      fp.hash();
    } else if (this.sym) {
      fp.scan(x);
      fp.length = this.sym.canonicalDiff(x, fp.diff, fp.length, fp.ref, true);
      fp.hash();
    } else fp.take(x);
    this.lastState = x;
    this.diff = fp.diff;
    this.length = fp.length;
    this.hi = fp.out[0]!;
    this.lo = fp.out[1]!;
  }

  /**
   * The member images of the permutation that took the last `one`'s successor to its
   * representative, numbered across families (`Symmetry.lastImagesInto`), with symmetry
   * reduction; valid until the next `one`.
   */
  images(): Int32Array {
    if (this.slot >= 0 && this.canon) return this.canon.slotImages[this.slot]!;
    if (this.canon) return this.canon.lastImages();
    return this.sym!.lastImagesInto(this.flat!);
  }

  /** The signatures of the last `one`'s representative, with symmetry reduction; null without it. */
  signatures(): Int32Array | null {
    if (this.slot >= 0 && this.slotSignatures) return this.slotSignatures[this.slot]!;
    if (this.canon) return this.canon.representativeSignatures();
    return this.sym ? this.sym.representativeSignatures(this.sigs!) : null;
  }
}
