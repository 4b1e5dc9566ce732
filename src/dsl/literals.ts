// Numeric literals: decimal or hex, with an optional K/M/G size suffix; frames are 4K.
import type { Num } from "./ast.js";

export const FRAME_BYTES = 4096;

const SUFFIX: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

export interface NumParts {
  readonly digits: string;
  readonly radix: 10 | 16;
  /** The suffix as written ("" when none). */
  readonly suffix: string;
}

export function numParts(text: string): NumParts {
  const hex = /^0[xX]([0-9a-fA-F]+)(.*)$/.exec(text);
  if (hex) return { digits: hex[1]!, radix: 16, suffix: hex[2]! };
  const dec = /^([0-9]+)(.*)$/.exec(text)!;
  return { digits: dec[1]!, radix: 10, suffix: dec[2]! };
}

/** Whether a suffix is a size multiplier. */
export function isSizeSuffix(s: string): boolean {
  return s === "" || Object.hasOwn(SUFFIX, s);
}

/** The value of a literal (suffix applied when it is a size suffix, ignored otherwise). */
export function numValue(n: Num): number {
  const p = numParts(n.text);
  const base = parseInt(p.digits, p.radix);
  return base * (SUFFIX[p.suffix] ?? 1);
}

/** A byte count as a person writes it: 4K, 32M, 1G, or plain bytes. */
export function formatSize(bytes: number): string {
  for (const [s, m] of [["G", SUFFIX.G!], ["M", SUFFIX.M!], ["K", SUFFIX.K!]] as const) {
    if (bytes >= m && bytes % m === 0) return `${bytes / m}${s}`;
  }
  return String(bytes);
}
