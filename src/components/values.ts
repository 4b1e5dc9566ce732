// Data values in the state: integers, ok, and sealed values, each an int32 beside a label-set word.

/**
 * A value is one int32 (its label set is a separate word, src/machine/memory.ts):
 * - integers 0 .. 2^20 - 1 (the range the language allows for constants),
 * - `ok`, the constant OK (bit 20),
 * - a sealed value: bit 29 set, the key region (memory object) in bits 21-28 (every key is one
 *   of the first 256 regions: E0429, src/dsl/keys.ts), the
 *   plaintext's low 21 bits in bits 0-20 (so sealing a sealed value seals its plaintext).
 */
export const OK = 1 << 20;
const SEALED = 1 << 29;
const PLAIN = (1 << 21) - 1;

export function seal(plain: number, key: number): number {
  return SEALED | ((key & 0xff) << 21) | (plain & PLAIN);
}

/** Opens a value sealed with `key`; any other value opens to 0 (decryption with the wrong key yields noise). */
export function open(v: number, key: number): number {
  if ((v & SEALED) === 0 || ((v >>> 21) & 0xff) !== (key & 0xff)) return 0;
  return v & PLAIN;
}

/** The key a sealed value was sealed with; -1 for a value that is not sealed. */
export function sealedKey(v: number): number {
  return v & SEALED ? (v >>> 21) & 0xff : -1;
}

export function showValue(v: number): string {
  if (v === OK) return "ok";
  if (v & SEALED) return `seal(${showValue(v & PLAIN)}, #${(v >>> 21) & 0xff})`;
  return String(v);
}
