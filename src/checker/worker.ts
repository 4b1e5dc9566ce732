// A worker of the parallel explorer: expands its share of a breadth-first level into the shared fingerprint table, for one exploration after another.
import { parentPort } from "node:worker_threads";
import { compileFile, compileText } from "../dsl/compile.js";
import { LevelExpander } from "./level.js";
import type { LevelTask } from "./parallel.js";

/** The exploration under way: its scenario, compiled here (the model does not cross threads), and table. */
let expander: LevelExpander | null = null;

parentPort!.on("message", (task: LevelTask) => {
  switch (task.kind) {
    case "setup": {
      const { setup } = task;
      const c = "text" in setup.source ? compileText(setup.source.name, setup.source.text) : compileFile(setup.source.file);
      if (!c.model) throw new Error("a parallel worker could not compile a scenario its explorer compiled");
      expander = new LevelExpander({ ...c.model, invariants: setup.invariants, paths: setup.paths }, setup);
      parentPort!.postMessage({ ready: true });
      return;
    }
    case "release":
      expander = null;
      return;
    case "reopen":
      expander!.reopen(task.table, task.records);
      return;
    case "level": {
      const reply = expander!.expand(task);
      parentPort!.postMessage(reply, [reply.newStates, reply.newIndices.buffer, ...(reply.edges ? [reply.edges.buffer] : [])]);
      return;
    }
  }
});
