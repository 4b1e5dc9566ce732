// The html report in a real browser: headless Chromium (Debian's, driven by playwright-core) shows the architecture graph, the sequence diagram and the verdicts, and a screenshot is kept as a test artifact.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { compileFile } from "../../src/dsl/compile.js";
import { renderHtml } from "../../src/report/html.js";
import { PAGE_SCENARIOS, outcome, report } from "./runs.js";

/** Debian's Chromium: `.ci/run` installs it. Playwright's own browser downloads are never used. */
const CHROMIUM = "/usr/bin/chromium";
/** Headless, and quiet on the network: without these Chromium waits on connections this machine cannot make. */
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SCREENSHOT = "test-artifacts/report.png";

describe("the html report in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "nizza-html-browser-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("shows the graph with a node per component, the sequence diagram with its arrows and ✗ for the failing invariant, with scripts off", async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this test needs Debian's Chromium. .ci/run installs it (apt-get install chromium); on another machine install it the same way.`);
    }
    const files = { pass: join(dir, "pass.nizza"), leak: join(dir, "leak.nizza") };
    writeFileSync(files.pass, PAGE_SCENARIOS.pass);
    writeFileSync(files.leak, PAGE_SCENARIOS.leak);
    const rep = report([outcome(files.pass, compileFile(files.pass)), outcome(files.leak, compileFile(files.leak))]);
    const cx = rep.scenarios[1]!.result!.invariants[0]!.counterexample!;
    const page = join(dir, "report.html");
    writeFileSync(page, await renderHtml(rep));

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    try {
      // No JavaScript: everything must be in the page as written.
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
      const tab = await context.newPage();
      const requests: string[] = [];
      tab.on("request", (r) => requests.push(r.url()));
      await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });
      // The page loads nothing but itself.
      expect(requests).toEqual([pathToFileURL(page).href]);

      await expect.poll(() => tab.title()).toBe("✗ nizza check: failed");
      const leak = tab.locator("section.scenario", { has: tab.locator("h2", { hasText: "leak.nizza" }) });
      const pass = tab.locator("section.scenario", { has: tab.locator("h2", { hasText: "pass.nizza" }) });
      // Failures first.
      expect(await tab.locator("section.scenario h2 > code").allTextContents()).toEqual([files.leak, files.pass]);

      // The verdicts: ✗ for the leak, ✓ for the TCB bound and for the passing scenario.
      const row = (s: typeof leak, name: string) => s.locator("table.verdicts tr", { hasText: name });
      expect((await row(leak, "leak: never flows").locator("td").allInnerTexts()).slice(0, 3)).toEqual(["✗", "leak: never flows([secret] -> client)", "violated counterexample"]);
      expect(await row(leak, "tcb(server)").locator("td").first().innerText()).toBe("✓");
      expect(await row(pass, "deadlock_free").locator("td").first().innerText()).toBe("✓");

      // The architecture graph (Graphviz SVG): a node per component, each named by its <title>, drawn at a real size.
      for (const [s, components] of [[pass, ["sigma0", "app"]], [leak, ["sigma0", "server", "client"]]] as const) {
        const graph = s.locator("figure.architecture:not(.at-trace) svg");
        await expect.poll(() => graph.count()).toBe(1);
        const titles = await graph.locator("g.node > title").allTextContents();
        for (const c of components) expect(titles).toContain(c);
        expect(titles.filter((t) => !t.startsWith("device:") && t !== "kernel")).toHaveLength(components.length);
        const box = await graph.boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        expect(box!.height).toBeGreaterThan(50);
      }

      // The sequence diagram: a lifeline per participant, an arrow per step with a target, each arrow's text between its lifelines.
      const diagram = leak.locator("article.trace svg.sequence");
      await expect.poll(() => diagram.count()).toBe(1);
      expect(await diagram.locator("g.participant > title").allTextContents()).toEqual(["client", "server"]);
      const arrows = diagram.locator("g.arrow");
      expect(await arrows.count()).toBe(cx.steps.filter((st) => st.target !== null).length);
      expect(await diagram.locator("g.note").count()).toBe(cx.steps.filter((st) => st.target === null).length);
      const lifelines = await diagram.locator("line.lifeline").evaluateAll((ls) => ls.map((l) => l.getBoundingClientRect().x));
      const span = Math.abs(lifelines[1]! - lifelines[0]!);
      for (const text of await arrows.locator("text").all()) expect((await text.boundingBox())!.width).toBeLessThanOrEqual(span);
      // The numbered steps with their source lines.
      const steps = leak.locator("article.trace ol.steps > li:not(.marker)");
      expect(await steps.count()).toBe(cx.steps.length);
      expect(await steps.first().innerText()).toBe(`${cx.steps[0]!.text} ${cx.steps[0]!.at}`);

      mkdirSync("test-artifacts", { recursive: true });
      await tab.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
