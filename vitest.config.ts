// Vitest: the suites under test/, mirroring src/; the build is made first (test/build.setup.ts), for the CLI tests (the built binary) and `test/built.ts`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    testTimeout: 30_000,
    globalSetup: ["test/build.setup.ts"],
    // dist/ is loaded by Node, not through Vite's module runner, whose export getters halve the
    // speed of a long exploration (test/built.ts).
    server: { deps: { external: [/\/dist\//] } },
  },
});
