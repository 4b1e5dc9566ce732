// Fingerprints: equal vectors hash alike, one changed word always changes both halves, halves spread evenly; the collision odds; a state's fingerprint as its difference from a reference.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collisionProbability, fingerprint, StateFingerprinter } from "../../src/checker/fingerprint.js";
import { wasmRuns } from "./wasm-runs.js";

const fp = (v: Int32Array, from?: number, to?: number): [number, number] => {
  const out = new Uint32Array(2);
  fingerprint(v, out, from, to);
  return [out[0]!, out[1]!];
};

const vector = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 300 }).map((a) => Int32Array.from(a));

/** Pearson's chi-square of `values` spread over `buckets` equal buckets. */
function chiSquare(values: number[], buckets: number): number {
  const counts = new Array<number>(buckets).fill(0);
  for (const x of values) counts[x]!++;
  const expected = values.length / buckets;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/**
 * 249,000 vectors: `base` with two words raised, by 1–4 and by 1–2. Their fingerprints under
 * `hash` never collide in 64 bits, and each 32-bit half collides at most 25 times — a random
 * function gives N(N-1)/2^33, about 7; the inputs are fixed, so this cannot flake.
 */
function expectSpread(base: Int32Array, hash: (v: Int32Array) => Uint32Array): void {
  const N = 249_000;
  const hi = new Uint32Array(N);
  const lo = new Uint32Array(N);
  const both = new Set<string>();
  const v = base.slice();
  let n = 0;
  for (let p = 0; p < base.length; p++)
    for (let q = p + 1; q < base.length; q++)
      for (let x = 1; x <= 4; x++)
        for (let y = 1; y <= 2; y++) {
          v.set(base);
          v[p] = base[p]! + x;
          v[q] = base[q]! + y;
          const out = hash(v);
          hi[n] = out[0]!;
          lo[n] = out[1]!;
          both.add(`${out[0]},${out[1]}`);
          n++;
        }
  expect(n).toBe(N);
  expect(both.size).toBe(N);
  const collisions = (a: Uint32Array): number => {
    const s = a.slice().sort();
    let c = 0;
    for (let i = 1; i < s.length; i++) if (s[i] === s[i - 1]) c++;
    return c;
  };
  expect(collisions(hi)).toBeLessThanOrEqual(25);
  expect(collisions(lo)).toBeLessThanOrEqual(25);
}

describe("fingerprint", () => {
  it("is a function of the words alone: copies and equal subranges hash alike", () => {
    fc.assert(
      fc.property(vector, fc.nat(8), fc.nat(8), (v, pre, post) => {
        const padded = new Int32Array(pre + v.length + post).fill(7);
        padded.set(v, pre);
        expect(fp(v.slice())).toEqual(fp(v));
        expect(fp(padded, pre, pre + v.length)).toEqual(fp(v));
      }),
      { numRuns: 300 },
    );
  });

  it("vectors that differ in one word differ in both halves", () => {
    fc.assert(
      fc.property(vector, fc.nat(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v, at, x) => {
        const i = at % v.length;
        fc.pre(v[i] !== x);
        const w = v.slice();
        w[i] = x;
        const [a, b] = [fp(v), fp(w)];
        expect(a[0]).not.toBe(b[0]);
        expect(a[1]).not.toBe(b[1]);
      }),
      { numRuns: 2000 },
    );
  });

  it("small changes to a state-like vector (one word up by one, two words swapped) give distinct fingerprints", () => {
    const base = Int32Array.from({ length: 250 }, (_, i) => (i % 7 === 0 ? -1 : i % 5));
    const variants = [base];
    for (let i = 0; i < 250; i++) {
      const up = base.slice();
      up[i]! += 1;
      variants.push(up);
      for (let j = i + 1; j < 250; j += 3) {
        const swapped = base.slice();
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        variants.push(swapped);
      }
    }
    const contents = new Set(variants.map((v) => v.join()));
    const fingerprints = new Set(variants.map((v) => fp(v).join()));
    expect(contents.size).toBeGreaterThan(8000);
    expect(fingerprints.size).toBe(contents.size);
  });

  it("the length counts: a vector and its zero-extension differ; the empty range hashes", () => {
    for (let n = 0; n < 12; n++) {
      const v = new Int32Array(n + 1);
      expect(fp(v, 0, n)).not.toEqual(fp(v));
    }
    expect(fp(new Int32Array(0))).toEqual(fp(new Int32Array(5), 2, 2));
  });

  it("no 64-bit collision, and 32-bit collisions at the rate of a random function, over 249,000 structured vectors", () => {
    // Two words of a 250-word zero vector set to small values: the shape of real
    // successor states, which differ from each other in a few small words.
    const out = new Uint32Array(2);
    expectSpread(new Int32Array(250), (v) => (fingerprint(v, out), out));
  });

  it("sequential small vectors spread evenly over buckets, by low bits and by top bits", () => {
    const his: number[] = [];
    const los: number[] = [];
    const v = new Int32Array(4);
    for (let k = 0; k < 65536; k++) {
      v[0] = k & 255;
      v[3] = k >> 8;
      const [h, l] = fp(v);
      his.push(h);
      los.push(l);
    }
    // 255 degrees of freedom: mean 255, standard deviation 22.6. Fixed inputs: no flaking.
    for (const xs of [his, los]) {
      expect(chiSquare(xs.map((x) => x & 255), 256)).toBeLessThan(400);
      expect(chiSquare(xs.map((x) => x >>> 24), 256)).toBeLessThan(400);
    }
  });
});

describe("collisionProbability", () => {
  it("known values", () => {
    expect(collisionProbability(0)).toBe(0);
    expect(collisionProbability(1)).toBe(0);
    expect(collisionProbability(2)).toBe(2 ** -64);
    expect(collisionProbability(2 ** 32)).toBeCloseTo(0.5, 9);
    expect(collisionProbability(1e6)).toBeCloseTo(1e6 * (1e6 - 1) / 2 ** 65, 20);
    expect(collisionProbability(2 ** 40)).toBe(1);
    expect(collisionProbability(Number.POSITIVE_INFINITY)).toBe(1);
    expect(collisionProbability(Number.NaN)).toBe(0);
  });
  it("is monotone and within [0, 1]", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2 ** 40, noNaN: true }), fc.double({ min: 0, max: 2 ** 40, noNaN: true }), (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        const [px, py] = [collisionProbability(Math.floor(x)), collisionProbability(Math.floor(y))];
        expect(px).toBeGreaterThanOrEqual(0);
        expect(py).toBeLessThanOrEqual(1);
        expect(px).toBeLessThanOrEqual(py);
      }),
    );
  });
});

