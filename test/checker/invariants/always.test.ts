// always COND / never COND: evaluated on every reachable state; reasons explain the predicates that decide.
import { describe, expect, it } from "vitest";
import { check } from "./run.js";

/** vault's thread maps its key into black; black's adversary may then read it. */
const scenario = (invariant: string, body = "map key -> black"): string => `system al {
  component sigma0 : trusted root { }
  component vault : trusted {
    memory key 4K [secret]
    caps { black: ctrl }
    thread t { ${body} }
  }
  component black : untrusted { memory ram 4K; adversary steps 1 }
  ${invariant}
}`;

describe("always and never", () => {
  it("always: fails where the condition is false, with the knows source", () => {
    const { found } = check(scenario("invariant always not knows(black, secret)"));
    expect(found).toMatchObject({ state: 1 });
    expect(found!.reason).toBe("not knows(black, secret) is false: black knows secret: it reads vault.key, which carries it");
  });

  it("always: holds when the key is never mapped", () => {
    expect(check(scenario("invariant always not knows(black, secret)", "")).found).toBeNull();
  });

  it("never: fails where the condition holds, explaining each conjunct", () => {
    const { found } = check(scenario("invariant never maps(black, vault.key) and holds(black, vault.key)"));
    expect(found!.reason).toBe("maps(black, vault.key) and holds(black, vault.key) holds: black maps vault.key; black holds a capability to vault.key");
  });

  it("never: an or explains the operand that made it true; a false predicate is explained too", () => {
    const { found } = check(scenario("invariant never holds(black, vault) or not holds(vault, black)"));
    expect(found).toBeNull();
    const bad = check(scenario("invariant never maps(sigma0, vault.key) or not knows(black, secret)"));
    expect(bad.found).toMatchObject({ state: 0, reason: "maps(sigma0, vault.key) or not knows(black, secret) holds: black does not know secret" });
  });

  it("always: holds throughout; the adversary's own unmap falsifies maps", () => {
    expect(check(scenario("invariant always holds(vault, black) and not holds(black, vault)")).found).toBeNull();
    const { found } = check(scenario("invariant always maps(black, black.ram)", ""));
    expect(found?.reason).toBe("maps(black, black.ram) is false: black does not map black.ram");
  });
});
