// Phase 2, load: read the root file and its imports (cycle-checked), then merge their items.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, resolve as resolvePath } from "node:path";
import type { Component, Invariant, Kernel, Machine, PathDecl, SystemAst } from "./ast.js";
import { sameModuloIds } from "./ast-util.js";
import { error, type Diagnostic } from "./diagnostics.js";
import { parse, type Parsed } from "./parse.js";
import { SourceFile, SourceMap } from "./source.js";

/** How the front end reaches files; tests supply an in-memory host. */
export interface Host {
  /** The text of a file; throws (any error) when it cannot be read. */
  read(path: string): string;
}

export const nodeHost: Host = { read: (p) => readFileSync(p, "utf8") };

interface Frame {
  readonly key: string;
  /** The file's name as shown. */
  readonly name: string;
  readonly importId: number | null;
}

/** The items of a system after its imports were merged in. */
export interface Merged {
  readonly name: string;
  /** The root file's system name node, where system-wide diagnostics point. */
  readonly nameId: number;
  readonly machine: Machine | null;
  readonly kernel: Kernel | null;
  readonly components: readonly Component[];
  readonly invariants: readonly Invariant[];
  readonly paths: readonly PathDecl[];
}

export interface Loaded {
  readonly phase: "loaded";
  readonly sources: SourceMap;
  /** Every file read, by name, in the order read (the root first). */
  readonly files: ReadonlyMap<string, Parsed>;
  /** null when the root file could not be read or parsed. */
  readonly merged: Merged | null;
  readonly diagnostics: readonly Diagnostic[];
}

