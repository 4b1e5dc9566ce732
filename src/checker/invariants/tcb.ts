// The trusted computing base (DESIGN.md §6): who affects whom in some reachable state, closed transitively; tcb(c) <= {…} and tcb(c).sloc <= N judged on it.
import type { ExprModel, InvariantModel, StmtModel } from "../../dsl/model.js";
import type { System } from "../../components/step.js";
import { kernelObjects } from "../../components/flow.js";
import { objectName } from "../../components/names.js";
import { capKind, capObject, capRights, Kind, NO_CAP, Right } from "../../kernel/cap.js";
import { ecGet, ecState } from "../../kernel/ec.js";
import { EC, EcState, SC, type StateVector } from "../../kernel/layout.js";
import { scGet } from "../../kernel/sc.js";
import { capAt, globalSlot, slotsOf } from "../../kernel/space.js";
import { dmaDevices, memoryReach, reachText } from "./isolated.js";
import { keysOf, sealingsOf } from "../../dsl/keys.js";
import { expressionsOf, statementsOf, subexpressions } from "../../dsl/model.js";

/** A TCB: its members (model order; the component itself included) and their SLOC. The kernel is always in it too. */
export interface TcbSet {
  readonly members: readonly number[];
  readonly sloc: number;
}

/** One link of a chain that puts a component in a TCB: `from` affects `to`, why, from state `state` (the judge's numbering) on. */
export interface TcbLink {
  readonly from: number;
  readonly to: number;
  readonly why: string;
  readonly state: number;
}

/** What an accumulator has learnt, for another to merge (a parallel explorer's worker's). */
export interface TcbSnapshot {
  readonly first: Int32Array;
  readonly why: string[];
  readonly memory: Int32Array;
  readonly means: string[];
}

/** The four ways a component meets a memory object (spec/invariants.md §6, memory), as table rows. */
const CAN_WRITE = 0;
const CAN_READ = 1;
const USES_READ = 2;
const USES_WRITE = 3;

/** A failed TCB bound: the state where the offending relation first appeared, and why. */
export interface TcbFailure {
  readonly state: number;
  readonly reason: string;
}

/**
 * Accumulates the relation "d affects c" (spec/invariants.md §6) over every state it is
 * shown, recording for each pair the index of the first state that showed it and why.
 * The static parts of the relation (root, pager, exception handler, portals whose reply
 * a thread binds) hold from state 0 on.
 */
export class TcbAccumulator {
  private readonly n: number;
  /** first[d * n + c]: the first state in which d affects c; -1 while it has not. */
  private readonly first: Int32Array;
  private readonly why: string[];
  /** image[d * n + c]: 1 when the pair's first state is known only as the image of another pair's (`closeUnder`). */
  private readonly image: Uint8Array;
  private unknown: number;
  /** The memory objects: how many. */
  private readonly M: number;
  /**
   * memory[(w * n + x) * M + m]: the first state in which component x can write (w = CAN_WRITE)
   * or read (CAN_READ) memory object m, or uses it so (USES_READ, USES_WRITE); -1 while not
   * yet. The memory relation pairs these across states, since a region keeps what was written
   * into it after the writer's mapping is gone (spec §6, memory).
   */
  private readonly memory: Int32Array;
  /** For the CAN_ rows, how x reaches m in that first state ("", or " (via …)"). */
  private readonly means: string[];
  /** The memory pairs one state was seen to show both halves of (`pair`'s `together`): ((row * n + d) * n + c) * M + m. */
  private readonly together = new Set<number>();
  /** Per trusted component, the memory objects its threads' `read` and `write` statements name; null for an untrusted one (its adversary uses anything). */
  private readonly uses: ({ readonly read: ReadonlySet<number>; readonly write: ReadonlySet<number> } | null)[];
  /**
   * The PTs of sealing oracles: a portal a component c receives on, when one of c's threads
   * seals what it computes from its variables with a key of c that c opens values with; per
   * PT, c, the portal and the key (spec §6, structure).
   */
  private readonly oracles = new Map<number, readonly Oracle[]>();
  /** How many times a pair's or a memory row's first state was set: a caller tells by it whether a state taught it anything. */
  changes = 0;

