// Projections: a state is judged once per projection, and the judge finds exactly what it finds without the memo.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explore } from "../../../src/checker/explore.js";
import { Judge } from "../../../src/checker/judge.js";
import { safetyMonitor, TcbAccumulator } from "../../../src/checker/invariants/index.js";
import { knowledgeOf, ProjectionMemo, structureOf, type Projection } from "../../../src/checker/invariants/projection.js";
import { buildSystem, type System } from "../../../src/components/step.js";
import type { StateVector } from "../../../src/kernel/layout.js";
import { compileFile } from "../../../src/dsl/compile.js";
import type { SystemModel } from "../../../src/dsl/model.js";
import { compile } from "../../kernel/harness.js";
import { smallScenario } from "../small-arb.js";

/**
 * One exploration shown to two judges, with and without the projection memo (given each
 * state's difference from the initial state, as `check` gives it): the same
 * failures (state, transition and reason) and the same TCB relation (each pair's first
 * state and reason), exactly.
 */
function sameWithAndWithoutMemo(model: SystemModel): { states: number } {
  const sys = buildSystem(model);
  sys.footprints = false;
  const memo = new Judge(sys);
  const plain = new Judge(sys, false, false);
  const ex = explore(sys, { por: true }, {
    // The memo reads each state's difference from the initial one, as `check` passes it.
    state: (s, i, _depth, diff, length) => {
      memo.state(s, i, diff, length);
      plain.state(s, i);
    },
    edge: (from, fi, x, ordinal, ti) => {
      memo.edge(from, fi, x.step, x.state, ordinal, ti);
      plain.edge(from, fi, x.step, x.state, ordinal, ti);
    },
    dead: (s, i) => {
      memo.dead(s, i);
      plain.dead(s, i);
    },
  });
  expect(ex.bound).toBeNull();
  expect(memo.failures).toEqual(plain.failures);
  expect(memo.assertFailure).toEqual(plain.assertFailure);
  expect(memo.tcb.snapshot()).toEqual(plain.tcb.snapshot());
  return { states: ex.states };
}

/**
 * What judging a state reads, word by word: each monitor with a projection, and the TCB
 * relation (which reads the structure), are shown each explored state through a proxy that
 * records the indices read; every one must be a word of the projection. A word read and not
 * projected would let the memo skip a state that differs from a judged one only there.
 */
