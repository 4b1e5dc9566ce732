// The scalable scenario of issue 5: N untrusted clients calling one trusted server that lends a buffer and revokes it.

/** The scenario with `n` clients, as replicas (`client[n]`), so that symmetry reduction applies. */
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
    adversary steps 1
  }
  invariant revocable(server.buf)
}
`;
}
