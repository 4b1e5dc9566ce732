// Searches on the explored graph for the invariants judged on it (available, deadlock_free): which states cannot reach a target, and the lasso from one, following one replica's portal or EC through the permutations symmetry reduction applied.
import type { Graph } from "../explore.js";
import type { Member, Symmetry } from "../symmetry.js";

/** The explored graph's edges reversed, in compressed form: the sources of state v's incoming edges are `sources[start[v] .. start[v + 1])`, by the edges `edges[…]`. */
export interface Reversed {
  readonly states: number;
  readonly start: Int32Array;
  readonly sources: Int32Array;
  readonly edges: Int32Array;
}

/** Reverses the explored graph once, for every search backwards over it. */
export function reversed(graph: Graph, states: number): Reversed {
  const start = new Int32Array(states + 1);
  for (let e = 0; e < graph.count; e++) start[graph.to[e]! + 1]!++;
  for (let i = 0; i < states; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, states);
  const sources = new Int32Array(graph.count);
  const edges = new Int32Array(graph.count);
  for (let e = 0; e < graph.count; e++) {
    const k = fill[graph.to[e]!]!++;
    sources[k] = graph.from[e]!;
    edges[k] = e;
  }
  return { states, start, sources, edges };
}

/**
 * Things an invariant judges one by one along paths (each replica's portal under `available`,
 * each EC under `deadlock_free`), grouped as symmetry reduction moves them. The explored graph
 * holds representatives, and an edge's successor was permuted to become one: a replica's
 * portal at the edge's source is another replica's at its target. So an orbit is followed
 * together: `items[i]` is member i's (of family `family`, numbered from `base` across
 * families), and edge e takes member i to member `graph.images[e * graph.stride + base + i]`
 * (spec/invariants.md §10.2). An item symmetry does not move is an orbit of its own (`base` -1).
 */
export interface Orbit {
  readonly items: readonly number[];
  readonly family: number;
  readonly base: number;
}

/** Where an item is: the family, member and the item's place among the member's own (its local index), or null for an item symmetry does not move. */
export type Place = { readonly family: number; readonly member: number; readonly local: number } | null;

/** Where `x` is among the replicas `sym` permutes, `of` listing a member's own (its component, its ECs): the family, the member, and x's index in that list; null outside every family. */
export function placeIn(sym: Symmetry | null, of: (m: Member) => readonly number[], x: number): Place {
  const families = sym?.families ?? [];
  for (let family = 0; family < families.length; family++) {
    const f = families[family]!;
    for (let member = 0; member < f.length; member++) {
      const local = of(f[member]!).indexOf(x);
      if (local >= 0) return { family, member, local };
    }
  }
  return null;
}

/**
 * The orbits of items 0..n-1 under a symmetry whose graph keeps member images (`Symmetry.follows`);
 * without one, every item is its own orbit. Items of one family with the same local index form an
 * orbit, which must hold one item of every member.
 */
export function orbitsOf(sym: Symmetry | null, graph: Graph, n: number, place: (item: number) => Place): Orbit[] {
  const out: Orbit[] = [];
  const grouped = new Map<string, { family: number; items: number[] }>();
  for (let j = 0; j < n; j++) {
    const p = sym && graph.images ? place(j) : null;
    if (!p) {
      out.push({ items: [j], family: -1, base: -1 });
      continue;
    }
    const key = `${p.family}:${p.local}`;
    let g = grouped.get(key);
    if (!g) grouped.set(key, (g = { family: p.family, items: new Array<number>(sym!.families[p.family]!.length).fill(-1) }));
    g.items[p.member] = j;
  }
  for (const g of grouped.values()) {
    if (g.items.includes(-1)) throw new Error("an orbit of followed items misses a member's");
    out.push({ items: g.items, family: g.family, base: sym!.baseOf(g.family) });
  }
  return out;
}

/**
 * For each item of an orbit, the states from which no state is reachable where its target
 * holds (`targets[i][v]` = 1 for item i in state v), the item followed along the edges: a
 * backward search over pairs (state, member) when the orbit moves, over states otherwise.
 * Returns a mask per item (1: cannot reach).
 */
export function cannotReach(graph: Graph, back: Reversed, orbit: Orbit, targets: readonly Uint8Array[]): Uint8Array[] {
  const { states, start, sources, edges } = back;
  const n = targets.length;
  const images = orbit.base >= 0 ? graph.images : null;
  const stride = graph.stride;
  const reaches = new Uint8Array(states * n);
  const stack = new Int32Array(states * n);
  let top = 0;
  for (let i = 0; i < n; i++) for (let v = 0; v < states; v++) if (targets[i]![v]) (reaches[v * n + i] = 1), (stack[top++] = v * n + i);
  while (top > 0) {
    const node = stack[--top]!;
    const v = (node / n) | 0;
    const j = node - v * n;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      // The member at the source that this edge takes to member j.
      let i = j;
      if (images) {
        const at = edges[k]! * stride + orbit.base;
        for (i = 0; i < n && images[at + i] !== j; i++);
      }
      const w = sources[k]! * n + i;
      if (!reaches[w]) (reaches[w] = 1), (stack[top++] = w);
    }
  }
  return targets.map((_, i) => {
    const out = new Uint8Array(states);
    for (let v = 0; v < states; v++) out[v] = reaches[v * n + i] ? 0 : 1;
    return out;
  });
}

/**
 * From a state where member `member`'s item cannot reach its target (`stuck`, from
 * `cannotReach`), a walk inside such states, the item followed, until it closes a cycle (the
 * same state with the same member) or ends in a state with no step: the lasso that shows the
 * target never holds again. Returns the edges taken (indices into the graph), the states
 * visited, and the position in `path` where the cycle closes (-1 at a dead end).
 */
export function lasso(graph: Graph, states: number, orbit: Orbit, stuck: readonly Uint8Array[], from: number, member: number): { edges: number[]; path: number[]; loopsTo: number } {
  const n = stuck.length;
  const first = new Int32Array(states + 1);
  for (let e = 0; e < graph.count; e++) first[graph.from[e]! + 1]!++;
  for (let i = 0; i < states; i++) first[i + 1]! += first[i]!;
  const fill = first.slice(0, states);
  const order = new Int32Array(graph.count);
  for (let e = 0; e < graph.count; e++) order[fill[graph.from[e]!]!++] = e;
  const images = orbit.base >= 0 ? graph.images : null;
  const image = (e: number, i: number): number => (images ? images[e * graph.stride + orbit.base + i]! : i);
  const seen = new Map<number, number>();
  const path = [from];
  const edges: number[] = [];
  let v = from;
  let i = member;
  for (;;) {
    seen.set(v * n + i, path.length - 1);
    let next = -1;
    for (let k = first[v]!; k < first[v + 1]!; k++) {
      const e = order[k]!;
      if (stuck[image(e, i)]![graph.to[e]!]) {
        next = e;
        break;
      }
    }
    if (next < 0) return { edges, path, loopsTo: -1 };
    edges.push(next);
    v = graph.to[next]!;
    i = image(next, i);
    const back = seen.get(v * n + i);
    if (back !== undefined) return { edges, path: [...path, v], loopsTo: back };
    path.push(v);
  }
}
