// A worker's script: beside the compiled module, or under dist/ when the sources run.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { workerScript } from "../../src/checker/worker-script.js";

const root = process.cwd();
const url = (p: string): string => pathToFileURL(join(root, p)).href;

describe("workerScript", () => {
  it("from the build, the script beside the module", () => {
    expect(workerScript(url("dist/src/checker/parallel.js"), "./worker.js", "w").href).toBe(url("dist/src/checker/worker.js"));
  });
  it("from a source (tests), the same script in the build", () => {
    expect(workerScript(url("src/checker/parallel.ts"), "./worker.js", "w").href).toBe(url("dist/src/checker/worker.js"));
    expect(workerScript(url("src/cli/session.ts"), "./session-worker.js", "w").href).toBe(url("dist/src/cli/session-worker.js"));
  });
  it("a script that is not built: an error naming the worker and the build command", () => {
    expect(() => workerScript(url("src/checker/parallel.ts"), "./no-such-worker.js", "the test's worker")).toThrow("the test's worker is not built: run `npm run build`");
  });
});
