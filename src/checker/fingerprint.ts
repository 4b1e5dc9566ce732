// Fingerprints: a state vector hashed to 64 bits (two independent 32-bit hashes), and the odds that two states share one.
import { FINGERPRINT_WASM } from "./fingerprint-wasm.generated.js";
import { instantiate, newMemory, type WasmMemory } from "./wasm.js";

/**
 * The visited set keeps a state's fingerprint, not the state (DESIGN.md §7), so two
 * distinct states with the same fingerprint would make the explorer skip one of them.
 * 64 bits keep that unlikely (see `collisionProbability`), but only if the two 32-bit
 * halves behave as independent hashes: each half has its own seeds, multiplier,
 * rotation and combining operation, rather than being one 32-bit hash split in two.
 *
 * The structure is xxHash32's: four lanes, word i going to lane i mod 4, each lane
 * `acc = rotl(acc + w * P, r) * Q`. Four lanes per half (eight chains in all) keep
 * the CPU's multipliers busy instead of waiting on one dependency chain. The halves
 * share the word's first multiplication `k = w * P` (a bijection, so nothing is lost)
 * and differ after it: the high half adds k, rotates by 13 and multiplies by Q1; the
 * low half xors k, rotates by 17 and multiplies by Q2. That saves a quarter of the
 * multiplications, which bound the speed (three per word: a 250-word state costs a
 * few hundred nanoseconds, bench/visited.bench.ts). Cheaper rounds were tried and
 * rejected: without the multiplication of the accumulator, or folding two words into
 * one, differences in the top bits of words stay in the top bits and cancel, and
 * structured states (a few small values, or top bits) collide thousands of times more
 * often than random ones. With these rounds the collision counts of each half, and of
 * the two halves together, match a random function on such families (2 million
 * vectors each, measured when this was written).
 *
 * Every lane round is a bijection of the word and of the accumulator (odd multipliers,
 * rotations), and so are the combination and the final avalanche of one lane, so two
 * vectors of the same length that differ in exactly one word always differ in both halves.
 */

// Odd multipliers: xxHash32's primes for k and the high half, murmur3's for the low half.
const P = 0x85ebca77 | 0;
const Q1 = 0x9e3779b1 | 0;
const Q2 = 0xcc9e2d51 | 0;
// Lane seeds, different per half.
const SA = 0x165667b1 | 0;
const SB = 0x27d4eb2f | 0;

/** murmur3's final avalanche: every input bit affects every output bit. A bijection. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes `v[from..to)` into 64 bits: `out[0]` gets the high half, `out[1]` the low half
 * (both uint32). Allocates nothing; `out` is the caller's scratch, so concurrent
 * explorations (or worker threads) each pass their own.
 */
