// Benchmark: parse and resolve a generated scenario of 2,000 components and 10,000+ lines; parse long chains and lists.
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

// Long chains and lists, parse only: linear work shows as time doubling with the length.
const CHAIN_RUNS = 5;
const thread = (body: string): string =>
  `system d { component s : trusted root { semaphore m memory k 4K thread t { read k -> x ${body} } } }\n`;
const CHAINS: Record<string, (n: number) => string> = {
  "else-if chain (then E0107)": (n) => thread("if x == ok { up m }" + " else if x == 0 { up m }".repeat(n)),
  "or chain": (n) => thread("assert x == ok" + " or x == 0".repeat(n)),
  "statements": (n) => thread("up m ".repeat(n)),
  "choose branches": (n) => thread("choose { up m }" + " or { down m }".repeat(n)),
  "components": (n) => `system d { ${"component c : untrusted { portal p } ".repeat(n)}}\n`,
};
console.log(`long chains and lists, parse only (median of ${CHAIN_RUNS} runs):`);
for (const [what, make] of Object.entries(CHAINS)) {
  const row: string[] = [];
  parse(new SourceFile("warm-up.nizza", make(1000)), new SourceMap());
  for (const n of [1000, 2000, 4000]) {
    const chain = make(n);
    const ms: number[] = [];
    for (let i = 0; i < CHAIN_RUNS; i++) {
      const t = performance.now();
      parse(new SourceFile("chain.nizza", chain), new SourceMap());
      ms.push(performance.now() - t);
    }
    row.push(`${n.toLocaleString("en-US")}: ${median(ms).toFixed(0)} ms`);
  }
  console.log(`  ${what.padEnd(27)} ${row.join("   ")}`);
}
