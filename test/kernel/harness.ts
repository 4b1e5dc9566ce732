// Test harness for the kernel and machine suites: compile and boot scenario text, name objects, find selectors, diff vectors.
import { expect } from "vitest";
import { compileText } from "../../src/dsl/compile.js";
import { renderDiagnostics } from "../../src/dsl/diagnostics.js";
import type { SystemModel } from "../../src/dsl/model.js";
import { boot } from "../../src/kernel/boot.js";
import { cap, capKind, capObject, capRights, Kind, NO_CAP, type Cap } from "../../src/kernel/cap.js";
import { ecGet } from "../../src/kernel/ec.js";
import { DEFAULT_CONFIG, EC, type KernelConfig, type Layout, type StateVector } from "../../src/kernel/layout.js";
import { capAt, globalSlot, setSlot, slotsOf } from "../../src/kernel/space.js";
import { syscall, type Kernel, type SyscallArgs } from "../../src/kernel/syscalls.js";
import type { Status } from "../../src/kernel/status.js";

/** Compiles scenario text; fails the test with the rendered diagnostics if it does not compile. */
export function compile(text: string, name = "test.nizza"): SystemModel {
  const c = compileText(name, text);
  if (!c.model) throw new Error(`scenario does not compile:\n${renderDiagnostics(c.diagnostics, c.sources)}`);
  return c.model;
}

export interface Rig {
  readonly model: SystemModel;
  readonly k: Kernel;
  readonly L: Layout;
  readonly s: StateVector;
  /** Component (= PD) index by name. */
  pd(name: string): number;
  /** EC of thread `comp.thread`. */
  ec(path: string): number;
  /** The adversary EC of an untrusted component on a CPU. */
  adv(comp: string, cpu: number): number;
  /** Model index of `comp.name` among regions / portals / semaphores. */
  region(path: string): number;
  portal(path: string): number;
  sem(path: string): number;
  /** The PT object of a portal (for an untrusted server: the one on `cpu`). */
  pt(path: string, cpu?: number): number;
  device(name: string): number;
  /** The first selector of `pd` holding a capability of this kind and object (any rights); -1 if none. */
  sel(pd: number | string, kind: Kind, object: number): number;
  /** The global slot behind `sel`. */
  slot(pd: number | string, sel: number): number;
  /** Runs a syscall of `ec`. */
  sys(ec: number, a: SyscallArgs): Status;
  /** A field of an EC record. */
  get(ec: number, f: (typeof EC)[keyof typeof EC]): number;
  /** The capability at a selector of `pd`. */
  cap(pd: number | string, sel: number): Cap;
}

export function bootText(text: string, config: Partial<KernelConfig> = {}): Rig {
  return rig(compile(text), { ...DEFAULT_CONFIG, ...config });
}

export function rig(model: SystemModel, config: KernelConfig = DEFAULT_CONFIG): Rig {
  const { kernel: k, state: s } = boot(model, config);
  const L = k.L;
  const split = (path: string): [number, string] => {
    const [c, n] = path.split(".");
    return [pdOf(c!), n!];
  };
  const pdOf = (name: string): number => {
    const i = model.components.findIndex((c) => c.name === name);
    if (i < 0) throw new Error(`no component ${name}`);
    return i;
  };
  const pdArg = (pd: number | string): number => (typeof pd === "string" ? pdOf(pd) : pd);
  const find = <T extends { owner: number; name: string; index: number }>(xs: readonly T[], path: string): number => {
    const [c, n] = split(path);
    const x = xs.find((o) => o.owner === c && o.name === n);
    if (!x) throw new Error(`no ${path}`);
    return x.index;
  };
  const r: Rig = {
    model,
    k,
    L,
    s,
    pd: pdOf,
    ec: (path) => find(model.threads, path),
    adv: (comp, cpu) => {
      const i = L.boot.adversaryEcs.findIndex((a) => a.component === pdOf(comp) && a.cpu === cpu);
      if (i < 0) throw new Error(`no adversary of ${comp} on ${cpu}`);
      return model.threads.length + i;
    },
    region: (path) => find(model.regions, path),
    portal: (path) => find(model.portals, path),
    sem: (path) => find(model.semaphores, path),
    pt: (path, cpu = 0) => {
      const pts = L.boot.portalPts[find(model.portals, path)]!;
      return pts.length === 1 ? pts[0]! : pts[cpu]!;
    },
    device: (name) => {
      const i = model.machine.devices.findIndex((d) => d.name === name);
      if (i < 0) throw new Error(`no device ${name}`);
      return i;
    },
    sel: (pd, kind, object) => selOf(s, L, pdArg(pd), kind, object),
    slot: (pd, sel) => globalSlot(L, pdArg(pd), sel),
    sys: (ec, a) => syscall(k, s, ec, a),
    get: (ec, f) => ecGet(s, L, ec, f),
    cap: (pd, sel) => capAt(s, L, globalSlot(L, pdArg(pd), sel)),
  };
  return r;
}

export function selOf(s: StateVector, L: Layout, pd: number, kind: Kind, object: number): number {
  for (let i = 0; i < slotsOf(L, pd); i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (c !== NO_CAP && capKind(c) === kind && capObject(c) === object) return i;
  }
  return -1;
}

/** Every selector of `pd` holding a capability of this kind and object, with its rights. */
export function capsOf(s: StateVector, L: Layout, pd: number, kind: Kind, object: number): { sel: number; rights: number }[] {
  const out: { sel: number; rights: number }[] = [];
  for (let i = 0; i < slotsOf(L, pd); i++) {
    const c = capAt(s, L, globalSlot(L, pd, i));
    if (c !== NO_CAP && capKind(c) === kind && capObject(c) === object) out.push({ sel: i, rights: capRights(c) });
  }
  return out;
}

/** Indices at which two vectors differ. */
export function diff(a: StateVector, b: StateVector): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** The index of an EC's STATUS word. */
export function statusWord(L: Layout, ec: number): number {
  return L.base.ec + ec * L.ecSize + EC.STATUS;
}

/**
 * Runs a syscall that must fail with `status`, and checks that it changed nothing
 * in the vector but the caller's STATUS word.
 */
export function expectFailure(r: Rig, ec: number, a: SyscallArgs, status: Status): void {
  const before = r.s.slice();
  expect(r.sys(ec, a)).toBe(status);
  expect(r.s[statusWord(r.L, ec)]).toBe(status);
  expect(diff(before, r.s).filter((i) => i !== statusWord(r.L, ec))).toEqual([]);
}

/** Fills every free selector of `pd` with a rightless capability to `pd`'s own PD (test setup for "space full"). */
export function fillSpace(r: Rig, pd: number): void {
  const own = r.slot(pd, r.sel(pd, Kind.PD, pd));
  for (let i = 0; i < slotsOf(r.L, pd); i++) {
    const g = globalSlot(r.L, pd, i);
    if (capAt(r.s, r.L, g) === NO_CAP) {
      setSlot(r.s, r.L, g, cap(Kind.PD, pd, 0), own);
    }
  }
}
