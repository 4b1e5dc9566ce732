// Path latency: the best and worst cycles between a path's start and end events on the timed state graph.
import { P, PRIMITIVES, type Primitive } from "../machine/meter.js";
import type { CostModel } from "./presets.js";
import { timedPrice } from "./price.js";
import { NONE, type EventColumn, type TimedGraph } from "./graph.js";

/** How edges are priced: a cost model, and whether the scenario's services are kernel code (the monolithic baseline). */
export interface Pricing {
  readonly model: CostModel;
  readonly monolithic: boolean;
}

/** A measured path: the edges from its start event's edge to its end event's edge, and what they cost. */
export interface Measure {
  /** The path (model order). */
  readonly path: number;
  readonly cycles: number;
  /** Primitive counts along the measured edges (the end event's dispatch included). */
  readonly counts: Readonly<Record<Primitive, number>>;
  /** The state the start edge leaves from. */
  readonly origin: number;
  /** The measured edges, in order: the start event's edge first, the end event's last. */
  readonly edges: readonly number[];
}

/** A worst case that has no bound: a cycle of positive cost can run between the start and the end. */
export interface Unbounded {
  readonly unbounded: true;
  readonly path: number;
  readonly origin: number;
  /** From the start edge to the loop, then once round the loop. */
  readonly edges: readonly number[];
  /** The index in `edges` at which the loop starts (the state it returns to). */
  readonly loopsTo: number;
}

export interface PathTiming {
  /** Whether the start event happens in some explored state. */
  readonly observed: boolean;
  /** Null when no start event is followed by an end event. */
  readonly best: Measure | null;
  readonly worst: Measure | Unbounded | null;
}

/** Forward (by `from`) or backward (by `to`) adjacency of the graph's edges. */
interface Adjacency {
  readonly start: Int32Array;
  readonly edges: Int32Array;
}

function adjacency(states: number, key: Int32Array, count: number): Adjacency {
  const start = new Int32Array(states + 1);
  for (let e = 0; e < count; e++) start[key[e]! + 1]!++;
  for (let i = 0; i < states; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, states);
  const edges = new Int32Array(count);
  for (let e = 0; e < count; e++) edges[fill[key[e]!]!++] = e;
  return { start, edges };
}

/** Each timed graph's adjacencies, built once for all its paths and presets. */
const ADJACENCY = new WeakMap<TimedGraph, { readonly fwd: Adjacency; readonly bwd: Adjacency }>();
function adjacencies(g: TimedGraph): { readonly fwd: Adjacency; readonly bwd: Adjacency } {
  let a = ADJACENCY.get(g);
  if (!a) {
    const graph = g.exploration.graph!;
    a = { fwd: adjacency(g.exploration.states, graph.from, graph.count), bwd: adjacency(g.exploration.states, graph.to, graph.count) };
    ADJACENCY.set(g, a);
  }
  return a;
}

/** A min-heap of (key, node) pairs with lazy deletion. */
class Heap {
  private keys = new Float64Array(1024);
  private vals = new Int32Array(1024);
  size = 0;
  push(k: number, v: number): void {
    if (this.size === this.keys.length) {
      const keys = new Float64Array(this.size * 2);
      const vals = new Int32Array(this.size * 2);
      keys.set(this.keys);
      vals.set(this.vals);
      this.keys = keys;
      this.vals = vals;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= k) break;
      this.keys[i] = this.keys[p]!;
      this.vals[i] = this.vals[p]!;
      i = p;
    }
    this.keys[i] = k;
    this.vals[i] = v;
  }
  /** Pops the least; its key is left in `topKey`. */
  topKey = 0;
  pop(): number {
    const v = this.vals[0]!;
    this.topKey = this.keys[0]!;
    const k = this.keys[--this.size]!;
    const x = this.vals[this.size]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.keys[c + 1]! < this.keys[c]!) c++;
      if (this.keys[c]! >= k) break;
      this.keys[i] = this.keys[c]!;
      this.vals[i] = this.vals[c]!;
      i = c;
    }
    this.keys[i] = k;
    this.vals[i] = x;
    return v;
  }
}

/**
 * The timing of path `p` under `pricing` (spec/costs.md §Paths). A measurement starts at an
 * edge where the start event happens and ends at the next edge where the end event happens;
 * another start event on the way starts a new measurement. When both events are of the same
 * component, the end must happen to the same replica: to the EC the start happened to for a
 * reply or a resumption, to any of its ECs otherwise; and a measurement whose EC's call times
 * out or is aborted is dropped there.
 */
