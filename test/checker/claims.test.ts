// Claims: the least arrival at each state of a level records it, whatever order the arrivals come in and from however many threads.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Claims } from "../../src/checker/claims.js";
import { StateRecords } from "../../src/checker/records.js";
import { builtScript, runWorker } from "./built-worker.js";
import { reached, type ClaimsWorkerData } from "./claims-worker.js";

/** The least (position, ordinal) of the arrivals at each state, as [position, ordinal], or null. */
function least(arrivals: readonly (readonly [number, number, number])[], states: number): ([number, number] | null)[] {
  const out: ([number, number] | null)[] = new Array(states).fill(null);
  for (const [k, p, o] of arrivals) {
    const m = out[k];
    if (!m || p < m[0] || (p === m[0] && o < m[1])) out[k] = [p, o];
  }
  return out;
}

describe("Claims", () => {
  it("the least (position, ordinal) arrival writes each state's record, in any interleaving of the positions' arrivals", () => {
    fc.assert(
      fc.property(
        // Per position (1..), its successors' states in ordinal order; then an interleaving of the positions.
        fc.array(fc.array(fc.nat(7), { maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 64 }),
        (reach, shuffle) => {
          const states = 8;
          const base = 100;
          const claims = new Claims(4);
          claims.reserve(states);
          const records = new StateRecords(base + states);
          // A position's arrivals stay in ordinal order (one thread expands a state); positions interleave as `shuffle` says.
          const cursors = reach.map(() => 0);
          const arrivals: [number, number, number][] = [];
          for (let turn = 0; arrivals.length < reach.flat().length; turn++) {
            const open = reach.map((r, i) => i).filter((i) => cursors[i]! < reach[i]!.length);
            const i = open[(shuffle[turn % Math.max(1, shuffle.length)] ?? 0) % open.length]!;
            const o = cursors[i]!++;
            const k = reach[i]![o]!;
            claims.claim(k, i + 1, records, base + k, i, o);
            arrivals.push([k, i + 1, o]);
          }
          least(arrivals, states).forEach((m, k) => {
            expect(claims.position(k)).toBe(m ? m[0] : 0x3fffffff);
            if (m) expect([records.parent(base + k), records.step(base + k)]).toEqual([m[0] - 1, m[1]]);
          });
        },
      ),
    );
  });

  it("a held state keeps its record; reserve keeps the claims made; clear unclaims", () => {
    const claims = new Claims(2);
    const records = new StateRecords(16);
    records.set(10, 3, 4);
    claims.hold(0);
    claims.claim(0, 1, records, 10, 0, 0);
    expect([claims.position(0), records.parent(10), records.step(10)]).toEqual([0, 3, 4]);
    claims.claim(1, 5, records, 11, 4, 2);
    claims.reserve(6);
    expect(claims.capacity).toBe(6);
    expect(claims.position(1)).toBe(5);
    claims.claim(5, 2, records, 15, 1, 0);
    expect([records.parent(15), records.step(15)]).toEqual([1, 0]);
    claims.clear(6);
    claims.claim(1, 9, records, 11, 8, 1);
    expect([claims.position(1), records.parent(11), records.step(11)]).toEqual([9, 8, 1]);
  });

  it("a record that cannot be written leaves the claim unlocked: the next arrival does not spin", () => {
    const claims = new Claims(1);
    const records = new StateRecords(4);
    // A parent not before the state is a bug `set` reports.
    expect(() => claims.claim(0, 3, records, 2, 2, 0)).toThrow(/was not inserted before it/);
    claims.claim(0, 1, records, 2, 0, 7);
    expect([claims.position(0), records.step(2)]).toEqual([1, 7]);
  });

  it("two worker threads claiming the same states at once, from positions in opposite orders, leave the least arrival's record at each", async () => {
    const script = builtScript("test/checker/claims-worker.ts", ["src/checker/claims.ts", "src/checker/records.ts"]);

    const POSITIONS = 60_000;
    const STEPS = 6;
    const STATES = 20_000;
    const base = POSITIONS;
    const claims = new Claims(STATES);
    const records = new StateRecords(base + STATES, true);
    const gate = new SharedArrayBuffer(4);
    // Worker 0 expands the odd positions from the last, worker 1 the even ones from the first,
    // starting together: each improves on claims the other made. Whether two arrivals at one
    // state ever fall within a few nanoseconds of each other is up to the machine, so this
    // checks the claims under contention rather than provoking a race: with the lock taken by
    // a plain store instead of a compare-and-exchange, it failed one run in nine here.
    const odd = Array.from({ length: POSITIONS / 2 }, (_, i) => POSITIONS - 1 - 2 * i);
    const even = Array.from({ length: POSITIONS / 2 }, (_, i) => 2 + 2 * i);
    const run = (positions: number[]): Promise<void> => {
      const workerData: ClaimsWorkerData = { role: "claims-worker", claims: claims.shared(), records: records.shared(), gate, rounds: 1, workers: 2, positions, steps: STEPS, states: STATES, base };
      return runWorker(script, workerData);
    };
    await Promise.all([run(odd), run(even)]);
    const arrivals: [number, number, number][] = [];
    for (const p of [...odd, ...even]) for (let o = 0; o < STEPS; o++) arrivals.push([reached(p, o, STATES), p, o]);
    const problems: string[] = [];
    least(arrivals, STATES).forEach((m, k) => {
      const got = [claims.position(k), records.parent(base + k), records.step(base + k)];
      const want = m ? [m[0], m[0] - 1, m[1]] : [0x3fffffff, 0, 0];
      if (got.join() !== want.join()) problems.push(`state ${k}: ${got.join()} where the least arrival gives ${want.join()}`);
    });
    expect(problems.slice(0, 5)).toEqual([]);
  }, 30_000);
});
