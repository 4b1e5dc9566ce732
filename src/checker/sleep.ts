// Sleep sets: the steps a state need not take, because a step independent of them taken first at its parent leads to the states they lead to (spec/invariants.md §10.1).
import { actorOf, actorReads, normalFormReads } from "../components/reads.js";
import { ACTOR_BITS, type Successor, type System } from "../components/step.js";
import { inGuard, ReadSet } from "../kernel/footprint.js";
import { EC, type StateVector } from "../kernel/layout.js";
import type { StateFingerprinter } from "./fingerprint.js";
import { SLEPT } from "./records.js";
import type { Symmetry } from "./symmetry.js";

/*
 * A record's ordinal (records.ts SLEPT) for a state reached from a parent with a non-empty sleep set: the parent did
 * not compute its sleeping actors' steps, so the step's place among all successors is not known.
 * The ordinal says instead which actor took it (its bit, or NO_BIT for the actors without one)
 * and which of that actor's steps it was; replay (`sleptOrdinalAt`) finds it among all
 * successors. Plain ordinals stay below SLEPT: with sleep sets a state may have at most SLEPT
 * successors (records.ts `MAX_SUCCESSORS`).
 */
const INDEX_BITS = 10;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** The slot of the steps of actors without a bit (devices; ECs from ACTOR_BITS on). Its last index is LOCAL_STEP (0xffff), not used. */
const NO_BIT = 31;

/** The sleep-set slot of a step's actor: its bit, or NO_BIT. */
function slotOf(sys: System, x: Successor): number {
  const a = actorOf(sys.k.L, x.step.kind, x.step.ec);
  return a >= 0 && a < ACTOR_BITS ? a : NO_BIT;
}

/** Where the step a SLEPT ordinal names is among `xs`, all the successors of the state it was recorded from; -1 if none is. */
export function sleptOrdinalAt(sys: System, xs: readonly Successor[], ordinal: number): number {
  const slot = (ordinal >> INDEX_BITS) & 31;
  let left = ordinal & INDEX_MASK;
  for (let i = 0; i < xs.length; i++) if (slotOf(sys, xs[i]!) === slot && left-- === 0) return i;
  return -1;
}

/**
 * The sleep sets of a breadth-first search (spec/invariants.md §10.1). A state's sleep set is a
 * mask of actor bits (reads.ts `actorOf`: EC e is bit e, its timeout bit ecs + e, below
 * ACTOR_BITS): `successors` leaves those actors' steps out. When the search expands a state `s`
 * (`expand`), the sleep set of its successor by step u (`childMask`) holds each actor A that is
 * asleep in `s` or whose every step was taken from `s` before u, and that is independent of u:
 * A's declared reads and the words its steps write (`actorReads`, `normalFormReads`) share no
 * word with what u wrote, and u's actor's reads share none with what A's steps write; a word read
 * through a guard (`ReadSet.guard`) is shared only when the write changes the guard's answer (an
 * asleep actor's carried writes, whose values are not kept, always do). Then from
 * `s`·u, A's steps do what they do from `s` (the words they read are the same), and lead to the
 * states u leads to from A's successors, which the search reaches anyway. A state's sleep set is
 * the intersection over its arrivals from the level before it (only those: a shortest path to
 * every state keeps a step not asleep).
 *
 * What an asleep actor's steps write is not worked out again: the state carries it from the
 * arrival that found it (`carry`), in the words of its own vector. Under symmetry reduction a
 * representative's words are not its successor's, so nothing is carried: there a sleep set holds
 * only actors taken before u from `s` (one level deep).
 *
 * An actor stays awake in its siblings when one of its steps may be judged (`keep`: a step
 * monitor's transition, the revoke that completes for `revocable`), or leads to a state with a
 * thread at a local step; and a state with a thread at a local step has an empty sleep set.
 * Partial-order reduction may take such a step alone, and the other order of two steps must be
 * a path the reduced search has.
 *
 * Footprints are worked out when a child first needs them (most successors are states seen
 * before), actor by actor, in successor order.
 */
