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
  return readFileSync(path, "utf8");
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
