// Test helper: a small scenario with replicated clients, and its system as the explorer builds it.
import { buildSystem, type System } from "../../src/components/step.js";
import { compile } from "../kernel/harness.js";

/**
 * N untrusted clients with `steps` adversary steps each (and, with `ram`, memory of their own:
 * their permutations then move memory objects), calling a server that lends a buffer and
 * revokes it; `extra` goes at the top of the system (a kernel block).
 */
export const clients = (n: number, extra = "", ram = true, steps = 1): string => `system clients {
  ${extra}
  component sigma0 : trusted root { }
  component server : trusted {
    memory buf 4K [data]
    portal rpc
    thread serve { loop { recv rpc -> x; reply ok with buf : r; revoke buf } }
  }
  component client[${n}] : untrusted {
    ${ram ? "memory ram 4K [mine]" : ""}
    caps { server.rpc: call }
    adversary steps ${steps}
  }
  invariant revocable(server.buf)
}
`;

/** The system of a scenario's text, footprints off (as the explorer runs it). */
export function systemOf(text: string): System {
  const sys = buildSystem(compile(text));
  sys.footprints = false;
  return sys;
}

/** W trusted workers serving a portal each and C untrusted clients that each hold every worker's portal. */
export const pool = (workers: number, clientCount: number, serve = "loop { recv job -> x; reply ok }"): string => `system pool {
  component sigma0 : trusted root { }
  component worker[${workers}] : trusted {
    portal job
    thread serve { ${serve} }
  }
  component client[${clientCount}] : untrusted {
    caps { worker.job: call }
    adversary steps 1
  }
  invariant available(worker.job)
  invariant deadlock_free
}`;
