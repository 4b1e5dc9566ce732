// Physical memory: named regions (and device MMIO windows), each with the label set of the data it holds.
import { MEM, type Layout, type StateVector } from "../kernel/layout.js";

/** Label sets are bit masks over SystemModel.labels (at most 31 labels). */
export type Labels = number;
export const MAX_LABELS = 31;

export function regionLabels(s: StateVector, L: Layout, mem: number): Labels {
  return s[L.base.mem + mem * MEM.SIZE + MEM.LABELS]!;
}
export function setRegionLabels(s: StateVector, L: Layout, mem: number, labels: Labels): void {
  s[L.base.mem + mem * MEM.SIZE + MEM.LABELS] = labels;
}
/** A write adds the written data's labels to what the region holds (explicit flow, DESIGN.md §5). */
export function taintRegion(s: StateVector, L: Layout, mem: number, labels: Labels): void {
  s[L.base.mem + mem * MEM.SIZE + MEM.LABELS] |= labels;
}

/** The labels of everything sealed so far with memory object `key` as its key (0 when no thread opens anything: nothing is kept). */
export function sealedLabels(s: StateVector, L: Layout, key: number): Labels {
  return L.keepsSealed ? s[L.base.sealed + key]! : 0;
}
/** A `seal` with `key` adds its data's labels to the key's: what `open` with it gives back (language.md §9.1). */
export function addSealedLabels(s: StateVector, L: Layout, key: number, labels: Labels): void {
  if (L.keepsSealed) s[L.base.sealed + key] |= labels;
}

export function labelMask(indices: readonly number[]): Labels {
  let m = 0;
  for (const i of indices) m |= 1 << i;
  return m;
}
