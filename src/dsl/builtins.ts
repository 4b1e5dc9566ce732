// Built-in functions of the expression language: their parameters and result types.

/** What an argument position takes: a data value, or a name of some kind. */
export type ParamKind = "data" | "region" | "component" | "object" | "label";
export type ValueType = "data" | "bool";

export interface Builtin {
  readonly params: readonly ParamKind[];
  readonly result: ValueType;
  /** Declassification: only trusted components may use it (DESIGN.md §5). */
  readonly declassifies: boolean;
  readonly doc: string;
}

export const BUILTINS = {
  seal: {
    params: ["data", "region"],
    result: "data",
    declassifies: true,
    doc: "encrypts data with the key held in a region; the result carries no labels",
  },
  open: {
    params: ["data", "region"],
    result: "data",
    declassifies: true,
    doc: "decrypts data with the key held in a region; the result carries no labels",
  },
  holds: {
    params: ["component", "object"],
    result: "bool",
    declassifies: false,
    doc: "the component holds a capability to the object",
  },
  maps: {
    params: ["component", "region"],
    result: "bool",
    declassifies: false,
    doc: "the region is mapped in the component's page table",
  },
  knows: {
    params: ["component", "label"],
    result: "bool",
    declassifies: false,
    doc: "one of the component's variables, or a region it can read, carries the label",
  },
} as const satisfies Record<string, Builtin>;

export type BuiltinName = keyof typeof BUILTINS;

export function builtin(name: string): Builtin | undefined {
  return Object.hasOwn(BUILTINS, name) ? BUILTINS[name as BuiltinName] : undefined;
}
