// A worker of the parallel explorer: expands its share of a breadth-first level into the shared fingerprint table.
import { parentPort, workerData } from "node:worker_threads";
import { compileFile, compileText } from "../dsl/compile.js";
import { LevelExpander } from "./level.js";
import type { LevelTask, WorkerSetup } from "./parallel.js";

const setup = workerData as WorkerSetup;
const c = "text" in setup.source ? compileText(setup.source.name, setup.source.text) : compileFile(setup.source.file);
if (!c.model) throw new Error("a parallel worker could not compile a scenario its explorer compiled");
const expander = new LevelExpander(c.model, setup);

parentPort!.on("message", (task: LevelTask) => {
  if (task.kind === "reopen") {
    expander.reopen(task.table, task.records);
    return;
  }
  const reply = expander.expand(task);
  parentPort!.postMessage(reply, [reply.newStates, reply.newIndices.buffer, ...(reply.edges ? [reply.edges.buffer] : [])]);
});
parentPort!.postMessage({ ready: true });
