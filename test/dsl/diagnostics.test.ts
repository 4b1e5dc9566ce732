// The diagnostic renderer's excerpt: the carets sit under the span as a terminal shows the source line.
import { describe, expect, it } from "vitest";
import { error, renderDiagnostic } from "../../src/dsl/diagnostics.js";
import { SourceFile, SourceMap } from "../../src/dsl/source.js";

/** The rendered diagnostic for the first occurrence of `target` in `text`. */
function render(text: string, target: string): string {
  const sources = new SourceMap();
  sources.addFile(new SourceFile("t.nizza", text));
  const start = text.indexOf(target);
  return renderDiagnostic(error("E0303", "m", { file: "t.nizza", start, end: start + target.length }), sources);
}

describe("renderDiagnostic's carets", () => {
  it("count a wide character as two columns, a combining mark as none; the location stays in UTF-16 code units", () => {
    expect(render('a "漢字 e\u0301 🔒" bad', "bad")).toBe(
      [
        "t.nizza:1:14: error[E0303]: m",
        ' 1 | a "漢字 e\u0301 🔒" bad',
        "   |               ^^^",
      ].join("\n"),
    );
  });
  it("are as wide as the wide characters they mark", () => {
    expect(render("x 网关 y", "网关").split("\n")[2]).toBe("   |   ^^^^");
  });
  it("line up after a tab, form feed or vertical tab, each shown as one space", () => {
    expect(render("\ta\f\vbad", "bad").split("\n").slice(1)).toEqual([" 1 |  a  bad", "   |     ^^^"]);
  });
  it("show a control character or a line separator as U+FFFD, which a terminal does not act on", () => {
    expect(render("a\u0000\u001b\u2028 bad", "bad").split("\n").slice(1)).toEqual([" 1 | a\uFFFD\uFFFD\uFFFD bad", "   |      ^^^"]);
  });
  it("show a long line only around the span, cut with …, the carets still under it (at the start, in the middle, at the end)", () => {
    const line = "a".repeat(300) + " bad " + "b".repeat(300);
    const [, shown, carets] = render(line, "bad").split("\n");
    expect(shown).toBe(` 1 | …${"a".repeat(39)} bad ${"b".repeat(76)}…`);
    expect(carets).toBe(`   | ${" ".repeat(41)}^^^`);
    const early = render("x bad " + "c".repeat(500), "bad").split("\n");
    expect(early[1]).toBe(` 1 | x bad ${"c".repeat(114)}…`);
    expect(early[2]).toBe("   |   ^^^");
    const late = render("d".repeat(500) + " bad", "bad").split("\n");
    expect(late[1]).toBe(` 1 | …${"d".repeat(116)} bad`);
    expect(late[2]).toBe(`   | ${" ".repeat(118)}^^^`);
    // Up to 200 characters, a line is shown whole.
    expect(render("g".repeat(196) + " bad", "bad").split("\n")[1]).toBe(` 1 | ${"g".repeat(196)} bad`);
    // A span that runs past the cut is marked up to it.
    const wide = render("e".repeat(10) + "f".repeat(400), "f".repeat(400)).split("\n");
    expect(wide[2]).toBe(`   | ${" ".repeat(10)}${"^".repeat(110)}`);
  });
  it("count lines as editors do: a CR alone ends a line, as LF and CRLF do", () => {
    expect(render("a\rb\r\nc\nd bad\re", "bad").split("\n")).toEqual(["t.nizza:4:3: error[E0303]: m", " 4 | d bad", "   |   ^^^"]);
  });
});
