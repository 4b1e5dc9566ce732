// Projections: the words of a state an invariant reads, and a memo of the projections already judged.
import { DEV, EC, PD, PT, SC, MEM, type Layout, type StateVector } from "../../kernel/layout.js";

/**
 * The state words a monitor's verdict on a state depends on (and nothing else: its other
 * inputs are the scenario's static model). Two states with the same projection get the
 * same verdict, so a state whose projection was judged before has nothing new to show.
 */
export interface Projection {
  /** Word indices, in a fixed order. */
  readonly words: Int32Array;
}

const structures = new WeakMap<Layout, Projection>();
const knowledges = new WeakMap<Layout, Projection>();

/**
 * The capability structure (spec/invariants.md §4, §6): every capability slot and its
 * parent link, the page tables and TLBs, the devices' assignment, and who owns each EC,
 * SC and PT (an EC's state and PD, an SC's liveness and EC, a PT's liveness and EC) and
 * each PD's liveness. `isolated` and the TCB relation read nothing else of a state.
 */
export function structureOf(L: Layout): Projection {
  let p = structures.get(L);
  if (!p) {
    const w: number[] = [];
    for (let pd = 0; pd < L.counts.pd; pd++) w.push(L.base.pd + pd * PD.SIZE + PD.ALIVE);
    for (let e = 0; e < L.counts.ec; e++) w.push(L.base.ec + e * L.ecSize + EC.STATE, L.base.ec + e * L.ecSize + EC.PD);
    for (let c = 0; c < L.counts.sc; c++) w.push(L.base.sc + c * SC.SIZE + SC.ALIVE, L.base.sc + c * SC.SIZE + SC.EC);
    for (let t = 0; t < L.counts.pt; t++) w.push(L.base.pt + t * PT.SIZE + PT.ALIVE, L.base.pt + t * PT.SIZE + PT.EC);
    // Devices, slots, page tables and TLBs are the vector's last tables (layout.ts): one range.
    if (L.base.dev + L.counts.dev * DEV.SIZE !== L.base.slots || L.base.tlb + L.counts.cpu * L.counts.pd * L.pteWords !== L.words)
      throw new Error("layout: devices, slots, page tables and TLBs are no longer the last tables");
    for (let i = L.base.dev; i < L.words; i++) w.push(i);
    p = { words: Int32Array.from(w) };
    structures.set(L, p);
  }
  return p;
}

/**
 * The structure and the labels (spec/invariants.md §3): what `never flows` reads — who
 * can read what, and what each memory object, UTCB message and variable carries.
 */
export function knowledgeOf(L: Layout): Projection {
  let p = knowledges.get(L);
  if (!p) {
    const w = [...structureOf(L).words];
    for (let m = 0; m < L.counts.mem; m++) w.push(L.base.mem + m * MEM.SIZE + MEM.LABELS);
    for (let e = 0; e < L.counts.ec; e++) {
      const at = L.base.ec + e * L.ecSize;
      w.push(at + EC.MSG_LABELS);
      for (let v = 0; v < L.vars; v++) w.push(at + EC.MSG + L.config.msgWords + 2 * v + 1);
    }
    p = { words: Int32Array.from(w) };
    knowledges.set(L, p);
  }
  return p;
}

/** The words of remembered projections at most, 64 MiB (then every state not found is judged, as without the memo). */
const MAX_WORDS = 16 * 2 ** 20;

/**
 * The projections of a projection seen so far, exactly: a hash finds the candidates and
 * the words are compared, so a state is skipped only when a state with the very same
 * projection was judged. Past MAX_WORDS no new projection is kept (each state not found is
 * then judged: slower, never wrong).
 *
 * A projection is kept as its difference from the initial state's (`ref`): the (word, value)
 * pairs of its words where the state differs from `ref`, in word order. That is a function of
 * the projection, and a few pairs where the projection has 100–160 words; a caller that has
 * the state's whole difference from `ref` (the explorer's fingerprinter leaves it) passes it,
 * and the projected words are not read at all. Projections are records in one growing array
 * (their length, their hash, their pairs), found through an open-addressing table of record
 * offsets: no object per projection, which a memo asked once per state would pay for.
 */