export function fingerprint(v: Int32Array, out: Uint32Array, from = 0, to = v.length): void {
  let a0 = SA + Q1 + P;
  let a1 = SA + P;
  let a2 = SA;
  let a3 = SA - Q1;
  let b0 = SB ^ Q2;
  let b1 = SB ^ P;
  let b2 = SB;
  let b3 = ~SB;
  let i = from;
  const stripes = to - ((to - from) & 3);
  for (; i < stripes; i += 4) {
    const k0 = Math.imul(v[i]!, P);
    const k1 = Math.imul(v[i + 1]!, P);
    const k2 = Math.imul(v[i + 2]!, P);
    const k3 = Math.imul(v[i + 3]!, P);
    a0 = (a0 + k0) | 0;
    a1 = (a1 + k1) | 0;
    a2 = (a2 + k2) | 0;
    a3 = (a3 + k3) | 0;
    b0 ^= k0;
    b1 ^= k1;
    b2 ^= k2;
    b3 ^= k3;
    a0 = Math.imul((a0 << 13) | (a0 >>> 19), Q1);
    a1 = Math.imul((a1 << 13) | (a1 >>> 19), Q1);
    a2 = Math.imul((a2 << 13) | (a2 >>> 19), Q1);
    a3 = Math.imul((a3 << 13) | (a3 >>> 19), Q1);
    b0 = Math.imul((b0 << 17) | (b0 >>> 15), Q2);
    b1 = Math.imul((b1 << 17) | (b1 >>> 15), Q2);
    b2 = Math.imul((b2 << 17) | (b2 >>> 15), Q2);
    b3 = Math.imul((b3 << 17) | (b3 >>> 15), Q2);
  }
  // The last 0–3 words go to lanes 0, 1, 2 with the same rounds.
  if (i < to) {
    const k = Math.imul(v[i++]!, P);
    a0 = (a0 + k) | 0;
    b0 ^= k;
    a0 = Math.imul((a0 << 13) | (a0 >>> 19), Q1);
    b0 = Math.imul((b0 << 17) | (b0 >>> 15), Q2);
  }
  if (i < to) {
    const k = Math.imul(v[i++]!, P);
    a1 = (a1 + k) | 0;
    b1 ^= k;
    a1 = Math.imul((a1 << 13) | (a1 >>> 19), Q1);
    b1 = Math.imul((b1 << 17) | (b1 >>> 15), Q2);
  }
  if (i < to) {
    const k = Math.imul(v[i]!, P);
    a2 = (a2 + k) | 0;
    b2 ^= k;
    a2 = Math.imul((a2 << 13) | (a2 >>> 19), Q1);
    b2 = Math.imul((b2 << 17) | (b2 >>> 15), Q2);
  }
  // Lanes are combined with different rotations per lane (xxHash32's for the high half),
  // and the length is mixed in, so vectors that are prefixes of each other still differ.
  const n = to - from;
  const ha = ((a0 << 1) | (a0 >>> 31)) + ((a1 << 7) | (a1 >>> 25)) + ((a2 << 12) | (a2 >>> 20)) + ((a3 << 18) | (a3 >>> 14)) + n;
  const hb = ((b0 << 3) | (b0 >>> 29)) + ((b1 << 11) | (b1 >>> 21)) + ((b2 << 17) | (b2 >>> 15)) + ((b3 << 23) | (b3 >>> 9)) + Math.imul(n, Q2);
  out[0] = fmix(ha | 0);
  out[1] = fmix(hb | 0);
}

/**
 * The probability that some two of `n` distinct states share a 64-bit fingerprint,
 * bounded above by the birthday (union) bound: n(n-1)/2 pairs, each colliding with
 * probability 2^-64. Close to exact while small (the regime worth reporting), capped
 * at 1. Computed as a product of two scaled factors so no intermediate grows large.
 */
export function collisionProbability(n: number): number {
  if (!(n >= 2)) return 0;
  return Math.min(1, (n / 2 ** 32) * ((n - 1) / 2 ** 33));
}

/**
 * The explorers' fingerprint of a state: `fingerprint` of its difference from a fixed
 * reference vector (the initial state), written as (word index, value) pairs in index
 * order. That list is a function of the state alone and no two states share it, so two
 * states collide exactly when their lists do, with the odds above. A reachable state
 * differs from the initial state in a few of its words (10 to 25 of 200 to 340 in the
 * shipped scenarios and the bench), so the hash reads a tenth of the words it would
 * read over the whole vector. The list is left in `diff[0..length)`, which is what the
 * breadth-first frontier stores of a state.
 *
 * Finding the differing words takes a comparison per word, which in JavaScript cost the
 * explorer more than the rest of the fingerprint. A fingerprinter therefore keeps its
 * reference, its `diff` and its `out` in a WebAssembly memory, compares four words at a
 * time there and hashes the difference there too (fingerprint.wat: the same function as
 * `fingerprint`, four lanes to a vector), for states that live in that memory as well:
 * `room` vectors of it are offered to the explorer's arena (`room`). A state from elsewhere
 * is copied into a scratch vector there first. Where WebAssembly SIMD is missing (or
 * `NIZZA_WASM=off`, wasm.ts), states are compared in JavaScript, with the same result, and
 * the hash is `fingerprint` itself.
 *
 * Every table that states from different sources meet in (the visited set, a parallel
 * exploration's shared table) must be filled through fingerprinters of the same reference.
 */
