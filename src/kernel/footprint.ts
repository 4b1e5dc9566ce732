// Read footprints: the words of the state vector a system call may read, declared by each entry of the dispatch table (kernel.md §8.13).
import { EC, EcState, PD, PT, SC, SLOT, SM, type Layout, type StateVector } from "./layout.js";
import { pteIndex } from "../machine/mmu.js";
import { NO_CAP } from "./cap.js";
import { slotsOf, SNAPSHOT_MARK } from "./space.js";

type EcField = (typeof EC)[keyof typeof EC];

/**
 * A set of state-vector words: what a system call may read (kernel.md §8.13). A word outside it
 * does not change what the call does: not its status, not what it writes. It is declared, not
 * recorded: each entry of the dispatch table says what its decode and invoke read, from the
 * state the call starts in (`Entry.reads`), and `test/kernel/footprint.test.ts` changes every
 * word outside the set, one at a time, and checks that the call does the same.
 *
 * Cleared in O(1): a word is in the set when its stamp is the current epoch.
 */
export class ReadSet {
  private readonly stamps: Int32Array;
  private epoch = 1;
  /** Every word: for a call whose reads are not declared word by word. */
  everything = false;
  /** The words in the set, `list[0..size)`, each once, in the order first declared (not when `everything`). */
  list: Int32Array;
  size = 0;
  /**
   * Guarded reads, `guards[4k..4k+4)` for k below `guardCount`: word, mask, lo, hi. The reader
   * looks at such a word only through whether `lo <= (value & mask) < hi` (`inGuard`): which ECs
   * are blocked on an object by state, which slots are children of a set of slots. A value with
   * the same answer changes nothing. A word may carry several guards, and be read outright too.
   */
  guards: Int32Array;
  guardCount = 0;
  /** Per word, when its stamp is the current epoch: its last guard; per guard, the word's guard before it (-1: none). */
  private readonly guardStamps: Int32Array;
  private readonly guardHead: Int32Array;
  private guardNext: Int32Array;

  constructor(readonly L: Layout) {
    this.stamps = new Int32Array(L.words);
    this.list = new Int32Array(64);
    this.guards = new Int32Array(64);
    this.guardStamps = new Int32Array(L.words);
    this.guardHead = new Int32Array(L.words);
    this.guardNext = new Int32Array(16);
  }

  /** Empties the set. */
  clear(): this {
    this.everything = false;
    this.size = 0;
    this.guardCount = 0;
    if (++this.epoch === 0x7fffffff) {
      this.stamps.fill(0);
      this.guardStamps.fill(0);
      this.epoch = 1;
    }
    return this;
  }

  has(i: number): boolean {
    return this.everything || this.stamps[i] === this.epoch;
  }

  word(i: number): void {
    if (this.stamps[i] === this.epoch) return;
    this.stamps[i] = this.epoch;
    if (this.size === this.list.length) {
      const l = new Int32Array(2 * this.size);
      l.set(this.list);
      this.list = l;
    }
    this.list[this.size++] = i;
  }

  /** Word `i`, read only through whether `lo <= (value & mask) < hi` (each guard once: a scan may be declared again). */
  guard(i: number, mask: number, lo: number, hi: number): void {
    const g0 = this.guards;
    let k = this.guardStamps[i] === this.epoch ? this.guardHead[i]! : -1;
    for (; k >= 0; k = this.guardNext[k]!) if (g0[4 * k + 1] === mask && g0[4 * k + 2] === lo && g0[4 * k + 3] === hi) return;
    const n = this.guardCount;
    if (4 * n === g0.length) {
      const g = new Int32Array(2 * g0.length);
      g.set(g0);
      this.guards = g;
    }
    if (n === this.guardNext.length) {
      const next = new Int32Array(2 * n);
      next.set(this.guardNext);
      this.guardNext = next;
    }
    const g = this.guards;
    g[4 * n] = i;
    g[4 * n + 1] = mask;
    g[4 * n + 2] = lo;
    g[4 * n + 3] = hi;
    this.guardNext[n] = this.guardStamps[i] === this.epoch ? this.guardHead[i]! : -1;
    this.guardStamps[i] = this.epoch;
    this.guardHead[i] = n;
    this.guardCount++;
  }

  /** Whether every guard on word `i` gives `from` and `to` the same answer (what is read outright is not asked). */
  sameGuards(i: number, from: number, to: number): boolean {
    if (this.guardStamps[i] !== this.epoch) return true;
    const g = this.guards;
    for (let k = this.guardHead[i]!; k >= 0; k = this.guardNext[k]!) if (inGuard(from, g[4 * k + 1]!, g[4 * k + 2]!, g[4 * k + 3]!) !== inGuard(to, g[4 * k + 1]!, g[4 * k + 2]!, g[4 * k + 3]!)) return false;
    return true;
  }

