// Test helper for the reporters: scenarios checked and gathered into a Report as `nizza check` does.
import { readFileSync } from "node:fs";
import { check, type CheckOptions } from "../../src/checker/check.js";
import { exitOf, worstExit } from "../../src/cli/commands/check.js";
import { EXIT } from "../../src/cli/output.js";
import { compileFile, compileText, type Compiled } from "../../src/dsl/compile.js";
import { scenarioErrors, type Report, type ScenarioOutcome } from "../../src/report/model.js";

/** A scenario (its text, or already compiled) checked, or its errors, with its exit code. */
export function outcome(file: string, source: string | Compiled, options: CheckOptions = {}): ScenarioOutcome {
  const c = typeof source === "string" ? compileText(file, source) : source;
  if (!c.model) return { file, result: null, errors: scenarioErrors(c.diagnostics, c.sources), exit: EXIT.error };
  const result = check(c.model, options);
  return { file, result, errors: [], exit: exitOf(result) };
}

/** The run of these scenarios: its exit code is the worst of theirs. */
export function report(scenarios: readonly ScenarioOutcome[]): Report {
  return { tool: { name: "nizza", version: "0.1.0" }, scenarios, exit: worstExit(scenarios.map((s) => s.exit)) };
}

// The mixed run the junit and markdown tests read: replicated clients with a failed assert, a
// leak (a counterexample) and the same leak expected; a pass; a lasso; an incomplete run; paths
// (one over its budget, one unbounded); a scenario error.
const LEAK = `system rep {
  component sigma0 : trusted root { }
  component server : trusted {
    memory secret 4K [secret]
    portal rpc
    thread serve { repeat 2 { recv rpc -> x; read secret -> s; reply s } }
  }
  component client[2] : untrusted {
    caps { server.rpc: call }
    adversary steps 0
    thread main { call server.rpc(1) -> r; assert r == 1 }
  }
  invariant leak: never flows([secret] -> client)
  invariant tcb(server) <= { sigma0, server }
  invariant never flows([secret] -> client) expect violated
}`;
const PASS = `system fine { component sigma0 : trusted root { semaphore s; thread t { up s; down s } } invariant deadlock_free }`;
// A violation expected that never happens.
const UNMET = `system unmet { component sigma0 : trusted root { semaphore s; thread t { up s; down s } } invariant calm: deadlock_free expect violated }`;
// A server that loops for ever without coming back to its portal: a lasso.
const LASSO = `system lasso {
  component sigma0 : trusted root { portal p; thread server { recv p -> x; loop { } }; thread client { call p(1) -> y } }
  invariant available(sigma0.p)
}`;
const BROKEN = `system bad_escape {\n  kernel nova { costs "no\\va" }\n  component sigma0 : trusted root { }\n}`;

/** That mixed run; with `unmet`, also an `expect violated` that is never violated. */
export function mixedRun(o: { readonly unmet?: boolean } = {}): Report {
  const ipc = readFileSync("scenarios/ipc_timing.nizza", "utf8").replace("within 4000 cycles", "within 1000 cycles");
  return report([
    outcome("ok.nizza", compileText("ok.nizza", PASS)),
    outcome("rep.nizza", compileText("rep.nizza", LEAK)),
    ...(o.unmet ? [outcome("unmet.nizza", compileText("unmet.nizza", UNMET))] : []),
    outcome("lasso.nizza", compileText("lasso.nizza", LASSO)),
    outcome("scenarios/replicated_clients.nizza", compileFile("scenarios/replicated_clients.nizza"), { maxStates: 300 }),
    outcome("ipc_tight.nizza", compileText("ipc_tight.nizza", ipc)),
    outcome("scenarios/starvation.nizza", compileFile("scenarios/starvation.nizza")),
    outcome("broken.nizza", compileText("broken.nizza", BROKEN)),
  ]);
}

/** Scenarios written to files, as `nizza check` reads them: the report compiles them again to draw their architecture. */
export const PAGE_SCENARIOS = {
  pass: `system fine {
  component sigma0 : trusted root { portal p; thread server { recv p -> x; reply x } }
  component app : untrusted { caps { sigma0.p: call } adversary steps 0 thread main { call sigma0.p(1) -> r } }
  invariant deadlock_free
}`,
  leak: `system leaky {
  component sigma0 : trusted root { }
  component server : trusted {
    memory secret 4K [secret]
    portal rpc
    thread serve { recv rpc -> x; read secret -> s; reply s }
  }
  component client : untrusted {
    caps { server.rpc: call }
    adversary steps 0
    thread main { call server.rpc(1) -> r }
  }
  invariant leak: never flows([secret] -> client)
  invariant tcb(server) <= { sigma0, server }
}`,
  broken: `system broken {\n  component sigma0 : trusted root { }\n  component a : untrusted { caps { nobody.p: call } }\n}`,
};
