// Benchmark: the kernel on its state vector — size, copy rate, IPC round trips and syscalls per second on µSINA.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { compileFile } from "../src/dsl/compile.js";
import { StateArena } from "../src/kernel/arena.js";
import { boot } from "../src/kernel/boot.js";
import { cap, Kind, Right } from "../src/kernel/cap.js";
import type { StateVector } from "../src/kernel/layout.js";
import { enter } from "../src/kernel/scheduler.js";
import { findCap } from "../src/kernel/space.js";
import { Status } from "../src/kernel/status.js";
import { syscall, type Kernel, type SyscallArgs } from "../src/kernel/syscalls.js";
import { rate as measureRate } from "./measure.js";

const RUNS = 7;
/** Work per run: 0.1 to 1 s each on the reference machine; the whole benchmark takes about 30 s. */
const COPIES = 1_000_000;
const ROUND_TRIPS = 100_000;
const MIXES = 30_000;

const TARGET_BYTES = 1024;
const TARGET_COPIES = 1_000_000;
const TARGET_ROUND_TRIPS = 300_000;


/** The median rate of `body` over RUNS runs after a warm-up (bench/measure.ts). */
const rate = (ops: number, body: () => number): number => measureRate(ops, body, RUNS);

// ---- the scenario --------------------------------------------------------------------

const candidates = [fileURLToPath(new URL("../../scenarios/usina.nizza", import.meta.url)), "scenarios/usina.nizza"];
const file = candidates.find((p) => existsSync(p));
if (!file) throw new Error("scenarios/usina.nizza not found");
const compiled = compileFile(file);
if (!compiled.model) throw new Error(`usina.nizza has errors: ${compiled.diagnostics[0]?.message}`);
const model = compiled.model;
const { kernel: k, state: booted } = boot(model);
const L = k.L;

const comp = (name: string): number => {
  const c = model.components.find((x) => x.name === name);
  if (!c) throw new Error(`no component ${name}`);
  return c.index;
};
const viaduct = comp("viaduct");
const linuxRed = comp("linux_red");
const crypto = model.threads.find((t) => t.owner === viaduct && t.name === "crypto")!.index;
const encrypt = model.portals.find((p) => p.owner === viaduct && p.name === "encrypt")!.index;
const encryptPt = L.boot.portalPts[encrypt]![0]!;
// linux_red's adversary EC on CPU 0.
const adversary = L.boot.threadEcs + L.boot.adversaryEcs.findIndex((a) => a.component === linuxRed && a.cpu === 0);
const ram = model.regions.find((r) => r.owner === linuxRed && r.name === "ram")!.index;

const sel = (pd: number, c: number): number => {
  const i = findCap(booted, L, pd, c);
  if (i < 0) throw new Error(`PD ${pd} holds no ${c}`);
  return i;
};
const redCallsEncrypt = sel(linuxRed, cap(Kind.PT, encryptPt, Right.CALL));
const viaductEncrypt = sel(viaduct, cap(Kind.PT, encryptPt, Right.CALL));
const redPd = sel(linuxRed, cap(Kind.PD, linuxRed, Right.CTRL));
const redRam = sel(linuxRed, cap(Kind.MEM, ram, Right.R | Right.W | Right.X));

const CALL: SyscallArgs = { op: "call", pt: redCallsEncrypt, words: [42, 7], labels: 1 };
const REPLY: SyscallArgs = { op: "reply", words: [0] };
const RECV: SyscallArgs = { op: "recv", pt: viaductEncrypt };

function must(k: Kernel, s: StateVector, ec: number, a: SyscallArgs): void {
  const st = syscall(k, s, ec, a);
  if (st !== Status.SUCCESS) throw new Error(`${a.op} by EC ${ec} failed with status ${st}`);
}

// The server waits in recv: the state every round trip starts from and returns to.
const waiting = booted.slice();
must(k, waiting, crypto, RECV);
{
  // One round trip, checked: the same state afterwards.
  const s = waiting.slice();
  must(k, s, adversary, CALL);
  must(k, s, crypto, REPLY);
  must(k, s, crypto, RECV);
  if (!s.every((x, i) => x === waiting[i])) throw new Error("a round trip does not return to the waiting state");
}

// ---- measures --------------------------------------------------------------------

const bytes = booted.byteLength;

// The kernel's copy: a StateArena carves each copy out of a shared chunk (src/kernel/arena.ts).
// Every copy is kept (the arena never reuses a view), as an explorer keeps its states.
const arena = new StateArena(L.words);
const copies = rate(COPIES, () => {
  let sink = 0;
  for (let i = 0; i < COPIES; i++) {
    const c = arena.copy(booted);
    sink += c[i & 63]!;
  }
  return sink;
});

// For comparison: a typed array of its own per copy (V8 allocates its buffer off-heap).
const sliceCopies = rate(COPIES, () => {
  let sink = 0;
  for (let i = 0; i < COPIES; i++) {
    const c = booted.slice();
    sink += c[i & 63]!;
  }
  return sink;
});

// The same copy into a preallocated buffer (no allocation): what an explorer that recycles
// successor buffers, or stores states in one arena, pays.
const pool = Array.from({ length: 64 }, () => new Int32Array(L.words));
const pooledCopies = rate(COPIES, () => {
  let sink = 0;
  for (let i = 0; i < COPIES; i++) {
    const c = pool[i & 63]!;
    c.set(booted);
    sink += c[i & 63]!;
  }
  return sink;
});

