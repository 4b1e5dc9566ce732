// No module under src/kernel or src/machine keeps mutable state outside the state vector: a static check of every source file, and a dynamic one.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { boot } from "../../src/kernel/boot.js";
import { DEFAULT_CONFIG } from "../../src/kernel/layout.js";
import { continueRevoke, deviceIrq, inRevoke, memAccess, timeout, canTimeOut } from "../../src/kernel/events.js";
import { enter, leave } from "../../src/kernel/scheduler.js";
import { syscall, type SyscallArgs } from "../../src/kernel/syscalls.js";
import { Meter, P } from "../../src/machine/meter.js";
import { compile } from "./harness.js";

/**
 * What the static check flags, in a module's top level (statements outside any function):
 *  1. a `let` or `var` declaration;
 *  2. a `new` expression evaluated at load time (a Map, Set, class instance... built once per module);
 *  3. an immediately invoked function expression (a closure could hide state);
 *  4. an expression statement (a module with load-time side effects);
 *  5. a `const` bound to an array or object literal that some file under src/kernel or
 *     src/machine mutates: assigns to (or through) it, `delete`s, `++`/`--`es, calls a
 *     mutating method on it (push, set, add, fill, sort, ...), or hands it to
 *     Object.assign / defineProperty / Reflect.set;
 * and anywhere in the module:
 *  6. a class with a `static` property that is not `readonly`, or a `static {}` block.
 * Aliasing (passing a module constant to a function that mutates its argument) is not
 * traced. The Meter (src/machine/meter.ts) is deliberately outside the vector: it is a
 * class, instantiated per boot (rule 2 keeps it out of module scope).
 */
interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
}

const MUTATORS = new Set(["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "set", "add", "delete", "clear"]);

function sourceOf(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** Strips `as`, `satisfies`, `!` and parentheses. */
function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/** Visits the nodes of `n` that run when the module loads (not inside functions or class bodies). */
function loadTime(n: ts.Node, visit: (n: ts.Node) => void): void {
  visit(n);
  if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
  n.forEachChild((c) => loadTime(c, visit));
}

/** The identifier an access chain (a, a.b, a[i].c) starts from. */
function rootName(e: ts.Expression): string | null {
  e = unwrap(e);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
  return ts.isIdentifier(e) ? e.text : null;
}

const isAssignOp = (k: ts.SyntaxKind): boolean => k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;

/** Names whose value some statement of `sf` mutates (by the syntactic rules of rule 5). */
function mutatedNames(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && isAssignOp(n.operatorToken.kind)) {
      const r = rootName(n.left);
      if (r) out.add(r);
    }
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) {
      const r = rootName(n.operand);
      if (r) out.add(r);
    }
    if (ts.isDeleteExpression(n)) {
      const r = rootName(n.expression);
      if (r) out.add(r);
    }
    if (ts.isCallExpression(n)) {
      const callee = unwrap(n.expression);
      if (ts.isPropertyAccessExpression(callee) && MUTATORS.has(callee.name.text)) {
        const r = rootName(callee.expression);
        if (r) out.add(r);
      }
      const text = callee.getText(sf);
      if (["Object.assign", "Object.defineProperty", "Object.defineProperties", "Reflect.set", "Reflect.defineProperty"].includes(text) && n.arguments[0]) {
        const r = rootName(n.arguments[0]);
        if (r) out.add(r);
      }
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

/** Checks a set of modules; `files` maps a path to its text. */
function checkPurity(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  const sources = [...files].map(([f, text]) => [f, sourceOf(f, text)] as const);
  const mutated = new Set<string>();
  for (const [, sf] of sources) for (const n of mutatedNames(sf)) mutated.add(n);
  for (const [file, sf] of sources) {
    const flag = (n: ts.Node, rule: string): void => {
      out.push({ file, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, rule });
    };
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) {
        const flags = st.declarationList.flags;
        if (!(flags & ts.NodeFlags.Const)) flag(st, "top-level let/var");
        for (const d of st.declarationList.declarations) {
          if (!d.initializer) continue;
          loadTime(d.initializer, (n) => {
            if (ts.isNewExpression(n)) flag(n, `new at load time (${n.expression.getText(sf)})`);
            if (ts.isCallExpression(n) && (ts.isFunctionExpression(unwrap(n.expression)) || ts.isArrowFunction(unwrap(n.expression)))) flag(n, "immediately invoked function");
          });
          const init = unwrap(d.initializer);
          if ((ts.isArrayLiteralExpression(init) || ts.isObjectLiteralExpression(init)) && ts.isIdentifier(d.name) && mutated.has(d.name.text))
            flag(d, `module constant ${d.name.text} is mutated`);
        }
      }
      if (ts.isExpressionStatement(st)) flag(st, "top-level expression statement");
    }
    const classes = (n: ts.Node): void => {
      if (ts.isClassLike(n))
        for (const m of n.members) {
          const mods = ts.canHaveModifiers(m) ? (ts.getModifiers(m) ?? []) : [];
          const isStatic = mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
          const isReadonly = mods.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword);
          if (ts.isPropertyDeclaration(m) && isStatic && !isReadonly) flag(m, "mutable static field");
          if (ts.isClassStaticBlockDeclaration(m)) flag(m, "static block");
        }
      n.forEachChild(classes);
    };
    classes(sf);
  }
  return out;
}

