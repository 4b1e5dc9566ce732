// The behaviour compiler: a thread body becomes a small instruction list with resolved jumps.
import type { ExprModel, ItemModel, ObjectRef, RegionRef, SemRef, StmtModel, SystemModel, ThreadModel } from "../dsl/model.js";
import type { NodeId } from "../dsl/source.js";

/**
 * One instruction is one atomic step of its thread (DESIGN.md §5). Control flow is
 * explicit: `branch` and `choose` pick the next pc, `count` runs a repeat counter,
 * and `jump`s are resolved at compile time (no step of their own).
 */
export type Instr =
  | { readonly op: "call"; readonly node: NodeId; readonly portal: number; readonly args: readonly ExprModel[]; readonly item: ItemModel | null; readonly bind: number | null; readonly timeout: boolean }
  | { readonly op: "recv"; readonly node: NodeId; readonly portal: number; readonly bind: number | null }
  | { readonly op: "reply"; readonly node: NodeId; readonly value: ExprModel; readonly item: ItemModel | null }
  | { readonly op: "up" | "down"; readonly node: NodeId; readonly sem: SemRef }
  | { readonly op: "read"; readonly node: NodeId; readonly region: RegionRef; readonly bind: number }
  | { readonly op: "write"; readonly node: NodeId; readonly region: RegionRef; readonly value: ExprModel }
  | { readonly op: "delegate"; readonly node: NodeId; readonly object: ObjectRef; readonly to: number; readonly rights: readonly string[] }
  | { readonly op: "revoke"; readonly node: NodeId; readonly object: ObjectRef }
  | { readonly op: "map"; readonly node: NodeId; readonly region: RegionRef; readonly to: number; readonly rights: readonly string[] | null }
  | { readonly op: "unmap"; readonly node: NodeId; readonly region: RegionRef }
  | { readonly op: "assert"; readonly node: NodeId; readonly cond: ExprModel }
  /** An exception carrying `value` to the component's exception handler; blocks until it replies. */
  | { readonly op: "raise"; readonly node: NodeId; readonly value: ExprModel; readonly bind: number | null }
  /** if: to `next` when `cond` holds, else to `otherwise`. */
  | { readonly op: "branch"; readonly node: NodeId; readonly cond: ExprModel; otherwise: number }
  /** choose: one successor per target. */
  | { readonly op: "choose"; readonly node: NodeId; readonly targets: number[] }
  /** repeat: set counter slot to `count`. */
  | { readonly op: "count"; readonly node: NodeId; readonly slot: number; readonly count: number }
  /** repeat's test: when the counter is 0 go to `exit`, else decrement it and go on. */
  | { readonly op: "repeat"; readonly node: NodeId; readonly slot: number; exit: number }
  /** An empty `loop { }`: a step that changes nothing, for ever. */
  | { readonly op: "spin"; readonly node: NodeId }
  /** Compile-time only: resolved away by `link`. */
  | { readonly op: "jump"; target: number };

export interface Program {
  readonly thread: number;
  readonly code: readonly Linked[];
  /** Variable slots: the thread's variables, then one counter per repeat. */
  readonly slots: number;
}

export function compileThread(t: ThreadModel): Program {
  const code: Instr[] = [];
  let counters = t.vars.length;
  const emit = (i: Instr): number => code.push(i) - 1;
  const block = (body: readonly StmtModel[]): void => body.forEach(stmt);
  function stmt(s: StmtModel): void {
    switch (s.kind) {
      case "call":
        emit({ op: "call", node: s.node, portal: s.portal, args: s.args, item: s.item, bind: s.bind, timeout: s.timeout !== null });
        return;
      case "recv":
        emit({ op: "recv", node: s.node, portal: s.portal, bind: s.bind });
        return;
      case "reply":
        emit({ op: "reply", node: s.node, value: s.value, item: s.item });
        return;
      case "up":
      case "down":
        emit({ op: s.kind, node: s.node, sem: s.sem });
        return;
      case "read":
        emit({ op: "read", node: s.node, region: s.region, bind: s.bind });
        return;
      case "write":
        emit({ op: "write", node: s.node, region: s.region, value: s.value });
        return;
      case "delegate":
        emit({ op: "delegate", node: s.node, object: s.object, to: s.to, rights: s.rights });
        return;
      case "revoke":
        emit({ op: "revoke", node: s.node, object: s.object });
        return;
      case "map":
        emit({ op: "map", node: s.node, region: s.region, to: s.to, rights: s.rights });
        return;
      case "unmap":
        emit({ op: "unmap", node: s.node, region: s.region });
        return;
      case "assert":
        emit({ op: "assert", node: s.node, cond: s.cond });
        return;
      case "raise":
        emit({ op: "raise", node: s.node, value: s.value, bind: s.bind });
        return;
      case "loop": {
        if (s.body.length === 0) {
          emit({ op: "spin", node: s.node });
          return;
        }
        const top = code.length;
        block(s.body);
        emit({ op: "jump", target: top });
        return;
      }
      case "repeat": {
        const slot = counters++;
        emit({ op: "count", node: s.node, slot, count: s.count });
        const test = emit({ op: "repeat", node: s.node, slot, exit: -1 });
        block(s.body);
        emit({ op: "jump", target: test });
        (code[test] as { exit: number }).exit = code.length;
        return;
      }
      case "choose": {
        const at = emit({ op: "choose", node: s.node, targets: [] });
        const ends: number[] = [];
        for (const b of s.branches) {
          (code[at] as { targets: number[] }).targets.push(code.length);
          block(b);
          ends.push(emit({ op: "jump", target: -1 }));
        }
        for (const e of ends) (code[e] as { target: number }).target = code.length;
        return;
      }
      case "if": {
        const br = emit({ op: "branch", node: s.node, cond: s.cond, otherwise: -1 });
        block(s.then);
        const skip = emit({ op: "jump", target: -1 });
        (code[br] as { otherwise: number }).otherwise = code.length;
        block(s.else);
        (code[skip] as { target: number }).target = code.length;
        return;
      }
    }
  }
  block(t.body);
  return { thread: t.index, code: link(code), slots: counters };
}

/**
 * Removes jumps. Every instruction gets `next`, the instruction it goes on to
 * (following any jumps after it), and every target is resolved the same way; the
 * end of the body is `code.length`.
 */
function link(code: Instr[]): Linked[] {
  const final = (pc: number): number => {
    for (let hops = 0; pc < code.length && code[pc]!.op === "jump" && hops <= code.length; hops++) pc = (code[pc] as { target: number }).target;
    return pc;
  };
  const newIndex = new Int32Array(code.length + 1);
  let n = 0;
  for (let pc = 0; pc <= code.length; pc++) {
    newIndex[pc] = n;
    if (pc < code.length && code[pc]!.op !== "jump") n++;
  }
  const at = (pc: number): number => newIndex[final(pc)]!;
  const out: Linked[] = [];
  code.forEach((i, pc) => {
    if (i.op === "jump") return;
    const next = at(pc + 1);
    switch (i.op) {
      case "branch":
        out.push({ ...i, next, otherwise: at(i.otherwise) });
        break;
      case "choose":
        out.push({ ...i, next, targets: i.targets.map(at) });
        break;
      case "repeat":
        out.push({ ...i, next, exit: at(i.exit) });
        break;
      default:
        out.push({ ...i, next });
    }
  });
  return out;
}

/** A linked instruction: no jumps, and an explicit successor. */
export type Linked = Exclude<Instr, { op: "jump" }> & { readonly next: number };

export function compileAll(model: SystemModel): readonly Program[] {
  return model.threads.map(compileThread);
}
