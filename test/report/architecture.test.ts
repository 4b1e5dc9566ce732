// The architecture graph: nodes and capability edges read from a state, delegation and revoke in a replayed run, and DOT, Mermaid and SVG that any name is safe in.
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { replay } from "../../src/checker/explore.js";
import { buildSystem, successors, type System } from "../../src/components/step.js";
import { compileText } from "../../src/dsl/compile.js";
import type { StateVector } from "../../src/kernel/layout.js";
import { architectureChanges, architectureDot, architectureMermaid, architectureOf, dotToSvg, type ArchEdge, type Architecture, type ArchNode } from "../../src/report/architecture.js";

function system(text: string): System {
  const c = compileText("t.nizza", text);
  if (!c.model) throw new Error(c.diagnostics.map((d) => d.message).join("\n"));
  return buildSystem(c.model);
}

/** Edges as `from -kind-> to: label rights`, for compact comparison. */
const show = (a: Architecture): string[] => a.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}: ${e.label} ${e.rights}${e.change ? ` (${e.change})` : ""}`);

const SMALL = `system small {
  machine { device nic { irq 5; mmio 4K; dma }; iommu }
  component sigma0 : trusted root { semaphore go }
  component server : trusted { sloc 120; memory buf 4K [secret]; portal rpc; thread serve { recv rpc -> x; reply ok } }
  component client[2] : untrusted { caps { server.rpc: call; sigma0.go: down }; adversary steps 0 }
  component driver : untrusted { memory ring 4K; device nic; adversary steps 0 }
}`;

describe("architectureOf", () => {
  it("draws components (replicas by name), devices and the kernel, and an edge per capability to another's object", () => {
    const a = architectureOf(system(SMALL));
    expect(a.system).toBe("small");
    expect(a.at).toBe("initial state");
    expect(a.nodes.map((n) => [n.id, n.kind, n.trusted, n.sloc])).toEqual([
      ["sigma0", "component", true, 0],
      ["server", "component", true, 120],
      ["client[0]", "component", false, 0],
      ["client[1]", "component", false, 0],
      ["driver", "component", false, 0],
      ["device:nic", "device", false, null],
      ["kernel", "kernel", true, null],
    ]);
    const server = a.nodes.find((n) => n.id === "server")!;
    expect(server).toMatchObject({ portals: ["rpc"], memory: ["buf [secret]"], threads: [{ name: "serve", state: "runnable" }], root: false, detail: "trusted" });
    expect(a.nodes[0]!.root).toBe(true);
    // Root's originals are not edges; own objects are not edges.
    expect(show(a)).toEqual([
      "client[0] -semaphore-> sigma0: sigma0.go down",
      "client[0] -portal-> server: server.rpc call",
      "client[1] -semaphore-> sigma0: sigma0.go down",
      "client[1] -portal-> server: server.rpc call",
      "driver -device-> device:nic: nic assign",
      "driver -irq-> device:nic: irq(nic) down",
      "driver -mmio-> device:nic: mmio(nic) rw",
      "device:nic -dma-> driver: driver.ring rw",
    ]);
  });

  it("without an IOMMU a DMA device reaches every region, the trusted server's secret included", () => {
    const a = architectureOf(system(SMALL.replace("; iommu", "")));
    expect(show(a).filter((e) => e.includes("-dma->"))).toEqual(["device:nic -dma-> server: server.buf rw", "device:nic -dma-> driver: driver.ring rw"]);
  });

  it("reads the state: a delegation shows after the step that makes it, and a revoke takes it away", () => {
    const sys = system(`system d {
      component owner : trusted root { memory page 4K [owned]; thread main { delegate page -> alice : rw; revoke page } }
      component alice : untrusted { adversary steps 0 }
    }`);
    // Replay the thread's two steps by their ordinals, as a counterexample is replayed.
    const ordinals: number[] = [];
    let s: StateVector = sys.init;
    for (let i = 0; i < 2; i++) {
      const xs = successors(sys, s);
      const k = xs.findIndex((x) => x.step.kind === "thread");
      ordinals.push(k);
      s = xs[k]!.state;
    }
    const run = replay(sys, ordinals);
    const start = architectureOf(sys);
    const delegated = architectureOf(sys, run[0]!.state, "after step 1");
    const revoked = architectureOf(sys, run[1]!.state, "after step 2");
    expect(show(start)).toEqual([]);
    expect(delegated.at).toBe("after step 1");
    expect(show(delegated)).toEqual(["alice -memory-> owner: owner.page rw"]);
    expect(delegated.nodes.find((n) => n.id === "owner")!.threads).toEqual([{ name: "main", state: "runnable" }]);
    expect(show(revoked)).toEqual([]);
    expect(revoked.nodes.find((n) => n.id === "owner")!.threads).toEqual([{ name: "main", state: "done" }]);
    // What changed: added since the start, removed since the delegation.
    expect(show(architectureChanges(start, delegated))).toEqual(["alice -memory-> owner: owner.page rw (added)"]);
    expect(show(architectureChanges(delegated, revoked))).toEqual(["alice -memory-> owner: owner.page rw (removed)"]);
    expect(architectureDot(architectureChanges(start, delegated))).toContain("penwidth=2.5");
    expect(architectureMermaid(architectureChanges(delegated, revoked))).toMatch(/N2 -\.->\|"owner\.page: rw"\| N1/);
  });

  it("shows a server's reply capability while it owes its caller a reply", () => {
    const sys = system(`system r {
      component sigma0 : trusted root { }
      component server : trusted { portal rpc; thread serve { recv rpc -> x; reply ok } }
      component client : trusted { caps { server.rpc: call }; thread main { call server.rpc(1) -> y } }
    }`);
    // Thread steps only, first enabled first, to the end.
    const seen: string[][] = [];
    let s: StateVector = sys.init;
    for (let i = 0; i < 20; i++) {
      const x = successors(sys, s).find((y) => y.step.kind === "thread");
      if (!x) break;
      s = x.state;
      seen.push(show(architectureOf(sys, s)).filter((e) => e.includes("-reply->")));
    }
    expect(seen.some((e) => e.join() === "server -reply-> client: client.main reply")).toBe(true);
    expect(seen.at(-1)).toEqual([]);
  });

  it("is deterministic: the same state gives the same graph and the same DOT", () => {
    const sys = system(SMALL);
    expect(architectureDot(architectureOf(sys))).toBe(architectureDot(architectureOf(system(SMALL))));
  });
});

/** A graph from arbitrary names: a node per name, edges between them. */
function graphOf(system: string, at: string, names: readonly string[], edges: readonly [number, number, string][]): Architecture {
  const nodes: ArchNode[] = names.map((name, i) => ({
    id: name,
    name,
    kind: i % 3 === 2 ? "device" : "component",
    trusted: i % 2 === 0,
    sloc: i % 3 === 2 ? null : i * 1000,
    root: i === 0,
    detail: `detail ${name}`,
    threads: [{ name, state: "runnable" }],
    portals: [name],
    memory: [`${name} [${name}]`],
    semaphores: [],
  }));
  const es: ArchEdge[] = edges.map(([f, t, label]) => ({ from: names[f % names.length]!, to: names[t % names.length]!, kind: "portal", label, rights: "call" }));
  return { system, at, nodes, edges: es };
}

const ODD = ['a"b', "back\\slash\\", "\\N\\G\\l", "amp&amp;x", "new\nline", "<b>html</b>", "semi;colon#hash", "pipe|bar]", "`tick`"];

/** Every <text> of an SVG document, XML entities decoded. */
function svgTexts(svg: string): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") for (const [k, v] of Object.entries(x)) k === "text" ? [v].flat().forEach((t) => out.push(String(typeof t === "object" ? (t as Record<string, unknown>)["#text"] : t))) : walk(v);
  };
  walk(new XMLParser({ ignoreAttributes: true, processEntities: true, htmlEntities: true, parseTagValue: false, trimValues: false }).parse(svg));
  return out;
}

describe("architectureDot and dotToSvg", () => {
  it("escapes odd names: Graphviz lays them out and shows them as written", async () => {
    const a = graphOf('sys "odd"', "at\\end", ODD, [[0, 1, 'lab"el'], [3, 4, "&lt;"]]);
    const dot = architectureDot(a);
    expect(dot).toContain(String.raw`"a\"b" [label="a\"b\n`);
    expect(dot).toContain(String.raw`-> "back\\slash\\" [`);
    expect(dot).toContain(String.raw`label="\\N\\G\\l\n`);
    expect(dot).toContain("amp&amp;amp;x");
    const svg = await dotToSvg(dot);
    expect(svg).toMatch(/^(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg/);
    const texts = svgTexts(svg);
    for (const name of ['a"b', "back\\slash\\", "\\N\\G\\l", "amp&amp;x", "new line", "<b>html</b>"]) expect(texts).toContain(name);
    expect(texts).toContain('lab"el');
    expect(texts).toContain("&lt;");
    expect(texts).toContain('sys "odd": at\\end');
  });

  it("lays out the DOT of any names (property): Graphviz never rejects it, and draws a node for each", async () => {
    const name = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        name,
        name,
        fc.uniqueArray(name, { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), name), { maxLength: 5 }),
        async (sys, at, names, edges) => {
          const svg = await dotToSvg(architectureDot(graphOf(sys, at, names, edges)));
          // Names equal once made printable (a control character a space, a lone surrogate U+FFFD) are one node.
          const printable = names.map((n) => n.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD").replace(/[\u0000-\u001f\u007f]/g, " "));
          expect((svg.match(/<g id="node\d+" class="node">/g) ?? []).length).toBe(new Set(printable).size);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("architectureMermaid", () => {
  it("is a flowchart: aliased nodes in trust classes, labelled edges, no raw quote or pipe inside a label", () => {
    const a = graphOf("m", "initial state", ODD, [[0, 1, "x|y"], [2, 3, 'q"q']]);
    const lines = architectureMermaid(a).trimEnd().split("\n");
    expect(lines[0]).toBe("%% m: initial state");
    expect(lines[1]).toBe("flowchart LR");
    const nodes = lines.filter((l) => /^ {2}N\d+[([]/.test(l));
    expect(nodes).toHaveLength(ODD.length);
    for (const l of nodes) expect(l).toMatch(/^ {2}N\d+(\(".*"\)|\[\[".*"\]\])$/);
    for (const l of nodes) {
      const body = /"(.*)"/.exec(l)![1]!;
      expect(body.replace(/<br\/>|#\d+;/g, "")).not.toMatch(/["|;<`&#]/);
    }
    const edges = lines.filter((l) => /-->/.test(l));
    expect(edges).toEqual(['  N1 -->|"x#124;y: call"| N2', '  N3 -->|"q#34;q: call"| N4']);
    expect(lines).toContain("  linkStyle 0 stroke:#1f4e79,color:#1f4e79");
    expect(lines.filter((l) => l.startsWith("  class "))).toEqual(["  class N1,N5,N7 trusted", "  class N2,N4,N8 untrusted", "  class N3,N6,N9 device"]);
    expect(lines.filter((l) => l.startsWith("  classDef "))).toHaveLength(4);
  });
});
