#!/usr/bin/env node
// The nizza executable: runs the compiled CLI (npm ci builds it; so does npm run build).
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("nizza: not built yet; run `npm run build` (npm ci does it for you)\n");
  process.exit(2);
}
const { main, guardStandardStreams } = await import(entry.href);
// A closed pipe (`| head -1`) or a full disk on stdout: a plain stop, not a crash.
guardStandardStreams();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // A bug in nizza, never a user error: say so plainly, with the stack for the report.
  process.stderr.write(`nizza: internal error (please report it): ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 70;
}