export class StateFingerprinter {
  /** The last state's difference from `ref`: `length` words, (index, value) pairs. */
  readonly diff: Int32Array;
  length = 0;
  /** The last fingerprint: high half, low half. */
  readonly out: Uint32Array;
  /**
   * `room` state vectors in the WebAssembly memory (none without it), for `StateArena.recycle`:
   * `take` and `scan` know them by identity. (Asking a view for its `buffer` is a call into
   * the runtime, which cost the explorer about 1 % of its time; its `byteOffset` is a field.)
   */
  readonly room: readonly Int32Array[];
  /**
   * The WebAssembly memory and where in it the reference, the difference and the `extra` bytes
   * the constructor was asked for start (byte offsets), for other modules that work on the
   * same vectors (symmetry-wasm.ts); null without WebAssembly SIMD.
   */
  readonly memory: WasmMemory | null;
  readonly refAt = REF_AT;
  readonly diffAt: number;
  readonly extraAt: number;
  private readonly wasm: FingerprintWasm | null;
  private readonly roomAt: number;
  /** A vector in the WebAssembly memory that a state from elsewhere is copied into, to be compared there (null without it). */
  private readonly scratch: Int32Array | null;
  /** `setBase`'s copy of a state, and where `changed` leaves the pairs it finds (null without WebAssembly). */
  private readonly base: Int32Array | null;
  private readonly changes: Int32Array | null;

  constructor(
    readonly ref: Int32Array,
    room = 0,
    extra = 0,
    slots = 0,
  ) {
    const n = ref.length;
    // Layout, in bytes: the fingerprint (OUT_AT), the reference (REF_AT), the difference (and one
    // spare pair), the room, a scratch vector, `setBase`'s copy and `changed`'s pairs, the extra
    // bytes, the slots' differences, fingerprints and lengths; each 16-aligned.
    const diffAt = REF_AT + align16(n * 4);
    const roomAt = diffAt + align16((2 * n + 2) * 4);
    const scratchAt = roomAt + align16(room * n * 4);
    const baseAt = scratchAt + align16(n * 4);
    const changesAt = baseAt + align16(n * 4);
    const extraAt = changesAt + align16((2 * n + 2) * 4);
    const slotBytes = align16((2 * n + 2) * 4);
    const slotDiffAt = extraAt + align16(extra);
    const slotOutAt = slotDiffAt + slots * slotBytes;
    const slotLengthAt = slotOutAt + align16(slots * 8);
    const wasm = instantiateFingerprint(slotLengthAt + slots * 4);
    this.extraAt = extraAt;
    this.slotBytes = slotBytes;
    if (wasm) {
      const buffer = wasm.memory.buffer;
      new Int32Array(buffer, REF_AT, n).set(ref);
      this.wasm = wasm;
      this.memory = wasm.memory;
      this.diffAt = diffAt;
      this.roomAt = roomAt;
      this.out = new Uint32Array(buffer, OUT_AT, 2);
      this.diff = new Int32Array(buffer, diffAt, 2 * n + 2);
      this.room = Array.from({ length: room }, (_, k) => new Int32Array(buffer, roomAt + k * n * 4, n));
      this.scratch = new Int32Array(buffer, scratchAt, n);
      this.base = new Int32Array(buffer, baseAt, n);
      this.changes = new Int32Array(buffer, changesAt, 2 * n + 2);
      this.slotDiffAt = slotDiffAt;
      this.slotOutAt = slotOutAt;
      this.slotDiff = Array.from({ length: slots }, (_, k) => new Int32Array(buffer, slotDiffAt + k * slotBytes, 2 * n + 2));
      this.slotOut = new Uint32Array(buffer, slotOutAt, 2 * slots);
      this.slotLength = new Int32Array(buffer, slotLengthAt, slots);
      this.hashFunction = wasm.hash;
    } else {
      this.wasm = null;
      this.memory = null;
      this.diffAt = 0;
      this.roomAt = 0;
      this.out = new Uint32Array(2);
      this.diff = new Int32Array(2 * n + 2);
      this.room = [];
      this.scratch = null;
      this.base = this.changes = null;
      this.slotDiffAt = this.slotOutAt = 0;
      this.slotDiff = [];
      this.slotOut = new Uint32Array(0);
      this.slotLength = new Int32Array(0);
      this.hashFunction = null;
    }
  }