const ROOT = join(import.meta.dirname, "../..");
function modules(dir: string): [string, string][] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => [`${dir}/${f}`, readFileSync(join(ROOT, dir, f), "utf8")]);
}

describe("the static purity check", () => {
  const one = (text: string): string[] => checkPurity(new Map([["x.ts", text]])).map((v) => v.rule);
  it("flags what it documents", () => {
    expect(one("let n = 0;")).toEqual(["top-level let/var"]);
    expect(one("export var n = 0;")).toEqual(["top-level let/var"]);
    expect(one("const cache = new Map<string, number>();")).toEqual(["new at load time (Map)"]);
    expect(one("export const seen: ReadonlySet<number> = new Set();")).toEqual(["new at load time (Set)"]);
    expect(one("const m = Object.freeze(new Meter());")).toEqual(["new at load time (Meter)"]);
    expect(one("const f = (() => { let hits = 0; return () => hits++; })();")).toEqual(["immediately invoked function"]);
    expect(one("const xs: number[] = []; export function f() { xs.push(1); }")).toEqual(["module constant xs is mutated"]);
    expect(one("const o: Record<string, number> = {}; export function f(k: string) { o[k] = 1; }")).toEqual(["module constant o is mutated"]);
    expect(one("const o = { n: 0 }; export function f() { o.n++; }")).toEqual(["module constant o is mutated"]);
    expect(one("const o = { n: 0 }; export function f() { Object.assign(o, { n: 1 }); }")).toEqual(["module constant o is mutated"]);
    expect(one("const o = { a: [1] }; export function f() { (o.a as number[]).sort(); }")).toEqual(["module constant o is mutated"]);
    expect(one("const o = { n: 1 }; export function f() { delete (o as any).n; }")).toEqual(["module constant o is mutated"]);
    expect(one("export class C { static count = 0; }")).toEqual(["mutable static field"]);
    expect(one("export function f() { return class { static n = 1; }; }")).toEqual(["mutable static field"]);
    expect(one("export class C { static { } }")).toEqual(["static block"]);
    expect(one("registry.push(1);")).toEqual(["top-level expression statement"]);
  });
  it("lets through what is not module state", () => {
    expect(one("export const N = 3; export const K = { a: 1 } as const; export const L = [1, 2] as const;")).toEqual([]);
    expect(one("export function f() { let x = 0; const m = new Map(); x++; m.set(1, 2); return x; }")).toEqual([]);
    expect(one("export class Meter { readonly counts: number[] = []; add() { this.counts.push(1); } static readonly ZERO = 0; }")).toEqual([]);
    expect(one("export function boot(meter = new Meter()) { return meter; }")).toEqual([]);
    expect(one("const T: Record<string, number> = { a: 1 }; export const g = (k: string) => T[k];")).toEqual([]);
    expect(one("const F = Object.fromEntries([['a', 1]]); export const h = () => F;")).toEqual([]);
    expect(one("const o = { n: 0 }; export function f() { const o = { n: 1 }; return o.n; }")).toEqual([]);
  });
  it("detects a mutation made from another module", () => {
    const v = checkPurity(
      new Map([
        ["a.ts", "export const TABLE: number[] = [];"],
        ["b.ts", "import { TABLE } from './a.js'; export function f() { TABLE.fill(0); }"],
      ]),
    );
    expect(v.map((x) => `${x.file}:${x.rule}`)).toEqual(["a.ts:module constant TABLE is mutated"]);
  });
});

