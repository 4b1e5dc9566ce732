// Benchmark: path timing — the timed graph's exploration, and the best/worst analysis of each path under every preset.
import { performance } from "node:perf_hooks";
import { compileFile } from "../src/dsl/compile.js";
import { timedGraph } from "../src/timing/graph.js";
import { timePath } from "../src/timing/paths.js";
import { COST_MODELS, isMonolithic, type CostPreset } from "../src/timing/presets.js";

/** The shipped scenarios with paths. */
const FILES = ["scenarios/ipc_timing.nizza", "scenarios/starvation.nizza", "scenarios/usina.nizza"];

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");

function main(): void {
  console.log("path timing: timed graph (breadth-first, partial-order and dead-variable reduction, every interrupt) and timePath per path and preset");
  console.log(["scenario", "states", "edges", "vectors", "graph s", "states/s", "bytes/edge", "paths x presets", "analysis ms (median)"].join(" | "));
  for (const file of FILES) {
    const c = compileFile(file);
    if (!c.model) throw new Error(`${file} does not compile`);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const g = timedGraph(c.model, c.model.paths);
    const graphS = (performance.now() - t0) / 1000;
    const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const edges = g.exploration.graph!.count;
    const times: number[] = [];
    for (const p of c.model.paths)
      for (const preset of Object.keys(COST_MODELS) as CostPreset[]) {
        const m = COST_MODELS[preset];
        const t = performance.now();
        timePath(g, p.index, { model: m, monolithic: isMonolithic(m) });
        times.push(performance.now() - t);
      }
    times.sort((a, b) => a - b);
    console.log(
      [
        file,
        fmt(g.exploration.states),
        fmt(edges),
        g.counts.vectors.length,
        graphS.toFixed(2),
        fmt(g.exploration.states / graphS),
        // The edge list, the per-edge cost ids and event columns, over the edges (visited set and records included).
        ((heap1 - heap0) / edges).toFixed(1),
        `${c.model.paths.length} x ${Object.keys(COST_MODELS).length}`,
        times[times.length >> 1]!.toFixed(1),
      ].join(" | "),
    );
  }
}

main();