export class SleepSets {
  /** What an actor's steps read (reads.ts): tests put a weakened one here, to see the search miss states. */
  static reads: typeof actorReads = actorReads;
  private readonly r: ReadSet;
  /** Per word: the bits of the actors (worked out so far) that read it, that read it through a guard, and that write it. */
  private readonly readers: Int32Array;
  private readonly guarded: Int32Array;
  private readonly writers: Int32Array;
  /** Words whose `readers` or `writers` are set, to clear them for the next state. */
  private touched: Int32Array;
  private touchedCount = 0;
  /** Bits of the actors (worked out so far) that read every word. */
  private allReaders = 0;
  // The state being expanded and its successors, grouped by actor.
  private s: StateVector | null = null;
  private xs: readonly Successor[] = [];
  /** Per successor: its group. Per group: first successor, end, actor, bit (0 for none), the bits of the groups before it. */
  private groupOf = new Int32Array(64);
  private first = new Int32Array(16);
  private end = new Int32Array(16);
  private actor = new Int32Array(16);
  private bit = new Int32Array(16);
  private before = new Int32Array(16);
  /** Per group: reads every word; its reads in `pool` (offset, count); the bits of the actors that write what it reads (-1: not yet). */
  private readsAll = new Uint8Array(16);
  private readsAt = new Int32Array(16);
  private readsCount = new Int32Array(16);
  private readersWriters = new Int32Array(16);
  /** Per group: its guards in `pool` (offset, count of quadruples: word, mask, lo, hi). */
  private guardsAt = new Int32Array(16);
  private guardsCount = new Int32Array(16);
  /** Per successor: its writes in `pool` (offset, count). */
  private writesAt = new Int32Array(64);
  private writesCount = new Int32Array(64);
  /** Per successor, with a sleep set: its place among its actor's steps (or among the steps of actors without a bit), which `ordinal` records. */
  private indexOf = new Int32Array(64);
  /** Whether the fingerprinter holds the state expanded (`setBase`, when a successor is first compared with it). */
  private baseSet = false;
  /** Per actor bit: its guards in `pool` (offset, count), and its group (-1: asleep, its writes carried without values). */
  private readonly bitGuardsAt = new Int32Array(ACTOR_BITS);
  private readonly bitGuardsCount = new Int32Array(ACTOR_BITS);
  private readonly groupOfBit = new Int32Array(ACTOR_BITS);
  /** Per actor bit: what its steps write, in `pool` (offset, count): for carrying. */
  private readonly unionAt = new Int32Array(ACTOR_BITS);
  private readonly unionCount = new Int32Array(ACTOR_BITS);
  private pool = new Int32Array(1024);
  private used = 0;
  /** Bits of the actors asleep in the state expanded whose writes it carries: candidates for every child. */
  private inherited = 0;
  /** Whether the inherited actors' footprints are worked out. */
  private inheritedDone = false;
  /** Bits of the actors worked out that may sleep (none of their steps kept, none leading to a local step). */
  private sleepable = 0;
  /** Worked out up to this group (every group before it is). */
  private upTo = 0;
  /** Per EC, with symmetry: its member (across families) and place in the member's ECs, or -1. */
  private readonly ecMember: Int32Array | null;
  private readonly ecPlace: Int32Array | null;
  /** Whether some thread has a local statement (partial-order reduction's local steps are on). */
  private readonly locals: boolean;

  constructor(
    private readonly sys: System,
    private readonly sym: Symmetry | null,
    /** Whether a step must be taken wherever it is enabled (a monitor judges it). */
    private readonly keep: ((from: StateVector, x: Successor) => boolean) | null,
    /** Partial-order reduction's local steps are on. */
    por: boolean,
    /** The search's fingerprinter, whose room the successors live in: it compares them with their parent in WebAssembly (`changed`). */
    private readonly fp: StateFingerprinter | null = null,
  ) {
    const L = sys.k.L;
    this.r = new ReadSet(L);
    this.readers = new Int32Array(L.words);
    this.guarded = new Int32Array(L.words);
    this.writers = new Int32Array(L.words);
    this.touched = new Int32Array(256);
    this.locals = por && sys.localPcs.some((p) => p !== null);
    if (sym) {
      this.ecMember = new Int32Array(L.counts.ec).fill(-1);
      this.ecPlace = new Int32Array(L.counts.ec);
      sym.families.forEach((f, fi) =>
        f.forEach((m, i) =>
          m.ec.forEach((e, p) => {
            this.ecMember![e] = sym.baseOf(fi) + i;
            this.ecPlace![e] = p;
          }),
        ),
      );
    } else this.ecMember = this.ecPlace = null;
  }