/** Loads `path` and everything it imports. Never throws on bad input. */
export function load(path: string, host: Host = nodeHost, sources = new SourceMap()): Loaded {
  const files = new Map<string, Parsed>();
  const diagnostics: Diagnostic[] = [];
  const byKey = new Map<string, Merged | null>();

  /** Parses a file once; `key` is its absolute path, `name` how it is shown. */
  const read = (name: string): Parsed | null => {
    const hit = files.get(name);
    if (hit) return hit;
    let text: string;
    try {
      text = host.read(name);
    } catch {
      return null;
    }
    const parsed = parse(new SourceFile(name, text), sources);
    files.set(name, parsed);
    diagnostics.push(...parsed.diagnostics);
    return parsed;
  };

  /**
   * The merged items of a file. `stack` holds the files being merged, each with the
   * import that brought it in, so that a cycle can be shown import by import.
   */
  const mergeFile = (name: string, stack: readonly Frame[], importId: number | null): Merged | null => {
    const key = resolvePath(name);
    if (byKey.has(key)) return byKey.get(key)!;
    const parsed = files.get(name)!;
    const merged = parsed.ast ? mergeSystem(parsed.ast, name, [...stack, { key, name, importId }]) : null;
    byKey.set(key, merged);
    return merged;
  };

  const mergeSystem = (ast: SystemAst, fileName: string, stack: readonly Frame[]): Merged => {
    let machine: Machine | null = null;
    let kernel: Kernel | null = null;
    const components: Component[] = [];
    const invariants: Invariant[] = [];
    const paths: PathDecl[] = [];
    /** Nodes written in this file (as opposed to merged in from an import). */
    const local = new Set<number>();
    let sawOther = false;

    const duplicate = (code: "E0301" | "E0314" | "E0315", what: string, at: number, prior: number): void => {
      diagnostics.push(
        error(code, `${what} is defined more than once`, sources.span(at), {
          related: [{ span: sources.span(prior), message: "first defined here" }],
        }),
      );
    };
    /**
     * Adds an item to `list`, where `same` finds the item it would replace. An imported
     * item is replaced by a later one; two in the same file are a duplicate.
     */
    const place = <T extends { id: number }>(list: T[], item: T, isLocal: boolean, same: (p: T) => boolean, dup: (prior: T) => void): void => {
      const i = list.findIndex(same);
      if (i < 0) list.push(item);
      else if (list[i]!.id === item.id) return; // the same file reached through two imports
      else if (isLocal && local.has(list[i]!.id)) return dup(list[i]!);
      else list[i] = item;
      if (isLocal) local.add(item.id);
    };
    const addComponent = (c: Component, isLocal: boolean): void => {
      const i = components.findIndex((p) => p.name.text === c.name.text);
      if (i >= 0 && components[i]!.id === c.id) return;
      if (i >= 0) return duplicate("E0301", `component '${c.name.text}'`, c.name.id, components[i]!.name.id);
      components.push(c);
      if (isLocal) local.add(c.id);
    };
    const addInvariant = (inv: Invariant, isLocal: boolean): void =>
      place(
        invariants,
        inv,
        isLocal,
        (p) => (inv.name ? p.name?.text === inv.name.text : p.name === null && sameModuloIds(p.prop, inv.prop)),
        (prior) =>
          duplicate("E0314", inv.name ? `invariant '${inv.name.text}'` : "this invariant", (inv.name ?? inv).id, (prior.name ?? prior).id),
      );
    const addPath = (p: PathDecl, isLocal: boolean): void =>
      place(paths, p, isLocal, (q) => q.name.text === p.name.text, (prior) =>
        duplicate("E0314", `path '${p.name.text}'`, p.name.id, prior.name.id),
      );

    for (const item of ast.items) {
      switch (item.kind) {
        case "Import": {
          const span = sources.span(item.path.id);
          if (sawOther) {
            diagnostics.push(
              error("E0203", "imports must come before the other items of a system", sources.span(item.id), {
                help: "move the import above the system's first machine, kernel, component, invariant or path",
              }),
            );
            break;
          }
          const target = isAbsolute(item.path.value) ? normalize(item.path.value) : normalize(join(dirname(fileName), item.path.value));
          const key = resolvePath(target);
          const cycleAt = stack.findIndex((s) => s.key === key);
          if (cycleAt >= 0) {
            const related = stack
              .slice(cycleAt + 1)
              .filter((s) => s.importId !== null)
              .map((s) => ({ span: sources.span(s.importId!), message: "imported from here" }));
            const chain = [...stack.slice(cycleAt).map((s) => s.name), target].map((n) => `'${n}'`).join(" -> ");
            diagnostics.push(error("E0202", `import cycle: ${chain}`, span, { related }));
            break;
          }
          const parsed = read(target);
          if (!parsed) {
            diagnostics.push(error("E0201", `cannot read imported file '${target}'`, span));
            break;
          }
          const m = mergeFile(target, stack, item.path.id);
          if (!m) break;
          if (m.machine) machine = m.machine;
          if (m.kernel) kernel = m.kernel;
          m.components.forEach((c) => addComponent(c, false));
          m.invariants.forEach((i) => addInvariant(i, false));
          m.paths.forEach((p) => addPath(p, false));
          break;
        }
        case "Machine":
        case "Kernel": {
          sawOther = true;
          // A block replaces an imported one; two in the same file are an error.
          const prior = item.kind === "Machine" ? machine : kernel;
          if (prior && local.has(prior.id)) {
            duplicate("E0315", `the '${item.kind.toLowerCase()}' block`, item.id, prior.id);
            break;
          }
          local.add(item.id);
          if (item.kind === "Machine") machine = item;
          else kernel = item;
          break;
        }
        case "Component":
          sawOther = true;
          addComponent(item, true);
          break;
        case "Invariant":
          sawOther = true;
          addInvariant(item, true);
          break;
        case "Path":
          sawOther = true;
          addPath(item, true);
          break;
      }
    }
    return { name: ast.name.text, nameId: ast.name.id, machine, kernel, components, invariants, paths };
  };

  const root = read(path);
  if (!root) {
    diagnostics.push(error("E0201", `cannot read file '${path}'`, undefined));
    return { phase: "loaded", sources, files, merged: null, diagnostics };
  }
  const merged = mergeFile(path, [], null);
  return { phase: "loaded", sources, files, merged, diagnostics };
}