export function timePath(g: TimedGraph, p: number, pricing: Pricing): PathTiming {
  const graph = g.exploration.graph!;
  const states = g.exploration.states;
  const E = graph.count;
  const ids = pricing.monolithic ? g.costMono : g.cost;
  const prices = g.counts.vectors.map((v) => timedPrice(pricing.model, v));
  const w = new Float64Array(E);
  for (let e = 0; e < E; e++) w[e] = prices[ids[e]!]!;
  const { from: startCol, to: endCol } = g.events[p]!;
  const dispatch = pricing.monolithic ? endCol.dispatchMono : endCol.dispatch;
  const adj = (e: number): number => (dispatch[e]! >= 0 ? prices[dispatch[e]!]! : 0);
  // A start edge does not count its actor's dispatch: the path starts when the event happens.
  const lead = pricing.monolithic ? startCol.dispatchMono : startCol.dispatch;
  const ws = new Float64Array(E);
  for (let e = 0; e < E; e++) ws[e] = w[e]! - (lead[e]! >= 0 && startCol.ec[e] !== NONE ? prices[lead[e]!]! : 0);
  const ev = g.sys.model.paths[p]!;
  const correlated = !onDevice(ev.from.verb) && !onDevice(ev.to.verb) && sameSet(ev.from.subjects, ev.to.subjects);
  const tokens = correlated ? [...new Set(ecsOf(startCol))] : [null];
  const { fwd, bwd } = adjacencies(g);

  let best: Measure | null = null;
  let worst: Measure | Unbounded | null = null;
  const observed = ecsOf(startCol).length > 0;
  // A reply or a resumption goes to the EC that called or faulted; another end (`receives`,
  // `calls`, `faults`) may happen to any thread of the same component (a callback another of its
  // threads receives): the replica is what pairs a start with its end.
  const sameEc = ev.to.verb === "gets reply" || ev.to.verb === "resumes";
  // In one step the actor's event (`calls`, `faults`, `fires`) comes before the one of the
  // subject it wakes (`receives`, `gets reply`, `resumes`, `delivers`).
  const acts = (v: string): boolean => v === "calls" || v === "faults" || v === "fires";
  const reversed = !acts(ev.from.verb) && acts(ev.to.verb);
  const threads = g.sys.model.threads;
  const ownerOf = (e: number): number => (e >= 0 && e < threads.length ? threads[e]!.owner : -1 - e);
  for (const token of tokens) {
    const isStart = (e: number): boolean => startCol.ec[e] !== NONE && (token === null || startCol.ec[e] === token);
    const isEnd = (e: number): boolean => endCol.ec[e] !== NONE && (token === null || endCol.ec[e] === token || (!sameEc && ownerOf(endCol.ec[e]!) === ownerOf(token)));
    // The EC's call (or wait) times out or is aborted: its measurement ends there without an end.
    const drops = (e: number): boolean => token !== null && g.gaveUp[e] === token && !isEnd(e);
    // An edge with both events: a measurement by itself when the start comes first in its step;
    // when the end comes first (`nic delivers -> nic fires`: the fire wakes the driver), it ends
    // the measurement under way and starts the next.
    const single = (e: number): boolean => !reversed && isStart(e) && isEnd(e);
    const opens = (e: number): boolean => isStart(e) && !single(e);
    const closes = (e: number): boolean => isEnd(e) && (reversed || !isStart(e));
    const ctx: Ctx = { p, g, w, ws, adj, isStart, isEnd, drops, single, opens, closes, fwd, bwd, states, E, pricing, ids, dispatch, lead };
    const b = bestOf(ctx);
    if (b && (!best || b.cycles < best.cycles)) best = b;
    const x = worstOf(ctx);
    // An unbounded worst case stays; otherwise the larger one.
    if (x && (!worst || (!("unbounded" in worst) && ("unbounded" in x || x.cycles > worst.cycles)))) worst = x;
  }
  return { observed, best, worst };
}

const onDevice = (v: string): boolean => v === "fires" || v === "delivers";
const sameSet = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
function ecsOf(c: EventColumn): number[] {
  const out = new Set<number>();
  for (let e = 0; e < c.ec.length; e++) if (c.ec[e] !== NONE) out.add(c.ec[e]!);
  return [...out];
}