  /** Whether sleep sets carry what asleep actors write (not under symmetry reduction). */
  get carries(): boolean {
    return this.sym === null;
  }

  /**
   * Expands `s`, whose sleep set is `asleep`, into `xs` (its successors without the sleeping
   * actors'); `carried` holds what the asleep actors write from `carriedAt` on (`carry`'s
   * layout), or is null. Returns false when some step's ordinal would not fit a record (an actor
   * with more than a thousand steps): then the caller expands `s` again with no actor asleep.
   */
  expand(s: StateVector, asleep: number, xs: readonly Successor[], carried: Int32Array | null = null, carriedAt = 0): boolean {
    this.clear();
    this.s = s;
    this.xs = xs;
    const n = xs.length;
    if (this.groupOf.length < n) {
      this.groupOf = new Int32Array(2 * n);
      this.writesAt = new Int32Array(2 * n);
      this.writesCount = new Int32Array(2 * n);
      this.indexOf = new Int32Array(2 * n);
    }
    if (carried !== null && asleep !== 0) {
      // The lists of the sleep set the state was found with; its later arrivals may have narrowed it.
      let o = carriedAt;
      for (let m = carried[o++]!; m !== 0; m &= m - 1) {
        const b = 31 - Math.clz32(m & -m);
        const count = carried[o++]!;
        if ((asleep & (1 << b)) !== 0) {
          this.unionAt[b] = this.used;
          this.unionCount[b] = count;
          for (let k = 0; k < count; k++) this.push(carried[o + k]!);
        }
        o += count;
      }
      this.inherited = asleep;
    }
    let g = -1;
    let last = -2;
    let noBit = 0;
    let bits = this.inherited;
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const a = actorOf(this.sys.k.L, x.step.kind, x.step.ec);
      // Devices are never asleep: each of their steps is a group of its own.
      if (a !== last || a < 0) {
        g++;
        this.grow(g + 1);
        this.first[g] = i;
        this.actor[g] = a;
        this.bit[g] = a >= 0 && a < ACTOR_BITS ? 1 << a : 0;
        this.before[g] = bits;
        bits |= this.bit[g]!;
        this.readersWriters[g] = -1;
        last = a;
      }
      this.end[g] = i + 1;
      this.groupOf[i] = g;
      if (asleep !== 0) {
        const index = this.bit[g] !== 0 ? i - this.first[g]! : noBit++;
        if (index > (this.bit[g] !== 0 ? INDEX_MASK : INDEX_MASK - 1)) return false;
        this.indexOf[i] = index;
      }
    }
    return true;
  }

  /** The ordinal a record keeps for successor `i` of the last `expand`, whose state's sleep set was `asleep`. */
  ordinal(i: number, asleep: number): number {
    if (asleep === 0) return i;
    const bit = this.bit[this.groupOf[i]!]!;
    return SLEPT | ((bit !== 0 ? 31 - Math.clz32(bit) : NO_BIT) << INDEX_BITS) | this.indexOf[i]!;
  }

  /**
   * The actors that may be in successor `i`'s sleep set (`childMask` is a subset), worked out
   * without footprints; in its representative's terms when `images` are given (`map`).
   */
  candidates(i: number, images: Int32Array | null): number {
    const c = this.before[this.groupOf[i]!]!;
    return images ? this.map(c, images) : c;
  }

  /** The sleep set of successor `i` of the last `expand`, in its parent's terms (`map` it to its representative's). */
  childMask(i: number): number {
    const g = this.groupOf[i]!;
    const candidates = this.before[g]!;
    if (candidates === 0) return 0;
    if (this.locals && this.mayBeLocal(this.xs[i]!.state)) return 0;
    this.workOut(g);
    const may = candidates & this.sleepable;
    if (may === 0 || this.readsAll[g]) return 0;
    const { readers, writers, pool } = this;
    let dependent = 0;
    const at = this.writesAt[i]!;
    const count = this.writesCount[i]!;
    if (count > 0) dependent |= this.allReaders;
    for (let k = at; k < at + count; k++) {
      const w = pool[k]!;
      dependent |= readers[w]! | writers[w]!;
    }
    // An actor that reads a word u wrote through a guard only: dependent when the guard's answer changed.
    let open = may & ~dependent;
    if (open !== 0) {
      const s = this.s!;
      const n = this.xs[i]!.state;
      for (let k = at; k < at + count && open !== 0; k++) {
        const w = pool[k]!;
        for (let m = this.guarded[w]! & open; m !== 0; m &= m - 1) {
          const b = 31 - Math.clz32(m & -m);
          if (this.flips(this.bitGuardsAt[b]!, this.bitGuardsCount[b]!, w, s[w]!, n[w]!)) {
            dependent |= 1 << b;
            open &= ~(1 << b);
          }
        }
      }
    }
    let rw = this.readersWriters[g]!;
    if (rw < 0) {
      rw = 0;
      for (let k = this.readsAt[g]!, e = k + this.readsCount[g]!; k < e; k++) rw |= writers[pool[k]!]!;
      rw |= this.guardWriters(g, rw);
      this.readersWriters[g] = rw;
    }
    return may & ~(dependent | rw);
  }

  /** Whether one of the guards at `at` (`count` quadruples) on word `w` answers `from` and `to` differently. */
  private flips(at: number, count: number, w: number, from: number, to: number): boolean {
    const p = this.pool;
    for (let k = at, e = at + 4 * count; k < e; k += 4) if (p[k] === w && inGuard(from, p[k + 1]!, p[k + 2]!, p[k + 3]!) !== inGuard(to, p[k + 1]!, p[k + 2]!, p[k + 3]!)) return true;
    return false;
  }

  /**
   * The bits of the actors (not in `known`) one of whose steps writes a word group `g` reads
   * through a guard and changes its answer: for an asleep actor, whose writes are carried
   * without their values, any write of the word.
   */
  private guardWriters(g: number, known: number): number {
    const { pool, writers, xs } = this;
    const s = this.s!;
    let out = 0;
    for (let k = this.guardsAt[g]!, e = k + 4 * this.guardsCount[g]!; k < e; k += 4) {
      const w = pool[k]!;
      for (let m = writers[w]! & ~(known | out); m !== 0; m &= m - 1) {
        const b = 31 - Math.clz32(m & -m);
        const h = this.groupOfBit[b]!;
        if (h < 0) {
          out |= 1 << b;
          continue;
        }
        for (let j = this.first[h]!; j < this.end[h]!; j++) {
          const v = xs[j]!.state[w]!;
          if (inGuard(s[w]!, pool[k + 1]!, pool[k + 2]!, pool[k + 3]!) !== inGuard(v, pool[k + 1]!, pool[k + 2]!, pool[k + 3]!)) {
            out |= 1 << b;
            break;
          }
        }
      }
    }
    return out;
  }

  /**
   * Appends to `out` at `o` what the actors of `mask` (a `childMask` of the last `expand`) write,
   * for the successor to carry: the mask, then per bit in increasing order a count and the
   * words. Returns the end.
   */
  carry(mask: number, out: { a: Int32Array }, o: number): number {
    let need = o + 1;
    for (let m = mask; m !== 0; m &= m - 1) need += 1 + this.unionCount[31 - Math.clz32(m & -m)]!;
    if (need > out.a.length) {
      const b = new Int32Array(Math.max(2 * out.a.length, need));
      b.set(out.a.subarray(0, o));
      out.a = b;
    }
    const a = out.a;
    a[o++] = mask;
    for (let m = mask; m !== 0; m &= m - 1) {
      const b = 31 - Math.clz32(m & -m);
      const count = this.unionCount[b]!;
      a[o++] = count;
      a.set(this.pool.subarray(this.unionAt[b]!, this.unionAt[b]! + count), o);
      o += count;
    }
    return o;
  }
  /**
   * `mask`, a sleep set in the terms of a successor, in those of its representative: the
   * permutation that took the successor there (member `images[i]` got member i's objects) moves
   * each replica's EC bits to its image's. A bit that would land past ACTOR_BITS is dropped (an
   * actor kept awake).
   */
  map(mask: number, images: Int32Array): number {
    if (mask === 0 || !this.sym) return mask;
    const ecs = this.sys.k.L.counts.ec;
    let out = 0;
    for (let m = mask; m !== 0; m &= m - 1) {
      const a = 31 - Math.clz32(m & -m);
      const e = a < ecs ? a : a - ecs;
      const member = this.ecMember![e]!;
      let to = e;
      if (member >= 0) {
        const f = this.familyOf(member);
        to = this.sym.families[f]![images[member]!]!.ec[this.ecPlace![e]!]!;
      }
      const b = a < ecs ? to : ecs + to;
      if (b < ACTOR_BITS) out |= 1 << b;
    }
    return out;
  }

  private familyOf(member: number): number {
    const fs = this.sym!.families;
    for (let f = fs.length - 1; f >= 0; f--) if (this.sym!.baseOf(f) <= member) return f;
    return 0;
  }

  /** Works out the footprints of the inherited actors, of every group up to `g`, and `g`'s own. */
  private workOut(g: number): void {
    if (!this.inheritedDone) {
      this.inheritedDone = true;
      for (let m = this.inherited; m !== 0; m &= m - 1) this.asleepOne(31 - Math.clz32(m & -m));
    }
    for (; this.upTo <= g; this.upTo++) this.one(this.upTo);
  }

  /** Works out the footprint of actor `b`, asleep: its reads from the state, and the writes the state carries for it. */
  private asleepOne(b: number): void {
    const { sys, r } = this;
    SleepSets.reads(sys, this.s!, b, r.clear());
    const bit = 1 << b;
    this.normalForms(this.unionAt[b]!, this.unionCount[b]!);
    for (let k = this.unionAt[b]!, e = k + this.unionCount[b]!; k < e; k++) this.mark(this.writers, this.pool[k]!, bit);
    this.markReads(bit);
    this.bitGuardsAt[b] = this.used;
    this.bitGuardsCount[b] = this.pushGuards(bit);
    this.groupOfBit[b] = -1;
    this.sleepable |= bit;
  }

  /**
   * Adds to `r` what the normal forms of the written words `pool[at..at + count)` read, once per
   * object for each run of its words (a successor's writes come in index order).
   */
  private normalForms(at: number, count: number): void {
    const L = this.sys.k.L;
    let lo = 0;
    let hi = 0;
    for (let k = at; k < at + count; k++) {
      const w = this.pool[k]!;
      if (w >= lo && w < hi) continue;
      lo = w;
      hi = normalFormReads(L, w, this.r);
    }
  }

  /** Marks `r`, just worked out, as read by the actor of `bit`. */
  private markReads(bit: number): void {
    const r = this.r;
    if (r.everything) this.allReaders |= bit;
    else for (let k = 0; k < r.size; k++) this.mark(this.readers, r.list[k]!, bit);
  }

  /** Appends `r`'s guards to `pool`, marking their words as read through a guard by the actor of `bit` (if any); returns their count. */
  private pushGuards(bit: number): number {
    const r = this.r;
    if (r.everything) return 0;
    for (let k = 0; k < 4 * r.guardCount; k++) this.push(r.guards[k]!);
    if (bit !== 0) for (let k = 0; k < r.guardCount; k++) this.mark(this.guarded, r.guards[4 * k]!, bit);
    return r.guardCount;
  }

  /** Works out group `g`'s footprint: its actor's reads, its steps' writes and their normal forms' reads. */
  private one(g: number): void {
    const { sys, r, xs } = this;
    const s = this.s!;
    SleepSets.reads(sys, s, this.actor[g]!, r.clear());
    const bit = this.bit[g]!;
    let sleepable = bit !== 0;
    if (bit !== 0) this.unionAt[31 - Math.clz32(bit)] = -1;
    for (let i = this.first[g]!; i < this.end[g]!; i++) {
      const n = xs[i]!.state;
      const at = this.used;
      this.writesAt[i] = at;
      this.diff(s, n);
      const count = this.used - at;
      this.writesCount[i] = count;
      this.normalForms(at, count);
      if (sleepable && ((this.keep !== null && this.keep(s, xs[i]!)) || (this.locals && this.mayBeLocal(n)))) sleepable = false;
    }
    this.readsAll[g] = r.everything ? 1 : 0;
    this.readsAt[g] = this.used;
    this.readsCount[g] = r.everything ? 0 : r.size;
    if (!r.everything) for (let k = 0; k < r.size; k++) this.push(r.list[k]!);
    this.guardsAt[g] = this.used;
    this.guardsCount[g] = this.pushGuards(bit);
    if (bit === 0) return;
    this.markReads(bit);
    this.bitGuardsAt[31 - Math.clz32(bit)] = this.guardsAt[g]!;
    this.bitGuardsCount[31 - Math.clz32(bit)] = this.guardsCount[g]!;
    this.groupOfBit[31 - Math.clz32(bit)] = g;
    // What the actor's steps write, each word once: marked, and listed for carrying.
    const b = 31 - Math.clz32(bit);
    const union = this.used;
    for (let i = this.first[g]!; i < this.end[g]!; i++)
      for (let k = this.writesAt[i]!, e = k + this.writesCount[i]!; k < e; k++) {
        const w = this.pool[k]!;
        if ((this.writers[w]! & bit) !== 0) continue;
        this.mark(this.writers, w, bit);
        this.push(w);
      }
    this.unionAt[b] = union;
    this.unionCount[b] = this.used - union;
    if (sleepable) this.sleepable |= bit;
  }

  /**
   * Appends to `pool` the words where `n` differs from `s`. Two words at a time where both
   * vectors are 8-byte aligned (a pair compares unequal when either word differs, and also when
   * its bits are a NaN, which the words then tell apart).
   */
  private diff(s: StateVector, n: StateVector): void {
    const words = n.length;
    if (this.used + words > this.pool.length) this.room(words);
    if (this.fp !== null && !this.baseSet) {
      this.fp.setBase(s);
      this.baseSet = true;
    }
    const found = this.fp !== null ? this.fp.changed(n, this.pool, this.used) : -1;
    if (found >= 0) {
      this.used += found;
      return;
    }
    const pool = this.pool;
    let used = this.used;
    let w = 0;
    if (((s.byteOffset | n.byteOffset) & 7) === 0) {
      const a = this.f64(s, 0);
      const b = this.f64(n, 1);
      const ao = s.byteOffset >>> 3;
      const bo = n.byteOffset >>> 3;
      const pairs = words >>> 1;
      for (let k = 0; k < pairs; k++) {
        if (a[ao + k] === b[bo + k]) continue;
        const i = 2 * k;
        if (n[i] !== s[i]) pool[used++] = i;
        if (n[i + 1] !== s[i + 1]) pool[used++] = i + 1;
      }
      w = 2 * pairs;
    }
    for (; w < words; w++) if (n[w] !== s[w]) pool[used++] = w;
    this.used = used;
  }

  /** A Float64Array over `v`'s buffer, kept per side (the parent's, the successors') while the buffer stays. */
  private f64(v: StateVector, side: number): Float64Array {
    const view = this.views[side];
    if (view !== undefined && view.buffer === v.buffer) return view;
    const made = new Float64Array(v.buffer, 0, v.buffer.byteLength >>> 3);
    this.views[side] = made;
    return made;
  }

  private readonly views: Float64Array[] = [];

  private room(n: number): void {
    const p = new Int32Array(Math.max(2 * this.pool.length, this.used + n));
    p.set(this.pool.subarray(0, this.used));
    this.pool = p;
  }

  /** Whether some thread of `n` is at a local step (step.ts `localStep` may then take it alone from `n`). */
  private mayBeLocal(n: StateVector): boolean {
    const { sys } = this;
    const L = sys.k.L;
    for (let e = 0; e < sys.programs.length; e++) {
      const local = sys.localPcs[e];
      if (local && local[n[L.base.ec + e * L.ecSize + EC.PC]!] === 1) return true;
    }
    return false;
  }

  private mark(a: Int32Array, w: number, bit: number): void {
    if (this.readers[w] === 0 && this.writers[w] === 0 && this.guarded[w] === 0) {
      if (this.touchedCount === this.touched.length) {
        const t = new Int32Array(2 * this.touchedCount);
        t.set(this.touched);
        this.touched = t;
      }
      this.touched[this.touchedCount++] = w;
    }
    a[w]! |= bit;
  }

  private push(v: number): void {
    if (this.used === this.pool.length) {
      const p = new Int32Array(2 * this.used);
      p.set(this.pool);
      this.pool = p;
    }
    this.pool[this.used++] = v;
  }

  private grow(groups: number): void {
    if (groups <= this.first.length) return;
    const n = 2 * groups;
    const int = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.first = int(this.first);
    this.end = int(this.end);
    this.actor = int(this.actor);
    this.bit = int(this.bit);
    this.before = int(this.before);
    this.readsAt = int(this.readsAt);
    this.readsCount = int(this.readsCount);
    this.guardsAt = int(this.guardsAt);
    this.guardsCount = int(this.guardsCount);
    this.readersWriters = int(this.readersWriters);
    const ra = new Uint8Array(n);
    ra.set(this.readsAll);
    this.readsAll = ra;
  }

  private clear(): void {
    for (let k = 0; k < this.touchedCount; k++) {
      const w = this.touched[k]!;
      this.readers[w] = 0;
      this.guarded[w] = 0;
      this.writers[w] = 0;
    }
    this.touchedCount = 0;
    this.allReaders = 0;
    this.sleepable = 0;
    this.used = 0;
    this.upTo = 0;
    this.inherited = 0;
    this.inheritedDone = false;
    this.baseSet = false;
  }
}

