// The behaviour compiler: every statement kind's instructions, checked exactly, and the linking of jumps.
import { describe, expect, it } from "vitest";
import type { SystemModel } from "../../src/dsl/model.js";
import { compileAll, compileThread, type Linked, type Program } from "../../src/components/program.js";
import { layoutOf, countRepeats } from "../../src/kernel/layout.js";
import { compile } from "../kernel/harness.js";

/** A root component whose thread `t` has `body`, beside a server and an untrusted component. */
function scenario(body: string, more = ""): string {
  return `system prog {
  component sigma0 : trusted root {
    memory buf 4K [l1]
    memory key 4K
    portal p
    semaphore s
    caps { srv.q: call }
    thread t {
      ${body}
    }
    ${more}
  }
  component srv : trusted { portal q; thread serve { recv q -> m; reply m } }
  component app : untrusted { }
}`;
}

function build(body: string, more = ""): { m: SystemModel; prog: Program } {
  const m = compile(scenario(body, more));
  return { m, prog: compileThread(m.threads[0]!) };
}

/** An instruction's control flow and statement text, for exact comparison. */
function shape(m: SystemModel, i: Linked): Record<string, unknown> {
  const base = { op: i.op, at: m.sources.text(i.node), next: i.next };
  switch (i.op) {
    case "branch":
      return { ...base, otherwise: i.otherwise };
    case "choose":
      return { ...base, targets: i.targets };
    case "count":
      return { ...base, slot: i.slot, count: i.count };
    case "repeat":
      return { ...base, slot: i.slot, exit: i.exit };
    default:
      return base;
  }
}
const shapes = (body: string, more = ""): Record<string, unknown>[] => {
  const { m, prog } = build(body, more);
  return prog.code.map((i) => shape(m, i));
};

/** The pcs a thread can reach from pc 0, following each instruction's possible successors. */
function reachable(code: readonly Linked[]): Set<number> {
  const seen = new Set<number>();
  const todo = [0];
  while (todo.length) {
    const pc = todo.pop()!;
    if (seen.has(pc) || pc >= code.length) continue;
    seen.add(pc);
    const i = code[pc]!;
    switch (i.op) {
      case "spin":
        break; // stays where it is
      case "branch":
        todo.push(i.next, i.otherwise);
        break;
      case "choose":
        todo.push(...i.targets);
        break;
      case "repeat":
        todo.push(i.next, i.exit);
        break;
      default:
        todo.push(i.next);
    }
  }
  return seen;
}

const idx = (m: SystemModel, kind: "regions" | "portals" | "semaphores", comp: string, name: string): number =>
  m[kind].find((x) => x.name === name && m.components[x.owner]!.name === comp)!.index;

