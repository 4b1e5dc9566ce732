// Phase 3, resolve: every name in the merged system is bound to what it denotes, in a side table.
import type {
  Block, Component, Device, Expr, Invariant, Name, PathDecl, Property, Ref, Stmt, Thread,
} from "./ast.js";
import { walk } from "./ast-util.js";
import { builtin, BUILTINS, type ParamKind } from "./builtins.js";
import type { Code } from "./codes.js";
import { error, type Diagnostic } from "./diagnostics.js";
import { componentName, type Loaded, type Merged } from "./load.js";
import { didYouMean } from "./names.js";
import type { NodeId, SourceMap } from "./source.js";

/** The kinds of object a component declares. */
export type ObjectKind = "region" | "portal" | "semaphore" | "thread";

export interface LocalSym {
  readonly kind: ObjectKind;
  readonly name: Name;
  /** The declaring node (Region, Portal, Semaphore or Thread). */
  readonly declId: NodeId;
}

export interface ComponentSym {
  readonly index: number;
  readonly node: Component;
  readonly name: string;
  readonly locals: ReadonlyMap<string, LocalSym>;
}

/** What a reference denotes. `comp` is a component index in `Resolved.components`. */
export type Target =
  | { readonly kind: "component"; readonly comp: number }
  | { readonly kind: ObjectKind; readonly comp: number; readonly name: string }
  | { readonly kind: "device"; readonly device: string }
  /** A device's interrupt semaphore (`nic.irq`) or MMIO window (`nic.mmio`), named in a statement. */
  | { readonly kind: "irq" | "mmio"; readonly device: string }
  | { readonly kind: "label"; readonly label: string }
  | { readonly kind: "var"; readonly slot: number };

export interface Resolved {
  readonly phase: "resolved";
  readonly sources: SourceMap;
  readonly merged: Merged;
  readonly components: readonly ComponentSym[];
  readonly componentsByName: ReadonlyMap<string, ComponentSym>;
  readonly devices: ReadonlyMap<string, Device>;
  /** Every label, with the nodes that introduce it (region label lists, device `produces`). */
  readonly labels: ReadonlyMap<string, readonly NodeId[]>;
  /** The side table: Ref, RefExpr and referring Name node ids to what they denote. */
  readonly targets: ReadonlyMap<NodeId, Target>;
  /** Each thread's variables by slot, keyed by the Thread node id. */
  readonly threadVars: ReadonlyMap<NodeId, readonly string[]>;
  readonly diagnostics: readonly Diagnostic[];
}

const KIND_CODE: Record<ObjectKind | "component" | "device" | "label", Code> = {
  region: "E0305",
  portal: "E0304",
  semaphore: "E0306",
  thread: "E0319",
  component: "E0303",
  device: "E0307",
  label: "E0308",
};

/** What a reference site accepts. */
type Want = readonly (ObjectKind | "component")[];

interface Scope {
  /** The component whose statements or caps are being resolved; null in invariants and paths. */
  readonly comp: ComponentSym | null;
  readonly vars: Map<string, number> | null;
}

