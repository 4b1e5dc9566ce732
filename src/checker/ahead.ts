// Successors fingerprinted ahead: a state's first successors fingerprinted (and canonicalised) into the fingerprinter's slots before any is inserted, so that the visited set's cache misses overlap.
import type { Successor } from "../components/step.js";
import type { StateFingerprinter } from "./fingerprint.js";
import type { WasmCanonicaliser } from "./symmetry-wasm.js";
import type { FingerprintTable } from "./visited.js";

/** Where the reads of `FingerprintTable.touch` go (a read whose value is never used may be dropped). */
let touched = 0;

/**
 * A probe into a visited set of tens of MB misses the cache. Inserting a state's successors one
 * after another waits for each miss in turn; fingerprinting them first and reading each one's
 * home slot lets the misses overlap (docs/performance.md, twelfth pass). The breadth-first
 * explorer and the parallel workers fingerprint a state's first successors here, then insert
 * slot k's fingerprint (`fp.slotOut`) and queue its difference (`fp.slotDiff`, `fp.slotLength`)
 * and, with symmetry reduction, its representative's signatures (`signatures[k]`).
 */
export class Ahead {
  /** With the canonicaliser: the signatures of the representative in each slot. */
  readonly signatures: readonly Int32Array[] | null;
  /** Symmetry reduction without the canonicaliser: successors are canonicalised one by one, none ahead. */
  private readonly none: boolean;

  constructor(
    private readonly fp: StateFingerprinter,
    /** The canonicaliser with symmetry reduction, null without it. */
    private readonly canon: WasmCanonicaliser | null,
    /** Symmetry reduction's members (0 without it). */
    members: number,
  ) {
    this.signatures = canon ? fp.slotDiff.map(() => new Int32Array(members)) : null;
    this.none = members > 0 && canon === null;
  }

  /**
   * Fingerprints the first successors of `xs` into the slots: those in the fingerprinter's room,
   * at most as many as it has slots, canonicalised when there is a canonicaliser. Then reads
   * each one's home slot in `table`. Returns how many; with symmetry reduction but no
   * canonicaliser, none.
   */
  take(xs: readonly Successor[], table: FingerprintTable): number {
    const { fp, canon } = this;
    if (this.none) return 0;
    const most = Math.min(xs.length, fp.slotDiff.length);
    let k = 0;
    for (; k < most; k++) {
      const v = xs[k]!.state;
      if (!fp.inRoom(v)) break;
      if (canon) {
        canon.scanCanonicalInto(v, k);
        fp.hashInto(k);
        this.signatures![k]!.set(canon.representativeSignatures());
      } else fp.takeInto(v, k);
    }
    const out = fp.slotOut;
    let t = 0;
    for (let j = 0; j < k; j++) t += table.touch(out[2 * j]!);
    touched ^= t;
    return k;
  }
}
