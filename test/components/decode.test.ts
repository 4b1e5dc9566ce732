// What the step function's shortcuts rely on: a syscall's decode is pure and independent of dispatching, and a step's text depends on no state vector.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSystem, successors, type System } from "../../src/components/step.js";
import { compileFile } from "../../src/dsl/compile.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { ALL_RIGHTS, capKind, capRights, Kind, NO_CAP } from "../../src/kernel/cap.js";
import { ecCpu, ecPd, ecState } from "../../src/kernel/ec.js";
import { FAULT_FLAGS, type FaultFlag } from "../../src/kernel/faults.js";
import { CPU, DEFAULT_CONFIG, EcState, type KernelConfig, type Layout, type StateVector } from "../../src/kernel/layout.js";
import { enter } from "../../src/kernel/scheduler.js";
import { capAt, globalSlot, slotsOf } from "../../src/kernel/space.js";
import { decodeStatus, syscall, type Item, type SyscallArgs } from "../../src/kernel/syscalls.js";

const SCENARIOS = ["scenarios", "scenarios/lib"].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".nizza"))
    .map((f) => join(d, f)),
);

function model(file: string): SystemModel {
  const c = compileFile(file);
  if (!c.model) throw new Error(`${file} does not compile`);
  return c.model;
}

/** The first `n` states of a breadth-first search, every `every`-th kept. */
function sample(sys: System, n: number, every: number): StateVector[] {
  const seen = new Set<string>();
  const key = (s: StateVector): string => Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("base64");
  const queue: StateVector[] = [sys.init];
  seen.add(key(sys.init));
  for (let i = 0; i < queue.length && queue.length < n; i++)
    for (const x of successors(sys, queue[i]!)) {
      const k = key(x.state);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(x.state);
      }
    }
  return queue.filter((_, i) => i % every === 0);
}

/**
 * Arguments for every op from `ec`'s point of view: valid and invalid selectors, items,
 * choices, CPUs and memory objects, so that every decode reaches its checks in turn.
 */
function argsFor(s: StateVector, L: Layout, ec: number): SyscallArgs[] {
  const pd = ecPd(s, L, ec);
  const n = slotsOf(L, pd);
  const held = Array.from({ length: n }, (_, i) => ({ sel: i, c: capAt(s, L, globalSlot(L, pd, i)) })).filter((x) => x.c !== NO_CAP);
  const sels = [-1, n, ...held.map((x) => x.sel)];
  const ofKind = (k: number): number[] => [-1, ...held.filter((x) => capKind(x.c) === k).map((x) => x.sel)];
  const items: (Item | undefined)[] = [undefined, { sel: -1, rights: 1 }, ...held.flatMap((x) => [{ sel: x.sel, rights: capRights(x.c) }, { sel: x.sel, rights: ALL_RIGHTS[capKind(x.c)]! | 15 }])];
  const mems = Array.from({ length: L.counts.mem + 2 }, (_, m) => m - 1);
  const cpus = [0, L.counts.cpu - 1, L.counts.cpu];
  const out: SyscallArgs[] = [{ op: "toString" } as unknown as SyscallArgs];
  const tooLong = Array.from({ length: L.config.msgWords + 1 }, () => 1);
  for (const pt of sels) out.push({ op: "call", pt, words: [7], labels: 1 }, { op: "recv", pt }, { op: "recv", pt, choice: 1 }, { op: "recv", pt, choice: -1 });
  for (const pt of ofKind(Kind.PT)) {
    out.push({ op: "call", pt, words: tooLong });
    for (const item of items) out.push({ op: "call", pt, words: [1], item, timeout: true });
  }
  out.push({ op: "reply", words: tooLong });
  for (const item of items) out.push({ op: "reply", words: [3], labels: 2, item });
  for (const x of sels) {
    out.push({ op: "revoke", sel: x }, { op: "lookup", sel: x }, { op: "sm_down", sm: x }, { op: "sm_up", sm: x }, { op: "sm_up", sm: x, choice: 5 });
    out.push({ op: "create_pd", pd: x }, { op: "create_sc", ec: x, prio: 1 }, { op: "create_sc", ec: x, prio: 300 }, { op: "create_pt", ec: x });
    out.push({ op: "create_sm", pd: x, count: 0 }, { op: "create_sm", pd: x, count: 9 });
    for (const cpu of cpus) out.push({ op: "assign_irq", sm: x, cpu });
    for (const t of ofKind(Kind.PD)) {
      for (const rights of [0, 1, 15]) out.push({ op: "delegate", src: x, pd: t, rights });
      out.push({ op: "assign_dev", dev: x, pd: t });
    }
  }
  for (const t of ofKind(Kind.PD)) {
    for (const cpu of cpus) out.push({ op: "create_ec", pd: t, cpu });
    for (const p of ofKind(Kind.PT)) out.push({ op: "create_ec", pd: t, cpu: 0, pager: p, exc: p });
    for (const m of mems) for (const rights of [1, 3, 7]) out.push({ op: "map", mem: m, pd: t, rights });
  }
  for (const m of mems) out.push({ op: "unmap", mem: m }, { op: "pte_write", mem: m, rights: 3 });
  return out;
}