  /**
   * Slots: places for the difference and fingerprint of several room vectors at once (none
   * without WebAssembly). The breadth-first explorer fingerprints a state's successors into them
   * first and inserts them into the visited set after, so that the table's cache misses (a
   * probe into tens of MB) overlap instead of following each other. Slot k's difference is
   * `slotDiff[k][0..slotLength[k])`, its fingerprint `slotOut[2k]` (high), `slotOut[2k + 1]` (low).
   */
  readonly slotDiff: readonly Int32Array[];
  readonly slotLength: Int32Array;
  readonly slotOut: Uint32Array;
  /** fingerprint.wat's `hash` (difference address, its words, fingerprint address), which symmetry-wasm.ts imports to fingerprint its slots itself; null without WebAssembly. */
  readonly hashFunction: ((v: number, words: number, out: number) => void) | null;
  private readonly slotDiffAt: number;
  private readonly slotOutAt: number;
  private readonly slotBytes: number;

  /** Slot k's difference, as a byte address in the memory (for symmetry-wasm.ts, which writes it). */
  slotDiffAddress(k: number): number {
    return this.slotDiffAt + k * this.slotBytes;
  }

  /** Slot k's fingerprint, as a byte address in the memory (for symmetry-wasm.ts, which writes it). */
  slotOutAddress(k: number): number {
    return this.slotOutAt + 8 * k;
  }

  /** Slot k's length, as a byte address in the memory (for symmetry-wasm.ts, which writes it). */
  slotLengthAddress(k: number): number {
    return this.slotLength.byteOffset + 4 * k;
  }

  /** `take` of `s`, a room vector, into slot k. */
  takeInto(s: Int32Array, k: number): void {
    if (!this.inRoom(s)) throw new Error("takeInto: the state is not in the fingerprinter's room");
    this.slotLength[k] = this.wasm!.take(s.byteOffset, REF_AT, this.ref.length, this.slotDiffAddress(k), this.slotOutAt + 8 * k);
  }

  /** Whether `s` is one of the room's vectors (so in the WebAssembly memory): by its offset there, then by identity. */
  inRoom(s: Int32Array): boolean {
    // An int32 index (a vector at another offset gets some index, and fails the identity test):
    // a fractional or non-Smi key makes the array read generic, through NumberToString.
    const k = ((s.byteOffset - this.roomAt) / (this.ref.length * 4)) | 0;
    return k >= 0 && k < this.room.length && this.room[k] === s;
  }

  /** Fingerprints `s` (as long as `ref`) into `out`, and leaves its difference in `diff`. */
  take(s: Int32Array): void {
    const n = this.words(s);
    if (this.wasm !== null) {
      this.length = this.wasm.take(this.addressOf(s), REF_AT, n, this.diffAt, OUT_AT);
      return;
    }
    this.scanHere(s, n);
    this.hash();
  }

  /** Leaves the difference of `s` (as long as `ref`) from `ref` in `diff`, without fingerprinting it. */
  scan(s: Int32Array): void {
    const n = this.words(s);
    if (this.wasm !== null) this.length = this.wasm.scan(this.addressOf(s), REF_AT, n, this.diffAt);
    else this.scanHere(s, n);
  }