describe("one instruction per simple statement", () => {
  it("call with bind and timeout: portal, arguments, binding, timeout flag", () => {
    const { m, prog } = build("call srv.q(x, 1, ok) -> y timeout 5; call srv.q(); read buf -> x");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "call", at: "call srv.q(x, 1, ok) -> y timeout 5", next: 1 },
      { op: "call", at: "call srv.q()", next: 2 },
      { op: "read", at: "read buf -> x", next: 3 },
    ]);
    const [c1, c2] = prog.code as Extract<Linked, { op: "call" }>[];
    const vars = m.threads[0]!.vars;
    expect(c1!.portal).toBe(idx(m, "portals", "srv", "q"));
    expect(c1!.bind).toBe(vars.indexOf("y"));
    expect(c1!.timeout).toBe(true);
    expect(c1!.args.map((a) => a.kind)).toEqual(["var", "int", "ok"]);
    expect(c2!.bind).toBeNull();
    expect(c2!.timeout).toBe(false);
    expect(c2!.args).toEqual([]);
  });

  it("recv, reply, up, down", () => {
    const { m, prog } = build("recv p -> x; recv p; reply x; up s; down s");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "recv", at: "recv p -> x", next: 1 },
      { op: "recv", at: "recv p", next: 2 },
      { op: "reply", at: "reply x", next: 3 },
      { op: "up", at: "up s", next: 4 },
      { op: "down", at: "down s", next: 5 },
    ]);
    const c = prog.code;
    expect(c[0]).toMatchObject({ portal: idx(m, "portals", "sigma0", "p"), bind: 0 });
    expect(c[1]).toMatchObject({ bind: null });
    expect(c[2]).toMatchObject({ value: { kind: "var", slot: 0 } });
    expect(c[3]).toMatchObject({ sem: { kind: "semaphore", index: idx(m, "semaphores", "sigma0", "s") } });
    expect(c[4]).toMatchObject({ sem: { kind: "semaphore", index: idx(m, "semaphores", "sigma0", "s") } });
  });

  it("read and write", () => {
    const { m, prog } = build("read buf -> x; write key <- seal(x, key)");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "read", at: "read buf -> x", next: 1 },
      { op: "write", at: "write key <- seal(x, key)", next: 2 },
    ]);
    expect(prog.code[0]).toMatchObject({ region: { kind: "region", index: idx(m, "regions", "sigma0", "buf") }, bind: 0 });
    expect(prog.code[1]).toMatchObject({ region: { kind: "region", index: idx(m, "regions", "sigma0", "key") }, value: { kind: "seal", key: idx(m, "regions", "sigma0", "key") } });
  });

  it("delegate, revoke, map, unmap", () => {
    const { m, prog } = build("delegate buf -> app : r; delegate p -> app : call; revoke buf; revoke app; map key; map key -> app : rw; unmap key");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "delegate", at: "delegate buf -> app : r", next: 1 },
      { op: "delegate", at: "delegate p -> app : call", next: 2 },
      { op: "revoke", at: "revoke buf", next: 3 },
      { op: "revoke", at: "revoke app", next: 4 },
      { op: "map", at: "map key", next: 5 },
      { op: "map", at: "map key -> app : rw", next: 6 },
      { op: "unmap", at: "unmap key", next: 7 },
    ]);
    const app = m.components.findIndex((c) => c.name === "app");
    const buf = idx(m, "regions", "sigma0", "buf");
    const key = idx(m, "regions", "sigma0", "key");
    expect(prog.code[0]).toMatchObject({ object: { kind: "region", index: buf }, to: app, rights: ["r"] });
    expect(prog.code[1]).toMatchObject({ object: { kind: "portal", index: idx(m, "portals", "sigma0", "p") }, to: app, rights: ["call"] });
    expect(prog.code[2]).toMatchObject({ object: { kind: "region", index: buf } });
    expect(prog.code[3]).toMatchObject({ object: { kind: "pd", index: app } });
    // `map R` maps into the component itself, with the rights left to the kernel.
    expect(prog.code[4]).toMatchObject({ region: { kind: "region", index: key }, to: 0, rights: null });
    expect(prog.code[5]).toMatchObject({ region: { kind: "region", index: key }, to: app, rights: ["r", "w"] });
    expect(prog.code[6]).toMatchObject({ region: { kind: "region", index: key } });
  });

  it("assert", () => {
    const { m, prog } = build("assert holds(app, buf) or maps(app, buf); up s");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "assert", at: "assert holds(app, buf) or maps(app, buf)", next: 1 },
      { op: "up", at: "up s", next: 2 },
    ]);
    expect(prog.code[0]).toMatchObject({ cond: { kind: "or", left: { kind: "holds" }, right: { kind: "maps" } } });
  });

  it("an empty body compiles to nothing; instructions carry their statement's node", () => {
    const { prog } = build("");
    expect(prog.code).toEqual([]);
    const { m, prog: p2 } = build("up s\n      down s");
    expect(p2.code.map((i) => m.sources.where(i.node).split(":")[1])).toEqual(["9", "10"]);
  });
});

