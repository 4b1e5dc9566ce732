// Fault flags: seeded kernel bugs, so that every scenario suite can be validated by mutation.

export const FAULT_FLAGS = {
  revoke_nonrecursive: "revoke removes only direct children in the derivation tree, not their descendants",
  revoke_race: "a preemptible revoke can miss a child delegated concurrently on another CPU",
  delegate_rights_escalation: "delegation does not mask the rights of the source capability",
  map_unowned: "mapping does not check that the mapper holds the page (Xen's PTE validation off)",
  pagetable_writable: "a protection domain's page table is mapped writable into it",
  stale_tlb: "unmap and revoke do not shoot down TLB entries on other CPUs",
  dma_no_iommu: "the IOMMU does not confine device DMA",
  portal_cross_core: "a portal can be called from a CPU other than its server's",
  reply_cap_leak: "the reply capability survives the reply and can be used again",
  irq_priority_inversion: "an interrupt is delivered at the priority of the interrupted EC",
} as const;

export type FaultFlag = keyof typeof FAULT_FLAGS;

export function isFaultFlag(s: string): s is FaultFlag {
  return Object.hasOwn(FAULT_FLAGS, s);
}
