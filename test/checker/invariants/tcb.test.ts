// The TCB: "d affects c" accumulated over the reachable states, its closure, and the bounds tcb(c) <= {…} and tcb(c).sloc <= N.
import { describe, expect, it } from "vitest";
import { TcbAccumulator } from "../../../src/checker/invariants/tcb.js";
import type { System } from "../../../src/components/step.js";
import { pte, setPte } from "../../../src/machine/mmu.js";
import { objectName } from "../../../src/components/names.js";
import { symmetryOf } from "../../../src/checker/symmetry.js";
import { cap, Kind } from "../../../src/kernel/cap.js";
import { NO_PARENT } from "../../../src/kernel/layout.js";
import { freeSelector, globalSlot, setSlot } from "../../../src/kernel/space.js";
import { reach } from "../../components/reach.js";
import { system } from "./run.js";

/** Observes every reachable state in breadth-first order. */
function accumulate(sys: System): { acc: TcbAccumulator; states: Int32Array[] } {
  const acc = new TcbAccumulator(sys);
  const { states } = reach(sys);
  states.forEach((s, i) => acc.observe(s, i));
  return { acc, states };
}
const names = (sys: System, members: readonly number[]): string[] => members.map((m) => sys.model.components[m]!.name);
const idx = (sys: System, name: string): number => sys.model.components.findIndex((c) => c.name === name);

const base = (items: string, invs = "", machine = ""): string => `system tc {
  ${machine}
  component sigma0 : trusted root { sloc 1000 }
  component v : trusted { sloc 4000; memory key 4K [secret]; portal p; thread io { read key -> k; write key <- 1 } }
  ${items}
  ${invs}
}`;

