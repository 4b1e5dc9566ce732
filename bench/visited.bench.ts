// Benchmark: the visited set — fingerprint rate on 250-word states, table inserts (plain, Atomics, two threads), bytes per state.
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { collisionProbability, fingerprint } from "../src/checker/fingerprint.js";
import { StateRecords } from "../src/checker/records.js";
import { bytesPerState, FingerprintTable, type SharedTable } from "../src/checker/visited.js";
import { median, rate as measureRate } from "./measure.js";

const RUNS = 5;
/** The µSINA state vector is 252 words (docs/performance.md); 250 as in the issue. */
const WORDS = 250;
const HASHES = 1_000_000;
const INSERTS = 1_000_000;
const THREADS = 2;

const TARGET_BYTES = 32;
/** 300,000 states/s leaves 3.3 µs per state for everything; hashing and inserting should take a few hundred ns of it. */
const TARGET_STATES = 300_000;


/** The median rate of `body` over RUNS runs after a warm-up (bench/measure.ts). */
const rate = (ops: number, body: () => number): number => measureRate(ops, body, RUNS);

/** Distinct, well-spread fingerprints for the table measures (the hash's own cost is measured apart). */
function keys(n: number, offset: number): { hi: Uint32Array; lo: Uint32Array } {
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const out = new Uint32Array(2);
  const v = new Int32Array(2);
  for (let i = 0; i < n; i++) {
    v[0] = i + offset;
    fingerprint(v, out);
    hi[i] = out[0]!;
    lo[i] = out[1]!;
  }
  return { hi, lo };
}

interface WorkerJob {
  readonly table: SharedTable;
  readonly gate: SharedArrayBuffer;
  readonly offset: number;
  readonly n: number;
}

/** A worker thread: precomputes its keys, checks in at the gate, waits for the start signal, inserts. */
function worker(job: WorkerJob): void {
  const table = FingerprintTable.fromShared(job.table);
  const gate = new Int32Array(job.gate);
  const { hi, lo } = keys(job.n, job.offset);
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  Atomics.wait(gate, 1, 0);
  let fresh = 0;
  for (let i = 0; i < job.n; i++) if (table.insert(hi[i]!, lo[i]!) >= 0) fresh++;
  parentPort!.postMessage(fresh);
}

/** Inserts per second with THREADS workers into one shared table, reserved ahead (as between BFS levels). */
async function threaded(): Promise<number> {
  const per = INSERTS / THREADS;
  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const table = new FingerprintTable(16, true);
    table.reserve(INSERTS);
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const workers = Array.from({ length: THREADS }, (_, w) => {
      const job: WorkerJob = { table: table.shared(), gate: gate.buffer as SharedArrayBuffer, offset: w * per, n: per };
      return new Worker(new URL(import.meta.url), { workerData: job });
    });
    const done = workers.map((w) => new Promise<number>((resolve, reject) => w.once("message", resolve).once("error", reject)));
    while (Atomics.load(gate, 0) < THREADS) await new Promise((r) => setTimeout(r, 5));
    const t = performance.now();
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    const fresh = (await Promise.all(done)).reduce((a, b) => a + b, 0);
    if (run > 0) times.push(performance.now() - t);
    await Promise.all(workers.map((w) => w.terminate()));
    if (fresh !== INSERTS || table.size !== INSERTS) throw new Error(`threads inserted ${fresh} of ${INSERTS} distinct keys`);
  }
  return INSERTS / (median(times) / 1000);
}

