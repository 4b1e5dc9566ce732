// Fingerprints: a state vector hashed to 64 bits (two independent 32-bit hashes), and the odds that two states share one.

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
 * reference and its `diff` in a WebAssembly memory and compares four words at a time
 * there (`scanModule`), for states that live in that memory too: `room` vectors of it are
 * offered to the explorer's arena (`backing`). States elsewhere are compared in JavaScript,
 * with the same result; so is every state where WebAssembly SIMD is missing.
 *
 * Every table that states from different sources meet in (the visited set, a parallel
 * exploration's shared table) must be filled through fingerprinters of the same reference.
 */
export class StateFingerprinter {
  /** The last state's difference from `ref`: `length` words, (index, value) pairs. */
  readonly diff: Int32Array;
  length = 0;
  /** The last fingerprint: high half, low half. */
  readonly out = new Uint32Array(2);
  /** Room for `room` state vectors in the WebAssembly memory (empty without it): for `StateArena.recycle`. */
  readonly backing: Int32Array;
  private readonly memory: ArrayBuffer | null;
  private readonly wasmScan: ((s: number, ref: number, words: number, out: number) => number) | null;
  private readonly refAt: number;
  private readonly diffAt: number;

  constructor(
    readonly ref: Int32Array,
    room = 0,
  ) {
    const n = ref.length;
    const scan = scanFunction(n, room);
    if (scan) {
      // Layout, in bytes: the reference, the difference (and one spare pair), the room; each 16-aligned.
      const refBytes = align16(n * 4);
      const diffBytes = align16((2 * n + 2) * 4);
      const buffer = scan.memory.buffer;
      new Int32Array(buffer, 0, n).set(ref);
      this.memory = buffer;
      this.wasmScan = scan.scan;
      this.refAt = 0;
      this.diffAt = refBytes;
      this.diff = new Int32Array(buffer, refBytes, 2 * n + 2);
      this.backing = new Int32Array(buffer, refBytes + diffBytes, room * n);
    } else {
      this.memory = null;
      this.wasmScan = null;
      this.refAt = 0;
      this.diffAt = 0;
      this.diff = new Int32Array(2 * n + 2);
      this.backing = new Int32Array(0);
    }
  }

  /** Fingerprints `s` (as long as `ref`) into `out`, and leaves its difference in `diff`. */
  take(s: Int32Array): void {
    this.scan(s);
    this.hash();
  }

  /** Leaves the difference of `s` (as long as `ref`) from `ref` in `diff`, without fingerprinting it. */
  scan(s: Int32Array): void {
    const ref = this.ref;
    const n = ref.length;
    if (s.length !== n) throw new Error(`state of ${s.length} words fingerprinted against a reference of ${n}`);
    if (this.wasmScan !== null && s.buffer === this.memory) {
      this.length = this.wasmScan(s.byteOffset, this.refAt, n, this.diffAt);
      return;
    }
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
    fingerprint(this.diff, this.out, 0, this.length);
  }

  /** Writes the state whose difference is in `diff` into `into`. */
  state(into: Int32Array): Int32Array {
    into.set(this.ref);
    const d = this.diff;
    for (let k = 0; k < this.length; k += 2) into[d[k]!] = d[k + 1]!;
    return into;
  }
}

const align16 = (bytes: number): number => (bytes + 15) & ~15;

/**
 * The comparison loop in WebAssembly, assembled here (no build step, no file to load):
 * `scan(s, ref, words, out)` compares `words` 32-bit words at byte offsets `s` and `ref` of
 * the imported memory, four at a time (`i32x4.ne`, `i32x4.bitmask`), writes an (index,
 * value) pair at `out` for each word of `s` that differs, and returns the number of words
 * written. Null where WebAssembly or its SIMD instructions are missing.
 */
function scanFunction(words: number, room: number): { readonly memory: { readonly buffer: ArrayBuffer }; readonly scan: (s: number, ref: number, words: number, out: number) => number } | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  const bytes = scanModule();
  if (!wasm.validate(bytes)) return null;
  const total = align16(words * 4) + align16((2 * words + 2) * 4) + room * words * 4;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(total / 65536)) });
  const instance = new wasm.Instance(new wasm.Module(bytes), { m: { mem: memory } });
  return { memory, scan: instance.exports["scan"] as (s: number, ref: number, words: number, out: number) => number };
}

