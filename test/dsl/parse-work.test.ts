// The parser's work grows linearly with the input: long chains and lists (else-ifs, operators, statements, branches, components, items) cost the same per element at 400 and at 800 elements.
//
// Work is counted, not timed: the Earley states nearley creates (every column's states, kept
// with keepHistory), and the values the grammar's postprocessors build (the slots of each array
// or object one returns, and of the arrays in its fields). A right-recursive rule makes the
// states grow quadratically (an `else if` chain did: the whole chain was completed again at each
// link); a postprocessor that copies a list to add an item makes the values grow quadratically
// (the lists did). Linear work doubles when the input doubles; quadratic work quadruples.
import nearley from "nearley";
import { describe, expect, it } from "vitest";
import grammar from "../../src/dsl/grammar.generated.js";
import { NizzaLexer } from "../../src/dsl/lexer.js";

/** Slots of what a postprocessor returned: an array's items, an object's fields and the items of arrays in them. */
function slots(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (v === null || typeof v !== "object") return 1;
  let n = 0;
  for (const x of Object.values(v)) n += 1 + (Array.isArray(x) ? x.length : 0);
  return n;
}

let built = 0;
const counted = nearley.Grammar.fromCompiled({
  ...grammar,
  ParserRules: grammar.ParserRules.map((r) => {
    const post = r.postprocess;
    if (!post) return r;
    return {
      ...r,
      postprocess: (d: unknown[], loc?: number, reject?: object) => {
        const v = post(d, loc, reject);
        if (v !== reject) built += slots(v);
        return v;
      },
    };
  }),
});

/** The parser's work on a text, which must parse. */
function work(text: string): { states: number; built: number } {
  built = 0;
  const parser = new nearley.Parser(counted, { keepHistory: true });
  (parser as unknown as { lexer: NizzaLexer }).lexer = new NizzaLexer();
  parser.feed(text);
  expect(parser.results.length).toBe(1);
  const table = (parser as unknown as { table: { states: unknown[] }[] }).table;
  return { states: table.reduce((s, c) => s + c.states.length, 0), built };
}

const thread = (body: string): string =>
  `system d { component s : trusted root { semaphore m memory k 4K thread t { read k -> x ${body} } } }\n`;
const component = (items: string): string => `system d { component s : trusted root { ${items} } }\n`;

/** Inputs with n elements of one kind (they parse; most are then rejected by later rules, which is not measured). */
const LONG: Record<string, (n: number) => string> = {
  "else-if chain": (n) => thread("if x == ok { up m }" + " else if x == 0 { up m }".repeat(n)),
  "else-if chain with an else": (n) => thread("if x == ok { up m }" + " else if x == 0 { up m }".repeat(n) + " else { down m }"),
  "or chain": (n) => thread("assert x == ok" + " or x == 0".repeat(n)),
  "and chain": (n) => thread("assert x == ok" + " and x != 0".repeat(n)),
  "not chain": (n) => thread("assert " + "not ".repeat(n) + "x == ok"),
  "nested loops": (n) => thread("loop { ".repeat(n) + "up m " + "} ".repeat(n)),
  "statements": (n) => thread("up m ".repeat(n)),
  "statements with ';'": (n) => thread("up m; ".repeat(n)),
  "if statements": (n) => thread("if x == ok { up m } else { down m } ".repeat(n)),
  "choose branches": (n) => thread("choose { up m }" + " or { down m }".repeat(n)),
  "call arguments": (n) => thread("call s.p(" + "x, ".repeat(n) + "x)"),
  "rights": (n) => thread("delegate k -> s : " + "r + ".repeat(n) + "w"),
  "thread attributes": (n) => component("thread t" + " prio 1".repeat(n) + " { }"),
  "component items": (n) => component("portal p ".repeat(n)),
  "capabilities": (n) => component("caps { " + "s.p: call ".repeat(n) + "}"),
  "labels": (n) => component("memory k 4K [" + "a, ".repeat(n) + "a]"),
  "components": (n) => `system d { ${"component c : untrusted { } ".repeat(n)}}\n`,
  "mediators": (n) => `system d { invariant isolated(a, b) except via ${"c, ".repeat(n)}c }\n`,
};

describe("parser work", () => {
  for (const [what, make] of Object.entries(LONG)) {
    it(`is linear in the length of ${what}`, () => {
      const small = work(make(400));
      const large = work(make(800));
      expect(large.states / small.states).toBeLessThan(2.2);
      expect(large.built / small.built).toBeLessThan(2.2);
    });
  }
});
