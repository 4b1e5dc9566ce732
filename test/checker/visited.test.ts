// The visited set and state records: the table against a Map model, growth, shared views, two worker threads, paths.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOCAL_STEP, MAX_STEP, StateRecords } from "../../src/checker/records.js";
import { bytesPerState, FingerprintTable } from "../../src/checker/visited.js";
import { builtScript, runWorker } from "./built-worker.js";
import { keyFingerprint, type VisitedWorkerData } from "./visited-worker.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Fingerprints drawn so that duplicates, shared high halves (long probe runs) and (0, 0) are common. */
const key = fc.oneof(
  fc.constant<[number, number]>([0, 0]),
  fc.constant<[number, number]>([0xffffffff, 0xffffffff]),
  fc.tuple(fc.integer({ min: 0, max: 3 }).map((h) => h * 0x40000000), fc.integer({ min: 0, max: 30 })),
  fc.tuple(u32, u32),
  fc.tuple(u32, u32),
);

describe("FingerprintTable", () => {
  it("behaves as a map from fingerprint to insertion index, across many growths, shared or not", () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 2500 }), fc.boolean(), (keys, shared) => {
        const t = new FingerprintTable(16, shared);
        const model = new Map<string, number>();
        let mismatches = 0;
        for (const [hi, lo] of keys) {
          // A shared table does not grow by itself: the explorer grows it between levels.
          if (shared && t.needsGrow()) t.grow();
          const k = `${hi},${lo}`;
          const r = t.insertOrFind(hi, lo);
          const known = model.get(k);
          if (known === undefined) {
            if (r !== model.size) mismatches++;
            model.set(k, model.size);
          } else if (r !== -(known + 1)) mismatches++;
        }
        expect(mismatches).toBe(0);
        expect(t.size).toBe(model.size);
        expect(t.size).toBeLessThanOrEqual(0.75 * t.capacity);
        for (const [k, i] of model) {
          const [hi, lo] = k.split(",").map(Number) as [number, number];
          if (t.find(hi, lo) !== i) mismatches++;
          if (t.insert(hi, lo) !== -1) mismatches++;
        }
        expect(mismatches).toBe(0);
        if (!model.has("1,2")) expect(t.find(1, 2)).toBe(-1);
      }),
      { numRuns: 60 },
    );
  });

  it("hands out indices 0, 1, 2, … in insertion order and grows from 16 slots to hold 200,000 states", () => {
    const t = new FingerprintTable(16);
    const capacities = new Set<number>();
    let wrong = 0;
    for (let i = 0; i < 200_000; i++) {
      if (t.insert(Math.imul(i, 0x9e3779b1), i) !== i) wrong++;
      capacities.add(t.capacity);
    }
    for (let i = 0; i < 200_000; i += 7) if (t.insertOrFind(Math.imul(i, 0x9e3779b1), i) !== -(i + 1)) wrong++;
    expect(wrong).toBe(0);
    expect(t.size).toBe(200_000);
    expect(capacities.size).toBeGreaterThan(20);
  });

  it("(0, 0) is an ordinary fingerprint, and int32 and uint32 spellings of a half are the same key", () => {
    const t = new FingerprintTable();
    expect(t.find(0, 0)).toBe(-1);
    expect(t.insert(0, 0)).toBe(0);
    expect(t.insert(0, 0)).toBe(-1);
    expect(t.insert(0xffffffff, 0x80000000)).toBe(1);
    expect(t.insertOrFind(-1, -(2 ** 31))).toBe(-2);
    expect(t.find(0, 0)).toBe(0);
    expect(t.size).toBe(2);
  });

  it("touch reads a fingerprint's home slot and changes nothing: the tag of the state a lone insert put there", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer()), { minLength: 1, maxLength: 50 }), (keys) => {
        const t = new FingerprintTable(1024);
        const [hi, lo] = keys[0]!;
        expect(t.touch(hi)).toBe(0);
        const index = t.insert(hi, lo);
        // Alone in the table, it sits in its home slot: the tag is its index + 1.
        expect(t.touch(hi)).toBe(index + 1);
        expect(t.touch(hi >>> 0)).toBe(index + 1);
        for (const [h, l] of keys) t.touch(h), t.insertOrFind(h, l);
        expect(t.find(hi, lo)).toBe(index);
      }),
    );
  });

  it("views of a shared table see each other's inserts; reserve grows ahead; shared() needs a shared table", () => {
    const t = new FingerprintTable(16, true);
    const view = FingerprintTable.fromShared(t.shared());
    expect(view.isShared).toBe(true);
    expect(view.insert(5, 6)).toBe(0);
    expect(t.insert(5, 6)).toBe(-1);
    expect(t.insert(7, 8)).toBe(1);
    expect(view.find(7, 8)).toBe(1);
    expect(view.size).toBe(2);
    t.reserve(1000);
    expect(t.capacity).toBeGreaterThanOrEqual(1002 / 0.75);
    expect(t.needsGrow()).toBe(false);
    expect(t.find(5, 6)).toBe(0);
    // After growth the counter is still shared; the slots are new buffers that views must reopen.
    const reopened = FingerprintTable.fromShared(t.shared());
    expect(reopened.find(7, 8)).toBe(1);
    expect(reopened.insert(9, 9)).toBe(2);
    expect(view.size).toBe(3);
    expect(() => new FingerprintTable(16).shared()).toThrow(/not created shared/);
  });

  it("a shared table refuses new states past 9/10 full instead of filling up (the explorer must grow it)", () => {
    const t = new FingerprintTable(16, true);
    expect(t.maxSize).toBe(14);
    for (let i = 0; i < 14; i++) expect(t.insert(i * 0x10000000, i)).toBe(i);
    expect(t.needsGrow()).toBe(true);
    expect(t.insert(3 * 0x10000000, 3)).toBe(-1);
    expect(() => t.insert(99, 99)).toThrow(/full.*grow it between levels/);
  });

  it("two worker threads inserting overlapping keys hand out every index exactly once", async () => {
    const script = builtScript("test/checker/visited-worker.ts", ["src/checker/visited.ts", "src/checker/records.ts", "src/checker/fingerprint.ts"]);

    const KEYS = 150_000;
    const MISSING = 0x7fffffff;
    const table = new FingerprintTable(16, true);
    table.reserve(KEYS);
    const records = new StateRecords(16, true);
    records.reserve(table.maxSize);
    const gate = new SharedArrayBuffer(4);
    const run = (skip: number): Promise<Int32Array> => {
      const workerData: VisitedWorkerData = { role: "visited-worker", table: table.shared(), records: records.shared(), gate, rounds: 50, workers: 2, keys: KEYS, skip };
      return runWorker(script, workerData);
    };
    // Worker 0 skips keys ≡ 7 (mod 8), worker 1 skips keys ≡ 6: both race on the other keys, in the same
    // order, in 50 rounds that start together (so the two do not drift apart).
    const [a, b] = await Promise.all([run(7), run(6)]);

    expect(table.size).toBe(KEYS);
    const handedOut = new Uint8Array(KEYS);
    const out = new Uint32Array(2);
    const problems: string[] = [];
    for (let k = 0; k < KEYS; k++) {
      const got = [a[k]!, b[k]!].filter((r) => r !== MISSING);
      const fresh = got.filter((r) => r >= 0);
      if (got.length !== (k % 8 < 6 ? 2 : 1) || fresh.length !== 1) {
        problems.push(`key ${k}: ${got.join(", ")}`);
        continue;
      }
      const index = fresh[0]!;
      if (got.some((r) => r < 0 && r !== -(index + 1))) problems.push(`key ${k}: ${got.join(", ")}`);
      if (handedOut[index]++) problems.push(`index ${index} handed out twice`);
      keyFingerprint(k, out);
      if (table.find(out[0]!, out[1]!) !== index) problems.push(`key ${k}: find gives ${table.find(out[0]!, out[1]!)}, not ${index}`);
      if (records.step(index) !== (k & 0xffff) || records.parent(index) !== -1) problems.push(`record ${index} is not key ${k}'s`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(handedOut.every((x) => x === 1)).toBe(true);
  });
});