describe("who affects whom", () => {
  it("the root is in every TCB; an unrelated component is not", () => {
    const sys = system(base("component x : untrusted { sloc 100000; adversary steps 0 }"));
    const { acc } = accumulate(sys);
    expect(names(sys, acc.tcbOf(idx(sys, "v")).members)).toEqual(["sigma0", "v"]);
    expect(acc.tcbOf(idx(sys, "v")).sloc).toBe(5000);
    expect(acc.affects(0, idx(sys, "v"))).toEqual({ state: 0, why: "sigma0 is the root, the parent of v" });
  });

  it("memory: who can write what c reads, or read what c writes", () => {
    const sys = system(base("component x : untrusted { caps { v.key: w }; adversary steps 0 } component y : untrusted { caps { v.key: r }; adversary steps 0 }"));
    const { acc } = accumulate(sys);
    const v = idx(sys, "v");
    expect(acc.affects(idx(sys, "x"), v)?.why).toBe("x can write v.key, which v reads");
    expect(acc.affects(idx(sys, "y"), v)?.why).toBe("y can read v.key, which v writes");
    // x writes what y reads (an untrusted component uses whatever it can): y's TCB holds x; v's holds both.
    expect(acc.affects(idx(sys, "x"), idx(sys, "y"))?.why).toBe("x can write v.key, which y reads");
    expect(names(sys, acc.tcbOf(v).members)).toEqual(["sigma0", "v", "x", "y"]);
  });

  it("memory across states: what x wrote into a memory object while it had it mapped, v reads after x lost it", () => {
    // o lends buf to x (rw), revokes it, then gives it to v (r), whose thread reads it. No state
    // has x able to write buf while v can read it, yet buf keeps what x's adversary wrote.
    const sys = system(`system later {
      component sigma0 : trusted root { sloc 1000 }
      component x : untrusted { sloc 100; adversary steps 2 }
      component o : trusted { memory buf 4K; caps { x: ctrl; v: ctrl }; thread t { delegate buf -> x : rw; revoke buf; delegate buf -> v : r; map buf -> v : r } }
      component v : trusted { thread io { read o.buf -> k } }
    }`);
    const { acc, states } = accumulate(sys);
    const L = sys.k.L;
    const [x, v] = [idx(sys, "x"), idx(sys, "v")];
    const buf = 0;
    expect(sys.model.regions.findIndex((r) => r.name === "buf")).toBe(buf);
    // The premise: x can write buf in some states, v can read it in others, never both at once.
    const writable = states.map((s) => (pte(s, L, x, buf) & 2) !== 0);
    const readable = states.map((s) => (pte(s, L, v, buf) & 1) !== 0);
    expect(writable.some(Boolean) && readable.some(Boolean)).toBe(true);
    expect(states.some((_, i) => writable[i] && readable[i])).toBe(false);
    const f = acc.affects(x, v)!;
    expect(f.why).toBe("x can write o.buf, which v reads in another state: a memory object keeps what was written into it");
    // Known from the first state in which both halves have been seen.
    expect(f.state).toBe(Math.max(writable.indexOf(true), readable.indexOf(true)));
    expect(names(sys, acc.tcbOf(v).members)).toEqual(["sigma0", "x", "o", "v"]);
  });

  it("memory across states, under symmetry: the tables are closed before they are paired", () => {
    // Two states made by hand, as representatives could show them: x can write a[0].buf in
    // one, u can read a[1].buf in the other. Swapping a[0] and a[1] makes the first state one
    // where x can write a[1].buf, so x affects u, which neither state shows by itself.
    const sys = system(`system sym {
      component sigma0 : trusted root { sloc 1000 }
      component a[2] : untrusted { memory buf 4K; adversary steps 0 }
      component x : untrusted { adversary steps 0 }
      component u : untrusted { adversary steps 0 }
    }`);
    const L = sys.k.L;
    const buf = (i: number): number => [...Array(L.counts.mem).keys()].find((m) => objectName(sys.model, L, Kind.MEM, m) === `a[${i}].buf`)!;
    const [x, u] = [idx(sys, "x"), idx(sys, "u")];
    const s1 = sys.init.slice();
    setPte(s1, L, x, buf(0), 2);
    const s2 = sys.init.slice();
    setPte(s2, L, u, buf(1), 1);
    const acc = new TcbAccumulator(sys);
    [sys.init, s1, s2].forEach((s, i) => acc.observe(s, i));
    expect(acc.affects(x, u)).toBeNull();
    acc.closeUnder(symmetryOf(sys).symmetry!.generators());
    expect(acc.affects(x, u)).toEqual({ state: 2, why: "x can write a[1].buf, which u reads in another state: a memory object keeps what was written into it" });
  });

  it("memory across states, seen by two workers: merged tables pair what each saw", () => {
    const sys = system(base("component x : untrusted { adversary steps 0 } component u : untrusted { adversary steps 0 }"));
    const L = sys.k.L;
    const [x, u] = [idx(sys, "x"), idx(sys, "u")];
    const key = sys.model.regions.findIndex((r) => r.name === "key");
    const s1 = sys.init.slice();
    setPte(s1, L, x, key, 2);
    const s2 = sys.init.slice();
    setPte(s2, L, u, key, 1);
    const one = new TcbAccumulator(sys);
    one.observe(s1, 1);
    const two = new TcbAccumulator(sys);
    two.observe(s2, 2);
    expect([one.affects(x, u), two.affects(x, u)]).toEqual([null, null]);
    one.merge(two.snapshot());
    expect(one.affects(x, u)).toEqual({ state: 2, why: "x can write v.key, which u reads in another state: a memory object keeps what was written into it" });
  });

  it("a trusted component reads and writes only what its statements name, whatever else it maps", () => {
    const sys = system(base("component x : untrusted { memory ram 4K; adversary steps 0 } component w : trusted { caps { x.ram: rw }; thread t { } }"));
    const { acc } = accumulate(sys);
    expect(acc.affects(idx(sys, "x"), idx(sys, "w"))).toBeNull();
    // ... while the untrusted x does use what w can write.
    expect(acc.affects(idx(sys, "w"), idx(sys, "x"))?.why).toBe("w can write x.ram, which x reads");
  });

  it("control: a capability to c's PD or to one of its threads (EC and SC)", () => {
    const sys = system(base("component w : trusted { thread t { } } component x : untrusted { caps { w.t: ctrl }; adversary steps 0 } component y : trusted { caps { w: ctrl } }"));
    const { acc } = accumulate(sys);
    const w = idx(sys, "w");
    expect(acc.affects(idx(sys, "x"), w)?.why).toBe("x holds a capability to w.t");
    expect(acc.affects(idx(sys, "y"), w)?.why).toBe("y holds a capability to w's PD");
  });

  it("control: a capability to the SC of one of c's threads, while the SC is alive", () => {
    // No statement hands an SC on, so the state is made by hand: z gets a capability to the SC
    // boot gave w.t (SC i drives EC i), then to a spare SC, which drives no EC.
    const sys = system(base("component w : trusted { thread t { } } component z : untrusted { adversary steps 0 }"));
    const L = sys.k.L;
    const w = idx(sys, "w");
    const z = idx(sys, "z");
    const ec = sys.model.threads.findIndex((t) => t.owner === w);
    const holding = (sc: number): TcbAccumulator => {
      const s = sys.init.slice();
      setSlot(s, L, globalSlot(L, z, freeSelector(s, L, z)), cap(Kind.SC, sc, 0), NO_PARENT);
      const acc = new TcbAccumulator(sys);
      acc.observe(s, 0);
      return acc;
    };
    expect(holding(ec).affects(z, w)?.why).toMatch(/^z holds a capability to .*w\.t/);
    expect(holding(L.counts.sc - 1).affects(z, w)).toBeNull();
  });

  it("pager, exception handler, and servers whose reply a thread binds", () => {
    const sys = system(
      base(`component pg : trusted { portal faults }
            component ex : trusted { portal exc }
            component s1 : untrusted { portal a; adversary steps 0 }
            component s2 : untrusted { portal b; adversary steps 0 }
            component c : trusted { pager pg; exceptions ex; caps { s1.a: call; s2.b: call }; thread t { call s1.a(1) -> r; call s2.b(2) } }`),
    );
    const { acc } = accumulate(sys);
    const c = idx(sys, "c");
    expect(acc.affects(idx(sys, "pg"), c)?.why).toBe("pg is c's pager");
    expect(acc.affects(idx(sys, "ex"), c)?.why).toBe("ex handles c's exceptions");
    expect(acc.affects(idx(sys, "s1"), c)?.why).toBe("s1 serves s1.a, whose reply c.t binds");
    expect(acc.affects(idx(sys, "s2"), c)).toBeNull();
  });

  it("a reply used only through open with the component's own key is authenticated: its server stays out", () => {
    const sys = system(
      base(`component s1 : untrusted { portal a; adversary steps 0 }
            component s2 : untrusted { portal b; adversary steps 0 }
            component s3 : untrusted { portal c; adversary steps 0 }
            component w : trusted {
              memory k 4K
              caps { s1.a: call; s2.b: call; s3.c: call; v.key: r }
              thread t {
                call s1.a(1) -> r1; if open(r1, k) == 1 { call s2.b(2) -> r2 }
                write k <- open(r2, v.key)
                call s3.c(3) -> r3; write k <- r3
              }
            }`),
    );
    const { acc } = accumulate(sys);
    const w = idx(sys, "w");
    // s1's reply is only opened with w's own key; s2's with another component's key; s3's is used as is.
    expect(acc.affects(idx(sys, "s1"), w)).toBeNull();
    expect(acc.affects(idx(sys, "s2"), w)?.why).toBe("s2 serves s2.b, whose reply w.t binds");
    expect(acc.affects(idx(sys, "s3"), w)?.why).toBe("s3 serves s3.c, whose reply w.t binds");
  });

  it("a component that seals with a key another opens values with is in that one's TCB: it can make what passes as authenticated", () => {
    // oracle seals whatever it is sent with w.k; s1 can have it seal a value of s1's choice and
    // reply that to w, whose authenticated use of s1's reply then opens it. Once, oracle was left out.
    const text = (sealer: string): string => base(`component s1 : untrusted { portal a; caps { oracle.o: call }; adversary steps 0 }
            component oracle : trusted { portal o; thread t { recv o -> m; reply seal(m, ${sealer}) } }
            component w : trusted {
              memory k 4K
              caps { s1.a: call }
              thread t { call s1.a(1) -> r1; write k <- open(r1, k) }
            }`);
    const sys = system(text("w.k"));
    const { acc } = accumulate(sys);
    expect(acc.affects(idx(sys, "s1"), idx(sys, "w"))).toBeNull();
    expect(acc.affects(idx(sys, "oracle"), idx(sys, "w"))?.why).toBe("oracle.t seals with w.k, a key w opens values with");
    // Sealing with a key w never opens with makes nothing w accepts.
    const other = system(text("v.key"));
    expect(accumulate(other).acc.affects(idx(other, "oracle"), idx(other, "w"))).toBeNull();
  });

  it("a component that seals what it receives with a key it opens replies with is a sealing oracle: its callers are in its TCB", () => {
    // w's thread o seals what it is sent with w.k; its thread t trusts s1's reply opened with w.k.
    // s1 can call o, get its choice sealed and hand it back: s1 affects w, though its reply is
    // used only authenticated. Once, w's own oracle was not seen.
    const text = (sealed: string): string => base(`component s1 : untrusted { portal a; caps { w.o: call }; adversary steps 0 }
            component s2 : untrusted { adversary steps 0 }
            component w : trusted {
              memory k 4K
              portal o
              caps { s1.a: call }
              thread serve { loop { recv o -> m; reply ${sealed} } }
              thread t { call s1.a(1) -> r1; write k <- open(r1, k) }
            }`);
    const sys = system(text("seal(m, k)"));
    const { acc } = accumulate(sys);
    const w = idx(sys, "w");
    expect(acc.affects(idx(sys, "s1"), w)?.why).toBe("s1 can call w.o, and w seals what it receives with w.k, a key it opens values with");
    expect(acc.affects(idx(sys, "s2"), w)).toBeNull();
    // Sealing only constants makes no oracle: s1's reply stays authenticated.
    const constant = system(text("seal(7, k)"));
    expect(accumulate(constant).acc.affects(idx(constant, "s1"), idx(constant, "w"))).toBeNull();
  });

  it("a sealing oracle is fed by exceptions sent to its portal, and through a trusted relay: those senders are in its TCB", () => {
    // w's thread serve seals what it receives on o with w.k; t trusts s1's reply opened with w.k.
    // e raises exceptions to w.o (w handles its exceptions); f calls r.q, and r passes what it
    // receives on to w.o. Each can have a value of its choice sealed and handed to w by s1.
    const text = base(`component s1 : untrusted { portal a; adversary steps 0 }
            component e : untrusted { exceptions w; adversary steps 0 }
            component r : trusted { portal q; caps { w.o: call }; thread t { recv q -> v; call w.o(v) -> y; reply y } }
            component f : untrusted { caps { r.q: call }; adversary steps 0 }
            component g : untrusted { adversary steps 0 }
            component w : trusted {
              memory k 4K
              portal o
              caps { s1.a: call }
              thread serve { loop { recv o -> m; reply seal(m, k) } }
              thread t { call s1.a(1) -> r1; write k <- open(r1, k) }
            }`);
    const sys = system(text);
    const { acc } = accumulate(sys);
    const w = idx(sys, "w");
    expect(acc.affects(idx(sys, "e"), w)?.why).toBe("e raises exceptions to w.o, and w seals what it receives with w.k, a key it opens values with");
    expect(acc.affects(idx(sys, "f"), w)?.why).toBe("f can call r.q, whose receiver passes what it receives on to w.o, and w seals what it receives with w.k, a key it opens values with");
    // r can call w.o (and its own r.q, which leads there too): the direct way is the reason.
    expect(acc.affects(idx(sys, "r"), w)?.why).toBe("r can call w.o, and w seals what it receives with w.k, a key it opens values with");
    expect(acc.affects(idx(sys, "g"), w)).toBeNull();
    expect(acc.affects(idx(sys, "s1"), w)).toBeNull();
    // An untrusted relay is not followed: it is in w's TCB itself, and does anything anyway.
    const untrusted = system(text.replace("component r : trusted { portal q; caps { w.o: call }; thread t { recv q -> v; call w.o(v) -> y; reply y } }", "component r : untrusted { portal q; caps { w.o: call }; adversary steps 0 }"));
    expect(accumulate(untrusted).acc.affects(idx(untrusted, "f"), idx(untrusted, "w"))).toBeNull();
  });

  it("a trusted relay that passes what it receives on to two sealing oracles feeds both", () => {
    // Before, only the first oracle the relay calls was fed: f was in tcb(w1), not in tcb(w2).
    const oracle = (w: string): string => `component ${w} : trusted {
              memory k 4K
              portal o
              caps { s1.a: call }
              thread serve { loop { recv o -> m; reply seal(m, k) } }
              thread t { call s1.a(1) -> r1; write k <- open(r1, k) }
            }`;
    const sys = system(base(`component s1 : untrusted { portal a; adversary steps 0 }
            component r : trusted { portal q; caps { w1.o: call; w2.o: call }; thread t { recv q -> v; call w1.o(v) -> y; call w2.o(v) -> z; reply y } }
            component f : untrusted { caps { r.q: call }; adversary steps 0 }
            ${oracle("w1")}
            ${oracle("w2")}`));
    const { acc } = accumulate(sys);
    for (const w of ["w1", "w2"]) expect(acc.affects(idx(sys, "f"), idx(sys, w))?.why, w).toBe(`f can call r.q, whose receiver passes what it receives on to ${w}.o, and ${w} seals what it receives with ${w}.k, a key it opens values with`);
  });

  it("a DMA device no IOMMU confines puts its driver in every TCB", () => {
    const text = base("component d : untrusted { device nic; adversary steps 0 }", "", "machine { device nic { dma } }");
    const sys = system(text);
    const { acc } = accumulate(sys);
    expect(acc.affects(idx(sys, "d"), idx(sys, "v"))?.why).toBe("d drives nic, whose DMA no IOMMU confines");
    const confined = system(text.replace("dma }", "dma }; iommu"));
    expect(accumulate(confined).acc.affects(idx(confined, "d"), idx(confined, "v"))).toBeNull();
  });
});