async function main(): Promise<void> {
  // ---- fingerprints of 250-word states ---------------------------------------------
  // A pool of distinct state-like vectors (small values, a few differences), larger than L1.
  const pool = Array.from({ length: 256 }, (_, k) => Int32Array.from({ length: WORDS }, (_, i) => (i % 5) + (i === k % WORDS ? k : 0)));
  const out = new Uint32Array(2);
  const hashes = rate(HASHES, () => {
    let sink = 0;
    for (let i = 0; i < HASHES; i++) {
      fingerprint(pool[i & 255]!, out);
      sink ^= out[0]!;
    }
    return sink;
  });

  // ---- table inserts ---------------------------------------------------------------
  const { hi, lo } = keys(INSERTS, 0);
  const plainInserts = rate(INSERTS, () => {
    const t = new FingerprintTable(16);
    for (let i = 0; i < INSERTS; i++) t.insert(hi[i]!, lo[i]!);
    return t.size;
  });
  const full = new FingerprintTable(16);
  for (let i = 0; i < INSERTS; i++) full.insert(hi[i]!, lo[i]!);
  const plainHits = rate(INSERTS, () => {
    let sink = 0;
    for (let i = 0; i < INSERTS; i++) sink += full.insertOrFind(hi[i]!, lo[i]!);
    return sink;
  });
  // Shared, one thread: the Atomics path; the table grows between "levels" of 65,536 inserts.
  const sharedInserts = rate(INSERTS, () => {
    const t = new FingerprintTable(16, true);
    for (let i = 0; i < INSERTS; i++) {
      if ((i & 0xffff) === 0) t.reserve(0x10000);
      t.insert(hi[i]!, lo[i]!);
    }
    return t.size;
  });
  const threadInserts = await threaded();

  // ---- hash + insert, as the explorer does per successor ------------------------------
  const state = pool[0]!.slice();
  const hashInsert = (t: FingerprintTable): number => {
    let sink = 0;
    for (let k = 0; k < INSERTS; k++) {
      state[0] = k;
      state[1] = k >> 16;
      fingerprint(state, out);
      sink += t.insertOrFind(out[0]!, out[1]!);
    }
    return sink;
  };
  const newStates = rate(INSERTS, () => hashInsert(new FingerprintTable(16)));
  const seen = new FingerprintTable(16);
  hashInsert(seen);
  const seenStates = rate(INSERTS, () => hashInsert(seen));

  // ---- bytes per state --------------------------------------------------------------
  const memory: { n: number; bytes: number; capacity: number }[] = [];
  {
    const t = new FingerprintTable(16);
    const r = new StateRecords(1);
    const v = new Int32Array(2);
    for (let i = 0; i < 4_000_000; i++) {
      v[0] = i;
      fingerprint(v, out);
      const index = t.insert(out[0]!, out[1]!);
      r.set(index, index === 0 ? -1 : index >> 1, i & 7);
      if (i + 1 === 1_000_000 || i + 1 === 4_000_000) memory.push({ n: i + 1, bytes: bytesPerState(t, r), capacity: t.capacity });
    }
  }

  // ---- report ------------------------------------------------------------------------
  const met = (ok: boolean): string => (ok ? "met" : "MISSED");
  const m = (x: number): string => (x / 1e6).toFixed(2);
  const ns = (x: number): string => (1e9 / x).toFixed(0);
  const budget = 1e9 / TARGET_STATES;
  console.log(`visited set: ${WORDS}-word states, 64-bit fingerprints, median of ${RUNS} runs`);
  console.log(`  fingerprint:                   ${m(hashes)} M/s = ${ns(hashes)} ns per state`);
  console.log(`  table, growing from 16 slots:`);
  console.log(`    inserts, plain:              ${m(plainInserts)} M/s = ${ns(plainInserts)} ns`);
  console.log(`    lookups of present states:   ${m(plainHits)} M/s = ${ns(plainHits)} ns (1 M states in the table)`);
  console.log(`    inserts, shared (Atomics):   ${m(sharedInserts)} M/s = ${ns(sharedInserts)} ns (one thread)`);
  console.log(`    inserts, ${THREADS} worker threads:   ${m(threadInserts)} M/s together (shared table reserved ahead)`);
  console.log(`  fingerprint + insertOrFind per state (the explorer's cost per successor):`);
  console.log(`    new states:                  ${ns(newStates)} ns = ${((100 * 1e9) / newStates / budget).toFixed(0)} % of the ${budget.toFixed(0)} ns a state may take at ${TARGET_STATES / 1000} K states/s`);
  console.log(`    states already seen:         ${ns(seenStates)} ns`);
  for (const { n, bytes, capacity } of memory) {
    console.log(`  bytes per state at ${(n / 1e6).toFixed(0)} M states: ${bytes.toFixed(1)} (table of ${capacity.toLocaleString("en-US")} slots at load ${(n / capacity).toFixed(2)}; records; target <= ${TARGET_BYTES}: ${met(bytes <= TARGET_BYTES)})`);
  }
  console.log(`    over a growth cycle: 16-24 bytes in the table (load 3/4 down to 1/2) + 6-7.5 in the records`);
  console.log(`  collision probability: ${collisionProbability(1e6).toExponential(1)} at 1 M states, ${collisionProbability(4e6).toExponential(1)} at 4 M, ${collisionProbability(1e8).toExponential(1)} at 100 M`);
  console.log(`  node ${process.version}, peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}

if (isMainThread) await main();
else worker(workerData as WorkerJob);
