// Phase 2, load: read the root file and its imports (cycle-checked), then merge their items.
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, resolve as resolvePath } from "node:path";
import type { Component, Import, Invariant, Kernel, Machine, PathDecl, SystemAst } from "./ast.js";
import { componentMentions, sameModuloIds } from "./ast-util.js";
import { error, type Diagnostic } from "./diagnostics.js";
import { ioReason, NotUtf8, readScenarioText } from "./io-error.js";
import { didYouMean } from "./names.js";
import { notUtf8, parse, type Parsed } from "./parse.js";
import { SourceFile, SourceMap, type NodeId, type Span } from "./source.js";

/**
 * How an instance of a file sees component names: a stand-in name (bound by an import's
 * `{ standIn = to }`, possibly through several imports) to the name it has in the root system.
 */
type Alias = ReadonlyMap<string, string>;
const NO_ALIAS: Alias = new Map();
const aliasKey = (a: Alias): string => [...a].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(",");

/** How the front end reaches files; tests supply an in-memory host. */
export interface Host {
  /** The text of a file; throws (any error) when it cannot be read. */
  read(path: string): string;
  /**
   * Where a file that is a symbolic link leads (the path itself if it is none): its imports are
   * relative to the folder of the file the link points to. Hosts without links leave it out.
   */
  follow?(path: string): string;
  /**
   * The file a path names, as one key for every path to it (symbolic links resolved): a file
   * reached by two paths is one file (merged once, a cycle through a link is a cycle). Hosts
   * without links leave it out: the absolute path is the key.
   */
  real?(path: string): string;
}

export const nodeHost: Host = { read: readScenarioText, follow: followLinks, real: realFile };

/** `realpathSync`, or the absolute path when it cannot be resolved (a file that does not exist: reading it reports that). */
function realFile(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolvePath(path);
  }
}

/** The path a chain of symbolic links to a file ends at, as a path relative to the same folder as `path` where the links are relative. */
function followLinks(path: string): string {
  let p = path;
  // 40, as Linux's limit on the links one path may cross (ELOOP).
  for (let i = 0; i < 40; i++) {
    try {
      if (!lstatSync(p).isSymbolicLink()) return p;
      const to = readlinkSync(p);
      p = isAbsolute(to) ? to : normalize(join(dirname(p), to));
    } catch {
      return p;
    }
  }
  return p;
}

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
  /**
   * The side table of import bindings: a name node, written in an imported file, whose text
   * a binding renames, to the name it has in this system. Component lookups go through it.
   */
  readonly renames: ReadonlyMap<NodeId, string>;
  /** The component names of this file's own world (before its importer's bindings). */
  readonly worldNames: ReadonlySet<string>;
  /** Per component merged: its name in this file's world (before its importer's bindings). */
  readonly worldNameOf: ReadonlyMap<Component, string>;
  /** The components merged that are stand-ins at this file's level: bound by one of its imports (or below) and replaced by no definition. */
  readonly standIns: ReadonlySet<Component>;
}

