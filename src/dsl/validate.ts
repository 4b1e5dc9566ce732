// Phase 4, validate: every rule of spec/language.md that names alone do not settle.
import { MAX_LABELS } from "../machine/memory.js";
import type { Block, Expr, ItemClause, Name, Num, Rights, Stmt } from "./ast.js";
import { builtin, type ValueType } from "./builtins.js";
import type { Code } from "./codes.js";
import { error, type Diagnostic } from "./diagnostics.js";
import { FRAME_BYTES, formatSize, isSizeSuffix, numParts, numValue } from "./literals.js";
import { componentName } from "./load.js";
import { didYouMean } from "./names.js";
import type { ComponentSym, Resolved, Target } from "./resolve.js";
import { parseRights, type CapKind } from "./rights.js";
import type { NodeId } from "./source.js";
import { FAULT_FLAGS, isFaultFlag } from "../kernel/faults.js";
import { isPersonality, PERSONALITIES } from "../kernel/personality.js";
import { COST_PRESETS, isCostPreset } from "../timing/presets.js";

export interface Validated extends Omit<Resolved, "phase"> {
  readonly phase: "validated";
}

/** Machine defaults (DESIGN.md §2): 1 CPU, 64M, no devices, no IOMMU. */
export const DEFAULT_CPUS = 1;
export const DEFAULT_MEMORY = 64 * 1024 * 1024;
export const MAX_CPUS = 64;
export const MAX_REPLICAS = 64;

