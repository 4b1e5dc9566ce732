// Benchmark: parse and resolve a generated scenario of 2,000 components and 10,000+ lines.
import { performance } from "node:perf_hooks";
import { compileText } from "../src/dsl/compile.js";
import { parse } from "../src/dsl/parse.js";
import { SourceFile, SourceMap } from "../src/dsl/source.js";
import { generateScenario } from "./generate.js";
import { median } from "./measure.js";

const COMPONENTS = 2000;
const RUNS = 5;

const text = generateScenario(COMPONENTS);
const lines = text.split("\n").length - 1;


const parseMs: number[] = [];
const compileMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  const p = parse(new SourceFile("generated.nizza", text), new SourceMap());
  parseMs.push(performance.now() - t);
  if (!p.ast || p.parseCount !== 1) throw new Error("the generated scenario did not parse exactly once");
  t = performance.now();
  const c = compileText("generated.nizza", text);
  compileMs.push(performance.now() - t);
  if (!c.model) throw new Error(`the generated scenario has errors: ${c.diagnostics[0]?.message}`);
}
const full = median(compileMs);
console.log(`front end on a generated scenario: ${COMPONENTS} components, ${lines} lines, ${text.length} bytes`);
console.log(`  parse only:                 median ${median(parseMs).toFixed(0)} ms of ${RUNS} runs`);
console.log(`  parse to SystemModel:       median ${full.toFixed(0)} ms of ${RUNS} runs (${Math.round(lines / (full / 1000))} lines/s)`);
console.log(`  target: the whole file in under 2000 ms: ${full < 2000 ? "met" : "MISSED"}`);
console.log(`  node ${process.version}, peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