/**
 * The sleep sets of the states a breadth-first search has queued, by state index: set when a
 * state is found, narrowed (`and`) at each later arrival from the same level, read when it is
 * expanded. States are expanded in index order, so those before the last one read are dropped.
 */
export class MaskWindow {
  private a = new Int32Array(1024);
  /** The index of `a[0]`, and the first index not set yet. */
  private base = 0;
  private end = 0;
  /** The last index read: those before it are not needed. */
  private read = 0;

  /** The sleep set of state `i`, found now (the states are found in index order). */
  set(i: number, mask: number): void {
    if (i - this.base >= this.a.length) this.room(i);
    this.a[i - this.base] = mask;
    this.end = i + 1;
  }

  /** Narrows state `i`'s sleep set to `mask`. */
  and(i: number, mask: number): void {
    this.a[i - this.base]! &= mask;
  }

  get(i: number): number {
    this.read = i;
    return this.a[i - this.base]!;
  }

  /** State `i`'s sleep set so far, for a state found and not expanded yet (unlike `get`, it keeps the states before `i`). */
  peek(i: number): number {
    return this.a[i - this.base]!;
  }

  /** Room up to index `i`: the states before the last read are dropped, and the window grows if that is not enough. */
  private room(i: number): void {
    if (i - this.read >= this.a.length / 2) {
      const b = new Int32Array(2 * Math.max(this.a.length, i - this.read + 1));
      b.set(this.a.subarray(this.read - this.base, this.end - this.base));
      this.a = b;
    } else this.a.copyWithin(0, this.read - this.base, this.end - this.base);
    this.base = this.read;
  }
}