  /** Every word of the record of EC `e`. */
  ecRecord(e: number): void {
    const b = this.L.base.ec + e * this.L.ecSize;
    for (let i = 0; i < this.L.ecSize; i++) this.word(b + i);
  }

  /**
   * Which live slots are children of the global slots `lo` to `hi - 1`: what a search of the
   * derivation tree for their children reads (`childrenOf`, `markParents`). Every slot's parent,
   * through whether it is one of them (the snapshot mark stripped), and, for a slot whose parent
   * is, whether it holds a capability.
   */
  links(s: StateVector, lo: number, hi: number): void {
    const L = this.L;
    for (let g = 0; g < L.counts.slots; g++) {
      const at = L.base.slots + g * SLOT.SIZE;
      this.guard(at + SLOT.PARENT, ~SNAPSHOT_MARK, lo, hi);
      if (inGuard(s[at + SLOT.PARENT]!, ~SNAPSHOT_MARK, lo, hi)) this.guard(at + SLOT.CAP, -1, NO_CAP, NO_CAP + 1);
    }
  }

  /** Whether each PT is alive: what the search for a free one reads (`freePt`). */
  pts(): void {
    for (let p = 0; p < this.L.counts.pt; p++) this.word(this.L.base.pt + p * PT.SIZE + PT.ALIVE);
  }

  /** Whether each SM is alive: what the search for a free one reads (`freeSm`). */
  sms(): void {
    for (let m = 0; m < this.L.counts.sm; m++) this.word(this.L.base.sm + m * SM.SIZE + SM.ALIVE);
  }

  /** Every word. */
  all(): void {
    this.everything = true;
  }

  /** Fields of EC `e`'s record. */
  ec(e: number, ...fields: EcField[]): void {
    const b = this.L.base.ec + e * this.L.ecSize;
    for (const f of fields) this.word(b + f);
  }

  /** The message in EC `e`'s UTCB: its words, their labels and its capability item. */
  message(e: number): void {
    const b = this.L.base.ec + e * this.L.ecSize;
    for (let w = 0; w < this.L.config.msgWords; w++) this.word(b + EC.MSG + w);
    this.word(b + EC.MSG_LABELS);
    this.word(b + EC.MSG_CAP);
  }

  /** The fields that say which ECs are blocked on what (`blockedOn`): whether each EC is in `state`, and the object of those that are. */
  blocked(s: StateVector, state: EcState): void {
    const L = this.L;
    for (let e = 0; e < L.counts.ec; e++) {
      const b = L.base.ec + e * L.ecSize;
      this.guard(b + EC.STATE, -1, state, state + 1);
      if (s[b + EC.STATE] === state) this.word(b + EC.WAIT);
    }
  }

  /** The capability word of global slot `g`. */
  cap(g: number): void {
    this.word(this.L.base.slots + g * SLOT.SIZE + SLOT.CAP);
  }

  /** The capability word of `pd`'s selector `sel`, when the selector is in its space (`lookupCap` reads nothing otherwise). */
  selector(pd: number, sel: number): void {
    if (Number.isInteger(sel) && sel >= 0 && sel < slotsOf(this.L, pd)) this.cap(this.L.slotBase[pd]! + sel);
  }

  /** Every slot of `pd`'s space, capability and parent (`placeForChild`, `insertChild`). */
  space(pd: number): void {
    const L = this.L;
    const first = L.base.slots + L.slotBase[pd]! * SLOT.SIZE;
    for (let i = 0, n = slotsOf(L, pd) * SLOT.SIZE; i < n; i++) this.word(first + i);
  }

  pd(p: number, field: (typeof PD)[keyof typeof PD]): void {
    this.word(this.L.base.pd + p * PD.SIZE + field);
  }

  /** A portal's record: whether it is alive and the EC it is bound to. */
  pt(p: number): void {
    const b = this.L.base.pt + p * PT.SIZE;
    this.word(b + PT.ALIVE);
    this.word(b + PT.EC);
  }

  sm(m: number, field: (typeof SM)[keyof typeof SM]): void {
    this.word(this.L.base.sm + m * SM.SIZE + field);
  }

  /** Which EC each SC is bound to, and whether it is alive: what `scOf` searches. */
  scs(): void {
    const L = this.L;
    for (let c = 0; c < L.counts.sc; c++) {
      this.word(L.base.sc + c * SC.SIZE + SC.ALIVE);
      this.word(L.base.sc + c * SC.SIZE + SC.EC);
    }
  }

  /** The page-table word holding `pd`'s entry for memory object `mem` (`pte`). */
  pte(pd: number, mem: number): void {
    this.word(pteIndex(this.L, pd, mem));
  }
}

/** Whether `value` passes a guard: `lo <= (value & mask) < hi`. */
export function inGuard(value: number, mask: number, lo: number, hi: number): boolean {
  const v = value & mask;
  return v >= lo && v < hi;
}
