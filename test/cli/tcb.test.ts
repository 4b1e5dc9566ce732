// `nizza tcb PATH...`: every member of each TCB with its SLOC and the chain that put it in, --component, --trace, json, and the exit codes 0, 1, 2 and 3.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { inProcess, nizza, noStack, scratch } from "./cli.js";

const run = inProcess;

// helper gets into tcb(client) by a chain of two links: it comes to write the memory server
// reads (the server delegates it, the adversary maps it: 2 steps), and the server's reply is
// what client binds (from the start). other[2] is replicated and in no one's TCB.
const CHAIN = `system chain {
  component sigma0 : trusted root { }
  component client : trusted {
    sloc 300
    caps { server.rpc: call }
    thread main { call server.rpc(1) -> r }
  }
  component server : trusted {
    sloc 2000
    memory buf 4K [data]
    caps { helper: ctrl }
    portal rpc
    thread serve { delegate buf -> helper : rw; recv rpc -> x; read buf -> y; reply y }
  }
  component helper : untrusted { sloc 50000; adversary steps 1 }
  component other[2] : untrusted { adversary steps 0 }
}
`;

describe("nizza tcb", () => {
  const dir = scratch({ "chain.nizza": CHAIN, "broken.nizza": "system x {", "lone.nizza": "system lone {\n  component sigma0 : trusted root { }\n}\n" });
  const chain = join(dir, "chain.nizza");

  it("prints each trusted component's TCB, every member with its SLOC and why it is in, link by link with where it first showed; exit 0 (the built binary)", () => {
    const r = nizza(["tcb", chain]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split("\n");
    const at = lines.indexOf("  TCB(client) = { kernel, sigma0, client, server, helper }  52,300 SLOC");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 7)).toEqual([
      "    kernel          always in it; not a component, its SLOC not counted",
      "    sigma0       0  sigma0 is the root, the parent of client  (initial state)",
      "    client     300  the component itself",
      "    server   2,000  server serves server.rpc, whose reply client.main binds  (initial state)",
      "    helper  50,000  helper can write server.buf, which server reads  (after 2 steps)",
      "                    and server serves server.rpc, whose reply client.main binds  (initial state)",
    ]);
    expect(r.out).toContain("  TCB(server) = { kernel, sigma0, server, helper }  52,000 SLOC");
    expect(r.out).toContain("  TCB(sigma0) = { kernel, sigma0 }  0 SLOC");
    // Only the trusted components by default.
    expect(r.out).not.toContain("TCB(helper)");
    expect(r.out).toMatch(/\d+ states, \d+ transitions, depth \d+, [\d.]+ s; every reachable state explored/);
  });

  it("--component names any component, a replicated one by its declared name (every replica), and only those are shown", async () => {
    const r = await run(["tcb", chain, "--component", "other", "--component", "helper"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/TCB\(\S+\)/g)).toEqual(["TCB(helper)", "TCB(other[0])", "TCB(other[1])"]);
    expect((await run(["tcb", chain, "--component", "other[1]"])).out.match(/TCB\(\S+\)/g)).toEqual(["TCB(other[1])"]);
  });

  it("an unknown --component is a usage error before anything is explored, with the closest name", async () => {
    const r = await run(["tcb", chain, "--component", "helpr"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--component: ");
    expect(r.err).toContain("no component 'helpr' in system chain: did you mean 'helper'? (its components: sigma0, client, server, helper, other[0], other[1])");
    expect(r.out).toBe("");
    // Named in one scenario but not in another: nothing is explored either.
    const two = await run(["tcb", chain, join(dir, "lone.nizza"), "--component", "client"]);
    expect(two.code).toBe(2);
    expect(two.err).toContain("lone.nizza: no component 'client' in system lone");
    expect(two.out).toBe("");
  });

  it("--trace MEMBER: the chain, then the shortest run to the first state by which every link had shown", async () => {
    const r = await run(["tcb", chain, "--component", "client", "--trace", "helper"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("  helper is in tcb(client) because\n    helper can write server.buf, which server reads  (after 2 steps)\n    and server serves server.rpc, whose reply client.main binds  (initial state)\n");
    expect(r.out).toContain("the run to the first state by which every link had shown, 2 steps:");
    expect(r.out).toMatch(/ 1 {2}server\.serve: delegate buf -> helper : rw {3}\(.*chain\.nizza:13:\d+\)/);
    expect(r.out).toMatch(/ 2 {2}helper\[adversary\]: map server\.buf -> helper/);
    // As long as the latest link's depth: breadth first, no shorter run shows it.
    expect(r.out.split("\n").filter((l) => /^ {2}\d+ {2}/.test(l))).toHaveLength(2);
  });

  it("--trace of a component that is not in the TCB, or is its component, exits 1; an unknown one, 2", async () => {
    const out = await run(["tcb", chain, "--component", "client", "--trace", "other[1]"]);
    expect(out.code).toBe(1);
    expect(out.err).toContain("other[1] is not in tcb(client) = { kernel, sigma0, client, server, helper }: there is no run to show");
    const self = await run(["tcb", chain, "--component", "client", "--trace", "client"]);
    expect(self.code).toBe(1);
    expect(self.err).toContain("client is in its own TCB: there is no run to show");
    const unknown = await run(["tcb", chain, "--component", "client", "--trace", "kernel"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no component 'kernel' in system chain");
    expect(unknown.err).toContain("the kernel is in every TCB");
  });

  it("--trace needs one scenario, one component (one replica) and text", async () => {
    for (const [args, message] of [
      [["--trace", "helper"], "--trace needs one --component"],
      [["--component", "client", "--component", "server", "--trace", "helper"], "--trace needs one --component"],
      [["--component", "other", "--trace", "helper"], "'other' is 2 replicas: name one (other[0], other[1])"],
      [["--component", "client", "--trace", "helper", "--format", "json"], "--trace prints text"],
    ] as const) {
      const r = await run(["tcb", chain, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toContain(message);
      noStack(r.err);
    }
    expect((await run(["tcb", chain, join(dir, "lone.nizza"), "--component", "sigma0", "--trace", "client"])).err).toContain("--trace is for one scenario, not 2");
  });

  it("--format json is the check report's document, with each member's reasons; it validates against spec/report.schema.json", async () => {
    const r = await run(["tcb", chain, "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync("spec/report.schema.json", "utf8")));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const s = doc.scenarios[0];
    expect(s.invariants).toEqual([]);
    expect(s.paths).toEqual([]);
    const client = s.tcb.find((t: { component: string }) => t.component === "client");
    expect(client.reasons.map((x: { member: string }) => x.member)).toEqual(["sigma0", "server", "helper"]);
    expect(client.reasons[2].links).toEqual([
      { from: "helper", to: "server", why: "helper can write server.buf, which server reads", depth: 2 },
      { from: "server", to: "client", why: "server serves server.rpc, whose reply client.main binds", depth: 0 },
    ]);
  });

  it("judges no assert: a failed one is not in the report, and the exit code is the exploration's", async () => {
    const d = scratch({ "as.nizza": "system as1 {\n  component sigma0 : trusted root { sloc 10 }\n  component vault : trusted { sloc 20; thread t { assert 1 == 2 } }\n}\n" });
    const r = await run(["tcb", join(d, "as.nizza"), "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.exit).toBe(0);
    expect(doc.scenarios[0].asserts).toBeNull();
    expect((await run(["tcb", join(d, "as.nizza")])).out).not.toContain("assert");
  });

  it("a component named twice with --trace is one component", async () => {
    const r = await run(["tcb", chain, "--component", "client", "--component", "client", "--trace", "helper"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("helper is in tcb(client) because");
  });

  it("a bound reached first: the sets are those of the states explored, said so, exit 3", async () => {
    const r = await run(["tcb", chain, "--max-depth", "1"]);
    expect(r.code).toBe(3);
    expect(r.out).toContain("TCB(client) = { kernel, sigma0, client, server }  2,300 SLOC (of the states explored: it may have more members)");
    expect(r.out).toContain("the depth bound was reached");
  });

  it("writes --output, never over a scenario; a scenario with errors is reported and exits 2; folders are searched", async () => {
    const out = join(dir, "tcb.txt");
    const r = await run(["tcb", chain, "--output", out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe("");
    expect(readFileSync(out, "utf8")).toContain("TCB(client) = { kernel, sigma0, client, server, helper }");
    const over = await run(["tcb", chain, "--output", chain]);
    expect(over.code).toBe(2);
    expect(readFileSync(chain, "utf8")).toBe(CHAIN);
    const all = await run(["tcb", dir]);
    expect(all.code).toBe(2);
    expect(all.err).toContain("broken.nizza");
    expect(all.out).toContain("system chain");
    expect(all.out).toContain("system lone");
    expect(all.out).not.toContain("not checked");
    // Written to a file, the text report says which scenario was not checked and why, as check's does.
    const toFile = await run(["tcb", dir, "--output", join(dir, "all.txt")]);
    expect(toFile.code).toBe(2);
    expect(readFileSync(join(dir, "all.txt"), "utf8")).toMatch(/broken\.nizza: not checked: 1 error\n {2}.*broken\.nizza:\d+:\d+: error\[E\d+\]/);
    expect((await run(["tcb", chain, "--format", "sarif"])).err).toContain("--format must be one of text, json, not 'sarif'");
  });
});
