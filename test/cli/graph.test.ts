// `nizza graph FILE [--trace INVARIANT]`: DOT, Mermaid and SVG of the capability graph, at the initial state or a counterexample's last state, and the exit codes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIG, inProcess, nizza, scratch } from "./cli.js";

const run = inProcess;

const LEAK = `system leak {
  machine { device nic { irq 5; dma }; iommu }
  component sigma0 : trusted root { memory page 4K [secret]; thread main { delegate page -> alice : r } }
  component alice : untrusted { adversary steps 0; device nic }
  component server : trusted { sloc 100; portal rpc; thread serve { recv rpc -> x; reply ok } }
  component client[2] : untrusted { caps { server.rpc: call }; adversary steps 0; thread main { call server.rpc(1) -> r; assert r == 2 } }
  invariant sealed: never holds(alice, sigma0.page)
  invariant isolated(alice, server)
  invariant leaks: never holds(alice, sigma0.page) expect violated
}
`;

describe("nizza graph", () => {
  const dir = scratch({ "leak.nizza": LEAK, "big.nizza": BIG, "broken.nizza": "system x {" });
  const leak = join(dir, "leak.nizza");

  it("draws the initial state as DOT by default: components by trust, devices, capabilities as labelled edges", async () => {
    const r = await run(["graph", leak]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^digraph "leak" \{/);
    expect(r.out).toContain('label="leak: initial state"');
    expect(r.out).toMatch(/"server" \[label="server\\ntrusted · 100 SLOC\\nportal rpc\\nthread serve: runnable", fillcolor="#d8f0dc"/);
    expect(r.out).toMatch(/"client\[1\]" \[label="client\[1\]\\nuntrusted · 0 SLOC\\nthread main: runnable", fillcolor="#f9d9d9"/);
    expect(r.out).toMatch(/"device:nic" \[label="nic\\ndevice: irq 5, dma \(IOMMU\)", fillcolor="#e6e6e6"/);
    expect(r.out).toContain('"client[0]" -> "server" [label="server.rpc\\ncall"');
    expect(r.out).toContain('"alice" -> "device:nic" [label="irq(nic)\\ndown"');
    // Nothing delegated yet.
    expect(r.out).not.toContain('"alice" -> "sigma0"');
  });

  it("--format mermaid: the same graph as a Mermaid flowchart", async () => {
    const r = await run(["graph", leak, "--format", "mermaid"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n").slice(0, 2)).toEqual(["%% leak: initial state", "flowchart LR"]);
    expect(r.out).toContain('  N4 -->|"server.rpc: call"| N3');
    expect(r.out).toContain("  class N1,N3 trusted");
  });

  it("--format svg lays the graph out with Graphviz (the built binary), to --output", () => {
    const out = join(dir, "leak.svg");
    const r = nizza(["graph", leak, "--format", "svg", "--output", out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    const svg = readFileSync(out, "utf8");
    expect(svg).toMatch(/^(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg/);
    for (const title of ["sigma0", "alice", "server", "client[0]", "client[1]", "device:nic", "kernel"]) expect(svg).toContain(`<title>${title}</title>`);
    expect(svg).toContain("<title>client[0]&#45;&gt;server</title>");
  });

  it("--trace INVARIANT draws the counterexample's last state, the delegation marked as new", async () => {
    const r = await run(["graph", leak, "--trace", "sealed"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('label="leak: after step 1 of the counterexample to sealed: never holds(alice, sigma0.page)"');
    expect(r.out).toContain('"alice" -> "sigma0" [label="sigma0.page\\nr", color="#b35c00", fontcolor="#b35c00", penwidth=2.5, tooltip="added: memory sigma0.page r"]');
    // An expected violation has a counterexample too.
    const expected = await run(["graph", leak, "--trace", "leaks", "--format", "mermaid"]);
    expect(expected.code).toBe(0);
    expect(expected.out).toContain("%% leak: after step 1 of the expected violation of leaks: never holds(alice, sigma0.page)");
    expect(expected.out).toContain('  N2 ==>|"sigma0.page: r"| N1');
  });

  it("--trace assert: the failed assert's state in a run of replicas (replayed as the real run, whatever symmetry reduction explored)", async () => {
    for (const flags of [[], ["--no-symmetry"]]) {
      const r = await run(["graph", leak, "--trace", "assert", ...flags]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/label="leak: after step \d+ of the counterexample to every assert statement holds"/);
      expect(r.out).toMatch(/"client\[[01]\]" \[label="client\[[01]\]\\nuntrusted · 0 SLOC\\nthread main: done"/);
    }
  });

  it("--trace: exit 1 when the invariant holds, 3 when a bound comes first, 2 for an unknown invariant", async () => {
    const holds = await run(["graph", leak, "--trace", "isolated(alice, server)"]);
    expect(holds.code).toBe(1);
    expect(holds.out).toBe("");
    expect(holds.err).toContain("isolated(alice, server) holds: there is no counterexample to show");
    const incomplete = await run(["graph", join(dir, "big.nizza"), "--trace", "#1", "--max-states", "20"]);
    expect(incomplete.code).toBe(3);
    expect(incomplete.err).toContain("is incomplete: no violation in the");
    const unknown = await run(["graph", leak, "--trace", "#7"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no invariant #7; the invariants of leak are:\n  #1  sealed: never holds(alice, sigma0.page)\n  #2  isolated(alice, server)\n  #3  leaks: never holds(alice, sigma0.page)\n  assert  (every assert statement holds)");
  });

  it("exits 2 on a scenario error, an unknown format, a bound without --trace, and a missing --output folder", async () => {
    const broken = await run(["graph", join(dir, "broken.nizza")]);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("broken.nizza:1:");
    const format = await run(["graph", leak, "--format", "png"]);
    expect(format.code).toBe(2);
    expect(format.err).toContain("--format must be one of dot, mermaid, svg, not 'png'");
    const bound = await run(["graph", leak, "--max-states", "5"]);
    expect(bound.code).toBe(2);
    expect(bound.err).toContain("--max-states is for --trace");
    for (const flag of ["--no-por", "--no-symmetry", "--no-dead-values"]) {
      const r = await run(["graph", leak, flag]);
      expect(r.code, flag).toBe(2);
      expect(r.err).toContain(`${flag} is for --trace: without it nothing is explored`);
    }
    const missing = await run(["graph", leak, "--output", join(dir, "no", "such", "g.dot")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--output: no folder");
  });
});
