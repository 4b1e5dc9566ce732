// `nizza fmt --write` through the built binary: symbolic links written through, permissions kept, a file that cannot be written reported and the rest formatted.
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nizza, noStack, restricted, scratch } from "./cli.js";

const MESSY = `system s { component a : trusted root { sloc 1 ; portal p } }
`;
const PRETTY = `system s {
  component a : trusted root {
    sloc 1
    portal p
  }
}
`;


describe("nizza fmt --write", () => {
  it("writes through a symbolic link: the target is formatted, the link stays a link", () => {
    const dir = scratch({ "target.nizza": MESSY });
    symlinkSync("target.nizza", join(dir, "link.nizza"));
    const r = nizza(["fmt", "--write", "link.nizza"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe("formatted link.nizza\n");
    expect(lstatSync(join(dir, "link.nizza")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "target.nizza"), "utf8")).toBe(PRETTY);
    expect(readdirSync(dir).sort()).toEqual(["link.nizza", "target.nizza"]);
  });
  it("keeps the file's permissions", () => {
    const dir = scratch({ "perm.nizza": MESSY, "exec.nizza": MESSY });
    chmodSync(join(dir, "perm.nizza"), 0o600);
    chmodSync(join(dir, "exec.nizza"), 0o751);
    const r = nizza(["fmt", "--write", "perm.nizza", "exec.nizza"], dir);
    expect(r.code).toBe(0);
    expect(statSync(join(dir, "perm.nizza")).mode & 0o7777).toBe(0o600);
    expect(statSync(join(dir, "exec.nizza")).mode & 0o7777).toBe(0o751);
    expect(readFileSync(join(dir, "perm.nizza"), "utf8")).toBe(PRETTY);
  });
});

describe.skipIf(restricted === null)("nizza fmt --write where it cannot write", () => {
  const run = restricted!;
  it("reports a writable file in a folder it cannot write to, formats the other files, exits 2", () => {
    const dir = scratch({});
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "ro"));
    mkdirSync(join(dir, "rw"));
    writeFileSync(join(dir, "ro", "a.nizza"), MESSY);
    writeFileSync(join(dir, "rw", "b.nizza"), MESSY);
    for (const p of ["ro/a.nizza", "rw", "rw/b.nizza"]) run.own(join(dir, p));
    chmodSync(join(dir, "ro", "a.nizza"), 0o644);
    chmodSync(join(dir, "ro"), 0o555);
    try {
      const r = run.nizza(["fmt", "--write", "ro/a.nizza", "rw/b.nizza"], dir);
      expect(r.err).toMatch(/^nizza: cannot write ro\/a\.nizza: cannot create a file beside it in \/.*\/ro to replace it with \(permission denied\); left as it was\n$/);
      expect(r.out).toBe("formatted rw/b.nizza\n");
      expect(r.code).toBe(2);
      noStack(r.err);
      expect(readFileSync(join(dir, "ro", "a.nizza"), "utf8")).toBe(MESSY);
      expect(readFileSync(join(dir, "rw", "b.nizza"), "utf8")).toBe(PRETTY);
    } finally {
      chmodSync(join(dir, "ro"), 0o755);
    }
  });
});
