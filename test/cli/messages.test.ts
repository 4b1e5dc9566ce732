// Messages through the built binary: a byte-order mark, a folder where one file is wanted, why a file cannot be read (E0201 everywhere, fmt too), imports of a folder or of "".
import { chmodSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nizza, restricted, scratch } from "./cli.js";

const BOM = "\uFEFF";
const MESSY = `system s { component a : trusted root { sloc 1 ; portal p } }\n`;
const PRETTY = `system s {\n  component a : trusted root {\n    sloc 1\n    portal p\n  }\n}\n`;

describe("a UTF-8 byte-order mark", () => {
  it("is accepted at the start of a file, and positions count from after it", () => {
    const dir = scratch({ "bom.nizza": BOM + PRETTY, "bad.nizza": `${BOM}system s { component a : trusted root { sloc 1 ; portal q q } }\n` });
    const ok = nizza(["parse", "bom.nizza"], dir);
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    const bad = nizza(["parse", "bad.nizza"], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("bad.nizza:1:59: error[E0104]: unexpected name 'q'");
    expect(bad.err).toContain(" 1 | system s { component a : trusted root { sloc 1 ; portal q q } }\n");
  });
  it("fmt keeps it: --check passes a canonical file that has one, --write puts it back, stdout gets the text without it", () => {
    const dir = scratch({ "canon.nizza": BOM + PRETTY, "messy.nizza": BOM + MESSY });
    expect(nizza(["fmt", "--check", "canon.nizza"], dir).code).toBe(0);
    expect(nizza(["fmt", "messy.nizza"], dir).out).toBe(PRETTY);
    const w = nizza(["fmt", "--write", "messy.nizza"], dir);
    expect(w.code).toBe(0);
    expect(readFileSync(join(dir, "messy.nizza"), "utf8")).toBe(BOM + PRETTY);
  });
});

describe("a folder where one file is wanted", () => {
  const message = "nizza: error[E0201]: cannot read file 'scenarios': it is a folder, and this command takes one .nizza file\n";
  for (const args of [["paths", "scenarios", "--quiet"], ["trace", "scenarios", "#1", "--quiet"], ["graph", "scenarios"], ["run", "scenarios"]]) {
    it(`'nizza ${args.join(" ")}' says it is a folder, exit 2`, () => {
      const r = nizza(args);
      expect(r.err).toContain(message);
      expect(r.err).toContain("= help: name one .nizza file in it (nizza parse, fmt and check also search folders)");
      expect(r.code).toBe(2);
    });
  }
  it("so does an import of a folder; an import of \"\" says the path is empty", () => {
    const dir = scratch({
      "folder.nizza": `system i {\n  import "lib"\n  component a : trusted root { }\n}\n`,
      "dot.nizza": `system i {\n  import "."\n  component a : trusted root { }\n}\n`,
      "empty.nizza": `system i {\n  import ""\n  component a : trusted root { }\n}\n`,
    });
    mkdirSync(join(dir, "lib"));
    const r = nizza(["parse", "folder.nizza", "dot.nizza", "empty.nizza"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("folder.nizza:2:10: error[E0201]: cannot import 'lib': it is a folder, and an import names one .nizza file\n");
    expect(r.err).toContain("dot.nizza:2:10: error[E0201]: cannot import '.': it is a folder, and an import names one .nizza file\n");
    expect(r.err).toContain("empty.nizza:2:10: error[E0201]: an import needs a file name: the path is empty\n");
  });
});

describe("why a file cannot be read", () => {
  it("E0201 says that a file does not exist", () => {
    const dir = scratch({ "i.nizza": `system i {\n  import "gone.nizza"\n  component a : trusted root { }\n}\n` });
    expect(nizza(["run", "nosuch.nizza"], dir).err).toContain("nizza: error[E0201]: cannot read file 'nosuch.nizza': no such file or folder\n");
    expect(nizza(["parse", "i.nizza"], dir).err).toContain("i.nizza:2:10: error[E0201]: cannot read imported file 'gone.nizza': no such file or folder\n");
  });
  it.skipIf(restricted === null)("E0201 says permission denied, for fmt as for the other commands, exit 2", () => {
    const dir = scratch({ "locked.nizza": PRETTY });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "locked.nizza"), 0o000);
    for (const cmd of ["fmt", "run", "parse"]) {
      const r = restricted!.nizza([cmd, "locked.nizza"], dir);
      expect(r.err, cmd).toContain("nizza: error[E0201]: cannot read file 'locked.nizza': permission denied\n");
      expect(r.code, cmd).toBe(2);
    }
  });
});