  /**
   * Where `s` (as long as `ref`) is in the WebAssembly memory, which this fingerprinter must have:
   * in the room, or copied into the scratch vector. A copy of 1 KB and the comparison there cost a
   * fraction of the comparison in JavaScript (the depth-first search's successors, which live on
   * its stack, are fingerprinted so; so are they canonicalised, symmetry-wasm.ts).
   */
  addressOf(s: Int32Array): number {
    if (this.inRoom(s)) return s.byteOffset;
    this.scratch!.set(s);
    return this.scratch!.byteOffset;
  }

  /** Keeps a copy of `s` (as long as `ref`) for `changed` to compare states with (sleep.ts: the state being expanded). */
  setBase(s: Int32Array): void {
    this.base?.set(s);
  }

  /**
   * Appends to `out` from `at` the indices of the words where `v`, a room vector, differs from the
   * state `setBase` kept, in index order, four words at a time in WebAssembly; returns how many.
   * -1 when it cannot (no WebAssembly, or `v` not in the room): the caller compares them itself.
   */
  changed(v: Int32Array, out: Int32Array, at: number): number {
    if (this.wasm === null || !this.inRoom(v)) return -1;
    const changes = this.changes!;
    const words = this.wasm.scan(v.byteOffset, this.base!.byteOffset, this.ref.length, changes.byteOffset);
    for (let k = 0; k < words; k += 2) out[at++] = changes[k]!;
    return words >>> 1;
  }

  /** `scan` in JavaScript, for a state outside the WebAssembly memory (checked: `n` words). */
  private scanHere(s: Int32Array, n: number): void {
    const ref = this.ref;
    const d = this.diff;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const v = s[i]!;
      if (v !== ref[i]) {
        d[w] = i;
        d[w + 1] = v;
        w += 2;
      }
    }
    this.length = w;
  }

  /** Fingerprints the state whose difference from `ref` is in `diff[0..length)` (left by `scan`, or written there) into `out`. */
  hash(): void {
    if (this.wasm !== null) this.wasm.hash(this.diffAt, this.length, OUT_AT);
    else fingerprint(this.diff, this.out, 0, this.length);
  }

  /** The words of `s`, which must be as many as the reference's. */
  private words(s: Int32Array): number {
    const n = this.ref.length;
    if (s.length !== n) throw new Error(`state of ${s.length} words fingerprinted against a reference of ${n}`);
    return n;
  }

  /** Writes the state whose difference is in `diff` (or in `d[0..n)`) into `into`. */
  state(into: Int32Array, d: Int32Array = this.diff, n = this.length): Int32Array {
    into.set(this.ref);
    for (let k = 0; k < n; k += 2) into[d[k]!] = d[k + 1]!;
    return into;
  }
}

/** Where the fingerprint and the reference start in a fingerprinter's WebAssembly memory (bytes). */
const OUT_AT = 0;
const REF_AT = 16;

const align16 = (bytes: number): number => (bytes + 15) & ~15;

/** fingerprint.wat's functions, over a memory of their own. */
interface FingerprintWasm {
  readonly memory: WasmMemory;
  scan(s: number, ref: number, words: number, out: number): number;
  hash(v: number, words: number, out: number): void;
  take(s: number, ref: number, words: number, out: number, fp: number): number;
}

/** fingerprint.wat instantiated over a new memory of at least `bytes`, or null without WebAssembly SIMD. */
function instantiateFingerprint(bytes: number): FingerprintWasm | null {
  const memory = newMemory(bytes);
  const e = memory && instantiate<Omit<FingerprintWasm, "memory">>(FINGERPRINT_WASM, { m: { mem: memory } });
  return e ? { memory: memory!, scan: e.scan, hash: e.hash, take: e.take } : null;
}