describe("src/kernel and src/machine", () => {
  const files = new Map([...modules("src/kernel"), ...modules("src/machine")]);
  it("are read in full", () => {
    expect([...files.keys()]).toContain("src/kernel/syscalls.ts");
    expect([...files.keys()]).toContain("src/machine/meter.ts");
    expect(files.size).toBeGreaterThanOrEqual(20);
  });
  it("keep no mutable state outside the state vector", () => {
    expect(checkPurity(files)).toEqual([]);
  });
  it("start every file with a one-line title comment", () => {
    for (const [f, text] of files) expect(text.split("\n")[0], f).toMatch(/^\/\/ \S/);
  });
  it("the Meter is a per-boot object: no static state, one instance per boot", () => {
    const src = files.get("src/machine/meter.ts")!;
    expect(src).not.toMatch(/\bstatic\b/);
    const m = compile(`system m { component sigma0 : trusted root { thread t { } } }`);
    const a = boot(m);
    const b = boot(m);
    expect(a.kernel.meter).not.toBe(b.kernel.meter);
    a.kernel.meter.add(P.irq, 3);
    expect(a.kernel.meter.counts.irq).toBe(3);
    expect(b.kernel.meter.counts.irq).toBe(0);
    const mine = new Meter();
    expect(boot(m, undefined, mine).kernel.meter).toBe(mine);
  });
});

describe("a step depends only on the vector it is given", () => {
  const TEXT = `system dyn {
    machine { cpus 2; device nic { irq 3; mmio 4K; dma }; iommu }
    kernel nova { preemptible revoke }
    component sigma0 : trusted root { thread main { } }
    component a : trusted { memory ma 4K; portal pa; semaphore sa; device nic; pager b; caps { b: ctrl; b.pb: call } thread t { recv pa -> x; reply x } thread u cpu 1 { } }
    component b : untrusted { memory mb 4K; portal pb; caps { a: ctrl; a.pa: call; a.sa: up+down } }
  }`;
  const OPS = ["call", "reply", "recv", "delegate", "revoke", "create_pd", "create_ec", "create_sc", "create_pt", "create_sm", "sm_up", "sm_down", "lookup", "assign_dev", "assign_irq", "map", "unmap", "pte_write"] as const;
  type Ev = { ec: number; op: number; x: number; y: number; z: number; event: number };
  const ev: fc.Arbitrary<Ev> = fc.record({ ec: fc.nat(7), op: fc.nat(OPS.length - 1), x: fc.nat(30), y: fc.nat(30), z: fc.nat(7), event: fc.nat(9) });

  /** Runs one event: mostly a syscall with small arguments, sometimes a kernel event. */
  function run(k: ReturnType<typeof boot>["kernel"], s: Int32Array, e: Ev): void {
    const ecs = k.L.model.threads.length + k.L.boot.adversaryEcs.length;
    const ec = e.ec % ecs;
    const state = s[k.L.base.ec + ec * k.L.ecSize]!;
    if (e.event === 0 && canTimeOut(s, k, ec)) return timeout(k, s, ec);
    if (e.event === 1) return deviceIrq(k, s, 0, e.z % 2);
    if (e.event === 2 && state === 1) return void memAccess(k, s, ec, e.x % k.L.counts.mem, "rwx"[e.z % 3] as "r");
    if (state !== 1) return;
    enter(k, s, ec);
    if (inRevoke(s, k, ec)) continueRevoke(k, s, ec);
    else {
      const op = OPS[e.op]!;
      const a = { op, pt: e.x, sel: e.x, src: e.x, mem: e.x % (k.L.counts.mem + 1), sm: e.x, dev: e.x, ec: e.x, pd: e.y, cpu: e.z % 3, prio: e.z, count: e.z % 4, rights: e.z, words: [e.y], choice: e.z % 2, timeout: e.z % 2 === 0 } as unknown as SyscallArgs;
      syscall(k, s, ec, a);
    }
    leave(k, s, ec);
  }

  it("replaying a sequence on a copy of the start vector gives the same vector, whatever ran in between", () => {
    const model = compile(TEXT);
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 40, size: "max" }), fc.array(ev, { maxLength: 40, size: "max" }), (xs, ys) => {
        const { kernel: k, state } = boot(model, { ...DEFAULT_CONFIG, scheduling: "strict" });
        const first = state.slice();
        const other = state.slice();
        const again = state.slice();
        for (const e of xs) run(k, first, e);
        for (const e of ys) run(k, other, e);
        for (const e of xs) run(k, again, e);
        expect(again).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });
});
