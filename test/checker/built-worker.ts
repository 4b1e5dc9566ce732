// Worker threads for tests that race threads on shared memory: the script from dist/, checked to be built from the sources, and one run of it.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * The URL of `script` (a test's worker, `test/…/x.ts`) in dist/, after checking that dist/ is
 * not older than it or any of `sources`: a worker thread runs the built JavaScript, not the
 * TypeScript vitest compiles.
 */
export function builtScript(script: string, sources: readonly string[]): URL {
  const root = process.cwd();
  const js = (s: string): string => join(root, "dist", s.replace(/\.ts$/, ".js"));
  const stale = [...sources, script].filter((s) => !existsSync(js(s)) || statSync(js(s)).mtimeMs < statSync(join(root, s)).mtimeMs);
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale.join(", ")}: run \`npm run -s build\` first (npm test does)`);
  return pathToFileURL(js(script));
}

/** Runs `script` with `workerData` on a worker thread until its first message, which it settles with. */
export function runWorker<T>(script: URL, workerData: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData });
    w.once("message", (m: T) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
    w.once("exit", (code) => (code !== 0 ? reject(new Error(`worker exited with ${code}`)) : undefined));
  });
}
