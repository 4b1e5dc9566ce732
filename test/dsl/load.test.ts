// Imports: merge and override rules, the same file reached twice, cycles — through an in-memory host.
import { describe, expect, it } from "vitest";
import { compileFile } from "../../src/dsl/compile.js";
import type { Host } from "../../src/dsl/load.js";

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
