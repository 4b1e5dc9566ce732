// Devices and the IOMMU: a device is assigned to one PD, and DMA is confined to what that PD's page table maps.
import { DEV, type Layout, type StateVector } from "../kernel/layout.js";
import { pte } from "./mmu.js";

export function devicePd(s: StateVector, L: Layout, dev: number): number {
  return s[L.base.dev + dev * DEV.SIZE + DEV.PD]!;
}
export function assignDevice(s: StateVector, L: Layout, dev: number, pd: number): void {
  s[L.base.dev + dev * DEV.SIZE + DEV.PD] = pd;
}

/**
 * Whether device `dev` may DMA into (write) or from (read) memory object `mem`.
 * Without an IOMMU, or with the `dma_no_iommu` fault flag, a DMA device reaches
 * all of physical memory; with it, only what its PD's page table maps (with the
 * matching right), as the IOMMU translates through that table.
 */
export function dmaAllowed(s: StateVector, L: Layout, dev: number, mem: number, write: boolean): boolean {
  const d = L.model.machine.devices[dev]!;
  if (!d.dma) return false;
  if (!L.model.machine.iommu || L.faults.has("dma_no_iommu")) return true; // FAULT dma_no_iommu
  const pd = devicePd(s, L, dev);
  if (pd < 0) return false;
  return (pte(s, L, pd, mem) & (write ? 2 : 1)) !== 0;
}
