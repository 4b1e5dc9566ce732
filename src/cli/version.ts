// nizza's version, from package.json: for --version and for the reports that name the tool.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's package.json: the nearest one above this file (dist/src/cli when built, src/cli under vitest). */
function packageJson(): { version: string } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const p = join(dir, "package.json");
    if (existsSync(p)) return JSON.parse(readFileSync(p, "utf8")) as { version: string };
    if (dirname(dir) === dir) throw new Error("nizza: no package.json above the installed files");
  }
}

export const VERSION: string = packageJson().version;
