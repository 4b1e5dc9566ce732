// Searches on the explored graph for the invariants judged on it (available, deadlock_free): which states cannot reach a target, and the lasso from one, following one replica's portal or EC through the permutations symmetry reduction applied.
import { Ints } from "../ints.js";
import type { Graph } from "../explore.js";
import type { Member, Symmetry } from "../symmetry.js";

/** The explored graph's edges reversed, in compressed form: the sources of state v's incoming edges are `sources[start[v] .. start[v + 1])`, by the edges `edges[…]`. */
export interface Reversed {
  readonly states: number;
  readonly start: Int32Array;
  readonly sources: Int32Array;
  readonly edges: Int32Array;
}

/** The graph's edges grouped by the state `end` names of each (its source or target), in edge order within a group: group v is `edges[start[v] .. start[v + 1])`. */
function grouped(graph: Graph, states: number, end: Int32Array): { start: Int32Array; edges: Int32Array } {
  const start = new Int32Array(states + 1);
  for (let e = 0; e < graph.count; e++) start[end[e]! + 1]!++;
  for (let i = 0; i < states; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, states);
  const edges = new Int32Array(graph.count);
  for (let e = 0; e < graph.count; e++) edges[fill[end[e]!]!++] = e;
  return { start, edges };
}

/** Reverses the explored graph once, for every search backwards over it. */
export function reversed(graph: Graph, states: number): Reversed {
  const { start, edges } = grouped(graph, states, graph.to);
  const sources = edges.map((e) => graph.from[e]!);
  return { states, start, sources, edges };
}

/** The explored graph's edges by source, each state's in successor order (by ordinal): the edges leaving state v are `edges[start[v] .. start[v + 1])`. */
export interface Forward {
  readonly states: number;
  readonly start: Int32Array;
  readonly edges: Int32Array;
}

/**
 * The explored graph's edges by source, once, for every search forwards over it. Each state's
 * edges are sorted by ordinal, so that a search taking them in successor order does not depend
 * on the order the explorer recorded them in.
 */
export function forward(graph: Graph, states: number): Forward {
  const { start, edges } = grouped(graph, states, graph.from);
  const ord = graph.ordinal;
  for (let v = 0; v < states; v++) {
    // Insertion sort: a state has a handful of successors.
    for (let k = start[v]! + 1; k < start[v + 1]!; k++) {
      const e = edges[k]!;
      let j = k - 1;
      for (; j >= start[v]! && ord[edges[j]!]! > ord[e]!; j--) edges[j + 1] = edges[j]!;
      edges[j + 1] = e;
    }
  }
  return { states, start, edges };
}

/**
 * A breadth-first search of the explored graph from the initial state (state 0), each state's
 * successors taken in successor order: `rank[v]` is v's place in the order it finds the states,
 * and `into[v]` the edge it reached v by (-1 for state 0). This is the order, and those are the
 * paths, of a breadth-first exploration on one thread, whatever explored the graph: several
 * workers number a level's states as they reach them, and a depth-first search deepest first.
 * So the searches on the graph (`available`, `deadlock_free`) pick their first failing state by
 * rank, and print the path by `into`: the shortest, and the same on every run.
 */
export interface Levels {
  readonly rank: Int32Array;
  readonly into: Int32Array;
}

export function levels(graph: Graph, fwd: Forward): Levels {
  const { states, start, edges } = fwd;
  const rank = new Int32Array(states).fill(-1);
  const into = new Int32Array(states).fill(-1);
  const queue = new Int32Array(states);
  let tail = 0;
  if (states > 0) (rank[0] = 0), (queue[tail++] = 0);
  for (let head = 0; head < tail; head++) {
    const v = queue[head]!;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const e = edges[k]!;
      const w = graph.to[e]!;
      if (rank[w]! < 0) (rank[w] = tail), (into[w] = e), (queue[tail++] = w);
    }
  }
  return { rank, into };
}

/** The ordinals of the shortest path from the initial state to `v` that `levels` found. */
export function pathTo(graph: Graph, lv: Levels, v: number): number[] {
  const out: number[] = [];
  for (let e = lv.into[v]!; e >= 0; e = lv.into[graph.from[e]!]!) out.push(graph.ordinal[e]!);
  return out.reverse();
}

