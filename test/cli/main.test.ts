// The built `nizza` binary run as a user runs it: stdout, stderr and exit codes.
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nizza, nizzaClosedStdout, noStack, scratch } from "./cli.js";


const BROKEN = `system broken {
  component a : trusted root {
    thread t { call }
  }
}
`;

describe("nizza --help and --version", () => {
  for (const cmd of [[], ["parse"], ["fmt"]]) {
    it(`prints help for '${["nizza", ...cmd].join(" ")}' and exits 0`, () => {
      const r = nizza([...cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: nizza/);
    });
    it(`prints the version for '${["nizza", ...cmd].join(" ")}' and exits 0`, () => {
      const r = nizza([...cmd, "--version"]);
      const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(pkg.version);
    });
  }
  it("rejects an unknown command with exit 2", () => {
    const r = nizza(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
  });
  it("rejects an option given twice that takes one value (commander would keep the last silently); check's --format and --output pair up", () => {
    for (const args of [
      ["check", "--max-states", "5", "--max-states", "20", "scenarios/revoke_race.nizza"],
      ["trace", "--output", "x1", "--output=x2", "scenarios/revoke_race.nizza", "revocable"],
      ["graph", "--format", "dot", "--format", "svg", "scenarios/revoke_race.nizza"],
      ["check", "--no-por", "--no-por", "scenarios/revoke_race.nizza"],
    ]) {
      const r = nizza(args);
      expect(r.err, args.join(" ")).toMatch(/^nizza: --[a-z-]+ is given twice: give it once\n$/);
      expect(r.code).toBe(2);
    }
    // A value that looks like an option is the option's value, not a repeat.
    expect(nizza(["check", "--max-states", "--max-states", "scenarios/revoke_race.nizza"]).err).toContain("--max-states must be a positive whole number, not '--max-states'");
  });
  it("rejects help for an unknown command with exit 2, naming the commands (not the general usage alone)", () => {
    const r = nizza(["help", "frobnicate"]);
    expect(r.err).toBe("nizza: unknown command 'frobnicate'; the commands are parse, fmt, check, tcb, paths, trace, graph, run\n");
    expect(r.code).toBe(2);
    expect(nizza(["help", "check"]).out).toMatch(/^Usage: nizza check/);
  });
  it("rejects an unknown option with exit 2", () => {
    const r = nizza(["parse", "--frob", "scenarios"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--frob'");
  });
  it("asks for paths when none are given", () => {
    const r = nizza(["parse"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("missing required argument 'paths'");
  });
});

describe("nizza parse", () => {
  it("parses every shipped scenario (the main job) and exits 0", () => {
    const r = nizza(["parse", "scenarios"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("system usina (scenarios/usina.nizza)");
    expect(r.out).toContain("viaduct -> linux_black.tx: call");
    expect(r.out).toContain("revocable(owner.page) expect violated");
  });
  it("prints the resolved model as JSON", () => {
    const r = nizza(["parse", "--json", "scenarios/revoke_race_buggy.nizza"]);
    expect(r.code).toBe(0);
    const [res] = JSON.parse(r.out) as [{ ok: boolean; model: { kernel: { faults: string[] }; invariants: { expect: string }[] } }];
    expect(res.ok).toBe(true);
    expect(res.model.kernel.faults).toEqual(["revoke_nonrecursive"]);
    expect(res.model.invariants).toHaveLength(1);
    expect(res.model.invariants[0]!.expect).toBe("violated");
  });
  it("reports a syntax error as file:line:col with the source line and a caret, exit 2", () => {
    const dir = scratch({ "broken.nizza": BROKEN });
    const r = nizza(["parse", "broken.nizza"], dir);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain("broken.nizza:3:21: error[E0104]: unexpected '}'; expected a name\n");
    expect(r.err).toContain(" 3 |     thread t { call }\n   |                     ^\n");
    noStack(r.err);
  });
  it("reports every independent error of a file in one run", () => {
    const dir = scratch({
      "three.nizza": `system three {
  kernel nvoa
  component a : trusted root { caps { nobody.p: call } }
  component u : untrusted { memory k 4K; thread t { recv p -> x; write k <- seal(x, k) } portal p }
}
`,
    });
    const r = nizza(["parse", "three.nizza"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("three.nizza:2:10: error[E0401]: unknown kernel personality 'nvoa'");
    expect(r.err).toContain("three.nizza:3:39: error[E0303]: unknown component 'nobody'");
    expect(r.err).toContain("three.nizza:4:77: error[E0410]:");
    expect(r.err).toContain("three.nizza: 3 errors");
  });
  it("gives diagnostics as JSON with --json", () => {
    const dir = scratch({ "broken.nizza": BROKEN });
    const r = nizza(["parse", "--json", "broken.nizza"], dir);
    expect(r.code).toBe(2);
    const [res] = JSON.parse(r.out) as [{ ok: boolean; diagnostics: { code: string; at: { line: number; col: number } }[] }];
    expect(res.ok).toBe(false);
    expect(res.diagnostics[0]).toMatchObject({ code: "E0104", at: { line: 3, col: 21 } });
  });
  it("says plainly when a file does not exist, exit 2", () => {
    const r = nizza(["parse", "no/such/file.nizza"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("nizza: no such file or folder: no/such/file.nizza\n");
  });
  it("checks the other files when one has errors, and still exits 2", () => {
    const dir = scratch({ "broken.nizza": BROKEN });
    copyFileSync("scenarios/revoke_race.nizza", join(dir, "ok.nizza"));
    const r = nizza(["parse", "."], dir);
    expect(r.code).toBe(2);
    expect(r.out).toContain("system revoke_race (ok.nizza)");
    expect(r.err).toContain("broken.nizza:3:21");
  });
});

describe("nizza fmt", () => {
  const messy = `// keep me
system s { component a : trusted root { sloc 1 ; portal p } component b : untrusted { caps { a.p : call } } }
`;
  it("prints the canonical layout and keeps comments", () => {
    const dir = scratch({ "s.nizza": messy });
    const r = nizza(["fmt", "s.nizza"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("// keep me\nsystem s {\n");
    expect(r.out).toContain("component b : untrusted { caps { a.p: call } }");
    expect(readFileSync(join(dir, "s.nizza"), "utf8")).toBe(messy);
  });
  it("--check exits 1 on a file that is not canonical and 0 on one that is", () => {
    const dir = scratch({ "s.nizza": messy });
    const bad = nizza(["fmt", "--check", "s.nizza"], dir);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("s.nizza: not in canonical layout");
    const good = nizza(["fmt", "--check", "scenarios"]);
    expect(good.code).toBe(0);
  });
  it("--write rewrites a file that parses, and the result is canonical", () => {
    const dir = scratch({ "s.nizza": messy });
    const r = nizza(["fmt", "--write", "s.nizza"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("formatted s.nizza");
    expect(nizza(["fmt", "--check", "s.nizza"], dir).code).toBe(0);
    expect(readFileSync(join(dir, "s.nizza"), "utf8")).toContain("// keep me");
  });
  it("--write never touches a file that does not parse", () => {
    const dir = scratch({ "broken.nizza": BROKEN });
    const r = nizza(["fmt", "--write", "broken.nizza"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("broken.nizza:3:21: error[E0104]");
    expect(r.err).toContain("not formatted");
    expect(readFileSync(join(dir, "broken.nizza"), "utf8")).toBe(BROKEN);
    noStack(r.err);
  });
  it("refuses --check together with --write", () => {
    const r = nizza(["fmt", "--check", "--write", "scenarios"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("either --check or --write");
  });
});

describe("deep nesting", () => {
  const deep = (n: number): string => `system d { component s : trusted root { semaphore m thread t { ${"loop { ".repeat(n)}up m ${"} ".repeat(n)}} } }\n`;
  for (const cmd of ["parse", "fmt"]) {
    it(`'nizza ${cmd}' reports 1000 nested loops as E0107 at the brace past the limit, exit 2, no stack`, () => {
      const dir = scratch({ "deep.nizza": deep(1000) });
      const r = nizza([cmd, "deep.nizza"], dir);
      expect(r.code).toBe(2);
      expect(r.err).toContain("deep.nizza:1:769: error[E0107]: nesting too deep: more than 100 levels of blocks, else-ifs, operators and function calls\n");
      noStack(r.err);
    });
  }
  it("runs every command on a scenario nested exactly to the limit", () => {
    const dir = scratch({ "deep.nizza": deep(100) });
    for (const args of [["parse", "--json"], ["fmt"], ["run"], ["check", "--quiet"], ["graph"], ["paths", "--quiet"]]) {
      const r = nizza([...args, "deep.nizza"], dir);
      expect(r.err, args.join(" ")).toBe("");
      expect(r.code, args.join(" ")).toBe(0);
    }
  });
});

describe("a closed or full stdout", () => {
  const cases = [
    ["check", "scenarios/revoke_race_buggy.nizza", "scenarios/starvation.nizza", "--quiet"],
    ["check", "scenarios", "--quiet"],
    ["fmt", "scenarios"],
    ["parse", "--json", "scenarios"],
  ];
  for (const args of cases) {
    it(`'nizza ${args.join(" ")}' stops quietly with exit 141 when the reader closes the pipe`, async () => {
      const r = await nizzaClosedStdout(args);
      expect(r.err).toBe("");
      expect(r.code).toBe(141);
    });
  }
  it.skipIf(!existsSync("/dev/full"))("says in one line that stdout cannot be written (disk full), exit 2", () => {
    const fd = openSync("/dev/full", "w");
    try {
      const r = spawnSync(process.execPath, ["bin/nizza.js", "check", "scenarios/revoke_race.nizza"], { encoding: "utf8", stdio: ["ignore", fd, "pipe"], env: { ...process.env, NO_COLOR: "1" } });
      expect(r.stderr).toBe("nizza: cannot write to standard output: no space left on the device\n");
      expect(r.status).toBe(2);
    } finally {
      closeSync(fd);
    }
  });
});