/** A component's name in the merged system: its written name, or what an import binding made of it. */
export function componentName(m: Merged, n: { readonly id: NodeId; readonly text: string }): string {
  return m.renames.get(n.id) ?? n.text;
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

/**
 * How many files a chain of imports may hold, the importing scenario included (spec/language.md
 * §3): loading follows a chain by recursion, as nesting is followed (MAX_NESTING), and this
 * keeps it far from the stack's limit (chains of about 1,400 overflowed it).
 */
export const MAX_IMPORT_DEPTH = 100;

/** Loads `path` and everything it imports. Never throws on bad input. */
export function load(path: string, host: Host = nodeHost, sources = new SourceMap()): Loaded {
  const files = new Map<string, Parsed>();
  const diagnostics: Diagnostic[] = [];
  const byKey = new Map<string, Merged | null>();
  const texts = new Map<string, string>();
  /** Files whose first parse an instance has taken; a second instance of one is parsed afresh. */
  const claimed = new Set<string>();
  const renames = new Map<NodeId, string>();

  const fileKey = (name: string): string => (host.real ? host.real(name) : resolvePath(name));
  /** Parses a file once (`name` is how it is shown), or the error that kept it from being read. */
  const read = (name: string): Parsed | { readonly failed: unknown } => {
    const hit = files.get(name);
    if (hit) return hit;
    let text: string;
    let bad: NotUtf8 | null = null;
    try {
      text = host.read(name);
    } catch (e) {
      if (!(e instanceof NotUtf8)) return { failed: e };
      // Read, but not UTF-8: reported where its first bad byte is, and not parsed.
      bad = e;
      text = e.text;
    }
    const parsed = bad ? notUtf8(new SourceFile(name, text), sources, bad.offset, bad.shown) : parse(new SourceFile(name, text), sources);
    texts.set(name, text);
    files.set(name, parsed);
    diagnostics.push(...parsed.diagnostics);
    return parsed;
  };

  /** The file an import of `value`, written in `fileName`, names: relative to the file it is written in (after symbolic links). */
  const importTarget = (fileName: string, value: string): string => {
    const from = dirname(host.follow?.(fileName) ?? fileName);
    return isAbsolute(value) ? normalize(value) : normalize(join(from, value));
  };

  /** Per file: the component names written in it and in the files it imports, the only ones a binding can rename there. */
  const mentioned = new Map<string, Set<string>>();
  const mentions = (name: string): ReadonlySet<string> => {
    const key = fileKey(name);
    const known = mentioned.get(key);
    if (known) return known;
    const out = new Set<string>();
    // Set first: a cycle of imports (E0202, reported by the merge) ends here.
    mentioned.set(key, out);
    const parsed = read(name);
    if ("failed" in parsed || !parsed.ast) return out;
    componentMentions(parsed.ast, (n) => out.add(n.text));
    for (const item of parsed.ast.items) if (item.kind === "Import" && item.path.value !== "") for (const n of mentions(importTarget(name, item.path.value))) out.add(n);
    return out;
  };

  /**
   * The merged items of a file. `stack` holds the files being merged, each with the
   * import that brought it in, so that a cycle can be shown import by import.
   */
  const mergeFile = (name: string, stack: readonly Frame[], importId: number | null, bindings: Alias): Merged | null => {
    const key = fileKey(name);
    // Only the bindings of names the file (or one it imports) writes tell its instances apart: an
    // importer's bindings for a library pass through to the library's own imports (`root.nizza`),
    // which are still one instance for every binding of the library.
    const names = bindings.size > 0 ? mentions(name) : null;
    const alias: Alias = names ? new Map([...bindings].filter(([k]) => names.has(k))) : bindings;
    const instance = `${key}\0${aliasKey(alias)}`;
    if (byKey.has(instance)) return byKey.get(instance)!;
    // Each differently bound instance of a file gets node ids of its own, so that the
    // side tables (renames, resolved targets) can tell the instances apart.
    let parsed = files.get(name)!;
    // (A file that did not parse, or is not UTF-8, has no items to give an instance.)
    if (claimed.has(name) && parsed.ast) parsed = parse(new SourceFile(name, texts.get(name)!), sources);
    claimed.add(name);
    // Only the names that name components are bound: an object, variable or label of a stand-in's
    // name keeps it (spec/language.md §3).
    if (parsed.ast && alias.size > 0)
      componentMentions(parsed.ast, (n) => {
        if (alias.has(n.text)) {
          renames.set(n.id, alias.get(n.text)!);
          sources.rename(n.id, alias.get(n.text)!);
        }
      });
    const merged = parsed.ast ? mergeSystem(parsed.ast, name, [...stack, { key, name, importId }], alias) : null;
    byKey.set(instance, merged);
    return merged;
  };

  /** The alias of an import's instance: its bindings, then the importing instance's own alias. */
  const childAlias = (imp: Import, alias: Alias): Alias => {
    const outer = (n: string): string => alias.get(n) ?? n;
    const a = new Map<string, string>();
    for (const b of imp.bindings) a.set(b.standIn.text, outer(b.to.text));
    for (const [k, v] of alias) if (!a.has(k)) a.set(k, v);
    return a;
  };

  const mergeSystem = (ast: SystemAst, fileName: string, stack: readonly Frame[], alias: Alias): Merged => {
    let machine: Machine | null = null;
    let kernel: Kernel | null = null;
    const components: Component[] = [];
    const invariants: Invariant[] = [];
    const paths: PathDecl[] = [];
    /** Nodes written in this file (as opposed to merged in from an import). */
    const local = new Set<number>();
    const worldNames = new Set<string>();
    const nameOf = (c: Component): string => renames.get(c.name.id) ?? c.name.text;
    /** Whether two nodes are one item of one file, in two instances of it (imports that bind it apart). */
    const sameItem = (a: NodeId, b: NodeId): boolean => {
      const x = sources.span(a);
      const y = sources.span(b);
      return x.start === y.start && fileKey(x.file) === fileKey(y.file);
    };
    // A stand-in at this level: a component an import of this file (or of a file below) binds,
    // which any other definition of its name replaces. Not one only the importer's bindings
    // rename (`renames` holds those too): a definition stays one.
    const standIns = new Set<Component>();
    const worldNameOf = new Map<Component, string>();
    /** Per component merged from an import: that import (its node). */
    const importOf = new Map<Component, NodeId>();
    const isStandIn = (c: Component): boolean => standIns.has(c);
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
      else if (!isLocal && sameItem(list[i]!.id, item.id)) list.push(item); // another copy, bound apart: both are checked
      else {
        // Replaces the item of that name, and every other copy of it that imports bound apart.
        list[i] = item;
        for (let j = list.length - 1; j > i; j--) if (same(list[j]!)) list.splice(j, 1);
      }
      if (isLocal) local.add(item.id);
    };
    const addComponent = (c: Component, isLocal: boolean): void => {
      // Compared by their names at this level: the importer's bindings may give two of them one
      // name, and the level whose binding does so is where one replaces the other.
      const here = (x: Component): string => worldNameOf.get(x) ?? x.name.text;
      const i = components.findIndex((p) => here(p) === here(c));
      if (i >= 0 && components[i]!.id === c.id) return;
      if (i >= 0 && isStandIn(c)) return; // the definition already merged replaces the stand-in
      if (i >= 0 && isStandIn(components[i]!)) components[i] = c;
      else if (i >= 0 && importOf.has(c) && importOf.has(components[i]!) && sameItem(c.name.id, components[i]!.name.id)) {
        // One definition, in two copies of its file that imports bound apart (spec/language.md §3).
        const file = sources.span(c.name.id).file;
        return void diagnostics.push(
          error("E0301", `component '${nameOf(c)}' is defined more than once: '${file}' is copied by two imports that bind it apart, and each copy defines it`, sources.span(importOf.get(c)!), {
            related: [
              { span: sources.span(importOf.get(components[i]!)!), message: "the first copy's import" },
              { span: sources.span(c.name.id), message: "the definition copied" },
            ],
            help: `bind '${c.name.text}' in each import to a component of its own, or define it in a file both copies import without binding it (as scenarios/lib/ does with root.nizza)`,
          }),
        );
      } else if (i >= 0) return duplicate("E0301", `component '${nameOf(c)}'`, c.name.id, components[i]!.name.id);
      else components.push(c);
      if (isLocal) local.add(c.id);
    };
    const addInvariant = (inv: Invariant, isLocal: boolean): void =>
      place(
        invariants,
        inv,
        isLocal,
        // Unnamed, the same property: as bound (a file imported twice, bound apart, gives two).
        (p) => (inv.name ? p.name?.text === inv.name.text : p.name === null && sameModuloIds(p.prop, inv.prop, (id) => renames.get(id))),
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
          const target = importTarget(fileName, item.path.value);
          const key = fileKey(target);
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
          if (stack.length >= MAX_IMPORT_DEPTH) {
            diagnostics.push(
              error("E0206", `imports nested too deep: a chain of imports holds at most ${MAX_IMPORT_DEPTH} files, and '${target}' would be one more`, span, {
                help: "import the files a chain leads to directly, from fewer levels",
              }),
            );
            break;
          }
          if (item.path.value === "") {
            diagnostics.push(error("E0201", "an import needs a file name: the path is empty", span, { help: 'name the .nizza file to import, relative to this file: import "base.nizza"' }));
            break;
          }
          const parsed = read(target);
          if ("failed" in parsed) {
            diagnostics.push(unreadable(target, parsed.failed, span));
            break;
          }
          const seen = new Map<string, number>();
          for (const b of item.bindings) {
            const prior = seen.get(b.standIn.text);
            if (prior === undefined) seen.set(b.standIn.text, b.standIn.id);
            else
              diagnostics.push(
                error("E0205", `the import binds '${b.standIn.text}' twice`, sources.span(b.standIn.id), {
                  related: [{ span: sources.span(prior), message: "first bound here" }],
                }),
              );
          }
          const m = mergeFile(target, stack, item.path.id, childAlias(item, alias));
          if (!m) break;
          for (const b of item.bindings)
            if (!m.worldNames.has(b.standIn.text))
              diagnostics.push(
                error("E0204", `'${target}' defines no component '${b.standIn.text}' to bind`, sources.span(b.standIn.id), {
                  help: didYouMean(b.standIn.text, m.worldNames) ?? `its components are ${[...m.worldNames].sort().join(", ")}`,
                }),
              );
          const bound = new Map(item.bindings.map((b) => [b.standIn.text, b.to.text]));
          for (const n of m.worldNames) worldNames.add(bound.get(n) ?? n);
          if (m.machine) machine = m.machine;
          if (m.kernel) kernel = m.kernel;
          for (const c of m.components) {
            const wn = m.worldNameOf.get(c) ?? c.name.text;
            worldNameOf.set(c, bound.get(wn) ?? wn);
            if (m.standIns.has(c) || bound.has(wn)) standIns.add(c);
            importOf.set(c, item.id);
            addComponent(c, false);
          }
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
          worldNames.add(item.name.text);
          worldNameOf.set(item, item.name.text);
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
    return { name: ast.name.text, nameId: ast.name.id, machine, kernel, components, invariants, paths, renames, worldNames, worldNameOf, standIns: new Set(components.filter(isStandIn)) };
  };

  const root = read(path);
  if ("failed" in root) {
    diagnostics.push(unreadable(path, root.failed));
    return { phase: "loaded", sources, files, merged: null, diagnostics };
  }
  const merged = mergeFile(path, [], null, NO_ALIAS);
  return { phase: "loaded", sources, files, merged, diagnostics };
}

/**
 * E0201: a scenario file (no `at`) or an imported one (`at`: the import's path) cannot be read,
 * with the reason; a folder where one file is wanted is said to be one.
 */
export function unreadable(path: string, e: unknown, at?: Span): Diagnostic {
  const what = at ? "imported file" : "file";
  if ((e as NodeJS.ErrnoException | null)?.code === "EISDIR")
    return at
      ? error("E0201", `cannot import '${path}': it is a folder, and an import names one .nizza file`, at)
      : error("E0201", `cannot read file '${path}': it is a folder, and this command takes one .nizza file`, undefined, {
          help: "name one .nizza file in it (nizza parse, fmt and check also search folders)",
        });
  return error("E0201", `cannot read ${what} '${path}': ${ioReason(e)}`, at);
}
