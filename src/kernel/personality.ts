// Kernel personalities: the kernels a scenario can run on, and their options.

/** NOVA's object model is the base; the others change vocabulary, rules and costs. */
export const PERSONALITIES = {
  nova: "NOVA microhypervisor (the base object model: PD, EC, SC, PT, SM)",
  fiasco: "Fiasco.OC / L4Re (IPC gates instead of portals)",
  l4: "classic L4 (Liedtke's original: threads and synchronous IPC, no capabilities for IPC)",
  sel4: "seL4 (endpoints, CNodes, the capability derivation tree)",
  xen: "Xen hypervisor (paravirtualised guests; page tables validated by the hypervisor)",
  exokernel: "exokernel (secure bindings; library operating systems)",
  monolithic: "monolithic baseline (services are kernel code reached by a system call)",
} as const;

export type Personality = keyof typeof PERSONALITIES;

export function isPersonality(s: string): s is Personality {
  return Object.hasOwn(PERSONALITIES, s);
}
