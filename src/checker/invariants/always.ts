// always COND / never COND: the condition holds in every reachable state / in none (evaluated as flow.ts evalCond, without variables).
import type { ExprModel, InvariantModel } from "../../dsl/model.js";
import type { System } from "../../components/step.js";
import { evalCond, holds } from "../../components/flow.js";
import { objectName } from "../../cli/describe.js";
import { labelMask } from "../../machine/memory.js";
import { pte } from "../../machine/mmu.js";
import type { StateVector } from "../../kernel/layout.js";
import type { SafetyMonitor } from "../monitor.js";
import { knowsSource } from "./flows.js";

/**
 * The monitor of `always COND` or `never COND` (spec/invariants.md §2): a state check.
 * The reason quotes the condition and explains the predicates that decide its value.
 */
export function alwaysMonitor(sys: System, inv: InvariantModel): SafetyMonitor {
  const p = inv.prop;
  if (p.kind !== "always" && p.kind !== "never") throw new Error(`not an always/never invariant: ${p.kind}`);
  const L = sys.k.L;
  const want = p.kind === "always";
  const text = sys.model.sources.text(p.cond.node);
  return {
    invariant: inv,
    state(s) {
      if (evalCond(s, L, null, p.cond) === want) return null;
      const why = explain(sys, s, p.cond, !want);
      return `${text} ${want ? "is false" : "holds"}${why.length ? `: ${why.join("; ")}` : ""}`;
    },
  };
}

/**
 * Why `e` has the value `value` in `s`: a clause for each predicate that decides it —
 * for `and`/`or` the one operand that settles it, or both when both are needed.
 */
export function explain(sys: System, s: StateVector, e: ExprModel, value: boolean): string[] {
  const L = sys.k.L;
  const model = sys.model;
  const comp = (c: number): string => model.components[c]!.name;
  const is = (x: ExprModel): boolean => evalCond(s, L, null, x);
  switch (e.kind) {
    case "not":
      return explain(sys, s, e.arg, !value);
    case "and":
    case "or": {
      // `and` true / `or` false need both operands; otherwise the first that settles it.
      if ((e.kind === "and") === value) return [...explain(sys, s, e.left, value), ...explain(sys, s, e.right, value)];
      return explain(sys, s, is(e.left) === value ? e.left : e.right, value);
    }
    case "holds": {
      const obj = e.objects.map((o) => objectName(model, o)).join(" or ");
      if (!value) return [`${e.comps.map(comp).join(" and ")} ${e.comps.length > 1 ? "hold" : "holds"} no capability to ${obj}`];
      const c = e.comps.find((x) => e.objects.some((o) => holds(s, L, x, o)))!;
      const o = e.objects.find((x) => holds(s, L, c, x))!;
      return [`${comp(c)} holds a capability to ${objectName(model, o)}`];
    }
    case "maps": {
      const name = (r: number): string => objectName(model, { kind: "region", index: r });
      if (!value) return [`${e.comps.map(comp).join(" and ")} ${e.comps.length > 1 ? "do" : "does"} not map ${e.regions.map(name).join(" or ")}`];
      const c = e.comps.find((x) => e.regions.some((r) => pte(s, L, x, r) !== 0))!;
      return [`${comp(c)} maps ${name(e.regions.find((r) => pte(s, L, c, r) !== 0)!)}`];
    }
    case "knows": {
      const label = model.labels[e.label]!;
      if (!value) return [`${e.comps.map(comp).join(" and ")} ${e.comps.length > 1 ? "do" : "does"} not know ${label}`];
      for (const c of e.comps) {
        const src = knowsSource(sys, s, c, labelMask([e.label]));
        if (src) return [`${comp(c)} knows ${label}: ${src.where}`];
      }
      throw new Error("knows holds but no source carries the label");
    }
    default:
      // A comparison of constants: its text says it all.
      return [`${model.sources.text(e.node)} is ${value}`];
  }
}