function readsOnlyProjected(sys: System, maxStates: number): number {
  const L = sys.k.L;
  const judgedBy = (p: Projection, judge: (s: StateVector, i: number) => unknown, what: string) => ({ allowed: new Set(p.words), judge, what });
  const judged = sys.model.invariants.flatMap((inv) => {
    const m = safetyMonitor(sys, inv);
    return m?.state && m.reads ? [judgedBy(m.reads, (s) => m.state!(s), `invariant ${inv.index} (${inv.prop.kind})`)] : [];
  });
  const tcb = new TcbAccumulator(sys);
  judged.push(judgedBy(structureOf(L), (s, i) => tcb.observe(s, i), "the TCB relation"));
  let read = new Set<number>();
  const spy = (s: StateVector): StateVector =>
    new Proxy(s, {
      get(target, key) {
        if (typeof key === "string" && /^\d+$/.test(key)) read.add(Number(key));
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  let states = 0;
  explore(sys, { maxStates }, {
    state: (s, i) => {
      states++;
      for (const j of judged) {
        read = new Set();
        j.judge(spy(s), i);
        expect([...read].filter((w) => !j.allowed.has(w)), `${j.what} reads words outside its projection`).toEqual([]);
      }
    },
  });
  return states;
}

describe("the projections", () => {
  it("every word a monitor or the TCB relation reads is in its projection: shipped scenarios", () => {
    for (const f of ["scenarios/faults/dma_no_iommu_buggy.nizza", "scenarios/faults/stale_tlb_buggy.nizza", "scenarios/usina.nizza", "scenarios/lib_secure_gui.nizza"]) {
      const c = compileFile(f);
      expect(c.model, f).not.toBeNull();
      const sys = buildSystem(c.model!);
      sys.footprints = false;
      expect(readsOnlyProjected(sys, 3_000)).toBeGreaterThan(50);
    }
  }, 120_000);

  it("100 random small scenarios: every word their monitors read is projected", () => {
    fc.assert(
      fc.property(smallScenario, ({ text }) => {
        const sys = buildSystem(compile(text));
        sys.footprints = false;
        readsOnlyProjected(sys, 5_000);
      }),
      { numRuns: 100, seed: 20261122 },
    );
  }, 120_000);
});

describe("the projection memo", () => {
  it("knows a projection exactly: a change in a projected word is new, a change elsewhere is not", () => {
    const sys = buildSystem(compile(`system p {
      component sigma0 : trusted root { memory m 4K; thread t { write m <- 1 } }
    }`));
    const L = sys.k.L;
    const p = structureOf(L);
    expect(knowledgeOf(L).words.length).toBeGreaterThan(p.words.length);
    const projected = new Set(p.words);
    const outside = [...Array(L.words).keys()].filter((i) => !projected.has(i));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: -3, max: 3 })), { maxLength: 40 }), (edits) => {
        // Asked with the state alone, with its difference from the initial state (as the
        // explorer passes it), and each way in turn: the same answers.
        const byState = new ProjectionMemo(p, sys.init);
        const byDiff = new ProjectionMemo(p, sys.init);
        const mixed = new ProjectionMemo(p, sys.init);
        const seen = new Set<string>();
        const s = sys.init.slice();
        edits.forEach(([inside, at, v], turn) => {
          const words = inside ? p.words : outside;
          s[words[at % words.length]!] = v;
          const key = Array.from(p.words, (w) => s[w]).join(",");
          const diff = Int32Array.from([...s.keys()].filter((i) => s[i] !== sys.init[i]).flatMap((i) => [i, s[i]!]));
          expect(byState.isNew(s)).toBe(!seen.has(key));
          expect(byDiff.isNew(s, diff, diff.length)).toBe(!seen.has(key));
          expect(turn % 2 === 0 ? mixed.isNew(s) : mixed.isNew(s, diff, diff.length)).toBe(!seen.has(key));
          seen.add(key);
        });
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });

  it("thousands of projections (its table grows and its records move): each known exactly, asked again in another order", () => {
    const sys = buildSystem(compile(`system p {
      component sigma0 : trusted root { memory m 4K; thread t { write m <- 1 } }
    }`));
    const p = structureOf(sys.k.L);
    const memo = new ProjectionMemo(p, sys.init);
    // Projections differing in one or two projected words: 3,000 distinct, then each again.
    const states = Array.from({ length: 3000 }, (_, k) => {
      const s = sys.init.slice();
      s[p.words[k % p.words.length]!] = 7 + Math.floor(k / p.words.length);
      if (k % 3 === 0) s[p.words[(k * 7) % p.words.length]!] = -5;
      return s;
    });
    const keys = states.map((s) => Array.from(p.words, (w) => s[w]).join(","));
    const seen = new Set<string>();
    states.forEach((s, k) => {
      expect(memo.isNew(s)).toBe(!seen.has(keys[k]!));
      seen.add(keys[k]!);
    });
    expect(seen.size).toBeGreaterThan(2000);
    for (let k = states.length - 1; k >= 0; k--) expect(memo.isNew(states[k]!)).toBe(false);
  });

  it("the shipped scenarios with isolated, never flows and TCB bounds: the same findings with and without it", () => {
    for (const f of ["scenarios/faults/dma_no_iommu_buggy.nizza", "scenarios/faults/stale_tlb_buggy.nizza", "scenarios/faults/map_unowned_buggy.nizza", "scenarios/faults/delegate_rights_escalation_buggy.nizza"]) {
      const c = compileFile(f);
      expect(c.model, f).not.toBeNull();
      sameWithAndWithoutMemo(c.model!);
    }
  }, 120_000);

  it("200 random small scenarios: the same findings with and without it", () => {
    fc.assert(
      fc.property(smallScenario, ({ text }) => {
        sameWithAndWithoutMemo(compile(text));
      }),
      { numRuns: 200, seed: 20261121 },
    );
  }, 120_000);

  it("adversaries that delegate, map and revoke: isolation chains and TCB pairs found in the same states", () => {
    const text = `system iso {
      component sigma0 : trusted root { }
      component server : trusted {
        memory buf 4K [secret]
        portal rpc
        thread serve { loop { recv rpc -> x; reply ok with buf : r; revoke buf } }
      }
      component relay : untrusted { caps { server.rpc: call }; memory drop 4K; adversary steps 1 }
      component spy : untrusted { caps { relay.drop: rw }; adversary steps 1 }
      invariant isolated(server, spy)
      invariant never flows([secret] -> spy)
      invariant tcb(server) <= {server}
    }`;
    const { states } = sameWithAndWithoutMemo(compile(text));
    expect(states).toBeGreaterThan(100);
  });

  it("a TLB entry that outlives its mapping: the same findings with and without it", () => {
    // After the revoke the structure differs from the initial one only in the client's TLB
    // entry. (A translation is cached only from a mapping, which an earlier state showed, so
    // leaving the TLBs out of the structure would change no finding here: the tests above
    // catch leaving out the slots or the page tables, this one is a regression scenario.)
    const text = `system stale {
      machine { cpus 2 }
      kernel nova { fault stale_tlb }
      component sigma0 : trusted root { }
      component gui : trusted {
        memory fb 4K [screen]
        caps { client: ctrl }
        thread focus { map fb -> client : rw; revoke fb }
      }
      component client : untrusted { adversary steps 1 }
      invariant isolated(gui, client) expect violated
      invariant never flows([screen] -> client) expect violated
      invariant tcb(gui) <= {gui}
    }`;
    sameWithAndWithoutMemo(compile(text));
  });
});
