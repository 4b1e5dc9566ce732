// The explorer's WebAssembly modules: each compiled once per thread from its bytes, and instantiated over a memory.

/** A WebAssembly memory, as far as it is used here. */
export type WasmMemory = { readonly buffer: ArrayBuffer };

/** The little of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Readonly<Record<string, unknown>> };
}

/**
 * The runtime's WebAssembly, or null without it, or when the environment sets `NIZZA_WASM=off`:
 * then every fingerprinter and canonicaliser runs its JavaScript path, which gives the same
 * fingerprints, states and verdicts, more slowly (spec/invariants.md §1, "WebAssembly"). Read
 * whenever a memory or an instance is made: the parallel explorer's workers share the environment
 * (parallel.ts), so a kept worker follows it from one exploration to the next.
 */
const api = (): WasmApi | null => (process.env.NIZZA_WASM === "off" ? null : ((globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null));

/** Compiled modules by their base64 bytes; null for one this runtime cannot run (no WebAssembly, or no SIMD). */
const compiled = new Map<string, object | null>();

/** The module of these base64 bytes, compiled the first time it is asked for; null where this runtime cannot run it. */
function moduleOf(base64: string): object | null {
  let m = compiled.get(base64);
  if (m === undefined) {
    const wasm = api();
    const code = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    m = wasm && wasm.validate(code) ? new wasm.Module(code) : null;
    compiled.set(base64, m);
  }
  return m;
}

/** A new memory of at least `bytes` (whole 64 KiB pages); null without WebAssembly. */
export function newMemory(bytes: number): WasmMemory | null {
  const wasm = api();
  return wasm ? new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) }) : null;
}

/** The exports of the module of these base64 bytes instantiated with `imports`; null where this runtime cannot run it. */
export function instantiate<T>(base64: string, imports: object): T | null {
  const m = moduleOf(base64);
  const wasm = api();
  return m && wasm ? (new wasm.Instance(m, imports).exports as unknown as T) : null;
}
