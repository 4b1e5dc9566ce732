// fast-check arbitraries for well-formed scenario ASTs: every construct of src/dsl/ast.ts, ids all 0, depth bounded.
import fc from "fast-check";
import type * as A from "../../src/dsl/ast.js";
import { EVENT_VERBS } from "../../src/dsl/ast.js";
import { RESERVED } from "../../src/dsl/lexer.js";

const reserved = new Set<string>(RESERVED);

/** Words the grammar matches by text but that are not reserved: they may name things. */
export const CONTEXTUAL = [
  "cpus", "memory", "device", "iommu", "irq", "mmio", "dma", "produces", "preemptible", "fault",
  "costs", "sloc", "portal", "semaphore", "pager", "caps", "prio", "cpu", "adversary", "steps",
  "timeout", "isolated", "never", "flows", "tcb", "revocable", "available", "deadlock_free", "always",
  "except", "via", "violated", "holds", "within", "cycles", "calls", "receives", "gets", "fires",
  "delivers", "faults", "resumes", "seal", "open", "knows", "maps",
] as const;

const identifier = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,4}$/) },
  // Long names push inline bodies past the line width.
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{16,30}$/) },
).filter((s) => !reserved.has(s));

export const nameText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: identifier },
  { weight: 1, arbitrary: fc.constantFrom(...CONTEXTUAL) },
);

export const name: fc.Arbitrary<A.Name> = nameText.map((text) => ({ kind: "Name", id: 0, text }));

const numText = fc.oneof(
  fc.nat({ max: 99999 }).map(String),
  fc.tuple(fc.constantFrom("0x", "0X"), fc.stringMatching(/^[0-9A-Fa-f]{1,6}$/)).map(([p, d]) => p + d),
  fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom("K", "M", "G")).map(([n, s]) => `${n}${s}`),
);

export const num: fc.Arbitrary<A.Num> = numText.map((text) => ({ kind: "Num", id: 0, text }));

const str: fc.Arbitrary<A.Str> = fc
  .string({ unit: fc.constantFrom("a", "b", "z", " ", ".", "/", "*", '"', "\\", "{", "}", "é", "#"), maxLength: 12 })
  .map((value) => ({ kind: "Str", id: 0, value }));

const ref: fc.Arbitrary<A.Ref> = fc
  .array(name, { minLength: 1, maxLength: 2 })
  .map((parts) => ({ kind: "Ref", id: 0, parts }));

const rightWord: fc.Arbitrary<A.Name> = fc.oneof(
  name,
  fc.constantFrom("call", "up", "down", "r", "w", "rw", "x").map((text): A.Name => ({ kind: "Name", id: 0, text })),
);
const rights: fc.Arbitrary<A.Rights> = fc
  .array(rightWord, { minLength: 1, maxLength: 3 })
  .map((words) => ({ kind: "Rights", id: 0, words }));

const names = (min: number, max: number): fc.Arbitrary<A.Name[]> => fc.array(name, { minLength: min, maxLength: max });
const labels = names(0, 3);

// ---- expressions ---------------------------------------------------------------------

export function expr(depth: number): fc.Arbitrary<A.Expr> {
  const atoms: fc.Arbitrary<A.Expr>[] = [
    ref.map((r): A.Expr => ({ kind: "RefExpr", id: 0, ref: r })),
    fc.constant<A.Expr>({ kind: "Ok", id: 0 }),
    num.map((value): A.Expr => ({ kind: "Int", id: 0, value })),
  ];
  if (depth <= 0) return fc.oneof(...atoms);
  const sub = expr(depth - 1);
  return fc.oneof(
    ...atoms,
    fc.record({ fn: name, args: fc.array(sub, { maxLength: 3 }) }).map((r): A.Expr => ({ kind: "Apply", id: 0, ...r })),
    sub.map((arg): A.Expr => ({ kind: "Not", id: 0, arg })),
    fc
      .record({ op: fc.constantFrom<A.BinaryOp>("and", "or", "==", "!="), left: sub, right: sub })
      .map((r): A.Expr => ({ kind: "Binary", id: 0, ...r })),
    fc
      .record({ op: fc.constantFrom<A.BinaryOp>("and", "or"), left: sub, right: sub })
      .map((r): A.Expr => ({ kind: "Binary", id: 0, ...r })),
  );
}

// ---- statements ----------------------------------------------------------------------

function block(depth: number): fc.Arbitrary<A.Block> {
  return fc.array(stmt(depth), { maxLength: 4 }).map((stmts) => ({ kind: "Block", id: 0, stmts }));
}

