// Vitest: the suites under test/, mirroring src/; CLI tests run the built binary (npm test builds first).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    testTimeout: 30_000,
  },
});
