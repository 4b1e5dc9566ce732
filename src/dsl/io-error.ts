// Reading a scenario file, and why a file or folder cannot be read, in words: the reason diagnostics and usage errors give.
import { readFileSync, statSync } from "node:fs";

/** The most a scenario file may hold: far above any written by hand, far below what would exhaust memory. */
export const MAX_SCENARIO_BYTES = 64 * 2 ** 20;
const NOT_REGULAR = "NIZZA_NOT_REGULAR";
const TOO_BIG = "NIZZA_TOO_BIG";

/**
 * A scenario file's text. A pipe, socket or device is refused before it is opened (reading one
 * could block for ever, or never end), and so is a file too large to be a scenario; a folder
 * fails as readFileSync fails on it (EISDIR). Throws an error with a `code` ioReason words.
 */
export function readScenarioText(path: string): string {
  const st = statSync(path);
  const fail = (code: string): never => {
    throw Object.assign(new Error(code), { code });
  };
  if (!st.isFile() && !st.isDirectory()) fail(NOT_REGULAR);
  if (st.size > MAX_SCENARIO_BYTES) fail(TOO_BIG);
  const bytes = readFileSync(path);
  const bad = firstNotUtf8(bytes);
  // The byte-order mark is kept: SourceFile drops it, and `fmt --write` puts it back.
  if (bad < 0) return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  throw new NotUtf8(bytes, bad);
}

/**
 * A scenario file that is not UTF-8 (spec/language.md §1): the parse phase reports it at the
 * first byte that is not part of a UTF-8 character (E0108), on `text`, the file decoded with
 * each such byte as U+FFFD; `offset` is where that byte is in `text`.
 */
export class NotUtf8 extends Error {
  readonly text: string;
  readonly offset: number;
  /** The bad byte, in hex: `0xE9`. */
  readonly shown: string;
  constructor(bytes: Uint8Array, at: number) {
    super("not UTF-8");
    const decode = (b: Uint8Array): string => new TextDecoder("utf-8", { ignoreBOM: true }).decode(b);
    this.text = decode(bytes);
    this.offset = decode(bytes.subarray(0, at)).length;
    this.shown = `0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")}`;
  }
}

/** The index of the first byte of `b` that does not belong to a well-formed UTF-8 character (RFC 3629), or -1. */
export function firstNotUtf8(b: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf): boolean => i < b.length && b[i]! >= lo && b[i]! <= hi;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) i++;
    else if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) i += 2;
    else if (c === 0xe0 && cont(i + 1, 0xa0) && cont(i + 2)) i += 3;
    else if (((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) && cont(i + 1) && cont(i + 2)) i += 3;
    else if (c === 0xed && cont(i + 1, 0x80, 0x9f) && cont(i + 2)) i += 3;
    else if (c === 0xf0 && cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3)) i += 4;
    else if (c >= 0xf1 && c <= 0xf3 && cont(i + 1) && cont(i + 2) && cont(i + 3)) i += 4;
    else if (c === 0xf4 && cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3)) i += 4;
    else return i;
  }
  return -1;
}

/** The reason of a failed file-system call, without Node's code and path (`permission denied`, not `EACCES: permission denied, open 'x'`). */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a folder";
    case "ENOTDIR":
      return "a part of the path is not a folder";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    case "ENAMETOOLONG":
      return "the name is too long";
    case "EIO":
      return "input/output error";
    case NOT_REGULAR:
      return "it is not a regular file (a pipe, socket or device), and a scenario is read from one";
    case TOO_BIG:
      return `it is larger than ${MAX_SCENARIO_BYTES / 2 ** 20} MiB, the most a scenario file may be`;
  }
  const message = e instanceof Error ? e.message : String(e);
  // Node's messages read "CODE: text, syscall 'path'": keep the text.
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(message);
  return m ? m[1]! : message;
}
