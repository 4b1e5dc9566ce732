// `nizza run`: the built binary follows one seeded random path and prints each step with its source line.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nizza, scratch } from "./cli.js";

const USINA = "scenarios/usina.nizza";

/** A numbered step line: number, cpu (or env), text, location, choice. */
const STEP = /^ {0,3}(\d+) {2}(cpu\d+|env ) {2}(.*?)(?: {3}\((.+?):(\d+)\))? {3}\[(\d+) of (\d+)\]$/;
const STOP = /^ {0,3}(\d+) {2}no step is enabled: every thread is blocked or done$/;

interface Line {
  n: number;
  cpu: string;
  text: string;
  file?: string;
  line?: number;
}
function steps(out: string): { lines: Line[]; stopped: boolean } {
  const rows = out.trimEnd().split("\n").slice(1);
  const lines: Line[] = [];
  let stopped = false;
  for (const row of rows) {
    const m = STEP.exec(row);
    if (m) {
      lines.push({ n: Number(m[1]), cpu: m[2]!, text: m[3]!, file: m[4], line: m[5] ? Number(m[5]) : undefined });
      expect(Number(m[6])).toBeLessThanOrEqual(Number(m[7]));
      continue;
    }
    expect(STOP.test(row), `unexpected line: ${row}`).toBe(true);
    expect(stopped).toBe(false);
    stopped = true;
  }
  return { lines, stopped };
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split("\n").length;

describe("nizza run", () => {
  it("runs usina for 50 numbered steps (or stops early, saying so) and exits 0", () => {
    const r = nizza(["run", USINA, "--steps", "50", "--seed", "1"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out.split("\n")[0]).toBe(`run of usina (${USINA}), seed 1, at most 50 steps`);
    const { lines, stopped } = steps(r.out);
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
    if (!stopped) expect(lines).toHaveLength(50);
    expect(r.out.endsWith("\n")).toBe(true);
  });

  it("is reproducible: the same seed gives byte-identical output, another seed another run", () => {
    const a = nizza(["run", USINA, "--steps", "50", "--seed", "1"]);
    const b = nizza(["run", USINA, "--steps", "50", "--seed", "1"]);
    const c = nizza(["run", USINA, "--steps", "50", "--seed", "2"]);
    expect(b.out).toBe(a.out);
    expect(c.code).toBe(0);
    expect(c.out).not.toBe(a.out);
    expect(c.out.split("\n").slice(1)).not.toEqual(a.out.split("\n").slice(1));
  });

  it("traces thread steps to the line of their statement, adversary steps to their component, environment steps to nothing", () => {
    const text = readFileSync(USINA, "utf8");
    const where: [RegExp, number][] = [
      [/^viaduct\.crypto: recv encrypt -> pkt/, lineOf(text, "recv encrypt -> pkt")],
      [/^viaduct\.crypto: call linux_black\.tx/, lineOf(text, "call linux_black.tx")],
      [/^viaduct\.crypto: reply ok/, lineOf(text, "reply ok")],
      [/^linux_red\[adversary\]: /, lineOf(text, "component linux_red")],
      [/^linux_black\[adversary\]: /, lineOf(text, "component linux_black")],
    ];
    const seen = new Set<number>();
    for (let seed = 1; seed <= 12 && seen.size < 3; seed++) {
      const r = nizza(["run", USINA, "--steps", "60", "--seed", String(seed)]);
      expect(r.code).toBe(0);
      for (const l of steps(r.out).lines) {
        if (l.cpu === "env ") {
          expect(l.file).toBeUndefined();
          expect(l.text).toMatch(/^(timeout of |device )/);
          continue;
        }
        const w = where.find(([re]) => re.test(l.text));
        if (w && /^viaduct\.crypto: (?!revoke)/.test(l.text)) seen.add(w[1]);
        if (!w) continue; // revoke continuations have no statement of their own
        expect(l.file).toBe(USINA);
        expect(l.line, l.text).toBe(w[1]);
      }
    }
    // The crypto thread's statements all showed up on some run.
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });

  it("gives MMIO windows data from outside, so a driver reads the values its conditions compare (language.md §9.5)", () => {
    const file = "scenarios/uart_console_backdoor.nizza";
    const read = new Set<string>();
    let put = 0;
    for (const seed of ["1", "2", "3", "4"]) {
      const r = nizza(["run", file, "--seed", seed, "--steps", "60"]);
      expect(r.code).toBe(0);
      for (const { text } of steps(r.out).lines) {
        if (/^device uart puts data from outside, \S+ \[serial\], in its MMIO window$/.test(text)) put++;
        const m = /^uart_drv\.rx: read uart\.mmio -> c: c = (\S+) \[serial\]$/.exec(text);
        if (m) read.add(m[1]!);
      }
    }
    expect(put).toBeGreaterThan(0);
    // Not only the 0 a window holds at boot: a value the driver's `if`s tell apart.
    expect([...read].some((v) => v === "42" || v === "5")).toBe(true);
  });

  it("prints the runs the docs show: spec/language.md §9.8's example, and the README's first steps of usina", () => {
    const spec = readFileSync("spec/language.md", "utf8");
    const source = /```nizza\n(system execution_example \{[\s\S]*?)```/.exec(spec)![1]!;
    const shown = /```text\n(run of execution_example \(execution\.nizza\), seed 4, at most 20 steps\n[\s\S]*?)```/.exec(spec)![1]!;
    const dir = scratch({ "execution.nizza": source });
    const r = nizza(["run", "execution.nizza", "--seed", "4", "--steps", "20"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(shown);
    const readme = readFileSync("README.md", "utf8");
    const head = /```\n(run of usina \(scenarios\/usina\.nizza\), seed 1, at most 50 steps\n(?: +\d+ .*\n)+) +…\n```/.exec(readme)![1]!;
    const u = nizza(["run", USINA, "--seed", "1", "--steps", "50"]);
    expect(u.out.startsWith(head), `README's run sample:\n${head}\nnow:\n${u.out.split("\n").slice(0, 4).join("\n")}`).toBe(true);
  });

  it("stops early when no step is enabled", () => {
    const dir = scratch({ "tiny.nizza": "system tiny {\n  component sigma0 : trusted root {\n    semaphore s\n    thread t { up s; up s }\n  }\n}\n" });
    const r = nizza(["run", "tiny.nizza", "--steps", "5"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "run of tiny (tiny.nizza), seed 1, at most 5 steps",
        "   1  cpu0  sigma0.t: up s   (tiny.nizza:4)   [1 of 1]",
        "   2  cpu0  sigma0.t: up s   (tiny.nizza:4)   [1 of 1]",
        "   3  no step is enabled: every thread is blocked or done",
        "",
      ].join("\n"),
    );
  });

  it("rejects a step count or seed that is not a whole number, with exit 2", () => {
    for (const [opt, v] of [
      ["--steps", "0"],
      ["--steps", "abc"],
      ["--steps", "-3"],
      ["--steps", "1.5"],
      ["--seed", "-1"],
      ["--seed", "x"],
      // 2^32 would wrap to seed 0 in the generator: refused instead.
      ["--seed", "4294967296"],
    ] as const) {
      const r = nizza(["run", USINA, opt, v]);
      expect(r.code, `${opt} ${v}`).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toContain(`nizza: ${opt} takes a whole number from ${opt === "--steps" ? 1 : 0} to 4294967295, not '${v}'`);
    }
  });

  it("reports a scenario with errors, with diagnostics, and exits 2 without running", () => {
    const dir = scratch({ "broken.nizza": "system broken {\n  component a : trusted root {\n    thread t { call }\n  }\n}\n" });
    const r = nizza(["run", "broken.nizza"], dir);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain("broken.nizza:3:21: error[E0104]");
    expect(r.err).toContain("broken.nizza: 1 error");
    expect(r.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });

  it("reports a missing file and a missing argument with exit 2", () => {
    const missing = nizza(["run", "no/such.nizza"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no/such.nizza");
    const none = nizza(["run"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("missing required argument 'file'");
  });

  it("prints help for 'nizza run --help' and exits 0", () => {
    const r = nizza(["run", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: nizza run \[options\] <file>/);
    expect(r.out).toContain("--steps <n>");
    expect(r.out).toContain("--seed <s>");
  });
});
