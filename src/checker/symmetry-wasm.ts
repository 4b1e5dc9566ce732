// The symmetry canonicaliser on differences in WebAssembly: `Symmetry.canonicalDiff(…, fromParent)` for the breadth-first explorer and its workers, run in the fingerprinter's memory.
import type { StateFingerprinter } from "./fingerprint.js";
import type { DiffTables } from "./symmetry.js";
import { EcState, type StateVector } from "../kernel/layout.js";
import { NO_CAP } from "../kernel/cap.js";
import { SNAPSHOT_MARK } from "../kernel/space.js";
import { SYMMETRY_WASM } from "./symmetry-wasm.generated.js";
import { instantiate } from "./wasm.js";

/**
 * With symmetry reduction every successor is canonicalised; in JavaScript that cost the explorer
 * more than everything else it does per successor (docs/performance-history.md, tenth pass).
 * assembly/symmetry.ts computes the same thing from the same tables (`Symmetry.diffTables`), laid
 * out here in the memory of the explorer's fingerprinter, where the successor vectors (its room),
 * the initial state and the difference already live, so a successor is canonicalised with one
 * call and no copy. `Symmetry.canonicalDiff` stays the reference and the path where this cannot
 * run (no WebAssembly SIMD, so no fingerprinter memory); test/checker/symmetry-wasm.test.ts
 * compares the two on every transition of scenarios that exercise each table.
 */
export class WasmCanonicaliser {
  private readonly e: SymmetryExports;
  /**
   * The parent (`setParent`) and its difference from the reference, in the module's memory. A
   * caller may decode the parent here itself (the breadth-first frontier does, and a parallel
   * worker) and then pass these very views to `setParent`, which copies nothing then.
   */
  readonly parent: Int32Array;
  readonly parentDiff: Int32Array;
  private readonly parentSig: Int32Array;
  private readonly repSig: Int32Array;
  /** `canonicalSlots`: the byte addresses of the successors to canonicalise into the fingerprinter's slots, and each slot's representative's signatures. */
  readonly slotAddresses: Int32Array;
  readonly slotSignatures: readonly Int32Array[];
  /** `canonicalSlots`: each slot's member images, numbered across families (as `Symmetry.lastImagesInto` gives them). */
  readonly slotImages: readonly Int32Array[];
  private readonly images: Int32Array;
  private readonly identity: Int32Array;

  private constructor(
    private readonly fp: StateFingerprinter,
    e: SymmetryExports,
    at: Placement,
  ) {
    const buffer = fp.memory!.buffer;
    const view = (a: number, n: number): Int32Array => new Int32Array(buffer, a, n);
    const words = fp.ref.length;
    const members = at.members;
    this.e = e;
    this.parent = view(at.parent, words);
    this.parent.set(fp.ref);
    this.parentDiff = view(at.parentDiff, 2 * words + 2);
    this.parentSig = view(at.parentSig, members);
    this.repSig = view(at.repSig, members);
    this.slotAddresses = view(at.slotAddr, fp.slotDiff.length);
    this.slotSignatures = fp.slotDiff.map((_, k) => view(at.slotSig + 4 * k * members, members));
    this.slotImages = fp.slotDiff.map((_, k) => view(at.slotImages + 4 * k * members, members));
    this.images = view(at.images, members);
    this.identity = view(at.identity, members);
  }

  /** The bytes the canonicaliser needs after the fingerprinter's own (its `extra`), for a fingerprinter of `slots` slots. */
  static bytes(t: DiffTables, slots = 0): number {
    return layout(t, 0, slots).bytes;
  }

