// `nizza check`: the report, the counterexample, and the exit codes 0, 1, 2 and 3.
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIG, nizza, scratch } from "./cli.js";

const OK = `system fine {
  component sigma0 : trusted root { semaphore s; thread t { up s; down s } }
  invariant deadlock_free
}
`;
const BAD = `system bad {
  component sigma0 : trusted root { semaphore s; thread t { down s } }
  invariant deadlock_free
}
`;
const EXPECTED = `system expected {
  component sigma0 : trusted root { semaphore s; thread t { down s } }
  invariant deadlock_free expect violated
}
`;

describe("nizza check", () => {
  const dir = scratch({ "ok.nizza": OK, "bad.nizza": BAD, "expected.nizza": EXPECTED, "big.nizza": BIG, "broken.nizza": "system x {" });

  it("exits 0 when every invariant meets its expectation, and prints the verdicts, TCB sets and statistics", () => {
    const r = nizza(["check", join(dir, "ok.nizza"), join(dir, "expected.nizza")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("✓ deadlock_free  holds");
    expect(r.out).toContain("✓ deadlock_free  violated, as expected");
    expect(r.out).toContain("TCB(sigma0) = { kernel, sigma0 }  0 SLOC");
    expect(r.out).toMatch(/3 states, 2 transitions, depth 2, [\d.]+ s; every reachable state explored; fingerprint collision probability/);
  });

  it("exits 1 on a violated invariant and prints the counterexample, each step with its source line", () => {
    const r = nizza(["check", join(dir, "bad.nizza")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("✗ deadlock_free  violated");
    expect(r.out).toContain("counterexample of deadlock_free (");
    expect(r.out).toMatch(/ 1 {2}sigma0\.t: down s: blocks {3}\(.*bad\.nizza:2:\d+\)/);
    expect(r.out).toContain("why: no step is enabled, and sigma0.t (sm) waits for ever");
  });

  it("exits 3 when a bound is reached before a verdict", () => {
    const r = nizza(["check", "--max-states", "20", join(dir, "big.nizza")]);
    expect(r.code).toBe(3);
    expect(r.out).toContain("? never holds(alice, sigma0.page) and not holds(alice, sigma0.page)  incomplete");
    expect(r.out).toContain("the state bound was reached");
  });

  it("exits 2 on a scenario error or a bad option, and the worst outcome wins over several files", () => {
    expect(nizza(["check", join(dir, "broken.nizza"), join(dir, "ok.nizza")]).code).toBe(2);
    const bad = nizza(["check", "--max-states", "lots", join(dir, "ok.nizza")]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--max-states must be a positive whole number, not 'lots'");
    expect(nizza(["check", join(dir, "ok.nizza"), join(dir, "bad.nizza")]).code).toBe(1);
  });

  it("--simulate finds a violation by random walks, reproducibly; without one its verdicts are incomplete", () => {
    const a = nizza(["check", "--simulate", "20", "--seed", "7", join(dir, "bad.nizza")]);
    expect(a.code).toBe(1);
    expect(a.out).toContain("random simulation: it finds violations but proves nothing");
    expect(a.out).toContain("why: no step is enabled, and sigma0.t (sm) waits for ever");
    const b = nizza(["check", "--simulate", "20", "--seed", "7", join(dir, "bad.nizza")]);
    expect(b.out.replace(/[\d.]+ s;/, "")).toBe(a.out.replace(/[\d.]+ s;/, ""));
    const c = nizza(["check", "--simulate", "5", join(dir, "ok.nizza")]);
    expect(c.code).toBe(3);
    expect(c.out).toContain("? deadlock_free  incomplete");
    expect(nizza(["check", "--seed", "3", join(dir, "ok.nizza")]).err).toContain("--seed is for --simulate");
    // A seed is what the user typed back in the error, 0 allowed, and no larger than the
    // generator's 2^32 seeds (2^32 would repeat seed 0's walks).
    for (const v of ["x", "-1", "1e3", "4294967296"]) {
      const r = nizza(["check", "--simulate", "5", "--seed", v, join(dir, "ok.nizza")]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`nizza: --seed takes a whole number from 0 to 4294967295, not '${v}'`);
    }
    expect(nizza(["check", "--simulate", "5", "--seed", "0", join(dir, "ok.nizza")]).code).toBe(3);
  });

  it("--simulate refuses the options of a search instead of ignoring them, before exploring", () => {
    for (const [flag, ...value] of [["--max-states", "5"], ["--workers", "2"], ["--no-por"], ["--sleep"], ["--no-symmetry"]] as const) {
      const r = nizza(["check", "--simulate", "5", flag, ...value, join(dir, "bad.nizza")]);
      expect(r.code, flag).toBe(2);
      expect(r.err).toMatch(new RegExp(`^nizza: ${flag} is for a search, not --simulate: `));
      expect(r.out).toBe("");
    }
    // What a simulation uses is taken: --max-memory bounds one state's successors (spec/invariants.md §1).
    expect(nizza(["check", "--simulate", "5", "--max-depth", "3", "--max-memory", "64", "--no-dead-values", join(dir, "bad.nizza")]).code).toBe(1);
  });

  it("--sleep: the same verdicts and states, the reduction named in the report; off where the graph's invariants need every transition; refused with --dfs and --no-por", () => {
    const states = (out: string) => JSON.parse(out).scenarios.map((x: { stats: { states: number } }) => x.stats.states);
    const por = (out: string) => JSON.parse(out).scenarios.map((x: { stats: { reductions: { por: { used: string } } } }) => x.stats.reductions.por.used);
    const bad = join(dir, "bad.nizza");
    const asleep = nizza(["check", "--sleep", "--workers", "1", "--format", "json", bad]);
    const awake = nizza(["check", "--workers", "1", "--format", "json", bad]);
    expect([asleep.code, awake.code]).toEqual([1, 1]);
    expect(states(asleep.out)).toEqual(states(awake.out));
    expect(por(awake.out)[0]).not.toContain("sleep sets");
    // deadlock_free is judged on the explored graph: every transition is kept.
    expect(por(asleep.out)[0]).toContain("; no sleep sets (an invariant on the explored graph needs every transition)");
    const safety = join(dir, "safety.nizza");
    writeFileSync(safety, `system safety {
  component sigma0 : trusted root { semaphore s; thread t { up s; down s } thread u { up s; down s } }
  invariant tcb(sigma0) <= { sigma0 }
}
`);
    const on = nizza(["check", "--sleep", "--workers", "1", "--format", "json", safety]);
    expect(on.code).toBe(0);
    expect(por(on.out)[0]).toContain("; sleep sets of independent steps");
    expect(states(on.out)).toEqual(states(nizza(["check", "--workers", "1", "--format", "json", safety]).out));
    // Where it would keep no sleep sets, it is refused rather than ignored.
    for (const [flag, message] of [["--dfs", "nizza: --sleep is for the breadth-first search: a depth-first one keeps no sleep sets"], ["--no-por", "nizza: --sleep and --no-por exclude each other: sleep sets are a partial-order reduction"]] as const) {
      const r = nizza(["check", "--sleep", flag, safety]);
      expect([r.code, r.out], flag).toEqual([2, ""]);
      expect(r.err).toContain(message);
    }
  });

  it("refuses a count above 2^53 - 1, which would not be the number typed, naming the range", () => {
    const ok = join(dir, "ok.nizza");
    for (const args of [
      ["check", "--max-states", "99999999999999999999", ok],
      ["check", "--max-depth", "9007199254740992", ok],
      ["check", "--simulate", "99999999999999999999", ok],
      ["paths", "--max-memory", "99999999999999999999", ok],
      ["trace", ok, "deadlock_free", "--max-states", "99999999999999999999"],
    ]) {
      const r = nizza(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/^nizza: --[a-z-]+ takes a whole number from 1 to 9007199254740991, not '\d+'\n$/);
    }
    expect(nizza(["check", "--max-states", "9007199254740991", ok]).code).toBe(0);
  });
});

describe("nizza check: exit 3 for anything left without a verdict", () => {
  // ipc_timing without its invariant and its budgets: paths measured, not judged; and without its paths too.
  const timing = readFileSync(join("scenarios", "ipc_timing.nizza"), "utf8");
  const noBudget = timing.replace(/^\s*invariant deadlock_free\n/m, "").replace(/ within \d+ cycles/g, "");
  const noInvariant = noBudget.replace(/^\s*path .*\n/gm, "");
  // An expected violation found at once: the search stops with every verdict known, the TCB sets partial.
  const STOP = `system stop {
  component sigma0 : trusted root { memory page 4K [secret]; thread main { delegate page -> alice : r } }
  component alice : untrusted { adversary steps 3 }
  component bob : untrusted { portal inbox; adversary steps 3 }
  invariant leaks: never holds(alice, sigma0.page) expect violated
}
`;
  const dir = scratch({ "nobudget.nizza": noBudget, "noinvariant.nizza": noInvariant, "stop.nizza": STOP });

  it.each([
    ["paths without a budget, timed on the states explored", "nobudget.nizza", "? path round_trip"],
    ["TCB sets of the states explored, in a scenario without invariants", "noinvariant.nizza", "(of the states explored)"],
  ])("exits 3 for %s, with exit 3 in every report format", (_, name, shown) => {
    expect(noBudget).not.toContain("within");
    expect(noInvariant).not.toMatch(/invariant|path /);
    const file = join(dir, name);
    const text = nizza(["check", file, "--max-states", "30"]);
    expect(text.out).toContain(shown);
    expect(text.code).toBe(3);
    const [json, sarif, junit, markdown, html] = ["json", "sarif", "junit", "markdown", "html"].map((f) => join(dir, `${name}.${f}`));
    const r = nizza(["check", file, "--max-states", "30", "--format", "json", "--output", json!, "--format", "sarif", "--output", sarif!, "--format", "junit", "--output", junit!, "--format", "markdown", "--output", markdown!, "--format", "html", "--output", html!]);
    expect(r.code).toBe(3);
    expect(JSON.parse(readFileSync(json!, "utf8"))).toMatchObject({ exit: 3, scenarios: [{ exit: 3 }] });
    expect(JSON.parse(readFileSync(sarif!, "utf8"))).toMatchObject({ runs: [{ invocations: [{ exitCode: 3 }] }] });
    expect(readFileSync(junit!, "utf8")).toContain('<property name="exit" value="3"/>');
    expect(readFileSync(markdown!, "utf8")).toContain("exit 3");
    expect(readFileSync(html!, "utf8")).toContain("exit 3 incomplete");
    // As nizza paths does.
    if (name === "nobudget.nizza") expect(nizza(["paths", file, "--max-states", "30"]).code).toBe(3);
    // Explored completely, the same scenario passes.
    expect(nizza(["check", file]).code).toBe(0);
  });

  it("exits 0 when the search stops because every invariant has its verdict, though the TCB sets are then partial", () => {
    const r = nizza(["check", join(dir, "stop.nizza"), "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ exit: 0, scenarios: [{ exit: 0, tcbPartial: true, stats: { bound: "stopped" } }] });
  });

  it("exits 3 when every invariant has its verdict but a bound, not the verdicts, stopped the search: the TCB sets are incomplete", () => {
    // Before, exit 0: every verdict known was taken to be why the search had stopped.
    // Its two invariants are violated as expected at once; the search goes on, for the TCB sets.
    const r = nizza(["check", "scenarios/faults/dma_no_iommu_buggy.nizza", "--max-depth", "1", "--format", "json"]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ exit: 3, scenarios: [{ exit: 3, tcbPartial: true, stats: { bound: "depth" }, invariants: [{ verdict: "violated", met: true }, { verdict: "violated", met: true }] }] });
  });
});

describe("nizza check --format and --output", () => {
  const dir = scratch({ "bad.nizza": BAD, "ok.nizza": OK, "big.nizza": BIG });

  it.each(["json", "sarif", "junit", "markdown", "text"])("writes the %s report of the whole run to --output, with the run's exit code", (format) => {
    const out = join(dir, `report.${format}`);
    const r = nizza(["check", join(dir, "ok.nizza"), join(dir, "bad.nizza"), "--format", format, "--output", out]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const text = readFileSync(out, "utf8");
    if (format === "json") expect(JSON.parse(text)).toMatchObject({ exit: 1, scenarios: [{ exit: 0 }, { exit: 1 }] });
    if (format === "sarif") expect(JSON.parse(text)).toMatchObject({ version: "2.1.0", runs: [{ results: [{ ruleId: "nizza/deadlock-free", level: "error" }] }] });
    if (format === "junit") expect(text).toMatch(/^<\?xml[^]*<testsuites[^>]* failures="1"/);
    if (format === "markdown") expect(text).toContain("```mermaid");
    if (format === "text") expect(text).toContain("✗ deadlock_free  violated");
  });

  it("refuses an unknown format and an --output folder that does not exist with exit 2", () => {
    expect(nizza(["check", join(dir, "ok.nizza"), "--format", "xml"]).err).toContain("--format must be one of text, json, sarif, junit, markdown");
    expect(nizza(["check", join(dir, "ok.nizza"), "--output", join(dir, "no", "such", "r.txt")]).code).toBe(2);
  });

  it("writes several reports from one run: --format F --output FILE repeated, the last format may go to stdout", () => {
    const [sarif, html] = [join(dir, "multi.sarif"), join(dir, "multi.html")];
    const r = nizza(["check", join(dir, "bad.nizza"), "--format", "sarif", "--output", sarif, "--format", "html", "--output", html, "--format", "json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(sarif, "utf8"))).toMatchObject({ version: "2.1.0" });
    expect(readFileSync(html, "utf8")).toMatch(/^<!DOCTYPE html>/i);
    expect(JSON.parse(r.out)).toMatchObject({ exit: 1 });
    // The text report streams to the terminal beside a file report.
    const t = nizza(["check", join(dir, "ok.nizza"), "--format", "json", "--output", join(dir, "multi.json"), "--format", "text"]);
    expect(t.code).toBe(0);
    expect(t.out).toContain("✓ deadlock_free");
    expect(JSON.parse(readFileSync(join(dir, "multi.json"), "utf8"))).toMatchObject({ exit: 0 });
  });

  it("refuses formats and outputs that do not pair, and the same output twice, before exploring", () => {
    const ok = join(dir, "ok.nizza");
    for (const args of [
      ["--format", "json", "--format", "sarif", "--format", "html", "--output", join(dir, "a.json")],
      ["--format", "json", "--output", join(dir, "a.json"), "--output", join(dir, "b.json")],
      ["--output", join(dir, "a.json"), "--output", join(dir, "b.json")],
      ["--format", "json", "--output", join(dir, "a.json"), "--format", "sarif", "--output", join(dir, "a.json")],
    ]) {
      const r = nizza(["check", ok, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/--format|--output/);
    }
  });

  it("refuses an --output that is a folder before exploring, and leaves every report as it was when one cannot be written", () => {
    const keep = join(dir, "keep.json");
    writeFileSync(keep, "PRECIOUS");
    mkdirSync(join(dir, "folder"), { recursive: true });
    const big = nizza(["check", join(dir, "big.nizza"), "--output", join(dir, "folder")]);
    expect(big.err).toBe(`nizza: --output: '${join(dir, "folder")}' is a folder; name a file to write\n`);
    expect(big.code).toBe(2);
    expect(big.out).toBe(""); // refused before exploring: no report streamed
    // /dev/full takes nothing: the json report beside it must not replace keep.json.
    const full = nizza(["check", join(dir, "ok.nizza"), "--format", "json", "--output", keep, "--format", "html", "--output", "/dev/full"]);
    expect(full.err).toBe("nizza: --output: cannot write '/dev/full': no space left on the device\n");
    expect(full.code).toBe(2);
    expect(readFileSync(keep, "utf8")).toBe("PRECIOUS");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("writes a scenario's errors into a text report file, one line each, so that the file says why it was not checked", () => {
    writeFileSync(join(dir, "broken.nizza"), "system x {");
    const out = join(dir, "errors.txt");
    const r = nizza(["check", join(dir, "broken.nizza"), join(dir, "ok.nizza"), "--output", out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error[E0105]"); // with its excerpt, as always
    const text = readFileSync(out, "utf8");
    expect(text).toContain(`${join(dir, "broken.nizza")}: not checked: 1 error\n  ${join(dir, "broken.nizza")}:1:11: error[E0105]: unexpected end of input\n`);
    expect(text).toContain("✓ deadlock_free  holds");
  });

  it("checks a file named twice once, and bounds --workers (not for --dfs)", () => {
    const ok = join(dir, "ok.nizza");
    const twice = nizza(["check", ok, ok, join(dir, ".", "ok.nizza")]);
    expect(twice.code).toBe(0);
    expect(twice.out.match(/: system fine/g)).toHaveLength(1);
    const many = nizza(["check", ok, "--workers", "100000"]);
    expect(many.err).toBe("nizza: --workers takes a whole number from 1 to 64, not '100000'\n");
    expect(many.code).toBe(2);
    const dfs = nizza(["check", ok, "--dfs", "--workers", "2"]);
    expect(dfs.err).toBe("nizza: --workers is for the breadth-first search: a depth-first one runs on one thread\n");
    expect(dfs.code).toBe(2);
  });
});


describe("nizza check, trace and graph: an output never overwrites an input", () => {
  const IMPORTED = `system lib {
  component sigma0 : trusted root { semaphore s; thread t { up s; down s } }
}
`;
  const IMPORTER = `system main {
  import "lib.nizza"
  invariant deadlock_free
}
`;

  /** A fresh folder with the scenarios and a recorded baseline, and each file's text, to see that none changed. */
  function setUp(): { dir: string; texts: () => Record<string, string> } {
    const dir = scratch({
      "ok.nizza": OK,
      "lib.nizza": IMPORTED,
      "main.nizza": IMPORTER,
      // Importers that do not parse: what they import is not loaded, and is an input all the same.
      "broken.nizza": 'system broken {\n  import "lib.nizza"\n  component r : untrusted {\n',
      "top.nizza": 'system top {\n  import "mid.nizza"\n}\n',
      "mid.nizza": 'system mid {\n  import "deep.nizza"\n  component r : untrusted { caps { } \n',
      "deep.nizza": IMPORTED,
    });
    expect(nizza(["check", "ok.nizza", "--baseline", "b.json", "--update-baseline"], dir).code).toBe(0);
    symlinkSync(join(dir, "ok.nizza"), join(dir, "link.nizza"));
    const names = ["ok.nizza", "lib.nizza", "main.nizza", "b.json", "broken.nizza", "top.nizza", "mid.nizza", "deep.nizza"];
    return { dir, texts: () => Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), "utf8")])) };
  }

  it.each([
    ["the scenario, as typed", ["check", "ok.nizza", "--output", "ok.nizza"], /--output: 'ok\.nizza' is the scenario ok\.nizza: writing the report there would overwrite it/],
    ["the scenario, by another name", ["check", "ok.nizza", "--format", "json", "--output", "./ok.nizza"], /--output: '\.\/ok\.nizza' is the scenario ok\.nizza/],
    ["the scenario, through a symbolic link", ["check", "ok.nizza", "--output", "link.nizza"], /--output: 'link\.nizza' is the scenario ok\.nizza/],
    ["a scenario found in a folder", ["check", ".", "--format", "json", "--output", "x.json", "--format", "text", "--output", "ok.nizza"], /--output: 'ok\.nizza' is the scenario ok\.nizza/],
    ["a file a scenario imports", ["check", "main.nizza", "--output", "lib.nizza"], /--output: 'lib\.nizza' is lib\.nizza, which the scenario main\.nizza imports/],
    ["a file a scenario that does not parse imports", ["check", "broken.nizza", "--output", "lib.nizza"], /--output: 'lib\.nizza' is \S*lib\.nizza, which the scenario broken\.nizza imports/],
    ["a file imported by an import that does not parse", ["check", "top.nizza", "--output", "deep.nizza"], /--output: 'deep\.nizza' is \S*deep\.nizza, which the scenario top\.nizza imports/],
    ["the baseline it compares with", ["check", "ok.nizza", "--baseline", "b.json", "--format", "json", "--output", "b.json"], /--output: 'b\.json' is the --baseline file: writing the report there would overwrite it/],
    ["the baseline it records", ["check", "ok.nizza", "--baseline", "b.json", "--update-baseline", "--format", "junit", "--output", "./b.json"], /--output: '\.\/b\.json' is the --baseline file/],
    ["a scenario, as the baseline", ["check", "ok.nizza", "--baseline", "./ok.nizza", "--update-baseline"], /--baseline: '\.\/ok\.nizza' is the scenario ok\.nizza: writing the baseline there would overwrite it/],
    ["an import, as the baseline", ["check", "main.nizza", "--baseline", "lib.nizza", "--update-baseline"], /--baseline: 'lib\.nizza' is lib\.nizza, which the scenario main\.nizza imports/],
    ["the scenario, for trace", ["trace", "ok.nizza", "deadlock_free", "--output", "./ok.nizza"], /--output: '\.\/ok\.nizza' is the scenario ok\.nizza: writing the report there/],
    ["an import, for trace", ["trace", "main.nizza", "deadlock_free", "--output", "lib.nizza"], /--output: 'lib\.nizza' is lib\.nizza, which the scenario main\.nizza imports/],
    ["the scenario, for graph", ["graph", "ok.nizza", "--output", "link.nizza"], /--output: 'link\.nizza' is the scenario ok\.nizza: writing the graph there/],
    ["an import, for graph", ["graph", "main.nizza", "--format", "svg", "--output", "lib.nizza"], /--output: 'lib\.nizza' is lib\.nizza, which the scenario main\.nizza imports/],
  ])("refuses an output that is %s with exit 2, before exploring, and leaves every file as it was", (_, args, message) => {
    const { dir, texts } = setUp();
    const before = texts();
    const r = nizza(args, dir);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
    expect(texts()).toEqual(before);
  });

  it.each([
    ["--output", ["check", "ok.nizza", "--output", "newdir/"], "newdir"],
    ["--output", ["check", "ok.nizza", "--output", "keep.txt/"], "keep.txt"],
    ["--baseline", ["check", "ok.nizza", "--baseline", "nb/", "--update-baseline"], "nb"],
    ["--output", ["graph", "ok.nizza", "--output", "g.dot/"], "g.dot"],
  ])("refuses a %s path that ends with '/' (a folder, not a file), exit 2, writing nothing", (flag, args, name) => {
    const { dir, texts } = setUp();
    writeFileSync(join(dir, "keep.txt"), "mine\n");
    const before = texts();
    const r = nizza(args, dir);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`${flag}: '${name}/' ends with '/', so it names a folder; name a file to write`);
    expect(texts()).toEqual(before);
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("mine\n");
    if (name !== "keep.txt") expect(existsSync(join(dir, name))).toBe(false);
  });

  it("still writes the baseline and a report beside each other, and a report next to the scenarios", () => {
    const { dir } = setUp();
    const r = nizza(["check", "main.nizza", "--baseline", "b.json", "--update-baseline", "--format", "json", "--output", "r.json"], dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "r.json"), "utf8"))).toMatchObject({ exit: 0 });
    expect(nizza(["trace", "ok.nizza", "deadlock_free", "--output", "t.txt"], dir).code).toBe(1);
    expect(nizza(["graph", "main.nizza", "--output", "g.dot"], dir).code).toBe(0);
  });
});
