// Sealing keys: the regions `seal` and `open` name as keys, and the rule that keeps every key within the 8 bits a sealed value has for it.
import { error, type Diagnostic } from "./diagnostics.js";
import { expressionsOf, statementsOf, subexpressions, type ExprModel, type StmtModel, type SystemModel } from "./model.js";

/**
 * How many keys a sealed value can name: its key field is 8 bits (src/components/values.ts,
 * spec/language.md §9.1). A region used as a key must be one of the first KEYS regions, so
 * that no two keys share a field and no permutation of replicas maps one onto another's.
 */
export const KEYS = 256;

type Sealing = Extract<ExprModel, { kind: "seal" | "open" }>;

/** The `seal` and `open` expressions of a thread body, nested ones included. */
export function sealingsOf(body: readonly StmtModel[]): Sealing[] {
  return expressionsOf(statementsOf(body))
    .flatMap(subexpressions)
    .filter((e): e is Sealing => e.kind === "seal" || e.kind === "open");
}

/** The key regions of a thread body's `seal` (or `open`) expressions. */
export function keysOf(body: readonly StmtModel[], kind: "seal" | "open"): Set<number> {
  return new Set(sealingsOf(body).flatMap((e) => (e.kind === kind ? [e.key] : [])));
}

/** E0429 for each `seal` or `open` whose key is not one of the first KEYS regions (once per expression, whatever the replicas). */
export function keyDiagnostics(model: SystemModel): Diagnostic[] {
  const seen = new Set<number>();
  const out: Diagnostic[] = [];
  for (const t of model.threads)
    for (const e of sealingsOf(t.body)) {
      if (e.key < KEYS || seen.has(e.node)) continue;
      seen.add(e.node);
      const r = model.regions[e.key]!;
      const name = `${model.components[r.owner]!.name}.${r.name}`;
      out.push(error("E0429", `'${e.kind}' uses ${name} as a key, but a sealed value has 8 bits for its key: a key must be one of the scenario's first ${KEYS} regions, and ${name} is region ${e.key + 1}`, model.sources.span(e.node), {
        help: `declare the key region earlier, or seal with a region declared earlier (any trusted thread may seal with another component's region)`,
      }));
    }
  return out;
}