/** The little of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
}

/** The bytes of the module `scanFunction` instantiates. */
function scanModule(): Uint8Array<ArrayBuffer> {
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  };
  const sleb = (n: number): number[] => {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
      out.push(b | 0x80);
    }
  };
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const I32 = 0x7f;
  const VOID = 0x40;
  const [BLOCK, LOOP, IF, END, BR, BR_IF] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d];
  const [LOAD, STORE, CONST, NE, GE_U, ADD, SUB, AND, SHL, SHR_U] = [0x28, 0x36, 0x41, 0x47, 0x4f, 0x6a, 0x6b, 0x71, 0x74, 0x76];
  const SIMD = 0xfd;
  const [V128_LOAD, I32X4_NE, I32X4_BITMASK] = [0x00, 0x38, 0xa4];
  // Parameters 0-3, then locals: the word index, the output cursor (bytes), a lane mask, the end of the 4-word blocks.
  const [S, REF, N, OUT, I, W, MASK, END4] = [0, 1, 2, 3, 4, 5, 6, 7];
  const get = (l: number): number[] => [0x20, l];
  const set = (l: number): number[] => [0x21, l];
  const tee = (l: number): number[] => [0x22, l];
  const c = (n: number): number[] => [CONST, ...sleb(n)];
  const memarg = (offset: number): number[] => [2, ...uleb(offset)];
  /** base + 4 * (i + k) */
  const addr = (base: number, k: number): number[] => [...get(base), ...get(I), ...(k ? [...c(k), ADD] : []), ...c(2), SHL, ADD];
  /** Writes the pair (i + k, s[i + k]) at the cursor and moves it on. */
  const pair = (k: number): number[] => [
    ...get(W), ...get(I), ...(k ? [...c(k), ADD] : []), STORE, ...memarg(0),
    ...get(W), ...addr(S, k), LOAD, ...memarg(0), STORE, ...memarg(4),
    ...get(W), ...c(8), ADD, ...set(W),
  ];
  const body = [
    ...get(OUT), ...set(W),
    ...get(N), ...c(-4), AND, ...set(END4),
    // Blocks of four words.
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...get(END4), GE_U, BR_IF, 1,
    ...addr(S, 0), SIMD, ...uleb(V128_LOAD), 0, 0,
    ...addr(REF, 0), SIMD, ...uleb(V128_LOAD), 0, 0,
    SIMD, ...uleb(I32X4_NE), SIMD, ...uleb(I32X4_BITMASK), ...tee(MASK),
    IF, VOID,
    ...[0, 1, 2, 3].flatMap((k) => [...get(MASK), ...c(1 << k), AND, IF, VOID, ...pair(k), END]),
    END,
    ...get(I), ...c(4), ADD, ...set(I), BR, 0,
    END, END,
    // The last 0-3 words.
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...get(N), GE_U, BR_IF, 1,
    ...addr(S, 0), LOAD, ...memarg(0), ...addr(REF, 0), LOAD, ...memarg(0), NE,
    IF, VOID, ...pair(0), END,
    ...get(I), ...c(1), ADD, ...set(I), BR, 0,
    END, END,
    ...get(W), ...get(OUT), SUB, ...c(2), SHR_U,
    END,
  ];
  const code = [1, 4, I32, ...body]; // one group of four i32 locals
  const name = [...new TextEncoder().encode("scan")];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 1, I32]),
    ...section(2, [1, 1, 0x6d, 3, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, name.length, ...name, 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
}