function ifStmt(depth: number, elseDepth: number): fc.Arbitrary<A.IfStmt> {
  const elses: fc.Arbitrary<A.Block | A.IfStmt | null>[] = [fc.constant(null), block(depth - 1)];
  if (elseDepth > 0) elses.push(ifStmt(depth, elseDepth - 1));
  return fc
    .record({ cond: expr(2), then: block(depth - 1), else: fc.oneof(...elses) })
    .map((r) => ({ kind: "If", id: 0, ...r }));
}

export function stmt(depth: number): fc.Arbitrary<A.Stmt> {
  const e = expr(2);
  const bind = fc.option(name);
  const item = fc.option(fc.record({ cap: ref, rights: fc.option(rights) }).map((r): A.ItemClause => ({ kind: "Item", id: 0, ...r })));
  const leaves: fc.Arbitrary<A.Stmt>[] = [
    fc
      .record({ portal: ref, args: fc.array(e, { maxLength: 3 }), item, bind, timeout: fc.option(num) })
      .map((r): A.Stmt => ({ kind: "Call", id: 0, ...r })),
    fc.record({ portal: ref, bind }).map((r): A.Stmt => ({ kind: "Recv", id: 0, ...r })),
    fc.record({ value: e, item }).map((r): A.Stmt => ({ kind: "Reply", id: 0, ...r })),
    ref.map((sem): A.Stmt => ({ kind: "Up", id: 0, sem })),
    ref.map((sem): A.Stmt => ({ kind: "Down", id: 0, sem })),
    fc.record({ region: ref, bind: name }).map((r): A.Stmt => ({ kind: "Read", id: 0, ...r })),
    fc.record({ region: ref, value: e }).map((r): A.Stmt => ({ kind: "Write", id: 0, ...r })),
    fc.record({ cap: ref, to: name, rights }).map((r): A.Stmt => ({ kind: "Delegate", id: 0, ...r })),
    ref.map((cap): A.Stmt => ({ kind: "Revoke", id: 0, cap })),
    fc
      .record({ region: ref, to: fc.option(name), rights: fc.option(rights) })
      .map((r): A.Stmt => ({ kind: "Map", id: 0, ...r })),
    ref.map((region): A.Stmt => ({ kind: "Unmap", id: 0, region })),
    e.map((cond): A.Stmt => ({ kind: "Assert", id: 0, cond })),
    fc.record({ value: e, bind: fc.option(name) }).map((r): A.Stmt => ({ kind: "Raise", id: 0, ...r })),
  ];
  if (depth <= 0) return fc.oneof(...leaves);
  const b = block(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...leaves) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        b.map((body): A.Stmt => ({ kind: "Loop", id: 0, body })),
        fc.record({ count: num, body: b }).map((r): A.Stmt => ({ kind: "Repeat", id: 0, ...r })),
        fc.array(b, { minLength: 2, maxLength: 3 }).map((branches): A.Stmt => ({ kind: "Choose", id: 0, branches })),
        ifStmt(depth, 2),
      ),
    },
  );
}

// ---- items -----------------------------------------------------------------------------

const deviceItem: fc.Arbitrary<A.DeviceItem> = fc.oneof(
  num.map((line): A.DeviceItem => ({ kind: "Irq", id: 0, line })),
  num.map((size): A.DeviceItem => ({ kind: "Mmio", id: 0, size })),
  fc.constant<A.DeviceItem>({ kind: "Dma", id: 0 }),
  labels.map((l): A.DeviceItem => ({ kind: "Produces", id: 0, labels: l })),
);

const machineItem: fc.Arbitrary<A.MachineItem> = fc.oneof(
  num.map((count): A.MachineItem => ({ kind: "Cpus", id: 0, count })),
  num.map((size): A.MachineItem => ({ kind: "MachineMemory", id: 0, size })),
  fc
    .record({ name, items: fc.option(fc.array(deviceItem, { maxLength: 5 })) })
    .map((r): A.MachineItem => ({ kind: "Device", id: 0, ...r })),
  fc.constant<A.MachineItem>({ kind: "Iommu", id: 0 }),
);

const kernelOption: fc.Arbitrary<A.KernelOption> = fc.oneof(
  fc.constant<A.KernelOption>({ kind: "PreemptibleRevoke", id: 0 }),
  fc.constant<A.KernelOption>({ kind: "StrictScheduling", id: 0 }),
  name.map((flag): A.KernelOption => ({ kind: "Fault", id: 0, flag })),
  str.map((preset): A.KernelOption => ({ kind: "Costs", id: 0, preset })),
);

const capEntry: fc.Arbitrary<A.CapEntry> = fc
  .record({ target: ref, rights })
  .map((r) => ({ kind: "CapEntry", id: 0, ...r }));

const threadAttr: fc.Arbitrary<A.ThreadAttr> = fc
  .record({ attr: fc.constantFrom<"prio" | "cpu">("prio", "cpu"), value: num })
  .map((r) => ({ kind: "ThreadAttr", id: 0, ...r }));