  /**
   * A canonicaliser in `fp`'s memory, whose `extra` bytes (at least `bytes(tables)`) it takes;
   * null when `fp` has no WebAssembly memory or this runtime cannot compile the module.
   */
  static attach(tables: DiffTables, fp: StateFingerprinter): WasmCanonicaliser | null {
    if (fp.memory === null || tables.words !== fp.ref.length) return null;
    const at = layout(tables, fp.extraAt, fp.slotDiff.length);
    // Its extra bytes end where its slots start.
    if (at.end > fp.slotDiffAddress(0)) throw new Error(`symmetry: the fingerprinter has ${fp.slotDiffAddress(0) - fp.extraAt} extra bytes, the canonicaliser needs ${at.end - fp.extraAt} (WasmCanonicaliser.bytes with its slots)`);
    const e = instantiate<SymmetryExports>(SYMMETRY_WASM, { env: { memory: fp.memory, hash: fp.hashFunction } });
    if (e === null) return null;
    const mem = new Int32Array(fp.memory.buffer);
    for (const [a, values] of at.fill) mem.set(values, a >> 2);
    const header = [
      tables.words,
      fp.refAt,
      tables.familyStart.at(-1)!,
      tables.familyStart.length - 1,
      at.familyStart,
      at.entryBase,
      at.entryAt,
      at.entryOp,
      at.entryAux,
      at.relBase,
      at.readerStart,
      at.readerMember,
      at.readerEntry,
      at.entryLocal,
      at.stamp,
      at.parentSig,
      at.childSig,
      at.repSig,
      at.parent,
      at.parentDiff,
      at.perm,
      at.objStart,
      at.objTab,
      at.objIdx,
      at.wordTab,
      at.wordIdx,
      at.wordStride,
      at.wordOp,
      at.wordAux,
      at.wordDep,
      at.marks,
      at.fromOf,
      at.images,
      at.order,
      at.permImages,
      at.changed,
      at.slotAddr,
      fp.slotDiffAddress(0),
      fp.slotDiffAddress(1) - fp.slotDiffAddress(0),
      fp.slotOutAddress(0),
      fp.slotLengthAddress(0),
      at.slotSig,
      tables.offsets.pd,
      tables.offsets.ec,
      tables.offsets.sc,
      tables.offsets.pt,
      tables.offsets.sm,
      tables.offsets.mem,
      tables.offsets.slot,
      tables.memCount,
      tables.rowBase,
      tables.rowWords,
      at.memInv,
      at.kindTab,
      NO_CAP,
      EcState.SM,
      SNAPSHOT_MARK,
      at.slotImages,
      at.identity,
      tables.held.length / 5,
      at.held,
      at.heldSlots,
    ];
    if (header.length !== e.headerWords()) throw new Error(`symmetry: ${header.length} header words written, the module reads ${e.headerWords()}`);
    mem.set(header, at.header >> 2);
    e.init(at.header);
    return new WasmCanonicaliser(fp, e, at);
  }

  /** `Symmetry.setParent`: the state whose successors are canonicalised next, its difference from the reference in `d[0..n)`, and its signatures if known (computed here otherwise). */
  setParent(s: StateVector, d: Int32Array, n: number, sigs: Int32Array | null = null): void {
    // The breadth-first frontier decodes each state here already.
    if (s !== this.parent) this.parent.set(s);
    const pd = this.parentDiff;
    if (d !== pd) for (let k = 0; k < n; k++) pd[k] = d[k]!;
    if (sigs) this.parentSig.set(sigs);
    this.e.setParent(n, sigs === null);
  }

  /** `setParent` of a state given as its packed record at `packed[o]` (packed.ts), whose extra words are its signatures. */
  setParentRecord(s: StateVector, packed: Int32Array, o: number): void {
    if (s !== this.parent) this.parent.set(s);
    const n = 2 * packed[o]!;
    const pd = this.parentDiff;
    for (let k = 0; k < n; k++) pd[k] = packed[o + 1 + k]!;
    const sig = this.parentSig;
    for (let m = 0, at = o + 1 + n; m < sig.length; m++) sig[m] = packed[at + m]!;
    this.e.setParent(n, false);
  }

  /**
   * `Symmetry.canonicalDiff(s, fp.diff, n, fp.ref, true)`: `s` is a successor of the parent and
   * the fingerprinter's `diff[0..n)` its difference from the reference (`scan`); rewrites it
   * with the representative's and returns its length.
   */
  canonicalDiff(s: StateVector, n: number): number {
    return this.e.canonicalDiff(this.addressOf(s), this.fp.diffAt, n);
  }

  /**
   * The fingerprinter's `scan` and then `canonicalDiff` of `s`, a successor of the parent, in one
   * call: its difference from the reference is the parent's with the words where `s` differs
   * from the parent replaced (found by one pass over `s`). Leaves the representative's
   * difference in the fingerprinter's `diff` and returns its length.
   */
  scanCanonical(s: StateVector): number {
    return this.e.scanCanonical(this.addressOf(s), this.fp.diffAt);
  }

  /**
   * `scanCanonical` of the room vectors at `slotAddresses[0..count)`, each into the
   * fingerprinter's slot of the same number (`StateFingerprinter.slotDiff`), whose length and
   * fingerprint it sets, with the representative's signatures in `slotSignatures`: one call.
   */
  canonicalSlots(count: number): void {
    this.e.canonicalSlots(count);
  }

  /** Where `s` is in the memory: in the fingerprinter's room, or copied into its scratch vector. */
  private addressOf(s: StateVector): number {
    return this.fp.addressOf(s);
  }

  /** The member images of the representative the last `canonicalDiff` or `scanCanonical` found (valid until the next). */
  lastImages(): Int32Array {
    return this.e.lastMoved() ? this.images : this.identity;
  }

  /** `Symmetry.representativeSignatures`: those of the representative the last `canonicalDiff` found (valid until the next). */
  representativeSignatures(): Int32Array {
    return this.repSig;
  }
}

