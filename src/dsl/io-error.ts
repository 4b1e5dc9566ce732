// Why a file or folder cannot be read, in words: the reason diagnostics and usage errors give.

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
  }
  const message = e instanceof Error ? e.message : String(e);
  // Node's messages read "CODE: text, syscall 'path'": keep the text.
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(message);
  return m ? m[1]! : message;
}
