// The front end never throws on bad input: token soup, mutated scenarios and random text all yield diagnostics or a model.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileText } from "../../src/dsl/compile.js";
import { hasErrors, renderDiagnostics } from "../../src/dsl/diagnostics.js";
import { RESERVED, tokens } from "../../src/dsl/lexer.js";
import type { Host } from "../../src/dsl/load.js";

const NAME = "fuzz.nizza";

/** Imports resolve only to these in-memory files (and the input itself); every other path cannot be read. */
const FILES: Record<string, string> = {
  "lib.nizza": "system lib { component sigma0 : trusted root { sloc 10 } component w[2] : untrusted { portal p; memory m 4K [l] } }",
  "loop.nizza": 'system loop { import "loop2.nizza" }',
  "loop2.nizza": 'system loop2 { import "loop.nizza" }',
  "bad.nizza": "system bad { component }",
};
const host: Host = {
  read: (p) => {
    const text = FILES[p];
    if (text === undefined) throw new Error(`no file ${p}`);
    return text;
  },
};

const CONTEXTUAL = [
  "cpus", "memory", "device", "iommu", "irq", "mmio", "dma", "produces", "preemptible", "fault",
  "costs", "sloc", "portal", "semaphore", "pager", "caps", "prio", "cpu", "adversary", "steps",
  "timeout", "isolated", "never", "flows", "tcb", "revocable", "available", "deadlock_free", "always",
  "except", "via", "violated", "holds", "within", "cycles", "calls", "receives", "gets", "fires",
  "delivers", "faults", "resumes", "seal", "open", "knows", "maps", "nova", "sel4", "revoke_race", "ctrl",
];
const NAMES = ["sigma0", "a", "b", "w", "key", "p", "m", "x", "l", "nic", "s", "rw", "r"];
const PUNCT = ["{", "}", "{", "}", "[", "]", "(", ")", ":", ";", ",", ".", "+", "->", "<-", "<=", "==", "!="];
const NUMBERS = ["0", "1", "2", "3", "64", "65", "100", "4K", "4X", "2K", "1G", "0x10", "0x1000", "99999999999999999999", "9999999999G"];
const STRINGS = ['"lib.nizza"', '"loop.nizza"', '"bad.nizza"', '"missing.nizza"', `"${NAME}"`, '"nova"', '"', "/*", "//", "*/", "@", "é"];

const token = fc.constantFrom(...RESERVED, ...CONTEXTUAL, ...NAMES, ...PUNCT, ...NUMBERS, ...STRINGS);
const soup = fc.array(token, { maxLength: 60 }).map((ts) => ts.join(" "));
/** Soup inside a system, so that most inputs get past the first tokens. */
const systemSoup = fc
  .tuple(fc.array(token, { maxLength: 60 }), fc.boolean())
  .map(([ts, close]) => `system s { component sigma0 : trusted root { } ${ts.join(" ")} ${close ? "}" : ""}`);

/** A scenario using most constructs, to mutate alongside the shipped ones. */
const RICH = `system rich {
  import "lib.nizza"
  machine { cpus 2; memory 64M; device nic { irq 3; mmio 4K; dma; produces [net] }; iommu }
  kernel sel4 { preemptible revoke; fault stale_tlb; costs "sel4" }
  component srv : trusted { sloc 10; memory buf 8K [sec]; portal rpc; semaphore s; pager sigma0
    caps { w.p: call; sigma0: ctrl }
    thread t prio 5 cpu 1 { loop { recv rpc -> x; read buf -> y; write buf <- seal(x, buf)
      if x == y and not holds(w, w.p) { reply ok } else { reply open(y, buf) }
      choose { up s } or { down s } or { repeat 2 { call a.ap(x, 1) -> z timeout 5 } }
      delegate buf -> a : rw; map buf -> a : r; unmap buf; revoke buf; assert knows(a, net) or maps(a, buf) } } }
  component a : untrusted { device nic; adversary steps 3; memory m 4K; portal ap }
  invariant iso: isolated(a, srv) except via sigma0
  invariant never flows([sec, net] -> a, nic)
  invariant tcb(srv) <= { sigma0, srv }
  invariant tcb(srv).sloc <= 100
  invariant revocable(srv.buf) expect violated
  invariant available(srv.rpc)
  invariant deadlock_free
  invariant always not knows(a, sec)
  path p: a calls srv.rpc -> a gets reply within 100 cycles
  path q: nic fires -> srv resumes
}`;

/** Shipped scenarios with random token edits: deep enough to reach resolve, validate and the model. */
const scenarioTokens = [...["usina", "revoke_race"].map((n) => readFileSync(`scenarios/${n}.nizza`, "utf8")), RICH].map((text) =>
  tokens(text).map((t) => ({ text: t.text, type: t.type ?? "" })),
);
/** A replacement of the same token class keeps most mutants parsing, so that later phases are reached. */
const sameClass: Record<string, fc.Arbitrary<string>> = {
  ident: fc.constantFrom(...CONTEXTUAL, ...NAMES),
  number: fc.constantFrom(...NUMBERS),
  string: fc.constantFrom(...STRINGS.filter((s) => s.length > 2)),
};
const edit = fc.record({
  at: fc.nat(),
  op: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom("delete", "insert", "replace") },
    { weight: 6, arbitrary: fc.constant("swap") },
  ),
  tok: token,
  similar: fc.record(sameClass),
});
const mutated = fc
  .tuple(fc.constantFrom(...scenarioTokens), fc.array(edit, { minLength: 1, maxLength: 4 }))
  .map(([base, edits]) => {
    const ts = base.map((t) => t.text);
    for (const e of edits) {
      const i = e.at % (ts.length + 1);
      if (e.op === "insert") ts.splice(i, 0, e.tok);
      else if (e.op === "delete") ts.splice(i, 1);
      else if (e.op === "replace") ts.splice(i, 1, e.tok);
      else if (i < base.length) ts[i] = e.similar[base[i]!.type] ?? ts[i]!;
    }
    return ts.join(" ");
  });

const random = fc.string({ unit: "binary", maxLength: 200 });

function compilesOrReports(text: string): void {
  const c = compileText(NAME, text, host);
  // A model exactly when there is no error, and every diagnostic renders.
  expect(c.model === null).toBe(hasErrors(c.diagnostics));
  expect(c.model !== null || c.diagnostics.length > 0).toBe(true);
  expect(() => renderDiagnostics(c.diagnostics, c.sources)).not.toThrow();
}

describe("compileText never throws", () => {
  it("on token soup", () => {
    fc.assert(fc.property(fc.oneof(soup, systemSoup), compilesOrReports), { numRuns: 500 });
  });
  it("on mutated scenarios", () => {
    fc.assert(fc.property(mutated, compilesOrReports), { numRuns: 500 });
  });
  it("on random text", () => {
    fc.assert(fc.property(random, compilesOrReports), { numRuns: 500 });
  });
});