describe("StateFingerprinter", () => {
  const ref = Int32Array.from({ length: 250 }, (_, i) => (i % 7 === 0 ? -1 : i % 5));

  it("is the fingerprint of the (index, value) pairs where a state differs from the reference, which rebuild the state", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(249), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 40 }), (changes) => {
        const s = ref.slice();
        for (const [i, v] of changes) s[i] = v;
        const f = new StateFingerprinter(ref);
        f.take(s);
        const pairs: number[] = [];
        for (let i = 0; i < s.length; i++) if (s[i] !== ref[i]) pairs.push(i, s[i]!);
        expect([...f.diff.subarray(0, f.length)]).toEqual(pairs);
        expect([...f.out]).toEqual(fp(Int32Array.from(pairs)));
        expect([...f.state(new Int32Array(250))]).toEqual([...s]);
        // scan + hash is take.
        const g = new StateFingerprinter(ref);
        g.scan(s);
        g.hash();
        expect([...g.out]).toEqual([...f.out]);
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(!wasmRuns)("states in its WebAssembly memory (the explorer's successors) get the difference and fingerprint they get anywhere else", () => {
    // The room's vectors are compared and hashed in WebAssembly (fingerprint.wat); copies
    // elsewhere in JavaScript. References of every length modulo 4 (the scan's last words).
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.tuple(fc.nat(69), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 40 }), (n, changes) => {
        const r = ref.subarray(0, n).slice();
        const f = new StateFingerprinter(r, 2);
        expect(f.room.map((v) => v.length)).toEqual([n, n]);
        const inRoom = f.room[1]!;
        inRoom.set(r);
        for (const [i, v] of changes) if (i < n) inRoom[i] = v;
        const elsewhere = inRoom.slice();
        const g = new StateFingerprinter(r);
        g.take(elsewhere);
        f.take(inRoom);
        expect([...f.diff.subarray(0, f.length)]).toEqual([...g.diff.subarray(0, g.length)]);
        expect([...f.out]).toEqual([...g.out]);
        expect([...f.out]).toEqual(fp(g.diff.slice(0, g.length)));
        f.scan(inRoom);
        expect([...f.diff.subarray(0, f.length)]).toEqual([...g.diff.subarray(0, g.length)]);
        // A vector of another buffer at the room vector's offset is not the room's: read where
        // it is (in the memory, the room's words would be compared instead).
        const twin = new Int32Array(new ArrayBuffer(inRoom.byteOffset + 4 * n), inRoom.byteOffset, n);
        twin.set(r);
        inRoom.fill(7);
        f.take(twin);
        g.take(r);
        expect([...f.diff.subarray(0, f.length)]).toEqual([]);
        expect([...f.out]).toEqual([...g.out]);
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(!wasmRuns)("room vectors fingerprinted into its slots get the difference and fingerprint `take` gives them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.array(fc.tuple(fc.nat(69), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 20 }), { minLength: 1, maxLength: 4 }), (n, changes) => {
        const r = ref.subarray(0, n).slice();
        const f = new StateFingerprinter(r, 4, 0, 4);
        const g = new StateFingerprinter(r);
        // Every slot filled before any is read, as the explorer does.
        changes.forEach((c, k) => {
          const v = f.room[k]!;
          v.set(r);
          for (const [i, x] of c) if (i < n) v[i] = x;
          f.takeInto(v, k);
        });
        changes.forEach((_, k) => {
          g.take(f.room[k]!.slice());
          expect([...f.slotDiff[k]!.subarray(0, f.slotLength[k])]).toEqual([...g.diff.subarray(0, g.length)]);
          expect([...f.slotOut.subarray(2 * k, 2 * k + 2)]).toEqual([...g.out]);
        });
        expect(() => f.takeInto(f.room[0]!.slice(), 0)).toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(!wasmRuns)("`changed`: the indices where a room vector differs from the state `setBase` kept, in order, after what the pool holds; -1 for a vector outside the room", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.tuple(fc.nat(69), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 20 }), fc.array(fc.tuple(fc.nat(69), fc.integer()), { maxLength: 20 }), (n, baseChanges, changes) => {
        const r = ref.subarray(0, n).slice();
        const f = new StateFingerprinter(r, 2);
        const base = r.slice();
        for (const [i, x] of baseChanges) if (i < n) base[i] = x;
        f.setBase(base);
        const v = f.room[1]!;
        v.set(base);
        for (const [i, x] of changes) if (i < n) v[i] = x;
        const want = [...v.keys()].filter((i) => v[i] !== base[i]);
        const out = new Int32Array(3 + n).fill(-7);
        expect(f.changed(v, out, 3)).toBe(want.length);
        expect([...out.subarray(0, 3)]).toEqual([-7, -7, -7]);
        expect([...out.subarray(3, 3 + want.length)]).toEqual(want);
        expect(f.changed(v.slice(), out, 0)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it("hashes whatever is written into its diff as `fingerprint` does, any length", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 60 }), (words) => {
        const f = new StateFingerprinter(ref);
        f.diff.set(words);
        f.length = words.length;
        f.hash();
        expect([...f.out]).toEqual(fp(Int32Array.from(words)));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a state of another length", () => {
    expect(() => new StateFingerprinter(ref).take(new Int32Array(249))).toThrow();
  });

  it("no 64-bit collision, and 32-bit collisions at the rate of a random function, over 249,000 states near the reference", () => {
    // As above, on differences: two words of the reference changed to small values.
    const f = new StateFingerprinter(ref);
    expectSpread(ref, (v) => (f.take(v), f.out));
  });
});