export function resolve(loaded: Loaded & { merged: Merged }): Resolved {
  const { sources, merged } = loaded;
  const diagnostics: Diagnostic[] = [];
  const targets = new Map<NodeId, Target>();
  const threadVars = new Map<NodeId, readonly string[]>();
  const err = (code: Code, message: string, at: NodeId, help?: string): void => {
    diagnostics.push(error(code, message, sources.span(at), help ? { help } : {}));
  };
  /** A component name as written, or as an import binding renamed it. */
  const cname = (n: Name): string => componentName(merged, n);
  const dup = (code: Code, message: string, at: NodeId, first: NodeId): void => {
    diagnostics.push(
      error(code, message, sources.span(at), { related: [{ span: sources.span(first), message: "first declared here" }] }),
    );
  };

  // Devices and labels.
  const devices = new Map<string, Device>();
  for (const item of merged.machine?.items ?? []) {
    if (item.kind !== "Device") continue;
    const prior = devices.get(item.name.text);
    if (prior) dup("E0313", `device '${item.name.text}' is declared more than once`, item.name.id, prior.name.id);
    else devices.set(item.name.text, item);
  }
  const labels = new Map<string, NodeId[]>();
  const addLabel = (n: Name): void => {
    const l = labels.get(n.text);
    if (l) l.push(n.id);
    else labels.set(n.text, [n.id]);
  };
  for (const d of devices.values()) for (const it of d.items ?? []) if (it.kind === "Produces") it.labels.forEach(addLabel);

  // Components and their local names (regions, portals, semaphores, threads share one namespace).
  const components: ComponentSym[] = [];
  const componentsByName = new Map<string, ComponentSym>();
  for (const node of merged.components) {
    const locals = new Map<string, LocalSym>();
    for (const it of node.items) {
      const kind: ObjectKind | null =
        it.kind === "Region" ? "region" : it.kind === "Portal" ? "portal" : it.kind === "Semaphore" ? "semaphore" : it.kind === "Thread" ? "thread" : null;
      if (!kind || !("name" in it)) continue;
      const name = it.name;
      const prior = locals.get(name.text);
      if (prior) {
        dup("E0302", `'${name.text}' is declared more than once in component '${cname(node.name)}'`, name.id, prior.name.id);
        continue;
      }
      locals.set(name.text, { kind, name, declId: it.id });
      if (it.kind === "Region") it.labels?.forEach(addLabel);
    }
    const sym: ComponentSym = { index: components.length, node, name: cname(node.name), locals };
    components.push(sym);
    componentsByName.set(sym.name, sym);
  }

  const lookupComponent = (n: Name): ComponentSym | null => {
    const c = componentsByName.get(cname(n));
    if (c) {
      targets.set(n.id, { kind: "component", comp: c.index });
      return c;
    }
    err("E0303", `unknown component '${cname(n)}'`, n.id, didYouMean(cname(n), componentsByName.keys()));
    return null;
  };
  const lookupDevice = (n: Name): boolean => {
    if (devices.has(n.text)) {
      targets.set(n.id, { kind: "device", device: n.text });
      return true;
    }
    err("E0307", `unknown device '${n.text}'`, n.id, didYouMean(n.text, devices.keys()));
    return false;
  };
  const lookupLabel = (n: Name): void => {
    if (labels.has(n.text)) targets.set(n.id, { kind: "label", label: n.text });
    else
      err(
        "E0308",
        `unknown label '${n.text}': labels are introduced by a region's [labels] or a device's 'produces'`,
        n.id,
        didYouMean(n.text, labels.keys()),
      );
  };

  /** "portal", "region, portal or semaphore"; every kind of object (with or without components) is an "object". */
  const describeWant = (want: Want): string => {
    if (want.filter((w) => w !== "component").length === 4) return "object";
    return want.length === 1 ? want[0]! : `${want.slice(0, -1).join(", ")} or ${want[want.length - 1]!}`;
  };
  const aWant = (want: Want): string => {
    const w = describeWant(want);
    return `${/^[aeiou]/.test(w) ? "an" : "a"} ${w}`;
  };
  /** Resolves an object reference `x` (in the scope's component) or `c.x`. */
  const lookupObject = (ref: Ref, want: Want, scope: Scope, deviceObjects = false): Target | null => {
    const [first, second] = ref.parts as [Name, Name | undefined];
    const found = (t: Target, shown: string): Target | null => {
      if (!(want as readonly string[]).includes(t.kind)) {
        err("E0312", `'${shown}' is a ${t.kind}; expected ${aWant(want)}`, ref.id);
        return null;
      }
      targets.set(ref.id, t);
      return t;
    };
    if (second && deviceObjects && devices.has(first.text) && !componentsByName.has(cname(first))) {
      // A device offers two objects: its interrupt (a semaphore) and its MMIO window (a region).
      const kind = second.text === "irq" ? "irq" : second.text === "mmio" ? "mmio" : null;
      const as = kind === "irq" ? "semaphore" : "region";
      if (kind && (want as readonly string[]).includes(as)) {
        targets.set(ref.id, { kind, device: first.text });
        return { kind, device: first.text };
      }
      err(
        kind ? "E0312" : "E0319",
        kind ? `'${first.text}.${second.text}' is a device's ${as}; expected ${aWant(want)}` : `device '${first.text}' has no object '${second.text}'`,
        kind ? ref.id : second.id,
        "a device offers 'irq', its interrupt semaphore (for up and down), and 'mmio', its MMIO window (a region)",
      );
      return null;
    }
    if (second) {
      const c = lookupComponent(first);
      if (!c) return null;
      const local = c.locals.get(second.text);
      if (!local) {
        const single = want.length === 1 && want[0] !== "component" ? (want[0] as ObjectKind) : null;
        const candidates = [...c.locals.values()].filter((l) => !single || l.kind === single).map((l) => l.name.text);
        err(
          single ? KIND_CODE[single] : "E0319",
          single ? `unknown ${single} '${second.text}' in component '${c.name}'` : `component '${c.name}' has no ${describeWant(want)} named '${second.text}'`,
          second.id,
          didYouMean(second.text, candidates),
        );
        return null;
      }
      return found({ kind: local.kind, comp: c.index, name: second.text }, `${c.name}.${second.text}`);
    }
    const local = scope.comp?.locals.get(first.text);
    if (local) return found({ kind: local.kind, comp: scope.comp!.index, name: first.text }, first.text);
    const c = componentsByName.get(cname(first));
    if (c && want.includes("component")) return found({ kind: "component", comp: c.index }, first.text);
    if (c) {
      err("E0312", `'${first.text}' is a component; expected ${aWant(want)} (write '${first.text}.NAME')`, ref.id);
      return null;
    }
    const objectWant = want.filter((w): w is ObjectKind => w !== "component");
    const code = objectWant.length === 1 ? KIND_CODE[objectWant[0]!] : want.length === 1 ? KIND_CODE[want[0]!] : "E0319";
    const where = scope.comp ? ` in component '${scope.comp.name}'` : "";
    const candidates = [
      ...(scope.comp ? [...scope.comp.locals.values()].filter((l) => (want as readonly string[]).includes(l.kind)).map((l) => l.name.text) : []),
      ...(want.includes("component") ? componentsByName.keys() : []),
    ];
    // Outside a component (an invariant), an object some component has needs its component.
    const owners = scope.comp ? [] : [...componentsByName.values()].filter((o) => o.locals.has(first.text)).map((o) => `${o.name}.${first.text}`);
    const help = owners.length > 0 ? `an invariant names an object with its component: write ${owners.slice(0, 3).map((o) => `'${o}'`).join(" or ")}` : didYouMean(first.text, candidates);
    err(code, `unknown ${describeWant(want)} '${first.text}'${where}`, first.id, help);
    return null;
  };

  // ---- expressions -------------------------------------------------------------
  const PARAM_NAMES: Record<Exclude<ParamKind, "data">, string> = {
    region: "a region",
    component: "a component",
    object: "an object (a region, portal, semaphore, thread or component)",
    label: "a label",
  };
  /** Argument `i` of builtin `fn`, which takes a name of `kind` (or data). */
  const resolveName = (arg: Expr, kind: ParamKind, scope: Scope, fn: string, i: number): void => {
    if (kind === "data") return resolveExpr(arg, scope);
    const mustName = `argument ${i + 1} of '${fn}' must name ${PARAM_NAMES[kind]}`;
    if (arg.kind !== "RefExpr") {
      err("E0419", mustName, arg.id);
      return;
    }
    const ref = arg.ref;
    if (ref.parts.length === 1 && scope.vars?.has(ref.parts[0]!.text) && !scope.comp?.locals.has(ref.parts[0]!.text)) {
      err("E0312", `'${ref.parts[0]!.text}' is a variable; ${mustName}`, ref.id);
      return;
    }
    if (kind === "label" || kind === "component") {
      if (ref.parts.length !== 1) {
        err("E0419", mustName, arg.id);
        return;
      }
      if (kind === "label") lookupLabel(ref.parts[0]!);
      else if (lookupComponent(ref.parts[0]!)) targets.set(ref.id, targets.get(ref.parts[0]!.id)!);
      return;
    }
    lookupObject(ref, kind === "region" ? ["region"] : ["region", "portal", "semaphore", "thread", "component"], scope);
  };
  const resolveExpr = (e: Expr, scope: Scope): void => {
    switch (e.kind) {
      case "Ok":
      case "Int":
        return;
      case "Not":
        return resolveExpr(e.arg, scope);
      case "Binary":
        resolveExpr(e.left, scope);
        return resolveExpr(e.right, scope);
      case "RefExpr": {
        const [first, second] = e.ref.parts;
        const slot = second ? undefined : scope.vars?.get(first!.text);
        if (slot !== undefined) {
          targets.set(e.ref.id, { kind: "var", slot });
          return;
        }
        const shown = e.ref.parts.map((p) => p.text).join(".");
        const help = scope.vars && !second ? didYouMean(first!.text, scope.vars.keys()) : undefined;
        const why = scope.vars
          ? second
            ? `'${shown}' is not a value: only variables bound with '-> x' hold data`
            : `unknown variable '${shown}': a variable is bound by 'recv', 'call' or 'read' with '-> ${shown}'`
          : `'${shown}' is not a value here: invariants and paths have no variables`;
        err("E0309", why, e.ref.id, help);
        return;
      }
      case "Apply": {
        const b = builtin(e.fn.text);
        if (!b) {
          const fns = Object.keys(BUILTINS);
          err("E0310", `unknown function '${e.fn.text}'`, e.fn.id, didYouMean(e.fn.text, fns) ?? `the functions are ${fns.join(", ")}`);
          e.args.forEach((a) => a.kind !== "RefExpr" && resolveExpr(a, scope));
          return;
        }
        if (e.args.length !== b.params.length) {
          err("E0412", `'${e.fn.text}' takes ${b.params.length} arguments, not ${e.args.length}`, e.id);
          return;
        }
        e.args.forEach((a, i) => resolveName(a, b.params[i]!, scope, e.fn.text, i));
        return;
      }
    }
  };

  // ---- statements ----------------------------------------------------------------
  const resolveStmts = (block: Block, scope: Scope): void => block.stmts.forEach((s) => resolveStmt(s, scope));
  const bind = (n: Name | null, scope: Scope): void => {
    if (n) targets.set(n.id, { kind: "var", slot: scope.vars!.get(n.text)! });
  };
  const resolveStmt = (s: Stmt, scope: Scope): void => {
    switch (s.kind) {
      case "Call":
        lookupObject(s.portal, ["portal"], scope);
        s.args.forEach((a) => resolveExpr(a, scope));
        if (s.item) lookupObject(s.item.cap, ["region", "portal", "semaphore", "thread", "component"], scope, true);
        return bind(s.bind, scope);
      case "Recv":
        lookupObject(s.portal, ["portal"], scope);
        return bind(s.bind, scope);
      case "Reply":
        if (s.item) lookupObject(s.item.cap, ["region", "portal", "semaphore", "thread", "component"], scope, true);
        return resolveExpr(s.value, scope);
      case "Up":
      case "Down":
        lookupObject(s.sem, ["semaphore"], scope, true);
        return;
      case "Read":
        lookupObject(s.region, ["region"], scope, true);
        return bind(s.bind, scope);
      case "Write":
        lookupObject(s.region, ["region"], scope, true);
        return resolveExpr(s.value, scope);
      case "Delegate":
        lookupObject(s.cap, ["region", "portal", "semaphore", "thread", "component"], scope, true);
        lookupComponent(s.to);
        return;
      case "Revoke":
        lookupObject(s.cap, ["region", "portal", "semaphore", "thread", "component"], scope, true);
        return;
      case "Map":
        lookupObject(s.region, ["region"], scope, true);
        if (s.to) lookupComponent(s.to);
        return;
      case "Unmap":
        lookupObject(s.region, ["region"], scope, true);
        return;
      case "Loop":
      case "Repeat":
        return resolveStmts(s.body, scope);
      case "Choose":
        return s.branches.forEach((b) => resolveStmts(b, scope));
      case "If": {
        resolveExpr(s.cond, scope);
        resolveStmts(s.then, scope);
        if (s.else?.kind === "Block") resolveStmts(s.else, scope);
        else if (s.else) resolveStmt(s.else, scope);
        return;
      }
      case "Assert":
        return resolveExpr(s.cond, scope);
      case "Raise":
        resolveExpr(s.value, scope);
        return bind(s.bind, scope);
    }
  };
  /** A thread's variables are the names it binds with `-> x`, in order of first binding. */
  const variablesOf = (t: Thread): Map<string, number> => {
    const vars = new Map<string, number>();
    walk(t.body, (n) => {
      const b = n.kind === "Call" || n.kind === "Recv" || n.kind === "Read" || n.kind === "Raise" ? n.bind : null;
      if (b && !vars.has(b.text)) vars.set(b.text, vars.size);
    });
    return vars;
  };

  for (const c of components) {
    const capTargets = new Map<string, NodeId>();
    for (const it of c.node.items) {
      switch (it.kind) {
        case "UseDevice":
          lookupDevice(it.device);
          break;
        case "Pager":
          lookupComponent(it.pager);
          break;
        case "Exceptions":
          lookupComponent(it.handler);
          break;
        case "Caps":
          for (const e of it.entries) {
            const t = e.target.parts.length === 1
              ? lookupComponent(e.target.parts[0]!) && (targets.set(e.target.id, targets.get(e.target.parts[0]!.id)!), true)
              : lookupObject(e.target, ["region", "portal", "semaphore", "thread"], { comp: c, vars: null });
            if (!t) continue;
            // As bound: two targets an import's bindings made one are the same.
            const key = e.target.parts.map((p, i) => (i === 0 ? cname(p) : p.text)).join(".");
            const prior = capTargets.get(key);
            if (prior !== undefined) dup("E0317", `'${c.name}' lists a capability to '${key}' twice`, e.target.id, prior);
            else capTargets.set(key, e.target.id);
          }
          break;
        case "Thread": {
          const vars = variablesOf(it);
          threadVars.set(it.id, [...vars.keys()]);
          resolveStmts(it.body, { comp: c, vars });
          break;
        }
        default:
          break;
      }
    }
  }

  // ---- invariants and paths ----------------------------------------------------------
  const global: Scope = { comp: null, vars: null };
  /** Looks up the component names of one property; a name written twice is reported once. */
  const lookupComponents = (names: readonly Name[]): void => {
    const seen = new Map<string, Name>();
    for (const n of names) {
      const prior = seen.get(cname(n));
      if (!prior) {
        seen.set(cname(n), n);
        lookupComponent(n);
      } else {
        const t = targets.get(prior.id);
        if (t) targets.set(n.id, t);
      }
    }
  };
  const resolveProperty = (p: Property): void => {
    switch (p.kind) {
      case "Isolated":
        lookupComponents([p.a, p.b, ...p.via]);
        return;
      case "NeverFlows":
        p.labels.forEach(lookupLabel);
        for (const s of p.sinks) {
          if (componentsByName.has(cname(s))) lookupComponent(s);
          else if (devices.has(s.text)) lookupDevice(s);
          else
            err("E0303", `unknown component or device '${s.text}'`, s.id, didYouMean(s.text, [...componentsByName.keys(), ...devices.keys()]));
        }
        return;
      case "TcbSubset":
        lookupComponents([p.of, ...p.bound]);
        return;
      case "TcbSloc":
        lookupComponent(p.of);
        return;
      case "Revocable":
        lookupQualified(p.cap, ["region", "portal", "semaphore"]);
        return;
      case "Available":
        lookupQualified(p.portal, ["portal"]);
        return;
      case "DeadlockFree":
        return;
      case "Always":
      case "Never":
        return resolveExpr(p.cond, global);
    }
  };
  const lookupQualified = (ref: Ref, want: ObjectKind[]): void => {
    if (ref.parts.length === 1) {
      err("E0312", `an invariant names ${aWant(want)} with its component: write 'COMPONENT.${ref.parts[0]!.text}'`, ref.id);
      return;
    }
    lookupObject(ref, want, global);
  };
  merged.invariants.forEach((inv: Invariant) => resolveProperty(inv.prop));
  merged.paths.forEach((p: PathDecl) => {
    for (const ev of [p.from, p.to]) {
      const isDeviceEvent = ev.verb === "fires" || ev.verb === "delivers";
      if (isDeviceEvent) {
        if (!devices.has(ev.subject.text) && componentsByName.has(cname(ev.subject)))
          err("E0424", `'${ev.subject.text}' is a component; '${ev.verb}' is an event of a device`, ev.subject.id);
        else lookupDevice(ev.subject);
        continue;
      }
      if (devices.has(ev.subject.text) && !componentsByName.has(cname(ev.subject))) {
        err("E0424", `'${ev.subject.text}' is a device; '${ev.verb}' is an event of a component`, ev.subject.id);
        continue;
      }
      const c = lookupComponent(ev.subject);
      const t = c && ev.portal ? lookupObject(ev.portal, ["portal"], { comp: c, vars: null }) : null;
      // A component receives only on its own portals (the rule E0418 enforces for `recv`).
      if (c && t && ev.verb === "receives" && t.kind === "portal" && t.comp !== c.index)
        err("E0424", `'${c.name}' cannot receive on '${ev.portal!.parts.map((p) => p.text).join(".")}': a component receives only on its own portals`, ev.portal!.id);
    }
  });

  return {
    phase: "resolved",
    sources,
    merged,
    components,
    componentsByName,
    devices,
    labels,
    targets,
    threadVars,
    diagnostics,
  };
}