const componentItem: fc.Arbitrary<A.ComponentItem> = fc.oneof(
  num.map((count): A.ComponentItem => ({ kind: "Sloc", id: 0, count })),
  fc.record({ name, size: num, labels: fc.option(labels) }).map((r): A.ComponentItem => ({ kind: "Region", id: 0, ...r })),
  name.map((device): A.ComponentItem => ({ kind: "UseDevice", id: 0, device })),
  name.map((n): A.ComponentItem => ({ kind: "Portal", id: 0, name: n })),
  name.map((n): A.ComponentItem => ({ kind: "Semaphore", id: 0, name: n })),
  name.map((pager): A.ComponentItem => ({ kind: "Pager", id: 0, pager })),
  name.map((handler): A.ComponentItem => ({ kind: "Exceptions", id: 0, handler })),
  fc.array(capEntry, { maxLength: 6 }).map((entries): A.ComponentItem => ({ kind: "Caps", id: 0, entries })),
  num.map((steps): A.ComponentItem => ({ kind: "Adversary", id: 0, steps })),
);

const thread: fc.Arbitrary<A.ComponentItem> = fc
  .record({ name, attrs: fc.array(threadAttr, { maxLength: 2 }), body: block(3) })
  .map((r): A.ComponentItem => ({ kind: "Thread", id: 0, ...r }));

const componentItems = fc.oneof(
  // Mostly short bodies, so that inline components (and their alignment) are common.
  fc.array(componentItem, { maxLength: 1 }),
  fc.array(fc.oneof({ weight: 3, arbitrary: componentItem }, { weight: 1, arbitrary: thread }), { maxLength: 5 }),
);

const expectClause: fc.Arbitrary<A.ExpectClause | null> = fc.option(
  fc.constantFrom<A.Expectation>("holds", "violated").map((outcome) => ({ kind: "Expect", id: 0, outcome })),
);

const property: fc.Arbitrary<A.Property> = fc.oneof(
  fc.record({ a: name, b: name, via: names(0, 3) }).map((r): A.Property => ({ kind: "Isolated", id: 0, ...r })),
  fc.record({ labels, sinks: names(1, 3) }).map((r): A.Property => ({ kind: "NeverFlows", id: 0, ...r })),
  fc.record({ of: name, bound: names(1, 3) }).map((r): A.Property => ({ kind: "TcbSubset", id: 0, ...r })),
  fc.record({ of: name, max: num }).map((r): A.Property => ({ kind: "TcbSloc", id: 0, ...r })),
  ref.map((cap): A.Property => ({ kind: "Revocable", id: 0, cap })),
  ref.map((portal): A.Property => ({ kind: "Available", id: 0, portal })),
  fc.constant<A.Property>({ kind: "DeadlockFree", id: 0 }),
  expr(3).map((cond): A.Property => ({ kind: "Always", id: 0, cond })),
  expr(3).map((cond): A.Property => ({ kind: "Never", id: 0, cond })),
);

const event: fc.Arbitrary<A.Event> = fc
  .record({ subject: name, verb: fc.constantFrom(...EVENT_VERBS), portal: ref })
  .map(({ subject, verb, portal }) => ({
    kind: "Event",
    id: 0,
    subject,
    verb,
    portal: verb === "calls" || verb === "receives" ? portal : null,
  }));

export const item: fc.Arbitrary<A.Item> = fc.oneof(
  fc
    .record({
      path: str,
      bindings: fc.array(
        fc.record({ standIn: name, to: name }).map((b): A.Binding => ({ kind: "Binding", id: 0, ...b })),
        { maxLength: 3 },
      ),
    })
    .map((r): A.Item => ({ kind: "Import", id: 0, ...r })),
  fc.array(machineItem, { maxLength: 5 }).map((items): A.Item => ({ kind: "Machine", id: 0, items })),
  fc
    .record({ personality: name, options: fc.option(fc.array(kernelOption, { maxLength: 4 })) })
    .map((r): A.Item => ({ kind: "Kernel", id: 0, ...r })),
  fc
    .record({
      name,
      replicas: fc.option(num),
      trust: fc.constantFrom<A.Trust>("trusted", "untrusted"),
      root: fc.boolean(),
      items: componentItems,
    })
    .map((r): A.Item => ({ kind: "Component", id: 0, ...r })),
  fc
    .record({ name: fc.option(name), prop: property, expect: expectClause })
    .map((r): A.Item => ({ kind: "Invariant", id: 0, ...r })),
  fc
    .record({ name, from: event, to: event, within: fc.option(num), expect: expectClause })
    .map((r): A.Item => ({ kind: "Path", id: 0, ...r })),
);

export const system: fc.Arbitrary<A.SystemAst> = fc
  .record({ name, items: fc.array(item, { maxLength: 8 }) })
  .map((r) => ({ kind: "System", id: 0, ...r }));
