// available(c.p): from every reachable state, a state is reachable in which p's server waits for requests again (each replica's p, when c is replicated).
import type { System } from "../../components/step.js";
import { ecGet } from "../../kernel/ec.js";
import { EC, EcState, type StateVector } from "../../kernel/layout.js";
import type { Graph } from "../explore.js";

/**
 * Whether an EC waits in RECV on one of portal `p`'s PTs (one per CPU for an untrusted
 * component's portal) in `s` (spec/invariants.md §7). An invariant on a replicated
 * component's portal asks this of each replica's portal apart.
 */
export function serverWaits(sys: System, p: number, s: StateVector): boolean {
  const L = sys.k.L;
  for (const pt of L.boot.portalPts[p]!) {
    for (let ec = 0; ec < L.counts.ec; ec++)
      if (ecGet(s, L, ec, EC.STATE) === EcState.RECV && ecGet(s, L, ec, EC.WAIT) === pt) return true;
  }
  return false;
}

/** The explored graph's edges reversed, in compressed form: the sources of state v's incoming edges are `sources[start[v] .. start[v + 1])`. */
export interface Reversed {
  readonly states: number;
  readonly start: Int32Array;
  readonly sources: Int32Array;
}

/** Reverses the explored graph once, for every `cannotReach` over it (one per portal an `available` invariant names). */
export function reversed(graph: Graph, states: number): Reversed {
  const start = new Int32Array(states + 1);
  for (let e = 0; e < graph.count; e++) start[graph.to[e]! + 1]!++;
  for (let i = 0; i < states; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, states);
  const sources = new Int32Array(graph.count);
  for (let e = 0; e < graph.count; e++) sources[fill[graph.to[e]!]!++] = graph.from[e]!;
  return { states, start, sources };
}

/**
 * The states of the explored graph from which no target state is reachable (target[i] = 1
 * where the server waits), by backward search over the reversed edges. Returns a mask.
 */
export function cannotReach({ states, start, sources }: Reversed, target: Uint8Array): Uint8Array {
  const reaches = new Uint8Array(states);
  const stack: number[] = [];
  for (let i = 0; i < states; i++) if (target[i]) (reaches[i] = 1), stack.push(i);
  while (stack.length) {
    const v = stack.pop()!;
    for (let k = start[v]!; k < start[v + 1]!; k++) {
      const u = sources[k]!;
      if (!reaches[u]) (reaches[u] = 1), stack.push(u);
    }
  }
  const out = new Uint8Array(states);
  for (let i = 0; i < states; i++) out[i] = reaches[i] ? 0 : 1;
  return out;
}

/**
 * From a state that cannot reach a target, a walk inside the stuck states until it closes a
 * cycle or ends in a state with no step: the lasso that shows the server never waits again.
 * Returns the edges taken (indices into the graph), the states visited, and the position in
 * `path` where the cycle closes (-1 at a dead end).
 */
export function lasso(graph: Graph, states: number, stuck: Uint8Array, from: number): { edges: number[]; path: number[]; loopsTo: number } {
  const first = new Int32Array(states + 1);
  for (let e = 0; e < graph.count; e++) first[graph.from[e]! + 1]!++;
  for (let i = 0; i < states; i++) first[i + 1]! += first[i]!;
  const fill = first.slice(0, states);
  const order = new Int32Array(graph.count);
  for (let e = 0; e < graph.count; e++) order[fill[graph.from[e]!]!++] = e;
  const seen = new Map<number, number>();
  const path = [from];
  const edges: number[] = [];
  let v = from;
  for (;;) {
    seen.set(v, path.length - 1);
    let next = -1;
    for (let k = first[v]!; k < first[v + 1]!; k++) {
      const e = order[k]!;
      if (stuck[graph.to[e]!]) {
        next = e;
        break;
      }
    }
    if (next < 0) return { edges, path, loopsTo: -1 };
    edges.push(next);
    v = graph.to[next]!;
    if (seen.has(v)) return { edges, path: [...path, v], loopsTo: seen.get(v)! };
    path.push(v);
  }
}