interface Ctx {
  readonly p: number;
  readonly g: TimedGraph;
  readonly w: Float64Array;
  /** `w` of a start edge, less its actor's dispatch. */
  readonly ws: Float64Array;
  readonly adj: (e: number) => number;
  readonly isStart: (e: number) => boolean;
  readonly isEnd: (e: number) => boolean;
  /** Whether a measurement is dropped at edge e: its EC gave up the call it started (a timeout, an abort). */
  readonly drops: (e: number) => boolean;
  /** Edge e is a measurement by itself: both events, the start first. */
  readonly single: (e: number) => boolean;
  /** Edge e starts a measurement that goes on past it. */
  readonly opens: (e: number) => boolean;
  /** Edge e ends the measurement under way. */
  readonly closes: (e: number) => boolean;
  readonly fwd: Adjacency;
  readonly bwd: Adjacency;
  readonly states: number;
  readonly E: number;
  readonly pricing: Pricing;
  readonly ids: Int32Array;
  readonly dispatch: Int32Array;
  readonly lead: Int32Array;
}

/** Whether a measurement goes on through edge e: neither a new start nor the end, nor where it is dropped. */
const through = (c: Ctx, e: number): boolean => !c.isStart(e) && !c.isEnd(e) && !c.drops(e);

function measure(c: Ctx, edges: number[], cycles: number): Measure {
  const graph = c.g.exploration.graph!;
  const counts = new Float64Array(PRIMITIVES.length);
  const add = (id: number): void => {
    const v = c.g.counts.vectors[id]!;
    for (let i = 0; i < v.length; i++) counts[i]! += v[i]!;
  };
  for (const e of edges) add(c.ids[e]!);
  const last = edges[edges.length - 1]!;
  if (c.dispatch[last]! >= 0) add(c.dispatch[last]!);
  const first = edges[0]!;
  if (c.lead[first]! >= 0) {
    const v = c.g.counts.vectors[c.lead[first]!]!;
    for (let i = 0; i < v.length; i++) counts[i]! -= v[i]!;
  }
  // A tagged TLB is not flushed (timedPrice): the breakdown lists what was charged.
  if (c.pricing.model.taggedTlb) counts[P.tlbFlush] = 0;
  return {
    path: c.p,
    cycles,
    counts: Object.fromEntries(PRIMITIVES.map((p, i) => [p, counts[i]!])) as Record<Primitive, number>,
    origin: graph.from[edges[0]!]!,
    edges,
  };
}

/** Dijkstra from every start edge; the least-cost end edge. */
function bestOf(c: Ctx): Measure | null {
  const graph = c.g.exploration.graph!;
  const dist = new Float64Array(c.states).fill(Infinity);
  const pred = new Int32Array(c.states).fill(-1);
  const heap = new Heap();
  let bestCost = Infinity;
  let bestEdge = -1;
  for (let e = 0; e < c.E; e++) {
    if (!c.isStart(e)) continue;
    if (c.single(e)) {
      const total = c.ws[e]! + c.adj(e);
      if (total < bestCost) [bestCost, bestEdge] = [total, e];
      continue;
    }
    const v = graph.to[e]!;
    if (c.ws[e]! < dist[v]!) {
      dist[v] = c.ws[e]!;
      pred[v] = e;
      heap.push(c.ws[e]!, v);
    }
  }
  while (heap.size > 0) {
    const u = heap.pop();
    const d = heap.topKey;
    if (d > dist[u]! || d >= bestCost) continue;
    for (let i = c.fwd.start[u]!; i < c.fwd.start[u + 1]!; i++) {
      const e = c.fwd.edges[i]!;
      const nd = d + c.w[e]!;
      if (c.closes(e)) {
        const total = nd + c.adj(e);
        if (total < bestCost) [bestCost, bestEdge] = [total, e];
        continue;
      }
      if (c.isStart(e) || c.drops(e)) continue;
      const v = graph.to[e]!;
      if (nd < dist[v]!) {
        dist[v] = nd;
        pred[v] = e;
        heap.push(nd, v);
      }
    }
  }
  if (bestEdge < 0) return null;
  const edges = [bestEdge];
  if (!c.single(bestEdge)) {
    for (let e = pred[graph.from[bestEdge]!]!; ; e = pred[graph.from[e]!]!) {
      edges.push(e);
      if (c.isStart(e)) break;
    }
  }
  return measure(c, edges.reverse(), bestCost);
}

/**
 * The longest measurement: on the states that lie between a start edge and an end edge, a
 * cycle through an edge of positive cost makes it unbounded; otherwise the longest path
 * through the condensation of the zero-cost cycles.
 */
