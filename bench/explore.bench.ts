// Benchmark: the explorer on a scalable scenario — N untrusted clients call one trusted server that hands out and revokes a buffer.
import { performance } from "node:perf_hooks";
import { explore } from "../src/checker/explore.js";
import { buildSystem } from "../src/components/step.js";
import { compileText } from "../src/dsl/compile.js";

/** States per exploration at most: the bigger N are cut off there, which the table says. */
const MAX_STATES = Number(process.env.NIZZA_BENCH_MAX_STATES ?? 1_000_000);
const TARGET_RATE = 300_000;
const TARGET_BYTES = 32;

/** The scalable scenario of issue 5: clients as replicas, so that symmetry reduction applies once it exists. */
export function scalable(n: number): string {
  return `system scale${n} {
  component sigma0 : trusted root { }
  component server : trusted {
    memory buf 4K [data]
    portal rpc
    thread serve {
      loop {
        recv rpc -> x
        reply ok with buf : r
        revoke buf
      }
    }
  }
  component client[${n}] : untrusted {
    caps { server.rpc: call }
    adversary steps 2
  }
  invariant revocable(server.buf)
}
`;
}

function row(cells: (string | number)[]): string {
  return cells.map((c) => String(c).padStart(13)).join("");
}

function main(): void {
  console.log(`explorer, breadth-first, no reduction (partial-order and symmetry reduction are not built yet); at most ${MAX_STATES.toLocaleString("en-US")} states`);
  console.log(row(["N", "states", "transitions", "complete", "states/s", "bytes/state", "peak RSS MiB"]));
  for (let n = 1; n <= 8; n++) {
    const c = compileText(`scale${n}.nizza`, scalable(n));
    if (!c.model) throw new Error(`scale${n} does not compile`);
    const sys = buildSystem(c.model);
    sys.footprints = false;
    global.gc?.();
    const t = performance.now();
    const e = explore(sys, { maxStates: MAX_STATES });
    const s = (performance.now() - t) / 1000;
    const rss = process.memoryUsage().rss / 2 ** 20;
    const rate = e.states / s;
    console.log(row([n, e.states, e.transitions, e.bound === null ? "yes" : `no (${e.bound})`, Math.round(rate), e.bytesPerState.toFixed(1), rss.toFixed(0)]));
    if (e.bound !== null) break;
  }
  console.log(`targets: ${TARGET_RATE.toLocaleString("en-US")} states/s on one worker, at most ${TARGET_BYTES} bytes per visited state beyond the frontier`);
}

main();