describe("StateRecords", () => {
  /** A random tree: node i > 0 hangs under an earlier node, reached by a random step ordinal. */
  const tree = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: MAX_STEP })), { minLength: 1, maxLength: 300 });

  it("pathTo gives the step ordinals from the initial state, and depth their number, on a random tree", () => {
    fc.assert(
      fc.property(tree, (nodes) => {
        const records = new StateRecords(1);
        const parents = nodes.map(([p], i) => (i === 0 ? -1 : p % i));
        nodes.forEach(([, step], i) => records.set(i, parents[i]!, i === 0 ? 0 : step));
        const reference = (i: number): number[] => (i === 0 ? [] : [...reference(parents[i]!), nodes[i]![1]]);
        for (let i = 0; i < nodes.length; i++) {
          expect(records.pathTo(i)).toEqual(reference(i));
          expect(records.depth(i)).toBe(reference(i).length);
          expect(records.parent(i)).toBe(parents[i]);
        }
        expect(records.capacity).toBeGreaterThanOrEqual(nodes.length);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a step ordinal beyond 65534 (65535 is partial-order reduction's local step) and a parent not inserted before its child", () => {
    const r = new StateRecords(4);
    r.set(0, -1, 0);
    r.set(1, 0, MAX_STEP);
    expect(r.step(1)).toBe(65534);
    r.set(2, 0, LOCAL_STEP);
    expect(r.step(2)).toBe(65535);
    expect(() => r.set(3, 0, 65536)).toThrow(/successor ordinal 65536 does not fit a state record \(a state has at most 65535 successors\)/);
    expect(() => r.set(3, 0, -1)).toThrow(/successor ordinal -1/);
    expect(() => r.set(3, 0, 1.5)).toThrow(/successor ordinal 1.5/);
    expect(() => r.set(3, 3, 0)).toThrow(/parent 3 was not inserted before it/);
    expect(() => r.set(3, -2, 0)).toThrow(/parent -2/);
  });

  it("a walk over a missing record throws instead of looping", () => {
    const r = new StateRecords(8);
    expect(() => r.pathTo(3)).toThrow(/state 0 has no record/);
    expect(() => r.pathTo(8)).toThrow(/no record for state 8/);
    expect(() => r.depth(-1)).toThrow(/no record for state -1/);
  });

  it("shared records: views share writes, reserve keeps them, writing past the capacity throws", () => {
    const r = new StateRecords(2, true);
    const view = StateRecords.fromShared(r.shared());
    view.set(0, -1, 0);
    view.set(1, 0, 9);
    expect(r.pathTo(1)).toEqual([9]);
    expect(() => r.set(2, 1, 3)).toThrow(/shared state records full/);
    r.reserve(10);
    expect(r.capacity).toBe(10);
    r.set(2, 1, 3);
    expect(StateRecords.fromShared(r.shared()).pathTo(2)).toEqual([9, 3]);
    expect(() => new StateRecords(2).shared()).toThrow(/not created shared/);
  });
});

describe("bytesPerState", () => {
  it("stays between 22 and 32 bytes once past the first few thousand states", () => {
    const t = new FingerprintTable(16);
    const r = new StateRecords(1);
    let lowest = Infinity;
    let highest = 0;
    for (let i = 0; i < 400_000; i++) {
      const index = t.insert(Math.imul(i, 0x9e3779b1), i);
      r.set(index, index - 1, 0);
      if (i >= 5000) {
        const b = bytesPerState(t, r);
        lowest = Math.min(lowest, b);
        highest = Math.max(highest, b);
      }
    }
    expect(lowest).toBeGreaterThanOrEqual(22);
    expect(highest).toBeLessThanOrEqual(32);
  });
});
