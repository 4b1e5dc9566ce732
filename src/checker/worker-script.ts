// A worker thread's script: the compiled file beside the module that starts it, or its build when the TypeScript sources run (vitest).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * `script` ("./worker.js") relative to `from`, the starting module's `import.meta.url`. A worker
 * always runs JavaScript: when `from` is a source under src/ (tests run the sources), the script
 * is the same file under dist/src/. `what` names the worker when it is not built.
 */
export function workerScript(from: string, script: string, what: string): URL {
  const here = new URL(script, from);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(here.href.replace(/\/src\/(?!.*\/src\/)/, "/dist/src/"));
  if (!existsSync(fileURLToPath(built))) throw new Error(`${what} is not built: run \`npm run build\``);
  return built;
}
