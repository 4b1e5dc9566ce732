// Whether this run has the explorer's WebAssembly: the tests of its WebAssembly paths, which compare them with the JavaScript ones, skip when it has not.
import { newMemory } from "../../src/checker/wasm.js";

/**
 * False when the environment sets `NIZZA_WASM=off` (src/checker/wasm.ts) or the runtime has no
 * WebAssembly: the explorer then runs its JavaScript paths only, which every other test exercises,
 * and a test comparing the WebAssembly with them has nothing to compare.
 */
export const wasmRuns = newMemory(1) !== null;
