// fast-check arbitrary for small scenarios that `nizza check` explores completely in well under a second, with invariants of every kind.
import fc from "fast-check";

/**
 * Two or three trusted components with one short thread each, over a shared region, a
 * semaphore and a portal of the first, which also drives a keyboard with an MMIO window. (Even a one-step adversary makes most of them too
 * large for a unit test: scenarios with adversaries are written by hand in the tests.)
 * Every statement names only objects the scenario declares, so every generated text
 * compiles; the invariants are chosen to be decided either way.
 */
const stmt = (self: number): fc.Arbitrary<string> =>
  fc.constantFrom(
    "up c0.s",
    "down c0.s",
    `call c0.p(${self}) -> x timeout 1`,
    "call c0.p(1)",
    "read c0.buf -> x",
    "write c0.buf <- x",
    "write c0.buf <- 1",
    "choose { up c0.s } or { write c0.buf <- 2 }",
    "if x == 1 { up c0.s } else { write c0.buf <- 3 }",
  );

/** The first component's own statements: it serves the portal and owns what is shared. */
const ownerStmt: fc.Arbitrary<string> = fc.constantFrom(
  "recv p -> x",
  "reply x",
  "reply ok",
  "up s",
  "down s",
  "delegate buf -> c1 : r",
  "revoke buf",
  "write buf <- x",
  "read secret -> x",
  // The keyboard's register: data from outside (language.md §9.5). Its comparison makes the
  // check explore again with 2 in it, and so may another thread's `if x == 1` on the buffer.
  "read kb.mmio -> k; if k == 2 { up s } else { write buf <- k }",
);

const INVARIANTS = [
  "invariant deadlock_free",
  "invariant never flows([hidden] -> c1)",
  "invariant always not holds(c1, c0.buf) or holds(c0, c0.buf)",
  "invariant never holds(c1, c0.buf)",
  "invariant revocable(c0.buf)",
  "invariant available(c0.p)",
  "invariant never knows(c1, hidden)",
];

export interface SmallScenario {
  readonly text: string;
  readonly invariants: number;
}

