// Test driver for the behaviour suites: build a system from scenario text, walk it step by step, and check every step's record.
import { expect } from "vitest";
import type { SystemModel } from "../../src/dsl/model.js";
import { buildSystem, successors, type Successor, type System } from "../../src/components/step.js";
import { ecGet, ecState, msgWord, varLabels, varValue } from "../../src/kernel/ec.js";
import { EC, type KernelConfig, type Layout, type StateVector } from "../../src/kernel/layout.js";
import { DEFAULT_CONFIG } from "../../src/kernel/layout.js";
import { compile, diff } from "../kernel/harness.js";

/** The instructions whose steps read only the thread's own record (spec/language.md §9.7). */
const LOCAL_OPS = new Set(["choose", "count", "repeat", "spin"]);

/**
 * Checks the record of one step from `s`: `writes` is exactly the diff, `reads` is
 * "local" only for choose/count/repeat/spin, and `node` is the statement executed
 * (thread), the component's declaration (adversary) or null.
 */
export function checkStep(sys: System, s: StateVector, x: Successor): void {
  const L = sys.k.L;
  const st = x.step;
  expect(Array.from(st.writes), st.text).toEqual(diff(s, x.state));
  if (st.kind === "thread") {
    const i = sys.programs[st.ec]!.code[ecGet(s, L, st.ec, EC.PC)]!;
    expect(st.node, st.text).toBe(i.node);
    expect(st.reads, st.text).toBe(LOCAL_OPS.has(i.op) ? "local" : "all");
    expect(st.component).toBe(sys.model.threads[st.ec]!.owner);
  } else {
    expect(st.reads, st.text).toBe("all");
    if (st.kind === "adversary") expect(st.node).toBe(sys.model.components[st.component]!.node);
    else expect(st.node).toBeNull();
  }
}

export class Driver {
  readonly sys: System;
  readonly model: SystemModel;
  readonly L: Layout;
  s: StateVector;
  /** The steps taken so far. */
  readonly trail: Successor[] = [];

  /** `name` is the file the text stands for: imports are read relative to it. */
  constructor(text: string, config: Partial<KernelConfig> = {}, name = "test.nizza") {
    this.model = compile(text, name);
    this.sys = buildSystem(this.model, { ...DEFAULT_CONFIG, ...config });
    this.L = this.sys.k.L;
    this.s = this.sys.init;
  }

  /** Every successor of the current state, each record checked. */
  next(): Successor[] {
    const out = successors(this.sys, this.s);
    for (const x of out) checkStep(this.sys, this.s, x);
    return out;
  }

  /** The successors that are steps of thread `comp.thread`. */
  threadSteps(path: string): Successor[] {
    const ec = this.ec(path);
    return this.next().filter((x) => x.step.kind === "thread" && x.step.ec === ec);
  }

  /** Moves to a successor. */
  go(x: Successor): Successor {
    this.s = x.state;
    this.trail.push(x);
    return x;
  }

  /** Takes the only step of thread `comp.thread` (optionally the only one whose text matches). */
  step(path: string, text?: RegExp): Successor {
    const xs = this.threadSteps(path).filter((x) => !text || text.test(x.step.text));
    expect(xs.map((x) => x.step.text), `one step of ${path}${text ? ` matching ${text}` : ""}`).toHaveLength(1);
    return this.go(xs[0]!);
  }

  /** Takes the only step (of any kind) whose text matches. */
  take(text: RegExp): Successor {
    const xs = this.next().filter((x) => text.test(x.step.text));
    expect(xs.map((x) => x.step.text), `one step matching ${text}`).toHaveLength(1);
    return this.go(xs[0]!);
  }

  /** Runs thread `path` until it has no step left (blocked or done), at most `max` steps. */
  runThread(path: string, max = 100): Successor[] {
    const taken: Successor[] = [];
    for (let i = 0; i < max; i++) {
      const xs = this.threadSteps(path);
      if (xs.length === 0) return taken;
      expect(xs, `thread ${path} has one step`).toHaveLength(1);
      taken.push(this.go(xs[0]!));
    }
    throw new Error(`${path} still runs after ${max} steps`);
  }

  ec(path: string): number {
    const [c, t] = path.split(".");
    const th = this.model.threads.find((x) => x.name === t && this.model.components[x.owner]!.name === c);
    if (!th) throw new Error(`no thread ${path}`);
    return th.index;
  }
  pd(name: string): number {
    const i = this.model.components.findIndex((c) => c.name === name);
    if (i < 0) throw new Error(`no component ${name}`);
    return i;
  }
  region(path: string): number {
    const [c, r] = path.split(".");
    const x = this.model.regions.find((m) => m.name === r && m.owner === this.pd(c!));
    if (!x) throw new Error(`no region ${path}`);
    return x.index;
  }
  label(name: string): number {
    const i = this.model.labels.indexOf(name);
    if (i < 0) throw new Error(`no label ${name}`);
    return 1 << i;
  }
  /** The label mask of several labels. */
  labels(...names: string[]): number {
    return names.reduce((m, n) => m | this.label(n), 0);
  }

  state(path: string): number {
    return ecState(this.s, this.L, this.ec(path));
  }
  get(path: string, f: (typeof EC)[keyof typeof EC]): number {
    return ecGet(this.s, this.L, this.ec(path), f);
  }
  /** A thread variable: value and labels. */
  v(path: string, name: string): { value: number; labels: number } {
    const ec = this.ec(path);
    const slot = this.model.threads[ec]!.vars.indexOf(name);
    if (slot < 0) throw new Error(`no variable ${name} in ${path}`);
    return { value: varValue(this.s, this.L, ec, slot), labels: varLabels(this.s, this.L, ec, slot) };
  }
  /** Word 0 of an EC's UTCB and its labels. */
  utcb(ec: number, s = this.s): { value: number; labels: number } {
    return { value: msgWord(s, this.L, ec, 0), labels: ecGet(s, this.L, ec, EC.MSG_LABELS) };
  }
  /** The 1-based source line of a node. */
  line(node: number): number {
    return Number(this.model.sources.where(node).split(":").at(-2));
  }
}

/** The 1-based line of `text`'s first occurrence in `source` (for checking step.node). */
export function lineOf(source: string, text: string): number {
  const i = source.indexOf(text);
  if (i < 0) throw new Error(`'${text}' is not in the source`);
  return source.slice(0, i).split("\n").length;
}