describe("control flow", () => {
  it("loop: the end of the body goes back to its start; what follows is unreachable", () => {
    expect(shapes("up s; loop { down s; up s }; reply 1")).toEqual([
      { op: "up", at: "up s", next: 1 },
      { op: "down", at: "down s", next: 2 },
      { op: "up", at: "up s", next: 1 },
      { op: "reply", at: "reply 1", next: 4 },
    ]);
    const { prog } = build("up s; loop { down s; up s }; reply 1");
    expect([...reachable(prog.code)].sort()).toEqual([0, 1, 2]);
  });

  it("an empty loop is one spin instruction, and nothing after it is reachable", () => {
    expect(shapes("up s; loop { }; down s")).toEqual([
      { op: "up", at: "up s", next: 1 },
      { op: "spin", at: "loop { }", next: 2 },
      { op: "down", at: "down s", next: 3 },
    ]);
    const { prog } = build("up s; loop { }; down s");
    expect([...reachable(prog.code)].sort()).toEqual([0, 1]);
  });

  it("nested loops: the inner loop's end goes to the inner start, never out", () => {
    expect(shapes("loop { up s; loop { down s } }")).toEqual([
      { op: "up", at: "up s", next: 1 },
      { op: "down", at: "down s", next: 1 },
    ]);
  });

  it("repeat: a start (count) and a test (repeat) whose exit is after the body", () => {
    const { m, prog } = build("repeat 3 { up s }; down s");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "count", at: "repeat 3 { up s }", next: 1, slot: 0, count: 3 },
      { op: "repeat", at: "repeat 3 { up s }", next: 2, slot: 0, exit: 3 },
      { op: "up", at: "up s", next: 1 },
      { op: "down", at: "down s", next: 4 },
    ]);
    // No variables: the counter is slot 0.
    expect(prog.slots).toBe(1);
  });

  it("nested repeat: each has its own counter slot after the variables; the inner one restarts on every outer round", () => {
    const { m, prog } = build("repeat 2 { read buf -> x; repeat 3 { up s }; down s }; repeat 4 { }");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "count", at: "repeat 2 { read buf -> x; repeat 3 { up s }; down s }", next: 1, slot: 1, count: 2 },
      { op: "repeat", at: "repeat 2 { read buf -> x; repeat 3 { up s }; down s }", next: 2, slot: 1, exit: 7 },
      { op: "read", at: "read buf -> x", next: 3 },
      { op: "count", at: "repeat 3 { up s }", next: 4, slot: 2, count: 3 },
      { op: "repeat", at: "repeat 3 { up s }", next: 5, slot: 2, exit: 6 },
      { op: "up", at: "up s", next: 4 },
      { op: "down", at: "down s", next: 1 },
      // The inner repeat's exit is the down; the outer body's end goes back to the outer test,
      // and the outer exit is the next repeat's start.
      { op: "count", at: "repeat 4 { }", next: 8, slot: 3, count: 4 },
      // An empty body: the test's next is the test itself.
      { op: "repeat", at: "repeat 4 { }", next: 8, slot: 3, exit: 9 },
    ]);
    expect(prog.slots).toBe(4);
    expect(m.threads[0]!.vars).toEqual(["x"]);
    expect(countRepeats(m.threads[0]!.body)).toBe(3);
  });

  it("the layout reserves every thread's variables and counters", () => {
    const m = compile(scenario("repeat 2 { repeat 2 { read buf -> x } }; call srv.q() -> y"));
    const L = layoutOf(m);
    for (const p of compileAll(m)) expect(p.slots).toBeLessThanOrEqual(L.vars);
    expect(compileAll(m)[0]!.slots).toBe(4);
  });

  it("choose with two branches: one target each, both ends joined after the choose", () => {
    expect(shapes("choose { up s } or { down s; reply 1 }; unmap key")).toEqual([
      { op: "choose", at: "choose { up s } or { down s; reply 1 }", next: 1, targets: [1, 2] },
      { op: "up", at: "up s", next: 4 },
      { op: "down", at: "down s", next: 3 },
      { op: "reply", at: "reply 1", next: 4 },
      { op: "unmap", at: "unmap key", next: 5 },
    ]);
  });

  it("choose with three branches, one of them empty: the empty branch targets the statement after", () => {
    expect(shapes("choose { up s } or { } or { down s }; reply 2")).toEqual([
      { op: "choose", at: "choose { up s } or { } or { down s }", next: 1, targets: [1, 3, 2] },
      { op: "up", at: "up s", next: 3 },
      { op: "down", at: "down s", next: 3 },
      { op: "reply", at: "reply 2", next: 4 },
    ]);
  });

  it("if without else: otherwise is the statement after", () => {
    expect(shapes("read buf -> x; if x == 1 { up s }; down s")).toEqual([
      { op: "read", at: "read buf -> x", next: 1 },
      { op: "branch", at: "if x == 1 { up s }", next: 2, otherwise: 3 },
      { op: "up", at: "up s", next: 3 },
      { op: "down", at: "down s", next: 4 },
    ]);
  });

  it("if / else if / else: a chain of branches, every block ends after the whole chain", () => {
    expect(shapes("read buf -> x; if x == 1 { up s } else if x == 2 { down s; up s } else { reply x }; unmap key")).toEqual([
      { op: "read", at: "read buf -> x", next: 1 },
      { op: "branch", at: "if x == 1 { up s } else if x == 2 { down s; up s } else { reply x }", next: 2, otherwise: 3 },
      { op: "up", at: "up s", next: 7 },
      { op: "branch", at: "if x == 2 { down s; up s } else { reply x }", next: 4, otherwise: 6 },
      { op: "down", at: "down s", next: 5 },
      { op: "up", at: "up s", next: 7 },
      { op: "reply", at: "reply x", next: 7 },
      { op: "unmap", at: "unmap key", next: 8 },
    ]);
  });

  it("an if with an empty then block: next is the statement after the if", () => {
    expect(shapes("read buf -> x; if x == 1 { } else { up s }; down s")).toEqual([
      { op: "read", at: "read buf -> x", next: 1 },
      { op: "branch", at: "if x == 1 { } else { up s }", next: 3, otherwise: 2 },
      { op: "up", at: "up s", next: 3 },
      { op: "down", at: "down s", next: 4 },
    ]);
  });

  it("jump chains resolve through several blocks: an if at the end of a loop body goes back to the loop's start", () => {
    expect(shapes("loop { read buf -> x; if x == 1 { up s } }")).toEqual([
      { op: "read", at: "read buf -> x", next: 1 },
      { op: "branch", at: "if x == 1 { up s }", next: 2, otherwise: 0 },
      { op: "up", at: "up s", next: 0 },
    ]);
    expect(shapes("loop { choose { up s } or { } }")).toEqual([
      { op: "choose", at: "choose { up s } or { }", next: 1, targets: [1, 0] },
      { op: "up", at: "up s", next: 0 },
    ]);
    expect(shapes("loop { repeat 2 { up s } }")).toEqual([
      { op: "count", at: "repeat 2 { up s }", next: 1, slot: 0, count: 2 },
      { op: "repeat", at: "repeat 2 { up s }", next: 2, slot: 0, exit: 0 },
      { op: "up", at: "up s", next: 1 },
    ]);
  });

  it("a loop inside a choose branch never falls out; the other branch does", () => {
    const { m, prog } = build("choose { loop { up s } } or { down s }; reply 1");
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "choose", at: "choose { loop { up s } } or { down s }", next: 1, targets: [1, 2] },
      { op: "up", at: "up s", next: 1 },
      { op: "down", at: "down s", next: 3 },
      { op: "reply", at: "reply 1", next: 4 },
    ]);
    expect([...reachable(prog.code)].sort()).toEqual([0, 1, 2, 3]);
  });

  it("no jump survives linking, and every target is an instruction or the end of the body", () => {
    const { prog } = build(
      "loop { choose { repeat 2 { if x == 1 { } else if x == 2 { up s } } } or { } or { loop { } }; recv p -> x }",
    );
    for (const i of prog.code) {
      expect(i.op).not.toBe("jump");
      const targets = [i.next, ...(i.op === "branch" ? [i.otherwise] : i.op === "choose" ? i.targets : i.op === "repeat" ? [i.exit] : [])];
      for (const t of targets) expect(t >= 0 && t <= prog.code.length).toBe(true);
    }
  });

  it("compileAll compiles every thread, in thread order", () => {
    const m = compile(scenario("up s"));
    const all = compileAll(m);
    expect(all.map((p) => p.thread)).toEqual(m.threads.map((t) => t.index));
    expect(all[1]!.code.map((i) => i.op)).toEqual(["recv", "reply"]);
  });
});

