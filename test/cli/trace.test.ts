// `nizza trace FILE INVARIANT`: the counterexample alone in every report format, how an invariant is named, and the exit codes 0, 1, 2 and 3.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FORMATS } from "../../src/report/index.js";
import { BIG, inProcess, nizza, scratch } from "./cli.js";

const run = inProcess;

// A delegation that breaks an invariant, an invariant that holds, an expected violation, and a failed assert.
const LEAK = `system leak {
  component sigma0 : trusted root { memory page 4K [secret]; thread main { delegate page -> alice : r } }
  component alice : untrusted { adversary steps 0 }
  component server : trusted { sloc 100; portal rpc; thread serve { recv rpc -> x; reply ok } }
  component client[2] : untrusted {
    caps { server.rpc: call }
    adversary steps 0
    thread main { call server.rpc(1) -> r; assert r == 2 }
  }
  invariant sealed: never holds(alice, sigma0.page)
  invariant isolated(alice, server)
  invariant tcb(server) <= { sigma0, server }
  invariant leaks: never holds(alice, sigma0.page) expect violated
}
`;

describe("nizza trace", () => {
  const dir = scratch({ "leak.nizza": LEAK, "big.nizza": BIG, "broken.nizza": "system x {" });
  const leak = join(dir, "leak.nizza");

  it("prints the counterexample of the named invariant alone, and exits 0 (the built binary)", () => {
    const r = nizza(["trace", leak, "sealed"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("✗ sealed: never holds(alice, sigma0.page)  violated");
    expect(r.out).toContain("counterexample of sealed: never holds(alice, sigma0.page)");
    expect(r.out).toMatch(/ 1 {2}sigma0\.main: delegate page -> alice : r {3}\(.*leak\.nizza:2:\d+\)/);
    expect(r.out).toContain("why: holds(alice, sigma0.page) holds: alice holds a capability to sigma0.page");
    // Nothing else: no other invariant, no assert, no TCB set.
    expect(r.out).not.toContain("isolated(alice, server)");
    expect(r.out).not.toContain("assert");
    expect(r.out).not.toContain("TCB(");
  });

  it("names an invariant by its property as written (whitespace aside), by #N, or 'assert' for the assert statements", async () => {
    const byText = await run(["trace", leak, "never holds( alice,sigma0.page )"]);
    expect(byText.code).toBe(2); // two invariants have that property: ambiguous
    expect(byText.err).toContain("names 2 invariants (#1, #4): name one by its number");
    const byIndex = await run(["trace", leak, "#4"]);
    expect(byIndex.code).toBe(0);
    expect(byIndex.out).toContain("✓ leaks: never holds(alice, sigma0.page)  violated, as expected");
    expect(byIndex.out).toContain("expected violation of leaks");
    const asserts = await run(["trace", leak, "assert"]);
    expect(asserts.code).toBe(0);
    expect(asserts.out).toContain("✗ every assert statement holds  violated");
    expect(asserts.out).not.toContain("sealed");
  });

  it("a name that copies of one library invariant share (imports bound apart) is ambiguous: named by number or with its property; a baseline keys each apart", async () => {
    const lib = scratch({
      "root.nizza": "system base { component sigma0 : trusted root { } }",
      "srv.nizza": `system srv { import "root.nizza"
 component server : trusted { portal p; memory m 4K [k] }
 component client : untrusted { caps { server.p: call } adversary steps 0 }
 invariant iso: isolated(server, client)
 path rt: client calls server.p -> client gets reply
}`,
      "two.nizza": `system two {\n  import "srv.nizza" { server = a; client = ca }\n  import "srv.nizza" { server = b; client = cb }\n}\n`,
    });
    const two = join(lib, "two.nizza");
    const byName = await run(["trace", two, "iso"]);
    expect(byName.code).toBe(2);
    expect(byName.err).toContain("'iso' names 2 invariants (#1, #2): name one by its number or as 'NAME: PROPERTY'");
    const second = await run(["trace", two, "iso: isolated(b, cb)"]);
    expect(second.code).toBe(0);
    expect(second.out).toContain("counterexample of iso: isolated(b, cb)");
    expect(second.out).not.toContain("isolated(a, ca)");
    const baseline = join(lib, "b.json");
    // Both copies are violated (exit 1), and both are recorded.
    expect((await run(["check", two, "--baseline", baseline, "--update-baseline"])).code).toBe(1);
    const recorded = JSON.parse(readFileSync(baseline, "utf8")).scenarios["two.nizza"];
    expect(Object.keys(recorded.invariants)).toEqual(["iso: isolated(a, ca)", "iso: isolated(b, cb)"]);
    expect(Object.keys(recorded.paths)).toEqual(["rt: ca calls a.p -> ca gets reply", "rt: cb calls b.p -> cb gets reply"]);
  });

  it("a name that is another invariant's property is ambiguous too, and a baseline keeps both", async () => {
    // Before, the baseline recorded one "deadlock_free" (the violated named one was lost) and
    // trace picked the named one silently.
    const d = scratch({ "s.nizza": "system s {\n  component sigma0 : trusted root { }\n  component a : trusted { sloc 5 }\n  invariant deadlock_free: tcb(a).sloc <= 1\n  invariant deadlock_free\n}\n" });
    const file = join(d, "s.nizza");
    const r = await run(["trace", file, "deadlock_free"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("'deadlock_free' names 2 invariants (#1, #2)");
    expect((await run(["trace", file, "deadlock_free: tcb(a).sloc <= 1"])).code).toBe(0);
    const baseline = join(d, "b.json");
    expect((await run(["check", file, "--baseline", baseline, "--update-baseline"])).code).toBe(1);
    expect(JSON.parse(readFileSync(baseline, "utf8")).scenarios["s.nizza"].invariants).toEqual({
      "deadlock_free: tcb(a).sloc <= 1": { met: false, verdict: "violated" },
      deadlock_free: { met: true, verdict: "holds" },
    });
  });

  it.each([...FORMATS])("renders the %s format, to stdout or to --output", async (format) => {
    const out = join(dir, `trace.${format}`);
    const r = await run(["trace", leak, "sealed", "--format", format, "--output", out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    const text = readFileSync(out, "utf8");
    if (format === "json") {
      const doc = JSON.parse(text);
      expect(doc.scenarios).toHaveLength(1);
      expect(doc.scenarios[0]).toMatchObject({ system: "leak", asserts: null, invariants: [{ name: "sealed", verdict: "violated" }], tcb: [], paths: [], pathStats: null });
      expect(doc.scenarios[0].invariants[0].counterexample.steps).toHaveLength(1);
    } else if (format === "sarif") {
      const doc = JSON.parse(text);
      expect(doc.runs[0].results).toHaveLength(1);
      expect(doc.runs[0].results[0]).toMatchObject({ ruleId: "nizza/never", level: "error" });
    } else if (format === "junit") {
      expect(text).toMatch(/^<\?xml[^]*<testsuites[^>]* tests="1" failures="1"/);
    } else if (format === "markdown") {
      expect(text).toContain("```mermaid");
      expect(text).toContain("sealed");
    } else if (format === "html") {
      expect(text).toMatch(/<html/i);
    } else expect(text).toContain("counterexample of sealed");
    expect(text).not.toContain("isolated(alice, server)");
  });

  it("exits 1 when the invariant holds: there is no counterexample to show", async () => {
    const r = await run(["trace", leak, "isolated(alice, server)"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("isolated(alice, server) holds: there is no counterexample to show");
    // The asserts' label says "holds" itself: not twice.
    writeFileSync(join(dir, "asserts.nizza"), "system a {\n  component sigma0 : trusted root { thread t { assert 1 == 1 } }\n}\n");
    const asserts = await run(["trace", join(dir, "asserts.nizza"), "assert"]);
    expect(asserts.err).toContain(": every assert statement holds: there is no counterexample to show");
    expect(asserts.code).toBe(1);
  });

  it("checks the named invariant alone: one violated in the initial state stops the search there, whatever the others need", async () => {
    const text = readFileSync("scenarios/revoke_race.nizza", "utf8").replace(/\}\s*$/, "  invariant early: never holds(owner, owner.page)\n}\n");
    writeFileSync(join(dir, "early.nizza"), text);
    const r = await run(["trace", join(dir, "early.nizza"), "early", "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out).scenarios[0];
    expect(res.stats.states).toBe(1);
    expect(res.invariants).toHaveLength(1);
    expect(res.invariants[0].counterexample.steps).toHaveLength(0);
    // The graph at its violating state is the initial one, drawn without exploring the rest.
    const g = await run(["graph", join(dir, "early.nizza"), "--trace", "early"]);
    expect(g.code, g.err).toBe(0);
    // The other, first in the file, holds: checked alone, to the end.
    const other = await run(["trace", join(dir, "early.nizza"), "#1"]);
    expect(other.code).toBe(1);
    expect(other.err).toContain("revocable(owner.page) holds");
  });

  it("checks a space larger than the one-thread probe with worker threads, which judge the invariant alone too", async () => {
    // Before, each worker judged every invariant of the file: this crashed with exit 70.
    const r = await run(["trace", "scenarios/replicated_clients.nizza", "#1", "--workers", "2"]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain("revocable(server.buf) holds: there is no counterexample to show");
  });

  it("exits 3 when a bound is reached before a violation", async () => {
    const r = await run(["trace", join(dir, "big.nizza"), "#1", "--max-states", "20"]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/is incomplete: no violation in the \d+ states explored \(the state bound was reached\)/);
  });

  it("exits 2 on an unknown invariant, listing the invariants, and on a scenario or usage error", async () => {
    const r = await run(["trace", leak, "selaed"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("no invariant 'selaed' in leak; the invariants of leak are:");
    expect((await run(["trace", leak, " "])).err).toContain("no invariant named by an empty name (' ') in leak; the invariants of leak are:");
    expect(r.err).toContain("#1  sealed: never holds(alice, sigma0.page)");
    expect(r.err).toContain("#3  tcb(server) <= { sigma0, server }");
    expect(r.err).toContain("assert  (every assert statement holds)");
    expect((await run(["trace", leak, "#9"])).err).toContain("no invariant #9");
    const broken = await run(["trace", join(dir, "broken.nizza"), "sealed"]);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("broken.nizza:1:");
    expect((await run(["trace", leak, "sealed", "--format", "xml"])).err).toContain("--format must be one of text, json");
    expect((await run(["trace", leak, "sealed", "--output", join(dir, "no", "such", "t.txt")])).code).toBe(2);
    expect((await run(["trace", leak, "sealed", "--max-states", "many"])).code).toBe(2);
  });
});