/** assembly/symmetry.ts's functions. */
interface SymmetryExports {
  init(header: number): void;
  headerWords(): number;
  setParent(n: number, computeSignatures: boolean): void;
  canonicalDiff(s: number, d: number, n: number): number;
  scanCanonical(s: number, d: number): number;
  canonicalSlots(count: number): void;
  lastMoved(): boolean;
}

/** Where each table goes, from `base` on (byte addresses, 16-aligned), and what to fill them with. */
interface Placement extends Readonly<Record<TableName, number>> {
  readonly members: number;
  readonly fill: readonly (readonly [number, ArrayLike<number>])[];
  readonly end: number;
  readonly bytes: number;
}

type TableName =
  | "header"
  | "familyStart"
  | "entryBase"
  | "entryAt"
  | "entryOp"
  | "entryAux"
  | "entryLocal"
  | "relBase"
  | "readerStart"
  | "readerMember"
  | "readerEntry"
  | "stamp"
  | "parentSig"
  | "childSig"
  | "repSig"
  | "parent"
  | "parentDiff"
  | "perm"
  | "objStart"
  | "objTab"
  | "objIdx"
  | "wordTab"
  | "wordIdx"
  | "wordStride"
  | "wordOp"
  | "wordAux"
  | "wordDep"
  | "marks"
  | "fromOf"
  | "images"
  | "order"
  | "permImages"
  | "changed"
  | "slotAddr"
  | "slotSig"
  | "slotImages"
  | "identity"
  | "kindTab"
  | "memInv"
  | "held"
  | "heldSlots";

/** The family member `m` (numbered across families) belongs to. */
function familyOf(familyStart: Int32Array, m: number): number {
  let f = 0;
  while (familyStart[f + 1]! <= m) f++;
  return f;
}

function layout(t: DiffTables, base: number, slots: number): Placement {
  const members = t.familyStart.at(-1)!;
  const entries = t.entryBase.at(-1)!;
  const words = t.words;
  const at: Partial<Record<TableName, number>> = {};
  const fill: [number, ArrayLike<number>][] = [];
  let next = base;
  const take = (name: TableName | null, count: number, values: ArrayLike<number> | null = null): number => {
    const a = next;
    if (name) at[name] = a;
    next += (count * 4 + 15) & ~15;
    if (values) fill.push([a, values]);
    return a;
  };
  take("header", 64);
  take("familyStart", t.familyStart.length, t.familyStart);
  take("entryBase", t.entryBase.length, t.entryBase);
  take("entryAt", entries, t.entryAt);
  take("entryOp", entries, t.entryOp);
  take("entryAux", entries, t.entryAux);
  take("entryLocal", entries, t.entryLocal);
  take("readerStart", t.readerStart.length, t.readerStart);
  take("readerMember", t.readerMember.length, t.readerMember);
  take("readerEntry", t.readerEntry.length, t.readerEntry);
  take("stamp", entries);
  take("parentSig", members);
  take("childSig", members);
  take("repSig", members);
  take("parent", words);
  take("parentDiff", 2 * words + 2);
  // The permutation's tables start as the identity: only members' objects are ever rewritten.
  take("perm", t.permWords, t.permIdentity);
  take("objStart", t.objStart.length, t.objStart);
  take("objTab", t.objTab.length, t.objTab);
  take("objIdx", t.objIdx.length, t.objIdx);
  take("wordTab", words, t.wordTab);
  take("wordIdx", words, t.wordIdx);
  take("wordStride", words, t.wordStride);
  take("wordOp", words, t.wordOp);
  take("wordAux", words, t.wordAux);
  take("wordDep", words, t.wordDep);
  take("marks", (words + 31) >>> 5);
  take("fromOf", words);
  take("images", members);
  take("order", members);
  // The member images `perm` holds: the identity's, each member's index in its family.
  const identity = Int32Array.from({ length: members }, (_, m) => m - t.familyStart[familyOf(t.familyStart, m)]!);
  take("permImages", members, identity);
  take("changed", words);
  take("slotAddr", slots);
  take("slotSig", slots * members);
  take("slotImages", slots * members);
  take("identity", members, identity);
  take("kindTab", t.kindTab.length, t.kindTab);
  take("memInv", t.memCount, Int32Array.from({ length: t.memCount }, (_, i) => i));
  take("held", t.held.length, t.held);
  take("heldSlots", t.heldSlots.length, t.heldSlots);
  // Each member's relative tables, and their addresses.
  const rels = t.rel.map((r) => take(null, r.length, r));
  take("relBase", members, rels);
  return { ...(at as Record<TableName, number>), members, fill, end: next, bytes: next - base };
}