  constructor(private readonly sys: System) {
    const model = sys.model;
    this.n = model.components.length;
    this.first = new Int32Array(this.n * this.n).fill(-1);
    this.why = new Array<string>(this.n * this.n).fill("");
    this.image = new Uint8Array(this.n * this.n);
    this.unknown = this.n * (this.n - 1);
    this.M = sys.k.L.counts.mem;
    this.memory = new Int32Array(4 * this.n * this.M).fill(-1);
    this.means = new Array<string>(2 * this.n * this.M).fill("");
    this.uses = model.components.map((c) => (c.trusted ? memoryUse(sys, c.threads) : null));
    const name = (c: number): string => model.components[c]!.name;
    const root = model.components.findIndex((c) => c.root);
    for (const c of model.components) {
      if (root >= 0) this.record(root, c.index, 0, () => `${name(root)} is the root, the parent of ${c.name}`);
      if (c.pager !== null) this.record(c.pager, c.index, 0, () => `${name(c.pager!)} is ${c.name}'s pager`);
      if (c.exceptions !== null) this.record(c.exceptions, c.index, 0, () => `${name(c.exceptions!)} handles ${c.name}'s exceptions`);
    }
    for (const t of model.threads)
      for (const p of boundCalls(t.body, new Set(model.components[t.owner]!.regions))) {
        const portal = model.portals[p]!;
        this.record(portal.owner, t.owner, 0, () => `${name(portal.owner)} serves ${name(portal.owner)}.${portal.name}, whose reply ${name(t.owner)}.${t.name} binds`);
      }
    // Authenticated use trusts that only c's threads make what opens with c's keys: another
    // component that seals with a key c opens a server's reply with can make values c accepts
    // (spec §6, structure).
    const opens = model.components.map(() => new Set<number>());
    for (const t of model.threads) for (const k of authenticatingKeys(t.body)) opens[t.owner]!.add(k);
    for (const t of model.threads)
      for (const k of keysOf(t.body, "seal")) {
        const region = model.regions[k]!;
        if (region.owner !== t.owner && opens[region.owner]!.has(k))
          this.record(t.owner, region.owner, 0, () => `${name(t.owner)}.${t.name} seals with ${name(region.owner)}.${region.name}, a key ${name(region.owner)} opens values with`);
      }
    // And c itself is a sealing oracle when a thread of c seals data (anything computed from a
    // variable) with such a key: whoever can call a portal c receives on can have what it
    // sends sealed and handed back as a reply c accepts. Those callers are found per state.
    const sealsData = model.components.map((): number => -1);
    for (const t of model.threads)
      for (const e of sealingsOf(t.body))
        if (e.kind === "seal" && model.regions[e.key]!.owner === t.owner && opens[t.owner]!.has(e.key) && mentionsVariable(e.data)) sealsData[t.owner] = e.key;
    // Per portal, the oracles it feeds (one per component c: a relay may feed several).
    const portals = new Map<number, Oracle[]>();
    const feed = (portal: number, o: Oracle): boolean => {
      const fed = portals.get(portal) ?? [];
      if (fed.some((x) => x.c === o.c)) return false;
      portals.set(portal, [...fed, o]);
      return true;
    };
    for (const t of model.threads) {
      const key = sealsData[t.owner]!;
      if (key < 0) continue;
      for (const st of statementsOf(t.body)) if (st.kind === "recv") feed(st.portal, { c: t.owner, portal: st.portal, key, via: [] });
    }
    // A trusted relay passes on what it receives: a thread of r that receives on q and calls an
    // oracle's portal with data makes q an oracle's portal too (r does as told, so whoever can
    // call q has what it sends sealed, through r), for every oracle it calls. To a fixed point:
    // relays of relays.
    for (let grew = true; grew; ) {
      grew = false;
      for (const t of model.threads) {
        if (!model.components[t.owner]!.trusted) continue;
        const stmts = statementsOf(t.body);
        const to = stmts.flatMap((st) => (st.kind === "call" && st.args.some(mentionsVariable) ? (portals.get(st.portal) ?? []) : [])).filter((o) => o.c !== t.owner);
        for (const st of stmts) if (st.kind === "recv") for (const o of to) if (feed(st.portal, { ...o, via: [...o.via, st.portal] })) grew = true;
      }
    }
    for (const [portal, fed] of portals) for (const pt of sys.k.L.boot.portalPts[portal]!) this.oracles.set(pt, fed);
  }

