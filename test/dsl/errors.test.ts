// Malformed input: every top-level fixture in test/fixtures/errors renders exactly its .expected diagnostics.
//
// Each case is a pair NAME.nizza + NAME.expected (the uncoloured output of renderDiagnostics and a
// newline). Files that fixtures import live in test/fixtures/errors/imports/ and are not cases.
// `UPDATE_GOLDEN=1 npx vitest run test/dsl/errors.test.ts` rewrites the .expected files; the table
// below is not rewritten, so a golden update that moves or changes an error fails until the table
// is changed by hand too. Review every rewritten golden: right message, right place, right reason.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFile } from "../../src/dsl/compile.js";
import { location, renderDiagnostics, sortDiagnostics } from "../../src/dsl/diagnostics.js";

const DIR = "test/fixtures/errors";
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/**
 * Per case: the code and place of the first diagnostic (in source order) and how many there are.
 * The place is `line:col` in the case's own file, or `path:line:col` relative to DIR in another.
 */
const CASES: Record<string, readonly [code: string, at: string, count: number]> = {
  // lexing and parsing
  unterminated_block: ["E0105", "4:14", 1],
  bad_escape: ["E0106", "2:26", 1],
  not_utf8: ["E0108", "1:51", 1],
  import_not_utf8: ["E0108", "imports/latin1.nizza:3:16", 1],
  revoke_race_not_preemptible: ["E0428", "2:23", 1],
  irq_shared: ["E0427", "4:23", 1],
  device_listed_twice: ["E0318", "4:53", 1],
  flows_no_labels: ["E0426", "4:13", 1],
  repeated_label: ["E0426", "2:60", 1],
  too_many_labels: ["E0430", "4:73", 1],
  repeat_too_large: ["E0413", "4:23", 1],
  receives_foreign: ["E0424", "4:23", 1],
  revocable_unqualified: ["E0312", "3:23", 1],
  invariant_bare_region: ["E0305", "4:37", 1],
  int_constant_suffix: ["E0405", "4:35", 1],
  unclosed_loop: ["E0105", "12:2", 1],
  stray_token: ["E0104", "3:20", 1],
  two_systems: ["E0104", "4:1", 1],
  unterminated_comment: ["E0102", "3:3", 1],
  unterminated_string: ["E0103", "2:23", 1],
  unexpected_character: ["E0101", "3:38", 1],
  invisible_char: ["E0101", "4:37", 1],
  count_too_large: ["E0413", "4:34", 1],
  // files and imports
  import_cycle: ["E0202", "imports/cycle_b.nizza:3:10", 1],
  missing_import: ["E0201", "2:10", 1],
  import_after_items: ["E0203", "3:3", 1],
  import_binds_unknown: ["E0204", "2:48", 1],
  import_binds_twice: ["E0205", "2:48", 1],
  duplicate_component: ["E0301", "4:13", 1],
  duplicate_component_import: ["E0301", "3:13", 1],
  duplicate_machine: ["E0315", "3:3", 1],
  duplicate_invariant_name: ["E0314", "6:13", 1],
  // names
  duplicate_region: ["E0302", "4:12", 1],
  unknown_component_caps: ["E0303", "5:12", 1],
  unknown_portal: ["E0304", "6:20", 1],
  unknown_device: ["E0307", "4:40", 1],
  device_object_unknown: ["E0319", "4:64", 1],
  irq_as_region: ["E0312", "4:60", 1],
  exceptions_self: ["E0420", "3:60", 1],
  unknown_label: ["E0308", "6:26", 1],
  unknown_variable: ["E0309", "8:15", 1],
  unknown_function: ["E0310", "8:13", 1],
  unknown_object: ["E0319", "5:14", 1],
  wrong_kind: ["E0312", "7:12", 1],
  component_as_portal: ["E0312", "6:12", 1],
  seal_key_variable: ["E0312", "8:23", 1],
  isolated_unknown: ["E0303", "4:22", 1],
  // numbers and sizes
  bad_size_suffix: ["E0405", "3:16", 1],
  size_not_frames: ["E0406", "3:14", 1],
  count_with_suffix: ["E0413", "2:18", 1],
  cpus_invalid: ["E0413", "3:18", 1],
  replica_zero: ["E0409", "3:20", 1],
  // machine and kernel
  duplicate_cpus: ["E0318", "5:5", 1],
  no_such_cpu: ["E0415", "4:21", 1],
  memory_does_not_fit: ["E0414", "4:33", 1],
  device_assigned_twice: ["E0422", "5:40", 1],
  unknown_personality: ["E0401", "2:10", 1],
  unknown_fault_flag: ["E0402", "2:23", 1],
  unknown_cost_preset: ["E0403", "2:23", 1],
  // components
  no_root: ["E0407", "2:13", 1],
  two_roots: ["E0408", "3:13", 1],
  root_untrusted: ["E0416", "2:13", 1],
  root_replicated: ["E0417", "2:20", 1],
  pager_self: ["E0420", "3:39", 1],
  adversary_trusted: ["E0423", "4:5", 1],
  portal_rights: ["E0404", "5:17", 1],
  delegate_rights: ["E0404", "5:28", 1],
  // statements and expressions
  seal_untrusted: ["E0410", "8:13", 1],
  seal_arity: ["E0412", "8:13", 1],
  type_mismatch: ["E0419", "7:10", 1],
  holds_not_a_name: ["E0419", "4:30", 1],
  recv_foreign_portal: ["E0418", "6:12", 1],
  ambiguous_replica: ["E0425", "6:12", 1],
  recv_replicated_portal: ["E0425", "6:24", 1],
  seal_key_replicated: ["E0425", "8:23", 1],
  // invariants and paths
  isolated_self: ["E0421", "4:25", 1],
  expect_on_path: ["E0411", "5:76", 1],
  device_event_on_component: ["E0424", "5:13", 1],
  // carets under the error after wide characters (columns are UTF-16 code units)
  wide_before_error: ["E0303", "4:104", 1],
  wide_char: ["E0101", "4:40", 1],
  // several independent errors, all reported in one run
  three_errors: ["E0401", "3:10", 3],
};

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith(".nizza"))
  .map((f) => f.slice(0, -".nizza".length))
  .sort();

/** Where a diagnostic starts, relative to DIR, and without the file name when it is the case's own. */
function place(at: string, name: string): string {
  const rel = at.startsWith(`${DIR}/`) ? at.slice(DIR.length + 1) : at;
  return rel.startsWith(`${name}.nizza:`) ? rel.slice(name.length + ".nizza:".length) : rel;
}

describe("malformed input", () => {
  it("has a table entry for every fixture, and a fixture for every table entry", () => {
    expect(Object.keys(CASES).sort()).toEqual(fixtures);
    expect(fixtures.length).toBeGreaterThanOrEqual(24);
  });

  for (const name of fixtures) {
    it(name, () => {
      const path = `${DIR}/${name}.nizza`;
      const golden = `${DIR}/${name}.expected`;
      const c = compileFile(path);
      expect(c.model).toBeNull();
      const out = `${renderDiagnostics(c.diagnostics, c.sources)}\n`;
      if (UPDATE) writeFileSync(golden, out);
      expect(existsSync(golden), `${golden} is missing; run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(out).toBe(readFileSync(golden, "utf8"));

      const want = CASES[name];
      expect(want, `no table entry for ${name}`).toBeDefined();
      const [code, at, count] = want!;
      const first = sortDiagnostics(c.diagnostics)[0]!;
      expect(first.code).toBe(code);
      expect(place(location(first.span, c.sources), name)).toBe(at);
      expect(c.diagnostics.length).toBe(count);
    });
  }
});