const inPlace = rate(ROUND_TRIPS, () => {
  const s = waiting.slice();
  let bad = 0;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    bad |= syscall(k, s, adversary, CALL);
    bad |= syscall(k, s, crypto, REPLY);
    bad |= syscall(k, s, crypto, RECV);
  }
  if (bad) throw new Error("a syscall failed");
  return s[0]!;
});

const withCopies = rate(ROUND_TRIPS, () => {
  let s: StateVector = waiting;
  let bad = 0;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    let n = arena.copy(s);
    bad |= syscall(k, n, adversary, CALL);
    s = n;
    n = arena.copy(s);
    bad |= syscall(k, n, crypto, REPLY);
    s = n;
    n = arena.copy(s);
    bad |= syscall(k, n, crypto, RECV);
    s = n;
  }
  if (bad) throw new Error("a syscall failed");
  return s[0]!;
});

const withPooledCopies = rate(ROUND_TRIPS, () => {
  let s: StateVector = pool[0]!;
  s.set(waiting);
  let bad = 0;
  let at = 0;
  const next = (): StateVector => {
    at = (at + 1) & 63;
    const n = pool[at]!;
    n.set(s);
    return n;
  };
  for (let i = 0; i < ROUND_TRIPS; i++) {
    s = next();
    bad |= syscall(k, s, adversary, CALL);
    s = next();
    bad |= syscall(k, s, crypto, REPLY);
    s = next();
    bad |= syscall(k, s, crypto, RECV);
  }
  if (bad) throw new Error("a syscall failed");
  return s[0]!;
});

// As the explorer will step: copy, dispatch the EC on its CPU (context and address-space
// switch, TLB flush), reset the meter, syscall.
const explorerLike = rate(ROUND_TRIPS, () => {
  let s: StateVector = waiting;
  let bad = 0;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    let n = arena.copy(s);
    k.meter.reset();
    enter(k, n, adversary);
    bad |= syscall(k, n, adversary, CALL);
    s = n;
    n = arena.copy(s);
    k.meter.reset();
    enter(k, n, crypto);
    bad |= syscall(k, n, crypto, REPLY);
    s = n;
    n = arena.copy(s);
    k.meter.reset();
    enter(k, n, crypto);
    bad |= syscall(k, n, crypto, RECV);
    s = n;
  }
  if (bad) throw new Error("a syscall failed");
  return s[0]!;
});

// A mix of the other syscalls, each on a fresh copy of its predecessor: linux_red looks up
// a selector, delegates its RAM to itself read-only, maps and unmaps it, revokes the child
// and creates a semaphore from the spare pool.
const MIX: readonly SyscallArgs[] = [
  { op: "lookup", sel: redRam },
  { op: "delegate", src: redRam, pd: redPd, rights: Right.R },
  { op: "map", mem: ram, pd: redPd, rights: Right.R },
  { op: "unmap", mem: ram },
  { op: "revoke", sel: redRam },
  { op: "create_sm", pd: redPd, count: 1 },
];
{
  const s = booted.slice();
  for (const a of MIX) must(k, s, adversary, a);
}
const mix = rate(MIXES * MIX.length, () => {
  let bad = 0;
  let sink = 0;
  for (let i = 0; i < MIXES; i++) {
    let s: StateVector = booted;
    for (const a of MIX) {
      const n = arena.copy(s);
      bad |= syscall(k, n, adversary, a);
      s = n;
    }
    sink += s[0]!;
  }
  if (bad) throw new Error("a syscall failed");
  return sink;
});

// ---- report --------------------------------------------------------------------

const met = (ok: boolean): string => (ok ? "met" : "MISSED");
const m = (x: number): string => (x / 1e6).toFixed(2);
const kfig = (x: number): string => Math.round(x / 1000).toLocaleString("en-US");
console.log(`kernel on scenarios/usina.nizza: ${L.words} words, ${L.counts.pd} PDs, ${L.counts.ec} ECs, ${L.counts.slots} capability slots, ${L.counts.cpu} CPU`);
console.log(`  state vector:                  ${bytes} bytes (target < ${TARGET_BYTES}: ${met(bytes < TARGET_BYTES)})`);
console.log(`  state copies (StateArena):     ${m(copies)} M/s, median of ${RUNS} runs (target >= ${m(TARGET_COPIES)} M/s: ${met(copies >= TARGET_COPIES)})`);
console.log(`    slice(), for comparison:     ${m(sliceCopies)} M/s (a buffer of its own per copy)`);
console.log(`    into a preallocated buffer:  ${m(pooledCopies)} M/s (set() into a ring of 64, states not kept)`);
console.log(`  call/reply/recv round trips:`);
console.log(`    in place:                    ${kfig(inPlace)} K/s (target >= ${kfig(TARGET_ROUND_TRIPS)} K/s: ${met(inPlace >= TARGET_ROUND_TRIPS)})`);
console.log(`    arena copy per syscall:      ${kfig(withCopies)} K/s (target >= ${kfig(TARGET_ROUND_TRIPS)} K/s: ${met(withCopies >= TARGET_ROUND_TRIPS)})`);
console.log(`    copy into a preallocated buffer per syscall: ${kfig(withPooledCopies)} K/s`);
console.log(`    copy + dispatch + meter reset: ${kfig(explorerLike)} K/s`);
console.log(`  syscalls:`);
console.log(`    round trips, in place:       ${m(3 * inPlace)} M/s`);
console.log(`    round trips, copy each:      ${m(3 * withCopies)} M/s`);
console.log(`    mix (lookup, delegate, map, unmap, revoke, create_sm), copy each: ${m(mix)} M/s`);
console.log(`  node ${process.version}, peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