  /** Records that d affects c from state `state` on; of two first states of a pair the lower wins. */
  private record(d: number, c: number, state: number, why: () => string, image = false): void {
    const k = d * this.n + c;
    if (d === c) return;
    const f = this.first[k]!;
    if (f >= 0 && f <= state) return;
    if (f < 0) this.unknown--;
    this.first[k] = state;
    this.why[k] = why();
    this.image[k] = image ? 1 : 0;
    this.changes++;
  }

  /** Whether the chain from d (bottleneck's `next`) has a link known only as an image under the replicas' symmetry. */
  private byImage(d: number, next: Map<number, number>): boolean {
    for (let x = d; next.has(x); x = next.get(x)!) if (this.image[x * this.n + next.get(x)!]) return true;
    return false;
  }

  /**
   * Records that x meets memory object m in row `row` from state `state` on, and pairs it with
   * what the other components were seen to do with m in any state (spec §6, memory): d affects
   * c when d can write m and c reads it, or d can read m and c writes it — in the same state or
   * not, since m keeps what was written into it.
   */
  private meet(row: number, x: number, m: number, state: number, means: () => string, now?: (row: number, y: number) => boolean, joint?: ReadonlySet<number>): void {
    const { n, M } = this;
    const at = (row * n + x) * M + m;
    const f = this.memory[at]!;
    if (f >= 0 && f <= state) return;
    this.memory[at] = state;
    this.changes++;
    if (row === CAN_WRITE || row === CAN_READ) this.means[(row * n + x) * M + m] = means();
    // The row it pairs with, and which of the two is d (the one that can) and c (the one that uses).
    const other = row === CAN_WRITE ? USES_READ : row === CAN_READ ? USES_WRITE : row === USES_READ ? CAN_WRITE : CAN_READ;
    for (let y = 0; y < n; y++) {
      const g = this.memory[(other * n + y) * M + m]!;
      if (g < 0 || y === x) continue;
      // Shown in one state: the state being observed shows y's side too, or both were first seen
      // in the same one, or (`joint`, under symmetry) the pair is the image of one shown so.
      const can = row === CAN_WRITE || row === CAN_READ;
      const together = now ? now(other, y) : g === state || (joint?.has(this.pairKey(can ? row : other, can ? x : y, can ? y : x, m)) ?? false);
      if (can) this.pair(row, x, y, m, Math.max(state, g), together);
      else this.pair(other, y, x, m, Math.max(state, g), together);
    }
  }

  /** d affects c through memory object m, known from state `state` on (`row`: d can write, or can read); `together`: shown in one state. */
  private pair(row: number, d: number, c: number, m: number, state: number, together: boolean): void {
    const { n, M } = this;
    if (together) this.together.add(this.pairKey(row, d, c, m));
    const model = this.sys.model;
    const name = (x: number): string => model.components[x]!.name;
    this.record(d, c, state, () => {
      const w = row === CAN_WRITE;
      const apart = together ? "" : " in another state: a memory object keeps what was written into it";
      return `${name(d)} can ${w ? "write" : "read"} ${objectName(model, this.sys.k.L, Kind.MEM, m)}${this.means[(row * n + d) * M + m]}, which ${name(c)} ${w ? "reads" : "writes"}${apart}`;
    });
  }