/** The state of least rank among those `mask` marks (1), or -1: the first a breadth-first search on one thread meets. */
export function firstByRank(lv: Levels, mask: Uint8Array): number {
  let best = -1;
  for (let v = 0; v < mask.length; v++) if (mask[v] && lv.rank[v]! >= 0 && (best < 0 || lv.rank[v]! < lv.rank[best]!)) best = v;
  return best;
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

/** Cycles tried by `lasso` for a shorter one, at most: each costs a search of its component. */
const LASSO_CANDIDATES = 64;

/**
 * From a state where member `member`'s item cannot reach its target (`stuck`, from
 * `cannotReach`), the shortest lasso inside such states that shows the target never holds
 * again: a path to a state with no step, or a path into a cycle (the same state with the same
 * member comes back), the item followed along the edges. Returns the edges taken (indices into
 * the graph), the states visited, and the position in `path` where the cycle closes (-1 at a
 * dead end).
 *
 * A breadth-first search over pairs (state, member) from the start gives each pair's distance
 * and the nearest dead end; Tarjan's algorithm marks the pairs on a cycle; for those, in
 * breadth-first order, the shortest cycle through each is found, until no nearer one can give
 * a shorter lasso (or `LASSO_CANDIDATES` were tried). Edges are taken in successor order
 * (`forward`), so the lasso is the same whatever order the explorer recorded them in. Memory:
 * four bytes per pair of the graph, and about fifty per pair reached (the search's lists and
 * Tarjan's arrays).
 */
export function lasso(graph: Graph, fwd: Forward, orbit: Orbit, stuck: readonly Uint8Array[], from: number, member: number): { edges: number[]; path: number[]; loopsTo: number } {
  const n = stuck.length;
  const { start, edges: out } = fwd;
  const to = graph.to;
  const images = orbit.base >= 0 ? graph.images : null;
  const image = (e: number, i: number): number => (images ? images[e * graph.stride + orbit.base + i]! : i);
  // The pairs reached, numbered in breadth-first order: pair p is (state, member) = key[p] as
  // state * n + member; pos maps a key back to its pair (-1: not reached).
  const pos = new Int32Array(fwd.states * n).fill(-1);
  const key = new Ints();
  const dist = new Ints();
  const inEdge = new Ints();
  const prev = new Ints();
  const reach = (k: number, d: number, e: number, p: number): void => {
    pos[k] = key.n;
    key.push(k);
    dist.push(d);
    inEdge.push(e);
    prev.push(p);
  };
  /** The pair edge `e` takes pair `p`'s member to, as a key, or -1 when that pair is not stuck. */
  const next = (p: number, e: number): number => {
    const j = image(e, key.a[p]! % n);
    const w = to[e]!;
    return stuck[j]![w] ? w * n + j : -1;
  };
  const stateOf = (p: number): number => (key.a[p]! / n) | 0;
  reach(from * n + member, 0, -1, -1);
  let deadEnd = -1;
  for (let p = 0; p < key.n; p++) {
    const v = stateOf(p);
    let steps = 0;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const e = out[k]!;
      const q = next(p, e);
      if (q < 0) continue;
      steps++;
      if (pos[q]! < 0) reach(q, dist.a[p]! + 1, e, p);
    }
    if (steps === 0 && deadEnd < 0) deadEnd = p;
  }
  const reached = key.n;
  const component = components(reached, fwd, stateOf, (p, e) => {
    const q = next(p, e);
    return q < 0 ? -1 : pos[q]!;
  });
  const size = new Int32Array(reached);
  for (let p = 0; p < reached; p++) size[component[p]!]!++;
  const selfLoop = (p: number): boolean => {
    const v = stateOf(p);
    for (let k = start[v]!; k < start[v + 1]!; k++) if (next(p, out[k]!) === key.a[p]) return true;
    return false;
  };

  let best = deadEnd >= 0 ? dist.a[deadEnd]! : Infinity;
  let knot = -1;
  let loop: number[] = [];
  let tried = 0;
  for (let p = 0; p < reached && tried < LASSO_CANDIDATES && dist.a[p]! + 1 < best; p++) {
    const c = component[p]!;
    if (size[c]! === 1 && !selfLoop(p)) continue;
    tried++;
    const cycle = shortestCycle(p, fwd, stateOf, (u, e) => {
      const q = next(u, e);
      return q < 0 || component[pos[q]!] !== c ? -1 : pos[q]!;
    });
    if (dist.a[p]! + cycle.length < best) (best = dist.a[p]! + cycle.length), (knot = p), (loop = cycle);
  }
  const end = knot >= 0 ? knot : deadEnd;
  if (end < 0) throw new Error("lasso: no dead end and no cycle among the states reached from a stuck state");
  const edges: number[] = [];
  const path: number[] = [];
  for (let p = end; p >= 0; p = prev.a[p]!) {
    path.push(stateOf(p));
    if (inEdge.a[p]! >= 0) edges.push(inEdge.a[p]!);
  }
  edges.reverse();
  path.reverse();
  if (knot < 0) return { edges, path, loopsTo: -1 };
  for (const e of loop) {
    edges.push(e);
    path.push(to[e]!);
  }
  return { edges, path, loopsTo: dist.a[knot]! };
}