export class ProjectionMemo {
  /** Per state word: 1 where the projection reads it. */
  private readonly reads: Uint8Array;
  /** The projection's words in index order. */
  private readonly sorted: Int32Array;
  /** The pairs of the state being asked about. */
  private readonly buf: Int32Array;
  /** The records: at offset o, the pairs' word count n, the hash, then the n words. */
  private records = new Int32Array(1 << 12);
  private used = 0;
  /** Open addressing: a record's offset + 1 per slot, 0 for none; at most half full. */
  private slots = new Int32Array(1 << 8);
  private count = 0;

  constructor(
    readonly projection: Projection,
    private readonly ref: StateVector,
  ) {
    this.reads = new Uint8Array(ref.length);
    for (const w of projection.words) this.reads[w] = 1;
    this.sorted = Int32Array.from(projection.words).sort();
    this.buf = new Int32Array(2 * this.sorted.length);
  }

  /**
   * Whether `s`'s projection is new (and remembers it); false when a state with the same one was
   * seen. `diff[0..length)`, if given, is the difference of `s` from `ref` as (index, value)
   * pairs in index order (`StateFingerprinter`).
   */
  isNew(s: StateVector, diff?: Int32Array, length = 0): boolean {
    const buf = this.buf;
    let n = 0;
    if (diff) {
      const reads = this.reads;
      for (let k = 0; k < length; k += 2) {
        const j = diff[k]!;
        if (reads[j] === 1) {
          buf[n] = j;
          buf[n + 1] = diff[k + 1]!;
          n += 2;
        }
      }
    } else {
      const { sorted, ref } = this;
      for (let i = 0; i < sorted.length; i++) {
        const j = sorted[i]!;
        const v = s[j]!;
        if (v !== ref[j]) {
          buf[n] = j;
          buf[n + 1] = v;
          n += 2;
        }
      }
    }
    let h = (0x811c9dc5 ^ n) | 0;
    for (let i = 0; i < n; i++) {
      h = Math.imul(h ^ buf[i]!, 0x01000193);
      h ^= h >>> 15;
    }
    const { records, slots } = this;
    const mask = slots.length - 1;
    let at = h & mask;
    for (let o = slots[at]! - 1; o >= 0; at = (at + 1) & mask, o = slots[at]! - 1) {
      if (records[o] !== n || records[o + 1] !== h) continue;
      let same = true;
      for (let i = 0; i < n && same; i++) same = records[o + 2 + i] === buf[i];
      if (same) return false;
    }
    if (this.used + 2 + n > MAX_WORDS) return true;
    this.keep(at, h, n);
    return true;
  }

  /** Appends the record of `buf[0..n)` with hash `h`, in empty slot `at`. */
  private keep(at: number, h: number, n: number): void {
    if (this.used + 2 + n > this.records.length) {
      // Never past MAX_WORDS: `isNew` keeps nothing that would not fit there.
      const grown = new Int32Array(Math.max(Math.min(2 * this.records.length, MAX_WORDS), this.used + 2 + n));
      grown.set(this.records.subarray(0, this.used));
      this.records = grown;
    }
    const o = this.used;
    const r = this.records;
    r[o] = n;
    r[o + 1] = h;
    r.set(this.buf.subarray(0, n), o + 2);
    this.used = o + 2 + n;
    this.slots[at] = o + 1;
    if (++this.count * 2 > this.slots.length) this.rehash();
  }

  /** Doubles the table and places every record again. */
  private rehash(): void {
    const slots = new Int32Array(2 * this.slots.length);
    const mask = slots.length - 1;
    const r = this.records;
    for (let o = 0; o < this.used; o += 2 + r[o]!) {
      let at = r[o + 1]! & mask;
      while (slots[at] !== 0) at = (at + 1) & mask;
      slots[at] = o + 1;
    }
    this.slots = slots;
  }
}
