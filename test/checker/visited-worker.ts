// Worker thread for the shared visited-set test: inserts its share of keys into a shared table and records them (run from dist/).
import { parentPort, workerData } from "node:worker_threads";
import { fingerprint } from "../../src/checker/fingerprint.js";
import { StateRecords, type SharedRecords } from "../../src/checker/records.js";
import { FingerprintTable, type SharedTable } from "../../src/checker/visited.js";

export interface VisitedWorkerData {
  readonly role: "visited-worker";
  readonly table: SharedTable;
  readonly records: SharedRecords;
  /** Int32[1]: workers check in here before each round and start it together, so their inserts overlap in time. */
  readonly gate: SharedArrayBuffer;
  readonly rounds: number;
  readonly workers: number;
  /** Keys 0..keys-1; this worker inserts those with key % 8 !== skip. */
  readonly keys: number;
  readonly skip: number;
}

/** The key's fingerprint: the hash of a small vector, as the explorer would compute it. The test uses the same. */
export function keyFingerprint(k: number, out: Uint32Array): void {
  fingerprint(Int32Array.of(k, k >> 3, 7), out);
}

const d = workerData as VisitedWorkerData | undefined;
if (parentPort && d?.role === "visited-worker") {
  const table = FingerprintTable.fromShared(d.table);
  const records = StateRecords.fromShared(d.records);
  const gate = new Int32Array(d.gate);
  const out = new Uint32Array(2);
  // results[k]: what insertOrFind returned for key k, or MISSING if this worker skipped it.
  const results = new Int32Array(d.keys).fill(0x7fffffff);
  const perRound = Math.ceil(d.keys / d.rounds);
  for (let round = 0; round < d.rounds; round++) {
    Atomics.add(gate, 0, 1);
    while (Atomics.load(gate, 0) < d.workers * (round + 1));
    for (let k = round * perRound; k < Math.min(d.keys, (round + 1) * perRound); k++) {
      if (k % 8 === d.skip) continue;
      keyFingerprint(k, out);
      const r = table.insertOrFind(out[0]!, out[1]!);
      if (r >= 0) records.set(r, -1, k & 0xffff);
      results[k] = r;
    }
  }
  parentPort.postMessage(results, [results.buffer]);
}
