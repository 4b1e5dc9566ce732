// Test helper: a source module's build in dist/, loaded by Node itself, for the tests that explore millions of states.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Vitest runs the TypeScript sources through Vite's module runner, which turns every imported
 * binding into a getter on a module object; V8 does not inline across those calls, and a long
 * exploration runs about twice as slowly as the same code from `dist/` (measured: lib_viaduct's
 * on/off comparison 57–66 s against 29–31 s, lib_secure_gui's 386 s against 160 s).
 * vitest.config.ts therefore leaves `dist/` to Node (`server.deps.external`), and the tests that
 * explore the largest shipped scenarios import the build through `built`. The build is the
 * sources' own: vitest builds before any test runs (test/build.setup.ts).
 */
export async function built<M>(source: string): Promise<M> {
  if (!source.startsWith("src/") || !source.endsWith(".ts")) throw new Error(`built: "${source}" is not a source module (src/**/*.ts)`);
  return (await import(pathToFileURL(join(process.cwd(), "dist", source.replace(/\.ts$/, ".js"))).href)) as M;
}
