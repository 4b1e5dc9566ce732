// The html report: one well-formed, self-contained page with every scenario's tables, its architecture graph and an SVG sequence diagram per trace.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invariantsOf } from "../../src/checker/check.js";
import { compileFile } from "../../src/dsl/compile.js";
import { renderHtml, sequenceSvg } from "../../src/report/html.js";
import { renderReport } from "../../src/report/index.js";
import { sequenceOf } from "../../src/report/mermaid.js";
import type { Report } from "../../src/report/model.js";
import { PAGE_SCENARIOS as SCENARIOS, mixedRun, outcome, report } from "./runs.js";


/** A run of the three scenarios above, written to `dir`. */
function fileRun(dir: string): Report {
  const at = (k: keyof typeof SCENARIOS): string => {
    const f = join(dir, `${k}.nizza`);
    writeFileSync(f, SCENARIOS[k]);
    return f;
  };
  return report((["pass", "leak", "broken"] as const).map((k) => outcome(at(k), compileFile(at(k)))));
}

/** Every `<svg>…</svg>` fragment (Graphviz's and the sequence diagrams; none nests another). */
const svgs = (html: string): string[] => html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];

/** A section's HTML, by the scenario file it is about. */
function section(html: string, file: string): string {
  const all = html.match(/<section class="scenario[\s\S]*?<\/section>/g) ?? [];
  const s = all.find((x) => x.includes(`<code>${file}</code>`));
  expect(s, `a section for ${file}`).toBeDefined();
  return s!;
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

/** The URLs a page may hold: XML namespace names, which nothing fetches. */
const NAMESPACES = ["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"];

describe("renderHtml", () => {
  let dir: string;
  let rep: Report;
  let html: string;
  let mixed: Report;
  let mixedHtml: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nizza-html-"));
    rep = fileRun(dir);
    html = await renderHtml(rep);
    mixed = mixedRun();
    mixedHtml = await renderHtml(mixed);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is one well-formed page (it even parses as XML) that loads nothing", () => {
    for (const page of [html, mixedHtml]) {
      expect(page.startsWith("<!DOCTYPE html>\n<html lang=\"en\">\n")).toBe(true);
      expect(page.endsWith("</html>\n")).toBe(true);
      expect(XMLValidator.validate(page.replace(/^<!DOCTYPE html>\n/, ""))).toBe(true);
      const urls = page.match(/[a-z]+:\/\/[^\s"'<>)]*/gi) ?? [];
      expect(urls.filter((u) => !NAMESPACES.includes(u))).toEqual([]);
      expect(page).not.toMatch(/<(?:link|img|iframe|object|embed)\b|<script\b[^>]*\bsrc=|@import|url\((?!#)/i);
      expect(page).not.toMatch(/<!--|<\?xml|<!DOCTYPE svg/);
    }
  });

  it("draws every SVG as well-formed XML", () => {
    const all = [...svgs(html), ...svgs(mixedHtml)];
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const svg of all) expect(XMLValidator.validate(svg), svg.slice(0, 200)).toBe(true);
  });

  it("opens with a summary: the run's verdict and exit code, the tool's version, a linked row per scenario, worst first", () => {
    expect(html).toContain("<title>⚠ nizza check: error</title>");
    expect(html).toContain("3 scenarios: 1 passed, 1 failed, 1 with errors.");
    expect(html).toMatch(/Run exit code <span class="badge error">⚠ exit 2 error<\/span>; nizza 0\.1\.0\./);
    const ids = [...html.matchAll(/<section class="scenario (\w+)" id="([^"]+)">/g)];
    expect(ids.map((m) => m[1])).toEqual(["error", "failed", "ok"]);
    for (const [, , id] of ids) expect(html).toContain(`<a href="#${id}">`);
    // Anchors are unique, in the mixed run too.
    const mixedIds = [...mixedHtml.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(mixedIds).size).toBe(mixedIds.length);
    expect([...mixedHtml.matchAll(/<section class="scenario (\w+)"/g)].map((m) => m[1])).toEqual(["error", "failed", "failed", "failed", "incomplete", "ok", "ok"]);
  });

  it("shows a passing scenario's verdicts, TCB sets, statistics and architecture", () => {
    const s = section(html, join(dir, "pass.nizza"));
    expect(s).toMatch(/<td><span class="mark passed" title="passed">✓<\/span><\/td><td><code>deadlock_free<\/code><\/td><td>holds<\/td><td>holds<\/td><td><span class="at">[^<]*pass\.nizza:4:\d+<\/span><\/td>/);
    expect(s).toMatch(/<td><code>sigma0<\/code><\/td><td><code>kernel<\/code>, <code>sigma0<\/code><\/td><td>[\d,]+<\/td>/);
    expect(s).toContain("<dt>Completeness</dt><dd>every reachable state explored</dd>");
    const arch = /<figure class="architecture">(<svg[\s\S]*?<\/svg>)/.exec(s)?.[1];
    expect(arch).toBeDefined();
    const nodes = [...arch!.matchAll(/<g id="[^"]*" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(nodes.join(" ")).toMatch(/sigma0/);
    expect(nodes.join(" ")).toMatch(/app/);
    expect(s).not.toContain('class="trace');
  });

  it("shows a failing scenario's ✗, its counterexample as numbered steps with source lines and as a sequence diagram", () => {
    const file = join(dir, "leak.nizza");
    const s = section(html, file);
    expect(s).toContain('<span class="badge failed">✗ exit 1 failed</span>');
    expect(s).toMatch(/<span class="mark failed" title="failed">✗<\/span><\/td><td><code>leak: never flows\(\[secret\] -&gt; client\)<\/code><\/td><td>violated <a href="#[^"]+-inv-1">counterexample<\/a><\/td>/);
    const cx = rep.scenarios.find((x) => x.file === file)!.result!.invariants[0]!.counterexample!;
    const trace = /<article class="trace failed" id="[^"]+-inv-1">[\s\S]*?<\/article>/.exec(s)![0];
    expect(trace).toContain(`<strong>Why:</strong> ${cx.reason.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;")}`);
    cx.steps.forEach((st, i) => {
      expect(trace).toContain(`<li value="${i + 1}"><code>${st.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</code> <span class="at">${st.at}</span></li>`);
    });
    const diagram = svgs(trace).filter((x) => x.includes('class="sequence"'));
    expect(diagram).toHaveLength(1);
    expect(count(diagram[0]!, /<g class="arrow">/g)).toBe(cx.steps.filter((st) => st.target !== null).length);
    expect(count(diagram[0]!, /<g class="note">/g)).toBe(cx.steps.filter((st) => st.target === null).length);
    expect(count(diagram[0]!, /<g class="participant">/g)).toBe(new Set(cx.steps.flatMap((st) => [st.actor, ...(st.target ? [st.target] : [])])).size);
    // The client is untrusted, the server trusted: coloured as in the graph's legend.
    expect(diagram[0]).toMatch(/<title>client<\/title><rect [^>]*fill="#f9d9d9"/);
    expect(diagram[0]).toMatch(/<title>server<\/title><rect [^>]*fill="#d8f0dc"/);
    // The same colours as the architecture graph's nodes.
    const arch = /<figure class="architecture">(<svg[\s\S]*?<\/svg>)/.exec(s)![1]!;
    expect(arch).toMatch(/<title>client<\/title>\s*<path fill="#f9d9d9" stroke="#c62828"/);
    expect(arch).toMatch(/<title>server<\/title>\s*<path fill="#d8f0dc" stroke="#2e7d32"/);
    // And the graph at the violating state: the server's reply capability to the client is gone by then.
    const after = /<figure class="architecture at-trace">(<svg[\s\S]*?<\/svg>)/.exec(trace)?.[1];
    expect(after).toBeDefined();
    expect(after).toContain("after step 4 of the counterexample to leak");
  });

  it("lists a scenario's errors instead of its results", () => {
    const s = section(html, join(dir, "broken.nizza"));
    expect(s).toContain('<span class="badge error">⚠ exit 2 error</span>');
    expect(s).toContain("<h3>Scenario errors</h3>");
    const e = rep.scenarios.find((x) => x.result === null)!.errors[0]!;
    expect(s).toContain(`<td><span class="at">${e.at!.file}:${e.at!.line}:${e.at!.column}</span></td><td><span class="sev error">error</span></td><td><code>${e.code}</code></td>`);
    expect(s).not.toContain("<h3>Architecture</h3>");
  });

  it("draws every trace of a mixed run: one diagram per counterexample and per path over its budget or unbounded, lassos in a loop box", () => {
    let traces = 0;
    for (const sc of mixed.scenarios) {
      if (!sc.result) continue;
      const s = section(mixedHtml, sc.file);
      for (const inv of invariantsOf(sc.result).filter((i) => i.counterexample)) {
        traces++;
        const cx = inv.counterexample!;
        const id = [...s.matchAll(/<article class="trace \w+" id="([^"]+)">/g)].map((m) => m[1]!).find((x) => x.endsWith(`-inv-${invariantsOf(sc.result!).indexOf(inv) + 1}`))!;
        const art = new RegExp(`<article class="trace \\w+" id="${id}">[\\s\\S]*?</article>`).exec(s)![0];
        expect(count(art, /<g class="arrow">/g)).toBe(cx.steps.filter((st) => st.target !== null).length);
        expect(count(art, /<g class="loop">/g)).toBe(cx.loopsTo === null ? 0 : 1);
      }
      traces += count(s, /<article class="trace \w+" id="[^"]+-path-\d+">/g);
    }
    expect(count(mixedHtml, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="sequence"/g)).toBe(traces);
    expect(traces).toBeGreaterThanOrEqual(5);
    // The lasso and the unbounded path are loops; the path trace adds cycles per step.
    expect(count(mixedHtml, /<g class="loop">/g)).toBeGreaterThanOrEqual(2);
    expect(mixedHtml).toMatch(/<span class="cycles">\+[\d,]+ cycles<\/span>/);
    expect(mixedHtml).toContain('<li class="marker">the path starts</li>');
    // The path tables: the tight budget is broken, the path without one is measured.
    expect(section(mixedHtml, "ipc_tight.nizza")).toMatch(/<td>1,000<\/td><td>violated: /);
    expect(section(mixedHtml, "scenarios/starvation.nizza")).toMatch(/unbounded<\/span><\/td><td>—<\/td><td>measured, not judged <a href="#[^"]+-path-1">trace<\/a>/);
    // Scenarios that are not files on disk are reported without their architecture.
    expect(section(mixedHtml, "ok.nizza")).toContain('<p class="note">Architecture not drawn: ok.nizza could not be read and compiled again');
    // The replicated clients' graph is drawn from the real file.
    expect(section(mixedHtml, "scenarios/replicated_clients.nizza")).toContain('<figure class="architecture"><svg');
  });

  it("escapes hostile names and texts everywhere: file, invariant, step, reason", () => {
    const evil = `<script>alert("x")</script> & 'q' </svg><![CDATA[`;
    const sc = rep.scenarios.find((x) => x.result?.invariants[0]?.counterexample)!;
    const r = sc.result!;
    const inv = r.invariants[0]!;
    const cx = inv.counterexample!;
    const odd = {
      ...r,
      system: evil,
      invariants: [{ ...inv, name: evil, text: evil, counterexample: { ...cx, reason: evil, steps: cx.steps.map((st) => ({ ...st, actor: evil, text: `${evil} ${st.text}` })) } }, ...r.invariants.slice(1)],
    };
    return renderHtml(report([{ ...sc, file: `${evil}.nizza`, result: odd }])).then((page) => {
      expect(page).not.toContain("<script");
      expect(page).not.toContain(evil);
      expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos; &lt;/svg&gt;&lt;![CDATA[");
      expect(XMLValidator.validate(page.replace(/^<!DOCTYPE html>\n/, ""))).toBe(true);
      for (const svg of svgs(page)) expect(XMLValidator.validate(svg)).toBe(true);
      // Each step is still an arrow: the names change, not the drawing.
      expect(count(svgs(page).join(""), /<g class="arrow">/g)).toBe(cx.steps.filter((st) => st.target !== null).length);
    });
  });

  it("is the report `--format html` renders", async () => {
    expect(await renderReport("html", rep, { color: false })).toBe(html);
  });
});

describe("sequenceSvg", () => {
  it("puts participants in order of first appearance, an arrow per targeted step, a note for the others, every text fitting between its lifelines", () => {
    const seq = sequenceOf([
      { actor: "client[1]", target: "server", text: "client[1].main: call server.rpc(1) -> r: blocks" },
      { actor: "server", target: null, text: "server.serve: recv rpc -> x: x = 1" },
      { actor: "server", target: "client[1]", text: "server.serve: reply x: sends 1" },
      { actor: "kernel", target: "kernel", text: "kernel: to itself" },
    ]);
    expect(seq.participants).toEqual(["client[1]", "server", "kernel"]);
    const svg = sequenceSvg(seq);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect([...svg.matchAll(/<g class="participant"><title>([^<]*)<\/title>/g)].map((m) => m[1])).toEqual(["client[1]", "server", "kernel"]);
    expect(count(svg, /<g class="arrow">/g)).toBe(3);
    expect(count(svg, /<g class="note">/g)).toBe(1);
    expect(svg).toContain(">1. main: call server.rpc(1) -&gt; r: blocks</text>");
    // The first arrow's text (7.2 px a character) fits between the two lifelines it joins.
    const lifelines = [...svg.matchAll(/<line class="lifeline" x1="([-\d.]+)"/g)].map((m) => Number(m[1]));
    expect(lifelines[1]! - lifelines[0]!).toBeGreaterThanOrEqual("1. main: call server.rpc(1) -> r: blocks".length * 7.2);
    // The view box holds everything drawn.
    const [vx, , vw] = /viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+)/.exec(svg)!.slice(1).map(Number) as [number, number, number];
    for (const m of svg.matchAll(/<rect x="([-\d.]+)" y="[-\d.]+" width="([-\d.]+)"/g)) {
      expect(Number(m[1])).toBeGreaterThanOrEqual(vx);
      expect(Number(m[1]) + Number(m[2])).toBeLessThanOrEqual(vx + vw + 0.1);
    }
  });

  it("keeps a call to itself clear of the next lifeline", () => {
    const text = "a.t: call a.self(1) -> r: a rather long text for a call to itself";
    const svg = sequenceSvg(sequenceOf([{ actor: "a", target: "a", text }, { actor: "b", target: null, text: "b.t: up s" }]));
    const [xa, xb] = [...svg.matchAll(/<line class="lifeline" x1="([-\d.]+)"/g)].map((m) => Number(m[1]));
    const label = "1. t: call a.self(1) -> r: a rather long text for a call to itself";
    expect(svg).toContain(`<text x="${xa! + 36}" y="`);
    expect(xa! + 36 + label.length * 7.2).toBeLessThanOrEqual(xb!);
  });

  it("boxes a lasso's loop and draws a trace without steps", () => {
    const svg = sequenceSvg(
      sequenceOf(
        [
          { actor: "a", target: "b", text: "a.t: call" },
          { actor: "b", target: null, text: "b.s: spin" },
        ],
        { loopsTo: 1 },
      ),
    );
    expect(svg).toMatch(/<g class="loop">[\s\S]*>loop for ever, back to step 2<\/text><\/g>/);
    const empty = sequenceSvg(sequenceOf([]));
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(empty).toContain("<title>initial state</title>");
    expect(empty).toContain("no step: the initial state already shows it");
  });
});
