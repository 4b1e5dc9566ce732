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
 */
export class ProjectionMemo {
  private readonly words: Int32Array;
  private readonly buf: Int32Array;
  /** hash → the projections with that hash. */
  private readonly seen = new Map<number, Int32Array[]>();
  /** Words remembered. */
  private size = 0;

  constructor(readonly projection: Projection) {
    this.words = projection.words;
    this.buf = new Int32Array(this.words.length);
  }

  /** Whether `s`'s projection is new (and remembers it); false when a state with the same one was seen. */
  isNew(s: StateVector): boolean {
    const { words, buf } = this;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < words.length; i++) {
      const x = s[words[i]!]!;
      buf[i] = x;
      h = Math.imul(h ^ x, 0x01000193);
      h ^= h >>> 15;
    }
    const bucket = this.seen.get(h);
    if (bucket) {
      outer: for (const p of bucket) {
        for (let i = 0; i < p.length; i++) if (p[i] !== buf[i]) continue outer;
        return false;
      }
    }
    if (this.size + buf.length > MAX_WORDS) return true;
    this.size += buf.length;
    if (bucket) bucket.push(buf.slice());
    else this.seen.set(h, [buf.slice()]);
    return true;
  }
}