function worstOf(c: Ctx): Measure | Unbounded | null {
  const graph = c.g.exploration.graph!;
  const { states, E } = c;
  // Forward from the start edges' targets, backward from the end edges' sources, through edges a measurement goes on through.
  const fwdSeen = new Uint8Array(states);
  const bwdSeen = new Uint8Array(states);
  const stack: number[] = [];
  for (let e = 0; e < E; e++) {
    if (c.opens(e) && !fwdSeen[graph.to[e]!]) {
      fwdSeen[graph.to[e]!] = 1;
      stack.push(graph.to[e]!);
    }
  }
  while (stack.length) {
    const u = stack.pop()!;
    for (let i = c.fwd.start[u]!; i < c.fwd.start[u + 1]!; i++) {
      const e = c.fwd.edges[i]!;
      const v = graph.to[e]!;
      if (through(c, e) && !fwdSeen[v]) {
        fwdSeen[v] = 1;
        stack.push(v);
      }
    }
  }
  for (let e = 0; e < E; e++) {
    const u = graph.from[e]!;
    if (c.closes(e) && fwdSeen[u] && !bwdSeen[u]) {
      bwdSeen[u] = 1;
      stack.push(u);
    }
  }
  while (stack.length) {
    const v = stack.pop()!;
    for (let i = c.bwd.start[v]!; i < c.bwd.start[v + 1]!; i++) {
      const e = c.bwd.edges[i]!;
      const u = graph.from[e]!;
      if (through(c, e) && fwdSeen[u] && !bwdSeen[u]) {
        bwdSeen[u] = 1;
        stack.push(u);
      }
    }
  }
  const inH = (v: number): boolean => bwdSeen[v] === 1;
  const inner = (e: number): boolean => through(c, e) && inH(graph.from[e]!) && inH(graph.to[e]!);

  // Single-edge measurements (an edge that starts and ends one).
  let worstCost = -Infinity;
  let worstEnd = -1;
  for (let e = 0; e < E; e++) {
    if (c.single(e)) {
      const total = c.ws[e]! + c.adj(e);
      if (total > worstCost) [worstCost, worstEnd] = [total, e];
    }
  }

  const scc = tarjan(c, inH, inner);
  // A cycle of positive cost between a start and an end: unbounded.
  for (let e = 0; e < E; e++) {
    if (inner(e) && c.w[e]! > 0 && scc[graph.from[e]!] === scc[graph.to[e]!]) return unboundedTrace(c, e, inH, inner, scc);
  }
  // Longest path: Tarjan numbers components in reverse topological order, so the highest first.
  let comps = 0;
  for (let v = 0; v < states; v++) if (scc[v]! >= comps) comps = scc[v]! + 1;
  const val = new Float64Array(comps).fill(-Infinity);
  const entry = new Int32Array(comps).fill(-1);
  for (let e = 0; e < E; e++) {
    if (!c.opens(e) || !inH(graph.to[e]!)) continue;
    const k = scc[graph.to[e]!]!;
    if (c.ws[e]! > val[k]!) [val[k], entry[k]] = [c.ws[e]!, e];
  }
  const members = byComponent(scc, comps, states);
  for (let k = comps - 1; k >= 0; k--) {
    if (val[k] === -Infinity) continue;
    for (let j = members.start[k]!; j < members.start[k + 1]!; j++) {
      const u = members.nodes[j]!;
      for (let i = c.fwd.start[u]!; i < c.fwd.start[u + 1]!; i++) {
        const e = c.fwd.edges[i]!;
        if (c.closes(e)) {
          const total = val[k]! + c.w[e]! + c.adj(e);
          if (total > worstCost) [worstCost, worstEnd] = [total, e];
          continue;
        }
        if (!inner(e)) continue;
        const m = scc[graph.to[e]!]!;
        if (m !== k && val[k]! + c.w[e]! > val[m]!) [val[m], entry[m]] = [val[k]! + c.w[e]!, e];
      }
    }
  }
  if (worstEnd < 0) return null;
  // Back from the end edge: within each component, a path from where it was entered to where it was left.
  const edges = [worstEnd];
  if (!c.single(worstEnd)) {
    let exit = graph.from[worstEnd]!;
    for (;;) {
      const k = scc[exit]!;
      const into = entry[k]!;
      edges.push(...pathWithin(c, graph.to[into]!, exit, (e) => inner(e) && scc[graph.from[e]!] === k && scc[graph.to[e]!] === k).reverse());
      edges.push(into);
      if (c.isStart(into)) break;
      exit = graph.from[into]!;
    }
  }
  return measure(c, edges.reverse(), worstCost);
}

