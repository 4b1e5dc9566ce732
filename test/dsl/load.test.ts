// Imports: merge and override rules, the same file reached twice, cycles — through an in-memory host.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFile } from "../../src/dsl/compile.js";
import { MAX_IMPORT_DEPTH, type Host } from "../../src/dsl/load.js";
import { invariantText } from "../../src/checker/check.js";

function host(files: Record<string, string>): Host {
  return {
    read: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT ${p}`);
      return t;
    },
  };
}

const base = `system base {
  machine { cpus 2 }
  kernel nova
  component sigma0 : trusted root { memory page 4K [owned] }
  component alice : untrusted { portal p }
  invariant named: revocable(sigma0.page)
  invariant deadlock_free
  path p1: alice receives p -> alice gets reply within 100 cycles
}
`;

describe("imports", () => {
  it("merges an imported system and lets later blocks, invariants and paths replace imported ones", () => {
    const c = compileFile(
      "main.nizza",
      host({
        "base.nizza": base,
        "main.nizza": `system main {
  import "base.nizza"
  machine { cpus 4 }
  kernel sel4 { fault stale_tlb }
  component bob : untrusted { caps { alice.p: call } }
  invariant named: revocable(sigma0.page) expect violated
  invariant deadlock_free expect violated
  path p1: bob calls alice.p -> bob gets reply within 200 cycles
}
`,
      }),
    );
    expect(c.diagnostics).toEqual([]);
    const m = c.model!;
    expect(m.name).toBe("main");
    expect(m.machine.cpus).toBe(4);
    expect(m.kernel.personality).toBe("sel4");
    expect(m.kernel.faults).toEqual(["stale_tlb"]);
    expect(m.components.map((x) => x.name)).toEqual(["sigma0", "alice", "bob"]);
    // Replaced in place, by name and (unnamed) by identical property.
    expect(m.invariants.map((i) => [i.name, i.expect])).toEqual([
      ["named", "violated"],
      [null, "violated"],
    ]);
    expect(m.paths).toHaveLength(1);
    expect(m.paths[0]!.budget).toBe(200);
  });

  it("merges a file reached through two imports once (a diamond)", () => {
    const files = {
      "base.nizza": base,
      "left.nizza": `system left { import "base.nizza"; component l : untrusted { } }`,
      "right.nizza": `system right { import "base.nizza"; component r : untrusted { } }`,
      "top.nizza": `system top { import "left.nizza"; import "right.nizza" }`,
    };
    const c = compileFile("top.nizza", host(files));
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.components.map((x) => x.name)).toEqual(["sigma0", "alice", "l", "r"]);
    expect(c.model!.invariants).toHaveLength(2);
  });

  it("merges a file reached by its name and through a symbolic link once, and a cycle through a link is a cycle (files on disk)", () => {
    const dir = mkdtempSync(join(tmpdir(), "nizza-links-"));
    writeFileSync(join(dir, "leaf.nizza"), "system l { component lib : trusted { portal p } invariant n: deadlock_free }\n");
    symlinkSync("leaf.nizza", join(dir, "link.nizza"));
    mkdirSync(join(dir, "real"));
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "real", "r.nizza"), "system r { component rr : trusted { } }\n");
    symlinkSync("../real/r.nizza", join(dir, "other", "r.nizza"));
    writeFileSync(join(dir, "top.nizza"), 'system top { import "leaf.nizza" import "link.nizza" import "other/r.nizza" import "real/r.nizza" component sigma0 : trusted root { } }\n');
    const c = compileFile(join(dir, "top.nizza"));
    expect(c.diagnostics.map((d) => d.message)).toEqual([]);
    expect(c.model!.components.map((x) => x.name)).toEqual(["lib", "rr", "sigma0"]);
    // A file that imports itself through a link: a cycle (E0202), not a component defined twice.
    writeFileSync(join(dir, "self.nizza"), 'system s { import "self_link.nizza" component sigma0 : trusted root { } }\n');
    symlinkSync("self.nizza", join(dir, "self_link.nizza"));
    const self = compileFile(join(dir, "self.nizza"));
    expect(self.diagnostics.map((d) => d.code)).toEqual(["E0202"]);
  });

  it("resolves an import relative to the importing file", () => {
    const c = compileFile(
      "dir/main.nizza",
      host({ "dir/lib/base.nizza": base, "dir/main.nizza": `system main { import "lib/base.nizza" }` }),
    );
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.components).toHaveLength(2);
  });

  it("reports a cycle at the import that closes it, with the chain of imports", () => {
    const c = compileFile(
      "a.nizza",
      host({
        "a.nizza": `system a { import "b.nizza" }`,
        "b.nizza": `system b { import "c.nizza" }`,
        "c.nizza": `system c { import "a.nizza" }`,
      }),
    );
    expect(c.model).toBeNull();
    expect(c.diagnostics).toHaveLength(1);
    const d = c.diagnostics[0]!;
    expect(d.code).toBe("E0202");
    expect(d.span!.file).toBe("c.nizza");
    expect(d.related.map((r) => r.span.file)).toEqual(["a.nizza", "b.nizza"]);
  });

  it("treats two machine blocks in one file as an error, but replaces an imported one", () => {
    const c = compileFile(
      "m.nizza",
      host({ "m.nizza": `system m { machine { cpus 1 } machine { cpus 2 } component s : trusted root { } }` }),
    );
    expect(c.diagnostics.map((d) => d.code)).toEqual(["E0315"]);
  });

  it("reports a component defined in the importer and the import", () => {
    const c = compileFile(
      "m.nizza",
      host({ "base.nizza": base, "m.nizza": `system m { import "base.nizza"; component alice : trusted { } }` }),
    );
    expect(c.diagnostics.map((d) => d.code)).toEqual(["E0301"]);
    expect(c.diagnostics[0]!.related[0]!.span.file).toBe("base.nizza");
  });
});

describe("import bindings (stand-in components)", () => {
  const lib = `system lib {
  import "root.nizza"
  component relay : trusted {
    portal in
    caps { far.out: call }
    thread t { recv in -> x; call far.out(x) timeout 5; reply ok }
  }
  component far : untrusted { portal out }
  invariant isolated(relay, far)
}
`;
  const root = `system base0 { component sigma0 : trusted root { sloc 10 } }
`;
  const files = (main: string): Host => host({ "root.nizza": root, "lib.nizza": lib, "main.nizza": main });

  it("a bound stand-in is replaced by the importer's component, in its place, and the library's mentions follow", () => {
    const c = compileFile("main.nizza", files(`system main {
  import "lib.nizza" { far = mine }
  component mine : untrusted { sloc 7; portal out }
}
`));
    expect(c.diagnostics).toEqual([]);
    const m = c.model!;
    expect(m.components.map((x) => [x.name, x.sloc])).toEqual([["sigma0", 10], ["relay", 0], ["mine", 7]]);
    // relay's capability and its thread's call name mine.out; the invariant is about mine.
    const out = m.portals.find((p) => p.name === "out")!;
    expect(m.components[out.owner]!.name).toBe("mine");
    expect(m.caps.some((k) => k.holder === 1 && k.object.kind === "portal" && k.object.index === out.index)).toBe(true);
    const call = m.threads[0]!.body[1]!;
    expect(call).toMatchObject({ kind: "call", portal: out.index });
    expect(m.invariants[0]!.prop).toMatchObject({ kind: "isolated", a: [1], b: [2] });
  });

  it("the library's text reads with the bound names: its invariants and statements, as reports and traces show them", () => {
    // Before, a report said `isolated(relay, far)` of an invariant about mine.
    const c = compileFile("main.nizza", files(`system main {
  import "lib.nizza" { far = mine }
  component mine : untrusted { sloc 7; portal out }
}
`));
    const m = c.model!;
    expect(invariantText(m, m.invariants[0]!)).toBe("isolated(relay, mine)");
    expect(m.sources.text(m.threads[0]!.body[1]!.node)).toBe("call mine.out(x) timeout 5");
    // The place is still the library's, where it is written.
    expect(m.sources.where(m.invariants[0]!.node)).toBe("lib.nizza:9:3");
    // Two instances of one file, bound apart, read apart.
    const two = compileFile("main.nizza", host({
      "root.nizza": root,
      "srv.nizza": "system srv { component server : trusted { portal p }\n invariant isolated(server, sigma0) }",
      "main.nizza": 'system main {\n  import "root.nizza"\n  import "srv.nizza" { server = a }\n  import "srv.nizza" { server = b }\n}\n',
    }));
    expect(two.model!.invariants.map((inv) => invariantText(two.model!, inv))).toEqual(["isolated(a, sigma0)", "isolated(b, sigma0)"]);
  });

  it("an unbound binding renames: the stand-in is kept under the new name", () => {
    const c = compileFile("main.nizza", files(`system main { import "lib.nizza" { far = remote } }
`));
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.components.map((x) => x.name)).toEqual(["sigma0", "relay", "remote"]);
  });

  it("bindings compose through nested imports: the importer binds the library's root", () => {
    const c = compileFile("main.nizza", files(`system main {
  import "lib.nizza" { sigma0 = boss; far = mine }
  component boss : trusted root { sloc 99 }
  component mine : untrusted { portal out }
}
`));
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.components.map((x) => [x.name, x.sloc, x.root])).toEqual([["boss", 99, true], ["relay", 0, false], ["mine", 0, false]]);
  });

  it("the same file imported with different bindings is two copies; with the same bindings, one", () => {
    const two = compileFile("main.nizza", host({
      "root.nizza": root,
      "srv.nizza": `system srv { component server : trusted { portal p } }`,
      "main.nizza": `system main {
  import "root.nizza"
  import "srv.nizza" { server = a }
  import "srv.nizza" { server = b }
  import "srv.nizza" { server = a }
}
`,
    }));
    expect(two.diagnostics).toEqual([]);
    expect(two.model!.components.map((x) => x.name)).toEqual(["sigma0", "a", "b"]);
    expect(two.model!.portals.map((p) => `${two.model!.components[p.owner]!.name}.${p.name}`)).toEqual(["a.p", "b.p"]);
  });

  it("a library imported twice, bound apart, shares the files it imports that name neither stand-in", () => {
    // Before, root.nizza was copied once per binding of srv.nizza, and sigma0 clashed (E0301).
    const c = compileFile("main.nizza", host({
      "root.nizza": root,
      "srv.nizza": `system srv { import "root.nizza"\n component server : trusted { portal p } }`,
      "main.nizza": `system main {\n  import "srv.nizza" { server = a }\n  import "srv.nizza" { server = b }\n}\n`,
    }));
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.components.map((x) => x.name)).toEqual(["sigma0", "a", "b"]);
    // A nested file that names a stand-in is still copied: bound through the library's binding.
    const nested = compileFile("main.nizza", host({
      "root.nizza": root,
      "inv.nizza": `system inv { invariant isolated(server, sigma0) }`,
      "srv.nizza": `system srv { import "root.nizza"\n import "inv.nizza"\n component server : trusted { portal p } }`,
      "main.nizza": `system main {\n  import "srv.nizza" { server = a }\n  import "srv.nizza" { server = b }\n}\n`,
    }));
    expect(nested.diagnostics).toEqual([]);
    expect(nested.model!.invariants.map((inv) => invariantText(nested.model!, inv))).toEqual(["isolated(a, sigma0)", "isolated(b, sigma0)"]);
  });

  it("a named invariant or path of a library imported twice, bound apart, is two; a later one of that name replaces both", () => {
    // Before, the second copy replaced the first: only isolated(b, sigma0) was checked.
    const files = (main: string) =>
      host({
        "root.nizza": root,
        "srv.nizza": `system srv { import "root.nizza"
 component server : trusted { portal p }
 component client : untrusted { caps { server.p: call } }
 invariant iso: isolated(server, sigma0)
 path rt: client calls server.p -> client gets reply
}`,
        "main.nizza": main,
      });
    const two = compileFile("main.nizza", files(`system main {\n  import "srv.nizza" { server = a; client = ca }\n  import "srv.nizza" { server = b; client = cb }\n}\n`));
    expect(two.diagnostics).toEqual([]);
    const m = two.model!;
    expect(m.invariants.map((inv) => `${inv.name}: ${invariantText(m, inv)}`)).toEqual(["iso: isolated(a, sigma0)", "iso: isolated(b, sigma0)"]);
    expect(m.paths.map((p) => `${p.name}: ${m.sources.text(p.node)}`)).toEqual(["rt: path rt: ca calls a.p -> ca gets reply", "rt: path rt: cb calls b.p -> cb gets reply"]);
    const replaced = compileFile("main.nizza", files(`system main {\n  import "srv.nizza" { server = a; client = ca }\n  import "srv.nizza" { server = b; client = cb }\n  invariant iso: isolated(a, b)\n}\n`));
    expect(replaced.diagnostics).toEqual([]);
    expect(replaced.model!.invariants.map((inv) => `${inv.name}: ${invariantText(replaced.model!, inv)}`)).toEqual(["iso: isolated(a, b)"]);
  });

  it("a binding renames only what names a component: an object, variable or label of the stand-in's name keeps it", () => {
    // Before, every name of that text was renamed: the region `peer` read as `pa`, and an
    // importer's `revocable(mine.alice)` replaced the library's `revocable(owner.peer)` (a
    // violated claim dropped), while its `revocable(owner.peer) expect violated` did not.
    const srv = `system srv2 {
  component server : trusted {
    memory peer 4K [peer]
    portal rpc
    caps { peer.in: call }
    thread serve { recv rpc -> peer; write peer <- peer; call peer.in(peer) timeout 10; reply peer }
  }
  component peer : untrusted { portal in; caps { server.rpc: call } }
  invariant never flows([peer] -> peer)
  invariant revocable(server.peer)
}`;
    const c = compileFile("main.nizza", host({ "root.nizza": root, "srv.nizza": srv, "main.nizza": `system main {\n  import "root.nizza"\n  import "srv.nizza" { peer = pa }\n}\n` }));
    expect(c.diagnostics).toEqual([]);
    const m = c.model!;
    expect(m.components.map((x) => x.name)).toEqual(["sigma0", "server", "pa"]);
    expect(m.invariants.map((inv) => invariantText(m, inv))).toEqual(["never flows([peer] -> pa)", "revocable(server.peer)"]);
    expect(m.threads[0]!.body.map((st) => m.sources.text(st.node))).toEqual(["recv rpc -> peer", "write peer <- peer", "call pa.in(peer) timeout 10", "reply peer"]);
    // The importer's invariant about another object is another invariant; the same property replaces the library's.
    const mine = compileFile("main.nizza", host({ "root.nizza": root, "srv.nizza": srv, "main.nizza": `system main {\n  import "root.nizza"\n  import "srv.nizza" { peer = pa }\n  component other : trusted { memory pa 4K }\n  invariant revocable(other.pa)\n  invariant revocable(server.peer) expect violated\n}\n` }));
    expect(mine.diagnostics).toEqual([]);
    expect(mine.model!.invariants.map((inv) => `${invariantText(mine.model!, inv)} ${inv.expect}`)).toEqual(["never flows([peer] -> pa) holds", "revocable(server.peer) violated", "revocable(other.pa) holds"]);
  });

  it("a file's own definition that replaces a stand-in stays a definition when an importer renames it", () => {
    // mid binds lib's stand-in `a` to `b`, which lib defines; main renames b to c. Before, main's
    // binding made lib's `b` a stand-in too, and lib's untrusted `a` was kept as c (a wrong verdict).
    const files = {
      "lib.nizza": "system lib {\n  component sigma0 : trusted root { }\n  component a : untrusted { adversary steps 1 }\n  component b : trusted { sloc 7; portal p }\n}\n",
      "mid.nizza": 'system mid {\n  import "lib.nizza" { a = b }\n  invariant small: tcb(b).sloc <= 5\n}\n',
      "main.nizza": 'system main {\n  import "mid.nizza" { b = c }\n}\n',
    };
    const c = compileFile("main.nizza", host(files));
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.components.map((x) => [x.name, x.trusted, x.sloc])).toEqual([["sigma0", true, 0], ["c", true, 7]]);
    expect(c.model!.invariants.map((inv) => invariantText(c.model!, inv))).toEqual(["tcb(c).sloc <= 5"]);
    // And a definition the importer gives replaces the renamed one, as a stand-in.
    const mine = compileFile("main.nizza", host({ ...files, "main.nizza": 'system main {\n  import "mid.nizza" { b = c }\n  component c : trusted { sloc 3 }\n}\n' }));
    expect(mine.diagnostics).toEqual([]);
    expect(mine.model!.components.map((x) => [x.name, x.sloc])).toEqual([["sigma0", 0], ["c", 3]]);
  });

  it("a bare portal in a path event is the subject's own, not a component a binding renames", () => {
    const c = compileFile("main.nizza", host({
      "lib.nizza": "system lib {\n  component sigma0 : trusted root { }\n  component srv : trusted { portal lan; thread t { loop { recv lan -> m; reply m } } }\n  component lan : untrusted { caps { srv.lan: call } }\n  path p: srv receives lan -> lan gets reply\n}\n",
      "main.nizza": 'system main { import "lib.nizza" { lan = red } }\n',
    }));
    expect(c.diagnostics).toEqual([]);
    expect(c.model!.paths.map((p) => c.model!.sources.text(p.node))).toEqual(["path p: srv receives lan -> red gets reply"]);
  });

  it("names that bindings make one are duplicates as written out: E0317 and E0426", () => {
    const c = compileFile("main.nizza", host({
      "lib.nizza": `system lib {
  component sigma0 : trusted root { }
  component v : trusted { caps { a.m: r; b.m: rw } }
  component a : trusted { memory m 4K }
  component b : trusted { memory m 4K }
  invariant tcb(v) <= { sigma0, v, a, b }
}
`,
      "main.nizza": 'system main {\n  import "lib.nizza" { a = c; b = c }\n  component c : trusted { memory m 4K }\n}\n',
    }));
    expect(c.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["E0317 'v' lists a capability to 'c.m' twice", "E0426 'c' appears twice in the TCB bound"]);
  });

  it("a component two copies bound apart both define is E0301 at the second import, naming both imports and the definition", () => {
    const c = compileFile("main.nizza", host({
      "root.nizza": root,
      "srv.nizza": `system srv { import "root.nizza"\n component server : trusted { portal p }\n component helper : trusted { } }`,
      "main.nizza": `system main {\n  import "srv.nizza" { server = a }\n  import "srv.nizza" { server = b }\n}\n`,
    }));
    expect(c.diagnostics.map((d) => [d.code, d.span?.file, d.span?.start, d.related?.map((r) => r.message)])).toEqual([
      ["E0301", "main.nizza", "system main {\n  import \"srv.nizza\" { server = a }\n  ".length, ["the first copy's import", "the definition copied"]],
    ]);
    expect(c.diagnostics[0]!.message).toBe("component 'helper' is defined more than once: 'srv.nizza' is copied by two imports that bind it apart, and each copy defines it");
  });

  it("a library's mention the importer's component cannot satisfy is reported where the library wrote it", () => {
    const c = compileFile("main.nizza", files(`system main {
  import "lib.nizza" { far = mine }
  component mine : untrusted { portal other }
}
`));
    const d = c.diagnostics.map((x) => `${x.code} ${x.span?.file} ${lib.slice(0, x.span!.start).split("\n").length} ${x.message}`);
    // The caps entry and the call, both written in the library.
    expect(d).toEqual(["E0319 lib.nizza 5 component 'mine' has no object named 'out'", "E0304 lib.nizza 6 unknown portal 'out' in component 'mine'"]);
  });

  it("binding a name the imported file does not define is E0204, binding one twice E0205", () => {
    const c = compileFile("main.nizza", files(`system main { import "lib.nizza" { fat = x; far = y; far = z } }
`));
    expect(c.diagnostics.map((x) => [x.code, x.message])).toEqual([
      ["E0205", "the import binds 'far' twice"],
      ["E0204", "'lib.nizza' defines no component 'fat' to bind"],
    ]);
    expect(c.diagnostics[1]!.help).toBe("did you mean 'far'?");
  });

  it("two real definitions of one name still clash", () => {
    const c = compileFile("main.nizza", files(`system main {
  import "lib.nizza"
  component far : untrusted { }
}
`));
    expect(c.diagnostics.map((x) => x.code)).toEqual(["E0301"]);
  });
});

describe("how deep imports may chain", () => {
  /** f0 imports f1, which imports f2, ... up to f(n - 1): a chain of n files. */
  const chain = (n: number): Host => {
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) files[`f${i}.nizza`] = `system f${i} {\n  ${i + 1 < n ? `import "f${i + 1}.nizza"\n  ` : ""}component c${i} : trusted${i === 0 ? " root" : ""} { }\n}\n`;
    return host(files);
  };
  it(`takes a chain of ${MAX_IMPORT_DEPTH} files and refuses a longer one with E0206 at the import that passes the limit`, () => {
    expect(compileFile("f0.nizza", chain(MAX_IMPORT_DEPTH)).diagnostics).toEqual([]);
    // 1,500 files overflowed the stack before the limit.
    const c = compileFile("f0.nizza", chain(1500));
    expect(c.model).toBeNull();
    expect(c.diagnostics.map((d) => d.code)).toEqual(["E0206"]);
    expect(c.diagnostics[0]!.message).toBe(`imports nested too deep: a chain of imports holds at most ${MAX_IMPORT_DEPTH} files, and 'f${MAX_IMPORT_DEPTH}.nizza' would be one more`);
    expect(c.diagnostics[0]!.span?.file).toBe(`f${MAX_IMPORT_DEPTH - 1}.nizza`);
  });
});

describe.skipIf(process.platform === "win32")("what is not a regular file", () => {
  it("is refused, not read: a device that never ends, a pipe that never closes", () => {
    const dir = mkdtempSync(join(tmpdir(), "nizza-load-"));
    const fifo = join(dir, "pipe.nizza");
    spawnSync("mkfifo", [fifo]);
    writeFileSync(join(dir, "imports.nizza"), `system s {\n  import "pipe.nizza"\n  component sigma0 : trusted root { }\n}\n`);
    for (const [file, at] of [["/dev/zero", undefined], [fifo, undefined], [join(dir, "imports.nizza"), 2]] as const) {
      const c = compileFile(file);
      expect(c.diagnostics.map((d) => d.code)).toEqual(["E0201"]);
      expect(c.diagnostics[0]!.message).toMatch(/: it is not a regular file \(a pipe, socket or device\), and a scenario is read from one$/);
      if (at) expect(c.sources.file(c.diagnostics[0]!.span!.file)!.lineCol(c.diagnostics[0]!.span!.start).line).toBe(at);
    }
  });
});