/**
 * The edges of a shortest cycle from pair `p` back to itself (breadth first, edges in successor
 * order), where `step(u, e)` is the pair edge e takes pair u to, or -1 where the cycle may not go.
 */
function shortestCycle(p: number, fwd: Forward, stateOf: (u: number) => number, step: (u: number, e: number) => number): number[] {
  const via = new Map<number, number>();
  const from = new Map<number, number>();
  const queue = [p];
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]!;
    const v = stateOf(u);
    for (let k = fwd.start[v]!; k < fwd.start[v + 1]!; k++) {
      const e = fwd.edges[k]!;
      const q = step(u, e);
      if (q < 0) continue;
      if (q === p) {
        const edges = [e];
        for (let at = u; at !== p; at = from.get(at)!) edges.push(via.get(at)!);
        return edges.reverse();
      }
      if (!via.has(q)) via.set(q, e), from.set(q, u), queue.push(q);
    }
  }
  throw new Error("lasso: a pair on a cycle has no cycle through it");
}

/**
 * The strongly connected components of pairs 0..count-1 (Tarjan's algorithm, iterative, with an
 * edge cursor per frame): each pair's component number. `step(p, e)` is the pair edge e (of the
 * state of p, `stateOf`) takes pair p to, or -1.
 */
function components(count: number, fwd: Forward, stateOf: (p: number) => number, step: (p: number, e: number) => number): Int32Array {
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const component = new Int32Array(count).fill(-1);
  const stack = new Int32Array(count);
  const framePair = new Int32Array(count);
  const frameCursor = new Int32Array(count);
  let top = 0;
  let frames = 0;
  let counter = 0;
  let components = 0;
  const enter = (p: number): void => {
    index[p] = low[p] = counter++;
    stack[top++] = p;
    onStack[p] = 1;
    framePair[frames] = p;
    frameCursor[frames++] = fwd.start[stateOf(p)]!;
  };
  for (let root = 0; root < count; root++) {
    if (index[root]! >= 0) continue;
    enter(root);
    while (frames > 0) {
      const f = frames - 1;
      const p = framePair[f]!;
      const k = frameCursor[f]!;
      if (k < fwd.start[stateOf(p) + 1]!) {
        frameCursor[f] = k + 1;
        const q = step(p, fwd.edges[k]!);
        if (q < 0) continue;
        if (index[q]! < 0) enter(q);
        else if (onStack[q]) low[p] = Math.min(low[p]!, index[q]!);
        continue;
      }
      frames--;
      if (frames > 0) {
        const up = framePair[frames - 1]!;
        low[up] = Math.min(low[up]!, low[p]!);
      }
      if (low[p] === index[p]) {
        let q: number;
        do {
          q = stack[--top]!;
          onStack[q] = 0;
          component[q] = components;
        } while (q !== p);
        components++;
      }
    }
  }
  return component;
}
