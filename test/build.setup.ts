// Vitest's global setup: build dist/ (grammar and tsc) before any test, so that the CLI tests and `built` run the sources as they are.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  try {
    execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "-s", "build"], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    throw new Error(`the build failed, so no test runs (npm run build):\n${out.stdout ?? ""}${out.stderr ?? ""}`);
  }
}
