// Capability items on messages: a pager resolves a page fault by replying with a mapping, a server hands out a portal.
import { describe, expect, it } from "vitest";
import { compileText } from "../../src/dsl/compile.js";
import { buildSystem, successors, type System } from "../../src/components/step.js";
import { ecGet, varLabels } from "../../src/kernel/ec.js";
import { EC, EcState, type StateVector } from "../../src/kernel/layout.js";
import { pte } from "../../src/machine/mmu.js";
import { holds } from "../../src/components/flow.js";

function system(text: string): System {
  const c = compileText("items.nizza", text);
  if (!c.model) throw new Error(c.diagnostics.map((d) => d.message).join("\n"));
  return buildSystem(c.model);
}

/** Runs the first enabled step until nothing is enabled (trusted threads only: no adversary choices). */
function runToEnd(sys: System, max = 50): { state: StateVector; texts: string[] } {
  let s = sys.init;
  const texts: string[] = [];
  for (let i = 0; i < max; i++) {
    const next = successors(sys, s);
    if (next.length === 0) break;
    texts.push(next[0]!.step.text);
    s = next[0]!.state;
  }
  return { state: s, texts };
}

describe("capability items", () => {
  it("a pager resolves a fault by replying with a memory item: the client is mapped and its read retries and succeeds", () => {
    const sys = system(`system pagerdemo {
  component sigma0 : trusted root { }
  component pager : trusted {
    memory pool 4K [pooled]
    portal pf
    thread serve { loop { recv pf -> f; reply ok with pool : rw } }
  }
  component app : trusted { pager pager; thread main { read pager.pool -> x } }
}`);
    const { state, texts } = runToEnd(sys);
    const L = sys.k.L;
    const app = sys.model.components.findIndex((c) => c.name === "app");
    const main = sys.model.threads.findIndex((t) => t.name === "main");
    const pool = sys.model.regions.findIndex((r) => r.name === "pool");
    expect(texts.some((t) => t.includes("page fault (sent to the pager)"))).toBe(true);
    expect(texts.some((t) => t.includes("reply ok with pool : rw"))).toBe(true);
    expect(ecGet(state, L, main, EC.STATE)).toBe(EcState.DONE);
    // The read happened after the mapping: x carries the pool's label.
    expect(varLabels(state, L, main, 0)).toBe(1 << sys.model.labels.indexOf("pooled"));
    expect(pte(state, L, app, pool)).toBe(3);
    expect(holds(state, L, app, { kind: "region", index: pool })).toBe(true);
  });

  it("a server hands out one of its portals with a reply; the client then calls it", () => {
    const sys = system(`system handout {
  component sigma0 : trusted root { }
  component server : trusted {
    portal hello
    portal service
    thread greet { recv hello; reply ok with service }
    thread work { recv service -> m; reply m }
  }
  component client : trusted {
    caps { server.hello: call }
    thread main { call server.hello(); call server.service(7) -> r }
  }
}`);
    const { state } = runToEnd(sys);
    const L = sys.k.L;
    const main = sys.model.threads.findIndex((t) => t.name === "main");
    const client = sys.model.components.findIndex((c) => c.name === "client");
    const service = sys.model.portals.findIndex((p) => p.name === "service");
    expect(holds(state, L, client, { kind: "portal", index: service })).toBe(true);
    expect(ecGet(state, L, main, EC.STATE)).toBe(EcState.DONE);
    // The second call went through the portal it was handed: the service's reply (7) is in its UTCB.
    expect(state[L.base.ec + main * L.ecSize + EC.MSG]).toBe(7);
  });

  it("an item the sender does not hold fails the statement with BAD_CAP", () => {
    const sys = system(`system noitem {
  component sigma0 : trusted root { }
  component server : trusted { portal p; thread t { recv p; reply ok } }
  component other : trusted { memory secret 4K }
  component client : trusted { caps { server.p: call } thread main { call server.p() with other.secret } }
}`);
    const { texts } = runToEnd(sys);
    expect(texts.some((t) => t.includes("with other.secret: BAD_CAP"))).toBe(true);
  });
});
