// Live variables of a compiled thread: which variable slots a later statement may still read, at every pc.
import type { ExprModel, SystemModel } from "../dsl/model.js";
import type { Linked, Program } from "./program.js";

/** Calls `visit` on `e` and every expression inside it. */
function each(e: ExprModel, visit: (x: ExprModel) => void): void {
  visit(e);
  switch (e.kind) {
    case "seal":
    case "open":
      each(e.data, visit);
      return;
    case "not":
      each(e.arg, visit);
      return;
    case "and":
    case "or":
    case "eq":
    case "ne":
      each(e.left, visit);
      each(e.right, visit);
      return;
    default:
      return;
  }
}

/** The variable slots an expression reads. */
const uses = (e: ExprModel, out: number[]): void => each(e, (x) => void (x.kind === "var" && out.push(x.slot)));

/** The components an expression asks `knows` of: their variables are observed. */
const knowsOf = (e: ExprModel, out: Set<number>): void => each(e, (x) => x.kind === "knows" && x.comps.forEach((c) => out.add(c)));

/** Every expression of an instruction. */
function exprs(i: Linked): ExprModel[] {
  switch (i.op) {
    case "call":
      return [...i.args];
    case "reply":
    case "write":
    case "raise":
      return [i.value];
    case "assert":
    case "branch":
      return [i.cond];
    default:
      return [];
  }
}

/** What an instruction reads and writes among the thread's slots, and where it may go next. */
function effect(i: Linked): { readonly use: number[]; readonly def: number[]; readonly next: number[] } {
  const use: number[] = [];
  const def: number[] = [];
  let next = [i.next];
  switch (i.op) {
    // A call, recv or raise binds only when it succeeds: refused (a recv while holding a reply
    // capability) or timed out, the thread goes on with the old value. So its binding is no
    // definition here, and the old value stays live.
    case "call":
      i.args.forEach((a) => uses(a, use));
      break;
    case "raise":
      uses(i.value, use);
      break;
    // A read binds whenever the thread gets past it (a fault retries it, or kills the thread).
    case "read":
      def.push(i.bind);
      break;
    case "reply":
    case "write":
      uses(i.value, use);
      break;
    case "assert":
      uses(i.cond, use);
      break;
    case "branch":
      uses(i.cond, use);
      next = [i.next, i.otherwise];
      break;
    case "choose":
      next = [...i.targets];
      break;
    case "count":
      def.push(i.slot);
      break;
    case "repeat":
      // It reads the counter and writes it back: the counter stays live through the body.
      use.push(i.slot);
      next = [i.next, i.exit];
      break;
    default:
      break;
  }
  return { use, def, next };
}

/**
 * `live[pc][slot]` is 1 when some path from `pc` reads `slot` before writing it: the
 * classic backward may-analysis, iterated to its fixed point. At the end of the body
 * (`pc = code.length`) nothing is live. Only a `read` and a `repeat` start write a slot
 * for certain; a `call`, `recv` or `raise` may fail and leave its binding as it was.
 */
export function liveSlots(p: Program): Uint8Array[] {
  const n = p.code.length;
  const effects = p.code.map(effect);
  const live = Array.from({ length: n + 1 }, () => new Uint8Array(p.slots));
  for (let changed = true; changed; ) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      const { use, def, next } = effects[pc]!;
      const row = live[pc]!;
      const out = new Uint8Array(p.slots);
      for (const t of next) live[t]!.forEach((x, v) => x && (out[v] = 1));
      for (const v of def) out[v] = 0;
      for (const v of use) out[v] = 1;
      for (let v = 0; v < p.slots; v++)
        if (out[v] !== row[v]) {
          row[v] = out[v]!;
          changed = true;
        }
    }
  }
  return live;
}

/**
 * Per thread, its live slots (`liveSlots`) when the dead-variable reduction may clear its dead
 * variables (spec/invariants.md §10.3), or null when its variables are observed beyond its
 * own statements: a thread of an untrusted component (its variables are what the adversary
 * knows), or of a component whose knowledge an invariant or a `knows` in any statement asks
 * about (a `never flows` sink, `knows(c, …)`).
 */
export function deadVariableTables(model: SystemModel, programs: readonly Program[]): (Uint8Array[] | null)[] {
  const observed = new Set<number>();
  for (const inv of model.invariants) {
    if (inv.prop.kind === "never_flows") inv.prop.components.forEach((c) => observed.add(c));
    if (inv.prop.kind === "always" || inv.prop.kind === "never") knowsOf(inv.prop.cond, observed);
  }
  for (const p of programs) for (const i of p.code) for (const e of exprs(i)) knowsOf(e, observed);
  return programs.map((p) => {
    const owner = model.threads[p.thread]!.owner;
    return model.components[owner]!.trusted && !observed.has(owner) ? liveSlots(p) : null;
  });
}
