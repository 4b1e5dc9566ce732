// The front end end to end: load → resolve → validate → SystemModel, stopping at the first phase with errors.
import { hasErrors, type Diagnostic } from "./diagnostics.js";
import { load, nodeHost, type Host, type Loaded } from "./load.js";
import { keyDiagnostics } from "./keys.js";
import { buildModel, type SystemModel } from "./model.js";
import { resolve } from "./resolve.js";
import type { SourceMap } from "./source.js";
import { validate } from "./validate.js";

export interface Compiled {
  readonly phase: "compiled";
  readonly sources: SourceMap;
  /** null when any phase reported an error: a scenario with errors never reaches the checker. */
  readonly model: SystemModel | null;
  readonly loaded: Loaded;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileFile(path: string, host: Host = nodeHost): Compiled {
  const loaded = load(path, host);
  const done = (diagnostics: readonly Diagnostic[], model: SystemModel | null = null): Compiled => ({
    phase: "compiled",
    sources: loaded.sources,
    model,
    loaded,
    diagnostics,
  });
  // Resolution of a file that did not parse or load completely would only repeat its errors.
  if (!loaded.merged || hasErrors(loaded.diagnostics)) return done(loaded.diagnostics);
  const resolved = resolve({ ...loaded, merged: loaded.merged });
  // Names and the other rules are independent: report both in one run.
  const validated = validate(resolved);
  if (hasErrors(validated.diagnostics)) return done(validated.diagnostics);
  const model = buildModel(validated);
  // The sealing keys' range needs the regions numbered, which the model does.
  const keys = keyDiagnostics(model);
  return keys.length > 0 ? done(keys) : done([], model);
}

/** Compiles text held in memory (tests, tools); imports are read through `host`. */
export function compileText(name: string, text: string, host: Host = nodeHost): Compiled {
  return compileFile(name, {
    read: (p) => (p === name ? text : host.read(p)),
  });
}