  private pairKey(row: number, d: number, c: number, m: number): number {
    return ((row * this.n + d) * this.n + c) * this.M + m;
  }

  /** What this accumulator has learnt so far, for another to merge. */
  snapshot(): TcbSnapshot {
    return { first: this.first.slice(), why: [...this.why], memory: this.memory.slice(), means: [...this.means] };
  }

  /**
   * Takes in another accumulator's findings (a parallel explorer's worker's, with state numbers
   * of the same exploration): of two first states the lower wins, and what one saw a component
   * do with a memory object pairs with what the other saw.
   */
  merge(o: TcbSnapshot): void {
    for (let k = 0; k < o.first.length; k++) {
      const f = o.first[k]!;
      if (f >= 0) this.record(Math.floor(k / this.n), k % this.n, f, () => o.why[k]!);
    }
    this.mergeMemory(o.memory, (at) => o.means[at] ?? "");
  }

  /** Whether `o` knows a pair, or a component's way with a memory object, that this accumulator does not. */
  knowsMore(o: TcbSnapshot): boolean {
    for (let k = 0; k < o.first.length; k++) if (o.first[k]! >= 0 && this.first[k]! < 0) return true;
    for (let k = 0; k < o.memory.length; k++) if (o.memory[k]! >= 0 && this.memory[k]! < 0) return true;
    return false;
  }

  /** Meets every entry of a memory table (first states, -1: not), in increasing order of state. */
  private mergeMemory(memory: Int32Array, means: (at: number) => string, joint?: ReadonlySet<number>): void {
    const { n, M } = this;
    const order = [...memory.keys()].filter((at) => memory[at]! >= 0).sort((a, b) => memory[a]! - memory[b]! || a - b);
    for (const at of order) {
      const row = Math.floor(at / (n * M));
      const x = Math.floor(at / M) % n;
      this.meet(row, x, at % M, memory[at]!, () => means(at), undefined, joint);
    }
  }

  /**
   * Closes the relation under permutations of the components and their memory objects
   * (symmetry reduction: the explorer saw one state of each orbit, and "d affects c" in a state
   * means "g(d) affects g(c)" in its image). `perms` generate the group; the closure runs to a
   * fixpoint. The memory tables are closed first: x meeting m in one state and y meeting m in
   * another may have been seen in representatives that name m differently.
   */
  closeUnder(perms: readonly { readonly comp: Int32Array; readonly mem: Int32Array }[]): void {
    const { n, M } = this;
    const name = (c: number): string => this.sys.model.components[c]!.name;
    const memory = this.memory.slice();
    const means = [...this.means];
    for (let changed = true; changed; ) {
      changed = false;
      for (const g of perms)
        for (let at = 0; at < memory.length; at++) {
          const f = memory[at]!;
          if (f < 0) continue;
          const row = Math.floor(at / (n * M));
          const to = (row * n + g.comp[Math.floor(at / M) % n]!) * M + g.mem[at % M]!;
          if (memory[to]! >= 0 && memory[to]! <= f) continue;
          memory[to] = f;
          if (row === CAN_WRITE || row === CAN_READ) means[to] = means[at]!;
          changed = true;
        }
    }
    // The pairs shown in one state, and their images: an image is shown in the image of that state.
    const joint = new Set(this.together);
    for (let grew = true; grew; ) {
      grew = false;
      for (const g of perms)
        for (const key of [...joint]) {
          const m = key % M;
          const c = Math.floor(key / M) % n;
          const d = Math.floor(key / (M * n)) % n;
          const row = Math.floor(key / (M * n * n));
          const to = this.pairKey(row, g.comp[d]!, g.comp[c]!, g.mem[m]!);
          if (!joint.has(to)) {
            joint.add(to);
            grew = true;
          }
        }
    }
    this.mergeMemory(memory, (at) => means[at]!, joint);
    for (let changed = true; changed; ) {
      changed = false;
      for (const { comp: g } of perms)
        for (let d = 0; d < n; d++)
          for (let c = 0; c < n; c++) {
            const k = d * n + c;
            const f = this.first[k]!;
            if (f < 0) continue;
            const gd = g[d]!;
            const gc = g[c]!;
            // The image holds from the same state on: known later (or not at all), it is lowered.
            const known = this.first[gd * n + gc]!;
            if (gd === gc || (known >= 0 && known <= f)) continue;
            const why = this.why[k]!.split(" — and so, by the replicas' symmetry")[0]!;
            this.record(gd, gc, f, () => `${why} — and so, by the replicas' symmetry, ${name(gd)} affects ${name(gc)}`, true);
            changed = true;
          }
    }
  }

