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
