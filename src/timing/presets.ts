// Cost presets by name: which kernel's published IPC figures a scenario is timed with.
import type { Personality } from "../kernel/personality.js";

/**
 * The names a scenario may give to `costs "..."`. The per-primitive cycle figures
 * and their sources are the business of the timing model (spec/costs.md); this table
 * is what the front end validates against.
 */
export const COST_PRESETS = {
  "l4-486": "L4 on a 50 MHz i486 (Liedtke, SOSP 1993)",
  "mach-486": "Mach 3 on the same class of i486 machine",
  nova: "NOVA on a Core i7 920 (Steinberg and Kauer, EuroSys 2010)",
  sel4: "seL4 on x86-64 Skylake (seL4 published benchmarks)",
  fiasco: "Fiasco.OC / L4Re inter-address-space IPC",
  "linux-monolithic": "Linux system call, with and without page-table isolation",
} as const;

export type CostPreset = keyof typeof COST_PRESETS;

export function isCostPreset(s: string): s is CostPreset {
  return Object.hasOwn(COST_PRESETS, s);
}

/** The preset a personality is timed with when the scenario names none. */
export const DEFAULT_PRESET: Record<Personality, CostPreset> = {
  nova: "nova",
  fiasco: "fiasco",
  l4: "l4-486",
  sel4: "sel4",
  // Xen and exokernel runs take the figures of the contemporary microkernel on the
  // same hardware class until presets of their own are added (spec/costs.md).
  xen: "nova",
  exokernel: "l4-486",
  monolithic: "linux-monolithic",
};
