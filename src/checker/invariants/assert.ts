// Failed asserts: every scenario implicitly requires that no `assert` fails (the global ASSERT word stays 0).
import type { StmtModel, SystemModel } from "../../dsl/model.js";
import type { NodeId } from "../../dsl/source.js";
import type { System } from "../../components/step.js";
import { EC, EcState, GLOBAL, type StateVector } from "../../kernel/layout.js";
import { ecGet, ecState } from "../../kernel/ec.js";
import { ecName } from "../../components/names.js";

/** The implicit safety check of every scenario: a state check, like a SafetyMonitor without an invariant. */
export interface AssertMonitor {
  state(s: StateVector): string | null;
}

/** The `assert` statement recorded as failed in `s` (the first to fail on the path), or null. */
export function failedAssert(sys: System, s: StateVector): NodeId | null {
  const v = s[sys.k.L.base.global + GLOBAL.ASSERT]!;
  return v === 0 ? null : v - 1;
}

/**
 * spec/invariants.md §1: an `assert` fails in a state whose ASSERT word (spec/language.md
 * §9.2) is set. The reason names the thread, the assert's text and its line:
 * "vault.serve: assert not knows(client, audit) fails (vault.nizza:12)".
 */
export function assertMonitor(sys: System): AssertMonitor {
  const model = sys.model;
  const owners = assertOwners(model);
  return {
    state(s) {
      const node = failedAssert(sys, s);
      if (node === null) return null;
      const where = model.sources.where(node).replace(/:\d+$/, "");
      // Replicas share their statements' nodes: the thread that failed is the one stopped at it.
      const failed = sys.programs.findIndex((p, ec) => ecState(s, sys.k.L, ec) === EcState.DONE && p.code[ecGet(s, sys.k.L, ec, EC.PC)]?.node === node);
      const who = failed >= 0 ? ecName(model, sys.k.L, failed) : owners.get(node);
      return `${who === undefined ? "" : `${who}: `}${model.sources.text(node)} fails (${where})`;
    },
  };
}

/** `component.thread` of every assert statement, by node. */
function assertOwners(model: SystemModel): Map<NodeId, string> {
  const out = new Map<NodeId, string>();
  const walk = (body: readonly StmtModel[], who: string): void => {
    for (const st of body) {
      if (st.kind === "assert") out.set(st.node, who);
      if (st.kind === "loop" || st.kind === "repeat") walk(st.body, who);
      if (st.kind === "choose") st.branches.forEach((b) => walk(b, who));
      if (st.kind === "if") {
        walk(st.then, who);
        walk(st.else, who);
      }
    }
  };
  for (const t of model.threads) walk(t.body, `${model.components[t.owner]!.name}.${t.name}`);
  return out;
}