describe("exceptions and device objects", () => {
  it("raise compiles to one instruction with its value and binding; nic.irq and nic.mmio name the device's objects", () => {
    const m = compile(`system t {
  machine { device nic { irq 3; mmio 4K } }
  component sigma0 : trusted root { }
  component linux : untrusted { portal sys }
  component drv : trusted { device nic; exceptions linux; thread t { down nic.irq; read nic.mmio -> x; raise x -> y; raise 1 } }
}`);
    const prog = compileThread(m.threads[0]!);
    expect(prog.code.map((i) => shape(m, i))).toEqual([
      { op: "down", at: "down nic.irq", next: 1 },
      { op: "read", at: "read nic.mmio -> x", next: 2 },
      { op: "raise", at: "raise x -> y", next: 3 },
      { op: "raise", at: "raise 1", next: 4 },
    ]);
    expect(prog.code[0]).toMatchObject({ sem: { kind: "irq", index: 0 } });
    expect(prog.code[1]).toMatchObject({ region: { kind: "mmio", index: 0 }, bind: 0 });
    expect(prog.code[2]).toMatchObject({ value: { kind: "var", slot: 0 }, bind: 1 });
    expect(prog.code[3]).toMatchObject({ value: { kind: "int", value: 1 }, bind: null });
    expect(m.components[2]!.exceptions).toBe(1);
  });
});