  /** Whether a state can still add a pair (some pair is not known yet). */
  get learning(): boolean {
    return this.unknown > 0;
  }

  /**
   * Adds what state `s` (the explorer's state number `index`) shows; states come in
   * exploration order. It reads only the state's structure (projection.ts structureOf).
   */
  observe(s: StateVector, index: number): void {
    if (this.unknown === 0) return;
    const { sys, n } = this;
    const L = sys.k.L;
    const model = sys.model;
    const name = (c: number): string => model.components[c]!.name;
    const M = L.counts.mem;
    // How each component can read and write each memory object (isolated.ts memoryReach; 0: not).
    const reads = new Uint8Array(n * M);
    const writes = new Uint8Array(n * M);
    const drives: number[][] = [];
    const unconfined = !model.machine.iommu || L.faults.has("dma_no_iommu");
    for (let x = 0; x < n; x++) {
      drives.push(dmaDevices(sys, s, x));
      for (const d of drives[x]!) if (unconfined) for (let c = 0; c < n; c++) this.record(x, c, index, () => `${name(x)} drives ${model.machine.devices[d]!.name}, whose DMA no IOMMU confines`);
      for (let m = 0; m < M; m++) {
        reads[x * M + m] = memoryReach(sys, s, x, m, 1, drives[x]!);
        writes[x * M + m] = memoryReach(sys, s, x, m, 2, drives[x]!);
      }
    }
    // What x can do with each memory object, and what it uses: a trusted component only what its
    // statements access, an untrusted one anything it can (spec §6, memory).
    const uses = (c: number, m: number, write: boolean): boolean => {
      const u = this.uses[c];
      return (write ? writes : reads)[c * M + m] !== 0 && (u === null || (write ? u.write : u.read).has(m));
    };
    const means = (x: number, m: number, bit: number) => (): string => {
      const h = reachText(sys, s, x, m, bit, drives[x]!);
      return h === "mapped" ? "" : ` (${h})`;
    };
    // Each side, paired with what this and earlier states showed of the other.
    for (let m = 0; m < M; m++) {
      const now = (row: number, y: number): boolean => (row === CAN_WRITE ? writes[y * M + m] !== 0 : row === CAN_READ ? reads[y * M + m] !== 0 : uses(y, m, row === USES_WRITE));
      for (let x = 0; x < n; x++) {
        if (writes[x * M + m]) this.meet(CAN_WRITE, x, m, index, means(x, m, 2), now);
        if (uses(x, m, true)) this.meet(USES_WRITE, x, m, index, () => "", now);
        if (reads[x * M + m]) this.meet(CAN_READ, x, m, index, means(x, m, 1), now);
        if (uses(x, m, false)) this.meet(USES_READ, x, m, index, () => "", now);
      }
    }
    // Control of execution: a capability to c's PD, or to the EC or SC of one of c's ECs.
    const ecOwner = (e: number): number => (ecState(s, L, e) === EcState.FREE ? -1 : ecGet(s, L, e, EC.PD));
    for (let d = 0; d < n; d++) {
      // d's ways to feed an oracle, recorded after its other capabilities and the most direct
      // first: a relay that can call the oracle itself is not said to reach it through its own portal.
      let feeds: Oracle[] | null = null;
      for (let i = 0; i < slotsOf(L, d); i++) {
        const cap = capAt(s, L, globalSlot(L, d, i));
        if (cap === NO_CAP) continue;
        const o = capObject(cap);
        const kind = capKind(cap);
        const c = kind === Kind.PD ? o : kind === Kind.EC ? ecOwner(o) : kind === Kind.SC && scGet(s, L, o, SC.ALIVE) ? ecOwner(scGet(s, L, o, SC.EC)) : -1;
        if (c >= 0 && c < n) this.record(d, c, index, () => `${name(d)} holds a capability to ${kind === Kind.PD ? `${name(c)}'s PD` : `${objectName(model, L, kind, o)}`}`);
        // A call capability to a sealing oracle's portal (see the constructor).
        const fed = kind === Kind.PT && capRights(cap) & Right.CALL ? this.oracles.get(o) : undefined;
        if (fed) (feeds ??= []).push(...fed);
      }
      if (feeds) for (const oracle of feeds.sort((a, b) => a.via.length - b.via.length)) this.record(d, oracle.c, index, () => `${name(d)} can call ${this.oracleText(oracle)}`);
    }
    // An EC whose exceptions or page faults go to a sealing oracle's portal feeds it too: the
    // exception's value, or which object faulted, is data the EC's component chooses.
    if (this.oracles.size > 0)
      for (let e = 0; e < L.counts.ec; e++) {
        if (ecState(s, L, e) === EcState.FREE) continue;
        const d = ecGet(s, L, e, EC.PD);
        if (d < 0 || d >= n) continue;
        for (const [field, how] of [[EC.EXC_PT, "raises exceptions to"], [EC.PAGER_PT, "page-faults to"]] as const) {
          for (const oracle of this.oracles.get(ecGet(s, L, e, field)) ?? []) this.record(d, oracle.c, index, () => `${name(d)} ${how} ${this.oracleText(oracle)}`);
        }
      }
  }

  /** A sealing oracle's portal, for a reason: `c.p, and c seals what it receives with c.k, ...` (through its relays). */
  private oracleText(o: Oracle): string {
    const model = this.sys.model;
    const name = (c: number): string => model.components[c]!.name;
    const portal = (p: number): string => `${name(model.portals[p]!.owner)}.${model.portals[p]!.name}`;
    const relays = [...o.via].reverse().map((p) => `${portal(p)}, whose receiver passes what it receives on to `).join("");
    return `${relays}${portal(o.portal)}, and ${name(o.c)} seals what it receives with ${name(o.c)}.${model.regions[o.key]!.name}, a key it opens values with`;
  }

  /** Whether d affects c (in some state seen so far), and why; null if not. */
  affects(d: number, c: number): { readonly state: number; readonly why: string } | null {
    const k = d * this.n + c;
    return this.first[k]! >= 0 ? { state: this.first[k]!, why: this.why[k]! } : null;
  }

  /** tcb(c): the least set holding c and closed under "affects", over the states seen so far. */
  tcbOf(c: number): TcbSet {
    const { reach } = this.bottleneck(c);
    const members = [...reach.keys()].sort((a, b) => a - b);
    return { members, sloc: members.reduce((sum, m) => sum + this.sys.model.components[m]!.sloc, 0) };
  }

  /**
   * For every member d of tcb(c), the first state index k at which d is in the TCB of
   * the relation restricted to pairs first seen at states ≤ k (a minimax path from d to
   * c), and the next component on that path.
   */
  private bottleneck(c: number): { reach: Map<number, number>; next: Map<number, number> } {
    const { n } = this;
    const reach = new Map<number, number>([[c, 0]]);
    const next = new Map<number, number>();
    const done = new Set<number>();
    for (;;) {
      let x = -1;
      for (const [m, k] of reach) if (!done.has(m) && (x < 0 || k < reach.get(x)!)) x = m;
      if (x < 0) return { reach, next };
      done.add(x);
      for (let d = 0; d < n; d++) {
        const f = this.first[d * n + x]!;
        if (f < 0 || done.has(d)) continue;
        const k = Math.max(reach.get(x)!, f);
        if (!reach.has(d) || k < reach.get(d)!) {
          reach.set(d, k);
          next.set(d, x);
        }
      }
    }
  }

  /** Why d is in tcb(c): the chain of "affects" from d to c. */
  private chain(d: number, next: Map<number, number>): string {
    return this.links(d, next).map((l) => l.why).join("; ");
  }

  /** The links of the chain of "affects" from d to c, d's first. */
  private links(d: number, next: Map<number, number>): TcbLink[] {
    const out: TcbLink[] = [];
    for (let x = d; next.has(x); x = next.get(x)!) {
      const k = x * this.n + next.get(x)!;
      out.push({ from: x, to: next.get(x)!, why: this.why[k]!, state: this.first[k]! });
    }
    return out;
  }

  /**
   * Why each member of tcb(c) other than c is in it (spec/invariants.md §6): the chain of
   * "affects" from the member to c that appears earliest in the exploration (the bottleneck path
   * `judge` reports too), in member order.
   */
  explain(c: number): { readonly member: number; readonly links: readonly TcbLink[] }[] {
    const { reach, next } = this.bottleneck(c);
    return [...reach.keys()]
      .filter((d) => d !== c)
      .sort((a, b) => a - b)
      .map((member) => ({ member, links: this.links(member, next) }));
  }

  /**
   * Judges `tcb(c) <= {…}` or `tcb(c).sloc <= N` (spec/invariants.md §6) on the states seen
   * so far; null when it holds (or the invariant is not a TCB bound). For a replicated c
   * every replica's TCB must satisfy it; the failure reported is the earliest (and of replicas
   * failing in the same state, one whose chain was seen, not only inferred by symmetry).
   */
  judge(inv: InvariantModel): TcbFailure | null {
    const p = inv.prop;
    if (p.kind !== "tcb_subset" && p.kind !== "tcb_sloc") return null;
    const model = this.sys.model;
    const name = (c: number): string => model.components[c]!.name;
    let best: TcbFailure | null = null;
    let bestByImage = false;
    for (const c of p.of) {
      const { reach, next } = this.bottleneck(c);
      let f: TcbFailure | null = null;
      let byImage = false;
      if (p.kind === "tcb_subset") {
        const bound = new Set(p.bound);
        const out = [...reach].filter(([d]) => !bound.has(d)).sort((a, b) => a[1] - b[1] || a[0] - b[0])[0];
        if (out) {
          f = { state: out[1], reason: `tcb(${name(c)}) includes ${name(out[0])}, which is not in { ${p.bound.map(name).join(", ")} }: ${this.chain(out[0], next)}` };
          byImage = this.byImage(out[0], next);
        }
      } else {
        const order = [...reach].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
        let sum = 0;
        for (let i = 0; i < order.length && !f; i++) {
          sum += model.components[order[i]![0]]!.sloc;
          const k = order[i]![1];
          if (i + 1 < order.length && order[i + 1]![1] === k) continue; // the TCB of state k includes every member reached by k
          if (sum > p.max) {
            const members = order.slice(0, i + 1).map(([m]) => m).sort((a, b) => a - b);
            // The largest of the members that joined in state k explains the excess.
            const joined = order.slice(0, i + 1).filter(([m, at]) => at === k && m !== c).map(([m]) => m);
            // (Of equal SLOC, one whose chain was seen, not only inferred by symmetry.)
            const inferred = (m: number): number => (this.byImage(m, next) ? 1 : 0);
            const last = joined.sort((a, b) => model.components[b]!.sloc - model.components[a]!.sloc || inferred(a) - inferred(b) || a - b)[0];
            byImage = last !== undefined && this.byImage(last, next);
            f = {
              state: k,
              reason: `tcb(${name(c)}) has ${sum} SLOC, more than ${p.max}: ${members.map((m) => `${name(m)} (${model.components[m]!.sloc})`).join(", ")}${last === undefined ? "" : `; ${name(last)} is in it because ${this.chain(last, next)}`}`,
            };
          }
        }
      }
      // Of replicas failing in the same state, one whose reason was seen rather than inferred from another's.
      if (f && (!best || f.state < best.state || (f.state === best.state && bestByImage && !byImage))) {
        best = f;
        bestByImage = byImage;
      }
    }
    return best;
  }
}

/** The memory objects the `read` and `write` statements of these threads name. */
function memoryUse(sys: System, threads: readonly number[]): { read: Set<number>; write: Set<number> } {
  const read = new Set<number>();
  const write = new Set<number>();
  const walk = (body: readonly StmtModel[]): void => {
    for (const s of body) {
      if (s.kind === "read") read.add(kernelObjects(sys.k.L, s.region).objects[0]!);
      if (s.kind === "write") write.add(kernelObjects(sys.k.L, s.region).objects[0]!);
      if (s.kind === "loop" || s.kind === "repeat") walk(s.body);
      if (s.kind === "choose") s.branches.forEach(walk);
      if (s.kind === "if") {
        walk(s.then);
        walk(s.else);
      }
    }
  };
  for (const t of threads) walk(sys.model.threads[t]!.body);
  return { read, write };
}

/**
 * The portals a thread body calls with a binding (`call P(...) -> x`) whose reply the thread
 * uses unauthenticated (spec/invariants.md §6, *structure*): a reply used only as the data of
 * `open(x, K)` with a key K of the thread's own component is authenticated — a forged value
 * opens to 0 — so the server does not get into the TCB for it (Nizza's trusted wrapper).
 */
function boundCalls(body: readonly StmtModel[], ownRegions: ReadonlySet<number> = new Set()): number[] {
  const stmts = statementsOf(body);
  const exprs = expressionsOf(stmts);
  /**
   * Whether variable `slot` counts as used unauthenticated: used anywhere but as the data of
   * `open(·, own key)`, or not used at all (a binding is the DESIGN's criterion on its own).
   */
  const usedUnauthenticated = (slot: number): boolean => {
    let authenticated = 0;
    const visit = (e: ExprModel): boolean => {
      switch (e.kind) {
        case "var":
          return e.slot === slot;
        case "open":
          if (e.data.kind === "var" && e.data.slot === slot && ownRegions.has(e.key)) return (authenticated++, false);
          return visit(e.data);
        case "seal":
          return visit(e.data);
        case "not":
          return visit(e.arg);
        case "and":
        case "or":
        case "eq":
        case "ne":
          return visit(e.left) || visit(e.right);
        default:
          return false;
      }
    };
    return exprs.some(visit) || authenticated === 0;
  };
  const out: number[] = [];
  for (const s of stmts) if (s.kind === "call" && s.bind !== null && usedUnauthenticated(s.bind)) out.push(s.portal);
  return out;
}

/**
 * A sealing oracle (spec §6, structure): c seals what it receives on `portal` with its key `key`;
 * `via` are the portals of trusted relays that pass what they receive on towards it, the last
 * the one whose callers this entry is for (empty: `portal` itself).
 */
interface Oracle {
  readonly c: number;
  readonly portal: number;
  readonly key: number;
  readonly via: readonly number[];
}

/** Whether an expression reads a variable (the data it seals may then be what someone sent). */
function mentionsVariable(e: ExprModel): boolean {
  return subexpressions(e).some((x) => x.kind === "var");
}

/** The keys with which a thread body opens a reply it binds (`call … -> x`, then `open(x, K)`). */
function authenticatingKeys(body: readonly StmtModel[]): Set<number> {
  const stmts = statementsOf(body);
  const replies = new Set(stmts.flatMap((s) => (s.kind === "call" && s.bind !== null ? [s.bind] : [])));
  return new Set(sealingsOf(body).flatMap((e) => (e.kind === "open" && e.data.kind === "var" && replies.has(e.data.slot) ? [e.key] : [])));
}
