// Vitest: the suites under test/, mirroring src/; the build is made first (test/build.setup.ts), for the CLI tests (the built binary) and `test/built.ts`.
import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** This project's build, and nothing else (node_modules is Node's already). */
const DIST = new RegExp(`^${fileURLToPath(new URL("./dist/", import.meta.url)).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

/**
 * The files that explore the largest shipped scenarios, longest first (seconds each took when
 * CI ran one file at a time). They start before the rest: the longest file sets the wall time,
 * and one started last would run alone on one core while the other idles.
 */
const LONGEST = [
  "test/checker/shipped-gui.test.ts", // 196 s
  "test/checker/shipped.test.ts", // 51 s
  "test/checker/symmetry.test.ts", // 41 s
  "test/checker/shipped-large.test.ts", // 33 s
  "test/checker/shipped-viaduct.test.ts", // 26 s
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = LONGEST.indexOf(relative(f.project.config.root, f.moduleId).replace(/\\/g, "/"));
      return i < 0 ? LONGEST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    // A timeout catches a test that hangs; it does not time one (speed is measured in bench/).
    // Under a loaded machine the heaviest property tests took 12-15 s alone and over 30 s at a
    // load average of 9, so the default leaves room for that.
    testTimeout: 120_000,
    globalSetup: ["test/build.setup.ts"],
    // Every core: vitest's default leaves one to its main process, which waits (on CI's two
    // cores, one test file at a time).
    maxWorkers: availableParallelism(),
    sequence: { sequencer: LongestFirst },
    // dist/ is loaded by Node, not through Vite's module runner, whose export getters halve the
    // speed of a long exploration (test/built.ts).
    server: { deps: { external: [DIST] } },
  },
});
