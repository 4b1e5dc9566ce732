// Worker thread for the claims test: claims the states its positions reach, racing another worker on shared claims and records (run from dist/).
import { parentPort, workerData } from "node:worker_threads";
import { Claims } from "../../src/checker/claims.js";
import { StateRecords, type SharedRecords } from "../../src/checker/records.js";

export interface ClaimsWorkerData {
  readonly role: "claims-worker";
  readonly claims: SharedArrayBuffer;
  readonly records: SharedRecords;
  /** Int32[1]: the workers check in here before each round and start it together, so that their claims overlap in time. */
  readonly gate: SharedArrayBuffer;
  readonly rounds: number;
  readonly workers: number;
  /** The positions this worker expands, in this order. */
  readonly positions: readonly number[];
  readonly steps: number;
  readonly states: number;
  /** The index of the level's first state. */
  readonly base: number;
}

/** The state (0..states-1) that successor `ordinal` of the state at `position` reaches; the test uses the same. */
export function reached(position: number, ordinal: number, states: number): number {
  return (Math.imul(position * 31 + (ordinal >> 1), 2654435761) >>> 0) % states;
}

const d = workerData as ClaimsWorkerData | undefined;
if (parentPort && d?.role === "claims-worker") {
  const claims = new Claims(d.claims);
  const records = StateRecords.fromShared(d.records);
  const gate = new Int32Array(d.gate);
  const perRound = Math.ceil(d.positions.length / d.rounds);
  for (let round = 0; round < d.rounds; round++) {
    Atomics.add(gate, 0, 1);
    while (Atomics.load(gate, 0) < d.workers * (round + 1));
    for (const p of d.positions.slice(round * perRound, (round + 1) * perRound))
      for (let o = 0; o < d.steps; o++) {
        const k = reached(p, o, d.states);
        // The parent: the state at position p of the level before, numbered p - 1.
        claims.claim(k, p, records, d.base + k, p - 1, o);
      }
  }
  parentPort.postMessage("done");
}