export const smallScenario: fc.Arbitrary<SmallScenario> = fc
  .record({
    owner: fc.array(ownerStmt, { minLength: 1, maxLength: 3 }),
    loopOwner: fc.nat(2).map((n) => n === 0),
    others: fc.array(fc.array(stmt(1), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
    invariants: fc.subarray(INVARIANTS, { minLength: 1, maxLength: 3 }),
  })
  .map((r) => {
    // Each thread also binds x (in its last statement), so every use of x is of a variable.
    const ownerBody = r.loopOwner ? `loop { ${r.owner.join("; ")} }; read buf -> x` : `${r.owner.join("; ")}; read buf -> x`;
    const others = r.others
      .map((body, i) => `  component c${i + 1} : trusted { caps { c0.p: call; c0.s: up+down; c0.buf: rw } thread t { ${body.join("; ")}; read c0.buf -> x } }`)
      .join("\n");
    const text = `system small {
  machine { device kb { mmio 4K; produces [typed] } }
  component c0 : trusted root {
    device kb
    memory buf 4K
    memory secret 4K [hidden]
    portal p
    semaphore s
    thread t { ${ownerBody} }
  }
${others}
  ${r.invariants.join("\n  ")}
}
`;
    return { text, invariants: r.invariants.length };
  });

/** A replica's statements: on its own memory, and on the server's portal, semaphore and buffer. */
const replicaStmt: fc.Arbitrary<string> = fc.constantFrom(
  "up c0.s",
  "down c0.s",
  "call c0.p(2) -> x timeout 1",
  "call c0.p(seal(1, key)) -> x",
  "write own <- x",
  "read own -> x",
  "read c0.buf -> x",
  "write c0.buf <- x",
  "choose { up c0.s } or { write own <- 3 }",
  "if x == 2 { write own <- seal(x, key) } else { down c0.s }",
  // Labelled data sealed with the replica's key, and opened with it: its sealed labels matter.
  "read own -> x; call c0.p(seal(x, key)) -> x timeout 1",
  "write c0.buf <- open(x, key)",
);

/** The server's statements when it has replicated clients: replicas are named as a group, or one of them on its own. */
const serverStmt: fc.Arbitrary<string> = fc.constantFrom(
  "recv p -> x",
  "reply x",
  "reply ok with buf : r",
  "up s",
  "down s",
  "revoke buf",
  "write buf <- x",
  "read secret -> x",
  "write buf <- open(x, buf)",
);

// Not deadlock_free: under it the judgement follows each replica's thread along the explored graph
// (spec/invariants.md §8, §10.2), which `followedScenario` compares (invariants/graph.test.ts).
const REPLICA_INVARIANTS = [
  "invariant never flows([hidden] -> c)",
  "invariant never holds(c, c0.buf)",
  "invariant revocable(c0.buf)",
  "invariant available(c0.p)",
  "invariant never knows(c, hidden)",
  "invariant never knows(c0, mine)",
  "invariant always not maps(c, c0.buf)",
  "invariant tcb(c0) <= { c0 }",
];

/** The server `c0` of replicas (`trust`: "trusted root" or "trusted"): its statements, in a loop or once, then a read that binds x. */
const server = (trust: string, stmts: readonly string[], loop: boolean): string => `component c0 : ${trust} {
    memory buf 4K
    memory secret 4K [hidden]
    portal p
    semaphore s
    thread t { ${loop ? `loop { ${stmts.join("; ")} }` : stmts.join("; ")}; read buf -> x }
  }`;

/**
 * Scenarios with a replicated trusted component `c[K]` (K = 2 or 3) beside a server that is
 * root: what symmetry reduction is compared on. The replicas' memory is labelled and sealed
 * values name their key, so a permutation has references to map. (The language names
 * replicas only as a group, spec/language.md §6.6, so nothing pins one.)
 */
export const replicatedScenario: fc.Arbitrary<SmallScenario> = fc
  .record({
    server: fc.array(serverStmt, { minLength: 1, maxLength: 3 }),
    loopServer: fc.boolean(),
    replicas: fc.constantFrom(2, 3),
    body: fc.array(replicaStmt, { minLength: 1, maxLength: 3 }),
    invariants: fc.subarray(REPLICA_INVARIANTS, { minLength: 1, maxLength: 3 }),
  })
  .map((r) => {
    const text = `system replicated {
  ${server("trusted root", r.server, r.loopServer)}
  component c[${r.replicas}] : trusted {
    memory own 4K [mine]
    memory key 4K
    caps { c0.p: call; c0.s: up+down; c0.buf: rw }
    thread t { ${r.body.join("; ")}; read own -> x }
  }
  ${r.invariants.join("\n  ")}
}
`;
    return { text, invariants: r.invariants.length };
  });

/** What a server may be asked of adversary replicas: the replicated threads' invariants, but those on the replicas' own memory (they have none), and their isolation. */
const ADVERSARY_INVARIANTS = [...REPLICA_INVARIANTS.filter((i) => !i.includes("mine")), "invariant isolated(c0, c)"];

/**
 * Scenarios whose replicas are untrusted adversaries, `c[K]` (K = 2 or 3, one step each), as in
 * the bench scenario (bench/scalable.ts): what a replica does is every system call its
 * capabilities allow, so replies, delegations and revocations carry replicas' objects between
 * them and the server, which a permutation must map. Their spaces run from tens of states to
 * hundreds of thousands: a test bounds the search without reductions and skips those above it.
 */
export const adversaryScenario: fc.Arbitrary<SmallScenario> = fc
  .record({
    server: fc.array(serverStmt, { minLength: 1, maxLength: 3 }),
    loopServer: fc.boolean(),
    replicas: fc.constantFrom(2, 3),
    caps: fc.subarray(["c0.p: call", "c0.s: up+down", "c0.buf: rw"], { minLength: 1 }),
    invariants: fc.subarray(ADVERSARY_INVARIANTS, { minLength: 1, maxLength: 3 }),
  })
  .map((r) => {
    const text = `system adversaries {
  component sigma0 : trusted root { }
  ${server("trusted", r.server, r.loopServer)}
  component c[${r.replicas}] : untrusted {
    caps { ${r.caps.join("; ")} }
    adversary steps 1
  }
  ${r.invariants.join("\n  ")}
}
`;
    return { text, invariants: r.invariants.length };
  });

/** A replica's statements in `followedScenario`: serving its own portal, and waiting on the server's portal and semaphore, with and without a timeout. */
const followedStmt: fc.Arbitrary<string> = fc.constantFrom(
  "recv q -> x",
  "reply x",
  "reply ok",
  "up c0.s",
  "down c0.s",
  "call c0.p(1) -> x timeout 1",
  "call c0.p(1) -> x",
  "choose { up c0.s } or { recv q -> x }",
);

/** The server's statements in `followedScenario`. */
const followedServerStmt: fc.Arbitrary<string> = fc.constantFrom("recv p -> x", "reply x", "up s", "down s");

/**
 * Scenarios whose invariants follow one replica along paths (spec/invariants.md §10.2): a
 * replicated trusted component `c[K]` (K = 2 or 3) whose threads serve a portal of their own and
 * can wait without a timeout, under `available(c.q)` (each replica's portal judged apart) and
 * `deadlock_free` (each replica's thread judged apart); with or without an adversary that calls
 * every replica's portal. Each thread ends with a read that binds x, so every use of x is of a variable.
 */
export const followedScenario: fc.Arbitrary<SmallScenario> = fc
  .record({
    server: fc.array(followedServerStmt, { minLength: 1, maxLength: 3 }),
    loopServer: fc.boolean(),
    replicas: fc.constantFrom(2, 3),
    body: fc.array(followedStmt, { minLength: 1, maxLength: 3 }),
    loopBody: fc.boolean(),
    adversary: fc.boolean(),
    invariants: fc.subarray(["invariant deadlock_free", "invariant available(c.q)", "invariant available(c0.p)"], { minLength: 1 }),
  })
  .map((r) => {
    const text = `system followed {
  component c0 : trusted root {
    memory buf 4K
    portal p
    semaphore s
    thread t { ${r.loopServer ? `loop { ${r.server.join("; ")} }` : r.server.join("; ")}; read buf -> x }
  }
  component c[${r.replicas}] : trusted {
    memory own 4K
    portal q
    caps { c0.p: call; c0.s: up+down }
    thread t { ${r.loopBody ? `loop { ${r.body.join("; ")} }` : r.body.join("; ")}; read own -> x }
  }
  ${r.adversary ? "component a : untrusted { caps { c.q: call }; adversary steps 1 }" : ""}
  ${r.invariants.join("\n  ")}
}
`;
    return { text, invariants: r.invariants.length };
  });

/**
 * Two families, `s[W]` trusted workers each serving a portal of its own and `c[C]` untrusted
 * clients that each hold every worker's portal (W = 2 or 3, C = 1 or 2): permuting the workers
 * would move the capabilities in the clients' slots, so at most one family is permuted and the
 * other stays in place (spec/invariants.md §10.2, *When it applies*). With one client, `c[1]`
 * is no family and the workers are permuted with its slots as a slot class.
 */
export const poolScenario: fc.Arbitrary<SmallScenario> = fc
  .record({
    workers: fc.constantFrom(2, 3),
    clients: fc.constantFrom(1, 2),
    body: fc.array(fc.constantFrom("write m <- x", "read m -> y", "reply x", "reply ok", "up sigma0.done"), { minLength: 1, maxLength: 2 }),
    loop: fc.boolean(),
    invariants: fc.subarray(["invariant available(s.p)", "invariant deadlock_free", "invariant isolated(s, c)", "invariant never flows([m] -> c)"], { minLength: 1 }),
  })
  .map((r) => {
    const serve = `recv p -> x; ${r.body.join("; ")}`;
    const text = `system pool {
  component sigma0 : trusted root { semaphore done }
  component s[${r.workers}] : trusted {
    memory m 4K [m]
    portal p
    caps { sigma0.done: up }
    thread t { ${r.loop ? `loop { ${serve} }` : serve} }
  }
  component c[${r.clients}] : untrusted {
    caps { s.p: call }
    adversary steps 1
  }
  ${r.invariants.join("\n  ")}
}
`;
    return { text, invariants: r.invariants.length };
  });