export function validate(r: Resolved): Validated {
  const { sources, merged } = r;
  const diagnostics: Diagnostic[] = [...r.diagnostics];
  const err = (code: Code, message: string, at: NodeId, help?: string): void => {
    diagnostics.push(error(code, message, sources.span(at), help ? { help } : {}));
  };
  // A label set is one word of the state (spec/kernel.md §2.2): at most MAX_LABELS labels.
  const extra = [...r.labels].slice(MAX_LABELS);
  if (extra.length > 0)
    err(
      "E0430",
      `too many labels: a label set is one word of the state and holds at most ${MAX_LABELS}, and '${extra[0]![0]}' is label ${MAX_LABELS + 1} of ${r.labels.size}`,
      extra[0]![1][0]!,
      "use fewer labels: one label per kind of secret is enough for 'never flows'",
    );
  /** The component a name was resolved to (undefined when it is unknown: already reported). */
  const compOf = (n: Name): number | undefined => {
    const t = r.targets.get(n.id);
    return t?.kind === "component" ? t.comp : undefined;
  };
  /** Records a setting; reports and returns false when it was already given. */
  const once = (seen: Map<string, NodeId>, key: string, at: NodeId, what: string): boolean => {
    const prior = seen.get(key);
    if (prior === undefined) {
      seen.set(key, at);
      return true;
    }
    diagnostics.push(
      error("E0318", `${what} is given more than once`, sources.span(at), {
        related: [{ span: sources.span(prior), message: "first given here" }],
      }),
    );
    return false;
  };

  // ---- numbers ----------------------------------------------------------------------
  /**
   * A size in bytes: K/M/G suffix or none, a positive whole number of 4K frames.
   * `what` names the size ("the size of region 'key'"); the literal follows in parentheses.
   */
  const size = (n: Num, what: string): number | null => {
    const p = numParts(n.text);
    if (!isSizeSuffix(p.suffix)) {
      err("E0405", `bad size suffix '${p.suffix}' in '${n.text}': sizes take K, M or G`, n.id);
      return null;
    }
    const v = numValue(n);
    if (!Number.isSafeInteger(v)) {
      err("E0413", `${what} (${n.text}) is too large`, n.id);
      return null;
    }
    if (v === 0) {
      err("E0406", `${what} (${n.text}) must be at least one 4K frame`, n.id);
      return null;
    }
    if (v % FRAME_BYTES !== 0) {
      const whole = formatSize(Math.ceil(v / FRAME_BYTES) * FRAME_BYTES);
      err("E0406", `${what} (${n.text}) is not a whole number of 4K frames`, n.id, `round it up to ${whole}`);
      return null;
    }
    return v;
  };
  /** A plain count in [min, max]; no suffix. */
  const count = (n: Num, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null => {
    const p = numParts(n.text);
    if (p.suffix !== "") {
      if (isSizeSuffix(p.suffix))
        err("E0413", `${what} takes no size suffix: '${n.text}'`, n.id, `a count is a plain number; write it without the '${p.suffix}'`);
      else err("E0405", `bad suffix '${p.suffix}' in '${n.text}'`, n.id);
      return null;
    }
    const v = numValue(n);
    if (!Number.isSafeInteger(v) && v > max) {
      // Past 2^53 - 1 a count is no longer exact (spec/language.md §1): the reason is its size, whatever the range.
      err("E0413", `${what} (${n.text}) is too large: at most ${max}`, n.id);
      return null;
    }
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      err(min === 1 && what === "a replica count" ? "E0409" : "E0413", `${what} must be ${range}, not ${n.text}`, n.id);
      return null;
    }
    return v;
  };

  // ---- machine ----------------------------------------------------------------------
  const irqLines = new Map<number, { device: string; at: NodeId }>();
  let cpus = DEFAULT_CPUS;
  let memory = DEFAULT_MEMORY;
  /** False when the machine's value was invalid (already reported): checks against it would only cascade. */
  let cpusValid = true;
  let memoryValid = true;
  let memoryItem: NodeId | null = null;
  {
    const seen = new Map<string, NodeId>();
    for (const it of merged.machine?.items ?? []) {
      switch (it.kind) {
        case "Cpus":
          if (!once(seen, "cpus", it.id, "'cpus'")) break;
          {
            const v = count(it.count, "the number of CPUs", 1, MAX_CPUS);
            if (v === null) cpusValid = false;
            else cpus = v;
          }
          break;
        case "MachineMemory":
          if (!once(seen, "memory", it.id, "'memory'")) break;
          {
            const v = size(it.size, "the memory size");
            if (v === null) memoryValid = false;
            else memory = v;
          }
          memoryItem = it.id;
          break;
        case "Iommu":
          once(seen, "iommu", it.id, "'iommu'");
          break;
        case "Device": {
          const dseen = new Map<string, NodeId>();
          for (const d of it.items ?? []) {
            once(dseen, d.kind, d.id, `'${d.kind.toLowerCase()}' of device '${it.name.text}'`);
            if (d.kind === "Produces") distinct(d.labels, `the labels of device '${it.name.text}'`);
            if (d.kind === "Irq") {
              const line = count(d.line, "an IRQ line", 0, 255);
              // An IRQ is a semaphore of the device's driver (DESIGN.md §4): one line, one device.
              const prior = line === null ? undefined : irqLines.get(line);
              if (prior) {
                diagnostics.push(
                  error("E0427", `IRQ line ${line} is already used by device '${prior.device}'`, sources.span(d.line.id), {
                    related: [{ span: sources.span(prior.at), message: `'${prior.device}' uses it here` }],
                  }),
                );
              } else if (line !== null) irqLines.set(line, { device: it.name.text, at: d.line.id });
            }
            if (d.kind === "Mmio") size(d.size, `the MMIO size of device '${it.name.text}'`);
          }
          break;
        }
      }
    }
  }

  // ---- kernel ----------------------------------------------------------------------
  if (merged.kernel) {
    const k = merged.kernel;
    if (!isPersonality(k.personality.text))
      err(
        "E0401",
        `unknown kernel personality '${k.personality.text}'`,
        k.personality.id,
        didYouMean(k.personality.text, Object.keys(PERSONALITIES)) ?? `personalities are ${Object.keys(PERSONALITIES).join(", ")}`,
      );
    const seen = new Map<string, NodeId>();
    for (const o of k.options ?? []) {
      switch (o.kind) {
        case "PreemptibleRevoke":
          once(seen, "preemptible", o.id, "'preemptible revoke'");
          break;
        case "StrictScheduling":
          once(seen, "strict", o.id, "'strict scheduling'");
          break;
        case "Fault":
          if (!once(seen, `fault ${o.flag.text}`, o.id, `fault flag '${o.flag.text}'`)) break;
          if (!isFaultFlag(o.flag.text))
            err("E0402", `unknown fault flag '${o.flag.text}'`, o.flag.id, didYouMean(o.flag.text, Object.keys(FAULT_FLAGS)) ?? `fault flags are ${Object.keys(FAULT_FLAGS).join(", ")}`);
          break;
        case "Costs":
          if (!once(seen, "costs", o.id, "'costs'")) break;
          if (!isCostPreset(o.preset.value))
            err("E0403", `unknown cost preset "${o.preset.value}"`, o.preset.id, didYouMean(o.preset.value, Object.keys(COST_PRESETS)) ?? `presets are ${Object.keys(COST_PRESETS).join(", ")}`);
          break;
      }
    }
    // A seeded bug lives in a mechanism; without the mechanism the flag would silently do nothing.
    const preemptible = (k.options ?? []).some((o) => o.kind === "PreemptibleRevoke");
    for (const o of k.options ?? [])
      if (o.kind === "Fault" && o.flag.text === "revoke_race" && !preemptible)
        err("E0428", "fault flag 'revoke_race' seeds a race in preemptible revoke, but this kernel's revoke is not preemptible", o.flag.id, "add 'preemptible revoke' to the kernel options");
  }

  // ---- components ----------------------------------------------------------------------
  const roots = r.components.filter((c) => c.node.root);
  if (roots.length === 0)
    err("E0407", "no root component: exactly one component must be declared 'trusted root' (sigma0)", merged.components[0]?.name.id ?? systemNameId(r));
  for (const extra of roots.slice(1))
    diagnostics.push(
      error("E0408", `'${extra.name}' is a second root component; a system has exactly one`, sources.span(extra.node.name.id), {
        related: [{ span: sources.span(roots[0]!.node.name.id), message: `'${roots[0]!.name}' is the root` }],
      }),
    );
  const replicasOf = new Map<number, number>();
  let ramBytes = 0;
  /** The first region that takes the total past the machine's memory. */
  let overflow: { region: NodeId; name: string } | null = null;
  const deviceOwner = new Map<string, { comp: number; at: NodeId }>();
  for (const c of r.components) {
    const n = c.node;
    const replicas = n.replicas ? count(n.replicas, "a replica count", 1, MAX_REPLICAS) ?? 1 : 1;
    replicasOf.set(c.index, replicas);
    if (n.root && n.trust !== "trusted") err("E0416", `the root component '${c.name}' must be trusted`, n.name.id);
    if (n.root && n.replicas) err("E0417", `the root component '${c.name}' cannot be replicated`, n.replicas.id);
    const seen = new Map<string, NodeId>();
    for (const it of n.items) {
      switch (it.kind) {
        case "Sloc":
          once(seen, "sloc", it.id, "'sloc'");
          count(it.count, "a SLOC count", 0);
          break;
        case "Region": {
          distinct(it.labels ?? [], `the labels of region '${it.name.text}'`);
          const v = size(it.size, `the size of region '${it.name.text}'`);
          if (v !== null) ramBytes += v * replicas;
          if (ramBytes > memory && overflow === null) overflow = { region: it.id, name: `${c.name}.${it.name.text}` };
          break;
        }
        case "UseDevice": {
          const prior = deviceOwner.get(it.device.text);
          if (prior?.comp === c.index) once(seen, `device ${it.device.text}`, it.device.id, `device '${it.device.text}'`);
          else if (prior !== undefined)
            diagnostics.push(
              error("E0422", `device '${it.device.text}' is already assigned to '${r.components[prior.comp]!.name}'; a device has one driver`, sources.span(it.device.id), {
                related: [{ span: sources.span(prior.at), message: "first assigned here" }],
              }),
            );
          else {
            deviceOwner.set(it.device.text, { comp: c.index, at: it.device.id });
            seen.set(`device ${it.device.text}`, it.device.id);
          }
          if (n.replicas) err("E0422", `device '${it.device.text}' cannot be assigned to the replicated component '${c.name}'`, it.device.id);
          break;
        }
        case "Pager":
          once(seen, "pager", it.id, "'pager'");
          if (compOf(it.pager) === c.index) err("E0420", `component '${c.name}' cannot be its own pager`, it.pager.id);
          else replicatedElsewhere(it.pager, c);
          break;
        case "Exceptions":
          once(seen, "exceptions", it.id, "'exceptions'");
          if (compOf(it.handler) === c.index) err("E0420", `component '${c.name}' cannot handle its own exceptions`, it.handler.id);
          else replicatedElsewhere(it.handler, c);
          break;
        case "Adversary":
          once(seen, "adversary", it.id, "'adversary steps'");
          if (n.trust === "trusted") err("E0423", `'adversary steps' bounds an untrusted component; '${c.name}' is trusted`, it.id);
          count(it.steps, "an adversary step bound", 0);
          break;
        case "Caps":
          for (const e of it.entries) {
            const t = r.targets.get(e.target.id);
            if (t) rights(e.rights, capKind(t));
          }
          break;
        case "Thread": {
          const tseen = new Map<string, NodeId>();
          for (const a of it.attrs) {
            once(tseen, a.attr, a.id, `'${a.attr}'`);
            if (a.attr === "prio") count(a.value, "a priority", 0, 255);
            else {
              const cpu = count(a.value, "a CPU number", 0);
              if (cpu !== null && cpusValid && cpu >= cpus)
                err("E0415", `thread '${it.name.text}' runs on CPU ${cpu}, but the machine has ${cpus} CPU${cpus === 1 ? "" : "s"} (numbered from 0)`, a.value.id);
            }
          }
          block(it.body, c);
          break;
        }
        case "Portal":
        case "Semaphore":
          break;
      }
    }
  }
  if (overflow && memoryValid) {
    const message = `region '${overflow.name}' does not fit in memory: the components' regions need ${formatSize(ramBytes)} but the machine has ${formatSize(memory)}`;
    diagnostics.push(
      memoryItem !== null
        ? error("E0414", message, sources.span(overflow.region), {
            related: [{ span: sources.span(memoryItem), message: "the machine's memory is set here" }],
          })
        : error("E0414", message, sources.span(overflow.region), {
            help: `without 'memory' in a 'machine' block the machine has ${formatSize(DEFAULT_MEMORY)}`,
          }),
    );
  }

  // ---- invariants and paths ---------------------------------------------------------
  for (const inv of merged.invariants) {
    const p = inv.prop;
    switch (p.kind) {
      case "Isolated":
        // An unknown name is already reported; repeating it here would be a cascade.
        if (compOf(p.a) !== undefined && compOf(p.a) === compOf(p.b))
          err("E0421", `'isolated' needs two different components, not '${r.components[compOf(p.a)!]!.name}' twice`, p.b.id);
        for (const m of p.via)
          if (compOf(m) !== undefined && (compOf(m) === compOf(p.a) || compOf(m) === compOf(p.b)))
            err("E0421", `'${r.components[compOf(m)!]!.name}' cannot mediate between itself and another component`, m.id);
        distinct(p.via, "the mediators");
        break;
      case "NeverFlows":
        if (p.labels.length === 0) err("E0426", "'never flows' needs at least one label: with none it says nothing", p.id);
        distinct(p.labels, "the labels");
        distinct(p.sinks, "the sinks");
        break;
      case "TcbSubset":
        distinct(p.bound, "the TCB bound");
        break;
      case "TcbSloc":
        count(p.max, "a SLOC bound", 0);
        break;
      case "Always":
      case "Never":
        expect(p.cond, "bool", null);
        break;
      default:
        break;
    }
  }
  for (const p of merged.paths) {
    if (p.within) count(p.within, "a cycle budget", 0);
    if (p.expect)
      err("E0411", "'expect' applies to invariants, not paths: a path's budget ('within N cycles') is checked as written", p.expect.id);
  }

  return { ...r, phase: "validated", diagnostics };

  // ---- helpers (hoisted) -----------------------------------------------------------
  /** A list of names says each name once. */
  function distinct(names: readonly Name[], what: string): void {
    const seen = new Map<string, NodeId>();
    for (const n of names) {
      // As bound: two names an import's bindings made one are the same (a label is never renamed).
      const name = componentName(merged, n);
      const prior = seen.get(name);
      if (prior === undefined) seen.set(name, n.id);
      else
        diagnostics.push(
          error("E0426", `'${name}' appears twice in ${what}`, sources.span(n.id), {
            related: [{ span: sources.span(prior), message: "first given here" }],
          }),
        );
    }
  }
  function capKind(t: Target): CapKind {
    if (t.kind === "device" || t.kind === "label" || t.kind === "var") throw new Error(`not a capability target: ${t.kind}`);
    return t.kind === "irq" ? "semaphore" : t.kind === "mmio" ? "region" : t.kind;
  }
  function rights(rs: Rights, kind: CapKind): void {
    const res = parseRights(kind, rs.words.map((w) => w.text));
    if ("error" in res) err("E0404", res.error, rs.id);
  }
  /** Statements may not name an object of another replicated component: which replica would it be? */
  function replicatedElsewhere(n: Name, self: ComponentSym): void {
    const t = r.targets.get(n.id);
    if (t && "comp" in t) {
      const other = r.components[t.comp]!;
      if (other.index !== self.index && other.node.replicas)
        err("E0425", `'${other.name}' is replicated; a single statement or setting cannot tell which replica it means`, n.id);
    }
  }
  /** The object a statement names; undefined when it is unresolved or ambiguous (both already reported). */
  function objectRef(ref: { id: NodeId; parts: readonly Name[] }, self: ComponentSym): Target | undefined {
    const t = r.targets.get(ref.id);
    if (t && "comp" in t) {
      const other = r.components[t.comp]!;
      if (other.index !== self.index && other.node.replicas) {
        err("E0425", `'${other.name}' is replicated; a single statement cannot tell which replica '${ref.parts.map((p) => p.text).join(".")}' means`, ref.id);
        return undefined;
      }
    }
    return t;
  }
  /** A capability item: an object of this or a single other component, with rights its kind has. */
  function item(it: ItemClause, c: ComponentSym): void {
    const t = objectRef(it.cap, c);
    if (t && it.rights) rights(it.rights, capKind(t));
  }
  function block(b: Block, c: ComponentSym): void {
    for (const s of b.stmts) stmt(s, c);
  }
  function stmt(s: Stmt, c: ComponentSym): void {
    switch (s.kind) {
      case "Call":
        objectRef(s.portal, c);
        s.args.forEach((a) => expect(a, "data", c));
        if (s.item) item(s.item, c);
        if (s.timeout) count(s.timeout, "a timeout", 0);
        return;
      case "Recv": {
        const t = objectRef(s.portal, c);
        if (t && t.kind === "portal" && t.comp !== c.index)
          err("E0418", `a component receives only on its own portals; '${s.portal.parts.map((p) => p.text).join(".")}' belongs to '${r.components[t.comp]!.name}'`, s.portal.id);
        return;
      }
      case "Reply":
        if (s.item) item(s.item, c);
        return void expect(s.value, "data", c);
      case "Up":
      case "Down":
        return void objectRef(s.sem, c);
      case "Read":
        return void objectRef(s.region, c);
      case "Write":
        objectRef(s.region, c);
        return void expect(s.value, "data", c);
      case "Delegate": {
        const t = objectRef(s.cap, c);
        if (t) rights(s.rights, capKind(t));
        replicatedElsewhere(s.to, c);
        return;
      }
      case "Revoke":
        return void objectRef(s.cap, c);
      case "Map":
        objectRef(s.region, c);
        if (s.rights) rights(s.rights, "region");
        if (s.to) replicatedElsewhere(s.to, c);
        return;
      case "Unmap":
        return void objectRef(s.region, c);
      case "Loop":
        return block(s.body, c);
      case "Repeat":
        // The hidden counter is one 32-bit word of the EC record (language.md §9.2).
        count(s.count, "a repeat count", 1, 2 ** 31 - 1);
        return block(s.body, c);
      case "Choose":
        return s.branches.forEach((b) => block(b, c));
      case "If":
        expect(s.cond, "bool", c);
        block(s.then, c);
        if (s.else?.kind === "Block") block(s.else, c);
        else if (s.else) stmt(s.else, c);
        return;
      case "Assert":
        return void expect(s.cond, "bool", c);
      case "Raise":
        return void expect(s.value, "data", c);
    }
  }
  /** Checks an expression has the wanted type; `c` is the component whose thread it is in (null: an invariant). */
  function expect(e: Expr, want: ValueType, c: ComponentSym | null): void {
    const got = typeOf(e, c);
    if (got && got !== want)
      err(
        "E0419",
        want === "bool" ? "expected a condition, found a data value" : "expected a data value, found a condition",
        e.id,
        want === "bool"
          ? "a condition compares values ('x == ok', 'x != 0') or is a predicate (holds, maps, knows), joined with and, or, not"
          : undefined,
      );
  }
  function typeOf(e: Expr, c: ComponentSym | null): ValueType | null {
    switch (e.kind) {
      case "Ok":
        return "data";
      case "Int":
        count(e.value, "an integer constant", 0, 0xfffff);
        return "data";
      case "RefExpr":
        return r.targets.get(e.ref.id)?.kind === "var" ? "data" : null;
      case "Not":
        expect(e.arg, "bool", c);
        return "bool";
      case "Binary":
        if (e.op === "and" || e.op === "or") {
          expect(e.left, "bool", c);
          expect(e.right, "bool", c);
        } else {
          expect(e.left, "data", c);
          expect(e.right, "data", c);
        }
        return "bool";
      case "Apply": {
        const b = builtin(e.fn.text);
        if (!b) return null;
        if (b.declassifies && (!c || c.node.trust !== "trusted"))
          err("E0410", c ? `'${e.fn.text}' declassifies data and is allowed only in trusted components; '${c.name}' is untrusted` : `'${e.fn.text}' declassifies data and is allowed only in threads of trusted components`, e.fn.id);
        e.args.forEach((a, i) => {
          if (b.params[i] === "data") expect(a, "data", c);
          // The key region of seal/open, read by a thread: it must denote one region. (The region
          // of `maps` may name a replicated component's: a predicate is true of the group when
          // it is of some replica, §6.6, as for `holds`.)
          else if (b.params[i] === "region" && b.declassifies && c && a.kind === "RefExpr") objectRef(a.ref, c);
        });
        return b.result;
      }
    }
  }
}

function systemNameId(r: Resolved): NodeId {
  return r.merged.nameId;
}