/**
 * What the queued states of a breadth-first search carry for their sleep sets (`SleepSets.carry`),
 * by state index, in one pool: appended when a state is found, read when it is expanded (in index
 * order, so the lists before are dropped).
 */
export class CarryWindow {
  private readonly offsets = new MaskWindow();
  private readonly buf = { a: new Int32Array(4096) };
  /** The absolute position of `pool[0]`, the end, and the start of the last list read. */
  private base = 0;
  private end = 0;
  private dead = 0;

  /** State `i`, found now with sleep set `mask` (a child of the state `sleep` expanded last), carries its lists. */
  add(i: number, mask: number, sleep: SleepSets): void {
    if (mask === 0) {
      this.offsets.set(i, -1);
      return;
    }
    if (this.dead - this.base > this.buf.a.length / 2) {
      this.buf.a.copyWithin(0, this.dead - this.base, this.end - this.base);
      this.base = this.dead;
    }
    this.offsets.set(i, this.end);
    this.end = this.base + sleep.carry(mask, this.buf, this.end - this.base);
  }

  /** Where state `i`'s lists are in `pool`, or -1; `expand` copies them before anything is added again. */
  at(i: number): number {
    const o = this.offsets.get(i);
    if (o < 0) return -1;
    this.dead = o;
    return o - this.base;
  }

  get pool(): Int32Array {
    return this.buf.a;
  }
}