/** Strongly connected components of the subgraph (iterative Tarjan); -1 outside it. */
function tarjan(c: Ctx, inH: (v: number) => boolean, inner: (e: number) => boolean): Int32Array {
  const graph = c.g.exploration.graph!;
  const n = c.states;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const scc = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callV: number[] = [];
  const callI: number[] = [];
  let next = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (!inH(root) || index[root] !== -1) continue;
    callV.push(root);
    callI.push(c.fwd.start[root]!);
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (callV.length) {
      const v = callV[callV.length - 1]!;
      const i = callI[callI.length - 1]!;
      if (i < c.fwd.start[v + 1]!) {
        callI[callI.length - 1] = i + 1;
        const e = c.fwd.edges[i]!;
        if (!inner(e)) continue;
        const u = graph.to[e]!;
        if (index[u] === -1) {
          index[u] = low[u] = next++;
          stack.push(u);
          onStack[u] = 1;
          callV.push(u);
          callI.push(c.fwd.start[u]!);
        } else if (onStack[u]) low[v] = Math.min(low[v]!, index[u]!);
        continue;
      }
      callV.pop();
      callI.pop();
      if (callV.length) {
        const parent = callV[callV.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        for (;;) {
          const x = stack.pop()!;
          onStack[x] = 0;
          scc[x] = comps;
          if (x === v) break;
        }
        comps++;
      }
    }
  }
  return scc;
}

function byComponent(scc: Int32Array, comps: number, n: number): { start: Int32Array; nodes: Int32Array } {
  const start = new Int32Array(comps + 1);
  for (let v = 0; v < n; v++) if (scc[v]! >= 0) start[scc[v]! + 1]!++;
  for (let k = 0; k < comps; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, comps);
  const nodes = new Int32Array(start[comps]!);
  for (let v = 0; v < n; v++) if (scc[v]! >= 0) nodes[fill[scc[v]!]!++] = v;
  return { start, nodes };
}

/** Edges of a shortest path (in steps) from `a` to `b` through edges `ok` admits; empty when a = b. */
function pathWithin(c: Ctx, a: number, b: number, ok: (e: number) => boolean): number[] {
  if (a === b) return [];
  const graph = c.g.exploration.graph!;
  const pred = new Map<number, number>([[a, -1]]);
  const queue = [a];
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (let i = c.fwd.start[u]!; i < c.fwd.start[u + 1]!; i++) {
      const e = c.fwd.edges[i]!;
      const v = graph.to[e]!;
      if (!ok(e) || pred.has(v)) continue;
      pred.set(v, e);
      if (v === b) {
        const out: number[] = [];
        for (let x = b; x !== a; x = graph.from[pred.get(x)!]!) out.push(pred.get(x)!);
        return out.reverse();
      }
      queue.push(v);
    }
  }
  throw new Error(`timing: no path from state ${a} to state ${b} where one was found`);
}

/** The lasso of an unbounded worst case: a start edge, the way to the positive-cost edge `loop`, and once round its cycle. */
function unboundedTrace(c: Ctx, loop: number, inH: (v: number) => boolean, inner: (e: number) => boolean, scc: Int32Array): Unbounded {
  const graph = c.g.exploration.graph!;
  const x = graph.from[loop]!;
  // Breadth-first from every start edge's target in the subgraph to x.
  const pred = new Map<number, number>();
  const queue: number[] = [];
  for (let e = 0; e < c.E; e++) {
    const v = graph.to[e]!;
    if (c.opens(e) && inH(v) && !pred.has(v)) {
      pred.set(v, e);
      queue.push(v);
    }
  }
  for (let q = 0; q < queue.length && !pred.has(x); q++) {
    const u = queue[q]!;
    for (let i = c.fwd.start[u]!; i < c.fwd.start[u + 1]!; i++) {
      const e = c.fwd.edges[i]!;
      const v = graph.to[e]!;
      if (inner(e) && !pred.has(v)) {
        pred.set(v, e);
        queue.push(v);
      }
    }
  }
  const lead: number[] = [];
  for (let v = x; ; ) {
    const e = pred.get(v)!;
    lead.push(e);
    if (c.isStart(e)) break;
    v = graph.from[e]!;
  }
  lead.reverse();
  const k = scc[x]!;
  const back = pathWithin(c, graph.to[loop]!, x, (e) => inner(e) && scc[graph.from[e]!] === k && scc[graph.to[e]!] === k);
  return { unbounded: true, path: c.p, origin: graph.from[lead[0]!]!, edges: [...lead, loop, ...back], loopsTo: lead.length };
}
