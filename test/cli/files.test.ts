// Folder search (src/cli/files.ts) through the built binary: symbolic links to files and folders, cycles, dangling links, unreadable folders.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nizza, noStack, restricted, scratch } from "./cli.js";

const OK = `system fine {
  component sigma0 : trusted root { memory page 4K [owned] }
  invariant deadlock_free
}
`;
/** Holds one invariant that fails: `nizza check` exits 1. */
const FAILING = `system failing {
  component sigma0 : trusted root { memory page 4K [owned]; thread main { delegate page -> alice : rw } }
  component alice : untrusted { }
  invariant never holds(alice, sigma0.page)
}
`;


describe("folder search and symbolic links", () => {
  it("checks a scenario reached through a symbolic link to a file, and fails when it fails", () => {
    const dir = scratch({});
    mkdirSync(join(dir, "suite"));
    mkdirSync(join(dir, "shared"));
    writeFileSync(join(dir, "suite", "ok.nizza"), OK);
    writeFileSync(join(dir, "shared", "failing.nizza"), FAILING);
    symlinkSync("../shared/failing.nizza", join(dir, "suite", "failing.nizza"));
    const r = nizza(["check", "--quiet", "suite"], dir);
    expect(r.err).toBe("");
    expect(r.out).toContain("suite/failing.nizza: system failing");
    expect(r.out).toContain("suite/ok.nizza: system fine");
    expect(r.code).toBe(1);
  });
  it("finds files in a folder that holds only symbolic links", () => {
    const dir = scratch({ "real.nizza": OK });
    mkdirSync(join(dir, "links"));
    symlinkSync("../real.nizza", join(dir, "links", "a.nizza"));
    const r = nizza(["parse", "links"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("system fine (links/a.nizza)");
  });
  it("follows a symbolic link to a folder, and searches a folder reached twice (a cycle) once", () => {
    const dir = scratch({});
    mkdirSync(join(dir, "top"));
    mkdirSync(join(dir, "shared"));
    writeFileSync(join(dir, "shared", "s.nizza"), OK);
    symlinkSync("../shared", join(dir, "top", "lib"));
    symlinkSync("..", join(dir, "top", "up")); // top/up/top is top again
    const r = nizza(["parse", "top"], dir);
    expect(r.code).toBe(0);
    const systems = r.out.split("\n").filter((l) => l.startsWith("system "));
    expect(systems).toEqual(["system fine (top/lib/s.nizza)"]);
  });
  it("takes a file reached twice (a link beside the scenario it names, two links to one file) once, by its own name", () => {
    const dir = scratch({ "b.nizza": OK });
    symlinkSync("b.nizza", join(dir, "a.nizza"));
    symlinkSync("b.nizza", join(dir, "c.nizza"));
    mkdirSync(join(dir, "links"));
    symlinkSync("../shared.nizza", join(dir, "links", "x.nizza"));
    symlinkSync("../shared.nizza", join(dir, "links", "y.nizza"));
    writeFileSync(join(dir, "shared.nizza"), FAILING);
    const r = nizza(["parse", "."], dir);
    expect(r.code, r.err).toBe(0);
    const systems = r.out.split("\n").filter((l) => l.startsWith("system "));
    // links/x.nizza and shared.nizza are one file: the file's own name wins over the link's.
    expect(systems).toEqual(["system fine (b.nizza)", "system failing (shared.nizza)"]);
    const only = nizza(["parse", "links"], dir);
    expect(only.out.split("\n").filter((l) => l.startsWith("system "))).toEqual(["system failing (links/x.nizza)"]);
  });

  it("resolves the imports of a linked file relative to the file the link points to", () => {
    const dir = scratch({});
    mkdirSync(join(dir, "suite"));
    mkdirSync(join(dir, "shared"));
    writeFileSync(join(dir, "shared", "base.nizza"), OK);
    writeFileSync(join(dir, "shared", "main.nizza"), `system main {\n  import "base.nizza"\n}\n`);
    symlinkSync("../shared/main.nizza", join(dir, "suite", "main.nizza"));
    const r = nizza(["parse", "suite"], dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("system main (suite/main.nizza)");
  });
  it("reports a dangling symbolic link instead of skipping it, exit 2", () => {
    const dir = scratch({ "ok.nizza": OK });
    symlinkSync("gone.nizza", join(dir, "lost.nizza"));
    const r = nizza(["check", "--quiet", "."], dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe("nizza: dangling symbolic link: lost.nizza -> gone.nizza (no such file or folder)\n");
    noStack(r.err);
  });

  it("reports a .nizza in a folder that is no regular file (a pipe, a link to a device) instead of skipping it, exit 2", () => {
    const dir = scratch({ "ok.nizza": OK });
    mkdirSync(join(dir, "in"));
    execFileSync("mkfifo", [join(dir, "in", "p.nizza")]);
    symlinkSync("/dev/null", join(dir, "in", "null.nizza"));
    const r = nizza(["check", "--quiet", "."], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot read file 'in/null.nizza': it is not a regular file");
    expect(r.err).toContain("cannot read file 'in/p.nizza': it is not a regular file");
    expect(r.out).toContain("ok.nizza: system");
    noStack(r.err);
  });
});

describe.skipIf(restricted === null)("folders that cannot be read", () => {
  const run = restricted!;
  for (const cmd of [["check", "--quiet"], ["parse"], ["fmt"]]) {
    it(`'nizza ${cmd[0]}' reports an unreadable subfolder as a usage error, exit 2, no stack`, () => {
      const dir = scratch({});
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, "ud2", "locked"), { recursive: true });
      writeFileSync(join(dir, "ud2", "a.nizza"), OK);
      chmodSync(join(dir, "ud2", "locked"), 0o000);
      try {
        const r = run.nizza([...cmd, "ud2"], dir);
        expect(r.err).toBe("nizza: cannot read folder ud2/locked: permission denied\n");
        expect(r.code).toBe(2);
      } finally {
        chmodSync(join(dir, "ud2", "locked"), 0o755);
      }
    });
  }
});