/** A view of `s` that records each word read and refuses every write. */
function watched(s: StateVector, reads: Set<number>): StateVector {
  return new Proxy(s, {
    get(t, p) {
      if (typeof p === "string") {
        const i = Number(p);
        if (Number.isInteger(i)) {
          reads.add(i);
          return t[i];
        }
      }
      const v: unknown = Reflect.get(t, p);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
    set(_t, p) {
      throw new Error(`decode wrote word ${String(p)}`);
    },
    defineProperty(_t, p) {
      throw new Error(`decode defined ${String(p)}`);
    },
  });
}

/** The words `enter` may change: every CPU record and every TLB. */
function dispatchWords(L: Layout): (i: number) => boolean {
  const cpuEnd = L.base.cpu + L.counts.cpu * CPU.SIZE;
  const tlbEnd = L.base.tlb + L.counts.cpu * L.counts.pd * L.pteWords;
  return (i) => (i >= L.base.cpu && i < cpuEnd) || (i >= L.base.tlb && i < tlbEnd);
}

/** Arguments tried per EC and state (the whole list of a root PD runs into the thousands). */
const PER_EC = 100;

describe("decodeStatus: a syscall refused or accepted without copying the state", () => {
  // Without fault flags and with all of them (several change decode), with untagged and tagged TLBs.
  const variants: { name: string; faults: boolean; config: KernelConfig }[] = [
    { name: "no faults", faults: false, config: DEFAULT_CONFIG },
    { name: "every fault flag, tagged TLB", faults: true, config: { ...DEFAULT_CONFIG, taggedTlb: true } },
  ];
  for (const v of variants)
    it(`writes nothing, reads no CPU record or TLB, and agrees with syscall after enter (${v.name})`, () => {
      let checked = 0;
      for (const file of SCENARIOS) {
        const m0 = model(file);
        const m = v.faults ? { ...m0, kernel: { ...m0.kernel, faults: Object.keys(FAULT_FLAGS) as FaultFlag[] } } : m0;
        const sys = buildSystem(m, v.config);
        const { k } = sys;
        const L = k.L;
        const onDispatch = dispatchWords(L);
        sample(sys, 100, 25).forEach((s, si) => {
          for (let ec = 0; ec < L.counts.ec; ec++) {
            const cpu = ecCpu(s, L, ec);
            if (ecState(s, L, ec) === EcState.FREE || cpu < 0 || cpu >= L.counts.cpu) continue;
            // At most about PER_EC of them, a different share for each state and EC.
            const all = argsFor(s, L, ec);
            const stride = Math.ceil(all.length / PER_EC);
            for (const a of all.filter((_, i) => i % stride === (si + ec) % stride)) {
              const what = (): string => `${file}: ${JSON.stringify(a)} by EC ${ec}`;
              const reads = new Set<number>();
              const meter = k.meter.raw.slice();
              const st = decodeStatus(k, watched(s, reads), ec, a);
              // Plain comparisons, and expect() only on a failure: there are tens of thousands.
              if (meter.some((x, i) => x !== k.meter.raw[i])) expect.fail(`${what()}: decode counted on the meter`);
              const bad = [...reads].filter(onDispatch);
              if (bad.length) expect.fail(`${what()}: decode read words enter writes: ${bad.join(", ")}`);
              // The full path: a copy, dispatched, then the syscall.
              const n = s.slice();
              enter(k, n, ec);
              const full = syscall(k, n, ec, a);
              if (full !== st) expect(full, what()).toBe(st);
              checked++;
            }
          }
        });
      }
      expect(checked).toBeGreaterThan(5_000);
    });
});

describe("lazy step texts", () => {
  it("are the same read at once, read after every state vector involved is overwritten, and read twice", () => {
    for (const file of SCENARIOS) {
      const sys = buildSystem(model(file));
      for (const s of sample(sys, 150, 5)) {
        const now = successors(sys, s.slice()).map((x) => x.step.text);
        const pre = s.slice();
        const later = successors(sys, pre);
        pre.fill(-3);
        for (const x of later) x.state.fill(-5);
        const texts = later.map((x) => x.step.text);
        if (texts.join("\n") !== now.join("\n")) expect(texts, file).toEqual(now);
        if (later.some((x, i) => x.step.text !== texts[i])) expect.fail(`${file}: a text changed on the second read`);
      }
    }
  });

  it("JSON.stringify of a step includes its text", () => {
    const sys = buildSystem(model("scenarios/revoke_race.nizza"));
    const [x] = successors(sys, sys.init);
    const json = JSON.parse(JSON.stringify(x!.step)) as { text: string; kind: string };
    expect(json.text).toBe(x!.step.text);
    expect(json.kind).toBe(x!.step.kind);
  });
});
