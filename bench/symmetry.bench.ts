// Benchmark: the symmetry canonicaliser's cost per successor (from its parent: `canonicalDiff` in JavaScript, and the WebAssembly canonicaliser the explorer runs), on transitions of the scalable scenario.
//
// The explorer bench times whole explorations, which on a shared machine vary by 15-20 % from run
// to run. This one times the one step symmetry reduction adds to every transition, on a fixed set
// of transitions captured from a real exploration, so that a change to the canonicaliser can be
// judged on its own: each parent is given to `setParent` with its signatures (as the explorer
// does), then each of its successors is canonicalised.
//
// Environment: NIZZA_BENCH_RUNS timed passes over the transitions (default 15; the median is
// reported, after one warm-up pass).
import { performance } from "node:perf_hooks";
import { explore } from "../src/checker/explore.js";
import { StateFingerprinter } from "../src/checker/fingerprint.js";
import { symmetryOf, type Symmetry } from "../src/checker/symmetry.js";
import { WasmCanonicaliser } from "../src/checker/symmetry-wasm.js";
import { buildSystem, successors } from "../src/components/step.js";
import { compileText } from "../src/dsl/compile.js";
import type { StateVector } from "../src/kernel/layout.js";
import { median } from "./measure.js";
import { scalable } from "./scalable.js";

const RUNS = Math.max(1, Number(process.env.NIZZA_BENCH_RUNS ?? 15) || 15);
/** Representatives explored per N, and every how many of them is kept as a parent. */
const EXPLORE = 100_000;
const EVERY = 25;

interface Transition {
  readonly state: StateVector;
  readonly diff: Int32Array;
}

interface Parent {
  readonly state: StateVector;
  readonly diff: Int32Array;
  readonly signatures: Int32Array;
  readonly successors: readonly Transition[];
}

/** Every EVERY-th representative of a symmetric exploration, with its successors, each with its difference from the initial state. */
function capture(n: number): { sym: Symmetry; init: StateVector; parents: Parent[] } {
  const c = compileText(`scale${n}.nizza`, scalable(n));
  if (!c.model) throw new Error(`scale${n} does not compile`);
  const sys = buildSystem(c.model);
  sys.footprints = false;
  const sym = symmetryOf(sys).symmetry;
  if (!sym) throw new Error(`scale${n} has no symmetry`);
  const kept: StateVector[] = [];
  let seen = 0;
  explore(sys, { maxStates: EXPLORE, symmetry: sym }, { state: (s) => void (seen++ % EVERY === 0 && kept.push(s.slice())) });
  // Successors come from a system of their own: the explorer's arena recycles its vectors.
  const gen = buildSystem(c.model);
  gen.footprints = false;
  const fp = new StateFingerprinter(sys.init);
  const diffOf = (s: StateVector): Int32Array => {
    fp.scan(s);
    return fp.diff.slice(0, fp.length);
  };
  const parents = kept.map((s) => ({
    state: s,
    diff: diffOf(s),
    signatures: sym.signaturesOf(s, new Int32Array(sym.members)),
    successors: successors(gen, s).map((x) => {
      const v = x.state.slice();
      return { state: v, diff: diffOf(v) };
    }),
  }));
  return { sym, init: sys.init, parents };
}

/** One pass: every parent's successors canonicalised by `canonicalDiff`; returns a sum of the results' lengths (kept alive). */
function pass(sym: Symmetry, init: StateVector, parents: readonly Parent[], d: Int32Array): number {
  let sink = 0;
  for (const p of parents) {
    sym.setParent(p.state, p.diff, p.diff.length, p.signatures);
    for (const x of p.successors) {
      d.set(x.diff);
      sink += sym.canonicalDiff(x.state, d, x.diff.length, init, true);
    }
  }
  return sink;
}

/**
 * The WebAssembly canonicaliser over the same transitions, as the explorer calls it: each
 * successor lives in the fingerprinter's room (copied there once, as the explorer's arena puts
 * them there), and `scanCanonical` finds its difference too (the JavaScript pass is given it).
 */
function wasmPass(canon: WasmCanonicaliser, parents: readonly Parent[], room: readonly (readonly StateVector[])[]): number {
  let sink = 0;
  parents.forEach((p, k) => {
    canon.setParent(p.state, p.diff, p.diff.length, p.signatures);
    const xs = room[k]!;
    p.successors.forEach((_, i) => {
      sink += canon.scanCanonical(xs[i]!);
    });
  });
  return sink;
}

/** The median over RUNS passes (after one warm-up) of a pass's time per transition, in ns. */
function timed(transitions: number, run: () => number): number {
  let sink = run();
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    sink += run();
    times.push(((performance.now() - t) * 1e6) / transitions);
  }
  if (Number.isNaN(sink)) console.log("(sink)");
  return median(times);
}

function main(): void {
  console.log(`symmetry: a successor canonicalised from its parent, on transitions of the scalable scenario (every ${EVERY}th of the first ${EXPLORE.toLocaleString("en-US")} representatives); median of ${RUNS} passes`);
  console.log("  JavaScript: Symmetry.canonicalDiff, given the successor's difference; WebAssembly: WasmCanonicaliser.scanCanonical, which finds it too (what the explorer runs)");
  console.log(["N", "parents", "successors", "permuted", "JS ns/succ.", "Wasm ns/succ.", "Wasm ns/parent"].map((h, i) => h.padStart(i === 0 ? 3 : 15)).join(""));
  for (const n of [2, 3, 4]) {
    const { sym, init, parents } = capture(n);
    const transitions = parents.reduce((a, p) => a + p.successors.length, 0);
    const d = new Int32Array(2 * init.length + 2);
    // How many successors are not their own representative (the rest cost only the signatures and the sort).
    let permuted = 0;
    for (const p of parents) {
      sym.setParent(p.state, p.diff, p.diff.length, p.signatures);
      for (const x of p.successors) {
        d.set(x.diff);
        sym.canonicalDiff(x.state, d, x.diff.length, init, true);
        if (sym.lastImages().some((img) => img.some((j, i) => j !== i))) permuted++;
      }
    }
    const tables = sym.diffTables();
    const fp = new StateFingerprinter(init, transitions, WasmCanonicaliser.bytes(tables));
    const canon = WasmCanonicaliser.attach(tables, fp);
    if (!canon) throw new Error("no WebAssembly canonicaliser on this runtime");
    let k = 0;
    const room = parents.map((p) =>
      p.successors.map((x) => {
        const v = fp.room[k++]!;
        v.set(x.state);
        return v;
      }),
    );
    const js = timed(transitions, () => pass(sym, init, parents, d));
    const wasm = timed(transitions, () => wasmPass(canon, parents, room));
    const cells = [n, parents.length, transitions, `${((100 * permuted) / transitions).toFixed(0)} %`, js.toFixed(0), wasm.toFixed(0), ((wasm * transitions) / parents.length).toFixed(0)];
    console.log(cells.map((c, i) => String(c).padStart(i === 0 ? 3 : 15)).join(""));
  }
}

main();