describe("TCB bounds", () => {
  /** v delegates its key to x at run time; x's adversary maps it (one step). */
  const late = (inv: string): string =>
    base(`component x : untrusted { sloc 90000; adversary steps 1 }`, inv).replace("portal p;", "portal p; caps { x: ctrl }; thread t { delegate key -> x : rw };");

  it("tcb(c) <= {…}: the earliest state whose relations put an outsider in", () => {
    const sys = system(late("invariant tcb(v) <= { sigma0, v }"));
    const { acc, states } = accumulate(sys);
    const f = acc.judge(sys.model.invariants[0]!)!;
    expect(f.reason).toBe("tcb(v) includes x, which is not in { sigma0, v }: x can write v.key, which v reads");
    // The first state in which x maps the key.
    const x = idx(sys, "x");
    expect(f.state).toBe(states.findIndex((s) => pte(s, sys.k.L, x, 0) !== 0));
    expect(f.state).toBeGreaterThan(0);
  });

  it("tcb(c) <= {…} holds when the bound covers it", () => {
    const sys = system(late("invariant tcb(v) <= { sigma0, v, x }"));
    expect(accumulate(sys).acc.judge(sys.model.invariants[0]!)).toBeNull();
  });

  it("tcb(c).sloc <= N: the state where the sum first exceeds N", () => {
    const sys = system(late("invariant tcb(v).sloc <= 20000"));
    const { acc } = accumulate(sys);
    const f = acc.judge(sys.model.invariants[0]!)!;
    expect(f.reason).toBe("tcb(v) has 95000 SLOC, more than 20000: sigma0 (1000), v (4000), x (90000); x is in it because x can write v.key, which v reads");
    expect(f.state).toBeGreaterThan(0);
    const ok = system(late("invariant tcb(v).sloc <= 95000"));
    expect(accumulate(ok).acc.judge(ok.model.invariants[0]!)).toBeNull();
    const tight = system(late("invariant tcb(v).sloc <= 4999"));
    expect(accumulate(tight).acc.judge(tight.model.invariants[0]!)).toEqual({ state: 0, reason: "tcb(v) has 5000 SLOC, more than 4999: sigma0 (1000), v (4000); sigma0 is in it because sigma0 is the root, the parent of v" });
  });

  it("transitively: an outsider that affects a member, with the chain", () => {
    const sys = system(
      base(
        `component w : trusted { memory buf 4K }
         component x : untrusted { caps { w.buf: w }; adversary steps 0 }`,
        "invariant tcb(v) <= { sigma0, v, w }",
      ).replace("portal p;", "portal p; caps { w.buf: r }; thread u { read w.buf -> b }"),
    );
    const { acc } = accumulate(sys);
    expect(acc.judge(sys.model.invariants[0]!)).toEqual({ state: 0, reason: "tcb(v) includes x, which is not in { sigma0, v, w }: x can write w.buf, which v reads" });
  });

  it("under symmetry reduction: the same depths and counterexample lengths as without, and the reason names the replica the run shows", async () => {
    // Each client delegates its PD to the server with its call; the server replies with its own.
    // Before, an image pair seen later kept the later state (client[1]'s link 'after 4 steps'
    // against 2), counterexamples were a step longer, and the reason named the other replica.
    const { check } = await import("../../../src/checker/check.js");
    const { compile } = await import("../../kernel/harness.js");
    const text = `system sym {
  component sigma0 : trusted root { sloc 10 }
  component server : trusted { sloc 20; portal rpc; thread serve { loop { recv rpc -> x; reply ok with server : ctrl } } }
  component client[2] : trusted { sloc 100; caps { server.rpc: call }; thread main { call server.rpc(1) with client } }
  invariant tcb(client) <= { sigma0, client }
  invariant tcb(server).sloc <= 200
}`;
    const m = compile(text);
    const sym = check(m, { stopEarly: false });
    const plain = check(m, { stopEarly: false, symmetry: false });
    expect(sym.stats.reductions.symmetry).toHaveProperty("used");
    const depths = (r: typeof sym) => r.tcb.map((t) => [t.component, t.reasons.map((x) => [x.member, x.links.map((l) => l.depth)])]);
    expect(depths(sym)).toEqual(depths(plain));
    for (const [k, inv] of sym.invariants.entries()) {
      const cx = inv.counterexample!;
      expect(cx.steps.length, inv.text).toBe(plain.invariants[k]!.counterexample!.steps.length);
      // The client that called in the run is the one the reason names.
      const caller = cx.steps.map((st) => /^(client\[\d\]).main: call/.exec(st.text)?.[1]).find((x) => x)!;
      expect(caller).toBeDefined();
      expect(cx.reason, inv.text).toContain(`${caller}`);
      expect(cx.reason).not.toContain("by the replicas' symmetry");
    }
  });

  it("under symmetry reduction: a memory link learnt for a replica reads as for the replica it is the image of", async () => {
    // The server maps buf and reads it in every state; each worker gets write access with a reply.
    // Before, worker[1]'s link (an image) said 'which server reads in another state', worker[0]'s not.
    const { check } = await import("../../../src/checker/check.js");
    const { compile } = await import("../../kernel/harness.js");
    const m = compile(`system sym2 {
  component sigma0 : trusted root { sloc 1000 }
  component client : trusted { sloc 300; caps { server.rpc: call }; thread main { call server.rpc(1) -> r } }
  component server : trusted {
    sloc 2000
    memory buf 4K
    portal rpc
    portal get
    thread serve { recv rpc -> m; read buf -> x; reply x }
    thread give { loop { recv get -> m; reply ok with buf : rw } }
  }
  component worker[2] : trusted { sloc 100; caps { server.get: call }; thread t { call server.get() -> r; write server.buf <- r } }
}`);
    const why = (r: ReturnType<typeof check>) => r.tcb.find((t) => t.component === "client")!.reasons.filter((x) => x.member.startsWith("worker")).map((x) => x.links.map((l) => l.why));
    const sym = check(m, { stopEarly: false });
    expect(sym.stats.reductions.symmetry).toHaveProperty("used");
    const plain = check(m, { stopEarly: false, symmetry: false });
    expect(why(sym)).toEqual(why(plain));
    expect(why(sym).flat().filter((w) => w.includes("server.buf"))).toEqual(["worker[0] can write server.buf, which server reads", "worker[1] can write server.buf, which server reads"]);
  });

  it("replicas: each replica's TCB is judged", () => {
    const sys = system(base("component r[2] : trusted { sloc 10; caps { s.q: call }; thread t { call s.q() -> y } } component s : untrusted { portal q; adversary steps 0 }", "invariant tcb(r) <= { sigma0, r }"));
    const f = accumulate(sys).acc.judge(sys.model.invariants[0]!)!;
    expect(f.reason).toBe("tcb(r[0]) includes s, which is not in { sigma0, r[0], r[1] }: s serves s.q, whose reply r[0].t binds");
  });
});
